r"""The exercises of notebook 03: one step of backpropagation through time derived on paper, then
the whole backward pass of a many-to-one RNN.

Steps count from 1 (``hs[:, t-1]`` is :math:`h_t`, :math:`h_0` the initial state).

1. ``bptt_step(dh, dh_prev_direct, cache) -> (dx, dh_prev)``: the learner derives, on paper, what
   one step :math:`h_t = \tanh(x_t W_x + h_{t-1} W_h + b)` sends back to its inputs, and writes it
   down::

       da = dh * (1 - h_t**2)                           # (N, H)   dL/da_t, through tanh
       dx = da @ Wx.T                                   # (N, D)   dL/dx_t
       dh_prev = dh_prev_direct + da @ Wh.T             # (N, H)   dL/dh_{t-1}: both paths, added

   :func:`check_bptt_step` compares it with the library's :func:`rnnlib.rnn.rnn_step_backward`,
   names the wrong term (the tanh' factor, the transpose, one of the two paths into
   :math:`h_{t-1}`), and runs the learner's step from t = T down to 1 to compare every
   :math:`\partial L/\partial x_t` and :math:`\partial L/\partial h_0` with finite differences
   of :func:`rnnlib.rnn.rnn_forward`.

2. ``rnn_backward(dhs, cache) -> (dx, dh0, dWx, dWh, db)``: that step in a loop, plus the shared
   weights' gradients (sums over the steps). :func:`check_rnn_backward` compares the learner's
   gradients with the library's :func:`rnnlib.rnn.rnn_backward` and with finite differences of
   :func:`rnnlib.rnn.rnn_forward`, per parameter and per time step, and recognises the typical
   mistakes. These are small edits of the written solution (:data:`MISTAKES`);
   :func:`mistaken_rnn_backward` builds one, to see what the checker says about it.
"""

from __future__ import annotations

import numpy as np

from ..gradcheck import gradient_check, numerical_gradient, relative_error
from ..lessons.unrolled_many_to_one import step_gradients
from ..rnn import RNNStepCache, rnn_backward, rnn_forward, rnn_step_backward
from .base import CheckResult, register_hints, with_mistake

__all__ = [
    "check_bptt_step",
    "solution_bptt_step",
    "mistaken_bptt_step",
    "STEP_MISTAKES",
    "check_rnn_backward",
    "solution_rnn_backward",
    "mistaken_rnn_backward",
    "MISTAKES",
]

GRAD_NAMES = ("dx", "dh0", "dWx", "dWh", "db")


# ----------------------------------------------------------------------------------------------
# Exercise 1: one step back, derived on paper. bptt_step(dh, dh_prev_direct, cache) -> (dx, dh_prev)

_STEP_SOLUTION = """\
def bptt_step_mine(dh, dh_prev_direct, cache):
    x, h_prev, Wx, Wh, h = cache  # step t: x_t (N, D), h_{t-1} (N, H), Wx (D, H), Wh (H, H), h_t (N, H)
    da = dh * (1.0 - h**2)  # (N, H)  dL/da_t: through the tanh, tanh'(a_t) = 1 - h_t^2
    dx = da @ Wx.T  # (N, D)  dL/dx_t
    dh_prev = dh_prev_direct + da @ Wh.T  # (N, H)  dL/dh_{t-1}: the loss's own path plus the path through step t
    return dx, dh_prev
"""


def solution_bptt_step():
    """The solution of the one-step exercise as source text (``print(solution_bptt_step())``).

    Returns
    -------
    str
    """
    return _STEP_SOLUTION


