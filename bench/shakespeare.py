#!/usr/bin/env python
"""Quality: validation loss of the tiny char preset on Tiny Shakespeare after 2,000 steps, trained by `lm_learner`.

The recipe budget is fixed: 2,000 steps of 12 windows of 64 characters, fp32 on the CPU, the first 90% of the text for
training and the last 10% for validation (the mean loss over all its consecutive 64-character windows), a model of about
0.8M parameters (4 layers, 4 heads, 128 wide). A well-known minimal GPT reaches 1.886 with it; `--recipe baseline`
reproduces that setting here (LayerNorm/GELU/learned positions, AdamW at 1e-3), `--recipe fasttrain` (the default) uses
what the notebooks teach: Muon for the hidden matrices (notebook 06), warmup-cosine, clipping, weight decay.

    FASTTRAIN_DATA=../shared/data python bench/shakespeare.py [--recipe fasttrain|baseline] [--seed 0] [--threads 1]
"""
import argparse, time

RECIPES = {
    'baseline':  dict(preset='tiny', opt='adamw', lr=1e-3, betas=(0.9, 0.99), wd=0.1, muon_lr=None),
    'fasttrain': dict(preset='tiny', opt='muon', lr=3e-3, betas=(0.9, 0.99), wd=0.1, muon_lr=0.005),
}

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--recipe', choices=list(RECIPES), default='fasttrain')
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--steps', type=int, default=2000)
    ap.add_argument('--eval-every', type=int, default=250)
    ap.add_argument('--threads', type=int, default=1, help='torch CPU threads (default: %(default)s)')
    a = ap.parse_args(argv)
    import torch
    from fasttrain.core import set_seed, count_params
    from fasttrain.data import get_tinyshakespeare, CharTokenizer, lm_dls
    from fasttrain.lm import lm_learner
    torch.set_num_threads(a.threads)
    r = RECIPES[a.recipe]
    text = get_tinyshakespeare(); tok = CharTokenizer(text)
    set_seed(a.seed)
    dls = lm_dls(tok.encode(text), block_size=64, bs=12, valid_pct=0.1, n_batches=a.eval_every, valid_bs=256, seed=a.seed, tokenizer=tok)
    kw = dict(muon_lr=r['muon_lr']) if r['muon_lr'] else {}
    learn = lm_learner(dls, r['preset'], lr=r['lr'], betas=r['betas'], wd=r['wd'], opt=r['opt'], warmup=100, min_lr_ratio=0.1,
                       clip=1.0, dtype='fp32', device='cpu', **kw)
    n = count_params(learn.model)
    print(f"recipe {a.recipe}: {r}; {n:,} parameters ({n - learn.model.wpe.weight.numel() if learn.model.wpe is not None else n:,} without "
          f"the position table); {a.steps} steps x 12 x 64 tokens, seed {a.seed}, {a.threads} thread(s)")
    t0 = time.time()
    with learn.no_bar(), learn.no_logging(): learn.fit_steps(a.steps)
    names = learn.recorder.metric_names[1:-1]
    print(f"{'step':>5} {'valid loss':>10} {'tokens/s':>9}")
    for row in learn.recorder.values:
        d = dict(zip(names, row)); print(f"{d['step']:>5} {d['valid_loss']:>10.4f} {d['tokens_s']:>9,.0f}")
    print(f"final validation loss {learn.recorder.values[-1][1]:.4f} after {learn.steps.step} steps ({time.time() - t0:.0f} s)")
    return learn.recorder.values[-1][1]

if __name__ == '__main__': main()
