r"""Exercises of notebook 06: how much gradient the cell state carries back in time.

Two checkers, each with pointed feedback for the typical wrong answers:

* :func:`check_cell_highway`: the per-step recursion
  :math:`\partial L/\partial c_t = \partial L/\partial c_{t+1} \odot f_{t+1}` over a sequence
  (steps t = 1..T; ``dc[:, t-1]`` and ``f[:, t-1]`` belong to step t);
* :func:`check_highway_prediction`: predict, from a network's own forget gates, how much of
  :math:`\partial L/\partial c_T` is left k steps back (the per-unit products of the crossed
  gates, weighed by the gradient that entered each unit); once right, the checker compares the
  prediction with the measured ratio and with the naive :math:`\sigma(b_f)^k` on an LSTM.

Hints: ``hint("cell_highway")``, ``hint("highway_prediction")``.
"""

from __future__ import annotations

import inspect

import numpy as np

from ..activations import sigmoid
from ..data import memory_task
from ..gradcheck import _ranges
from ..lessons.lstm_vs_rnn import highway_check, highway_gradient, highway_ratio
from ..lessons.unrolled_many_to_one import classifier_step_gradients
from ..model import SequenceClassifier
from .base import CheckResult, register_hints

__all__ = [
    "check_cell_highway",
    "check_highway_prediction",
    "solution_cell_highway",
    "solution_highway_prediction",
]

_PREDICTION = "highway_prediction"
_HIGHWAY = "cell_highway"

register_hints(_PREDICTION, [
    "Going back from c_T to c_(T-k) along the cell state crosses k forget gates: f_T, f_(T-1), ..., "
    "f_(T-k+1). Each unit has its own gates, so each unit keeps its own product. Which indices of f "
    "(f[:, t-1] is f_t) are these?",
    "The gates are f[:, T-k:] (shape (N, k, H)); np.prod(..., axis=1) gives one product per sequence "
    "and unit. The gradient left at c_(T-k) is dc_last * products; divide its norm (over the units) by "
    "the norm of dc_last. Careful: f[:, -k:] is the whole array when k = 0.",
    "products = np.prod(f[:, T - k:], axis=1); return np.linalg.norm(dc_last * products, axis=1) / "
    "np.linalg.norm(dc_last, axis=1). The reference solution: solution(\"highway_prediction\").",
])

register_hints(_HIGHWAY, [
    "Differentiate c_(t+1) = f_(t+1) * c_t + i_(t+1) * g_(t+1) with respect to c_t, holding the gates "
    "fixed (with W_h = 0 they do not depend on c_t): each unit's derivative is its own forget gate "
    "f_(t+1). So dL/dc_t = dL/dc_(t+1) * f_(t+1). Start at t = T with dc_last and walk backwards.",
    "With index t-1 for step t: dc[:, T-1] = dc_last, then for t = T-1, ..., 1: "
    "dc[:, t-1] = dc[:, t] * f[:, t] (f[:, t] is f_(t+1), the gate that multiplied c_t).",
    "Allocate dc = np.empty_like(f), set dc[:, -1] = dc_last and loop "
    "`for t in range(T - 1, 0, -1): dc[:, t - 1] = dc[:, t] * f[:, t]`. The reference solution: "
    'solution("cell_highway").',
])


def _call(fn, *args):
    """Call the learner's function; return (value, None) or (None, message)."""
    try:
        return fn(*args), None
    except NotImplementedError:
        return None, "the function still raises NotImplementedError: replace it with your code."
    except Exception as exc:  # report, never crash
        return None, f"calling it with {_describe_args(args)} raised {type(exc).__name__}: {exc}"


def _describe_args(args):
    parts = []
    for a in args:
        if isinstance(a, np.ndarray):
            parts.append(f"an array of shape {a.shape}")
        else:
            parts.append(repr(a))
    return ", ".join(parts)


def _as_float_array(value):
    if value is None:
        return None
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None
    return arr


# --------------------------------------------------------------------------------------------
# Exercise 1: the per-step recursion
# --------------------------------------------------------------------------------------------


