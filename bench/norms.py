#!/usr/bin/env python
"""Training-step time of the tiny GPT with its norms run by PyTorch's fused kernels (what `LayerNorm`/`RMSNorm` do)
against the written-out definitions (`layer_norm`/`rms_norm` of notebook 03), side by side in one process.

Both variants compute in fp32; only the kernels differ. Each variant is timed in interleaved rounds (forward plus
backward, batch 12x64) and the minimum round is reported, so that a burst of load on the machine hits both alike.

    python bench/norms.py                       # the tiny (LayerNorm) and tiny-modern (RMSNorm) presets
    python bench/norms.py --steps 50 --rounds 5
"""
import argparse, time
import torch
from fasttrain.core import set_seed
from fasttrain.models import GPT, GPTConfig, LayerNorm, RMSNorm, layer_norm, rms_norm

def written_ln(self, x):
    return layer_norm(x.float(), self.weight.float(), None if self.bias is None else self.bias.float(), self.eps).type_as(x)
def written_rms(self, x): return rms_norm(x.float(), self.weight.float(), self.eps).type_as(x)
VARIANTS = {'fused': (LayerNorm.forward, RMSNorm.forward), 'written out': (written_ln, written_rms)}

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--steps', type=int, default=20, help='timed steps per round')
    ap.add_argument('--rounds', type=int, default=3, help='interleaved rounds per variant')
    ap.add_argument('--threads', type=int, default=None, help="torch threads (default: torch's own choice)")
    args = ap.parse_args()
    if args.threads: torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, CPU; forward+backward, batch 12x64, "
          f"min over {args.rounds} rounds of {args.steps} steps")
    for preset in ('tiny', 'tiny-modern'):
        set_seed(0)
        m = GPT(GPTConfig.preset(preset))
        x, y = torch.randint(0, 65, (12, 64)), torch.randint(0, 65, (12, 64))
        def step():
            m.zero_grad(set_to_none=True)
            _, loss = m(x, y); loss.backward()
        times, losses = {}, {}
        for _ in range(args.rounds):
            for name, (ln_f, rms_f) in VARIANTS.items():
                LayerNorm.forward, RMSNorm.forward = ln_f, rms_f
                for _ in range(3): step()
                t = time.perf_counter()
                for _ in range(args.steps): step()
                times.setdefault(name, []).append((time.perf_counter() - t) / args.steps * 1e3)
                losses[name] = m(x, y)[1].item()
        LayerNorm.forward, RMSNorm.forward = VARIANTS['fused']
        f, w = min(times['fused']), min(times['written out'])
        print(f"{preset:12s} fused {f:7.2f} ms/step   written out {w:7.2f} ms/step   written/fused {w / f:.2f}x   "
              f"loss difference {abs(losses['fused'] - losses['written out']):.1e}")

if __name__ == '__main__': main()
