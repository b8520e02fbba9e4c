"The docs check (tools/docs_check.py) catches what broke the docs build, and the pages' problems a reader would see."
import importlib.util, json, shutil, subprocess, sys
from conftest import ROOT

def load_docs_check():
    spec = importlib.util.spec_from_file_location('docs_check', ROOT/'tools'/'docs_check.py')
    m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
    return m

def code(src, outputs=()): return {'cell_type': 'code', 'execution_count': None, 'id': f'c{abs(hash(src)) % 10**8:08d}',
                                   'metadata': {}, 'outputs': list(outputs), 'source': src}

def project(tmp_path, extra_cells):
    "A copy of the project's docs set-up holding notebook 00 plus `extra_cells`"
    shutil.copy(ROOT/'pyproject.toml', tmp_path)
    (tmp_path/'nbs').mkdir()
    for f in ('_quarto.yml', 'nbdev.yml', 'styles.css'): shutil.copy(ROOT/'nbs'/f, tmp_path/'nbs')
    nb = json.loads((ROOT/'nbs'/'00_core.ipynb').read_text(encoding='utf-8'))
    nb['cells'] += extra_cells
    (tmp_path/'nbs'/'00_core.ipynb').write_text(json.dumps(nb), encoding='utf-8')
    return tmp_path

def run_check(proj):
    return subprocess.run([sys.executable, str(ROOT/'tools'/'docs_check.py'), '--root', str(proj)], capture_output=True, text=True)

def test_clean_copy_passes(tmp_path):
    r = run_check(project(tmp_path, [code('import math'), code('x = math.pi')]))
    assert r.returncode == 0, r.stderr
    assert (tmp_path/'_proc'/'html'/'00_core.html').is_file()

def test_import_cell_using_another_cells_name_fails(tmp_path):
    "The bug that broke the site: the build executes a cell with an import, but not the cell that defined `train`"
    proj = project(tmp_path, [code('def train(n): return n'), code('from math import pi\nresult = train(2) * pi')])
    r = run_check(proj)
    assert r.returncode == 1
    assert 'nbdev-proc-nbs failed' in r.stderr and "NameError: name 'train' is not defined" in r.stderr

def test_mixed_import_cell_fails_even_when_it_runs(tmp_path):
    "A cell that mixes imports and code runs in the build only by luck: nbdev's warning fails the check"
    r = run_check(project(tmp_path, [code('import math\nmath.sqrt(2)')]))
    assert r.returncode == 1 and 'mixes imports and other code' in r.stderr

def test_page_problems():
    dc = load_docs_check()
    err = {'output_type': 'error', 'ename': 'ValueError', 'evalue': 'bad', 'traceback': []}
    tb = {'output_type': 'stream', 'name': 'stderr', 'text': 'Traceback (most recent call last):\n  File "x"'}
    ansi = {'output_type': 'execute_result', 'data': {'text/plain': '\x1b[0;31mred\x1b[0m'}, 'metadata': {}}
    big = {'output_type': 'stream', 'name': 'stdout', 'text': 'x' * 11 * 1024}
    png = {'output_type': 'display_data', 'data': {'image/png': 'A' * 50_000, 'text/plain': '<Figure>'}, 'metadata': {}}
    warn = {'output_type': 'stream', 'name': 'stderr', 'text': '/x/core.py:17: Pandas4Warning: option is deprecated'}
    info = {'output_type': 'stream', 'name': 'stderr', 'text': 'downloading 3 files'}
    nb = {'cells': [code('a', [err]), code('b', [tb]), code('c', [ansi]), code('d', [big]), code('e', [png]), code('f', [warn]), code('g', [info])]}
    probs = dc.check_outputs(nb, 'nb', max_kb=10)
    assert len(probs) == 5, probs
    for i, what in enumerate(['error output ValueError', 'traceback', 'ANSI', '11 KB']): assert what in probs[i] and f'cell {i}' in probs[i]
    assert 'cell 5: a warning on the page' in probs[4] and 'Pandas4Warning' in probs[4]

def test_reader_view_applies_cell_options():
    "Rendered pages hide what Quarto hides: `echo: false` code, `include: false` cells, and the `#|` lines"
    dc = load_docs_check()
    nb = {'cells': [code('#| echo: false\nshow()'), code('#| include: false\nsecret()'), code('#| export\ndef f(): pass')]}
    cells = dc._as_reader_sees(nb)['cells']
    assert len(cells) == 2
    assert cells[0]['metadata']['tags'] == ['remove_input']
    assert cells[1]['source'] == 'def f(): pass'
