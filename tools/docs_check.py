#!/usr/bin/env python
"""Check that the docs site builds, as far as this machine can build it without Quarto.

The deploy workflow runs `nbdev-docs`: nbdev processes every notebook (`nbdev-proc-nbs`, which executes each cell
that holds an import, every export cell and every `show_doc`), then Quarto renders the processed notebooks. Quarto
can't be installed everywhere, so this script runs the processing step for real and then renders each processed
notebook to HTML with nbconvert, and fails on what a reader would see as broken:

- an error while processing (a cell with an import that uses a name from another cell: `NameError` in the build);
- nbdev's warning "Found cells containing imports and other code", which is how that error starts;
- a page with a Python error output or a traceback in its outputs;
- raw ANSI escape codes (colour codes that show up as `[0;31m` on the page);
- a warning printed to stderr (the build captures it, and the page shows it in a red box);
- a stored text output over `--max-kb` KB (a log or a progress-bar trail nobody reads; images don't count).

    python tools/docs_check.py                 # the project's nbs/, processed into _proc/
    python tools/docs_check.py --root DIR      # another project (the tests use a broken copy)

Exit status 0 when every page is clean, 1 with one line per problem otherwise.
"""
import argparse, json, os, re, shutil, subprocess, sys, time
from pathlib import Path

root = Path(__file__).resolve().parent.parent
_ansi = re.compile(r'\x1b\[[0-9;]*[A-Za-z]')
_traceback = re.compile(r'Traceback \(most recent call last\)')
_mixed = 'Found cells containing imports and other code'
_text_types = ('text/plain', 'text/html', 'text/markdown', 'text/latex', 'application/javascript')

def _txt(v): return ''.join(v) if isinstance(v, list) else (v or '')

def process(proj: Path) -> list[str]:
    "Run nbdev's docs processing in `proj`; one message per failure"
    t = time.time()
    env = {**os.environ, 'PYTHONWARNINGS': 'default'}
    # Start from an empty _proc/ rather than passing --force: nbdev forwards --force to its sidebar step too, which
    # then rewrites nbs/sidebar.yml although the project keeps its own (custom_sidebar). Without Quarto, nbdev tries
    # to install it, fails without sudo, and goes on: that line is harmless.
    shutil.rmtree(proj/'_proc', ignore_errors=True)
    r = subprocess.run(['nbdev-proc-nbs'], cwd=proj, capture_output=True, text=True, env=env)
    out = r.stdout + r.stderr
    probs = []
    if r.returncode != 0:
        m = re.search(r'Exception: (Error in notebook.*?)(?:\n\S+Error: .*)?$', out, re.S)
        last = [l for l in out.splitlines() if l.strip()][-3:]
        probs.append('nbdev-proc-nbs failed: ' + (' | '.join(last) if not m else m.group(0).strip().replace('\n', ' | ')[:600]))
    for m in re.finditer(_mixed + r'.*?\n---\n(.*?)\n---', out, re.S):
        first = m.group(1).strip().splitlines()
        probs.append(f"a cell mixes imports and other code (the docs build executes it): {' / '.join(first[:3])[:200]}")
    print(f'docs_check: nbdev-proc-nbs: {time.time() - t:.0f}s', file=sys.stderr)
    return probs

def check_outputs(nb: dict, name: str, max_kb: float) -> list[str]:
    "Problems in the stored outputs of one processed notebook"
    probs = []
    for i, c in enumerate(nb.get('cells', [])):
        for o in c.get('outputs', []) if c.get('cell_type') == 'code' else []:
            where = f'{name} cell {i}'
            if o.get('output_type') == 'error':
                probs.append(f"{where}: error output {o.get('ename')}: {_txt(o.get('evalue'))[:120]}"); continue
            texts = [_txt(o.get('text'))] if o.get('output_type') == 'stream' else [_txt(o.get('data', {}).get(k)) for k in _text_types]
            if o.get('output_type') == 'stream' and o.get('name') == 'stderr' and re.search(r'\w*Warning\b', texts[0]):
                probs.append(f"{where}: a warning on the page: {' '.join(texts[0].split())[:160]}")
            for t in texts:
                if _traceback.search(t): probs.append(f'{where}: a traceback in the output')
                if _ansi.search(t): probs.append(f'{where}: raw ANSI escape codes in the output ({_ansi.search(t).group(0)!r})')
                if len(t.encode()) > max_kb * 1024: probs.append(f'{where}: a text output of {len(t.encode()) / 1024:.0f} KB (over {max_kb:g} KB)')
    return probs

