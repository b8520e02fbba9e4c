"""Exact resume across processes: 2k steps straight against k steps, save, load in a NEW process, k more.

The run is the library's own (`lm_learner(...).fit_steps`), on the CPU in fp32, with dropout (so the RNG state matters),
an evaluation interval that does not divide k (so the resume starts in the middle of an epoch), and both optimizers
`lm_learner` offers. The final weights and optimizer state must be bitwise equal."""
import os, subprocess, sys, textwrap
import pytest, torch
from conftest import ROOT

SCRIPT = textwrap.dedent('''
    import sys, torch
    from fastai.callback.core import Callback, CancelFitException
    from fasttrain.core import set_seed
    from fasttrain.data import get_tinyshakespeare, CharTokenizer, lm_dls
    from fasttrain.models import GPTConfig
    from fasttrain.lm import lm_learner, save_checkpoint, load_checkpoint
    mode, opt, out, k = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    class StopAt(Callback):
        order = 95
        def after_batch(self):
            if self.training and self.learn.steps.step == k: raise CancelFitException()
    text = get_tinyshakespeare()[:120_000]; tok = CharTokenizer(text)
    set_seed(3)
    dls = lm_dls(tok.encode(text), block_size=32, bs=6, n_batches=7, seed=3, tokenizer=tok)
    learn = lm_learner(dls, GPTConfig.preset('tiny', n_layer=2, n_embd=32, dropout=0.1, vocab_size=tok.vocab_size, block_size=32),
                       opt=opt, lr=3e-3, muon_lr=0.01)
    if mode == 'second': load_checkpoint(out + '.ckpt', learn)
    with learn.no_bar(), learn.no_logging(): learn.fit_steps(2 * k, cbs=[StopAt()] if mode == 'first' else None)
    assert learn.steps.step == (k if mode == 'first' else 2 * k), learn.steps.step
    if mode == 'first': save_checkpoint(out + '.ckpt', learn)
    else: torch.save({'model': learn.model.state_dict(), 'opt': learn.opt.state_dict()}, out)
''')

def run(tmp_path, *args):
    env = {**os.environ, 'OMP_NUM_THREADS': '1', 'PYTHONPATH': str(ROOT)}
    r = subprocess.run([sys.executable, '-c', SCRIPT, *map(str, args)], capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]

def _equal(a, b):
    if isinstance(a, torch.Tensor): return torch.equal(a, b)
    if isinstance(a, dict): return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)): return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b))
    return a == b

@pytest.mark.parametrize('opt', ['adamw', 'muon'])
def test_resume_in_a_new_process_is_bitwise_exact(tmp_path, corpus_path, opt):
    k = 12                                           # evaluations every 7 steps: the save at 12 is mid-epoch
    run(tmp_path, 'straight', opt, tmp_path/'straight.pt', k)
    run(tmp_path, 'first', opt, tmp_path/'resumed.pt', k)
    run(tmp_path, 'second', opt, tmp_path/'resumed.pt', k)
    a, b = torch.load(tmp_path/'straight.pt', weights_only=True), torch.load(tmp_path/'resumed.pt', weights_only=True)
    assert _equal(a['model'], b['model'])
    assert _equal(a['opt'], b['opt'])
    ck = torch.load(tmp_path/'resumed.pt.ckpt', weights_only=True)
    assert ck['step'] == k and not _equal(ck['model'], a['model'])     # the checkpoint really is half-way
