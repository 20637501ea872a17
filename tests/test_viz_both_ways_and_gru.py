"""Tests of rnnlib.viz.both_ways_and_gru: the smudged-letter figure (helper H2's block) and the GRU cell."""

import io

import numpy as np
import pytest
from matplotlib import colormaps
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from PIL import Image

from rnnlib.data import ALPHABET
from rnnlib.gru import gru_step_forward
from rnnlib.lessons.both_ways_and_gru import gru_step_values
from rnnlib.viz.both_ways_and_gru import (
    READERS,
    BothWaysPlot,
    GRUCellDiagram,
    draw_gru_cell,
    plot_both_ways,
    plot_gru_beside_lstm,
    top_from_probs,
)
from rnnlib.viz.lstm_cell import LSTMCellDiagram
from rnnlib.viz.style import CMAP_DIVERGING, PALETTE, figure_to_png

# --- the smudged letter: BothWaysPlot / plot_both_ways (helper H2) ------------------------------


def _probs(rng, peak=None):
    p = rng.dirichlet(np.ones(26))
    if peak is not None:  # make `peak` the likeliest letter
        p[ALPHABET.index(peak)] += 2.0
        p /= p.sum()
    return p


def _case(rng, word="h_ppy", H=6):
    T = len(word)
    h_fwd, h_bwd = np.tanh(rng.normal(size=(T, H))), np.tanh(rng.normal(size=(T, H)))
    probs = {"left": _probs(rng, "e"), "right": _probs(rng), "both": _probs(rng, "a")}
    return h_fwd, h_bwd, probs


def test_top_from_probs_known_answer_and_ties():
    p = np.zeros(26)
    p[[0, 4, 7, 25]] = [0.1, 0.4, 0.4, 0.1]  # e and h tie: alphabetical order; a and z tie
    assert top_from_probs(p, 3) == [("e", 0.4), ("h", 0.4), ("a", 0.1)]
    assert [letter for letter, _ in top_from_probs(p, 26)][:5] == ["e", "h", "a", "z", "b"]
    with pytest.raises(ValueError, match="probs must be a probability vector over the 26 letters"):
        top_from_probs(np.ones(26))
    with pytest.raises(ValueError, match=r"shape \(27,\)"):
        top_from_probs(np.ones(27) / 27)
    with pytest.raises(ValueError, match="k must be an integer in"):
        top_from_probs(p, 0)


def test_heatmaps_show_the_states_arriving_at_the_blank(rng):
    h_fwd, h_bwd, probs = _case(rng, "h_ppy", H=6)
    plot = BothWaysPlot(6)
    fig = plot.update("h_ppy", h_fwd, h_bwd, probs, truth="a")
    assert isinstance(fig, Figure)
    cmap = colormaps[CMAP_DIVERGING]
    p = 2
    for name, states, used in (("fwd", h_fwd, [True, True, False, False, False]),
                               ("bwd", h_bwd, [False, True, True, True, True])):
        rgba = np.asarray(plot.images[name].get_array())
        assert rgba.shape == (6, 5, 4)  # units down, time across
        expected = cmap((states.T + 1) / 2, bytes=True)  # the colours of the states, in [-1, 1]
        np.testing.assert_array_equal(rgba[..., :3], expected[..., :3])
        alpha = rgba[0, :, 3]
        assert list(alpha == 255) == used  # full where the reader's state counts at the blank, faint elsewhere
        assert np.all(alpha[~np.array(used)] < 128)
    np.testing.assert_array_equal(plot.state["joined"], np.concatenate([h_fwd[p - 1], h_bwd[p - 1]]))
    np.testing.assert_array_equal(plot.joined_images[0].get_array()[:, 0], h_fwd[p - 1])
    np.testing.assert_array_equal(plot.joined_images[1].get_array()[:, 0], h_bwd[p - 1])
    assert plot.shown_letters == list("h_ppy")
    assert [t.get_position()[0] for t in plot.letters[:5]] == [1, 2, 3, 4, 5]  # step t at x = t
    assert plot.frames["fwd"].get_x() == plot.frames["bwd"].get_x() == p - 0.5
    # the arrows run left to right up to the blank and right to left down to it
    (f0, _), (f1, _) = plot.arrows["fwd"]._posA_posB
    (b0, _), (b1, _) = plot.arrows["bwd"]._posA_posB
    assert (f0, f1) == (0.5, p) and (b0, b1) == (5.5, p)
    assert plot.heading.get_text() == ("'h_ppy': the blank is step p = 2 of T = 5; "
                                       "the true letter is 'a' (vermillion bar)")


