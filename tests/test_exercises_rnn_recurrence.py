"""Tests of the rnn_step exercise checker: the right answer passes, each typical mistake is named."""

import numpy as np
import pytest

from rnnlib import rnn_step_forward
from rnnlib.activations import sigmoid
from rnnlib.exercises import hint
from rnnlib.exercises.base import HINTS
from rnnlib.exercises.rnn_recurrence import check_rnn_step, rnn_step_cases, solution_rnn_step


def correct(x, h_prev, Wx, Wh, b):
    return np.tanh(x @ Wx + h_prev @ Wh + b)


def test_correct_array_passes():
    result = check_rnn_step(correct)
    assert result.ok, result.message
    assert "all 3 tests" in result.message


def test_correct_tuple_with_cache_passes():
    assert check_rnn_step(rnn_step_forward).ok  # returns (h, cache)
    assert check_rnn_step(lambda *args: (correct(*args), {"anything": 1})).ok


def test_list_output_passes():
    assert check_rnn_step(lambda *args: correct(*args).tolist()).ok


def test_solution_text_passes():
    namespace = {"np": np}
    exec(solution_rnn_step(), namespace)  # noqa: S102 - our own source text
    assert check_rnn_step(namespace["rnn_step_forward_mine"]).ok


@pytest.mark.parametrize("fn, fragment", [
    (lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + b),
     "your result matches tanh(x_t Wx + b): the recurrent term h_{t-1} Wh is missing"),
    (lambda x, h, Wx, Wh, b: np.tanh(h @ Wh + b), "the input term x_t Wx is missing"),
    (lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh), "the bias b is missing"),
    (lambda x, h, Wx, Wh, b: x @ Wx + h @ Wh + b, "the tanh is missing"),
    (lambda x, h, Wx, Wh, b: sigmoid(x @ Wx + h @ Wh + b), "the activation is a sigmoid"),
    (lambda x, h, Wx, Wh, b: np.maximum(0, x @ Wx + h @ Wh + b), "the activation is a ReLU"),
    (lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh.T + b), "Wh is transposed"),
    (lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h + b), "without being multiplied by Wh"),
    (lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh) + b, "the bias is added after the tanh"),
    (lambda x, h, Wx, Wh, b: np.tanh(x @ Wx) + np.tanh(h @ Wh) + b, "applied to the terms separately"),
    (lambda x, h, Wx, Wh, b: h, "returned the previous state"),
])
def test_typical_mistakes_are_named(fn, fragment):
    result = check_rnn_step(fn)
    assert not result.ok
    assert fragment in result.message


def test_unknown_error_points_at_largest_difference():
    result = check_rnn_step(lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh + b) * 1.1)
    assert not result.ok
    assert "matches none of the usual mistakes" in result.message
    assert "most at sequence n=" in result.message


@pytest.mark.parametrize("fn, fragment", [
    (lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh + b).sum(axis=0), "sum or index away the batch"),
    (lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh + b).T, "transposed"),
    (lambda x, h, Wx, Wh, b: np.tanh(x + 0.0), "D columns"),
    (lambda x, h, Wx, Wh, b: np.tanh(x * Wx.sum() + h @ Wh.T[:1] + b), "shape"),
])
def test_wrong_shapes_are_reported(fn, fragment):
    result = check_rnn_step(fn)
    assert not result.ok
    assert fragment in result.message


def test_elementwise_product_raises_and_is_reported():
    result = check_rnn_step(lambda x, h, Wx, Wh, b: np.tanh(x * Wx + h * Wh + b))
    assert not result.ok
    assert "raised ValueError" in result.message
    assert "use @ for matrix products" in result.message


def test_not_implemented_none_and_bad_tuples():
    def not_done(*args):
        raise NotImplementedError()

    assert "not implemented yet" in check_rnn_step(not_done).message
    assert "returned None" in check_rnn_step(lambda *args: None).message
    assert "first element is not h" in check_rnn_step(lambda *args: ("cache", correct(*args))).message
    assert "return the new hidden state h" in check_rnn_step(lambda *args: ("a", "b")).message
    assert "not an array" in check_rnn_step(lambda *args: "h").message
    assert "needs your function" in check_rnn_step(42).message


def test_in_place_modification_is_reported():
    def in_place(x, h_prev, Wx, Wh, b):
        h_prev += x @ Wx + b
        return np.tanh(h_prev @ Wh)

    assert "changed its input h_prev in place" in check_rnn_step(in_place).message


def test_nan_output_is_reported():
    assert "NaN" in check_rnn_step(lambda x, h, Wx, Wh, b: np.full((x.shape[0], Wh.shape[0]), np.nan)).message


def test_cases_catch_transposes():
    for _x, h_prev, Wx, Wh, b in rnn_step_cases():
        assert not np.allclose(Wh, Wh.T)
        assert Wx.shape[0] != Wx.shape[1]  # D != H
        assert np.all(b != 0) and np.any(h_prev != 0)


def test_hints_gentle_to_specific():
    hints = HINTS["rnn_step"]
    assert len(hints) == 3
    assert "solution_rnn_step" in hints[-1]
    assert hint("rnn_step", level=1).startswith("Hint 1/3")
