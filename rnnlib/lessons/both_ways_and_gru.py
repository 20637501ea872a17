r"""Reading both ways, and the GRU: the numbers behind notebook 08.

(Module docstring to be completed: one bullet per public function, as in the other chapters.)
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..data import ALPHABET, check_word
from .configurations import fit_ngram

__all__ = []

# === 1-2. the smudged letter: task, baselines, readers, accuracy by position (helper H1) ===

__all__ += [
    "POSITION_CLASSES",
    "position_classes",
    "LetterTrigram",
    "fit_letter_trigram",
    "trigram_blank_proba",
    "Baselines",
    "fit_baselines",
    "BASELINE_NAMES",
    "baseline_proba",
]

POSITION_CLASSES = ("first", "middle", "last")  # where the blank is: the word's first letter, inside, its last
_CONTEXT = ("<s>",) + tuple(ALPHABET)  # context ids of a LetterTrigram: 0 is the padding <s>, 1..26 are a..z
_NEXT = tuple(ALPHABET) + ("</s>",)  # predicted ids: 0..25 are a..z, 26 is the word's end </s>
_READS = ("left", "right", "both")


def position_classes(positions, lengths):
    """Name each blank's place in its word: ``"first"``, ``"middle"`` or ``"last"``.

    Parameters
    ----------
    positions : array_like of int, (N,)
        The blank's step t, 1-based (the card's t).
    lengths : array_like of int, (N,)
        Each word's length ℓ.

    Returns
    -------
    numpy.ndarray of str, (N,)
        ``"first"`` where t = 1, ``"last"`` where t = ℓ > 1, ``"middle"`` otherwise. A one-letter
        word's only letter is counted as ``"first"`` (the held-out words of the lexicon have at
        least two letters, so no test example is affected).
    """
    positions = np.asarray(positions)
    lengths = np.asarray(lengths)
    if positions.shape != lengths.shape or positions.ndim != 1:
        raise ValueError(f"positions and lengths must be two (N,) arrays of the same N; got shapes "
                         f"{positions.shape} and {lengths.shape}")
    if positions.size and (positions.min() < 1 or np.any(positions > lengths)):
        raise ValueError("positions must be 1-based steps t with 1 <= t <= the word's length; got "
                         f"{positions.tolist()[:10]} for lengths {lengths.tolist()[:10]}")
    return np.where(positions == 1, "first", np.where(positions == lengths, "last", "middle"))


class LetterTrigram(NamedTuple):
    """An nltk.lm letter trigram as a table: ``p[u, v, w]`` = P(w | u v).

    ``u, v`` are context ids (0 the padding ``<s>`` before the word, 1..26 the letters a..z),
    ``w`` a predicted id (0..25 the letters a..z, 26 the end of the word ``</s>``).
    """

    p: np.ndarray  # (27, 27, 27)
    direction: str  # "left": fitted on the words; "right": fitted on the words spelled backwards
    method: str  # "witten_bell" or "add_alpha"
    alpha: float  # add-alpha's constant (None for Witten-Bell)
    n_words: int  # training words


def fit_letter_trigram(words, direction="left", method="witten_bell", alpha=None):
    r"""Fit an nltk.lm letter trigram on ``words`` (or on them reversed) and tabulate it.

    Parameters
    ----------
    words : sequence of str
        Training words, letters a-z.
    direction : {"left", "right"}
        ``"left"``: P(letter | the two letters before it), the word's start padded with ``<s>``;
        ``"right"``: the same model fitted on the words spelled backwards, so P(letter | the two
        letters after it), the word's end padded.
    method : {"witten_bell", "add_alpha"}
        Interpolated Witten-Bell smoothing (``nltk.lm.WittenBellInterpolated``: an unseen
        context backs off to the bigram and the unigram) or add-alpha (``nltk.lm.Lidstone``).
    alpha : float, optional
        add-alpha's constant (required with ``method="add_alpha"``).

    Returns
    -------
    LetterTrigram

    Notes
    -----
    The model is :func:`rnnlib.lessons.configurations.fit_ngram` of notebook 07 (the events are
    every letter of every word and its end ``</s>``), evaluated once for all
    :math:`27 \times 27 \times 27` (context, letter) pairs:

    .. math:: p[u, v, w] = P(w \mid u\, v).
    """
    if direction not in ("left", "right"):
        raise ValueError(f"direction must be 'left' or 'right'; got {direction!r}")
    if method not in ("witten_bell", "add_alpha"):
        raise ValueError(f"method must be 'witten_bell' or 'add_alpha'; got {method!r}")
    if method == "add_alpha" and alpha is None:
        raise ValueError("alpha must be given with method='add_alpha' (a positive number); got None")
    if isinstance(words, str):
        raise ValueError(f"words must be a sequence of words; got the single string {words!r}")
    words = tuple(check_word(w, name=f"words[{n}]") for n, w in enumerate(words))
    if not words:
        raise ValueError("words must hold at least one word; got none")
    fitted = words if direction == "left" else tuple(w[::-1] for w in words)
    lm = fit_ngram(fitted, 3, method, alpha if method == "add_alpha" else 0.1)
    p = np.array([[[lm.score(w, (u, v)) for w in _NEXT] for v in _CONTEXT] for u in _CONTEXT])  # (27, 27, 27)
    return LetterTrigram(p, direction, method, None if method == "witten_bell" else float(alpha), len(words))


def _padded_ids(word):
    """``<s> <s> word </s>`` as ids: contexts for the first two letters, then (letter id, letter id)."""
    return [0, 0] + [ALPHABET.index(ch) + 1 for ch in word]  # context ids; the end is handled apart


def _next_id(s, i, ell):
    """The predicted id of w_i in :func:`_padded_ids` ``s`` of a word of length ``ell`` (26 for its end)."""
    return 26 if i == ell + 1 else s[i + 1] - 1


def _check_blanks(words, positions):
    if isinstance(words, str):
        raise ValueError(f"words must be a sequence of words; got the single string {words!r}")
    words = tuple(check_word(w, name=f"words[{n}]") for n, w in enumerate(words))
    positions = np.asarray(positions)
    if positions.shape != (len(words),) or not np.issubdtype(positions.dtype, np.integer):
        raise ValueError(f"positions must be ({len(words)},) integers, one blank step t per word; got "
                         f"{positions.dtype} {positions.shape}")
    position_classes(positions, np.array([len(w) for w in words], dtype=np.intp))  # range check
    return words, positions


def trigram_blank_proba(trigram, words, positions, reads="left"):
    r"""The probability of each letter a-z at the blank, by a letter trigram.

    Parameters
    ----------
    trigram : LetterTrigram
        ``direction="left"`` for ``reads="left"`` and ``"both"``; ``"right"`` for ``reads="right"``.
    words : sequence of str
        The true words (the letter at the blank is never read).
    positions : array_like of int, (N,)
        The blank's step t in each word, 1-based.
    reads : {"left", "right", "both"}

    Returns
    -------
    numpy.ndarray, (N, 26)
        Rows sum to 1; column j is the letter ``ALPHABET[j]``.

    Notes
    -----
    With the blank at step p of a word :math:`w_1 \dots w_\ell` (padded :math:`w_{-1} = w_0 =`
    ``<s>``, :math:`w_{\ell+1} =` ``</s>``):

    * left: :math:`P(c) \propto P(c \mid w_{p-2} w_{p-1})`;
    * right: the same on the reversed word, :math:`P(c) \propto P(c \mid w_{p+2} w_{p+1})`;
    * both: the probability the trigram gives the whole word with c in the blank,

      .. math:: P(c) \propto \prod_{i=p}^{\min(p+2,\ \ell+1)} P(w_i \mid w_{i-2}\, w_{i-1}),
                \qquad w_p = c,

      the only factors of :math:`P(w_1 \dots w_\ell\ \text{</s>})` that contain c; the others
      are the same for every candidate and cancel in the normalisation over the 26 letters.
    """
    if reads not in _READS:
        raise ValueError(f"reads must be one of {_READS}; got {reads!r}")
    if not isinstance(trigram, LetterTrigram):
        raise ValueError(f"trigram must be a LetterTrigram (see fit_letter_trigram); got {type(trigram).__name__}")
    want = "right" if reads == "right" else "left"
    if trigram.direction != want:
        raise ValueError(f"reads={reads!r} needs a trigram fitted with direction={want!r}; got "
                         f"direction={trigram.direction!r}")
    words, positions = _check_blanks(words, positions)
    P = trigram.p
    letters = np.arange(26)
    out = np.empty((len(words), 26))
    for n, (w, t) in enumerate(zip(words, positions)):
        if reads == "right":
            w, t = w[::-1], len(w) - t + 1
        s = _padded_ids(w)  # s[t + 1] is the blank's letter (context id); s[t - 1], s[t] its left context
        if reads != "both":
            score = P[s[t - 1], s[t], :26]  # P(c | w_{p-2} w_{p-1}), (26,)
        else:
            ell = len(w)
            score = P[s[t - 1], s[t], letters]  # term i = p: P(c | w_{p-2} w_{p-1}), (26,)
            if t + 1 <= ell + 1:  # term i = p + 1: P(w_{p+1} | w_{p-1} c)
                score = score * P[s[t], letters + 1, _next_id(s, t + 1, ell)]
            if t + 2 <= ell + 1:  # term i = p + 2: P(w_{p+2} | c w_{p+1})
                score = score * P[letters + 1, s[t + 2], _next_id(s, t + 2, ell)]
        total = score.sum()  # 0 only if the model gives every letter probability 0 here
        out[n] = score / total if total > 0 else np.full(26, 1 / 26)
    return out


class Baselines(NamedTuple):
    """The baselines of the smudged letter, fitted on the training words (:func:`fit_baselines`)."""

    frequencies: np.ndarray  # (26,) relative frequency of each letter in the training words
    left: LetterTrigram  # P(letter | two letters before), also used for "both sides"
    right: LetterTrigram  # P(letter | two letters after)
    settings: dict


def fit_baselines(train_words, method="witten_bell", alpha=None):
    """Fit the smudged letter's baselines on the training words.

    Parameters
    ----------
    train_words : sequence of str
    method, alpha
        The trigrams' smoothing: see :func:`fit_letter_trigram`.

    Returns
    -------
    Baselines
        The letter frequencies (the most frequent letter is always guessed) and the left and right
        letter trigrams.
    """
    left = fit_letter_trigram(train_words, "left", method, alpha)
    right = fit_letter_trigram(train_words, "right", method, alpha)
    counts = np.bincount([ALPHABET.index(ch) for w in train_words for ch in w], minlength=26)  # (26,)
    settings = {"method": method, "alpha": left.alpha, "n_words": left.n_words, "n_letters": int(counts.sum())}
    return Baselines(counts / counts.sum(), left, right, settings)


BASELINE_NAMES = ("most frequent letter", "trigram, left", "trigram, right", "trigram, both sides")


def baseline_proba(baselines, words, positions):
    """Each baseline's letter probabilities at the blanks.

    Parameters
    ----------
    baselines : Baselines
    words : sequence of str
        The true words.
    positions : array_like of int, (N,)
        The blank's step t in each word, 1-based.

    Returns
    -------
    dict of str to numpy.ndarray (N, 26)
        Keyed by :data:`BASELINE_NAMES`. The most frequent letter's row is the training letter
        frequencies: its best guess is the same letter everywhere.
    """
    words, positions = _check_blanks(words, positions)
    return {
        BASELINE_NAMES[0]: np.tile(baselines.frequencies, (len(words), 1)),
        BASELINE_NAMES[1]: trigram_blank_proba(baselines.left, words, positions, "left"),
        BASELINE_NAMES[2]: trigram_blank_proba(baselines.right, words, positions, "right"),
        BASELINE_NAMES[3]: trigram_blank_proba(baselines.left, words, positions, "both"),
    }


__all__ += [
    "AccuracyRow",
    "accuracy_rows",
    "accuracy_table",
]


class AccuracyRow(NamedTuple):
    """One line of the accuracy table: how often the best guess at the blank is the true letter."""

    name: str
    accuracy: float  # over every held-out example
    by_position: dict  # {"first": float, "middle": float, "last": float} (nan where a class is empty)
    n: dict  # examples: {"all": int, "first": int, "middle": int, "last": int}
    note: str


def accuracy_rows(probas, targets, classes, notes=None):
    """Accuracy of each guesser at the blank, overall and by the blank's place in the word.

    Parameters
    ----------
    probas : dict of str to array_like (N, 26)
        Letter probabilities at the blank, one row per example (a reader's or a baseline's).
    targets : array_like of int, (N,)
        The true letter ids 0..25.
    classes : array_like of str, (N,)
        :func:`position_classes` of the examples.
    notes : dict of str to str, optional
        A note per name (settings), shown in the table.

    Returns
    -------
    list of AccuracyRow
        In the order of ``probas``. The guess is the most probable letter (a tie goes to the
        letter first in the alphabet).
    """
    targets = np.asarray(targets)
    classes = np.asarray(classes)
    if targets.ndim != 1 or classes.shape != targets.shape:
        raise ValueError(f"targets and classes must be (N,) arrays of the same N; got shapes {targets.shape} "
                         f"and {classes.shape}")
    unknown = sorted(set(classes.tolist()) - set(POSITION_CLASSES))
    if unknown:
        raise ValueError(f"classes must hold only {POSITION_CLASSES}; got {unknown}")
    notes = notes or {}
    n = {"all": len(targets), **{c: int(np.sum(classes == c)) for c in POSITION_CLASSES}}
    rows = []
    for name, p in probas.items():
        p = np.asarray(p)
        if p.shape != (len(targets), 26):
            raise ValueError(f"probas[{name!r}] must be (N, 26) = ({len(targets)}, 26); got {p.shape}")
        right = p.argmax(axis=1) == targets  # (N,)
        by = {c: float(right[classes == c].mean()) if n[c] else float("nan") for c in POSITION_CLASSES}
        rows.append(AccuracyRow(name, float(right.mean()), by, n, notes.get(name, "")))
    return rows


def accuracy_table(rows, conditions=""):
    """A text table of :func:`accuracy_rows` (percentages), then its conditions line.

    Returns
    -------
    str
    """
    if not rows:
        raise ValueError("rows must hold at least one AccuracyRow; got none")
    n = rows[0].n
    width = max(24, *(len(r.name) for r in rows))
    head = (f"{'reader':<{width}} {'all':>6} " + " ".join(f"{c:>7}" for c in POSITION_CLASSES) + "  note")
    lines = [head, f"{'(examples)':<{width}} {n['all']:>6} " + " ".join(f"{n[c]:>7}" for c in POSITION_CLASSES)]
    for r in rows:
        lines.append(f"{r.name:<{width}} {100 * r.accuracy:5.1f}% "
                     + " ".join(f"{100 * r.by_position[c]:6.1f}%" for c in POSITION_CLASSES) + f"  {r.note}")
    return "\n".join(lines + ([conditions] if conditions else []))


# === 3-4. the GRU beside the LSTM and the RNN: parameter counts, live values, the lag sweep's GRU rows (helper H3) ===
