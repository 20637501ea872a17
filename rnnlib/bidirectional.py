r"""Reading a sequence both ways: a forward and a backward reader, their states joined at every step.

Two independent cells (RNN, LSTM or GRU, each with its own weights) read the same sequence, one
from x_1 to x_T, the other from x_T back to x_1. At step t the forward state has read the left
context and x_t, the backward state x_t and the right context; the bidirectional state is the two
side by side::

    hf     = cell_forward(x, h0=0, params_fwd)             # (N, T, H)  hf[:, t-1] has read x_1..x_t
    hb_rev = cell_forward(reverse(x), h0=0, params_bwd)    # (N, T, H)  step j of the backward reader reads x_{T+1-j}
    hb     = reverse(hb_rev)                               # (N, T, H)  hb[:, t-1] has read x_T..x_t
    hs     = concatenate([hf, hb], axis=2)                 # (N, T, 2H) hs[:, t-1] = [h_fwd_t ; h_bwd_t]

For post-padded sequences of true lengths ``lengths``, ``reverse`` turns each sequence's real steps
around and leaves the padding where it is (:func:`reverse_padded`), so the backward reader starts
at each sequence's last real step, never at padding; every output at a padded step is 0. The
backward reader's state at step t is its (L - t + 1)-th state, L the sequence's length: the
bookkeeping this module does once.

Both readers start from h_0 = 0 (and c_0 = 0 for an LSTM). The cells run through the one dispatch
:func:`rnnlib.cells.cell_forward` / :func:`rnnlib.cells.cell_backward`, so the three cells share this code.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ._validate import as_array
from .cells import BIASES, BLOCKS, cell_backward, cell_forward, check_cell
from .gru import gru_internals
from .losses import check_lengths
from .lstm import lstm_internals

__all__ = [
    "DIRECTIONS",
    "ReaderCache",
    "BidirectionalCache",
    "reverse_padded",
    "reader_forward",
    "reader_backward",
    "bidirectional_forward",
    "bidirectional_backward",
    "bidirectional_internals",
]

DIRECTIONS = ("forward", "backward")


def reverse_padded(a, lengths=None):
    """Reverse each sequence's real steps along axis 1; padded steps stay where they are.

    Parameters
    ----------
    a : array_like, shape (N, T, ...)
    lengths : array_like of int, shape (N,), optional
        True lengths of post-padded sequences; by default every sequence has length T.

    Returns
    -------
    numpy.ndarray, shape (N, T, ...)
        ``out[n, j] = a[n, L_n - 1 - j]`` for ``j < L_n`` (L_n = ``lengths[n]``), ``out[n, j] = a[n, j]``
        on the padding. Applying it twice gives ``a`` back.

    Examples
    --------
    >>> reverse_padded(np.array([[1, 2, 3, 0], [4, 5, 6, 7]])[..., None], [3, 4])[..., 0]
    array([[3, 2, 1, 0],
           [7, 6, 5, 4]])
    """
    a = np.asarray(a)
    if a.ndim < 2:
        raise ValueError(f"a must have at least 2 dimensions (N, T, ...); got shape {a.shape}")
    N, T = a.shape[:2]
    if lengths is None:
        return a[:, ::-1].copy()
    lengths = check_lengths(lengths, N, T)
    j = np.arange(T)[None, :]  # (1, T)
    idx = np.where(j < lengths[:, None], lengths[:, None] - 1 - j, j)  # (N, T)  an involution per row
    return a[np.arange(N)[:, None], idx]


def _real_steps(N, T, lengths):
    """(N, T) bool: True at each sequence's real steps."""
    if lengths is None:
        return np.ones((N, T), dtype=bool)
    return np.arange(T)[None, :] < lengths[:, None]


def _check_params(name, params, cell, D):
    """Check a reader's weights for ``cell`` reading D features; return its hidden size H."""
    if not isinstance(params, dict):
        raise ValueError(f"{name} must be a dict of the cell's weights; got {type(params).__name__}")
    needed = ("Wx", "Wh") + BIASES[cell]
    missing = [k for k in needed if k not in params]
    if missing:
        raise ValueError(f"{name} must hold {list(needed)} for cell={cell!r}; {missing} missing "
                         f"(got keys {sorted(params)})")
    k = BLOCKS[cell]
    Wh = as_array(f"{name}['Wh']", params["Wh"], ("H", "kH"))
    H = Wh.shape[0]
    as_array(f"{name}['Wh']", Wh, (H, k * H))
    as_array(f"{name}['Wx']", params["Wx"], (D, k * H))
    for b in BIASES[cell]:
        as_array(f"{name}[{b!r}]", params[b], (k * H,))
    return H


