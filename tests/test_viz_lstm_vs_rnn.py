"""Tests of rnnlib.viz.lstm_vs_rnn: the highway plot, accuracy against lag, the twin view."""

import io

import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

from rnnlib.data import memory_task
from rnnlib.lessons.lstm_vs_rnn import highway_check, word_internals
from rnnlib.model import SequenceClassifier
from rnnlib.viz.lstm_vs_rnn import TwinStatesPlot, forget_products_figure, gradient_highway_figure, twin_states_figure
from rnnlib.viz.style import figure_to_png


def _curves(rng):
    decay = np.exp(-0.5 * np.arange(10))[::-1]  # grows towards the last step
    return {"LSTM c": rng.uniform(0.5, 1.5, (8, 10)), "RNN h": rng.uniform(0.5, 1.5, (8, 10)) * decay}


def test_gradient_highway_figure_log_axis_and_labels(rng):
    fig = gradient_highway_figure(_curves(rng), title="trained, lag 9")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    assert ax.get_title() == "trained, lag 9"
    assert "step t = 1..T" in ax.get_xlabel() and "last step" in ax.get_ylabel()
    assert ax.get_xlim() == (0.5, 10.5)  # steps t = 1..T
    lines = [line for line in ax.get_lines() if line.get_label() in ("LSTM c", "RNN h")]
    assert len(lines) == 2
    np.testing.assert_allclose(lines[1].get_ydata(), np.median(_curves(np.random.default_rng(1234))["RNN h"], 0))
    np.testing.assert_array_equal(lines[1].get_xdata(), np.arange(1, 11))
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["LSTM c", "RNN h"]


def test_gradient_highway_figure_bad_input(rng):
    with pytest.raises(ValueError, match="non-empty dict"):
        gradient_highway_figure([])
    with pytest.raises(ValueError, match="must all have T=3"):
        gradient_highway_figure({"a": np.ones((2, 3)), "b": np.ones((2, 4))})
    with pytest.raises(ValueError, match="positive"):
        gradient_highway_figure({"a": np.zeros((2, 3))})


def _models(H=(5, 4)):
    return SequenceClassifier(26, H[0], cell="rnn", seed=0), SequenceClassifier(26, H[1], cell="lstm", seed=0)


def _states(word, rnn, lstm):
    rs, pr = word_internals(rnn, word)
    ls, pl = word_internals(lstm, word)
    return rs, ls, pr, pl


@pytest.mark.slow
def test_twin_plot_fast_png_equals_full_redraw():
    rnn, lstm = _models()
    plot = TwinStatesPlot((5, 4), c_limit=1.5)
    for word in ("good", "hopelessness", "a"):
        rs, ls, pr, pl = _states(word, rnn, lstm)
        plot.update(word, rs, ls, pr, pl)
        fast = np.asarray(Image.open(io.BytesIO(plot.to_png())).convert("RGB"))
        full = np.asarray(Image.open(io.BytesIO(figure_to_png(plot.fig))).convert("RGB"))
        assert fast.shape == full.shape
        assert np.array_equal(fast, full), word


def test_twin_plot_content():
    rnn, lstm = _models()
    plot = TwinStatesPlot((5, 4), c_limit=2.0)
    rs, ls, pr, pl = _states("hope", rnn, lstm)
    plot.update("hope", rs, ls, pr, pl)
    assert plot.shown_letters == list("hope")
    assert [t.get_position()[0] for t in plot.letters[:4]] == [0, 1, 2, 3]  # one per column: time across
    assert plot.ax.get_xlim() == (-0.5, 3.5)
    assert plot.titles["rnn"].get_text() == f"RNN: P(positive) = {pr:.2f}"
    assert plot.titles["lstm"].get_text() == f"LSTM: P(positive) = {pl:.2f}"
    canvas = plot.image.get_array()
    assert canvas.shape == (plot.height, 4, 4)  # rows: units of the stacked panels; columns: letters
    a, b = plot.rows["lstm f"]
    assert b - a == 4
    # unit j at row a + j, letter t at column t - 1; gates: viridis on [0, 1]
    np.testing.assert_array_equal(canvas[a:b], plot.cmaps["gate"](ls["f"].T, bytes=True))
    a, b = plot.rows["rnn h"]
    np.testing.assert_array_equal(canvas[a:b], plot.cmaps["signed"]((rs["h"].T + 1) / 2, bytes=True))
    assert np.all(canvas[plot.rows["rnn h"][1], :, 3] == 0)  # the gap is transparent
    texts = [t.get_text() for t in plot.ax.texts]
    assert "LSTM f" in texts and texts.count("1") == 7 and "4" in texts and "5" in texts  # units from 1


