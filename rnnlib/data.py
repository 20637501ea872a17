"""Data: a word-sentiment set from the VADER lexicon, one-hot letters, the memory task, and the smudged letter.

No download ever: the lexicon is a file inside the installed ``vaderSentiment`` package, read with
:mod:`importlib.resources` (its analyser, which imports ``requests``, is never imported).
"""

from __future__ import annotations

import importlib.resources
import re
import string
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ._validate import check_dim

__all__ = [
    "ALPHABET",
    "WordSet",
    "load_vader_lexicon",
    "word_sentiment_data",
    "word_family",
    "split_random",
    "split_by_family",
    "check_word",
    "encode_words",
    "one_hot_word",
    "LM_SYMBOLS",
    "START",
    "END",
    "encode_lm_words",
    "decode_lm_ids",
    "memory_task",
    "SMUDGE_SYMBOLS",
    "BLANK",
    "POSITION_CLASSES",
    "SmudgedWords",
    "smudge_words",
    "encode_smudged",
    "position_classes",
]

ALPHABET = string.ascii_lowercase  # feature i of a one-hot letter is ALPHABET[i]
# A character language model's vocabulary (V = 28): a start and an end symbol around each word.
LM_SYMBOLS = ("<start>", "<end>") + tuple(ALPHABET)  # id i is LM_SYMBOLS[i]; letter ALPHABET[j] is id j + 2
START, END = 0, 1
# The smudged letter's vocabulary (27 symbols): the letters a..z (ids 0..25) and the blank "_" (id 26).
SMUDGE_SYMBOLS = tuple(ALPHABET) + ("_",)  # id i is SMUDGE_SYMBOLS[i]; letter ALPHABET[j] is id j
BLANK = 26
POSITION_CLASSES = ("first", "middle", "last")  # where the blank is in its word
_WORD = re.compile(r"[a-z]+")


@lru_cache(maxsize=1)
def load_vader_lexicon():
    """All entries of ``vader_lexicon.txt``: a tuple of (token, mean valence) pairs.

    Mean valence is the average of ten human ratings on a scale from -4 (extremely negative) to
    +4 (extremely positive). The lexicon (Hutto & Gilbert, 2014) is MIT-licensed.
    """
    try:
        resource = importlib.resources.files("vaderSentiment").joinpath("vader_lexicon.txt")
        text = resource.read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError) as exc:  # pragma: no cover - install problem
        raise RuntimeError("the VADER lexicon was not found: install the course's dependencies "
                           "(pip install vaderSentiment), see the README") from exc
    entries = []
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) >= 2:
            entries.append((parts[0], float(parts[1])))
    return tuple(entries)


@dataclass(frozen=True)
class WordSet:
    """Words with binary sentiment labels (1 = positive) and their mean valence."""

    words: tuple
    labels: np.ndarray  # (N,) int
    valence: np.ndarray  # (N,) float

    def __len__(self):
        return len(self.words)

    def subset(self, idx):
        """The words at integer positions ``idx``."""
        idx = np.asarray(idx, dtype=np.intp)
        return WordSet(tuple(self.words[k] for k in idx), self.labels[idx], self.valence[idx])

    def encode(self, max_len=None):
        """``(x, y, lengths)`` ready for a model: see :func:`encode_words`."""
        x, lengths = encode_words(self.words, max_len)
        return x, self.labels.copy(), lengths


def word_sentiment_data(threshold=1.0):
    """The word-sentiment data set: lower-case a-z words of the VADER lexicon with a clear valence.

    Parameters
    ----------
    threshold : float
        A word is positive when its mean valence is >= ``threshold``, negative when it is
        <= ``-threshold``; words in between are dropped. The eight words the lexicon lists twice
        get the mean of both entries.

    Returns
    -------
    WordSet
        Sorted alphabetically (5578 words at the default threshold, 44% positive).
    """
    if not threshold > 0:
        raise ValueError(f"threshold must be > 0; got {threshold!r}")
    ratings = {}
    for w, v in load_vader_lexicon():
        if _WORD.fullmatch(w):
            ratings.setdefault(w, []).append(v)  # 8 words (lol, ok, sob, ...) are listed twice
    rows = sorted((w, float(np.mean(v))) for w, v in ratings.items() if abs(np.mean(v)) >= threshold)
    words = tuple(w for w, _ in rows)
    valence = np.array([v for _, v in rows])
    return WordSet(words, (valence > 0).astype(int), valence)