class ReaderCache(NamedTuple):
    """What :func:`reader_backward` needs."""

    cell: str
    direction: str  # "forward" or "backward"
    lengths: Any  # (N,) int array, or None: every sequence has length T
    real: np.ndarray  # (N, T) bool, True at real steps
    cell_cache: Any  # the cell's cache (in the reader's own reading order)


class BidirectionalCache(NamedTuple):
    """What :func:`bidirectional_backward` needs: the two readers' caches."""

    fwd: ReaderCache
    bwd: ReaderCache
    H: int


def reader_forward(x, params, cell="rnn", lengths=None, direction="forward"):
    r"""One reader of a (possibly post-padded) sequence, its states put back in the sequence's order.

    Parameters
    ----------
    x : array_like, shape (N, T, D)
    params : dict of str to numpy.ndarray
        The cell's weights: ``Wx`` (D, kH), ``Wh`` (H, kH) and its biases (``b``; ``bx`` and ``bh``
        for a GRU); k = 1, 4, 3 for the RNN, the LSTM, the GRU. Other keys are ignored.
    cell : {"rnn", "lstm", "gru"}
    lengths : array_like of int, shape (N,), optional
        True lengths of post-padded sequences; by default every sequence has length T.
    direction : {"forward", "backward"}
        Read x_1..x_L (forward) or x_L..x_1 (backward), L = the sequence's length.

    Returns
    -------
    hs : numpy.ndarray, shape (N, T, H)
        ``hs[:, t-1]`` is the reader's state at step t: it has read x_1..x_t (forward) or
        x_L..x_t (backward). 0 at padded steps.
    cache : ReaderCache

    Notes
    -----
    Forward: :math:`\overrightarrow{h}_t = f(x_t, \overrightarrow{h}_{t-1})`; backward:
    :math:`\overleftarrow{h}_t = f(x_t, \overleftarrow{h}_{t+1})`, both from 0, with f the cell's step.
    """
    cell = check_cell(cell)
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}; got {direction!r}")
    x = as_array("x", x, ("N", "T", "D"))
    N, T, D = x.shape
    H = _check_params("params", params, cell, D)
    lengths = None if lengths is None else check_lengths(lengths, N, T)
    real = _real_steps(N, T, lengths)  # (N, T)
    h0 = np.zeros((N, H), dtype=np.result_type(x, params["Wh"]))  # (N, H)  h_0 = 0
    if direction == "forward":
        hs, cell_cache = cell_forward(cell, x, h0, params)  # (N, T, H)  padding comes after: changes nothing real
    else:
        hs_rev, cell_cache = cell_forward(cell, reverse_padded(x, lengths), h0, params)  # reads x_L..x_1, then padding
        hs = reverse_padded(hs_rev, lengths)  # (N, T, H)  back in the sequence's order: hs[:, t-1] has read x_L..x_t
    hs = np.where(real[:, :, None], hs, 0.0)  # (N, T, H)  padded steps output 0
    return hs, ReaderCache(cell, direction, lengths, real, cell_cache)


def reader_backward(dhs, cache):
    """Backpropagation through time for :func:`reader_forward`.

    Parameters
    ----------
    dhs : array_like, shape (N, T, H)
        Gradient of the loss with respect to the reader's states, in the sequence's order.
        Entries at padded steps are ignored (those outputs are constant 0).
    cache : ReaderCache

    Returns
    -------
    dx : numpy.ndarray, shape (N, T, D)
        0 at padded steps.
    grads : dict of str to numpy.ndarray
        ``Wx``, ``Wh`` and the cell's biases, keyed as in ``params``.
    """
    N, T = cache.real.shape
    dhs = as_array("dhs", dhs, (N, T, "H"))
    dhs = np.where(cache.real[:, :, None], dhs, 0.0)  # (N, T, H)  nothing flows from padded outputs
    if cache.direction == "forward":
        dx, _, grads = cell_backward(cache.cell, dhs, cache.cell_cache)  # dh0 dropped: h_0 = 0 is a constant
    else:
        dx_rev, _, grads = cell_backward(cache.cell, reverse_padded(dhs, cache.lengths), cache.cell_cache)
        dx = reverse_padded(dx_rev, cache.lengths)  # (N, T, D)  back in the sequence's order
    return dx, grads


