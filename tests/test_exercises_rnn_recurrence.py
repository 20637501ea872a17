"""Tests of the rnn_step exercise checker (one RNN step in PyTorch's layout): the right answer passes in
row or column form, each typical mistake is named, broken answers get a message, never a crash."""

import numpy as np
import pytest

from rnnlib import rnn_step_forward
from rnnlib.exercises import hint
from rnnlib.exercises.base import HINTS
from rnnlib.exercises.rnn_recurrence import (
    MISTAKES,
    check_rnn_step,
    rnn_step_cases,
    solution_rnn_step,
    step_with_mistake,
)


def rows(x, h_prev, weight_ih, weight_hh, bias_ih, bias_hh):
    return np.tanh(x @ weight_ih.T + bias_ih + h_prev @ weight_hh.T + bias_hh)


def columns(x, h_prev, weight_ih, weight_hh, bias_ih, bias_hh):
    """Karpathy's column form: PyTorch's weights multiply column vectors from the left, untransposed."""
    h_col = np.tanh(weight_ih @ x.T + weight_hh @ h_prev.T + (bias_ih + bias_hh)[:, None])  # (H, N)
    return h_col.T


def test_correct_answers_pass_in_row_and_column_form():
    for fn in (rows, columns):
        result = check_rnn_step(fn)
        assert result.ok, result.message
        assert "all 3 tests" in result.message and "b = bias_ih + bias_hh" in result.message


def test_the_course_step_with_translated_weights_passes():
    # the checker's reference: rnn_step_forward with Wx = weight_ih.T, Wh = weight_hh.T, b = bias_ih + bias_hh
    assert check_rnn_step(lambda x, h, wi, wh, bi, bh: rnn_step_forward(x, h, wi.T, wh.T, bi + bh)).ok  # (h, cache)
    assert check_rnn_step(lambda *args: (rows(*args), {"anything": 1})).ok
    assert check_rnn_step(lambda *args: rows(*args).tolist()).ok


def test_known_value_of_the_reference():
    # N = 1, D = 1, H = 2 by hand: x W_ih^T = [2, -1] * 0.5, h W_hh^T = [0.5 * 1 + 0 * 2, 0.5 * 3 + 0 * 4]
    from rnnlib.exercises.rnn_recurrence import _expected

    h = _expected(np.array([[0.5]]), np.array([[0.5, 0.0]]), np.array([[2.0], [-1.0]]),
                  np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([0.1, 0.2]), np.array([-0.1, 0.3]))
    np.testing.assert_allclose(h, np.tanh([[1.0 + 0.5 + 0.0, -0.5 + 1.5 + 0.5]]))


def test_solution_text_passes():
    namespace = {"np": np}
    exec(solution_rnn_step(), namespace)  # noqa: S102 - our own source text
    assert check_rnn_step(namespace["rnn_step_forward_mine"]).ok


@pytest.mark.parametrize("mistake, fragment", [
    ("weight_hh_not_transposed", "the recurrent term uses weight_hh as if it were W_h"),
    ("no_bias_hh", "bias_hh is missing"),
    ("no_bias_ih", "bias_ih is missing"),
    ("no_biases", "both biases are missing"),
    ("no_recurrent_term", "the recurrent term h_{t-1} W_h (h_prev @ weight_hh.T) is missing"),
    ("no_input_term", "the input term x_t W_x (x @ weight_ih.T) is missing"),
    ("no_tanh", "the tanh is missing"),
    ("sigmoid", "the activation is a sigmoid"),
    ("relu", "the activation is a ReLU"),
    ("bias_after_tanh", "the biases are added after the tanh"),
    ("returned_h_prev", "returned the previous state"),
])
def test_typical_mistakes_are_named(mistake, fragment):
    assert set(MISTAKES) >= {mistake}
    result = check_rnn_step(step_with_mistake(mistake))
    assert not result.ok
    assert result.message.startswith("your result matches ")
    assert fragment in result.message


def test_every_mistake_is_tested_and_really_differs_from_the_answer():
    for mistake in MISTAKES:
        fn = step_with_mistake(mistake)
        for args in rnn_step_cases():
            assert not np.allclose(fn(*args), rows(*args)), mistake
    with pytest.raises(ValueError, match="mistake must be one of"):
        step_with_mistake("nope")


def test_hand_written_mistakes_match_the_generated_ones():
    assert "weight_hh as if it were W_h" in check_rnn_step(
        lambda x, h, wi, wh, bi, bh: np.tanh(x @ wi.T + h @ wh + bi + bh)).message
    assert "bias_hh is missing" in check_rnn_step(
        lambda x, h, wi, wh, bi, bh: np.tanh(x @ wi.T + h @ wh.T + bi)).message


def test_unknown_error_points_at_largest_difference():
    result = check_rnn_step(lambda *args: rows(*args) * 1.1)
    assert not result.ok
    assert "matches none of the usual mistakes" in result.message
    assert "most at h[" in result.message and "hidden unit" in result.message