_PREFIXES = ("un", "dis", "non", "mis")
_SUFFIXES = (
    "nesses", "ness", "fully", "lessly", "less", "ful", "ities", "ity", "ments", "ment", "ations",
    "ation", "ingly", "ings", "ing", "edly", "ed", "ers", "er", "est", "ies", "ied", "ily", "ly",
    "able", "ably", "ible", "ive", "ous", "ism", "ist", "es", "s", "y", "e",
)


def word_family(word):
    """A crude stem shared by a word family: ``hopeless``, ``hopefully``, ``hope`` -> ``hop``.

    Negation prefixes (un-, dis-, non-, mis-) and common suffixes are stripped repeatedly while
    at least three letters remain; the first four letters of what is left name the family. It
    over-merges a little (``pass`` and ``passion``), which only makes a split stricter.
    """
    w = word.lower()
    for p in _PREFIXES:
        if w.startswith(p) and len(w) - len(p) >= 4:
            w = w[len(p):]
            break
    changed = True
    while changed:
        changed = False
        for s in _SUFFIXES:
            if w.endswith(s) and len(w) - len(s) >= 3:
                w = w[: -len(s)]
                changed = True
                break
    return w[:4]


def _fractions(fractions):
    fr = np.asarray(fractions, dtype=float)
    if fr.shape != (3,) or np.any(fr <= 0) or not np.isclose(fr.sum(), 1.0):
        raise ValueError(f"fractions must be three positive numbers (train, validation, test) summing to 1; "
                         f"got {fractions!r}")
    return fr


def split_random(data, fractions=(0.7, 0.15, 0.15), seed=0):
    """Stratified random split into train, validation and test.

    Each class is shuffled with a seeded generator and cut by ``fractions``, so every part keeps
    the positive rate of the whole set. Near-copies (``hopeless`` / ``hopelessly``) end up on both
    sides: see :func:`split_by_family` for the honest split.

    Returns
    -------
    train, val, test : WordSet
    """
    fr = _fractions(fractions)
    rng = np.random.default_rng(seed)
    parts = [[], [], []]
    for label in (0, 1):
        idx = rng.permutation(np.flatnonzero(data.labels == label))
        cut = np.round(np.cumsum(fr)[:2] * len(idx)).astype(int)
        for k, chunk in enumerate(np.split(idx, cut)):
            parts[k].extend(chunk.tolist())
    return tuple(data.subset(sorted(p)) for p in parts)


def split_by_family(data, fractions=(0.7, 0.15, 0.15), seed=0):
    """Split keeping every word family (see :func:`word_family`) on one side.

    Families are shuffled with a seeded generator and dealt out so that each part receives about
    its fraction of the words of each class (families are assigned by their majority label).

    Returns
    -------
    train, val, test : WordSet
    """
    fr = _fractions(fractions)
    rng = np.random.default_rng(seed)
    families = {}
    for k, w in enumerate(data.words):
        families.setdefault(word_family(w), []).append(k)
    keys = sorted(families)
    parts = [[], [], []]
    for label in (0, 1):
        group = [key for key in keys if round(np.mean(data.labels[families[key]])) == label]
        group = [group[k] for k in rng.permutation(len(group))]
        total = sum(len(families[key]) for key in group)
        bounds = np.cumsum(fr) * total
        filled = 0
        for key in group:
            part = int(np.searchsorted(bounds[:2], filled, side="right"))
            parts[part].extend(families[key])
            filled += len(families[key])
    return tuple(data.subset(sorted(p)) for p in parts)


