"""Tests of the LSTM checkers (latch, step backward, sequence backward): the right answer passes, each typical
mistake gets its message."""

import numpy as np
import pytest

from rnnlib import lstm_backward, lstm_forward, lstm_step_backward, lstm_step_forward, sigmoid
from rnnlib.exercises.base import HINTS, hint
from rnnlib.exercises.lstm_cell import (
    BACKWARD_MISTAKES,
    LATCH_CASES,
    SEQUENCE_MISTAKES,
    _backward_variant,
    backward_with_mistake,
    check_lstm_backward,
    check_lstm_latch,
    check_lstm_step_backward,
    check_retention_prediction,
    sequence_backward_with_mistake,
    solution_lstm_backward,
    solution_lstm_latch,
    solution_lstm_step_backward,
    solution_retention_prediction,
)
from rnnlib.lstm import LSTMStepCache


def _exec(source):
    """The written solution as a function (the checkers compare with the library, not with it)."""
    namespace = {"np": np, "sigmoid": sigmoid, "LSTMStepCache": LSTMStepCache, "lstm_step_backward": lstm_step_backward}
    exec(source, namespace)
    return next(value for name, value in namespace.items() if name.endswith("_mine"))


lstm_step_backward_solution = _exec(solution_lstm_step_backward())
lstm_latch_solution = _exec(solution_lstm_latch())
lstm_backward_solution = _exec(solution_lstm_backward())
retention_solution = _exec(solution_retention_prediction())

GRADS = ("dx", "dh_prev", "dc_prev", "dWx", "dWh", "db")


def test_reference_solution_agrees_with_rnnlib(rng):
    x, h, c = rng.normal(size=(2, 3)), rng.normal(size=(2, 4)), rng.normal(size=(2, 4))
    Wx, Wh, b = rng.normal(size=(3, 16)), rng.normal(size=(4, 16)), rng.normal(size=16)
    _, _, cache = lstm_step_forward(x, h, c, Wx, Wh, b)
    dh, dc = rng.normal(size=(2, 4)), rng.normal(size=(2, 4))
    for mine, ref in zip(lstm_step_backward_solution(dh, dc, cache), lstm_step_backward(dh, dc, cache)):
        np.testing.assert_allclose(mine, ref)
    xs, h0 = rng.normal(size=(2, 6, 3)), rng.normal(size=(2, 4))
    _, seq_cache = lstm_forward(xs, h0, Wx, Wh, b)
    dhs = rng.normal(size=(2, 6, 4))
    for mine, ref in zip(lstm_backward_solution(dhs, seq_cache), lstm_backward(dhs, seq_cache)):
        np.testing.assert_allclose(mine, ref, atol=1e-12)


def test_backward_accepts_the_right_answer():
    result = check_lstm_step_backward(lstm_step_backward_solution)
    assert result.ok, result.message
    assert check_lstm_step_backward(lstm_step_backward).ok


def _learner(**kwargs):
    def backward(dh, dc, cache):
        grads = _backward_variant(dh, dc, cache, **kwargs)
        return tuple(grads[name] for name in GRADS)
    return backward


def test_backward_missing_dh_path_in_dc():
    message = check_lstm_step_backward(_learner(dh_path=False)).message
    assert "dc_prev is wrong" in message
    assert "dWx is wrong" in message and "in the gate block(s) i, f, g (right in o)" in message
    assert "leaves out the path through h" in message


def test_backward_forgotten_incoming_dc():
    message = check_lstm_step_backward(_learner(incoming_dc=False)).message
    assert "the incoming dc (from the next step) is forgotten" in message


def test_backward_sigmoid_derivative_as_s():
    result = check_lstm_step_backward(_learner(sigmoid_deriv="s"))
    assert not result.ok
    assert "db is wrong" in result.message and "in the gate block(s) i, f, o (right in g)" in result.message
    assert "Right: dc_prev" in result.message
    assert "s instead of s * (1 - s)" in result.message


@pytest.mark.parametrize("mistake", sorted(BACKWARD_MISTAKES))
def test_backward_every_typical_mistake_is_recognised(mistake):
    description = BACKWARD_MISTAKES[mistake][0]
    result = check_lstm_step_backward(backward_with_mistake(mistake))
    assert not result.ok
    assert f"your gradients match a backward pass in which {description}" in result.message


def test_backward_with_mistake_rejects_unknown_names():
    with pytest.raises(ValueError, match="mistake must be one of"):
        backward_with_mistake("typo")


