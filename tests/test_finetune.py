"fasttrain.finetune without the optional `transformers`: the module imports, and `from_hf` says how to install it."
import subprocess, sys
from conftest import ROOT

# With None in sys.modules, `import transformers` raises ImportError, as it does where the package is not installed.
CODE = """import sys; sys.modules['transformers'] = None
import fasttrain.finetune as ft
try: ft.from_hf('gpt2')
except ImportError as e: print(e)
else: raise SystemExit('from_hf did not raise without transformers')
"""

def test_finetune_without_transformers():
    r = subprocess.run([sys.executable, '-c', CODE], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr[-3000:]
    assert 'pip install "fasttrain[hf]"' in r.stdout, r.stdout