def test_forgotten_input_transpose_is_a_shape_error_with_the_table_in_the_message():
    result = check_rnn_step(lambda x, h, wi, wh, bi, bh: np.tanh(x @ wi + h @ wh.T + bi + bh))
    assert not result.ok
    assert "raised ValueError" in result.message and "x @ weight_ih.T" in result.message
    # the product that failed is named with both shapes, and the learner's line is quoted
    assert "x (N, D) @ a matrix with H rows: weight_ih (H, D) without its .T" in result.message
    assert "N = 2, D = 3, H = 4" in result.message and "x @ wi + h @ wh.T" in result.message


def test_the_failing_product_is_named_even_when_it_is_the_recurrent_one():
    def swapped(x, h_prev, weight_ih, weight_hh, bias_ih, bias_hh):
        x_term = x @ weight_ih.T  # right
        h_term = h_prev @ weight_ih.T  # the wrong matrix: (N, H) @ (D, H)
        return np.tanh(x_term + h_term + bias_ih + bias_hh)

    message = check_rnn_step(swapped).message
    assert "h_prev (N, H) @ a matrix with D rows: weight_ih.T (D, H)" in message
    assert "h_term = h_prev @ weight_ih.T" in message and "h_prev @ weight_hh.T" in message
    assert "x (N, D) @" not in message  # the input product did not fail and is not blamed

    def columns_in_rows(x, h_prev, weight_ih, weight_hh, bias_ih, bias_hh):
        return np.tanh(weight_ih @ x.T + weight_hh @ h_prev + (bias_ih + bias_hh)[:, None]).T

    message = check_rnn_step(columns_in_rows).message
    assert "weight_hh (H, H) @ h_prev (N, H)" in message and "weight_hh @ h_prev.T" in message

    message = check_rnn_step(lambda x, h, wi, wh, bi, bh: np.tanh(wi @ x + wh @ h.T + (bi + bh)[:, None]).T).message
    assert "weight_ih (H, D) @ x (N, D)" in message and "weight_ih @ x.T" in message


def test_np_dot_shape_errors_are_named_too():
    message = check_rnn_step(lambda x, h, wi, wh, bi, bh: np.tanh(np.dot(x, wi) + h @ wh.T + bi + bh)).message
    assert "not aligned" in message and "weight_ih (H, D) without its .T" in message


def test_column_form_mistakes():
    transposed = check_rnn_step(lambda *args: columns(*args).T)  # columns returned as they are
    assert not transposed.ok and "column vectors" in transposed.message and "transpose back" in transposed.message
    bias_as_row = check_rnn_step(lambda x, h, wi, wh, bi, bh: np.tanh(wi @ x.T + wh @ h.T + bi + bh).T)
    assert not bias_as_row.ok and "bias_ih[:, None]" in bias_as_row.message


@pytest.mark.parametrize("fn, fragment", [
    (lambda *args: rows(*args).sum(axis=0), "sum or index away the batch"),
    (lambda x, h, wi, wh, bi, bh: np.tanh(x + 0.0), "D columns"),
    (lambda x, h, wi, wh, bi, bh: np.zeros((x.shape[0] + 1, wh.shape[0])), "must stay N"),
])
def test_wrong_shapes_are_reported(fn, fragment):
    result = check_rnn_step(fn)
    assert not result.ok
    assert fragment in result.message


def test_not_implemented_none_and_bad_tuples():
    def not_done(*args):
        raise NotImplementedError()

    assert "not implemented yet" in check_rnn_step(not_done).message
    assert "returned None" in check_rnn_step(lambda *args: None).message
    assert "first element is not h" in check_rnn_step(lambda *args: ("cache", rows(*args))).message
    assert "return the new hidden state h" in check_rnn_step(lambda *args: ("a", "b")).message
    assert "not an array" in check_rnn_step(lambda *args: "h").message
    assert "needs your function" in check_rnn_step(42).message
    assert "TypeError" in check_rnn_step(lambda x, h, Wx, Wh, b: h).message  # the course's 5 arguments


def test_in_place_modification_is_reported():
    def in_place(x, h_prev, weight_ih, weight_hh, bias_ih, bias_hh):
        bias_ih += bias_hh
        return np.tanh(x @ weight_ih.T + h_prev @ weight_hh.T + bias_ih)

    assert "changed its input bias_ih in place" in check_rnn_step(in_place).message


def test_nan_output_is_reported():
    assert "NaN" in check_rnn_step(lambda x, h, wi, wh, bi, bh: np.full((x.shape[0], wh.shape[0]), np.nan)).message


def test_cases_catch_transposes_and_one_bias():
    for x, h_prev, weight_ih, weight_hh, bias_ih, bias_hh in rnn_step_cases():
        N, D = x.shape
        H = weight_hh.shape[0]
        assert len({N, D, H}) == 3  # a forgotten transpose of x, weight_ih or h changes a shape
        assert weight_ih.shape == (H, D) and not np.allclose(weight_hh, weight_hh.T)
        assert np.all(bias_ih != 0) and np.all(bias_hh != 0) and np.any(h_prev != 0)


def test_hints_gentle_to_specific():
    hints = HINTS["rnn_step"]
    assert len(hints) == 3
    assert 'solution("rnn_step")' in hints[-1]
    assert "weight_ih" in hints[0] and "np.tanh" not in hints[0]
    for text in hints:  # no hint gives the formula away: the last one points at the solution instead
        assert ".T" not in text and "@" not in text and "tanh(" not in text
    assert hint("rnn_step", level=1).startswith("Hint 1/3")
