"""A run can't be silently mixed up (issue 13): a resume with other settings is refused unless `--allow-changes`, and then
recorded; extending a finished run is announced; a second process can't train in a locked run directory. Each case runs
the command in a real process and checks the exit status, the one line on stderr, and which files changed."""
import fcntl, json, os, shutil, subprocess, sys, time
from pathlib import Path
import pytest
from test_cli import CLI, ENV, TINY, cli, snapshot, data   # noqa: F401 (data is a fixture)

def _with(args, **kw):
    "TINY with the options in `kw` replaced"
    a = list(args)
    for k, v in kw.items():
        flag = '--' + k.replace('_', '-')
        a[a.index(flag) + 1] = str(v)
    return a

@pytest.fixture(scope='module')
def finished(data, tmp_path_factory):
    "A run of 20 steps with the test defaults, finished"
    out = tmp_path_factory.mktemp('safety')/'run'
    r = cli('train', *_with(TINY, steps=20), '--data', data, '--out', out)
    assert r.returncode == 0, r.stderr[-2000:]
    return out

def _copy(src, tmp_path):
    dst = tmp_path/'run'; shutil.copytree(src, dst); return dst

def test_resume_with_changed_settings_is_refused(finished, data, tmp_path):
    "--lr, --bs and --steps changed on an unfinished resume: exit 2, one line naming each change old -> new, no file changed"
    out = _copy(finished, tmp_path)
    for p in sorted((out/'checkpoints').glob('*.pt'))[-2:]: p.unlink()       # as if killed before step 20: not finished
    before = snapshot(out)
    r = cli('train', *_with(TINY, steps=20, bs=4), '--lr', '0.05', '--data', data, '--out', out, '--resume', '--steps', '30')
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and 'Traceback' not in r.stderr, r.stderr[-2000:]
    for phrase in ("--resume with settings other than the run's", '--bs 8 -> 4', '--lr 0.003 -> 0.05', '--steps 20 -> 30', '--allow-changes'):
        assert phrase in r.stderr, (phrase, r.stderr)
    assert snapshot(out) == before

def test_allowed_changes_are_recorded(finished, data, tmp_path):
    "With --allow-changes the run continues, says so, records the change in history.jsonl, and config.json stays as it started"
    out = _copy(finished, tmp_path)
    cfg = (out/'config.json').read_bytes()
    r = cli('train', *_with(TINY, steps=30), '--lr', '0.001', '--data', data, '--out', out, '--resume', '--allow-changes')
    assert r.returncode == 0, r.stderr[-2000:]
    assert 'continuing with changed settings' in r.stdout and '--lr 0.003 -> 0.001' in r.stdout, r.stdout
    assert (out/'config.json').read_bytes() == cfg
    hist = [json.loads(l) for l in (out/'history.jsonl').read_text().splitlines()]
    assert [h['action'] for h in hist] == ['start', 'resume'] and hist[1]['changes'] == {'lr': [0.003, 0.001]}, hist
    assert hist[1]['settings']['lr'] == 0.001 and hist[1]['at_step'] == 20

def test_extending_a_finished_run_is_announced(finished, data, tmp_path):
    "A finished run with a larger --steps continues without --allow-changes, and says what happens to the schedule"
    out = _copy(finished, tmp_path)
    r = cli('train', *_with(TINY, steps=30), '--data', data, '--out', out, '--resume')
    assert r.returncode == 0, r.stderr[-2000:]
    assert 'extending the finished run from 20 to 30 steps: the cosine schedule is recomputed for 30 steps' in r.stdout, r.stdout
    assert json.loads((out/'history.jsonl').read_text().splitlines()[-1])['notes'], 'the note is recorded'

def test_a_locked_run_is_refused(finished, data, tmp_path):
    "While another process holds the run's lock, a second one exits 2 naming the directory and the holder's pid, and changes nothing"
    out = _copy(finished, tmp_path)
    holder = subprocess.Popen([sys.executable, '-c', f"import fcntl, os, sys, time; f = open({str(out/'.lock')!r}, 'a+'); "
                               "fcntl.flock(f, fcntl.LOCK_EX); f.truncate(0); f.write(str(os.getpid())); f.flush(); print('held', flush=True); time.sleep(120)"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == 'held'
        before = snapshot(out)
        for extra in (['--resume'], []):                                     # continuing it, or starting over it
            r = cli('train', *_with(TINY, steps=30), '--data', data, '--out', out, *extra)
            assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr[-2000:]
            assert f'--out {out} is in use by another fasttrain process (pid {holder.pid})' in r.stderr, r.stderr
        assert snapshot(out) == before
    finally: holder.kill(); holder.wait()
    r = cli('train', *_with(TINY, steps=30), '--data', data, '--out', out, '--resume')   # SIGKILL freed it: no stale lock
    assert r.returncode == 0, r.stderr[-2000:]

def test_two_runs_started_apart(data, tmp_path):
    "Two `fasttrain train` on one --out, the second started while the first trains: the second is refused with the first's pid"
    out = tmp_path/'run'
    first = subprocess.Popen(CLI + ['train'] + [str(a) for a in _with(TINY, steps=100000)] + ['--data', str(data), '--out', str(out)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=ENV)
    try:
        t0 = time.time()
        while not (out/'checkpoints').is_dir() and time.time() - t0 < 120 and first.poll() is None: time.sleep(0.05)
        assert first.poll() is None, first.stderr.read()[-2000:]
        r = cli('train', *_with(TINY, steps=100000), '--data', data, '--out', out)
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr[-2000:]
        assert f'is in use by another fasttrain process (pid {first.pid})' in r.stderr, r.stderr
    finally: first.kill(); first.wait()
