"""Tests of rnnlib.lessons.configurations (sections 1-4): the configurations, the language model,
the n-gram baselines, writing words and conditional generation."""

import dataclasses

import pytest

from rnnlib.lessons.configurations import CONFIGURATIONS, ConfigurationSteps, configuration_steps

# ------------------------------------------------------------------ 1. the configurations


def test_configuration_names_in_order():
    assert CONFIGURATIONS == ("one_to_one", "many_to_one", "one_to_many", "many_to_many", "encoder_decoder")


@pytest.mark.parametrize("word", ["a", "happy", "hopelessly"])
def test_steps_and_loss_terms_per_configuration(word):
    n = len(word)
    steps = {name: configuration_steps(name, word) for name in CONFIGURATIONS}
    for s in steps.values():
        assert isinstance(s, ConfigurationSteps)
        assert len(s.inputs) == len(s.outputs) == len(s.stages) == s.T
        assert s.loss_terms == tuple(t for t in range(1, s.T + 1) if s.outputs[t - 1] is not None)
    # one-to-one: T = 1, the whole word in, the label out
    assert steps["one_to_one"].inputs == (word,) and steps["one_to_one"].loss_terms == (1,)
    # many-to-one: every letter in, one output at t = n
    m2o = steps["many_to_one"]
    assert m2o.inputs == tuple(word) and m2o.loss_terms == (n,) and m2o.outputs[-1] == m2o.label
    # one-to-many and the language model: <start> + word in, word + <end> out, n + 1 terms
    for name in ("one_to_many", "many_to_many"):
        s = steps[name]
        assert s.inputs == ("<start>",) + tuple(word)
        assert s.outputs == tuple(word) + ("<end>",)
        assert s.loss_terms == tuple(range(1, n + 2))
        assert s.inputs[1:] == s.outputs[:-1]  # teacher forcing: step t reads the letter step t-1 produced
    assert steps["one_to_many"].initial == f"label: {steps['one_to_many'].label}"
    assert steps["many_to_many"].initial == "0"
    # encoder-decoder: n encoder steps with no output, then n + 1 decoder steps writing backwards
    ed = steps["encoder_decoder"]
    assert ed.T == 2 * n + 1
    assert ed.outputs[:n] == (None,) * n and ed.outputs[n:] == tuple(word[::-1]) + ("<end>",)
    assert ed.inputs[n:] == ("<start>",) + tuple(word[::-1])
    assert ed.loss_terms == tuple(range(n + 1, 2 * n + 2))
    assert ed.stages == ("encoder",) * n + ("decoder",) * (n + 1)
    # loss-term counts: 1, 1, n + 1, n + 1, n + 1
    assert [len(steps[k].loss_terms) for k in CONFIGURATIONS] == [1, 1, n + 1, n + 1, n + 1]


def test_labels_from_the_lexicon_or_given():
    assert configuration_steps("many_to_one", "happy").label == "positive"
    assert configuration_steps("many_to_one", "hate").label == "negative"
    assert configuration_steps("many_to_one", "table").label == "?"
    assert configuration_steps("many_to_one", "table", label=1).label == "positive"
    assert configuration_steps("one_to_many", "table", label="negative").initial == "label: negative"


def test_configuration_steps_is_frozen():
    s = configuration_steps("many_to_many", "joy")
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.word = "sad"


@pytest.mark.parametrize("kwargs, match", [
    (dict(name="many_to_few", word="happy"), "name must be one of"),
    (dict(name="many_to_one", word="Happy"), "upper case"),
    (dict(name="many_to_one", word=""), "at least 1"),
    (dict(name="many_to_one", word=3), "must be a string"),
    (dict(name="many_to_one", word="happy", label=2), "label must be"),
    (dict(name="many_to_one", word="happy", label=True), "label must be"),
    (dict(name="many_to_one", word="happy", label="good"), "label must be"),
])
def test_configuration_steps_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        configuration_steps(**kwargs)
