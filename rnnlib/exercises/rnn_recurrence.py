r"""Exercise of notebook 02: one RNN step in PyTorch's layout, translated with the notation table.

PyTorch's ``nn.RNN`` stores the same RNN as the course with other names and shapes:
``weight_ih`` (H, D) is :math:`W_x^\top`, ``weight_hh`` (H, H) is :math:`W_h^\top`, and two biases
``bias_ih``, ``bias_hh`` (H,) add up to the course's :math:`b`. The learner writes
``rnn_step_forward_mine(x, h_prev, weight_ih, weight_hh, bias_ih, bias_hh)`` returning
:math:`h_t` (N, H) for a batch of row vectors ``x`` (N, D) and ``h_prev`` (N, H), that is

.. math:: h_t = \tanh(x_t W_{ih}^\top + b_{ih} + h_{t-1} W_{hh}^\top + b_{hh}),

and :func:`check_rnn_step` compares it with :func:`rnnlib.rnn.rnn_step_forward` called with the
course's weights (``Wx = weight_ih.T``, ``Wh = weight_hh.T``, ``b = bias_ih + bias_hh``). The
test inputs have N, D and H all different and a non-symmetric ``weight_hh``, so a forgotten
transpose either fails on a shape or gives a wrong number that the checker recognises: a wrong
result is matched against the typical mistakes (:data:`MISTAKES`, each a one-line edit of the
solution) and the message names the term that went wrong. The function may return ``h`` or
``(h, cache)``.

A matrix product that fails on its shapes is named with both operands' shapes (which product, and
whether it is the input or the recurrent one).

Hints: ``hint("rnn_step")`` (three, gentle to specific); solution: ``solution("rnn_step")``.
"""

from __future__ import annotations

import re
import traceback

import numpy as np

from ..activations import sigmoid
from ..rnn import rnn_step_forward
from .base import CheckResult, register_hints, with_mistake

__all__ = ["check_rnn_step", "solution_rnn_step", "rnn_step_cases", "step_with_mistake", "MISTAKES", "ARGUMENTS"]

EXERCISE = "rnn_step"
ARGUMENTS = ("x", "h_prev", "weight_ih", "weight_hh", "bias_ih", "bias_hh")

_SOLUTION = """\
def rnn_step_forward_mine(x, h_prev, weight_ih, weight_hh, bias_ih, bias_hh):
    # PyTorch stores the course's matrices transposed: weight_ih = Wx.T (H, D), weight_hh = Wh.T (H, H)
    x_term = x @ weight_ih.T  # (N, D) @ (D, H) = (N, H)   x_t W_x
    h_term = h_prev @ weight_hh.T  # (N, H) @ (H, H) = (N, H)   h_{t-1} W_h
    a = x_term + h_term + bias_ih + bias_hh  # (N, H)  a_t; the course's b = bias_ih + bias_hh
    h = np.tanh(a)  # (N, H)
    return h
"""

# Typical mistakes: name -> (the solution's text, what replaces it, the formula it computes, what is wrong).
MISTAKES = {
    "weight_hh_not_transposed": (
        "h_prev @ weight_hh.T", "h_prev @ weight_hh",
        "tanh(x weight_ih.T + h_prev weight_hh + bias_ih + bias_hh)",
        "the recurrent term uses weight_hh as if it were W_h; weight_hh is W_h transposed (its row i holds "
        "the weights INTO hidden unit i), so h_{t-1} W_h is h_prev @ weight_hh.T. With H x H matrices the "
        "shapes fit either way: only the numbers show the slip"),
    "no_bias_hh": (
        " + bias_hh  #", "  #",
        "tanh(x weight_ih.T + h_prev weight_hh.T + bias_ih)",
        "bias_hh is missing: PyTorch adds two biases, and the course's b is their sum bias_ih + bias_hh"),
    "no_bias_ih": (
        " + bias_ih + ", " + ",
        "tanh(x weight_ih.T + h_prev weight_hh.T + bias_hh)",
        "bias_ih is missing: PyTorch adds two biases, and the course's b is their sum bias_ih + bias_hh"),
    "no_biases": (
        " + bias_ih + bias_hh  #", "  #",
        "tanh(x weight_ih.T + h_prev weight_hh.T)",
        "both biases are missing; the course's b is bias_ih + bias_hh, added before the tanh"),
    "no_recurrent_term": (
        "x_term + h_term + ", "x_term + ",
        "tanh(x weight_ih.T + bias_ih + bias_hh)",
        "the recurrent term h_{t-1} W_h (h_prev @ weight_hh.T) is missing: without it the RNN is the "
        "feed-forward layer of section 1"),
    "no_input_term": (
        "x_term + h_term", "h_term",
        "tanh(h_prev weight_hh.T + bias_ih + bias_hh)",
        "the input term x_t W_x (x @ weight_ih.T) is missing"),
    "no_tanh": (
        "np.tanh(a)", "a",
        "x weight_ih.T + h_prev weight_hh.T + bias_ih + bias_hh",
        "the tanh is missing: you returned the pre-activation a_t"),
    "sigmoid": (
        "np.tanh(a)", "sigmoid(a)",
        "sigmoid(x weight_ih.T + h_prev weight_hh.T + bias_ih + bias_hh)",
        "the activation is a sigmoid; PyTorch's nn.RNN (nonlinearity='tanh', the default) and the course use tanh"),
    "relu": (
        "np.tanh(a)", "np.maximum(a, 0.0)",
        "relu(x weight_ih.T + h_prev weight_hh.T + bias_ih + bias_hh)",
        "the activation is a ReLU (nn.RNN's nonlinearity='relu'); the course's RNN uses tanh, the default"),
    "bias_after_tanh": (
        "a = x_term + h_term + bias_ih + bias_hh", "a = x_term + h_term",
        "tanh(x weight_ih.T + h_prev weight_hh.T) + bias_ih + bias_hh",
        "the biases are added after the tanh; they belong inside, before it"),
    "returned_h_prev": (
        "return h", "return h_prev",
        "h_prev",
        "you returned the previous state h_prev unchanged"),
}


