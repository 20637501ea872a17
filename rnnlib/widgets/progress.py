"""A training progress bar for people watching a notebook (a :class:`rnnlib.train.Callback`)."""

from __future__ import annotations

import ipywidgets as widgets

from ..train import Callback

__all__ = ["TrainingProgress"]


class TrainingProgress(Callback):
    """Progress bar and last-epoch line for :func:`rnnlib.train.train`.

    Parameters
    ----------
    total_steps : int
        Optimiser steps the run will take (the bar's maximum).
    description : str

    Examples
    --------
    >>> bar = TrainingProgress(total_steps=300)
    >>> bar.widget                                # display this, then
    >>> train(model, x, y, steps=300, callbacks=[bar])  # doctest: +SKIP
    """

    def __init__(self, total_steps, description="training"):
        if int(total_steps) < 1:
            raise ValueError(f"total_steps must be an integer >= 1; got {total_steps!r}")
        self.bar = widgets.IntProgress(value=0, min=0, max=int(total_steps), description=description)
        self.label = widgets.HTML("")
        self.widget = widgets.HBox([self.bar, self.label])

    def on_step_end(self, info):
        self.bar.value = min(info["step"] + 1, self.bar.max)
        if self.bar.value == self.bar.max:
            self.bar.bar_style = "success"

    def on_epoch_end(self, info):
        text = f"epoch {info['epoch'] + 1}: loss {info['loss']:.4f}, accuracy {info['accuracy']:.3f}"
        if "val_accuracy" in info:
            text += f", validation accuracy {info['val_accuracy']:.3f}"
        self.label.value = text
