"""Tests of rnnlib.viz.lstm_cell: the drawn cell with live values, gate heatmaps, the latch plots."""

import io

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from rnnlib.lessons.lstm_cell import cell_step_values, latch_accuracy, latch_run
from rnnlib.viz.lstm_cell import (
    LatchPlot,
    LSTMCellDiagram,
    draw_lstm_cell,
    freeze_layout,
    plot_gate_heatmap,
    plot_gates_over_word,
    plot_latch,
    plot_latch_decay,
)
from rnnlib.viz.style import figure_to_png, new_figure

MINUS = "\u2212"


def fmt(value):
    return f"{value:.2f}".replace("-", MINUS)


def _png(fig):
    data = figure_to_png(fig)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return data


def test_diagram_writes_the_values_on_the_cell():
    v = cell_step_values(1.0, 0.2, 0.5)
    d = LSTMCellDiagram(v)
    t = d.texts
    assert t["c_prev"].get_text() == "0.50"
    assert t["h_prev"].get_text() == "0.20"
    assert t["x"].get_text() == "1.00"
    for key in ("i", "f", "g", "o", "c", "h", "fc", "ig", "tanh_c"):
        assert t[key].get_text() == fmt(v[key]), key
    assert t["a_f"].get_text() == "2.10"
    assert t["c_label"].get_text() == "$c_t$ ="
    assert t["eq_c"].get_text() == f"{v['f']:.2f}·0.50 + {v['i']:.2f}·{v['g']:.2f} = {v['c']:.2f}"
    assert t["eq_h"].get_text() == f"{v['o']:.2f}·{v['tanh_c']:.2f} = {v['h']:.2f}"
    assert isinstance(d.fig, Figure)
    _png(d.fig)


def test_diagram_updates_in_place():
    d = LSTMCellDiagram(cell_step_values(1.0, 0.2, 0.5))
    n_artists = len(d.ax.get_children())
    before = _png(d.fig)
    colour_before = d.boxes["f"].get_facecolor()
    shown = d.set_values(cell_step_values(-2.0, 0.9, -1.0, b=(3.0, -4.0, 0.0, 0.0)))
    assert len(d.ax.get_children()) == n_artists  # nothing added: text and colours only
    assert d.texts["c_prev"].get_text() == f"{MINUS}1.00"
    assert d.texts["f"].get_text() == fmt(shown["f"])
    assert d.texts["eq_c"].get_text().startswith(f"{fmt(shown['f'])}·({MINUS}1.00) + ")  # negative factors in ()
    assert d.boxes["f"].get_facecolor() != colour_before
    assert _png(d.fig) != before
    assert d.fig.get_layout_engine() is None and isinstance(d.fig.canvas, FigureCanvasAgg)


def _pixels(png):
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


@pytest.mark.slow
def test_diagram_fast_render_equals_a_full_render():
    d = LSTMCellDiagram()
    d.to_png()  # caches the static background
    gates_only = {"x": 1.0, "h_prev": 0.0, "c_prev": -0.5, "i": 0.5, "f": 0.5, "g": 0.5, "o": 0.5}  # no a_* labels
    for values in (cell_step_values(-1.3, 0.4, -2.0, b=(2.0, -1.0, 0.5, -3.0)), cell_step_values(2.9, -0.9, 2.9),
                   gates_only, cell_step_values(0.3, 0.1, 0.2)):
        d.set_values(values)
        fast = d.to_png()
        assert fast[:8] == b"\x89PNG\r\n\x1a\n"
        np.testing.assert_array_equal(_pixels(fast), _pixels(figure_to_png(d.fig)))


def test_diagram_labels_stay_put_and_numbers_follow_them():
    d = LSTMCellDiagram(cell_step_values(1.0, 0.2, 0.5))
    renderer = d.fig.canvas.get_renderer()
    labels = {key: d.texts[f"{key}_label"].get_window_extent(renderer).x1 for key in ("c", "h", "f", "c_prev")}
    d.set_values(cell_step_values(-2.5, -0.9, -2.5, b=(0.0, 0.0, -3.0, 0.0)))
    assert d.texts["c"].get_text().startswith(MINUS) and d.texts["h"].get_text().startswith(MINUS)
    for key, x1 in labels.items():
        label = d.texts[f"{key}_label"].get_window_extent(renderer)
        assert label.x1 == pytest.approx(x1), key  # the label (drawn once, in the background) did not move
        assert 0 < d.texts[key].get_window_extent(renderer).x0 - label.x1 < 6  # the number just after it
    # a negative c_t or h_t ends where its arrow ends, a gate in [0, 1] where its wire is
    x_end = d.ax.transData.transform((15.7, 0))[0]
    assert d.texts["c"].get_window_extent(renderer).x1 == pytest.approx(x_end, abs=2)


