"""grubptt: the many-to-many GRU of eq. (9.17) and its backpropagation through time, eq. (9.22).

A small numpy reference implementation, companion to section 9.5 of the textbook.
Row-vector convention throughout: x^(t) is 1×D, h^(t) is 1×H, ``a_z = x Wz + h Uz + bz``.
Each function's docstring names the book chapter that explains it.
"""

from . import reference
from .activations import OUTPUTS, sigmoid
from .cache import PATHS, TERMS, GRUCache, GRUGrads
from .dense import loss
from .gradcheck import GradCheckReport, GradCheckRow, TermCheck, TermTable, gradcheck, term_check, term_table
from .gru import backward, forward
from .numeric import numerical_gradient, relative_error
from .params import PARAM_NAMES, GRUParams, init_params
from .rnn import (
    RNN_TERMS,
    RNNCache,
    RNNGrads,
    RNNParams,
    init_rnn_params,
    rnn_backward,
    rnn_forward,
    rnn_step_jacobian,
)
from .step import GRUStep, gru_step, gru_step_split, step_jacobian
from .workspace import Workspace

__version__ = "0.1.0"

__all__ = [
    "reference", "OUTPUTS", "sigmoid", "GradCheckReport", "GradCheckRow", "gradcheck", "TermTable",
    "term_table",
    "PATHS", "TERMS", "GRUCache", "GRUGrads", "GRUStep", "TermCheck", "backward", "forward",
    "gru_step", "gru_step_split", "loss", "step_jacobian", "term_check",
    "numerical_gradient", "relative_error", "PARAM_NAMES", "GRUParams", "init_params",
    "RNN_TERMS", "RNNCache", "RNNGrads", "RNNParams", "init_rnn_params", "rnn_backward",
    "rnn_forward", "rnn_step_jacobian", "Workspace",
]
