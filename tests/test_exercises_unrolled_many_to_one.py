"""Tests of rnnlib.exercises.unrolled_many_to_one: per-step BPTT gradients and the rnn_backward checker."""

import numpy as np
import pytest

from rnnlib.data import one_hot_word
from rnnlib.exercises import hint
from rnnlib.exercises.unrolled_many_to_one import (
    MISTAKES,
    _variant,
    check_rnn_backward,
    mistaken_rnn_backward,
    reference_rnn_backward,
    solution_rnn_backward,
)
from rnnlib.gradcheck import gradient_check, numerical_gradient, relative_error
from rnnlib.lessons.unrolled_many_to_one import backprop_hidden, hidden_state_gradients, unrolled_trace
from rnnlib.losses import binary_logistic_loss
from rnnlib.model import SequenceClassifier
from rnnlib.rnn import rnn_backward, rnn_forward


def _args(rng, N=2, T=5, D=3, H=4):
    return dict(x=rng.normal(size=(N, T, D)), h0=rng.normal(size=(N, H)) * 0.5, Wx=rng.normal(size=(D, H)) * 0.7,
                Wh=rng.normal(size=(H, H)) * 0.5, b=rng.normal(size=H) * 0.3)


def test_reference_solution_equals_library_and_finite_differences(rng):
    # T = 4: with longer sequences the gradient reaching h0 from the last output step alone gets so
    # small that gradient_check's per-output-step relative error (no common scale) turns noise into "wrong"
    args = _args(rng, T=4)
    hs, cache = rnn_forward(**args)
    dhs = rng.normal(size=hs.shape)
    for mine, lib in zip(reference_rnn_backward(dhs, cache), rnn_backward(dhs, cache)):
        np.testing.assert_allclose(mine, lib, rtol=1e-12, atol=1e-14)

    def backward(dout):
        return dict(zip(["dx", "dh0", "dWx", "dWh", "db"], reference_rnn_backward(dout, rnn_forward(**args)[1])))

    report = gradient_check(rnn_forward, args, backward, time_axes={"x": 1}, output_time_axis=1)
    assert report.ok, report.summary()


def test_backprop_hidden_matches_suffix_backward(rng):
    """dL/dh_t is the dh0 of a backward pass over the steps after t, started from h_t."""
    args = _args(rng, T=4)
    hs, _ = rnn_forward(**args)
    dh_last = rng.normal(size=(2, 4))
    total = backprop_hidden(dh_last, hs, args["Wh"])
    np.testing.assert_allclose(total[:, -1], dh_last)
    for t in range(3):
        sub_hs, sub_cache = rnn_forward(args["x"][:, t + 1:], hs[:, t], args["Wx"], args["Wh"], args["b"])
        dhs = np.zeros_like(sub_hs)
        dhs[:, -1] = dh_last
        _, dh0, *_ = rnn_backward(dhs, sub_cache)
        np.testing.assert_allclose(total[:, t], dh0, rtol=1e-12)
    with pytest.raises(ValueError, match="dh_last"):
        backprop_hidden(np.zeros((3, 4)), hs, args["Wh"])


def test_hidden_state_gradients_finite_difference():
    model = SequenceClassifier(26, 5, seed=1)
    word = "hope"
    norms = hidden_state_gradients(model, word, label=0)
    assert norms.shape == (4,) and np.all(norms > 0)
    # the last step's gradient: dL/dh_T = (sigma(y) - label) Wy^T, checked by finite differences on h_T
    hs = model.internals(one_hot_word(word)[None])["h"]
    p = model.params

    def loss_of_hT(hT):
        z = hT @ p["Wy"] + p["by"]
        return binary_logistic_loss(z, np.array([0]))[0]

    num = numerical_gradient(loss_of_hT, {"hT": hs[:, -1]}, "hT")
    assert norms[-1] == pytest.approx(np.linalg.norm(num), rel=1e-6)
    # a 1-letter word has one gradient, and errors are reported
    assert hidden_state_gradients(model, "a").shape == (1,)
    with pytest.raises(ValueError, match="label"):
        hidden_state_gradients(model, "a", label=2)
    with pytest.raises(ValueError, match="cell='rnn'"):
        hidden_state_gradients(SequenceClassifier(26, 3, cell="lstm"), "a")


def test_checker_accepts_correct_solutions():
    for fn in (reference_rnn_backward, rnn_backward):
        result = check_rnn_backward(fn)
        assert result.ok, result.message
        assert "every time step" in result.message


@pytest.mark.parametrize("mistake, expected", [
    ("no_accumulation", "dh_next"),
    ("tanh_preactivation", "pre-activation"),
    ("one_minus_h", "1 - h_t**2"),
    ("dWh_current_state", "PREVIOUS state"),
])
def test_checker_names_typical_mistakes(mistake, expected):
    result = check_rnn_backward(mistaken_rnn_backward(mistake))
    assert not result.ok
    assert expected in result.message
    assert "per parameter and per time step" in result.message  # the gradient-check summary follows


