#!/usr/bin/env python
"""Training throughput of GPT-2 small (124M) on one CUDA GPU: tokens/s, MFU, peak memory, and what each switch is worth.

The headline run is what `lm_learner` gives a user who asks for speed: bf16 autocast (`AMP`), flash attention (SDPA
forced to its flash kernel), `torch.compile`, PyTorch's fused AdamW, the chunked loss (on by default for GPT-2's
vocabulary), context 1024, and the largest micro-batch that fits. Then one switch at a time, against it:

    learner          the headline: compile, fused AdamW, chunked loss
    learner-eager    no torch.compile
    learner-foreach  fasttrain's own AdamW (one `_foreach` kernel per operation) instead of PyTorch's fused one
    learner-muon     Muon for the hidden matrices (fasttrain's, notebook 06), AdamW for the rest
    raw              a hand-written loop with the headline's switches: the bound the Learner is measured against
    learner-nochunk  the full (B, T, V) logits instead of the chunked loss

In that order: the compiled ones after the headline find its graphs in Inductor's cache, and the one whose graph is new
comes last, where the time budget is likeliest to cut it off.

The micro-batch is searched first, in eager mode with the headline's other switches (eager is quick to build, and
Inductor's compiled step usually needs less memory, not more): batch sizes double from --bs-start until one runs out of
memory or passes --bs-max, then the gap is bisected. A run that runs out of memory at that batch is tried once more at
half of it, and its row says so. MFU = flops_per_token x tokens/s / peak_flops(device, bf16),
with notebook 03's `flops_per_token` (6N + 12·n_layer·T·d) and notebook 00's table of peaks. GPT-2's vocabulary is
padded from 50,257 to 50,304 (a multiple of 128, as nanoGPT does), and the FLOPs are counted for the padded model.

Every configuration runs in one worker process, one after the other, each after `torch._dynamo.reset()` and with its
own peak-memory counter; the worker prints a result line after each, and this script writes them to --out (JSON) and
a Markdown table beside it as they come, so a run cut short keeps what it measured. A worker that dies is replaced,
and goes on with the next configuration. Each configuration gets what is left of --budget seconds, at most --cap.

    python bench/throughput.py --out results/throughput.json            # on a CUDA GPU: at most --budget, 300 s
    python bench/throughput.py --dry-run --out /tmp/throughput.json     # the same code paths on the CPU, at toy sizes

--dry-run runs a 2-layer, 64-wide model with a 512-token vocabulary and context 64, two timed steps, torch.compile with
the 'aot_eager' backend (Dynamo and AOTAutograd, without Inductor's code generation, which takes minutes on a CPU), a
chunk of 64 rows, and a simulated out-of-memory error above a batch of 4, so that the search and the retry run too.
Its figures mean nothing; it exists so that CI runs every line of this script.
"""
import argparse, gc, json, math, os, subprocess, sys, time
from pathlib import Path

CONFIGS = {   # name -> how it differs from the headline
    'learner':         dict(engine='learner', compile=True,  opt='fused',   chunk=True),
    'learner-eager':   dict(engine='learner', compile=False, opt='fused',   chunk=True),
    'learner-foreach': dict(engine='learner', compile=True,  opt='foreach', chunk=True),
    'learner-muon':    dict(engine='learner', compile=True,  opt='muon',    chunk=True),
    'raw':             dict(engine='raw',     compile=True,  opt='fused',   chunk=True),
    'learner-nochunk': dict(engine='learner', compile=True,  opt='fused',   chunk=False),   # last: its graph compiles anew
}
RESULT = 'RESULT '   # the worker's result lines start with this