def test_backward_only_one_gate_block_wrong():
    def wrong_f_block(dh, dc, cache):
        dx, dh_prev, dc_prev, dWx, dWh, db = lstm_step_backward_solution(dh, dc, cache)
        H = dh.shape[1]
        db = db.copy()
        db[H:2 * H] *= 2.0
        return dx, dh_prev, dc_prev, dWx, dWh, db

    message = check_lstm_step_backward(wrong_f_block).message
    assert "db is wrong" in message and "in the gate block(s) f (right in i, g, o)" in message
    assert "Right: dx, dh_prev, dc_prev, dWx, dWh." in message


def test_backward_never_crashes_on_bad_learners():
    def transposed(dh, dc, cache):
        grads = list(lstm_step_backward_solution(dh, dc, cache))
        grads[3] = grads[3].T
        return tuple(grads)

    assert "dWx has shape (16, 3); expected (3, 16)" in check_lstm_step_backward(transposed).message
    assert "return six gradients" in check_lstm_step_backward(lambda dh, dc, cache: (dh, dc)).message
    assert "raised KeyError" in check_lstm_step_backward(lambda dh, dc, cache: {}["x"]).message


def test_hints_go_from_gentle_to_the_solution():
    for name in ("lstm_latch", "lstm_step_backward", "lstm_backward", "retention_prediction"):
        assert len(HINTS[name]) == 3
        assert f'solution("{name}")' in HINTS[name][2]  # the form notebook 00 teaches (rnnlib is not imported)
        assert hint(name, 1).startswith(f"Hint 1/3 for {name}")
    assert solution_lstm_latch().startswith("def lstm_latch_mine():")
    assert solution_lstm_backward().startswith("def lstm_backward_mine(dhs, cache):")
    assert solution_lstm_step_backward().startswith("def lstm_step_backward_mine(dh, dc, cache):")


# --------------------------------------------------------------------------- the latch
_RIGHT_WX = np.array([[16.0, -16.0, -4.0, 0.0], [16.0, -16.0, 4.0, 0.0], [0.0, 0.0, 0.0, 0.0]])  # write 0, 1, nothing
_RIGHT_B = np.array([-8.0, 8.0, 0.0, 8.0])


def _latch(Wx=_RIGHT_WX, b=_RIGHT_B, Wh=None):
    return lambda: (np.array(Wx, dtype=float), np.zeros((1, 4)) if Wh is None else Wh, np.array(b, dtype=float))


def test_latch_accepts_the_solution_and_other_working_weights():
    result = check_lstm_latch(lstm_latch_solution)
    assert result.ok and f"all {len(LATCH_CASES)} cases" in result.message
    assert check_lstm_latch(_latch(2 * _RIGHT_WX, 2 * _RIGHT_B)).ok  # stronger saturation works too


@pytest.mark.parametrize("Wx, b, expected", [
    # the forget gate does not close on a write: the old bit and the new one cancel
    ([[16, 0, -4, 0], [16, 0, 4, 0], [0, 0, 0, 0]], _RIGHT_B,
     "on 'write 0' at t = 22 the forget gate stays open (f = 1.000)"),
    (_RIGHT_WX, [-8, 2, 0, 8], "the forget gate is not near 1 on 'nothing' (f = 0.8808 at t = 2, 3"),
    (_RIGHT_WX + [[0, 0, 0, 0], [0, 0, 0, 0], [16, 0, 1, 0]], _RIGHT_B,
     "the input gate lets 'nothing' write into the cell: at t = 2"),
    ([[0, -16, -4, 0], [0, -16, 4, 0], [0, 0, 0, 0]], _RIGHT_B, "the input gate barely opens on 'write 1' at t = 1"),
    # a half-open input gate alone: i = sigmoid(0) = 0.5 stores tanh(0.5 * 0.9993) = 0.46 < 0.5
    ([[8, -16, -4, 0], [8, -16, 4, 0], [0, 0, 0, 0]], _RIGHT_B,
     "the input gate opens only partly on 'write 1' at t = 1 (i = 0.500)"),
    # both the input and the forget gate too weak: f^50 = 0.88^50 = 0.0018 costs far more than i = 0.88
    ([[4, 0, -4, 0], [4, 0, 4, 0], [0, 0, 0, 0]], [-2, 2, 0, 2],
     "the forget gate is not near 1 on 'nothing' (f = 0.8808 at t = 2, 3"),
    ([[16, -16, 4, 0], [16, -16, -4, 0], [0, 0, 0, 0]], _RIGHT_B,
     "on 'write 1' at t = 1 the candidate is g = -0.999; it must be near +1"),
    (_RIGHT_WX, [-8, 8, 0, -8], "the output gate at the last step is o = 0.000"),
])
def test_latch_names_the_misbehaving_gate(Wx, b, expected):
    result = check_lstm_latch(_latch(Wx, b))
    assert not result.ok
    assert expected in result.message, result.message
    assert "cases right.)" in result.message


