r"""The vanilla (Elman) RNN: one step, and a whole sequence with backpropagation through time.

Batch-first, weights multiply from the right, one line of code per line of the notebook's math::

    a_t = x_t @ Wx + h_{t-1} @ Wh + b     # (N, H)
    h_t = tanh(a_t)                       # (N, H)

Shapes: batch size N, sequence length T, features D, hidden size H. Steps count t = 1..T and h_0 is
the initial state; Python counts from 0, so ``x[:, t-1]`` is x_t and ``hs[:, t-1]`` is h_t.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validate import as_array, as_arrays

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
    x, h_prev, Wx, Wh, b = as_arrays(("x", x, ("N", "D")), ("h_prev", h_prev, ("N", "H")), ("Wx", Wx, ("D", "H")),
                                  ("Wh", Wh, ("H", "H")), ("b", b, ("H",)))
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
    x, h0, Wx, Wh, b = as_arrays(("x", x, ("N", "T", "D")), ("h0", h0, ("N", "H")), ("Wx", Wx, ("D", "H")),
                              ("Wh", Wh, ("H", "H")), ("b", b, ("H",)))
    N, T, D = x.shape
    H = h0.shape[1]
    # x_t Wx + b does not depend on the recurrence: one matrix product for all steps before the loop
    xWx = x @ Wx + b  # (N, T, H)
    hs = np.empty((N, T, H), dtype=xWx.dtype)  # hs[:, t-1] is h_t
    h = h0  # (N, H)  h_0
    for t in range(1, T + 1):
        a = xWx[:, t - 1] + h @ Wh  # (N, H)  a_t = x_t Wx + h_{t-1} Wh + b
        h = np.tanh(a)  # (N, H)  h_t
        hs[:, t - 1] = h
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
    das = np.empty_like(hs)  # (N, T, H)  das[:, t-1] is dL/da_t
    dh_next = np.zeros((N, H), dtype=hs.dtype)  # (N, H)  dL/dh_t arriving from step t+1 (none after T)
    for t in range(T, 0, -1):
        dh = dhs[:, t - 1] + dh_next  # (N, H)  dL/dh_t: the loss at step t, and step t+1
        da = dh * (1.0 - hs[:, t - 1] ** 2)  # (N, H)  h_t = tanh(a_t), tanh'(a_t) = 1 - h_t^2
        dh_next = da @ Wh.T  # (N, H)  dL/dh_{t-1} through a_t = ... + h_{t-1} Wh
        das[:, t - 1] = da
    dh0 = dh_next  # (N, H)
    # the weights are shared by every step: their gradients are sums over steps, one product each
    hs_prev = np.concatenate([h0[:, None], hs[:, :-1]], axis=1)  # (N, T, H)  h_{t-1} of every step
    db = das.sum(axis=(0, 1))  # (H,)
    dWh = np.tensordot(hs_prev, das, axes=([0, 1], [0, 1]))  # (H, H)  sum over n, t of h_{t-1}^T da_t
    dWx = np.tensordot(x, das, axes=([0, 1], [0, 1]))  # (D, H)  sum over n, t of x_t^T da_t
    dx = das @ Wx.T  # (N, T, D)
    return dx, dh0, dWx, dWh, db
