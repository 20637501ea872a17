"""The word-sentiment data set, the splits, one-hot encoding and the memory task."""

import numpy as np
import pytest

from rnnlib import (
    encode_words,
    memory_task,
    one_hot_word,
    split_by_family,
    split_random,
    word_family,
    word_sentiment_data,
)
from rnnlib.data import (
    ALPHABET,
    BLANK,
    SMUDGE_SYMBOLS,
    check_word,
    encode_smudged,
    load_vader_lexicon,
    position_classes,
    smudge_words,
)


def test_lexicon_is_read_from_the_installed_package():
    entries = dict(load_vader_lexicon())
    assert len(entries) > 7000
    assert entries["good"] == pytest.approx(1.9)
    assert entries["hopeless"] == pytest.approx(-2.0)


def test_word_sentiment_data_contents():
    data = word_sentiment_data()
    assert len(data) == 5578 == len(set(data.words))
    assert all(w.isascii() and w.isalpha() and w.islower() for w in data.words)
    assert np.all(np.abs(data.valence) >= 1.0)
    np.testing.assert_array_equal(data.labels, (data.valence > 0).astype(int))
    assert data.labels.mean() == pytest.approx(0.437, abs=0.001)
    words = dict(zip(data.words, data.labels))
    assert words["happy"] == 1 and words["hopeless"] == 0
    assert "okay" not in words  # valence 0.9: dropped by the threshold


def test_threshold_checks():
    assert len(word_sentiment_data(2.0)) < len(word_sentiment_data(1.0))
    with pytest.raises(ValueError, match="threshold must be > 0"):
        word_sentiment_data(0)


@pytest.mark.parametrize("split", [split_random, split_by_family])
def test_splits_partition_and_stratify(split):
    data = word_sentiment_data()
    parts = split(data, seed=3)
    words = [set(p.words) for p in parts]
    assert sum(len(w) for w in words) == len(data)
    assert not (words[0] & words[1]) and not (words[0] & words[2]) and not (words[1] & words[2])
    for part, frac in zip(parts, (0.7, 0.15, 0.15)):
        assert len(part) / len(data) == pytest.approx(frac, abs=0.02)
        assert part.labels.mean() == pytest.approx(data.labels.mean(), abs=0.03)
    again = split(data, seed=3)
    assert again[2].words == parts[2].words
    assert split(data, seed=4)[2].words != parts[2].words


def test_family_split_keeps_families_together_and_random_does_not():
    data = word_sentiment_data()

    def shared_families(parts):
        fam = [{word_family(w) for w in p.words} for p in parts]
        return len(fam[0] & fam[2])

    assert shared_families(split_by_family(data, seed=0)) == 0
    assert shared_families(split_random(data, seed=0)) > 200


@pytest.mark.parametrize("words", [["hopeless", "hopelessly", "hopelessness", "hope", "hopeful"],
                                   ["happy", "unhappy", "happiness", "happily"], ["help", "helpful", "helpless"]])
def test_word_families(words):
    assert len({word_family(w) for w in words}) == 1


def test_fraction_checks():
    with pytest.raises(ValueError, match="fractions must be three positive numbers"):
        split_random(word_sentiment_data(), fractions=(0.5, 0.5))


def test_one_hot_encoding_round_trip():
    x, lengths = encode_words(["cab", "a", "zz"])
    assert x.shape == (3, 3, 26) and x.dtype == np.float64
    np.testing.assert_array_equal(lengths, [3, 1, 2])
    assert "".join(ALPHABET[k] for k in x[0].argmax(axis=1)) == "cab"
    np.testing.assert_array_equal(x.sum(axis=2), [[1, 1, 1], [1, 0, 0], [1, 1, 0]])  # padding rows are zero
    m = one_hot_word("bad", max_len=5)
    assert m.shape == (5, 26) and m[3:].sum() == 0


@pytest.mark.parametrize("bad", [["Good"], ["two words"], [""], ["caf\u00e9"], [3]])
def test_encode_rejects_bad_words(bad):
    with pytest.raises(ValueError, match="lower-case letters a-z"):
        encode_words(bad)


