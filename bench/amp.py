#!/usr/bin/env python
"""bf16 mixed precision against fp32 on CPU: training-step time and peak memory of the tiny GPT, in one run.

Each precision runs in its own child process, so that each one's peak resident memory (`ru_maxrss`) is its own. A child
builds one batch of Tiny Shakespeare (12 windows of 64 characters), records its resident-memory high-water mark, then
times `steps` training steps on that one batch (forward and loss under `torch.autocast`, backward, AdamW) through
`fasttrain.amp.bench_precision` after 3 untimed ones, and reports the mean step time and how far the high-water mark
rose during training (model, gradients, optimizer state and activations; the Python/torch baseline is subtracted).

The model is `fasttrain.models.GPT` with the 'tiny' preset (4 layers, 4 heads, 128 wide, context 64).

bf16 on a CPU is often slower than fp32: every autocast op converts its inputs first, and only AMX gives CPUs fast
bf16 matrix products. On the 2-core AVX-512 BF16 machine without AMX where this was written, bf16 measured about 2x
slower. The figures are what they are; on a shared machine they are noisy.

    FASTTRAIN_DATA=../shared/data python bench/amp.py [--steps 30] [--threads N] [--modes fp32 bf16]

On a CUDA GPU, `--device cuda` measures instead what notebook 08's GPU cells measure: one GPT-2-small block (notebook
03's `Block`: 768 wide, 12 heads) on batches of 8 x 1024 positions against a random target, in fp32, TF32, bf16 and
fp16, 20 timed steps each after 5 untimed ones, peak memory from CUDA's allocator, all in this one process.
`--dry-run` runs that same code on the CPU with a toy block (32 wide, 2 heads, 16 positions, batch 4); `--json PATH`
writes the table as JSON too.

    python bench/amp.py --device cuda --json results/precision.json
    python bench/amp.py --dry-run --json /tmp/precision.json
"""
import argparse, json, math, os, resource, subprocess, sys
from pathlib import Path
import torch, torch.nn.functional as F
from fasttrain.core import set_seed, count_params, env_report
from fasttrain.data import get_tinyshakespeare, CharTokenizer, get_batch
from fasttrain.amp import bench_precision
from fasttrain.models import GPT, GPTConfig, Block

def make_model(vocab, T):
    "The tiny GPT, sized for this vocabulary and context"
    return GPT(GPTConfig.preset('tiny', vocab_size=vocab, block_size=T))

def child(mode, steps, threads):
    "Measure one precision mode; print one JSON line"
    if threads: torch.set_num_threads(threads)
    set_seed(0)
    text = get_tinyshakespeare(progress=False)
    tok = CharTokenizer(text)
    data = torch.tensor(tok.encode(text))
    B, T = 12, 64
    xb, yb = get_batch(data, B, T, generator=torch.Generator().manual_seed(0))
    n_params = count_params(make_model(tok.vocab_size, T))
    loss_func = lambda logits, y: F.cross_entropy(logits.flatten(0, 1), y.flatten())
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss            # KiB on Linux
    df = bench_precision(lambda: make_model(tok.vocab_size, T), lambda: (xb, yb), loss_func, modes=(mode,),
                         steps=steps, warmup=3, device='cpu', lr=1e-3)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({'mode': mode, 'ms': float(df.ms_per_step[mode]), 'loss': float(df.final_loss[mode]),
                      'peak_MiB': peak / 1024, 'train_MiB': (peak - base) / 1024, 'params': n_params,
                      'threads': torch.get_num_threads()}))

def block_bench(dry_run, json_path):
    "Notebook 08's GPU benchmark of one GPT-2-small block in every precision mode (a toy block on the CPU with dry_run)"
    dev = torch.device('cpu' if dry_run else 'cuda')
    if not dry_run and not torch.cuda.is_available(): sys.exit("bench/amp.py --device cuda: this machine has no CUDA GPU (--dry-run runs the same code on the CPU)")
    set_seed(0)
    cfg = GPTConfig.preset('tiny', n_embd=32, n_head=2, block_size=16) if dry_run else GPTConfig.preset('gpt2')
    B, T, C = (4, 16, cfg.n_embd) if dry_run else (8, 1024, cfg.n_embd)
    x, y = torch.randn(B, T, C, device=dev), torch.randn(B, T, C, device=dev)
    steps, warmup = (3, 1) if dry_run else (20, 5)
    df = bench_precision(lambda: Block(cfg), lambda: (x, y), F.mse_loss, steps=steps, warmup=warmup, device=dev)
    name = 'CPU (dry run: figures mean nothing)' if dry_run else torch.cuda.get_device_name(dev)
    print(f"one GPT block, {C} wide, {cfg.n_head} heads, batch {B} x {T}; {name}, torch {torch.__version__}; {steps} timed steps after {warmup}")
    print(df.to_string(float_format=lambda v: f'{v:.3f}'))
    if not all(map(math.isfinite, df.final_loss)): sys.exit(f"a precision mode ended with a non-finite loss:\n{df}")
    if json_path:
        Path(json_path).parent.mkdir(parents=True, exist_ok=True)
        Path(json_path).write_text(json.dumps(dict(device=name, torch=torch.__version__, batch=[B, T, C], steps=steps, warmup=warmup,
                                                   rows=json.loads(df.to_json(orient='index'))), indent=1))

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--steps', type=int, default=30, help='timed training steps per precision')
    ap.add_argument('--threads', type=int, default=None, help="torch threads (default: torch's own choice)")
    ap.add_argument('--modes', nargs='*', default=['fp32', 'bf16'], help='precisions to compare (fp32, bf16, fp16)')
    ap.add_argument('--device', default='cpu', choices=('cpu', 'cuda'), help='cpu: the tiny GPT, bf16 against fp32; cuda: the GPT-2 block in four modes')
    ap.add_argument('--dry-run', action='store_true', help="the GPU benchmark's code on the CPU, at toy sizes")
    ap.add_argument('--json', default=None, help='also write the GPU (or dry-run) table to this JSON file')
    ap.add_argument('--child', default=None, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.device == 'cuda' or a.dry_run: return block_bench(a.dry_run, a.json)
    if a.child: return child(a.child, a.steps, a.threads)
    rows = []
    for mode in a.modes:
        cmd = [sys.executable, __file__, '--child', mode, '--steps', str(a.steps)] + (['--threads', str(a.threads)] if a.threads else [])
        out = subprocess.run(cmd, capture_output=True, text=True, env=os.environ)
        if out.returncode: sys.exit(f"{mode} failed:\n{out.stderr}")
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    env = env_report()
    print(f"torch {env['torch']}, {env['device_name']}, CPU capability {torch.backends.cpu.get_cpu_capability()}, "
          f"{rows[0]['threads']} torch threads; fasttrain.models.GPT (tiny preset), {rows[0]['params']:,} parameters; batch 12x64, AdamW, "
          f"{a.steps} timed steps")
    ref = next((r['ms'] for r in rows if r['mode'] == 'fp32'), None)
    print(f"{'precision':>10}{'ms/step':>10}{'vs fp32':>9}{'peak RSS':>12}{'RSS rise in training':>23}{'final loss':>12}")
    for r in rows:
        rel = f"{ref / r['ms']:.2f}x" if ref else '-'
        print(f"{r['mode']:>10}{r['ms']:10.1f}{rel:>9}{r['peak_MiB']:9.0f} MiB{r['train_MiB']:19.1f} MiB{r['loss']:12.4f}")
    print("(vs fp32 > 1 means faster than fp32)")

if __name__ == '__main__': main()