# The ways the step goes wrong, one by one. The checker recognises any combination of them.
_FACTOR_MESSAGES = {
    "missing": "the tanh' factor is missing: h_t = tanh(a_t), so the gradient first crosses the tanh, "
               "dL/da_t = dL/dh_t * (1 - h_t**2) (element by element, h_t = cache.h), and only then the weights",
    "previous": "the tanh' factor is taken at h_{t-1} (cache.h_prev); the tanh of step t acts on a_t, and its "
                "derivative is 1 - tanh(a_t)**2 = 1 - h_t**2 with h_t = cache.h",
    "not_squared": "the tanh' factor is written 1 - h_t; the derivative of tanh is 1 - tanh**2, so 1 - h_t**2",
    "tanh_twice": "you took tanh of h_t again (1 - np.tanh(h)**2 with h = cache.h); h_t already is tanh(a_t), "
                  "so tanh'(a_t) = 1 - h_t**2",
}
_TRANSPOSE_MESSAGE = ("the transpose is missing: h_{t-1} enters a_t as h_{t-1} @ Wh (entry k of a_t gets the sum "
                      "over j of h_{t-1}[j] * Wh[j, k]), so entry j of dL/dh_{t-1} collects the sum over k of "
                      "dL/da_t[k] * Wh[j, k]: that is da @ Wh.T. Wh is square, so da @ Wh runs without an error, "
                      "but it gives other numbers")
_DIRECT_MESSAGE = ("dL/dh_{t-1} misses the loss's own gradient at h_{t-1} (dh_prev_direct). Two paths lead from "
                   "h_{t-1} to the loss, directly and through step t, and the gradients of the two paths add: "
                   "dh_prev = dh_prev_direct + (the path through step t)")
_RECURRENT_MESSAGE = ("dL/dh_{t-1} misses the path through step t: h_{t-1} feeds a_t through Wh, so the gradient "
                      "coming back through step t must be added to dh_prev_direct")

# name -> (line of the solution, the same line with the mistake): to see what the checker says
STEP_MISTAKES = {
    "no_tanh_factor": ("da = dh * (1.0 - h**2)", "da = dh"),
    "tanh_factor_of_h_prev": ("da = dh * (1.0 - h**2)", "da = dh * (1.0 - h_prev**2)"),
    "tanh_factor_not_squared": ("da = dh * (1.0 - h**2)", "da = dh * (1.0 - h)"),
    "tanh_applied_twice": ("da = dh * (1.0 - h**2)", "da = dh * (1.0 - np.tanh(h)**2)"),
    "no_transpose": ("dh_prev = dh_prev_direct + da @ Wh.T", "dh_prev = dh_prev_direct + da @ Wh"),
    "no_direct_path": ("dh_prev = dh_prev_direct + da @ Wh.T", "dh_prev = da @ Wh.T"),
    "no_path_through_step": ("dh_prev = dh_prev_direct + da @ Wh.T", "dh_prev = dh_prev_direct"),
}


def mistaken_bptt_step(mistake):
    """The written one-step solution with one typical mistake edited in.

    Parameters
    ----------
    mistake : str
        One of :data:`STEP_MISTAKES`.

    Returns
    -------
    callable
        ``fn(dh, dh_prev_direct, cache) -> (dx, dh_prev)``, wrong in that one way; ``fn.source``
        is its source text.
    """
    if mistake not in STEP_MISTAKES:
        raise ValueError(f"mistake must be one of {sorted(STEP_MISTAKES)}; got {mistake!r}")
    right, wrong = STEP_MISTAKES[mistake]
    return with_mistake(_STEP_SOLUTION, right, wrong, f"bptt_step_with_{mistake}")


def _step_case(seed=0, N=2, D=3, H=4):
    """A step with D != H, so that a product with the wrong matrix fails on its shape."""
    rng = np.random.default_rng(seed)
    x, h_prev = rng.normal(size=(N, D)), np.tanh(rng.normal(size=(N, H)))
    Wx, Wh, b = rng.normal(size=(D, H)) * 0.7, rng.normal(size=(H, H)) * 0.5, rng.normal(size=H) * 0.3
    h = np.tanh(x @ Wx + h_prev @ Wh + b)  # (N, H)  h_t
    dh, dh_prev_direct = rng.normal(size=(N, H)), rng.normal(size=(N, H))
    return dh, dh_prev_direct, RNNStepCache(x, h_prev, Wx, Wh, h)


_SHAPE_NOTE = (" Check the shapes: dh, dh_prev_direct, h_{t-1} and h_t are (N, H), Wx is (D, H), Wh is (H, H); "
               "dx must come out (N, D) and dh_prev (N, H).")


