r"""Trained RNN against trained LSTM: the cell state as a gradient highway, and what the sweep says.

Notebook 06 compares the two cells *after training*, on the same task and under the same
conditions. This module holds the numbers behind it (numpy only):

* the per-step norms of a trained :class:`~rnnlib.model.SequenceClassifier`'s gradients
  (:func:`gradient_norms`, from
  :func:`rnnlib.lessons.unrolled_many_to_one.classifier_step_gradients`, a loop over
  :func:`rnnlib.rnn.rnn_step_backward` / :func:`rnnlib.lstm.lstm_step_backward` from the last
  step backwards) and a batch summary (:func:`norm_profile`);
* the highway alone: how much of :math:`\partial L / \partial c_t` survives k steps when only the
  pointwise product with the forget gates carries it (:func:`forget_products`,
  :func:`highway_ratio`, :func:`highway_gradient`), and that prediction against the measured
  gradient of a trained model (:func:`highway_check`, :func:`highway_table`);
* training the notebook's models: one run of the lag sweep with its model kept
  (:func:`train_memory_model`) and an RNN/LSTM pair on the word-sentiment data
  (:func:`train_word_models`, :func:`word_internals`).

The committed lag sweep is reported by notebook 04's functions (the table, the sentences and the
conditions: :mod:`rnnlib.lessons.vanishing_gradient`), which notebook 06 imports.

The recursion behind the highway (steps ``t = 1..T``, ``[:, t-1]`` holds step t, loss at the last
step)::

    dL/dh_t = dL/dh_t|direct + dL/da_{t+1} @ Wh.T                     # (N, H)
    dL/dc_t = dL/dc_{t+1} * f_{t+1} + dL/dh_t * o_t * (1 - tanh(c_t)**2)   # (N, H)

The first term of ``dL/dc_t`` is only a pointwise product with the forget gate: no ``Wh`` and
no squashing derivative, so with ``f`` near 1 the error signal crosses many steps.
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import numpy as np

from .._validate import as_array, check_dim
from ..activations import sigmoid
from ..data import encode_words, one_hot_word, split_by_family, split_random, word_sentiment_data
from ..model import SequenceClassifier
from ..train import train
from .unrolled_many_to_one import StepGradients, classifier_step_gradients
from .vanishing_gradient import chrono_biases, train_memory_run

__all__ = [
    "gradient_norms",
    "norm_profile",
    "gradient_reach",
    "saturated_fraction",
    "GradientReport",
    "gradient_report",
    "report_table",
    "forget_products",
    "highway_ratio",
    "HighwayCheck",
    "highway_check",
    "highway_table",
    "highway_gradient",
    "MemoryRun",
    "train_memory_model",
    "initial_memory_model",
    "gate_table",
    "guess_feedback",
    "WordModels",
    "train_word_models",
    "word_internals",
    "cell_state_limit",
]


# --------------------------------------------------------------------------------------------
# Per-step gradients
# --------------------------------------------------------------------------------------------


def gradient_norms(grads, lengths=None, relative=True):
    r"""Per-step norms :math:`\lVert \partial L/\partial h_t \rVert` (and :math:`c_t`) of each sequence.

    Parameters
    ----------
    grads : StepGradients
        From :func:`rnnlib.lessons.unrolled_many_to_one.classifier_step_gradients` (or
        :func:`~rnnlib.lessons.unrolled_many_to_one.step_gradients`).
    lengths : array_like of int, shape (N,), optional
        True lengths; the reference step of sequence n is its last, t = ``lengths[n]`` (default T).
    relative : bool
        Divide every norm of sequence n by :math:`\lVert \partial L/\partial h \rVert` at its last
        step, so a curve reads "fraction of the error signal at the output that reaches step t".

    Returns
    -------
    dict of str to numpy.ndarray
        ``"h"`` (N, T) and, for an LSTM, ``"c"`` (N, T).

    Notes
    -----
    .. math:: n_t = \lVert \partial L / \partial h_t \rVert_2 \,/\, \lVert \partial L / \partial h_T \rVert_2
    """
    if not isinstance(grads, StepGradients):
        raise ValueError(f"grads must be a StepGradients; got {type(grads).__name__}")
    N, T, _ = grads.dh.shape
    norms = {"h": np.linalg.norm(grads.dh, axis=2)}  # (N, T)
    if grads.dc is not None:
        norms["c"] = np.linalg.norm(grads.dc, axis=2)  # (N, T)
    if not relative:
        return norms
    last = np.full(N, T - 1) if lengths is None else np.asarray(lengths) - 1  # (N,)  index of each last step
    if last.shape != (N,) or np.any(last < 0) or np.any(last >= T):
        raise ValueError(f"lengths must be {N} integers between 1 and T={T}; got {lengths!r}")
    reference = norms["h"][np.arange(N), last]  # (N,)
    if np.any(reference == 0):
        bad = np.flatnonzero(reference == 0)[:5].tolist()
        raise ValueError(f"grads has a zero gradient at the last step of sequences {bad}; a relative "
                         "norm needs a non-zero reference (use relative=False)")
    return {name: n / reference[:, None] for name, n in norms.items()}


def norm_profile(norms, quantiles=(0.25, 0.75)):
    """Median and a quantile band of per-step norms across a batch.

    Parameters
    ----------
    norms : array_like, shape (N, T)
        From :func:`gradient_norms`.
    quantiles : tuple of two floats
        Lower and upper quantile of the band.

    Returns
    -------
    median, lower, upper : numpy.ndarray, shape (T,) each
    """
    norms = as_array("norms", norms, ("N", "T"))
    lo, hi = quantiles
    if not 0 <= lo <= 0.5 <= hi <= 1:
        raise ValueError(f"quantiles must be (lower, upper) with 0 <= lower <= 0.5 <= upper <= 1; got {quantiles!r}")
    median = np.median(norms, axis=0)  # (T,)
    lower, upper = np.quantile(norms, [lo, hi], axis=0)  # (T,) each
    return median, lower, upper


def gradient_reach(norms, step=1):
    r"""Median over the batch of the norm at step t = ``step`` divided by the norm at the last step.

    Parameters
    ----------
    norms : array_like, shape (N, T)
        Per-sequence, per-step norms (one path: ``"h"`` or ``"c"`` of :func:`gradient_norms`);
        ``norms[:, t-1]`` belongs to step t.
    step : int
        The step t reached, 1..T (1: the first step, where the memory task's signal is).

    Returns
    -------
    float

    Notes
    -----
    .. math:: \operatorname{median}_n \; n_{n,\,t} \,/\, n_{n,\,T}
    """
    norms = as_array("norms", norms, ("N", "T"))
    T = norms.shape[1]
    if not isinstance(step, (int, np.integer)) or not 1 <= step <= T:
        raise ValueError(f"step must be a step t between 1 and T={T}; got {step!r}")
    last = norms[:, -1]  # (N,)  step T
    if np.any(last == 0):
        raise ValueError("norms has zeros at the last step; the reach is undefined")
    return float(np.median(norms[:, step - 1] / last))


def saturated_fraction(model, x, threshold=0.99):
    r"""Fraction of hidden values with :math:`|h_t| > threshold` after the first step.

    Saturated tanh units hold a value (a memory) but pass almost no gradient
    (:math:`\tanh' = 1 - h^2 \approx 0`).

    Parameters
    ----------
    model : SequenceClassifier
    x : array_like, shape (N, T, D)
    threshold : float
        In (0, 1).

    Returns
    -------
    float
    """
    if not isinstance(model, SequenceClassifier):
        raise ValueError(f"model must be a SequenceClassifier; got {type(model).__name__}")
    if not 0 < threshold < 1:
        raise ValueError(f"threshold must be in (0, 1); got {threshold!r}")
    hs = model.internals(x)["h"]  # (N, T, H)
    later = hs[:, 1:] if hs.shape[1] > 1 else hs
    return float(np.mean(np.abs(later) > threshold))


class GradientReport(NamedTuple):
    """Per-step gradient norms of one trained model, with the numbers the notebook prints."""

    label: str
    cell: str
    accuracy: float  # test accuracy of the model
    norms: dict  # "h" (and "c"): (N, T) norms relative to ||dL/dh|| at the last step
    reach_h: float  # median ||dL/dh_1|| / ||dL/dh_T||
    reach_c: float | None  # median ||dL/dc_1|| / ||dL/dc_T|| (LSTM)
    saturated: float  # fraction of |h_t| > 0.99 after step 1


def gradient_report(label, run, n=256):
    """Per-step gradients of a trained memory-task model on its first ``n`` test sequences.

    Parameters
    ----------
    label : str
    run : MemoryRun
        From :func:`train_memory_model`.
    n : int
        Number of test sequences used.

    Returns
    -------
    GradientReport
    """
    if not isinstance(run, MemoryRun):
        raise ValueError(f"run must be a MemoryRun from train_memory_model; got {type(run).__name__}")
    n = check_dim("n", n)
    x, y = run.x_test[:n], run.y_test[:n]
    norms = gradient_norms(classifier_step_gradients(run.model, x, y))
    reach_c = gradient_reach(norms["c"]) if "c" in norms else None
    return GradientReport(label, run.model.cell, float(run.accuracy), norms, gradient_reach(norms["h"]), reach_c,
                          saturated_fraction(run.model, x))


def report_table(reports):
    """The gradient reports as a fixed-width table (one row per model).

    Columns: test accuracy; how much of the gradient at the last step, t = T, reaches the first
    step, t = 1, along h and along c; the fraction of saturated hidden values.
    """
    reports = list(reports)
    if not reports or not all(isinstance(r, GradientReport) for r in reports):
        raise ValueError("reports must be a non-empty sequence of GradientReport")
    width = max(len(r.label) for r in reports)
    head = (f"{'model':<{width}s}  {'test acc':>8s}  {'h: t=1 / T':>10s}  {'c: t=1 / T':>10s}  "
            f"{'|h| > 0.99':>10s}")
    lines = [head]
    for r in reports:
        c = "-" if r.reach_c is None else f"{r.reach_c:.2g}"
        lines.append(f"{r.label:<{width}s}  {r.accuracy:8.3f}  {r.reach_h:10.2g}  {c:>10s}  {r.saturated:10.0%}")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# The highway alone
# --------------------------------------------------------------------------------------------


def forget_products(f, k):
    r"""Per-unit product of the forget gates crossed going back k steps from the last step.

    Parameters
    ----------
    f : array_like, shape (N, T, H)
        Forget gates of every step (``f[:, t-1]`` is :math:`f_t`), for example
        ``model.internals(x)["f"]``.
    k : int
        Steps back from the last step, 0..T-1 (the memory task's lag is T - 1).

    Returns
    -------
    numpy.ndarray, shape (N, H)
        :math:`\prod_{t=T-k+1}^{T} f_t` per sequence and unit (ones for k = 0).

    Notes
    -----
    Going back from :math:`c_T` to :math:`c_{T-k}` along the cell state alone crosses the gates
    :math:`f_T, f_{T-1}, \dots, f_{T-k+1}`:

    .. math::
        \frac{\partial L}{\partial c_{T-k}}\Big|_{\text{highway}} = \frac{\partial L}{\partial c_T}
        \odot \prod_{t=T-k+1}^{T} f_t

    With every gate equal to one value f this is :math:`f^k`.
    """
    f = as_array("f", f, ("N", "T", "H"))
    N, T, H = f.shape
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 0 <= k <= T - 1:
        raise ValueError(f"k must be an int between 0 and T-1={T - 1} (steps back from the last step); got {k!r}")
    return np.prod(f[:, T - k:], axis=1)  # (N, H)  f_{T-k+1} ... f_T, indices T-k .. T-1


def highway_ratio(dc_last, f, k):
    r"""How much of :math:`\partial L/\partial c_T` the forget gates alone leave at step T - k (a norm ratio).

    Parameters
    ----------
    dc_last : array_like, shape (N, H)
        :math:`\partial L/\partial c_T`, where the error signal enters the cell state.
    f : array_like, shape (N, T, H)
        Forget gates of every step (``f[:, t-1]`` is :math:`f_t`).
    k : int
        Steps back, 0..T-1.

    Returns
    -------
    numpy.ndarray, shape (N,)
        One ratio per sequence.

    Notes
    -----
    .. math::
        r = \frac{\lVert \partial L/\partial c_T \odot \prod_{t=T-k+1}^{T} f_t \rVert}
                 {\lVert \partial L/\partial c_T \rVert}

    Each unit keeps its own product; the norm weighs the units by the gradient that entered them,
    so the units with the largest products dominate.
    """
    dims = {}
    dc_last = as_array("dc_last", dc_last, ("N", "H"), dims)
    f = as_array("f", f, ("N", "T", "H"), dims)
    products = forget_products(f, k)  # (N, H)
    entered = np.linalg.norm(dc_last, axis=1)  # (N,)
    if np.any(entered == 0):
        raise ValueError("dc_last has a zero row: the ratio of a sequence with no gradient is undefined")
    return np.linalg.norm(dc_last * products, axis=1) / entered  # (N,)


class HighwayCheck(NamedTuple):
    """Prediction against measurement for one LSTM: how much cell-state gradient survives k steps.

    Medians are over the test sequences; ``products`` keeps every sequence and unit.
    """

    label: str
    k: int
    mean_gate: float  # mean forget gate over the crossed steps, units and sequences
    mean_power: float  # mean_gate ** k: one gate for every unit and step
    products: np.ndarray  # (N, H)  per-unit products of the crossed gates
    median_product: float  # median over sequences and units of products
    top_share: float  # median share of the largest unit in ||dc_T * products||**2
    predicted: float  # median highway_ratio: the forget gates alone
    measured: float  # median ||dL/dc_{T-k}|| / ||dL/dc_T||, the full backward pass
    other_path: float  # median ||dL/dc_{T-k} - highway part|| / ||dL/dc_T||: re-entered through h


def highway_check(label, model, x, y, k=None):
    r"""Predict the cell-state gradient ratio over k steps from a model's own forget gates; measure it.

    Parameters
    ----------
    label : str
    model : SequenceClassifier
        An LSTM with one output (trained or not).
    x : array_like, shape (N, T, D)
    y : array_like of int, shape (N,)
    k : int, optional
        Steps back from the last step (default T - 1: from the last step to the first, the memory
        task's lag).

    Returns
    -------
    HighwayCheck

    Notes
    -----
    The measured :math:`\partial L/\partial c_{T-k}` is the full gradient of each sequence's own
    loss (:func:`~rnnlib.lessons.unrolled_many_to_one.classifier_step_gradients`): the highway part
    :math:`\partial L/\partial c_T \odot \prod f` plus what entered the cell state at the later
    steps through :math:`\partial L/\partial h_t \odot o_t \odot (1 - \tanh^2 c_t)`
    (``other_path``).
    """
    if not isinstance(model, SequenceClassifier) or model.cell != "lstm":
        raise ValueError(f"model must be an LSTM SequenceClassifier; got {model!r}")
    grads = classifier_step_gradients(model, x, y)
    f = model.internals(x)["f"]  # (N, T, H)
    N, T, H = f.shape
    k = T - 1 if k is None else k
    products = forget_products(f, k)  # (N, H)
    dc_last = grads.dc[:, T - 1]  # (N, H)  step T
    entered = np.linalg.norm(dc_last, axis=1)  # (N,)
    highway = dc_last * products  # (N, H)  the highway part of dL/dc_{T-k}
    measured = grads.dc[:, T - 1 - k]  # (N, H)  step T-k
    squares = highway**2  # (N, H)
    crossed = f[:, T - k:]  # (N, k, H)
    mean_gate = float(crossed.mean()) if k > 0 else float("nan")
    return HighwayCheck(
        label=label, k=int(k), mean_gate=mean_gate, mean_power=mean_gate**k if k > 0 else 1.0, products=products,
        median_product=float(np.median(products)),
        top_share=float(np.median(squares.max(axis=1) / squares.sum(axis=1))),
        predicted=float(np.median(highway_ratio(dc_last, f, k))),
        measured=float(np.median(np.linalg.norm(measured, axis=1) / entered)),
        other_path=float(np.median(np.linalg.norm(measured - highway, axis=1) / entered)),
    )


def highway_table(checks):
    """The highway checks as a fixed-width table, one row per model.

    Columns: the mean forget gate; mean gate ** k; the median per-unit product; the largest unit's
    share of the predicted norm; the prediction from the gates; the measurement; what re-entered
    through h.
    """
    checks = list(checks)
    if not checks or not all(isinstance(c, HighwayCheck) for c in checks):
        raise ValueError("checks must be a non-empty sequence of HighwayCheck")
    width = max(len(c.label) for c in checks)
    k = checks[0].k
    head = (f"{'model':<{width}s}  {'mean f':>6s}  {f'(mean f)^{k}':>11s}  {'unit products':>13s}  "
            f"{'top unit':>8s}  {'predicted':>9s}  {'measured':>9s}  {'via h':>8s}")
    lines = [head]
    for c in checks:
        lines.append(f"{c.label:<{width}s}  {c.mean_gate:6.3f}  {c.mean_power:11.2e}  {c.median_product:13.2e}  "
                     f"{c.top_share:8.0%}  {c.predicted:9.2e}  {c.measured:9.2e}  {c.other_path:8.2e}")
    return "\n".join(lines)


def highway_gradient(dc_last, f):
    r"""The cell-state gradient of every step carried by the highway alone.

    Parameters
    ----------
    dc_last : array_like, shape (N, H)
        :math:`\partial L / \partial c_T` at the last step.
    f : array_like, shape (N, T, H)
        Forget gates of every step (``f[:, t-1]`` is :math:`f_t`, from
        :meth:`SequenceClassifier.internals` or :func:`rnnlib.lstm.lstm_internals`).

    Returns
    -------
    numpy.ndarray, shape (N, T, H)
        ``dc[:, t-1]`` is :math:`\partial L / \partial c_t`: ``dc[:, T-1] = dc_last`` (step T)
        and ``dc[:, t-1] = dc[:, t] * f[:, t]`` (step t from step t+1, across :math:`f_{t+1}`).

    Notes
    -----
    .. math::
        \frac{\partial L}{\partial c_t} = \frac{\partial L}{\partial c_{t+1}} \odot f_{t+1}

    This is the whole of :math:`\partial L/\partial c_t` when no gradient enters through the
    hidden states of earlier steps (for example with :math:`W_h = 0`); otherwise it is the part
    that travelled along the cell state only.
    """
    dims = {}
    dc_last = as_array("dc_last", dc_last, ("N", "H"), dims)
    f = as_array("f", f, ("N", "T", "H"), dims)
    N, T, H = f.shape
    dc = np.empty((N, T, H), dtype=np.result_type(dc_last, f))  # (N, T, H)
    dc[:, T - 1] = dc_last  # step T
    for t in range(T - 1, 0, -1):  # t = T-1, ..., 1
        dc[:, t - 1] = dc[:, t] * f[:, t]  # (N, H)  dL/dc_t = dL/dc_{t+1} * f_{t+1}
    return dc


# --------------------------------------------------------------------------------------------
# Training the notebook's models
# --------------------------------------------------------------------------------------------


class MemoryRun(NamedTuple):
    """One trained model of the memory task with its test data and accuracy."""

    model: SequenceClassifier
    accuracy: float
    history: object  # rnnlib.train.History
    x_test: np.ndarray  # (n_test, lag + 1, n_features)
    y_test: np.ndarray  # (n_test,)


def train_memory_model(config, lag, seed, steps=None, n_test=1000, n_features=8):
    """One run of the lag sweep with the trained model kept.

    Parameters
    ----------
    config : rnnlib.lessons.vanishing_gradient.RunConfig
    lag : int
        Distractor steps between the signal (step 1) and the end (sequence length T = lag + 1).
    seed : int
    steps : int, optional
        Override the configuration's number of optimiser steps (a smaller budget).
    n_test, n_features : int

    Returns
    -------
    MemoryRun
        With ``steps=None`` the model and accuracy are exactly those of
        :func:`rnnlib.lessons.vanishing_gradient.run_memory_task` (same seeds, same data).
    """
    if not dataclasses.is_dataclass(config) or not hasattr(config, "cell"):
        raise ValueError(f"config must be a rnnlib.lessons.vanishing_gradient.RunConfig; got {type(config).__name__}")
    if steps is not None:
        config = dataclasses.replace(config, steps=check_dim("steps", steps))
    model, history, x_test, y_test = train_memory_run(config, lag, seed, n_test, n_features)
    accuracy = 0.5 if history.diverged else model.accuracy(x_test, y_test)
    return MemoryRun(model, accuracy, history, x_test, y_test)


def initial_memory_model(config, seed, n_features=8):
    """The model a run of the lag sweep starts from, before its first training step.

    Parameters
    ----------
    config : rnnlib.lessons.vanishing_gradient.RunConfig
    seed : int
    n_features : int

    Returns
    -------
    SequenceClassifier
        Built as :func:`rnnlib.lessons.vanishing_gradient.train_memory_run` builds it: the same
        seed, initialisation, forget bias and (LSTM) chrono biases.
    """
    if not dataclasses.is_dataclass(config) or not hasattr(config, "cell"):
        raise ValueError(f"config must be a rnnlib.lessons.vanishing_gradient.RunConfig; got {type(config).__name__}")
    model = SequenceClassifier(check_dim("n_features", n_features), config.hidden_size, cell=config.cell, seed=seed,
                               init=config.init, forget_bias=config.forget_bias)
    if config.chrono:
        model.params["b"] = chrono_biases(model.params["b"], config.hidden_size, config.chrono, seed=30_000 + seed)
    return model


def gate_table(models, x):
    r"""Mean input and forget gates of LSTMs on a batch, one line per model.

    Parameters
    ----------
    models : dict of str to SequenceClassifier
        Label -> LSTM.
    x : array_like, shape (N, T, D)

    Returns
    -------
    str
        Columns: the mean input gate at t = 1 (where the memory task's signal is written into
        :math:`c_1 = i_1 \odot g_1`), and the mean forget gate over all sequences, steps and units.
    """
    if not models or not all(isinstance(m, SequenceClassifier) and m.cell == "lstm" for m in models.values()):
        raise ValueError("models must be a non-empty dict of LSTM SequenceClassifiers")
    width = max(len(label) for label in models)
    lines = [f"{'model':<{width}s}  {'mean i at t=1':>13s}  {'mean f':>6s}"]
    for label, model in models.items():
        gates = model.internals(x)
        lines.append(f"{label:<{width}s}  {gates['i'][:, 0].mean():13.3f}  {gates['f'].mean():6.3f}")
    return "\n".join(lines)


def guess_feedback(guess, measured, reference):
    """Compare a learner's guess of a ratio with the measurement and with a first-guess reference.

    Parameters
    ----------
    guess, measured, reference : float > 0

    Returns
    -------
    str
        Each value, and by what factor the guess and the reference miss the measurement.
    """
    values = {"guess": guess, "measured": measured, "reference": reference}
    for name, v in values.items():
        if not isinstance(v, (int, float, np.floating)) or not np.isfinite(v) or v <= 0:
            raise ValueError(f"{name} must be a positive number; got {v!r}")

    def factor(a):
        r = a / measured
        return "equal to it" if np.isclose(r, 1.0, rtol=0.05) else (
            f"{1 / r:.3g} times below it" if r < 1 else f"{r:.3g} times above it")

    return (f"measured {measured:.2e}; your guess {guess:.2e} is {factor(guess)}; "
            f"the first guess {reference:.2e} is {factor(reference)}.")


class WordModels(NamedTuple):
    """An RNN and an LSTM trained on the same split of the word-sentiment data."""

    models: dict  # {"rnn": SequenceClassifier, "lstm": SequenceClassifier}
    test_accuracy: dict  # {"rnn": float, "lstm": float}
    train_accuracy: dict  # {"rnn": float, "lstm": float}
    majority_accuracy: float  # test accuracy of always answering the training set's majority class
    split_of: dict  # word -> "train", "validation" or "test"
    valence: dict  # word -> mean human valence (-4 .. +4)


def train_word_models(split="family", hidden_size=32, epochs=5, batch_size=64, optimizer="adam", lr=1e-2,
                      clip=1.0, seed=0):
    """Train an RNN and an LSTM on the same split, with the same budget and optimiser.

    Parameters
    ----------
    split : {"family", "random"}
        :func:`rnnlib.data.split_by_family` (no word family on both sides) or
        :func:`rnnlib.data.split_random`.
    hidden_size, epochs, batch_size : int
    optimizer : {"adam", "sgd"}
    lr, clip : float
    seed : int
        Seeds the split, the weights and the shuffling.

    Returns
    -------
    WordModels
    """
    splitters = {"family": split_by_family, "random": split_random}
    if split not in splitters:
        raise ValueError(f"split must be one of {sorted(splitters)}; got {split!r}")
    data = word_sentiment_data()
    parts = dict(zip(("train", "validation", "test"), splitters[split](data, seed=seed)))
    x, y, lengths = parts["train"].encode()
    x_test, y_test, lengths_test = parts["test"].encode()
    models, accuracy, fit = {}, {}, {}
    for cell in ("rnn", "lstm"):
        model = SequenceClassifier(x.shape[2], hidden_size, cell=cell, seed=seed)
        train(model, x, y, lengths=lengths, epochs=epochs, batch_size=batch_size, optimizer=optimizer, lr=lr,
              clip=clip, seed=seed)
        models[cell] = model
        accuracy[cell] = model.accuracy(x_test, y_test, lengths_test)
        fit[cell] = model.accuracy(x, y, lengths)
    majority = int(np.mean(y) >= 0.5)
    split_of = {w: name for name, part in parts.items() for w in part.words}
    valence = dict(zip(data.words, data.valence.tolist()))
    return WordModels(models, accuracy, fit, float(np.mean(y_test == majority)), split_of, valence)


def word_internals(model, word):
    r"""What a model computes letter by letter on one word, and its P(positive).

    Parameters
    ----------
    model : SequenceClassifier
        Trained on one-hot letters (26 features), one logit.
    word : str
        Lower-case letters a-z (see :func:`rnnlib.data.check_word`).

    Returns
    -------
    states : dict of str to numpy.ndarray, each (T, H)
        ``"h"`` for an RNN; ``"h"``, ``"c"``, ``"i"``, ``"f"``, ``"g"``, ``"o"`` for an LSTM; row
        t-1 is step t, the letter ``word[t-1]``.
    p_positive : float
        :math:`\sigma(s)` with the score :math:`s = h_T W_y + b_y`.
    """
    if not isinstance(model, SequenceClassifier) or model.input_size != 26 or model.n_classes != 1:
        raise ValueError("model must be a SequenceClassifier on one-hot letters (input_size=26, n_classes=1)")
    x = one_hot_word(word)[None]  # (1, T, 26)
    states = {name: value[0] for name, value in model.internals(x).items()}  # (T, H) each
    s = states["h"][-1] @ model.params["Wy"] + model.params["by"]  # (1,)  the score s = h_T W_y + b_y
    return states, float(sigmoid(s[0]))


def cell_state_limit(model, words, quantile=0.99, step=0.5):
    """A colour range for the cell state: a high quantile of :math:`|c_t|` over many words.

    Parameters
    ----------
    model : SequenceClassifier
        An LSTM on one-hot letters.
    words : sequence of str
        Lower-case a-z words (for example the lexicon).
    quantile : float
        In (0, 1].
    step : float
        The result is rounded up to a multiple of ``step`` and is at least 1.

    Returns
    -------
    float
    """
    if not isinstance(model, SequenceClassifier) or model.cell != "lstm" or model.input_size != 26:
        raise ValueError("model must be an LSTM SequenceClassifier on one-hot letters (input_size=26)")
    if not 0 < quantile <= 1:
        raise ValueError(f"quantile must be in (0, 1]; got {quantile!r}")
    x, lengths = encode_words(words)  # (N, T, 26)
    cs = model.internals(x)["c"]  # (N, T, H)
    real = np.arange(x.shape[1])[None, :] < lengths[:, None]  # (N, T)  not padding
    value = float(np.quantile(np.abs(cs[real]), quantile))
    return max(1.0, float(np.ceil(value / step) * step))
