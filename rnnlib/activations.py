"""Activation functions and their derivatives, numerically stable.

Each derivative is written in terms of the function's *output*, the form backward passes use:
``sigmoid'(a) = s (1 - s)`` and ``tanh'(a) = 1 - h**2``.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_array

__all__ = ["sigmoid", "tanh", "softmax", "relu", "identity", "ACTIVATIONS"]


def sigmoid(a):
    r"""Logistic sigmoid, stable for large ``|a|`` (no overflow warning at ``|a| = 1000``).

    Parameters
    ----------
    a : array_like, any shape

    Returns
    -------
    numpy.ndarray, same shape as ``a``

    Notes
    -----
    .. math:: \sigma(a) = \frac{1}{1 + e^{-a}} = \frac{e^{a}}{1 + e^{a}}

    The first form is used where ``a >= 0`` and the second where ``a < 0``, so ``exp`` only ever
    sees a non-positive argument and cannot overflow.
    """
    a = np.asarray(a, dtype=np.result_type(np.asarray(a).dtype, np.float32))
    e = np.exp(-np.abs(a))  # in (0, 1]: never overflows
    return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(a.dtype, copy=False)


def tanh(a):
    r"""Hyperbolic tangent, :math:`\tanh(a) = (e^{a} - e^{-a}) / (e^{a} + e^{-a})`."""
    return np.tanh(np.asarray(a, dtype=np.result_type(np.asarray(a).dtype, np.float32)))


def relu(a):
    r"""Rectified linear unit, :math:`\max(0, a)`."""
    a = np.asarray(a, dtype=np.result_type(np.asarray(a).dtype, np.float32))
    return np.maximum(a, 0.0)


def identity(a):
    """The identity, ``a`` as a float array (a linear RNN)."""
    return np.asarray(a, dtype=np.result_type(np.asarray(a).dtype, np.float32)).copy()


def softmax(z, axis=-1):
    r"""Softmax along ``axis``, stable for large logits.

    Parameters
    ----------
    z : array_like, shape (..., C)
    axis : int

    Returns
    -------
    numpy.ndarray, same shape as ``z``, non-negative, summing to 1 along ``axis``

    Notes
    -----
    .. math:: \mathrm{softmax}(z)_k = \frac{e^{z_k - \max_j z_j}}{\sum_c e^{z_c - \max_j z_j}}
    """
    z = as_array("z", z, tuple(f"d{i}" for i in range(np.ndim(z))) or ("C",))
    shifted = z - z.max(axis=axis, keepdims=True)  # largest exponent is 0
    e = np.exp(shifted)
    return e / e.sum(axis=axis, keepdims=True)


# name -> (function, derivative expressed through the output y = f(a) and the input a)
ACTIVATIONS = {
    "tanh": (tanh, lambda y, a: 1.0 - y**2),
    "sigmoid": (sigmoid, lambda y, a: y * (1.0 - y)),
    "relu": (relu, lambda y, a: (a > 0).astype(y.dtype)),
    "identity": (identity, lambda y, a: np.ones_like(y)),
}
