r"""Exercise of notebook 02: implement one step of the RNN.

The learner writes ``rnn_step_forward_mine(x, h_prev, Wx, Wh, b)`` computing

.. math:: h_t = \tanh(x_t W_x + h_{t-1} W_h + b)

and :func:`check_rnn_step` compares it with :func:`rnnlib.rnn.rnn_step_forward` on seeded random
inputs. When the result is wrong it is matched against the typical mistakes (a missing term, a
missing or wrong activation, a transposed ``Wh``, ...) and the message names the mistake. The
function may return ``h`` or ``(h, cache)``.

Hints: ``hint("rnn_step")`` (three, gentle to specific); solution: :func:`solution_rnn_step`.
"""

from __future__ import annotations

import numpy as np

from ..activations import sigmoid
from ..rnn import rnn_step_forward
from .base import CheckResult, register_hints

__all__ = ["check_rnn_step", "solution_rnn_step", "rnn_step_cases", "WRONG_VARIANTS"]

EXERCISE = "rnn_step"

# Typical wrong answers: (description of the result, what is wrong, function of the inputs).
WRONG_VARIANTS = (
    ("tanh(x_t Wx + b)", "the recurrent term h_{t-1} Wh is missing",
     lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + b)),
    ("tanh(h_{t-1} Wh + b)", "the input term x_t Wx is missing",
     lambda x, h, Wx, Wh, b: np.tanh(h @ Wh + b)),
    ("tanh(x_t Wx + h_{t-1} Wh)", "the bias b is missing",
     lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh)),
    ("x_t Wx + h_{t-1} Wh + b", "the tanh is missing: you returned the pre-activation a_t",
     lambda x, h, Wx, Wh, b: x @ Wx + h @ Wh + b),
    ("sigmoid(x_t Wx + h_{t-1} Wh + b)", "the activation is a sigmoid; the RNN uses tanh (values in -1..1)",
     lambda x, h, Wx, Wh, b: sigmoid(x @ Wx + h @ Wh + b)),
    ("relu(x_t Wx + h_{t-1} Wh + b)", "the activation is a ReLU; the RNN uses tanh",
     lambda x, h, Wx, Wh, b: np.maximum(x @ Wx + h @ Wh + b, 0.0)),
    ("tanh(x_t Wx + h_{t-1} Wh.T + b)", "Wh is transposed: use h_prev @ Wh (row vector times matrix), "
     "not h_prev @ Wh.T; row i of Wh holds the weights leaving hidden unit i",
     lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh.T + b)),
    ("tanh(x_t Wx + h_{t-1} + b)", "h_{t-1} is added without being multiplied by Wh",
     lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h + b)),
    ("tanh(x_t Wx + h_{t-1} Wh) + b", "the bias is added after the tanh; it belongs inside, before the tanh",
     lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh) + b),
    ("tanh(x_t Wx) + tanh(h_{t-1} Wh) + b", "the tanh is applied to the terms separately; apply it once, "
     "to the whole sum",
     lambda x, h, Wx, Wh, b: np.tanh(x @ Wx) + np.tanh(h @ Wh) + b),
    ("tanh(x_t Wx + b) + h_{t-1} Wh", "the recurrent term is added after the tanh; it belongs inside",
     lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + b) + h @ Wh),
    ("h_{t-1}", "you returned the previous state h_prev unchanged",
     lambda x, h, Wx, Wh, b: h),
)


def rnn_step_cases(seed=0):
    """Test inputs ``(x, h_prev, Wx, Wh, b)``: several batch sizes, D != H, a non-symmetric Wh.

    Parameters
    ----------
    seed : int

    Returns
    -------
    list of tuple of numpy.ndarray
        Shapes (N, D), (N, H), (D, H), (H, H), (H,).
    """
    rng = np.random.default_rng(seed)
    cases = []
    for N, D, H in ((2, 3, 4), (1, 5, 3), (3, 26, 6)):
        x = rng.standard_normal((N, D))  # (N, D)
        h_prev = rng.uniform(-1.0, 1.0, (N, H))  # (N, H)
        Wx = rng.uniform(-0.8, 0.8, (D, H))  # (D, H)
        Wh = rng.uniform(-0.8, 0.8, (H, H))  # (H, H) not symmetric: catches Wh.T
        b = rng.uniform(-0.5, 0.5, H)  # (H,)
        cases.append((x, h_prev, Wx, Wh, b))
    return cases


def _shape_text(shape):
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def _extract_h(result, expected_shape):
    """``h`` from ``h`` or ``(h, cache)``; ``(None, message)`` when that is impossible."""
    if isinstance(result, (tuple, list)) and len(result) > 0 and not _is_numeric_array(result):
        candidates = [r for r in result if isinstance(r, np.ndarray)]
        first = result[0]
        if not isinstance(first, np.ndarray):
            if any(c.shape == expected_shape for c in candidates):
                return None, ("you returned a tuple whose first element is not h: return h, or (h, cache) with "
                              "h first")
            return None, (f"you returned a {type(result).__name__} of {len(result)} items; return the new hidden "
                          f"state h as an array of shape {_shape_text(expected_shape)} (or (h, cache))")
        result = first
    if result is None:
        return None, "your function returned None: did you forget the `return` statement?"
    try:
        h = np.asarray(result, dtype=float)
    except (TypeError, ValueError):
        return None, (f"your function returned {type(result).__name__}, which is not an array; return h "
                      f"of shape {_shape_text(expected_shape)}")
    return h, None


def _is_numeric_array(value):
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return False
    return arr.ndim >= 1 and arr.dtype.kind == "f"


