"""Tests of the notebook-06 checkers: right answers pass, typical wrong answers get pointed feedback."""

import numpy as np
import pytest

from rnnlib.activations import sigmoid
from rnnlib.exercises.base import HINTS, hint
from rnnlib.exercises.lstm_vs_rnn import (
    check_cell_highway,
    check_highway_prediction,
    solution_cell_highway,
    solution_highway_prediction,
)


def _from_source(source, name):
    namespace = {"np": np}
    exec(source, namespace)
    return namespace[name]


# ------------------------------------------------------------------ cell highway


def test_cell_highway_solution_passes():
    result = check_cell_highway(_from_source(solution_cell_highway(), "cell_highway_mine"))
    assert result.ok, result.message


def _loop(step):
    def fn(dc_last, f):
        T = f.shape[1]
        dc = np.empty_like(f)
        dc[:, T - 1] = dc_last
        for t in range(T - 2, -1, -1):
            dc[:, t] = step(dc, f, t)
        return dc

    return fn


@pytest.mark.parametrize("wrong, message", [
    (_loop(lambda dc, f, t: dc[:, t + 1] * f[:, t]), "dc[:, t-1] = dc[:, t] * f[:, t]"),
    (_loop(lambda dc, f, t: dc[:, t + 1] * (1 - f[:, t + 1])), "multiplies by 1 - f"),
    (_loop(lambda dc, f, t: dc[:, t + 1]), "multiply by the forget gate"),
    (lambda dc_last, f: np.cumprod(np.concatenate([dc_last[:, None], f[:, 1:]], 1), axis=1), "walks forwards"),
    (lambda dc_last, f: _loop(lambda dc, g, t: dc[:, t + 1] * g[:, t + 1])(dc_last, f)[:, ::-1], "reversed"),
    (lambda dc_last, f: _loop(lambda dc, g, t: dc[:, t + 1] * g[:, t + 1])(dc_last, f) * f[:, -1:], "too many"),
])
def test_cell_highway_mistakes(wrong, message):
    result = check_cell_highway(wrong)
    assert not result.ok
    assert message in result.message


def test_cell_highway_partial_and_broken():
    def first_steps_wrong(dc_last, f):
        dc = _loop(lambda dc, g, t: dc[:, t + 1] * g[:, t + 1])(dc_last, f)
        dc[:, :2] = 0.0
        return dc

    result = check_cell_highway(first_steps_wrong)
    assert not result.ok and "right at t = 3..6, wrong at t = 1..2" in result.message
    assert "shape (2, 6, 3)" in check_cell_highway(lambda dc_last, f: dc_last).message
    assert "shape (2, 6, 3)" in check_cell_highway(lambda dc_last, f: None).message
    assert "raised IndexError" in check_cell_highway(lambda dc_last, f: f[:, 99]).message


def test_hints_registered_and_progressive():
    for name in ("highway_prediction", "cell_highway"):
        assert len(HINTS[name]) == 3
        assert f'solution("{name}")' in HINTS[name][-1]  # the form notebook 00 teaches
        assert hint(name, 1).startswith(f"Hint 1/3 for {name}")


# ------------------------------------------------------------------ highway prediction


def _ratio(products_of):
    def fn(dc_last, f, k):
        return np.linalg.norm(dc_last * products_of(f, k), axis=1) / np.linalg.norm(dc_last, axis=1)

    return fn


def test_highway_prediction_solution_passes_and_compares_with_the_measurement():
    result = check_highway_prediction(_from_source(solution_highway_prediction(), "highway_prediction_mine"))
    assert result.ok, result.message
    assert f"sigma(1)^30 = {sigmoid(1.0) ** 30:.2g}" in result.message  # 8.3e-05
    assert "your prediction from its gates 8.5e-05" in result.message
    assert "measured ||dL/dc_1|| / ||dL/dc_T|| 0.0053" in result.message


@pytest.mark.parametrize("wrong, message", [
    (lambda d, f, k: np.full(len(d), f[:, f.shape[1] - k:].mean() ** k), "mean forget gate to the power k"),
    (lambda d, f, k: np.prod(f[:, f.shape[1] - k:], axis=1).mean(axis=1), "averages the per-unit products"),
    (lambda d, f, k: np.linalg.norm(np.prod(f[:, f.shape[1] - k:], axis=1), axis=1) / np.sqrt(f.shape[2]),
     "root mean square"),
    (lambda d, f, k: np.linalg.norm(d * np.prod(f[:, f.shape[1] - k:], axis=1), axis=1), "not the ratio"),
    (_ratio(lambda f, k: np.prod(f[:, f.shape[1] - k - 1:f.shape[1] - 1], axis=1)), "one step early"),
    (_ratio(lambda f, k: np.prod(f[:, f.shape[1] - k - 1:], axis=1)), "k + 1 gates"),
    (_ratio(lambda f, k: np.prod(f[:, :k], axis=1)), "the first k gates"),
    (_ratio(lambda f, k: np.prod(1 - f[:, f.shape[1] - k:], axis=1)), "multiplies 1 - f"),
    (_ratio(lambda f, k: np.prod(f[:, -k:], axis=1)), "f[:, -k:] is the whole array when k = 0"),
    (lambda d, f, k: np.prod(f[:, f.shape[1] - k:], axis=1), "got (3, 4) (one product per sequence and unit"),
    (lambda d, f, k: np.ones(len(d)) * 0.3, "expected"),
])
def test_highway_prediction_mistakes(wrong, message):
    result = check_highway_prediction(wrong)
    assert not result.ok
    assert message in result.message


def test_highway_prediction_robust_to_broken_functions():
    def todo(dc_last, f, k):
        raise NotImplementedError()

    assert "NotImplementedError" in check_highway_prediction(todo).message
    assert "raised ZeroDivisionError" in check_highway_prediction(lambda d, f, k: 1 / 0).message
    assert "shape (3,); got None" in check_highway_prediction(lambda d, f, k: None).message
    assert "pass your function itself" in check_highway_prediction(0.5).message
