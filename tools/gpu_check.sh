#!/usr/bin/env bash
# Everything fasttrain measures on a CUDA GPU, in one script that finishes within 8 minutes on one H100/H200 (the parts' limits add up to 450 s, plus start-up):
#   1. notebooks  every `#| cuda` cell: `nbdev-test --flags cuda` on the notebooks that have them, then
#                 `tools/run_nbs.py --flags cuda --only-flagged`, which stores those cells' outputs in the notebooks
#                 (a copy of each changed notebook goes into the results too)                   at most 140 s
#   2. precision  bench/amp.py --device cuda: notebook 08's GPT-2 block in fp32, TF32, bf16 and fp16        at most 50 s
#   3. throughput bench/throughput.py: GPT-2 small, bf16, flash attention, torch.compile, fused AdamW, the largest
#                 micro-batch, tokens/s, MFU, memory, and one switch at a time (compile, optimizer, chunked
#                 loss, Muon, a hand-written loop)                                                         at most 260 s
# A part that fails or runs out of time does not stop the others, and every part writes its results as it goes:
#   results/gpu-check-<UTC time>/   status.json (each part's exit status and seconds), summary.md (all the tables),
#                                   env.txt, precision.json, throughput.json and .md, *.log, the notebooks with outputs
# The exit status is 0 only if every part passed.
#
#   tools/gpu_check.sh [--out DIR]    on a machine with a CUDA GPU
#   tools/gpu_check.sh --dry-run      the same code paths on the CPU at toy sizes, in about a minute (tools/test.sh runs it)
#
# In the dry run, part 1 runs both commands on a toy notebook with a `cuda` cell (the real ones need a GPU) and checks
# that the output was stored, and parts 2 and 3 run with --dry-run (see each script). Python: $PYTHON, else `python`
# when it imports fastai, else python3. Where fastai or nbdev is missing and the clone holds .whl/ (tools/gpu_wheels.sh
# fills it, for a GPU machine without network), the wheels are installed with --no-deps into a folder on PYTHONPATH.
# With the device tool, whose $OUT brings back at most 8 files: tools/gpu_check.sh --out /tmp/g; tar -czf $OUT/g.tgz -C /tmp g
set -uo pipefail   # no -e: one part's failure must not stop the others
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dry=0; out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) dry=1; shift;;
    --out) [ $# -ge 2 ] || { echo "gpu_check: --out needs a directory" >&2; exit 2; }; out="$2"; shift 2;;
    -h|--help) sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; exit 0;;
    *) echo "gpu_check: unknown argument '$1' (expected --dry-run or --out DIR)" >&2; exit 2;;
  esac
done
if [ -z "$out" ]; then
  if [ $dry = 1 ]; then out="$root/results/gpu-check-dry-run"; else out="$root/results/gpu-check-$(date -u +%Y%m%dT%H%M%SZ)"; fi
fi
rm -rf "$out"; mkdir -p "$out"; out="$(cd "$out" && pwd)"
cd "$root"
export PYTHONUNBUFFERED=1 PYTHONPATH="$root${PYTHONPATH:+:$PYTHONPATH}"