def check_word(word, max_len=None, min_len=1, name="word"):
    """Check that ``word`` is a string of lower-case letters a-z with an allowed length; return it.

    The one rule for every word the course one-hot encodes (26 features, one per letter), whether
    it comes from the lexicon, a notebook cell or a text box.

    Parameters
    ----------
    word : str
    max_len : int, optional
        Longest word accepted (no limit by default).
    min_len : int
        Shortest word accepted, at least 1.
    name : str
        How the error message calls the argument (for example ``"words[3]"``).

    Returns
    -------
    str
        ``word`` itself.

    Raises
    ------
    ValueError
        Naming ``name``, what it must be and what is wrong: not a string, too short or too long,
        upper case (with the lower-case spelling to try), digits, spaces or other characters.
    """
    if not isinstance(word, str):
        raise ValueError(f"{name} must be a string of lower-case letters a-z; got {type(word).__name__} {word!r}")
    if len(word) < min_len:
        got = "an empty string" if not word else f"{len(word)} letters ({word!r})"
        raise ValueError(f"{name} must be a string of lower-case letters a-z, at least {min_len} long; got {got}")
    if not _WORD.fullmatch(word):
        bad = sorted({ch for ch in word if ch not in ALPHABET})
        reasons = []
        if any(ch.isupper() for ch in bad):
            reasons.append(f"upper case (try {word.lower()!r})")
        if any(ch.isdigit() for ch in bad):
            reasons.append("digits")
        if any(ch.isspace() for ch in bad):
            reasons.append("spaces (one word at a time)")
        other = [ch for ch in bad if not (ch.isupper() or ch.isdigit() or ch.isspace())]
        if other:
            reasons.append("the character(s) " + " ".join(repr(ch) for ch in other))
        raise ValueError(f"{name} must use only the 26 lower-case letters a-z (one one-hot feature each); "
                         f"{word!r} contains {', '.join(reasons)}")
    if max_len is not None and len(word) > max_len:
        raise ValueError(f"{name} must have at most {max_len} letters; got {len(word)} letters ({word!r})")
    return word


def one_hot_word(word, max_len=None):
    """One word as a (T, 26) one-hot matrix; row t - 1 is the letter of step t.

    Parameters
    ----------
    word : str
        Lower-case letters a-z (see :func:`check_word`).
    max_len : int, optional
        T; by default ``len(word)``. Padding rows (when ``max_len > len(word)``) are all zero.

    Returns
    -------
    numpy.ndarray, shape (T, 26), float64
    """
    x, _ = encode_words([check_word(word)], max_len)
    return x[0]


def encode_words(words, max_len=None):
    """One-hot encode words letter by letter into a post-padded batch.

    Parameters
    ----------
    words : sequence of str
        Lower-case a-z words.
    max_len : int, optional
        T; by default the longest word's length. Longer words are an error.

    Returns
    -------
    x : numpy.ndarray, shape (N, T, 26), float64
        ``x[n, t - 1, i] = 1`` when letter t of word n (step t, counted from 1) is
        ``ALPHABET[i]``. Steps after a word's end are zero rows (padding).
    lengths : numpy.ndarray of int, shape (N,)
        Each word's length. A many-to-one model reads its output at step t = ``lengths[n]``
        (index ``lengths[n] - 1``), so the padding after a word never changes its prediction.
    """
    if isinstance(words, str):
        raise ValueError(f"words must be a sequence of words; got the single string {words!r} "
                         "(wrap it in a list)")
    words = [check_word(w, name=f"words[{n}]") for n, w in enumerate(words)]
    lengths = np.array([len(w) for w in words], dtype=np.intp)
    T = int(lengths.max()) if words else 0
    if max_len is not None:
        max_len = check_dim("max_len", max_len)
        if words and T > max_len:
            raise ValueError(f"max_len must be at least the longest word's length {T}; got {max_len}")
        T = max_len
    x = np.zeros((len(words), T, len(ALPHABET)))
    for n, w in enumerate(words):
        x[n, np.arange(len(w)), [ord(ch) - ord("a") for ch in w]] = 1.0
    return x, lengths


