"""Exercise of notebook 01: the shape of a batch and the parameter count of a many-to-one RNN.

The learner writes ``f(N, T, D, H) -> (shape, n_parameters)``: the shape of the input ``x`` for N
sequences of T steps with D features, and the number of trainable numbers of an RNN with hidden
size H and a one-logit readout (W_x, W_h, b, W_y, b_y). The checker tries several set-ups and
names the typical mistake it recognises.
"""

from __future__ import annotations

import inspect
from numbers import Integral

import numpy as np

from .base import CheckResult, register_hints

__all__ = ["SETUPS", "check_shapes_and_parameters", "solution_shapes_and_parameters", "reference_shapes_and_parameters"]

EXERCISE = "shapes_and_parameters"

# (N, T, D, H): the notebook's set-up first, then set-ups where N, T, D, H all differ so that
# every typical mistake gives a different number.
SETUPS = ((64, 5, 26, 16), (32, 9, 26, 8), (5, 3, 7, 6))


def reference_shapes_and_parameters(N, T, D, H):
    """The answer: ``((N, T, D), D*H + H*H + H + H + 1)``."""
    shape = (N, T, D)  # batch first
    n_parameters = D * H + H * H + H + H * 1 + 1  # Wx (D, H), Wh (H, H), b (H,), Wy (H, 1), by (1,)
    return shape, n_parameters


# Typical wrong parameter counts: (what it matches, formula).
_WRONG_COUNTS = (
    ("you counted Wh as D x H; W_h maps h_{t-1} (H numbers) to H numbers, so it is H x H",
     lambda N, T, D, H: D * H + D * H + H + H + 1),
    ("you forgot the biases b (H numbers) and b_y (1 number); or you forgot the readout W_y, b_y "
     "(with one output W_y also has H numbers)",
     lambda N, T, D, H: D * H + H * H + H),
    ("you forgot the output bias b_y (1 number)",
     lambda N, T, D, H: D * H + H * H + 2 * H),
    ("you forgot the bias b (H numbers) of the recurrence; or W_y, which also has H numbers",
     lambda N, T, D, H: D * H + H * H + H + 1),
    ("you forgot the readout and a bias: only W_x and W_h counted",
     lambda N, T, D, H: D * H + H * H),
    ("you counted W_y as H x H; it maps h_T (H numbers) to one logit, so it is H x 1",
     lambda N, T, D, H: D * H + H * H + H + H * H + 1),
    ("you counted W_x once per time step; the RNN shares W_x, W_h and b across all T steps",
     lambda N, T, D, H: T * D * H + H * H + H + H + 1),
    ("you counted the recurrent weights once per time step; the RNN shares W_x, W_h and b across all T steps",
     lambda N, T, D, H: T * (D * H + H * H + H) + H + 1),
    ("that is the feed-forward net's count (T*D*H + H + H + 1): the RNN's W_x is D x H, shared across steps",
     lambda N, T, D, H: T * D * H + H + H + 1),
    ("that is an LSTM's count (four gates: 4 x (D*H + H*H + H)); the plain RNN has one block",
     lambda N, T, D, H: 4 * (D * H + H * H + H) + H + 1),
    ("you counted W_x as T x H (steps instead of features); W_x maps one step's D features to H",
     lambda N, T, D, H: T * H + H * H + H + H + 1),
    ("you multiplied by the batch size N: parameters do not depend on how many sequences a batch holds",
     lambda N, T, D, H: N * (D * H + H * H + H + H + 1)),
)


def _shape_feedback(shape, N, T, D, H):
    """None if right, else what is wrong with the learner's shape."""
    want = (N, T, D)
    try:
        got = tuple(int(v) for v in shape)
    except (TypeError, ValueError, OverflowError):
        return f"the shape must be a tuple of ints like (N, T, D); got {shape!r}"
    if got == want:
        return None
    if len(got) != 3:
        return (f"x has three dimensions (N, T, D): batch, steps, features; got {len(got)} dimension(s) {got} "
                f"for N={N}, T={T}, D={D}")
    if sorted(got) == sorted(want):
        if got == (T, N, D):
            return f"shape order is (N, T, D), batch first; you gave (T, N, D) = {got} (time first)"
        if got == (N, D, T):
            return f"features come last: shape order is (N, T, D); you gave (N, D, T) = {got}"
        return f"shape order is (N, T, D), batch first, features last; you gave {got} for N={N}, T={T}, D={D}"
    if got == (N, T, H):
        return f"the input has D features per step, not H: (N, T, H) = {got} is the shape of the hidden states"
    if got == (N, T, 1):
        return f"each step is a one-hot vector of D = {D} numbers, not one letter index: (N, T, D) = {want}"
    return f"for N={N}, T={T}, D={D} the shape of x is {want}; you gave {got}"


