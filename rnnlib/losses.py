r"""Readout layer and losses, each with its gradient.

For a many-to-one model the readout maps the last hidden state to a logit,
``y = h_T @ Wy + by``, and the loss compares the logit with the label.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_array
from .activations import sigmoid, softmax

__all__ = [
    "affine_forward",
    "affine_backward",
    "binary_logistic_loss",
    "softmax_cross_entropy",
    "last_step",
    "last_step_backward",
]


def affine_forward(h, Wy, by):
    r"""Affine readout ``y = h @ Wy + by``.

    Parameters
    ----------
    h : array_like, shape (N, H)
    Wy : array_like, shape (H, C)
    by : array_like, shape (C,)

    Returns
    -------
    y : numpy.ndarray, shape (N, C)
    cache : tuple
        ``(h, Wy)`` for :func:`affine_backward`.

    Notes
    -----
    .. math:: y = h_T W_y + b_y
    """
    dims = {}
    h = as_array("h", h, ("N", "H"), dims)
    Wy = as_array("Wy", Wy, ("H", "C"), dims)
    by = as_array("by", by, ("C",), dims)
    y = h @ Wy + by  # (N, C)
    return y, (h, Wy)


def affine_backward(dy, cache):
    """Backward pass of :func:`affine_forward`.

    Parameters
    ----------
    dy : array_like, shape (N, C)
    cache : tuple from :func:`affine_forward`

    Returns
    -------
    dh : numpy.ndarray, shape (N, H)
    dWy : numpy.ndarray, shape (H, C)
    dby : numpy.ndarray, shape (C,)
    """
    h, Wy = cache
    dy = as_array("dy", dy, (h.shape[0], Wy.shape[1]))
    dby = dy.sum(axis=0)  # (C,)
    dWy = h.T @ dy  # (H, C)
    dh = dy @ Wy.T  # (N, H)
    return dh, dWy, dby


def _check_labels(y, n, name="y", n_classes=None):
    y = np.asarray(y)
    if y.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},) (one label per sequence); got shape {y.shape}")
    if y.dtype.kind == "f" and not np.all(np.isfinite(y)):
        raise ValueError(f"{name} must be finite")
    hi = 2 if n_classes is None else n_classes
    if not np.all((y >= 0) & (y < hi) & (y == np.round(y))):
        raise ValueError(f"{name} must hold integer class labels in [0, {hi - 1}]; "
                         f"got values from {y.min()} to {y.max()}")
    return y


def binary_logistic_loss(s, y):
    r"""Sigmoid + binary cross-entropy, averaged over the batch, and its gradient.

    Parameters
    ----------
    s : array_like, shape (N,) or (N, 1)
        Logits (the readout before the sigmoid).
    y : array_like, shape (N,)
        Labels in {0, 1}.

    Returns
    -------
    loss : float
    ds : numpy.ndarray, same shape as ``s``

    Notes
    -----
    .. math::
        L = \frac{1}{N} \sum_n \big[\log(1 + e^{s_n}) - y_n s_n\big], \qquad
        \frac{\partial L}{\partial s_n} = \frac{\sigma(s_n) - y_n}{N}

    ``log(1 + e^s)`` is computed as ``logaddexp(0, s)`` so large logits cannot overflow.
    """
    s_in = np.asarray(s)
    if s_in.ndim == 2 and s_in.shape[1:] == (1,):
        s_flat = as_array("s", s_in, ("N", 1))[:, 0]
    else:
        s_flat = as_array("s", s_in, ("N",))
    n = s_flat.shape[0]
    y = _check_labels(y, n).astype(s_flat.dtype)
    loss = float(np.mean(np.logaddexp(0.0, s_flat) - y * s_flat))
    ds = (sigmoid(s_flat) - y) / n  # (N,)
    return loss, ds.reshape(s_in.shape)


def softmax_cross_entropy(s, y):
    r"""Softmax + cross-entropy, averaged over the batch, and its gradient.

    Parameters
    ----------
    s : array_like, shape (N, C)
        Logits.
    y : array_like, shape (N,)
        Integer class labels in [0, C).

    Returns
    -------
    loss : float
    ds : numpy.ndarray, shape (N, C)

    Notes
    -----
    .. math::
        L = -\frac{1}{N}\sum_n \log \mathrm{softmax}(s_n)_{y_n}, \qquad
        \frac{\partial L}{\partial s_n} = \frac{\mathrm{softmax}(s_n) - \mathbb{1}_{y_n}}{N}
    """
    s = as_array("s", s, ("N", "C"))
    n, c = s.shape
    y = _check_labels(y, n, n_classes=c).astype(int)
    shifted = s - s.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))  # (N, C)
    loss = float(-log_p[np.arange(n), y].mean())
    ds = softmax(s)  # (N, C)
    ds[np.arange(n), y] -= 1.0
    return loss, ds / n


def last_step(hs, lengths=None):
    """The hidden state of each sequence's last real step (many-to-one readout input).

    Parameters
    ----------
    hs : array_like, shape (N, T, H)
    lengths : array_like of int, shape (N,), optional
        True lengths of post-padded sequences; by default every sequence has length T.

    Returns
    -------
    h_last : numpy.ndarray, shape (N, H)
        ``hs[n, lengths[n] - 1]``.
    """
    hs = np.asarray(hs)
    N, T, _ = hs.shape
    if lengths is None:
        return hs[:, -1]
    lengths = check_lengths(lengths, N, T)
    return hs[np.arange(N), lengths - 1]


def last_step_backward(dh_last, shape, lengths=None):
    """Scatter the gradient of :func:`last_step` back to every step.

    Parameters
    ----------
    dh_last : numpy.ndarray, shape (N, H)
    shape : tuple (N, T, H)
    lengths : array_like of int, shape (N,), optional

    Returns
    -------
    dhs : numpy.ndarray, shape (N, T, H)
        Zero everywhere except at each sequence's last real step.
    """
    N, T, H = shape
    dhs = np.zeros(shape, dtype=dh_last.dtype)
    if lengths is None:
        dhs[:, -1] = dh_last
    else:
        lengths = check_lengths(lengths, N, T)
        dhs[np.arange(N), lengths - 1] = dh_last
    return dhs


def check_lengths(lengths, n, t):
    """Validate sequence lengths: integers in [1, T], one per sequence."""
    lengths = np.asarray(lengths)
    if lengths.shape != (n,):
        raise ValueError(f"lengths must have shape ({n},) (one length per sequence); got shape {lengths.shape}")
    if lengths.dtype.kind not in "iu" or lengths.min() < 1 or lengths.max() > t:
        raise ValueError(f"lengths must be integers in [1, {t}] (T = {t}); got dtype {lengths.dtype}, "
                         f"values from {lengths.min()} to {lengths.max()}")
    return lengths.astype(np.intp)