def _highway_mistakes(dc_last, f):
    N, T, H = f.shape
    out = {}
    own = np.empty_like(f)  # off by one: step t uses its own forget gate f_t
    own[:, -1] = dc_last
    for t in range(T - 1, 0, -1):  # t = T-1, ..., 1
        own[:, t - 1] = own[:, t] * f[:, t - 1]  # f_t where f_{t+1} belongs
    out["own gate"] = own
    scaled_last = highway_gradient(dc_last, f) * f[:, -1:]  # multiplies the last step too
    out["last step scaled"] = scaled_last
    out["no product"] = np.repeat(dc_last[:, None, :], T, axis=1)
    out["one minus f"] = highway_gradient(dc_last, 1.0 - f)
    out["reversed"] = highway_gradient(dc_last, f)[:, ::-1]
    forward = np.empty_like(f)  # walks forwards from step 1
    forward[:, 0] = dc_last
    for t in range(2, T + 1):  # t = 2, ..., T
        forward[:, t - 1] = forward[:, t - 2] * f[:, t - 1]
    out["forward"] = forward
    return out


_HIGHWAY_MESSAGES = {
    "own gate": "step t uses its own forget gate f_t (f[:, t-1]). Going back from step t+1 to step t crosses "
                "the gate of step t+1 (c_{t+1} = f_{t+1} * c_t + ...): dc[:, t-1] = dc[:, t] * f[:, t]",
    "last step scaled": "every step, including the last, is multiplied by one forget gate too many: "
                        "dc[:, T-1] (step T) must be dc_last itself",
    "no product": "every step equals dc_last: multiply by the forget gate at every step back",
    "one minus f": "it multiplies by 1 - f: the forget gate f is the fraction kept, so the gradient is "
                   "multiplied by f",
    "reversed": "the values are right but in reversed time order: dc[:, T-1] is the last step, t = T "
                "(dc_last), dc[:, 0] the first, t = 1",
    "forward": "it starts from step 1 and walks forwards; backpropagation starts at the last step, t = T "
               "(dc[:, T-1] = dc_last), and walks backwards",
}


def check_cell_highway(fn):
    r"""Check ``fn(dc_last, f)``: :math:`\partial L/\partial c_t` of every step along the cell state alone.

    Parameters
    ----------
    fn : callable
        ``fn(dc_last, f) -> dc`` with ``dc_last`` of shape (N, H), forget gates ``f`` of shape
        (N, T, H) (``f[:, t-1]`` is :math:`f_t`), and ``dc`` of shape (N, T, H) where
        ``dc[:, T-1] = dc_last`` and ``dc[:, t-1] = dc[:, t] * f[:, t]``: step t from step t+1.

    Returns
    -------
    CheckResult
    """
    if not callable(fn):
        return CheckResult(False, f"pass your function itself (not its result); got {type(fn).__name__}", _HIGHWAY)
    rng = np.random.default_rng(6)
    N, T, H = 2, 6, 3
    dc_last = rng.standard_normal((N, H))
    f = rng.uniform(0.3, 0.95, size=(N, T, H))
    value, error = _call(fn, dc_last.copy(), f.copy())
    if error:
        return CheckResult(False, error, _HIGHWAY)
    got = _as_float_array(value)
    if got is None or got.shape != (N, T, H):
        shape = "None" if value is None else (np.shape(value) if got is not None else type(value).__name__)
        return CheckResult(False, f"with dc_last of shape {(N, H)} and f of shape {(N, T, H)} it should return "
                                  f"an array of shape {(N, T, H)} (one gradient per step); got {shape}", _HIGHWAY)
    want = highway_gradient(dc_last, f)
    if np.allclose(got, want, rtol=1e-10, atol=1e-12):
        return CheckResult(True, f"dL/dc_t = dL/dc_(t+1) * f_(t+1) at all {T} steps. Along the highway the "
                                 "gradient is only multiplied by forget gates: no W_h, no tanh'.", _HIGHWAY)
    for name, variant in _highway_mistakes(dc_last, f).items():
        if np.allclose(got, variant, rtol=1e-10, atol=1e-12):
            return CheckResult(False, _HIGHWAY_MESSAGES[name] + ".", _HIGHWAY)
    wrong_steps = [t for t in range(1, T + 1)  # steps t = 1..T, at index t-1
                   if not np.allclose(got[:, t - 1], want[:, t - 1], rtol=1e-10, atol=1e-12)]
    right_steps = [t for t in range(1, T + 1) if t not in wrong_steps]
    where = (f"right at t = {_ranges(right_steps)}, wrong at t = {_ranges(wrong_steps)}" if right_steps
             else "wrong at every step")
    advice = " Start with dc[:, T-1] = dc_last (step T)." if T in wrong_steps else ""
    return CheckResult(False, f"{where} (T = {T}).{advice} Try hint('{_HIGHWAY}').", _HIGHWAY)


