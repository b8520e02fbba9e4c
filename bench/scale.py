#!/usr/bin/env python
"""Notebook 11's figures on CPU, in one run: activation checkpointing's memory and time, torch.compile's speed-up, and
the memory estimator's error.

Every measurement runs in its own child process, so that each one's peak resident memory is its own. A child trains a
`fasttrain.models.GPT` on random token windows with fasttrain's AdamW over `param_groups` (the loop `lm_learner` runs),
fp32, for `--steps` steps after 2 untimed ones, and reports:

- `live_MiB`: the peak of the last step in tensor bytes, counted by `fasttrain.scale.LiveBytes` (a TorchDispatchMode
  that adds every new storage and subtracts it when it is freed: what `torch.cuda.max_memory_allocated` counts on a GPU);
- `rss_MiB`: the process's peak resident memory (`resource.getrusage(RUSAGE_SELF).ru_maxrss`), which also holds the
  interpreter, torch's libraries and the allocator's reserve, and `rss_train_MiB`: how far it rose from just before the
  model was built (a process-level figure with no hook in the way; timed steps run without `LiveBytes`). glibc's malloc
  raises its mmap threshold as large blocks are freed and then keeps freed heap memory in the process, so by default
  the RSS peak follows the tensors' peak only loosely; the checkpointing pair is therefore also run with
  `MALLOC_MMAP_THRESHOLD_=131072`, which gives every block over 128 KiB its own mapping, returned when freed;
- `ms`: the median step time; with `compile`, also the seconds the first (compiling) step took;
- `estimate_MiB`: `fasttrain.scale.estimate_memory` for the same step, and its error against `live_MiB`.

The checkpointing model is large enough for its activations to dominate on CPU: 6 layers, 256 wide, 256-token context,
16 windows (4,096 tokens per step). The compile comparison uses the 'tiny' preset (4 layers, 128 wide, context 64) on
16 windows. The estimator is also checked on 'gpt2' (124M parameters) with one 128-token window.

The machine this was written on has 2 cores shared with other jobs: times are noisy, memory is not.

    FASTTRAIN_DATA=../shared/data python bench/scale.py [--steps 5] [--threads N] [--skip-gpt2]
"""
import argparse, json, os, resource, statistics, subprocess, sys, time
import torch
from fasttrain.core import set_seed
from fasttrain.models import GPT, GPTConfig, n_params
from fasttrain.optim import AdamW, param_groups
from fasttrain.scale import LiveBytes, estimate_memory

CASES = {   # name: (config, windows per step, compile)
    'ckpt-off': (GPTConfig(vocab_size=65, block_size=256, n_layer=6, n_head=8, n_embd=256), 16, False),
    'ckpt-on':  (GPTConfig(vocab_size=65, block_size=256, n_layer=6, n_head=8, n_embd=256, grad_ckpt=True), 16, False),
    'eager':    (GPTConfig.preset('tiny'), 16, False),
    'compiled': (GPTConfig.preset('tiny'), 16, True),
    'gpt2':     (GPTConfig.preset('gpt2', block_size=128), 1, False),
}

