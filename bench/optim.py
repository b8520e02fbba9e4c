#!/usr/bin/env python
"""Optimizer costs on CPU, side by side in one run: fasttrain's AdamW against torch's, and Muon against AdamW.

Part 1: one AdamW step of `fasttrain.optim.AdamW` against `torch.optim.AdamW(foreach=True)`.

The parameters have the shapes of a GPT with 6 layers, 384 wide, 4x MLP, biases, LayerNorms and a 65-token tied
embedding (about 10.7M parameters in 76 tensors). Both optimizers get the same fixed random gradients and their state is
warmed up first; then the two steps are timed in interleaved repeats (A, B, A, B, ...) so that a change in machine load
hits both, and the medians are compared.

Target (issue 06): fasttrain's step takes at most 1.2x torch's.

Part 2 (`--muon`): the tiny GPT of notebook 03 (4 layers, 128 wide, context 64) on batches of 12 windows of 64
characters, as in nanoGPT's CPU recipe. It times the optimizer step alone (AdamW over `param_groups`; Muon over
`muon_groups` with the batched Newton-Schulz in fp32 and in bf16, and with the one-matrix-at-a-time loop it replaced),
then whole training steps (forward, backward, step) with AdamW and with Muon, interleaved, and prints the medians and
the Muon/AdamW ratio of a training step. Target (issue 17): at most 1.15x.

    python bench/optim.py [--repeats 50] [--threads N] [--muon] [--muon-only]
"""
import argparse, math, statistics, time
import torch
from fasttrain.core import set_seed, env_report
from fasttrain.optim import AdamW, Muon, param_groups, muon_groups, newton_schulz

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

class MuonLoop(Muon):
    "Muon as it was before batching: one Newton-Schulz chain per matrix, the reference the batched step replaced"
    @torch.no_grad()
    def step(self, closure=None):
        from fasttrain.optim import _with_grad, _adam_update
        for g in self.param_groups:
            ps, grads, states = _with_grad(g, self.state)
            if not ps: continue
            if not g['use_muon']: _adam_update(ps, grads, states, g['lr'], g['betas'], g['eps'], g['weight_decay'], True); continue
            mu, lr = g['momentum'], g['lr']
            for p, gr, s in zip(ps, grads, states):
                if 'momentum_buffer' not in s: s['momentum_buffer'] = torch.zeros_like(p)
                buf = s['momentum_buffer']; buf.lerp_(gr, 1 - mu)
                u = gr.lerp(buf, mu) if g['nesterov'] else buf
                o = newton_schulz(u.reshape(len(u), -1), g['ns_steps'])
                p.mul_(1 - lr * g['weight_decay']); p.add_(o.view_as(p), alpha=-lr * 0.2 * math.sqrt(max(o.shape)))

def medians(fns:dict, repeats:int) -> dict:
    "Median seconds of each function, timed in interleaved rounds (the order rotates each round)"
    ts = {k: [] for k in fns}; names = list(fns)
    for r in range(repeats):
        for k in names[r % len(names):] + names[:r % len(names)]:
            t = time.perf_counter(); fns[k](); ts[k].append(time.perf_counter() - t)
    return {k: statistics.median(v) for k, v in ts.items()}

def muon_bench(repeats:int):
    "Optimizer step and training step of the tiny GPT with AdamW and with Muon"
    from fasttrain.models import GPT, GPTConfig
    set_seed(0)
    cfg = GPTConfig.preset('tiny')
    x, y = torch.randint(0, 65, (12, 64)), torch.randint(0, 65, (12, 64))
    makers = {'AdamW': lambda m: AdamW(param_groups(m, 0.1), lr=3e-3, betas=(0.9, 0.95)),
              'Muon fp32': lambda m: Muon(muon_groups(m, 0.1), lr=5e-3, ns_dtype='fp32'),
              'Muon bf16': lambda m: Muon(muon_groups(m, 0.1), lr=5e-3, ns_dtype='bf16'),
              'Muon one matrix at a time': lambda m: MuonLoop(muon_groups(m, 0.1), lr=5e-3, ns_dtype='fp32')}
    models, opts = {}, {}
    for k, mk in makers.items():
        set_seed(0); models[k] = GPT(cfg); opts[k] = mk(models[k])
        _, loss = models[k](x, y); loss.backward()
        for _ in range(3): opts[k].step()                      # state allocated, allocator warm
    opt_t = medians({k: opts[k].step for k in makers}, repeats)
    def train_step(k):
        def f():
            _, loss = models[k](x, y); loss.backward(); opts[k].step(); opts[k].zero_grad()
        return f
    for k in makers: train_step(k)()
    step_t = medians({k: train_step(k) for k in ('AdamW', 'Muon fp32', 'Muon bf16')}, repeats)
    print(f"\ntiny GPT ({sum(p.numel() for p in models['AdamW'].parameters())/1e6:.2f}M parameters), batch 12 x 64, {repeats} interleaved repeats")
    print(f"{'optimizer step alone':32} {'median ms':>10}")
    for k, v in opt_t.items(): print(f"  {k:30} {v*1e3:10.2f}")
    print(f"{'training step (fwd+bwd+step)':32} {'median ms':>10} {'/ AdamW':>8}")
    for k, v in step_t.items(): print(f"  {k:30} {v*1e3:10.2f} {v/step_t['AdamW']:8.3f}")
    best = min(step_t['Muon fp32'], step_t['Muon bf16'])
    print(f"Muon/AdamW training step: {best/step_t['AdamW']:.3f}x with the faster Muon dtype (target <= 1.15x); "
          f"batching alone: {opt_t['Muon one matrix at a time']/opt_t['Muon fp32']:.2f}x faster optimizer step")

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--repeats', type=int, default=50)
    ap.add_argument('--threads', type=int, default=None)
    ap.add_argument('--muon', action='store_true', help='also run part 2: Muon against AdamW on the tiny GPT')
    ap.add_argument('--muon-only', action='store_true', help='run part 2 only')
    args = ap.parse_args()
    if args.threads: torch.set_num_threads(args.threads)
    if args.muon_only: return muon_bench(args.repeats)
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
    if args.muon: muon_bench(args.repeats)

if __name__ == '__main__': main()
