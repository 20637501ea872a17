r"""Reading both ways, and the GRU: the numbers behind notebook 08.

(Module docstring to be completed: one bullet per public function, as in the other chapters.)

The smudged letter (sections 1-2: a word with one letter replaced by the blank "_"; restore it):

* the examples, every letter of every word of each part of the family-aware split blanked in turn
  (:func:`smudge_data`, a :class:`SmudgeData`);
* the baselines, fitted on the training words (:func:`fit_baselines`, :class:`Baselines`): the most
  frequent letter, and ``nltk.lm`` letter trigrams (Witten-Bell) tabulated once
  (:func:`fit_letter_trigram`, a :class:`LetterTrigram`) and read from the left, from the right
  (fitted on the reversed words) or both sides (the whole word's probability with each candidate
  in the blank) (:func:`trigram_blank_proba`, :func:`baseline_proba`, :data:`BASELINE_NAMES`);
* the readers, a :class:`~rnnlib.model.BlankReader` reading left, right or both ways, trained with
  the weights of the best validation epoch kept (:func:`train_reader`, :func:`train_readers`, a
  :class:`ReaderRun`; :func:`reader_name`, :func:`reader_proba`);
* accuracy at the blank, overall and at the first, middle and last letter (:func:`accuracy_rows`,
  an :class:`AccuracyRow`; :func:`smudge_rows`, :func:`accuracy_table`, :func:`smudge_conditions`)
  and what it says about context (:func:`context_summary`);
* for the explorer: each reader's likeliest letters for a typed word such as ``"h_ppy"``
  (:func:`reader_top_letters`, :func:`top_letters_table`);
* the readers cell against cell (RNN, GRU, LSTM; left, right, both; seeds 0-2, one budget), from the
  committed run of ``experiments/smudged_letter_seeds.py --save`` (``rnnlib/results/smudged_letter.json``):
  :func:`load_smudged_results` / :func:`save_smudged_results`, :func:`smudged_cells_rows` (means over the
  seeds, rows of :class:`AccuracyRow` for :func:`accuracy_table` and :func:`context_summary`),
  :func:`smudged_cells_conditions`, :func:`smudged_cells_table`.

The GRU beside the LSTM and the RNN (sections 3-4):

* :func:`gru_step_values`: one step of a one-unit GRU with every intermediate value (the input and
  recurrent parts of r, z, n; the gates; (1 - z) * n and z * h_{t-1}), for the GRU cell figure;
  :data:`GRU_EXAMPLE` is its worked example.
* :func:`parameter_counts` / :func:`parameter_table`: trainable numbers of an RNN, a GRU and an LSTM
  of the same D and H (RNN H(D + H + 1), GRU 3H(D + H + 2), LSTM 4H(D + H + 1)), with a read-out.
* :func:`gru_sweep_report`: the lag sweep's GRU rows (:data:`GRU_SWEEP_KEYS`) beside the RNN and LSTM
  rows of the same settings, with notebook 04's table functions: conditions, accuracy, steps to
  solve, cell against cell, sentences, and how the rows were run.
"""

from __future__ import annotations

import importlib.resources
import json
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .._validate import as_array, check_dim
from ..data import (
    ALPHABET,
    POSITION_CLASSES,
    check_word,
    encode_smudged,
    position_classes,
    smudge_words,
)
from ..gru import gru_step_forward
from ..model import READS, BlankReader
from ..train import train
from .configurations import _KeepBest, fit_ngram, split_parts
from .lstm_cell import _scalar
from .vanishing_gradient import (
    cell_comparison,
    conditions_table,
    describe_config,
    load_sweep,
    reliable_up_to,
    summarise,
    sweep_table,
)

__all__ = []

# === 1-2. the smudged letter: task, baselines, readers, accuracy by position (helper H1) ===

__all__ += [
    "LetterTrigram",
    "fit_letter_trigram",
    "trigram_blank_proba",
    "Baselines",
    "fit_baselines",
    "BASELINE_NAMES",
    "baseline_proba",
]

_CONTEXT = ("<s>",) + tuple(ALPHABET)  # context ids of a LetterTrigram: 0 is the padding <s>, 1..26 are a..z
_NEXT = tuple(ALPHABET) + ("</s>",)  # predicted ids: 0..25 are a..z, 26 is the word's end </s>
_READS = ("left", "right", "both")


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


__all__ += [
    "SmudgeData",
    "smudge_data",
    "ReaderRun",
    "train_reader",
    "train_readers",
    "reader_proba",
    "reader_name",
    "smudge_rows",
    "smudge_conditions",
    "context_summary",
    "reader_top_letters",
    "reader_models",
    "read_both_ways",
    "top_letters_table",
]