def parse(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--out', type=Path, default=Path('results/throughput.json'), help='the JSON file (a .md table goes beside it)')
    ap.add_argument('--dry-run', action='store_true', help='the same code paths on the CPU at toy sizes')
    ap.add_argument('--configs', nargs='*', default=list(CONFIGS), help=f'which to run, in this order (default: all: {" ".join(CONFIGS)})')
    ap.add_argument('--budget', type=float, default=None, help='seconds for the whole run (default: 300; dry run: 150)')
    ap.add_argument('--cap', type=float, default=None, help='seconds at most per configuration, or for the search (default: 150; dry run: 60)')
    ap.add_argument('--bs', type=int, default=None, help='micro-batch to use, skipping the search')
    ap.add_argument('--bs-start', type=int, default=None, help='first micro-batch the search tries (default: 8; dry run: 1)')
    ap.add_argument('--bs-max', type=int, default=None, help='largest micro-batch the search tries (default: 128; dry run: 16)')
    ap.add_argument('--steps', type=int, default=None, help='timed steps per configuration (default: 12; dry run: 2)')
    ap.add_argument('--warmup', type=int, default=None, help='untimed steps first, compilation included (default: 3; dry run: 1)')
    ap.add_argument('--worker', action='store_true', help=argparse.SUPPRESS)
    ap.add_argument('--search', action='store_true', help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    gpu = not a.dry_run
    for k, g, d in (('budget', 300., 150.), ('cap', 150., 60.), ('bs_start', 8, 1), ('bs_max', 128, 16), ('steps', 12, 2), ('warmup', 3, 1)):
        if getattr(a, k) is None: setattr(a, k, g if gpu else d)
    bad = [c for c in a.configs if c not in CONFIGS]
    if bad: ap.error(f"unknown configuration(s) {bad}; choose from {list(CONFIGS)}")
    for k in ('bs', 'bs_start', 'bs_max', 'steps', 'warmup'):
        v = getattr(a, k)
        if v is not None and v < 1: ap.error(f"--{k.replace('_', '-')} must be a positive integer, got {v}")
    return a

# ------------------------------------------------------------------ the worker: builds and times one configuration
def _setup(a):
    "Imports, the device, the model's shape and the backend; the worker's first lines"
    global torch, F, GPT, GPTConfig, flops_per_token, peak_flops, lm_learner, lm_dls, get_batch, OptimWrapper, Callback, CancelValidException, AdamW_torch, clip_grad_norm_, sdpa_kernel, SDPBackend
    import torch, torch.nn.functional as F
    from fasttrain.core import peak_flops
    from fasttrain.models import GPT, GPTConfig, flops_per_token
    from fasttrain.data import lm_dls, get_batch
    from fasttrain.lm import lm_learner
    from fasttrain.optim import clip_grad_norm_
    from fastai.optimizer import OptimWrapper
    from fastai.callback.core import Callback, CancelValidException
    from torch.nn.attention import sdpa_kernel, SDPBackend
    AdamW_torch = torch.optim.AdamW
    if a.dry_run:
        dev = torch.device('cpu')
        cfg = GPTConfig.preset('tiny', n_layer=2, n_head=2, n_embd=64, vocab_size=512, block_size=64)
        backend, chunk = 'aot_eager', 64
    else:
        if not torch.cuda.is_available(): raise SystemExit("bench/throughput.py measures a CUDA GPU and none is here; --dry-run runs on the CPU")
        dev = torch.device('cuda')
        cfg = GPTConfig.preset('gpt2', vocab_size=50304, block_size=1024)
        backend, chunk = 'inductor', 1024
        torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = True   # what fp32 is left runs on tensor cores
    torch._dynamo.config.cache_size_limit = max(torch._dynamo.config.cache_size_limit, 64)
    return dev, cfg, backend, chunk

class _NoValidate:
    "Built lazily (fastai imported in the worker only): a callback that skips validation, which would compile an eval graph"
    @staticmethod
    def make():
        class NoValidate(Callback):
            def before_validate(self): raise CancelValidException()
        return NoValidate()

def _oom_hook(limit):
    "The dry run's stand-in for a full GPU: a forward pre-hook that raises CUDA's out-of-memory error above a batch of `limit`"
    def hook(module, args):
        if args[0].shape[0] > limit: raise torch.cuda.OutOfMemoryError(f"simulated by --dry-run: batch {args[0].shape[0]} > {limit}")
    return hook

def _opt_func(kind):
    "fastai `opt_func` for PyTorch's fused AdamW over fasttrain's parameter groups; None: lm_learner's own (fasttrain's AdamW, or Muon)"
    if kind != 'fused': return None
    from functools import partial
    return partial(OptimWrapper, opt=partial(AdamW_torch, betas=(0.9, 0.95), fused=True))

def _sync(dev):
    if dev.type == 'cuda': torch.cuda.synchronize(dev)

def _run(a, name, bs, dev, cfg, backend, chunk, steps, warmup):
    "Train configuration `name` for `warmup` then `steps` steps at micro-batch `bs`; its figures as a dict"
    c = CONFIGS[name]
    torch._dynamo.reset(); gc.collect()
    if dev.type == 'cuda': torch.cuda.empty_cache(); torch.cuda.reset_peak_memory_stats(dev)
    torch.manual_seed(0)
    T = cfg.block_size
    data = torch.randint(0, cfg.vocab_size, (max(200_000, 4 * bs * T),))   # random tokens: the speed does not depend on them
    model = GPT(cfg).to(dev)
    if a.dry_run: model.register_forward_pre_hook(_oom_hook(4 if c['chunk'] else 2))   # the full logits need more memory
    if c['compile']: model.compile(backend=backend)
    losses, t_compile = [], time.perf_counter()
    with sdpa_kernel([SDPBackend.FLASH_ATTENTION]):   # flash or an error: never a silent fall-back to the math kernel
        if c['engine'] == 'learner':
            dls = lm_dls(data, T, bs, valid_pct=0.05, n_batches=steps, seed=0)
            learn = lm_learner(dls, model=model, lr=6e-4, dtype='bf16', opt='muon' if c['opt'] == 'muon' else 'adamw',
                               opt_func=_opt_func(c['opt']), chunk_size=chunk if c['chunk'] else None, device=dev,
                               cbs=[_NoValidate.make()])
            learn.remove_cb(learn.progress)
            with learn.no_logging(): learn.fit_steps(warmup)
            _sync(dev); t_compile = time.perf_counter() - t_compile; t0 = time.perf_counter()
            with learn.no_logging(): learn.fit_steps(warmup + steps)
            _sync(dev); secs = time.perf_counter() - t0
            losses = [float(x) for x in learn.recorder.losses[-steps:]]
            opt_name = type(learn.opt.opt).__module__ + '.' + type(learn.opt.opt).__name__
        else:
            opt = AdamW_torch(model.parameters(), lr=6e-4, betas=(0.9, 0.95), weight_decay=0.1, fused=True)
            g = torch.Generator().manual_seed(0)
            def step():
                x, y = get_batch(data, bs, T, device=dev, generator=g)
                with torch.autocast(dev.type, dtype=torch.bfloat16):
                    _, loss = model(x, y, chunk) if c['chunk'] else model(x, y)
                loss.backward()
                clip_grad_norm_(model.parameters(), 1.0)
                opt.step(); opt.zero_grad(set_to_none=True)
                return loss.detach()
            for _ in range(warmup): step()
            _sync(dev); t_compile = time.perf_counter() - t_compile; t0 = time.perf_counter()
            for _ in range(steps): losses.append(step())
            _sync(dev); secs = time.perf_counter() - t0
            losses = torch.stack(losses).float().cpu().tolist()
            opt_name = 'torch.optim.AdamW(fused=True)'
    tokens_s = steps * bs * T / secs
    peak = peak_flops(dev, torch.bfloat16)
    fpt = flops_per_token(cfg)
    mem = dict(peak_alloc_GiB=torch.cuda.max_memory_allocated(dev) / 2**30, peak_reserved_GiB=torch.cuda.max_memory_reserved(dev) / 2**30) if dev.type == 'cuda' else {}
    if not all(map(math.isfinite, losses)): raise FloatingPointError(f"{name}: non-finite loss {losses}")
    return dict(status='ok', bs=bs, tokens_s=tokens_s, step_ms=1000 * secs / steps, mfu=fpt * tokens_s / peak if peak else None,
                warmup_s=t_compile, loss_first=losses[0], loss_last=losses[-1], optimizer=opt_name, **mem)

def _fits(a, bs, dev, cfg, backend, chunk) -> bool:
    "Whether two eager training steps of the headline at micro-batch `bs` run without running out of memory"
    try: _run(a, 'learner-eager', bs, dev, cfg, backend, chunk, steps=1, warmup=1); return True
    except torch.cuda.OutOfMemoryError: return False
    finally:
        gc.collect()
        if dev.type == 'cuda': torch.cuda.empty_cache()

def search(a, dev, cfg, backend, chunk) -> dict:
    "The largest micro-batch in [bs_start, bs_max] that trains: doubling until one fails, then bisecting the gap"
    t0, tried = time.perf_counter(), {}
    ok, bad, bs = None, None, a.bs_start
    while bs <= a.bs_max:
        tried[bs] = _fits(a, bs, dev, cfg, backend, chunk)
        if not tried[bs]: bad = bs; break
        ok, bs = bs, bs * 2
    if ok is None: raise RuntimeError(f"not even a micro-batch of {a.bs_start} fits: {tried}")
    step = 1 if a.dry_run else 4                        # on the GPU, bisect to a multiple of 4
    while bad is not None and bad - ok > step:
        mid = (ok + bad) // 2 // step * step
        if mid <= ok: break
        tried[mid] = _fits(a, mid, dev, cfg, backend, chunk)
        ok, bad = (mid, bad) if tried[mid] else (ok, mid)
    return dict(bs=ok, tried={str(k): v for k, v in sorted(tried.items())}, seconds=time.perf_counter() - t0)

def worker(a):
    "Run the search (with --search) or the configurations named in --configs, printing one result line after each"
    dev, cfg, backend, chunk = _setup(a)
    if a.search:
        print(RESULT + json.dumps(dict(kind='search', **search(a, dev, cfg, backend, chunk))), flush=True); return
    for name in a.configs:
        bs, r = a.bs, None
        for attempt in range(2):
            try:
                r = _run(a, name, bs, dev, cfg, backend, chunk, a.steps, a.warmup)
                if bs != a.bs: r['note'] = f'out of memory at batch {a.bs}, so run at {bs}'
                break
            except torch.cuda.OutOfMemoryError as e:
                r = dict(status=f'out of memory at batch {bs}', error=str(e).splitlines()[0][:300], bs=bs)
                bs = max(bs // 2, 1)
                if attempt == 0 and bs < a.bs: continue
                break
            except Exception as e:
                r = dict(status='failed', error=f"{type(e).__name__}: {str(e).splitlines()[0][:300] if str(e) else ''}", bs=bs); break
        print(RESULT + json.dumps(dict(kind='config', name=name, **r)), flush=True)

# ------------------------------------------------------------------ the parent: budgets, restarts, the report
def _env(a) -> dict:
    import platform, torch
    e = dict(torch=torch.__version__, python=platform.python_version(), cuda=str(torch.version.cuda), dry_run=a.dry_run)
    if torch.cuda.is_available() and not a.dry_run:
        e.update(gpu=torch.cuda.get_device_name(0), capability='.'.join(map(str, torch.cuda.get_device_capability(0))))
    return e

def _child(a, extra, per_result, total, on_result) -> tuple:
    "Run a worker, calling `on_result` on each result line; kill it when a result takes over `per_result` s or all over `total` s"
    import queue, threading
    cmd = [sys.executable, __file__, '--worker', '--steps', str(a.steps), '--warmup', str(a.warmup), '--bs-start', str(a.bs_start),
           '--bs-max', str(a.bs_max)] + (['--dry-run'] if a.dry_run else []) + extra
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, 'PYTHONUNBUFFERED': '1'})
    lines, err = queue.Queue(), []
    threading.Thread(target=lambda: [lines.put(l) for l in p.stdout] + [lines.put(None)], daemon=True).start()
    threading.Thread(target=lambda: err.extend(p.stderr), daemon=True).start()
    t_end, rc = time.monotonic() + total, None
    due = min(t_end, time.monotonic() + per_result)
    while True:
        try: l = lines.get(timeout=max(0.01, due - time.monotonic()))
        except queue.Empty: p.kill(); rc = 'timeout'; break
        if l is None: break
        if l.startswith(RESULT):
            on_result(json.loads(l[len(RESULT):])); due = min(t_end, time.monotonic() + per_result)
    p.wait()
    time.sleep(0.1)   # let the stderr reader finish
    return (p.returncode if rc is None else rc), ''.join(err)[-2000:]

def table(report) -> str:
    "The report as a Markdown table"
    head = report.get('env', {})
    lines = [f"GPT-2 small, context {report.get('context')}, bf16 autocast, flash SDPA; {head.get('gpu', 'CPU (dry run: figures mean nothing)')}, "
             f"torch {head.get('torch')}; micro-batch search: {report.get('search', {}).get('bs', '-')}", '',
             '| run | status | batch | tokens/s | ms/step | MFU | peak GiB | warm-up s | loss first → last | vs headline |',
             '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |']
    base = report['results'].get('learner', {}).get('tokens_s')
    for n, r in report['results'].items():
        f = lambda k, fmt: fmt.format(r[k]) if r.get(k) is not None else '-'
        rel = f"{r['tokens_s'] / base:.3f}x" if base and r.get('tokens_s') else '-'
        status = r.get('status', '-') + (f" ({r['note']})" if r.get('note') else '')
        lines.append(f"| {n} | {status} | {r.get('bs', '-')} | {f('tokens_s', '{:,.0f}')} | {f('step_ms', '{:.1f}')} | "
                     f"{f('mfu', '{:.1%}')} | {f('peak_alloc_GiB', '{:.1f}')} | {f('warmup_s', '{:.0f}')} | "
                     f"{f('loss_first', '{:.3f}')} → {f('loss_last', '{:.3f}')} | {rel} |")
    return '\n'.join(lines) + '\n'

def main(argv=None):
    a = parse(argv)
    if a.worker: return worker(a)
    t_end = time.monotonic() + a.budget
    a.out.parent.mkdir(parents=True, exist_ok=True)
    report = dict(env=_env(a), context=64 if a.dry_run else 1024, configs={n: CONFIGS[n] for n in a.configs}, results={}, search={})
    def save():
        a.out.write_text(json.dumps(report, indent=1)); a.out.with_suffix('.md').write_text(table(report))
    save()
    if a.bs is None:
        rc, err = _child(a, ['--search'], a.cap, max(1., t_end - time.monotonic()), lambda r: report['search'].update(r))
        if not report['search']: report['search'] = dict(status=f"failed ({'timed out' if rc == 'timeout' else f'exit {rc}'})", error=err[-600:])
        save()
    bs = a.bs or report['search'].get('bs') or a.bs_start
    todo = list(a.configs)
    def got(r):
        name = r.pop('name'); r.pop('kind', None)
        report['results'][name] = r; todo.remove(name); save()
    while todo:
        left = t_end - time.monotonic()
        if left < min(30., a.cap / 2):
            for n in todo: report['results'][n] = dict(status=f'skipped: {left:.0f} s of the budget left')
            break
        rc, err = _child(a, ['--bs', str(bs), '--configs', *todo], a.cap, left, got)   # one worker for all that is left
        if rc != 0 and todo:   # it died or ran out of time in the middle of todo[0]: record that, go on with the rest
            report['results'][todo.pop(0)] = dict(status=f"worker {'timed out' if rc == 'timeout' else f'exited with {rc}'}", error=err[-600:])
        save()
    save()
    print(table(report))
    failed = [n for n, r in report['results'].items() if r.get('status') != 'ok']
    if report['search'].get('status', 'ok') != 'ok' and a.bs is None: failed.append('search')
    if failed: print(f"not measured: {', '.join(failed)} (see {a.out})", file=sys.stderr)
    return 1 if failed else 0

if __name__ == '__main__': sys.exit(main())
