#!/usr/bin/env bash
# Set up (or reuse) the environment, then train a character-level GPT on Tiny Shakespeare with `fasttrain train`
# and print a sample from it with `fasttrain sample`.
#   tools/train.sh                      1,000 steps of the tiny preset (Muon), into runs/shakespeare-<date>-<time>
#   tools/train.sh --steps 3000 --out runs/long     any `fasttrain train` option (fasttrain train --help) overrides these
# Tiny Shakespeare is downloaded once, or read from $FASTTRAIN_DATA (a directory holding tinyshakespeare.txt).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${FASTTRAIN_VENV:-$root/.venv}"
for arg in "$@"; do case "$arg" in -h|--help) exec "$venv/bin/fasttrain" train --help;; esac; done
"$root/tools/setup.sh"
out="$root/runs/shakespeare-$(date +%Y%m%d-%H%M%S)"
prev=""; for arg in "$@"; do [ "$prev" = "--out" ] && out="$arg"; case "$arg" in --out=*) out="${arg#--out=}";; esac; prev="$arg"; done
"$venv/bin/fasttrain" train --out "$out" --preset tiny --opt muon --steps 1000 --bs 32 --eval-every 250 --save-every 250 --prompt "ROMEO:" "$@"
echo
"$venv/bin/fasttrain" sample "$out" --prompt "ROMEO:" --tokens 400 --temperature 0.8
