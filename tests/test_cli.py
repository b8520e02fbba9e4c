"""The `fasttrain` command in real processes: `--help` without torch, the console-script entry point, the files of a run,
every user error as one line on stderr that leaves `--out` untouched, and `kill -9` at random moments followed by
`--resume`, which must end with the same weights, bit for bit, as a run that was never stopped."""
import os, random, re, signal, subprocess, sys, time
from pathlib import Path
import pytest
import torch
from conftest import ROOT

ENV = {**os.environ, 'OMP_NUM_THREADS': '1', 'PYTHONPATH': os.pathsep.join(filter(None, [str(ROOT), os.environ.get('PYTHONPATH')]))}
ENV.pop('FASTTRAIN_DEBUG', None)
CLI = [sys.executable, '-m', 'fasttrain.cli']
# A 2-layer, 32-wide GPT on 20,000 characters: each process spends a second training and ~5 s importing torch and fastai.
TINY = ['--preset', 'tiny', '--n-layer', '2', '--n-embd', '32', '--n-head', '2', '--block-size', '32', '--bs', '8', '--steps', '40',
        '--eval-every', '10', '--save-every', '5', '--sample-tokens', '20', '--device', 'cpu', '--dtype', 'fp32', '--seed', '0']

def cli(*args, env=ENV):
    return subprocess.run(CLI + [str(a) for a in args], capture_output=True, text=True, env=env, timeout=300)

def ckpts(out): return sorted((out/'checkpoints').glob('step-*.pt'))

def snapshot(p:Path) -> dict:
    "Every file under `p` (or `p` itself) with its bytes"
    if p.is_file(): return {p: p.read_bytes()}
    return {f: f.read_bytes() for f in sorted(p.rglob('*')) if f.is_file()} if p.exists() else {}

@pytest.fixture(scope='module')
def data(tmp_path_factory):
    "The first 20,000 characters of Tiny Shakespeare, as a file"
    src = Path(os.environ.get('FASTTRAIN_DATA') or ROOT.parent/'shared'/'data')/'tinyshakespeare.txt'
    if not src.is_file(): pytest.fail(f"no Tiny Shakespeare at {src}; set FASTTRAIN_DATA to a directory that holds tinyshakespeare.txt")
    p = tmp_path_factory.mktemp('data')/'shakespeare.txt'
    p.write_text(src.read_text(encoding='utf-8')[:20_000], encoding='utf-8')
    return p

def watch(args, kill=None):
    "Run the CLI; `kill(secs since the first checkpoint appeared, checkpoint names)` returning True sends SIGKILL"
    out = Path(args[args.index('--out') + 1])
    p = subprocess.Popen(CLI + [str(a) for a in args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=ENV)
    first = last = None
    while p.poll() is None:
        names = [c.name for c in ckpts(out)]
        if names and first is None: first = time.perf_counter()
        if 'step-0000040.pt' in names and last is None: last = time.perf_counter()
        if first is not None and kill is not None and kill(time.perf_counter() - first, names):
            p.send_signal(signal.SIGKILL); break
        time.sleep(0.005)
    err = p.communicate(timeout=300)[1]
    return p.returncode, err, (last - first) if first and last else None

@pytest.fixture(scope='module')
def ref(data, tmp_path_factory):
    "An uninterrupted run: its directory, stderr, and the seconds from its first checkpoint to its last (step 40)"
    out = tmp_path_factory.mktemp('ref')/'run'
    rc, err, secs = watch(['train', *TINY, '--data', data, '--out', out])
    assert rc == 0 and secs is not None, err
    return out, err, secs

# --- help, laziness, entry point -------------------------------------------------------------------------------------

def test_help_needs_no_torch():
    "`--help` of the command and of `train` work, and never import torch or fastai (that is what makes them instant)"
    for args in (['--help'], ['train', '--help']):
        r = cli(*args)
        assert r.returncode == 0 and r.stderr == '', r.stderr
    assert '--resume' in r.stdout and 'tiny-modern' in r.stdout
    code = ("import sys; from fasttrain.cli import main\n"
            "assert main(['--help']) == 0 and main(['train', '--help']) == 0 and main(['sample', '--help']) == 0\n"
            "assert not {'torch', 'fastai'} & set(sys.modules), sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'fastai'))")
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, env=ENV)
    assert r.returncode == 0, r.stderr

