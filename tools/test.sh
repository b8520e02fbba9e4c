#!/usr/bin/env bash
# Set up (or reuse) the environment with the dev tools, then run the whole test suite:
#   1. nbdev-export and nbdev-clean must change nothing (the modules match the notebooks, the notebooks are clean);
#   2. nbdev-test runs every notebook (cells flagged slow or cuda are skipped unless FASTTRAIN_TEST_FLAGS names them);
#   3. the docs build's processing step runs (nbdev-proc-nbs), and every processed page renders to HTML without an
#      error, a traceback, raw ANSI codes or an oversized text output (tools/docs_check.py; Quarto is not needed);
#   4. pytest runs tests/;
#   5. tools/gpu_check.sh --dry-run runs the GPU script's code paths on the CPU at toy sizes, so that it can't rot.
# Exits non-zero on the first failure, and when no notebook or no test ran.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${FASTTRAIN_VENV:-$root/.venv}"
"$root/tools/setup.sh" dev
export PATH="$venv/bin:$PATH"
cd "$root"
t0=$SECONDS

snapshot() { python - <<'PY'
import hashlib, pathlib
skip = ('__pycache__', '.ipynb_checkpoints', '_proc', '.quarto')
files = [p for d in ('fasttrain', 'nbs') for p in pathlib.Path(d).rglob('*') if p.is_file() and not set(p.parts) & set(skip)]
for p in sorted(files + [pathlib.Path('pyproject.toml')]): print(hashlib.sha256(p.read_bytes()).hexdigest(), p)
PY
}
echo "== 1/5 nbdev-export and nbdev-clean must change nothing"
before="$(snapshot)"
nbdev-export
nbdev-clean
after="$(snapshot)"
if [ "$before" != "$after" ]; then
  echo "FAIL: nbdev-export/nbdev-clean changed these files; commit what they produce:" >&2
  diff <(echo "$before") <(echo "$after") | sed -n 's/^> [0-9a-f]* /  /p' >&2
  exit 1
fi

echo "== 2/5 nbdev-test"
n_nbs=$(find nbs -maxdepth 1 -name '*.ipynb' | wc -l)
[ "$n_nbs" -gt 0 ] || { echo "FAIL: no notebooks found in nbs/" >&2; exit 1; }
log="$(mktemp)"
set +e
# One torch thread per notebook process: two workers with two threads each on two cores spend their time waiting
# on each other (03_architecture measured 20 s with one thread against 82-171 s with two, on a loaded machine).
OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" nbdev-test --timing --n-workers "${FASTTRAIN_TEST_WORKERS:-2}" ${FASTTRAIN_TEST_FLAGS:+--flags "$FASTTRAIN_TEST_FLAGS"} 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
n_run=$(grep -cE '^[^ ]+\.ipynb: [0-9]+ secs$' "$log" || true)
if [ "$rc" -ne 0 ] || ! grep -qx 'Success.' "$log"; then echo "FAIL: nbdev-test failed" >&2; exit 1; fi
if [ "$n_run" -ne "$n_nbs" ]; then echo "FAIL: nbdev-test ran $n_run notebook(s) of the $n_nbs in nbs/" >&2; exit 1; fi
rm -f "$log"

echo "== 3/5 the docs build: nbdev-proc-nbs, then each page rendered and checked"
python tools/docs_check.py

echo "== 4/5 pytest tests/"
python -m pytest tests/ -q   # pytest exits 5, a failure here, when it collects no test

echo "== 5/5 tools/gpu_check.sh --dry-run"
OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" tools/gpu_check.sh --dry-run > "$log" 2>&1 || { cat "$log" >&2; echo "FAIL: tools/gpu_check.sh --dry-run" >&2; exit 1; }
tail -n 12 "$log"; rm -f "$log"
echo "== all tests passed in $((SECONDS - t0))s ($n_run notebooks, the docs build, tests/, the GPU script's dry run)"
