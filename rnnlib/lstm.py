r"""The LSTM cell: one step, and a whole sequence with backpropagation through time.

Gate blocks of the 4H columns are in the order input i, forget f, candidate g, output o (PyTorch's
order, so ``Wx`` is PyTorch's ``weight_ih`` transposed)::

    a   = x_t @ Wx + h_{t-1} @ Wh + b     # (N, 4H)
    i   = sigmoid(a[:, 0H:1H])            # (N, H)  input gate
    f   = sigmoid(a[:, 1H:2H])            # (N, H)  forget gate
    g   = tanh(a[:, 2H:3H])               # (N, H)  candidate
    o   = sigmoid(a[:, 3H:4H])            # (N, H)  output gate
    c_t = f * c_{t-1} + i * g             # (N, H)  cell state
    h_t = o * tanh(c_t)                   # (N, H)  hidden state
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validate import as_array
from .activations import sigmoid

__all__ = [
    "GATE_NAMES",
    "LSTMStepCache",
    "LSTMCache",
    "lstm_step_forward",
    "lstm_step_backward",
    "lstm_forward",
    "lstm_backward",
    "lstm_internals",
]

GATE_NAMES = ("i", "f", "g", "o")


class LSTMStepCache(NamedTuple):
    """What :func:`lstm_step_backward` needs; the gates are there for plotting too."""

    x: np.ndarray  # (N, D)
    h_prev: np.ndarray  # (N, H)
    c_prev: np.ndarray  # (N, H)
    Wx: np.ndarray  # (D, 4H)
    Wh: np.ndarray  # (H, 4H)
    i: np.ndarray  # (N, H)
    f: np.ndarray  # (N, H)
    g: np.ndarray  # (N, H)
    o: np.ndarray  # (N, H)
    c: np.ndarray  # (N, H)
    tanh_c: np.ndarray  # (N, H)


class LSTMCache(NamedTuple):
    """What :func:`lstm_backward` needs; every field of shape (N, T, H) is one per step.

    ``gates`` holds the same gate values time-major, shape (T, N, 4H), with the column blocks in
    the internal order i, f, o, g (the three sigmoid gates side by side, so one operation covers
    them); ``i``, ``f``, ``g``, ``o`` are (N, T, H) views into it.
    """

    x: np.ndarray  # (N, T, D)
    h0: np.ndarray  # (N, H)
    Wx: np.ndarray  # (D, 4H)
    Wh: np.ndarray  # (H, 4H)
    hs: np.ndarray  # (N, T, H)
    cs: np.ndarray  # (N, T, H)
    i: np.ndarray  # (N, T, H)
    f: np.ndarray  # (N, T, H)
    g: np.ndarray  # (N, T, H)
    o: np.ndarray  # (N, T, H)
    gates: np.ndarray  # (T, N, 4H)


def _check_weights(Wx, Wh, b, dims):
    dims["4H"] = 4 * dims["H"]  # H is known from h0 / h_prev: the gate blocks fix 4H
    Wx = as_array("Wx", Wx, ("D", "4H"), dims)
    Wh = as_array("Wh", Wh, ("H", "4H"), dims)
    b = as_array("b", b, ("4H",), dims)
    return Wx, Wh, b


def _gates(a, H):
    """Split pre-activations (N, 4H) into the gate values i, f, g, o, each (N, H)."""
    i = sigmoid(a[:, 0 * H:1 * H])  # (N, H)
    f = sigmoid(a[:, 1 * H:2 * H])  # (N, H)
    g = np.tanh(a[:, 2 * H:3 * H])  # (N, H)
    o = sigmoid(a[:, 3 * H:4 * H])  # (N, H)
    return i, f, g, o


def _gate_grads(di, df, dg, do, i, f, g, o):
    """Gradients of the pre-activations (N, 4H) from the gradients of the gate values."""
    return np.concatenate(
        [
            di * i * (1.0 - i),  # sigmoid' = s (1 - s)
            df * f * (1.0 - f),
            dg * (1.0 - g**2),  # tanh' = 1 - tanh^2
            do * o * (1.0 - o),
        ],
        axis=1,
    )


def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    r"""One step of the LSTM.

    Parameters
    ----------
    x : array_like, shape (N, D)
    h_prev : array_like, shape (N, H)
    c_prev : array_like, shape (N, H)
    Wx : array_like, shape (D, 4H)
        Input weights, gate blocks i, f, g, o.
    Wh : array_like, shape (H, 4H)
        Recurrent weights, gate blocks i, f, g, o.
    b : array_like, shape (4H,)

    Returns
    -------
    h : numpy.ndarray, shape (N, H)
    c : numpy.ndarray, shape (N, H)
    cache : LSTMStepCache
        Values for :func:`lstm_step_backward`; ``cache.i``, ``.f``, ``.g``, ``.o`` are the gates.

    Notes
    -----
    .. math::
        a &= x_t W_x + h_{t-1} W_h + b \\
        i = \sigma(a_i),\ f &= \sigma(a_f),\ g = \tanh(a_g),\ o = \sigma(a_o) \\
        c_t &= f \odot c_{t-1} + i \odot g \\
        h_t &= o \odot \tanh(c_t)
    """
    dims = {}
    x = as_array("x", x, ("N", "D"), dims)
    h_prev = as_array("h_prev", h_prev, ("N", "H"), dims)
    c_prev = as_array("c_prev", c_prev, ("N", "H"), dims)
    Wx, Wh, b = _check_weights(Wx, Wh, b, dims)
    H = h_prev.shape[1]
    a = x @ Wx + h_prev @ Wh + b  # (N, 4H)
    i, f, g, o = _gates(a, H)  # (N, H) each
    c = f * c_prev + i * g  # (N, H)
    tanh_c = np.tanh(c)  # (N, H)
    h = o * tanh_c  # (N, H)
    return h, c, LSTMStepCache(x, h_prev, c_prev, Wx, Wh, i, f, g, o, c, tanh_c)


def lstm_step_backward(dh, dc, cache):
    r"""Backward pass of one LSTM step.

    Parameters
    ----------
    dh : array_like, shape (N, H)
        Gradient of the loss with respect to the step's ``h``.
    dc : array_like, shape (N, H)
        Gradient with respect to the step's ``c`` arriving from later steps.
    cache : LSTMStepCache

    Returns
    -------
    dx : numpy.ndarray, shape (N, D)
    dh_prev : numpy.ndarray, shape (N, H)
    dc_prev : numpy.ndarray, shape (N, H)
    dWx : numpy.ndarray, shape (D, 4H)
    dWh : numpy.ndarray, shape (H, 4H)
    db : numpy.ndarray, shape (4H,)

    Notes
    -----
    .. math::
        \frac{\partial L}{\partial c_t} \mathrel{+}= \frac{\partial L}{\partial h_t} \odot o
        \odot (1 - \tanh^2 c_t), \qquad
        \frac{\partial L}{\partial c_{t-1}} = \frac{\partial L}{\partial c_t} \odot f
    """
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, c, tanh_c = cache
    dh = as_array("dh", dh, c.shape)
    dc = as_array("dc", dc, c.shape)
    # reverse order of the forward lines
    do = dh * tanh_c  # (N, H)            h = o * tanh(c)
    dc = dc + dh * o * (1.0 - tanh_c**2)  # (N, H)
    df = dc * c_prev  # (N, H)            c = f * c_prev + i * g
    dc_prev = dc * f  # (N, H)
    di = dc * g  # (N, H)
    dg = dc * i  # (N, H)
    da = _gate_grads(di, df, dg, do, i, f, g, o)  # (N, 4H)
    db = da.sum(axis=0)  # (4H,)
    dWh = h_prev.T @ da  # (H, 4H)
    dh_prev = da @ Wh.T  # (N, H)
    dWx = x.T @ da  # (D, 4H)
    dx = da @ Wx.T  # (N, D)
    return dx, dh_prev, dc_prev, dWx, dWh, db


def lstm_forward(x, h0, Wx, Wh, b):
    r"""Run the LSTM over a whole sequence (the cell state starts at zero).

    Parameters
    ----------
    x : array_like, shape (N, T, D)
    h0 : array_like, shape (N, H)
    Wx : array_like, shape (D, 4H)
    Wh : array_like, shape (H, 4H)
    b : array_like, shape (4H,)

    Returns
    -------
    hs : numpy.ndarray, shape (N, T, H)
    cache : LSTMCache
        Values for :func:`lstm_backward`; also every step's gates and cell state (see
        :func:`lstm_internals`).

    Notes
    -----
    The step equations of :func:`lstm_step_forward` with :math:`c_{-1} = 0`. The input
    projection of all steps is one matrix product before the loop.
    """
    dims = {}
    x = as_array("x", x, ("N", "T", "D"), dims)
    h0 = as_array("h0", h0, ("N", "H"), dims)
    Wx, Wh, b = _check_weights(Wx, Wh, b, dims)
    N, T, D = x.shape
    H = h0.shape[1]
    dtype = np.result_type(x, h0, Wx, Wh, b)
    # Internally the gate blocks are ordered i, f, o, g: the three sigmoid gates side by side.
    # sigmoid(a) = (1 + tanh(a / 2)) / 2, so halving their columns of the weights once lets a
    # single tanh per step compute all four gates, stably (tanh never overflows).
    order = _internal_order(H)
    half = np.ones(4 * H, dtype=dtype)
    half[:3 * H] = 0.5
    shift = np.zeros(4 * H, dtype=dtype)
    shift[:3 * H] = 0.5
    Wx_in = Wx[:, order] * half  # (D, 4H)
    Wh_in = (Wh[:, order] * half).astype(dtype, copy=False)  # (H, 4H)
    b_in = b[order] * half  # (4H,)
    gates = np.empty((T, N, 4 * H), dtype=dtype)  # (T, N, 4H)
    np.matmul(x.transpose(1, 0, 2).reshape(T * N, D), Wx_in, out=gates.reshape(T * N, 4 * H))  # x_t @ Wx, all t
    gates += b_in  # in place: no second (T, N, 4H) temporary
    cs = np.empty((T, N, H), dtype=dtype)  # cell states, time-major
    hs = np.empty((T, N, H), dtype=dtype)
    tmp = np.empty((N, 4 * H), dtype=dtype)
    ig = np.empty((N, H), dtype=dtype)
    h = h0.astype(dtype, copy=False)
    c = np.zeros((N, H), dtype=dtype)
    for t in range(T):
        a = gates[t]
        np.matmul(h, Wh_in, out=tmp)  # (N, 4H)  h_{t-1} @ Wh (sigmoid columns halved)
        a += tmp  # (N, 4H)  + x_t @ Wx + b
        np.tanh(a, out=a)  # (N, 4H)  g, and tanh(a/2) for i, f, o
        a *= half  # (N, 4H)  whole rows: faster than two passes over a strided block
        a += shift  # (N, 4H)  i, f, o = (1 + tanh(a/2)) / 2 = sigmoid(a); g unchanged
        i, f, o, g = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
        np.multiply(f, c, out=cs[t])  # (N, H)  f * c_{t-1}
        np.multiply(i, g, out=ig)
        cs[t] += ig  # (N, H)  c_t = f * c_{t-1} + i * g
        c = cs[t]
        np.tanh(c, out=hs[t])
        hs[t] *= o  # (N, H)  h_t = o * tanh(c_t)
        h = hs[t]
    bf = (1, 0, 2)  # time-major -> batch-first views
    return hs.transpose(bf), LSTMCache(
        x, h0, Wx, Wh, hs.transpose(bf), cs.transpose(bf),
        gates[:, :, :H].transpose(bf), gates[:, :, H:2 * H].transpose(bf),
        gates[:, :, 3 * H:].transpose(bf), gates[:, :, 2 * H:3 * H].transpose(bf), gates,
    )


def _internal_order(H):
    """Column indices that reorder the blocks i, f, g, o into the internal order i, f, o, g."""
    return np.r_[0:2 * H, 3 * H:4 * H, 2 * H:3 * H]


def lstm_backward(dhs, cache):
    r"""Backpropagation through time for :func:`lstm_forward`.

    Parameters
    ----------
    dhs : array_like, shape (N, T, H)
        Gradient of the loss with respect to every hidden state.
    cache : LSTMCache

    Returns
    -------
    dx : numpy.ndarray, shape (N, T, D)
    dh0 : numpy.ndarray, shape (N, H)
    dWx : numpy.ndarray, shape (D, 4H)
    dWh : numpy.ndarray, shape (H, 4H)
    db : numpy.ndarray, shape (4H,)

    Notes
    -----
    Two gradients flow backwards between steps: through :math:`h` (multiplied by :math:`W_h`
    and the gate derivatives) and through the cell state, where
    :math:`\partial L / \partial c_{t-1} = \partial L / \partial c_t \odot f_t` is only a
    pointwise product: the gradient highway.
    """
    x, h0, Wx, Wh = cache.x, cache.h0, cache.Wx, cache.Wh
    gates = cache.gates  # (T, N, 4H), internal block order i, f, o, g
    T, N, H4 = gates.shape
    H = H4 // 4
    D = x.shape[2]
    dtype = gates.dtype
    dhs = as_array("dhs", dhs, (N, T, H))
    order = _internal_order(H)
    cs = np.ascontiguousarray(cache.cs.transpose(1, 0, 2))  # (T, N, H)
    hs = np.ascontiguousarray(cache.hs.transpose(1, 0, 2))  # (T, N, H)
    i_all, f_all, o_all, g_all = (gates[:, :, k * H:(k + 1) * H] for k in range(4))
    das = np.empty_like(gates)  # (T, N, 4H)  dL/da_t
    tanh_cs = np.empty_like(cs)  # (T, N, H)
    o_dtanh = np.empty_like(cs)  # (T, N, H)  dh_t/dc_t = o (1 - tanh^2 c)
    # Step-independent factors are computed for a block of steps at a time: few numpy calls per
    # step for short sequences, and blocks that stay in cache for large ones.
    chunk = max(1, (1 << 18) // (N * 4 * H * gates.itemsize))
    dhs_tm = dhs.transpose(1, 0, 2)  # (T, N, H)
    dh_next = np.zeros((N, H), dtype=dtype)  # (N, H)
    dc_next = np.zeros((N, H), dtype=dtype)  # (N, H)
    dh = np.empty((N, H), dtype=dtype)
    dc = np.empty((N, H), dtype=dtype)
    buf = np.empty((N, 4 * H), dtype=dtype)
    zeros = np.zeros((N, H), dtype=dtype)
    WhT = np.ascontiguousarray(Wh[:, order].T, dtype=dtype)  # (4H, H) internal order
    for t in reversed(range(T)):
        if t == T - 1 or (t + 1) % chunk == 0:
            blk = slice(t + 1 - (t % chunk + 1 if t == T - 1 else chunk), t + 1)
            np.tanh(cs[blk], out=tanh_cs[blk])
            np.multiply(tanh_cs[blk], tanh_cs[blk], out=o_dtanh[blk])
            np.subtract(1.0, o_dtanh[blk], out=o_dtanh[blk])
            o_dtanh[blk] *= o_all[blk]
            # gate derivatives: s (1 - s) for i, f, o; 1 - g^2 for g
            np.subtract(1.0, gates[blk], out=das[blk])
            das[blk] *= gates[blk]
            np.multiply(g_all[blk], g_all[blk], out=das[blk, :, 3 * H:])
            np.subtract(1.0, das[blk, :, 3 * H:], out=das[blk, :, 3 * H:])
        c_prev = cs[t - 1] if t > 0 else zeros
        np.add(dhs_tm[t], dh_next, out=dh)  # (N, H)  dL/dh_t
        np.multiply(dh, o_dtanh[t], out=dc)
        dc += dc_next  # (N, H)  dL/dc_t                 h = o * tanh(c)
        np.multiply(dc, g_all[t], out=buf[:, :H])  # di    c = f * c_prev + i * g
        np.multiply(dc, c_prev, out=buf[:, H:2 * H])  # df
        np.multiply(dh, tanh_cs[t], out=buf[:, 2 * H:3 * H])  # do
        np.multiply(dc, i_all[t], out=buf[:, 3 * H:])  # dg
        das[t] *= buf  # (N, 4H)  through the gate nonlinearities
        np.multiply(dc, f_all[t], out=dc_next)  # (N, H)  dL/dc_{t-1}: the highway
        np.matmul(das[t], WhT, out=dh_next)  # (N, H)  dL/dh_{t-1}
    dh0 = dh_next.copy()
    das_flat = das.reshape(T * N, 4 * H)
    db, dWh, dWx = (np.empty_like(b) for b in (cache.gates[0, 0], Wh, Wx))
    db[order] = das_flat.sum(axis=0)  # (4H,)  back to the public order i, f, g, o
    # sum_t h_{t-1}^T da_t, with h_{-1} = h0: no concatenated copy of the hidden states
    dWh_in = h0.astype(dtype, copy=False).T @ das[0]  # (H, 4H)
    if T > 1:
        dWh_in += hs[:-1].reshape((T - 1) * N, H).T @ das[1:].reshape((T - 1) * N, 4 * H)
    dWh[:, order] = dWh_in  # (H, 4H)
    dWx[:, order] = x.transpose(1, 0, 2).reshape(T * N, D).T @ das_flat  # (D, 4H)
    dx = (das_flat @ Wx[:, order].T).reshape(T, N, D).transpose(1, 0, 2)  # (N, T, D)
    return dx, dh0, dWx, dWh, db


def lstm_internals(cache):
    """Every step's gates and states from an :func:`lstm_forward` cache, for plotting.

    Parameters
    ----------
    cache : LSTMCache

    Returns
    -------
    dict of str to numpy.ndarray
        ``"h"``, ``"c"``, ``"i"``, ``"f"``, ``"g"``, ``"o"``, each of shape (N, T, H).
    """
    return {"h": cache.hs, "c": cache.cs, "i": cache.i, "f": cache.f, "g": cache.g, "o": cache.o}