_PARTS = ("train", "validation", "test")
_SIDES = {"left": "left", "right": "right", "both": "both sides"}  # reads -> the table's wording


class SmudgeData(NamedTuple):
    """The lexicon's words split three ways, and every (word, blank position) example of each part."""

    parts: dict  # {"train": WordSet, "validation": WordSet, "test": WordSet}
    examples: dict  # {"train": SmudgedWords, ...}: every position of every word (smudge_words(..., "all"))
    split: str  # "family" or "random"
    seed: int  # seed of the split


def smudge_data(split="family", seed=0):
    """The smudged-letter examples: every letter of every word of each part, blanked in turn.

    Parameters
    ----------
    split : {"family", "random"}
        :func:`rnnlib.data.split_by_family` (no word family on two sides: a test word's relatives,
        such as "happy" and "unhappy", are never trained on) or :func:`rnnlib.data.split_random`.
    seed : int
        Seed of the split.

    Returns
    -------
    SmudgeData
        ``examples[part]`` is :func:`rnnlib.data.smudge_words` ``(words, positions="all")``: a
        word of ℓ letters gives ℓ examples, the blank at t = 1..ℓ.
    """
    parts = split_parts(split, seed)
    examples = {name: smudge_words(part.words, positions="all") for name, part in parts.items()}
    return SmudgeData(parts, examples, split, seed)


class ReaderRun(NamedTuple):
    """A trained :class:`~rnnlib.model.BlankReader`, its validation curve and its accuracy."""

    model: BlankReader  # with the weights of the best validation epoch (or the last)
    history: object  # rnnlib.train.History
    val_accuracy: tuple  # accuracy at the validation blanks after each epoch
    best_epoch: int  # 1-based epoch of the lowest validation loss
    accuracy: dict  # {"validation", "test"}: accuracy at the blanks with the kept weights
    settings: dict  # everything needed to state the conditions


def train_reader(reads="both", cell="rnn", hidden_size=32, epochs=2, lr=1e-2, batch_size=128, clip=5.0, seed=0,
                 keep_best=True, data=None):
    r"""Train one :class:`~rnnlib.model.BlankReader` on every blank of the training words.

    Parameters
    ----------
    reads : {"left", "right", "both"}
        Left context only (a forward reader), right context only (a backward reader), or both
        (a bidirectional reader: the two states at the blank joined).
    cell : {"rnn", "lstm", "gru"}
    hidden_size, epochs, batch_size : int
        H of each reader (the "both" reader has two), passes over the training examples, batch size.
    lr, clip : float
        Adam's learning rate; the global gradient norm is clipped to ``clip``.
    seed : int
        Seeds the weights and the shuffling.
    keep_best : bool
        Keep the weights of the epoch with the lowest validation loss (chosen on the validation
        words, never on the test words); else the last epoch's.
    data : SmudgeData, optional
        By default :func:`smudge_data` ``("family", seed=0)``.

    Returns
    -------
    ReaderRun

    Notes
    -----
    One example is a word with its letter at step p replaced by the blank, and the loss is the
    cross-entropy of the true letter :math:`y` at the blank:

    .. math:: s = [\overrightarrow{h}_p ; \overleftarrow{h}_p]\, W_y + b_y, \qquad
              \hat y = \mathrm{softmax}(s), \qquad L = -\frac{1}{N} \sum_n \log \hat y_n[y_n]

    (only :math:`\overrightarrow{h}_p` for "left", only :math:`\overleftarrow{h}_p` for "right").
    One loop, :func:`rnnlib.train.train`, with the blank's step and the word's length as
    per-example extras.
    """
    data = smudge_data() if data is None else data
    if not isinstance(data, SmudgeData):
        raise ValueError(f"data must be a SmudgeData (see smudge_data); got {type(data).__name__}")
    epochs = check_dim("epochs", epochs)
    model = BlankReader(hidden_size, cell=cell, reads=reads, seed=seed)
    tr, va = data.examples["train"], data.examples["validation"]
    keeper = _KeepBest(model)
    history = train(model, tr.x, tr.target, extras=tr.extras(), epochs=epochs, batch_size=batch_size,
                    optimizer="adam", lr=lr, clip=clip, seed=seed, val=(va.x, va.target, va.extras()),
                    callbacks=(keeper,))
    if keep_best:
        model.params.update(keeper.params)
    accuracy = {part: model.accuracy(ex.x, ex.target, ex.lengths, ex.position)
                for part, ex in data.examples.items() if part != "train"}
    settings = {"reads": reads, "cell": cell, "hidden_size": hidden_size, "epochs": epochs,
                "kept_epoch": keeper.epoch if keep_best else epochs, "optimizer": "adam", "lr": lr,
                "batch_size": batch_size, "clip": clip, "seed": seed, "n_parameters": model.n_parameters,
                "split": data.split, "split_seed": data.seed, "n_words": {p: len(data.parts[p]) for p in _PARTS},
                "n_examples": {p: len(data.examples[p]) for p in _PARTS}}
    return ReaderRun(model, history, tuple(history.val_accuracy), keeper.epoch, accuracy, settings)


