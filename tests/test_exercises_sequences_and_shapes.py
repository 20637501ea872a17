"""rnnlib.exercises.sequences_and_shapes: the right answer passes, each typical mistake gets its own message."""

import numpy as np
import pytest

from rnnlib import SequenceClassifier
from rnnlib.exercises.base import HINTS, hint
from rnnlib.exercises.sequences_and_shapes import (
    SETUPS,
    check_shapes_and_parameters,
    reference_shapes_and_parameters,
    solution_shapes_and_parameters,
)


def test_reference_matches_the_model():
    for N, T, D, H in SETUPS:
        shape, count = reference_shapes_and_parameters(N, T, D, H)
        assert shape == (N, T, D)
        assert count == SequenceClassifier(D, H).n_parameters
    assert reference_shapes_and_parameters(64, 5, 26, 16) == ((64, 5, 26), 705)


def test_correct_answer_passes():
    result = check_shapes_and_parameters(reference_shapes_and_parameters)
    assert result.ok and bool(result)
    assert "705" in result.message and "(64, 5, 26)" in result.message


def test_numpy_and_list_answers_pass():
    def mine(N, T, D, H):
        return np.array([N, T, D]), np.int64(D * H + H * H + 2 * H + 1)

    assert check_shapes_and_parameters(mine).ok
    assert check_shapes_and_parameters(lambda N, T, D, H: [[N, T, D], float(D * H + H * H + 2 * H + 1)]).ok


def _right_shape(count):
    return lambda N, T, D, H: ((N, T, D), count(N, T, D, H))


@pytest.mark.parametrize(("count", "message"), [
    (lambda N, T, D, H: D * H + D * H + H + H + 1, "you counted Wh as D x H"),
    (lambda N, T, D, H: D * H + H * H + H, "you forgot the biases"),
    (lambda N, T, D, H: D * H + H * H + 2 * H, "you forgot the output bias b_y"),
    (lambda N, T, D, H: D * H + H * H + H + 1, "you forgot the bias b"),
    (lambda N, T, D, H: D * H + H * H, "only W_x and W_h counted"),
    (lambda N, T, D, H: D * H + 2 * H * H + H + 1, "you counted W_y as H x H"),
    (lambda N, T, D, H: T * D * H + H * H + 2 * H + 1, "you counted W_x once per time step"),
    (lambda N, T, D, H: T * (D * H + H * H + H) + H + 1, "recurrent weights once per time step"),
    (lambda N, T, D, H: T * D * H + 2 * H + 1, "feed-forward net's count"),
    (lambda N, T, D, H: 4 * (D * H + H * H + H) + H + 1, "an LSTM's count"),
    (lambda N, T, D, H: T * H + H * H + 2 * H + 1, "W_x as T x H"),
    (lambda N, T, D, H: N * (D * H + H * H + 2 * H + 1), "do not depend on"),
    (lambda N, T, D, H: 12345, "Count W_x, W_h, b, W_y and b_y separately"),
])
def test_typical_count_mistakes(count, message):
    result = check_shapes_and_parameters(_right_shape(count))
    assert not result.ok
    assert message in result.message
    assert "shape order" not in result.message and "the shape of x" not in result.message  # the shape was right


@pytest.mark.parametrize(("shape", "message"), [
    (lambda N, T, D, H: (T, N, D), "shape order is (N, T, D), batch first"),
    (lambda N, T, D, H: (N, D, T), "features come last"),
    (lambda N, T, D, H: (D, T, N), "shape order is (N, T, D), batch first, features last"),
    (lambda N, T, D, H: (N, T, H), "shape of the hidden states"),
    (lambda N, T, D, H: (N, T, 1), "one-hot vector"),
    (lambda N, T, D, H: (N, T), "three dimensions"),
    (lambda N, T, D, H: (N, T, D + 1), "the shape of x is"),
    (lambda N, T, D, H: "N, T, D", "tuple of ints"),
])
def test_typical_shape_mistakes(shape, message):
    result = check_shapes_and_parameters(lambda N, T, D, H: (shape(N, T, D, H), D * H + H * H + 2 * H + 1))
    assert not result.ok
    assert message in result.message
    assert "parameters" not in result.message  # the count was right: only the shape is blamed


def test_both_mistakes_reported_together():
    result = check_shapes_and_parameters(lambda N, T, D, H: ((T, N, D), D * H + H * H + H))
    assert "batch first" in result.message and "forgot the biases" in result.message


def test_hard_coded_answer_is_caught():
    result = check_shapes_and_parameters(lambda N, T, D, H: ((64, 5, 26), 705))
    assert not result.ok
    assert "compute the answer from the arguments" in result.message


@pytest.mark.parametrize(("fn", "message"), [
    (lambda N, T, D, H: 1 / 0, "raised ZeroDivisionError"),
    (lambda N, T, D, H: (N, T, D), "return a pair"),
    (lambda N, T, D, H: None, "return a pair"),
    (lambda N, T, D, H: ((N, T, D), "705"), "must be a number"),
    (lambda N, T, D, H: ((N, T, D), 705.5), "whole number"),
    (lambda N, T, D, H: ((N, T, D), float("inf")), "whole number"),
    (lambda N, T, D, H: ((float("inf"), T, D), 705), "tuple of ints"),
    (lambda N: N, "raised TypeError"),
])
def test_broken_functions_are_reported_not_raised(fn, message):
    result = check_shapes_and_parameters(fn)
    assert not result.ok
    assert message in result.message


def test_not_implemented_and_not_callable():
    def student(N, T, D, H):
        raise NotImplementedError()

    assert "NotImplementedError" in check_shapes_and_parameters(student).message
    assert "pass your function itself" in check_shapes_and_parameters(((64, 5, 26), 705)).message


def test_setups_tell_every_mistake_apart():
    from rnnlib.exercises.sequences_and_shapes import _WRONG_COUNTS

    for setup in SETUPS:
        values = [formula(*setup) for _, formula in _WRONG_COUNTS] + [reference_shapes_and_parameters(*setup)[1]]
        assert len(set(values)) == len(values), setup


def test_hints_and_solution():
    hints = HINTS["shapes_and_parameters"]
    assert len(hints) == 3
    assert "solution_shapes_and_parameters" in hints[-1]
    assert hint("shapes_and_parameters", 1).startswith("Hint 1/3")
    source = solution_shapes_and_parameters()
    namespace = {}
    exec(source, namespace)  # the solution text is runnable and passes the checker
    assert check_shapes_and_parameters(namespace["reference_shapes_and_parameters"]).ok
