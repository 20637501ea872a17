r"""The exercise of notebook 03: backpropagation through time for a many-to-one RNN.

The learner writes ``rnn_backward(dhs, cache) -> (dx, dh0, dWx, dWh, db)``. Steps count from 1
(``hs[:, t-1]`` is :math:`h_t`, :math:`h_0` the initial state); the gradient that reaches
:math:`h_t` comes from the loss at step t and from the step after it::

    dh = dhs[:, t-1] + dh_next                       # (N, H)   dL/dh_t
    da = dh * (1 - h_t**2)                           # (N, H)   through tanh
    dh_next = da @ Wh.T                              # (N, H)   dL/dh_{t-1}, through the recurrent weights

:func:`check_rnn_backward` compares the learner's gradients with the library's
:func:`rnnlib.rnn.rnn_backward` and with finite differences of :func:`rnnlib.rnn.rnn_forward`,
per parameter and per time step, and recognises the typical mistakes. These are small edits of the
written solution (:data:`MISTAKES`); :func:`mistaken_rnn_backward` builds one, to see what the
checker says about it.
"""

from __future__ import annotations

import numpy as np

from ..gradcheck import gradient_check
from ..lessons.unrolled_many_to_one import step_gradients
from ..rnn import rnn_backward, rnn_forward
from .base import CheckResult, register_hints, with_mistake

__all__ = [
    "check_rnn_backward",
    "solution_rnn_backward",
    "mistaken_rnn_backward",
    "MISTAKES",
]

GRAD_NAMES = ("dx", "dh0", "dWx", "dWh", "db")


# ----------------------------------------------------------------------------------------------
# The exercise: rnn_backward(dhs, cache) -> (dx, dh0, dWx, dWh, db)

_SOLUTION = """\
def rnn_backward_mine(dhs, cache):
    x, h0, Wx, Wh, hs = cache.x, cache.h0, cache.Wx, cache.Wh, cache.hs
    N, T, D = x.shape
    dx = np.zeros_like(x)  # (N, T, D)
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(Wh.shape[0])
    dh_next = np.zeros_like(h0)  # (N, H)  dL/dh_t arriving from step t+1 (none after T)
    for t in range(T, 0, -1):  # t = T, ..., 1; hs[:, t-1] is h_t
        h_prev = h0 if t == 1 else hs[:, t - 2]  # (N, H)  h_{t-1}
        dh = dhs[:, t - 1] + dh_next  # (N, H)  dL/dh_t: the loss at step t, and step t+1
        da = dh * (1.0 - hs[:, t - 1] ** 2)  # (N, H)  tanh'(a_t) = 1 - h_t^2
        dx[:, t - 1] = da @ Wx.T  # (N, D)
        dWx += x[:, t - 1].T @ da  # (D, H)  shared weights: sum over steps
        dWh += h_prev.T @ da  # (H, H)
        db += da.sum(axis=0)  # (H,)
        dh_next = da @ Wh.T  # (N, H)  dL/dh_{t-1}
    dh0 = dh_next  # (N, H)
    return dx, dh0, dWx, dWh, db
"""


def solution_rnn_backward():
    """The exercise's solution as source text (``print(solution_rnn_backward())``).

    Returns
    -------
    str
    """
    return _SOLUTION


# name -> (line of the solution, the same line with the mistake, message). The message says what
# is wrong and how to fix it.
MISTAKES = {
    "no_accumulation": (
        "dh = dhs[:, t - 1] + dh_next", "dh = dhs[:, t - 1]",
        "the gradient arriving from step t+1 is dropped: at step t you use only dhs[:, t-1]. h_t also "
        "influences the loss through h_{t+1}, so use dh = dhs[:, t-1] + dh_next, where dh_next = da @ Wh.T "
        "comes from the step after (zero at the last step, t = T).",
    ),
    "tanh_preactivation": (
        "da = dh * (1.0 - hs[:, t - 1] ** 2)",
        "da = dh * (1.0 - np.arctanh(np.clip(hs[:, t - 1], -1 + 1e-12, 1 - 1e-12)) ** 2)",
        "the tanh derivative is taken on the pre-activation: 1 - a_t**2. The derivative of tanh at a_t "
        "is 1 - tanh(a_t)**2 = 1 - h_t**2, with h_t = cache.hs[:, t-1].",
    ),
    "one_minus_h": (
        "da = dh * (1.0 - hs[:, t - 1] ** 2)", "da = dh * (1.0 - hs[:, t - 1])",
        "the tanh derivative is written 1 - h_t; it is 1 - h_t**2 (square the hidden state).",
    ),
    "dWh_current_state": (
        "dWh += h_prev.T @ da", "dWh += hs[:, t - 1].T @ da",
        "dWh uses h_t; the recurrent weights multiply the PREVIOUS state in a_t = x_t Wx + h_{t-1} Wh + b, "
        "so dWh += h_{t-1}.T @ da_t (h0 at the first step, t = 1, cache.hs[:, t-2] after).",
    ),
}


