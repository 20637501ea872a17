r"""Backpropagation through time: the per-step gradient of a many-to-one RNN, and the exercise.

The gradient that reaches the hidden state :math:`h_t` comes from the step after it::

    dh_T = dL/dy @ Wy.T                              # (N, H)   from the output
    da_t = dh_t * (1 - h_t**2)                       # (N, H)   through tanh
    dh_{t-1} = da_t @ Wh.T                           # (N, H)   through the recurrent weights

:func:`hidden_state_gradients` returns :math:`\lVert \partial L / \partial h_t \rVert` for every step
of a word (what the unrolled diagram draws); :func:`check_rnn_backward` checks a learner's
``rnn_backward`` by finite differences, per parameter and per time step, and recognises the
typical mistakes.
"""

from __future__ import annotations

import inspect

import numpy as np

from ..gradcheck import gradient_check
from ..rnn import RNNCache, rnn_forward
from .base import CheckResult, register_hints

__all__ = [
    "check_rnn_backward",
    "solution_rnn_backward",
    "reference_rnn_backward",
    "mistaken_rnn_backward",
    "MISTAKES",
]

GRAD_NAMES = ("dx", "dh0", "dWx", "dWh", "db")


# ----------------------------------------------------------------------------------------------
# The exercise: rnn_backward(dhs, cache) -> (dx, dh0, dWx, dWh, db)


def reference_rnn_backward(dhs, cache):
    """Backpropagation through time, written out step by step (the exercise's solution)."""
    x, h0, Wx, Wh, hs = cache
    N, T, D = x.shape
    dx = np.zeros_like(x)  # (N, T, D)
    dWx = np.zeros_like(Wx)  # (D, H)
    dWh = np.zeros_like(Wh)  # (H, H)
    db = np.zeros(Wh.shape[0])  # (H,)
    dh_next = np.zeros_like(h0)  # (N, H)   gradient arriving from step t+1
    for t in reversed(range(T)):
        h = hs[:, t]  # (N, H)
        h_prev = h0 if t == 0 else hs[:, t - 1]  # (N, H)
        da = (dhs[:, t] + dh_next) * (1.0 - h**2)  # (N, H)   tanh'(a) = 1 - tanh(a)^2
        dx[:, t] = da @ Wx.T  # (N, D)
        dWx += x[:, t].T @ da  # (D, H)   shared weights: sum over steps
        dWh += h_prev.T @ da  # (H, H)
        db += da.sum(axis=0)  # (H,)
        dh_next = da @ Wh.T  # (N, H)   to step t-1
    dh0 = dh_next  # (N, H)
    return dx, dh0, dWx, dWh, db


def solution_rnn_backward():
    """The source code of the exercise's solution, as text (``print(solution_rnn_backward())``)."""
    return inspect.getsource(reference_rnn_backward)


def _variant(dhs, cache, *, accumulate=True, deriv="h2", dWh_uses="prev", sum_step=None):
    """A BPTT with one deliberate mistake (for recognising the learner's)."""
    x, h0, Wx, Wh, hs = cache
    N, T, D = x.shape
    H = Wh.shape[0]
    dx = np.zeros_like(x)
    dWx, dWh, db = np.zeros((D, H)), np.zeros((H, H)), np.zeros(H)
    dh_next = np.zeros_like(h0)
    for t in reversed(range(T)):
        h = hs[:, t]
        h_prev = h0 if t == 0 else hs[:, t - 1]
        dh = dhs[:, t] + dh_next if accumulate else dhs[:, t]
        if deriv == "h2":
            local = 1.0 - h**2
        elif deriv == "h":
            local = 1.0 - h
        else:  # "a2": 1 - a^2 on the pre-activation a = arctanh(h)
            a = np.arctanh(np.clip(h, -1 + 1e-12, 1 - 1e-12))
            local = 1.0 - a**2
        da = dh * local
        dx[:, t] = da @ Wx.T
        dWx += x[:, t].T @ da
        dWh += (h_prev if dWh_uses == "prev" else h).T @ da
        if sum_step is None or sum_step == t:
            db += da.sum(axis=0)
        dh_next = da @ Wh.T
    return dx, dh_next, dWx, dWh, db


