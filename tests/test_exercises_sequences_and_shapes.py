"""rnnlib.exercises.sequences_and_shapes: the predictions are checked against measured factors, and
each typical wrong prediction gets its own explanation."""

import numpy as np
import pytest

from rnnlib.exercises.base import HINTS, hint
from rnnlib.exercises.sequences_and_shapes import (
    QUANTITIES,
    SETUP,
    check_growth_predictions,
    reference_growth_predictions,
    solution_growth_predictions,
)
from rnnlib.lessons.sequences_and_shapes import growth_factors


def _with(quantity, k, value):
    """The reference answer with one prediction changed."""
    answer = {q: list(v) for q, v in reference_growth_predictions().items()}
    answer[quantity][k] = value
    return lambda: answer


def test_reference_agrees_with_the_measurement():
    _, measured = growth_factors(**SETUP)
    for q, row in reference_growth_predictions().items():
        for predicted, dim in zip(row, "NTH", strict=True):
            assert predicted == pytest.approx(measured[q][dim], rel=0.1), (q, dim)
    # the H column is the interesting one: between 2 and 4, not a power of 2
    assert measured["parameters"]["H"] == pytest.approx(5889 / 1921)
    assert measured["compute"]["H"] == pytest.approx(3504128 / 1129472)


def test_correct_answer_passes_with_ints_floats_lists_and_arrays():
    result = check_growth_predictions(reference_growth_predictions)
    assert result.ok and bool(result)
    assert "all 12 predictions" in result.message and "compute x2, x2, x3.1;" in result.message
    exact = {"data": [2.0, 2.0, 1.0], "parameters": np.array([1, 1, 3.07]), "compute": (2, 2, 3.1),
             "memory": (2, 2, 2)}
    assert check_growth_predictions(lambda: exact).ok
    assert check_growth_predictions(_with("compute", 2, 2.8)).ok  # within 10 % of 3.10


@pytest.mark.parametrize(("quantity", "k", "value", "message"), [
    ("data", 2, 2, "counted the hidden states as data"),
    ("parameters", 0, 2, "each sequence gets its own weights"),
    ("parameters", 1, 2, "feed-forward net on the padded input"),
    ("parameters", 2, 2, "counted W_x but not the square W_h"),
    ("parameters", 2, 4, "only W_h is H x H"),
    ("compute", 1, 4, "each step costs the same"),
    ("compute", 2, 2, "not the square h_{t-1} W_h"),
    ("compute", 2, 4, "only h_{t-1} W_h is quadratic"),
    ("memory", 2, 4, "W_h (H x H) as memory"),
    ("memory", 1, 1, "BPTT needs all of them"),
])
def test_typical_wrong_predictions_are_named(quantity, k, value, message):
    result = check_growth_predictions(_with(quantity, k, value))
    assert not result.ok
    assert "11 of 12 predictions right" in result.message
    assert message in result.message
    dim = "NTH"[k]
    assert f"when {dim} doubles: you predicted {value:g}" in result.message


def test_every_wrong_prediction_gets_its_why_with_the_measured_factor():
    result = check_growth_predictions(_with("compute", 0, 5))  # no typical misreading: only the why
    assert "the multiply-adds of a forward pass when N doubles: you predicted 5, measured 2.00. Why:" in result.message
    assert "N*D*H and N*H*H per step" in result.message
    result = check_growth_predictions(_with("parameters", 2, 2.5))
    assert "measured 3.07" in result.message and "D = 26 close to H = 32" in result.message
    several = {q: (1, 1, 1) for q in QUANTITIES}
    result = check_growth_predictions(lambda: several)
    assert result.message.startswith("3 of 12 predictions right")  # parameters N, T and data H
    assert result.message.count("Why:") == 9


@pytest.mark.parametrize(("answer", "message"), [
    (None, "return a dict"),
    ((2, 2, 1), "return a dict"),
    ({"data": (2, 2, 1)}, "missing ['parameters', 'compute', 'memory']"),
    ({"datum": 1, "parameters": 1, "compute": 1, "memory": 1}, "unknown keys ['datum']"),
    ({"data": (2, 2), "parameters": (1, 1, 3), "compute": (2, 2, 3), "memory": (2, 2, 2)}, "three factors"),
    ({"data": "221", "parameters": (1, 1, 3), "compute": (2, 2, 3), "memory": (2, 2, 2)}, "three factors"),
    ({"data": (2, 2, "1"), "parameters": (1, 1, 3), "compute": (2, 2, 3), "memory": (2, 2, 2)}, "positive number"),
    ({"data": (2, 2, 0), "parameters": (1, 1, 3), "compute": (2, 2, 3), "memory": (2, 2, 2)}, "positive number"),
    ({"data": (2, 2, np.nan), "parameters": (1, 1, 3), "compute": (2, 2, 3), "memory": (2, 2, 2)},
     "positive number"),
    ({"data": (2, 2, True), "parameters": (1, 1, 3), "compute": (2, 2, 3), "memory": (2, 2, 2)}, "positive number"),
])
def test_malformed_answers_are_explained(answer, message):
    result = check_growth_predictions(lambda: answer)
    assert not result.ok
    assert message in result.message


def test_broken_functions_are_reported_not_raised():
    def student():
        raise NotImplementedError()

    assert "NotImplementedError" in check_growth_predictions(student).message
    assert "raised ZeroDivisionError" in check_growth_predictions(lambda: 1 / 0).message
    assert "raised TypeError" in check_growth_predictions(lambda N: N).message
    assert "pass your function itself" in check_growth_predictions(reference_growth_predictions()).message


def test_hints_and_solution():
    hints = HINTS["growth_predictions"]
    assert len(hints) == 3
    assert 'solution("growth_predictions")' in hints[-1]
    assert hint("growth_predictions", 1).startswith("Hint 1/3")
    source = solution_growth_predictions()
    namespace = {}
    exec(source, namespace)  # the solution text is runnable and passes the checker
    assert check_growth_predictions(namespace["reference_growth_predictions"]).ok