def encode_lm_words(words):
    """Teacher-forcing arrays of a character language model: read ``<start> + word``, predict ``word + <end>``.

    Parameters
    ----------
    words : sequence of str
        Lower-case a-z words (see :func:`check_word`).

    Returns
    -------
    x : numpy.ndarray of int, shape (N, T)
        Input ids (:data:`LM_SYMBOLS`), T = longest word + 1: ``x[n, 0]`` is :data:`START`, then the
        word's letters; 0 after the word (padding, masked).
    y : numpy.ndarray of int, shape (N, T)
        Target ids: the word's letters, then :data:`END`; ``y[n, t-1]`` is the letter that follows
        ``x[n, t-1]`` (step t reads the true letter t-1 and predicts letter t).
    mask : numpy.ndarray, shape (N, T), float64
        1 on each word's ``len(word) + 1`` real steps, 0 on the padding.
    """
    if isinstance(words, str):
        raise ValueError(f"words must be a sequence of words; got the single string {words!r} (wrap it in a list)")
    words = [check_word(w, name=f"words[{n}]") for n, w in enumerate(words)]
    if not words:
        raise ValueError("words must hold at least one word; got an empty sequence")
    T = max(len(w) for w in words) + 1
    x = np.zeros((len(words), T), dtype=np.intp)
    y = np.zeros((len(words), T), dtype=np.intp)
    mask = np.zeros((len(words), T))
    for n, w in enumerate(words):
        ids = [START] + [ALPHABET.index(ch) + 2 for ch in w] + [END]  # (len(w) + 2,)
        x[n, :len(w) + 1] = ids[:-1]
        y[n, :len(w) + 1] = ids[1:]
        mask[n, :len(w) + 1] = 1.0
    return x, y, mask


def decode_lm_ids(ids):
    """The letters of a sequence of language-model ids, up to the first :data:`END` (start symbols skipped).

    Parameters
    ----------
    ids : sequence of int
        Ids in ``range(len(LM_SYMBOLS))``.

    Returns
    -------
    str
    """
    letters = []
    for k, i in enumerate(ids):
        i = int(i)
        if not 0 <= i < len(LM_SYMBOLS):
            raise ValueError(f"ids[{k}] must be in [0, {len(LM_SYMBOLS)}); got {i}")
        if i == END:
            break
        if i != START:
            letters.append(LM_SYMBOLS[i])
    return "".join(letters)


def memory_task(n, lag, n_features=8, seed=0):
    """The long-range memory task: remember the symbol of the first step across ``lag`` distractors.

    Step t = 1 (``x[:, 0]``) holds one of two signal symbols (one-hot feature 0 or 1); steps
    t = 2..T, T = lag + 1, hold random distractors (one-hot among features 2..n_features-1). The
    label is which of the two signal symbols was shown at t = 1 (0 or 1); there is no question
    step, so a model must carry one bit for ``lag`` steps and answer at t = T. Chance level is 50%.

    Parameters
    ----------
    n : int
        Number of sequences.
    lag : int
        Distractor steps after the signal (sequence length T = lag + 1), >= 0.
    n_features : int
        D, at least 3.
    seed : int

    Returns
    -------
    x : numpy.ndarray, shape (n, lag + 1, n_features), float64
    y : numpy.ndarray of int, shape (n,)
    """
    n = check_dim("n", n)
    lag = check_dim("lag", lag, lo=0)
    n_features = check_dim("n_features", n_features, lo=3)
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=n)
    x = np.zeros((n, lag + 1, n_features))
    x[np.arange(n), 0, y] = 1.0  # step 1: the signal
    if lag:  # steps 2..T: the distractors
        distractors = rng.integers(2, n_features, size=(n, lag))
        x[np.arange(n)[:, None], np.arange(1, lag + 1)[None, :], distractors] = 1.0
    return x, y