def test_latch_counts_the_right_cases_and_reads_the_bit_from_h_T():
    result = check_lstm_latch(_latch([[16, 0, -4, 0], [16, 0, 4, 0], [0, 0, 0, 0]], _RIGHT_B))
    # without closing the forget gate only the three overwrite cases fail
    assert f"(3 of {len(LATCH_CASES)} cases right.)" in result.message
    assert "case 'write 1, 20 x nothing, write 0, 30 x nothing' should read bit 0, but h_T = -0.007 is too faint" \
        in result.message


def test_latch_never_crashes_on_bad_learners():
    assert "return the three arrays (Wx, Wh, b)" in check_lstm_latch(lambda: None).message
    message = check_lstm_latch(lambda: (np.zeros((2, 2)),) * 3).message
    assert "Wx has shape (2, 2); expected (3, 4)" in message and "b has shape (2, 2); expected (4,)" in message
    assert "NotImplementedError" in check_lstm_latch(lambda: (_ for _ in ()).throw(NotImplementedError())).message
    assert "contains NaN" in check_lstm_latch(_latch(np.full((3, 4), np.nan))).message


# --------------------------------------------------------------------------- the sequence backward pass
def test_sequence_backward_accepts_the_solution_and_rnnlib():
    result = check_lstm_backward(lstm_backward_solution)
    assert result.ok and "finite differences" in result.message
    assert check_lstm_backward(lstm_backward).ok


@pytest.mark.parametrize("mistake", sorted(SEQUENCE_MISTAKES))
def test_sequence_backward_every_typical_mistake_is_recognised(mistake):
    description = SEQUENCE_MISTAKES[mistake][0]
    result = check_lstm_backward(sequence_backward_with_mistake(mistake))
    assert not result.ok
    assert f"your gradients match a backward pass in which {description}" in result.message


def test_sequence_backward_says_where_dx_goes_wrong():
    message = check_lstm_backward(sequence_backward_with_mistake("no_dc_carry")).message
    assert "dx is wrong" in message and "at t = 1, 2, 3, 4 (right at the other steps of t = 1..5)" in message
    only_dh0 = check_lstm_backward(sequence_backward_with_mistake("dh0_zero")).message
    assert only_dh0.startswith("dh0 is wrong") and "Right: dx, dWx, dWh, db." in only_dh0
    with pytest.raises(ValueError, match="mistake must be one of"):
        sequence_backward_with_mistake("typo")


def test_sequence_backward_never_crashes_on_bad_learners():
    assert "return five gradients" in check_lstm_backward(lambda dhs, cache: (dhs,)).message
    message = check_lstm_backward(lambda dhs, cache: tuple(g.T for g in lstm_backward(dhs, cache))).message
    assert "dx has shape (3, 5, 2); expected (2, 5, 3)" in message
    assert "pass your function itself" in check_lstm_backward("f").message


# --------------------------------------------------------------------------- predict the decay f^k
def test_retention_prediction_accepts_the_solution_and_names_each_slip():
    result = check_retention_prediction(retention_solution)
    assert result.ok and "sigma(4)^60 = 0.3366" in result.message and "49% (chance)" in result.message
    sigma4 = 1 / (1 + np.exp(-4.0))
    assert check_retention_prediction(lambda: (sigma4**60 * 1.03, False)).ok  # within 5 %
    message = check_retention_prediction(lambda: (sigma4, False)).message
    assert "f60 = 0.982, but sigma(4)^60 = 0.3366: f is sigma(b_f)" in message and "survive" not in message
    message = check_retention_prediction(lambda: (sigma4**60, True)).message
    assert "reads the bit back on 49% of 200 sequences" in message and "does not survive" in message
    assert "f60 must be a number" in check_retention_prediction(lambda: ("x", False)).message
    assert "True or False" in check_retention_prediction(lambda: (0.34, "no")).message
    assert "return two values" in check_retention_prediction(lambda: 0.34).message


def test_retention_prediction_rejects_nan_and_inf():
    from rnnlib.exercises.lstm_cell import check_retention_prediction

    for bad in (float("nan"), float("inf")):
        result = check_retention_prediction(lambda bad=bad: (bad, False))
        assert not result.ok and "finite" in result.message
