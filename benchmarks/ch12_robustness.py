"""Chapter 12's claims over a sweep of trainings: seeds and 1e-12 perturbations of the initial weights.

Chapter 12 (book/12_training.ipynb) trains a GRU and a SimpleRNN once and asserts claims about the
result. Training amplifies last-bit rounding differences (other CPUs, BLAS kernels, numpy SIMD
levels), so a claim is only safe if it holds for every training that differs in such bits. This
script runs the chapter's own code cells, unchanged except for the line
``init_seed, train_seed = 0, 1``, for every combination of

- ``init_seed`` (the models' initial weights) and ``train_seed`` (the batches and held-out set),
- and, for each combination, the initial weights as drawn and multiplied entry by entry by
  ``1 + 1e-12 * N(0, 1)`` (two draws): the stand-in for another machine's rounding.

Every ``assert`` of the chapter runs; a run passes when none fails. The chapter prints its claims
as ``claims`` dicts, collected here per claim. The table it writes (``--out``) records each claim's
pass rate and worst case against its threshold, which is where the chapter's thresholds come from.

    .venv/bin/python benchmarks/ch12_robustness.py                 # full sweep (72 runs, ~12 min)
    .venv/bin/python benchmarks/ch12_robustness.py --quick         # 2 runs, what tests/ runs in CI
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

NOTEBOOK = Path(__file__).resolve().parents[1] / "book" / "12_training.ipynb"
SEED_LINE = "init_seed, train_seed = 0, 1"


def chapter_cells() -> list[str]:
    cells = json.loads(NOTEBOOK.read_text())["cells"]
    code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    if sum(SEED_LINE in c for c in code) != 1:
        raise RuntimeError(f"chapter 12 must set its seeds in one line {SEED_LINE!r}")
    return code


def run_chapter(init_seed: int, train_seed: int, perturbation: int | None = None, eps: float = 1e-12) -> dict:
    """Run chapter 12's code cells with these seeds; ``perturbation``: seed of the 1e-12 noise (None: none).

    Returns the claims (name → passed), the asserts that failed, and the numbers behind the claims.
    """
    ns: dict = {"__name__": "__ch12__"}
    claims: dict[str, bool] = {}
    failed: list[str] = []
    for src in chapter_cells():
        src = src.replace(SEED_LINE, f"init_seed, train_seed = {init_seed}, {train_seed}")
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compile(src, str(NOTEBOOK), "exec"), ns)
        except AssertionError as e:
            failed.append(f"{src.splitlines()[0][:60]}... {e}")
        finally:
            plt.close("all")
        if SEED_LINE.split(" = ")[0] in src and perturbation is not None:
            rng = np.random.default_rng(perturbation)
            for params in ns["models"].values():
                for a in params.arrays().values():
                    a *= 1.0 + eps * rng.standard_normal(a.shape)
        if "claims" in ns:
            claims.update(ns.pop("claims"))
    trained = ns["trained"]
    numbers = {
        "GRU loss / baseline": ns["gru_loss"] / ns["task"].baseline,
        "GRU loss / SimpleRNN loss": ns["gru_loss"] / ns["rnn_loss"],
        "SimpleRNN steps clipped": ns["clipped"]["SimpleRNN"],
        "median GRU gain / SimpleRNN gain": float(np.median(ns["gru_gain"] / ns["rnn_gain"])),
        "GRU gain in [0.5, 2]": float(np.mean((ns["gru_gain"] > 0.5) & (ns["gru_gain"] < 2))),
        "largest s_max of GRU step Jacobians": float(max(ns["s_max"])),
        "s_max of trained GRU U": float(np.linalg.svd(trained["GRU"].U, compute_uv=False)[0]),
    }
    return {"init_seed": init_seed, "train_seed": train_seed, "perturbation": perturbation,
            "claims": claims, "failed": failed, "numbers": numbers}


# threshold and direction of each number, as the chapter asserts it (for the worst-case column)
THRESHOLDS = {
    "GRU loss / baseline": ("<", 0.05),
    "GRU loss / SimpleRNN loss": ("<", 0.25),
    "SimpleRNN steps clipped": (">", 0.7),
    "median GRU gain / SimpleRNN gain": (">", 1.0),
    "GRU gain in [0.5, 2]": (">=", 0.9),
    "largest s_max of GRU step Jacobians": (">", 1.1),
    "s_max of trained GRU U": (">", 1.5),
}


def table(runs: list[dict]) -> str:
    claims = list(runs[0]["claims"])
    lines = [f"# Chapter 12's claims over {len(runs)} trainings", "",
             "Written by `benchmarks/ch12_robustness.py` (the chapter's own cells, seeds varied, "
             "initial weights perturbed by 1e-12 relative noise).", "",
             f"numpy {np.__version__}, Python {sys.version.split()[0]}.", "",
             "| claim asserted by the chapter | passed |", "|---|---|"]
    for c in claims:
        n = sum(r["claims"].get(c, False) for r in runs)
        lines.append(f"| {c} | {n}/{len(runs)} ({100 * n / len(runs):.0f} %) |")
    n_ok = sum(not r["failed"] for r in runs)
    lines += [f"| every `assert` of the chapter | {n_ok}/{len(runs)} ({100 * n_ok / len(runs):.0f} %) |", "",
              "| number | threshold | worst over the runs | median |", "|---|---|---|---|"]
    for k, (op, th) in THRESHOLDS.items():
        v = np.array([r["numbers"][k] for r in runs])
        worst = v.max() if op == "<" else v.min()
        lines.append(f"| {k} | {op} {th:g} | {worst:.3g} | {np.median(v):.3g} |")
    lines += ["", "| init seed | train seed | perturbation | " + " | ".join(THRESHOLDS) + " | all asserts |",
              "|" + "---|" * (len(THRESHOLDS) + 4)]
    for r in runs:
        p = "none" if r["perturbation"] is None else f"1e-12, draw {r['perturbation']}"
        lines.append(f"| {r['init_seed']} | {r['train_seed']} | {p} | "
                     + " | ".join(f"{r['numbers'][k]:.3g}" for k in THRESHOLDS)
                     + f" | {'pass' if not r['failed'] else 'FAIL'} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="two runs only (what the CI test runs)")
    ap.add_argument("--out", type=Path, default=Path(__file__).with_name("ch12_robustness.md"))
    args = ap.parse_args()
    if args.quick:
        configs = [(1, 2, None), (0, 1, 7)]
    else:
        configs = [(i, t, p) for i in range(6) for t in range(1, 5) for p in (None, 1, 2)]
    runs = []
    for i, t, p in configs:
        t0 = time.perf_counter()
        r = run_chapter(i, t, p)
        runs.append(r)
        status = "pass" if not r["failed"] else f"FAIL {r['failed']}"
        print(f"init {i} train {t} perturbation {p}: {status} ({time.perf_counter() - t0:.0f} s)", flush=True)
    text = table(runs)
    if not args.quick:
        args.out.write_text(text)
    print(text)
    return 0 if all(not r["failed"] and all(r["claims"].values()) for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
