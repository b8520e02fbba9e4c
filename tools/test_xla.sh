#!/usr/bin/env bash
# Run fasttrain's XLA tests (tests_xla/) on PyTorch/XLA's CPU backend, PJRT_DEVICE=CPU: the code path of a Colab TPU
# runtime (lazy tensors, graphs cut at each step, compiled by XLA), run by this machine's CPU.
#
# torch_xla 2.9.0 needs torch 2.9.0 exactly, and together they are a large download (about 7 GB with torch's CUDA
# libraries from PyPI), so they live in a virtual environment of their own, outside the clone and outside the main
# environment: $FASTTRAIN_XLA_VENV, default ${XDG_CACHE_HOME:-~/.cache}/fasttrain/xla-venv. The first run builds it
# (several minutes); later runs reuse it and only re-point fasttrain's editable install at this clone.
#   tools/test_xla.sh                 # build or reuse the environment, then run tests_xla/
#   tools/test_xla.sh -k sample -x    # arguments go to pytest
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${FASTTRAIN_XLA_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/fasttrain/xla-venv}"
py="${PYTHON:-python3}"
TORCH=2.9.0 TORCH_XLA=2.9.0 TORCHVISION=0.24.0   # torch_xla X.Y.Z needs torch X.Y.Z; fastai needs torchvision, whose 0.24 pins torch 2.9

command -v "$py" >/dev/null 2>&1 || { echo "test_xla: '$py' not found; set PYTHON to a Python 3.11 or newer" >&2; exit 1; }
"$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "test_xla: needs Python 3.11 or newer (it reads pyproject.toml with tomllib; it passed with 3.11.7), but $py is $("$py" --version 2>&1); set PYTHON" >&2; exit 1; }
if ! "$venv/bin/python" -c 'import sys' >/dev/null 2>&1; then
  echo "test_xla: creating $venv"
  rm -rf "$venv"; mkdir -p "$(dirname "$venv")"
  "$py" -m venv "$venv"
fi
vpy="$venv/bin/python"

# fasttrain's own dependencies, read from pyproject.toml (torch left out: it is pinned above), plus pytest
deps="$("$vpy" - "$root/pyproject.toml" <<'PY'
import re, sys, tomllib
deps = tomllib.load(open(sys.argv[1], 'rb'))['project']['dependencies']
print('\n'.join(d for d in deps if re.match(r'[A-Za-z0-9_.-]+', d).group(0).lower() != 'torch'))
PY
)"
stamp="$venv/.fasttrain-xla-deps"
want="$(printf '%s\n' "torch==$TORCH torch_xla==$TORCH_XLA torchvision==$TORCHVISION setuptools>=77" "$deps" | sha256sum | cut -c1-16)"
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
  echo "test_xla: installing torch $TORCH, torch_xla $TORCH_XLA and fasttrain's dependencies into $venv (a large download the first time)"
  rm -f "$stamp"
  mapfile -t dep_list <<<"$deps"
  "$vpy" -m pip install --quiet --disable-pip-version-check "torch==$TORCH" "torch_xla==$TORCH_XLA" "torchvision==$TORCHVISION" \
    "${dep_list[@]}" "pytest>=8" "setuptools>=77"   # setuptools: the editable install below builds without isolation
  echo "$want" > "$stamp"
fi
# fasttrain itself, editable from this clone, with no dependencies (they were installed above, around torch 2.9.0)
where="$(cd / && "$vpy" -c 'import fasttrain, os; print(os.path.dirname(os.path.dirname(os.path.realpath(fasttrain.__file__))))' 2>/dev/null || true)"
[ "$where" = "$root" ] || "$vpy" -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e "$root"

cd "$root"
"$vpy" -c 'import torch, torch_xla; print(f"test_xla: torch {torch.__version__}, torch_xla {torch_xla.__version__}, PJRT_DEVICE=CPU")'
# One host thread for torch's own CPU kernels (the CPU reference runs); XLA's CPU client sizes its own pool.
PJRT_DEVICE=CPU OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" "$venv/bin/fasttrain" --version >/dev/null
PJRT_DEVICE=CPU OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" PATH="$venv/bin:$PATH" "$vpy" -m pytest tests_xla -q -p no:cacheprovider "$@"