# --- Python, and the packages a bare GPU machine lacks
py="${PYTHON:-}"
if [ -z "$py" ]; then if command -v python >/dev/null && python -c 'import fastai' 2>/dev/null; then py=python; else py=python3; fi; fi
if ! "$py" -c 'import fastai, nbdev, nbclient, ipykernel' 2>/dev/null && ls "$root"/.whl/*.whl >/dev/null 2>&1; then
  site="${TMPDIR:-/tmp}/fasttrain-gpu-site"
  echo "gpu_check: installing $(ls "$root"/.whl/*.whl | wc -l) wheels from .whl/ into $site"
  "$py" -m pip install -q --no-index --no-deps --no-compile --disable-pip-version-check --upgrade --target "$site" "$root"/.whl/*.whl \
    || echo "gpu_check: installing the wheels failed; the parts that need them will fail" >&2
  export PYTHONPATH="$PYTHONPATH:$site" PATH="$site/bin:$PATH"
fi
bin="$(dirname "$(command -v "$py")")"; export PATH="$PATH:$bin"

# --- each part: its own time limit and log; its status is recorded whatever happens
declare -A status seconds
part() {   # part NAME SECONDS COMMAND...
  local name="$1" limit="$2"; shift 2
  local t0=$SECONDS
  echo "== $name (at most ${limit} s): $*"
  timeout --kill-after=10 "$limit" "$@" >>"$out/$name.log" 2>&1
  local rc=$?
  seconds[$name]=$((SECONDS - t0))
  if [ $rc = 124 ] || [ $rc = 137 ]; then status[$name]="timed out after ${limit} s"; elif [ $rc = 0 ]; then status[$name]=ok; else status[$name]="failed (exit $rc)"; fi
  echo "   ${status[$name]} in ${seconds[$name]} s (log: $out/$name.log)"
  tail -n 5 "$out/$name.log" | sed 's/^/   | /'
  write_status
}
write_status() {
  "$py" - "$out/status.json" "$dry" "${!status[@]}" -- "${status[@]}" -- "${seconds[@]}" <<'PY'
import json, sys
a = sys.argv[1:]; path, dry = a[0], a[1] == '1'; rest = a[2:]
i = rest.index('--'); names = rest[:i]; rest = rest[i+1:]; j = rest.index('--'); st, secs = rest[:j], rest[j+1:]
json.dump(dict(dry_run=dry, parts={n: dict(status=s, seconds=int(t)) for n, s, t in zip(names, st, secs)}), open(path, 'w'), indent=1)
PY
}

{ echo "date: $(date -u +%FT%TZ)"; echo "dry run: $dry"; echo "git: $(git -C "$root" rev-parse --short HEAD 2>/dev/null) $(git -C "$root" status --porcelain 2>/dev/null | wc -l) changed file(s)"
  "$py" -c 'import sys, torch; print("python", sys.version.split()[0]); print("torch", torch.__version__, "cuda", torch.version.cuda); print("gpu", torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none")' 2>&1
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv 2>&1; } > "$out/env.txt"
cat "$out/env.txt"
if [ $dry = 0 ] && ! "$py" -c 'import torch, sys; sys.exit(not torch.cuda.is_available())' 2>/dev/null; then
  echo "gpu_check: no CUDA GPU here (see $out/env.txt); tools/gpu_check.sh --dry-run runs the same code paths on the CPU" >&2; exit 2
fi

# --- 1. the notebooks' cuda cells
cuda_nbs() {   # the notebooks (arguments) that have a code cell flagged cuda
  "$py" - "$@" <<'PY'
import json, re, sys
for p in sys.argv[1:]:
    if any(c['cell_type'] == 'code' and re.search(r'^\s*#\|\s*cuda\s*$', ''.join(c['source']), re.M) for c in json.load(open(p))['cells']): print(p)
PY
}
notebooks() {
  local nbs; mapfile -t nbs < <(cuda_nbs nbs/*.ipynb)
  [ ${#nbs[@]} -gt 0 ] || { echo "no notebook in nbs/ has a cuda cell" >&2; return 1; }
  echo "notebooks with cuda cells: ${nbs[*]}"
  if [ $dry = 1 ]; then   # the real cells need a GPU: run both commands on a toy notebook inside the clone (nbdev reads its flags there)
    local toy; toy="$(mktemp -d "$root/results/.gpu-check-toy.XXXXXX")/toy_cuda.ipynb"
    "$py" - "$toy" <<'PY'
import json, sys
cell = lambda src: dict(cell_type='code', execution_count=None, id=f'c{len(src)}', metadata={}, outputs=[], source=src)
json.dump(dict(cells=[cell('x = 40'), cell('#| cuda\nassert x == 40\nx + 2')], metadata={}, nbformat=4, nbformat_minor=5), open(sys.argv[1], 'w'))
PY
    nbs=("$toy")
  fi
  local rc=0 nb
  for nb in "${nbs[@]}"; do
    timeout 65 nbdev-test --flags cuda "$nb" || { echo "nbdev-test --flags cuda failed on $nb" >&2; rc=1; continue; }
    timeout 65 "$py" tools/run_nbs.py --flags cuda --only-flagged --timeout 60 "$nb" || { echo "run_nbs.py failed on $nb" >&2; rc=1; continue; }
    cp "$nb" "$out/"
  done
  if [ $dry = 1 ]; then   # the cuda cell's output must now be stored in the notebook
    "$py" -c 'import json, sys; c = json.load(open(sys.argv[1]))["cells"][1]; assert "".join(c["outputs"][0]["data"]["text/plain"]) == "42", c; print("toy notebook: the cuda cell ran and its output was stored")' "${nbs[0]}" || rc=1
    rm -rf "$(dirname "${nbs[0]}")"
  fi
  return $rc
}
t_all=$SECONDS
export -f cuda_nbs notebooks; export py dry root out
part notebooks 140 bash -c notebooks

# --- 2. precision: notebook 08's GPT block in four modes
if [ $dry = 1 ]; then part precision 60 "$py" bench/amp.py --dry-run --json "$out/precision.json"
else part precision 50 "$py" bench/amp.py --device cuda --json "$out/precision.json"; fi

# --- 3. training throughput of GPT-2 small, and what each switch is worth
if [ $dry = 1 ]; then part throughput 170 "$py" bench/throughput.py --dry-run --budget 150 --out "$out/throughput.json"
else part throughput 260 "$py" bench/throughput.py --budget 240 --cap 140 --out "$out/throughput.json"; fi

# --- the summary
{ echo "# tools/gpu_check.sh$([ $dry = 1 ] && echo ' --dry-run (CPU, toy sizes: the figures mean nothing)')"; echo
  echo '```'; cat "$out/env.txt"; echo '```'; echo
  echo "| part | status | seconds |"; echo "| --- | --- | --- |"
  for n in notebooks precision throughput; do echo "| $n | ${status[$n]:-not run} | ${seconds[$n]:--} |"; done; echo
  echo "## precision (bench/amp.py)"; echo; echo '```'; grep -v '^\s*$' "$out/precision.log" | tail -n 8; echo '```'; echo
  echo "## throughput (bench/throughput.py)"; echo; cat "$out/throughput.md" 2>/dev/null || echo "(no table)"; } > "$out/summary.md"
echo "== all parts in $((SECONDS - t_all)) s; results in $out"
cat "$out/summary.md"
for n in notebooks precision throughput; do [ "${status[$n]:-}" = ok ] || exit 1; done
exit 0