def _call_step(learner_fn, dh, dh_prev_direct, cache):
    """Run the learner's step on copies; return ((dx, dh_prev), None) or (None, message)."""
    copies = RNNStepCache(*(np.array(a, copy=True) for a in cache))
    try:
        out = learner_fn(np.array(dh, copy=True), np.array(dh_prev_direct, copy=True), copies)
    except NotImplementedError:
        return None, "your function raises NotImplementedError: replace that line with your code."
    except Exception as exc:  # report, never crash
        shapes = any(word in str(exc) for word in ("matmul", "shape", "broadcast", "aligned"))
        return None, f"your function raised {type(exc).__name__}: {exc}." + (_SHAPE_NOTE if shapes else "")
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        got = f"a {type(out).__name__}" + (f" of length {len(out)}" if isinstance(out, (tuple, list)) else "")
        return None, f"bptt_step must return a tuple of two arrays (dx, dh_prev); got {got}."
    N, D = cache.x.shape
    H = cache.h.shape[1]
    expected = {"dx": (N, D), "dh_prev": (N, H)}
    arrays = []
    for name, value in zip(("dx", "dh_prev"), out):
        try:
            arr = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            return None, f"{name} must be an array of shape {expected[name]}; got {type(value).__name__}."
        if arr.shape != expected[name]:
            extra = ""
            if arr.shape == expected[name][::-1]:
                extra = f" That is the transpose: {name} has one row per sequence of the batch."
            elif name == "dx" and arr.shape == (N, H):
                extra = " dL/dx_t goes back through the input weights Wx (D, H), not through Wh."
            return None, f"{name} must have shape {expected[name]} (N, {'D' if name == 'dx' else 'H'}); " \
                         f"got shape {arr.shape}.{extra}"
        if not np.all(np.isfinite(arr)):
            return None, f"{name} contains NaN or inf values."
        arrays.append(arr)
    return tuple(arrays), None


def _step_variants(dh, dh_prev_direct, cache):
    """Every combination of the typical mistakes: (dx candidates, dh_prev candidates), each a list of
    (set of mistakes, value); the right answer has the empty set."""
    factors = {None: 1.0 - cache.h**2, "missing": 1.0, "previous": 1.0 - cache.h_prev**2,
               "not_squared": 1.0 - cache.h, "tanh_twice": 1.0 - np.tanh(cache.h) ** 2}
    dx_variants, dh_variants = [], []
    for factor, fp in factors.items():
        da = dh * fp  # (N, H)
        tag = set() if factor is None else {factor}
        dx_variants.append((tag, da @ cache.Wx.T))
        for transposed in (True, False):
            back = da @ (cache.Wh.T if transposed else cache.Wh)  # (N, H)
            t_tag = tag | (set() if transposed else {"transpose"})
            dh_variants.append((t_tag, dh_prev_direct + back))
            dh_variants.append((t_tag | {"direct"}, back))
    dh_variants.append(({"recurrent"}, dh_prev_direct))
    return dx_variants, dh_variants


_TAG_MESSAGES = {**_FACTOR_MESSAGES, "transpose": _TRANSPOSE_MESSAGE, "direct": _DIRECT_MESSAGE,
                 "recurrent": _RECURRENT_MESSAGE}


def _describe(tags_of):
    """{"dx": tags, "dh_prev": tags} -> one sentence per mistake, naming the outputs it spoils."""
    sentences = []
    for tag, message in _TAG_MESSAGES.items():
        outputs = [g for g, tags in tags_of.items() if tag in tags]
        if outputs:
            sentences.append(f"{' and '.join(outputs)}: {message}.")
    return " ".join(sentences)


def _spans(ts):
    """[1, 2, 3, 5] -> '1..3, 5'."""
    out, start = [], None
    for k, t in enumerate(ts):
        if start is None:
            start = t
        if k + 1 == len(ts) or ts[k + 1] != t + 1:
            out.append(f"{start}" if start == t else f"{start}..{t}")
            start = None
    return ", ".join(out)


