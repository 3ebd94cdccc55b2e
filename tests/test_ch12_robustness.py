"""Chapter 12's claims hold for trainings the page did not run (reduced sweep; full table in benchmarks/).

Runs the chapter's own cells (via benchmarks/ch12_robustness.py) with other seeds, and with the page's
seeds but initial weights perturbed by 1e-12: every claim and every assert must pass. The full sweep
(72 trainings) and its table: benchmarks/ch12_robustness.py, benchmarks/ch12_robustness.md.
"""

import functools
import importlib.util
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "ch12_robustness.py"
_spec = importlib.util.spec_from_file_location("ch12_robustness", _PATH)
sweep = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sweep)
run = functools.lru_cache(maxsize=None)(sweep.run_chapter)   # one training per configuration


@pytest.mark.parametrize(("init_seed", "train_seed", "perturbation"), [(1, 2, None), (0, 1, 7)])
def test_chapter_12_claims_hold(init_seed, train_seed, perturbation):
    result = run(init_seed, train_seed, perturbation)
    assert not result["failed"], result["failed"]
    assert len(result["claims"]) == 7 and all(result["claims"].values()), result["claims"]


def test_perturbation_changes_the_training():
    # The 1e-12 perturbation must really reach the training, or the sweep would test nothing new.
    a = run(0, 1, None)["numbers"]
    b = run(0, 1, 7)["numbers"]
    assert a["GRU loss / baseline"] != b["GRU loss / baseline"]
