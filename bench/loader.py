#!/usr/bin/env python
"""What a language-model batch costs next to the training step it feeds, on CPU.

Measured side by side in one process, on Tiny Shakespeare encoded by `CharTokenizer`:

  lm_dls train batch   a batch from `lm_dls(...).train`: fastai's DataLoader machinery around `get_batch`
  get_batch            the gather alone
  per-item collation   the usual recipe: a Dataset that returns one window, torch's DataLoader stacking `bs` of them
  training step        forward, backward and AdamW step of the tiny GPT configuration (4 layers, 4 heads, 128 wide,
                       context 64, batch 12, vocabulary 65)

The target (issue "Foundation"): a loader batch costs under 5% of a training step. The step is `fasttrain.models.GPT`
with the 'tiny' preset (notebook 03).

    FASTTRAIN_DATA=../shared/data python bench/loader.py [--n 2000] [--threads N]
"""
import argparse, statistics, time
import torch, torch.nn.functional as F
from fasttrain.core import set_seed, count_params, env_report
from fasttrain.data import get_tinyshakespeare, CharTokenizer, lm_dls, get_batch
from fasttrain.models import GPT, GPTConfig

def per_call(fn, n, warmup=20):
    "Median seconds per call of `fn` over `n` calls, after `warmup`"
    for _ in range(warmup): fn()
    ts = []
    for _ in range(n):
        t = time.perf_counter(); fn(); ts.append(time.perf_counter() - t)
    return statistics.median(ts)

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--n', type=int, default=2000, help='loader batches timed per contender')
    ap.add_argument('--steps', type=int, default=100, help='training steps timed')
    ap.add_argument('--threads', type=int, default=None, help='torch threads (default: torch\'s own choice)')
    ap.add_argument('--sizes', type=int, nargs='*', default=[12, 64, 256], help='batch sizes for the loader-only comparison')
    a = ap.parse_args()
    if a.threads: torch.set_num_threads(a.threads)
    set_seed(0)
    text = get_tinyshakespeare(progress=False)
    tok = CharTokenizer(text)
    data = torch.tensor(tok.encode(text))
    B, T = 12, 64

    dls = lm_dls(data, block_size=T, bs=B, seed=0)
    it = [iter(dls.train)]
    def lm_batch():
        try: return next(it[0])
        except StopIteration: it[0] = iter(dls.train); return next(it[0])
    g = torch.Generator().manual_seed(0)

    class Windows(torch.utils.data.Dataset):
        "One window per item: the per-item recipe"
        def __len__(self): return len(data) - T
        def __getitem__(self, i): return data[i:i+T], data[i+1:i+T+1]
    tdl = torch.utils.data.DataLoader(Windows(), batch_size=B, shuffle=True, generator=torch.Generator().manual_seed(0))
    tit = [iter(tdl)]
    def collated():
        try: return next(tit[0])
        except StopIteration: tit[0] = iter(tdl); return next(tit[0])

    model = GPT(GPTConfig.preset('tiny', vocab_size=tok.vocab_size, block_size=T))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, foreach=True)
    xb, yb = get_batch(data, B, T, generator=g)
    def step():
        loss = F.cross_entropy(model(xb).flatten(0, 1), yb.flatten())
        loss.backward(); opt.step(); opt.zero_grad()

    rows = [('lm_dls train batch', per_call(lm_batch, a.n)),
            ('get_batch', per_call(lambda: get_batch(data, B, T, generator=g), a.n)),
            ('per-item collation', per_call(collated, a.n)),
            ('training step', per_call(step, a.steps, warmup=10))]
    t_step = rows[-1][1]
    env = env_report()
    print(f"torch {env['torch']}, fastai {env['fastai']}, {env['device_name']} with {env['torch_threads']} torch threads; "
          f"model {count_params(model):,} parameters, batch {B}x{T}")
    print(f"{'':22}{'median time':>14}{'share of a step':>18}")
    for name, t in rows: print(f"{name:22}{t*1e6:11.1f} µs{t/t_step:17.2%}")
    print(f"lm_dls batch / step = {rows[0][1]/t_step:.4f} (target < 0.05); per-item collation / lm_dls batch = "
          f"{rows[2][1]/rows[0][1]:.1f}x")

    # The per-item recipe pays per window, so its gap grows with the batch size.
    print(f"\n{'batch size':>10}{'lm_dls batch':>16}{'per-item collation':>22}{'ratio':>8}")
    for bs in a.sizes:
        d = lm_dls(data, block_size=T, bs=bs, seed=0, n_batches=a.n // 10 + 50)
        its = [iter(d.train)]
        pdl = torch.utils.data.DataLoader(Windows(), batch_size=bs, shuffle=True, generator=torch.Generator().manual_seed(0))
        pits = [iter(pdl)]
        t_lm = per_call(lambda: next(its[0]), a.n // 10, warmup=20)
        t_pi = per_call(lambda: next(pits[0]), a.n // 10, warmup=20)
        print(f"{bs:>10}{t_lm*1e6:13.1f} µs{t_pi*1e6:19.1f} µs{t_pi/t_lm:7.1f}x")

if __name__ == '__main__': main()