def _sequence_check(learner_fn, seed=0, N=2, T=4, D=3, H=4):
    """The learner's step in a loop from t = T down to 1, against finite differences of rnn_forward.

    Returns (text, ok) or (None, message) if the learner's function fails on the way.
    """
    rng = np.random.default_rng(seed + 7)
    inputs = dict(x=rng.normal(size=(N, T, D)), h0=np.tanh(rng.normal(size=(N, H))),
                  Wx=rng.normal(size=(D, H)) * 0.7, Wh=rng.normal(size=(H, H)) * 0.5, b=rng.normal(size=H) * 0.3)
    hs, cache = rnn_forward(**inputs)
    dhs = rng.normal(size=hs.shape)  # the loss looks at every h_t, t = 1..T
    dx = np.zeros((N, T, D))
    dh = dhs[:, T - 1]  # (N, H)  dL/dh_T: nothing comes after step T
    for t in range(T, 0, -1):  # hs[:, t-1] is h_t
        h_prev = cache.h0 if t == 1 else cache.hs[:, t - 2]  # (N, H)  h_{t-1}
        direct = np.zeros((N, H)) if t == 1 else dhs[:, t - 2]  # the loss does not look at h_0
        step = RNNStepCache(cache.x[:, t - 1], h_prev, cache.Wx, cache.Wh, cache.hs[:, t - 1])
        out, problem = _call_step(learner_fn, dh, direct, step)
        if problem:
            return None, problem
        dx[:, t - 1], dh = out
    num_dx = numerical_gradient(rnn_forward, inputs, "x", dout=dhs)  # (N, T, D)
    num_dh0 = numerical_gradient(rnn_forward, inputs, "h0", dout=dhs)  # (N, H)
    scale = np.linalg.norm(dx) + np.linalg.norm(num_dx)
    errors = [relative_error(dx[:, t - 1], num_dx[:, t - 1], scale=scale) for t in range(1, T + 1)]
    err_h0 = relative_error(dh, num_dh0)
    good = [t for t, e in enumerate(errors, start=1) if e < 1e-7]
    bad = [t for t, e in enumerate(errors, start=1) if e >= 1e-7]
    where = ", ".join(([f"right at t = {_spans(good)}"] if good else [])
                      + ([f"wrong at t = {_spans(bad)}"] if bad else []))
    text = (f"Your step run in a loop from t = {T} down to 1 (the dh_prev it returns at step t is the dh of "
            f"step t-1), against finite differences of rnn_forward: dL/dx_t {where}; dL/dh_0 "
            f"{'right' if err_h0 < 1e-7 else 'WRONG'} (relative error {err_h0:.1e}).")
    return text, not bad and err_h0 < 1e-7


