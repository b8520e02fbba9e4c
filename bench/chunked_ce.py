#!/usr/bin/env python
"""Peak memory and time of a language-model head plus loss, forward and backward, on CPU: naive against chunked.

  naive      logits = hidden @ weight.T, then F.cross_entropy(logits, targets): the (N, V) logits, the log-softmax
             PyTorch saves for backward, and the (N, V) gradients all exist at some point
  chunked    fasttrain.losses.chunked_cross_entropy(hidden, weight, targets, chunk_size): one (chunk_size, V) buffer,
             logits recomputed chunk by chunk in the backward pass
  naive_ft   (optional, --variants) the naive head with fasttrain.losses.cross_entropy instead of F.cross_entropy

Defaults are the issue's: V=50,304, N=8,192 tokens, d=768, float32, forward plus backward (gradients for both
`hidden` and `weight`). The target: chunked peak <= 0.25x naive, at <= 1.3x its time.

How memory is measured. Each variant runs in its own fresh Python process (this script re-invoked with --worker),
so one variant's freed-but-cached memory cannot lower or raise the other's figure. In that process the inputs are
allocated and the variant is run once on 64 tokens (loading kernels and thread pools); then the resident set size
(RSS, from /proc/self/statm) is read as the baseline. During the first timed repetition a background thread reads
RSS every millisecond and keeps the maximum; "peak" is that maximum minus the baseline, i.e. the extra memory the
forward and backward pass needed on top of the inputs (it includes the two gradients, `hidden.grad` (N·d) and
`weight.grad` (V·d), which both variants must produce). As a cross-check the script also reports
ru_maxrss (the kernel's own peak RSS of the process) minus the same baseline; the two agree unless an allocation
lives for less than the sampling interval. Large CPU tensors are allocated with mmap by glibc and returned to the
system when freed, so RSS follows PyTorch's live tensors closely.

How time is measured: wall-clock time of forward plus backward, per repetition (gradients reset to None before
each); the minimum over --reps is reported, with the median beside it. Beside them, the CPU time of the process
(time.process_time, all threads, minimum over reps): when other programs share the cores, wall-clock time
counts their work too, and CPU time is the steadier figure to compare (it does count threads spinning at a barrier).
On a shared machine both are noisy; the ratios are what to read.

    python bench/chunked_ce.py                          # the issue's sizes, 2 repetitions (a few minutes on 2 cores)
    python bench/chunked_ce.py --n 2048 --reps 1        # smaller and quicker
    python bench/chunked_ce.py --variants naive chunked naive_ft --chunk-size 2048
"""
import argparse, json, os, resource, statistics, subprocess, sys, threading, time

def rss_bytes() -> int:
    with open('/proc/self/statm') as f: return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')

class PeakRSS:
    "Sample RSS every `interval` seconds in a background thread; `peak` is the largest value seen"
    def __init__(self, interval=0.001): self.interval, self.peak, self._stop = interval, rss_bytes(), threading.Event()
    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_bytes()); time.sleep(self.interval)
    def __enter__(self): self._t = threading.Thread(target=self._run, daemon=True); self._t.start(); return self
    def __exit__(self, *a): self._stop.set(); self._t.join(); self.peak = max(self.peak, rss_bytes())

