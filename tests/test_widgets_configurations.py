"""Headless tests of the explorers of notebook 07 (rnnlib.widgets.configurations)."""

import numpy as np
import pytest

from rnnlib.data import END, LM_SYMBOLS, START, encode_lm_words
from rnnlib.lessons.configurations import configuration_steps
from rnnlib.model import CharLanguageModel
from rnnlib.train import train
from rnnlib.widgets.configurations import (
    ConfigurationsExplorer,
    WritingExplorer,
    benchmark_cases,
    configurations_explorer,
    describe_configuration,
    writing_explorer,
    written_word,
)

WORDS = ["joy", "love", "hope", "sad", "hate", "glad"]


@pytest.fixture(scope="module")
def model():
    """A tiny language model trained for a few dozen steps on six words (a few hundred ms)."""
    x, y, mask = encode_lm_words(WORDS)
    m = CharLanguageModel(len(LM_SYMBOLS), 16, cell="lstm", seed=0)
    train(m, x, y, extras={"mask": mask}, steps=60, batch_size=6, optimizer="adam", lr=0.03, clip=5.0, seed=0)
    return m


@pytest.fixture(scope="module")
def conditioned():
    x, y, mask = encode_lm_words(WORDS)
    c = np.array([1, 1, 1, 0, 0, 1])
    m = CharLanguageModel(len(LM_SYMBOLS), 12, cell="rnn", seed=0, n_conditions=2)
    train(m, x, y, extras={"mask": mask, "condition": c}, steps=40, batch_size=6, optimizer="adam", lr=0.03,
          clip=5.0, seed=0)
    return m


# --- the configurations explorer -------------------------------------------------------------

def test_configurations_explorer_updates_in_place():
    ex = configurations_explorer("joy", "many_to_one")
    assert isinstance(ex, ConfigurationsExplorer) and ex.last_error is None
    assert ex.summary.value == describe_configuration(configuration_steps("many_to_one", "joy"))
    assert "1 loss term: L = L<sub>3</sub>" in ex.summary.value and "inputs: j (t = 1), o (t = 2), y (t = 3)" \
        in ex.summary.value
    image, redraws = ex.live.image.value, ex.live.redraws
    ex.controls["configuration"].value = "one_to_many"
    assert ex.last_error is None and ex.live.redraws == redraws + 1 and ex.live.image.value != image
    assert ex.diagram.shown["outputs"] == [1, 2, 3, 4] and ex.diagram.shown["initial"] == "label: positive"
    assert "4 loss terms: L = L<sub>1</sub> + L<sub>2</sub> + L<sub>3</sub> + L<sub>4</sub>" in ex.summary.value
    assert "h<sub>0</sub> = label: positive" in ex.summary.value
    ex.controls["word"].value = "  Sad "  # typed: case and spaces forgiven
    assert ex.last_error is None and ex.steps.word == "sad" and ex.steps.label == "negative"
    ex.controls["configuration"].value = "encoder_decoder"
    ex.controls["word"].value = "abcdefgh"  # the longest word: 17 steps
    assert ex.last_error is None and ex.diagram.shown["loss"] == list(range(9, 18))
    assert "outputs (targets): h (t = 9)" in ex.summary.value and "&lt;end&gt; (t = 17)" in ex.summary.value
    # one image widget, replaced in place
    assert sum(1 for c in ex.children if c is ex.live.image) == 1


@pytest.mark.parametrize("bad, message", [("jo1", "contains digits"), ("", "empty"), ("a" * 9, "at most 8")])
def test_configurations_explorer_shows_errors(bad, message):
    ex = configurations_explorer("joy")
    image = ex.live.image.value
    ex.controls["word"].value = bad
    assert isinstance(ex.last_error, ValueError) and message in ex.error.value
    assert ex.error.layout.display == "block" and ex.live.image.value == image
    ex.controls["word"].value = "joy"
    assert ex.last_error is None and ex.error.layout.display == "none"
    with pytest.raises(ValueError, match="configuration must be one of"):
        configurations_explorer("joy", "two_to_two")


# --- the writing explorer --------------------------------------------------------------------

def test_written_word_matches_the_models_sampler(model):
    r = written_word(model, temperature=0.8, seed=3, prefix="h", max_len=12)
    ids, probs = model.sample(np.random.default_rng(3), 12, 0.8, start_id=START, end_id=END, prefix_ids=[9],
                              return_probs=True)
    assert r["word"] == "".join(LM_SYMBOLS[i] for i in ids) and r["word"].startswith("h")
    np.testing.assert_array_equal(r["probs"], probs)
    assert r["ended"] == (len(probs) == len(ids) + 1)
    assert list(r["chosen"]) == ids + ([END] if r["ended"] else [])
    assert r["n_imposed"] == 1


