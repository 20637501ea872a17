r"""Vanishing and exploding gradients: measured step by step, bounded, and summarised.

Backpropagation through time carries the error signal from the last step back to the first. With
the notation card's convention (row vectors, weights multiply from the right, steps ``t = 1..T``,
``hs[:, t-1]`` is :math:`h_t`, :math:`h_0` the initial state)::

    a_t = x_t @ Wx + h_{t-1} @ Wh + b                    # (N, H)
    h_t = phi(a_t)                                       # (N, H)
    dL/dh_{t-1} = (dL/dh_t * phi'(a_t)) @ Wh.T           # (N, H)   one Jacobian per step

so the gradient reaching step ``t`` from a loss at the last step ``T`` is a product of ``T-t``
Jacobians ``diag(phi'(a_s)) Wh^T``. Its norm is at most

    ||dL/dh_t|| <= ||dL/dh_T|| * (max|phi'| * sigma_max(Wh)) ** (T-t)

which shrinks geometrically when the factor is below one (vanishing) and may grow when it is
above one (exploding; the bound only *allows* growth, saturation can still shrink the product).

What is here (numpy only):

* a plain RNN with any activation of :data:`rnnlib.activations.ACTIVATIONS`
  (:func:`activation_rnn_forward`), whose per-step gradients come from notebook 03's
  :func:`rnnlib.lessons.unrolled_many_to_one.step_gradients` (the course's one per-step BPTT);
* the analytic bound (:func:`gradient_bound`) and the "gradient microscope" computation behind the
  notebook's explorer (:func:`microscope`): per-step ``||dL/dh_t||`` of an RNN and
  ``||dL/dh_t||``, ``||dL/dc_t||`` of an LSTM on the same input;
* the error signal at initialisation, ``||dL/dx_1|| / ||dL/dx_T||`` against the lag
  (:func:`input_gradient_norms`, :func:`gradient_ratio`, :func:`ratio_vs_lag`);
* exploding gradients and clipping on a training run (:func:`clipping_runs`);
* the committed lag sweep reported once, for notebooks 04 and 06: a table (:func:`sweep_table`,
  :func:`sweep_cell`), sentences generated from its numbers (:func:`reliable_up_to`,
  :func:`chance_from`, :func:`describe_config`, :func:`claim_verdict`) and its conditions
  (:func:`conditions_table`).

The lag sweep, accuracy against lag on the memory task, is the experiment behind notebooks 04 and 06
and lives here too (:func:`lag_sweep`, :func:`load_sweep`):

One *run* trains a fresh model on the memory task (:func:`rnnlib.data.memory_task`) with a given
cell, optimiser and initialisation, then measures accuracy on held-out sequences. A *sweep* runs
every configuration at every lag for several seeds. ``experiments/lag_sweep.py`` runs the full
sweep and writes ``rnnlib/results/lag_sweep.json`` (shipped inside the package, so an installed
course finds it), which the notebooks plot.
"""

from __future__ import annotations

import importlib.resources
import json
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from .._validate import as_array, as_arrays, check_dim
from ..activations import ACTIVATIONS
from ..data import memory_task
from ..lstm import lstm_forward
from ..model import SequenceClassifier, init_recurrent
from ..rnn import RNNCache, rnn_forward
from ..train import Callback, progress_bar, train
from .unrolled_many_to_one import classifier_step_gradients, step_gradients

__all__ = [
    "RunConfig", "CONFIGS", "chrono_biases", "steps_to_solve", "train_memory_run", "run_memory_task", "lag_sweep",
    "summarise", "save_sweep", "load_sweep",
    "MAX_DERIVATIVE",
    "activation_rnn_forward",
    "gradient_bound",
    "recurrent_matrix",
    "MicroscopeResult",
    "microscope",
    "input_gradient_norms",
    "gradient_ratio",
    "INIT_CONFIGS",
    "ratio_vs_lag",
    "lstm_decay_per_step",
    "clipping_runs",
    "clipping_summary",
    "TrainingTrace",
    "trace_training",
    "RunProbe",
    "memory_run_probe",
    "ratio_table",
    "reliable_up_to",
    "chance_from",
    "describe_config",
    "sweep_table",
    "sweep_cell",
    "steps_cell",
    "cell_comparison",
    "sweep_accuracy",
    "conditions_table",
    "claim_verdict",
    "rerun_record",
]

# Largest |phi'(a)| over all a: the per-step factor of the bound besides sigma_max(Wh).
MAX_DERIVATIVE = {"tanh": 1.0, "sigmoid": 0.25, "relu": 1.0, "identity": 1.0}


def _check_activation(activation):
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}; got {activation!r}")
    return activation


# --------------------------------------------------------------------------------------------
# A plain RNN with any activation
# --------------------------------------------------------------------------------------------


def activation_rnn_forward(x, h0, Wx, Wh, b, activation="tanh"):
    r"""The RNN of :func:`rnnlib.rnn.rnn_forward` with a chosen activation, and its derivatives.

    Parameters
    ----------
    x : array_like, shape (N, T, D)
    h0 : array_like, shape (N, H)
        The initial state :math:`h_0`.
    Wx : array_like, shape (D, H)
    Wh : array_like, shape (H, H)
    b : array_like, shape (H,)
    activation : {"tanh", "sigmoid", "relu", "identity"}
        A key of :data:`rnnlib.activations.ACTIVATIONS`.

    Returns
    -------
    hs : numpy.ndarray, shape (N, T, H)
        ``hs[:, t-1]`` is :math:`h_t`.
    cache : rnnlib.rnn.RNNCache
    fprime : numpy.ndarray, shape (N, T, H), or None
        :math:`\phi'(a_t)` at every step, for
        :func:`rnnlib.lessons.unrolled_many_to_one.step_gradients`; None for tanh (the library's
        own RNN, whose derivative the step function knows).

    Notes
    -----
    .. math:: h_t = f(x_t W_x + h_{t-1} W_h + b), \quad t = 1, \dots, T
    """
    _check_activation(activation)
    if activation == "tanh":
        return (*rnn_forward(x, h0, Wx, Wh, b), None)
    x, h0, Wx, Wh, b = as_arrays(("x", x, ("N", "T", "D")), ("h0", h0, ("N", "H")), ("Wx", Wx, ("D", "H")),
                                 ("Wh", Wh, ("H", "H")), ("b", b, ("H",)))  # as rnn_forward checks them
    f, derivative = ACTIVATIONS[activation]  # derivative(h_t, a_t) = f'(a_t)
    N, T, _ = x.shape
    xWx = x @ Wx + b  # (N, T, H)  the input projection of every step, before the loop
    hs, fprime = np.empty_like(xWx), np.empty_like(xWx)  # (N, T, H) each, [:, t-1] is step t
    h = h0  # (N, H)
    for t in range(1, T + 1):
        a = xWx[:, t - 1] + h @ Wh  # (N, H)  a_t = x_t Wx + h_{t-1} Wh + b
        h = f(a)  # (N, H)  h_t
        hs[:, t - 1], fprime[:, t - 1] = h, derivative(h, a)
    return hs, RNNCache(x, h0, Wx, Wh, hs), fprime


# --------------------------------------------------------------------------------------------
# The bound and the microscope
# --------------------------------------------------------------------------------------------


def gradient_bound(Wh, T, activation="tanh", start=1.0):
    r"""Upper bound of ``||dL/dh_t||`` for a loss at the last step of a T-step RNN.

    Parameters
    ----------
    Wh : array_like, shape (H, H)
    T : int
        Sequence length (steps t = 1..T).
    activation : {"tanh", "sigmoid", "relu", "identity"}
    start : float
        :math:`\lVert \partial L / \partial h_T \rVert`.

    Returns
    -------
    numpy.ndarray, shape (T,)
        ``bound[t-1] = start * (max|phi'| * sigma_max(Wh)) ** (T-t)`` for step t.

    Notes
    -----
    Each step multiplies the row vector by :math:`\mathrm{diag}(\phi'(a_s))` and then by
    :math:`W_h^\top`; their operator norms are at most :math:`\max|\phi'|` and
    :math:`\sigma_{\max}(W_h)`, so

    .. math::
        \Big\lVert \frac{\partial L}{\partial h_t} \Big\rVert \le
        \Big\lVert \frac{\partial L}{\partial h_T} \Big\rVert
        \big(\max|\phi'| \, \sigma_{\max}(W_h)\big)^{T-t}
    """
    _check_activation(activation)
    Wh = as_array("Wh", Wh, ("H", "H"))
    T = check_dim("T", T)
    sigma_max = np.linalg.norm(Wh, 2)  # largest singular value
    factor = MAX_DERIVATIVE[activation] * sigma_max
    return start * factor ** np.arange(T - 1, -1, -1, dtype=float)  # (T,)  [t-1]: factor ** (T-t)


