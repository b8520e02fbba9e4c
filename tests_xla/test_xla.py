"""fasttrain on an XLA device, for real: PyTorch/XLA's CPU backend (PJRT_DEVICE=CPU) runs the code path of a Colab TPU.
Lazy tensors, graphs cut by `mark_step`, compiled by XLA and cached. Run through tools/test_xla.sh.

What is checked: the device fasttrain picks; repeatable samples (XLA has no `torch.Generator`); `lm_learner(...).fit_steps`
with samples, bf16 `AMP`, clipping, `Throughput` and a checkpoint that loads back into a learner (and on a CPU); the
number of XLA compilations, which must stop growing after the first steps; the loss against a CPU run; the command line."""
import copy, json, os, subprocess, sys, time
from pathlib import Path
import pytest, torch
import torch_xla
import torch_xla.debug.metrics as met
from fastai.callback.core import Callback
from fasttrain.core import default_device, seeded_generator, set_seed
from fasttrain.amp import AMP, amp_dtypes
from fasttrain.data import CharTokenizer, lm_dls
from fasttrain.models import GPT, GPTConfig
from fasttrain.optim import ClipGradNorm
from fasttrain.lm import (lm_learner, load_checkpoint, read_checkpoint, model_from_checkpoint, find_checkpoint, MarkStep,
                          Samples, Throughput, Checkpoint, NonFiniteGuard)

BS, T = 4, 16   # a small model and batch: XLA's CPU backend compiles each distinct graph, which takes seconds here

def n_compiles() -> int:
    "How many graphs XLA has compiled in this process so far"
    d = met.metric_data('CompileTime')
    return d[0] if d else 0

class StepLog(Callback):
    "After each training batch (and after `MarkStep`): the loss, kept on the device, and the compilations so far"
    order = 101
    def before_fit(self): self.losses, self.compiles = [], []
    def after_batch(self):
        if self.training: self.losses.append(self.learn.loss.detach()); self.compiles.append(n_compiles())
    def loss_values(self) -> list: return torch.stack(self.losses).float().cpu().tolist()

def small(corpus_path, n_batches=6):
    "Tiny Shakespeare's first 100,000 characters as loaders of `BS` windows of `T`, and a 2-layer GPT 32 wide"
    text = corpus_path.read_text(encoding='utf-8')[:100_000]
    tok = CharTokenizer(text)
    dls = lm_dls(tok.encode(text), block_size=T, bs=BS, n_batches=n_batches, valid_bs=256, seed=0, tokenizer=tok)
    return dls, GPTConfig.preset('tiny', n_layer=2, n_embd=32, n_head=2, vocab_size=tok.vocab_size, block_size=T)

def test_default_device_is_xla():
    dev = default_device()
    assert dev.type == 'xla' and dev == torch_xla.device(), dev
    assert default_device('xla') == dev
    assert torch.bfloat16 in amp_dtypes(dev)

def test_xla_has_no_generator_so_samples_use_a_cpu_one():
    dev = default_device()
    with pytest.raises(RuntimeError, match='not an accelerator'): torch.Generator(device=dev)   # why seeded_generator exists
    assert seeded_generator(dev, 0).device == torch.device('cpu')

def test_generate_is_repeatable_and_matches_the_cpu():
    dev = default_device()
    set_seed(0)
    cpu_model = GPT(GPTConfig.preset('tiny', n_layer=1, n_embd=32, n_head=2, vocab_size=50, block_size=8))
    model = copy.deepcopy(cpu_model).to(dev)
    assert model.lm_head.weight is model.wte.weight   # a move to XLA makes new parameters: GPT ties them again
    idx = torch.zeros(1, 3, dtype=torch.long)
    gen = lambda seed: model.generate(idx.to(dev), 12, top_k=10, generator=seeded_generator(dev, seed)).cpu()
    a, b, c = gen(1), gen(1), gen(2)
    assert a.shape == (1, 15)                     # longer than block_size=8: the context crop runs too
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert torch.equal(model.generate(idx.to(dev), 12, temperature=0).cpu(), cpu_model.generate(idx, 12, temperature=0))