# name -> (variant kwargs, message). The message says what is wrong and how to fix it.
MISTAKES = {
    "no_accumulation": (
        dict(accumulate=False),
        "the gradient arriving from step t+1 is dropped: at step t you use only dhs[:, t]. h_t also "
        "influences the loss through h_{t+1}, so use dh = dhs[:, t] + dh_next, where dh_next = da @ Wh.T "
        "comes from the step after (zero at the last step).",
    ),
    "tanh_preactivation": (
        dict(deriv="a2"),
        "the tanh derivative is taken on the pre-activation: 1 - a_t**2. The derivative of tanh at a_t "
        "is 1 - tanh(a_t)**2 = 1 - h_t**2, with h_t = cache.hs[:, t].",
    ),
    "one_minus_h": (
        dict(deriv="h"),
        "the tanh derivative is written 1 - h_t; it is 1 - h_t**2 (square the hidden state).",
    ),
    "dWh_current_state": (
        dict(dWh_uses="current"),
        "dWh uses h_t; the recurrent weights multiply the PREVIOUS state in a_t = x_t Wx + h_{t-1} Wh + b, "
        "so dWh += h_{t-1}.T @ da_t (h0 at the first step, cache.hs[:, t-1] after).",
    ),
}


def mistaken_rnn_backward(mistake):
    """A BPTT with one typical mistake built in, to see what the checker says about it.

    Parameters
    ----------
    mistake : str
        One of :data:`MISTAKES`: ``"no_accumulation"``, ``"tanh_preactivation"``,
        ``"one_minus_h"``, ``"dWh_current_state"``.

    Returns
    -------
    callable
        ``fn(dhs, cache) -> (dx, dh0, dWx, dWh, db)``, wrong in that one way.
    """
    if mistake not in MISTAKES:
        raise ValueError(f"mistake must be one of {sorted(MISTAKES)}; got {mistake!r}")
    kwargs = MISTAKES[mistake][0]

    def rnn_backward_with_mistake(dhs, cache):
        return _variant(dhs, cache, **kwargs)

    return rnn_backward_with_mistake


def _case(seed=0, N=2, T=4, D=3, H=5):
    rng = np.random.default_rng(seed)
    return dict(x=rng.normal(size=(N, T, D)), h0=rng.normal(size=(N, H)) * 0.5,
                Wx=rng.normal(size=(D, H)) * 0.7, Wh=rng.normal(size=(H, H)) * 0.5, b=rng.normal(size=H) * 0.3)


def _fresh_cache(inputs):
    _, cache = rnn_forward(**inputs)
    return RNNCache(*(np.array(a, copy=True) for a in cache))


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
    """If a weight gradient equals one step's contribution alone, that step's index; else None."""
    x, h0, Wx, Wh, hs = _fresh_cache(inputs)
    T = x.shape[1]
    das = [None] * T
    dh_next = np.zeros_like(h0)
    for t in reversed(range(T)):
        das[t] = (dhs[:, t] + dh_next) * (1.0 - hs[:, t] ** 2)  # (N, H)
        dh_next = das[t] @ Wh.T  # (N, H)
    for t in range(T):
        h_prev = h0 if t == 0 else hs[:, t - 1]
        part = {"dWx": x[:, t].T @ das[t], "dWh": h_prev.T @ das[t], "db": das[t].sum(axis=0)}[name]
        if _close(grad, part):
            return t
    return None


def check_rnn_backward(learner_fn, seed=0):
    """Check a learner's ``rnn_backward(dhs, cache) -> (dx, dh0, dWx, dWh, db)``.

    The learner's gradients are compared with centred finite differences of
    :func:`rnnlib.rnn_forward` (:func:`rnnlib.gradcheck.gradient_check`), per parameter, per time
    step of ``dx``, and with the loss placed at one output step at a time; then with the typical
    mistakes, to say precisely what is wrong.

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
    reference = dict(zip(GRAD_NAMES, reference_rnn_backward(dhs, _fresh_cache(inputs))))
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
    for kwargs, message in MISTAKES.values():
        variant = dict(zip(GRAD_NAMES, _variant(dhs, _fresh_cache(inputs), **kwargs)))
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
    "Walk the steps backwards, t = T-1 down to 0. Two gradients reach h_t: the loss's own dhs[:, t] and "
    "the one coming back from step t+1 (call it dh_next; it is zero at the last step). Add them.",
    "At step t: da = (dhs[:, t] + dh_next) * (1 - h_t**2) with h_t = cache.hs[:, t]; dx[:, t] = da @ Wx.T; "
    "dh_next = da @ Wh.T for the step before. The weights are shared by all steps, so accumulate: "
    "dWx += x_t.T @ da, dWh += h_prev.T @ da (h_prev = h0 at t = 0, else hs[:, t-1]), db += da.sum(axis=0). "
    "After the loop, dh0 = dh_next.",
    "The whole solution: print(solution_rnn_backward()) with "
    "from rnnlib.exercises.unrolled_many_to_one import solution_rnn_backward.",
])