def test_encode_checks_max_len_and_single_string():
    with pytest.raises(ValueError, match="max_len must be at least the longest word's length 5"):
        encode_words(["happy"], max_len=3)
    with pytest.raises(ValueError, match="wrap it in a list"):
        encode_words("happy")


@pytest.mark.parametrize("word, fragment", [
    ("", "at least 1 long; got an empty string"),
    ("Good", "upper case (try 'good')"),
    ("go0d", "digits"),
    ("no way", "spaces"),
    ("café", "'é'"),
    (42, "got int"),
])
def test_check_word_messages(word, fragment):
    with pytest.raises(ValueError, match="word must") as info:
        check_word(word)
    assert fragment in str(info.value)


def test_check_word_max_len():
    assert check_word("good", max_len=4) == "good"
    with pytest.raises(ValueError, match="at most 3 letters"):
        check_word("good", max_len=3)


def test_check_word_length_bounds_and_name():
    assert check_word("ab", min_len=2) == "ab"
    with pytest.raises(ValueError, match=r"^word must be a string of lower-case letters a-z, at least 3 long; got 2"):
        check_word("ab", min_len=3)
    with pytest.raises(ValueError, match=r"^words\[1\] must use only .* 'Ok' contains upper case \(try 'ok'\)"):
        encode_words(["fine", "Ok"])
    np.testing.assert_array_equal(one_hot_word("ba").argmax(axis=1), [1, 0])  # one_hot_word checks its word too
    with pytest.raises(ValueError, match="^word must use only"):
        one_hot_word("b-a")


def test_memory_task():
    x, y = memory_task(200, lag=7, n_features=6, seed=1)
    assert x.shape == (200, 8, 6) and y.shape == (200,)
    np.testing.assert_array_equal(x.sum(axis=2), 1.0)  # one symbol per step
    np.testing.assert_array_equal(x[:, 0].argmax(axis=1), y)  # the label is the first symbol
    assert np.all(x[:, 1:, :2] == 0)  # signals never reappear as distractors
    assert 0.35 < y.mean() < 0.65
    x2, y2 = memory_task(200, lag=7, n_features=6, seed=1)
    np.testing.assert_array_equal(x, x2)
    x0, _ = memory_task(5, lag=0)
    assert x0.shape == (5, 1, 8)
    with pytest.raises(ValueError, match="lag must be an integer >= 0"):
        memory_task(5, lag=-1)


def test_encode_lm_words_is_teacher_forcing_with_a_mask():
    from rnnlib.data import END, LM_SYMBOLS, START, decode_lm_ids, encode_lm_words

    x, y, mask = encode_lm_words(["ab", "c"])
    assert len(LM_SYMBOLS) == 28 and LM_SYMBOLS[START] == "<start>" and LM_SYMBOLS[END] == "<end>"
    np.testing.assert_array_equal(x, [[START, 2, 3], [START, 4, 0]])  # a = 2, b = 3, c = 4
    np.testing.assert_array_equal(y, [[2, 3, END], [4, END, 0]])
    np.testing.assert_array_equal(mask, [[1, 1, 1], [1, 1, 0]])
    np.testing.assert_array_equal(x[:, 1:][mask[:, 1:] == 1], y[:, :-1][mask[:, 1:] == 1])  # input t = target t-1
    assert decode_lm_ids(list(y[0])) == "ab" and decode_lm_ids([START, 4, END, 2]) == "c"
    with pytest.raises(ValueError, match="words\\[1\\]"):
        encode_lm_words(["ok", "No"])
    with pytest.raises(ValueError, match="single string"):
        encode_lm_words("word")
    with pytest.raises(ValueError, match="at least one word"):
        encode_lm_words([])
    with pytest.raises(ValueError, match="ids\\[1\\] must be in \\[0, 28\\)"):
        decode_lm_ids([2, 28])


# --- the smudged letter (notebook 08) ---------------------------------------------------------------


