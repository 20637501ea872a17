"""Tests of rnnlib.lessons.configurations (sections 1-4): the configurations, the language model,
the n-gram baselines, writing words and conditional generation."""

import dataclasses
import re

import numpy as np
import pytest

from rnnlib.data import WordSet, encode_lm_words
from rnnlib.lessons.configurations import (
    CONFIGURATIONS,
    UNIFORM_CE,
    ConfigurationSteps,
    EvalRow,
    LMData,
    condition_cross_entropy,
    condition_samples,
    condition_table,
    configuration_steps,
    curve_text,
    evaluation_rows,
    evaluation_table,
    fit_ngram,
    lm_data,
    ngram_cross_entropy,
    ngram_events,
    origins_rows,
    origins_table,
    train_language_model,
    trigram_sentence,
    word_origins,
    words_by_origin,
    write_words,
)
from rnnlib.model import CharLanguageModel

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


# ------------------------------------------------------------------ tiny data and models


def _wordset(words, labels):
    labels = np.asarray(labels)
    return WordSet(tuple(words), labels, labels * 2.0 - 1.0)


def _tiny_data(train, val, test):
    parts = {"train": _wordset(*train), "validation": _wordset(*val), "test": _wordset(*test)}
    return LMData(parts, {k: encode_lm_words(p.words) for k, p in parts.items()}, "family", 0)


# positive words start with a, negative ones with z: the label tells the first letter
SIGNED = _tiny_data((["ab", "ac", "abc", "zb", "zc", "zbc"], [1, 1, 1, 0, 0, 0]),
                    (["ab", "zc"], [1, 0]), (["ac", "abc", "zb", "zbc"], [1, 1, 0, 0]))


@pytest.fixture(scope="module")
def tiny_runs():
    return {"RNN": train_language_model("rnn", 8, epochs=6, lr=0.05, batch_size=2, data=SIGNED),
            "LSTM": train_language_model("lstm", 8, epochs=3, lr=0.05, batch_size=2, data=SIGNED)}


# ------------------------------------------------------------------ 2. training the language model


def test_lm_data_family_split():
    data = lm_data()
    assert [len(data.parts[p]) for p in ("train", "validation", "test")] == [3915, 843, 820]
    x, y, mask = data.arrays["validation"]
    assert data.events("validation") == int(mask.sum()) == sum(len(w) + 1 for w in data.parts["validation"].words)
    with pytest.raises(ValueError, match="split must be one of"):
        lm_data(split="alphabetical")


def test_training_is_deterministic_and_keeps_the_best_epoch(tiny_runs):
    run = tiny_runs["RNN"]
    again = train_language_model("rnn", 8, epochs=6, lr=0.05, batch_size=2, data=SIGNED)
    assert again.val_curve == run.val_curve and again.cross_entropy == run.cross_entropy
    assert len(run.val_curve) == 6
    assert run.best_epoch == int(np.argmin(run.val_curve)) + 1
    # the kept weights are those of the best epoch: their validation score is the curve's minimum
    np.testing.assert_allclose(run.cross_entropy["validation"], min(run.val_curve), rtol=1e-12)
    last = train_language_model("rnn", 8, epochs=6, lr=0.05, batch_size=2, data=SIGNED, keep_best=False)
    np.testing.assert_allclose(last.cross_entropy["validation"], last.val_curve[-1], rtol=1e-12)
    st = run.settings
    assert st["n_events"] == {"train": 3 + 3 + 4 + 3 + 3 + 4, "validation": 6, "test": 3 + 4 + 3 + 4}
    assert st["kept_epoch"] == run.best_epoch and st["n_parameters"] == run.model.n_parameters
    assert f"[{min(run.val_curve):.3f}]" in curve_text(run) and f"epoch {run.best_epoch}" in curve_text(run)


def test_train_language_model_bad_input():
    with pytest.raises(ValueError, match="n_conditions must be 0"):
        train_language_model(n_conditions=3, data=SIGNED)
    with pytest.raises(ValueError, match="epochs"):
        train_language_model(epochs=0, data=SIGNED)


# ------------------------------------------------------------------ 4. n-gram baselines


def test_uniform_baseline_is_log_27():
    assert UNIFORM_CE == pytest.approx(np.log(27), abs=1e-15)


def test_ngram_events_match_the_networks_mask():
    words = ["a", "happy", "hopelessly"]
    _, _, mask = encode_lm_words(words)
    for order in (1, 2, 3, 4):
        events = ngram_events(words, order)
        assert len(events) == int(mask.sum()) == 1 + 1 + 5 + 1 + 10 + 1
        assert all(len(context) == order - 1 for context, _ in events)
    assert ngram_events(["ab"], 3) == [(("<s>", "<s>"), "a"), (("<s>", "a"), "b"), (("a", "b"), "</s>")]


