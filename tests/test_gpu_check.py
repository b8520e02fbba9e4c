"""tools/gpu_check.sh --dry-run must fail when a code path of the GPU script breaks, and must still run and report the
parts that did not break. tools/test.sh runs the dry run itself; this test breaks one thing on purpose: PyTorch's fused
AdamW, which the throughput benchmark's headline, its micro-batch search and its hand-written loop use, and which
notebook 08's precision benchmark and the runs with fasttrain's own optimizers do not."""
import json, os, subprocess, textwrap
from conftest import ROOT

BREAK = textwrap.dedent('''
    import torch.optim
    _init = torch.optim.AdamW.__init__
    def _broken(self, *args, fused=None, **kwargs):
        if fused: raise RuntimeError('fused AdamW broken on purpose by tests/test_gpu_check.py')
        _init(self, *args, fused=fused, **kwargs)
    torch.optim.AdamW.__init__ = _broken
''')

def test_dry_run_reports_a_broken_code_path(tmp_path, corpus_path):
    (tmp_path/'site').mkdir()
    (tmp_path/'site'/'sitecustomize.py').write_text(BREAK)   # imported by every Python the script starts
    env = {**os.environ, 'PYTHONPATH': str(tmp_path/'site'), 'OMP_NUM_THREADS': '1'}
    r = subprocess.run([str(ROOT/'tools'/'gpu_check.sh'), '--dry-run', '--out', str(tmp_path/'out')], capture_output=True,
                       text=True, timeout=600, env=env, cwd=ROOT)
    assert r.returncode == 1, (r.returncode, r.stdout[-3000:], r.stderr[-3000:])
    parts = json.loads((tmp_path/'out'/'status.json').read_text())['parts']
    assert parts['notebooks']['status'] == 'ok' and parts['precision']['status'] == 'ok', parts
    assert parts['throughput']['status'].startswith('failed'), parts
    res = json.loads((tmp_path/'out'/'throughput.json').read_text())['results']
    for name in ('learner', 'raw', 'learner-nochunk'):
        assert res[name]['status'] == 'failed' and 'broken on purpose' in res[name]['error'], (name, res[name])
    for name in ('learner-foreach', 'learner-muon'):   # fasttrain's optimizers: measured all the same
        assert res[name]['status'] == 'ok' and res[name]['tokens_s'] > 0, (name, res[name])
    assert 'failed' in (tmp_path/'out'/'summary.md').read_text()
