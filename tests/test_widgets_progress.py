"""The training progress bar follows a real training run."""

import pytest

from rnnlib import SequenceClassifier, memory_task, train
from rnnlib.widgets.progress import TrainingProgress


def test_progress_bar_follows_training():
    x, y = memory_task(96, lag=2, seed=0)
    bar = TrainingProgress(total_steps=9)
    history = train(SequenceClassifier(8, 4), x, y, epochs=3, batch_size=32, callbacks=[bar],
                    val=memory_task(20, 2, seed=1))
    assert bar.bar.value == 9 == history.steps
    assert bar.bar.bar_style == "success"
    assert bar.label.value.startswith("epoch 3: loss ")
    assert f"{history.val_accuracy[-1]:.3f}" in bar.label.value


def test_progress_bar_checks_total():
    with pytest.raises(ValueError, match="total_steps must be an integer >= 1"):
        TrainingProgress(0)
