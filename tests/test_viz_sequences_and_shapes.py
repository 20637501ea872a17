"""rnnlib.viz.sequences_and_shapes: every figure is labelled, shows the data it is given, and rejects bad input."""

import subprocess
import sys

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from rnnlib import one_hot_word
from rnnlib.lessons.sequences_and_shapes import BatchNoiseResult
from rnnlib.viz.sequences_and_shapes import (
    VolumeBlock,
    _edge,
    draw_volume_block,
    plot_ambiguous_glyph,
    plot_context_accuracy,
    plot_gradient_noise,
    plot_one_hot_word,
    plot_padded_batch,
    plot_volume,
)
from rnnlib.viz.style import figure_to_png, new_figure


def _labelled(ax):
    return bool(ax.get_title()) and bool(ax.get_xlabel()) and bool(ax.get_ylabel())


def test_ambiguous_glyph_draws_the_same_shape_twice():
    fig = plot_ambiguous_glyph()
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_title()
    orange = [line for line in ax.lines if line.get_color() == "#E69F00"]
    assert len(orange) == 6  # three strokes, drawn in "THE" and in "CAT"
    first, second = orange[:3], orange[3:]
    for a, b in zip(first, second, strict=True):
        np.testing.assert_allclose(b.get_xdata() - a.get_xdata(), 3.0)  # the very same shape, shifted
        np.testing.assert_allclose(b.get_ydata(), a.get_ydata())
    assert [t.get_text() for t in ax.texts] == ["read as H", "read as A"]


def test_context_accuracy_bars():
    result = {"no context": 0.1, "left neighbour": 0.2, "both neighbours": 0.45, "whole word": 0.98, "n_letters": 9}
    fig = plot_context_accuracy(result)
    ax = fig.axes[0]
    assert _labelled(ax)
    np.testing.assert_allclose([bar.get_width() for bar in ax.patches], [10, 20, 45, 98])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["no context", "left neighbour", "both neighbours",
                                                            "whole word"]
    with pytest.raises(ValueError, match="result"):
        plot_context_accuracy({"accuracy": 1.0})


def test_one_hot_word_shows_the_matrix():
    fig = plot_one_hot_word("good", max_len=6)
    ax = fig.axes[0]
    assert _labelled(ax)
    np.testing.assert_array_equal(ax.images[0].get_array(), one_hot_word("good", 6).T)  # (D, T): time left to right
    assert [t.get_text() for t in ax.get_yticklabels()] == list("abcdefghijklmnopqrstuvwxyz")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1\ng", "2\no", "3\no", "4\nd", "5\npad", "6\npad"]
    assert "(6, 26)" in ax.get_title()
    with pytest.raises(ValueError, match="lower-case"):
        plot_one_hot_word("Good")


def test_padded_batch_marks_padding_and_lengths():
    words = ["good", "awful", "sad"]
    fig = plot_padded_batch(words)
    ax = fig.axes[0]
    assert _labelled(ax)
    assert "(3, 5, 26)" in ax.get_title()
    hatched = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_hatch()]
    assert len(hatched) == (5 - 4) + (5 - 5) + (5 - 3)  # one per padding cell
    texts = [t.get_text() for t in ax.texts]
    assert {"lengths[0] = 4", "lengths[1] = 5", "lengths[2] = 3"} <= {t.strip() for t in texts}
    np.testing.assert_array_equal(ax.images[0].get_array(), [[1, 1, 1, 1, 0], [1, 1, 1, 1, 1], [1, 1, 1, 0, 0]])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "2", "3", "4", "5"]  # steps t = 1..T
    with pytest.raises(ValueError, match="max_len"):
        plot_padded_batch(words, max_len=3)


