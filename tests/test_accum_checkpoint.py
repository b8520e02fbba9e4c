"""Gradient accumulation with checkpoints: saves only after real optimizer steps, and an exact resume.

`fasttrain.lm.Checkpoint` saves in `after_batch` when the step count is a multiple of its interval. Under `GradAccum`
fastai also runs `after_batch` for the micro-batches that did not step, so `Checkpoint` checks `Steps.stepped` (False in
`before_batch`, True in `after_step`) and saves only after a batch that stepped."""
import pytest, torch
from fasttrain.core import set_seed   # first: it silences a warning fastai's import gives
from fastai.callback.core import Callback, CancelFitException
from fasttrain.data import get_tinyshakespeare, CharTokenizer, lm_dls
from fasttrain.models import GPTConfig
from fasttrain.lm import lm_learner, load_checkpoint, find_checkpoint, Steps, Checkpoint
from fasttrain.scale import GradAccum

class StopAt(Callback):
    order = 96
    def __init__(self, k): self.k = k
    def after_batch(self):
        if self.training and self.learn.steps.step == self.k: raise CancelFitException()

def learner(tok, text, save_dir=None):
    set_seed(3)
    dls = lm_dls(tok.encode(text), block_size=32, bs=3, n_batches=5, seed=3, tokenizer=tok)
    cfg = GPTConfig.preset('tiny', n_layer=2, n_embd=32, dropout=0.1, vocab_size=tok.vocab_size, block_size=32)
    return lm_learner(dls, cfg, lr=3e-3, dtype='fp32', save_dir=save_dir, save_every=4, cbs=[GradAccum(3)])

def test_accumulation_saves_after_steps_only_and_resumes_exactly(tmp_path, corpus_path):
    text = get_tinyshakespeare(corpus_path)[:60_000]; tok = CharTokenizer(text)
    straight = learner(tok, text)
    with straight.no_bar(), straight.no_logging(): straight.fit_steps(14)
    first = learner(tok, text, save_dir=tmp_path)
    with first.no_bar(), first.no_logging(): first.fit_steps(14, cbs=[StopAt(6)])
    assert sorted(p.name for p in tmp_path.glob('step-*.pt')) == ['step-0000004.pt', 'step-0000006.pt']   # no step 0
    second = learner(tok, text)
    load_checkpoint(find_checkpoint(tmp_path), second)
    assert second.steps.step == 6
    with second.no_bar(), second.no_logging(): second.fit_steps(14)
    for a, b in zip(second.model.parameters(), straight.model.parameters()): assert torch.equal(a, b)
