"""Tests of rnnlib.viz.rnn_recurrence: Figure 1 diagram, step bars, the word-steps figure."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from rnnlib.lessons.rnn_recurrence import demo_parameters, word_steps
from rnnlib.viz.rnn_recurrence import WordStepsFigure, plot_recurrence_diagram, plot_step_bars, plot_word_steps
from rnnlib.viz.style import figure_to_png


@pytest.fixture
def params():
    return demo_parameters(hidden_size=4, seed=0)


def _texts(fig):
    out = [t.get_text() for t in fig.texts]
    for ax in fig.axes:
        out += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        out += [t.get_text() for t in ax.texts]
    return out


def test_diagram_shapes_in_titles_and_centred_colours(params):
    fig = plot_recurrence_diagram(params["Wx"], params["Wh"], params["b"], params["Wy"], params["by"], letter="o")
    assert isinstance(fig, Figure)
    titles = [ax.get_title() for ax in fig.axes]
    assert any("W_x" in t and "26 $\\times$ 4" in t for t in titles)
    assert any("W_h" in t and "4 $\\times$ 4" in t for t in titles)
    assert any("$b$" in t and "(4,)" in t for t in titles)
    assert any("W_y" in t and "4 $\\times$ 1" in t for t in titles)
    vmax = max(np.abs(params[k]).max() for k in params)
    for ax in fig.axes[:4]:
        im = ax.images[0]
        assert im.norm.vmin == pytest.approx(-vmax) and im.norm.vmax == pytest.approx(vmax)  # centred at 0
    np.testing.assert_array_equal(fig.axes[0].images[0].get_array(), params["Wx"])
    texts = " ".join(_texts(fig))
    assert "picks row 'o'" in texts and "tanh" in texts and "becomes $h_{t-1}$" in texts
    arrows = [p for p in fig.artists if type(p).__name__ == "FancyArrowPatch"]
    assert len(arrows) >= 10  # x->Wx->xWx, h->Wh->hWh, both + b into the sum, tanh, h_t, loop, readout
    assert figure_to_png(fig)[:8] == b"\x89PNG\r\n\x1a\n"


def test_diagram_without_readout_and_cell_values(params):
    fig = plot_recurrence_diagram(params["Wx"], params["Wh"], params["b"])
    assert not any("W_y" in ax.get_title() for ax in fig.axes)
    wh_ax = next(ax for ax in fig.axes if "W_h" in ax.get_title())
    assert f"{params['Wh'][0, 1]:.2f}" in [t.get_text() for t in wh_ax.texts]  # H <= 6: numbers in cells


def test_diagram_bad_input(params):
    with pytest.raises(ValueError, match="Wh"):
        plot_recurrence_diagram(params["Wx"], np.ones((3, 4)), params["b"])
    with pytest.raises(ValueError, match="letter"):
        plot_recurrence_diagram(params["Wx"], params["Wh"], params["b"], letter="O")
    with pytest.raises(ValueError, match="Wy and by"):
        plot_recurrence_diagram(params["Wx"], params["Wh"], params["b"], Wy=params["Wy"])
    with pytest.raises(ValueError, match="26 rows"):
        plot_recurrence_diagram(np.ones((5, 4)), params["Wh"], params["b"], letter="a")


def test_step_bars_heights_are_the_intermediates(params):
    steps = word_steps("good", params["Wx"], params["Wh"], params["b"])
    fig = plot_step_bars(steps.step(2), title="step 2")
    assert len(fig.axes) == 5
    s = steps.step(2)
    for ax, values in zip(fig.axes, (s.x_Wx, s.h_Wh, s.b, s.a, s.h), strict=True):
        np.testing.assert_allclose([bar.get_height() for bar in ax.patches], values)
        assert ax.get_xlabel() == "hidden unit $j$ = 1 … 4"  # numbered from 1, and the label says so
    assert fig.axes[0].get_ylabel() == "value"
    lo, hi = fig.axes[0].get_ylim()
    assert lo == -hi and hi >= 1.25


def test_step_bars_draw_the_tanh_range_as_dotted_lines_inside_the_panel(params):
    # the notebook's prose says "tanh squashes each a_t into (-1, 1) (dotted lines)": they must be visible,
    # that is strictly inside the y range, not on the frame (the demo step's values are all below 1)
    steps = word_steps("good", params["Wx"], params["Wh"], params["b"])
    ax = plot_step_bars(steps.step(2)).axes[-1]
    dotted = sorted(line.get_ydata()[0] for line in ax.lines if line.get_linestyle() == ":")
    assert dotted == [-1.0, 1.0]
    lo, hi = ax.get_ylim()
    assert lo < -1.0 and hi > 1.0
    assert {text.get_text() for text in ax.texts} >= {"+1", "−1"}


def test_step_bars_bad_input(params):
    steps = word_steps("good", params["Wx"], params["Wh"], params["b"])
    with pytest.raises(ValueError, match="StepIntermediates"):
        plot_step_bars(steps)
    with pytest.raises(ValueError, match="1-D arrays"):
        from rnnlib.lessons.rnn_recurrence import rnn_step_intermediates

        plot_step_bars(rnn_step_intermediates(np.ones((2, 26)), np.zeros((2, 4)), params["Wx"], params["Wh"],
                                              params["b"]))


def _pixels(png):
    from io import BytesIO

    from PIL import Image

    return np.asarray(Image.open(BytesIO(png)).convert("RGB"), dtype=int)


def _cell_colour(painter, png, s, j):
    """The RGB colour of the heatmap cell of step s (1..T) and unit j (1..H) in ``png``."""
    x, y = painter.ax_states.transData.transform((s - 1, j - 1))
    return _pixels(png)[int(painter.fig.bbox.height - y), int(x)]


def test_word_steps_figure_updates_in_place(params):
    steps = word_steps("good", params["Wx"], params["Wh"], params["b"])
    painter = WordStepsFigure(steps, 2, dpi=60)
    first = painter.to_png()
    heights = [bar.get_height() for bar in painter.bars.bars["h"]]
    np.testing.assert_allclose(heights, steps.h[1])
    np.testing.assert_allclose(painter.image.get_array(), steps.h.T)  # every state; the unread ones covered
    grey = [0xEE, 0xEE, 0xEE]
    assert all(list(_cell_colour(painter, first, s, j)) == grey for s in (3, 4) for j in (1, 4))
    assert all(list(_cell_colour(painter, first, s, j)) != grey for s in (1, 2) for j in (1, 4))
    assert "step t = 2 of 4" in painter.bar_title.get_text()
    assert painter.states_title.get_text() == "h₁ … h₂"
    painter.update(steps, 4)
    second = painter.to_png()
    assert second != first
    np.testing.assert_allclose([bar.get_height() for bar in painter.bars.bars["a"]], steps.a[3])
    assert all(list(_cell_colour(painter, second, s, 2)) != grey for s in range(1, 5))  # all read
    assert painter.states_title.get_text() == "h₁ … h₄"
    other = word_steps("hopeless", params["Wx"], params["Wh"], params["b"])
    painter.update(other, 8)
    assert [t.get_text() for t in painter.ax_states.get_xticklabels()][-1] == "8\ns"
    assert painter.ax_states.get_xlim() == (-0.5, 7.5)
    assert painter.bars.limit >= 1.25 * other.largest_magnitude()  # room for the numbers above the bars


@pytest.mark.slow
def test_blitted_png_equals_full_draw(params):
    from io import BytesIO

    def saved(fig):  # a full draw (saving draws the animated artists too)
        buffer = BytesIO()
        fig.savefig(buffer, format="png")
        return _pixels(buffer.getvalue())

    def words(*names):
        return {w: word_steps(w, params["Wx"], params["Wh"], params["b"]) for w in names}

    steps = words("hope", "hopes", "wonderful", "bad")
    painter = WordStepsFigure(steps["hope"], 1, dpi=50)
    painter.to_png()
    # a new step (layer 4 only), a new word (layers 3-4, maybe 2), a new range, back to a shorter word
    for word, t in [("hope", 3), ("hopes", 5), ("hopes", 2), ("wonderful", 5), ("bad", 1), ("hope", 4)]:
        painter.update(steps[word], t)
        a, b = _pixels(painter.to_png()), saved(painter.fig)
        assert a.shape == b.shape
        assert np.mean(np.abs(a - b) > 40) < 0.001, (word, t)  # identical up to anti-aliasing of a few pixels
    fresh = _pixels(WordStepsFigure(steps["hope"], 3, dpi=50).to_png())
    assert np.mean(np.abs(a - fresh) > 40) > 0.01  # it did change
    painter.update(steps["hope"], 3)
    assert np.mean(np.abs(_pixels(painter.to_png()) - fresh) > 40) < 0.001  # and came back


def test_plot_word_steps_and_bad_input(params):
    steps = word_steps("hope", params["Wx"], params["Wh"], params["b"])
    fig = plot_word_steps(steps, 3)
    assert isinstance(fig, Figure)
    assert figure_to_png(fig)[:4] == b"\x89PNG"  # saving draws the animated artists too
    with pytest.raises(ValueError, match="between 1 and T=4"):
        plot_word_steps(steps, 5)
    with pytest.raises(ValueError, match="WordSteps"):
        plot_word_steps("hope", 1)
    painter = WordStepsFigure(steps, 1, dpi=50)
    small = word_steps("hope", params["Wx"][:, :2], params["Wh"][:2, :2], params["b"][:2])
    with pytest.raises(ValueError, match="hidden size H=4"):
        painter.update(small, 1)


def test_diagram_labels_every_matrix_axis_and_keeps_the_letter_label_off_the_arrow(params):
    fig = plot_recurrence_diagram(params["Wx"], params["Wh"], params["b"], params["Wy"], params["by"], letter="c")
    by_title = {ax.get_title().split("\n")[0].split()[0]: ax for ax in fig.axes if ax.get_title()}
    assert by_title["$W_x$"].get_ylabel() == "input letter" and by_title["$W_x$"].get_xlabel() == "hidden unit 1…4"
    assert by_title["$b$"].get_xlabel() == "hidden unit 1…4"
    assert by_title["$W_y$"].get_ylabel() == "hidden unit 1…4" and by_title["$W_y$"].get_xlabel() == "output"
    assert by_title["$W_x$"].yaxis.label.get_position()[1] < 0.5  # row 'c' is near the top: label below
    fig = plot_recurrence_diagram(params["Wx"], params["Wh"], params["b"], letter="w")
    wx = next(ax for ax in fig.axes if "W_x" in ax.get_title())
    assert wx.yaxis.label.get_position()[1] > 0.5
    texts = [t for ax in fig.axes for t in ax.texts] + list(fig.texts)
    assert min(t.get_fontsize() for t in texts) >= 8


def test_values_on_bars_only_while_they_fit():
    small = demo_parameters(hidden_size=4, seed=0)
    large = demo_parameters(hidden_size=8, seed=0)
    fig = plot_step_bars(word_steps("good", small["Wx"], small["Wh"], small["b"]).step(2))
    assert [t.get_text() for t in fig.axes[0].texts][:1] == ["-0.05"]
    fig = plot_step_bars(word_steps("good", large["Wx"], large["Wh"], large["b"]).step(2))
    values = [t.get_text() for ax in fig.axes for t in ax.texts if t.get_text() not in ("+1", "−1")]
    assert values == []  # 8 bars per panel: no room for the numbers (only the tanh range is labelled)
    steps = word_steps("good", large["Wx"], large["Wh"], large["b"])
    painter = WordStepsFigure(steps, 2, dpi=40)
    np.testing.assert_allclose([bar.get_height() for bar in painter.bars.bars["h"]], steps.h[1])
    assert all(not labels for labels in painter.bars.labels.values())
    assert painter.ax_states.get_xlabel() and painter.bars.ax.get_xlabel().endswith("1 … 8")


def test_canvas_to_png_holds_exactly_the_canvas_pixels(params):
    from io import BytesIO

    from PIL import Image

    from rnnlib.viz.style import canvas_to_png

    painter = WordStepsFigure(word_steps("hope", params["Wx"], params["Wh"], params["b"]), 2, dpi=50)
    png = painter.to_png()
    decoded = np.asarray(Image.open(BytesIO(png)))
    np.testing.assert_array_equal(decoded, np.asarray(painter.fig.canvas.buffer_rgba()))  # lossless, RGBA
    assert canvas_to_png(painter.fig.canvas) == png  # encodes what the canvas holds, without drawing
    with pytest.raises(ValueError, match="Agg canvas"):
        canvas_to_png(painter.fig)
