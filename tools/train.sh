#!/usr/bin/env bash
# Set up (or reuse) the environment, then train a small character-level model on Tiny Shakespeare and sample from it.
# Options go to tools/shakespeare.py: tools/train.sh --help
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${FASTTRAIN_VENV:-$root/.venv}"
"$root/tools/setup.sh"
exec "$venv/bin/python" "$root/tools/shakespeare.py" "$@"