def position_classes(position, lengths):
    """Name each blank's place in its word: ``"first"``, ``"middle"`` or ``"last"``.

    Parameters
    ----------
    position : array_like of int, shape (N,)
        The blank's step t, 1-based (the card's t).
    lengths : array_like of int, shape (N,)
        Each word's length.

    Returns
    -------
    numpy.ndarray of str, shape (N,)
        ``"first"`` where t = 1, ``"last"`` where t = length > 1, ``"middle"`` otherwise. A
        one-letter word's only letter is counted as ``"first"`` (it has no context on either side;
        the lexicon has one such word, ``"l"``).
    """
    position = np.asarray(position)
    lengths = np.asarray(lengths)
    if position.ndim != 1 or position.shape != lengths.shape:
        raise ValueError(f"position and lengths must be two (N,) arrays of the same N; got shapes "
                         f"{position.shape} and {lengths.shape}")
    if position.size and (position.dtype.kind not in "iu" or position.min() < 1 or np.any(position > lengths)):
        raise ValueError("position must hold integer steps t with 1 <= t <= the word's length; got "
                         f"{position.tolist()[:10]} for lengths {lengths.tolist()[:10]}")
    return np.where(position == 1, "first", np.where(position == lengths, "last", "middle"))


@dataclass(frozen=True)
class SmudgedWords:
    """Words with one letter replaced by the blank: the examples of the smudged-letter task.

    Attributes
    ----------
    x : numpy.ndarray of int, shape (N, T)
        Symbol ids (:data:`SMUDGE_SYMBOLS`): the word's letters with :data:`BLANK` at the smudged
        step; post-padded with id 0 after the word (padding: read with ``lengths``, never as "a").
    lengths : numpy.ndarray of int, shape (N,)
        Each word's length.
    position : numpy.ndarray of int, shape (N,)
        The blank's step t, 1-based (``x[n, position[n] - 1] == BLANK``).
    target : numpy.ndarray of int, shape (N,)
        The true letter's id 0..25 at the blank.
    word : tuple of str
        The true words.
    """

    x: np.ndarray
    lengths: np.ndarray
    position: np.ndarray
    target: np.ndarray
    word: tuple

    def __len__(self):
        return len(self.word)

    @property
    def position_class(self):
        """``"first"``, ``"middle"`` or ``"last"`` per example (:func:`position_classes`), shape (N,)."""
        return position_classes(self.position, self.lengths)

    @property
    def smudged(self):
        """The examples as typed strings, for example ``"h_ppy"``: tuple of str."""
        return tuple(w[:t - 1] + "_" + w[t:] for w, t in zip(self.word, self.position.tolist()))

    def extras(self):
        """``{"lengths": ..., "position": ...}``: the per-example arrays a BlankReader's loss reads."""
        return {"lengths": self.lengths, "position": self.position}

    def subset(self, idx):
        """The examples at integer positions ``idx`` (T unchanged)."""
        idx = np.asarray(idx, dtype=np.intp)
        return SmudgedWords(self.x[idx], self.lengths[idx], self.position[idx], self.target[idx],
                            tuple(self.word[k] for k in idx))


def smudge_words(words, seed=0, positions="all", max_len=None):
    """The smudged-letter task: each example is a word with one letter replaced by the blank ``"_"``.

    Parameters
    ----------
    words : sequence of str
        Lower-case a-z words (see :func:`check_word`).
    seed : int
        Seed of the random positions (``positions="one"``); unused with ``"all"``.
    positions : {"all", "one"}
        ``"all"``: every position of every word, one example per (word, position), in the order of
        the words and, within a word, t = 1..length. ``"one"``: one position per word, drawn
        uniformly with ``np.random.default_rng(seed)``.
    max_len : int, optional
        T; by default the longest word's length.

    Returns
    -------
    SmudgedWords
        N = the total number of letters (``"all"``) or the number of words (``"one"``).

    Examples
    --------
    >>> s = smudge_words(["hi"])
    >>> s.smudged, s.position.tolist(), [SMUDGE_SYMBOLS[i] for i in s.target]
    (('_i', 'h_'), [1, 2], ['h', 'i'])
    """
    if isinstance(words, str):
        raise ValueError(f"words must be a sequence of words; got the single string {words!r} (wrap it in a list)")
    if positions not in ("all", "one"):
        raise ValueError(f"positions must be 'all' (every letter of every word) or 'one' (one random letter "
                         f"per word); got {positions!r}")
    words = [check_word(w, name=f"words[{n}]") for n, w in enumerate(words)]
    if not words:
        raise ValueError("words must hold at least one word; got an empty sequence")
    ids, lengths = _letter_ids(words, max_len)  # (W, T), (W,)
    if positions == "all":
        row = np.repeat(np.arange(len(words)), lengths)  # (N,)  which word each example smudges
        position = np.concatenate([np.arange(1, L + 1) for L in lengths]).astype(np.intp)  # (N,)  t = 1..L
    else:
        rng = np.random.default_rng(seed)
        row = np.arange(len(words))
        position = (rng.integers(0, lengths) + 1).astype(np.intp)  # (N,)  uniform over 1..L
    x = ids[row].copy()  # (N, T)
    N = len(row)
    target = x[np.arange(N), position - 1].copy()  # (N,)  the true letter at the blank
    x[np.arange(N), position - 1] = BLANK
    return SmudgedWords(x, lengths[row].copy(), position, target, tuple(words[k] for k in row))


