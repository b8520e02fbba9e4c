#!/usr/bin/env python
"""Execute notebooks in a real Jupyter kernel and save their outputs, for the docs.

`nbdev-test` runs notebooks in a capture shell that fastprogress does not recognise as a notebook, so fastai's
training tables come out as plain lists there. The rendered docs should show what a reader sees in Jupyter or
Colab, so the outputs committed with the notebooks come from this script:

    python tools/run_nbs.py                 # every numbered notebook and index.ipynb
    python tools/run_nbs.py nbs/01_data.ipynb

Cells flagged `#| cuda` or `#| slow` are skipped unless `--flags` names them (like `nbdev-test --flags`); their
stored outputs are kept. Run `nbdev-clean` afterwards (tools/test.sh checks that it changes nothing).

With `--only-flagged`, the whole notebook runs (the flagged cells need what the others define), but only the cells
carrying one of `--flags` get new outputs; every other cell keeps the outputs it had. tools/gpu_check.sh uses it to
store the outputs of the `cuda` cells measured on a GPU, without replacing the CPU outputs of the rest of the page:

    python tools/run_nbs.py --flags cuda --only-flagged nbs/08_mixed_precision.ipynb
"""
import argparse, re, time
from pathlib import Path
import nbformat
from nbclient import NotebookClient

root = Path(__file__).resolve().parent.parent
_flag_re = re.compile(r'^\s*#\|\s*(\w+)\s*$', re.MULTILINE)

def run(path: Path, flags: set, timeout: int, only_flagged: bool = False):
    nb = nbformat.read(path, as_version=4)
    before = {i: (c.get('outputs'), c.get('execution_count')) for i, c in enumerate(nb.cells) if c.cell_type == 'code'}
    keep = {i for i, c in enumerate(nb.cells) if c.cell_type == 'code' and not set(_flag_re.findall(c.source)) & flags} if only_flagged else set()
    if only_flagged and len(keep) == len(before): raise SystemExit(f"{path}: no cell is flagged {' or '.join(sorted(flags)) or '(no --flags)'}")
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
    for i in keep: nb.cells[i].outputs, nb.cells[i].execution_count = before[i]
    nbformat.write(nb, path)
    where = path.relative_to(root) if path.is_relative_to(root) else path
    print(f'{where}: {time.time() - t:.1f}s, {len(skipped)} flagged cell(s) not run' +
          (f', outputs stored for {len(set(before) - keep - set(skipped))} cell(s) flagged {" ".join(sorted(flags))} only' if only_flagged else ''))

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('paths', nargs='*', type=Path)
    ap.add_argument('--flags', default='', help='space-separated flags to run anyway, e.g. "slow"')
    ap.add_argument('--timeout', type=int, default=1800, help='seconds per cell')
    ap.add_argument('--only-flagged', action='store_true', help='store new outputs only for the cells that carry one of --flags')
    a = ap.parse_args()
    paths = a.paths or sorted((root/'nbs').glob('[0-9]*.ipynb')) + [root/'nbs'/'index.ipynb']
    for p in paths: run(p.resolve(), set(a.flags.split()), a.timeout, a.only_flagged)
