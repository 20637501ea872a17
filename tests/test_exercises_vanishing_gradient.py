"""The vanishing-gradient exercises: the right answer passes, each typical mistake gets its own message."""

import numpy as np
import pytest

from rnnlib.exercises.base import HINTS, hint
from rnnlib.exercises.vanishing_gradient import (
    NORM_MISTAKES,
    backprop_norms_with_mistake,
    check_backprop_norms,
    check_radius_prediction,
    solution_backprop_norms,
    solution_radius_prediction,
    solution_ratio_prediction,
)
from rnnlib.lessons.unrolled_many_to_one import step_gradients
from rnnlib.model import SequenceClassifier
from rnnlib.rnn import rnn_forward


def _exec(source):
    namespace = {"np": np}
    exec(source, namespace)
    return next(value for name, value in namespace.items() if name.endswith("_mine"))


backprop_norms_solution = _exec(solution_backprop_norms())
radius_solution = _exec(solution_radius_prediction())

# ------------------------------------------------------------------ exercise 1: the norms


def _norms(dh_last, hs, Wh, deriv=lambda h: 1 - h**2, at=0, W=lambda Wh: Wh.T):
    T = hs.shape[0]
    norms = np.zeros(T)
    dh = dh_last
    norms[-1] = np.linalg.norm(dh)
    for k in range(T - 1, 0, -1):
        dh = (dh * deriv(hs[k - at])) @ W(Wh)
        norms[k - 1] = np.linalg.norm(dh)
    return norms


def test_reference_solution_agrees_with_rnnlib(rng):
    x = rng.normal(size=(1, 7, 3))
    Wx, Wh, b = rng.normal(size=(3, 4)), rng.normal(scale=0.6, size=(4, 4)), rng.normal(size=4)
    hs, cache = rnn_forward(x, np.zeros((1, 4)), Wx, Wh, b)
    dhs = np.zeros_like(hs)
    dhs[:, -1] = rng.normal(size=(1, 4))  # the loss at the last step only
    want = np.linalg.norm(step_gradients(dhs, cache).dh, axis=2)[0]
    np.testing.assert_allclose(backprop_norms_solution(dhs[0, -1], hs[0], Wh), want, rtol=1e-12)


def test_each_mistake_is_a_one_line_edit_that_the_checker_names():
    solution = solution_backprop_norms().splitlines()
    for name, (_, wrong, message) in NORM_MISTAKES.items():
        fn = backprop_norms_with_mistake(name)
        changed = [b for a, b in zip(solution, fn.source.splitlines()) if a != b]
        assert len(changed) == 1 and wrong in changed[0], name
        result = check_backprop_norms(fn)
        assert not result.ok and result.message == message + ".", name
    with pytest.raises(ValueError, match="mistake must be one of"):
        backprop_norms_with_mistake("typo")


def test_correct_norms_pass():
    result = check_backprop_norms(backprop_norms_solution)
    assert result.ok, result.message
    assert check_backprop_norms(lambda dh, hs, Wh: _norms(dh, hs, Wh)).ok


@pytest.mark.parametrize("fn, expected", [
    (lambda dh, hs, Wh: _norms(dh, hs, Wh, deriv=np.ones_like), "tanh derivative is missing"),
    (lambda dh, hs, Wh: _norms(dh, hs, Wh, W=lambda W: W), "Wh is used where Wh.T belongs"),
    (lambda dh, hs, Wh: _norms(dh, hs, Wh, at=1), "taken at the wrong step"),
    (lambda dh, hs, Wh: _norms(dh, hs, Wh, deriv=lambda h: h), "1 - h**2, not h"),
    (lambda dh, hs, Wh: _norms(dh, hs, Wh, deriv=lambda h: 1 - h), "(squared), not 1 - h"),
    (lambda dh, hs, Wh: _norms(dh, hs, Wh)[::-1], "reversed in time"),
    (lambda dh, hs, Wh: _norms(dh, hs, Wh) ** 2, "squared norms"),
])
def test_typical_norm_mistakes_are_named(fn, expected):
    result = check_backprop_norms(fn)
    assert not result.ok
    assert expected in result.message


def test_one_jacobian_too_many_is_called_a_shift():
    def shifted(dh_last, hs, Wh):
        T = hs.shape[0]
        norms, dh = np.zeros(T), dh_last
        for k in range(T - 1, -1, -1):
            dh = (dh * (1 - hs[k] ** 2)) @ Wh.T
            norms[k] = np.linalg.norm(dh)
        return norms

    result = check_backprop_norms(shifted)
    assert not result.ok and "shifted by one step" in result.message


def test_a_wrong_middle_step_is_located():
    def broken(dh_last, hs, Wh):
        norms = backprop_norms_solution(dh_last, hs, Wh)
        norms[1] *= 2
        return norms

    result = check_backprop_norms(broken)
    assert not result.ok
    assert "right at t = 1, 3..6, wrong at t = 2;" in result.message  # norms[1] is step t = 2
    assert "norms[1] (step t = 2)" in result.message and "dL/dh_2 is computed from dL/dh_3" in result.message


def test_returning_gradients_instead_of_norms_is_explained():
    def vectors(dh_last, hs, Wh):
        return np.tile(dh_last, (hs.shape[0], 1))

    result = check_backprop_norms(vectors)
    assert not result.ok and "one vector per step" in result.message