def recurrent_matrix(H, radius, kind="orthogonal", seed=0, n_blocks=1):
    r"""A recurrent weight matrix with a chosen spectral radius.

    Parameters
    ----------
    H : int
    radius : float
        The spectral radius (largest :math:`|\lambda|`) of each (H, H) block, >= 0.
    kind : {"orthogonal", "random"}
        ``"orthogonal"``: ``radius`` times an orthogonal matrix, so every singular value equals
        ``radius`` (and the bound of :func:`gradient_bound` is tight for a linear RNN).
        ``"random"``: a Gaussian matrix rescaled to the spectral radius; its largest singular
        value is larger (about 1.5 times the radius for H = 16, tending to 2 for large H).
    seed : int
    n_blocks : int
        1 for an RNN (H, H); 4 for an LSTM (H, 4H), one block per gate.

    Returns
    -------
    numpy.ndarray, shape (H, n_blocks * H)
    """
    H = check_dim("H", H)
    n_blocks = check_dim("n_blocks", n_blocks)
    radius = float(radius)
    if not (np.isfinite(radius) and radius >= 0):
        raise ValueError(f"radius must be a finite number >= 0; got {radius!r}")
    if kind not in ("orthogonal", "random"):
        raise ValueError(f"kind must be 'orthogonal' or 'random'; got {kind!r}")
    rng = np.random.default_rng(seed)
    if kind == "orthogonal":
        return init_recurrent(rng, H, n_blocks, "orthogonal", scale=radius)  # (H, n_blocks * H)
    blocks = [rng.standard_normal((H, H)) for _ in range(n_blocks)]  # (H, H) each
    return np.concatenate([radius * G / np.max(np.abs(np.linalg.eigvals(G))) for G in blocks], axis=1)


@dataclass
class MicroscopeResult:
    """Per-step gradient norms of an RNN and an LSTM on the same input.

    Every array has shape (T,) and is the mean over the batch of the per-sequence norm at step t,
    at index t-1.
    """

    steps: np.ndarray  # (T,) the steps t = 1..T (the figures' time axis); array index t-1
    rnn_dh: np.ndarray  # (T,) ||dL/dh_t|| of the RNN
    bound: np.ndarray  # (T,) (max|phi'| sigma_max(Wh))^(T-t)
    lstm_dh: np.ndarray  # (T,) ||dL/dh_t|| of the LSTM
    lstm_dc: np.ndarray  # (T,) ||dL/dc_t|| of the LSTM
    sigma_max: float  # largest singular value of the RNN's Wh
    radius: float  # spectral radius of the RNN's Wh
    factor: float  # max|phi'| * sigma_max: the bound's per-step factor
    activation: str
    forget_bias: float

    @property
    def rnn_ratio(self):
        """||dL/dh_1|| / ||dL/dh_T|| of the RNN: the first step against the last."""
        return float(self.rnn_dh[0] / self.rnn_dh[-1])

    @property
    def lstm_ratio(self):
        """||dL/dc_1|| / ||dL/dc_T|| of the LSTM: the first step against the last."""
        return float(self.lstm_dc[0] / self.lstm_dc[-1])

    def table(self, every=5):
        """The curves at every ``every``-th step (counted back from the last, t = T) as a text table.

        The column headers are the steps t = 1..T (as the figures' time axis).
        """
        every = check_dim("every", every)
        T = len(self.steps)
        rows = [("RNN measured ||dL/dh_t||", self.rnn_dh), ("RNN bound", self.bound),
                ("LSTM ||dL/dh_t||", self.lstm_dh), ("LSTM ||dL/dc_t||", self.lstm_dc)]
        ts = np.arange(T, 0, -every)[::-1]  # steps t, ending at t = T
        lines = [f"{'step t':>24s}" + "".join(f"{t:>10d}" for t in ts)]
        lines += [f"{name:>24s}" + "".join(f"{v[t - 1]:>10.2e}" for t in ts) for name, v in rows]
        return "\n".join(lines)


def microscope(scale=0.9, T=40, activation="tanh", kind="orthogonal", forget_bias=1.0, hidden_size=16,
               batch_size=8, n_features=8, input_scale=1.0, seed=0):
    r"""Per-step gradient norms of an RNN and an LSTM on the same memory-task sequences.

    Parameters
    ----------
    scale : float
        Spectral radius of the RNN's :math:`W_h` and of each gate block of the LSTM's
        (see :func:`recurrent_matrix`).
    T : int
        Sequence length; the loss sits at the last step, t = T.
    activation : {"tanh", "sigmoid", "relu", "identity"}
        The RNN's activation (the LSTM keeps its sigmoid gates and tanh).
    kind : {"orthogonal", "random"}
    forget_bias : float
        Initial bias of the LSTM's forget gate.
    hidden_size, batch_size, n_features : int
    input_scale : float
        Input weights are ``input_scale * N(0, 1/D)``.
    seed : int

    Returns
    -------
    MicroscopeResult

    Notes
    -----
    The upstream gradient :math:`\partial L / \partial h_T` is a random unit vector per
    sequence (the same for both cells), so each curve starts at 1 at ``t = T`` and shows the
    factor by which the error signal has changed after travelling back to step t.
    """
    _check_activation(activation)
    T = check_dim("T", T)
    H = check_dim("hidden_size", hidden_size)
    N = check_dim("batch_size", batch_size)
    scale = float(scale)
    if not (np.isfinite(scale) and scale >= 0):
        raise ValueError(f"scale must be a finite number >= 0; got {scale!r}")
    rng = np.random.default_rng(seed)
    x, _ = memory_task(N, T - 1, n_features, seed=seed)  # (N, T, D)
    D = x.shape[2]
    h0 = np.zeros((N, H))
    dh_last = rng.standard_normal((N, H))
    dh_last /= np.linalg.norm(dh_last, axis=1, keepdims=True)  # unit norm per sequence
    # RNN
    Wx = input_scale * rng.standard_normal((D, H)) / np.sqrt(D)  # (D, H)
    Wh = recurrent_matrix(H, scale, kind, seed=seed)  # (H, H)
    b = np.zeros(H)
    dhs = np.zeros((N, T, H))
    dhs[:, T - 1] = dh_last  # (N, T, H)  the loss sits at the last step only
    _, cache, fprime = activation_rnn_forward(x, h0, Wx, Wh, b, activation)
    rnn_dh = np.linalg.norm(step_gradients(dhs, cache, fprime).dh, axis=2).mean(axis=0)  # (T,)
    sigma_max = float(np.linalg.norm(Wh, 2))
    radius = float(np.max(np.abs(np.linalg.eigvals(Wh)))) if H else 0.0
    # LSTM on the same input
    Wx4 = input_scale * rng.standard_normal((D, 4 * H)) / np.sqrt(D)  # (D, 4H)
    Wh4 = recurrent_matrix(H, scale, kind, seed=seed + 1, n_blocks=4)  # (H, 4H)
    b4 = np.zeros(4 * H)
    b4[H:2 * H] = forget_bias  # gate order i, f, g, o
    flow = step_gradients(dhs, lstm_forward(x, h0, Wx4, Wh4, b4)[1])
    lstm_dh = np.linalg.norm(flow.dh, axis=2).mean(axis=0)  # (T,)
    lstm_dc = np.linalg.norm(flow.dc, axis=2).mean(axis=0)  # (T,)
    factor = MAX_DERIVATIVE[activation] * sigma_max
    bound = factor ** np.arange(T - 1, -1, -1, dtype=float)  # (T,) start 1: unit dh_last
    return MicroscopeResult(np.arange(1, T + 1), rnn_dh, bound, lstm_dh, lstm_dc, sigma_max, radius, factor,
                            activation, float(forget_bias))


# --------------------------------------------------------------------------------------------
# The error signal at initialisation, against the lag
# --------------------------------------------------------------------------------------------