def test_console_script_entry_point():
    "pyproject.toml declares the `fasttrain` console script as fasttrain.cli:main, which exists and returns a status"
    text = (ROOT/'pyproject.toml').read_text()
    try:
        import tomllib
        scripts = tomllib.loads(text)['project']['scripts']
    except ImportError:  # Python 3.10
        scripts = dict(re.findall(r'^(\S+)\s*=\s*"([^"]+)"', text.split('[project.scripts]')[1].split('\n[')[0], re.M))
    assert scripts.get('fasttrain') == 'fasttrain.cli:main', scripts
    from fasttrain.cli import main
    assert main(['--version']) == 0

# --- a run's files -----------------------------------------------------------------------------------------------------

def test_run_files(ref):
    "A run writes its config, tokenizer, one metrics row per evaluation under one header, a loss PNG, samples and the newest checkpoints"
    import json, csv
    out, err, _ = ref
    assert err == '', err
    cfg = json.loads((out/'config.json').read_text())
    assert cfg['model']['n_embd'] == 32 and cfg['model']['n_layer'] == 2 and cfg['args']['steps'] == 40
    tok = json.loads((out/'tokenizer.json').read_text())
    assert len(tok['chars']) == cfg['model']['vocab_size'] == cfg['vocab_size']
    rows = list(csv.DictReader((out/'metrics.csv').open()))
    assert [r['step'] for r in rows] == ['10', '20', '30', '40']
    assert float(rows[-1]['valid_loss']) < float(rows[0]['valid_loss']) - 0.1, rows
    assert (out/'metrics.csv').read_text().count('train_loss') == 1
    png = (out/'loss.png').read_bytes()
    assert png[:8] == b'\x89PNG\r\n\x1a\n' and len(png) > 5000
    assert re.findall(r'^--- step (\d+) ---$', (out/'samples.txt').read_text(), re.M) == ['10', '20', '30', '40']
    assert [c.name for c in ckpts(out)] == ['step-0000030.pt', 'step-0000035.pt', 'step-0000040.pt']   # --keep 3
    assert not list(out.rglob('*.tmp'))

def test_sample_matches_the_runs_sample(ref):
    "`fasttrain sample` prints prompt + continuation: the same text as the run's last sample (same weights, prompt, seed)"
    out = ref[0]
    r = cli('sample', out, '--tokens', 20, '--seed', 0, '--device', 'cpu')
    assert r.returncode == 0, r.stderr
    last = re.split(r'(?m)^--- step \d+ ---\n', (out/'samples.txt').read_text())[-1]
    assert r.stdout == last[:-1] and r.stdout.startswith('\n') and len(r.stdout) == 1 + 20 + 1   # prompt, 20 tokens, print's newline

# --- user errors: one line, no traceback, nothing written ----------------------------------------------------------------

class Evil:
    "A pickle that runs a shell command when it is loaded"
    def __init__(self, cmd): self.cmd = cmd
    def __reduce__(self): return (os.system, (self.cmd,))

