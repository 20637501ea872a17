"""Progress bars (tqdm) on long work: training and the lag sweep."""

import io

import pytest

from rnnlib import SequenceClassifier, memory_task, train
from rnnlib.lessons.vanishing_gradient import RunConfig, lag_sweep
from rnnlib.train import progress_bar


def _last_frame(text):
    """The bar as a terminal shows it at the end (tqdm redraws the line after each carriage return)."""
    return text.rstrip().split("\r")[-1]


def test_train_progress_true_draws_a_bar_on_stderr_that_reaches_every_step(capsys):
    x, y = memory_task(96, lag=2, seed=0)
    history = train(SequenceClassifier(8, 4, seed=0), x, y, epochs=3, batch_size=32, progress=True)
    captured = capsys.readouterr()
    last = _last_frame(captured.err)
    assert captured.out == ""
    assert last.startswith("training: 100%") and " 9/9 " in last and history.steps == 9
    assert f"loss={history.epoch_loss[-1]:.4f}" in last and f"acc={history.epoch_accuracy[-1]:.3f}" in last


def test_train_progress_to_a_file_and_off(capsys):
    x, y = memory_task(64, lag=2, seed=0)
    out = io.StringIO()
    history = train(SequenceClassifier(8, 4, seed=0), x, y, steps=5, batch_size=16, progress=out,
                    val=memory_task(20, 2, seed=1))
    last = _last_frame(out.getvalue())
    assert "100%" in last and " 5/5 " in last and "epoch=2" in last  # 4 steps per epoch
    assert f"val_acc={history.val_accuracy[-1]:.3f}" in last
    train(SequenceClassifier(8, 4, seed=0), x, y, steps=5, batch_size=16)  # progress=False by default
    assert capsys.readouterr() == ("", "")
    with pytest.raises(ValueError, match="progress must be True, False or a file-like object"):
        train(SequenceClassifier(8, 4, seed=0), x, y, steps=1, progress="yes")


def test_progress_bar_helper():
    assert progress_bar(False, 10, "x") is None and progress_bar(None, 10, "x") is None
    out = io.StringIO()
    bar = progress_bar(out, 4, "work")
    bar.update(4)
    bar.close()
    assert _last_frame(out.getvalue()).startswith("work: 100%")


def test_lag_sweep_progress_counts_the_runs():
    tiny = {"tiny": RunConfig("tiny RNN", hidden_size=4, batch_size=8, steps=2)}
    out = io.StringIO()
    records = lag_sweep(tiny, lags=(2, 3), seeds=(0, 1), progress=out, n_test=16)
    last = _last_frame(out.getvalue())
    assert len(records) == 4
    assert last.startswith("lag sweep: 100%") and " 4/4 " in last
    assert f"tiny lag 3 seed 1: accuracy {records[-1]['accuracy']:.3f}" in last
