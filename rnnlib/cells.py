"""One dispatch for the three recurrent cells: run any of them over a sequence with a ``params`` dict.

:func:`cell_forward` and :func:`cell_backward` give the RNN, the LSTM and the GRU one calling
convention, so the models (:mod:`rnnlib.model`) and the bidirectional wrapper
(:mod:`rnnlib.bidirectional`) are written once for all three. The GRU has two biases, ``bx`` and
``bh``, where the RNN and the LSTM have one, ``b``. (These names are also importable from
:mod:`rnnlib.model`, where they first lived.)
"""

from __future__ import annotations

from .gru import gru_backward, gru_forward
from .lstm import lstm_backward, lstm_forward
from .rnn import rnn_backward, rnn_forward

__all__ = ["CELLS", "BLOCKS", "BIASES", "cell_forward", "cell_backward", "check_cell"]

CELLS = ("rnn", "lstm", "gru")
BLOCKS = {"rnn": 1, "lstm": 4, "gru": 3}  # blocks of H columns in Wx and Wh: 1; i, f, g, o; r, z, n
BIASES = {"rnn": ("b",), "lstm": ("b",), "gru": ("bx", "bh")}  # the cell's bias parameters, in argument order
_CELL_FUNCTIONS = {"rnn": (rnn_forward, rnn_backward), "lstm": (lstm_forward, lstm_backward),
                   "gru": (gru_forward, gru_backward)}


def check_cell(cell):
    """Return ``cell`` if it is one of :data:`CELLS`, else raise a ValueError naming the choices."""
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {CELLS}; got {cell!r}")
    return cell


def cell_forward(cell, x, h0, params):
    """Run one of the three cells over a sequence with the weights of a ``params`` dict.

    Parameters
    ----------
    cell : {"rnn", "lstm", "gru"}
    x : array_like, shape (N, T, D)
    h0 : array_like, shape (N, H)
    params : dict of str to numpy.ndarray
        ``Wx``, ``Wh`` and the cell's biases: ``b`` (RNN, LSTM) or ``bx`` and ``bh`` (GRU); other
        keys (the read-out's) are ignored.

    Returns
    -------
    hs : numpy.ndarray, shape (N, T, H)
    cache
        The cell's cache, for :func:`cell_backward`.
    """
    forward, _ = _CELL_FUNCTIONS[check_cell(cell)]
    return forward(x, h0, params["Wx"], params["Wh"], *(params[name] for name in BIASES[cell]))


def cell_backward(cell, dhs, cache):
    """Backpropagation through time for :func:`cell_forward`, the same return for the three cells.

    Parameters
    ----------
    cell : {"rnn", "lstm", "gru"}
    dhs : array_like, shape (N, T, H)
    cache
        From :func:`cell_forward` with the same ``cell``.

    Returns
    -------
    dx : numpy.ndarray, shape (N, T, D)
    dh0 : numpy.ndarray, shape (N, H)
    grads : dict of str to numpy.ndarray
        ``Wx``, ``Wh`` and the cell's biases (``b``; or ``bx`` and ``bh``), keyed as in ``params``.
    """
    _, backward = _CELL_FUNCTIONS[check_cell(cell)]
    dx, dh0, dWx, dWh, *dbiases = backward(dhs, cache)
    return dx, dh0, {"Wx": dWx, "Wh": dWh, **dict(zip(BIASES[cell], dbiases))}