TRAIN, HELD = ["ab", "b"], ["ba"]  # bigram events of training: <s>a ab b</s> <s>b b</s>


def test_ngram_cross_entropy_by_hand():
    # unigram (MLE) over the scored symbols: a 1, b 2, </s> 2 of 5
    ce, n = ngram_cross_entropy(fit_ngram(TRAIN, 1, "mle"), HELD)
    assert n == 3 and ce == pytest.approx(-np.mean(np.log([2 / 5, 1 / 5, 2 / 5])), rel=1e-12)
    # add-alpha bigram, alpha = 1: (c(v w) + alpha) / (c(v) + 29 alpha), 29 = a-z, <s>, </s>, <UNK>
    ce, _ = ngram_cross_entropy(fit_ngram(TRAIN, 2, "add_alpha", 1.0), HELD)
    assert ce == pytest.approx(-np.mean(np.log([(1 + 1) / (2 + 29), 1 / (2 + 29), 1 / (1 + 29)])), rel=1e-12)
    # interpolated Witten-Bell: (c(v w) + n+(v) P(w)) / (c(v) + n+(v)), n+(v) = distinct followers of v
    ce, _ = ngram_cross_entropy(fit_ngram(TRAIN, 2, "witten_bell"), HELD)
    expected = [(1 + 2 * 2 / 5) / (2 + 2), (0 + 1 * 1 / 5) / (2 + 1), (0 + 1 * 2 / 5) / (1 + 1)]
    assert ce == pytest.approx(-np.mean(np.log(expected)), rel=1e-12)


def test_fit_ngram_bad_input():
    with pytest.raises(ValueError, match="method must be one of"):
        fit_ngram(TRAIN, 2, "kneser_ney")
    with pytest.raises(ValueError, match="alpha must be a positive number"):
        fit_ngram(TRAIN, 2, "add_alpha", 0)
    with pytest.raises(ValueError, match="order"):
        fit_ngram(TRAIN, 0)
    with pytest.raises(ValueError, match="single string"):
        fit_ngram("ab", 2)
    with pytest.raises(ValueError, match="upper case"):
        ngram_events(["Ab"], 2)


def test_evaluation_rows_score_the_same_events(tiny_runs):
    rows = evaluation_rows(SIGNED, {"RNN": tiny_runs["RNN"]}, grid=(0.1, 1.0))
    assert [r.name for r in rows] == ["uniform over a-z and <end>", "unigram", "bigram, add-α", "trigram, add-α",
                                      "trigram, Witten-Bell", "RNN"]
    assert all(r.n_events == (6, 14) for r in rows)
    assert rows[-1].test == tiny_runs["RNN"].cross_entropy["test"]
    assert rows[0].perplexity == pytest.approx(27.0)
    assert rows[2].test == pytest.approx(ngram_cross_entropy(fit_ngram(SIGNED.parts["train"].words, 2, "add_alpha",
                                                                       float(rows[2].note.split()[2])),
                                                             SIGNED.parts["test"].words)[0])
    table = evaluation_table(rows, SIGNED, {"RNN": tiny_runs["RNN"]})
    assert "6 / 14 symbols" in table and "train 6, validation 2, test 4" in table
    assert rows[2].note.startswith("α = ") and rows[2].note.endswith(" (chosen on validation)")
    assert not re.search(r"\bk\b|add-k", table)  # in notebook 07, k is the truncation length
    best = min(rows[3:5], key=lambda r: r.validation)
    sentence = trigram_sentence(rows)
    add, wb, rnn = rows[3], rows[4], rows[-1]
    assert f"the add-α trigram by {abs(add.test - rnn.test):.3f}" in sentence  # margins against both trigrams
    assert f"the Witten-Bell trigram by {abs(wb.test - rnn.test):.3f} nats per letter" in sentence
    assert ("RNN beats the add-α" in sentence) == (rnn.test < add.test)
    label = {"trigram, add-α": f"add-α trigram ({rows[3].note.split(' (')[0]})",
             "trigram, Witten-Bell": "Witten-Bell trigram"}[best.name]
    assert f"Of the trigrams, the {label} has the lower validation cross-entropy ({best.validation:.3f}" in sentence


def test_trigram_sentence_known_rows():
    n = (10, 10)
    rows = [EvalRow("trigram, add-α", 2.387, 2.313, n, "α = 1 (chosen on validation)"),
            EvalRow("trigram, Witten-Bell", 2.402, 2.306, n, "interpolated, nothing to tune"),
            EvalRow("RNN", 2.291, 2.208, n, "H = 64"), EvalRow("LSTM", 2.246, 2.310, n, "H = 64")]
    assert trigram_sentence(rows) == (
        "Test words: the RNN beats the add-α trigram by 0.105 and the Witten-Bell trigram by 0.098 nats per letter "
        "(2.208 against 2.313 and 2.306); the LSTM beats the add-α trigram by 0.003 and trails the Witten-Bell "
        "trigram by 0.004 nats per letter (2.310 against 2.313 and 2.306). Of the trigrams, the add-α trigram "
        "(α = 1) has the lower validation cross-entropy (2.387 against 2.402), so it is the one to compare with; "
        f"test perplexity RNN {np.exp(2.208):.2f}, LSTM {np.exp(2.310):.2f}, add-α trigram {np.exp(2.313):.2f}.")
    with pytest.raises(ValueError, match="trigram row"):
        trigram_sentence(rows[2:])
    with pytest.raises(ValueError, match="network row"):
        trigram_sentence(rows[:2])