def input_gradient_norms(model, x, y):
    r"""``||dL_n/dx_{n,t}||`` for every sequence n and step t of a many-to-one model.

    Parameters
    ----------
    model : rnnlib.model.SequenceClassifier
        Binary (``n_classes=1``), any cell.
    x : array_like, shape (N, T, D)
    y : array_like of int, shape (N,)

    Returns
    -------
    numpy.ndarray, shape (N, T)
        Norm of the gradient of sequence n's own loss with respect to its input at step t.

    Notes
    -----
    :math:`L_n = \log(1 + e^{s_n}) - y_n s_n` with the score :math:`s_n = h_{n,T} W_y + b_y`. The batch
    loss of :func:`rnnlib.losses.binary_logistic_loss` is the mean of the :math:`L_n`, so its
    gradient is multiplied by N here.
    """
    if model.n_classes != 1:
        raise ValueError(f"model must be a binary classifier (n_classes=1); got n_classes={model.n_classes}")
    x = as_array("x", x, ("N", "T", model.input_size))
    N, T, _ = x.shape
    y = np.asarray(y)
    if y.shape != (N,):
        raise ValueError(f"y must have shape ({N},) (one label per sequence in x); got shape {y.shape}")
    dx = classifier_step_gradients(model, x, y).dx  # (N, T, D)  of each sequence's own loss
    return np.linalg.norm(dx, axis=2)  # (N, T)


def gradient_ratio(model, x, y):
    r"""How much of the error signal reaches the first input: ``||dL/dx_1|| / ||dL/dx_T||``.

    Parameters
    ----------
    model : rnnlib.model.SequenceClassifier
    x : array_like, shape (N, T, D)
    y : array_like of int, shape (N,)

    Returns
    -------
    float
        The geometric mean over the batch of the per-sequence ratio
        :math:`r_n = \lVert \partial L_n / \partial x_{n,1} \rVert \,/\,
        \lVert \partial L_n / \partial x_{n,T} \rVert` (see :func:`input_gradient_norms`).

    Notes
    -----
    Step 1 holds the signal of the memory task; step T is the last step, next to the loss. The
    geometric mean is the average of :math:`\log r_n`, the natural average of a quantity that
    varies over orders of magnitude.
    """
    norms = input_gradient_norms(model, x, y)  # (N, T)
    ratios = norms[:, 0] / np.maximum(norms[:, -1], 1e-300)  # (N,)  step 1 over step T
    return float(np.exp(np.mean(np.log(np.maximum(ratios, 1e-300)))))


# name -> SequenceClassifier keyword arguments
INIT_CONFIGS = {
    "RNN, uniform init": {"cell": "rnn", "init": "uniform"},
    "RNN, orthogonal init": {"cell": "rnn", "init": "orthogonal"},
    "LSTM, forget bias 1": {"cell": "lstm", "forget_bias": 1.0},
    "LSTM, forget bias 3": {"cell": "lstm", "forget_bias": 3.0},
}


def ratio_vs_lag(lags=(5, 10, 15, 20, 30, 40, 50), configs=None, n=128, hidden_size=32, n_features=8,
                 seeds=(0, 1, 2)):
    r"""The error-signal ratio of freshly initialised models against the lag of the memory task.

    Parameters
    ----------
    lags : sequence of int
        Distractor steps; the sequence length is ``T = lag + 1``.
    configs : dict of str to dict, optional
        Name -> keyword arguments of :class:`rnnlib.model.SequenceClassifier` (default
        :data:`INIT_CONFIGS`).
    n : int
        Memory-task sequences per lag.
    hidden_size, n_features : int
    seeds : sequence of int
        Weight seeds; the ratio is the geometric mean over seeds and sequences.

    Returns
    -------
    dict of str to numpy.ndarray
        Name -> ratios, shape (len(lags),).
    """
    configs = INIT_CONFIGS if configs is None else configs
    lags = [check_dim("lag", int(lag), lo=1) for lag in lags]
    n = check_dim("n", n)
    if not len(seeds):
        raise ValueError("seeds must hold at least one seed; got an empty sequence")
    out = {}
    for name, kwargs in configs.items():
        logs = np.zeros(len(lags))
        for j, lag in enumerate(lags):
            x, y = memory_task(n, lag, n_features, seed=lag)
            for seed in seeds:
                model = SequenceClassifier(n_features, hidden_size, seed=seed, **kwargs)
                logs[j] += np.log(gradient_ratio(model, x, y))
        out[name] = np.exp(logs / len(seeds))
    return out


def lstm_decay_per_step(lags=(20, 30), forget_bias=1.0, n=128, hidden_size=32, n_features=8, seeds=(0, 1, 2)):
    r"""Why a fresh LSTM's error signal decays more slowly per step than its forget gate.

    Parameters
    ----------
    lags : (int, int)
        Two lags ``k1 < k2``; the decay per step is :math:`(r(k_2) / r(k_1))^{1/(k_2 - k_1)}` with
        ``r`` the ratio of :func:`ratio_vs_lag`.
    forget_bias : float
    n, hidden_size, n_features : int
    seeds : sequence of int

    Returns
    -------
    dict
        ``mean_f``: the forget gate :math:`f_t` averaged over sequences, steps, units and seeds at
        lag ``k2``; ``unit_f``: (smallest, largest) per-unit average; ``decay``: the measured decay
        per step; ``decay_cell_path``: the same with :math:`W_h = 0`, when the error can only go
        back along the cell state, :math:`\partial L/\partial c_{t-1} = \partial L/\partial c_t \odot f_t`.

    Notes
    -----
    With :math:`W_h \ne 0` the error also goes back through :math:`h_{t-1}` into step t's gates and
    candidate, a second path that adds to :math:`f_t`; with :math:`W_h = 0` the decay is the forget
    gate's.
    """
    k1, k2 = (check_dim("lag", int(lag), lo=1) for lag in lags)
    if k2 <= k1:
        raise ValueError(f"lags must be two increasing lags (k1, k2); got {tuple(lags)!r}")
    if not len(seeds):
        raise ValueError("seeds must hold at least one seed; got an empty sequence")
    logs = {True: np.zeros(2), False: np.zeros(2)}  # W_h kept?
    gates = []
    for j, lag in enumerate((k1, k2)):
        x, y = memory_task(n, lag, n_features, seed=lag)  # as ratio_vs_lag
        for seed in seeds:
            model = SequenceClassifier(n_features, hidden_size, cell="lstm", forget_bias=forget_bias, seed=seed)
            logs[True][j] += np.log(gradient_ratio(model, x, y))
            if j == 1:
                p = model.params
                gates.append(lstm_forward(x, np.zeros((n, hidden_size)), p["Wx"], p["Wh"], p["b"])[1].f)  # (n, T, H)
            model.params["Wh"][:] = 0.0
            logs[False][j] += np.log(gradient_ratio(model, x, y))
    f = np.stack(gates)  # (seeds, n, T, H)
    per_unit = f.mean(axis=(0, 1, 2))  # (H,)
    decay = {kept: float(np.exp((v[1] - v[0]) / len(seeds) / (k2 - k1))) for kept, v in logs.items()}
    return {"mean_f": float(f.mean()), "unit_f": (float(per_unit.min()), float(per_unit.max())),
            "decay": decay[True], "decay_cell_path": decay[False]}


# --------------------------------------------------------------------------------------------
# Exploding gradients and clipping
# --------------------------------------------------------------------------------------------


def clipping_runs(clips=(None, 1.0), lag=20, wh_scale=3.0, lr=0.1, steps=300, hidden_size=32, batch_size=64,
                  n_features=8, seed=0, progress=False):
    r"""Train the same RNN on the memory task with and without gradient clipping.

    Parameters
    ----------
    clips : sequence of (float or None)
        Global-norm thresholds; ``None`` trains without clipping.
    lag : int
        Memory-task lag (T = lag + 1).
    wh_scale : float
        Spectral radius of the orthogonal initial :math:`W_h` (above 1: exploding territory).
    lr : float
        SGD learning rate (momentum 0.9).
    steps, hidden_size, batch_size, n_features, seed : int
    progress : bool or file-like
        Where :func:`rnnlib.train.train` prints a divergence message (False: standard output).

    Returns
    -------
    dict
        ``{clip: History}``: ``step_grad_norm`` is the global gradient norm before clipping;
        ``diverged`` holds the message of a run stopped by a NaN or inf.
    """
    lag = check_dim("lag", lag)
    steps = check_dim("steps", steps)
    x, y = memory_task(batch_size * steps, lag, n_features, seed=seed)
    runs = {}
    for clip in clips:
        model = SequenceClassifier(n_features, hidden_size, seed=seed, init="orthogonal")
        model.params["Wh"] *= wh_scale
        runs[clip] = train(model, x, y, epochs=1, batch_size=batch_size, optimizer="sgd", lr=lr, momentum=0.9,
                           clip=clip, seed=seed, on_divergence="stop", progress=progress)
    return runs


