"`python -m build` makes a wheel that installs into a fresh environment, where every module imports."
import json, re, subprocess, sys, sysconfig, zipfile
from pathlib import Path
from conftest import ROOT

def exported_modules():
    "The modules the notebooks export, from their `#| default_exp` lines"
    mods = set()
    for nb in (ROOT/'nbs').glob('*.ipynb'):
        for c in json.loads(nb.read_text(encoding='utf-8'))['cells']:
            m = re.search(r'^#\|\s*default_exp\s+(\S+)', ''.join(c['source']), re.MULTILINE)
            if m: mods.add('fasttrain.' + m.group(1))
    return mods

def test_wheel_installs_and_imports(tmp_path):
    subprocess.run([sys.executable, '-m', 'build', '--wheel', '--no-isolation', '--outdir', str(tmp_path/'dist'), str(ROOT)],
                   check=True, capture_output=True, text=True)
    wheel, = (tmp_path/'dist').glob('fasttrain-*.whl')
    names = zipfile.ZipFile(wheel).namelist()
    in_wheel = {n[:-3].replace('/', '.') for n in names if n.startswith('fasttrain/') and n.endswith('.py')}
    mods = exported_modules()
    assert mods and mods <= in_wheel, f"modules missing from the wheel: {mods - in_wheel}"
    meta = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith('METADATA'))).decode()
    assert re.search(r'^Requires-Dist: fastai<2\.9,>=2\.8\.12$|^Requires-Dist: fastai>=2\.8\.12,<2\.9$', meta, re.MULTILINE)
    assert re.search(r'^Requires-Dist: torch', meta, re.MULTILINE)

    # A fresh environment with the wheel alone in its site-packages; the test environment's packages (torch, fastai, ...)
    # are reachable through a .pth path entry, which does not activate the editable install of this checkout.
    venv = tmp_path/'venv'
    subprocess.run([sys.executable, '-m', 'venv', str(venv)], check=True)
    py = venv/'bin'/'python'
    subprocess.run([py, '-m', 'pip', 'install', '--quiet', '--no-deps', '--no-index', str(wheel)], check=True)
    site = subprocess.run([py, '-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'],
                          check=True, capture_output=True, text=True).stdout.strip()
    (Path(site)/'test_env_packages.pth').write_text(sysconfig.get_paths()['purelib'] + '\n')
    code = ("import importlib, fasttrain; mods = %r\n"
            "for m in sorted(mods): importlib.import_module(m)\n"
            "print(fasttrain.__file__, fasttrain.__version__)") % (sorted(mods),)
    out = subprocess.run([py, '-c', code], check=True, capture_output=True, text=True, cwd=tmp_path).stdout
    assert out.startswith(str(venv)), f"fasttrain was imported from {out!r}, not from the installed wheel"
