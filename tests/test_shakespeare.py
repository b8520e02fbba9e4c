"The README's main job, tools/train.sh: set up, train a GPT with `fasttrain train`, sample with `fasttrain sample` (a few steps)."
import math, os, subprocess, sys
from conftest import ROOT

SCRIPT = ROOT/'tools'/'train.sh'

def run(*args, tmp_path):
    env = {**os.environ, 'FASTTRAIN_VENV': sys.prefix, 'OMP_NUM_THREADS': '1'}
    return subprocess.run(['bash', str(SCRIPT), *args], capture_output=True, text=True, timeout=900, env=env, cwd=tmp_path)

def test_trains_and_samples(corpus_path, tmp_path):
    out = tmp_path/'run'
    r = run('--steps', '40', '--eval-every', '20', '--bs', '8', '--sample-tokens', '40', '--data', str(corpus_path), '--out', str(out), tmp_path=tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    for f in ('config.json', 'tokenizer.json', 'metrics.csv', 'loss.png', 'samples.txt'): assert (out/f).is_file(), f
    rows = (out/'metrics.csv').read_text().splitlines()
    head = rows[0].split(','); last = dict(zip(head, rows[-1].split(',')))
    assert int(last['step']) == 40 and float(last['valid_loss']) < math.log(65) - 0.5, rows   # well below a uniform guess
    sample = r.stdout.split('newest checkpoint:')[-1].split('\n\n', 1)[1]   # what `fasttrain sample` printed, after the run's summary
    assert sample.startswith('ROMEO:') and len(sample) >= len('ROMEO:') + 400, r.stdout[-2000:]   # the prompt and 400 characters

def test_help_is_fasttrain_train_help(tmp_path):
    r = run('--help', tmp_path=tmp_path)
    assert r.returncode == 0 and 'usage: fasttrain train' in r.stdout and '--resume' in r.stdout