def train_readers(reads=READS, cell="rnn", data=None, **settings):
    """Train the left, right and both-sides readers under the same settings (see :func:`train_reader`).

    Returns
    -------
    dict of str to ReaderRun
        Keyed by ``reads``.
    """
    if isinstance(reads, str):
        reads = (reads,)
    data = smudge_data() if data is None else data
    return {r: train_reader(r, cell=cell, data=data, **settings) for r in reads}


def reader_name(run):
    """The table's name of a reader: ``"RNN, left"``, ``"GRU, both sides"``, ..."""
    return f"{run.settings['cell'].upper()}, {_SIDES[run.settings['reads']]}"


def reader_proba(run, examples):
    """A trained reader's letter probabilities at the blanks of ``examples`` (a SmudgedWords), (N, 26)."""
    return run.model.predict_proba(examples.x, examples.lengths, examples.position)


def smudge_rows(data, runs=None, baselines=None, part="test"):
    """The accuracy table's rows: the baselines, then the readers, on one part's blanks.

    Parameters
    ----------
    data : SmudgeData
    runs : dict of str to ReaderRun, optional
        For example :func:`train_readers`'s result (several cells: merge their dicts under
        distinct keys).
    baselines : Baselines, optional
        By default :func:`fit_baselines` on the training words (Witten-Bell trigrams).
    part : {"validation", "test"}

    Returns
    -------
    list of AccuracyRow
        Every row scores exactly the same examples: every letter of every word of ``part``.
    """
    if part not in ("validation", "test"):
        raise ValueError(f"part must be 'validation' or 'test' (held-out words); got {part!r}")
    for run in (runs or {}).values():
        st = run.settings
        if (st["split"], st["split_seed"]) != (data.split, data.seed):
            raise ValueError(f"reader {reader_name(run)!r} was trained on the {st['split']} split (seed "
                             f"{st['split_seed']}); data is the {data.split} split (seed {data.seed})")
    ex = data.examples[part]
    baselines = fit_baselines(data.parts["train"].words) if baselines is None else baselines
    probas = baseline_proba(baselines, ex.word, ex.position)
    method = baselines.settings["method"]
    smoothing = "Witten-Bell" if method == "witten_bell" else f"add-α, α = {baselines.settings['alpha']:g}"
    notes = {BASELINE_NAMES[0]: "letter frequencies of the training words",
             **{name: f"nltk.lm trigram, {smoothing}" for name in BASELINE_NAMES[1:]}}
    for run in (runs or {}).values():
        name = reader_name(run)
        if name in probas:
            raise ValueError(f"runs hold two readers named {name!r}; give one run per cell and reading direction")
        st = run.settings
        probas[name] = reader_proba(run, ex)
        notes[name] = (f"H = {st['hidden_size']}{' x 2' if st['reads'] == 'both' else ''}, "
                       f"{st['n_parameters']} parameters, epoch {st['kept_epoch']} of {st['epochs']}")
    return accuracy_rows(probas, ex.target, ex.position_class, notes)


def smudge_conditions(data, runs=None, part="test"):
    """The conditions line of the accuracy table: split, sizes, what is scored, the readers' settings."""
    n = {p: len(data.parts[p]) for p in _PARTS}
    e = {p: len(data.examples[p]) for p in _PARTS}
    cond = (f"conditions: {data.split} split (seed {data.seed}) of the lexicon's {sum(n.values())} words: train "
            f"{n['train']} words ({e['train']} blanks), validation {n['validation']} ({e['validation']}), test "
            f"{n['test']} ({e['test']}); scored: every letter of every {part} word blanked in turn, the guess "
            f"is the most probable letter")
    if runs:
        st = next(iter(runs.values())).settings
        cond += (f"; readers: Adam lr {st['lr']:g}, batch {st['batch_size']}, clip {st['clip']:g}, "
                 f"{st['epochs']} epochs, seed {st['seed']}, weights of the epoch with the lowest validation loss")
    return cond


