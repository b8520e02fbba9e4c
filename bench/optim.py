#!/usr/bin/env python
"""One AdamW step of `fasttrain.optim.AdamW` against `torch.optim.AdamW(foreach=True)`, on CPU, in one run.

The parameters have the shapes of a GPT with 6 layers, 384 wide, 4x MLP, biases, LayerNorms and a 65-token tied
embedding (about 10.7M parameters in 76 tensors). Both optimizers get the same fixed random gradients and their state is
warmed up first; then the two steps are timed in interleaved repeats (A, B, A, B, ...) so that a change in machine load
hits both, and the medians are compared.

Target (issue 06): fasttrain's step takes at most 1.2x torch's.

    python bench/optim.py [--repeats 50] [--threads N]
"""
import argparse, statistics, time
import torch
from fasttrain.core import set_seed, env_report
from fasttrain.optim import AdamW

def gpt_shapes(n_layer=6, d=384, vocab=65, block_size=256):
    "Parameter shapes of a GPT-2-style model (tied head)"
    shapes = [(vocab, d), (block_size, d)]                                   # token and position embeddings
    for _ in range(n_layer):
        shapes += [(d,), (d,), (3*d, d), (3*d,), (d, d), (d,),               # ln1, qkv, attention projection
                   (d,), (d,), (4*d, d), (4*d,), (d, 4*d), (d,)]             # ln2, MLP up and down
    return shapes + [(d,), (d,)]                                              # final norm

def make(opt_cls, shapes, **kw):
    set_seed(0)
    ps = [torch.nn.Parameter(torch.randn(s) * 0.02) for s in shapes]
    for p in ps: p.grad = torch.randn_like(p) * 1e-3
    return ps, opt_cls(ps, lr=1e-3, betas=(0.9, 0.95), weight_decay=0.1, **kw)

def time_step(opt):
    t = time.perf_counter(); opt.step(); return time.perf_counter() - t

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--repeats', type=int, default=50)
    ap.add_argument('--threads', type=int, default=None)
    args = ap.parse_args()
    if args.threads: torch.set_num_threads(args.threads)
    shapes = gpt_shapes()
    ps_a, ours = make(AdamW, shapes)
    ps_b, ref = make(torch.optim.AdamW, shapes, foreach=True)
    n = sum(p.numel() for p in ps_a)
    for _ in range(5): ours.step(); ref.step()                                 # warm up state and allocator
    diff = max((a - b).abs().max().item() for a, b in zip(ps_a, ps_b))
    ta, tb = [], []
    for _ in range(args.repeats):
        ta.append(time_step(ours)); tb.append(time_step(ref))
    ma, mb = statistics.median(ta), statistics.median(tb)
    env = env_report()
    print(f"torch {env['torch']}, {env['device_name']}, {env['torch_threads']} threads; {n/1e6:.1f}M parameters in "
          f"{len(shapes)} tensors; {args.repeats} interleaved repeats; max |difference| after 5 steps {diff:.1e}")
    print(f"fasttrain.optim.AdamW step:              median {ma*1e3:7.2f} ms")
    print(f"torch.optim.AdamW(foreach=True) step:    median {mb*1e3:7.2f} ms")
    print(f"ratio fasttrain / torch: {ma/mb:.2f}x (target <= 1.2x)")

if __name__ == '__main__': main()
