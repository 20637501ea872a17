"""Activations, losses and the readout: stability, known values, gradients."""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from rnnlib import (
    affine_backward,
    affine_forward,
    binary_logistic_loss,
    gradient_check,
    numerical_gradient,
    relative_error,
    sigmoid,
    softmax,
    softmax_cross_entropy,
)
from rnnlib.activations import ACTIVATIONS


def test_sigmoid_is_stable_at_large_magnitude():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = sigmoid(np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0]))
    assert s[0] == 0.0 and s[-1] == 1.0 and s[2] == 0.5
    assert np.all(np.isfinite(s))


@given(arrays(np.float64, st.integers(1, 20), elements=st.floats(-700, 700)))
def test_sigmoid_matches_definition_and_symmetry(a):
    s = sigmoid(a)
    np.testing.assert_allclose(s, 1.0 / (1.0 + np.exp(-a)), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(s + sigmoid(-a), 1.0, rtol=1e-12)


def test_sigmoid_keeps_float32():
    assert sigmoid(np.zeros(3, dtype=np.float32)).dtype == np.float32


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_derivatives_match_finite_differences(name):
    f, dfdy = ACTIVATIONS[name]
    a = np.linspace(-2.3, 2.1, 9)  # avoids relu's kink at exactly 0
    eps = 1e-6
    numeric = (f(a + eps) - f(a - eps)) / (2 * eps)
    np.testing.assert_allclose(dfdy(f(a), a), numeric, atol=1e-8)


def test_softmax_is_stable_and_sums_to_one():
    z = np.array([[1000.0, 1000.0, -1000.0], [0.0, np.log(2.0), 0.0]])
    p = softmax(z)
    np.testing.assert_allclose(p[0], [0.5, 0.5, 0.0], atol=1e-12)
    np.testing.assert_allclose(p[1], [0.25, 0.5, 0.25], atol=1e-12)


def test_binary_loss_known_values():
    loss, dz = binary_logistic_loss(np.array([0.0, 0.0]), np.array([0, 1]))
    assert loss == pytest.approx(np.log(2.0))
    np.testing.assert_allclose(dz, [0.25, -0.25])
    # large logits: no overflow, loss ~ |z| when wrong
    loss, _ = binary_logistic_loss(np.array([1000.0]), np.array([0]))
    assert loss == pytest.approx(1000.0)


def test_softmax_loss_known_value():
    loss, _ = softmax_cross_entropy(np.zeros((4, 10)), np.arange(4))
    assert loss == pytest.approx(np.log(10.0))


@pytest.mark.parametrize("shape", [(5,), (5, 1)])
def test_binary_loss_gradient(rng, shape):
    z = rng.normal(size=shape) * 3
    y = rng.integers(0, 2, size=5)
    _, dz = binary_logistic_loss(z, y)
    num = numerical_gradient(lambda z: binary_logistic_loss(z, y)[0], {"z": z}, "z")
    assert relative_error(dz, num) < 1e-8


def test_softmax_loss_gradient(rng):
    z = rng.normal(size=(6, 4))
    y = rng.integers(0, 4, size=6)
    _, dz = softmax_cross_entropy(z, y)
    num = numerical_gradient(lambda z: softmax_cross_entropy(z, y)[0], {"z": z}, "z")
    assert relative_error(dz, num) < 1e-8


def test_affine_gradient(rng):
    args = dict(h=rng.normal(size=(4, 3)), Wy=rng.normal(size=(3, 2)), by=rng.normal(size=2))

    def backward(ds):
        return dict(zip(["dh", "dWy", "dby"], affine_backward(ds, affine_forward(**args)[1])))

    report = gradient_check(affine_forward, args, backward)
    assert report.ok, report.summary()
