r"""Gradient checking by centred finite differences.

A backward pass is checked by comparing it with the numerical derivative of its forward pass.
For a function ``out = f(**inputs)`` and an upstream gradient ``dout`` the checked scalar is
``L = sum(out * dout)``, and

.. math:: \frac{\partial L}{\partial \theta_k} \approx
          \frac{L(\theta + \epsilon e_k) - L(\theta - \epsilon e_k)}{2 \epsilon}

Nothing here relies on aliasing: every evaluation receives its own perturbed copy of the
argument, passed explicitly by name.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["numerical_gradient", "relative_error", "gradient_check", "GradCheckReport"]


def _scalar(out, dout):
    out = np.asarray(out, dtype=np.float64)
    if dout is None:
        if out.size != 1:
            raise ValueError(f"f returned an array of shape {out.shape}; pass dout of the same shape "
                             "(or make f return a scalar loss)")
        return float(out.reshape(()))
    dout = np.asarray(dout, dtype=np.float64)
    if dout.shape != out.shape:
        raise ValueError(f"dout must have the shape of f's output {out.shape}; got shape {dout.shape}")
    return float(np.sum(out * dout))


def numerical_gradient(f, inputs, wrt, dout=None, eps=1e-5):
    """Centred-difference gradient of ``sum(f(**inputs) * dout)`` with respect to ``inputs[wrt]``.

    Parameters
    ----------
    f : callable
        Called as ``f(**inputs)``; returns a scalar loss, or an array if ``dout`` is given.
        If it returns a tuple, its first element is used (so a ``*_forward`` returning
        ``(out, cache)`` can be passed as it is).
    inputs : dict of str to array_like
        Keyword arguments of ``f``. They are not modified.
    wrt : str
        Name of the argument to differentiate with respect to.
    dout : array_like, optional
        Upstream gradient, same shape as ``f``'s output.
    eps : float
        Step size.

    Returns
    -------
    numpy.ndarray, shape of ``inputs[wrt]``, float64
    """
    if wrt not in inputs:
        raise ValueError(f"wrt must name one of f's inputs {sorted(inputs)}; got {wrt!r}")
    base = np.array(inputs[wrt], dtype=np.float64)  # own copy, float64 for accuracy

    def loss_at(value):
        out = f(**{**inputs, wrt: value})
        if isinstance(out, tuple):
            out = out[0]
        return _scalar(out, dout)

    grad = np.zeros_like(base)
    for k in np.ndindex(base.shape):
        plus = base.copy()
        plus[k] += eps
        minus = base.copy()
        minus[k] -= eps
        grad[k] = (loss_at(plus) - loss_at(minus)) / (2.0 * eps)
    return grad


def relative_error(analytic, numeric, scale=None):
    r"""Relative error between two gradients, measured in norms.

    .. math:: \frac{\lVert a - n \rVert}{\max(\lVert a \rVert + \lVert n \rVert, 10^{-12})}

    Parameters
    ----------
    analytic, numeric : array_like, same shape
    scale : float, optional
        Denominator to use instead of ``||a|| + ||n||``: a slice of a gradient (one time step)
        is measured against the whole gradient's size, so a step whose true gradient is zero
        does not turn finite-difference noise into a large relative error.

    Returns
    -------
    float
        0.0 for two empty or identical arrays; about 1e-10 for a correct float64 backward pass,
        of order 1 for a wrong one.
    """
    a = np.asarray(analytic, dtype=np.float64)
    n = np.asarray(numeric, dtype=np.float64)
    if a.shape != n.shape:
        raise ValueError(f"analytic gradient must have the numeric gradient's shape {n.shape}; got {a.shape}")
    if a.size == 0:
        return 0.0
    if scale is None:
        scale = np.linalg.norm(a) + np.linalg.norm(n)
    return float(np.linalg.norm(a - n) / max(scale, 1e-12))


@dataclass
class GradCheckReport:
    """Result of :func:`gradient_check`.

    Attributes
    ----------
    errors : dict of str to float
        Relative error per checked gradient (named ``d`` + argument).
    per_step : dict of str to numpy.ndarray
        Relative error per time step for gradients with a time axis, shape (T,); index t-1 is
        step t, and :meth:`summary` counts steps from 1, as the notation card does.
    per_output_step : dict of str to numpy.ndarray
        Relative error per gradient when the loss sits at output step t only, shape (T,).
    tol : float
        Largest relative error still called correct.
    """

    errors: dict = field(default_factory=dict)
    per_step: dict = field(default_factory=dict)
    per_output_step: dict = field(default_factory=dict)
    tol: float = 1e-7

    @property
    def ok(self):
        """True when every error (overall and per step) is within ``tol``."""
        every = list(self.errors.values())
        for table in (self.per_step, self.per_output_step):
            every += [float(e) for errs in table.values() for e in errs]
        return all(e <= self.tol for e in every)

    def wrong(self):
        """Names of the gradients whose overall error exceeds ``tol``."""
        return [name for name, e in self.errors.items() if e > self.tol]

    def _steps_text(self, errs):
        bad = [t for t, e in enumerate(errs, start=1) if e > self.tol]  # errs[t-1] is step t
        good = [t for t, e in enumerate(errs, start=1) if e <= self.tol]
        if not bad:
            return "right at every step"
        return f"right at t = {_ranges(good) or 'none'}, wrong at t = {_ranges(bad)}"

    def summary(self):
        """One line per gradient, in words: which is right, which is wrong, and where in time."""
        lines = []
        for name, err in self.errors.items():
            verdict = "right" if err <= self.tol else "WRONG"
            line = f"{name}: {verdict} (relative error {err:.1e})"
            if name in self.per_step:
                line += "; " + self._steps_text(self.per_step[name])
            if name in self.per_output_step:
                line += "; for the loss at step t alone: " + self._steps_text(self.per_output_step[name])
            lines.append(line)
        return "\n".join(lines)

    def __str__(self):
        return self.summary()


def _ranges(ts):
    """[1, 2, 3, 6] -> '1..3, 6'."""
    out, start = [], None
    for k, t in enumerate(ts):
        if start is None:
            start = t
        if k + 1 == len(ts) or ts[k + 1] != t + 1:
            out.append(str(start) if start == t else f"{start}..{t}")
            start = None
    return ", ".join(out)


def gradient_check(f, inputs, backward, dout=None, *, time_axes=None, output_time_axis=None,
                   eps=1e-5, tol=1e-7, seed=0):
    """Compare an analytic backward pass with centred differences, per argument and per step.

    Parameters
    ----------
    f : callable
        Forward function, called as ``f(**inputs)``; returns the output array (or a tuple whose
        first element is the output).
    inputs : dict of str to array_like
        Arguments of ``f``.
    backward : callable
        Called as ``backward(dout)``; returns a dict mapping a gradient name ``"d" + arg`` (for
        example ``"dWh"``) to the analytic gradient. Only the names it returns are checked.
    dout : array_like, optional
        Upstream gradient; by default a seeded standard normal array of the output's shape.
    time_axes : dict of str to int, optional
        For arguments with a time axis (``{"x": 1}`` for x of shape (N, T, D)) the error of the
        gradient is also reported per time step.
    output_time_axis : int, optional
        If given (1 for hs of shape (N, T, H)), each gradient is also checked once per output
        step t with ``dout`` zero except at step t: which step's loss is backpropagated wrongly.
        Each such error is relative to that gradient's size, but at least 1% of the size of the
        gradient of the whole loss.
    eps, tol : float
        Finite-difference step and the relative error still called correct.
    seed : int
        Seed of the default ``dout``.

    Returns
    -------
    GradCheckReport
        ``report.ok``, ``report.errors``, ``report.per_step``, ``report.summary()``.

    Examples
    --------
    >>> import numpy as np, rnnlib
    >>> rng = np.random.default_rng(0)
    >>> args = dict(x=rng.normal(size=(2, 3, 4)), h0=rng.normal(size=(2, 5)),
    ...             Wx=rng.normal(size=(4, 5)), Wh=rng.normal(size=(5, 5)), b=rng.normal(size=5))
    >>> def backward(dhs):
    ...     _, cache = rnnlib.rnn_forward(**args)
    ...     return dict(zip(["dx", "dh0", "dWx", "dWh", "db"], rnnlib.rnn_backward(dhs, cache)))
    >>> gradient_check(rnnlib.rnn_forward, args, backward).ok
    True
    """
    out = f(**inputs)
    if isinstance(out, tuple):
        out = out[0]
    out = np.asarray(out)
    if dout is None:
        dout = np.random.default_rng(seed).standard_normal(out.shape)
    dout = np.asarray(dout, dtype=np.float64)
    analytic = backward(dout)
    report = GradCheckReport(tol=tol)
    time_axes = time_axes or {}
    numeric = {}
    for gname, grad in analytic.items():
        arg = gname[1:] if gname.startswith("d") else gname
        if arg not in inputs:
            raise ValueError(f"backward returned {gname!r}, which names no input of f {sorted(inputs)}")
        numeric[gname] = numerical_gradient(f, inputs, arg, dout=dout, eps=eps)
        report.errors[gname] = relative_error(grad, numeric[gname])
        if arg in time_axes:
            ax = time_axes[arg]
            g = np.moveaxis(np.asarray(grad, dtype=np.float64), ax, 0)
            n = np.moveaxis(numeric[gname], ax, 0)
            scale = np.linalg.norm(g) + np.linalg.norm(n)
            report.per_step[gname] = np.array([relative_error(g[t], n[t], scale) for t in range(g.shape[0])])
    if output_time_axis is not None:
        T = dout.shape[output_time_axis]
        per = {gname: np.zeros(T) for gname in analytic}
        for t in range(T):
            masked = np.zeros_like(dout)
            idx = [slice(None)] * dout.ndim
            idx[output_time_axis] = t
            masked[tuple(idx)] = dout[tuple(idx)]
            analytic_t = backward(masked)
            for gname in analytic:
                num_t = numerical_gradient(f, inputs, gname[1:], dout=masked, eps=eps)
                # A step whose true gradient is tiny (dh0 from the last output) is measured against
                # 1% of the whole gradient's size, so finite-difference noise is not called wrong.
                own = np.linalg.norm(analytic_t[gname]) + np.linalg.norm(num_t)
                whole = np.linalg.norm(analytic[gname]) + np.linalg.norm(numeric[gname])
                per[gname][t] = relative_error(analytic_t[gname], num_t, max(own, 1e-2 * whole))
        report.per_output_step = per
    return report
