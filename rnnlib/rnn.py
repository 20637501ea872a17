r"""The vanilla (Elman) RNN: one step, and a whole sequence with backpropagation through time.

Batch-first, weights multiply from the right, one line of code per line of the notebook's math::

    a_t = x_t @ Wx + h_{t-1} @ Wh + b     # (N, H)
    h_t = tanh(a_t)                       # (N, H)

Shapes: batch size N, sequence length T, features D, hidden size H.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validate import as_array

__all__ = [
    "RNNStepCache",
    "RNNCache",
    "rnn_step_forward",
    "rnn_step_backward",
    "rnn_forward",
    "rnn_backward",
]


class RNNStepCache(NamedTuple):
    """What :func:`rnn_step_backward` needs from the forward step."""

    x: np.ndarray  # (N, D)
    h_prev: np.ndarray  # (N, H)
    Wx: np.ndarray  # (D, H)
    Wh: np.ndarray  # (H, H)
    h: np.ndarray  # (N, H)


class RNNCache(NamedTuple):
    """What :func:`rnn_backward` needs; ``hs`` are the hidden states for plotting."""

    x: np.ndarray  # (N, T, D)
    h0: np.ndarray  # (N, H)
    Wx: np.ndarray  # (D, H)
    Wh: np.ndarray  # (H, H)
    hs: np.ndarray  # (N, T, H)


def _check_weights(Wx, Wh, b, dims):
    Wx = as_array("Wx", Wx, ("D", "H"), dims)
    Wh = as_array("Wh", Wh, ("H", "H"), dims)
    b = as_array("b", b, ("H",), dims)
    return Wx, Wh, b


def rnn_step_forward(x, h_prev, Wx, Wh, b):
    r"""One step of the RNN.

    Parameters
    ----------
    x : array_like, shape (N, D)
        Input at this step (for example one-hot letters).
    h_prev : array_like, shape (N, H)
        Hidden state of the previous step.
    Wx : array_like, shape (D, H)
        Input-to-hidden weights.
    Wh : array_like, shape (H, H)
        Hidden-to-hidden (recurrent) weights.
    b : array_like, shape (H,)
        Bias.

    Returns
    -------
    h : numpy.ndarray, shape (N, H)
        The new hidden state.
    cache : RNNStepCache
        Values needed by :func:`rnn_step_backward`.

    Notes
    -----
    .. math:: h_t = \tanh(x_t W_x + h_{t-1} W_h + b)
    """
    dims = {}
    x = as_array("x", x, ("N", "D"), dims)
    h_prev = as_array("h_prev", h_prev, ("N", "H"), dims)
    Wx, Wh, b = _check_weights(Wx, Wh, b, dims)
    a = x @ Wx + h_prev @ Wh + b  # (N, H)
    h = np.tanh(a)  # (N, H)
    return h, RNNStepCache(x, h_prev, Wx, Wh, h)


def rnn_step_backward(dh, cache):
    r"""Backward pass of one RNN step.

    Parameters
    ----------
    dh : array_like, shape (N, H)
        Gradient of the loss with respect to the step's output ``h``.
    cache : RNNStepCache
        From :func:`rnn_step_forward`.

    Returns
    -------
    dx : numpy.ndarray, shape (N, D)
    dh_prev : numpy.ndarray, shape (N, H)
    dWx : numpy.ndarray, shape (D, H)
    dWh : numpy.ndarray, shape (H, H)
    db : numpy.ndarray, shape (H,)

    Notes
    -----
    .. math::
        \frac{\partial L}{\partial a_t} = \frac{\partial L}{\partial h_t} \odot (1 - h_t^2)
    """
    x, h_prev, Wx, Wh, h = cache
    dh = as_array("dh", dh, h.shape)
    da = dh * (1.0 - h**2)  # (N, H)   tanh'(a) = 1 - tanh(a)^2
    db = da.sum(axis=0)  # (H,)
    dWh = h_prev.T @ da  # (H, H)
    dh_prev = da @ Wh.T  # (N, H)
    dWx = x.T @ da  # (D, H)
    dx = da @ Wx.T  # (N, D)
    return dx, dh_prev, dWx, dWh, db


def rnn_forward(x, h0, Wx, Wh, b):
    r"""Run the RNN over a whole sequence.

    Parameters
    ----------
    x : array_like, shape (N, T, D)
        Input sequences, batch first.
    h0 : array_like, shape (N, H)
        Initial hidden state (usually zeros).
    Wx : array_like, shape (D, H)
    Wh : array_like, shape (H, H)
    b : array_like, shape (H,)

    Returns
    -------
    hs : numpy.ndarray, shape (N, T, H)
        Hidden states of every step: ``hs[:, t - 1]`` is :math:`h_t` for :math:`t = 1, \dots, T`
        (Python counts from 0; ``h0`` is :math:`h_0`, so ``hs[:, -1]`` is :math:`h_T`).
    cache : RNNCache
        Values needed by :func:`rnn_backward` (``cache.hs`` for plotting).

    Notes
    -----
    .. math:: h_t = \tanh(x_t W_x + h_{t-1} W_h + b), \quad t = 1, \dots, T

    with ``x[:, t - 1]`` as :math:`x_t`.

    The input projection :math:`x_t W_x + b` of every step is one matrix product before the loop;
    only the recurrent product has to wait for the previous step.
    """
    dims = {}
    x = as_array("x", x, ("N", "T", "D"), dims)
    h0 = as_array("h0", h0, ("N", "H"), dims)
    Wx, Wh, b = _check_weights(Wx, Wh, b, dims)
    N, T, D = x.shape
    H = h0.shape[1]
    dtype = np.result_type(x, h0, Wx, Wh, b)
    # Time-major buffers (T, N, H): each step reads and writes one contiguous block.
    hs_tm = np.empty((T, N, H), dtype=dtype)
    np.matmul(x.transpose(1, 0, 2).reshape(T * N, D), Wx, out=hs_tm.reshape(T * N, H))  # x_t @ Wx, all t
    hs_tm += b  # in place: no second (T, N, H) temporary
    h = h0.astype(dtype, copy=False)
    Wh = Wh.astype(dtype, copy=False)
    tmp = np.empty((N, H), dtype=dtype)
    for t in range(T):
        np.matmul(h, Wh, out=tmp)  # (N, H)  h_{t-1} @ Wh
        hs_tm[t] += tmp  # (N, H)  + x_t @ Wx + b, computed for all steps above
        np.tanh(hs_tm[t], out=hs_tm[t])  # (N, H)  h_t
        h = hs_tm[t]
    hs = hs_tm.transpose(1, 0, 2)  # (N, T, H) view, batch first
    return hs, RNNCache(x, h0, Wx, Wh, hs)


def rnn_backward(dhs, cache):
    r"""Backpropagation through time for :func:`rnn_forward`.

    Parameters
    ----------
    dhs : array_like, shape (N, T, H)
        Gradient of the loss with respect to every hidden state (zeros where the loss does not
        look, e.g. all but the last step for a many-to-one model).
    cache : RNNCache
        From :func:`rnn_forward`.

    Returns
    -------
    dx : numpy.ndarray, shape (N, T, D)
    dh0 : numpy.ndarray, shape (N, H)
    dWx : numpy.ndarray, shape (D, H)
    dWh : numpy.ndarray, shape (H, H)
    db : numpy.ndarray, shape (H,)

    Notes
    -----
    The gradient reaching :math:`h_t` has two sources, the loss at step t and step t+1:

    .. math::
        \frac{\partial L}{\partial a_t} = \Big(\frac{\partial L}{\partial h_t}\Big|_{\text{direct}}
        + \frac{\partial L}{\partial a_{t+1}} W_h^\top\Big) \odot (1 - h_t^2)

    The weight gradients sum over steps; they are accumulated in one matrix product after the loop.
    """
    x, h0, Wx, Wh, hs = cache
    N, T, D = x.shape
    H = h0.shape[1]
    dhs = as_array("dhs", dhs, (N, T, H))
    hs_tm = np.ascontiguousarray(hs.transpose(1, 0, 2))  # (T, N, H) (a view when hs came from rnn_forward)
    das = np.empty_like(hs_tm)  # (T, N, H)  dL/da_t
    # tanh'(a) = 1 - h^2 for a block of steps at a time: few numpy calls per step for short
    # sequences, blocks that stay in cache for large ones
    chunk = max(1, (1 << 18) // (N * H * das.itemsize))
    dhs_tm = dhs.transpose(1, 0, 2)  # (T, N, H)
    dh_next = np.zeros((N, H), dtype=das.dtype)  # (N, H)  gradient arriving from step t+1
    WhT = Wh.T
    for t in reversed(range(T)):
        if t == T - 1 or (t + 1) % chunk == 0:
            blk = slice(t + 1 - (t % chunk + 1 if t == T - 1 else chunk), t + 1)
            np.multiply(hs_tm[blk], hs_tm[blk], out=das[blk])
            np.subtract(1.0, das[blk], out=das[blk])
        da = das[t]
        da *= dhs_tm[t] + dh_next  # (N, H)  (dL/dh_t direct + from t+1) * tanh'
        np.matmul(da, WhT, out=dh_next)  # (N, H)  dL/dh_{t-1} through the recurrence
    dh0 = dh_next  # (N, H)
    das_flat = das.reshape(T * N, H)
    db = das_flat.sum(axis=0)  # (H,)
    # sum_t h_{t-1}^T da_t with h_{-1} = h0, without a concatenated copy of the states
    dWh = h0.astype(das.dtype, copy=False).T @ das[0]  # (H, H)
    if T > 1:
        dWh += hs_tm[:-1].reshape((T - 1) * N, H).T @ das[1:].reshape((T - 1) * N, H)
    dWx = x.transpose(1, 0, 2).reshape(T * N, D).T @ das_flat  # (D, H)
    dx = (das_flat @ Wx.T).reshape(T, N, D).transpose(1, 0, 2)  # (N, T, D)
    return dx, dh0, dWx, dWh, db
