#!/usr/bin/env bash
# Create (or reuse) fasttrain's virtual environment and install fasttrain into it, editable.
#   tools/setup.sh        the library and what it needs
#   tools/setup.sh dev    also the dev tools (nbdev, pytest, build, ...)
# The environment is $FASTTRAIN_VENV, default .venv in the clone. Dependencies are installed again only when
# pyproject.toml changes; a reused environment is re-pointed at this clone with a quick `pip install --no-deps -e`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${FASTTRAIN_VENV:-$root/.venv}"
extras="${1:-}"
case "$extras" in ""|dev) ;; *) echo "setup: unknown extra '$extras' (expected nothing or 'dev')" >&2; exit 2;; esac
py="${PYTHON:-python3}"

command -v "$py" >/dev/null 2>&1 || { echo "setup: '$py' not found; install Python >= 3.10 or set PYTHON=/path/to/python" >&2; exit 1; }
"$py" -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
  || { echo "setup: fasttrain needs Python >= 3.10, but $py is $("$py" --version 2>&1)" >&2; exit 1; }
if ! "$venv/bin/python" -c 'import sys' >/dev/null 2>&1; then
  echo "setup: creating the virtual environment $venv"
  rm -rf "$venv"
  "$py" -m venv "$venv"
fi
vpy="$venv/bin/python"

stamp="$venv/.fasttrain-deps"   # "<hash of pyproject.toml> <extras>" of the last complete install
want="$("$py" -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest()[:16])' "$root/pyproject.toml")"
have="$(cat "$stamp" 2>/dev/null || true)"
if [ "$have" = "$want dev" ] || [ "$have" = "$want $extras" ]; then
  # dependencies are current; make sure the editable install points at this clone
  where="$(cd / && "$vpy" -c 'import fasttrain, os; print(os.path.dirname(os.path.dirname(os.path.realpath(fasttrain.__file__))))' 2>/dev/null || true)"
  if [ "$where" != "$root" ]; then
    "$vpy" -m pip install --quiet --no-deps --no-build-isolation -e "$root"
  fi
else
  echo "setup: installing fasttrain${extras:+[$extras]} and its dependencies into $venv (the first time takes a few minutes)"
  rm -f "$stamp"
  spec="$root"; [ -n "$extras" ] && spec="$root[$extras]"
  "$vpy" -m pip install --quiet --disable-pip-version-check -e "$spec"
  echo "$want $extras" > "$stamp"
fi
