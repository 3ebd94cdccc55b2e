"""Cross-check chapter 2's numpy version of PyTorch's nn.GRU against PyTorch itself.

Chapter 2 (book/02_forward.ipynb) writes one step of ``torch.nn.GRU`` in numpy from PyTorch's
documented equations (``torch_gru_step``) and maps grubptt's parameters onto nn.GRU's four
arrays (``to_torch``). The book cannot depend on torch, so this script checks those two functions,
taken verbatim from the notebook, against the real nn.GRU in float64:

1. random nn.GRU weights: the notebook's ``torch_gru_step`` reproduces nn.GRU's states;
2. grubptt's parameters with a diagonal U, mapped by ``to_torch``: nn.GRU reproduces
   ``grubptt.forward``'s states (the models coincide, as the chapter's table says);
3. a general U: they differ (PyTorch applies the reset gate after the recurrent product).

Run: .venv/bin/python benchmarks/check_torch_gru.py   (needs torch; prints PASS or raises)
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

import grubptt

NOTEBOOK = Path(__file__).resolve().parents[1] / "book" / "02_forward.ipynb"


def notebook_functions() -> dict:
    """Execute the chapter's cell that defines torch_gru_step and to_torch, up to its checks."""
    cells = json.loads(NOTEBOOK.read_text())["cells"]
    (src,) = ["".join(c["source"]) for c in cells
              if c["cell_type"] == "code" and "def torch_gru_step" in "".join(c["source"])]
    src = src[: src.index("# The gates agree")]           # the definitions only
    ns = {"np": np, "grubptt": grubptt}
    exec(compile(src, str(NOTEBOOK), "exec"), ns)
    return ns


def torch_states(w_ih, w_hh, b_ih, b_hh, x) -> np.ndarray:
    D, H = x.shape[1], w_hh.shape[1]
    gru = torch.nn.GRU(D, H, dtype=torch.float64)
    with torch.no_grad():
        arrays = {"weight_ih_l0": w_ih, "weight_hh_l0": w_hh, "bias_ih_l0": b_ih, "bias_hh_l0": b_hh}
        for name, a in arrays.items():
            getattr(gru, name).copy_(torch.from_numpy(np.ascontiguousarray(a)))
        out, _ = gru(torch.from_numpy(x)[:, None, :])      # (T+1, batch 1, H)
    return out[:, 0].numpy()


def main() -> None:
    ns = notebook_functions()
    step, to_torch = ns["torch_gru_step"], ns["to_torch"]
    rng = np.random.default_rng(0)
    worst = {}
    for trial in range(20):
        D, H, T = rng.integers(1, 6), rng.integers(1, 9), rng.integers(0, 12)
        x = rng.standard_normal((T + 1, D))
        # 1. the notebook's step against nn.GRU, random weights and both biases nonzero
        w = [rng.standard_normal(s) for s in ((3 * H, D), (3 * H, H), (3 * H,), (3 * H,))]
        h, mine = np.zeros(H), []
        for x_t in x:
            h, _, _ = step(x_t, h, *w)
            mine.append(h)
        e1 = grubptt.relative_error(np.array(mine), torch_states(*w, x))
        # 2. grubptt with a diagonal U, mapped by the chapter's table
        p = grubptt.init_params(int(D), int(H), 1, seed=trial, scale=1.0)
        p.bz[...] = rng.standard_normal(H)
        p.br[...] = rng.standard_normal(H)
        p.b[...] = rng.standard_normal(H)
        p.U[...] = np.diag(np.diag(p.U))
        e2 = grubptt.relative_error(grubptt.forward(p, x).h, torch_states(*to_torch(p), x))
        # 3. a general U: a different model
        q = grubptt.init_params(int(D), int(H), 1, seed=trial, scale=1.0)
        e3 = grubptt.relative_error(grubptt.forward(q, x).h, torch_states(*to_torch(q), x))
        assert e1 < 1e-12 and e2 < 1e-12, (trial, e1, e2)
        worst["notebook step vs nn.GRU"] = max(worst.get("notebook step vs nn.GRU", 0), e1)
        worst["grubptt (diagonal U) vs nn.GRU"] = max(worst.get("grubptt (diagonal U) vs nn.GRU", 0), e2)
        if H > 1 and T > 0:                                # from h = 0, one step cannot tell
            worst["grubptt (general U) vs nn.GRU, smallest"] = min(
                worst.get("grubptt (general U) vs nn.GRU, smallest", np.inf), e3)
    assert worst["grubptt (general U) vs nn.GRU, smallest"] > 1e-6
    print(f"torch {torch.__version__}, numpy {np.__version__}, "
          "20 random shapes (D ≤ 5, H ≤ 8, T ≤ 11), float64")
    for k, v in worst.items():
        print(f"  {k:<42} relative error {v:.1e}")
    print("PASS")


if __name__ == "__main__":
    main()