def test_checker_no_accumulation_says_where():
    kwargs, _ = MISTAKES["no_accumulation"]
    result = check_rnn_backward(lambda dhs, cache: _variant(dhs, cache, **kwargs))
    # with the loss at the first step alone nothing flows back through time, so that step is right
    assert "for the loss at step t alone: right at t = 0, wrong at t = 1..3" in result.message


def test_checker_db_not_summed_over_time():
    def db_last_loop_step(dhs, cache):
        dx, dh0, dWx, dWh, _ = reference_rnn_backward(dhs, cache)
        x, h0, Wx, Wh, hs = cache
        dh_next = np.zeros_like(h0)
        for t in reversed(range(x.shape[1])):
            da = (dhs[:, t] + dh_next) * (1 - hs[:, t] ** 2)
            db = da.sum(axis=0)  # overwritten: only the last iteration (t = 0) survives
            dh_next = da @ Wh.T
        return dx, dh0, dWx, dWh, db

    result = check_rnn_backward(db_last_loop_step)
    assert not result.ok and "db holds the contribution of step t=0 only" in result.message
    assert "SUM over all steps" in result.message

    def db_per_step(dhs, cache):
        dx, dh0, dWx, dWh, db = reference_rnn_backward(dhs, cache)
        return dx, dh0, dWx, dWh, np.tile(db, (cache.x.shape[1], 1))

    result = check_rnn_backward(db_per_step)
    assert not result.ok and "sum db over time" in result.message


def test_checker_dWx_single_step():
    def dWx_last(dhs, cache):
        dx, dh0, _, dWh, db = reference_rnn_backward(dhs, cache)
        T = cache.x.shape[1]
        da = dhs[:, T - 1] * (1 - cache.hs[:, T - 1] ** 2)
        return dx, dh0, cache.x[:, T - 1].T @ da, dWh, db

    result = check_rnn_backward(dWx_last)
    assert not result.ok and "dWx holds the contribution of step t=3 only" in result.message


def test_checker_unknown_error_reports_gradcheck():
    def wrong_dx(dhs, cache):
        dx, *rest = reference_rnn_backward(dhs, cache)
        return (2 * dx, *rest)

    result = check_rnn_backward(wrong_dx)
    assert not result.ok and result.message.startswith("dx differ")
    assert "dx: WRONG" in result.message and "dWh: right" in result.message


@pytest.mark.parametrize("fn, expected", [
    (lambda dhs, cache: (_ for _ in ()).throw(NotImplementedError()), "not implemented yet"),
    (lambda dhs, cache: 1 / 0, "ZeroDivisionError"),
    (lambda dhs, cache: None, "tuple of five arrays"),
    (lambda dhs, cache: (1, 2, 3), "length 3"),
    (lambda dhs, cache: (cache.x, cache.h0, cache.Wx.T, cache.Wh, np.zeros(5)), "dWx must have shape (3, 5)"),
    (lambda dhs, cache: (cache.x, cache.h0, cache.Wx, cache.Wh, np.full(5, np.nan)), "NaN"),
    ("not a function", "pass your function"),
])
def test_checker_never_crashes(fn, expected):
    result = check_rnn_backward(fn)
    assert not result.ok and expected in result.message


def test_checker_does_not_let_learner_corrupt_reference():
    def mutating(dhs, cache):
        out = reference_rnn_backward(dhs, cache)
        cache.hs[...] = 0.0  # a learner that scribbles on the cache must not break the check
        dhs[...] = 0.0
        return out

    assert check_rnn_backward(mutating).ok


def test_mistaken_rnn_backward_rejects_unknown():
    with pytest.raises(ValueError, match="mistake must be one of"):
        mistaken_rnn_backward("typo")


def test_hints_and_solution():
    texts = [hint("rnn_backward", level) for level in (1, 2, 3)]
    assert "dh_next" in texts[0] and "1 - h_t**2" in texts[1] and "solution_rnn_backward" in texts[2]
    source = solution_rnn_backward()
    assert source.startswith("def reference_rnn_backward") and "dh_next = da @ Wh.T" in source


def test_relative_error_of_mistakes_is_large(rng):
    """Every registered mistake really changes the gradients (so matching one is meaningful)."""
    args = _args(rng)
    hs, cache = rnn_forward(**args)
    dhs = rng.normal(size=hs.shape)
    good = reference_rnn_backward(dhs, cache)
    for key, (kwargs, _) in MISTAKES.items():
        bad = _variant(dhs, cache, **kwargs)
        assert max(relative_error(g, b) for g, b in zip(good, bad)) > 1e-2, key


def test_unrolled_trace():
    model = SequenceClassifier(26, 6, seed=2)
    x = one_hot_word("glad")[None]
    trace = unrolled_trace(model, "glad")
    assert set(trace) == {"hidden", "prob"}
    np.testing.assert_allclose(trace["hidden"], model.internals(x)["h"][0])
    assert trace["prob"] == pytest.approx(model.predict_proba(x)[0])
    with_grad = unrolled_trace(model, "glad", label=1)
    np.testing.assert_allclose(with_grad["grad_norms"], hidden_state_gradients(model, "glad", 1))
    with pytest.raises(ValueError, match="cell='rnn'"):
        unrolled_trace(SequenceClassifier(26, 3, cell="lstm"), "glad")