def bidirectional_forward(x, params_fwd, params_bwd, cell="rnn", lengths=None):
    r"""A bidirectional pass: a forward and a backward reader, their states joined at every step.

    Parameters
    ----------
    x : array_like, shape (N, T, D)
    params_fwd, params_bwd : dict of str to numpy.ndarray
        The two readers' weights, each ``Wx`` (D, kH), ``Wh`` (H, kH) and the cell's biases
        (``b``; ``bx`` and ``bh`` for a GRU); the same H for both. Other keys are ignored.
    cell : {"rnn", "lstm", "gru"}
        The cell of both readers.
    lengths : array_like of int, shape (N,), optional
        True lengths of post-padded sequences; by default every sequence has length T.

    Returns
    -------
    hs : numpy.ndarray, shape (N, T, 2H)
        ``hs[:, t-1] = [h_fwd_t ; h_bwd_t]``: columns 0..H-1 the forward state after x_1..x_t,
        columns H..2H-1 the backward state after x_L..x_t (L the sequence's length: the backward
        reader starts at the last real step). 0 at padded steps.
    cache : BidirectionalCache

    Notes
    -----
    .. math::
        \overrightarrow{h}_t = f(x_t, \overrightarrow{h}_{t-1}), \quad
        \overleftarrow{h}_t = f(x_t, \overleftarrow{h}_{t+1}), \quad
        h_t = [\overrightarrow{h}_t ; \overleftarrow{h}_t],
        \qquad \overrightarrow{h}_0 = \overleftarrow{h}_{L+1} = 0,

    f the cell's step (each reader with its own weights). Reading x backwards and reversing the
    backward reader's states is the whole trick: its j-th state belongs to step L + 1 - j.
    """
    cell = check_cell(cell)
    x = as_array("x", x, ("N", "T", "D"))
    H_f = _check_params("params_fwd", params_fwd, cell, x.shape[2])
    H_b = _check_params("params_bwd", params_bwd, cell, x.shape[2])
    if H_f != H_b:
        raise ValueError(f"params_fwd and params_bwd must have the same hidden size H; got H={H_f} (params_fwd) "
                         f"and H={H_b} (params_bwd)")
    hf, cache_f = reader_forward(x, params_fwd, cell, lengths, "forward")  # (N, T, H)
    hb, cache_b = reader_forward(x, params_bwd, cell, lengths, "backward")  # (N, T, H)
    hs = np.concatenate([hf, hb], axis=2)  # (N, T, 2H)  [h_fwd_t ; h_bwd_t]
    return hs, BidirectionalCache(cache_f, cache_b, H_f)


def bidirectional_backward(dhs, cache):
    """Backpropagation through time for :func:`bidirectional_forward`.

    Parameters
    ----------
    dhs : array_like, shape (N, T, 2H)
        Gradient of the loss with respect to every joined state (padded steps ignored).
    cache : BidirectionalCache

    Returns
    -------
    dx : numpy.ndarray, shape (N, T, D)
        The sum of what the two readers send back to x_t; 0 at padded steps.
    grads_fwd, grads_bwd : dict of str to numpy.ndarray
        ``Wx``, ``Wh`` and the cell's biases of each reader, keyed as in ``params_fwd`` and
        ``params_bwd``.
    """
    N, T = cache.fwd.real.shape
    H = cache.H
    dhs = as_array("dhs", dhs, (N, T, 2 * H))
    dx_f, grads_fwd = reader_backward(dhs[:, :, :H], cache.fwd)  # (N, T, D)  from the first H columns
    dx_b, grads_bwd = reader_backward(dhs[:, :, H:], cache.bwd)  # (N, T, D)  from the last H columns
    return dx_f + dx_b, grads_fwd, grads_bwd


def _internals(cache):
    cc = cache.cell_cache
    if cache.cell == "lstm":
        values = lstm_internals(cc)
    elif cache.cell == "gru":
        values = gru_internals(cc)
    else:
        values = {"h": cc.hs}  # RNNCache.hs (N, T, H)
    out = {}
    for name, v in values.items():
        v = v if cache.direction == "forward" else reverse_padded(v, cache.lengths)
        out[name] = np.where(cache.real[:, :, None], v, 0.0)  # (N, T, H)  0 at padded steps
    return out


def bidirectional_internals(cache):
    """Every step's states (and gates) of both readers, in the sequence's order, for plotting.

    Parameters
    ----------
    cache : BidirectionalCache or ReaderCache

    Returns
    -------
    dict
        For a BidirectionalCache ``{"fwd": {...}, "bwd": {...}}``; for a ReaderCache the one dict.
        Each dict holds arrays (N, T, H): ``"h"`` (RNN); ``"h"``, ``"c"``, ``"i"``, ``"f"``, ``"g"``,
        ``"o"`` (LSTM); ``"h"``, ``"r"``, ``"z"``, ``"n"`` (GRU). Index t-1 is step t of the
        sequence for both readers; 0 at padded steps.
    """
    if isinstance(cache, ReaderCache):
        return _internals(cache)
    return {"fwd": _internals(cache.fwd), "bwd": _internals(cache.bwd)}