def clipping_summary(runs, last=20):
    """One line per run of :func:`clipping_runs`: first gradient norm, largest, final loss, divergence.

    Parameters
    ----------
    runs : dict of (float or None) to History
    last : int
        The final loss is the mean over this many last steps.

    Returns
    -------
    str
    """
    lines = []
    for clip, hist in runs.items():
        label = "no clipping" if clip is None else f"clip at {clip:g}"
        if not hist.steps:
            lines.append(f"{label:>14s}: no step taken; diverged: {hist.diverged}")
            continue
        norms = np.asarray(hist.step_grad_norm)
        lines.append(f"{label:>14s}: gradient norm at update 1 {norms[0]:8.1f}, largest {norms.max():8.1f}; "
                     f"mean loss of the last {last} steps {np.mean(hist.step_loss[-last:]):.3f}; "
                     f"diverged: {hist.diverged}")
    return "\n".join(lines)


@dataclass
class TrainingTrace:
    """Per-step record of one run of :func:`trace_training` (the set-up of :func:`clipping_runs`).

    Every array has shape (S,), one entry per training step (update), at index ``s``: as
    ``History``, index 0 is the first update. The text of :meth:`describe` and :meth:`steps_table`
    counts updates from 1, as the lag sweep's steps to solve: index ``s`` is update ``s + 1``.
    """

    loss: np.ndarray  # (S,) mini-batch loss, before the step's update
    grad_norm: np.ndarray  # (S,) global gradient norm before clipping
    param_grad_norm: dict  # name -> (S,) norm of each parameter's gradient before clipping
    step_norm: np.ndarray  # (S,) ||theta after the step - theta before||, all parameters as one vector
    param_step_norm: dict  # name -> (S,) the same per parameter
    held_out_loss: np.ndarray  # (S,) loss on held-out sequences after the step's update
    lr: float
    clip: float | None
    momentum: float

    @property
    def largest_step(self):
        """The longest parameter step of the run, in units of ``lr * clip`` (SGD's step without momentum)."""
        return float(self.step_norm.max() / (self.lr * self.clip)) if self.clip else float("nan")

    def spikes(self, learnt=0.05, top=3):
        """Training steps where the mini-batch loss jumps up after the run has learnt the task.

        Parameters
        ----------
        learnt : float
            The run counts as having learnt from its first step with a loss below this.
        top : int
            How many spikes to return.

        Returns
        -------
        list of int
            Indices s (update s + 1) whose loss is a local maximum (above both neighbours) and above
            ``learnt``, after the first update with a loss below ``learnt``; the highest first.
        """
        below = np.flatnonzero(self.loss < learnt)
        if below.size == 0:
            return []
        L = self.loss
        peaks = [s for s in range(int(below[0]) + 1, len(L) - 1)
                 if L[s] > learnt and L[s] >= L[s - 1] and L[s] >= L[s + 1]]
        return sorted(peaks, key=lambda s: -L[s])[:top]

    def describe(self, s, before=3, learnt=0.05):
        """What happened around the update at index ``s``, in measured numbers (updates counted from 1).

        Parameters
        ----------
        s : int
            An index 1..S-1 into the arrays (update ``s + 1``), for example one of :meth:`spikes`.
        before : int
            How many updates before it to show (the updates that moved the weights there).
        learnt : float
            The loss level that counts as learnt again (the recovery is the next update below it).

        Returns
        -------
        str
        """
        S = len(self.loss)
        if not isinstance(s, (int, np.integer)) or not 1 <= s < S:
            raise ValueError(f"s must be an update index from 1 to {S - 1}; got {s!r}")
        s, lo = int(s), max(int(s) - before, 1)
        top = max(self.param_grad_norm, key=lambda k: self.param_grad_norm[k][s])
        tau = self.clip if self.clip else np.inf
        pushed = self.lr * np.minimum(self.grad_norm[lo:s], tau)  # what lr x (clipped) gradient alone moves
        back = next((r for r in range(s + 1, S) if self.loss[r] < learnt), None)
        n = s + 1  # the update's number, counted from 1
        return (f"update {n}: mini-batch loss {self.loss[s]:.3f}, up from {self.loss[s - 1]:.3f} at update {n - 1}; "
                f"held-out loss {self.held_out_loss[lo - 1]:.4f} after update {lo}, {self.held_out_loss[s - 1]:.4f} "
                f"after update {n - 1}. Updates {lo + 1}..{n - 1} moved the weights by "
                f"{self.step_norm[lo:s].min():.3f} to {self.step_norm[lo:s].max():.3f} each (the clipped gradient "
                f"alone would move them at most {pushed.max():.3f}; the rest is momentum). "
                f"Gradient norm before clipping {self.grad_norm[s - 1]:.2f} at update {n - 1}, "
                f"{self.grad_norm[s]:.2f} at update {n} (of it {top} {self.param_grad_norm[top][s]:.2f}); after "
                f"clipping {min(self.grad_norm[s], tau):.2f}. "
                + (f"Loss below {learnt:g} again at update {back + 1}." if back is not None else
                   f"The loss does not fall below {learnt:g} again."))

    def steps_table(self, first, last):
        """Updates ``first..last`` (counted from 1) as a text table: what moved the weights, and how far.

        Parameters
        ----------
        first, last : int
            Update numbers, 1 <= first <= last <= S.

        Returns
        -------
        str
            One row per update: the mini-batch loss (before the update), the gradient norm before
            clipping, ``lr * min(norm, clip)`` (how far the clipped gradient alone moves the weights),
            the length of the update actually taken (momentum included) and the held-out loss after it.
        """
        S = len(self.loss)
        if not (isinstance(first, (int, np.integer)) and isinstance(last, (int, np.integer))
                and 1 <= first <= last <= S):
            raise ValueError(f"first and last must be updates with 1 <= first <= last <= {S}; got {first!r}, {last!r}")
        tau = self.clip if self.clip else np.inf
        lines = [f"{'update':>6s} {'batch loss':>10s} {'||g||':>7s} {'lr x min(||g||, clip)':>22s} "
                 f"{'step length':>11s} {'held-out loss after':>19s}"]
        for n in range(int(first), int(last) + 1):
            s = n - 1
            lines.append(f"{n:6d} {self.loss[s]:10.4f} {self.grad_norm[s]:7.2f} "
                         f"{self.lr * min(self.grad_norm[s], tau):22.3f} {self.step_norm[s]:11.3f} "
                         f"{self.held_out_loss[s]:19.4f}")
        return "\n".join(lines)


class _StepRecorder(Callback):
    """Records each step's parameter change and the held-out loss after it."""

    def __init__(self, model, x, y):
        self.model, self.x, self.y = model, x, y
        self.previous = {k: p.copy() for k, p in model.params.items()}
        self.rows = []

    def on_step_end(self, info):
        change = {k: float(np.linalg.norm(p - self.previous[k])) for k, p in self.model.params.items()}
        self.previous = {k: p.copy() for k, p in self.model.params.items()}
        held_out = float(self.model.loss(self.x, self.y)[0])
        self.rows.append((info["grad_norms"], change, held_out))


def trace_training(clip=1.0, lag=20, wh_scale=3.0, lr=0.1, steps=300, hidden_size=32, batch_size=64, n_features=8,
                   seed=0, n_held_out=256):
    r"""One run of :func:`clipping_runs`, recorded step by step: what the optimiser did, and why.

    Parameters
    ----------
    clip : float or None
        Global-norm threshold.
    lag, wh_scale, lr, steps, hidden_size, batch_size, n_features, seed
        As in :func:`clipping_runs` (the same data, weights and batches).
    n_held_out : int
        Fresh memory-task sequences on which the loss is measured after every step.

    Returns
    -------
    TrainingTrace

    Notes
    -----
    SGD with momentum :math:`\mu` updates :math:`v \leftarrow \mu v - \eta g`,
    :math:`\theta \leftarrow \theta + v`. Clipping bounds each gradient, :math:`\lVert g \rVert \le
    \tau`, not the step: the velocity sums past gradients, so
    :math:`\lVert v \rVert \le \eta \tau (1 + \mu + \mu^2 + \dots) = \eta\tau / (1 - \mu)`, ten times
    :math:`\eta\tau` for :math:`\mu = 0.9`.
    """
    lag = check_dim("lag", lag)
    steps = check_dim("steps", steps)
    n_held_out = check_dim("n_held_out", n_held_out)
    x, y = memory_task(batch_size * steps, lag, n_features, seed=seed)  # as clipping_runs
    xv, yv = memory_task(n_held_out, lag, n_features, seed=seed + 1000)  # never trained on
    model = SequenceClassifier(n_features, hidden_size, seed=seed, init="orthogonal")
    model.params["Wh"] *= wh_scale
    recorder = _StepRecorder(model, xv, yv)
    hist = train(model, x, y, epochs=1, batch_size=batch_size, optimizer="sgd", lr=lr, momentum=0.9, clip=clip,
                 seed=seed, on_divergence="stop", callbacks=[recorder], progress=False)
    names = list(model.params)
    grads, changes, held = zip(*recorder.rows)
    param_step = {k: np.array([c[k] for c in changes]) for k in names}
    return TrainingTrace(
        loss=np.asarray(hist.step_loss), grad_norm=np.asarray(hist.step_grad_norm),
        param_grad_norm={k: np.array([g[k] for g in grads]) for k in names},
        step_norm=np.sqrt(sum(v**2 for v in param_step.values())), param_step_norm=param_step,
        held_out_loss=np.asarray(held), lr=float(lr), clip=None if clip is None else float(clip), momentum=0.9)


