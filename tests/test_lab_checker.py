"""scripts/check_lab.py fails, for the right reason, on notebooks broken on purpose; passes a good one.

Two real JupyterLab sessions in headless chromium (about a minute in all):

1. jupyterlab-myst on: a good notebook passes; a notebook with a `{numref}` to a figure label and a
   `{doc}` to a missing page fails (bare label shown, link answers 404); an explorer whose update
   raises fails with the error output.
2. jupyterlab-myst switched off, as in a plain JupyterLab: the good notebook now shows raw MyST and
   unfolded solutions, and the checker says so.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHECK = ROOT / "scripts" / "check_lab.py"

GOOD = """# A good page

Links to [the other page](other.ipynb) and to {ref}`(1.1) <eq-1-1>`, a citation-free sentence.

(eq-1-1)=
$$
a = b \\tag{1.1}
$$

1. What is $a$?

:::{admonition} Solution
:class: dropdown
It is $b$.
:::
"""

LABELS = """# Broken references

As {numref}`fig-broken` shows, and as {doc}`missing_page` explains.
"""

FIGURE_CELL = {"cell_type": "code", "execution_count": None, "outputs": [], "source": "1 + 1",
               "metadata": {"mystnb": {"figure": {"name": "fig-broken", "caption": "A figure."}}}}

RAISING = """from grubptt import explore

ui = explore.explorer(explore.Setting(T=20, hidden_size=4))


def broken(*args, **kwargs):
    raise RuntimeError("this update breaks on purpose")


ui.canvas.show = broken
ui"""


def write(path: Path, cells: list[dict]) -> Path:
    path.write_text(json.dumps({
        "cells": cells, "nbformat": 4, "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}}))
    return path


def md(text: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def code(text: str) -> dict:
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": text}


def run_checker(*args) -> tuple[int, str]:
    r = subprocess.run([sys.executable, str(CHECK), *map(str, args)], capture_output=True, text=True,
                       timeout=600, cwd=ROOT)
    return r.returncode, r.stdout + r.stderr


@pytest.fixture(scope="module")
def notebooks(tmp_path_factory):
    d = tmp_path_factory.mktemp("lab_nbs")
    return {
        "good": write(d / "good.ipynb", [md(GOOD)]),
        "other": write(d / "other.ipynb", [md("# The other page\n\nNothing here.")]),
        "labels": write(d / "labels.ipynb", [FIGURE_CELL, md(LABELS)]),
        "raising": write(d / "raising.ipynb", [code(RAISING)]),
    }


def fails(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith("FAIL ")]


def test_checker_with_myst(notebooks):
    rc, out = run_checker(notebooks["good"], notebooks["other"], notebooks["labels"],
                          "--explore", notebooks["raising"])
    assert rc == 1, out
    lines = fails(out)
    assert "good.ipynb: ok" in out and not [x for x in lines if "good.ipynb" in x], out
    assert any("labels.ipynb" in x and "bare label 'fig-broken'" in x for x in lines), out
    assert any("labels.ipynb" in x and "missing_page" in x and "404" in x for x in lines), out
    assert any("raising.ipynb" in x and "error output after moving 'T'" in x
               and "breaks on purpose" in x for x in lines), out
    assert not any("working tree changed" in x for x in lines), out


def test_checker_without_myst_sees_raw_myst(notebooks):
    rc, out = run_checker(notebooks["good"], notebooks["other"], "--explore", "",
                          "--disable-extension", "jupyterlab-myst")
    assert rc == 1, out
    lines = [x for x in fails(out) if "good.ipynb" in x]
    assert any("raw MyST visible" in x and "{ref}" in x for x in lines), out
    assert any("raw MyST visible" in x and ":::{" in x for x in lines), out
    assert any("1 dropdown(s) in the source but 0 folded" in x for x in lines), out
