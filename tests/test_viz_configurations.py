"""Tests of rnnlib.viz.configurations (helper B's section): the configurations diagram, the writing
figure and the temperature figure."""

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch

from rnnlib.data import END, LM_SYMBOLS
from rnnlib.lessons.configurations import CONFIGURATIONS, configuration_steps
from rnnlib.sample import next_letter_distribution
from rnnlib.viz.configurations import (
    ConfigurationDiagram,
    WritingPlot,
    plot_configurations,
    plot_temperature,
    plot_writing,
)
from rnnlib.viz.style import figure_to_png, new_figure
from rnnlib.viz.unrolled_many_to_one import STEP


def _visible(ax):
    return [t.get_text() for t in ax.texts if t.get_visible() and t.get_text()]


def _diagram(name, word="joy", max_steps=7):
    fig = new_figure()
    ax = fig.add_subplot(1, 1, 1)
    d = ConfigurationDiagram(ax, max_steps)
    d.update(configuration_steps(name, word))
    return d


@pytest.mark.parametrize("name, inputs, outputs, feedback", [
    ("one_to_one", [1], [1], []),
    ("many_to_one", [1, 2, 3], [3], []),
    ("one_to_many", [1, 2, 3, 4], [1, 2, 3, 4], [2, 3, 4]),
    ("many_to_many", [1, 2, 3, 4], [1, 2, 3, 4], []),
    ("encoder_decoder", [1, 2, 3, 4, 5, 6, 7], [4, 5, 6, 7], [5, 6, 7]),
])
def test_diagram_marks_inputs_outputs_and_loss_terms(name, inputs, outputs, feedback):
    d = _diagram(name)
    assert d.shown["inputs"] == inputs and d.shown["outputs"] == outputs and d.shown["loss"] == outputs
    assert d.shown["feedback"] == feedback
    texts = _visible(d.ax)
    # one x_t label per input step, one y_hat_t per output step, one L_t per loss term
    assert [t for t in texts if t.startswith("$x_")] == [f"$x_{{{t}}}$" for t in inputs]
    assert [t for t in texts if t.startswith("$\\hat{y}")] == [f"$\\hat{{y}}_{{{t}}}$" for t in outputs]
    assert [t for t in texts if t.startswith("$L_")] == [f"$L_{{{t}}}$" for t in outputs]
    T = configuration_steps(name, "joy").T
    assert [t for t in texts if t.startswith("$h_{")] == [f"$h_{{{t}}}$" for t in range(1, T + 1)]
    # the boxes of step t are centred at STEP * t
    for t in outputs:
        box = d.steps[t - 1]["out_box"]
        assert box.get_visible() and box.get_x() + box.get_width() / 2 == pytest.approx(STEP * t)
    for t in set(range(1, T + 1)) - set(inputs):
        assert not d.steps[t - 1]["in_box"].get_visible()


def test_diagram_symbols_h0_and_stages():
    d = _diagram("one_to_many")
    texts = _visible(d.ax)
    assert "<start>" in texts and "<end>" in texts and "positive" in texts  # joy's lexicon label sets h_0
    assert d.label_box.get_visible() and "$W_c$" in texts and d.shown["initial"] == "label: positive"
    assert [d.steps[t]["in_text"].get_text() for t in range(4)] == ["<start>", "j", "o", "y"]
    assert [d.steps[t]["target"].get_text() for t in range(4)] == ["j", "o", "y", "<end>"]
    d.update(configuration_steps("many_to_many", "joy"))  # in place: h_0 = 0 again, no label
    assert not d.label_box.get_visible() and "$h_0 = 0$" in _visible(d.ax)
    d.update(configuration_steps("encoder_decoder", "joy"))
    enc, dec = d.bands
    assert enc.get_visible() and dec.get_visible()
    assert enc.get_x() == pytest.approx(STEP * 0.5) and enc.get_x() + enc.get_width() == pytest.approx(STEP * 3.5)
    assert dec.get_x() + dec.get_width() == pytest.approx(STEP * 7.5)
    assert [d.steps[t]["target"].get_text() for t in range(3, 7)] == ["y", "o", "j", "<end>"]
    d.update(configuration_steps("many_to_one", "joy"))
    assert not enc.get_visible() and "3 inputs, 1 output with a loss term" in d.title.get_text()


def test_diagram_is_updated_in_place():
    d = _diagram("many_to_one", max_steps=9)
    n = len(d.ax.get_children())
    d.update(configuration_steps("encoder_decoder", "love"))
    assert len(d.ax.get_children()) == n
    assert d.shown["outputs"] == [5, 6, 7, 8, 9]
    with pytest.raises(ValueError, match="at most 9 steps"):
        d.update(configuration_steps("encoder_decoder", "happy"))  # 11 steps
    with pytest.raises(ValueError, match="ConfigurationSteps"):
        d.update("many_to_one")


def test_plot_configurations_one_row_each():
    fig = plot_configurations([configuration_steps(n, "joy") for n in CONFIGURATIONS])
    assert isinstance(fig, Figure) and len(fig.axes) == 5
    titles = [next(t.get_text() for t in ax.texts if t.get_text().startswith(("one-", "many-"))) for ax in fig.axes]
    assert [t.split(":")[0] for t in titles] == ["one-to-one", "many-to-one", "one-to-many",
                                                 "many-to-many (same length)", "many-to-many (encoder-decoder)"]
    assert "T = 7 steps, 7 inputs, 4 outputs with a loss term" in titles[4]
    # one scale for all rows: the same x range
    assert len({ax.get_xlim() for ax in fig.axes}) == 1
    assert sum(isinstance(p, FancyArrowPatch) and p.get_visible() for p in fig.axes[1].patches) == 3 + 3 + 1
    assert len(figure_to_png(fig)) > 1000
    with pytest.raises(ValueError, match="at least one"):
        plot_configurations([])