def context_summary(rows):
    """What the table says about context: per family of guessers, left, right and both, by position.

    Parameters
    ----------
    rows : list of AccuracyRow
        From :func:`smudge_rows`: families are the names' part before the comma ("trigram",
        "RNN", ...) with the three rows ``"<family>, left"``, ``", right"``, ``", both sides"``.

    Returns
    -------
    str
        One sentence per family: the accuracy of both sides against the better single side,
        overall and at each position class, with the points gained (or lost: said as such).
    """
    by_name = {r.name: r for r in rows}
    families = [r.name.split(", ")[0] for r in rows if r.name.endswith(", both sides")]
    if not families:
        raise ValueError("rows must hold at least one '<family>, both sides' row (see smudge_rows)")
    sentences = []
    for fam in families:
        sides = [by_name.get(f"{fam}, {s}") for s in ("left", "right")]
        if any(s is None for s in sides):
            raise ValueError(f"rows must hold '{fam}, left' and '{fam}, right' beside '{fam}, both sides'")
        both = by_name[f"{fam}, both sides"]
        parts = []
        for where in ("all",) + POSITION_CLASSES:
            best = max(sides, key=lambda r, w=where: _acc(r, w))
            gain = 100 * (_acc(both, where) - _acc(best, where))
            verb = f"{gain:+.1f} points" if abs(gain) >= 0.05 else "no gain"
            label = "overall" if where == "all" else f"at the {where} letter"
            parts.append(f"{label} {100 * _acc(both, where):.1f}% against {100 * _acc(best, where):.1f}% from the "
                         f"{best.name.split(', ')[1]} ({verb})")
        sentences.append(f"{fam}, both sides: " + "; ".join(parts) + ".")
    return " ".join(sentences)


def _acc(row, where):
    return row.accuracy if where == "all" else row.by_position[where]


def reader_top_letters(run, word_with_blank, k=5):
    """The ``k`` letters a trained reader finds likeliest for the blank of a typed word such as ``"h_ppy"``.

    Returns
    -------
    list of (str, float)
        ``(letter, probability)``, likeliest first (:meth:`rnnlib.model.BlankReader.top_letters`).
    """
    return run.model.top_letters(word_with_blank, k=k)


def reader_models(readers):
    """The three BlankReaders of ``readers`` (models, or runs holding one in ``.model``), checked.

    Parameters
    ----------
    readers : dict of str to BlankReader or ReaderRun
        Exactly the keys ``"left"``, ``"right"``, ``"both"``, each reading that way.

    Returns
    -------
    dict of str to BlankReader
    """
    if not isinstance(readers, dict) or set(readers) != set(READS):
        raise ValueError(f"readers must be a dict with the keys {READS}; got "
                         f"{sorted(readers) if isinstance(readers, dict) else type(readers).__name__}")
    models = {}
    for name in READS:
        model = readers[name] if isinstance(readers[name], BlankReader) else getattr(readers[name], "model", None)
        if not isinstance(model, BlankReader):
            raise ValueError(f"readers[{name!r}] must be a BlankReader (or a run with one in .model); "
                             f"got {type(readers[name]).__name__}")
        if model.reads != name:
            raise ValueError(f"readers[{name!r}] must read {name!r} (BlankReader(reads={name!r})); "
                             f"got reads={model.reads!r}")
        models[name] = model
    return models


def read_both_ways(readers, word_with_blank):
    """What the three readers make of one typed word such as ``"pe_ce"``.

    Parameters
    ----------
    readers : dict of str to BlankReader or ReaderRun
        ``"left"``, ``"right"``, ``"both"`` (see :func:`reader_models`).
    word_with_blank : str
        Letters a-z with exactly one ``"_"`` (see :func:`rnnlib.data.encode_smudged`).

    Returns
    -------
    dict
        ``word``; ``p``, the blank's step; ``states``: the "both" reader's forward and backward
        states, ``"fwd"`` and ``"bwd"``, each (T, H) with row t - 1 for step t; ``probs``: each
        reader's probabilities of the 26 letters at the blank, (26,).
    """
    models = reader_models(readers)
    x, lengths, position = encode_smudged(word_with_blank, name="word")
    states = {r: s[0] for r, s in models["both"].states(x, lengths).items()}  # (T, H) each
    probs = {r: m.predict_proba(x, lengths, position)[0] for r, m in models.items()}  # (26,) each
    return {"word": word_with_blank, "p": int(position[0]), "states": states, "probs": probs}


