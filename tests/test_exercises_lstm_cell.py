"""Tests of the LSTM step checkers: the right answer passes, each typical mistake gets its message."""

import numpy as np
import pytest

from rnnlib import lstm_step_backward, lstm_step_forward, sigmoid
from rnnlib.exercises.base import HINTS, hint
from rnnlib.exercises.lstm_cell import (
    BACKWARD_MISTAKES,
    _backward_variant,
    backward_with_mistake,
    check_lstm_step_backward,
    check_lstm_step_forward,
    solution_lstm_step_backward,
    solution_lstm_step_forward,
)


def _exec(source):
    """The written solution as a function (the checkers compare with the library, not with it)."""
    namespace = {"np": np, "sigmoid": sigmoid}
    exec(source, namespace)
    return next(value for name, value in namespace.items() if name.endswith("_mine"))


lstm_step_forward_solution = _exec(solution_lstm_step_forward())
lstm_step_backward_solution = _exec(solution_lstm_step_backward())

GRADS = ("dx", "dh_prev", "dc_prev", "dWx", "dWh", "db")


def forward_with(order="ifgo", act_i=sigmoid, act_g=np.tanh, cell=None, out=None):
    """A learner's forward step with one mistake."""
    def step(x, h_prev, c_prev, Wx, Wh, b):
        H = h_prev.shape[1]
        a = x @ Wx + h_prev @ Wh + b
        blocks = {gate: a[:, k * H:(k + 1) * H] for k, gate in enumerate(order)}
        i, f, g, o = act_i(blocks["i"]), sigmoid(blocks["f"]), act_g(blocks["g"]), sigmoid(blocks["o"])
        c = cell(f, c_prev, i, g) if cell else f * c_prev + i * g
        h = out(o, c) if out else o * np.tanh(c)
        return h, c
    return step


def test_reference_solutions_agree_with_rnnlib(rng):
    x, h, c = rng.normal(size=(2, 3)), rng.normal(size=(2, 4)), rng.normal(size=(2, 4))
    Wx, Wh, b = rng.normal(size=(3, 16)), rng.normal(size=(4, 16)), rng.normal(size=16)
    h_ref, c_ref, cache = lstm_step_forward(x, h, c, Wx, Wh, b)
    h_sol, c_sol = lstm_step_forward_solution(x, h, c, Wx, Wh, b)
    np.testing.assert_allclose(h_sol, h_ref)
    np.testing.assert_allclose(c_sol, c_ref)
    dh, dc = rng.normal(size=(2, 4)), rng.normal(size=(2, 4))
    for mine, ref in zip(lstm_step_backward_solution(dh, dc, cache), lstm_step_backward(dh, dc, cache)):
        np.testing.assert_allclose(mine, ref)


def test_forward_accepts_the_right_answer_and_rnnlibs_triple():
    assert check_lstm_step_forward(lstm_step_forward_solution).ok
    result = check_lstm_step_forward(lstm_step_forward)  # returns (h, c, cache): accepted
    assert result.ok and "match" in result.message


@pytest.mark.parametrize("learner, expected", [
    (forward_with(order="ifog"), "order (i, f, o, g)"),
    (forward_with(order="figo"), "order (f, i, g, o)"),
    (forward_with(act_i=np.tanh), "the i gate uses tanh"),
    (forward_with(act_g=sigmoid), "the candidate g uses the sigmoid"),
    (forward_with(cell=lambda f, c, i, g: f * c + g), "the input gate is missing"),
    (forward_with(cell=lambda f, c, i, g: c + i * g), "the forget gate is missing"),
    (forward_with(out=lambda o, c: o * c), "h_t = o * c_t: the tanh is missing"),
    (forward_with(out=lambda o, c: np.tanh(c)), "the output gate is missing"),
])
def test_forward_names_the_typical_mistake(learner, expected):
    result = check_lstm_step_forward(learner)
    assert not result.ok
    assert expected in result.message


def test_forward_recurrent_term_bias_and_swap():
    def no_wh(x, h_prev, c_prev, Wx, Wh, b):
        return lstm_step_forward_solution(x, np.zeros_like(h_prev), c_prev, Wx, Wh, b)

    def no_b(x, h_prev, c_prev, Wx, Wh, b):
        return lstm_step_forward_solution(x, h_prev, c_prev, Wx, Wh, np.zeros_like(b))

    assert "h_prev @ Wh is missing" in check_lstm_step_forward(no_wh).message
    assert "the bias b is missing" in check_lstm_step_forward(no_b).message
    swapped = check_lstm_step_forward(lambda *args: lstm_step_forward_solution(*args)[::-1])
    assert "swapped" in swapped.message


def test_forward_right_c_wrong_h_is_said_so():
    def half_h(*args):
        h, c = lstm_step_forward_solution(*args)
        return 0.5 * h, c

    message = check_lstm_step_forward(half_h).message
    assert message.startswith("c is right but h is wrong") and "h[" in message


def test_forward_never_crashes_on_bad_learners():
    def not_done(*args):
        raise NotImplementedError()

    assert "NotImplementedError" in check_lstm_step_forward(not_done).message
    assert "raised ZeroDivisionError" in check_lstm_step_forward(lambda *a: 1 / 0).message
    assert "return the pair (h, c)" in check_lstm_step_forward(lambda *a: None).message
    assert "h has shape (3,); expected (3, 5)" in check_lstm_step_forward(lambda *a: (np.zeros(3),) * 2).message
    assert "contains NaN" in check_lstm_step_forward(lambda *a: (np.full((3, 5), np.nan),) * 2).message
    assert "pass your function itself" in check_lstm_step_forward(3).message


def test_forward_detects_in_place_changes_and_hard_coded_sizes():
    def in_place(x, h_prev, c_prev, Wx, Wh, b):
        h, c = lstm_step_forward_solution(x, h_prev, c_prev, Wx, Wh, b)
        c_prev *= 0.0
        return h, c

    assert "changed its input c_prev in place" in check_lstm_step_forward(in_place).message

    def hard_coded(x, h_prev, c_prev, Wx, Wh, b):
        a = x @ Wx + h_prev @ Wh + b
        i, f, g, o = sigmoid(a[:, 0:5]), sigmoid(a[:, 5:10]), np.tanh(a[:, 10:15]), sigmoid(a[:, 15:20])
        c = f * c_prev + i * g
        return o * np.tanh(c), c

    message = check_lstm_step_forward(hard_coded).message
    assert "right for N=3, D=4, H=5 but wrong for N=1, D=2, H=3" in message


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
    for name in ("lstm_step_forward", "lstm_step_backward"):
        assert len(HINTS[name]) == 3
        assert "solution" in HINTS[name][2]
        assert hint(name, 1).startswith(f"Hint 1/3 for {name}")
    assert solution_lstm_step_forward().startswith("def lstm_step_forward_mine(x, h_prev, c_prev, Wx, Wh, b):")
    assert solution_lstm_step_backward().startswith("def lstm_step_backward_mine(dh, dc, cache):")
