"""Tests of rnnlib.lessons.unrolled_many_to_one: the n-gram baseline, the majority class, and the split experiment."""

import numpy as np
import pytest

from rnnlib.data import WordSet, encode_words, split_random, word_sentiment_data
from rnnlib.lessons.unrolled_many_to_one import (
    BestValidation,
    accuracy_table,
    family_overlap,
    majority_accuracy,
    majority_class,
    ngram_baseline,
    probe_table,
    run_split_experiment,
    top_ngrams,
)
from rnnlib.model import SequenceClassifier


def test_the_baseline_counts_character_1_to_3_grams_with_word_boundaries():
    vectorizer = ngram_baseline()["ngrams"]
    X = vectorizer.fit_transform(["cat", "tot"])
    grams = list(vectorizer.get_feature_names_out())
    # " " is the boundary: " c" starts the word, "t " ends it
    assert set(grams) == {" ", "c", "a", "t", "o", " c", "ca", "at", "t ", " ca", "cat", "at ",
                          " t", "to", "ot", " to", "tot", "ot "}
    counts = dict(zip(grams, X.toarray()[1]))  # "tot"
    assert counts["t"] == 2 and counts["o"] == 1 and counts["t "] == 1 and counts["ca"] == 0
    assert X.toarray()[0].sum() == 3 + 4 + 3 + 2  # letters, pairs, triples, two boundary spaces


def test_the_baseline_learns_suffixes_and_names_them():
    pos = ["hopeful", "helpful", "joyful", "careful", "grateful", "playful"]
    neg = ["hopeless", "helpless", "joyless", "careless", "useless", "pointless"]
    model = ngram_baseline(C=10.0).fit(pos + neg, [1] * 6 + [0] * 6)
    assert model.score(pos + neg, [1] * 6 + [0] * 6) == 1.0
    assert model.predict(["restful", "restless"]).tolist() == [1, 0]  # unseen words, known suffixes
    p = model.predict_proba(["restful", "restless"])[:, 1]
    assert p[0] > 0.5 > p[1]
    positive, negative = top_ngrams(model, 40)
    assert len(positive) == 40 and positive[0][1] > 0 > negative[0][1]
    assert "ul$" in [g for g, _ in positive] and "ss$" in [g for g, _ in negative]  # char_wb's " " shown as $
    with pytest.raises(ValueError, match="model must be a fitted ngram_baseline"):
        top_ngrams(ngram_baseline())
    with pytest.raises(ValueError, match="C must be a finite number > 0"):
        ngram_baseline(C=0)


def test_the_baseline_matches_the_mean_loss_with_l2_penalty():
    """C = 1 / (l2 N): at the fitted weights the gradient of mean cross-entropy + l2/2 |w|^2 vanishes."""
    words = ["good", "glad", "great", "bad", "sad", "grim", "gloom", "goody"]
    y = np.array([1, 1, 1, 0, 0, 0, 0, 1])
    l2 = 0.05
    model = ngram_baseline(C=1.0 / (l2 * len(words))).fit(words, y)
    X = model["ngrams"].transform(words).toarray()  # (N, V)
    w, b = model["logreg"].coef_[0], model["logreg"].intercept_[0]
    p = 1.0 / (1.0 + np.exp(-(X @ w + b)))  # (N,)
    dw = X.T @ (p - y) / len(words) + l2 * w  # (V,)
    db = np.mean(p - y)
    assert np.linalg.norm(dw) < 1e-5 and abs(db) < 1e-5
    assert abs(w[list(model["ngrams"].get_feature_names_out()).index(" ")]) < 1e-5  # the constant column


def test_the_baseline_works_on_the_lexicon():
    train_set, val_set, test_set = split_random(word_sentiment_data(), seed=0)
    model = ngram_baseline(C=1.0 / (1e-4 * len(train_set))).fit(train_set.words, train_set.labels)
    assert model.score(test_set.words, test_set.labels) > 0.85  # majority class: about 0.56


def test_majority():
    assert majority_class([0, 1, 1]) == 1
    assert majority_class([0, 1]) == 0  # ties go to 0
    assert majority_accuracy([0, 0, 1], [0, 1, 1, 1]) == 0.25
    with pytest.raises(ValueError, match="train_labels"):
        majority_class([])


