#!/usr/bin/env python
"""Execute notebooks in a real Jupyter kernel and save their outputs, for the docs.

`nbdev-test` runs notebooks in a capture shell that fastprogress does not recognise as a notebook, so fastai's
training tables come out as plain lists there. The rendered docs should show what a reader sees in Jupyter or
Colab, so the outputs committed with the notebooks come from this script:

    python tools/run_nbs.py                 # every numbered notebook and index.ipynb
    python tools/run_nbs.py nbs/01_data.ipynb

Cells flagged `#| cuda` or `#| slow` are skipped unless `--flags` names them (like `nbdev-test --flags`); their
stored outputs are kept. Run `nbdev-clean` afterwards (tools/test.sh checks that it changes nothing).
"""
import argparse, re, time
from pathlib import Path
import nbformat
from nbclient import NotebookClient

root = Path(__file__).resolve().parent.parent
_flag_re = re.compile(r'^\s*#\|\s*(\w+)\s*$', re.MULTILINE)

def run(path: Path, flags: set, timeout: int):
    nb = nbformat.read(path, as_version=4)
    skipped = {}
    for i, c in enumerate(nb.cells):
        if c.cell_type != 'code': continue
        cell_flags = set(_flag_re.findall(c.source)) & {'cuda', 'slow'}
        if cell_flags - flags or re.search(r'^\s*#\|\s*eval:\s*false', c.source, re.MULTILINE):
            skipped[i] = c
            nb.cells[i] = nbformat.v4.new_raw_cell('')  # keep the position; restored below
    client = NotebookClient(nb, timeout=timeout, kernel_name='python3', resources={'metadata': {'path': str(path.parent)}})
    t = time.time()
    client.execute()
    for i, c in skipped.items(): nb.cells[i] = c
    nbformat.write(nb, path)
    print(f'{path.relative_to(root)}: {time.time() - t:.1f}s, {len(skipped)} flagged cell(s) not run')

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('paths', nargs='*', type=Path)
    ap.add_argument('--flags', default='', help='space-separated flags to run anyway, e.g. "slow"')
    ap.add_argument('--timeout', type=int, default=1800, help='seconds per cell')
    a = ap.parse_args()
    paths = a.paths or sorted((root/'nbs').glob('[0-9]*.ipynb')) + [root/'nbs'/'index.ipynb']
    for p in paths: run(p.resolve(), set(a.flags.split()), a.timeout)