def test_bars_are_each_readers_top_five_with_the_truth_marked(rng):
    h_fwd, h_bwd, probs = _case(rng)
    plot = BothWaysPlot(6)
    plot.update("h_ppy", h_fwd, h_bwd, probs, truth="a")
    for reader in READERS:
        top = top_from_probs(probs[reader], 5)
        assert plot.state["top"][reader] == top
        assert [b.get_width() for b in plot.bars[reader]] == [prob for _, prob in top]
        assert plot.bar_labels[reader].get_text().split("\n") == [f"{letter} {prob:.2f}" for letter, prob in top]
        colours = [to_hex(b.get_facecolor()) for b in plot.bars[reader]]
        for (letter, _), colour in zip(top, colours):
            assert colour == (PALETTE["vermillion"].lower() if letter == "a" else PALETTE["blue"].lower())
    assert plot.state["top"]["both"][0][0] == "a" and plot.truth_notes["both"].get_text() == ""
    # the one-way readers are separate networks, not the heatmaps' halves: their titles say so
    assert [plot.ax_bars[r].get_title(loc="left") for r in READERS] == [
        "left only (a separate forward RNN)", "right only (a separate backward RNN)", "both (the joined states above)"]
    # the truth outside the top five: its probability and rank are written
    ranked = top_from_probs(probs["right"], 26)
    last, p_last = ranked[-1]
    plot.update("h_ppy", h_fwd, h_bwd, probs, truth=last)
    assert plot.truth_notes["right"].get_text() == f"true '{last}': P = {p_last:.2f}, rank 26"


def test_a_reader_left_out_gets_empty_bars(rng):
    h_fwd, h_bwd, probs = _case(rng)
    plot = BothWaysPlot(6)
    plot.update("h_ppy", h_fwd, h_bwd, {"both": probs["both"]})
    assert all(b.get_width() == 0 for b in plot.bars["left"])
    assert plot.truth_notes["left"].get_text() == "(no reader given)"
    assert "true letter" not in plot.heading.get_text()


def test_updates_in_place_for_other_words_and_blanks(rng):
    plot = BothWaysPlot(4, max_letters=12)
    n_artists = len(plot.fig.findobj())
    for word in ("_appy", "happ_", "a_", "_", "unbelievabl_"):
        h_fwd, h_bwd, probs = _case(rng, word, H=4)
        plot.update(word, h_fwd, h_bwd, probs)
        p, T = word.index("_") + 1, len(word)
        assert plot.state["p"] == p and plot.shown_letters == list(word)
        assert plot.ax_fwd.get_xlim() == (0.5, T + 0.5)
        assert np.asarray(plot.images["bwd"].get_array()).shape == (4, T, 4)
        assert len(plot.fig.findobj()) == n_artists  # nothing added: the same artists, moved


@pytest.mark.parametrize("word, message", [("happy", "exactly one blank"), ("h__py", "exactly one blank"),
                                           ("H_ppy", "letters a-z"), ("h_p1y", "letters a-z"),
                                           ("a" * 12 + "_", "at most 12 letters")])
def test_bad_words_are_refused(rng, word, message):
    plot = BothWaysPlot(4, max_letters=12)
    h_fwd, h_bwd, probs = _case(rng, "h_ppy", H=4)
    with pytest.raises(ValueError, match=message):
        plot.update(word, h_fwd, h_bwd, probs)


