#!/usr/bin/env bash
# Download the wheels that tools/gpu_check.sh needs on a GPU machine without network (Python 3.12, x86-64 Linux) into
# .whl/ in the clone (ignored by git), from the list in tools/gpu_wheels.txt. Run it here, where pip reaches PyPI, then
# carry .whl to the GPU machine with the clone; gpu_check.sh installs them when fastai is not importable there.
#   tools/gpu_wheels.sh            # PYTHON_VERSION=3.11 tools/gpu_wheels.sh for another target Python
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$root/.whl"
pyver="${PYTHON_VERSION:-3.12}"
mkdir -p "$dest"
mapfile -t reqs < <(grep -v '^\s*#' "$root/tools/gpu_wheels.txt" | grep -v '^\s*$')
platforms=()
for p in manylinux_2_28_x86_64 manylinux_2_27_x86_64 manylinux_2_26_x86_64 manylinux_2_24_x86_64 manylinux_2_17_x86_64 manylinux2014_x86_64 manylinux_2_5_x86_64 manylinux1_x86_64; do
  platforms+=(--platform "$p")
done
python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: --python-version "$pyver" \
  --implementation cp "${platforms[@]}" -d "$dest" "${reqs[@]}"
n=$(ls "$dest"/*.whl | wc -l)
echo "gpu_wheels: $n wheels, $(du -sh "$dest" | cut -f1), in $dest"
