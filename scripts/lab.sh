#!/usr/bin/env bash
# Open the book's notebooks in JupyterLab, with MyST (admonitions, folded solutions, roles) rendered.
#   scripts/lab.sh [more jupyter lab options, e.g. --port 8890]
# Installs requirements-lab.txt (pinned JupyterLab + jupyterlab-myst) into the project's .venv on
# first use (scripts/setup.sh lab), so the kernel is the .venv that has grubptt; it only adds packages.
# Autosave is off by default here: reading and running a notebook never changes the file until you save
# (Ctrl+S); change it under Settings → Document Manager.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh lab
# Defaults for this .venv's JupyterLab (a user's own settings still win).
mkdir -p .venv/share/jupyter/lab/settings
cat > .venv/share/jupyter/lab/settings/overrides.json <<'JSON'
{"@jupyterlab/docmanager-extension:plugin": {"autosave": false}}
JSON
extra=()
[ "$(id -u)" = 0 ] && extra+=(--allow-root)     # containers often run as root; Jupyter refuses otherwise
exec .venv/bin/jupyter lab --ServerApp.root_dir=book "${extra[@]}" "$@"
