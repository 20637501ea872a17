"""The sampler: its draws follow softmax(s / temperature), greedy at 0, reproducible from a seed."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnlib import next_letter_distribution, sample_next, softmax

S = np.array([[2.0, 1.0, 0.0, -1.0, 0.5]])  # (1, V=5): one fixed next-letter score vector


def entropy(p):
    return -np.sum(np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0), axis=-1)


@pytest.mark.parametrize("temperature", [0.5, 1.0, 2.0])
def test_draws_follow_softmax_of_s_over_temperature(temperature):
    draws = sample_next(np.repeat(S, 20000, axis=0), temperature, rng=np.random.default_rng(0))  # (20000,)
    counts = np.bincount(draws, minlength=5)  # (V,)
    expected = softmax(S[0] / temperature)  # (V,)
    assert np.abs(counts / 20000 - expected).max() < 0.01, (counts / 20000, expected)
    chi2 = np.sum((counts - 20000 * expected) ** 2 / (20000 * expected))
    assert chi2 < 18.47  # the 0.999 quantile of chi-square with V - 1 = 4 degrees of freedom


def test_distribution_is_softmax_of_s_over_temperature():
    np.testing.assert_allclose(next_letter_distribution(S, 1.0), softmax(S), rtol=1e-12)
    np.testing.assert_allclose(next_letter_distribution(S, 0.5), softmax(2.0 * S), rtol=1e-12)


def test_temperature_zero_is_argmax(rng):
    s = rng.normal(size=(50, 7))
    np.testing.assert_array_equal(sample_next(s, 0, rng=rng), s.argmax(axis=1))
    np.testing.assert_array_equal(next_letter_distribution(s, 0), np.eye(7)[s.argmax(axis=1)])
    # a tie shares the probability; the greedy draw takes the first
    np.testing.assert_allclose(next_letter_distribution(np.array([[1.0, 3.0, 3.0]]), 0.0), [[0, 0.5, 0.5]])
    assert sample_next(np.array([[1.0, 3.0, 3.0]]), 0.0, rng=rng)[0] == 1


def test_a_tiny_temperature_tends_to_greedy_without_overflow(rng):
    s = 100 * rng.normal(size=(20, 6))
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        p = next_letter_distribution(s, 1e-300)
        draws = sample_next(s, 1e-300, rng=rng)
    np.testing.assert_array_equal(p, np.eye(6)[s.argmax(axis=1)])
    np.testing.assert_array_equal(draws, s.argmax(axis=1))


def test_a_letter_of_probability_zero_is_never_drawn():
    s = np.repeat([[0.0, -1000.0, 0.0, -1000.0]], 5000, axis=0)  # letters 1 and 3: exp(-1000) = 0
    draws = sample_next(s, 1.0, rng=np.random.default_rng(1))
    assert set(np.unique(draws)) == {0, 2}


@settings(max_examples=30, deadline=None)
@given(V=st.integers(2, 8), seed=st.integers(0, 2**16), t1=st.floats(0.05, 10.0), ratio=st.floats(1.5, 10.0))
def test_higher_temperature_gives_higher_entropy(V, seed, t1, ratio):
    s = np.random.default_rng(seed).normal(size=(1, V))
    low = entropy(next_letter_distribution(s, t1))[0]
    high = entropy(next_letter_distribution(s, t1 * ratio))[0]
    assert low < high <= np.log(V) + 1e-12


def test_same_seed_same_draws_other_seed_other_draws():
    s = np.repeat(S, 200, axis=0)
    a = sample_next(s, 1.0, rng=np.random.default_rng(7))
    b = sample_next(s, 1.0, rng=np.random.default_rng(7))
    c = sample_next(s, 1.0, rng=np.random.default_rng(8))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert a.shape == (200,) and a.dtype.kind == "i"


@pytest.mark.parametrize("rng", [None, 0, np.random.RandomState(0)])
def test_rng_must_be_a_generator(rng):
    with pytest.raises(ValueError, match="rng must be a numpy.random.Generator"):
        sample_next(S, 1.0, rng=rng)


@pytest.mark.parametrize("temperature", [-0.5, float("nan"), float("inf"), "1", True, None])
def test_temperature_must_be_a_finite_number_at_least_zero(temperature):
    with pytest.raises(ValueError, match="temperature must be a finite number >= 0"):
        sample_next(S, temperature, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="temperature must be a finite number >= 0"):
        next_letter_distribution(S, temperature)


def test_scores_must_be_a_batch_of_vectors():
    with pytest.raises(ValueError, match=r"s must have 2 dimension\(s\) with shape \(N, V\); got shape \(5,\)"):
        sample_next(S[0], 1.0, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="s must be finite"):
        next_letter_distribution(np.array([[0.0, np.inf]]))