def _shape_message(h, x, h_prev, Wx, Wh):
    N, D = x.shape
    H = Wh.shape[0]
    expected = (N, H)
    msg = f"h has shape {_shape_text(h.shape)}, expected {_shape_text(expected)} (N = {N} sequences, H = {H} units)"
    if h.shape == (H,) or h.shape == (N,):
        msg += ": did you sum or index away the batch dimension? keep one row per sequence"
    elif h.shape == (N, D):
        msg += ": the result has D columns (the input size): multiply x_t by Wx to get H columns"
    elif h.shape == (H, N):
        msg += ": the result is transposed; write x @ Wx (rows are sequences), not Wx.T @ x.T or similar"
    elif h.ndim == 2 and h.shape[0] != N:
        msg += ": the number of rows must stay N, one per sequence in the batch"
    return msg


def _run(learner_fn, args):
    copies = tuple(a.copy() for a in args)
    try:
        result = learner_fn(*copies)
    except NotImplementedError:
        return None, "not implemented yet: replace `raise NotImplementedError()` with your code"
    except Exception as exc:  # any learner bug is reported, never raised
        msg = f"your function raised {type(exc).__name__}: {exc}"
        if isinstance(exc, ValueError) and ("broadcast" in str(exc) or "matmul" in str(exc)):
            msg += (" (check the shapes: x (N, D) @ Wx (D, H) and h_prev (N, H) @ Wh (H, H) both give (N, H); "
                    "use @ for matrix products, not *)")
        return None, msg
    for name, before, after in zip(("x", "h_prev", "Wx", "Wh", "b"), args, copies, strict=True):
        if not np.array_equal(before, after):
            return None, f"your function changed its input {name} in place; compute new arrays instead"
    return result, None


def check_rnn_step(learner_fn, seed=0):
    r"""Check a learner's ``rnn_step_forward(x, h_prev, Wx, Wh, b)``.

    Parameters
    ----------
    learner_fn : callable
        ``(x (N, D), h_prev (N, H), Wx (D, H), Wh (H, H), b (H,)) -> h (N, H)`` or ``(h, cache)``.
    seed : int
        Seed of the test inputs (see :func:`rnn_step_cases`).

    Returns
    -------
    CheckResult
        ``ok`` when ``h`` matches :func:`rnnlib.rnn.rnn_step_forward` on every case; otherwise the
        message names the mistake (e.g. "your result matches tanh(x_t Wx + b): the recurrent
        term h_{t-1} Wh is missing").

    Notes
    -----
    .. math:: h_t = \tanh(x_t W_x + h_{t-1} W_h + b)
    """
    if not callable(learner_fn):
        return CheckResult(False, f"check_rnn_step needs your function itself; got {type(learner_fn).__name__}",
                           EXERCISE)
    cases = rnn_step_cases(seed)
    for k, args in enumerate(cases, start=1):
        x, h_prev, Wx, Wh, b = args
        N, D = x.shape
        H = Wh.shape[0]
        where = f"test {k} of {len(cases)} (N={N}, D={D}, H={H})"
        result, problem = _run(learner_fn, args)
        if problem:
            return CheckResult(False, f"{where}: {problem}", EXERCISE)
        h, problem = _extract_h(result, (N, H))
        if problem:
            return CheckResult(False, f"{where}: {problem}", EXERCISE)
        if h.shape != (N, H):
            return CheckResult(False, f"{where}: {_shape_message(h, x, h_prev, Wx, Wh)}", EXERCISE)
        if not np.all(np.isfinite(h)):
            return CheckResult(False, f"{where}: h contains NaN or inf", EXERCISE)
        expected, _ = rnn_step_forward(x, h_prev, Wx, Wh, b)  # (N, H)
        if np.allclose(h, expected, rtol=1e-6, atol=1e-8):
            continue
        for formula, mistake, variant in WRONG_VARIANTS:
            if np.allclose(h, variant(x, h_prev, Wx, Wh, b), rtol=1e-6, atol=1e-8):
                return CheckResult(False, f"your result matches {formula}: {mistake}.", EXERCISE)
        n, j = np.unravel_index(np.argmax(np.abs(h - expected)), h.shape)
        return CheckResult(
            False,
            f"{where}: h differs from tanh(x_t Wx + h_{{t-1}} Wh + b), most at sequence n={n}, unit j={j} "
            f"(yours {h[n, j]:.4f}, expected {expected[n, j]:.4f}), and it matches none of the usual mistakes; "
            f"print each term (x @ Wx, h_prev @ Wh, b) and compare. Try hint('{EXERCISE}').",
            EXERCISE)
    return CheckResult(True, f"h = tanh(x_t Wx + h_{{t-1}} Wh + b) matches rnnlib on all {len(cases)} tests "
                             "(batch sizes 1-3, input sizes 3-26, hidden sizes 3-6).", EXERCISE)


_SOLUTION = """\
def rnn_step_forward_mine(x, h_prev, Wx, Wh, b):
    a = x @ Wx + h_prev @ Wh + b  # (N, H)  pre-activation a_t
    h = np.tanh(a)  # (N, H)  new hidden state h_t
    return h
"""


def solution_rnn_step():
    """The reference solution as source text (``print`` it to read it).

    Returns
    -------
    str
    """
    return _SOLUTION


register_hints(EXERCISE, [
    "Three terms are added, then one activation is applied: the input term, the recurrent term and the "
    "bias, then tanh. Which weight matrix multiplies which vector?",
    "x has shape (N, D) and Wx (D, H), so x @ Wx has shape (N, H); h_prev (N, H) @ Wh (H, H) is (N, H) too, "
    "and b (H,) is added to every row by broadcasting. Use @ (matrix product), not *, and np.tanh at the end.",
    "a = x @ Wx + h_prev @ Wh + b, then return np.tanh(a). The full solution: "
    "print(rnnlib.exercises.rnn_recurrence.solution_rnn_step()).",
])
