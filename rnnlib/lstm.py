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

Steps count t = 1..T; h_0 is the initial state and c_0 = 0. Python counts from 0, so ``x[:, t-1]``
is x_t and ``hs[:, t-1]`` is h_t. The equations are written once, in :func:`lstm_cell_forward` and
:func:`lstm_cell_backward`; the step and sequence functions around them add the matrix products.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validate import as_array, as_arrays
from .activations import sigmoid

__all__ = [
    "GATE_NAMES",
    "LSTMStepCache",
    "LSTMCache",
    "lstm_cell_forward",
    "lstm_cell_backward",
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
    """What :func:`lstm_backward` needs; every field of shape (N, T, H) holds step t at ``[:, t-1]``."""

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


def lstm_cell_forward(a, c_prev):
    r"""The LSTM's equations after the matrix products: gates, cell state and hidden state.

    Parameters
    ----------
    a : numpy.ndarray, shape (N, 4H)
        Pre-activations :math:`a = x_t W_x + h_{t-1} W_h + b`, gate blocks i, f, g, o.
    c_prev : numpy.ndarray, shape (N, H)
        The previous cell state :math:`c_{t-1}`.

    Returns
    -------
    i, f, g, o, c, tanh_c, h : numpy.ndarray, each shape (N, H)
        The gates, the new cell state :math:`c_t`, :math:`\tanh(c_t)` and the new hidden state.
    """
    H = c_prev.shape[1]
    i = sigmoid(a[:, 0 * H:1 * H])  # (N, H)  input gate
    f = sigmoid(a[:, 1 * H:2 * H])  # (N, H)  forget gate
    g = np.tanh(a[:, 2 * H:3 * H])  # (N, H)  candidate
    o = sigmoid(a[:, 3 * H:4 * H])  # (N, H)  output gate
    c = f * c_prev + i * g  # (N, H)  c_t
    tanh_c = np.tanh(c)  # (N, H)
    h = o * tanh_c  # (N, H)  h_t
    return i, f, g, o, c, tanh_c, h


def lstm_cell_backward(dh, dc, c_prev, i, f, g, o, tanh_c):
    r"""Reverse of :func:`lstm_cell_forward`, its lines in reverse order.

    Parameters
    ----------
    dh : numpy.ndarray, shape (N, H)
        :math:`\partial L / \partial h_t` (all of it: from the loss and from step t+1).
    dc : numpy.ndarray, shape (N, H)
        :math:`\partial L / \partial c_t` arriving from step t+1 through the cell state.
    c_prev, i, f, g, o, tanh_c : numpy.ndarray, each shape (N, H)
        From the forward step.

    Returns
    -------
    da : numpy.ndarray, shape (N, 4H)
        :math:`\partial L / \partial a`, gate blocks i, f, g, o.
    dc_prev : numpy.ndarray, shape (N, H)
        :math:`\partial L / \partial c_{t-1} = \partial L / \partial c_t \odot f`: the gradient highway.
    """
    do = dh * tanh_c  # (N, H)        h_t = o * tanh(c_t)
    dc = dc + dh * o * (1.0 - tanh_c**2)  # (N, H)  total dL/dc_t
    df = dc * c_prev  # (N, H)        c_t = f * c_{t-1} + i * g
    dc_prev = dc * f  # (N, H)
    di = dc * g  # (N, H)
    dg = dc * i  # (N, H)
    da = np.concatenate([di * i * (1.0 - i),  # (N, 4H)  sigmoid'(a) = s (1 - s)
                         df * f * (1.0 - f),
                         dg * (1.0 - g**2),  # tanh'(a) = 1 - tanh(a)^2
                         do * o * (1.0 - o)], axis=1)
    return da, dc_prev


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
    x, h_prev, c_prev, Wx, Wh, b = as_arrays(
        ("x", x, ("N", "D")), ("h_prev", h_prev, ("N", "H")), ("c_prev", c_prev, ("N", "H")),
        ("Wx", Wx, ("D", "4H")), ("Wh", Wh, ("H", "4H")), ("b", b, ("4H",)))
    a = x @ Wx + h_prev @ Wh + b  # (N, 4H)
    i, f, g, o, c, tanh_c, h = lstm_cell_forward(a, c_prev)  # (N, H) each
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
    da, dc_prev = lstm_cell_backward(dh, dc, c_prev, i, f, g, o, tanh_c)  # (N, 4H), (N, H)
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
    The step equations of :func:`lstm_step_forward` for :math:`t = 1, \dots, T`, with :math:`c_0 = 0`.
    The input projection :math:`x_t W_x + b` of all steps is one matrix product before the loop.
    """
    x, h0, Wx, Wh, b = as_arrays(("x", x, ("N", "T", "D")), ("h0", h0, ("N", "H")), ("Wx", Wx, ("D", "4H")),
                                 ("Wh", Wh, ("H", "4H")), ("b", b, ("4H",)))
    N, T, D = x.shape
    H = h0.shape[1]
    # x_t Wx + b does not depend on the recurrence: one matrix product for all steps before the loop
    xWx = x @ Wx + b  # (N, T, 4H)
    hs, cs, i_s, f_s, g_s, o_s = (np.empty((N, T, H), dtype=xWx.dtype) for _ in range(6))  # [:, t-1] is step t
    h, c = h0, np.zeros_like(h0)  # (N, H)  h_0 as given, c_0 = 0
    for t in range(1, T + 1):
        a = xWx[:, t - 1] + h @ Wh  # (N, 4H)  a_t = x_t Wx + h_{t-1} Wh + b
        i, f, g, o, c, _, h = lstm_cell_forward(a, c)  # (N, H) each: gates, c_t, h_t
        hs[:, t - 1], cs[:, t - 1] = h, c
        i_s[:, t - 1], f_s[:, t - 1], g_s[:, t - 1], o_s[:, t - 1] = i, f, g, o
    return hs, LSTMCache(x, h0, Wx, Wh, hs, cs, i_s, f_s, g_s, o_s)


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
    x, h0, Wx, Wh, hs, cs = cache.x, cache.h0, cache.Wx, cache.Wh, cache.hs, cache.cs
    N, T, D = x.shape
    H = h0.shape[1]
    dhs = as_array("dhs", dhs, (N, T, H))
    das = np.empty((N, T, 4 * H), dtype=hs.dtype)  # (N, T, 4H)  das[:, t-1] is dL/da_t
    dh_next = np.zeros((N, H), dtype=hs.dtype)  # (N, H)  dL/dh_t arriving from step t+1 (none after T)
    dc_next = np.zeros((N, H), dtype=hs.dtype)  # (N, H)  dL/dc_t arriving from step t+1
    for t in range(T, 0, -1):
        c_prev = cs[:, t - 2] if t > 1 else np.zeros_like(dh_next)  # (N, H)  c_{t-1}, c_0 = 0
        tanh_c = np.tanh(cs[:, t - 1])  # (N, H)
        dh = dhs[:, t - 1] + dh_next  # (N, H)  dL/dh_t: the loss at step t, and step t+1
        da, dc_next = lstm_cell_backward(dh, dc_next, c_prev, cache.i[:, t - 1], cache.f[:, t - 1],
                                         cache.g[:, t - 1], cache.o[:, t - 1], tanh_c)  # (N, 4H), (N, H)
        dh_next = da @ Wh.T  # (N, H)  dL/dh_{t-1} through a_t = ... + h_{t-1} Wh
        das[:, t - 1] = da
    dh0 = dh_next  # (N, H)
    # the weights are shared by every step: their gradients are sums over steps, one product each
    hs_prev = np.concatenate([h0[:, None], hs[:, :-1]], axis=1)  # (N, T, H)  h_{t-1} of every step
    db = das.sum(axis=(0, 1))  # (4H,)
    dWh = np.tensordot(hs_prev, das, axes=([0, 1], [0, 1]))  # (H, 4H)  sum over n, t of h_{t-1}^T da_t
    dWx = np.tensordot(x, das, axes=([0, 1], [0, 1]))  # (D, 4H)  sum over n, t of x_t^T da_t
    dx = das @ Wx.T  # (N, T, D)
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
