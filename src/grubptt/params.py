"""Parameters of the many-to-many GRU of eq. (9.17), row-vector convention.

Explained in the book's chapter "The forward pass" (``book/02_forward.ipynb``).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from .validation import matrix_dim

__all__ = ["GRUParams", "init_params", "PARAM_NAMES"]

PARAM_NAMES: tuple[str, ...] = ("Wz", "Uz", "bz", "Wr", "Ur", "br", "W", "U", "b", "V", "c")


@dataclass
class GRUParams:
    """The eleven arrays of eq. (9.17) in row-vector form.

    With D inputs, H hidden units and O outputs:
    ``Wz, Wr, W``: (D, H); ``Uz, Ur, U``: (H, H); ``bz, br, b``: (H,);
    ``V``: (H, O); ``c``: (O,).  The textbook writes ``W_z x`` (column
    style); here ``x Wz`` with x a 1×D row, so our ``Wz`` is its transpose.
    """

    Wz: np.ndarray
    Uz: np.ndarray
    bz: np.ndarray
    Wr: np.ndarray
    Ur: np.ndarray
    br: np.ndarray
    W: np.ndarray
    U: np.ndarray
    b: np.ndarray
    V: np.ndarray
    c: np.ndarray

    names = PARAM_NAMES

    @property
    def input_size(self) -> int:
        return matrix_dim(self.Wz, 0, "Wz", "(D, H)")

    @property
    def hidden_size(self) -> int:
        return matrix_dim(self.Uz, 0, "Uz", "(H, H)")

    @property
    def output_size(self) -> int:
        return matrix_dim(self.V, 1, "V", "(H, O)")

    @property
    def dtype(self) -> np.dtype:
        return np.asarray(self.Wz).dtype

    def expected_shapes(self) -> dict[str, tuple[int, ...]]:
        """Shape each array must have, derived from ``Wz`` (D×H) and ``V`` (H×O)."""
        D, H, O = self.input_size, self.hidden_size, self.output_size
        return {"Wz": (D, H), "Uz": (H, H), "bz": (H,), "Wr": (D, H), "Ur": (H, H), "br": (H,),
                "W": (D, H), "U": (H, H), "b": (H,), "V": (H, O), "c": (O,)}

    def arrays(self) -> dict[str, np.ndarray]:
        """The arrays by name, in the order of ``PARAM_NAMES``."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def copy(self) -> GRUParams:
        return type(self)(**{k: np.array(v, copy=True) for k, v in self.arrays().items()})

    def astype(self, dtype: np.dtype | type) -> GRUParams:
        return type(self)(**{k: np.asarray(v).astype(dtype) for k, v in self.arrays().items()})

    def zeros_like(self) -> GRUParams:
        return type(self)(**{k: np.zeros_like(v) for k, v in self.arrays().items()})


def _orthogonal_scaled(rng: np.random.Generator, H: int, radius: float, dtype) -> np.ndarray:
    """An H×H matrix with all singular values (hence spectral radius) equal to ``radius``."""
    q, r = np.linalg.qr(rng.standard_normal((H, H)))
    q = q * np.sign(np.diag(r))  # makes the distribution uniform over orthogonal matrices
    return (radius * q).astype(dtype)


def init_params(
    input_size: int,
    hidden_size: int,
    output_size: int,
    *,
    seed: int | None = None,
    dtype: np.dtype | type = np.float64,
    scale: float | None = None,
    recurrent_radius: float | None = None,
    bz: float = 0.0,
) -> GRUParams:
    """Random GRU parameters.

    Input and output weights are Gaussian with standard deviation ``scale``
    (default 1/sqrt(fan_in)).  Recurrent matrices ``Uz, Ur, U`` are Gaussian
    with the same default, or, when ``recurrent_radius`` is given, scaled
    orthogonal matrices whose singular values all equal it (so their spectral
    radius is exactly ``recurrent_radius``; the "Explore" chapter varies it).
    ``bz`` sets every entry of the update-gate bias (negative: z → 0, the GRU
    mostly copies h forward).  Biases ``br, b, c`` start at zero.
    """
    for name, v in (("input_size", input_size), ("hidden_size", hidden_size), ("output_size", output_size)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    D, H, O = int(input_size), int(hidden_size), int(output_size)
    if np.dtype(dtype).kind != "f":
        raise ValueError(f"dtype must be a float type (np.float64, np.float32), got {np.dtype(dtype)}")
    if scale is not None and not (np.isfinite(scale) and scale > 0):
        raise ValueError(f"scale must be a finite number > 0 (or None), got {scale!r}")
    if recurrent_radius is not None and not (np.isfinite(recurrent_radius) and recurrent_radius >= 0):
        raise ValueError(f"recurrent_radius must be a finite number >= 0 (or None), got {recurrent_radius!r}")
    if not np.isfinite(bz):
        raise ValueError(f"bz must be a finite number, got {bz!r}")
    rng = np.random.default_rng(seed)
    sd_in = scale if scale is not None else 1.0 / np.sqrt(D)
    sd_h = scale if scale is not None else 1.0 / np.sqrt(H)

    def gauss(shape, sd):
        return (sd * rng.standard_normal(shape)).astype(dtype)

    def recurrent():
        if recurrent_radius is None:
            return gauss((H, H), sd_h)
        return _orthogonal_scaled(rng, H, float(recurrent_radius), dtype)

    return GRUParams(
        Wz=gauss((D, H), sd_in), Uz=recurrent(), bz=np.full(H, bz, dtype=dtype),
        Wr=gauss((D, H), sd_in), Ur=recurrent(), br=np.zeros(H, dtype=dtype),
        W=gauss((D, H), sd_in), U=recurrent(), b=np.zeros(H, dtype=dtype),
        V=gauss((H, O), sd_h), c=np.zeros(O, dtype=dtype),
    )