def top_letters_table(runs, word_with_blank, k=5):
    """One line per reader: its ``k`` likeliest letters for the blank, with their probabilities.

    Returns
    -------
    str
        For example ``"RNN, left        a 0.31  e 0.20  ..."``.
    """
    width = max(len(reader_name(r)) for r in runs.values())
    lines = [f"{word_with_blank}: the {k} likeliest letters of each reader"]
    for run in runs.values():
        tops = reader_top_letters(run, word_with_blank, k)
        lines.append(f"{reader_name(run):<{width}}  " + "  ".join(f"{c} {p:.2f}" for c, p in tops))
    return "\n".join(lines)


__all__ += [
    "save_smudged_results",
    "load_smudged_results",
    "smudged_cells_rows",
    "smudged_cells_conditions",
    "smudged_cells_table",
]

_CELL_ORDER = ("rnn", "gru", "lstm")


def save_smudged_results(path, results):
    """Write the committed run of the readers, cell against cell (``meta``, ``baselines``, ``records``) as JSON."""
    missing = sorted({"meta", "baselines", "records"} - set(results))
    if missing:
        raise ValueError(f"results must have the keys meta, baselines and records; missing {missing}")
    Path(path).write_text(json.dumps(results, indent=1) + "\n")


def load_smudged_results(path=None):
    """Read the readers' test accuracy per cell, direction and seed (default: the committed
    ``rnnlib/results/smudged_letter.json``, written by ``experiments/smudged_letter_seeds.py --save``).

    Returns
    -------
    dict
        ``meta`` (every condition), ``baselines`` (the baselines' rows on the same test blanks) and
        ``records`` (one per cell, reading direction and seed: ``accuracy``, ``by_position``,
        ``best_epoch``, ``n_parameters``, ``cpu_seconds``, ...).
    """
    if path is None:
        text = importlib.resources.files("rnnlib").joinpath("results", "smudged_letter.json").read_text()
        return json.loads(text)
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no smudged-letter results at {path}: run "
                                f"`python experiments/smudged_letter_seeds.py --save --out {path}`")
    return json.loads(path.read_text())


def smudged_cells_rows(results=None, cells=None, baselines=True):
    """The committed run as accuracy rows: the baselines, then each cell's left, right and both-sides reader.

    Parameters
    ----------
    results : dict, optional
        :func:`load_smudged_results`'s (by default the committed run).
    cells : sequence of {"rnn", "gru", "lstm"}, optional
        Which cells (default: every cell in the results), in the order RNN, GRU, LSTM.
    baselines : bool
        Put the baselines' rows (scored on the same test blanks) first.

    Returns
    -------
    list of AccuracyRow
        A reader's row holds the mean over its seeds (overall and by position); its note gives
        each seed's overall accuracy, the parameters, the epochs kept and the median CPU seconds
        of training. The rows work with :func:`accuracy_table` and :func:`context_summary`.
    """
    results = load_smudged_results() if results is None else results
    records = results["records"]
    if not records:
        raise ValueError("results must hold at least one record; got none")
    present = [c for c in _CELL_ORDER if any(r["cell"] == c for r in records)]
    if cells is None:
        cells = present
    else:
        cells = [cells] if isinstance(cells, str) else list(cells)
        absent = [c for c in cells if c not in present]
        if absent:
            raise ValueError(f"cells must be among those in the results, {present}; got {absent}")
        cells = [c for c in _CELL_ORDER if c in cells]
    m = results["meta"]
    n = {"all": m["n_examples"]["test"], **m["n_test_by_position"]}
    rows = [AccuracyRow(b["name"], b["accuracy"], b["by_position"], n, b["note"])
            for b in (results["baselines"] if baselines else [])]
    for cell in cells:
        for reads in _READS:
            runs = sorted((r for r in records if r["cell"] == cell and r["reads"] == reads), key=lambda r: r["seed"])
            if not runs:
                continue
            by = {c: float(np.mean([r["by_position"][c] for r in runs])) for c in POSITION_CLASSES}
            seeds = (f"seeds {', '.join(str(r['seed']) for r in runs)}: "
                     + " / ".join(f"{100 * r['accuracy']:.1f}" for r in runs) + "%" if len(runs) > 1
                     else f"seed {runs[0]['seed']} only")
            r0 = runs[0]
            note = (f"{seeds}; H = {r0['hidden_size']}{' x 2' if reads == 'both' else ''}, {r0['n_parameters']} "
                    f"parameters, epoch kept {' '.join(str(r['best_epoch']) for r in runs)} of {r0['epochs']}, "
                    f"{np.median([r['cpu_seconds'] for r in runs]):.0f} s CPU")
            rows.append(AccuracyRow(f"{cell.upper()}, {_SIDES[reads]}",
                                    float(np.mean([r["accuracy"] for r in runs])), by, n, note))
    return rows


