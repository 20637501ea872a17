r"""Optimisers and gradient clipping.

Parameters and gradients are dicts of arrays with the same keys (``{"Wx": ..., "Wh": ...}``); an
optimiser updates the parameter arrays in place, so a model that holds the dict sees the change.
"""

from __future__ import annotations

import numpy as np

__all__ = ["SGD", "Adam", "clip_grad_norm", "global_norm"]


def _check_pair(params, grads):
    if set(grads) != set(params):
        raise ValueError(f"grads must have the keys of params {sorted(params)}; got {sorted(grads)}")
    for k in params:
        if np.shape(grads[k]) != np.shape(params[k]):
            raise ValueError(f"grads[{k!r}] must have shape {np.shape(params[k])}; got {np.shape(grads[k])}")


def _check_rate(name, value, lo=0.0, hi=np.inf, lo_open=True):
    if not np.isfinite(value) or value < lo or (lo_open and value == lo) or value >= hi:
        raise ValueError(f"{name} must be in {'(' if lo_open else '['}{lo}, {hi}); got {value!r}")
    return float(value)


def global_norm(grads):
    r"""The norm of all gradients taken as one vector, :math:`\sqrt{\sum_k \lVert g_k \rVert^2}`."""
    return float(np.sqrt(sum(float(np.sum(np.square(g))) for g in grads.values())))


def clip_grad_norm(grads, max_norm):
    r"""Scale all gradients together so that their global norm is at most ``max_norm``.

    Parameters
    ----------
    grads : dict of str to numpy.ndarray
    max_norm : float

    Returns
    -------
    clipped : dict of str to numpy.ndarray
        New arrays; the input is not modified.
    norm : float
        The global norm before clipping (what a plot of exploding gradients shows).

    Notes
    -----
    .. math:: g \leftarrow g \cdot \min\Big(1, \frac{\tau}{\lVert g \rVert}\Big)

    Clipping keeps the direction of the update and only bounds its length.
    """
    max_norm = _check_rate("max_norm", max_norm)
    norm = global_norm(grads)
    factor = min(1.0, max_norm / (norm + 1e-12)) if np.isfinite(norm) else 1.0
    return {k: g * factor for k, g in grads.items()}, norm


class SGD:
    r"""Stochastic gradient descent with (heavy-ball) momentum.

    .. math::
        v \leftarrow \mu v - \eta\, g, \qquad \theta \leftarrow \theta + v

    Parameters
    ----------
    params : dict of str to numpy.ndarray
        Updated in place by :meth:`step`.
    lr : float
        Learning rate :math:`\eta > 0`.
    momentum : float
        :math:`\mu \in [0, 1)`; 0 is plain SGD.
    """

    def __init__(self, params, lr=0.1, momentum=0.0):
        self.params = params
        self.lr = _check_rate("lr", lr)
        self.momentum = _check_rate("momentum", momentum, 0.0, 1.0, lo_open=False)
        self.velocity = {k: np.zeros_like(p) for k, p in params.items()}

    def step(self, grads):
        """Apply one update from ``grads`` (same keys and shapes as ``params``)."""
        _check_pair(self.params, grads)
        for k, p in self.params.items():
            v = self.velocity[k]
            v *= self.momentum
            v -= self.lr * grads[k]
            p += v


class Adam:
    r"""Adam (Kingma & Ba, 2015).

    .. math::
        m &\leftarrow \beta_1 m + (1 - \beta_1) g, \qquad
        v \leftarrow \beta_2 v + (1 - \beta_2) g^2 \\
        \theta &\leftarrow \theta - \eta \frac{m / (1 - \beta_1^t)}{\sqrt{v / (1 - \beta_2^t)} + \epsilon}

    Parameters
    ----------
    params : dict of str to numpy.ndarray
        Updated in place by :meth:`step`.
    lr : float
    beta1, beta2 : float in [0, 1)
    eps : float
    """

    def __init__(self, params, lr=1e-2, beta1=0.9, beta2=0.999, eps=1e-8):
        self.params = params
        self.lr = _check_rate("lr", lr)
        self.beta1 = _check_rate("beta1", beta1, 0.0, 1.0, lo_open=False)
        self.beta2 = _check_rate("beta2", beta2, 0.0, 1.0, lo_open=False)
        self.eps = _check_rate("eps", eps)
        self.m = {k: np.zeros_like(p) for k, p in params.items()}
        self.v = {k: np.zeros_like(p) for k, p in params.items()}
        self.t = 0

    def step(self, grads):
        """Apply one update from ``grads`` (same keys and shapes as ``params``)."""
        _check_pair(self.params, grads)
        self.t += 1
        bias1 = 1.0 - self.beta1**self.t
        bias2 = 1.0 - self.beta2**self.t
        for k, p in self.params.items():
            g = grads[k]
            self.m[k] = self.beta1 * self.m[k] + (1.0 - self.beta1) * g
            self.v[k] = self.beta2 * self.v[k] + (1.0 - self.beta2) * g * g
            p -= self.lr * (self.m[k] / bias1) / (np.sqrt(self.v[k] / bias2) + self.eps)
