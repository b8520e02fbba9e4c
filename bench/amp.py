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
"""
import argparse, json, os, resource, subprocess, sys
import torch, torch.nn.functional as F
from fasttrain.core import set_seed, count_params, env_report
from fasttrain.data import get_tinyshakespeare, CharTokenizer, get_batch
from fasttrain.amp import bench_precision
from fasttrain.models import GPT, GPTConfig

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

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--steps', type=int, default=30, help='timed training steps per precision')
    ap.add_argument('--threads', type=int, default=None, help="torch threads (default: torch's own choice)")
    ap.add_argument('--modes', nargs='*', default=['fp32', 'bf16'], help='precisions to compare (fp32, bf16, fp16)')
    ap.add_argument('--child', default=None, help=argparse.SUPPRESS)
    a = ap.parse_args()
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