@dataclass
class RunProbe:
    """What one memory-task run did to its weights, every few updates (see :func:`memory_run_probe`).

    Every array has shape (P,), one entry per probed update; ``updates`` holds their numbers
    (counted from 1).
    """

    updates: np.ndarray  # (P,) update numbers, from 1
    radius: np.ndarray  # (P,) spectral radius of W_h after the update
    grad_signal: np.ndarray  # (P,) ||dL/dW_x|| over the signal rows (features 0, 1), probe batch
    grad_distractor: np.ndarray  # (P,) ||dL/dW_x|| over the distractor rows (features 2..D-1)
    wx_signal: np.ndarray  # (P,) ||W_x|| over the signal rows
    loss: np.ndarray  # (P,) loss on the probe batch after the update
    accuracy: np.ndarray  # (P,) accuracy on the probe batch after the update
    test_accuracy: float  # on the run's held-out test set, after the last update
    lag: int

    def table(self):
        """The probe as a text table, one row per probed update."""
        lines = [f"{'update':>6s} {'radius(W_h)':>11s} {'||dL/dW_x|| signal':>19s} {'distractor':>11s} "
                 f"{'||W_x|| signal':>14s} {'loss':>7s} {'accuracy':>8s}"]
        for j, n in enumerate(self.updates):
            lines.append(f"{n:6d} {self.radius[j]:11.2f} {self.grad_signal[j]:19.1e} {self.grad_distractor[j]:11.1e} "
                         f"{self.wx_signal[j]:14.2f} {self.loss[j]:7.3f} {self.accuracy[j]:8.2f}")
        return "\n".join(lines)


class _WeightProbe(Callback):
    """Measures W_h's spectral radius and the gradient on W_x's rows every ``every`` updates."""

    def __init__(self, model, x, y, at):
        self.model, self.x, self.y, self.at = model, x, y, at
        self.rows = []

    def on_step_end(self, info):
        n = info["step"] + 1  # this update's number, from 1
        if not self.at(n):
            return
        p = self.model.params
        loss, grads, s = self.model.loss(self.x, self.y)
        g = grads["Wx"]  # (D, H)
        accuracy = float(np.mean((np.asarray(s).reshape(-1) > 0) == (self.y == 1)))
        self.rows.append((n, float(np.max(np.abs(np.linalg.eigvals(p["Wh"])))), float(np.linalg.norm(g[:2])),
                          float(np.linalg.norm(g[2:])), float(np.linalg.norm(p["Wx"][:2])), float(loss), accuracy))


def memory_run_probe(config, lag, seed, every=10, n_probe=64, steps=None, at=None):
    r"""Train one memory-task run and watch how it learns: W_h's spectral radius and W_x's gradient.

    Parameters
    ----------
    config : RunConfig
        An RNN configuration (e.g. ``CONFIGS["rnn_adam"]``).
    lag : int
    seed : int
        As in :func:`train_memory_run`.
    every : int
        Probe after update 1 and after every ``every``-th update.
    n_probe : int
        Fresh memory-task sequences (never trained on) on which the gradient is measured.
    steps : int, optional
        Train for this many updates instead of ``config.steps`` (the training data shrinks with
        it, so the batches differ from the full run's).
    at : sequence of int, optional
        Probe after exactly these updates (counted from 1) instead of every ``every``-th.

    Returns
    -------
    RunProbe

    Notes
    -----
    The signal of the memory task sits at step 1 on input features 0 and 1, so the rows 0 and 1 of
    :math:`W_x` receive gradient only from step 1,
    :math:`\partial L/\partial W_x[0{:}2] = x_1[0{:}2]^\top\, \partial L/\partial a_1`, which carries the
    error back over all ``lag`` steps; the distractor rows 2..D-1 receive it from every later step.
    Comparing the two tells whether a run learnt by carrying error back over the lag.
    """
    if config.cell != "rnn":
        raise ValueError(f"config.cell must be 'rnn' (the probe reads the RNN's W_h); got {config.cell!r}")
    every = check_dim("every", every)
    n_probe = check_dim("n_probe", n_probe)
    if steps is not None:
        config = replace(config, steps=check_dim("steps", steps))
    lag = check_dim("lag", lag, lo=1)
    if at is None:
        def chosen(n):
            return n == 1 or n % every == 0
    else:
        wanted = {check_dim("at", int(n)) for n in at}

        def chosen(n):
            return n in wanted
    x, y = memory_task(n_probe, lag, seed=40_000 + seed)  # (n_probe, lag + 1, 8)  not the training data
    probes = []

    def attach(model):  # called by train_memory_run with the model it built
        probes.append(_WeightProbe(model, x, y, chosen))
        return probes

    model, _, x_test, y_test = train_memory_run(config, lag, seed, callbacks=attach)
    rows = np.array(probes[0].rows).reshape(-1, 7)  # (P, 7)
    return RunProbe(updates=rows[:, 0].astype(int), radius=rows[:, 1], grad_signal=rows[:, 2],
                    grad_distractor=rows[:, 3], wx_signal=rows[:, 4], loss=rows[:, 5], accuracy=rows[:, 6],
                    test_accuracy=float(model.accuracy(x_test, y_test)), lag=lag)


def ratio_table(lags, ratios):
    """The ratios of :func:`ratio_vs_lag` as a text table, one row per lag.

    Parameters
    ----------
    lags : sequence of int, length L
    ratios : dict of str to array_like, each shape (L,)

    Returns
    -------
    str
    """
    lags = [int(lag) for lag in lags]
    names = list(ratios)
    for name in names:
        if np.shape(ratios[name]) != (len(lags),):
            raise ValueError(f"ratios[{name!r}] must have shape ({len(lags)},) (one per lag); "
                             f"got {np.shape(ratios[name])}")
    width = max(max(len(n) for n in names), 8) + 2  # 8: the width of 1.23e-04
    lines = ["  lag" + "".join(f"{n:>{width}s}" for n in names)]
    for j, lag in enumerate(lags):
        lines.append(f"{lag:5d}" + "".join(f"{ratios[n][j]:>{width}.2e}" for n in names))
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# The lag sweep in words
# --------------------------------------------------------------------------------------------


def _config_rows(summary, key):
    if key not in summary:
        raise ValueError(f"key must be one of the sweep's configurations {sorted(summary)}; got {key!r}")
    per = summary[key]
    return sorted((int(lag), row) for lag, row in per.items())


def reliable_up_to(summary, key):
    """The largest lag up to which every tested lag was solved by every seed.

    Parameters
    ----------
    summary : dict
        From :func:`rnnlib.lessons.vanishing_gradient.summarise`.
    key : str
        A configuration of the sweep.

    Returns
    -------
    int or None
        None if the smallest tested lag already failed.
    """
    best = None
    for lag, row in _config_rows(summary, key):
        if row["solved"] < row["runs"]:
            break
        best = lag
    return best


def chance_from(summary, key, level=0.6):
    """The smallest lag from which on every tested lag has mean accuracy below ``level``.

    Parameters
    ----------
    summary : dict
        From :func:`rnnlib.lessons.vanishing_gradient.summarise`.
    key : str
    level : float
        Mean accuracy below which a run is "at chance" (chance is 0.5).

    Returns
    -------
    int or None
        None if the largest tested lag is above ``level``.
    """
    first = None
    for lag, row in reversed(_config_rows(summary, key)):
        if row["mean"] >= level:
            break
        first = lag
    return first