def step_with_mistake(mistake):
    """The reference solution with one typical mistake (a key of :data:`MISTAKES`), as a function.

    Parameters
    ----------
    mistake : str

    Returns
    -------
    callable
        ``(x, h_prev, weight_ih, weight_hh, bias_ih, bias_hh) -> h``.
    """
    if mistake not in MISTAKES:
        raise ValueError(f"mistake must be one of {sorted(MISTAKES)}; got {mistake!r}")
    right, wrong, _, _ = MISTAKES[mistake]
    source = _SOLUTION
    if mistake == "bias_after_tanh":  # the second half of the edit: the biases come back after the tanh
        source = source.replace(right, wrong)
        right, wrong = "h = np.tanh(a)", "h = np.tanh(a) + bias_ih + bias_hh"
    return with_mistake(source, right, wrong, f"rnn_step_with_{mistake}", sigmoid=sigmoid)


def rnn_step_cases(seed=0):
    """Test inputs in PyTorch's layout: N, D, H all different, a non-symmetric ``weight_hh``.

    Parameters
    ----------
    seed : int

    Returns
    -------
    list of tuple of numpy.ndarray
        ``(x, h_prev, weight_ih, weight_hh, bias_ih, bias_hh)`` with shapes (N, D), (N, H), (H, D),
        (H, H), (H,), (H,).
    """
    rng = np.random.default_rng(seed)
    cases = []
    for N, D, H in ((2, 3, 4), (1, 5, 3), (3, 26, 6)):
        x = rng.standard_normal((N, D))  # (N, D)
        h_prev = rng.uniform(-1.0, 1.0, (N, H))  # (N, H)
        weight_ih = rng.uniform(-0.8, 0.8, (H, D))  # (H, D) = Wx.T
        weight_hh = rng.uniform(-0.8, 0.8, (H, H))  # (H, H) = Wh.T, not symmetric
        bias_ih = rng.uniform(-0.5, 0.5, H)  # (H,)
        bias_hh = rng.uniform(-0.5, 0.5, H)  # (H,)
        cases.append((x, h_prev, weight_ih, weight_hh, bias_ih, bias_hh))
    return cases


def _expected(x, h_prev, weight_ih, weight_hh, bias_ih, bias_hh):
    """The course's step with the course's weights: Wx = weight_ih.T, Wh = weight_hh.T, b = bias_ih + bias_hh."""
    h, _ = rnn_step_forward(x, h_prev, weight_ih.T, weight_hh.T, bias_ih + bias_hh)  # (N, H)
    return h


def _shape_text(shape):
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def _is_numeric_array(value):
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return False
    return arr.ndim >= 1 and arr.dtype.kind == "f"


def _extract_h(result, expected_shape):
    """``h`` from ``h`` or ``(h, cache)``; ``(None, message)`` when that is impossible."""
    if isinstance(result, (tuple, list)) and len(result) > 0 and not _is_numeric_array(result):
        candidates = [r for r in result if isinstance(r, np.ndarray)]
        first = result[0]
        if not isinstance(first, np.ndarray):
            if any(c.shape == expected_shape for c in candidates):
                return None, "you returned a tuple whose first element is not h: return h, or (h, cache) with h first"
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