def test_lm_learner_on_xla(corpus_path, tmp_path, figures):
    dls, cfg = small(corpus_path)
    set_seed(0)
    log = StepLog()
    learn = lm_learner(dls, cfg, dtype='bf16', clip=1.0, save_dir=tmp_path/'ck', save_every=6, sample_prompt='RO',
                       sample_tokens=6, cbs=[log])
    assert next(learn.model.parameters()).device.type == 'xla'
    assert {MarkStep, AMP, ClipGradNorm, Samples, Throughput, Checkpoint, NonFiniteGuard} <= {type(cb) for cb in learn.cbs}
    out_dtypes = []
    hook = learn.model.lm_head.register_forward_hook(lambda m, i, o: out_dtypes.append(o.dtype))
    c0, t0 = n_compiles(), time.perf_counter()
    with learn.no_bar(): learn.fit_steps(12)
    hook.remove()
    first_fit_s, c_first = time.perf_counter() - t0, n_compiles() - c0

    # bf16 autocast is on for the forward pass, and training learnt something
    assert set(out_dtypes[:6]) == {torch.bfloat16}, set(out_dtypes)
    losses = log.loss_values()
    assert len(losses) == 12 and all(map(lambda l: l == l and abs(l) < 1e3, losses))
    assert sum(losses[-3:]) < sum(losses[:3]), losses
    # clipping recorded a finite norm per step; samples after each validation start with the prompt
    norms = learn.clip_grad_norm.grad_norms
    assert len(norms) == 12 and torch.isfinite(norms).all()
    assert [s for s, _ in learn.samples.samples] == [6, 12] and all(t.startswith('RO') and len(t) == 8 for _, t in learn.samples.samples)
    # graphs: from step 7 on (after the first evaluation, sample and checkpoint), no step compiles anything new
    assert len(set(log.compiles[6:])) == 1, log.compiles
    figures['compilations in the first 12 steps (2 evaluations, 2 samples of 6 tokens, 2 checkpoints)'] = c_first
    figures['first 12 steps, compilation included (s)'] = round(first_fit_s, 1)

    # the checkpoint holds CPU tensors only, loads on a CPU, and restores a fresh learner on the XLA device
    path = find_checkpoint(tmp_path/'ck')
    assert path.name == 'step-0000012.pt'
    ck = read_checkpoint(path)
    def devices(o):
        if torch.is_tensor(o): return {o.device.type}
        if isinstance(o, dict): return set().union(*map(devices, o.values()))
        if isinstance(o, (list, tuple)): return set().union(*map(devices, o))
        return set()
    assert devices(ck) == {'cpu'}, devices(ck)
    cpu_model, tok, _ = model_from_checkpoint(path, device='cpu')
    for a, b in zip(cpu_model.parameters(), learn.model.parameters()): assert torch.equal(a, b.cpu())
    dls2, _ = small(corpus_path)
    log2 = StepLog()
    learn2 = lm_learner(dls2, cfg, dtype='bf16', clip=1.0, save_dir=tmp_path/'ck2', save_every=6, sample_prompt='RO',
                        sample_tokens=6, cbs=[log2])
    load_checkpoint(path, learn2)
    assert learn2.steps.step == 12
    for a, b in zip(learn2.model.parameters(), learn.model.parameters()): assert torch.equal(a.cpu(), b.cpu())

    # both go on to step 18: the same losses (a resumed run repeats the original). The continued run's first step is a new
    # graph (the fit's fresh loss averages meet the optimizer's existing state); after it none is, and the resumed run adds
    # at most a couple (state restored from the checkpoint, such as the per-step buffers, starts on the CPU)
    c1 = n_compiles()
    with learn.no_bar(): learn.fit_steps(18)
    c2 = n_compiles()
    with learn2.no_bar(): learn2.fit_steps(18)
    assert len(set(log.compiles)) == 1 and c2 - c1 <= 2, (c1, c2, log.compiles)
    c3 = n_compiles()
    assert len(set(log2.compiles)) == 1 and c3 - c2 <= 2, (c2, c3, log2.compiles)
    assert log2.loss_values() == log.loss_values(), (log2.loss_values(), log.loss_values())
    figures['new compilations in steps 13-18 (a second fit_steps)'] = c2 - c1
    figures['new compilations in steps 13-18 of the run resumed from the checkpoint'] = c3 - c2
    # speed once every graph is compiled: six more steps, timed by Throughput (which waits for the device at the end)
    c4 = n_compiles()
    with learn2.no_bar(): learn2.fit_steps(24)
    assert n_compiles() == c4
    tps = learn2.throughput.history[-1]['tokens_s']
    figures['training steps/s once compiled (steps 19-24, batch 4x16, 2 layers, 32 wide, bf16)'] = round(tps / (BS * T), 1)

