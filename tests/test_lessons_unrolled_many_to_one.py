"""Tests of rnnlib.lessons.unrolled_many_to_one: n-gram features, logistic regression, and the split experiment."""

import numpy as np
import pytest

from rnnlib.data import WordSet, encode_words
from rnnlib.gradcheck import numerical_gradient, relative_error
from rnnlib.lessons.unrolled_many_to_one import (
    BestValidation,
    LogisticRegression,
    NgramCounts,
    NgramFeaturizer,
    NgramLogisticRegression,
    accuracy_table,
    char_ngrams,
    family_overlap,
    logistic_loss,
    majority_accuracy,
    majority_class,
    probe_table,
    run_split_experiment,
)
from rnnlib.model import SequenceClassifier


def test_char_ngrams_known_answer():
    assert char_ngrams("sad", 1, 2) == ["s", "a", "d", "^s", "sa", "ad", "d$"]
    assert char_ngrams("ab", 1, 3, boundary=False) == ["a", "b", "ab"]
    # trigrams with boundaries: prefixes and suffixes
    assert "^un" in char_ngrams("unhappy") and "py$" in char_ngrams("unhappy")


def test_featurizer_counts_match_dense_and_ignore_unknown():
    f = NgramFeaturizer(1, 2).fit(["aba", "bb"])
    X = f.transform(["aba", "abz"])
    dense = X.toarray()
    col = f.vocabulary
    assert X.shape == (2, f.n_features)
    assert dense[0, col["a"]] == 2 and dense[0, col["b"]] == 1 and dense[0, col["^a"]] == 1
    assert dense[1, col["a"]] == 1 and "z" not in col  # unseen n-grams are dropped
    assert dense[1].sum() == 4  # a, b, ^a, ab ("z", "bz", "z$" unknown)
    rng = np.random.default_rng(0)
    w, r = rng.normal(size=f.n_features), rng.normal(size=2)
    np.testing.assert_allclose(X.matvec(w), dense @ w)
    np.testing.assert_allclose(X.rmatvec(r), dense.T @ r)


def test_featurizer_min_count_and_errors():
    f = NgramFeaturizer(1, 1, boundary=False, min_count=2).fit(["ab", "ac"])
    assert f.ngrams == ["a"]
    with pytest.raises(ValueError, match="not fitted"):
        NgramFeaturizer().transform(["a"])
    with pytest.raises(ValueError, match="single string"):
        NgramFeaturizer().fit("hello")
    with pytest.raises(ValueError, match="n_max"):
        NgramFeaturizer(3, 2)


@pytest.mark.parametrize("sparse", [False, True])
def test_logistic_loss_gradient_check(rng, sparse):
    words = ["good", "bad", "glad", "sad", "happy", "unhappy", "joy"]
    f = NgramFeaturizer().fit(words)
    X = f.transform(words)
    Xd = X.toarray()
    y = np.array([1, 0, 1, 0, 1, 0, 1])
    w = rng.normal(size=f.n_features) * 0.3
    b = 0.2
    design = X if sparse else Xd
    loss, dw, db = logistic_loss(w, b, design, y, l2=0.05)
    num_w = numerical_gradient(lambda w: logistic_loss(w, b, Xd, y, 0.05)[0], {"w": w}, "w")
    num_b = numerical_gradient(lambda b: logistic_loss(w, b, Xd, y, 0.05)[0], {"b": np.array(b)}, "b")
    assert relative_error(dw, num_w) < 1e-7
    assert relative_error(np.array(db), num_b) < 1e-7
    # known value at w = 0, b = 0: log 2
    assert logistic_loss(np.zeros(f.n_features), 0.0, X, y)[0] == pytest.approx(np.log(2))


def test_logistic_regression_separates_toy_set():
    rng = np.random.default_rng(3)
    X = np.concatenate([rng.normal(2.0, 0.5, size=(30, 2)), rng.normal(-2.0, 0.5, size=(30, 2))])
    y = np.array([1] * 30 + [0] * 30)
    model = LogisticRegression(l2=1e-3).fit(X, y)
    assert model.accuracy(X, y) == 1.0
    assert np.all(np.diff(model.loss_history) <= 1e-12)  # Newton with line search never goes up
    # at the optimum the regularised gradient vanishes
    _, dw, db = logistic_loss(model.w, model.b, X, y, 1e-3)
    assert np.linalg.norm(dw) < 1e-6 and abs(db) < 1e-6
    assert model.predict_proba(np.array([[3.0, 3.0]]))[0] > 0.95


def test_ngram_model_learns_suffixes():
    pos = ["hopeful", "helpful", "joyful", "careful", "grateful", "playful"]
    neg = ["hopeless", "helpless", "joyless", "careless", "useless", "pointless"]
    model = NgramLogisticRegression(l2=1e-3).fit(pos + neg, [1] * 6 + [0] * 6)
    assert model.accuracy(pos + neg, [1] * 6 + [0] * 6) == 1.0
    assert model.predict(["restful", "restless"]).tolist() == [1, 0]  # unseen words, known suffixes
    positive, negative = model.top_ngrams(3)
    assert len(positive) == 3 and positive[0][1] > 0 > negative[0][1]


def test_logistic_regression_errors():
    with pytest.raises(ValueError, match="l2"):
        LogisticRegression(l2=0)
    with pytest.raises(ValueError, match="y must have shape"):
        LogisticRegression().fit(np.ones((3, 2)), [0, 1])
    with pytest.raises(ValueError, match="labels 0 and 1"):
        LogisticRegression().fit(np.ones((2, 2)), [0, 2])
    with pytest.raises(ValueError, match="not fitted"):
        LogisticRegression().predict(np.ones((2, 2)))
    m = LogisticRegression().fit(np.eye(2), [0, 1])
    with pytest.raises(ValueError, match="2 columns"):
        m.predict(np.ones((2, 3)))


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
    z, _ = model.forward(x, lengths)
    assert tracker.evaluate()[1] == pytest.approx(np.mean((z[:, 0] > 0) == y))


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
    with pytest.raises(ValueError, match="train_set"):
        run_split_experiment("bad", [], val_set, test_set)
    with pytest.raises(ValueError, match="which"):
        accuracy_table([exp], which="train")


def test_ngram_counts_dataclass_shape():
    X = NgramCounts(np.array([0, 1]), np.array([1, 0]), np.array([2.0, 3.0]), 2, 3)
    np.testing.assert_array_equal(X.toarray(), [[0, 2, 0], [3, 0, 0]])
    assert len(X) == 2 and X.shape == (2, 3)


def test_family_overlap():
    assert family_overlap(["hopeless", "joy"], ["hopelessly", "sad"]) == 0.5
    assert family_overlap(["joy"], ["hopeless"]) == 0.0
    with pytest.raises(ValueError, match="test_set"):
        family_overlap(["joy"], [])
