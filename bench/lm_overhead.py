#!/usr/bin/env python
"""fasttrain's cost over a hand-written loop: `fit_raw` against `lm_learner(...).fit_steps` on the tiny char preset.

Same model (same initial weights), same batches, same optimizer (fasttrain's AdamW, constant lr, no clipping in either),
alternated in one process (a round runs both, and which goes first alternates). Prints tokens/s of each round, the
per-round ratio learner/raw, their median and spread, and a 95% bootstrap interval of the median ratio (rounds resampled
with replacement, 10,000 times). With `--ci W` it keeps adding rounds, up to `--max-rounds`, until the interval's
half-width is at most W (0.01: within ±1%). Target: the interval's lower bound >= 0.97. It also checks that both loops
end with the same weights.

    FASTTRAIN_DATA=../shared/data python bench/lm_overhead.py [--steps 300] [--rounds 5] [--ci 0.01] [--threads 1]
"""
import argparse, os, random, statistics, time

def bootstrap_ci(xs:list, n:int=10_000, seed:int=0) -> tuple:
    "95% bootstrap interval of the median of `xs`"
    rng = random.Random(seed)
    meds = sorted(statistics.median(rng.choices(xs, k=len(xs))) for _ in range(n))
    return meds[int(0.025 * n)], meds[int(0.975 * n) - 1]

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--steps', type=int, default=300, help='training steps per measurement (default: %(default)s)')
    ap.add_argument('--rounds', type=int, default=5, help='measurement pairs (default: %(default)s)')
    ap.add_argument('--bs', type=int, default=12, help='windows per batch (default: %(default)s)')
    ap.add_argument('--threads', type=int, default=1, help='torch CPU threads (default: %(default)s)')
    ap.add_argument('--no-bar', action='store_true', help="drop the learner's progress bar")
    ap.add_argument('--ci', type=float, default=None, help='add rounds until the 95%% interval half-width is at most this')
    ap.add_argument('--max-rounds', type=int, default=40, help='stop adding rounds here (default: %(default)s)')
    a = ap.parse_args(argv)
    import torch
    from fasttrain.cli import bench_overhead
    from fasttrain.core import env_report
    torch.set_num_threads(a.threads)
    env = env_report()
    print(f"tiny preset (4 layers, 4 heads, 128 wide, context 64), batch {a.bs}, {a.steps} steps per run, {a.rounds} rounds; "
          f"torch {env['torch']}, fastai {env['fastai']}, {a.threads} thread(s), {env['device_name']}")
    t0 = time.time()
    raw, lrn, diff = [], [], 0.
    print(f"{'round':>5} {'fit_raw tok/s':>14} {'lm_learner tok/s':>17} {'ratio':>6}", flush=True)
    while True:
        r = bench_overhead(steps=a.steps, rounds=2, bs=a.bs, bar=not a.no_bar)   # 2: both orders
        for x, y in zip(r['raw_tokens_s'], r['learner_tokens_s']):
            raw.append(x); lrn.append(y); print(f"{len(raw) - 1:>5} {x:>14,.0f} {y:>17,.0f} {y/x:>6.3f}", flush=True)
        diff = max(diff, r['max_weight_diff'])
        ratios = [y / x for x, y in zip(raw, lrn)]
        lo, hi = bootstrap_ci(ratios)
        if len(raw) >= a.rounds and (a.ci is None or (hi - lo) / 2 <= a.ci or len(raw) >= a.max_rounds): break
    med = statistics.median(ratios)
    print(f"learner/raw per round: median {med:.3f}, min {min(ratios):.3f}, max {max(ratios):.3f}, "
          f"95% bootstrap interval of the median [{lo:.3f}, {hi:.3f}] (half-width {(hi - lo) / 2:.3f}), {len(ratios)} rounds")
    print(f"target: lower bound >= 0.97 -> {'met' if lo >= 0.97 else 'not met'}   largest weight difference: {diff}   ({time.time()-t0:.0f} s)")

if __name__ == '__main__': main()
