"""Tests of rnnlib.lessons.both_ways_and_gru: the smudged letter's baselines, readers and accuracy table; the GRU."""

import numpy as np
import pytest

from rnnlib.data import ALPHABET
from rnnlib.lessons import both_ways_and_gru as bw
from rnnlib.lessons.configurations import fit_ngram

# === the smudged letter: baselines, readers, accuracy by position (helper H1) ===

TINY = ("ab", "ab", "ac")  # events: <s><s>->a x3; <s>a->b x2, ->c x1; ab-></s> x2; ac-></s> x1


def _letter(c):
    return ALPHABET.index(c)


def test_position_classes_first_middle_last_and_one_letter_word():
    got = bw.position_classes([1, 2, 3, 1, 1, 2], [3, 3, 3, 1, 2, 2])
    assert got.tolist() == ["first", "middle", "last", "first", "first", "last"]
    with pytest.raises(ValueError, match="positions must be 1-based"):
        bw.position_classes([0], [3])
    with pytest.raises(ValueError, match="positions must be 1-based"):
        bw.position_classes([4], [3])


def test_left_trigram_add_one_known_answer():
    # P(w | <s> a) = (c(<s> a w) + 1) / (3 + 29): b 3/32, c 2/32, any other letter 1/32;
    # over the 26 letters the shares sum to 29/32, so P(b) = 3/29, P(c) = 2/29, others 1/29.
    tri = bw.fit_letter_trigram(TINY, "left", "add_alpha", alpha=1.0)
    p = bw.trigram_blank_proba(tri, ["ab"], [2], "left")[0]
    assert p[_letter("b")] == pytest.approx(3 / 29)
    assert p[_letter("c")] == pytest.approx(2 / 29)
    assert p[_letter("z")] == pytest.approx(1 / 29)


def test_right_trigram_add_one_known_answer():
    # reversed words ba, ba, ca: P(a | <s> b) = (2 + 1) / (2 + 29), others 1/31; over 26 letters: 3/28
    tri = bw.fit_letter_trigram(TINY, "right", "add_alpha", alpha=1.0)
    p = bw.trigram_blank_proba(tri, ["ab"], [1], "right")[0]
    assert p[_letter("a")] == pytest.approx(3 / 28)
    assert p[_letter("q")] == pytest.approx(1 / 28)


def test_both_sides_trigram_add_one_known_answer():
    # blank at t = 2 of "ab": P(c | <s> a) * P(</s> | a c)
    #   b: 3/32 * 3/31,  c: 2/32 * 2/30,  any other x: 1/32 * 1/29 (context "a x" never seen)
    tri = bw.fit_letter_trigram(TINY, "left", "add_alpha", alpha=1.0)
    p = bw.trigram_blank_proba(tri, ["ab"], [2], "both")[0]
    score = np.full(26, 1 / 32 * 1 / 29)
    score[_letter("b")], score[_letter("c")] = 3 / 32 * 3 / 31, 2 / 32 * 2 / 30
    np.testing.assert_allclose(p, score / score.sum(), rtol=1e-12)


@pytest.mark.parametrize("word", ["abcab", "cab", "ba"])
def test_both_sides_is_the_whole_word_probability(word):
    # independent path: nltk's own score of every symbol of the word (and </s>) with c in the blank
    train = ("abcab", "bcab", "cabba", "abc", "cca", "bab")
    lm = fit_ngram(train, 3, "witten_bell")
    tri = bw.fit_letter_trigram(train, "left", "witten_bell")
    for t in range(1, len(word) + 1):
        whole = np.empty(26)
        for j, c in enumerate(ALPHABET):
            s = ["<s>", "<s>"] + list(word[:t - 1] + c + word[t:]) + ["</s>"]
            whole[j] = np.prod([lm.score(s[i], tuple(s[i - 2:i])) for i in range(2, len(s))])
        got = bw.trigram_blank_proba(tri, [word], [t], "both")[0]
        np.testing.assert_allclose(got, whole / whole.sum(), rtol=1e-10)


def test_trigram_proba_rows_sum_to_one_and_checks():
    train = ("happy", "hope", "sad", "nope")
    b = bw.fit_baselines(train)
    words, positions = ["happy", "sad", "nope"], np.array([2, 3, 1])
    probas = bw.baseline_proba(b, words, positions)
    assert tuple(probas) == bw.BASELINE_NAMES
    for p in probas.values():
        assert p.shape == (3, 26)
        np.testing.assert_allclose(p.sum(axis=1), 1.0)
    # the most frequent letter of the training words: p (4 of 16 letters)
    assert probas["most frequent letter"][0].argmax() == _letter("p")
    assert b.frequencies[_letter("p")] == pytest.approx(4 / 16)
    with pytest.raises(ValueError, match="reads='right' needs a trigram fitted with direction='right'"):
        bw.trigram_blank_proba(b.left, words, positions, "right")
    with pytest.raises(ValueError, match="positions must be"):
        bw.baseline_proba(b, words, [2, 3])
    with pytest.raises(ValueError, match="alpha must be given"):
        bw.fit_letter_trigram(train, "left", "add_alpha")


def test_accuracy_rows_by_position_and_table():
    targets = np.array([0, 1, 2, 3])
    classes = np.array(["first", "middle", "middle", "last"])
    p = np.zeros((4, 26))
    p[[0, 1, 2, 3], [0, 1, 5, 5]] = 1.0  # right, right, wrong, wrong
    rows = bw.accuracy_rows({"guesser": p}, targets, classes, notes={"guesser": "by hand"})
    r = rows[0]
    assert r.accuracy == 0.5
    assert r.by_position == {"first": 1.0, "middle": 0.5, "last": 0.0}
    assert r.n == {"all": 4, "first": 1, "middle": 2, "last": 1}
    table = bw.accuracy_table(rows, "conditions: by hand")
    assert "guesser" in table and " 50.0%" in table and "100.0%" in table and "by hand" in table
    assert table.endswith("conditions: by hand")
    with pytest.raises(ValueError, match=r"must be \(N, 26\)"):
        bw.accuracy_rows({"bad": p[:, :5]}, targets, classes)