def solution_cell_highway():
    """The reference solution of the first exercise, as source text."""
    return inspect.cleandoc('''
        def cell_highway_mine(dc_last, f):
            N, T, H = f.shape
            dc = np.empty_like(f)                    # (N, T, H)  dc[:, t-1] is dL/dc_t
            dc[:, T - 1] = dc_last                   # step T: where the loss enters
            for t in range(T - 1, 0, -1):            # t = T-1, ..., 1
                dc[:, t - 1] = dc[:, t] * f[:, t]    # cross the forget gate of step t+1, f[:, t]
            return dc
    ''')


# --------------------------------------------------------------------------------------------
# Exercise 2: predict the ratio from the network's own forget gates, then check
# --------------------------------------------------------------------------------------------


def _prediction_mistakes(dc_last, f, k):
    T = f.shape[1]
    entered = np.linalg.norm(dc_last, axis=1)  # (N,)
    products = np.prod(f[:, T - k:], axis=1)  # (N, H)
    out = {
        "mean gate": np.full(f.shape[0], f[:, T - k:].mean() ** k) if k else np.ones(f.shape[0]),
        "unit mean": products.mean(axis=1),
        "unit rms": np.linalg.norm(products, axis=1) / np.sqrt(f.shape[2]),
        "not divided": np.linalg.norm(dc_last * products, axis=1),
        "own gates": np.linalg.norm(dc_last * np.prod(f[:, T - k - 1:T - 1], axis=1), axis=1) / entered,
        "one too many": np.linalg.norm(dc_last * np.prod(f[:, max(T - k - 1, 0):], axis=1), axis=1) / entered,
        "first gates": np.linalg.norm(dc_last * np.prod(f[:, :k], axis=1), axis=1) / entered,
        "one minus f": np.linalg.norm(dc_last * np.prod(1 - f[:, T - k:], axis=1), axis=1) / entered,
        "minus k": np.linalg.norm(dc_last * np.prod(f[:, -k:], axis=1), axis=1) / entered,
    }
    return out


_PREDICTION_MESSAGES = {
    "mean gate": "it raises the mean forget gate to the power k: one gate for every unit and step. The "
                 "gates differ between units and steps, and a product of different gates is not the mean "
                 "gate to the k-th power: multiply each unit's own gates",
    "unit mean": "it averages the per-unit products over the units; the gradient that entered the units "
                 "differs, so weigh each product by dc_last and take the norm over the units",
    "unit rms": "it takes the root mean square of the per-unit products without dc_last; the gradient that "
                "entered each unit weighs its product: norm(dc_last * products) / norm(dc_last)",
    "not divided": "it returns the norm of the gradient left after k steps, not the ratio: divide by the "
                   "norm of dc_last (the ratio does not depend on how large the loss is)",
    "own gates": "it multiplies the gates f_(T-k), ..., f_(T-1): one step early. Going back from c_T "
                 "crosses f_T first (f[:, T-1]); the k gates are f[:, T-k:]",
    "one too many": "it multiplies k + 1 gates, from f_(T-k) to f_T: going back k steps crosses k gates, "
                    "f[:, T-k:]",
    "first gates": "it multiplies the first k gates (f[:, :k]); backpropagation starts at the last step: "
                   "the gates crossed are the last k, f[:, T-k:]",
    "one minus f": "it multiplies 1 - f: the forget gate is the fraction kept, so the gradient is "
                   "multiplied by f",
    "minus k": "it multiplies every gate: f[:, -k:] is the whole array when k = 0. Use "
               "f[:, T-k:] (no gate crossed: ratio 1)",
}


_PREDICTION_CASES = ((4, 2), (6, 3), (0, 4), (1, 5))  # (k, seed); T = 7


def _lstm_demo(forget_bias, lag=30, n=128, seed=0):
    """An untrained LSTM on the memory task: the checker's prediction-against-measurement case."""
    x, y = memory_task(n, lag, 8, seed=seed)
    model = SequenceClassifier(8, 32, cell="lstm", seed=seed, forget_bias=forget_bias)
    return model, x, y