def _shape_message(h, N, D, H):
    msg = f"h has shape {_shape_text(h.shape)}, expected {_shape_text((N, H))} (N = {N} sequences, H = {H} units)"
    if h.shape == (H, N):
        msg += (": these are column vectors, one column per sequence (the form weight_ih @ x.T gives); the "
                "course and PyTorch's nn.RNN return one row per sequence: transpose back")
    elif h.shape in ((H,), (N,)):
        msg += ": did you sum or index away the batch dimension? keep one row per sequence"
    elif h.shape == (N, D):
        msg += ": the result has D columns (the input size); x @ weight_ih.T has H"
    elif h.ndim == 2 and h.shape[0] != N:
        msg += ": the number of rows must stay N, one per sequence in the batch"
    return msg


_SIZES = (re.compile(r"size (\d+) is different from (\d+)"),  # np.matmul / @: right rows, left columns
          re.compile(r"(\d+) \(dim \d+\) != (\d+) \(dim 0\)"))  # np.dot: left columns, right rows


def _inner_sizes(text):
    """``(left operand's columns, right operand's rows)`` from numpy's error text, or None."""
    found = _SIZES[0].search(text)
    if found:
        return int(found.group(2)), int(found.group(1))
    found = _SIZES[1].search(text)
    if found:
        return int(found.group(1)), int(found.group(2))
    return None


def _learner_line(exc):
    """The learner's line of code where the error happened (None when it is not known)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename != __file__]
    return frames[-1].line.strip() if frames and frames[-1].line else None


def _matmul_note(exc, N, D, H):
    """Which matrix product failed, with both operands' shapes, and what it should be."""
    sizes = _inner_sizes(str(exc))
    line = _learner_line(exc)
    where = f" in `{line}`" if line else ""
    if sizes is None:
        return (f" (a matrix product whose inner sizes differ{where}: x_t W_x is x @ weight_ih.T, (N, D) @ (D, H); "
                f"h_{{t-1}} W_h is h_prev @ weight_hh.T, (N, H) @ (H, H))")
    left, right = sizes
    name = {N: "N", D: "D", H: "H"}
    pair = (name.get(left), name.get(right))
    shapes = f"N = {N}, D = {D}, H = {H}"
    known = {
        ("D", "H"): ("x (N, D) @ a matrix with H rows: weight_ih (H, D) without its .T, or weight_hh (H, H), "
                     "which belongs to h_prev",
                     "the input term x_t W_x is x @ weight_ih.T, (N, D) @ (D, H): weight_ih is W_x transposed"),
        ("H", "D"): ("h_prev (N, H) @ a matrix with D rows: weight_ih.T (D, H)",
                     "weight_ih belongs to the input x; the recurrent term h_{t-1} W_h is h_prev @ weight_hh.T, "
                     "(N, H) @ (H, H)"),
        ("D", "N"): ("weight_ih (H, D) @ x (N, D), the column form with x still in rows",
                     "in the column form x enters as columns: weight_ih @ x.T is (H, D) @ (D, N) = (H, N)"),
        ("H", "N"): ("weight_hh (H, H) @ h_prev (N, H), the column form with h_prev still in rows",
                     "in the column form h_prev enters as columns: weight_hh @ h_prev.T is (H, H) @ (H, N)"),
    }
    if pair in known:
        product, advice = known[pair]
        return f" (the product that failed{where}: {product}; here {shapes}. {advice})"
    return (f" (the product that failed{where} multiplies a left operand with {left} columns by a right operand "
            f"with {right} rows; here {shapes}. x_t W_x is x @ weight_ih.T, (N, D) @ (D, H); h_{{t-1}} W_h is "
            f"h_prev @ weight_hh.T, (N, H) @ (H, H))")


def _run(learner_fn, args):
    copies = tuple(a.copy() for a in args)
    try:
        result = learner_fn(*copies)
    except NotImplementedError:
        return None, "not implemented yet: replace `raise NotImplementedError()` with your code"
    except Exception as exc:  # any learner bug is reported, never raised
        msg = f"your function raised {type(exc).__name__}: {exc}"
        text = str(exc)
        if isinstance(exc, ValueError) and ("matmul" in text or "not aligned" in text):
            x, _, _, weight_hh = args[:4]
            msg += _matmul_note(exc, x.shape[0], x.shape[1], weight_hh.shape[0])
        elif isinstance(exc, ValueError) and "broadcast" in text:
            msg += (" (shapes that do not add up: x @ weight_ih.T and h_prev @ weight_hh.T are both (N, H), and "
                    "a bias (H,) adds to every row; in the column form, weight_ih @ x.T is (H, N) and a bias "
                    "must be a column, bias_ih[:, None]. Use @ for matrix products, not *)")
        return None, msg
    for name, before, after in zip(ARGUMENTS, args, copies, strict=True):
        if not np.array_equal(before, after):
            return None, f"your function changed its input {name} in place; compute new arrays instead"
    return result, None


