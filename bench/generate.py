#!/usr/bin/env python
"""Generation speed with and without the KV cache (notebook 03), side by side in one process.

For each model shape, a random model generates `--new` tokens greedily after a `--prompt`-token prompt, batch 1, fp32,
on the CPU (or `--device`), once with `generate(cache=True)` and once with `cache=False` (the context recomputed every
step); the two runs must give the same tokens. It prints tokens/s of each and their ratio.

    python bench/generate.py                         # tiny preset and GPT-2 small's shape, 64 + 256 tokens
    python bench/generate.py --models tiny --new 64  # quicker

The tiny preset has a context of 64 positions, so a 64-token prompt fills it and every later step recomputes the
window in both modes (see notebook 03: a cache can't slide with absolute positions without changing the output): its
ratio is about 1 by design. GPT-2 small's 1,024 positions hold the whole run, so its ratio is the cache's gain.
"""
import argparse, time
import torch
from fasttrain.models import GPT, GPTConfig

SHAPES = {'tiny': dict(), 'gpt2': dict()}   # presets; weights are random, speed doesn't depend on them

def run(model, prompt, n, cache):
    "Generated tokens and seconds"
    t = time.perf_counter()
    out = model.generate(prompt, n, temperature=0, cache=cache)
    return out, time.perf_counter() - t

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--models', nargs='+', default=list(SHAPES), choices=list(SHAPES))
    ap.add_argument('--prompt', type=int, default=64, help='prompt tokens')
    ap.add_argument('--new', type=int, default=256, help='tokens to generate')
    ap.add_argument('--device', default='cpu')
    ap.add_argument('--reps', type=int, default=2, help='runs of each mode, alternating; the best is kept')
    ap.add_argument('--threads', type=int, default=None, help='torch threads (default: torch\'s choice)')
    a = ap.parse_args()
    if a.threads: torch.set_num_threads(a.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, device {a.device}; {a.prompt}-token prompt, {a.new} new tokens, batch 1, fp32, greedy")
    print(f"{'model':8} {'params':>8} {'cache tok/s':>12} {'no cache tok/s':>15} {'speed-up':>9}  same tokens")
    for name in a.models:
        torch.manual_seed(0)
        cfg = GPTConfig.preset(name)
        m = GPT(cfg).to(a.device).eval()
        prompt = torch.randint(0, cfg.vocab_size, (1, a.prompt), device=a.device)
        run(m, prompt, 2, True); run(m, prompt, 2, False)   # warm-up: first-call allocations and kernel choices
        ts = {True: [], False: []}
        for r in range(a.reps):                              # alternate, and keep each mode's best
            for cache in ((True, False) if r % 2 == 0 else (False, True)):
                out, t = run(m, prompt, a.new, cache); ts[cache].append(t)
                if cache: out_c = out
                else: out_n = out
        t_c, t_n = min(ts[True]), min(ts[False])
        n_par = sum(p.numel() for p in m.parameters())
        print(f"{name:8} {n_par / 1e6:7.1f}M {a.new / t_c:12.1f} {a.new / t_n:15.1f} {t_n / t_c:8.1f}x  {torch.equal(out_c, out_n)}")

if __name__ == '__main__': main()
