"""Several processes under torchrun, on the CPU with gloo: N processes with a per-process batch of b must train as one
process with a batch of N·b (DDP, DDP with gradient accumulation and `no_sync`, FSDP2); only rank 0 logs, checkpoints
and samples; a checkpoint written by 2 processes resumes in 1.

The runs are the library's own (`lm_learner(...).to_ddp()` / `.to_fsdp()` and `fit_steps`), in fp32 with gradient
clipping on. One torchrun launch with 2 processes and one plain process run every case, to keep the test short."""
import json, os, subprocess, sys, textwrap
import pytest, torch
from conftest import ROOT
from fasttrain.scale import _TORCH   # (major, minor) of this torch

SCRIPT = textwrap.dedent('''
    import json, sys, torch
    from fasttrain.core import set_seed
    from fastai.callback.core import Callback, CancelFitException
    from fasttrain.data import get_tinyshakespeare, CharTokenizer, lm_dls
    from fasttrain.models import GPTConfig
    from fasttrain.lm import lm_learner, load_checkpoint, find_checkpoint, Checkpoint, Samples
    from fasttrain.scale import setup_distributed, cleanup_distributed, get_rank, get_world_size, GradAccum, full_state_dict, _TORCH
    out, ckpt = sys.argv[1], sys.argv[2]   # this run's results; the checkpoint directory of the 2-process run
    rank, world = setup_distributed()
    assert (rank, world) == (get_rank(), get_world_size())
    text = get_tinyshakespeare()[:100_000]; tok = CharTokenizer(text)
    cfg = GPTConfig.preset('tiny', n_layer=2, n_embd=32, vocab_size=tok.vocab_size, block_size=32)

    class Record(Callback):
        "Each training batch's loss (the global batch's, under DDP), and which rank-0-only callbacks ran during the fit"
        order = 95
        def before_fit(self): self.step_losses, self.seen, self.first, self.syncs = [], None, None, []
        def after_batch(self):
            if not self.training: return
            self.step_losses.append(float(self.learn.loss))
            if self.first is None: self.first = self.xb[0][:, :4].tolist()      # the windows this rank trained on first
            ddp = getattr(self.learn, 'ddp', None)
            if ddp is not None: self.syncs.append(ddp.wrapper.require_backward_grad_sync)
            if self.seen is None: self.seen = sorted(type(cb).__name__ for cb in self.learn.cbs if isinstance(cb, (Checkpoint, Samples)))

    class StopAt(Callback):
        order = 96
        def __init__(self, k): self.k = k
        def after_batch(self):
            if self.training and self.learn.steps.step == self.k: raise CancelFitException()

    def learner(n_acc=1, bs=8, **kwargs):
        set_seed(3)
        dls = lm_dls(tok.encode(text), block_size=32, bs=bs // n_acc, n_batches=7, seed=3, tokenizer=tok)
        cbs = [Record()] + ([GradAccum(n_acc)] if n_acc > 1 else [])
        return lm_learner(dls, cfg, lr=3e-3, dtype='fp32', clip=1.0, cbs=cbs, **kwargs)

    def weights(learn): return {k: v.tolist() for k, v in full_state_dict(learn.model).items()}

    res = {}
    fsdp = [('fsdp', 1)] if _TORCH >= (2, 6) else []   # CPU FSDP2: torch 2.6+
    for kind, n_acc in [('ddp', 1), ('ddp', 2)] + fsdp:          # 20 steps, each of 8 windows
        learn = learner(n_acc)
        if world > 1: learn.to_fsdp() if kind == 'fsdp' else learn.to_ddp()
        with learn.no_bar(), learn.no_logging(): learn.fit_steps(20)
        res[f'{kind}{n_acc}'] = dict(losses=learn.record.step_losses, weights=weights(learn), step=learn.steps.step,
                                     first=learn.record.first, syncs=learn.record.syncs)

    if world > 1:   # rank 0 alone logs, checkpoints and samples; the first half of a run that finishes in one process
        learn = learner(save_dir=ckpt, save_every=100, sample_prompt='ROMEO:', sample_tokens=5).to_ddp()
        with learn.no_bar(): learn.fit_steps(12, cbs=[StopAt(8)])   # after the first evaluation (step 7) and its sample
        res['rank0_only'] = dict(seen=learn.record.seen, samples=len(learn.samples.samples),
                                 after=sorted(type(cb).__name__ for cb in learn.cbs if isinstance(cb, (Checkpoint, Samples))))
    else:           # the same run straight through, and its second half from the checkpoint the 2 processes wrote
        learn = learner()
        with learn.no_bar(), learn.no_logging(): learn.fit_steps(12)
        res['straight'] = weights(learn)
        learn = learner()
        load_checkpoint(find_checkpoint(ckpt), learn); start = learn.steps.step
        with learn.no_bar(), learn.no_logging(): learn.fit_steps(12)
        res['resumed'] = dict(weights=weights(learn), start=start)
    json.dump(res, open(f'{out}.rank{rank}.json', 'w'))
    cleanup_distributed()
''')