def _letter_ids(words, max_len=None):
    """Letter ids (W, T) post-padded with 0, and the lengths (W,)."""
    lengths = np.array([len(w) for w in words], dtype=np.intp)
    T = int(lengths.max())
    if max_len is not None:
        max_len = check_dim("max_len", max_len)
        if T > max_len:
            raise ValueError(f"max_len must be at least the longest word's length {T}; got {max_len}")
        T = max_len
    ids = np.zeros((len(words), T), dtype=np.intp)
    for n, w in enumerate(words):
        ids[n, :len(w)] = [ord(ch) - ord("a") for ch in w]
    return ids, lengths


def encode_smudged(word_with_blank, max_len=None, name="word_with_blank"):
    """Encode a typed word with one blank, such as ``"h_ppy"``, for a :class:`~rnnlib.model.BlankReader`.

    Parameters
    ----------
    word_with_blank : str
        Lower-case letters a-z and exactly one ``"_"`` (the smudged letter).
    max_len : int, optional
        T; by default the word's length. Longer words are an error.
    name : str
        How error messages call the argument.

    Returns
    -------
    x : numpy.ndarray of int, shape (1, T)
        Symbol ids (:data:`SMUDGE_SYMBOLS`), :data:`BLANK` at the blank, 0 after the word.
    lengths : numpy.ndarray of int, shape (1,)
    position : numpy.ndarray of int, shape (1,)
        The blank's step t (1-based).

    Raises
    ------
    ValueError
        Not a string, no blank or more than one, other characters than a-z (upper case with the
        lower-case spelling to try), too long.
    """
    w = word_with_blank
    if not isinstance(w, str):
        raise ValueError(f"{name} must be a string of letters a-z with one blank '_' (for example 'h_ppy'); "
                         f"got {type(w).__name__} {w!r}")
    n_blanks = w.count("_")
    if n_blanks != 1:
        got = "no blank" if n_blanks == 0 else f"{n_blanks} blanks"
        raise ValueError(f"{name} must hold exactly one blank '_' where the smudged letter is (for example "
                         f"'h_ppy'); {w!r} has {got}")
    bad = sorted({ch for ch in w if ch != "_" and ch not in ALPHABET})
    if bad:
        hint = f" (try {w.lower()!r})" if all(ch.isupper() for ch in bad) else ""
        raise ValueError(f"{name} must use only the letters a-z and one '_'; {w!r} contains "
                         + " ".join(repr(ch) for ch in bad) + hint)
    T = len(w)
    if max_len is not None:
        max_len = check_dim("max_len", max_len)
        if T > max_len:
            raise ValueError(f"{name} must have at most {max_len} letters; got {T} ({w!r})")
        T = max_len
    x = np.zeros((1, T), dtype=np.intp)
    x[0, :len(w)] = [BLANK if ch == "_" else ord(ch) - ord("a") for ch in w]
    return x, np.array([len(w)], dtype=np.intp), np.array([w.index("_") + 1], dtype=np.intp)
