"The house rules for notebooks that a notebook cannot check about itself."
import ast, json, re
import pytest
from conftest import ROOT

NBS = sorted((ROOT/'nbs').glob('*.ipynb'))
def cells(nb): return json.loads(nb.read_text(encoding='utf-8'))['cells']
def src(c): return ''.join(c['source'])

@pytest.mark.parametrize('nb', NBS, ids=[p.name for p in NBS])
def test_opening(nb):
    "Title and summary, then a Colab badge for this very notebook, then the install cell before any fasttrain import"
    cs = cells(nb)
    md = [src(c) for c in cs if c['cell_type'] == 'markdown']
    assert re.match(r'# \S.*\n+> \S', md[0]), f"{nb.name}: the first markdown cell must be '# Title' then '> summary'"
    badge = f'https://colab.research.google.com/github/fasttrain/fasttrain/blob/main/nbs/{nb.name}'
    assert badge in md[1], f"{nb.name}: the second markdown cell must be the Colab badge linking to {badge}"
    code = [src(c) for c in cs if c['cell_type'] == 'code' and not src(c).startswith('#| default_exp')]
    assert code[0].startswith('#| hide') and '%pip install' in code[0] and 'except ImportError' in code[0], \
        f"{nb.name}: the first code cell (after default_exp) must be the hidden Colab install cell"
    if nb.name != 'index.ipynb':
        assert src(cs[0]).startswith('#| default_exp '), f"{nb.name}: the first cell must be #| default_exp"

def test_every_export_is_exercised():
    "Each name in a module's __all__ is used by a notebook cell that is not exported, or by tests/ or bench/"
    used = ''
    for nb in NBS: used += '\n'.join(src(c) for c in cells(nb) if c['cell_type'] == 'code' and '#| export' not in src(c))
    for f in list((ROOT/'tests').glob('*.py')) + list((ROOT/'bench').glob('*.py')): used += f.read_text()
    missing = []
    for mod in sorted((ROOT/'fasttrain').glob('[!_]*.py')):
        tree = ast.parse(mod.read_text())
        names = next((ast.literal_eval(n.value) for n in tree.body if isinstance(n, ast.Assign)
                      and getattr(n.targets[0], 'id', '') == '__all__'), [])
        missing += [f'{mod.stem}.{n}' for n in names if not re.search(rf'\b{re.escape(n)}\b', used)]
    assert not missing, f"exported but never exercised outside its definition: {missing}"

def test_sidebar_lists_every_notebook():
    "The docs sidebar (nbs/sidebar.yml; custom_sidebar is on) names every notebook, in reading order: regenerate it with `nbdev-sidebar --force`"
    listed = re.findall(r'^\s*-\s*(\S+\.ipynb)\s*$', (ROOT/'nbs'/'sidebar.yml').read_text(), re.MULTILINE)
    assert listed == ['index.ipynb'] + sorted(p.name for p in NBS if p.name != 'index.ipynb'), listed
