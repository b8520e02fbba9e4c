#!/usr/bin/env python
"""Write README.md from nbs/index.ipynb, without Quarto.

`nbdev-readme` renders through Quarto, which cannot be installed on every machine this project is built on. This
script produces the same content as GitHub Markdown: markdown cells as they are; code cells fenced, without their
`#|` directives; outputs as HTML (a table), Markdown, or fenced text;
style sheets and progress bars are left out. Cells flagged `#| hide` are left out, and so
is the code of cells flagged `#| echo: false`. A code cell of imports only, with no output, is joined to the code cell
after it, so a reader copies one block (the notebook keeps imports in cells of their own for the docs build).

    python tools/make_readme.py           # rewrite README.md
    python tools/make_readme.py --check   # exit 1 if README.md is not what the notebook gives
"""
import ast, json, re, sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent
HEADER = '<!-- Generated from nbs/index.ipynb by tools/make_readme.py. Edit the notebook, not this file. -->\n\n'
_directive = re.compile(r'^\s*#\|\s*(.*?)\s*$')

def _src(cell): return ''.join(cell['source']) if isinstance(cell['source'], list) else cell['source']
def _txt(v): return ''.join(v) if isinstance(v, list) else v

def _directives(src):
    return {m.group(1).split(':')[0].strip(): m.group(1) for m in map(_directive.match, src.splitlines()) if m}

def _output_md(o):
    "One cell output as Markdown, or None to leave it out"
    if o['output_type'] == 'stream': return f"```\n{_txt(o['text']).rstrip()}\n```" if o['name'] == 'stdout' else None
    if o['output_type'] not in ('execute_result', 'display_data'): return None
    d = o.get('data', {})
    html = _txt(d.get('text/html', '')).strip()
    if html and not re.fullmatch(r'(?s)\s*<style>.*</style>\s*', html) and '<progress' not in html: return html
    if 'text/markdown' in d: return _txt(d['text/markdown']).strip()
    plain = _txt(d.get('text/plain', '')).rstrip()
    if plain and not plain.startswith('<') : return f"```\n{plain}\n```"
    return None

def _imports_only(code):
    "True when `code` holds only import statements"
    try: tree = ast.parse(code)
    except SyntaxError: return False
    return bool(tree.body) and all(isinstance(t, (ast.Import, ast.ImportFrom)) for t in tree.body)

def readme(nb_path=root/'nbs'/'index.ipynb') -> str:
    "The README text for the notebook at `nb_path`"
    nb = json.loads(Path(nb_path).read_text(encoding='utf-8'))
    parts, pending = [], None
    for c in nb['cells']:
        src = _src(c)
        if c['cell_type'] == 'markdown': parts.append(src.strip()); continue
        if c['cell_type'] != 'code': continue
        flags = _directives(src)
        if 'hide' in flags: continue
        code = '\n'.join(l for l in src.splitlines() if not _directive.match(l)).strip()
        if code and not re.search(r'echo:\s*false', flags.get('echo', '')):
            if pending: code, pending = pending + '\n\n' + code, None
            if _imports_only(code) and not c.get('outputs'): pending = code; continue
            parts.append(f"```python\n{code}\n```")
        parts += [md for md in map(_output_md, c.get('outputs', [])) if md]
    if pending: parts.append(f"```python\n{pending}\n```")
    return HEADER + '\n\n'.join(p for p in parts if p) + '\n'

if __name__ == '__main__':
    target, text = root/'README.md', readme()
    if '--check' in sys.argv[1:]:
        ok = target.exists() and target.read_text(encoding='utf-8') == text
        if not ok: print('README.md is out of date with nbs/index.ipynb: run python tools/make_readme.py', file=sys.stderr)
        sys.exit(0 if ok else 1)
    target.write_text(text, encoding='utf-8')