def _count_feedback(count, N, T, D, H):
    """None if right, else what is wrong with the learner's count."""
    want = reference_shapes_and_parameters(N, T, D, H)[1]
    if isinstance(count, (bool, np.bool_)) or not isinstance(count, (Integral, float, np.floating)):
        return f"the parameter count must be a number; got {count!r} ({type(count).__name__})"
    if not np.isfinite(count) or count != int(count):
        return f"the parameter count must be a whole number; got {count!r}"
    count = int(count)
    if count == want:
        return None
    for message, formula in _WRONG_COUNTS:
        if count == formula(N, T, D, H):
            return f"{message} (you gave {count:,} for D={D}, H={H}; the right count is {want:,})"
    return (f"the RNN with D={D}, H={H} and one output has {want:,} parameters; you gave {count:,}. "
            "Count W_x, W_h, b, W_y and b_y separately")


def _same_answer(answer, reference):
    try:
        return tuple(int(v) for v in answer[0]) == reference[0] and int(answer[1]) == reference[1]
    except (TypeError, ValueError, OverflowError):
        return False


def check_shapes_and_parameters(learner_fn, setups=SETUPS):
    """Check ``learner_fn(N, T, D, H) -> (shape of x, number of RNN parameters)``.

    Parameters
    ----------
    learner_fn : callable
        Takes the ints N, T, D, H; returns a pair (shape tuple, int).
    setups : sequence of (N, T, D, H)
        The set-ups tried, first the notebook's own.

    Returns
    -------
    CheckResult
        On a mistake: which set-up, and the recognised error ("you counted Wh as D x H", "you
        forgot the biases", "shape order is (N, T, D), batch first", ...).
    """
    if not callable(learner_fn):
        return CheckResult(False, f"pass your function itself (without calling it); got {type(learner_fn).__name__}",
                           EXERCISE)
    for N, T, D, H in setups:
        where = f"N={N}, T={T}, D={D}, H={H}"
        try:
            answer = learner_fn(N, T, D, H)
        except NotImplementedError:
            return CheckResult(False, "your function still raises NotImplementedError: replace it with your answer",
                               EXERCISE)
        except Exception as exc:  # the learner's code may raise anything
            return CheckResult(False, f"your function raised {type(exc).__name__}: {exc} (for {where})", EXERCISE)
        if not isinstance(answer, (tuple, list)) or len(answer) != 2:
            return CheckResult(False, f"return a pair (shape, n_parameters); got {answer!r} for {where}", EXERCISE)
        problems = [p for p in (_shape_feedback(answer[0], N, T, D, H), _count_feedback(answer[1], N, T, D, H)) if p]
        first = reference_shapes_and_parameters(*setups[0])
        if problems and (N, T, D, H) != tuple(setups[0]) and _same_answer(answer, first):
            return CheckResult(False, f"right for {setups[0]}, but for {where} your function returned the same "
                                      f"numbers: compute the answer from the arguments N, T, D, H", EXERCISE)
        if problems:
            return CheckResult(False, f"for {where}: " + "; and ".join(problems), EXERCISE)
    N, T, D, H = setups[0]
    shape, count = reference_shapes_and_parameters(N, T, D, H)
    return CheckResult(True, f"x has shape {shape} and the RNN has {count:,} parameters "
                             f"(W_x {D * H} + W_h {H * H} + b {H} + W_y {H} + b_y 1); "
                             f"right for all {len(setups)} set-ups tried", EXERCISE)


def solution_shapes_and_parameters():
    """The source of a correct solution, as text."""
    return inspect.getsource(reference_shapes_and_parameters)


register_hints(EXERCISE, [
    "The input is batch first. The RNN has five weight arrays: W_x, W_h, b (the recurrence) and W_y, b_y "
    "(the readout). Count each one's numbers.",
    "W_x maps one step's D features to H: shape (D, H). W_h maps h_{t-1} to H: (H, H). b is (H,). With one "
    "output, W_y is (H, 1) and b_y is (1,). None of them depends on N or T: the weights are shared.",
    "shape = (N, T, D) and n_parameters = D*H + H*H + H + H + 1. The full solution: "
    "print(rnnlib.exercises.sequences_and_shapes.solution_shapes_and_parameters())",
])
