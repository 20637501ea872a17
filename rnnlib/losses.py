r"""Read-out layers and losses, each with its gradient.

For a many-to-one model the read-out maps the last hidden state to a score (logit),
``s = h_T @ Wy + by``, and the loss compares the score with the label ``y``. For a many-to-many
model (a character-level language model) the temporal read-out gives a score at every step,
``s_t = h_t @ Wy + by``, and the temporal softmax loss compares each with the step's target
``y_t``, counting only the real (unmasked) steps.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_array, as_arrays
from .activations import sigmoid, softmax

__all__ = [
    "affine_forward",
    "affine_backward",
    "temporal_affine_forward",
    "temporal_affine_backward",
    "temporal_softmax_loss",
    "per_letter_cross_entropy",
    "binary_logistic_loss",
    "softmax_cross_entropy",
    "last_step",
    "last_step_backward",
]


def affine_forward(h, Wy, by):
    r"""Affine read-out ``s = h @ Wy + by``: one score per class.

    Parameters
    ----------
    h : array_like, shape (N, H)
    Wy : array_like, shape (H, C)
    by : array_like, shape (C,)

    Returns
    -------
    s : numpy.ndarray, shape (N, C)
        The scores (logits).
    cache : tuple
        ``(h, Wy)`` for :func:`affine_backward`.

    Notes
    -----
    .. math:: s = h_T W_y + b_y
    """
    dims = {}
    h = as_array("h", h, ("N", "H"), dims)
    Wy = as_array("Wy", Wy, ("H", "C"), dims)
    by = as_array("by", by, ("C",), dims)
    s = h @ Wy + by  # (N, C)
    return s, (h, Wy)


def affine_backward(ds, cache):
    r"""Backward pass of :func:`affine_forward`.

    Parameters
    ----------
    ds : array_like, shape (N, C)
        dL/ds, the gradient of the loss with respect to the scores.
    cache : tuple from :func:`affine_forward`

    Returns
    -------
    dh : numpy.ndarray, shape (N, H)
    dWy : numpy.ndarray, shape (H, C)
    dby : numpy.ndarray, shape (C,)

    Notes
    -----
    .. math:: \frac{\partial L}{\partial b_y} = \sum_n \frac{\partial L}{\partial s_n}, \qquad
              \frac{\partial L}{\partial W_y} = h^\top \frac{\partial L}{\partial s}, \qquad
              \frac{\partial L}{\partial h} = \frac{\partial L}{\partial s} W_y^\top
    """
    h, Wy = cache
    ds = as_array("ds", ds, (h.shape[0], Wy.shape[1]))
    dby = ds.sum(axis=0)  # (C,)
    dWy = h.T @ ds  # (H, C)
    dh = ds @ Wy.T  # (N, H)
    return dh, dWy, dby


def temporal_affine_forward(hs, Wy, by):
    r"""Temporal affine read-out: a score vector at every step, ``s_t = h_t @ Wy + by``.

    Parameters
    ----------
    hs : array_like, shape (N, T, H)
        Hidden states; ``hs[:, t-1]`` is h_t.
    Wy : array_like, shape (H, V)
        Read-out weights, shared by every step; V is the vocabulary size (number of classes).
    by : array_like, shape (V,)

    Returns
    -------
    s : numpy.ndarray, shape (N, T, V)
        Scores (logits); ``s[:, t-1]`` is s_t.
    cache : tuple
        ``(hs, Wy)`` for :func:`temporal_affine_backward`.

    Notes
    -----
    .. math:: s_t = h_t W_y + b_y, \qquad t = 1, \dots, T

    The same W_y and b_y read every step, so their gradients are sums over n and t.
    """
    hs, Wy, by = as_arrays(("hs", hs, ("N", "T", "H")), ("Wy", Wy, ("H", "V")), ("by", by, ("V",)))
    s = hs @ Wy + by  # (N, T, V)
    return s, (hs, Wy)


def temporal_affine_backward(ds, cache):
    r"""Backward pass of :func:`temporal_affine_forward`.

    Parameters
    ----------
    ds : array_like, shape (N, T, V)
        dL/ds at every step.
    cache : tuple from :func:`temporal_affine_forward`

    Returns
    -------
    dhs : numpy.ndarray, shape (N, T, H)
    dWy : numpy.ndarray, shape (H, V)
    dby : numpy.ndarray, shape (V,)

    Notes
    -----
    .. math:: \frac{\partial L}{\partial b_y} = \sum_{n,t} \frac{\partial L}{\partial s_{n,t}}, \qquad
              \frac{\partial L}{\partial W_y} = \sum_{n,t} h_{n,t}^\top \frac{\partial L}{\partial s_{n,t}}, \qquad
              \frac{\partial L}{\partial h_{n,t}} = \frac{\partial L}{\partial s_{n,t}} W_y^\top
    """
    hs, Wy = cache
    N, T, H = hs.shape
    V = Wy.shape[1]
    ds = as_array("ds", ds, (N, T, V))
    dby = ds.sum(axis=(0, 1))  # (V,)
    dWy = hs.reshape(N * T, H).T @ ds.reshape(N * T, V)  # (H, V)  sum over n and t of h^T ds
    dhs = ds @ Wy.T  # (N, T, H)
    return dhs, dWy, dby


def _check_targets(y, mask, N, T, V, dtype=np.float64):
    """Validate per-step targets y (N, T) in [0, V) and a 0/1 mask (N, T); return (int, float)."""
    y = as_array("y", y, (N, T))
    if not np.all((y >= 0) & (y < V) & (y == np.round(y))):
        raise ValueError(f"y must hold integer targets in [0, {V - 1}] (V = {V}); "
                         f"got values from {y.min()} to {y.max()}")
    if mask is None:
        mask = np.ones((N, T))
    mask = as_array("mask", mask, (N, T), dtype=dtype)
    if not np.all((mask == 0) | (mask == 1)):
        raise ValueError(f"mask must hold only 0/1 (or False/True) of shape ({N}, {T}); "
                         f"got values {np.unique(mask)[:5]}")
    return y.astype(np.intp), mask


def temporal_softmax_loss(s, y, mask=None):
    r"""Softmax cross-entropy at every step, summed over the real steps, divided by N.

    Parameters
    ----------
    s : array_like, shape (N, T, V)
        Scores (logits) at every step; V is the vocabulary size (number of classes).
    y : array_like of int, shape (N, T)
        Targets: ``y[n, t-1]`` is the class that step t of sequence n should predict, in [0, V).
        A padded step may hold any valid class; the mask removes it.
    mask : array_like of bool or 0/1, shape (N, T), optional
        1 (True) at the real steps, 0 (False) at padding. By default every step is real.

    Returns
    -------
    loss : float
    ds : numpy.ndarray, shape (N, T, V)
        dL/ds; exactly 0 at masked steps.

    Notes
    -----
    .. math::
        L = -\frac{1}{N} \sum_{n=1}^{N} \sum_{t=1}^{T} m_{n,t}\,
            \log \mathrm{softmax}(s_{n,t})_{y_{n,t}}, \qquad
        \frac{\partial L}{\partial s_{n,t}} =
            \frac{m_{n,t}}{N} \big(\mathrm{softmax}(s_{n,t}) - \mathbb{1}_{y_{n,t}}\big)

    The convention is CS231n's ``temporal_softmax_loss``: the sum over the masked steps divided
    by N, not by the number of real steps. L is the mean over the batch of each sequence's own
    loss (per sequence: a word's summed negative log-likelihood), so a longer word weighs more
    than a shorter one, as it carries more letters to predict. For a per-letter figure (and the
    perplexity, its exponential) use :func:`per_letter_cross_entropy`.

    The log-softmax subtracts each step's largest score first, so large scores cannot overflow.
    """
    s = as_array("s", s, ("N", "T", "V"))
    N, T, V = s.shape
    y, mask = _check_targets(y, mask, N, T, V, s.dtype)
    shifted = s - s.max(axis=2, keepdims=True)  # (N, T, V)  largest score is 0
    log_p = shifted - np.log(np.exp(shifted).sum(axis=2, keepdims=True))  # (N, T, V)  log softmax(s)
    n, t = np.arange(N)[:, None], np.arange(T)[None, :]  # (N, 1), (1, T): index every (n, t)
    log_p_y = log_p[n, t, y]  # (N, T)  log-probability of each step's target
    loss = float(-(mask * log_p_y).sum() / N)
    ds = np.exp(log_p)  # (N, T, V)  softmax(s)
    ds[n, t, y] -= 1.0  # (N, T, V)  softmax(s) - one_hot(y)
    ds = ds * mask[:, :, None] / N  # (N, T, V)  masked steps get exactly 0
    return loss, ds


def per_letter_cross_entropy(s, y, mask=None):
    r"""Mean cross-entropy per real step, in nats (its exponential is the perplexity).

    Parameters
    ----------
    s : array_like, shape (N, T, V)
    y : array_like of int, shape (N, T)
    mask : array_like of bool or 0/1, shape (N, T), optional
        As for :func:`temporal_softmax_loss`; at least one step must be real.

    Returns
    -------
    float
        Nats per letter; ``log(V)`` for a model that predicts the uniform distribution.

    Notes
    -----
    .. math::
        \bar L = -\frac{1}{\sum_{n,t} m_{n,t}} \sum_{n,t} m_{n,t}
                 \log \mathrm{softmax}(s_{n,t})_{y_{n,t}}, \qquad
        \mathrm{perplexity} = e^{\bar L}

    It equals ``temporal_softmax_loss(s, y, mask)[0] * N / mask.sum()``: the same sum, divided by
    the number of real steps instead of N, so models and n-gram baselines compare per letter.
    """
    s = as_array("s", s, ("N", "T", "V"))
    N, T, V = s.shape
    _, m = _check_targets(y, mask, N, T, V)
    if m.sum() == 0:
        raise ValueError(f"mask must mark at least one real step; got a mask of shape {m.shape} with none")
    loss, _ = temporal_softmax_loss(s, y, m)
    return float(loss * N / m.sum())


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