def smudged_cells_conditions(results=None):
    """The conditions of the committed run, one paragraph (from its ``meta`` block)."""
    results = load_smudged_results() if results is None else results
    m = results["meta"]
    w, e = m["n_words"], m["n_examples"]
    done = "" if m["complete"] else " The run stopped before the planned grid was done."
    return (f"conditions: {m['split']} split (seed {m['split_seed']}) of the lexicon's {sum(w.values())} words: "
            f"train {w['train']} words ({e['train']} blanks), validation {w['validation']} ({e['validation']}), "
            f"test {w['test']} ({e['test']}); scored: {m['scored']}. The same budget for every cell: H = "
            f"{m['hidden_size']} per direction, Adam lr {m['lr']:g}, batch {m['batch_size']}, clip {m['clip']:g}, "
            f"{m['epochs']} epochs, {m['keep_best']}; a reader's row is the mean over its seeds (seeds set the "
            f"initial weights and the shuffling), the split is the same for all.{done} CPU: {m['cpu']}, on "
            f"{m['machine']}.")


def smudged_cells_table(results=None, cells=None, baselines=True):
    """The committed run as a text table (:func:`accuracy_table` of :func:`smudged_cells_rows`) with its conditions.

    Returns
    -------
    str
    """
    results = load_smudged_results() if results is None else results
    return accuracy_table(smudged_cells_rows(results, cells, baselines), smudged_cells_conditions(results))


# === 3-4. the GRU beside the LSTM and the RNN: parameter counts, live values, the lag sweep's GRU rows (helper H3) ===

__all__ += [
    "GRU_BLOCKS",
    "GRU_EXAMPLE",
    "gru_step_values",
    "CELL_BLOCKS",
    "ParameterCount",
    "parameter_counts",
    "parameter_table",
    "GRU_SWEEP_KEYS",
    "THREE_CELL_KEYS",
    "GRUSweepReport",
    "gru_sweep_report",
]

GRU_BLOCKS = {"r": 0, "z": 1, "n": 2}  # column of each block in a one-unit GRU (H = 1), PyTorch's order

# The worked example of the GRU cell figure and the default state of its explorer: the LSTM's example
# (rnnlib.lessons.lstm_cell.CELL_EXAMPLE: x = 1, h_prev = 0.2, input weights 1, recurrent 0.5) without
# the cell state; biases 0 on the recurrent side, and b_xz = 1 leans the update gate towards keeping h.
GRU_EXAMPLE = {"x": 1.0, "h_prev": 0.2, "Wx": (1.0, 1.0, 1.0), "Wh": (0.5, 0.5, 0.5), "bx": (-0.5, 1.0, 0.0),
               "bh": (0.0, 0.0, 0.0)}


