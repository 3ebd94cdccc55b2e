#!/usr/bin/env bash
# Run every test: the package tests (tests/), every notebook against its stored outputs (nbval over
# book/*.ipynb), the browser checker's own tests (tests/test_site_checker.py), and lint (ruff).
# Extra arguments go to pytest, e.g. scripts/test.sh -x -k gradcheck
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh python npm chromium lab   # lab: JupyterLab, for tests/test_lab_checker.py
status=0
# --nbval-current-env: notebooks run on this .venv's kernel, not whatever "python3" kernel is around.
.venv/bin/python -m pytest tests book --nbval --nbval-current-env "$@" || status=$?
# Lint after the tests, so a style slip does not hide test results; either failure fails the command.
.venv/bin/ruff check . || status=$((status ? status : 1))
if [ "$status" != 0 ]; then echo "test.sh: FAILED (exit $status)" >&2; fi
exit "$status"