def test_bad_arrays_are_refused(rng):
    plot = BothWaysPlot(4)
    h_fwd, h_bwd, probs = _case(rng, "h_ppy", H=4)
    with pytest.raises(ValueError, match=r"h_fwd must be a finite array of shape \(5, 4\)"):
        plot.update("h_ppy", h_fwd[:4], h_bwd, probs)
    with pytest.raises(ValueError, match=r"h_bwd must be a finite array of shape \(5, 4\)"):
        plot.update("h_ppy", h_fwd, h_bwd[:, :3], probs)
    with pytest.raises(ValueError, match="probs must be a dict with keys among"):
        plot.update("h_ppy", h_fwd, h_bwd, {"middle": probs["left"]})
    with pytest.raises(ValueError, match="truth must be one letter a-z"):
        plot.update("h_ppy", h_fwd, h_bwd, probs, truth="_")
    with pytest.raises(ValueError, match="hidden_size must be an integer >= 1"):
        BothWaysPlot(0)


def test_plot_both_ways_is_the_static_figure(rng):
    h_fwd, h_bwd, probs = _case(rng, "sa_", H=5)
    fig = plot_both_ways("sa_", h_fwd, h_bwd, probs, truth="d")
    assert isinstance(fig, Figure)
    assert "p = 3 of T = 3" in fig.texts[-1].get_text()
    with pytest.raises(ValueError, match="h_fwd must be 2-D"):
        plot_both_ways("sa_", h_fwd[0], h_bwd, probs)


@pytest.mark.slow
def test_fast_png_equals_full_redraw(rng):
    plot = BothWaysPlot(5)
    for word in ("h_ppy", "_", "unbelievabl_"):
        h_fwd, h_bwd, probs = _case(rng, word, H=5)
        plot.update(word, h_fwd, h_bwd, probs, truth="y")
        fast = np.asarray(Image.open(io.BytesIO(plot.to_png())).convert("RGB"))
        full = np.asarray(Image.open(io.BytesIO(figure_to_png(plot.fig))).convert("RGB"))
        assert fast.shape == full.shape
        assert np.array_equal(fast, full), word


# --- the GRU cell: GRUCellDiagram / draw_gru_cell / plot_gru_beside_lstm (helper H4) ------------

MINUS = "\u2212"


def _fmt(value):
    return f"{value:.2f}".replace("-", MINUS)


def _torch_order_step(x, h_prev, Wx, Wh, bx, bh):
    """One step of rnnlib.gru on a one-unit GRU, read straight from its cache (not via gru_step_values)."""
    h, cache = gru_step_forward([[x]], [[h_prev]], [Wx], [Wh], bx, bh)
    return {"r": cache.r[0, 0], "z": cache.z[0, 0], "n": cache.n[0, 0], "ah_n": cache.ah_n[0, 0], "h": h[0, 0]}


