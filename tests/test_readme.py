"README.md is generated from nbs/index.ipynb by tools/make_readme.py; they must agree."
import importlib.util, json
from conftest import ROOT

def load_make_readme():
    spec = importlib.util.spec_from_file_location('make_readme', ROOT/'tools'/'make_readme.py')
    m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
    return m

def test_readme_matches_index():
    expected = load_make_readme().readme(ROOT/'nbs'/'index.ipynb')
    actual = (ROOT/'README.md').read_text(encoding='utf-8')
    assert actual == expected, "README.md is out of date with nbs/index.ipynb: run `python tools/make_readme.py`"

def test_readme_converter(tmp_path):
    "Hidden cells are dropped, directives stripped, outputs kept, style-only HTML left out"
    cells = [
        {'cell_type': 'markdown', 'source': ['# Title\n', '> summary'], 'metadata': {}},
        {'cell_type': 'code', 'source': '#| hide\nsecret = 1', 'metadata': {}, 'outputs': []},
        {'cell_type': 'code', 'source': '#| echo: false\nshown_output_only()', 'metadata': {}, 'outputs': [
            {'output_type': 'stream', 'name': 'stdout', 'text': ['only the output\n']}]},
        {'cell_type': 'code', 'source': '#| export\n1 + 1', 'metadata': {}, 'outputs': [
            {'output_type': 'display_data', 'data': {'text/html': '<style>p {}</style>', 'text/plain': '<IPython.core.display.HTML object>'}},
            {'output_type': 'execute_result', 'data': {'text/plain': '2'}}]},
        {'cell_type': 'code', 'source': 'table()', 'metadata': {}, 'outputs': [
            {'output_type': 'display_data', 'data': {'text/html': '<table><tr><td>1</td></tr></table>', 'text/markdown': '|1|'}}]},
    ]
    nb = tmp_path/'index.ipynb'
    nb.write_text(json.dumps({'cells': cells, 'metadata': {}, 'nbformat': 4, 'nbformat_minor': 5}))
    md = load_make_readme().readme(nb)
    assert md.startswith('<!-- Generated from nbs/index.ipynb')
    assert '# Title\n> summary' in md
    assert 'secret' not in md and 'shown_output_only' not in md and '#|' not in md and '<style>' not in md
    assert '```\nonly the output\n```' in md
    assert '```python\n1 + 1\n```\n\n```\n2\n```' in md
    assert '<table><tr><td>1</td></tr></table>' in md

def test_readme_joins_import_cell(tmp_path):
    "An imports-only cell with no output joins the next code cell, so the README shows one block to copy"
    cells = [
        {'cell_type': 'code', 'source': 'import math', 'metadata': {}, 'outputs': []},
        {'cell_type': 'code', 'source': 'math.pi', 'metadata': {}, 'outputs': [{'output_type': 'execute_result', 'data': {'text/plain': '3.14'}}]},
        {'cell_type': 'code', 'source': 'import os', 'metadata': {}, 'outputs': []},
    ]
    nb = tmp_path/'index.ipynb'
    nb.write_text(json.dumps({'cells': cells, 'metadata': {}, 'nbformat': 4, 'nbformat_minor': 5}))
    md = load_make_readme().readme(nb)
    assert '```python\nimport math\n\nmath.pi\n```\n\n```\n3.14\n```' in md
    assert md.rstrip().endswith('```python\nimport os\n```')   # a trailing import cell is still shown
