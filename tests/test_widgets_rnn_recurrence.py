"""Headless tests of the recurrence explorer (notebook 02)."""

import numpy as np
import pytest

from rnnlib.lessons.rnn_recurrence import demo_parameters, word_steps
from rnnlib.widgets.base import Explorer
from rnnlib.widgets.rnn_recurrence import benchmark_cases, recurrence_explorer


@pytest.fixture(scope="module")
def explorer():
    return recurrence_explorer(word="good", t=2, dpi=50)


def test_default_state(explorer):
    assert isinstance(explorer, Explorer)
    assert explorer.last_error is None
    assert explorer.controls["word"].value == "good"
    assert explorer.controls["t"].max == 4 and explorer.controls["t"].value == 2
    assert explorer.live.image.value[:4] == b"\x89PNG"
    p = demo_parameters(4, seed=0)
    expected = word_steps("good", p["Wx"], p["Wh"], p["b"])
    np.testing.assert_allclose(explorer.steps.h, expected.h)
    assert f"{expected.h[1, 0]:.4f}" in explorer.numbers.value  # the table shows h_2 with 4 decimals
    assert "reads the letter <b>'o'</b>" in explorer.numbers.value


def test_step_slider_updates_figure_and_numbers(explorer):
    explorer.controls["word"].value = "good"
    explorer.controls["t"].value = 1
    before = explorer.live.image.value
    redraws = explorer.live.redraws
    explorer.controls["t"].value = 4
    assert explorer.last_error is None
    assert explorer.live.image.value != before
    assert explorer.live.redraws == redraws + 1  # one redraw per change
    assert "Last step: s = h<sub>T</sub>" in explorer.numbers.value  # the read-out score at t = T
    assert "P(positive)" in explorer.numbers.value
    assert "step t = 4 of 4" in explorer.painter.bar_title.get_text()


def test_new_word_sets_slider_max_and_clamps(explorer):
    explorer.controls["word"].value = "hopeless"
    assert explorer.last_error is None
    assert explorer.controls["t"].max == 8
    explorer.controls["t"].value = 7
    redraws = explorer.live.redraws
    explorer.controls["word"].value = "bad"
    assert explorer.last_error is None
    assert explorer.controls["t"].max == 3 and explorer.controls["t"].value == 3
    assert explorer.live.redraws == redraws + 1  # the clamp did not trigger a second update
    assert "'bad'" in explorer.painter.bar_title.get_text()
    assert "negative" in explorer.numbers.value  # 'bad' is in the data set
    # the play button plays to the new end: from the last step it starts again at 1
    player = explorer.player
    player.button.value = True
    assert explorer.controls["t"].value == 1 and player.button.description == "pause"
    player.step()
    player.step()
    assert explorer.controls["t"].value == 3
    assert not player.button.value and player.button.description == "play"  # stopped at the end
    player.step()
    assert explorer.controls["t"].value == 3


def test_word_outside_lexicon_and_whitespace(explorer):
    explorer.controls["word"].value = " zzyzx "
    assert explorer.last_error is None
    assert explorer.steps.word == "zzyzx"
    assert "not in the word-sentiment data set" in explorer.numbers.value


@pytest.mark.parametrize("bad, fragment", [
    ("Good", "upper case"),
    ("g00d", "digits"),
    ("", "empty"),
    ("x" * 21, "at most 20 letters"),
])
def test_invalid_word_shows_message_not_exception(explorer, bad, fragment):
    explorer.controls["word"].value = "good"
    image = explorer.live.image.value
    explorer.controls["word"].value = bad  # must not raise
    assert isinstance(explorer.last_error, ValueError)
    assert fragment in explorer.error.value
    assert explorer.error.layout.display == "block"
    assert explorer.live.image.value == image  # the last good figure stays
    explorer.controls["word"].value = "hope"  # and the explorer recovers
    assert explorer.last_error is None and explorer.error.layout.display == "none"


def test_custom_params_and_bad_params():
    p = demo_parameters(hidden_size=6, seed=3)
    ex = recurrence_explorer(word="joy", t=9, params=p, dpi=40)
    assert ex.controls["t"].value == 3  # clipped to the word length
    assert ex.steps.H == 6
    with pytest.raises(ValueError, match="missing"):
        recurrence_explorer(params={"Wx": p["Wx"]})
    with pytest.raises(ValueError, match="26 rows"):
        recurrence_explorer(params={**p, "Wx": p["Wx"][:5]})
    with pytest.raises(ValueError, match="upper case"):
        recurrence_explorer(word="Joy")


@pytest.mark.slow
def test_benchmark_cases_run():
    cases = benchmark_cases()
    assert len(cases) >= 2
    for name, ex, control, value in cases:
        before = ex.live.image.value
        ex.controls[control].value = value
        assert ex.last_error is None, name
        assert ex.live.image.value != before, name
