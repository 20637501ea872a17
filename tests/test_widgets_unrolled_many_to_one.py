"""Headless tests of the unrolled-network explorer (rnnlib.widgets.unrolled_many_to_one)."""


import numpy as np
import pytest

from rnnlib.data import one_hot_word
from rnnlib.lessons.unrolled_many_to_one import hidden_state_gradients
from rnnlib.model import SequenceClassifier
from rnnlib.widgets.unrolled_many_to_one import benchmark_cases, unrolled_explorer


@pytest.fixture
def model():
    return SequenceClassifier(26, 8, cell="rnn", seed=3)


def _visible_letters(explorer):
    return [t.get_text() for t in explorer.ax.texts if t.get_visible() and len(t.get_text()) == 1]


def test_typing_updates_diagram_and_probability(model):
    ex = unrolled_explorer(model, "good")
    assert ex.last_error is None
    assert _visible_letters(ex) == list("good")
    before = ex.live.image.value
    ex.controls["word"].value = "goodness"
    assert ex.last_error is None and ex.error.value == ""
    assert ex.live.image.value != before
    assert _visible_letters(ex) == list("goodness")
    p = model.predict_proba(one_hot_word("goodness")[None])[0]
    assert f"{p:.3f}" in ex.readout.value and "goodness" in ex.readout.value
    assert f"{p:.2f}" in ex.diagram.out_text.get_text()
    # the heatmap column of step t holds h_t
    hs = model.internals(one_hot_word("goodness")[None])["h"][0]
    np.testing.assert_allclose(ex.diagram.images[7].get_array()[:, 0], hs[7])
    assert not ex.diagram.images[8].get_visible()


def test_gradient_checkbox_draws_bptt(model):
    ex = unrolled_explorer(model, "hopeless")
    assert not ex.diagram.back_arrows[0].get_visible()
    before = ex.live.image.value
    ex.controls["gradient"].value = True
    assert ex.last_error is None and ex.live.image.value != before
    norms = hidden_state_gradients(model, "hopeless", label=1)
    shown = [float(t.get_text()) for t in ex.diagram.bar_texts[:8]]
    np.testing.assert_allclose(shown, norms, rtol=0.06)  # printed with 2 significant digits
    assert "gradient shown" in ex.readout.value


def test_gradient_uses_the_words_lexicon_label(model):
    lexicon = {"hopeless": 0, "hopeful": 1}
    ex = unrolled_explorer(model, "hopeless", show_gradient=True, lexicon=lexicon)
    shown = [float(t.get_text()) for t in ex.diagram.bar_texts[:8]]
    np.testing.assert_allclose(shown, hidden_state_gradients(model, "hopeless", label=0), rtol=0.06)
    # the loss for y = 1 would give other bars: the factor y_hat - y changes
    assert not np.allclose(shown, hidden_state_gradients(model, "hopeless", label=1), rtol=0.06)
    assert "label y = 0 (negative, the word's lexicon label)" in ex.readout.value
    ex.controls["word"].value = "hopeful"
    assert "label y = 1 (positive, the word's lexicon label)" in ex.readout.value
    ex.controls["word"].value = "blorpless"  # not in the lexicon: the default label
    shown = [float(t.get_text()) for t in ex.diagram.bar_texts[:9]]
    np.testing.assert_allclose(shown, hidden_state_gradients(model, "blorpless", label=1), rtol=0.06)
    assert "label y = 1 (positive, not in the lexicon" in ex.readout.value
    with pytest.raises(ValueError, match="lexicon must map words"):
        unrolled_explorer(model, lexicon={"good": 2})
    with pytest.raises(ValueError, match="label must be 0 or 1"):
        unrolled_explorer(model, label=3)


@pytest.mark.parametrize("bad, message", [
    ("g00d", "contains digits"),
    ("", "empty"),
    ("a" * 40, "at most"),
])
def test_bad_word_shows_error_in_widget(model, bad, message):
    ex = unrolled_explorer(model, "good")
    ex.controls["word"].value = bad
    assert ex.last_error is not None
    assert message in ex.error.value
    assert ex.error.layout.display == "block"
    ex.controls["word"].value = "good"  # recovers
    assert ex.last_error is None and ex.error.layout.display == "none"


def test_upper_case_and_spaces_are_accepted(model):
    ex = unrolled_explorer(model, "good")
    ex.controls["word"].value = "  Happy "
    assert ex.last_error is None
    assert _visible_letters(ex) == list("happy")


def test_builder_rejects_wrong_model():
    with pytest.raises(ValueError, match="cell='rnn'"):
        unrolled_explorer(SequenceClassifier(26, 4, cell="lstm"))
    with pytest.raises(ValueError, match="input_size 26"):
        unrolled_explorer(SequenceClassifier(5, 4))


@pytest.mark.slow
def test_benchmark_cases_are_valid(check_benchmark_cases):
    check_benchmark_cases(benchmark_cases(), at_least=1)