def describe_config(summary, key, name=None):
    """One sentence about a configuration, generated from the sweep's numbers.

    Parameters
    ----------
    summary : dict
        From :func:`rnnlib.lessons.vanishing_gradient.summarise`.
    key : str
    name : str, optional
        How to call the configuration (default: ``key``).

    Returns
    -------
    str
    """
    rows = _config_rows(summary, key)
    name = name or key
    runs = rows[0][1]["runs"]
    lags = [lag for lag, _ in rows]
    ok = reliable_up_to(summary, key)
    chance = chance_from(summary, key)
    if ok == lags[-1]:
        text = f"{name}: solved every lag tested, up to {ok}, with all {runs} seeds."
    elif ok is None:
        text = f"{name}: not reliable even at the shortest lag tested ({lags[0]})."
    else:
        text = f"{name}: reliable (all {runs} seeds at >= 90% accuracy) up to lag {ok}"
        first_fail = lags[lags.index(ok) + 1]
        fail_row = dict(rows)[first_fail]
        text += (f"; at lag {first_fail} {fail_row['solved']} of {runs} seeds solved it "
                 f"(mean accuracy {fail_row['mean']:.2f})")
        later = [(lag, row) for lag, row in rows if lag > first_fail]
        solved_later = [f"{row['solved']} of {runs} at lag {lag}" for lag, row in later if row["solved"]]
        if solved_later:
            text += "; at longer lags: " + ", ".join(solved_later) + "."
        elif later:
            text += "; no seed solved any longer lag."
        else:
            text += "."
    if chance is not None:
        text += f" From lag {chance} on its mean accuracy stays below 0.6 (chance is 0.5)."
    return text


def sweep_table(summary, names=None, keys=None, steps=False):
    """The sweep as a fixed-width text table: mean accuracy (seeds solved / seeds) per lag.

    Parameters
    ----------
    summary : dict
        From :func:`rnnlib.lessons.vanishing_gradient.summarise`.
    names : dict of str to str, optional
        Row labels per configuration key.
    keys : sequence of str, optional
        Rows to show, in order (default: all).
    steps : bool
        Show the median steps to solve (of the seeds that solved it; "-" if none) instead.

    Returns
    -------
    str
    """
    keys = list(summary) if keys is None else list(keys)
    names = names or {}
    cell = steps_cell if steps else sweep_cell
    lags = sorted({int(lag) for k in keys for lag, _ in _config_rows(summary, k)})
    width = max(len(names.get(k, k)) for k in keys)
    head = " " * width + "".join(f"{'lag ' + str(lag):>13s}" for lag in lags)
    lines = [head]
    for k in keys:
        per = dict(_config_rows(summary, k))
        cells = [cell(per[lag]) if lag in per else "-" for lag in lags]
        lines.append(f"{names.get(k, k):<{width}s}" + "".join(f"{c:>13s}" for c in cells))
    return "\n".join(lines)


def sweep_cell(row):
    """One cell of a sweep table: mean accuracy and (seeds solved / seeds), e.g. ``"0.68 (1/3)"``.

    Parameters
    ----------
    row : dict
        ``{"mean", "solved", "runs"}`` of one configuration and lag (from :func:`summarise`).

    Returns
    -------
    str
    """
    return f"{row['mean']:.2f} ({row['solved']}/{row['runs']})"


def steps_cell(row):
    """One cell of a steps table: the median steps to solve, e.g. ``"41"``, or ``"-"`` if no seed solved it.

    Parameters
    ----------
    row : dict
        ``{"steps", ...}`` of one configuration and lag (from :func:`summarise`).

    Returns
    -------
    str
    """
    return "-" if row.get("steps") is None else f"{row['steps']:.0f}"


def cell_comparison(summary, names=None, cells=("rnn", "lstm"), settings=("sgd", "sgd_rec", "adam", "adam_rec")):
    """Which cell reached longer lags, setting by setting (same optimiser, initialisation, budget).

    Parameters
    ----------
    summary : dict
        From :func:`summarise`.
    names : dict of str to str, optional
        How to call each configuration.
    cells : pair of str
        Configuration keys are ``f"{cell}_{setting}"``.
    settings : sequence of str

    Returns
    -------
    str
        One line per setting: each cell's reliable range (the longest lag up to which every tested
        lag was solved, test accuracy >= 0.9, by all seeds; "not reliable at lag <smallest>" if
        none), then the longer lags that some seeds solved, and the verdict.
    """
    names = names or {}
    lines = []
    for setting in settings:
        keys = [f"{cell}_{setting}" for cell in cells]
        reach = {key: reliable_up_to(summary, key) for key in keys}
        parts = []
        for k, r in reach.items():
            rows = _config_rows(summary, k)
            text = f"not reliable at lag {rows[0][0]}" if r is None else f"up to lag {r}"
            beyond = [f"{row['solved']}/{row['runs']} at lag {lag}" for lag, row in rows
                      if (r is None or lag > r) and row["solved"]]
            if beyond:
                text += " (seeds solved: " + ", ".join(beyond) + ")"
            parts.append(f"{names.get(k, k)}: {text}")
        order = sorted(keys, key=lambda k: -1 if reach[k] is None else reach[k], reverse=True)
        if reach[order[0]] == reach[order[1]]:
            verdict = "the same reach"
        else:
            verdict = f"{order[0].split('_')[0].upper()} further"
        lines.append(f"{setting:9s} " + "; ".join(parts) + f"  -> {verdict}")
    return "\n".join(lines)


def sweep_accuracy(sweep, key, lag, seed):
    """The test accuracy the sweep recorded for one run.

    Parameters
    ----------
    sweep : dict
        From :func:`load_sweep`.
    key : str
        A configuration of the sweep.
    lag, seed : int

    Returns
    -------
    float
    """
    if key not in sweep["configs"]:
        raise ValueError(f"key must be one of the sweep's configurations {sorted(sweep['configs'])}; got {key!r}")
    for r in sweep["records"]:
        if r["config"] == key and int(r["lag"]) == lag and int(r["seed"]) == seed:
            return float(r["accuracy"])
    raise ValueError(f"lag and seed must name a run of the sweep; got lag={lag!r}, seed={seed!r} for {key!r}")



def conditions_table(configs, keys=None):
    """The training conditions of a sweep's configurations, one line each.

    Parameters
    ----------
    configs : dict of str to (RunConfig or dict)
        ``load_sweep()["configs"]`` (dicts) or :data:`rnnlib.lessons.vanishing_gradient.CONFIGS`.
    keys : sequence of str, optional
        Rows to show, in order (default: all).

    Returns
    -------
    str
    """
    import inspect  # local: the imports above belong to the first half of this module

    from ..optim import Adam

    keys = list(configs) if keys is None else list(keys)
    for key in keys:
        if key not in configs:
            raise ValueError(f"keys must name configurations {sorted(configs)}; got {key!r}")
    lines = []
    for key in keys:
        c = configs[key]
        c = c if isinstance(c, dict) else asdict(c)
        if c["optimizer"] == "sgd":
            opt = f"SGD lr {c['lr']:g} momentum {c['momentum']:g}"
        elif c["optimizer"] == "adam":  # rnnlib.train builds Adam(params, lr=lr): the other settings are its defaults
            adam = inspect.signature(Adam).parameters
            opt = (f"Adam lr {c['lr']:g} (beta {adam['beta1'].default:g}/{adam['beta2'].default:g}, "
                   f"eps {adam['eps'].default:.0e})").replace("e-0", "e-")
        else:
            opt = f"{c['optimizer'].capitalize()} lr {c['lr']:g}"
        extra = f", {c.get('init', 'uniform')} W_h"
        if c["cell"] == "lstm" and c.get("chrono"):
            extra += f", chrono biases (up to {c['chrono']} steps)"
        elif c["cell"] == "lstm":
            extra += f", forget bias {c['forget_bias']:g}"
        elif c["cell"] == "gru" and c.get("chrono"):
            extra += f", chrono z bias (up to {c['chrono']} steps)"
        elif c["cell"] == "gru":
            extra += ", biases 0"
        lines.append(f"{key:13s} {c['cell'].upper():4s} H={c['hidden_size']}{extra}; {opt}; batch {c['batch_size']}, "
                     f"{c['steps']} steps, clip {c['clip']:g}")
    return "\n".join(lines)


def rerun_record(sweep, key, lag, seed):
    """Run one configuration of a saved sweep again, live, and return (live, stored) accuracy.

    Parameters
    ----------
    sweep : dict
        From :func:`rnnlib.lessons.vanishing_gradient.load_sweep`.
    key : str
    lag, seed : int
        Must be a run of the sweep.

    Returns
    -------
    tuple of float
        The accuracy of the fresh run and the one in the sweep (equal when nothing changed).
    """
    stored = sweep_accuracy(sweep, key, lag, seed)
    live = run_memory_task(RunConfig(**sweep["configs"][key]), lag, seed)["accuracy"]
    return float(live), stored


