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
        Hidden states of every step; ``hs[:, t]`` is :math:`h_t`.
    cache : RNNCache
        Values needed by :func:`rnn_backward` (``cache.hs`` for plotting).

    Notes
    -----
    .. math:: h_t = \tanh(x_t W_x + h_{t-1} W_h + b), \quad t = 0, \dots, T-1

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
    xWx = (x.reshape(N * T, D) @ Wx + b).reshape(N, T, H)  # (N, T, H)  all steps at once
    hs = np.empty((N, T, H), dtype=dtype)
    h = h0
    for t in range(T):
        h = np.tanh(xWx[:, t] + h @ Wh)  # (N, H)
        hs[:, t] = h
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
    das = np.empty_like(hs)  # (N, T, H)
    dh_next = np.zeros_like(h0)  # (N, H)  gradient arriving from step t+1
    for t in reversed(range(T)):
        da = (dhs[:, t] + dh_next) * (1.0 - hs[:, t] ** 2)  # (N, H)
        das[:, t] = da
        dh_next = da @ Wh.T  # (N, H)
    dh0 = dh_next  # (N, H)
    h_prevs = np.concatenate([h0[:, None, :], hs[:, :-1]], axis=1)  # (N, T, H)
    db = das.sum(axis=(0, 1))  # (H,)
    dWh = h_prevs.reshape(N * T, H).T @ das.reshape(N * T, H)  # (H, H)
    dWx = x.reshape(N * T, D).T @ das.reshape(N * T, H)  # (D, H)
    dx = (das.reshape(N * T, H) @ Wx.T).reshape(N, T, D)  # (N, T, D)
    return dx, dh0, dWx, dWh, db
