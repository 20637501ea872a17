"""Tests of rnnlib.viz.unrolled_many_to_one: the unrolled many-to-one diagram and the training curves."""

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.patches import FancyArrowPatch

from rnnlib.train import History
from rnnlib.viz.style import figure_to_png
from rnnlib.viz.unrolled_many_to_one import (
    OUT_LABEL,
    STEP,
    UnrolledDiagram,
    draw_unrolled,
    plot_training_curves,
    unrolled_figsize,
)


def _texts(fig):
    """The visible texts of the figure, in drawing order."""
    return [t.get_text() for ax in fig.axes for t in ax.texts if t.get_visible()]


def _arrows(ax):
    return [p for p in ax.patches if isinstance(p, FancyArrowPatch) and p.get_visible()]


@pytest.mark.parametrize("word", ["a", "sad", "hopelessness"])
def test_diagram_any_length(word):
    T = len(word)
    fig = draw_unrolled(word)
    assert isinstance(fig, Figure)
    texts = _texts(fig)
    # one letter box, one x_t label and one h_t label per step, and one output y_hat = sigma(s)
    assert [t for t in texts if len(t) == 1] == list(word)
    assert [f"$x_{{{t}}}$" for t in range(1, T + 1)] == [t for t in texts if t.startswith("$x_")]
    assert [f"$h_{{{t}}}$" for t in range(1, T + 1)] == [t for t in texts if t.startswith("$h_{")]
    # shared weights: the same W_x and W_h label on every step's arrows, one W_y
    assert texts.count("$W_x$") == T and texts.count("$W_h$") == T and texts.count("$W_y$") == 1
    assert texts.count(OUT_LABEL) == 1 and OUT_LABEL == r"$\hat{y} = \sigma(s)$"
    assert len(_arrows(fig.axes[0])) == 2 * T + 1  # W_x and W_h per step, W_y once
    assert any(f"unrolled over {T} step" in t for t in texts)  # the title
    assert len(figure_to_png(fig)) > 1000


def test_diagram_width_grows_with_length():
    assert unrolled_figsize(12)[0] > unrolled_figsize(3)[0] >= unrolled_figsize(1)[0]
    assert unrolled_figsize(3, gradients=True)[1] > unrolled_figsize(3)[1]


def test_diagram_hidden_heatmap_probability_and_gradients(rng):
    hidden = np.tanh(rng.normal(size=(4, 6)))
    fig = draw_unrolled("good", hidden=hidden, prob=0.83, grad_norms=[0.1, 0.2, 0.4, 0.8])
    ax = fig.axes[0]
    images = [a for a in ax.get_children() if isinstance(a, AxesImage)]
    assert len(images) == 4
    np.testing.assert_allclose(images[2].get_array()[:, 0], hidden[2])  # column t shows h_t
    assert len(fig.axes) == 2  # the colour bar
    texts = _texts(fig)
    assert any("0.83" in t for t in texts)
    assert {"0.1", "0.2", "0.4", "0.8"} <= set(texts)  # gradient-norm bar labels
    assert len(_arrows(ax)) == 2 * 4 + 1 + 4 + 1  # forward + backward per step + dL/ds -> h_T
    # hidden units top to bottom: unit 1 (code index 0) in the top row of each column
    assert images[0].origin == "upper"
    assert "unit 1 at the top" in fig.axes[1].get_ylabel()


def test_live_diagram_updates_in_place(rng):
    fig = Figure()
    ax = fig.add_subplot(1, 1, 1)
    diagram = UnrolledDiagram(ax, max_steps=6, hidden_size=3)
    n_artists = len(ax.get_children())
    diagram.update("sad", hidden=np.zeros((3, 3)), prob=0.2, grad_norms=[0.1, 0.4, 0.2])
    texts = _texts(fig)
    assert [t for t in texts if len(t) == 1] == ["s", "a", "d"] and texts.count("$W_h$") == 3
    widths = [a.get_linewidth() for a in diagram.back_arrows[:3]]
    assert widths[1] == max(widths) and widths[0] == min(widths)  # wider where the gradient is larger
    out_centre = diagram.out_box.get_x() + diagram.out_box.get_width() / 2
    assert out_centre == pytest.approx(STEP * 3)  # the output sits above h_T
    first = figure_to_png(fig)
    hidden = np.tanh(rng.normal(size=(5, 3)))
    diagram.update("happy", hidden=hidden, prob=0.9)
    assert len(ax.get_children()) == n_artists  # nothing created, only changed
    assert [t for t in _texts(fig) if len(t) == 1] == list("happy")
    np.testing.assert_allclose(diagram.images[4].get_array()[:, 0], hidden[4])
    assert not diagram.images[5].get_visible() and not diagram.back_arrows[0].get_visible()
    assert figure_to_png(fig) != first
    with pytest.raises(ValueError, match="at most 6 letters"):
        diagram.update("abcdefg")
    with pytest.raises(ValueError, match="hidden_size"):
        UnrolledDiagram(ax, 3).update("abc", hidden=np.zeros((3, 2)))
    with pytest.raises(ValueError, match="max_steps"):
        UnrolledDiagram(ax, 0)


def test_diagram_into_existing_axes_clears_it():
    fig, ax = Figure(), None
    ax = fig.add_subplot(1, 1, 1)
    draw_unrolled("abcdef", ax=ax)
    n_long = len(ax.patches)
    out = draw_unrolled("ab", ax=ax)
    assert out is fig and len(ax.patches) < n_long


@pytest.mark.parametrize("kwargs, match", [
    (dict(word=""), "at least one letter"),
    (dict(word="abc", hidden=np.zeros((2, 4))), "hidden must have shape"),
    (dict(word="abc", prob=1.5), "prob"),
    (dict(word="abc", grad_norms=[1.0, 2.0]), "grad_norms must have shape"),
    (dict(word="abc", grad_norms=[1.0, -2.0, 0.0]), ">= 0"),
])
def test_diagram_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        draw_unrolled(**kwargs)


def test_training_curves():
    h = History(epoch_loss=[0.7, 0.6, 0.5], epoch_accuracy=[0.5, 0.6, 0.7], val_loss=[0.7, 0.65, 0.66],
                val_accuracy=[0.5, 0.55, 0.54])
    h2 = History(epoch_loss=[0.7, 0.4], epoch_accuracy=[0.5, 0.8])
    fig = plot_training_curves({"random": h, "family": h2}, baselines={"majority": 0.56})
    ax_loss, ax_acc = fig.axes
    assert len(ax_loss.lines) == 3 and len(ax_acc.lines) == 4  # + the baseline line
    np.testing.assert_allclose(ax_acc.lines[1].get_ydata(), h.val_accuracy)
    assert ax_loss.get_xlabel() == "epoch" and "loss" in ax_loss.get_ylabel()
    assert "accuracy" in ax_acc.get_ylabel()
    with pytest.raises(ValueError, match="histories"):
        plot_training_curves({})
    with pytest.raises(ValueError, match="at least one epoch"):
        plot_training_curves({"x": History()})