def launch(tmp_path, nproc, out):
    env = {**os.environ, 'OMP_NUM_THREADS': '1', 'PYTHONPATH': str(ROOT)}
    script = tmp_path/'train.py'; script.write_text(SCRIPT)
    cmd = [sys.executable, '-m', 'torch.distributed.run', '--standalone', f'--nproc_per_node={nproc}'] if nproc > 1 else [sys.executable]
    r = subprocess.run([*cmd, str(script), str(tmp_path/out), str(tmp_path/'two.ckpt')], capture_output=True, text=True, timeout=600, env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-4000:]
    return r.stdout, [json.loads((tmp_path/f'{out}.rank{i}.json').read_text()) for i in range(nproc)]

def close(a, b, eps):
    "Largest difference of two (nested) lists or dicts of numbers, asserted below `eps`"
    d = max((torch.tensor(a[k]) - torch.tensor(b[k])).abs().max().item() for k in a) if isinstance(a, dict) else \
        (torch.tensor(a) - torch.tensor(b)).abs().max().item()
    assert d < eps, d

@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    "Both launches, once for all the tests below (the corpus comes from $FASTTRAIN_DATA, as conftest's `corpus_path`)"
    d = tmp_path_factory.mktemp('ddp')
    two_out, two = launch(d, 2, 'two')     # first: the 1-process run resumes from its checkpoint
    one_out, one = launch(d, 1, 'one')
    return d, two_out, two, one[0]

# FSDP2 runs on CPUs from torch 2.6 (torch 2.4/2.5 need CUDA, and `to_fsdp` says so: notebook 11); fasttrain tests it with 2.14
FSDP_ON_CPU = _TORCH >= (2, 6)

@pytest.mark.parametrize('case', ['ddp1', 'ddp2'] + (['fsdp1'] if FSDP_ON_CPU else []))
def test_two_processes_train_as_one_with_twice_the_batch(runs, case):
    _, _, (r0, r1), one = runs
    test, ref = r0[case], one[case]
    assert test['step'] == ref['step'] == 20
    assert len(test['losses']) == len(ref['losses']) == 20 * (2 if case == 'ddp2' else 1)   # micro-batches logged
    close(test['losses'], ref['losses'], 1e-5)                 # the global batch's loss, step by step
    close(test['weights'], ref['weights'], 1e-5)
    close(r1[case]['weights'], test['weights'], 1e-7)          # and the ranks agree with each other
    close(r1[case]['losses'], test['losses'], 1e-7)
    n = 4 if case == 'ddp2' else 8                             # windows per (micro-)batch in one process
    assert r0[case]['first'] + r1[case]['first'] == ref['first'][:n]     # each rank trained on its own half
    if case == 'ddp2': assert r0[case]['syncs'] == [False, True] * 20    # all-reduce on the last micro-batch only

def test_only_rank_0_logs_checkpoints_and_samples(runs):
    d, out, (r0, r1), _ = runs
    assert r0['rank0_only']['seen'] == ['Checkpoint', 'Samples'] and r1['rank0_only']['seen'] == []
    assert r0['rank0_only']['samples'] == 1 and r1['rank0_only']['samples'] == 0
    assert r1['rank0_only']['after'] == ['Checkpoint', 'Samples']          # put back after the fit
    assert sorted(p.name for p in (d/'two.ckpt').iterdir()) == ['step-0000008.pt']
    rows = [l for l in out.splitlines() if l.startswith('[0, ')]   # fastai's logger without a bar: one list per epoch
    assert len(rows) == 1, out                                 # the one evaluation, printed once: rank 1 prints nothing

def test_a_checkpoint_from_two_processes_resumes_in_one(runs):
    _, _, _, one = runs
    assert one['resumed']['start'] == 8
    close(one['resumed']['weights'], one['straight'], 1e-5)