def gru_step_values(x=1.0, h_prev=0.2, Wx=(1.0, 1.0, 1.0), Wh=(0.5, 0.5, 0.5), bx=(-0.5, 1.0, 0.0),
                    bh=(0.0, 0.0, 0.0)):
    r"""One step of a one-unit GRU with one input feature, with every intermediate value.

    The defaults are the notebook's worked example, :data:`GRU_EXAMPLE`; the GRU's counterpart of
    :func:`rnnlib.lessons.lstm_cell.cell_step_values`.

    Parameters
    ----------
    x, h_prev : float
        The input :math:`x_t` and the previous hidden state :math:`h_{t-1}`.
    Wx : array_like, shape (3,)
        Input weights of the blocks, in the order r, z, n (a (1, 3) matrix for D = H = 1).
    Wh : array_like, shape (3,)
        Recurrent weights, order r, z, n.
    bx, bh : array_like, shape (3,)
        Input-side and recurrent-side biases, order r, z, n (PyTorch's ``bias_ih``, ``bias_hh``).

    Returns
    -------
    dict of str to float
        ``x``, ``h_prev``; the input parts ``ax_r``, ``ax_z``, ``ax_n`` (:math:`x_t W_x + b_x`) and the
        recurrent parts ``ah_r``, ``ah_z``, ``ah_n`` (:math:`h_{t-1} W_h + b_h`) of each block; the
        pre-activations ``a_r``, ``a_z`` (the sums) and ``a_n`` (``ax_n + r * ah_n``); the gates
        ``r``, ``z`` and the candidate ``n``; ``r_ah_n`` (r * ah_n, what the reset gate lets through),
        ``one_minus_z``, ``new_part`` ((1 - z) * n), ``kept_part`` (z * h_prev) and ``h``.

    Notes
    -----
    Computed by :func:`rnnlib.gru.gru_step_forward` with N = D = H = 1:

    .. math::
        r &= \sigma(x_t W_{xr} + b_{xr} + h_{t-1} W_{hr} + b_{hr}) \\
        z &= \sigma(x_t W_{xz} + b_{xz} + h_{t-1} W_{hz} + b_{hz}) \\
        n &= \tanh\big(x_t W_{xn} + b_{xn} + r \odot (h_{t-1} W_{hn} + b_{hn})\big) \\
        h_t &= (1 - z) \odot n + z \odot h_{t-1}
    """
    x = _scalar("x", x)
    h_prev = _scalar("h_prev", h_prev)
    Wx = as_array("Wx", Wx, (3,))
    Wh = as_array("Wh", Wh, (3,))
    bx = as_array("bx", bx, (3,))
    bh = as_array("bh", bh, (3,))
    ax = x * Wx + bx  # (3,) input parts r, z, n
    ah = h_prev * Wh + bh  # (3,) recurrent parts r, z, n
    h, cache = gru_step_forward([[x]], [[h_prev]], Wx[None, :], Wh[None, :], bx, bh)
    values = {"x": x, "h_prev": h_prev}
    values.update({f"ax_{name}": float(ax[k]) for name, k in GRU_BLOCKS.items()})
    values.update({f"ah_{name}": float(ah[k]) for name, k in GRU_BLOCKS.items()})
    r, z, n = (float(getattr(cache, name)[0, 0]) for name in GRU_BLOCKS)
    values["a_r"] = values["ax_r"] + values["ah_r"]
    values["a_z"] = values["ax_z"] + values["ah_z"]
    values["a_n"] = values["ax_n"] + r * values["ah_n"]
    values.update({"r": r, "z": z, "n": n})
    values["r_ah_n"] = r * values["ah_n"]
    values["one_minus_z"] = 1.0 - z
    values["new_part"] = (1.0 - z) * n
    values["kept_part"] = z * h_prev
    values["h"] = float(h[0, 0])
    return values


CELL_BLOCKS = {"rnn": 1, "gru": 3, "lstm": 4}  # blocks of H columns in W_x and W_h (rnnlib.model.BLOCKS)


class ParameterCount(NamedTuple):
    """How many trainable numbers a cell has, by part (:func:`parameter_counts`)."""

    cell: str  # "rnn", "gru" or "lstm"
    Wx: int  # D * kH
    Wh: int  # H * kH
    biases: int  # kH (RNN, LSTM: one bias b) or 2 * 3H (GRU: bx and bh)
    readout: int  # H * C + C (W_y, b_y); 0 without a read-out
    formula: str  # the cell's count in D and H

    @property
    def recurrent(self):
        """The cell alone: W_x, W_h and the biases."""
        return self.Wx + self.Wh + self.biases

    @property
    def total(self):
        """The cell and its read-out."""
        return self.recurrent + self.readout


def parameter_counts(D, H, C=0):
    r"""Trainable numbers of an RNN, a GRU and an LSTM cell of the same sizes, and of their read-out.

    Parameters
    ----------
    D : int
        Input features.
    H : int
        Hidden size.
    C : int
        Outputs of the affine read-out :math:`s = h W_y + b_y` (classes or letters); 0: the cell
        alone.

    Returns
    -------
    dict of str to ParameterCount
        Keys ``"rnn"``, ``"gru"``, ``"lstm"``.

    Notes
    -----
    A cell with k blocks of H columns (RNN 1; GRU 3: r, z, n; LSTM 4: i, f, g, o) has
    :math:`W_x` (D, kH) and :math:`W_h` (H, kH):

    .. math::
        \text{RNN: } H(D + H + 1), \qquad \text{GRU: } 3H(D + H + 2), \qquad \text{LSTM: } 4H(D + H + 1).

    The GRU's two biases (:math:`b_x` and :math:`b_h`, as PyTorch's ``bias_ih`` and ``bias_hh``; the
    reset gate scales :math:`h_{t-1} W_{hn} + b_{hn}`, bias included, so they are not redundant)
    count 6H. A read-out adds :math:`HC + C` to each.
    """
    D = check_dim("D", D)
    H = check_dim("H", H)
    C = check_dim("C", C, lo=0)
    formulas = {"rnn": "H(D + H + 1)", "gru": "3H(D + H + 2)", "lstm": "4H(D + H + 1)"}
    out = {}
    for cell, k in CELL_BLOCKS.items():
        biases = 2 * k * H if cell == "gru" else k * H
        out[cell] = ParameterCount(cell, D * k * H, H * k * H, biases, H * C + C if C else 0, formulas[cell])
    return out


