"""Accuracy against lag on the memory task: the experiment behind notebooks 04 and 06.

One *run* trains a fresh model on the memory task (:func:`rnnlib.data.memory_task`) with a given
cell, optimiser and initialisation, then measures accuracy on held-out sequences. A *sweep* runs
every configuration at every lag for several seeds. ``experiments/lag_sweep.py`` runs the full
sweep and writes ``rnnlib/results/lag_sweep.json`` (shipped inside the package, so an installed
course finds it), which the notebooks plot.
"""

from __future__ import annotations

import importlib.resources
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ._validate import check_dim
from .data import memory_task
from .model import SequenceClassifier
from .train import train

__all__ = ["RunConfig", "CONFIGS", "train_memory_run", "run_memory_task", "lag_sweep", "summarise", "load_sweep"]


@dataclass(frozen=True)
class RunConfig:
    """How one model is built and trained on the memory task.

    Attributes
    ----------
    name : str
        Label used in tables and plots.
    cell : {"rnn", "lstm"}
    optimizer : {"sgd", "adam"}
    lr : float
    momentum : float
        For SGD.
    init : {"uniform", "orthogonal"}
        Recurrent initialisation (uniform: PyTorch's default, spectral radius about 0.6).
    forget_bias : float
        Initial forget-gate bias (LSTM only).
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
    hidden_size: int = 32
    batch_size: int = 64
    steps: int = 300
    clip: float = 1.0


# The conditions of the essay's claim, then the twists that break it.
CONFIGS = {
    "rnn_sgd": RunConfig("RNN, SGD+momentum, uniform init"),
    "lstm_sgd_fb3": RunConfig("LSTM, SGD+momentum, forget bias 3", cell="lstm", forget_bias=3.0),
    "lstm_sgd_fb1": RunConfig("LSTM, SGD+momentum, forget bias 1", cell="lstm", forget_bias=1.0),
    "rnn_adam": RunConfig("RNN, Adam, uniform init", optimizer="adam", lr=1e-2),
    "rnn_orth": RunConfig("RNN, SGD+momentum, orthogonal init", init="orthogonal"),
}


def train_memory_run(config, lag, seed, n_test=1000, n_features=8):
    """Train one model on the memory task; return it with its history and the test data.

    Parameters
    ----------
    config : RunConfig
    lag : int
        Distractor steps between the signal and the end of the sequence.
    seed : int
        Seeds the weights, the training data and the test data (all different streams).
    n_test, n_features : int

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
    history = train(model, x, y, epochs=1, batch_size=config.batch_size, optimizer=config.optimizer,
                    lr=config.lr, momentum=config.momentum, clip=config.clip, seed=seed,
                    on_divergence="stop")
    return model, history, x_test, y_test


def run_memory_task(config, lag, seed, n_test=1000, n_features=8):
    """Train one model on the memory task and return its test accuracy.

    Parameters are those of :func:`train_memory_run`.

    Returns
    -------
    dict
        ``accuracy`` (test; 0.5, chance, if training diverged), ``final_loss`` (mean of the last
        20 steps), ``diverged`` (bool).
    """
    model, history, x_test, y_test = train_memory_run(config, lag, seed, n_test, n_features)
    if history.diverged:
        return {"accuracy": 0.5, "final_loss": float("nan"), "diverged": True}
    return {"accuracy": model.accuracy(x_test, y_test), "final_loss": float(np.mean(history.step_loss[-20:])),
            "diverged": False}


def lag_sweep(configs, lags, seeds, progress=None, **kwargs):
    """Run every configuration at every lag for every seed.

    Parameters
    ----------
    configs : dict of str to RunConfig
    lags : sequence of int
    seeds : sequence of int
    progress : file-like, optional
        One line per run is written here.

    Returns
    -------
    list of dict
        One record per run: ``config``, ``lag``, ``seed`` and the result of
        :func:`run_memory_task`.
    """
    records = []
    for key, config in configs.items():
        for lag in lags:
            for seed in seeds:
                result = run_memory_task(config, lag, seed, **kwargs)
                records.append({"config": key, "lag": int(lag), "seed": int(seed), **result})
                if progress is not None:
                    print(f"{key:14s} lag {lag:3d} seed {seed}: accuracy {result['accuracy']:.3f}",
                          file=progress, flush=True)
    return records


def summarise(records, solved=0.9):
    """Mean accuracy and number of seeds that solved the task, per configuration and lag.

    Returns
    -------
    dict
        ``{config: {lag: {"mean": float, "min": float, "solved": int, "runs": int}}}``; a run counts
        as solved when its accuracy is at least ``solved``.
    """
    table = {}
    for r in records:
        table.setdefault(r["config"], {}).setdefault(r["lag"], []).append(r["accuracy"])
    return {
        key: {
            lag: {"mean": float(np.mean(a)), "min": float(np.min(a)), "solved": int(np.sum(np.array(a) >= solved)),
                  "runs": len(a)}
            for lag, a in sorted(lags.items())
        }
        for key, lags in table.items()
    }


def save_sweep(path, records, configs, meta=None):
    """Write a sweep's records and configurations to JSON."""
    payload = {"configs": {k: asdict(c) for k, c in configs.items()}, "records": records, "meta": meta or {}}
    Path(path).write_text(json.dumps(payload, indent=1) + "\n")


def load_sweep(path=None):
    """Read a sweep written by :func:`save_sweep` (default: the committed full sweep).

    Returns
    -------
    dict with ``configs``, ``records`` and ``meta``.
    """
    if path is None:
        text = importlib.resources.files("rnnlib").joinpath("results", "lag_sweep.json").read_text()
        return json.loads(text)
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no sweep results at {path}: run `python experiments/lag_sweep.py --out {path}`")
    return json.loads(path.read_text())
