#!/usr/bin/env bash
# Run every test: lint, the package tests (tests/), every notebook against its stored outputs
# (nbval over book/*.ipynb) and the browser checker's own tests (tests/test_site_checker.py).
# Extra arguments go to pytest, e.g. scripts/test.sh -x -k gradcheck
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh python npm chromium
.venv/bin/ruff check .
# --nbval-current-env: notebooks run on this .venv's kernel, not whatever "python3" kernel is around.
.venv/bin/python -m pytest tests book --nbval --nbval-current-env "$@"
