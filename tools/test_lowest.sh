#!/usr/bin/env bash
# Run the whole test suite against the lowest dependency versions pyproject.toml allows, on the lowest Python.
# Lower bounds in pyproject.toml are only raised or lowered after this passes. It downloads about 3 GB (torch 2.4's
# CUDA libraries) the first time, into $FASTTRAIN_LOWEST_VENV (default: .venv-lowest in the clone).
#   PYTHON=python3.10 tools/test_lowest.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${FASTTRAIN_LOWEST_VENV:-$root/.venv-lowest}"
py="${PYTHON:-python3.10}"
"$py" -c 'import sys; assert sys.version_info[:2] == (3, 10), sys.version' \
  || { echo "test_lowest: set PYTHON to a Python 3.10 interpreter (the lowest fasttrain supports)" >&2; exit 1; }
[ -x "$venv/bin/python" ] || "$py" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet "torch==2.4.1" "torchvision==0.19.1" "numpy==1.24.*" "matplotlib==3.7.*" \
  "ipywidgets==8.0.*" "scikit-learn==1.3.*" "fastai==2.8.12" "pytest==8.0.*" "build==1.2.*" "ipykernel==6.*" "nbclient==0.10.*" \
  "transformers==4.40.2" "tokenizers==0.19.1" "huggingface-hub<1"
FASTTRAIN_VENV="$venv" PYTHON="$py" "$root/tools/test.sh"