def check_bptt_step(learner_fn, seed=0):
    r"""Check a learner's ``bptt_step(dh, dh_prev_direct, cache) -> (dx, dh_prev)``.

    One step :math:`h_t = \tanh(a_t)`, :math:`a_t = x_t W_x + h_{t-1} W_h + b`, backwards: given
    the total :math:`\partial L/\partial h_t` (``dh``) and the gradient the loss sends to
    :math:`h_{t-1}` directly (``dh_prev_direct``), return :math:`\partial L/\partial x_t` and the
    total :math:`\partial L/\partial h_{t-1}`.

    Parameters
    ----------
    learner_fn : callable
        ``learner_fn(dh, dh_prev_direct, cache)`` with ``cache`` an :class:`rnnlib.rnn.RNNStepCache`
        ``(x, h_prev, Wx, Wh, h)``.
    seed : int
        Seed of the small random step (N=2, D=3, H=4).

    Returns
    -------
    CheckResult

    Notes
    -----
    The reference is :func:`rnnlib.rnn.rnn_step_backward` (plus ``dh_prev_direct``):

    .. math::
        \frac{\partial L}{\partial a_t} = \frac{\partial L}{\partial h_t} \odot (1 - h_t^2), \quad
        \frac{\partial L}{\partial x_t} = \frac{\partial L}{\partial a_t} W_x^\top, \quad
        \frac{\partial L}{\partial h_{t-1}} = \frac{\partial L}{\partial h_{t-1}}\Big|_{\text{direct}}
        + \frac{\partial L}{\partial a_t} W_h^\top

    A wrong answer is matched against every combination of the typical mistakes (the tanh' factor
    missing, taken at the wrong state, written 1 - h_t or with tanh applied to h_t again, the
    transpose missing, one of the two paths into
    :math:`h_{t-1}` missing) to say which term is wrong. Then the learner's step runs in a loop
    from t = T down to 1, and every :math:`\partial L/\partial x_t` and
    :math:`\partial L/\partial h_0` is compared with finite differences of
    :func:`rnnlib.rnn.rnn_forward`.
    """
    name = "bptt_step"
    if not callable(learner_fn):
        return CheckResult(False, f"pass your function itself (the name after def), not a "
                                  f"{type(learner_fn).__name__}.", name)
    dh, direct, cache = _step_case(seed)
    out, problem = _call_step(learner_fn, dh, direct, cache)
    if problem:
        return CheckResult(False, problem, name)
    dx, dh_prev = out
    ref_dx, ref_back, *_ = rnn_step_backward(dh, cache)
    reference = {"dx": ref_dx, "dh_prev": direct + ref_back}
    mine = {"dx": dx, "dh_prev": dh_prev}
    wrong = [g for g in ("dx", "dh_prev") if not _close(mine[g], reference[g])]
    sequence, verdict = _sequence_check(learner_fn, seed)
    if sequence is None:  # the function failed inside the loop although the single step ran
        sequence, verdict = f"Run from t = 4 down to 1: {verdict}", False
    ok = verdict is True
    if not wrong and ok:
        return CheckResult(True, "dx = dL/dx_t and dh_prev = dL/dh_{t-1} equal the library's rnn_step_backward "
                                 "(plus dh_prev_direct). " + sequence, name)
    dx_variants, dh_variants = _step_variants(dh, direct, cache)
    findings, known = [], {}
    for g, variants in (("dx", dx_variants), ("dh_prev", dh_variants)):
        if g not in wrong:
            continue
        tags = next((tags for tags, value in variants if tags and _close(mine[g], value)), None)
        err = relative_error(mine[g], reference[g])
        if tags is not None:
            known[g] = tags
        else:
            what = "dL/dx_t" if g == "dx" else "dL/dh_{t-1}"
            findings.append(f"{g} differs from {what} (relative error {err:.1e}) and from every typical mistake "
                            f"the checker knows. Go through the step backwards on paper: first the tanh, then "
                            f"the product that leads to {'x_t' if g == 'dx' else 'h_{t-1}'}; check the shapes.")
    if known:
        findings.insert(0, _describe(known))
    if not findings:
        findings.append("the single step agrees with the library, yet the loop does not.")
    return CheckResult(False, " ".join(findings) + "\n" + sequence, name)


register_hints("bptt_step", [
    "Go backwards through the two lines of the step. h_t = tanh(a_t) comes last, so the gradient crosses "
    "the tanh first: dL/da_t = dL/dh_t times tanh'(a_t), element by element. Which cached value gives "
    "tanh'(a_t) without a_t itself?",
    "a_t = x_t @ Wx + h_{t-1} @ Wh + b. For a row vector times a matrix, u = v @ M, the gradient goes back "
    "through the transpose: dL/dv = dL/du @ M.T (check it with the shapes). And h_{t-1} reaches the loss "
    "by two paths, directly (dh_prev_direct) and through step t: add the two.",
    'The whole solution: solution("bptt_step").',
])


# ----------------------------------------------------------------------------------------------
# Exercise 2: rnn_backward(dhs, cache) -> (dx, dh0, dWx, dWh, db)

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
    "Your bptt_step above is the body of the loop. Walk the steps backwards, t = T down to 1 (hs[:, t-1] "
    "is h_t). Two gradients reach h_t: the loss's own dhs[:, t-1] and the one coming back from step t+1 "
    "(call it dh_next; it is zero at the last step). Add them, as bptt_step's dh_prev did.",
    "As in bptt_step: da = (dhs[:, t-1] + dh_next) * (1 - h_t**2) with h_t = cache.hs[:, t-1]; "
    "dx[:, t-1] = da @ Wx.T; dh_next = da @ Wh.T for the step before. New here are the weights: "
    "a_t = x_t @ Wx + h_{t-1} @ Wh + b, and the same weights serve every step, so accumulate: "
    "dWx += x_t.T @ da, dWh += h_prev.T @ da (h_prev = h0 at t = 1, else hs[:, t-2]), db += da.sum(axis=0). "
    "After the loop, dh0 = dh_next.",
    'The whole solution: solution("rnn_backward").',
])
