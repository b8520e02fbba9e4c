"Checks on the exported modules that the notebooks cannot make: a notebook runs with its own imports in scope, so a name the module itself never imports only fails for library users."
import subprocess, sys
import pytest
from pyflakes import api, reporter
from pyflakes import messages as m
from conftest import ROOT

MODULES = sorted(p for p in (ROOT/'fasttrain').glob('[!_]*.py'))

class _Collect(reporter.Reporter):
    def __init__(self): self.msgs = []
    def flake(self, msg): self.msgs.append(msg)
    def syntaxError(self, filename, msg, lineno, offset, text): self.msgs.append(f'{filename}:{lineno}: syntax error: {msg}')
    def unexpectedError(self, filename, msg): self.msgs.append(f'{filename}: {msg}')

@pytest.mark.parametrize('mod', MODULES, ids=[p.name for p in MODULES])
def test_no_undefined_names(mod):
    "Every name a module uses is defined or imported by the module (star imports are refused, since they hide this)"
    rep = _Collect()
    api.checkPath(str(mod), rep)
    bad = [str(x) for x in rep.msgs if isinstance(x, str) or isinstance(x, (m.UndefinedName, m.UndefinedExport, m.UndefinedLocal, m.ImportStarUsed))]
    assert not bad, '\n'.join(bad)

def test_modules_import_in_a_fresh_process():
    "Each module imports on its own, in a process that has not run any notebook"
    names = [p.stem for p in MODULES]
    code = ';'.join(f'import fasttrain.{n}' for n in names)
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr[-3000:]