def test_diagram_computes_gates_from_pre_activations_and_text_contrast():
    d = LSTMCellDiagram({"x": 0.0, "h_prev": 0.0, "c_prev": 2.0, "a_i": 0.0, "a_f": 50.0, "a_g": -50.0, "a_o": -50.0})
    assert d.texts["f"].get_text() == "1.00"
    assert d.texts["g"].get_text() == f"{MINUS}1.00"
    assert d.texts["i"].get_text() == "0.50"
    assert d.texts["c"].get_text() == f"{2.0 - 0.5:.2f}"
    assert d.texts["h"].get_text() == "0.00"  # output gate shut
    # a dark box (o ~ 0, viridis purple) gets white text; a bright one (f ~ 1, yellow) black
    assert d.texts["box_o"].get_color() == "white"
    assert d.texts["box_f"].get_color() == "black"


def test_diagram_without_pre_activations_hides_their_labels():
    d = LSTMCellDiagram({"x": 1.0, "h_prev": 0.0, "c_prev": 0.0, "i": 0.5, "f": 0.5, "g": 0.5, "o": 0.5})
    assert not d.texts["a_i"].get_visible() and not d.texts["a_i_label"].get_visible()
    assert d.texts["c"].get_text() == "0.25"


def test_diagram_picks_one_unit_of_vector_values():
    values = {"x": 1.0, "h_prev": [0.1, 0.2], "c_prev": [0.3, -0.4], "i": [0.1, 0.9], "f": [0.2, 0.8],
              "g": [0.3, -0.7], "o": [0.4, 0.6]}
    d = LSTMCellDiagram(values, unit=1)
    assert d.texts["c_prev"].get_text() == f"{MINUS}0.40"
    assert d.texts["c"].get_text() == fmt(0.8 * -0.4 + 0.9 * -0.7)
    with pytest.raises(ValueError, match="unit must be < 2"):
        d.set_values(values, unit=2)


@pytest.mark.parametrize("values, match", [
    ({"h_prev": 0.0, "c_prev": 0.0}, "values must contain 'x'"),
    ({"x": 0.0, "h_prev": 0.0, "c_prev": 0.0, "i": 0.5}, "values must contain the gate 'f'"),
    ([1, 2, 3], "values must be a dict"),
])
def test_diagram_rejects_bad_values(values, match):
    with pytest.raises(ValueError, match=match):
        LSTMCellDiagram(values)


def test_draw_lstm_cell_default_and_given_axes():
    fig = draw_lstm_cell()
    assert isinstance(fig, Figure)
    _png(fig)
    own, ax = new_figure(figsize=(8, 5), nrows=1, ncols=1)
    assert draw_lstm_cell(cell_step_values(), ax=ax) is own


def test_gate_heatmap_letters_and_labels(rng):
    values = rng.uniform(size=(7, 4))
    fig = plot_gate_heatmap(values, "unhappy", "f")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == list("unhappy")
    assert ax.get_xlabel() == "time step t = 1..7 (letter read)"
    assert ax.get_ylabel() == "hidden unit (1..4)"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["1", "2", "3", "4"]  # numbered from 1
    assert "forget gate" in ax.get_title()
    titled = plot_gate_heatmap(values, "unhappy", "g", title="candidate g, bit-1 sequence").axes[0]
    assert titled.get_title() == "candidate g, bit-1 sequence"
    image = ax.get_images()[0]
    assert image.get_array().shape == (4, 7)  # units down, time across
    np.testing.assert_array_equal(image.get_array(), values.T)
    assert image.origin == "upper"  # unit 1 at the top
    assert image.get_clim() == (0.0, 1.0)
    assert len(fig.axes) == 2  # the colour bar
    signed = 3 * values - 1
    m = np.abs(signed).max()
    fig_c = plot_gate_heatmap(signed, "unhappy", "c")  # the cell state: symmetric range from the data
    assert fig_c.axes[0].get_images()[0].get_clim() == pytest.approx((-m, m))
    assert plot_gate_heatmap(signed, "unhappy", "g").axes[0].get_images()[0].get_clim() == (-1.0, 1.0)
    _png(fig)


def test_gate_heatmap_rejects_bad_input(rng):
    with pytest.raises(ValueError, match="letters must have one label per time step"):
        plot_gate_heatmap(rng.uniform(size=(5, 3)), "abc", "i")
    with pytest.raises(ValueError, match="gate must be one of"):
        plot_gate_heatmap(rng.uniform(size=(3, 3)), "abc", "z")
    with pytest.raises(ValueError, match=r"values must have 2 dimension"):
        plot_gate_heatmap(rng.uniform(size=3), "abc", "i")