# ------------------------------------------------------------------ 3. writing words


def test_word_origins_by_hand():
    out = word_origins(["happy", "happy", "glad", "zzqx"], ["happy"], lexicon={"happy", "glad"})
    assert out == {"copied": 0.5, "real_unseen": 0.25, "new": 0.25, "n": 4, "distinct": 0.75}
    assert word_origins(["glad"], [])["real_unseen"] == 1.0  # the default lexicon: VADER's a-z words
    with pytest.raises(ValueError, match="at least one word"):
        word_origins([], ["happy"])
    with pytest.raises(ValueError, match="single string"):
        word_origins("happy", ["happy"])
    groups = words_by_origin(["zzqx", "happy", "glad", "happy", ""], ["happy"], lexicon={"happy", "glad"})
    assert groups == {"copied": ["happy", "happy"], "real_unseen": ["glad"], "new": ["zzqx", ""]}


def test_write_words_seeded_greedy_and_prefix():
    model = CharLanguageModel(28, 8, seed=0)
    words = write_words(model, 20, 1.0, seed=3, max_len=6)
    assert words == write_words(model, 20, 1.0, seed=3, max_len=6)
    assert words != write_words(model, 20, 1.0, seed=4, max_len=6)
    assert all(len(w) <= 6 and set(w) <= set("abcdefghijklmnopqrstuvwxyz") for w in words)
    greedy = write_words(model, 3, 0, seed=0, max_len=6, prefix="ab")
    assert len(set(greedy)) == 1 and greedy[0].startswith("ab")
    # greedy: the same word as the model's own one-word sampler
    one = model.sample(np.random.default_rng(0), 6, 0, start_id=0, end_id=1, prefix_ids=[2, 3])
    assert greedy[0] == "".join("abcdefghijklmnopqrstuvwxyz"[i - 2] for i in one)


def test_write_words_bad_input():
    model = CharLanguageModel(28, 8, seed=0)
    with pytest.raises(ValueError, match="condition must be None, 0"):
        write_words(model, 2, condition=2)
    with pytest.raises(ValueError, match="prefix"):
        write_words(model, 2, prefix="A")
    with pytest.raises(ValueError, match="n"):
        write_words(model, 0)
    with pytest.raises(ValueError, match="condition"):
        write_words(model, 2, condition=1)  # an unconditioned model refuses a condition


def test_origins_rows_and_table(tiny_runs):
    rows = origins_rows({"RNN": tiny_runs["RNN"].model}, SIGNED.parts["train"].words, temperatures=(0.5, 1.0),
                        n=30)
    assert [(r["model"], r["temperature"], r["n"]) for r in rows] == [("RNN", 0.5, 30), ("RNN", 1.0, 30)]
    for r in rows:
        assert r["copied"] + r["real_unseen"] + r["new"] == pytest.approx(1.0)
    assert "30 words per row" in origins_table(rows)


# ------------------------------------------------------------------ 3. conditional generation


@pytest.fixture(scope="module")
def signed_run():
    """A conditioned RNN overfit on words whose first letter is given by the label."""
    return train_language_model("rnn", 16, epochs=60, lr=0.03, batch_size=6, data=SIGNED, n_conditions=2,
                                keep_best=False)


def test_condition_table_right_beats_wrong_when_the_label_tells(signed_run):
    ce = condition_cross_entropy(signed_run, SIGNED, "test")
    assert ce.shape == (2, 2)
    assert ce[0, 0] + 0.5 < ce[0, 1] and ce[1, 1] + 0.5 < ce[1, 0]  # right condition: much surer
    text = condition_table(ce, SIGNED)
    assert f"{ce[0, 1] - ce[0, 0]:+13.3f}" in text and "negative words (   2)" in text


def test_condition_samples_follow_the_condition(signed_run):
    out = condition_samples(signed_run.model, SIGNED.parts["train"].words, n=50, temperature=0.5, seed=0)
    assert [o["condition"] for o in out] == [0, 1]
    first = [[w[:1] for w in o["words"]] for o in out]
    assert all(f == "z" for f in first[0]) and all(f == "a" for f in first[1])


def test_condition_bad_input(tiny_runs):
    with pytest.raises(ValueError, match="conditioned model"):
        condition_cross_entropy(tiny_runs["RNN"], SIGNED)
