"""Headless tests of the twin explorer (rnnlib.widgets.lstm_vs_rnn)."""


import pytest

from rnnlib.lessons.lstm_vs_rnn import word_internals
from rnnlib.model import SequenceClassifier
from rnnlib.widgets.lstm_vs_rnn import TwinExplorer, benchmark_cases, twin_explorer


@pytest.fixture
def models():
    return {"rnn": SequenceClassifier(26, 6, cell="rnn", seed=0),
            "lstm": SequenceClassifier(26, 5, cell="lstm", seed=0)}


def test_typing_a_word_updates_figure_and_text(models):
    ex = twin_explorer(models, word="good", valence={"good": 1.9, "bad": -2.5}, split_of={"good": "train"})
    assert isinstance(ex, TwinExplorer) and ex.controls["word"].continuous_update
    before, info_before = ex.live.image.value, ex.info.value
    assert "rated +1.9 (positive), in the train split" in info_before
    ex.controls["word"].value = "bad"
    assert ex.last_error is None
    assert ex.live.image.value != before
    _, p_lstm = word_internals(models["lstm"], "bad")
    assert f"LSTM <b>{p_lstm:.2f}</b>" in ex.info.value and "rated -2.5 (negative)" in ex.info.value
    assert ex.plot.shown_letters == list("bad")
    ex.controls["word"].value = "zyx"
    assert "not in the data set" in ex.info.value


def test_capitals_and_spaces_are_accepted(models):
    ex = twin_explorer(models)
    ex.controls["word"].value = "  Hope "
    assert ex.last_error is None
    assert ex.plot.shown_letters == list("hope")


@pytest.mark.parametrize("bad, message", [("ab1", "contains digits"), ("", "empty"),
                                          ("two words", "spaces (one word at a time)"),
                                          ("a" * 21, "at most 20 letters")])
def test_invalid_input_shows_message(models, bad, message):
    ex = twin_explorer(models, word="good")
    image = ex.live.image.value
    ex.controls["word"].value = bad
    assert isinstance(ex.last_error, ValueError)
    assert message in ex.error.value and ex.error.layout.display == "block"
    assert ex.live.image.value == image  # the last good word stays on screen
    ex.controls["word"].value = "fine"
    assert ex.last_error is None and ex.error.layout.display == "none"


def test_bad_models_rejected(models):
    with pytest.raises(ValueError, match="models must be"):
        twin_explorer([models["rnn"], models["lstm"]])
    with pytest.raises(ValueError, match="lstm_model must be a SequenceClassifier with cell='lstm'"):
        twin_explorer({"rnn": models["rnn"], "lstm": models["rnn"]})


@pytest.mark.slow
def test_benchmark_cases_are_valid(check_benchmark_cases):
    check_benchmark_cases(benchmark_cases(), at_least=1)
