"""Exercise of notebook 01: predict, then measure, how an RNN's costs grow with N, T and H.

Before the notebook measures it, the learner predicts by what factor four counts of a many-to-one
RNN grow when the batch size N, the number of steps T or the hidden size H doubles (one at a
time, from the notebook's set-up N = 32, T = 19, D = 26, H = 32):

- ``data``: the numbers in the input x, (N, T, D);
- ``parameters``: the numbers in W_x, W_h, b, W_y, b_y;
- ``compute``: the multiply-adds of one forward pass over the batch;
- ``memory``: the hidden states h_1, ..., h_T that the forward pass keeps for BPTT (its cache).

The learner's function returns ``{"data": (fN, fT, fH), "parameters": (...), "compute": (...),
"memory": (...)}``. The checker measures the factors on real arrays
(:func:`rnnlib.lessons.sequences_and_shapes.growth_factors`) and explains every prediction that
is off by more than 10 %.
"""

from __future__ import annotations

import inspect
from numbers import Real

import numpy as np

from ..lessons.sequences_and_shapes import growth_factors
from .base import CheckResult, register_hints

__all__ = ["SETUP", "QUANTITIES", "check_growth_predictions", "solution_growth_predictions",
           "reference_growth_predictions"]

EXERCISE = "growth_predictions"
SETUP = {"N": 32, "T": 19, "D": 26, "H": 32}  # the notebook's set-up
QUANTITIES = ("data", "parameters", "compute", "memory")
DIMS = ("N", "T", "H")
RTOL = 0.10  # a prediction within 10 % of the measured factor counts as right

_WHAT = {
    "data": "the numbers in x",
    "parameters": "the parameters",
    "compute": "the multiply-adds of a forward pass",
    "memory": "the hidden states kept for BPTT",
}

# Why each factor is what it is: said when a prediction is off.
_WHY = {
    ("data", "N"): "x holds N*T*D numbers, one (T, D) block per sequence: twice the sequences, twice the numbers",
    ("data", "T"): "x holds N*T*D numbers, one D-vector per step: twice the steps, twice the numbers",
    ("data", "H"): "x is the input, N*T*D numbers; the hidden size belongs to the network, not to the data",
    ("parameters", "N"): "every sequence of the batch uses the same W_x, W_h, b, W_y, b_y: the weights do "
                         "not depend on how many sequences a batch holds",
    ("parameters", "T"): "the RNN shares W_x, W_h and b across all steps: a longer sequence reuses them "
                         "(a feed-forward net on the padded input would need twice the W_1)",
    ("parameters", "H"): "W_x (D x H), b, W_y (H x 1) double but W_h (H x H) quadruples; with D = {D} close to "
                         "H = {H} the two big blocks are about equal, so the total grows about 3 times",
    ("compute", "N"): "every sequence goes through the same products, one row each: x_t W_x and "
                      "h_{{t-1}} W_h cost N*D*H and N*H*H per step",
    ("compute", "T"): "every step costs the same, N*(D*H + H*H): twice the steps, twice the multiply-adds "
                      "(all but the read-out h_T W_y, done once)",
    ("compute", "H"): "per step x_t W_x costs N*D*H (doubles) and h_{{t-1}} W_h costs N*H*H (quadruples); with "
                      "D = {D} close to H = {H} the total grows about 3 times",
    ("memory", "N"): "BPTT keeps h_1..h_T of every sequence: N*T*H numbers",
    ("memory", "T"): "BPTT keeps one h_t per step: N*T*H numbers, so twice the steps is twice the memory "
                     "(the reason long sequences are cut into pieces for training)",
    ("memory", "H"): "BPTT keeps N*T*H numbers: each h_t has H of them, so it doubles; W_h quadruples but it "
                     "is a weight, stored once, not once per step",
}

# A typical wrong prediction and what it usually means: (quantity, dim, predicted factor) -> text.
_MISREAD = {
    ("data", "H", 2): "you may have counted the hidden states as data",
    ("parameters", "N", 2): "you may have thought each sequence gets its own weights",
    ("parameters", "T", 2): "that would be a feed-forward net on the padded input, not an RNN",
    ("parameters", "H", 2): "you counted W_x but not the square W_h",
    ("parameters", "H", 4): "only W_h is H x H; W_x is D x H",
    ("compute", "T", 4): "each step costs the same; it is the chain of steps that gets longer, not each step",
    ("compute", "H", 2): "you counted x_t W_x but not the square h_{t-1} W_h",
    ("compute", "H", 4): "only h_{t-1} W_h is quadratic in H; x_t W_x is linear",
    ("memory", "H", 4): "you may have counted W_h (H x H) as memory kept per step",
    ("memory", "T", 1): "you may have thought only the last h_T is kept; BPTT needs all of them",
}


def reference_growth_predictions():
    """The answer: the factor by which each count grows when N, T or H doubles (N = 32, T = 19, D = 26, H = 32)."""
    #                   N doubles  T doubles  H doubles
    return {
        "data":       (2,         2,         1),  # x is N*T*D
        "parameters": (1,         1,         3),  # D*H + H*H + H + H + 1: DH doubles, HH quadruples, D ~ H
        "compute":    (2,         2,         3),  # N*T*(D*H + H*H) + N*H: the same mix as the parameters
        "memory":     (2,         2,         2),  # hs is N*T*H
    }


