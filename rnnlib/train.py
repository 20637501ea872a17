"""A small training loop with callbacks, clipping, seeded shuffling, divergence detection and a progress bar."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

import numpy as np

from ._validate import as_array, check_dim
from .losses import check_lengths
from .model import predictions
from .optim import SGD, Adam, clip_grad_norm, global_norm

__all__ = ["train", "History", "Callback", "TrainingDiverged", "StopTraining", "make_optimizer", "progress_bar"]


class TrainingDiverged(RuntimeError):
    """Raised when the loss or the gradients become NaN or inf; ``.history`` holds the run so far."""

    def __init__(self, message, history=None):
        super().__init__(message)
        self.history = history


class StopTraining(Exception):
    """Raise from a callback to end training early (the history is kept)."""


class Callback:
    """Base class of training callbacks; override the hooks you need.

    ``info`` is a dict. After each step: ``step``, ``epoch``, ``loss``, ``accuracy`` (of the
    batch), ``grad_norm`` (global, before clipping) and ``grad_norms`` (per parameter). After each
    epoch: ``epoch``, ``step``, ``loss`` and ``accuracy`` (means over the epoch), and
    ``val_loss``/``val_accuracy`` when validation data was given.
    """

    def on_step_end(self, info):
        """Called after every optimiser step."""

    def on_epoch_end(self, info):
        """Called after every pass over the training data."""


@dataclass
class History:
    """What happened during :func:`train`, as lists of floats (one entry per step or epoch)."""

    step_loss: list = field(default_factory=list)
    step_grad_norm: list = field(default_factory=list)
    epoch_loss: list = field(default_factory=list)
    epoch_accuracy: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_accuracy: list = field(default_factory=list)
    diverged: str | None = None

    @property
    def steps(self):
        return len(self.step_loss)


def make_optimizer(params, optimizer="sgd", lr=0.1, momentum=0.9):
    """``"sgd"`` (with momentum) or ``"adam"`` over ``params``; an optimiser object passes through."""
    if optimizer == "sgd":
        return SGD(params, lr=lr, momentum=momentum)
    if optimizer == "adam":
        return Adam(params, lr=lr)
    if hasattr(optimizer, "step"):
        return optimizer
    raise ValueError(f"optimizer must be 'sgd', 'adam' or an object with .step(grads); got {optimizer!r}")


def progress_bar(progress, total, desc):
    """A tqdm progress bar for long work (training, a sweep), or None.

    Parameters
    ----------
    progress : bool or file-like
        False: no bar (returns None). True: ``tqdm.auto``, a widget in JupyterLab and text on
        standard error in a terminal or CI. A file-like object: a text bar written to it.
    total : int
        Units of work (the bar's 100%).
    desc : str
        The bar's label.

    Returns
    -------
    tqdm.tqdm or None
        Call ``update()`` after each unit of work and ``close()`` at the end.
    """
    if progress is None or progress is False:
        return None
    if progress is True:
        from tqdm.auto import tqdm  # imported when asked for: the library stays numpy-only at import

        return tqdm(total=total, desc=desc)
    if not hasattr(progress, "write"):
        raise ValueError(f"progress must be True, False or a file-like object with .write(); got {progress!r}")
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, file=progress)


def _count_correct(s, y, mask=None):
    """(correct, counted): whole sequences for a classifier's s (N, C); real steps for s (N, T, V)."""
    if s.ndim == 2:
        return int(np.sum(predictions(s) == y)), len(y)
    real = np.ones(y.shape, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)  # (N, T)
    return int(np.sum((s.argmax(axis=2) == y) & real)), int(real.sum())


def _batch(per_example, idx):
    """The keyword arguments of ``model.loss`` for the examples ``idx``: each array sliced by row."""
    return {name: value[idx] for name, value in per_example.items() if value is not None}


def _evaluate(model, x, y, per_example, batch_size=1024):
    losses, correct, counted = [], 0, 0
    for start in range(0, len(y), batch_size):
        sl = slice(start, start + batch_size)
        kw = _batch(per_example, sl)
        loss, _, s = model.loss(x[sl], y[sl], **kw)
        losses.append(loss * len(y[sl]))
        c, k = _count_correct(s, y[sl], kw.get("mask"))
        correct, counted = correct + c, counted + k
    return float(np.sum(losses) / len(y)), correct / counted


def _per_example(lengths, extras, N, T):
    """Every per-example array train slices with each batch: ``lengths`` and the ``extras``."""
    per_example = {"lengths": None if lengths is None else check_lengths(lengths, N, T)}
    for name, value in (extras or {}).items():
        value = np.asarray(value)
        if value.ndim == 0 or value.shape[0] != N:
            raise ValueError(f"extras[{name!r}] must have N={N} rows (one per sequence in x); got shape {value.shape}")
        per_example[name] = value
    return per_example


def train(model, x, y, *, lengths=None, extras=None, epochs=None, steps=None, batch_size=32, optimizer="sgd",
          lr=0.1, momentum=0.9, clip=None, seed=0, callbacks=(), val=None, progress=False,
          on_divergence="raise"):
    """Train a :class:`~rnnlib.model.SequenceClassifier`, a :class:`~rnnlib.model.CharLanguageModel` or a
    :class:`~rnnlib.model.BlankReader`.

    One loop serves all three: each mini-batch is ``model.loss(x[idx], y[idx], **extras_of_idx)``,
    where every per-example array (``lengths``, the ``extras``) is sliced with the same ``idx``.

    Parameters
    ----------
    model : SequenceClassifier, CharLanguageModel or BlankReader
        Its ``params`` are updated in place. A model with a ``check_data(x, y)`` method checks its
        own x and y (the BlankReader).
    x : array_like, shape (N, T, D); for a language model or a BlankReader of int, shape (N, T)
        Sequences; a language model reads letter ids, a BlankReader symbol ids with one blank.
    y : array_like, shape (N,); for a language model of int, shape (N, T)
        One label per sequence (a BlankReader: the letter at the blank), or (language model) one
        target per step.
    lengths : array_like of int, shape (N,), optional
        True lengths of post-padded sequences (classifier, BlankReader).
    extras : dict of str to array_like, optional
        More per-example arrays (first axis N), sliced with each batch and passed to
        ``model.loss`` by name: for a language model ``{"mask": mask, "condition": condition}``,
        mask (N, T) and condition (N,); for a BlankReader ``{"position": position}`` (N,) (or
        ``SmudgedWords.extras()``, lengths included, with ``lengths`` left out).
    epochs, steps : int
        Train for this many passes over the data, or this many optimiser steps (exactly one).
    batch_size : int
        Mini-batch size; N for full-batch gradient descent.
    optimizer : {"sgd", "adam"} or object with ``step(grads)``
    lr, momentum : float
        Learning rate; momentum for SGD.
    clip : float, optional
        Clip the global gradient norm to this value.
    seed : int
        Seed of the shuffling (the weights are seeded by the model).
    callbacks : sequence of Callback
    val : tuple (x, y), (x, y, lengths) or (x, y, extras), optional
        Validation data, evaluated after every epoch (``extras`` a dict as above).
    progress : bool or file-like
        False (default): silent. True: a progress bar over the optimiser steps with the last
        epoch's loss and accuracy (``tqdm.auto``: a widget in JupyterLab, text on standard error
        elsewhere). A file-like object: the same bar as text, written to it. See
        :func:`progress_bar`.
    on_divergence : {"raise", "stop"}
        On a NaN or inf loss or gradient: raise :class:`TrainingDiverged`, or stop, print the
        message (to the ``progress`` file if one is given, else to standard output) and return the
        history with ``history.diverged`` set.

    Returns
    -------
    History
        Accuracy (per step and per epoch) is the fraction of sequences classified correctly for
        a classifier (a BlankReader: of blanks restored), and for a language model the fraction
        of real steps (mask 1) whose likeliest next letter is the target.
    """
    dims = {}
    if hasattr(model, "check_data"):  # a model that checks its own data (BlankReader: ids x (N, T), letters y (N,))
        x, y = model.check_data(x, y)
        dims["N"], dims["T"] = x.shape[:2]
    elif getattr(model, "per_step_targets", False):  # a language model: ids x (N, T), targets y (N, T)
        x = model.check_ids("x", x)
        dims["N"], dims["T"] = x.shape
        y = model.check_ids("y", y)
        if y.shape != x.shape:
            raise ValueError(f"y must have shape {x.shape} (one target per step of x); got shape {y.shape}")
    else:
        x = as_array("x", x, ("N", "T", model.input_size), dims)
        y = np.asarray(y)
        if y.shape != (dims["N"],):
            raise ValueError(f"y must have shape ({dims['N']},) (one label per sequence in x); got shape {y.shape}")
    per_example = _per_example(lengths, extras, dims["N"], dims["T"])
    if (epochs is None) == (steps is None):
        raise ValueError(f"give exactly one of epochs and steps; got epochs={epochs!r}, steps={steps!r}")
    total_steps = None if steps is None else check_dim("steps", steps)
    n_epochs = None if epochs is None else check_dim("epochs", epochs)
    batch_size = check_dim("batch_size", batch_size)
    if on_divergence not in ("raise", "stop"):
        raise ValueError(f"on_divergence must be 'raise' or 'stop'; got {on_divergence!r}")
    if val is not None:
        vx, vy, *rest = val
        vextra = rest[0] if rest else None
        vx, vy = np.asarray(vx), np.asarray(vy)
        val = (vx, vy, _per_example(None, vextra, len(vy), vx.shape[1]) if isinstance(vextra, dict)
               else _per_example(vextra, None, len(vy), vx.shape[1]))
    out = progress if hasattr(progress, "write") else sys.stdout  # where a divergence message goes
    opt = make_optimizer(model.params, optimizer, lr, momentum)
    rng = np.random.default_rng(seed)
    history = History()
    N = dims["N"]
    bar = progress_bar(progress, total_steps or n_epochs * -(-N // batch_size), "training")  # steps
    step, epoch = 0, 0
    try:
        while (n_epochs is None or epoch < n_epochs) and (total_steps is None or step < total_steps):
            order = rng.permutation(N)
            ep_loss, ep_correct, ep_counted, ep_seen = 0.0, 0, 0, 0
            for start in range(0, N, batch_size):
                idx = order[start:start + batch_size]
                batch = _batch(per_example, idx)  # lengths, mask, condition, ... of these examples
                bad_params = [k for k, p in model.params.items() if not np.all(np.isfinite(p))]
                if bad_params:
                    loss = norm = float("nan")
                else:
                    with np.errstate(over="ignore", invalid="ignore"):
                        loss, grads, s = model.loss(x[idx], y[idx], **batch)
                        norm = global_norm(grads)
                if bad_params or not (np.isfinite(loss) and np.isfinite(norm)):
                    where = f"; parameters {', '.join(bad_params)} hold NaN or inf" if bad_params else ""
                    history.diverged = (
                        f"training diverged at step {step} (epoch {epoch}): the loss is {loss} and the "
                        f"gradient norm is {norm}{where}. Lower the learning rate (lr={lr}) or clip the "
                        f"gradients (clip={clip})."
                    )
                    if on_divergence == "raise":
                        raise TrainingDiverged(history.diverged, history)
                    if bar is not None:
                        bar.close()
                    print(history.diverged, file=out)
                    return history
                grad_norms = {k: float(np.linalg.norm(g)) for k, g in grads.items()}
                if clip is not None:
                    grads, _ = clip_grad_norm(grads, clip)
                opt.step(grads)
                correct, counted = _count_correct(s, y[idx], batch.get("mask"))
                history.step_loss.append(loss)
                history.step_grad_norm.append(norm)
                ep_loss += loss * len(idx)
                ep_correct += correct
                ep_counted += counted
                ep_seen += len(idx)
                info = {"step": step, "epoch": epoch, "loss": loss, "accuracy": correct / counted,
                        "grad_norm": norm, "grad_norms": grad_norms}
                step += 1
                if bar is not None:
                    bar.update()
                for cb in callbacks:
                    cb.on_step_end(info)
                if total_steps is not None and step >= total_steps:
                    break
            history.epoch_loss.append(ep_loss / ep_seen)
            history.epoch_accuracy.append(ep_correct / ep_counted)
            info = {"epoch": epoch, "step": step, "loss": history.epoch_loss[-1],
                    "accuracy": history.epoch_accuracy[-1]}
            if val is not None:
                vloss, vacc = _evaluate(model, *val)
                history.val_loss.append(vloss)
                history.val_accuracy.append(vacc)
                info.update(val_loss=vloss, val_accuracy=vacc)
            epoch += 1
            if bar is not None:
                shown = {"epoch": epoch, "loss": f"{info['loss']:.4f}", "acc": f"{info['accuracy']:.3f}"}
                if val is not None:
                    shown["val_acc"] = f"{info['val_accuracy']:.3f}"
                bar.set_postfix(shown)
            for cb in callbacks:
                cb.on_epoch_end(info)
    except StopTraining:
        pass
    finally:
        if bar is not None:
            bar.close()
    return history