_cell_keys = {'cell_type', 'execution_count', 'id', 'metadata', 'outputs', 'source', 'attachments'}
_quarto_opt = re.compile(r'^#\|\s*([\w-]+)\s*:\s*(.*?)\s*$')

def _as_reader_sees(nb: dict) -> dict:
    "Apply the cell options Quarto would (`echo`, `output`, `include`), strip them, and drop nbdev's extra cell keys"
    cells = []
    for c in nb['cells']:
        c = {k: v for k, v in c.items() if k in _cell_keys}
        c['metadata'] = {'tags': c.get('metadata', {}).get('tags', [])}   # drop the build's timing metadata
        c['source'] = _txt(c.get('source'))
        if c['cell_type'] == 'code':
            lines = _txt(c['source']).splitlines()
            opts = dict(m.groups() for m in map(_quarto_opt.match, lines) if m)
            if opts.get('include') == 'false': continue
            c['source'] = '\n'.join(l for l in lines if not _quarto_opt.match(l) and not l.startswith('#|')).strip()
            tags = set(c.get('metadata', {}).get('tags', []))
            if opts.get('echo') == 'false' or not c['source']: tags.add('remove_input')
            if opts.get('output') == 'false': tags.add('remove_output')
            c['metadata'] = {'tags': sorted(tags)}
        cells.append(c)
    return {**nb, 'cells': cells}

def render(path: Path, dest: Path, mathjax: str|None=None) -> list[str]:
    "Render one processed notebook to HTML with nbconvert, as a reader's page; problems found in the HTML"
    from nbconvert import HTMLExporter
    from traitlets.config import Config
    import nbformat
    cfg = Config()
    cfg.TagRemovePreprocessor.enabled = True
    cfg.TagRemovePreprocessor.remove_input_tags = ('remove_input',)
    cfg.TagRemovePreprocessor.remove_all_outputs_tags = ('remove_output',)
    nb = nbformat.from_dict(_as_reader_sees(nbformat.reads(path.read_text(encoding='utf-8'), as_version=4, capture_validation_error={})))
    html, _ = HTMLExporter(config=cfg, template_name='lab', **({'mathjax_url': mathjax} if mathjax else {})).from_notebook_node(nb)
    (dest/f'{path.stem}.html').write_text(html, encoding='utf-8')
    probs = []
    if _ansi.search(html): probs.append(f'{path.name}: raw ANSI escape codes in the rendered page')
    return probs

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--root', type=Path, default=root, help='the project to check (holds pyproject.toml and nbs/)')
    ap.add_argument('--html', type=Path, default=None, help='where to write the rendered pages (default: _proc/html)')
    ap.add_argument('--mathjax', default=None, help="MathJax's URL for the pages (a local copy renders formulas offline)")
    ap.add_argument('--max-kb', type=float, default=10, help='largest text output allowed on a page, in KB')
    a = ap.parse_args(argv)
    proj = a.root.resolve()
    probs = process(proj)
    proc = proj/'_proc'
    nbs = sorted(proc.glob('*.ipynb')) if proc.is_dir() else []
    if not probs and not nbs: probs.append(f'no processed notebooks in {proc}')
    dest = a.html or proc/'html'
    dest.mkdir(parents=True, exist_ok=True)
    t = time.time()
    for p in nbs:
        probs += check_outputs(json.loads(p.read_text(encoding='utf-8')), p.name, a.max_kb)
        probs += render(p, dest, a.mathjax)
    print(f'docs_check: rendered {len(nbs)} page(s) to {dest} in {time.time() - t:.0f}s', file=sys.stderr)
    for m in probs: print(f'docs_check: FAIL: {m}', file=sys.stderr)
    if not probs: print(f'docs_check: {len(nbs)} page(s) clean')
    return 1 if probs else 0

if __name__ == '__main__': sys.exit(main())