@pytest.mark.parametrize("x, h_prev, bx", [(1.0, 0.2, (-0.5, 1.0, 0.0)), (-2.3, -0.8, (1.5, -2.0, 0.7))])
def test_gru_diagram_writes_one_step_of_rnnlib_gru(x, h_prev, bx):
    Wx, Wh, bh = (1.0, 0.8, -1.2), (0.5, -0.4, 0.9), (0.1, -0.2, 0.3)
    ref = _torch_order_step(x, h_prev, Wx, Wh, bx, bh)
    d = GRUCellDiagram(gru_step_values(x, h_prev, Wx, Wh, bx, bh))
    t = d.texts
    for key in ("r", "z", "n", "h"):
        assert t[key].get_text() == _fmt(ref[key]), key
    assert t["x"].get_text() == _fmt(x) and t["h_prev"].get_text() == _fmt(h_prev)
    assert t["one_minus_z"].get_text() == _fmt(1 - ref["z"])
    assert t["kept_part"].get_text() == _fmt(ref["z"] * h_prev)
    assert t["new_part"].get_text() == _fmt((1 - ref["z"]) * ref["n"])
    assert t["ah_n"].get_text() == _fmt(ref["ah_n"])
    assert t["r_ah_n"].get_text() == _fmt(ref["r"] * ref["ah_n"])
    assert t["ax_n"].get_text() == _fmt(x * Wx[2] + bx[2])
    assert t["a_z"].get_text() == _fmt(x * Wx[1] + bx[1] + h_prev * Wh[1] + bh[1])
    assert t["h_label"].get_text() == "$h_t$ ="
    # the equations with the numbers filled in; the two terms add up to h_t (to the shown precision)
    assert t["eq_h"].get_text().endswith(f" = {_fmt(ref['h'])}")
    assert t["eq_n"].get_text().startswith(f"tanh({_fmt(x * Wx[2] + bx[2])} + ") and t["eq_n"].get_text().endswith(
        f" = {_fmt(ref['n'])}")
    assert d.values["kept_part"] + d.values["new_part"] == pytest.approx(ref["h"], abs=1e-12)
    assert isinstance(d.fig, Figure)
    assert figure_to_png(d.fig)[:8] == b"\x89PNG\r\n\x1a\n"


def test_gru_diagram_updates_in_place_and_colours_its_blocks():
    d = GRUCellDiagram()  # the worked example
    n_artists = len(d.ax.get_children())
    before = figure_to_png(d.fig)
    z_colour = d.boxes["z"].get_facecolor()
    shown = d.set_values(gru_step_values(-1.0, 0.9, bx=(0.0, -8.0, 0.0)))
    assert len(d.ax.get_children()) == n_artists  # nothing added: text and colours only
    assert shown["z"] < 0.001 and d.texts["z"].get_text() == "0.00"
    assert d.boxes["z"].get_facecolor() != z_colour
    assert to_hex(d.boxes["z"].get_facecolor()) == to_hex(colormaps["viridis"](shown["z"]))
    assert to_hex(d.boxes["n"].get_facecolor()) == to_hex(colormaps[CMAP_DIVERGING]((shown["n"] + 1) / 2))
    assert d.texts["box_z"].get_color() == "white"  # dark purple block, white text
    assert d.texts["eq_h"].get_text().endswith(f"·0.90 = {_fmt(shown['h'])}")
    assert figure_to_png(d.fig) != before


def test_gru_diagram_extremes_of_the_update_gate():
    keep = GRUCellDiagram({"x": 0.0, "h_prev": -0.6, "a_r": 0.0, "a_z": 40.0, "n": 0.9})
    assert keep.texts["h"].get_text() == f"{MINUS}0.60"  # z = 1: h passes unchanged
    take = GRUCellDiagram({"x": 0.0, "h_prev": -0.6, "a_r": 0.0, "a_z": -40.0, "ax_n": 0.3, "ah_n": 2.0})
    assert take.values["n"] == pytest.approx(np.tanh(0.3 + 0.5 * 2.0))  # r = sigma(0) = 0.5 scales a_hn
    assert take.texts["h"].get_text() == _fmt(np.tanh(1.3))  # z = 0: h_t = n


def test_gru_diagram_hides_parts_that_were_not_given():
    d = GRUCellDiagram({"x": 1.0, "h_prev": 0.5, "r": 0.5, "z": 0.25, "n": -0.4})
    for key in ("a_r", "a_z", "ah_n", "ax_n", "r_ah_n"):
        assert not d.texts[key].get_visible() and not d.texts[f"{key}_label"].get_visible(), key
    assert d.texts["h"].get_text() == _fmt(0.75 * -0.4 + 0.25 * 0.5)
    assert d.texts["eq_n"].get_text() == f"{MINUS}0.40"
    d.set_values(gru_step_values())  # the labels come back
    assert d.texts["ah_n"].get_visible() and d.texts["ah_n_label"].get_visible()