def test_twin_plot_bad_input():
    rnn, lstm = _models()
    rs, ls, pr, pl = _states("hope", rnn, lstm)
    plot = TwinStatesPlot((5, 4))
    with pytest.raises(ValueError, match=r"lstm h must have shape \(3, 4\)"):
        plot.update("hop", {"h": rs["h"][:3]}, ls, pr, pl)
    with pytest.raises(ValueError, match="lstm g must have shape .*missing"):
        plot.update("hope", rs, {k: v for k, v in ls.items() if k != "g"}, pr, pl)
    with pytest.raises(ValueError, match="c_limit"):
        TwinStatesPlot((5, 4), c_limit=0)
    with pytest.raises(ValueError, match="2-D"):
        twin_states_figure("hope", {"h": np.ones(3)}, ls, pr, pl)


def test_twin_states_figure_static():
    rnn, lstm = _models((6, 6))
    rs, ls, pr, pl = _states("wonderful", rnn, lstm)
    fig = twin_states_figure("wonderful", rs, ls, pr, pl)
    assert isinstance(fig, Figure)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "LSTM f" in texts and f"RNN: P(positive) = {pr:.2f}" in texts
    assert len(fig.axes) == 4  # the heatmaps and three colour bars
    assert figure_to_png(fig)[:4] == b"\x89PNG"


def test_twin_plot_shorter_word_hides_letters_and_too_long_is_refused():
    rnn, lstm = _models()
    plot = TwinStatesPlot((5, 4), max_letters=6)
    plot.update("abcdef", *_states("abcdef", rnn, lstm))
    plot.update("ab", *_states("ab", rnn, lstm))
    assert plot.shown_letters == ["a", "b"]
    assert sum(t.get_visible() for t in plot.letters) == 2
    with pytest.raises(ValueError, match="at most 6 letters; got 7"):
        plot.update("abcdefg", *_states("abcdefg", rnn, lstm))


def test_twin_plot_colour_bar_labels_stay_inside_their_bars():
    def bar_ticks(plot):
        return {cax.get_ylabel(): [t.get_text() for t in cax.get_yticklabels()] for cax in plot.fig.axes[1:]}

    short, tall = TwinStatesPlot((5, 4), c_limit=2.5), TwinStatesPlot((16, 16), c_limit=2.5)
    assert bar_ticks(short)["c"] == ["\u22122.5", "2.5"]  # 4 rows: no room for a middle tick
    assert bar_ticks(tall)["c"] == ["\u22122.5", "0", "2.5"]
    for cax in tall.fig.axes[1:]:
        labels = cax.get_yticklabels()
        assert labels[0].get_verticalalignment() == "bottom" and labels[-1].get_verticalalignment() == "top"


def _checks():
    x, y = memory_task(30, 5, 4, seed=0)
    return [highway_check(f"forget bias {b:g}", SequenceClassifier(4, 3, cell="lstm", seed=0, forget_bias=b), x, y)
            for b in (1.0, 3.0)]


def test_forget_products_figure_shows_units_prediction_and_measurement():
    checks = _checks()
    fig = forget_products_figure(checks, reference=("sigma(1)^5", 0.2))
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and "5 steps back" in ax.get_xlabel()
    assert [t.get_text() for t in ax.get_yticklabels()] == ["forget bias 1", "forget bias 3"]
    measured = [line for line in ax.get_lines() if line.get_marker() == "D"]
    assert [line.get_xdata()[0] for line in measured] == [c.measured for c in checks]
    dots = ax.collections[0].get_offsets()[:, 0]
    np.testing.assert_allclose(dots, np.median(checks[0].products, axis=0))
    assert "sigma(1)^5" in [t.get_text() for t in ax.get_legend().get_texts()]
    with pytest.raises(ValueError, match="same k"):
        forget_products_figure([checks[0], checks[1]._replace(k=4)])
    with pytest.raises(ValueError, match="HighwayCheck"):
        forget_products_figure([])