def _setup(case, tmp, data, ref):
    "The argv of error `case`, the path that must stay byte-identical, and the phrase stderr must contain"
    out = tmp/'out'; out.mkdir(); (out/'notes.txt').write_text('a file of the user, which no error may touch')
    t = ['train', *TINY, '--data', data, '--out', out]
    if case == 'missing_file': return t[:-4] + ['--data', tmp/'nope.txt', '--out', out], out, 'nope.txt: no such file'
    if case == 'empty_file':
        (tmp/'empty.txt').write_bytes(b''); return t[:-4] + ['--data', tmp/'empty.txt', '--out', out], out, 'empty.txt is empty'
    if case == 'non_utf8':
        (tmp/'bin.txt').write_bytes(b'abc\xff\xfedef' * 100)
        return t[:-4] + ['--data', tmp/'bin.txt', '--out', out], out, 'bin.txt is not UTF-8 text: byte 0xff at offset 3'
    if case == 'context_too_long':
        (tmp/'short.txt').write_text('To be, or not to be: that is the question. ' * 5)
        return t[:-4] + ['--data', tmp/'short.txt', '--out', out], out, 'block_size=32 needs at least 33 tokens in the validation split, but it has 21 (of 215 tokens'
    if case == 'bs_zero': return t + ['--bs', '0'], out, '--bs must be a positive integer, got 0'
    if case == 'steps_negative': return t + ['--steps', '-3'], out, '--steps must be a positive integer, got -3'
    if case == 'lr_zero': return t + ['--lr', '0'], out, '--lr must be a positive finite number, got 0.0'
    if case == 'lr_nan': return t + ['--lr', 'nan'], out, '--lr must be a positive finite number, got nan'
    if case == 'unknown_preset': return t + ['--preset', 'gpt5'], out, "unknown --preset 'gpt5'; choose from tiny, tiny-modern, gpt2"
    if case == 'unknown_device': return t + ['--device', 'tpu'], out, "Unknown device 'tpu' (from --device)"
    if case == 'dtype_unsupported': return t + ['--dtype', 'fp8'], out, "--dtype fp8 is not supported for training on device 'cpu'"
    if case == 'out_is_a_file':
        f = tmp/'out.txt'; f.write_text('not a directory'); return t[:-2] + ['--out', f], f, 'out.txt is a file, not a directory'
    if case == 'resume_without_checkpoint': return t + ['--resume'], out, f"--resume: no checkpoint (step-N.pt) in {out/'checkpoints'}"
    if case in ('other_architecture', 'fresh_run_over_a_run'):
        import shutil; shutil.rmtree(out); shutil.copytree(ref[0], out)
        if case == 'fresh_run_over_a_run': return t, out, 'already holds a run (config.json, history.jsonl, tokenizer.json, metrics.csv, steps.csv, loss.png, samples.txt, checkpoints)'
        return t + ['--n-embd', '64', '--resume'], out, "--resume with settings other than the run's: --n-embd 32 -> 64"
    if case == 'truncated_checkpoint':
        b = (ckpts(ref[0])[-1]).read_bytes(); (out/'checkpoints').mkdir(); (out/'checkpoints'/'step-0000040.pt').write_bytes(b[:len(b) // 2])
        return t + ['--resume'], out, 'step-0000040.pt is truncated or not a checkpoint'
    if case == 'pickle_with_code':
        torch.save({'format': 'fasttrain.checkpoint/1', 'model': Evil(f'touch {tmp/"MARKER"}')}, tmp/'evil.pt')
        return t + ['--resume', tmp/'evil.pt'], out, 'evil.pt is unsafe to load'
    if case == 'prompt_outside_vocabulary':
        return ['sample', ckpts(ref[0])[-1], '--prompt', 'héllo', '--device', 'cpu'], ckpts(ref[0])[-1], \
               "--prompt: Character 'é' (U+00E9) at position 1 is not in the vocabulary of 58 characters"
    raise KeyError(case)

CASES = ['missing_file', 'empty_file', 'non_utf8', 'context_too_long', 'bs_zero', 'steps_negative', 'lr_zero', 'lr_nan',
         'unknown_preset', 'unknown_device', 'dtype_unsupported', 'out_is_a_file', 'resume_without_checkpoint', 'other_architecture',
         'truncated_checkpoint', 'pickle_with_code', 'prompt_outside_vocabulary', 'fresh_run_over_a_run']

@pytest.mark.parametrize('case', CASES)
def test_user_error(case, tmp_path, data, ref):
    "Each mistake: exit status 2, one line on stderr naming the problem and the value, no traceback, no file changed"
    argv, keep, phrase = _setup(case, tmp_path, data, ref)
    before = snapshot(keep)
    r = cli(*argv)
    assert r.returncode == 2, (r.returncode, r.stderr[-2000:])
    assert 'Traceback' not in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr[-2000:]
    assert r.stderr.startswith(f'fasttrain {argv[0]}: error: ') and phrase in r.stderr, r.stderr
    assert snapshot(keep) == before
    if case == 'pickle_with_code': assert not (tmp_path/'MARKER').exists(), 'loading the checkpoint ran its code'

def test_debug_shows_the_traceback(data, tmp_path):
    "FASTTRAIN_DEBUG=1 re-raises the error with its traceback"
    r = cli('train', *TINY, '--data', data, '--out', tmp_path/'o', '--bs', '0', env={**ENV, 'FASTTRAIN_DEBUG': '1'})
    assert r.returncode == 1 and 'Traceback' in r.stderr and 'CLIError: --bs must be a positive integer, got 0' in r.stderr

# --- kill -9 and --resume -------------------------------------------------------------------------------------------------

def _final(out): return torch.load(out/'checkpoints'/'step-0000040.pt', map_location='cpu', weights_only=True)

def _assert_same_run(out, ref_out):
    "Same final weights bit for bit, same valid losses at the evaluations both logged, one header, same last sample"
    import csv
    a, b = _final(out), _final(ref_out)
    assert a['step'] == b['step'] == 40 and a['model'].keys() == b['model'].keys()
    for k in a['model']: assert torch.equal(a['model'][k], b['model'][k]), k
    rows = {r['step']: r for r in csv.DictReader((out/'metrics.csv').open())}
    ref_rows = {r['step']: r for r in csv.DictReader((ref_out/'metrics.csv').open())}
    assert (out/'metrics.csv').read_text().count('train_loss') == 1
    # a row may be missing: the one of a checkpoint's step, when the kill fell between the checkpoint and that evaluation
    assert set(rows) <= set(ref_rows) and '40' in rows and len(rows) >= 3, rows.keys()
    for s in rows: assert rows[s]['valid_loss'] == ref_rows[s]['valid_loss'], s
    assert (out/'samples.txt').read_text().split('--- step 40 ---')[1] == (ref_out/'samples.txt').read_text().split('--- step 40 ---')[1]

def _kill_and_resume(data, out, kill):
    args = ['train', *TINY, '--data', data, '--out', out]
    rc, err, _ = watch(args, kill)
    assert rc == -signal.SIGKILL, f"the run ended (status {rc}) before it was killed: {err[-2000:]}"
    at = [c.name for c in ckpts(out)]
    r = cli(*args, '--resume')
    assert r.returncode == 0, r.stderr[-3000:]
    return at

@pytest.mark.parametrize('seed', [1, 2, 3])
def test_kill_at_a_random_moment_then_resume(seed, data, tmp_path, ref):
    "SIGKILL a random time after the first checkpoint (up to 80% of the time the reference took from it to the last), resume: same weights"
    delay = random.Random(seed).uniform(0, 0.8 * ref[2])
    # at step 35's checkpoint at the latest, so that a machine faster now than during the reference run can't finish first
    at = _kill_and_resume(data, tmp_path/'run', lambda secs, names: secs >= delay or 'step-0000035.pt' in names)
    print(f"seed {seed}: killed {delay:.2f} s after the first checkpoint (of {ref[2]:.2f} s), checkpoints then: {at}")
    assert at and at[-1] != 'step-0000040.pt', at
    _assert_same_run(tmp_path/'run', ref[0])

def test_kill_after_step_20_then_resume(data, tmp_path, ref):
    "SIGKILL as soon as step-0000020.pt exists (mid-run, at an evaluation step), resume: same weights"
    at = _kill_and_resume(data, tmp_path/'run', lambda secs, names: 'step-0000020.pt' in names)
    assert 'step-0000020.pt' in at and at[-1] != 'step-0000040.pt', at
    _assert_same_run(tmp_path/'run', ref[0])

@pytest.mark.parametrize('argv, phrase', [
    (['sample', 'no/such.pt'], 'fasttrain sample: error: no/such.pt: no such checkpoint file or run directory'),
    (['sample', 'x.pt', '--temperature', '-1'], 'fasttrain sample: error: --temperature must be a finite number >= 0, got -1.0'),
    (['bench', '--rounds', '0'], 'fasttrain bench: error: --rounds must be a positive integer, got 0'),
    (['train', '--out', 'x', '--bogus'], 'fasttrain train: error: unrecognized arguments: --bogus'),
    (['fly'], "fasttrain: error: argument COMMAND: invalid choice: 'fly'"),
    ([], 'fasttrain: error: choose a command: train, sample or bench')])
def test_usage_errors_before_any_import(argv, phrase, tmp_path):
    "Mistakes that need no torch to find fail at once, in one line, with status 2 (and write nothing in the working directory)"
    r = subprocess.run(CLI + argv, capture_output=True, text=True, env=ENV, cwd=tmp_path, timeout=60)
    assert r.returncode == 2 and r.stderr.strip() == r.stderr.strip().splitlines()[0] and r.stderr.startswith(phrase), r.stderr
    assert not list(tmp_path.iterdir())