def mistaken_rnn_backward(mistake):
    """The written solution with one typical mistake edited in, to see what the checker says about it.

    Parameters
    ----------
    mistake : str
        One of :data:`MISTAKES`: ``"no_accumulation"``, ``"tanh_preactivation"``,
        ``"one_minus_h"``, ``"dWh_current_state"``.

    Returns
    -------
    callable
        ``fn(dhs, cache) -> (dx, dh0, dWx, dWh, db)``, wrong in that one way; ``fn.source`` is its
        source text.
    """
    if mistake not in MISTAKES:
        raise ValueError(f"mistake must be one of {sorted(MISTAKES)}; got {mistake!r}")
    right, wrong, _ = MISTAKES[mistake]
    return with_mistake(_SOLUTION, right, wrong, f"rnn_backward_with_{mistake}")


def _case(seed=0, N=2, T=4, D=3, H=5):
    rng = np.random.default_rng(seed)
    return dict(x=rng.normal(size=(N, T, D)), h0=rng.normal(size=(N, H)) * 0.5,
                Wx=rng.normal(size=(D, H)) * 0.7, Wh=rng.normal(size=(H, H)) * 0.5, b=rng.normal(size=H) * 0.3)


def _fresh_cache(inputs):
    _, cache = rnn_forward(**inputs)
    return cache._replace(**{name: np.array(value, copy=True) for name, value in cache._asdict().items()})


def _call(learner_fn, dhs, inputs):
    """Run the learner; return (grads dict, None) or (None, message)."""
    try:
        out = learner_fn(np.array(dhs, copy=True), _fresh_cache(inputs))
    except NotImplementedError:
        return None, "rnn_backward is not implemented yet (it raised NotImplementedError)."
    except Exception as exc:  # report, never crash
        return None, f"your function raised {type(exc).__name__}: {exc}"
    if not isinstance(out, (tuple, list)) or len(out) != 5:
        got = f"a {type(out).__name__}" + (f" of length {len(out)}" if isinstance(out, (tuple, list)) else "")
        return None, f"rnn_backward must return a tuple of five arrays (dx, dh0, dWx, dWh, db); got {got}."
    N, T, D = inputs["x"].shape
    H = inputs["h0"].shape[1]
    expected = {"dx": (N, T, D), "dh0": (N, H), "dWx": (D, H), "dWh": (H, H), "db": (H,)}
    grads = {}
    for name, value in zip(GRAD_NAMES, out):
        try:
            arr = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            return None, f"{name} must be an array of shape {expected[name]}; got {type(value).__name__}."
        if arr.shape != expected[name]:
            extra = ""
            if name == "db" and arr.shape == (N, T, H)[1:]:
                extra = " It has one row per time step: sum db over time as well (the bias is shared by all steps)."
            elif name == "db" and arr.shape == (N, H):
                extra = " Sum da over the batch axis (axis=0)."
            return None, f"{name} must have shape {expected[name]}; got shape {arr.shape}.{extra}"
        if not np.all(np.isfinite(arr)):
            return None, f"{name} contains NaN or inf values."
        grads[name] = arr
    return grads, None


def _close(a, b):
    return np.allclose(a, b, rtol=1e-6, atol=1e-9)


def _single_step_sum(name, grad, dhs, inputs):
    """If a weight gradient equals one step's contribution alone, that step t (1..T); else None."""
    cache = _fresh_cache(inputs)
    x, h0, hs = cache.x, cache.h0, cache.hs
    das = step_gradients(dhs, cache).dh * (1.0 - hs**2)  # (N, T, H)  das[:, t-1] is dL/da_t
    for t in range(1, x.shape[1] + 1):
        h_prev = h0 if t == 1 else hs[:, t - 2]  # (N, H)  h_{t-1}
        da = das[:, t - 1]  # (N, H)
        part = {"dWx": x[:, t - 1].T @ da, "dWh": h_prev.T @ da, "db": da.sum(axis=0)}[name]
        if _close(grad, part):
            return t
    return None


