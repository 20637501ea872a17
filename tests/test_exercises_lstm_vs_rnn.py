"""Tests of the notebook-06 checkers: right answers pass, typical wrong answers get pointed feedback."""

import numpy as np
import pytest

from rnnlib.exercises.base import HINTS, hint
from rnnlib.exercises.lstm_vs_rnn import (
    check_cell_highway,
    check_surviving_fraction,
    solution_cell_highway,
    solution_surviving_fraction,
)


def _from_source(source, name):
    namespace = {"np": np}
    exec(source, namespace)
    return namespace[name]


# ------------------------------------------------------------------ surviving fraction


def test_surviving_fraction_solution_passes():
    result = check_surviving_fraction(_from_source(solution_surviving_fraction(), "surviving_fraction_mine"))
    assert result.ok, result.message
    assert "0.9 keeps 0.042" in result.message


@pytest.mark.parametrize("wrong, message", [
    (lambda f, k: f * k, "do not add up"),
    (lambda f, k: f ** (k - 1), "one step too few"),
    (lambda f, k: f ** (k + 1), "one step too many"),
    (lambda f, k: (1 - f) ** k, "1 - f the fraction dropped"),
    (lambda f, k: 1 - f**k, "the fraction lost"),
    (lambda f, k: (1 / (1 + np.exp(-f))) ** k, "already the gate's value"),
    (lambda f, k: np.exp(-k * (1 - f)), "approximation"),
    (lambda f, k: 0.3, "expected"),
])
def test_surviving_fraction_mistakes(wrong, message):
    result = check_surviving_fraction(wrong)
    assert not result.ok
    assert message in result.message


def test_surviving_fraction_robust_to_broken_functions():
    def todo(f, k):
        raise NotImplementedError()

    assert "NotImplementedError" in check_surviving_fraction(todo).message
    assert "raised ZeroDivisionError" in check_surviving_fraction(lambda f, k: 1 / 0).message
    assert "one number" in check_surviving_fraction(lambda f, k: [f, k]).message
    assert "one number" in check_surviving_fraction(lambda f, k: None).message
    assert "pass your function itself" in check_surviving_fraction(0.5).message
    scalar_only = check_surviving_fraction(lambda f, k: float(f) ** k)
    assert not scalar_only.ok and "array of forget gates" in scalar_only.message
    loop = check_surviving_fraction(lambda f, k: np.prod([f] * k) if np.ndim(f) == 0 else 0.0)
    assert not loop.ok and "one fraction per unit" in loop.message


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
    for name in ("surviving_fraction", "cell_highway"):
        assert len(HINTS[name]) == 3
        assert "solution_" in HINTS[name][-1]
        assert hint(name, 1).startswith(f"Hint 1/3 for {name}")