def parameter_table(D, H, C=0):
    """:func:`parameter_counts` as a text table: each part, the cell, the total and the ratio to the RNN.

    Returns
    -------
    str
        One line per cell (RNN, GRU, LSTM), then a line stating D, H and C.
    """
    counts = parameter_counts(D, H, C)
    rnn = counts["rnn"].recurrent
    head = f"{'cell':<5} {'W_x':>7} {'W_h':>7} {'biases':>7} {'cell':>8}  {'formula':<14}"
    head += f" {'read-out':>8} {'total':>8}" if C else ""
    lines = [head + "  cell/RNN"]
    for c in counts.values():
        line = (f"{c.cell.upper():<5} {c.Wx:>7,d} {c.Wh:>7,d} {c.biases:>7,d} {c.recurrent:>8,d}  {c.formula:<14}")
        line += f" {c.readout:>8,d} {c.total:>8,d}" if C else ""
        lines.append(line + f"  {c.recurrent / rnn:.2f}")
    readout = f", read-out to C = {C} output{'s' if C > 1 else ''}" if C else ", no read-out"
    lines.append(f"D = {D} input features, H = {H} hidden units{readout}; cell/RNN: the cell's count over the RNN's")
    return "\n".join(lines)


GRU_SWEEP_KEYS = ("gru_sgd", "gru_sgd_rec", "gru_adam", "gru_adam_rec")  # the GRU rows of the lag sweep
_SETTINGS = ("sgd", "sgd_rec", "adam", "adam_rec")
# The lag sweep's rows, setting by setting: RNN, LSTM, GRU under the same optimiser and initialisation kind.
THREE_CELL_KEYS = tuple(f"{cell}_{setting}" for setting in _SETTINGS for cell in ("rnn", "lstm", "gru"))


class GRUSweepReport(NamedTuple):
    """The lag sweep with its GRU rows, as text for notebook 08 (:func:`gru_sweep_report`)."""

    conditions: str  # one line per configuration (vanishing_gradient.conditions_table)
    accuracy: str  # mean test accuracy (seeds solved / seeds) per lag, RNN / LSTM / GRU per setting
    steps: str  # median steps to solve
    gru_vs_lstm: str  # vanishing_gradient.cell_comparison, setting by setting
    gru_vs_rnn: str
    sentences: tuple  # vanishing_gradient.describe_config of each GRU row
    reach: dict  # {key: the longest lag up to which every tested lag was solved by all seeds (or None)}
    meta: dict  # how the GRU rows were run (the sweep's meta["added"] entry): seconds, workers, command


def gru_sweep_report(sweep=None):
    """The committed lag sweep's GRU rows beside the RNN and LSTM rows of the same settings.

    Parameters
    ----------
    sweep : dict, optional
        From :func:`rnnlib.lessons.vanishing_gradient.load_sweep` (default: the committed sweep).

    Returns
    -------
    GRUSweepReport
        Built with notebook 04's table functions (``conditions_table``, ``sweep_table``,
        ``cell_comparison``, ``describe_config``, ``reliable_up_to``) on :data:`THREE_CELL_KEYS`.
    """
    sweep = load_sweep() if sweep is None else sweep
    missing = [k for k in THREE_CELL_KEYS if k not in sweep["configs"]]
    if missing:
        raise ValueError(f"sweep must hold the RNN, LSTM and GRU rows {THREE_CELL_KEYS}; missing {missing}")
    summary = summarise([r for r in sweep["records"] if r["config"] in THREE_CELL_KEYS])
    names = {key: sweep["configs"][key]["name"] for key in THREE_CELL_KEYS}
    added = [a for a in sweep["meta"].get("added", []) if set(GRU_SWEEP_KEYS) <= set(a["keys"])]
    return GRUSweepReport(
        conditions=conditions_table(sweep["configs"], THREE_CELL_KEYS),
        accuracy=sweep_table(summary, names, keys=THREE_CELL_KEYS),
        steps=sweep_table(summary, names, keys=THREE_CELL_KEYS, steps=True),
        gru_vs_lstm=cell_comparison(summary, names, cells=("lstm", "gru"), settings=_SETTINGS),
        gru_vs_rnn=cell_comparison(summary, names, cells=("rnn", "gru"), settings=_SETTINGS),
        sentences=tuple(describe_config(summary, key, names[key]) for key in GRU_SWEEP_KEYS),
        reach={key: reliable_up_to(summary, key) for key in THREE_CELL_KEYS},
        meta=added[-1] if added else {},
    )