def test_volume_block_geometry_and_update():
    fig, ax = new_figure(nrows=1, ncols=1)
    block = VolumeBlock(ax, 64, 5, 26)
    front = block.front.get_xy()
    assert front[:, 0].max() == pytest.approx(_edge(26))  # width: features D, log scale
    assert front[:, 1].max() == pytest.approx(_edge(5))  # height: steps T
    assert block.label_D.get_text() == "D = 26 features"
    assert block.label_T.get_text() == "T = 5 steps"
    assert block.label_N.get_text() == "N = 64 sequences"
    assert "8,320 numbers" in block.total.get_text() and "66,560 bytes" in block.total.get_text()
    png = figure_to_png(fig)
    block.update(512, 7, 80, "float32")
    assert block.front.get_xy()[:, 0].max() == pytest.approx(_edge(80))
    assert block.label_N.get_text() == "N = 512 sequences"
    assert "float32" in block.total.get_text() and f"{512 * 7 * 80 * 4:,} bytes" in block.total.get_text()
    assert figure_to_png(fig) != png
    depth_before = block.top.get_xy()[2, 0] - block.top.get_xy()[1, 0]
    block.update(8192, 7, 80)
    assert block.top.get_xy()[2, 0] - block.top.get_xy()[1, 0] > depth_before  # bigger batch, deeper box
    with pytest.raises(ValueError, match="N"):
        block.update(0, 7, 80)


def test_edge_is_log_scale():
    assert _edge(1) == 1.0
    assert _edge(64) - _edge(32) == pytest.approx(_edge(2) - _edge(1))


def test_draw_volume_block_and_plot_volume():
    fig = draw_volume_block(32, 19, 26)
    assert isinstance(fig, Figure) and fig.axes[0].get_title()
    fig = plot_volume(64, 5, 26, 16)
    ax_block, ax_table = fig.axes
    assert ax_block.get_title() and ax_table.get_title()
    table = ax_table.texts[0].get_text()
    assert "705" in table and "2,113" in table and "216,064" in table
    with pytest.raises(ValueError, match="H"):
        plot_volume(64, 5, 26, 0)


def _result():
    M = 1000
    B = np.array([8, 32, 128, M])
    rel = np.array([2.0, 1.0, 0.5, 0.0])
    cosines = (np.array([-0.5, 0.9, 0.9]), np.array([0.2, 0.9, 0.9]), np.array([0.9, 0.9, 0.95]), np.ones(1))
    return BatchNoiseResult(
        batch_sizes=B, n_total=M, cosines=cosines, rel_devs=(*(np.full(3, r) for r in rel[:3]), np.zeros(1)),
        cosine_mean=np.array([c.mean() for c in cosines]), cosine_std=np.array([c.std() for c in cosines]),
        frac_opposite=np.array([1 / 3, 0, 0, 0]), rel_dev_rms=rel, seconds_per_step=np.array([1e-4, 2e-4, 1e-3, 1e-2]),
        seconds_per_step_min=np.array([1e-4, 1e-4, 9e-4, 9e-3]), steps_per_epoch=-(-M // B), noise_scale=5.6,
        full_loss=0.69)


def test_plot_gradient_noise():
    fig = plot_gradient_noise(_result())
    ax_dev, ax_cos, ax_time = fig.axes
    for ax in fig.axes:
        assert _labelled(ax)
    assert "ms" in ax_time.get_ylabel()
    assert all("batch size N" in ax.get_xlabel() for ax in fig.axes)  # N is the batch size everywhere
    np.testing.assert_allclose(ax_time.lines[0].get_ydata(), [0.1, 0.2, 1.0, 10.0])  # milliseconds
    np.testing.assert_allclose(ax_dev.lines[0].get_ydata(), [2.0, 1.0, 0.5])  # full batch (0) left out of log axes
    assert ax_dev.get_xscale() == "log" and ax_dev.get_yscale() == "log"
    np.testing.assert_allclose(ax_cos.lines[0].get_ydata(), [1.3 / 3, 2.0 / 3, 2.75 / 3, 1.0])
    assert len(ax_cos.collections) == 4  # one dot per batch, per batch size
    assert ax_cos.get_ylim()[0] < -0.5  # the batch pointing away is visible
    with pytest.raises(ValueError, match="BatchNoiseResult"):
        plot_gradient_noise({"batch_sizes": [8]})


def test_viz_module_is_pyplot_free():
    code = "import sys, rnnlib.viz.sequences_and_shapes; print('matplotlib.pyplot' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