def _as_factors(answer):
    """The learner's answer as {quantity: (fN, fT, fH)} of floats, or an error message."""
    if not isinstance(answer, dict):
        return None, (f"return a dict with the keys {list(QUANTITIES)}, each a tuple of three factors "
                      f"(N doubles, T doubles, H doubles); got {type(answer).__name__} {answer!r:.80}")
    missing = [q for q in QUANTITIES if q not in answer]
    extra = [k for k in answer if k not in QUANTITIES]
    if missing:
        hint = f" (unknown keys {extra!r})" if extra else ""
        return None, f"the dict needs the keys {list(QUANTITIES)}; missing {missing}{hint}"
    factors = {}
    for q in QUANTITIES:
        value = answer[q]
        if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != 3:
            return None, (f"answer[{q!r}] must hold three factors (N doubles, T doubles, H doubles), "
                          f"e.g. (2, 2, 1); got {value!r:.80}")
        row = []
        for dim, v in zip(DIMS, value, strict=True):
            if isinstance(v, (bool, np.bool_)) or not isinstance(v, (Real, np.integer, np.floating)) \
                    or not np.isfinite(v) or v <= 0:
                return None, (f"answer[{q!r}] for '{dim} doubles' must be a positive number (the factor, e.g. 2 "
                              f"for 'twice as many'); got {v!r:.80}")
            row.append(float(v))
        factors[q] = row
    return factors, None


def check_growth_predictions(learner_fn):
    """Check the learner's predicted growth factors against factors measured on real arrays.

    Parameters
    ----------
    learner_fn : callable
        Takes no arguments; returns ``{"data": (fN, fT, fH), "parameters": ..., "compute": ...,
        "memory": ...}``: by what factor each count grows when N, T or H doubles, from
        N = 32, T = 19, D = 26, H = 32.

    Returns
    -------
    CheckResult
        Right: the measured factors. Otherwise, for each prediction off by more than 10 %: what was
        predicted, what was measured and why (which array or product grows how).
    """
    if not callable(learner_fn):
        return CheckResult(False, f"pass your function itself (without calling it); got {type(learner_fn).__name__}",
                           EXERCISE)
    try:
        answer = learner_fn()
    except NotImplementedError:
        return CheckResult(False, "your function still raises NotImplementedError: replace it with your predictions",
                           EXERCISE)
    except Exception as exc:  # the learner's code may raise anything
        return CheckResult(False, f"your function raised {type(exc).__name__}: {exc}", EXERCISE)
    predicted, problem = _as_factors(answer)
    if problem:
        return CheckResult(False, problem, EXERCISE)
    _, measured = growth_factors(**SETUP)
    wrong = []
    for q in QUANTITIES:
        for k, dim in enumerate(DIMS):
            got, want = predicted[q][k], measured[q][dim]
            if abs(got - want) <= RTOL * want:
                continue
            why = _WHY[(q, dim)].format(**SETUP)
            misread = next((text for (mq, md, f), text in _MISREAD.items()
                            if (mq, md) == (q, dim) and abs(got - f) <= RTOL * f), None)
            wrong.append(f"{_WHAT[q]} when {dim} doubles: you predicted {got:g}, measured {want:.2f}"
                         + (f" ({misread})" if misread else "") + f". Why: {why}")
    if wrong:
        total = len(QUANTITIES) * len(DIMS)
        right = f"{total - len(wrong)} of {total} predictions right; the others: "
        return CheckResult(False, right + " | ".join(wrong), EXERCISE)
    summary = "; ".join(f"{q} " + ", ".join(f"x{round(measured[q][dim], 2):g}" for dim in DIMS)
                        for q in QUANTITIES)
    return CheckResult(True, f"all 12 predictions within 10 % of the measurement (N, T, H doubled: {summary}). "
                             "N and T scale data, compute and memory linearly and leave the weights alone; H "
                             "leaves the data alone and grows weights and compute faster than linearly",
                       EXERCISE)


def solution_growth_predictions():
    """The source of a correct solution, as text."""
    return inspect.getsource(reference_growth_predictions)


register_hints(EXERCISE, [
    "Write each count as a product of N, T, D, H first: x is (N, T, D); the weights are W_x (D, H), W_h (H, H), "
    "b (H,), W_y (H, 1), b_y (1,); a forward pass does x_t W_x and h_{t-1} W_h at each of the T steps for N "
    "sequences; BPTT keeps every h_t. Then double one letter at a time.",
    "A count proportional to the doubled letter doubles; one that does not contain it stays (factor 1). "
    "Parameters do not contain N or T. For H, split the count: D*H doubles, H*H quadruples; with D = 26 and "
    "H = 32 the two parts are about equal, so the total lands near 3.",
    "data (2, 2, 1), parameters (1, 1, 3), compute (2, 2, 3), memory (2, 2, 2). The full solution: "
    "solution(\"growth_predictions\")",
])