def _writing(rng, K=6):
    probs = rng.dirichlet(np.full(len(LM_SYMBOLS), 0.3), size=K)
    chosen = np.array([11, 16, 25, 4, 2, END])[:K]
    return probs, chosen


def test_writing_heatmap_markers_and_bars(rng):
    probs, chosen = _writing(rng)
    fig = plot_writing(probs, chosen, n_imposed=2, step=4, title="a test")
    ax_heat, ax_bars = fig.axes[0], fig.axes[-1]
    image = ax_heat.get_images()[0]
    np.testing.assert_array_equal(image.get_array(), probs.T)  # symbols top to bottom, steps left to right
    assert image.origin == "upper" and ax_heat.get_xlim() == (0.5, 6.5)
    assert [t.get_text() for t in ax_heat.get_yticklabels()] == list(LM_SYMBOLS)
    imposed = [line for line in ax_heat.get_lines() if line.get_label() == "imposed (prefix)"][0]
    drawn = [line for line in ax_heat.get_lines() if line.get_label() == "written (drawn)"][0]
    np.testing.assert_array_equal(imposed.get_xdata(), [1, 2])
    np.testing.assert_array_equal(imposed.get_ydata(), chosen[:2])
    np.testing.assert_array_equal(drawn.get_xdata(), [3, 4, 5, 6])
    np.testing.assert_array_equal(drawn.get_ydata(), chosen[2:])
    # the bars: step 4's likeliest symbols, in order
    order = np.argsort(-probs[3], kind="stable")[:8]
    assert [t.get_text() for t in ax_bars.texts if t.get_text() in LM_SYMBOLS] == [LM_SYMBOLS[i] for i in order]
    assert [t.get_text() for t in ax_heat.texts if t.get_visible()] == ["1", "2", "3", "4", "5", "6"]  # steps
    heights = [p.get_width() for p in ax_bars.patches[:8]]
    np.testing.assert_allclose(heights, probs[3][order])
    assert any(t.get_text().startswith("step t = 4: after <start>jox,") for t in ax_bars.texts)
    assert "a test" in [t.get_text() for t in fig.texts]


def test_writing_plot_updates_in_place_and_marks_the_chosen_bar(rng):
    plot = WritingPlot(max_steps=8)
    probs = np.full((3, len(LM_SYMBOLS)), 0.01)
    probs[:, 5] = 1 - 0.01 * 27  # 'd' likeliest at every step
    chosen = np.array([5, 5, END])
    plot.update(probs, chosen, 0, step=2)
    bars = plot.bars
    assert bars[0].get_facecolor() != bars[1].get_facecolor()  # the written letter's bar stands out
    assert plot.frame.get_x() == pytest.approx(1.5)
    n = len(plot.ax_heat.get_children())
    first = plot.to_png()
    plot.update(probs, chosen, 1, step=1)
    assert len(plot.ax_heat.get_children()) == n and plot.to_png() != first
    # the fast PNG (static background + changed artists) equals a full redraw
    fast = np.asarray(plot.canvas.buffer_rgba()).copy()
    plot.canvas.draw()
    np.testing.assert_array_equal(fast, np.asarray(plot.canvas.buffer_rgba()))
    assert plot.state["step"] == 1 and plot.state["n_imposed"] == 1


@pytest.mark.parametrize("kwargs, message", [
    ({"probs": np.ones((2, 5)) / 5}, "shape"),
    ({"probs": np.ones((2, 28))}, "sum to 1"),
    ({"chosen": np.array([0, 40])}, "chosen must hold"),
    ({"n_imposed": 3}, "n_imposed must be"),
    ({"step": 0}, "step must be"),
])
def test_writing_bad_input(kwargs, message):
    args = {"probs": np.ones((2, 28)) / 28, "chosen": np.array([2, END]), "n_imposed": 0, "step": None}
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        plot_writing(**args)


def test_temperature_panels(rng):
    s = rng.normal(size=len(LM_SYMBOLS)) * 2
    fig = plot_temperature(s, (0, 0.5, 2.0))
    axes = fig.axes
    assert len(axes) == 3
    for ax, tau in zip(axes, (0, 0.5, 2.0)):
        heights = np.array([p.get_height() for p in ax.patches])
        np.testing.assert_allclose(heights, next_letter_distribution(s[None], tau)[0])
    top = LM_SYMBOLS[int(np.argmax(s))]
    assert axes[0].get_title(loc="left").startswith(f"greedy: entropy 0.00 nats, likeliest {top!r} P = 1.00")
    entropies = [float(ax.get_title(loc="left").split("entropy ")[1].split()[0]) for ax in axes]
    assert entropies[0] < entropies[1] < entropies[2] <= np.log(len(LM_SYMBOLS))
    assert [t.get_text() for t in axes[-1].get_xticklabels()] == list(LM_SYMBOLS)
    with pytest.raises(ValueError, match="V = 28 scores"):
        plot_temperature(np.zeros(5))
    with pytest.raises(ValueError, match="temperature"):
        plot_temperature(s, (-1.0,))
