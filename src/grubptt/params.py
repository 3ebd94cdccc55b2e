"""Parameters of the many-to-many GRU of eq. (9.17), row-vector convention.

Explained in the book's chapter "The forward pass" (``book/02_forward.ipynb``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, fields

import numpy as np

from .validation import finite_number, float_dtype, positive_int

__all__ = ["ParamsBase", "GRUParams", "init_params", "PARAM_NAMES"]

PARAM_NAMES: tuple[str, ...] = ("Wz", "Uz", "bz", "Wr", "Ur", "br", "W", "U", "b", "V", "c")


class ParamsBase:
    """What every model's parameter set shares: named arrays, copies, and a fingerprint.

    Subclasses are dataclasses of numpy arrays and say which arrays give D, H and O
    (``_SIZES``) and the shape of each array in symbols (``LAYOUT``).
    """

    names: tuple[str, ...] = ()
    LAYOUT: dict[str, tuple[str, ...]] = {}
    _SIZES = {"D": ("Wz", 0), "H": ("Uz", 0), "O": ("V", 1)}

    def _size(self, symbol: str) -> int:
        name, axis = self._SIZES[symbol]
        shape = np.shape(getattr(self, name))
        if len(shape) != 2:
            layout = "(" + ", ".join(self.LAYOUT[name]) + ")"
            raise ValueError(f"params.{name} must be a 2-D array of shape {layout}, got shape {shape}")
        return int(shape[axis])

    @property
    def input_size(self) -> int:
        return self._size("D")

    @property
    def hidden_size(self) -> int:
        return self._size("H")

    @property
    def output_size(self) -> int:
        return self._size("O")

    @property
    def dtype(self) -> np.dtype:
        return np.asarray(getattr(self, self.names[0])).dtype

    def expected_shapes(self) -> dict[str, tuple[int, ...]]:
        """Shape each array must have, from D, H, O (read from the arrays named in ``_SIZES``)."""
        sizes = {"D": self.input_size, "H": self.hidden_size, "O": self.output_size}
        return {k: tuple(sizes[s] for s in layout) for k, layout in self.LAYOUT.items()}

    def arrays(self) -> dict[str, np.ndarray]:
        """The arrays by name, in the order of ``names``."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def copy(self):
        return type(self)(**{k: np.array(v, copy=True) for k, v in self.arrays().items()})

    def astype(self, dtype):
        return type(self)(**{k: np.asarray(v).astype(dtype) for k, v in self.arrays().items()})

    def zeros_like(self):
        return type(self)(**{k: np.zeros_like(v) for k, v in self.arrays().items()})

    def fingerprint(self) -> bytes:
        """A 20-byte digest of every array's dtype, shape and values.

        A cache remembers the fingerprint of the parameters it was computed with, so that
        ``backward`` can refuse other parameters, or these ones changed in place since.
        """
        h = hashlib.sha1(usedforsecurity=False)      # not for security: the fastest digest here (SHA-NI)
        for name, v in self.arrays().items():
            a = np.ascontiguousarray(v)
            h.update(f"{name}{a.dtype.str}{a.shape}".encode())
            h.update(a.data)
        return h.digest()


@dataclass(eq=False)
class GRUParams(ParamsBase):
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
    LAYOUT = {"Wz": ("D", "H"), "Uz": ("H", "H"), "bz": ("H",), "Wr": ("D", "H"), "Ur": ("H", "H"),
              "br": ("H",), "W": ("D", "H"), "U": ("H", "H"), "b": ("H",), "V": ("H", "O"), "c": ("O",)}


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
    D = positive_int("input_size", input_size)
    H = positive_int("hidden_size", hidden_size)
    O = positive_int("output_size", output_size)
    dtype = float_dtype("dtype", dtype)
    if scale is not None:
        scale = finite_number("scale", scale, dtype=dtype, low=0.0, strict=True)
    if recurrent_radius is not None:
        recurrent_radius = finite_number("recurrent_radius", recurrent_radius, dtype=dtype, low=0.0)
    bz = finite_number("bz", bz, dtype=dtype)
    rng = np.random.default_rng(seed)
    sd_in = scale if scale is not None else 1.0 / np.sqrt(D)
    sd_h = scale if scale is not None else 1.0 / np.sqrt(H)

    def gauss(shape, sd):
        return _cast((sd * rng.standard_normal(shape)), dtype)

    def recurrent():
        if recurrent_radius is None:
            return gauss((H, H), sd_h)
        return _cast(_orthogonal_scaled(rng, H, recurrent_radius, np.float64), dtype)

    return GRUParams(
        Wz=gauss((D, H), sd_in), Uz=recurrent(), bz=np.full(H, bz, dtype=dtype),
        Wr=gauss((D, H), sd_in), Ur=recurrent(), br=np.zeros(H, dtype=dtype),
        W=gauss((D, H), sd_in), U=recurrent(), b=np.zeros(H, dtype=dtype),
        V=gauss((H, O), sd_h), c=np.zeros(O, dtype=dtype),
    )


def _cast(a: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """float64 draws → ``dtype``; a draw too large for it is an error (``scale``), never inf."""
    with np.errstate(over="ignore"):
        out = a.astype(dtype)
    if not np.all(np.isfinite(out)):
        raise ValueError(f"scale is too large for dtype {dtype}: the random weights overflow to inf")
    return out