@pytest.mark.parametrize("fn, expected", [
    (lambda dh, hs, Wh: (_ for _ in ()).throw(NotImplementedError()), "NotImplementedError"),
    (lambda dh, hs, Wh: 1 / 0, "ZeroDivisionError"),
    (lambda dh, hs, Wh: np.zeros(3), "must return shape"),
    (lambda dh, hs, Wh: "norms", "must return"),
    (lambda dh, hs, Wh: np.full(hs.shape[0], np.nan), "NaN"),
])
def test_broken_learner_functions_are_reported_not_raised(fn, expected):
    result = check_backprop_norms(fn)
    assert not result.ok
    assert expected in result.message


# ------------------------------------------------------------------ exercise 3: bound or spectral radius


def _sv(Wh):
    return np.linalg.norm(Wh, 2)


def _rho(Wh):
    return np.max(np.abs(np.linalg.eigvals(Wh)))


def test_radius_solution_passes_and_puts_both_predictions_next_to_the_measurement():
    Wh = SequenceClassifier(8, 32, seed=0).params["Wh"]
    from_bound, from_radius = radius_solution(Wh)
    assert from_bound == pytest.approx(_sv(Wh) ** 20) and from_bound > 1  # the bound allows no decay
    assert from_radius == pytest.approx(_rho(Wh) ** 20) and from_radius < 1e-3
    result = check_radius_prediction(radius_solution)
    assert result.ok, result.message
    assert f"{_sv(Wh):.2f}^20 = {_sv(Wh) ** 20:.2g}" in result.message
    assert f"{_rho(Wh):.2f}^20 = {_rho(Wh) ** 20:.2g}" in result.message and "smaller still" in result.message


@pytest.mark.parametrize("fn, expected", [
    (lambda Wh: (_rho(Wh) ** 20, _sv(Wh) ** 20), "swapped"),
    (lambda Wh: (_sv(Wh) ** 21, _rho(Wh) ** 20), "from_bound: the exponent is off by one"),
    (lambda Wh: (_sv(Wh) ** 20, _rho(Wh) ** 21), "from_radius: the exponent is off by one"),
    (lambda Wh: (_sv(Wh) ** 20, _sv(Wh) ** 20), "That is the bound again"),
    (lambda Wh: (_rho(Wh) ** 20, _rho(Wh) ** 20), "That is the spectral radius's prediction"),
    (lambda Wh: (np.linalg.norm(Wh) ** 20, _rho(Wh) ** 20), "Frobenius"),
    (lambda Wh: 1.8, "got one number"),
    (lambda Wh: (1.8, -1.0), "positive"),
])
def test_typical_radius_mistakes_are_named(fn, expected):
    result = check_radius_prediction(fn)
    assert not result.ok
    assert expected in result.message, result.message


# ------------------------------------------------------------------ hints and solutions


@pytest.mark.parametrize("name, solution", [("backprop_norms", solution_backprop_norms),
                                            ("ratio_prediction", solution_ratio_prediction),
                                            ("radius_prediction", solution_radius_prediction)])
def test_hints_get_specific_and_end_with_the_solution(name, solution):
    assert len(HINTS[name]) == 3
    assert f"Hint 1/3 for {name}" in hint(name, level=1)
    assert f"solution('{name}')" in hint(name, level=3)
    assert solution().startswith("def ")


# ------------------------------------------------------------------ exercise 3: predict, then check


def test_the_bound_prediction_passes_and_the_message_explains_the_gap():
    from rnnlib.exercises.vanishing_gradient import check_ratio_prediction, solution_ratio_prediction
    from rnnlib.lessons.vanishing_gradient import microscope

    result = check_ratio_prediction(_exec(solution_ratio_prediction()))
    assert result.ok, result.message
    r = microscope(scale=0.9, T=40)
    assert r.bound[0] == pytest.approx(0.9**39)
    assert f"(1 x 0.9)^39 = {0.9 ** 39:.3g}" in result.message
    assert f"measures {r.rnn_ratio:.3g}" in result.message and "1 - h_t^2" in result.message
    assert "your guess assumed 0.80" in result.message
    assert check_ratio_prediction(lambda: (0.0164, 1e-5)).ok  # a rounded bound is fine
    assert "times below the measurement" in check_ratio_prediction(lambda: (0.0164, 1e-9)).message


@pytest.mark.parametrize("value, expected", [
    (0.9**40, "exponent is off by one"),
    (0.9**38, "exponent is off by one"),
    ((0.25 * 0.9) ** 39, "sigmoid"),
    (0.9 * 39, "multiply"),
    (1.3e-5, "the measured ratio"),
    (1.0, "at least 1"),
    (1e-12, "below what the network will measure"),
    (0.05, "factor of 0.926 per step"),
])
def test_wrong_bounds_get_their_own_message(value, expected):
    from rnnlib.exercises.vanishing_gradient import check_ratio_prediction

    result = check_ratio_prediction(lambda: (value, 1e-6))
    assert not result.ok
    assert expected in result.message, result.message


def test_a_guess_of_the_measurement_at_the_bound_is_explained():
    from rnnlib.exercises.vanishing_gradient import check_ratio_prediction

    result = check_ratio_prediction(lambda: (0.9**39, 0.9**39))
    assert not result.ok and "not below it" in result.message and "1 - h_t^2" in result.message


def test_a_prediction_function_returning_nothing_is_explained():
    from rnnlib.exercises.vanishing_gradient import check_ratio_prediction

    assert "returned None" in check_ratio_prediction(lambda: None).message
    assert "two numbers" in check_ratio_prediction(lambda: 0.0164).message
    assert "positive" in check_ratio_prediction(lambda: (-0.1, 1e-5)).message