def claim_verdict(summary, plain="rnn_sgd", twists=("rnn_adam", "rnn_sgd_rec"), names=None, budget=None):
    """A paragraph on "a plain RNN fails at about 10 or more steps", generated from a sweep.

    Parameters
    ----------
    summary : dict
        From :func:`rnnlib.lessons.vanishing_gradient.summarise`.
    plain : str
        The plainest configuration (the essay names no optimiser or initialisation).
    twists : sequence of str
        The same RNN with one change (optimiser, initialisation).
    names : dict of str to str, optional
    budget : str, optional
        The training budget, e.g. ``"300 training steps of batch 64, seeds 0-2"``; named in the text.
        How to call each configuration.

    Returns
    -------
    str
        Whether the plain RNN's reliable range is "about 10" (5 to 15), and whether any twist
        extends it (then the limit is not a hard wall).
    """
    names = names or {}
    ok = reliable_up_to(summary, plain)
    chance = chance_from(summary, plain)
    where = "not even at the shortest lag" if ok is None else f"up to lag {ok}"
    within = f" within {budget}" if budget else ""
    text = (f"Trained by the plainest recipe ({names.get(plain, plain)}; the essay names none){within}, the RNN "
            f"is reliable {where}")
    text += f" and at chance (mean accuracy below 0.6) from lag {chance} on. " if chance is not None else ". "
    if ok is not None and 5 <= ok <= 15:
        text += "That matches 'about 10 steps'. "
    else:
        text += "That does not match 'about 10 steps'. "
    better = [(k, reliable_up_to(summary, k)) for k in twists]
    better = [(k, r) for k, r in better if r is not None and (ok is None or r > ok)]
    if better:
        parts = [f"{names.get(k, k)} is reliable up to lag {r}" for k, r in better]
        text += ("But it is not a hard wall: the same network with one change in training learns longer lags ("
                 + "; ".join(parts) + "). The limit belongs to a plainly trained, default-initialised RNN.")
    else:
        text += "None of the changes tested here extended the reliable range."
    return text


# --------------------------------------------------------------------------------------------
# The lag sweep
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunConfig:
    """How one model is built and trained on the memory task.

    Attributes
    ----------
    name : str
        Label used in tables and plots.
    cell : {"rnn", "lstm", "gru"}
    optimizer : {"sgd", "adam"}
    lr : float
    momentum : float
        For SGD.
    init : {"uniform", "orthogonal"}
        Recurrent initialisation (uniform: PyTorch's default, spectral radius about 0.6).
    forget_bias : float
        Initial forget-gate bias (LSTM only; the library's default is 1).
    chrono : int
        LSTM and GRU: if > 0, the chrono initialisation of Tallec & Ollivier (2018) for dependencies
        of up to ``chrono`` steps (:func:`chrono_biases`). LSTM: replaces ``forget_bias``:
        b_f = log(u), u ~ U(1, chrono - 1), one draw per hidden unit, and b_i = -b_f. GRU: the
        update gate's input-side bias b_xz = log(u) (the same draws), b_hz stays 0.
    hidden_size, batch_size, steps : int
    clip : float
        Global-norm gradient clipping.
    """

    name: str
    cell: str = "rnn"
    optimizer: str = "sgd"
    lr: float = 0.1
    momentum: float = 0.9
    init: str = "uniform"
    forget_bias: float = 1.0
    chrono: int = 0
    hidden_size: int = 32
    batch_size: int = 64
    steps: int = 300
    clip: float = 1.0


# Every cell with each optimiser, under the library's default initialisation and the one
# recommended for long memory (orthogonal W_h for the RNN, chrono biases for the LSTM and the GRU).
# "rnn_sgd" is the essay's setting: a plainly trained, default-initialised RNN. The GRU rows came
# with notebook 08; notebooks 04 and 06 load the sweep with cells=("rnn", "lstm").
CONFIGS = {
    "rnn_sgd": RunConfig("RNN, SGD+momentum, default init"),
    "rnn_sgd_rec": RunConfig("RNN, SGD+momentum, orthogonal init", init="orthogonal"),
    "rnn_adam": RunConfig("RNN, Adam, default init", optimizer="adam", lr=1e-2),
    "rnn_adam_rec": RunConfig("RNN, Adam, orthogonal init", optimizer="adam", lr=1e-2, init="orthogonal"),
    "lstm_sgd": RunConfig("LSTM, SGD+momentum, default init", cell="lstm"),
    "lstm_sgd_rec": RunConfig("LSTM, SGD+momentum, chrono init", cell="lstm", chrono=200),
    "lstm_adam": RunConfig("LSTM, Adam, default init", cell="lstm", optimizer="adam", lr=1e-2),
    "lstm_adam_rec": RunConfig("LSTM, Adam, chrono init", cell="lstm", optimizer="adam", lr=1e-2, chrono=200),
    "gru_sgd": RunConfig("GRU, SGD+momentum, default init", cell="gru"),
    "gru_sgd_rec": RunConfig("GRU, SGD+momentum, chrono init", cell="gru", chrono=200),
    "gru_adam": RunConfig("GRU, Adam, default init", cell="gru", optimizer="adam", lr=1e-2),
    "gru_adam_rec": RunConfig("GRU, Adam, chrono init", cell="gru", optimizer="adam", lr=1e-2, chrono=200),
}

SOLVED = 0.9  # accuracy at which a run counts as solved (chance is 0.5)
WINDOW = 10  # training batches averaged for steps_to_solve


def chrono_biases(b, H, chrono, seed, cell="lstm"):
    """Set gate biases to the chrono initialisation (Tallec & Ollivier, 2018), in place.

    Parameters
    ----------
    b : numpy.ndarray, shape (4H,) or (3H,)
        LSTM: the gate biases in the order i, f, g, o. GRU: the input-side biases ``bx`` in the
        order r, z, n (PyTorch's ``bias_ih``).
    H : int
    chrono : int
        Longest dependency the network should hold, in steps (> 2).
    seed : int
    cell : {"lstm", "gru"}

    Notes
    -----
    LSTM (the paper's prescription):

    .. math:: b_f = \\log u,\\; u \\sim U(1, k_{max} - 1), \\qquad b_i = -b_f

    so unit j's forget gate starts at sigmoid(b_f) = u / (1 + u) and its cell state keeps
    a fraction f^k after k steps: a time scale 1 / (1 - f) = 1 + u, spread over the units from 2
    to ``chrono`` steps.

    GRU, :math:`h_t = (1 - z_t) * n_t + z_t * h_{t-1}`: the update gate z keeps the old state, as the
    LSTM's forget gate does, so the same draws go to its bias, :math:`b_{xz} = \\log u` (the z block
    of ``bx``; ``bh`` stays 0: only the sum :math:`b_{xz} + b_{hz}` enters z). z starts at u / (1 + u),
    time scale 1 + u. The paper's abstract says the chrono initialisation covers GRUs; it writes the
    gated update with the gate on the new value, g = 1 - z, where b_g = -log u is the same thing. The
    input-like gate has no GRU counterpart (1 - z is tied to z), and the reset gate r keeps bias 0.

    Returns
    -------
    numpy.ndarray, shape (4H,) or (3H,)
        ``b`` with its i and f blocks (LSTM) or its z block (GRU) set.
    """
    if cell not in ("lstm", "gru"):
        raise ValueError(f"cell must be 'lstm' or 'gru' (the gated cells); got {cell!r}")
    chrono = check_dim("chrono", chrono, lo=3)
    b = as_array("b", b, ((4 if cell == "lstm" else 3) * H,))
    u = np.random.default_rng(seed).uniform(1.0, chrono - 1.0, size=H)
    b[H:2 * H] = np.log(u)  # LSTM: forget gate f; GRU: update gate z (both blocks 2 of their order)
    if cell == "lstm":
        b[:H] = -b[H:2 * H]  # input gate
    return b


class _BatchAccuracy(Callback):
    """Records the accuracy of every training batch (scored before its update, on fresh data)."""

    def __init__(self):
        self.accuracy = []

    def on_step_end(self, info):
        self.accuracy.append(info["accuracy"])


