r"""Exercises of notebook 06: how much gradient the cell state carries back in time.

Two checkers, each with pointed feedback for the typical wrong answers:

* :func:`check_surviving_fraction`: the fraction of :math:`\partial L/\partial c_t` left after
  k steps along the highway when every forget gate is f (answer: :math:`f^k`);
* :func:`check_cell_highway`: the per-step recursion
  :math:`\partial L/\partial c_t = \partial L/\partial c_{t+1} \odot f_{t+1}` over a sequence
  (steps t = 1..T; ``dc[:, t-1]`` and ``f[:, t-1]`` belong to step t).

Hints: ``hint("surviving_fraction")``, ``hint("cell_highway")``.
"""

from __future__ import annotations

import inspect

import numpy as np

from ..activations import sigmoid
from ..gradcheck import _ranges
from ..lessons.lstm_vs_rnn import highway_gradient, surviving_fraction
from .base import CheckResult, register_hints

__all__ = [
    "check_surviving_fraction",
    "check_cell_highway",
    "solution_surviving_fraction",
    "solution_cell_highway",
]

_SURVIVING = "surviving_fraction"
_HIGHWAY = "cell_highway"

register_hints(_SURVIVING, [
    "Going back one step multiplies dL/dc by the forget gate of the step it crosses: "
    "dL/dc_{t-1} = dL/dc_t * f_t. What happens after two steps? After k?",
    "Each step contributes one factor f, and the factors multiply (they do not add). For k = 0 "
    "nothing has been multiplied yet, so the fraction is 1.",
    "The answer is f ** k (numpy broadcasts it over an array of f). The reference solution is in "
    "rnnlib.exercises.lstm_vs_rnn.solution_surviving_fraction().",
])

register_hints(_HIGHWAY, [
    "Start at the last step, t = T: dc[:, T-1] is dc_last itself (index t-1 holds step t). Then walk "
    "backwards, t = T-1, ..., 1.",
    "Going from step t+1 back to step t crosses the forget gate of step t+1, the gate that "
    "multiplied c_t in c_{t+1} = f_{t+1} * c_t + i_{t+1} * g_{t+1}. With index t-1 for step t: "
    "dc[:, t-1] = dc[:, t] * f[:, t].",
    "Allocate dc = np.empty_like(f), set dc[:, -1] = dc_last and loop "
    "`for t in range(T - 1, 0, -1): dc[:, t - 1] = dc[:, t] * f[:, t]`. The reference solution is in "
    "rnnlib.exercises.lstm_vs_rnn.solution_cell_highway().",
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
# Exercise 1: f ** k
# --------------------------------------------------------------------------------------------

_SURVIVING_CASES = ((0.5, 1), (0.9, 10), (0.95, 30),
                    (0.73, 30), (0.99, 100), (1.0, 50), (0.6, 0), (0.8, 3))


_SURVIVING_MISTAKES = (
    (lambda f, k: f * k, "it returns f * k: the factors of the steps multiply, they do not add up "
                         "(after two steps f * f, not 2 f)"),
    (lambda f, k: f ** (k - 1), "it returns f ** (k - 1): one step too few (after k = 1 step, one factor f "
                                "has been applied)"),
    (lambda f, k: f ** (k + 1), "it returns f ** (k + 1): one step too many (after k = 0 steps the "
                                "gradient is untouched: fraction 1)"),
    (lambda f, k: (1 - f) ** k, "it returns (1 - f) ** k: f is the fraction *kept* by the forget gate, "
                                "1 - f the fraction dropped"),
    (lambda f, k: 1 - f**k, "it returns 1 - f ** k, the fraction lost, not the fraction that survives"),
    (lambda f, k: sigmoid(f) ** k, "it applies a sigmoid to f: f is already the gate's value (after the "
                                    "sigmoid)"),
    (lambda f, k: np.exp(-k * (1 - f)), "it returns exp(-k (1 - f)), an approximation that is close only "
                                        "when f is near 1; the exact fraction is a product of k factors"),
)


def check_surviving_fraction(fn):
    r"""Check ``fn(f, k)``: the fraction of :math:`\partial L/\partial c_t` that survives k steps.

    Parameters
    ----------
    fn : callable
        ``fn(f, k) -> float`` for a forget-gate value f in [0, 1] (the same at every step) and
        an integer k >= 0; it should also work when f is a numpy array (one value per unit).

    Returns
    -------
    CheckResult
    """
    if not callable(fn):
        return CheckResult(False, f"pass your function itself (not its result); got {type(fn).__name__}", _SURVIVING)
    for f, k in _SURVIVING_CASES:
        value, error = _call(fn, f, k)
        if error:
            return CheckResult(False, error, _SURVIVING)
        got = _as_float_array(value)
        if got is None or got.size != 1:
            shape = "nothing (None)" if value is None else f"{type(value).__name__} {np.shape(value)}"
            return CheckResult(False, f"for f = {f}, k = {k} it should return one number; got {shape}", _SURVIVING)
        got = float(got.reshape(()))
        want = float(surviving_fraction(f, k))
        if np.isclose(got, want, rtol=1e-9, atol=1e-12):
            continue
        with np.errstate(all="ignore"):
            for variant, why in _SURVIVING_MISTAKES:
                if np.isclose(float(variant(f, k)), got, rtol=1e-9, atol=1e-12):
                    return CheckResult(False, f"for f = {f}, k = {k} {why}. Expected {want:.6g}, got {got:.6g}.",
                                       _SURVIVING)
        return CheckResult(False, f"for f = {f}, k = {k} expected {want:.6g}, got {got:.6g}. "
                                  f"Try hint('{_SURVIVING}').", _SURVIVING)
    f_units = np.array([0.5, 0.9, 0.99])
    value, error = _call(fn, f_units, 20)
    if error:
        return CheckResult(False, "it works for one number but not for an array of forget gates (one per unit): "
                                  + error, _SURVIVING)
    got = _as_float_array(value)
    want = surviving_fraction(f_units, 20)
    if got is None or got.shape != want.shape or not np.allclose(got, want, rtol=1e-9):
        return CheckResult(False, "it works for one number, but for f = np.array([0.5, 0.9, 0.99]), k = 20 it "
                                  f"should return one fraction per unit {np.round(want, 6)}; got {value!r}",
                           _SURVIVING)
    return CheckResult(True, "f ** k at every test case. Along the highway alone, a forget gate of 0.9 keeps "
                             f"{surviving_fraction(0.9, 30):.2g} of the gradient over 30 steps, one of 0.99 keeps "
                             f"{surviving_fraction(0.99, 30):.2g}.", _SURVIVING)


def solution_surviving_fraction():
    """The reference solution of the first exercise, as source text."""
    return inspect.cleandoc('''
        def surviving_fraction_mine(f, k):
            return f ** k  # one factor f per step crossed; numpy broadcasts over arrays of f
    ''')


# --------------------------------------------------------------------------------------------
# Exercise 2: the per-step recursion
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
    """The reference solution of the second exercise, as source text."""
    return inspect.cleandoc('''
        def cell_highway_mine(dc_last, f):
            N, T, H = f.shape
            dc = np.empty_like(f)                    # (N, T, H)  dc[:, t-1] is dL/dc_t
            dc[:, T - 1] = dc_last                   # step T: where the loss enters
            for t in range(T - 1, 0, -1):            # t = T-1, ..., 1
                dc[:, t - 1] = dc[:, t] * f[:, t]    # cross the forget gate of step t+1, f[:, t]
            return dc
    ''')