def test_smudge_symbols():
    assert len(SMUDGE_SYMBOLS) == 27 and SMUDGE_SYMBOLS[:26] == tuple(ALPHABET)
    assert SMUDGE_SYMBOLS[BLANK] == "_" and BLANK == 26


def test_smudge_words_every_position():
    s = smudge_words(["hi", "cat", "l"])
    assert s.smudged == ("_i", "h_", "_at", "c_t", "ca_", "_") and len(s) == 6
    np.testing.assert_array_equal(s.x, [[BLANK, 8, 0], [7, BLANK, 0], [BLANK, 0, 19], [2, BLANK, 19],
                                        [2, 0, BLANK], [BLANK, 0, 0]])
    assert s.lengths.tolist() == [2, 2, 3, 3, 3, 1]
    assert s.position.tolist() == [1, 2, 1, 2, 3, 1]
    assert "".join(ALPHABET[i] for i in s.target) == "hicatl"
    assert s.word == ("hi", "hi", "cat", "cat", "cat", "l")
    assert s.position_class.tolist() == ["first", "last", "first", "middle", "last", "first"]  # "l": first
    assert set(s.extras()) == {"lengths", "position"}
    sub = s.subset([3, 0])
    assert sub.smudged == ("c_t", "_i") and sub.x.shape == (2, 3)


def test_smudge_words_one_position_per_word_is_seeded():
    words = word_sentiment_data().words
    a, b, c = (smudge_words(words, seed=k, positions="one") for k in (0, 0, 1))
    np.testing.assert_array_equal(a.x, b.x)
    assert not np.array_equal(a.position, c.position)
    assert len(a) == len(words) == 5578 and a.x.shape == (5578, 19)
    assert np.all(a.x[np.arange(len(a)), a.position - 1] == BLANK) and np.all((a.x == BLANK).sum(axis=1) == 1)
    restored = a.x.copy()
    restored[np.arange(len(a)), a.position - 1] = a.target  # putting the letter back gives the word
    x, lengths = encode_words(words)
    np.testing.assert_array_equal(np.where(x.any(axis=2), x.argmax(axis=2), 0), restored)
    # every position about equally often: the first letter is drawn about 1/len of the time
    assert np.mean(a.position == 1) == pytest.approx(np.mean(1 / lengths), abs=0.02)


def test_smudged_lexicon_sizes_on_the_family_split():
    train, val, test = split_by_family(word_sentiment_data())
    sizes = [len(smudge_words(part.words)) for part in (train, val, test)]
    assert sizes == [33529, 7148, 7233]  # every letter of every word
    classes = smudge_words(test.words).position_class
    assert [int(np.sum(classes == c)) for c in ("first", "middle", "last")] == [820, 5593, 820]


def test_encode_smudged_and_its_errors():
    x, lengths, position = encode_smudged("h_ppy")
    np.testing.assert_array_equal(x, [[7, BLANK, 15, 15, 24]])
    assert lengths.tolist() == [5] and position.tolist() == [2]
    x, lengths, position = encode_smudged("_", max_len=3)
    np.testing.assert_array_equal(x, [[BLANK, 0, 0]])
    for bad, match in [("happy", "'happy' has no blank"), ("h__py", "has 2 blanks"),
                       ("H_ppy", r"contains 'H' \(try 'h_ppy'\)"), ("h_p y", "contains ' '"),
                       (5, "got int 5")]:
        with pytest.raises(ValueError, match=match):
            encode_smudged(bad)
    with pytest.raises(ValueError, match="at most 3 letters; got 5"):
        encode_smudged("h_ppy", max_len=3)


def test_smudge_words_and_position_classes_errors():
    with pytest.raises(ValueError, match="single string"):
        smudge_words("happy")
    with pytest.raises(ValueError, match="positions must be 'all'"):
        smudge_words(["happy"], positions="some")
    with pytest.raises(ValueError, match=r"words\[1\] must use only"):
        smudge_words(["happy", "Sad"])
    with pytest.raises(ValueError, match="at least one word"):
        smudge_words([])
    with pytest.raises(ValueError, match="1 <= t <= the word's length"):
        position_classes([3], [2])