def check_rnn_backward(learner_fn, seed=0):
    """Check a learner's ``rnn_backward(dhs, cache) -> (dx, dh0, dWx, dWh, db)``.

    The learner's gradients are compared with the library's :func:`rnnlib.rnn.rnn_backward`, then
    with centred finite differences of :func:`rnnlib.rnn_forward`
    (:func:`rnnlib.gradcheck.gradient_check`), per parameter, per time step of ``dx``, and with the
    loss placed at one output step at a time; and with the typical mistakes, to say precisely what
    is wrong.

    Parameters
    ----------
    learner_fn : callable
        ``learner_fn(dhs, cache)`` with ``cache`` an :class:`rnnlib.rnn.RNNCache`
        ``(x, h0, Wx, Wh, hs)``.
    seed : int
        Seed of the small random test case (N=2, T=4, D=3, H=5).

    Returns
    -------
    CheckResult
    """
    name = "rnn_backward"
    if not callable(learner_fn):
        return CheckResult(False, f"pass your function itself (not its result); got {type(learner_fn).__name__}.",
                           name)
    inputs = _case(seed)
    hs, _ = rnn_forward(**inputs)
    dhs = np.random.default_rng(seed + 1).standard_normal(hs.shape)
    grads, problem = _call(learner_fn, dhs, inputs)
    if problem:
        return CheckResult(False, problem, name)
    reference = dict(zip(GRAD_NAMES, rnn_backward(dhs, _fresh_cache(inputs))))
    wrong = [g for g in GRAD_NAMES if not _close(grads[g], reference[g])]
    if not wrong:
        # confirm against finite differences, with the loss at every output step in turn
        report = _gradcheck(learner_fn, inputs)
        if report is not None and report.ok:
            return CheckResult(True, "all five gradients (dx, dh0, dWx, dWh, db) match finite differences "
                                     "(relative error < 1e-7), for every time step and for the loss at every "
                                     "output step.", name)
    # recognise typical mistakes
    findings = []
    for mistake, (_, _, message) in MISTAKES.items():
        variant = dict(zip(GRAD_NAMES, mistaken_rnn_backward(mistake)(dhs, _fresh_cache(inputs))))
        if all(_close(grads[g], variant[g]) for g in wrong) and any(not _close(variant[g], reference[g])
                                                                     for g in wrong):
            findings.append(message)
            break
    if not findings:
        for g in ("dWx", "dWh", "db"):
            if g in wrong:
                t = _single_step_sum(g, grads[g], dhs, inputs)
                if t is not None:
                    findings.append(f"{g} holds the contribution of step t={t} only. The same weights are used "
                                    f"at every step, so their gradient is the SUM over all steps "
                                    f"({g} += ... inside the loop, starting from zeros).")
    report = _gradcheck(learner_fn, inputs)
    where = ("\nGradient check, per parameter and per time step:\n" + report.summary()) if report is not None else ""
    if findings:
        return CheckResult(False, " ".join(findings) + where, name)
    return CheckResult(False, f"{', '.join(wrong)} differ from the correct gradients." + where, name)


def _gradcheck(learner_fn, inputs):
    """gradient_check of the learner against rnn_forward; None if the learner fails on other dout."""
    failed = []

    def backward(dout):
        grads, problem = _call(learner_fn, dout, inputs)
        if problem:
            failed.append(problem)
            return dict(zip(GRAD_NAMES, _zeros(inputs)))
        return grads

    try:
        report = gradient_check(rnn_forward, inputs, backward, time_axes={"x": 1}, output_time_axis=1)
    except Exception:  # pragma: no cover - defensive: never crash a checker
        return None
    return None if failed else report


def _zeros(inputs):
    N, T, D = inputs["x"].shape
    H = inputs["h0"].shape[1]
    return np.zeros((N, T, D)), np.zeros((N, H)), np.zeros((D, H)), np.zeros((H, H)), np.zeros(H)


register_hints("rnn_backward", [
    "Walk the steps backwards, t = T down to 1 (hs[:, t-1] is h_t). Two gradients reach h_t: the loss's own "
    "dhs[:, t-1] and the one coming back from step t+1 (call it dh_next; it is zero at the last step). "
    "Add them.",
    "At step t: da = (dhs[:, t-1] + dh_next) * (1 - h_t**2) with h_t = cache.hs[:, t-1]; "
    "dx[:, t-1] = da @ Wx.T; dh_next = da @ Wh.T for the step before. The weights are shared by all steps, "
    "so accumulate: dWx += x_t.T @ da, dWh += h_prev.T @ da (h_prev = h0 at t = 1, else hs[:, t-2]), "
    "db += da.sum(axis=0). After the loop, dh0 = dh_next.",
    "The whole solution: print(solution_rnn_backward()) with "
    "from rnnlib.exercises.unrolled_many_to_one import solution_rnn_backward.",
])