def test_writing_explorer_known_seeded_case(model):
    ex = writing_explorer(model, temperature=0.0, seed=0)  # greedy: the likeliest letter at every step
    assert isinstance(ex, WritingExplorer) and ex.last_error is None
    r = ex.result
    word, K = r["word"], r["probs"].shape[0]
    assert word in WORDS  # greedy on six memorised words writes one of them
    assert r["ended"] and K == len(word) + 1
    assert ex.controls["step"].max == K and ex.controls["step"].value == K  # starts on the last step
    np.testing.assert_array_equal(ex.plot.image.get_array(), r["probs"].T)
    p = r["probs"][K - 1]
    assert p[END] == 1.0 and np.count_nonzero(p) == 1  # greedy: all the probability on the argmax
    assert ex.summary.value == (f"word <b>{word}</b>; temperature 0.00, seed 0; step {K} of {K}: after "
                                f"&lt;start&gt;{word} the only next symbol with probability above 0 is &lt;end&gt; "
                                "1.00; written: &lt;end&gt; (drawn)")
    assert "0.00;" not in ex.summary.value and "&lt;start&gt; 0.00" not in ex.summary.value
    # the drawn letters are circled at (t, id)
    np.testing.assert_array_equal(ex.plot.sampled.get_xdata(), np.arange(1, K + 1))
    np.testing.assert_array_equal(ex.plot.sampled.get_ydata(), r["chosen"])


def test_writing_explorer_step_prefix_and_seed(model):
    ex = writing_explorer(model, temperature=1.0, seed=5)
    first = ex.result["word"]
    redraws, image = ex.live.redraws, ex.live.image.value
    ex.controls["step"].value = 1
    assert ex.last_error is None and ex.live.redraws == redraws + 1 and ex.live.image.value != image
    assert ex.result["word"] == first  # moving through the steps does not write a new word
    assert "step 1 of" in ex.summary.value and "after &lt;start&gt; the top 3" in ex.summary.value
    assert ex.plot.frame.get_x() == pytest.approx(0.5)
    assert "the top 3 next symbols are" in ex.summary.value  # at temperature 1 every symbol has p > 0
    ex.controls["prefix"].value = "gl"
    assert ex.last_error is None and ex.result["word"].startswith("gl") and ex.result["n_imposed"] == 2
    K = ex.result["probs"].shape[0]
    assert ex.controls["step"].value == K and f"step {K} of {K}" in ex.summary.value  # a new word: its last step
    np.testing.assert_array_equal(ex.plot.imposed.get_xdata(), [1, 2])
    ex.controls["step"].value = 1
    assert ex.result["word"].startswith("gl") and ex.result["probs"].shape[0] == K  # the slider alone: same word
    assert "written: g (imposed by the prefix)" in ex.summary.value
    ex.controls["step"].value = 3
    assert f"written: {ex.result['word'][2] if len(ex.result['word']) > 2 else '&lt;end&gt;'} (drawn)" \
        in ex.summary.value
    ex.controls["prefix"].value = ""
    ex.controls["seed"].value = 6
    ex.controls["step"].value = 1
    ex.controls["seed"].value = 5
    assert ex.result["word"] == first  # the same seed and settings write the same word
    assert ex.controls["step"].max == ex.result["probs"].shape[0] == ex.controls["step"].value
    # a new explorer with the same settings: bit-identical figure
    again = writing_explorer(model, temperature=1.0, seed=5)
    assert again.live.image.value == writing_explorer(model, temperature=1.0, seed=5).live.image.value


def test_writing_explorer_errors_show_in_the_widget(model):
    ex = writing_explorer(model)
    image = ex.live.image.value
    ex.controls["prefix"].value = "x1"
    assert isinstance(ex.last_error, ValueError) and "prefix" in ex.error.value and "digits" in ex.error.value
    assert ex.live.image.value == image
    ex.controls["prefix"].value = "a" * 21
    assert "at most 20" in ex.error.value
    ex.controls["prefix"].value = "j"
    assert ex.last_error is None and ex.error.layout.display == "none"
    with pytest.raises(ValueError, match="CharLanguageModel"):
        writing_explorer("model")
    with pytest.raises(ValueError, match="condition must be None"):
        writing_explorer(model, condition=1)


def test_condition_picker_only_for_conditioned_models(model, conditioned):
    assert "condition" not in writing_explorer(model).controls
    ex = writing_explorer(conditioned, condition=1, seed=2)
    picker = ex.controls["condition"]
    assert [label for label, _ in picker.options] == ["negative", "positive"] and picker.value == 1
    r1 = ex.result
    picker.value = 0
    assert ex.last_error is None and "h_0 from negative" in ex.plot.heading.get_text()
    expected = written_word(conditioned, 1.0, 2, "", 0)
    np.testing.assert_array_equal(ex.result["probs"], expected["probs"])
    assert not np.array_equal(r1["probs"][0], ex.result["probs"][0])  # h_0 differs, so step 1 differs


@pytest.mark.slow
def test_benchmark_cases_are_valid(check_benchmark_cases):
    check_benchmark_cases(benchmark_cases(), at_least=2)
