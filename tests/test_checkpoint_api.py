"The checkpoint module's helpers used from Python: safe loading, the tokenizer a learner carries, and a run directory kept by `RunLog`."
import os, pickle
import pytest, torch
from fasttrain.checkpoint import CheckpointError, safe_load, tokenizer_of, RunLog, RunDir, plot_run, read_rows
from fasttrain.data import CharTokenizer, lm_dls
from fasttrain.lm import lm_learner

TEXT = "To be, or not to be, that is the question.\n" * 200

def test_safe_load_round_trip_and_errors(tmp_path):
    torch.save({'w': torch.arange(3.)}, tmp_path/'ok.pt')
    assert torch.equal(safe_load(tmp_path/'ok.pt')['w'], torch.arange(3.))
    with pytest.raises(CheckpointError, match='No adapter at'): safe_load(tmp_path/'none.pt', what='adapter')
    with pytest.raises(CheckpointError, match='is not a file'): safe_load(tmp_path)

def test_safe_load_never_runs_a_pickled_command(tmp_path):
    flag = tmp_path/'ran'
    class Evil:
        def __reduce__(self): return (os.system, (f'touch {flag}',))
    with open(tmp_path/'evil.pt', 'wb') as f: pickle.dump({'x': Evil()}, f)
    with pytest.raises(CheckpointError): safe_load(tmp_path/'evil.pt')
    assert not flag.exists()

def test_tokenizer_of_and_run_log(tmp_path):
    tok = CharTokenizer(TEXT)
    dls = lm_dls(tok.encode(TEXT), block_size=16, bs=4, n_batches=3, seed=0, tokenizer=tok)
    assert tokenizer_of(dls) is tok
    learn = lm_learner(dls, _small(tok), dtype='fp32', device='cpu', progress=None)
    assert tokenizer_of(learn) is tok
    run = RunDir(tmp_path/'run')
    learn.add_cb(RunLog(run, config={'note': 'test'}))
    learn.fit_steps(6)
    head, rows = read_rows(run/'metrics.csv')
    assert [r['step'] for r in rows] == ['3', '6']                    # one row per evaluation
    _, steps = read_rows(run/'steps.csv')
    assert [r['step'] for r in steps] == [str(i) for i in range(1, 7)]   # one row per optimizer step
    assert (run/'loss.png').is_file()
    (run/'loss.png').unlink()
    assert plot_run(run) == run/'loss.png' and (run/'loss.png').stat().st_size > 1000

def _small(tok):
    from fasttrain.models import GPTConfig
    return GPTConfig(vocab_size=tok.vocab_size, block_size=16, n_layer=1, n_head=2, n_embd=32)