def _toy_sets():
    pos = ["good", "glad", "great", "nice", "kind", "happy", "joy", "love", "fine", "cool", "best", "fun"]
    neg = ["bad", "sad", "awful", "nasty", "mean", "angry", "hate", "evil", "ugly", "worst", "dull", "grim"]

    def ws(words, labels):
        return WordSet(tuple(words), np.array(labels), np.where(np.array(labels) == 1, 2.0, -2.0))

    train = ws(pos[:8] + neg[:8], [1] * 8 + [0] * 8)
    val = ws(pos[8:10] + neg[8:10], [1, 1, 0, 0])
    test = ws(pos[10:] + neg[10:], [1, 1, 0, 0])
    return train, val, test


def test_best_validation_restores_best_epoch(rng):
    train_set, val_set, _ = _toy_sets()
    x, y, lengths = val_set.encode(6)
    model = SequenceClassifier(26, 4, seed=0)
    tracker = BestValidation(model, x, y, lengths, chunk=3)
    start = {k: v.copy() for k, v in model.params.items()}
    tracker.on_epoch_end({})
    model.params["Wy"][...] = 0.0  # a worse (or equal) epoch: all logits 0 -> accuracy of "predict 0"
    tracker.on_epoch_end({})
    assert tracker.best_epoch in (1, 2) and len(tracker.accuracy) == 2
    tracker.restore()
    if tracker.best_epoch == 1:
        np.testing.assert_array_equal(model.params["Wy"], start["Wy"])
    # chunked evaluation equals one big forward pass
    s, _ = model.forward(x, lengths)
    assert tracker.evaluate()[1] == pytest.approx(np.mean((s[:, 0] > 0) == y))


def test_run_split_experiment_and_tables():
    train_set, val_set, test_set = _toy_sets()
    exp = run_split_experiment("toy", train_set, val_set, test_set, hidden_size=4, epochs=3, batch_size=4,
                               l2_grid=(1e-2,))
    assert set(exp.test_accuracy) == {"majority class", "n-gram logistic regression", "RNN"}
    assert exp.test_accuracy["majority class"] == 0.5  # train is 8/8: tie -> class 0; test 2/2
    assert len(exp.history.epoch_loss) == 3 and len(exp.history.val_accuracy) == 3
    assert 1 <= exp.best_epoch <= 3
    # the restored weights are the best epoch's: their validation accuracy is the best one
    x, y, lengths = val_set.encode(max(len(w) for w in train_set.words + val_set.words + test_set.words))
    assert exp.val_accuracy["RNN"] == pytest.approx(max(exp.history.val_accuracy))
    assert exp.rnn.accuracy(x, y, lengths) == pytest.approx(exp.val_accuracy["RNN"])
    assert 0.0 <= exp.shared_families() <= 1.0
    table = accuracy_table([exp, exp])
    assert table.count("toy split") == 2 and "RNN" in table and f"{exp.test_accuracy['RNN']:.3f}" in table
    probes = probe_table([exp], ["good", "grim", "zzz"])
    lines = probes.splitlines()
    assert lines[1].startswith("good") and "pos" in lines[1] and "yes" in lines[1]
    assert lines[2].startswith("grim") and "neg" in lines[2] and " no " in lines[2]
    xg, lg = encode_words(["good"])
    assert f"{exp.rnn.predict_proba(xg, lg)[0]:.2f}" in lines[1]
    assert lines[1].endswith(f"{exp.ngram.predict_proba(['good'])[0, 1]:.2f}")
    # the n-gram model kept is the grid's best on the validation words (the first on ties)
    grid = (1e-4, 1.0)
    exp2 = run_split_experiment("toy", train_set, val_set, test_set, hidden_size=4, epochs=1, batch_size=4,
                                l2_grid=grid)
    scores = [ngram_baseline(C=1 / (l2 * len(train_set))).fit(train_set.words, train_set.labels)
              .score(val_set.words, val_set.labels) for l2 in grid]
    assert exp2.val_accuracy["n-gram logistic regression"] == max(scores)
    assert exp2.ngram["logreg"].C == pytest.approx(1 / (grid[int(np.argmax(scores))] * len(train_set)))
    with pytest.raises(ValueError, match="train_set"):
        run_split_experiment("bad", [], val_set, test_set)
    with pytest.raises(ValueError, match="l2_grid"):
        run_split_experiment("bad", train_set, val_set, test_set, l2_grid=(0.0,))
    with pytest.raises(ValueError, match="which"):
        accuracy_table([exp], which="train")


def test_family_overlap():
    assert family_overlap(["hopeless", "joy"], ["hopelessly", "sad"]) == 0.5
    assert family_overlap(["joy"], ["hopeless"]) == 0.0
    with pytest.raises(ValueError, match="test_set"):
        family_overlap(["joy"], [])