@pytest.mark.parametrize('dtype,tol', [('fp32', 1e-4), ('bf16', 3e-2)])
def test_losses_match_a_cpu_run(corpus_path, figures, dtype, tol):
    losses = {}
    for dev in ('cpu', 'xla'):
        dls, cfg = small(corpus_path, n_batches=8)
        set_seed(0)
        log = StepLog()
        learn = lm_learner(dls, cfg, dtype=dtype, device=dev, cbs=[log])
        with learn.no_bar(), learn.no_logging(): learn.fit_steps(8)
        losses[dev] = log.loss_values()
    diff = max(abs(a - b) for a, b in zip(losses['cpu'], losses['xla']))
    figures[f'largest |loss difference| against a CPU run, 8 steps, {dtype} (tolerance {tol})'] = f'{diff:.2e}'
    assert len(losses['xla']) == 8 and diff < tol, (losses, diff)

def test_command_line_trains_and_samples_on_xla(corpus_path, tmp_path, figures):
    data, run = tmp_path/'small.txt', tmp_path/'run'
    data.write_text(corpus_path.read_text(encoding='utf-8')[:50_000], encoding='utf-8')
    exe = str(Path(sys.executable).parent/'fasttrain')
    def cli(*args):
        r = subprocess.run([exe, *map(str, args)], capture_output=True, text=True, timeout=1800)
        assert r.returncode == 0, r.stderr[-3000:]
        return r.stdout
    t0 = time.perf_counter()
    out = cli('train', '--device', 'xla', '--data', data, '--out', run, '--steps', 6, '--eval-every', 3, '--save-every', 3,
              '--bs', BS, '--block-size', T, '--n-layer', 1, '--n-embd', 32, '--n-head', 2, '--sample-tokens', 5, '--prompt', 'RO')
    figures['fasttrain train --device xla, 6 steps, whole process (s)'] = round(time.perf_counter() - t0, 1)
    cfg = json.loads((run/'config.json').read_text())
    assert cfg['device'].startswith('xla') and cfg['dtype'] in ('bf16', 'bfloat16'), cfg   # --dtype auto is bf16 on a TPU
    assert (run/'checkpoints'/'step-0000006.pt').is_file() and 'newest checkpoint' in out
    assert (run/'samples.txt').read_text().count('--- step ') == 2
    a = cli('sample', run, '--device', 'xla', '--prompt', 'RO', '--tokens', 12, '--seed', 3)
    b = cli('sample', run, '--device', 'xla', '--prompt', 'RO', '--tokens', 12, '--seed', 3)
    assert a == b and a.startswith('RO') and len(a.rstrip('\n')) >= 14, (a, b)   # the same seed, the same text
    assert cli('sample', run, '--device', 'cpu', '--prompt', 'RO', '--tokens', 12).startswith('RO')   # a TPU's checkpoint loads on a CPU