def check_highway_prediction(fn):
    r"""Check ``fn(dc_last, f, k)``: the cell-state gradient ratio over k steps predicted from the forget gates.

    Parameters
    ----------
    fn : callable
        ``fn(dc_last, f, k) -> ratios`` with ``dc_last`` :math:`\partial L/\partial c_T` of shape
        (N, H), the forget gates ``f`` of shape (N, T, H) (``f[:, t-1]`` is :math:`f_t`) and
        0 <= k <= T-1; ``ratios`` has shape (N,): :math:`\lVert \partial L/\partial c_T \odot
        \prod_{t=T-k+1}^{T} f_t \rVert / \lVert \partial L/\partial c_T \rVert`.

    Returns
    -------
    CheckResult
        When right, the message compares the learner's prediction with the measured ratio and with
        :math:`\sigma(b_f)^k` on an untrained LSTM at lag 30.
    """
    if not callable(fn):
        return CheckResult(False, f"pass your function itself (not its result); got {type(fn).__name__}", _PREDICTION)
    N, T, H = 3, 7, 4
    for k, seed in _PREDICTION_CASES:
        rng = np.random.default_rng(seed)
        dc_last = rng.standard_normal((N, H))
        f = rng.uniform(0.3, 0.99, size=(N, T, H))
        value, error = _call(fn, dc_last.copy(), f.copy(), k)
        if error:
            return CheckResult(False, error, _PREDICTION)
        got = _as_float_array(value)
        want = highway_ratio(dc_last, f, k)
        if got is None or got.shape != (N,):
            shape = "None" if value is None else (got.shape if got is not None else type(value).__name__)
            hint_shape = (" (one product per sequence and unit: now weigh them by dc_last and take the norm "
                          "over the units)" if got is not None and got.shape == (N, H) else "")
            return CheckResult(False, f"with dc_last of shape {(N, H)}, f of shape {(N, T, H)} and k = {k} it "
                                      f"should return one ratio per sequence, shape {(N,)}; got {shape}"
                                      + hint_shape, _PREDICTION)
        if np.allclose(got, want, rtol=1e-9, atol=1e-14):
            continue
        for name, variant in _prediction_mistakes(dc_last, f, k).items():
            if variant.shape == got.shape and np.allclose(got, variant, rtol=1e-9, atol=1e-14):
                return CheckResult(False, f"for k = {k} (T = {T}) " + _PREDICTION_MESSAGES[name] + ".",
                                   _PREDICTION)
        return CheckResult(False, f"for k = {k} (T = {T}) expected {np.round(want, 6)}, got {np.round(got, 6)}. "
                                  f"Try hint('{_PREDICTION}').", _PREDICTION)
    # prediction against measurement on an untrained LSTM with forget bias 1 (the library's default)
    model, x, y = _lstm_demo(1.0)
    f = model.internals(x)["f"]  # (N, T, H)
    k = f.shape[1] - 1
    check = highway_check("demo", model, x, y, k)
    dc_last = classifier_step_gradients(model, x, y).dc[:, -1]  # (N, H)
    value, error = _call(fn, dc_last, f, k)
    got = _as_float_array(value)
    if error or got is None or got.shape != (len(x),):
        return CheckResult(False, "right on the small test cases, but on an LSTM's real gates (shape "
                                  f"{f.shape}, k = {k}) it failed: {error or 'wrong shape'}", _PREDICTION)
    mine = float(np.median(got))
    naive = float(sigmoid(1.0)) ** k
    return CheckResult(True, f"the product of each unit's own crossed gates, weighed by dc_last. On an untrained "
                             f"LSTM (forget bias 1, lag {k}, {len(x)} sequences, medians): sigma(1)^{k} = "
                             f"{naive:.2g}; your prediction from its gates {mine:.2g}; the measured "
                             f"||dL/dc_1|| / ||dL/dc_T|| {check.measured:.2g}. The gates explain the highway part "
                             f"only; what entered the cell state at later steps through dL/dh_t adds up to "
                             f"{check.other_path:.2g} of ||dL/dc_T||. The next cells do this for the trained "
                             "models.", _PREDICTION)


def solution_highway_prediction():
    """The reference solution of the second exercise, as source text."""
    return inspect.cleandoc('''
        def highway_prediction_mine(dc_last, f, k):
            N, T, H = f.shape
            products = np.prod(f[:, T - k:], axis=1)       # (N, H)  f_(T-k+1) ... f_T, one product per unit
            left = dc_last * products                        # (N, H)  the highway part of dL/dc_(T-k)
            return np.linalg.norm(left, axis=1) / np.linalg.norm(dc_last, axis=1)  # (N,)
    ''')
