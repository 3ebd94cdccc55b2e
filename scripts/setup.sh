#!/usr/bin/env bash
# Set up what the README commands need; safe to run again (re-installs only what changed).
#   scripts/setup.sh python    .venv with the exact versions of requirements.lock, plus grubptt itself
#                              (editable); Python >= 3.11, set PYTHON=... to choose
#   scripts/setup.sh lock      regenerate requirements.lock from requirements.txt in a fresh venv
#   scripts/setup.sh npm       node_modules/ from package-lock.json (MathJax, RequireJS, widget manager)
#   scripts/setup.sh chromium  Debian's /usr/bin/chromium for the browser check (apt-get, needs root)
#   scripts/setup.sh lab       JupyterLab + jupyterlab-myst (requirements-lab.txt) into .venv, for
#                              scripts/lab.sh and the JupyterLab check; adds packages, moves no locked one
set -euo pipefail
cd "$(dirname "$0")/.."

fingerprint() { cat "$@" | sha256sum | cut -d' ' -f1; }

setup_python() {
    local py="${PYTHON:-python3}"
    if [ ! -x .venv/bin/python ]; then
        command -v "$py" >/dev/null || { echo "setup: $py not found; install Python >= 3.11" >&2; exit 1; }
        "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
            || { echo "setup: $("$py" --version) is too old; need Python >= 3.11 (set PYTHON=...)" >&2; exit 1; }
        echo "setup: creating .venv with $("$py" --version)"
        "$py" -m venv .venv
    fi
    local want stamp=.venv/.grubptt-requirements
    want="$(fingerprint requirements.lock pyproject.toml)"
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        echo "setup: installing requirements.lock (exact versions) and grubptt (editable) into .venv"
        .venv/bin/python -m pip install --quiet --upgrade pip
        .venv/bin/python -m pip install --quiet -r requirements.lock
        # --no-deps: the lock already holds every dependency, at the versions CI passed with.
        .venv/bin/python -m pip install --quiet --no-deps -e .
        echo "$want" > "$stamp"
    fi
}

# requirements.txt holds the ranges (edit it); requirements.lock the exact versions installed from it in a
# fresh venv (never edit it by hand). Regenerate after changing requirements.txt, then run both README
# commands before committing the new lock.
setup_lock() {
    local py="${PYTHON:-python3}" tmp
    tmp="$(mktemp -d)"
    "$py" -m venv "$tmp/venv"
    "$tmp/venv/bin/python" -m pip install --quiet --upgrade pip
    "$tmp/venv/bin/python" -m pip install --quiet -r requirements.txt
    {
        echo "# Exact versions the book's CI passed with ($("$py" --version), $(date +%Y-%m-%d)). Generated from requirements.txt"
        echo "# by \`scripts/setup.sh lock\` (a fresh venv, pip install -r requirements.txt, pip freeze minus grubptt"
        echo "# itself); scripts/setup.sh installs this file, then grubptt editable (-e .). Edit requirements.txt,"
        echo "# never this file, and regenerate."
        "$tmp/venv/bin/python" -m pip freeze --exclude-editable
    } > requirements.lock
    rm -rf "$tmp"
    echo "setup: wrote requirements.lock ($(grep -c '==' requirements.lock) pinned packages)"
}

setup_lab() {
    setup_python
    local want stamp=.venv/.grubptt-lab
    want="$(fingerprint requirements-lab.txt requirements.lock)"
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        echo "setup: installing requirements-lab.txt (JupyterLab, jupyterlab-myst) into .venv"
        # -c: the book's locked versions stay as they are (pip stops if JupyterLab needed others).
        .venv/bin/python -m pip install --quiet -r requirements-lab.txt -c requirements.lock
        echo "$want" > "$stamp"
    fi
}

setup_npm() {
    command -v npm >/dev/null || { echo "setup: npm not found; install Node.js >= 18 (apt-get install nodejs npm)" >&2; exit 1; }
    local want stamp=node_modules/.grubptt-lock
    want="$(fingerprint package.json package-lock.json)"
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        echo "setup: fetching the book's JavaScript (npm ci)"
        # --ignore-scripts: the packages are plain files; nothing needs to run at install time.
        npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
        echo "$want" > "$stamp"
    fi
}

setup_chromium() {
    [ -x /usr/bin/chromium ] && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "setup: installing Debian's chromium (apt-get)"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
        echo "setup: /usr/bin/chromium is missing. Install it (Debian/Ubuntu: sudo apt-get install chromium);" \
             "the browser tests need it and never download a browser." >&2
        exit 1
    fi
}

[ $# -gt 0 ] || set -- python npm chromium
for what in "$@"; do
    case "$what" in
        python) setup_python ;;
        npm) setup_npm ;;
        chromium) setup_chromium ;;
        lab) setup_lab ;;
        lock) setup_lock ;;
        *) echo "setup: unknown target $what (python, npm, chromium, lock, lab)" >&2; exit 2 ;;
    esac
done
