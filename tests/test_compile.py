"""`lm_learner(compile=True)` trains like eager mode: the same loss at every step, within float rounding.

Compiling takes tens of seconds on a CPU (TorchInductor generates and builds C++ kernels), so notebook 11 flags its own
copy of this check `slow`; this is the one that runs in CI. Validation is left out: in eval mode and without gradients
the model compiles a second time, which would double the test's time without testing anything new."""
import os, subprocess, sys, textwrap
from conftest import ROOT

SCRIPT = textwrap.dedent('''
    import json, sys, time, torch
    from fasttrain.core import set_seed
    from fastai.callback.core import Callback, CancelValidException
    from fasttrain.data import get_tinyshakespeare, CharTokenizer, lm_dls
    from fasttrain.models import GPT, GPTConfig
    from fasttrain.lm import lm_learner
    class NoValid(Callback):
        def before_validate(self): raise CancelValidException()
    class Losses(Callback):
        order = 95
        def before_fit(self): self.values = []
        def after_batch(self):
            if self.training: self.values.append(float(self.learn.loss))
    text = get_tinyshakespeare()[:50_000]; tok = CharTokenizer(text)
    cfg = GPTConfig.preset('tiny', n_layer=1, n_embd=32, vocab_size=tok.vocab_size, block_size=32)
    res = {}
    for compile in (False, True):
        set_seed(0)
        dls = lm_dls(tok.encode(text), block_size=32, bs=8, n_batches=5, seed=0, tokenizer=tok)
        learn = lm_learner(dls, cfg, lr=3e-3, dtype='fp32', compile=compile, cbs=[Losses()])
        t0 = time.time()
        with learn.no_bar(), learn.no_logging(): learn.fit_steps(4, cbs=[NoValid()])
        res[compile] = dict(losses=learn.losses.values, seconds=time.time() - t0, is_gpt=type(learn.model) is GPT,
                            keys=sorted(learn.model.state_dict()), weights=[p.tolist() for p in learn.model.parameters()])
    json.dump(res, open(sys.argv[1], 'w'))
''')

def test_compiled_losses_equal_eager(tmp_path, corpus_path):
    import json, torch
    env = {**os.environ, 'OMP_NUM_THREADS': '1', 'PYTHONPATH': str(ROOT)}
    r = subprocess.run([sys.executable, '-c', SCRIPT, str(tmp_path/'res.json')], capture_output=True, text=True,
                       timeout=900, env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-4000:]
    res = json.loads((tmp_path/'res.json').read_text())
    eager, compiled = res['false'], res['true']
    assert len(compiled['losses']) == len(eager['losses']) == 4
    assert max(abs(a - b) for a, b in zip(compiled['losses'], eager['losses'])) < 1e-5
    assert compiled['losses'][-1] < compiled['losses'][0]                 # it trained
    assert compiled['is_gpt'] and compiled['keys'] == eager['keys']       # compiled in place: checkpoints keep their keys
    d = max((torch.tensor(a) - torch.tensor(b)).abs().max().item() for a, b in zip(compiled['weights'], eager['weights']))
    assert d < 1e-5, d
    print(f"compile: first fit {compiled['seconds']:.1f} s, eager {eager['seconds']:.2f} s")