def check_rnn_step(learner_fn, seed=0):
    r"""Check a learner's RNN step written for PyTorch's parameter layout.

    Parameters
    ----------
    learner_fn : callable
        ``(x (N, D), h_prev (N, H), weight_ih (H, D), weight_hh (H, H), bias_ih (H,), bias_hh (H,))
        -> h (N, H)`` or ``(h, cache)``.
    seed : int
        Seed of the test inputs (see :func:`rnn_step_cases`).

    Returns
    -------
    CheckResult
        ``ok`` when ``h`` matches :func:`rnnlib.rnn.rnn_step_forward` with ``Wx = weight_ih.T``,
        ``Wh = weight_hh.T``, ``b = bias_ih + bias_hh`` on every case; otherwise the message names
        the term that went wrong (e.g. "the recurrent term uses weight_hh as if it were W_h").

    Notes
    -----
    .. math:: h_t = \tanh(x_t W_{ih}^\top + b_{ih} + h_{t-1} W_{hh}^\top + b_{hh})
              = \tanh(x_t W_x + h_{t-1} W_h + b)
    """
    if not callable(learner_fn):
        return CheckResult(False, f"check_rnn_step needs your function itself; got {type(learner_fn).__name__}",
                           EXERCISE)
    cases = rnn_step_cases(seed)
    for k, args in enumerate(cases, start=1):
        x, h_prev, weight_ih, weight_hh, bias_ih, bias_hh = args
        N, D = x.shape
        H = weight_hh.shape[0]
        where = f"test {k} of {len(cases)} (N={N}, D={D}, H={H})"
        result, problem = _run(learner_fn, args)
        if problem:
            return CheckResult(False, f"{where}: {problem}", EXERCISE)
        h, problem = _extract_h(result, (N, H))
        if problem:
            return CheckResult(False, f"{where}: {problem}", EXERCISE)
        if h.shape != (N, H):
            return CheckResult(False, f"{where}: {_shape_message(h, N, D, H)}", EXERCISE)
        if not np.all(np.isfinite(h)):
            return CheckResult(False, f"{where}: h contains NaN or inf", EXERCISE)
        expected = _expected(*args)  # (N, H)
        if np.allclose(h, expected, rtol=1e-6, atol=1e-8):
            continue
        for mistake, (_, _, formula, what) in MISTAKES.items():
            if np.allclose(h, step_with_mistake(mistake)(*args), rtol=1e-6, atol=1e-8):
                return CheckResult(False, f"your result matches {formula}: {what}.", EXERCISE)
        n, j = np.unravel_index(np.argmax(np.abs(h - expected)), h.shape)
        return CheckResult(
            False,
            f"{where}: h differs from tanh(x @ weight_ih.T + h_prev @ weight_hh.T + bias_ih + bias_hh), most at "
            f"h[{n}, {j}] (sequence {n + 1}, hidden unit {j + 1}; yours {h[n, j]:.4f}, expected "
            f"{expected[n, j]:.4f}), and it matches none of the usual mistakes; print each term "
            f"(x @ weight_ih.T, h_prev @ weight_hh.T, bias_ih + bias_hh) next to the course's x @ Wx, "
            f"h_prev @ Wh, b. Try hint('{EXERCISE}').",
            EXERCISE)
    return CheckResult(True, "h = tanh(x weight_ih.T + bias_ih + h_prev weight_hh.T + bias_hh) equals the course's "
                             f"tanh(x_t Wx + h_{{t-1}} Wh + b) with Wx = weight_ih.T, Wh = weight_hh.T, "
                             f"b = bias_ih + bias_hh on all {len(cases)} tests (N = 1-3, D = 3-26, H = 3-6).",
                       EXERCISE)


def solution_rnn_step():
    """The reference solution as source text (``solution("rnn_step")`` shows it).

    Returns
    -------
    str
    """
    return _SOLUTION


register_hints(EXERCISE, [
    "Start from the table of section 6: which of the course's matrices does weight_ih hold, and does it hold it "
    "as it is or transposed? The same for weight_hh. And what became of the course's single bias b?",
    "Shapes: x is (N, D), h_prev (N, H), and your h must be (N, H). To turn x into H columns, the matrix on its "
    "right must be (D, H), but weight_ih is (H, D). weight_hh is square, so its shape cannot tell you whether it "
    "needs the same treatment: the table can. Both biases are (H,) and go inside the tanh.",
    "If you are still stuck, solution(\"rnn_step\") shows the reference solution with a shape comment on every "
    "line. Read it, close it, and write your own version from memory.",
])
