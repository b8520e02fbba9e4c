"The README's main job, tools/shakespeare.py (run by tools/train.sh), on a few steps."
import math, re, subprocess, sys
from conftest import ROOT

SCRIPT = ROOT/'tools'/'shakespeare.py'

def run(*args, **kw):
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=600, **kw)

def test_trains_and_samples(corpus_path):
    r = run('--steps', '30', '--eval-every', '15', '--sample-len', '60', '--data', str(corpus_path))
    assert r.returncode == 0, r.stderr[-3000:]
    m = re.search(r'validation loss ([\d.]+) nats/char = ([\d.]+) bits/char', r.stdout)
    assert m, r.stdout[-2000:]
    nats, bits = float(m.group(1)), float(m.group(2))
    assert nats < math.log(65) - 0.5, nats            # well below a uniform guess over the 65 characters after 30 steps
    assert abs(bits - nats / math.log(2)) < 2e-3
    sample = r.stdout.split('Sample (temperature 0.8):\n\n', 1)[1]
    assert sample.startswith('ROMEO:') and len(sample.rstrip('\n')) >= len('ROMEO:') + 50

def test_bad_options_fail_fast_without_importing_torch():
    r = run('--steps', '0')
    assert r.returncode == 2 and '--steps must be a positive integer, got 0' in r.stderr
    probe = ("import runpy, sys; sys.argv = ['shakespeare.py', '--help']\n"
             "try: runpy.run_path(%r, run_name='__main__')\n"
             "except SystemExit: pass\n"
             "print('torch imported:', 'torch' in sys.modules)") % str(SCRIPT)
    out = subprocess.run([sys.executable, '-c', probe], capture_output=True, text=True, check=True).stdout
    assert '--eval-every' in out and 'torch imported: False' in out
