"""Headless tests of the explorers of notebook 08 (rnnlib.widgets.both_ways_and_gru)."""

import numpy as np
import pytest

from rnnlib.data import smudge_words
from rnnlib.model import BlankReader
from rnnlib.train import train
from rnnlib.viz.both_ways_and_gru import READERS
from rnnlib.widgets.both_ways_and_gru import (
    BothWaysExplorer,
    benchmark_cases,
    both_ways_explorer,
    describe_readers,
    fitting_words,
)

# --- the smudged letter (helper H2) -----------------------------------------------------------------

WORDS = ["happy", "sad", "glad", "hope", "hate", "love"]


@pytest.fixture(scope="module")
def readers():
    """Three tiny readers trained for a few dozen steps on every position of six words (a few hundred ms)."""
    data = smudge_words(WORDS, positions="all")
    out = {}
    for reads in READERS:
        model = BlankReader(8, cell="rnn", reads=reads, seed=0)
        train(model, data.x, data.target, extras=data.extras(), steps=40, batch_size=len(data), optimizer="adam",
              lr=0.05, seed=0)
        out[reads] = model
    return out


def test_the_figure_shows_the_readers_own_numbers(readers):
    ex = both_ways_explorer(readers, word="h_ppy")
    assert isinstance(ex, BothWaysExplorer) and ex.last_error is None and ex.controls["word"].continuous_update
    states = readers["both"].states("h_ppy")
    np.testing.assert_array_equal(ex.plot.state["h_fwd"], states["fwd"][0])  # (T, H): the heatmaps
    np.testing.assert_array_equal(ex.plot.state["h_bwd"], states["bwd"][0])
    np.testing.assert_array_equal(ex.plot.state["joined"], np.concatenate([states["fwd"][0, 1], states["bwd"][0, 1]]))
    for reads, model in readers.items():
        top = model.top_letters("h_ppy", k=5)
        assert ex.plot.state["top"][reads] == top  # the bars
        assert [b.get_width() for b in ex.plot.bars[reads]] == [p for _, p in top]
    # trained on happy at every position: the 'both' reader restores the a of h_ppy
    assert ex.plot.state["top"]["both"][0][0] == "a"


def test_summary_line_names_each_readers_top_five(readers):
    ex = both_ways_explorer(readers, word="s_d")
    tops = {r: m.top_letters("s_d", k=5) for r, m in readers.items()}
    line = describe_readers(tops)
    assert line.startswith("left only: ") and "; right only: " in line and "; both: " in line
    assert line.split("; ")[2] == "both: " + ", ".join(f"{c} {p:.2f}" for c, p in tops["both"])
    assert ex.summary.value == f"<span style='font-size:0.95em'>{line}</span>"  # no lexicon: nothing more


def test_typing_updates_in_place_and_the_lexicon_marks_the_truth(readers):
    lexicon = {"happy": "test", "sad": "train", "mad": "train", "bad": "validation"}
    ex = both_ways_explorer(readers, word="h_ppy", lexicon=lexicon)
    assert ex.result["truth"] == "a" and ex.plot.state["truth"] == "a"
    assert "lexicon: <b>happy</b> (true letter <b>a</b>, test words)" in ex.summary.value
    image, redraws = ex.live.image.value, ex.live.redraws
    ex.controls["word"].value = "_ad"
    assert ex.last_error is None and ex.live.redraws == redraws + 1 and ex.live.image.value != image
    assert ex.plot.shown_letters == list("_ad") and ex.result["p"] == 1
    assert ex.result["truth"] is None and "3 lexicon words fit: bad, mad, sad" in ex.summary.value
    ex.controls["word"].value = "  Zz_Q "  # typed: case and spaces forgiven
    assert ex.last_error is None and ex.plot.shown_letters == list("zz_q")
    assert "no word of the lexicon fits" in ex.summary.value


@pytest.mark.parametrize("bad, message", [("happy", "has no blank"), ("h__py", "has 2 blanks"),
                                          ("h_ppy!", "contains &#x27;!&#x27;"), ("", "has no blank"),
                                          ("a" * 20 + "_", "at most 20 letters")])
def test_bad_input_shows_the_error_in_the_widget(readers, bad, message):
    ex = both_ways_explorer(readers, word="h_ppy")
    image = ex.live.image.value
    ex.controls["word"].value = bad
    assert isinstance(ex.last_error, ValueError)
    assert message in ex.error.value and ex.error.layout.display == "block"
    assert ex.live.image.value == image and ex.plot.state["word"] == "h_ppy"  # the last good word stays
    ex.controls["word"].value = "glad_"
    assert ex.last_error is None and ex.error.layout.display == "none"


def test_fitting_words():
    assert fitting_words("_ad", ["sad", "bad", "glad", "adz", "sad"]) == ["bad", "sad"]
    assert fitting_words("happ_", ["happy", "happen"]) == ["happy"]
    assert fitting_words("x_", []) == []


def test_bad_readers_are_refused(readers):
    with pytest.raises(ValueError, match="readers must be a dict with the keys"):
        both_ways_explorer({"left": readers["left"], "both": readers["both"]})
    with pytest.raises(ValueError, match=r"readers\['right'\] must read 'right'"):
        both_ways_explorer({**readers, "right": readers["left"]})
    with pytest.raises(ValueError, match=r"readers\['left'\] must be a BlankReader"):
        both_ways_explorer({**readers, "left": "model"})


def test_a_run_holding_its_model_is_accepted(readers):
    class Run:
        def __init__(self, model):
            self.model = model

    ex = both_ways_explorer({r: Run(m) for r, m in readers.items()})
    assert ex.models == readers


@pytest.mark.slow
def test_benchmark_cases_are_valid(check_benchmark_cases):
    check_benchmark_cases(benchmark_cases(), at_least=1)