def test_gates_over_word_cuts_the_padding(rng):
    internals = {k: rng.uniform(size=(2, 9, 5)) for k in "ifgoch"}
    fig = plot_gates_over_word(internals, "sad", n=1)
    heat_axes = [ax for ax in fig.axes if ax.get_images() and ax.get_xlabel()]
    assert len(heat_axes) == 6
    for ax in heat_axes:
        assert [t.get_text() for t in ax.get_xticklabels()] == ["s", "a", "d"]
    np.testing.assert_allclose(heat_axes[0].get_images()[0].get_array(), internals["f"][1, :3].T)
    assert "'sad'" in fig.get_suptitle()
    labelled = plot_gates_over_word(internals, ["1", "\u00b7", "\u00b7"], step_label="symbol", title="memory")
    assert fig.get_suptitle() != labelled.get_suptitle() == "memory"
    assert [ax.get_xlabel() for ax in labelled.axes if ax.get_images() and ax.get_xlabel()][0] == \
        "time step t = 1..3 (symbol)"
    with pytest.raises(ValueError, match="word must be a string of 1..9 letters"):
        plot_gates_over_word(internals, "abcdefghij")
    with pytest.raises(ValueError, match="missing"):
        plot_gates_over_word({"i": internals["i"]}, "sad")
    with pytest.raises(ValueError, match="n must be in 0..1"):
        plot_gates_over_word(internals, "sad", n=2)


def test_latch_plot_updates_lines_and_caption():
    run1, run0 = latch_run(30, 1), latch_run(30, 0)
    plot = LatchPlot(run1, run0, 8.0, 1.0)
    x, y = plot.line1.get_data()
    assert len(x) == 31 and x[0] == 1 and x[-1] == 31 and y[0] == pytest.approx(run1["c"][0])  # t = 1..T
    assert "100%" in plot.caption
    assert plot.ax_c.get_ylabel() == "cell state $c_t$"
    assert plot.ax_g.get_xlabel().startswith("time step")
    freeze_layout(plot.fig)
    before = _png(plot.fig)
    low1, low0 = latch_run(80, 1, forget_bias=0.0), latch_run(80, 0, forget_bias=0.0)
    plot.update(low1, low0, 0.0, latch_accuracy(80, forget_bias=0.0))
    assert len(plot.line0.get_data()[0]) == 81
    assert plot.ax_g.get_xlim() == (1.0, 81.0)
    assert "0.5000" in plot.caption  # f = sigma(0)
    env = plot.env_hi.get_data()[1]
    assert env[1] == pytest.approx(0.5 * env[0])
    assert _png(plot.fig) != before
    wild1, wild0 = latch_run(60, 1, input_closed=8.0), latch_run(60, 0, input_closed=8.0)
    plot.update(wild1, wild0, 8.0)
    assert plot.ax_c.get_ylim()[1] >= np.abs(wild1["c"]).max()  # the axis grows with the data


@pytest.mark.slow
def test_latch_plot_fast_render_equals_a_full_render():
    plot = LatchPlot(latch_run(60, 1), latch_run(60, 0), 8.0, 1.0)
    plot.to_png()
    for forget_bias, input_closed, lag in ((4.0, -8.0, 60), (8.0, 8.0, 60), (2.0, -8.0, 120), (0.0, -8.0, 120)):
        runs = latch_run(lag, 1, forget_bias=forget_bias, input_closed=input_closed), latch_run(
            lag, 0, forget_bias=forget_bias, input_closed=input_closed)
        plot.update(*runs, forget_bias, 0.5)
        np.testing.assert_array_equal(_pixels(plot.to_png()), _pixels(figure_to_png(plot.fig)))


def test_latch_plot_rejects_bad_runs():
    run1 = latch_run(5, 1)
    with pytest.raises(ValueError, match="run0 must be a dict with 'c', 'i' and 'f'"):
        plot_latch(run1, {"c": run1["c"]}, 8.0)
    with pytest.raises(ValueError, match="must have the length of run1"):
        plot_latch(run1, latch_run(6, 0), 8.0)


def test_latch_decay_one_line_per_forget_bias():
    curves = {b: latch_run(40, 1, forget_bias=b)["c"] for b in (8.0, 2.0, 0.0)}
    fig = plot_latch_decay(curves)
    ax = fig.axes[0]
    labels = [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")]
    assert labels[0].startswith("$b_f$ = 8") and len(labels) == 3
    assert ax.get_xlabel().startswith("time step") and ax.get_ylabel() == "cell state $c_t$"
    with pytest.raises(ValueError, match="curves must be a non-empty dict"):
        plot_latch_decay({})


def test_freeze_layout():
    fig, ax = new_figure(nrows=1, ncols=1)
    ax.plot([0, 1], [0, 1])
    assert freeze_layout(fig) is fig
    assert fig.get_layout_engine() is None and isinstance(fig.canvas, FigureCanvasAgg)
    _png(fig)
    with pytest.raises(ValueError, match="fig must be a matplotlib Figure"):
        freeze_layout("figure")
