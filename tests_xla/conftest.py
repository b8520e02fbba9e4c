"""Set-up of the XLA tests: they run only through tools/test_xla.sh, in its own environment with torch_xla, on
PyTorch/XLA's CPU backend (PJRT_DEVICE=CPU). They are kept out of tests/ so that the main suite, which has no
torch_xla, never collects them; here a missing torch_xla is a failure, never a skip."""
import os, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent
FIGURES = {}   # name -> value: what the tests measured, printed at the end of the run

def pytest_configure(config):
    if os.environ.get('PJRT_DEVICE') != 'CPU':
        raise pytest.UsageError("tests_xla/ runs on PyTorch/XLA's CPU backend: set PJRT_DEVICE=CPU (tools/test_xla.sh does)")
    if os.environ.get('FASTTRAIN_DEVICE'):
        raise pytest.UsageError("unset FASTTRAIN_DEVICE: these tests check which device fasttrain picks by itself")

@pytest.fixture
def corpus_path():
    "The offline copy of Tiny Shakespeare named by $FASTTRAIN_DATA"
    d = os.environ.get('FASTTRAIN_DATA') or str(ROOT.parent/'shared'/'data')
    p = Path(d)/'tinyshakespeare.txt'
    if not p.is_file(): pytest.fail(f"no Tiny Shakespeare at {p}; set FASTTRAIN_DATA to a directory that holds tinyshakespeare.txt")
    return p

@pytest.fixture
def figures(): return FIGURES

_skipped = []
def pytest_runtest_logreport(report):
    if report.skipped: _skipped.append(report.nodeid)

def pytest_sessionfinish(session, exitstatus):
    if _skipped and exitstatus == 0:
        print(f"\nFAIL: {len(_skipped)} XLA test(s) were skipped; each must run or fail: {_skipped}", file=sys.stderr)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED

def pytest_terminal_summary(terminalreporter):
    if not FIGURES: return
    terminalreporter.section('XLA figures (PyTorch/XLA on CPU, PJRT_DEVICE=CPU)')
    for k, v in FIGURES.items(): terminalreporter.write_line(f"{k}: {v}")
