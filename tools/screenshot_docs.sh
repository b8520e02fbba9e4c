#!/usr/bin/env bash
# Render the docs pages as a reader sees them and take a full-page screenshot of each, with headless Chromium.
#   tools/screenshot_docs.sh [PAGE ...]     e.g. tools/screenshot_docs.sh index 03_architecture
# Pages come from tools/docs_check.py (processed notebooks rendered with nbconvert) into _proc/html; PNGs go to
# _proc/screens. Needs Debian's chromium. Formulas render when MATHJAX points at a local MathJax 3 tex-mml-chtml.js
# (npm install mathjax@3), since these machines have no internet.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
command -v chromium >/dev/null || { echo "screenshot_docs: needs chromium (apt-get install chromium)" >&2; exit 1; }
python tools/docs_check.py ${MATHJAX:+--mathjax "file://$MATHJAX"} || true
mkdir -p _proc/screens
pages=("$@"); [ ${#pages[@]} -gt 0 ] || pages=($(cd _proc/html && ls *.html | sed 's/\.html$//'))
for p in "${pages[@]}"; do
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$(mktemp -d)" --hide-scrollbars \
    --allow-file-access-from-files --virtual-time-budget=8000 --window-size=1100,${HEIGHT:-12000} \
    --screenshot="_proc/screens/$p.png" "file://$root/_proc/html/$p.html" 2>/dev/null
  echo "_proc/screens/$p.png"
done
