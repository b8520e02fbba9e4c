#!/usr/bin/env python
"""fasttrain's cost over a hand-written loop: `fit_raw` against `lm_learner(...).fit_steps` on the tiny char preset.

Same model (same initial weights), same batches, same optimizer (fasttrain's AdamW, constant lr, no clipping in either),
alternated in one process. Prints tokens/s of each round and the ratio of the medians (target: learner >= 0.97x raw),
and checks that both end with the same weights.

    FASTTRAIN_DATA=../shared/data python bench/lm_overhead.py [--steps 300] [--rounds 5] [--threads 1]
"""
import argparse, os, time

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--steps', type=int, default=300, help='training steps per measurement (default: %(default)s)')
    ap.add_argument('--rounds', type=int, default=5, help='measurement pairs (default: %(default)s)')
    ap.add_argument('--bs', type=int, default=12, help='windows per batch (default: %(default)s)')
    ap.add_argument('--threads', type=int, default=1, help='torch CPU threads (default: %(default)s)')
    ap.add_argument('--no-bar', action='store_true', help="drop the learner's progress bar")
    a = ap.parse_args(argv)
    import torch
    from fasttrain.cli import bench_overhead
    from fasttrain.core import env_report
    torch.set_num_threads(a.threads)
    env = env_report()
    print(f"tiny preset (4 layers, 4 heads, 128 wide, context 64), batch {a.bs}, {a.steps} steps per run, {a.rounds} rounds; "
          f"torch {env['torch']}, fastai {env['fastai']}, {a.threads} thread(s), {env['device_name']}")
    t0 = time.time()
    r = bench_overhead(steps=a.steps, rounds=a.rounds, bs=a.bs, bar=not a.no_bar)
    print(f"{'round':>5} {'fit_raw tok/s':>14} {'lm_learner tok/s':>17} {'ratio':>6}")
    for i, (x, y) in enumerate(zip(r['raw_tokens_s'], r['learner_tokens_s'])): print(f"{i:>5} {x:>14,.0f} {y:>17,.0f} {y/x:>6.3f}")
    print(f"median ratio learner/raw: {r['ratio']:.3f}   largest weight difference: {r['max_weight_diff']}   ({time.time()-t0:.0f} s)")

if __name__ == '__main__': main()
