#!/usr/bin/env bash
# Build the book from clean: _build/html/ (open _build/html/index.html).
# Every notebook is re-executed (execute_notebooks: force in _config.yml); any Sphinx warning fails.
#   scripts/build_book.sh           build
#   scripts/build_book.sh --check   build, then check every page in headless Chromium
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh python npm
rm -rf _build/html _build/.doctrees _build/jupyter_execute
.venv/bin/jupyter-book build . -W --keep-going
if [ "${1:-}" = "--check" ]; then
    scripts/setup.sh chromium
    .venv/bin/python scripts/check_site.py _build/html
fi