def steps_to_solve(batch_accuracy, level=SOLVED, window=WINDOW):
    """The first step at which the mean accuracy of the last ``window`` batches reaches ``level``.

    Parameters
    ----------
    batch_accuracy : sequence of float
        Accuracy of each training batch, in order (steps 1, 2, ...).
    level : float
    window : int

    Returns
    -------
    int or None
        A step count (from 1), or None if the level was never reached.
    """
    acc = np.asarray(batch_accuracy, dtype=float)
    window = check_dim("window", window)
    if acc.ndim != 1:
        raise ValueError(f"batch_accuracy must be one-dimensional; got shape {acc.shape}")
    if acc.size < window:
        return None
    running = np.convolve(acc, np.ones(window) / window, mode="valid")  # running[j] ends at step j + window
    hit = np.flatnonzero(running >= level - 1e-12)
    return int(hit[0] + window) if hit.size else None


def train_memory_run(config, lag, seed, n_test=1000, n_features=8, callbacks=()):
    """Train one model on the memory task; return it with its history and the test data.

    Parameters
    ----------
    config : RunConfig
    lag : int
        Distractor steps between the signal and the end of the sequence.
    seed : int
        Seeds the weights, the training data and the test data (all different streams).
    n_test, n_features : int
    callbacks : sequence of rnnlib.train.Callback, or callable
        A callable is called with the freshly built model and returns the callbacks (for a
        callback that reads the model's weights, as :func:`memory_run_probe`).

    Returns
    -------
    model : SequenceClassifier
    history : rnnlib.train.History
    x_test : numpy.ndarray, shape (n_test, lag + 1, n_features)
    y_test : numpy.ndarray, shape (n_test,)
    """
    lag = check_dim("lag", lag, lo=0)
    x, y = memory_task(config.batch_size * config.steps, lag, n_features, seed=10_000 + seed)
    x_test, y_test = memory_task(n_test, lag, n_features, seed=20_000 + seed)
    model = SequenceClassifier(n_features, config.hidden_size, cell=config.cell, seed=seed,
                               init=config.init, forget_bias=config.forget_bias)
    if config.chrono:
        if config.cell not in ("lstm", "gru"):
            raise ValueError(f"config.chrono is for the LSTM and the GRU; got cell={config.cell!r}")
        name = "b" if config.cell == "lstm" else "bx"  # the GRU's z bias on the input side (chrono_biases)
        model.params[name] = chrono_biases(model.params[name], config.hidden_size, config.chrono, seed=30_000 + seed,
                                           cell=config.cell)
    if callable(callbacks):
        callbacks = callbacks(model)
    history = train(model, x, y, epochs=1, batch_size=config.batch_size, optimizer=config.optimizer,
                    lr=config.lr, momentum=config.momentum, clip=config.clip, seed=seed,
                    on_divergence="stop", callbacks=callbacks)
    return model, history, x_test, y_test


def run_memory_task(config, lag, seed, n_test=1000, n_features=8):
    """Train one model on the memory task and return its test accuracy and its steps to solve.

    Parameters are those of :func:`train_memory_run`.

    Returns
    -------
    dict
        ``accuracy`` (test; 0.5, chance, if training diverged), ``final_loss`` (mean of the last
        20 steps), ``diverged`` (bool), ``steps_to_solve`` (:func:`steps_to_solve` of the
        training batches' accuracy: each batch is fresh data, scored before its update).
    """
    recorder = _BatchAccuracy()
    model, history, x_test, y_test = train_memory_run(config, lag, seed, n_test, n_features, callbacks=[recorder])
    if history.diverged:
        return {"accuracy": 0.5, "final_loss": float("nan"), "diverged": True, "steps_to_solve": None}
    return {"accuracy": model.accuracy(x_test, y_test), "final_loss": float(np.mean(history.step_loss[-20:])),
            "diverged": False, "steps_to_solve": steps_to_solve(recorder.accuracy)}


def _sweep_job(job):
    key, config, lag, seed, kwargs = job
    return {"config": key, "lag": int(lag), "seed": int(seed), **run_memory_task(config, lag, seed, **kwargs)}


def lag_sweep(configs, lags, seeds, progress=None, workers=1, **kwargs):
    """Run every configuration at every lag for every seed.

    Parameters
    ----------
    configs : dict of str to RunConfig
    lags : sequence of int
    seeds : sequence of int
    progress : bool or file-like, optional
        A progress bar over the runs, showing the last run's accuracy (see
        :func:`rnnlib.train.progress_bar`: True for ``tqdm.auto``, or a file to write a text bar to).
    workers : int
        Processes to run in parallel (``concurrent.futures``); 1 runs everything here. Every run
        is seeded on its own, so the records do not depend on ``workers``.

    Returns
    -------
    list of dict
        One record per run, in the order configs x lags x seeds: ``config``, ``lag``, ``seed``
        and the result of :func:`run_memory_task`.
    """
    workers = check_dim("workers", workers)
    jobs = [(key, config, lag, seed, kwargs) for key, config in configs.items() for lag in lags for seed in seeds]
    bar = progress_bar(progress, len(jobs), "lag sweep")  # runs

    def done(record):
        if bar is not None:
            bar.set_postfix_str(f"{record['config']} lag {record['lag']} seed {record['seed']}: "
                                f"accuracy {record['accuracy']:.3f}", refresh=False)
            bar.update()
        return record

    try:
        if workers == 1:
            return [done(_sweep_job(job)) for job in jobs]
        with ProcessPoolExecutor(max_workers=workers) as pool:
            # Longest runs first (LSTM, GRU, long lags), so no worker is left with one long run at the end.
            rank = {"lstm": 2, "gru": 1}
            cost = {id(job): (rank.get(job[1].cell, 0), job[2]) for job in jobs}
            futures = {pool.submit(_sweep_job, job): i
                       for i, job in sorted(enumerate(jobs), key=lambda ij: cost[id(ij[1])], reverse=True)}
            records = [None] * len(jobs)
            for future in as_completed(futures):
                records[futures[future]] = done(future.result())
            return records
    finally:
        if bar is not None:
            bar.close()


def summarise(records, solved=SOLVED):
    """Mean accuracy, seeds that solved the task and steps to solve, per configuration and lag.

    Parameters
    ----------
    records : list of dict
        From :func:`lag_sweep`.
    solved : float
        Test accuracy at which a run counts as solved.

    Returns
    -------
    dict
        ``{config: {lag: {"mean", "min", "solved", "runs", "steps"}}}``: mean and smallest test
        accuracy, seeds with accuracy >= ``solved``, seeds run, and the median ``steps_to_solve``
        of the seeds that solved it (None if none did or the records have no steps).
    """
    table = {}
    for r in records:
        table.setdefault(r["config"], {}).setdefault(r["lag"], []).append(r)
    summary = {}
    for key, lags in table.items():
        summary[key] = {}
        for lag, runs in sorted(lags.items()):
            acc = np.array([r["accuracy"] for r in runs])
            steps = [r["steps_to_solve"] for r in runs
                     if r["accuracy"] >= solved and r.get("steps_to_solve") is not None]
            summary[key][lag] = {"mean": float(np.mean(acc)), "min": float(np.min(acc)),
                                 "solved": int(np.sum(acc >= solved)), "runs": len(runs),
                                 "steps": float(np.median(steps)) if steps else None}
    return summary


def save_sweep(path, records, configs, meta=None):
    """Write a sweep's records and configurations to JSON."""
    payload = {"configs": {k: asdict(c) for k, c in configs.items()}, "records": records, "meta": meta or {}}
    Path(path).write_text(json.dumps(payload, indent=1) + "\n")


def load_sweep(path=None, cells=None):
    """Read a sweep written by :func:`save_sweep` (default: the committed full sweep).

    Parameters
    ----------
    path : str or pathlib.Path, optional
    cells : sequence of {"rnn", "lstm", "gru"}, optional
        Keep only the configurations (and their records) of these cells, in the file's order
        (default: all). Notebooks 04 and 06 load ``cells=("rnn", "lstm")``: the sweep as it was
        before the GRU rows of notebook 08 were added.

    Returns
    -------
    dict with ``configs``, ``records`` and ``meta``.
    """
    if path is None:
        sweep = json.loads(importlib.resources.files("rnnlib").joinpath("results", "lag_sweep.json").read_text())
    else:
        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(f"no sweep results at {path}: run `python experiments/lag_sweep.py --out {path}`")
        sweep = json.loads(path.read_text())
    if cells is None:
        return sweep
    cells = (cells,) if isinstance(cells, str) else tuple(cells)
    known = sorted({c["cell"] for c in sweep["configs"].values()})
    for cell in cells:
        if cell not in known:
            raise ValueError(f"cells must name cells of the sweep {known}; got {cell!r}")
    configs = {key: c for key, c in sweep["configs"].items() if c["cell"] in cells}
    return {"configs": configs, "records": [r for r in sweep["records"] if r["config"] in configs],
            "meta": sweep["meta"]}
