#!/usr/bin/env python
"""The README's main job: train a small character-level model on Tiny Shakespeare, then sample from it.

It uses fasttrain's data pipeline (`get_tinyshakespeare`, `CharTokenizer`, `lm_dls`) and fastai's `Learner`. The model
is a stand-in, a stack of dilated causal convolutions, until the GPT of notebook 03 and `lm_learner` of notebook 09
take its place. Run it through `tools/train.sh`, which sets up the environment first.
"""
import argparse, math, time

def parse_args(argv=None):
    ap = argparse.ArgumentParser(prog='tools/train.sh', description=__doc__.split('\n\n')[0])
    ap.add_argument('--steps', type=int, default=600, help='training steps (default: %(default)s)')
    ap.add_argument('--eval-every', type=int, default=100, help='steps between validation passes (default: %(default)s)')
    ap.add_argument('--bs', type=int, default=32, help='windows per batch (default: %(default)s)')
    ap.add_argument('--block-size', type=int, default=128, help='characters per window (default: %(default)s)')
    ap.add_argument('--lr', type=float, default=3e-3, help='peak learning rate of the one-cycle schedule (default: %(default)s)')
    ap.add_argument('--seed', type=int, default=0, help='random seed (default: %(default)s)')
    ap.add_argument('--device', default=None, help='cpu, cuda, mps, ... (default: the fastest present)')
    ap.add_argument('--data', default=None, help='tinyshakespeare.txt, or a directory holding it (default: $FASTTRAIN_DATA, else download)')
    ap.add_argument('--prompt', default='ROMEO:', help='start of the sample (default: %(default)s)')
    ap.add_argument('--sample-len', type=int, default=400, help='characters to sample (default: %(default)s)')
    a = ap.parse_args(argv)
    for k in ('steps', 'eval_every', 'bs', 'block_size', 'sample_len'):
        if getattr(a, k) < 1: ap.error(f"--{k.replace('_', '-')} must be a positive integer, got {getattr(a, k)}")
    if not a.lr > 0: ap.error(f"--lr must be positive, got {a.lr}")
    return a

def main(argv=None):
    a = parse_args(argv)   # before the slow imports, so that --help and bad options answer at once
    from fasttrain.core import default_device, set_seed, count_params
    from fasttrain.data import get_tinyshakespeare, CharTokenizer, lm_dls
    import torch, torch.nn.functional as F
    from torch import nn
    from fastai.learner import Learner
    import fastai.callback.all  # noqa: F401  adds fit_one_cycle, the progress bar and the results table

    class CausalConvLM(nn.Module):
        "Embedding, residual blocks of dilated causal convolutions, LayerNorm and a linear read-out"
        def __init__(self, vocab_size, d=128, dilations=(1, 2, 4, 8, 16, 32)):
            super().__init__()
            self.emb = nn.Embedding(vocab_size, d)
            self.convs = nn.ModuleList(nn.Conv1d(d, 2*d, 2, dilation=r) for r in dilations)  # kernel 2: sees t-r and t
            self.projs = nn.ModuleList(nn.Conv1d(2*d, d, 1) for _ in dilations)
            self.pads, self.norm, self.head = dilations, nn.LayerNorm(d), nn.Linear(d, vocab_size)
        def forward(self, idx):                                        # (B, T)
            x = self.emb(idx).transpose(1, 2)                          # (B, d, T)
            for conv, proj, r in zip(self.convs, self.projs, self.pads):
                x = x + proj(F.gelu(conv(F.pad(x, (r, 0)))))          # left padding only: position t never sees t+1
            return self.head(self.norm(x.transpose(1, 2)))             # (B, T, vocab)

    def lm_loss(logits, y): return F.cross_entropy(logits.flatten(0, 1), y.flatten())

    set_seed(a.seed)
    device = default_device(a.device)
    t0 = time.time()
    text = get_tinyshakespeare(a.data)
    tok = CharTokenizer(text)
    # an "epoch" is `eval_every` steps of random windows, then a pass over the validation windows
    dls = lm_dls(tok.encode(text), block_size=a.block_size, bs=a.bs, n_batches=a.eval_every, tokenizer=tok, device=device)
    model = CausalConvLM(tok.vocab_size).to(device)
    print(f"Tiny Shakespeare: {len(text):,} characters, {tok.vocab_size} distinct; model: {count_params(model):,} parameters; "
          f"device: {device}; {a.steps} steps of {a.bs}x{a.block_size} characters")
    learn = Learner(dls, model, loss_func=lm_loss)
    n_epochs = math.ceil(a.steps / a.eval_every)
    learn.fit_one_cycle(n_epochs, a.lr)
    val_loss = learn.recorder.values[-1][1]
    print(f"validation loss {val_loss:.3f} nats/char = {val_loss / math.log(2):.3f} bits/char "
          f"(a uniform guess is {math.log(tok.vocab_size):.3f} nats/char); {time.time() - t0:.0f}s in all")

    model.eval()
    idx = torch.tensor([tok.encode(a.prompt)], device=device)
    g = torch.Generator(device=device).manual_seed(a.seed)
    with torch.no_grad():
        for _ in range(a.sample_len):
            probs = F.softmax(model(idx[:, -a.block_size:])[:, -1] / 0.8, dim=-1)   # temperature 0.8
            idx = torch.cat([idx, torch.multinomial(probs, 1, generator=g)], dim=1)
    print(f"\nSample (temperature 0.8):\n\n{tok.decode(idx[0].tolist())}")
    return val_loss

if __name__ == '__main__': main()