def test_gru_diagram_picks_one_unit_of_vector_values():
    rng = np.random.default_rng(3)
    H = 3
    Wx, Wh = rng.normal(size=(2, 3 * H)), rng.normal(size=(H, 3 * H))
    bx, bh = rng.normal(size=3 * H), rng.normal(size=3 * H)
    x, h_prev = rng.normal(size=(1, 2)), np.tanh(rng.normal(size=(1, H)))
    h, cache = gru_step_forward(x, h_prev, Wx, Wh, bx, bh)
    values = {"x": x[0, 0], "h_prev": h_prev[0], "r": cache.r[0], "z": cache.z[0], "ah_n": cache.ah_n[0],
              "ax_n": (x @ Wx + bx)[0, 2 * H:]}
    d = GRUCellDiagram(values, unit=2)
    assert d.texts["n"].get_text() == _fmt(cache.n[0, 2])  # computed from the parts: the library's candidate
    assert d.texts["h"].get_text() == _fmt(h[0, 2])
    with pytest.raises(ValueError, match="unit must be < 3"):
        d.set_values(values, unit=3)


@pytest.mark.parametrize("values, message", [
    ({"h_prev": 0.1, "r": 0.5, "z": 0.5, "n": 0.0}, "must contain 'x'"),
    ({"x": 0.1, "h_prev": 0.1, "z": 0.5, "n": 0.0}, "the gate 'r' or its pre-activation 'a_r'"),
    ({"x": 0.1, "h_prev": 0.1, "r": 0.5, "z": 0.5, "ax_n": 0.2}, "the candidate 'n' or both its parts"),
    ([0.1, 0.2], "values must be a dict"),
])
def test_gru_diagram_refuses_bad_values(values, message):
    with pytest.raises(ValueError, match=message):
        GRUCellDiagram(values)


@pytest.mark.slow
def test_gru_diagram_fast_render_equals_a_full_render():
    d = GRUCellDiagram()
    d.to_png()  # caches the static background
    for values in (gru_step_values(-2.5, 0.9, bx=(3.0, -1.0, 0.5)), {"x": 1.0, "h_prev": 0.0, "r": 0.5, "z": 0.5,
                                                                      "n": 0.5}, gru_step_values(0.3, -0.1)):
        d.set_values(values)
        fast = d.to_png()
        np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(fast)).convert("RGB")),
                                      np.asarray(Image.open(io.BytesIO(figure_to_png(d.fig))).convert("RGB")))


def test_draw_gru_cell_is_the_static_figure():
    fig = draw_gru_cell(gru_step_values(0.5, -0.3))
    assert isinstance(fig, Figure)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert _fmt(gru_step_values(0.5, -0.3)["h"]) in texts


def test_gru_beside_lstm_draws_both_cells_in_one_figure():
    fig = plot_gru_beside_lstm()
    assert isinstance(fig.lstm, LSTMCellDiagram) and isinstance(fig.gru, GRUCellDiagram)
    assert fig.lstm.fig is fig and fig.gru.fig is fig and fig.lstm.ax is not fig.gru.ax
    # default values: the two worked examples; the state paths drawn at the same height
    assert fig.gru.texts["h"].get_text() == _fmt(gru_step_values()["h"])
    assert fig.lstm.texts["c_label"].get_text() == "$c_t$ ="
    shaded = [line for ax in fig.axes for line in ax.lines if line.get_linewidth() > 5]
    assert len(shaded) == 2 and {tuple(line.get_ydata()) for line in shaded} == {(7.0, 7.0)}
    assert to_hex(shaded[0].get_color()) == PALETTE["sky"].lower()
    # the GRU has no cell state and no output gate; both have their sigmoid gates as blocks
    assert set(fig.gru.boxes) == {"z", "r", "n"} and set(fig.lstm.boxes) == {"i", "f", "g", "o"}
    assert fig.gru.ax.get_title() == "GRU: $h$ itself on top; $z$ keeps, $1 - z$ writes"
    assert not [line for ax in plot_gru_beside_lstm(highlight=False).axes for line in ax.lines
                if line.get_linewidth() > 5]
