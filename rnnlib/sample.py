r"""Sampling the next letter from a model's scores, with a temperature.

A character-level language model gives a score vector s (one score per letter of the
vocabulary, V of them) for the next letter. Writing a word (one-to-many) means drawing a letter
from softmax(s / temperature), feeding it back as the next input, and repeating until the end
symbol. This module holds the draw; the loop that feeds letters back lives with the model.

Randomness always comes from a seeded ``numpy.random.Generator`` that the caller passes in, so a
notebook that samples prints the same words on every run.
"""

from __future__ import annotations

import numbers

import numpy as np

from ._validate import as_array

__all__ = ["next_letter_distribution", "sample_next"]


def _check_temperature(temperature):
    if (isinstance(temperature, (bool, np.bool_)) or not isinstance(temperature, numbers.Real)
            or not np.isfinite(temperature) or temperature < 0):
        raise ValueError(f"temperature must be a finite number >= 0 (0 means greedy: always the "
                         f"highest score); got {temperature!r}")
    return float(temperature)


def next_letter_distribution(s, temperature=1.0):
    r"""Probabilities of the next letter: softmax of the scores divided by the temperature.

    Parameters
    ----------
    s : array_like, shape (N, V)
        Scores (logits) of the next letter for each of N sequences; V is the vocabulary size.
    temperature : float, >= 0
        1 keeps the model's distribution; below 1 sharpens it (more often the likeliest letter),
        above 1 flattens it (towards uniform). 0 means greedy: all the probability on the highest
        score (ties share it equally).

    Returns
    -------
    p : numpy.ndarray, shape (N, V)
        Non-negative, each row sums to 1.

    Notes
    -----
    .. math:: p = \mathrm{softmax}(s / \tau), \qquad
              p_k = \frac{e^{(s_k - \max_j s_j)/\tau}}{\sum_c e^{(s_c - \max_j s_j)/\tau}}

    Subtracting the largest score before dividing by :math:`\tau` keeps every exponent
    <= 0, so a tiny temperature gives exponents of -inf (probability 0), never an overflow; as
    :math:`\tau \to 0` the distribution tends to the greedy one, which ``temperature=0`` returns.
    """
    s = as_array("s", s, ("N", "V"))
    tau = _check_temperature(temperature)
    shifted = s - s.max(axis=1, keepdims=True)  # (N, V)  largest score is 0
    if tau == 0.0:
        top = (shifted == 0.0).astype(s.dtype)  # (N, V)  1 at the highest score(s)
        return top / top.sum(axis=1, keepdims=True)  # (N, V)
    with np.errstate(over="ignore"):  # -large / tiny tau -> -inf, which exp turns into 0
        a = shifted / tau  # (N, V)  every entry <= 0
    e = np.exp(a)  # (N, V)
    return e / e.sum(axis=1, keepdims=True)  # (N, V)


def sample_next(s, temperature=1.0, rng=None):
    r"""Draw the next letter of each sequence from softmax(s / temperature).

    Parameters
    ----------
    s : array_like, shape (N, V)
        Scores (logits) of the next letter for each of N sequences.
    temperature : float, >= 0
        See :func:`next_letter_distribution`. 0 means greedy: the index of the highest score
        (the first one on a tie), and ``rng`` is not used.
    rng : numpy.random.Generator
        Required: the source of randomness, for example ``np.random.default_rng(0)``. There is
        no default, so every draw in the course is reproducible from a seed.

    Returns
    -------
    idx : numpy.ndarray of int, shape (N,)
        The drawn letter index of each sequence, in [0, V).

    Notes
    -----
    .. math:: \mathrm{idx}_n \sim \mathrm{Categorical}\big(\mathrm{softmax}(s_n / \tau)\big)

    One uniform number u per sequence picks the letter whose slice of the cumulative
    distribution contains it (inverse-CDF sampling): letter k when
    :math:`\sum_{c<k} p_c \le u < \sum_{c \le k} p_c`, which happens with probability p_k.
    """
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator, for example np.random.default_rng(0); "
                         f"got {type(rng).__name__}")
    s = as_array("s", s, ("N", "V"))
    N = s.shape[0]
    if _check_temperature(temperature) == 0.0:
        return np.argmax(s, axis=1)  # (N,)  greedy
    p = next_letter_distribution(s, temperature)  # (N, V)
    cdf = np.cumsum(p, axis=1)  # (N, V)  cdf[:, k] = p_0 + ... + p_k
    cdf = cdf / cdf[:, -1:]  # (N, V)  last entry exactly 1, whatever the rounding
    u = rng.random((N, 1))  # (N, 1)  uniform in [0, 1)
    return (u >= cdf).sum(axis=1)  # (N,)  number of letters whose cumulative probability is <= u