def child(name, steps, threads):
    "Measure one case; print one JSON line"
    if threads: torch.set_num_threads(threads)
    cfg, bs, compile = CASES[name]
    set_seed(0)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss              # KiB on Linux
    batch = lambda: torch.randint(0, cfg.vocab_size, (2, bs, cfg.block_size))
    def step():
        x, y = batch()
        loss = model(x, y)[1]; loss.backward(); del loss
        opt.step(); opt.zero_grad()
    mem = LiveBytes()
    if not compile: mem.__enter__()        # count the weights and optimizer state too (not under compile: Dynamo traces)
    model = GPT(cfg)
    opt = AdamW(param_groups(model, 0.1), lr=1e-3, betas=(0.9, 0.95))
    if compile: model.compile()
    t0 = time.perf_counter(); step(); first_s = time.perf_counter() - t0     # makes the optimizer state; compiles
    mem.reset_peak(); step()                                                   # the peak of a step after the first
    if not compile: mem.__exit__(None, None, None)                             # the timed steps run without the hook
    times = []
    for _ in range(steps):
        t0 = time.perf_counter(); step(); times.append(time.perf_counter() - t0)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    est, live = estimate_memory(cfg, bs)['peak'], (None if compile else mem.peak)
    print(json.dumps(dict(case=name, params_M=n_params(cfg) / 1e6, tokens=bs * cfg.block_size, ms=1000 * statistics.median(times),
                          first_s=first_s, live_MiB=live and live / 2**20, rss_MiB=rss / 1024, rss_train_MiB=(rss - rss0) / 1024,
                          estimate_MiB=est / 2**20, error=live and est / live - 1, threads=torch.get_num_threads())))

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--steps', type=int, default=5, help='timed steps per case, after 2 untimed ones')
    ap.add_argument('--threads', type=int, default=None, help="torch threads (default: torch's own choice)")
    ap.add_argument('--skip-gpt2', action='store_true', help='leave out the 124M-parameter estimator check (about 2 GB, slow)')
    ap.add_argument('--child', default=None, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child: return child(a.child, a.steps, a.threads)
    res = {}
    def run(name, env=None):
        cmd = [sys.executable, __file__, '--child', name, '--steps', str(1 if name == 'gpt2' else a.steps)]
        out = subprocess.run(cmd + (['--threads', str(a.threads)] if a.threads else []), capture_output=True, text=True, env={**os.environ, **(env or {})})
        if out.returncode: sys.exit(f"{name} failed:\n{out.stderr[-3000:]}")
        return json.loads(out.stdout.strip().splitlines()[-1])
    for name in CASES:
        if name == 'gpt2' and a.skip_gpt2: continue
        res[name] = run(name)
        if name.startswith('ckpt'):   # glibc keeps freed heap memory unless big blocks always get their own mapping
            res[name]['rss_train_mmap_MiB'] = run(name, {'MALLOC_MMAP_THRESHOLD_': '131072'})['rss_train_MiB']
        print(f"{name:9s} " + '  '.join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in res[name].items() if k != 'case'), flush=True)
    off, on = res['ckpt-off'], res['ckpt-on']
    print(f"\nActivation checkpointing ({off['params_M']:.1f}M params, {off['tokens']} tokens/step, fp32):")
    print(f"  peak tensor memory (LiveBytes) {off['live_MiB']:.0f} -> {on['live_MiB']:.0f} MiB ({on['live_MiB'] / off['live_MiB']:.2f}x)")
    print(f"  peak RSS rise (ru_maxrss)      {off['rss_train_MiB']:.0f} -> {on['rss_train_MiB']:.0f} MiB ({on['rss_train_MiB'] / off['rss_train_MiB']:.2f}x);"
          f" whole process {off['rss_MiB']:.0f} -> {on['rss_MiB']:.0f} MiB")
    print(f"  same, MALLOC_MMAP_THRESHOLD_=131072 {off['rss_train_mmap_MiB']:.0f} -> {on['rss_train_mmap_MiB']:.0f} MiB ({on['rss_train_mmap_MiB'] / off['rss_train_mmap_MiB']:.2f}x)")
    print(f"  step time                      {off['ms']:.0f} -> {on['ms']:.0f} ms ({on['ms'] / off['ms']:.2f}x)")
    e, c = res['eager'], res['compiled']
    print(f"\ntorch.compile (tiny preset, {e['tokens']} tokens/step, fp32, CPU):")
    print(f"  step time {e['ms']:.1f} ms eager, {c['ms']:.1f} ms compiled: speed-up {e['ms'] / c['ms']:.2f}x; first compiled step {c['first_s']:.1f} s")
    print("\nEstimator against LiveBytes (peak of a training step):")
    for name in ('eager', 'ckpt-off', 'ckpt-on', 'gpt2'):
        if name in res: r = res[name]; print(f"  {'tiny' if name == 'eager' else name:9s} {r['params_M']:7.1f}M params: estimate {r['estimate_MiB']:8.1f} MiB, measured {r['live_MiB']:8.1f} MiB, error {r['error']:+.1%}")

if __name__ == '__main__': main()