def worker(a):
    import torch, torch.nn.functional as F
    from fasttrain.losses import chunked_cross_entropy, cross_entropy
    if a.threads: torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    hidden = torch.randn(a.n, a.d).requires_grad_()                  # (N, d)
    weight = (torch.randn(a.v, a.d) * 0.02).requires_grad_()         # (V, d)
    targets = torch.randint(0, a.v, (a.n,))                          # (N,)
    steps = {'naive': lambda h, w, t: F.cross_entropy(h @ w.T, t),
             'naive_ft': lambda h, w, t: cross_entropy(h @ w.T, t),
             'chunked': lambda h, w, t: chunked_cross_entropy(h, w, t, chunk_size=a.chunk_size)}
    step = steps[a.worker]
    step(hidden[:64], weight, targets[:64]).backward()               # warm-up on 64 tokens
    hidden.grad = weight.grad = None
    base = rss_bytes()
    times, cpu, peak, loss = [], [], None, None
    for r in range(a.reps):
        hidden.grad = weight.grad = None
        with PeakRSS() as mon:
            t0, c0 = time.perf_counter(), time.process_time()
            l = step(hidden, weight, targets); l.backward()
            times.append(time.perf_counter() - t0); cpu.append(time.process_time() - c0)
        if r == 0:
            peak = mon.peak - base
            maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - base   # ru_maxrss is in KiB on Linux
            loss, gnorm = l.item(), (hidden.grad.norm().item(), weight.grad.norm().item())
    print(json.dumps(dict(variant=a.worker, peak=peak, maxrss=maxrss, times=times, cpu=cpu, loss=loss, gnorm=gnorm, base=base,
                          threads=torch.get_num_threads())))

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--n', type=int, default=8192, help='tokens N (rows of hidden)')
    ap.add_argument('--v', type=int, default=50304, help='vocabulary size V')
    ap.add_argument('--d', type=int, default=768, help='model width d')
    ap.add_argument('--chunk-size', type=int, default=1024, help='tokens per chunk of the chunked variant')
    ap.add_argument('--reps', type=int, default=2, help='timed repetitions per variant (peak from the first)')
    ap.add_argument('--threads', type=int, default=None, help="torch threads (default: torch's own choice)")
    ap.add_argument('--variants', nargs='+', default=['naive', 'chunked'], choices=['naive', 'chunked', 'naive_ft'])
    ap.add_argument('--worker', default=None, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker: return worker(a)
    if a.reps < 1 or a.n < 64 or a.chunk_size < 1: ap.error('need --reps >= 1, --n >= 64 and --chunk-size >= 1')
    logits_gb = a.n * a.v * 4 / 1e9
    print(f"N={a.n:,} tokens, V={a.v:,}, d={a.d}, chunk_size={a.chunk_size}, float32, CPU, forward+backward, reps={a.reps}")
    print(f"one (N, V) float32 tensor: {logits_gb:.2f} GB; one (chunk_size, V) buffer: {a.chunk_size * a.v * 4 / 1e9:.3f} GB")
    res = {}
    for v in a.variants:
        cmd = [sys.executable, __file__, '--worker', v] + sum([[f'--{k}', str(getattr(a, k.replace('-', '_')))]
               for k in ('n', 'v', 'd', 'chunk-size', 'reps')], []) + (['--threads', str(a.threads)] if a.threads else [])
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.returncode: sys.exit(f"{v} failed:\n{out.stderr[-3000:]}")
        res[v] = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"\n{'variant':<10} {'peak (sampled)':>15} {'peak (maxrss)':>14} {'time min':>9} {'time median':>12} {'CPU time':>9}   loss")
    for v, r in res.items():
        print(f"{v:<10} {r['peak'] / 1e9:>12.3f} GB {r['maxrss'] / 1e9:>11.3f} GB {min(r['times']):>8.2f}s "
              f"{statistics.median(r['times']):>11.2f}s {min(r['cpu']):>8.2f}s   {r['loss']:.6f}")
    if 'naive' in res and 'chunked' in res:
        n, c = res['naive'], res['chunked']
        mem, tim = c['peak'] / n['peak'], min(c['times']) / min(n['times'])
        print(f"\nchunked / naive: peak memory {mem:.3f}x (target <= 0.25x: {'met' if mem <= 0.25 else 'NOT met'}), "
              f"time {tim:.2f}x (target <= 1.3x: {'met' if tim <= 1.3 else 'NOT met'}); "
              f"peak by maxrss {c['maxrss'] / n['maxrss']:.3f}x, CPU time {min(c['cpu']) / min(n['cpu']):.2f}x")
        print(f"losses agree to {abs(n['loss'] - c['loss']):.2e}; gradient norms naive {n['gnorm']}, chunked {c['gnorm']}")
    print(f"torch threads: {res[a.variants[0]]['threads']}, os.cpu_count(): {os.cpu_count()}, load average: {os.getloadavg()}")

if __name__ == '__main__': main()
