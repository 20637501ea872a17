r"""The GRU cell (gated recurrent unit): one step, and a whole sequence with backpropagation through time.

Blocks of the 3H columns are in the order reset r, update z, candidate n, exactly as PyTorch's
``nn.GRU``: ``Wx`` is ``weight_ih_l0`` transposed, ``Wh`` is ``weight_hh_l0`` transposed, ``bx`` is
``bias_ih_l0`` and ``bh`` is ``bias_hh_l0``. The two biases are not redundant: the candidate's
recurrent part, bias included, is multiplied by the reset gate::

    ax  = x_t @ Wx + bx                          # (N, 3H)  input part of every block
    ah  = h_{t-1} @ Wh + bh                      # (N, 3H)  recurrent part of every block
    r   = sigmoid(ax[:, 0H:1H] + ah[:, 0H:1H])   # (N, H)   reset gate
    z   = sigmoid(ax[:, 1H:2H] + ah[:, 1H:2H])   # (N, H)   update gate
    n   = tanh(ax[:, 2H:3H] + r * ah[:, 2H:3H])  # (N, H)   candidate
    h_t = (1 - z) * n + z * h_{t-1}              # (N, H)   hidden state

This is Cho et al. (2014)'s GRU in PyTorch's form (z = 1 keeps the old state, z = 0 takes the
candidate); some texts swap z and 1 - z. The update gate does the work of the LSTM's forget gate (z)
and input gate (1 - z) at once, and there is no separate cell state: h_t is the memory.

Steps count t = 1..T; h_0 is the initial state. Python counts from 0, so ``x[:, t-1]`` is x_t and
``hs[:, t-1]`` is h_t. The equations are written once, in :func:`gru_cell_forward` and
:func:`gru_cell_backward`; the step and sequence functions around them add the matrix products.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validate import as_array, as_arrays
from .activations import sigmoid

__all__ = [
    "BLOCK_NAMES",
    "GRUStepCache",
    "GRUCache",
    "gru_cell_forward",
    "gru_cell_backward",
    "gru_step_forward",
    "gru_step_backward",
    "gru_forward",
    "gru_backward",
    "gru_internals",
]

BLOCK_NAMES = ("r", "z", "n")


class GRUStepCache(NamedTuple):
    """What :func:`gru_step_backward` needs; the gates are there for plotting too."""

    x: np.ndarray  # (N, D)
    h_prev: np.ndarray  # (N, H)
    Wx: np.ndarray  # (D, 3H)
    Wh: np.ndarray  # (H, 3H)
    r: np.ndarray  # (N, H)
    z: np.ndarray  # (N, H)
    n: np.ndarray  # (N, H)
    ah_n: np.ndarray  # (N, H)  h_{t-1} W_hn + b_hn, the part the reset gate scales
    h: np.ndarray  # (N, H)


class GRUCache(NamedTuple):
    """What :func:`gru_backward` needs; every field of shape (N, T, H) holds step t at ``[:, t-1]``."""

    x: np.ndarray  # (N, T, D)
    h0: np.ndarray  # (N, H)
    Wx: np.ndarray  # (D, 3H)
    Wh: np.ndarray  # (H, 3H)
    hs: np.ndarray  # (N, T, H)
    r: np.ndarray  # (N, T, H)
    z: np.ndarray  # (N, T, H)
    n: np.ndarray  # (N, T, H)
    ah_n: np.ndarray  # (N, T, H)


def gru_cell_forward(ax, ah, h_prev):
    r"""The GRU's equations after the matrix products: gates, candidate and hidden state.

    Parameters
    ----------
    ax : numpy.ndarray, shape (N, 3H)
        Input part :math:`x_t W_x + b_x`, blocks r, z, n.
    ah : numpy.ndarray, shape (N, 3H)
        Recurrent part :math:`h_{t-1} W_h + b_h`, blocks r, z, n.
    h_prev : numpy.ndarray, shape (N, H)
        The previous hidden state :math:`h_{t-1}`.

    Returns
    -------
    r, z, n, h : numpy.ndarray, each shape (N, H)
        Reset gate, update gate, candidate and the new hidden state :math:`h_t`.
    """
    H = h_prev.shape[1]
    r = sigmoid(ax[:, 0 * H:1 * H] + ah[:, 0 * H:1 * H])  # (N, H)  reset gate
    z = sigmoid(ax[:, 1 * H:2 * H] + ah[:, 1 * H:2 * H])  # (N, H)  update gate
    n = np.tanh(ax[:, 2 * H:3 * H] + r * ah[:, 2 * H:3 * H])  # (N, H)  candidate
    h = (1.0 - z) * n + z * h_prev  # (N, H)  h_t
    return r, z, n, h


def gru_cell_backward(dh, h_prev, r, z, n, ah_n):
    r"""Reverse of :func:`gru_cell_forward`, its lines in reverse order.

    Parameters
    ----------
    dh : numpy.ndarray, shape (N, H)
        :math:`\partial L / \partial h_t` (all of it: from the loss and from step t+1).
    h_prev, r, z, n : numpy.ndarray, each shape (N, H)
        From the forward step.
    ah_n : numpy.ndarray, shape (N, H)
        The candidate block of the recurrent part, :math:`h_{t-1} W_{hn} + b_{hn}`.

    Returns
    -------
    dax : numpy.ndarray, shape (N, 3H)
        :math:`\partial L / \partial (x_t W_x + b_x)`, blocks r, z, n.
    dah : numpy.ndarray, shape (N, 3H)
        :math:`\partial L / \partial (h_{t-1} W_h + b_h)`, blocks r, z, n.
    dh_prev : numpy.ndarray, shape (N, H)
        The direct part of :math:`\partial L / \partial h_{t-1} = \partial L / \partial h_t \odot z`
        (the path through :math:`W_h` is ``dah @ Wh.T``, added by the caller).
    """
    dz = dh * (h_prev - n)  # (N, H)    h_t = (1 - z) * n + z * h_{t-1}
    dn = dh * (1.0 - z)  # (N, H)
    dh_prev = dh * z  # (N, H)
    dan = dn * (1.0 - n**2)  # (N, H)   n = tanh(an), an = ax_n + r * ah_n; tanh' = 1 - tanh^2
    dr = dan * ah_n  # (N, H)
    dah_n = dan * r  # (N, H)
    daz = dz * z * (1.0 - z)  # (N, H)  z = sigmoid(ax_z + ah_z); sigmoid' = s (1 - s)
    dar = dr * r * (1.0 - r)  # (N, H)  r = sigmoid(ax_r + ah_r)
    dax = np.concatenate([dar, daz, dan], axis=1)  # (N, 3H)
    dah = np.concatenate([dar, daz, dah_n], axis=1)  # (N, 3H)
    return dax, dah, dh_prev


def gru_step_forward(x, h_prev, Wx, Wh, bx, bh):
    r"""One step of the GRU.

    Parameters
    ----------
    x : array_like, shape (N, D)
    h_prev : array_like, shape (N, H)
    Wx : array_like, shape (D, 3H)
        Input weights, blocks r, z, n (PyTorch's ``weight_ih_l0.T``).
    Wh : array_like, shape (H, 3H)
        Recurrent weights, blocks r, z, n (PyTorch's ``weight_hh_l0.T``).
    bx : array_like, shape (3H,)
        Input bias (PyTorch's ``bias_ih_l0``).
    bh : array_like, shape (3H,)
        Recurrent bias (PyTorch's ``bias_hh_l0``); its n block is scaled by the reset gate.

    Returns
    -------
    h : numpy.ndarray, shape (N, H)
    cache : GRUStepCache
        Values for :func:`gru_step_backward`; ``cache.r``, ``.z``, ``.n`` are the gates.

    Notes
    -----
    .. math::
        r &= \sigma(x_t W_{xr} + b_{xr} + h_{t-1} W_{hr} + b_{hr}) \\
        z &= \sigma(x_t W_{xz} + b_{xz} + h_{t-1} W_{hz} + b_{hz}) \\
        n &= \tanh\big(x_t W_{xn} + b_{xn} + r \odot (h_{t-1} W_{hn} + b_{hn})\big) \\
        h_t &= (1 - z) \odot n + z \odot h_{t-1}
    """
    x, h_prev, Wx, Wh, bx, bh = as_arrays(
        ("x", x, ("N", "D")), ("h_prev", h_prev, ("N", "H")), ("Wx", Wx, ("D", "3H")),
        ("Wh", Wh, ("H", "3H")), ("bx", bx, ("3H",)), ("bh", bh, ("3H",)))
    H = h_prev.shape[1]
    ax = x @ Wx + bx  # (N, 3H)
    ah = h_prev @ Wh + bh  # (N, 3H)
    r, z, n, h = gru_cell_forward(ax, ah, h_prev)  # (N, H) each
    return h, GRUStepCache(x, h_prev, Wx, Wh, r, z, n, ah[:, 2 * H:3 * H], h)


def gru_step_backward(dh, cache):
    r"""Backward pass of one GRU step.

    Parameters
    ----------
    dh : array_like, shape (N, H)
        Gradient of the loss with respect to the step's ``h``.
    cache : GRUStepCache

    Returns
    -------
    dx : numpy.ndarray, shape (N, D)
    dh_prev : numpy.ndarray, shape (N, H)
    dWx : numpy.ndarray, shape (D, 3H)
    dWh : numpy.ndarray, shape (H, 3H)
    dbx : numpy.ndarray, shape (3H,)
    dbh : numpy.ndarray, shape (3H,)

    Notes
    -----
    .. math::
        \frac{\partial L}{\partial h_{t-1}} = \frac{\partial L}{\partial h_t} \odot z
        + \frac{\partial L}{\partial a_h} W_h^\top

    The first term is a pointwise product, like the LSTM's cell state: where z is close to 1 the
    gradient passes to the previous step almost unchanged.
    """
    x, h_prev, Wx, Wh, r, z, n, ah_n, h = cache
    dh = as_array("dh", dh, h.shape)
    dax, dah, dh_prev = gru_cell_backward(dh, h_prev, r, z, n, ah_n)  # (N, 3H), (N, 3H), (N, H)
    dbh = dah.sum(axis=0)  # (3H,)
    dWh = h_prev.T @ dah  # (H, 3H)
    dh_prev = dh_prev + dah @ Wh.T  # (N, H)  the direct path and the path through Wh
    dbx = dax.sum(axis=0)  # (3H,)
    dWx = x.T @ dax  # (D, 3H)
    dx = dax @ Wx.T  # (N, D)
    return dx, dh_prev, dWx, dWh, dbx, dbh


def gru_forward(x, h0, Wx, Wh, bx, bh):
    r"""Run the GRU over a whole sequence.

    Parameters
    ----------
    x : array_like, shape (N, T, D)
    h0 : array_like, shape (N, H)
    Wx : array_like, shape (D, 3H)
    Wh : array_like, shape (H, 3H)
    bx : array_like, shape (3H,)
    bh : array_like, shape (3H,)

    Returns
    -------
    hs : numpy.ndarray, shape (N, T, H)
        ``hs[:, t-1]`` is :math:`h_t`.
    cache : GRUCache
        Values for :func:`gru_backward`; also every step's gates (see :func:`gru_internals`).

    Notes
    -----
    The step equations of :func:`gru_step_forward` for :math:`t = 1, \dots, T`. The input part
    :math:`x_t W_x + b_x` of all steps is one matrix product before the loop.
    """
    x, h0, Wx, Wh, bx, bh = as_arrays(
        ("x", x, ("N", "T", "D")), ("h0", h0, ("N", "H")), ("Wx", Wx, ("D", "3H")),
        ("Wh", Wh, ("H", "3H")), ("bx", bx, ("3H",)), ("bh", bh, ("3H",)))
    N, T, D = x.shape
    H = h0.shape[1]
    # x_t Wx + bx does not depend on the recurrence: one matrix product for all steps before the loop
    xWx = x @ Wx + bx  # (N, T, 3H)
    dtype = np.result_type(xWx, h0, Wh, bh)
    hs, r_s, z_s, n_s, ahn_s = (np.empty((N, T, H), dtype=dtype) for _ in range(5))  # [:, t-1] is step t
    h = h0  # (N, H)  h_0
    for t in range(1, T + 1):
        ah = h @ Wh + bh  # (N, 3H)  h_{t-1} Wh + bh
        r, z, n, h = gru_cell_forward(xWx[:, t - 1], ah, h)  # (N, H) each: gates, candidate, h_t
        hs[:, t - 1], r_s[:, t - 1], z_s[:, t - 1], n_s[:, t - 1] = h, r, z, n
        ahn_s[:, t - 1] = ah[:, 2 * H:3 * H]
    return hs, GRUCache(x, h0, Wx, Wh, hs, r_s, z_s, n_s, ahn_s)


def gru_backward(dhs, cache):
    r"""Backpropagation through time for :func:`gru_forward`.

    Parameters
    ----------
    dhs : array_like, shape (N, T, H)
        Gradient of the loss with respect to every hidden state.
    cache : GRUCache

    Returns
    -------
    dx : numpy.ndarray, shape (N, T, D)
    dh0 : numpy.ndarray, shape (N, H)
    dWx : numpy.ndarray, shape (D, 3H)
    dWh : numpy.ndarray, shape (H, 3H)
    dbx : numpy.ndarray, shape (3H,)
    dbh : numpy.ndarray, shape (3H,)

    Notes
    -----
    The gradient reaching :math:`h_{t-1}` has two paths: straight through the update gate,
    :math:`\partial L / \partial h_t \odot z_t` (a pointwise product, as on the LSTM's cell state),
    and through :math:`W_h` into the three blocks. The weight gradients sum over steps; they are
    accumulated in one matrix product each after the loop.
    """
    x, h0, Wx, Wh, hs = cache.x, cache.h0, cache.Wx, cache.Wh, cache.hs
    N, T, D = x.shape
    H = h0.shape[1]
    dhs = as_array("dhs", dhs, (N, T, H))
    daxs = np.empty((N, T, 3 * H), dtype=hs.dtype)  # (N, T, 3H)  daxs[:, t-1] is dL/d(x_t Wx + bx)
    dahs = np.empty((N, T, 3 * H), dtype=hs.dtype)  # (N, T, 3H)  dahs[:, t-1] is dL/d(h_{t-1} Wh + bh)
    dh_next = np.zeros((N, H), dtype=hs.dtype)  # (N, H)  dL/dh_t arriving from step t+1 (none after T)
    for t in range(T, 0, -1):
        h_prev = hs[:, t - 2] if t > 1 else h0  # (N, H)  h_{t-1}
        dh = dhs[:, t - 1] + dh_next  # (N, H)  dL/dh_t: the loss at step t, and step t+1
        dax, dah, dh_direct = gru_cell_backward(dh, h_prev, cache.r[:, t - 1], cache.z[:, t - 1],
                                                cache.n[:, t - 1], cache.ah_n[:, t - 1])  # (N, 3H) x2, (N, H)
        dh_next = dh_direct + dah @ Wh.T  # (N, H)  dL/dh_{t-1}: through z, and through ah = h_{t-1} Wh + bh
        daxs[:, t - 1], dahs[:, t - 1] = dax, dah
    dh0 = dh_next  # (N, H)
    # the weights are shared by every step: their gradients are sums over steps, one product each
    hs_prev = np.concatenate([h0[:, None], hs[:, :-1]], axis=1)  # (N, T, H)  h_{t-1} of every step
    dbh = dahs.sum(axis=(0, 1))  # (3H,)
    dWh = np.tensordot(hs_prev, dahs, axes=([0, 1], [0, 1]))  # (H, 3H)  sum over n, t of h_{t-1}^T dah_t
    dbx = daxs.sum(axis=(0, 1))  # (3H,)
    dWx = np.tensordot(x, daxs, axes=([0, 1], [0, 1]))  # (D, 3H)  sum over n, t of x_t^T dax_t
    dx = daxs @ Wx.T  # (N, T, D)
    return dx, dh0, dWx, dWh, dbx, dbh


def gru_internals(cache):
    """Every step's gates and states from a :func:`gru_forward` cache, for plotting.

    Parameters
    ----------
    cache : GRUCache

    Returns
    -------
    dict of str to numpy.ndarray
        ``"h"``, ``"r"``, ``"z"``, ``"n"``, each of shape (N, T, H).
    """
    return {"h": cache.hs, "r": cache.r, "z": cache.z, "n": cache.n}
