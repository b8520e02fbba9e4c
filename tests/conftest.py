"Shared test set-up: no network beyond this machine, no silent skips, and the paths the tests need."
import os, socket, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent

@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    "Refuse any connection that is not to this machine: tests must never reach the internet"
    real_connect = socket.socket.connect
    def connect(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if self.family in (socket.AF_INET, socket.AF_INET6) and host not in ('127.0.0.1', '::1', 'localhost'):
            raise AssertionError(f"a test tried to connect to {address!r}; tests may only use servers on 127.0.0.1")
        return real_connect(self, address)
    monkeypatch.setattr(socket.socket, 'connect', connect)

@pytest.fixture
def corpus_path():
    "The offline copy of Tiny Shakespeare named by $FASTTRAIN_DATA (CI points it at ../shared/data)"
    d = os.environ.get('FASTTRAIN_DATA') or str(ROOT.parent/'shared'/'data')
    p = Path(d)/'tinyshakespeare.txt'
    if not p.is_file(): pytest.fail(f"no Tiny Shakespeare at {p}; set FASTTRAIN_DATA to a directory that holds tinyshakespeare.txt")
    return p

# A skipped test is not a passing test. Only tests marked `cuda` may be skipped (on machines without a GPU);
# any other skip fails the run.
_bad_skips = []

def pytest_runtest_logreport(report):
    if report.skipped and 'cuda' not in report.keywords: _bad_skips.append(report.nodeid)

def pytest_sessionfinish(session, exitstatus):
    if _bad_skips and exitstatus == 0:
        print(f"\nFAIL: {len(_bad_skips)} test(s) were skipped without the `cuda` mark: {_bad_skips}", file=sys.stderr)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
