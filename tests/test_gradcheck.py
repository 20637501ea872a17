"""The gradient checker itself: it must catch wrong gradients and say where in time they are wrong."""

import numpy as np
import pytest

from rnnlib import gradient_check, numerical_gradient, relative_error, rnn_backward, rnn_forward
from rnnlib.rnn import RNNCache

NAMES = ["dx", "dh0", "dWx", "dWh", "db"]


def args_for(rng, N=2, T=5, D=3, H=4):
    return dict(x=rng.normal(size=(N, T, D)), h0=rng.normal(size=(N, H)), Wx=rng.normal(size=(D, H)) * 0.5,
                Wh=rng.normal(size=(H, H)) * 0.5, b=rng.normal(size=H))


def rnn_backward_no_accumulation(dhs, cache):
    """A typical bug: the gradient from step t+1 is not added to dh at step t."""
    x, h0, Wx, Wh, hs = cache
    N, T, D = x.shape
    dx, dWx, dWh, db = np.zeros_like(x), np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(Wh.shape[0])
    dh_prev = None
    for t in reversed(range(T)):
        da = dhs[:, t] * (1 - hs[:, t] ** 2)
        h_prev = hs[:, t - 1] if t > 0 else h0
        dWx += x[:, t].T @ da
        dWh += h_prev.T @ da
        db += da.sum(0)
        dx[:, t] = da @ Wx.T
        dh_prev = da @ Wh.T
    return dx, dh_prev, dWx, dWh, db


def test_numerical_gradient_of_a_known_function():
    A = np.array([[1.0, 2.0], [3.0, 4.0]])
    g = numerical_gradient(lambda v: float(v @ A @ v), {"v": np.array([1.0, -1.0])}, "v")
    np.testing.assert_allclose(g, (A + A.T) @ np.array([1.0, -1.0]), atol=1e-8)


def test_numerical_gradient_does_not_modify_inputs(rng):
    args = args_for(rng)
    before = {k: v.copy() for k, v in args.items()}
    numerical_gradient(rnn_forward, args, "Wh", dout=np.ones((2, 5, 4)))
    for k in args:
        np.testing.assert_array_equal(args[k], before[k])


def test_numerical_gradient_rejects_unknown_argument(rng):
    with pytest.raises(ValueError, match="wrt must name one of f's inputs"):
        numerical_gradient(rnn_forward, args_for(rng), "W")


def test_relative_error_values():
    assert relative_error(np.ones(3), np.ones(3)) == 0.0
    assert relative_error(np.array([1.0]), np.array([-1.0])) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="shape"):
        relative_error(np.ones(3), np.ones(4))


def test_correct_backward_passes_and_wrong_one_is_located_in_time(rng):
    args = args_for(rng)

    def good(dhs):
        return dict(zip(NAMES, rnn_backward(dhs, rnn_forward(**args)[1])))

    def bad(dhs):
        return dict(zip(NAMES, rnn_backward_no_accumulation(dhs, rnn_forward(**args)[1])))

    ok = gradient_check(rnn_forward, args, good, time_axes={"x": 1}, output_time_axis=1)
    assert ok.ok and max(ok.errors.values()) < 1e-7
    report = gradient_check(rnn_forward, args, bad, time_axes={"x": 1}, output_time_axis=1)
    assert not report.ok
    assert set(report.wrong()) == {"dx", "dh0", "dWx", "dWh", "db"}
    # dx is right only at the last step, where nothing arrives from the future
    per_step = report.per_step["dx"]
    assert per_step[-1] < 1e-7 and np.all(per_step[:-1] > 1e-3)
    # a loss at step 0 alone needs no accumulation, every later one does
    assert report.per_output_step["dWh"][0] < 1e-7
    assert np.all(report.per_output_step["dWh"][1:] > 1e-3)
    text = report.summary()
    assert "dx: WRONG" in text and "right at t = 5, wrong at t = 1..4" in text
    assert "for the loss at step t alone: right at t = 1, wrong at t = 2..5" in text


def test_gradient_check_rejects_unknown_gradient_name(rng):
    args = args_for(rng)
    with pytest.raises(ValueError, match="names no input"):
        gradient_check(rnn_forward, args, lambda d: {"dW": np.zeros(1)})


def test_cache_is_a_named_tuple_usable_for_plots(rng):
    hs, cache = rnn_forward(**args_for(rng))
    assert isinstance(cache, RNNCache)
    assert cache.hs is hs


def test_per_output_step_check_does_not_flag_tiny_true_gradients(rng):
    # dh0 receives almost nothing from the last output step of a long, contracting sequence
    args = args_for(rng, N=2, T=8, D=3, H=4)
    args["Wh"] = args["Wh"] * 0.2

    def good(dhs):
        return dict(zip(NAMES, rnn_backward(dhs, rnn_forward(**args)[1])))

    report = gradient_check(rnn_forward, args, good, output_time_axis=1)
    assert report.ok, report.summary()
