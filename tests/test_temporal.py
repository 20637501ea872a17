"""Temporal read-out and masked temporal softmax loss: known answers, gradients, masking, errors."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnlib import (
    gradient_check,
    numerical_gradient,
    per_letter_cross_entropy,
    relative_error,
    softmax_cross_entropy,
    temporal_affine_backward,
    temporal_affine_forward,
    temporal_softmax_loss,
)


def slow_loss(s, y, mask):
    """The loss written as plainly as possible: loops over n and t, math.exp and math.log."""
    N, T, V = s.shape
    total = 0.0
    for n in range(N):
        for t in range(T):  # t is step t+1
            if mask[n, t]:
                z = sum(math.exp(s[n, t, c]) for c in range(V))
                total -= math.log(math.exp(s[n, t, y[n, t]]) / z)
    return total / N


def _problem(rng, N, T, V, p=1.0, scale=1.0):
    s = scale * rng.standard_normal((N, T, V))
    y = rng.integers(0, V, size=(N, T))
    mask = rng.random((N, T)) < p
    return s, y, mask


# CS231n's rnn_layers check of temporal_softmax_loss: small scores, so every step costs ~log(V).
@pytest.mark.parametrize("N,T,p,expected", [(100, 1, 1.0, 2.3), (100, 10, 1.0, 23.0), (5000, 10, 0.1, 2.3)])
def test_cs231n_known_answers(N, T, p, expected):
    rng = np.random.default_rng(0)
    s, y, mask = _problem(rng, N, T, 10, p, scale=0.001)
    loss, _ = temporal_softmax_loss(s, y, mask)
    assert loss == pytest.approx(expected, abs=0.1)
    # sharper: with s ~ 0 each real step costs log(10), so L = (real steps / N) * log(10)
    assert loss == pytest.approx(mask.sum() / N * np.log(10.0), abs=1e-3)


def test_loss_equals_a_slow_loop(rng):
    s, y, mask = _problem(rng, 4, 6, 5, p=0.6, scale=3.0)
    loss, _ = temporal_softmax_loss(s, y, mask)
    assert loss == pytest.approx(slow_loss(s, y, mask), rel=1e-12)


def test_one_step_equals_softmax_cross_entropy(rng):
    s, y, _ = _problem(rng, 7, 1, 4)
    loss, ds = temporal_softmax_loss(s, y, np.ones((7, 1)))
    ref_loss, ref_ds = softmax_cross_entropy(s[:, 0], y[:, 0])
    assert loss == pytest.approx(ref_loss, rel=1e-12)
    np.testing.assert_allclose(ds[:, 0], ref_ds, rtol=1e-12)


def test_default_mask_counts_every_step(rng):
    s, y, _ = _problem(rng, 3, 4, 5)
    assert temporal_softmax_loss(s, y)[0] == temporal_softmax_loss(s, y, np.ones((3, 4), bool))[0]


@settings(max_examples=25, deadline=None)
@given(N=st.integers(1, 4), T=st.integers(1, 4), V=st.integers(2, 5), p=st.sampled_from([0.0, 0.5, 1.0]),
       seed=st.integers(0, 2**16))
def test_loss_gradient_matches_finite_differences(N, T, V, p, seed):
    s, y, mask = _problem(np.random.default_rng(seed), N, T, V, p, scale=2.0)
    _, ds = temporal_softmax_loss(s, y, mask)
    num = numerical_gradient(lambda s: temporal_softmax_loss(s, y, mask)[0], {"s": s}, "s")
    assert relative_error(ds, num) < 1e-7 or np.abs(ds - num).max() < 1e-9  # all-masked: both 0
    assert np.all(ds[~mask] == 0.0)  # padded steps send back exactly nothing


def test_masked_steps_change_nothing(rng):
    s, y, mask = _problem(rng, 5, 6, 4, p=0.5)
    loss, ds = temporal_softmax_loss(s, y, mask)
    s2, y2 = s.copy(), y.copy()
    s2[~mask] = 1e3 * rng.standard_normal((int((~mask).sum()), 4))  # huge scores at padding
    y2[~mask] = (y[~mask] + 1) % 4  # other targets at padding
    loss2, ds2 = temporal_softmax_loss(s2, y2, mask)
    assert loss2 == loss
    np.testing.assert_array_equal(ds2, ds)
    assert np.all(ds[~mask] == 0.0) and np.all(np.abs(ds[mask]).sum(axis=-1) > 0)


def test_loss_is_divided_by_N_not_by_the_number_of_real_steps():
    # one sequence with 3 real steps and one with 1, every step costing log(2): L = (3 + 1) log 2 / 2
    s = np.zeros((2, 3, 2))
    y = np.zeros((2, 3), int)
    mask = np.array([[1, 1, 1], [1, 0, 0]])
    assert temporal_softmax_loss(s, y, mask)[0] == pytest.approx(2 * np.log(2.0))
    assert per_letter_cross_entropy(s, y, mask) == pytest.approx(np.log(2.0))


def test_loss_is_stable_for_huge_scores():
    s = np.array([[[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 1000.0]]])  # (1, 2, 3)
    y = np.array([[0, 2]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
        loss, ds = temporal_softmax_loss(s, y)
    assert loss == pytest.approx(np.log(2.0))  # step 1 certain and right; step 2 a 50/50 tie
    np.testing.assert_allclose(ds[0, 1], [0.0, 0.5, -0.5], atol=1e-12)


def test_per_letter_cross_entropy_is_the_mean_over_real_steps(rng):
    s, y, mask = _problem(rng, 6, 5, 7, p=0.7, scale=2.0)
    per_letter = per_letter_cross_entropy(s, y, mask)
    assert per_letter == pytest.approx(slow_loss(s, y, mask) * 6 / mask.sum(), rel=1e-12)
    # a uniform model costs log(V) nats per letter: perplexity V
    assert np.exp(per_letter_cross_entropy(np.zeros((6, 5, 7)), y, mask)) == pytest.approx(7.0)


def test_per_letter_cross_entropy_needs_a_real_step():
    with pytest.raises(ValueError, match="mask must mark at least one real step"):
        per_letter_cross_entropy(np.zeros((2, 3, 4)), np.zeros((2, 3), int), np.zeros((2, 3)))


@settings(max_examples=15, deadline=None)
@given(N=st.integers(1, 3), T=st.integers(1, 4), H=st.integers(1, 4), V=st.integers(1, 4), seed=st.integers(0, 2**16))
def test_temporal_affine_gradient(N, T, H, V, seed):
    rng = np.random.default_rng(seed)
    args = dict(hs=rng.normal(size=(N, T, H)), Wy=rng.normal(size=(H, V)), by=rng.normal(size=V))

    def backward(ds):
        return dict(zip(["dhs", "dWy", "dby"], temporal_affine_backward(ds, temporal_affine_forward(**args)[1])))

    report = gradient_check(temporal_affine_forward, args, backward, time_axes={"hs": 1})
    assert report.ok, report.summary()


def test_temporal_affine_is_the_affine_at_every_step(rng):
    hs, Wy, by = rng.normal(size=(3, 4, 5)), rng.normal(size=(5, 6)), rng.normal(size=6)
    s, _ = temporal_affine_forward(hs, Wy, by)
    assert s.shape == (3, 4, 6)
    for t in range(4):  # s[:, t] is s_{t+1}
        np.testing.assert_allclose(s[:, t], hs[:, t] @ Wy + by, rtol=1e-12)


def test_read_out_and_loss_chain_matches_finite_differences(rng):
    hs, y, mask = rng.normal(size=(3, 4, 5)), rng.integers(0, 6, size=(3, 4)), rng.random((3, 4)) < 0.7
    Wy, by = rng.normal(size=(5, 6)), rng.normal(size=6)

    def loss_of(hs, Wy, by):
        return temporal_softmax_loss(temporal_affine_forward(hs, Wy, by)[0], y, mask)[0]

    s, cache = temporal_affine_forward(hs, Wy, by)
    _, ds = temporal_softmax_loss(s, y, mask)
    grads = dict(zip(["hs", "Wy", "by"], temporal_affine_backward(ds, cache)))
    inputs = {"hs": hs, "Wy": Wy, "by": by}
    for name, grad in grads.items():
        assert relative_error(grad, numerical_gradient(loss_of, inputs, name)) < 1e-7, name


@pytest.mark.parametrize("call,match", [
    (lambda: temporal_affine_forward(np.zeros((2, 3)), np.zeros((3, 4)), np.zeros(4)), r"hs must have 3 dimension"),
    (lambda: temporal_affine_forward(np.zeros((2, 3, 5)), np.zeros((4, 6)), np.zeros(6)), r"Wy"),
    (lambda: temporal_affine_forward(np.zeros((2, 3, 4)), np.zeros((4, 6)), np.zeros(5)), r"by"),
    (lambda: temporal_affine_backward(np.zeros((2, 3, 5)), temporal_affine_forward(
        np.zeros((2, 3, 4)), np.zeros((4, 6)), np.zeros(6))[1]),
     r"ds must have shape \(2, 3, 6\); got shape \(2, 3, 5\)"),
    (lambda: temporal_softmax_loss(np.zeros((2, 3)), np.zeros((2, 3), int)), r"s must have 3 dimension"),
    (lambda: temporal_softmax_loss(np.zeros((2, 3, 4)), np.zeros((2, 4), int)), r"y must have shape \(2, 3\)"),
    (lambda: temporal_softmax_loss(np.zeros((2, 3, 4)), np.full((2, 3), 4)),
     r"y must hold integer targets in \[0, 3\] \(V = 4\)"),
    (lambda: temporal_softmax_loss(np.zeros((2, 3, 4)), np.full((2, 3), 0.5)), r"y must hold integer targets"),
    (lambda: temporal_softmax_loss(np.zeros((2, 3, 4)), np.zeros((2, 3), int), np.ones((3, 2))),
     r"mask must have shape \(2, 3\); got shape \(3, 2\)"),
    (lambda: temporal_softmax_loss(np.zeros((2, 3, 4)), np.zeros((2, 3), int), np.full((2, 3), 0.5)),
     r"mask must hold only 0/1"),
    (lambda: temporal_softmax_loss(np.full((1, 1, 2), np.nan), np.zeros((1, 1), int)), r"s must be finite"),
])
def test_bad_input_names_the_argument_and_the_shapes(call, match):
    with pytest.raises(ValueError, match=match):
        call()
