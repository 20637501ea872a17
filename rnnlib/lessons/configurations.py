r"""The essay's other configurations, a character-level language model that writes words, and
truncated backpropagation through time: the numbers behind notebook 07.

(Module docstring to be completed: one bullet per public function, as in the other chapters.)

* the configurations (:data:`CONFIGURATIONS`): for a configuration and a word, which steps read
  an input, which produce an output, what sets h_0 and which steps carry a loss term
  (:func:`configuration_steps`, a :class:`ConfigurationSteps`);
* the character language model on the lexicon's words: the split and its teacher-forcing arrays
  (:func:`lm_data`, an :class:`LMData`), training with the weights of the best validation epoch
  kept (:func:`train_language_model`, a :class:`LanguageModelRun`; :func:`curve_text`);
* writing words: n words side by side from one seeded Generator (:func:`write_words`,
  :func:`sample_lists`); where they come from, copied, real but unseen, or new
  (:func:`lexicon_words`, :func:`word_origins`, :func:`origins_rows`, :func:`origins_table`);
  conditional generation, the label setting h_0: held-out words under the right and the wrong
  label (:func:`condition_cross_entropy`, :func:`condition_table`) and words written under each
  label (:func:`condition_samples`);
* honest evaluation against ``nltk.lm`` character n-grams scoring exactly the same events (every
  letter and ``<end>`` of each held-out word: :func:`ngram_events`, :func:`fit_ngram`,
  :func:`ngram_cross_entropy`, :func:`choose_add_alpha`, :data:`UNIFORM_CE`), the table and its
  sentence (:func:`evaluation_rows`, an :class:`EvalRow`; :func:`evaluation_table`,
  :func:`trigram_sentence`);
* truncated backpropagation through time (min-char-rnn's way of reading one long text): the words
  as one stream (:func:`word_stream`, :func:`stream_symbols`) cut into N parallel rows
  (:func:`stream_rows`); training with the state carried across chunks and the gradient cut every
  k steps (:func:`train_truncated`, a :class:`TruncatedRun`; :func:`held_out_cross_entropy`); where
  the gradient of one step's loss stops, full against truncated (:func:`gradient_reach`, a
  :class:`GradientReach`); the sweep over k behind ``experiments/truncated_bptt.py``
  (:func:`truncated_sweep`, :func:`save_truncated_results`) and its committed results
  (:func:`load_truncated_results`, :func:`summarise_truncated`, :func:`truncated_conditions`,
  :func:`truncated_table`);
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.resources
import json
import time
import typing
from pathlib import Path

import numpy as np

from .._validate import check_dim
from ..activations import softmax
from ..data import (
    ALPHABET,
    END,
    LM_SYMBOLS,
    START,
    check_word,
    decode_lm_ids,
    encode_lm_words,
    load_vader_lexicon,
    split_by_family,
    split_random,
    word_sentiment_data,
)
from ..losses import per_letter_cross_entropy
from ..model import CharLanguageModel
from ..optim import Adam, clip_grad_norm
from ..rnn import rnn_forward
from ..sample import sample_next
from ..train import Callback, progress_bar, train
from .unrolled_many_to_one import step_gradients

__all__ = []

# === 1-4. configurations; the language model, sampling, evaluation (helper A1) ===

__all__ += [
    "CONFIGURATIONS",
    "ConfigurationSteps",
    "configuration_steps",
]

CONFIGURATIONS = ("one_to_one", "many_to_one", "one_to_many", "many_to_many", "encoder_decoder")

_TITLES = {
    "one_to_one": "one-to-one",
    "many_to_one": "many-to-one",
    "one_to_many": "one-to-many",
    "many_to_many": "many-to-many (same length)",
    "encoder_decoder": "many-to-many (encoder-decoder)",
}
_TASKS = {
    "one_to_one": "sentiment of a word read as one bag of letters (a feed-forward net)",
    "many_to_one": "sentiment of a word (notebooks 03-06)",
    "one_to_many": "writing a word from its label (as captioning writes from an image)",
    "many_to_many": "predicting every next letter (the character language model)",
    "encoder_decoder": "spelling a word backwards (sequence to sequence, Sutskever et al. 2014)",
}
_LABEL_NAMES = {0: "negative", 1: "positive"}


@functools.lru_cache(maxsize=1)
def _lexicon_labels():
    """word -> "positive" / "negative" for the words of :func:`rnnlib.data.word_sentiment_data`."""
    data = word_sentiment_data()
    return {w: _LABEL_NAMES[int(y)] for w, y in zip(data.words, data.labels)}


@dataclasses.dataclass(frozen=True)
class ConfigurationSteps:
    """What each step t = 1..T of one configuration reads and produces, for one word.

    Attributes
    ----------
    name : str
        One of :data:`CONFIGURATIONS`.
    title : str
        For example ``"many-to-one"``.
    task : str
        The task this configuration does on the course's words.
    word : str
    label : str
        ``"positive"``, ``"negative"`` or ``"?"``.
    inputs : tuple
        One entry per step t = 1..T (``inputs[t-1]``): the symbol x_t read at step t (a letter,
        ``"<start>"``, or for one-to-one the whole word as one bag of letters), or None when the
        step reads nothing.
    outputs : tuple
        One entry per step: the target y_t the step is trained to produce, or None.
    initial : str
        What sets h_0: ``"0"`` or ``"label: positive"``.
    loss_terms : tuple of int
        The steps t (counted from 1) that carry a loss term.
    stages : tuple
        One entry per step: ``"encoder"`` or ``"decoder"`` for the encoder-decoder, None otherwise.
    summary : str
        One line that says it all.
    """

    name: str
    title: str
    task: str
    word: str
    label: str
    inputs: tuple
    outputs: tuple
    initial: str
    loss_terms: tuple
    stages: tuple
    summary: str

    @property
    def T(self):
        """Number of steps."""
        return len(self.inputs)


def _label_name(word, label):
    if label is None:
        return _lexicon_labels().get(word, "?")
    if isinstance(label, str) and label in ("positive", "negative", "?"):
        return label
    if isinstance(label, (int, np.integer)) and not isinstance(label, bool) and int(label) in _LABEL_NAMES:
        return _LABEL_NAMES[int(label)]
    raise ValueError(f"label must be None (look the word up in the lexicon), 'positive', 'negative', '?', "
                     f"0 or 1; got {label!r}")


def configuration_steps(name, word, label=None):
    r"""Which steps of a configuration read an input, which produce an output, and which carry a loss term.

    Parameters
    ----------
    name : str
        One of :data:`CONFIGURATIONS`: ``"one_to_one"``, ``"many_to_one"``, ``"one_to_many"``,
        ``"many_to_many"``, ``"encoder_decoder"``.
    word : str
        Lower-case letters a-z, :math:`w_1 \dots w_n`.
    label : {None, "positive", "negative", "?", 0, 1}
        The word's sentiment; None (default) looks it up in :func:`rnnlib.data.word_sentiment_data`
        (``"?"`` when the word is not there).

    Returns
    -------
    ConfigurationSteps

    Notes
    -----
    For a word of n letters (steps t = 1..T):

    * one-to-one: T = 1; the whole word as one fixed-size input (a bag of letters: 26 letter
      counts), one output, the label. A feed-forward net; an RNN with T = 1. 1 loss term.
    * many-to-one: x_t = w_t for t = 1..n; one output at t = n, the label. 1 loss term.
    * one-to-many: h_0 from the label (h_0 = onehot(label) W_c); inputs ``<start>``,
      w_1..w_n (the true letters when training: teacher forcing; the model's own previous
      letter when writing); outputs w_1..w_n, ``<end>``. T = n + 1, n + 1 loss terms.
    * many-to-many (same length), the character language model: h_0 = 0; the same inputs and
      outputs as one-to-many. n + 1 loss terms.
    * encoder-decoder: the encoder reads w_1..w_n (t = 1..n) and produces nothing; the decoder
      starts from the encoder's h_n and writes the word backwards, w_n..w_1, then ``<end>``,
      reading ``<start>`` and then its previous letter. T = 2n + 1; n + 1 loss terms, all on
      decoder steps (t = n + 1..2n + 1).
    """
    if name not in CONFIGURATIONS:
        raise ValueError(f"name must be one of {CONFIGURATIONS}; got {name!r}")
    word = check_word(word)
    label = _label_name(word, label)
    letters, n = tuple(word), len(word)
    initial, stages = "0", (None,) * (n + 1)
    if name == "one_to_one":
        inputs, outputs = (word,), (label,)
        summary = f"one input (the bag of letters of {word!r}), one output (the label {label!r}): T = 1"
    elif name == "many_to_one":
        inputs, outputs = letters, (None,) * (n - 1) + (label,)
        summary = f"reads {n} letters, answers once at t = {n}: the label {label!r}"
    elif name in ("one_to_many", "many_to_many"):
        inputs, outputs = ("<start>",) + letters, letters + ("<end>",)
        if name == "one_to_many":
            initial = f"label: {label}"
            summary = (f"h_0 from the label {label!r}, then writes {word!r} and <end>: "
                       f"{n + 1} outputs, each letter fed back in")
        else:
            summary = f"reads <start> and {n} letters, predicts each next letter and <end>: {n + 1} outputs"
    else:  # encoder_decoder
        backwards = letters[::-1]
        inputs = letters + ("<start>",) + backwards
        outputs = (None,) * n + backwards + ("<end>",)
        stages = ("encoder",) * n + ("decoder",) * (n + 1)
        summary = (f"the encoder reads {word!r} ({n} steps, no output); the decoder writes "
                   f"{word[::-1]!r} and <end> ({n + 1} steps)")
    if name != "encoder_decoder":
        stages = (None,) * len(inputs)
    loss_terms = tuple(t for t, y in enumerate(outputs, start=1) if y is not None)
    return ConfigurationSteps(name, _TITLES[name], _TASKS[name], word, label, tuple(inputs), tuple(outputs),
                              initial, loss_terms, stages, summary)



# --------------------------------------------------------------------------------------------
# 2. The character language model on the lexicon's words
# --------------------------------------------------------------------------------------------

__all__ += [
    "split_parts",
    "LMData",
    "lm_data",
    "LanguageModelRun",
    "train_language_model",
    "curve_text",
]

_PARTS = ("train", "validation", "test")
_SPLITTERS = {"family": split_by_family, "random": split_random}


class LMData(typing.NamedTuple):
    """The lexicon's words split three ways, with the teacher-forcing arrays of each part."""

    parts: dict  # {"train": WordSet, "validation": WordSet, "test": WordSet}
    arrays: dict  # {"train": (x, y, mask), ...}: see rnnlib.data.encode_lm_words
    split: str  # "family" or "random"
    seed: int

    def events(self, part):
        """Number of predicted symbols in a part: every letter of every word and its <end>."""
        return int(self.arrays[part][2].sum())


def split_parts(split="family", seed=0):
    """The word-sentiment lexicon split three ways: ``{"train": ..., "validation": ..., "test": ...}``.

    Parameters
    ----------
    split : {"family", "random"}
        :func:`rnnlib.data.split_by_family` or :func:`rnnlib.data.split_random`.
    seed : int
        Seed of the split.

    Returns
    -------
    dict of str to WordSet
    """
    if split not in _SPLITTERS:
        raise ValueError(f"split must be one of {sorted(_SPLITTERS)}; got {split!r}")
    return dict(zip(_PARTS, _SPLITTERS[split](word_sentiment_data(), seed=seed)))


def lm_data(split="family", seed=0):
    """The word-sentiment lexicon's words, split, encoded for a character language model.

    Parameters
    ----------
    split : {"family", "random"}
        :func:`rnnlib.data.split_by_family` (no word family on two sides: the honest split) or
        :func:`rnnlib.data.split_random`.
    seed : int
        Seed of the split.

    Returns
    -------
    LMData
        ``arrays[part]`` is ``(x, y, mask)`` of :func:`rnnlib.data.encode_lm_words`: read
        ``<start>`` + word, predict word + ``<end>``; x, y (N, T) ids, mask (N, T).
    """
    parts = split_parts(split, seed)
    arrays = {name: encode_lm_words(part.words) for name, part in parts.items()}
    return LMData(parts, arrays, split, seed)


class LanguageModelRun(typing.NamedTuple):
    """A trained character language model, its learning curve and its scores."""

    model: CharLanguageModel  # with the weights of the best validation epoch (or the last)
    history: object  # rnnlib.train.History
    val_curve: tuple  # per-letter cross-entropy (nats) on the validation words after each epoch
    best_epoch: int  # 1-based epoch of the lowest validation cross-entropy
    cross_entropy: dict  # {"train", "validation", "test"}: per-letter cross-entropy (nats) of `model`
    settings: dict  # everything needed to state the conditions


class _KeepBest(Callback):
    """Copy the parameters at the epoch of the lowest validation loss."""

    def __init__(self, model):
        self.model, self.best, self.params, self.epoch = model, np.inf, None, 0

    def on_epoch_end(self, info):
        if info["val_loss"] < self.best:
            self.best, self.epoch = info["val_loss"], info["epoch"] + 1
            self.params = {k: v.copy() for k, v in self.model.params.items()}


def _condition(data, part, n_conditions):
    return data.parts[part].labels.astype(np.intp) if n_conditions else None


def train_language_model(cell="rnn", hidden_size=64, epochs=8, lr=5e-3, batch_size=32, clip=5.0, seed=0,
                         n_conditions=0, keep_best=True, data=None):
    r"""Train a :class:`~rnnlib.model.CharLanguageModel` on the training words; score all three parts.

    Parameters
    ----------
    cell : {"rnn", "lstm"}
    hidden_size, epochs, batch_size : int
    lr, clip : float
        Adam's learning rate; the global gradient norm is clipped to ``clip``.
    seed : int
        Seeds the weights and the shuffling.
    n_conditions : {0, 2}
        2: the sentiment label (0 negative, 1 positive) sets h_0 = onehot(label) W_c, as an image
        does in captioning; 0: h_0 = 0.
    keep_best : bool
        Keep the weights of the epoch with the lowest validation loss (early stopping chosen on
        the validation words, never on the test words); else the last epoch's.
    data : LMData, optional
        By default :func:`lm_data` ``("family", seed=0)``.

    Returns
    -------
    LanguageModelRun

    Notes
    -----
    Teacher forcing: step t reads the true letter t - 1 (``<start>`` at t = 1), and the loss is

    .. math:: L = -\frac{1}{N} \sum_{n,t} m_{n,t} \log \hat y_{n,t}[y_{n,t}],
              \qquad \hat y_t = \mathrm{softmax}(h_t W_y + b_y)

    with the mask :math:`m_{n,t}` = 1 on a word's real steps. The per-letter cross-entropy is the
    same sum divided by the number of real steps instead of N.
    """
    data = lm_data() if data is None else data
    if n_conditions not in (0, 2):
        raise ValueError(f"n_conditions must be 0 (h_0 = 0) or 2 (the sentiment label sets h_0); got {n_conditions!r}")
    epochs = check_dim("epochs", epochs)
    model = CharLanguageModel(len(LM_SYMBOLS), hidden_size, cell=cell, seed=seed, n_conditions=n_conditions)
    extras = {}
    for part in _PARTS:
        x, y, mask = data.arrays[part]
        extras[part] = {"mask": mask}
        if n_conditions:
            extras[part]["condition"] = _condition(data, part, n_conditions)
    x, y, _ = data.arrays["train"]
    vx, vy, _ = data.arrays["validation"]
    keeper = _KeepBest(model)
    history = train(model, x, y, extras=extras["train"], epochs=epochs, batch_size=batch_size, optimizer="adam",
                    lr=lr, clip=clip, seed=seed, val=(vx, vy, extras["validation"]), callbacks=(keeper,))
    words_per_letter = len(vy) / data.events("validation")  # val_loss is summed per word / N
    curve = tuple(float(v * words_per_letter) for v in history.val_loss)
    if keep_best:
        model.params.update(keeper.params)
    best = keeper.epoch
    ce = {part: float(model.per_letter_cross_entropy(*data.arrays[part][:2], **extras[part])) for part in _PARTS}
    settings = {"cell": cell, "hidden_size": hidden_size, "epochs": epochs, "kept_epoch": best if keep_best else epochs,
                "optimizer": "adam", "lr": lr, "batch_size": batch_size, "clip": clip, "seed": seed,
                "n_conditions": n_conditions, "n_parameters": model.n_parameters, "split": data.split,
                "split_seed": data.seed, "n_words": {p: len(data.parts[p]) for p in _PARTS},
                "n_events": {p: data.events(p) for p in _PARTS}}
    return LanguageModelRun(model, history, curve, best, ce, settings)


def curve_text(run, name=None):
    """The validation curve of a :class:`LanguageModelRun`, one line, the best epoch marked.

    Returns
    -------
    str
        For example ``"RNN H=64: validation nats/letter by epoch 2.407 2.336 [2.291] 2.319 ..."``.
    """
    st = run.settings
    name = name or f"{st['cell'].upper()} H={st['hidden_size']}"
    values = " ".join(f"[{v:.3f}]" if e == run.best_epoch else f"{v:.3f}" for e, v in enumerate(run.val_curve, 1))
    return (f"{name}: validation cross-entropy (nats/letter) after epochs 1..{len(run.val_curve)}: {values}; "
            f"lowest after epoch {run.best_epoch}")


# --------------------------------------------------------------------------------------------
# 4. Evaluation: the networks against n-gram language models (nltk.lm)
# --------------------------------------------------------------------------------------------

__all__ += [
    "UNIFORM_CE",
    "ngram_events",
    "fit_ngram",
    "ngram_cross_entropy",
    "choose_add_alpha",
    "EvalRow",
    "evaluation_rows",
    "evaluation_table",
    "trigram_sentence",
]

UNIFORM_CE = float(np.log(27))  # a model that knows only that the next symbol is a-z or <end>
_BOS, _EOS = "<s>", "</s>"  # nltk.lm's padding symbols: <s> is our <start>, </s> our <end>
ADD_ALPHA_GRID = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)  # the smoothing constants alpha tried on validation


def ngram_events(words, order):
    """The scored events of an n-gram model: (context, symbol) for every letter of every word and its end.

    Parameters
    ----------
    words : sequence of str
    order : int
        n: the context is the n - 1 symbols before, padded with ``<s>`` at the start of the word.

    Returns
    -------
    list of (tuple of str, str)
        ``len(word) + 1`` events per word, exactly the steps the network's mask counts.
    """
    order = check_dim("order", order)
    events = []
    for n, w in enumerate(words):
        s = [_BOS] * (order - 1) + list(check_word(w, name=f"words[{n}]")) + [_EOS]
        events.extend((tuple(s[i - order + 1:i]), s[i]) for i in range(order - 1, len(s)))
    return events


def fit_ngram(words, order, method="add_alpha", alpha=0.1):
    r"""An nltk.lm character n-gram model fitted on ``words``.

    Parameters
    ----------
    words : sequence of str
    order : int
        n (1 unigram, 2 bigram, 3 trigram, ...).
    method : {"mle", "add_alpha", "witten_bell"}
        Maximum likelihood (no smoothing), add-alpha (``nltk.lm.Lidstone``; the usual name is add-k,
        but in notebook 07 k is the truncation length) or interpolated Witten-Bell
        (``nltk.lm.WittenBellInterpolated``).
    alpha : float
        The count added to every n-gram by add-alpha (alpha = 1 is Laplace smoothing).

    Returns
    -------
    nltk.lm.api.LanguageModel

    Notes
    -----
    Only the events the model is asked about are counted (each letter and ``</s>``, with its
    1..n-1 preceding symbols): no count of ``<s>`` as a symbol, so the unigram is a distribution
    over the 27 symbols a-z and ``</s>``. nltk's vocabulary still holds 29 symbols (those,
    ``<s>`` and ``<UNK>``), and add-alpha divides by ``count(context) + 29 alpha``:

    .. math:: P(w \mid u v) = \frac{c(u v w) + \alpha}{c(u v) + 29 \alpha}

    so two of the 29 shares go to symbols that never come next (``<s>``, ``<UNK>``): a small
    waste that the choice of alpha on the validation words takes into account.
    """
    from nltk.lm import MLE, Lidstone, WittenBellInterpolated  # a baseline library, loaded when used

    order = check_dim("order", order)
    methods = {"mle": MLE, "add_alpha": Lidstone, "witten_bell": WittenBellInterpolated}
    if method not in methods:
        raise ValueError(f"method must be one of {sorted(methods)}; got {method!r}")
    if method == "add_alpha" and not (isinstance(alpha, (int, float)) and np.isfinite(alpha) and alpha > 0):
        raise ValueError(f"alpha must be a positive number; got {alpha!r}")
    if isinstance(words, str):
        raise ValueError(f"words must be a sequence of words; got the single string {words!r}")
    vocab, counter = _ngram_counts(tuple(words), order)
    args = (alpha, order) if method == "add_alpha" else (order,)
    return methods[method](*args, vocabulary=vocab, counter=counter)


@functools.lru_cache(maxsize=8)
def _ngram_counts(words, order):
    """nltk's vocabulary and n-gram counts (orders 1..order) of the scored events of ``words``."""
    from nltk.lm import NgramCounter, Vocabulary

    counter = NgramCounter()  # every symbol is in the vocabulary, so no <UNK> lookup is needed
    counter.update([context[len(context) - j:] + (symbol,) for context, symbol in ngram_events([w], order)
                    for j in range(order)] for w in words)
    return Vocabulary(list(ALPHABET) + [_BOS, _EOS]), counter


def ngram_cross_entropy(lm, words):
    """Per-letter cross-entropy (nats) of an nltk.lm model on words, and the number of events scored.

    Returns
    -------
    ce : float
        Mean of ``-log P(symbol | context)`` over :func:`ngram_events` (inf if one is 0).
    n_events : int
    """
    events = ngram_events(words, lm.order)
    p = np.array([lm.score(symbol, context) for context, symbol in events])  # (n_events,)
    with np.errstate(divide="ignore"):
        return float(-np.mean(np.log(p))), len(events)


def choose_add_alpha(train_words, val_words, order, grid=ADD_ALPHA_GRID):
    """The smoothing constant alpha of add-alpha (add-k elsewhere) with the lowest validation cross-entropy.

    Returns
    -------
    alpha : float
    scores : dict of float to float
        Validation cross-entropy (nats/letter) for each alpha of the grid.
    """
    scores = {a: ngram_cross_entropy(fit_ngram(train_words, order, "add_alpha", a), val_words)[0] for a in grid}
    return min(scores, key=scores.get), scores


class EvalRow(typing.NamedTuple):
    """One line of the evaluation table: per-letter cross-entropy in nats on held-out words."""

    name: str
    validation: float
    test: float
    n_events: tuple  # (validation, test): symbols scored
    note: str  # how it was made (alpha, epochs, ...)

    @property
    def perplexity(self):
        """exp(test cross-entropy): as unsure as a uniform choice among this many symbols."""
        return float(np.exp(self.test))

    @property
    def bits(self):
        """Test cross-entropy in bits per letter."""
        return self.test / np.log(2)


def evaluation_rows(data, runs, grid=ADD_ALPHA_GRID):
    """The evaluation table's rows: uniform, unigram, bigram, trigram (add-α and Witten-Bell), the networks.

    Parameters
    ----------
    data : LMData
    runs : dict of str to LanguageModelRun
        For example ``{"RNN": rnn_run, "LSTM": lstm_run}`` (unconditioned models).
    grid : sequence of float
        The smoothing constants alpha of add-alpha tried on the validation words (bigram and trigram).

    Returns
    -------
    list of EvalRow
        Every row scores exactly the same events: each letter of each held-out word and its
        ``<end>``, given the start of the word.
    """
    tr, va, te = (data.parts[p].words for p in _PARTS)
    n_events = (data.events("validation"), data.events("test"))
    rows = [EvalRow("uniform over a-z and <end>", UNIFORM_CE, UNIFORM_CE, n_events, "log 27")]
    uni = fit_ngram(tr, 1, "mle")
    rows.append(_ngram_row("unigram", uni, va, te, n_events, "letter frequencies (MLE)"))
    for order, name in ((2, "bigram"), (3, "trigram")):
        alpha, _ = choose_add_alpha(tr, va, order, grid)
        rows.append(_ngram_row(f"{name}, add-α", fit_ngram(tr, order, "add_alpha", alpha), va, te, n_events,
                               f"α = {alpha:g} (chosen on validation)"))
    rows.append(_ngram_row("trigram, Witten-Bell", fit_ngram(tr, 3, "witten_bell"), va, te, n_events,
                           "interpolated, nothing to tune"))
    for name, run in runs.items():
        if run.settings["n_conditions"]:
            raise ValueError(f"runs[{name!r}] is a conditioned model: compare unconditioned ones (h_0 = 0)")
        st = run.settings
        rows.append(EvalRow(name, run.cross_entropy["validation"], run.cross_entropy["test"], n_events,
                            f"H = {st['hidden_size']}, epoch {run.best_epoch} of {st['epochs']}"))
    return rows


def _ngram_row(name, lm, va, te, n_events, note):
    (cv, nv), (ct, nt) = ngram_cross_entropy(lm, va), ngram_cross_entropy(lm, te)
    if (nv, nt) != n_events:  # the same events as the networks' masks, or the comparison is void
        raise RuntimeError(f"{name} scored {(nv, nt)} events; the networks score {n_events}")
    return EvalRow(name, cv, ct, n_events, note)


def evaluation_table(rows, data, runs=None):
    """A text table of :func:`evaluation_rows` with its conditions line.

    Returns
    -------
    str
    """
    lines = [f"{'model':<28} {'val nats':>8} {'test nats':>9} {'test bits':>9} {'perplexity':>10}  note"]
    for r in rows:
        lines.append(f"{r.name:<28} {r.validation:8.3f} {r.test:9.3f} {r.bits:9.3f} {r.perplexity:10.2f}  {r.note}")
    n = {p: len(data.parts[p]) for p in _PARTS}
    cond = (f"conditions: {data.split} split (seed {data.seed}) of the lexicon's {sum(n.values())} words: "
            f"train {n['train']}, validation {n['validation']}, test {n['test']}; scored: every letter and "
            f"<end> of each held-out word ({rows[0].n_events[0]} / {rows[0].n_events[1]} symbols)")
    if runs:
        st = next(iter(runs.values())).settings
        cond += (f"; networks: Adam lr {st['lr']:g}, batch {st['batch_size']}, clip {st['clip']:g}, seed "
                 f"{st['seed']}, weights of the best validation epoch")
    return "\n".join(lines + [cond])


def trigram_sentence(rows):
    """By how much each network beats (or trails) each trigram on the test words, and which trigram to trust.

    Parameters
    ----------
    rows : list of EvalRow
        From :func:`evaluation_rows`: at least one trigram row (add-α, Witten-Bell) and the networks.

    Returns
    -------
    str
        The margins of every network against every trigram (nats per letter, test words), then
        which trigram had the lower validation cross-entropy (the one chosen before looking at the
        test words) and the test perplexities.
    """
    trigrams = [r for r in rows if r.name.startswith("trigram")]
    if not trigrams:
        raise ValueError("rows must hold at least one trigram row (see evaluation_rows)")
    nets = [r for r in rows if not r.name.startswith(("uniform", "unigram", "bigram", "trigram"))]
    if not nets:
        raise ValueError("rows must hold at least one network row (see evaluation_rows)")
    labels = {r.name: _trigram_label(r) for r in trigrams}
    parts = []
    for r in nets:
        margins, verb = [], None
        for g in trigrams:
            new_verb = "beats" if g.test > r.test else "trails"
            margins.append(("" if new_verb == verb else new_verb + " ")
                           + f"the {labels[g.name]} by {abs(g.test - r.test):.3f}")
            verb = new_verb
        against = " and ".join(f"{g.test:.3f}" for g in trigrams)
        parts.append(f"the {r.name} " + " and ".join(margins) + f" nats per letter ({r.test:.3f} against {against})")
    best = min(trigrams, key=lambda r: r.validation)  # chosen on validation, reported on test
    setting = best.note.removesuffix(" (chosen on validation)")
    chosen = labels[best.name] + (f" ({setting})" if setting != best.note else "")
    if len(trigrams) > 1:
        others = " and ".join(f"{g.validation:.3f}" for g in trigrams if g is not best)
        choice = (f"Of the trigrams, the {chosen} has the lower validation cross-entropy "
                  f"({best.validation:.3f} against {others}), so it is the one to compare with")
    else:
        choice = f"The only trigram is the {chosen}"
    perplexities = ", ".join(f"{r.name} {r.perplexity:.2f}" for r in nets)
    return ("Test words: " + "; ".join(parts) + f". {choice}; test perplexity {perplexities}, "
            f"{labels[best.name]} {best.perplexity:.2f}.")


def _trigram_label(row):
    """'trigram, add-α' -> 'add-α trigram'; 'trigram, Witten-Bell' -> 'Witten-Bell trigram'."""
    return (row.name.split(", ", 1)[1] + " trigram") if ", " in row.name else row.name


# --------------------------------------------------------------------------------------------
# 3. Writing words; conditional generation
# --------------------------------------------------------------------------------------------

__all__ += [
    "write_words",
    "lexicon_words",
    "words_by_origin",
    "word_origins",
    "origins_rows",
    "origins_table",
    "sample_lists",
    "condition_cross_entropy",
    "condition_table",
    "condition_samples",
]


def write_words(model, n, temperature=1.0, seed=0, condition=None, max_len=20, prefix=""):
    """Write ``n`` words with a language model, letter by letter, from one seeded Generator.

    Parameters
    ----------
    model : CharLanguageModel
        Over :data:`rnnlib.data.LM_SYMBOLS`.
    n : int
    temperature : float, >= 0
    seed : int
        Seed of the one ``numpy.random.Generator`` all ``n`` words draw from, in turn.
    condition : {None, 0, 1}
        The label that sets h_0 (a conditioned model only): 0 negative, 1 positive.
    max_len : int
        Longest word (letters); a word that reaches it is cut there.
    prefix : str
        Letters imposed at the start of every word.

    Returns
    -------
    list of str

    Notes
    -----
    The n words are written side by side, as a batch of N = n sequences (one call of
    :meth:`~rnnlib.model.CharLanguageModel.step` per letter position, not per word): at position j
    every row draws its letter from softmax(s / temperature) with
    :func:`rnnlib.sample.sample_next` and the same Generator; a row that has drawn ``<end>`` keeps
    drawing, and what it draws is ignored. The same loop as :meth:`~rnnlib.model.CharLanguageModel.sample`,
    batched (so the letters differ from n calls of ``sample`` with the same seed).
    """
    n = check_dim("n", n)
    max_len = check_dim("max_len", max_len)
    if prefix:
        check_word(prefix, max_len=max_len, name="prefix")
    if condition is not None and condition not in (0, 1):
        raise ValueError(f"condition must be None, 0 (negative) or 1 (positive); got {condition!r}")
    rng = np.random.default_rng(seed)
    prefix_ids = [ALPHABET.index(ch) + 2 for ch in prefix]
    h, _ = model.initial_state(n, None if condition is None else np.full(n, condition))  # (n, H)
    c = None
    letters = np.full(n, START)  # (n,)  x_1 = <start>
    ids = np.zeros((n, max_len), dtype=np.intp)  # written ids, position j in column j
    length = np.full(n, max_len)  # letters before <end>
    done = np.zeros(n, dtype=bool)
    for j in range(max_len):
        s, h, c = model.step(letters, h, c)  # (n, V): scores of the letter after x_{j+1}
        if j < len(prefix_ids):
            letters = np.full(n, prefix_ids[j])  # imposed
        else:
            letters = sample_next(s, temperature, rng)  # (n,)
            ended = (letters == END) & ~done
            length[ended] = j
            done |= ended
        ids[:, j] = letters
        if done.all():
            break
    return [decode_lm_ids(ids[k, :length[k]]) for k in range(n)]


@functools.lru_cache(maxsize=1)
def lexicon_words():
    """The a-z words of the whole VADER lexicon with their mean valence (a dict; 7000+ words).

    Words with a weak valence (|v| < 1) are in the lexicon but not in the course's data set.
    """
    ratings = {}
    for w, v in load_vader_lexicon():
        if w.isascii() and w.isalpha() and w.islower():
            ratings.setdefault(w, []).append(v)
    return {w: float(np.mean(v)) for w, v in ratings.items()}


def words_by_origin(words, train_words, lexicon=None):
    """Sort written words by where they come from: copies of training words, real unseen words, new.

    Parameters
    ----------
    words : sequence of str
        Written words (an empty word counts as new).
    train_words : collection of str
        The words the model was trained on.
    lexicon : collection of str, optional
        Real words; by default the a-z words of the VADER lexicon (:func:`lexicon_words`).

    Returns
    -------
    dict of str to list of str
        ``copied`` (a training word), ``real_unseen`` (a lexicon word not in training) and ``new``
        (not a lexicon word), each in the order written, repeats kept.
    """
    if isinstance(words, str):
        raise ValueError(f"words must be a sequence of words; got the single string {words!r}")
    words = list(words)
    if not words:
        raise ValueError("words must hold at least one word; got an empty sequence")
    train_words = set(train_words)
    lexicon = set(lexicon_words() if lexicon is None else lexicon)
    groups = {"copied": [], "real_unseen": [], "new": []}
    for w in words:
        groups["copied" if w in train_words else "real_unseen" if w in lexicon else "new"].append(w)
    return groups


def word_origins(words, train_words, lexicon=None):
    """Where written words come from, as fractions; the arguments are :func:`words_by_origin`'s.

    Returns
    -------
    dict
        ``copied`` (a training word), ``real_unseen`` (a lexicon word not in training), ``new``
        (not a lexicon word): fractions summing to 1; ``n`` the number of words; ``distinct`` the
        fraction of distinct words.
    """
    groups = words_by_origin(words, train_words, lexicon)
    n = sum(len(g) for g in groups.values())
    words = [w for g in groups.values() for w in g]
    return {"copied": len(groups["copied"]) / n, "real_unseen": len(groups["real_unseen"]) / n,
            "new": len(groups["new"]) / n, "n": n, "distinct": len(set(words)) / n}


def origins_rows(models, train_words, temperatures=(0.5, 0.75, 1.0, 1.25, 1.5), n=500, seed=0, max_len=20):
    """:func:`word_origins` of ``n`` written words per model and temperature.

    Parameters
    ----------
    models : dict of str to CharLanguageModel
        Unconditioned models, for example ``{"RNN": ..., "LSTM": ...}``.

    Returns
    -------
    list of dict
        One per (model, temperature): ``model``, ``temperature``, ``seed``, ``mean_length`` and
        the fractions of :func:`word_origins`.
    """
    rows = []
    for name, model in models.items():
        for tau in temperatures:
            words = write_words(model, n, tau, seed=seed, max_len=max_len)
            rows.append({"model": name, "temperature": tau, "seed": seed,
                         "mean_length": float(np.mean([len(w) for w in words])),
                         **word_origins(words, train_words)})
    return rows


def origins_table(rows):
    """A text table of :func:`origins_rows` with its conditions line."""
    lines = [f"{'model':<6} {'temperature':>11} {'copied':>7} {'real unseen':>11} {'new':>6} {'distinct':>8} "
             f"{'mean length':>11}"]
    for r in rows:
        lines.append(f"{r['model']:<6} {r['temperature']:11.2f} {r['copied']:7.1%} {r['real_unseen']:11.1%} "
                     f"{r['new']:6.1%} {r['distinct']:8.1%} {r['mean_length']:11.1f}")
    lines.append(f"conditions: {rows[0]['n']} words per row, one Generator seeded {rows[0]['seed']} per row; "
                 f"copied = a training word, real unseen = in the VADER lexicon ({len(lexicon_words())} a-z "
                 f"words) but not in training, new = not in the lexicon")
    return "\n".join(lines)


def sample_lists(model, temperatures=(0.5, 1.0, 1.5), n=8, seed=0, condition=None):
    """A few written words per temperature, one line each (for the notebook)."""
    return "\n".join(f"temperature {tau:4.2f}: " + " ".join(write_words(model, n, tau, seed, condition))
                     for tau in temperatures)


def condition_cross_entropy(run, data, part="test"):
    """Per-letter cross-entropy of held-out words under the right and the wrong label.

    Parameters
    ----------
    run : LanguageModelRun
        Of a model with ``n_conditions=2``.
    data : LMData
    part : {"validation", "test"}

    Returns
    -------
    ce : numpy.ndarray, shape (2, 2)
        ``ce[label, condition]``: the words whose lexicon label is ``label`` (0 negative,
        1 positive), scored with h_0 set by ``condition``. The diagonal is the right condition.
    """
    if run.settings["n_conditions"] != 2:
        raise ValueError(f"run must be a conditioned model (n_conditions=2); "
                         f"got n_conditions={run.settings['n_conditions']}")
    if part not in ("validation", "test"):
        raise ValueError(f"part must be 'validation' or 'test'; got {part!r}")
    x, y, mask = data.arrays[part]
    labels = data.parts[part].labels
    ce = np.zeros((2, 2))
    for label in (0, 1):
        rows = labels == label
        for cond in (0, 1):
            ce[label, cond] = run.model.per_letter_cross_entropy(x[rows], y[rows], mask[rows],
                                                                 np.full(rows.sum(), cond))
    return ce


def condition_table(ce, data, part="test"):
    """Text of :func:`condition_cross_entropy`'s 2 x 2 table, its differences and conditions."""
    names = ("negative", "positive")
    counts = np.bincount(data.parts[part].labels, minlength=2)
    lines = [f"{part} words (nats/letter)   h_0 from 'negative'   h_0 from 'positive'   wrong - right"]
    for label in (0, 1):
        lines.append(f"{names[label]:>8} words ({counts[label]:4d})  {ce[label, 0]:19.3f}   {ce[label, 1]:19.3f}"
                     f"   {ce[label, 1 - label] - ce[label, label]:+13.3f}")
    return "\n".join(lines)


def condition_samples(model, train_words, n=500, temperature=1.0, seed=0, max_len=20):
    """Words written under each condition, and how often a real word's lexicon label matches it.

    Returns
    -------
    list of dict
        One per condition (0 negative, 1 positive): ``condition``, ``words`` (the first 12),
        ``n``, the fractions of :func:`word_origins`, ``n_real`` (written words that are lexicon
        words, training words included), ``match`` (the fraction of those whose mean valence has
        the condition's sign; nan if none), ``temperature``, ``seed``.
    """
    lexicon = lexicon_words()
    out = []
    for cond in (0, 1):
        words = write_words(model, n, temperature, seed=seed, condition=cond, max_len=max_len)
        real = [w for w in words if w in lexicon]
        match = [(lexicon[w] > 0) == bool(cond) for w in real]
        out.append({"condition": cond, "words": words[:12], "n": n, **word_origins(words, train_words),
                    "n_real": len(real), "match": float(np.mean(match)) if match else float("nan"),
                    "temperature": temperature, "seed": seed})
    return out


# === 5. truncated backpropagation through time (helper A2) ===

__all__ += [
    "TRUNCATION_KS",
    "word_stream",
    "stream_symbols",
    "stream_rows",
    "held_out_cross_entropy",
    "TruncatedRun",
    "train_truncated",
    "GradientReach",
    "gradient_reach",
    "truncated_sweep",
    "save_truncated_results",
    "load_truncated_results",
    "summarise_truncated",
    "truncated_conditions",
    "truncated_table",
]

TRUNCATION_KS = (1, 2, 4, 8, 16, 32, 64)  # the chunk lengths k of the committed measurements
_LM_ID = {symbol: i for i, symbol in enumerate(LM_SYMBOLS)}


def word_stream(words, seed=0):
    """The words shuffled and joined into one long stream of ids, each word followed by ``<end>``.

    Parameters
    ----------
    words : sequence of str
        Lower-case a-z words.
    seed : int
        Seed of the shuffle (``np.random.default_rng(seed).permutation``).

    Returns
    -------
    numpy.ndarray of int, shape (n,)
        Ids of :data:`rnnlib.data.LM_SYMBOLS`: ``happy<end>sad<end>...``, n = letters + words. No
        ``<start>``: in a stream the ``<end>`` of the previous word plays its part.
    """
    if isinstance(words, str):
        raise ValueError(f"words must be a sequence of words; got the single string {words!r} (wrap it in a list)")
    words = [check_word(w, name=f"words[{n}]") for n, w in enumerate(words)]
    if not words:
        raise ValueError("words must hold at least one word; got an empty sequence")
    ids = []
    for n in np.random.default_rng(seed).permutation(len(words)):
        ids.extend(_LM_ID[ch] for ch in words[n])
        ids.append(END)
    return np.array(ids, dtype=np.intp)


def stream_symbols(ids, end="."):
    """The symbols of stream ids as a list of one-character strings, ``<end>`` written as ``end``."""
    return [end if int(i) == END else LM_SYMBOLS[int(i)] for i in ids]


def _check_stream(name, stream, min_len=2):
    arr = np.asarray(stream)
    if arr.ndim != 1 or arr.dtype.kind not in "iu" or arr.size < min_len:
        raise ValueError(f"{name} must be a 1-D integer id array of at least {min_len} ids (see word_stream); "
                         f"got shape {arr.shape} and dtype {arr.dtype}")
    if arr.min() < 0 or arr.max() >= len(LM_SYMBOLS):
        raise ValueError(f"{name} must hold ids in [0, {len(LM_SYMBOLS) - 1}]; got values from {arr.min()} to "
                         f"{arr.max()}")
    return arr.astype(np.intp)


def stream_rows(stream, N):
    """N parallel streams: the stream cut into N equal consecutive slices, one per row (char-rnn's batches).

    Parameters
    ----------
    stream : array_like of int, shape (n,)
    N : int
        Batch size: row n continues where row n-1's slice of the text ends.

    Returns
    -------
    numpy.ndarray of int, shape (N, n // N)
        The last ``n % N`` ids are dropped.
    """
    N = check_dim("N", N)
    stream = _check_stream("stream", stream, min_len=2 * N)
    L = len(stream) // N
    return stream[:N * L].reshape(N, L)


def held_out_cross_entropy(model, stream):
    """Per-letter cross-entropy (nats) of a language model over a whole stream, the state carried throughout.

    One pass from h_0 = 0 reads ids 1..n-1 and scores ids 2..n (every letter and every ``<end>``;
    the first id has nothing before it). Nothing is truncated: evaluation needs no gradient.

    Returns
    -------
    float
    """
    stream = _check_stream("stream", stream)
    s = model.forward(stream[None, :-1])  # (1, n-1, V)
    return float(per_letter_cross_entropy(s, stream[None, 1:]))


@dataclasses.dataclass
class TruncatedRun:
    """One run of :func:`train_truncated`: its settings, what it read and what it measured."""

    k: int  # chunk length: the gradient is cut every k steps
    seed: int
    hidden_size: int
    batch_size: int  # N parallel streams
    lr: float
    clip: float
    letters: int  # letters (targets) read in training: updates * N * k
    updates: int
    passes: float  # letters / (N * row length): how many times the training stream was read
    losses: np.ndarray  # (updates,)  training loss per letter (nats) of each chunk, before its update
    seconds: np.ndarray  # (updates,)  wall-clock seconds of each update (forward, backward, clip, Adam)
    held_out_ce: float | None  # per-letter cross-entropy on the held-out stream after training
    held_out_curve: list = dataclasses.field(default_factory=list)  # [(letters read, val CE, held-out CE), ...]
    model: object = dataclasses.field(repr=False, default=None)

    def record(self):
        """The run as a JSON-ready dict (no model, no per-update arrays; medians of the timings).

        ``early_stop_*``: the point of ``held_out_curve`` with the lowest validation cross-entropy
        (chosen on the validation stream, never on the held-out one) and the held-out CE there.
        """
        tail = max(1, len(self.losses) // 20)
        scored = [c for c in self.held_out_curve if c[1] is not None]
        best = min(scored, key=lambda c: c[1]) if scored else (None, None, None)
        return {"k": self.k, "seed": self.seed, "hidden_size": self.hidden_size, "batch_size": self.batch_size,
                "lr": self.lr, "clip": self.clip, "letters": self.letters, "updates": self.updates,
                "passes": round(self.passes, 3), "held_out_ce": self.held_out_ce,
                "held_out_curve": [[int(n), v, h] for n, v, h in self.held_out_curve],
                "early_stop_letters": best[0], "early_stop_val_ce": best[1], "early_stop_held_out_ce": best[2],
                "train_ce_last_5pc": float(np.mean(self.losses[-tail:])),
                "ms_per_update": 1e3 * float(np.median(self.seconds)),
                "us_per_letter": 1e6 * float(np.median(self.seconds)) / (self.batch_size * self.k)}


def train_truncated(stream, k, letters=65536, held_out=None, hidden_size=64, batch_size=32, lr=5e-3, clip=5.0,
                    seed=0, val=None, evals=1):
    r"""Train an RNN language model on one long stream with truncated BPTT, as min-char-rnn does.

    The stream is cut into N parallel rows (:func:`stream_rows`). Each update reads the next chunk
    of k letters of every row, starting from the hidden state the previous chunk ended in
    (``h0=h``), and backpropagates only within the chunk: the gradient is cut every k steps. When a
    row has fewer than k + 1 ids left, all rows start again from the beginning with h_0 = 0
    (min-char-rnn resets ``hprev`` the same way).

    Parameters
    ----------
    stream : array_like of int, shape (n,)
        The training stream (:func:`word_stream`).
    k : int
        Truncation length (min-char-rnn's ``seq_length``, 25 there).
    letters : int
        Budget: letters read, the same for every k, so ``letters // (N k)`` updates (at least one).
    held_out : array_like of int, optional
        A held-out stream, scored by :func:`held_out_cross_entropy` at the end of training and,
        with ``evals`` > 1, at ``evals`` evenly spaced points of the budget (``held_out_curve``).
    val : array_like of int, optional
        A validation stream, scored at the same points (to choose an early-stopping point without
        looking at the held-out stream).
    hidden_size, batch_size : int
        H and N.
    lr, clip : float
        Adam's learning rate; the global norm the gradient is clipped to.
    seed : int
        Seed of the initial weights (the stream's order is the stream's own seed).
    evals : int
        How many times the held-out stream is scored (the last time at the end).

    Returns
    -------
    TruncatedRun
        With the trained model in ``.model``.

    Notes
    -----
    With chunk c covering steps :math:`t_c + 1 .. t_c + k` and :math:`h_{t_c}` held fixed,

    .. math:: \nabla_\theta \sum_{t = t_c + 1}^{t_c + k} L_t

    follows each :math:`L_t` back to step :math:`t_c + 1` only: the terms of full BPTT that cross
    the boundary are dropped. The forward state still crosses it.
    """
    k = check_dim("k", k)
    letters = check_dim("letters", letters)
    rows = stream_rows(stream, batch_size)  # (N, L)
    N, L = rows.shape
    if k + 1 > L:
        raise ValueError(f"k must be at most {L - 1} (each of the N={N} rows holds {L} ids); got {k}")
    if held_out is not None:
        held_out = _check_stream("held_out", held_out)
    if val is not None:
        val = _check_stream("val", val)
    model = CharLanguageModel(len(LM_SYMBOLS), hidden_size, cell="rnn", seed=seed)
    optimiser = Adam(model.params, lr=lr)
    evals = check_dim("evals", evals)
    updates = max(1, letters // (N * k))
    losses, seconds = np.empty(updates), np.empty(updates)
    eval_at = {int(np.ceil(updates * (j + 1) / evals)) for j in range(evals)}  # after these updates
    curve = []
    h = np.zeros((N, model.hidden_size))  # (N, H)  the state carried across chunks
    pos = 0
    for u in range(updates):
        if pos + k + 1 > L:  # not a whole chunk left: back to the start of every row, state reset
            pos, h = 0, np.zeros_like(h)
        x = rows[:, pos:pos + k]  # (N, k)  letters read at steps pos+1 .. pos+k
        y = rows[:, pos + 1:pos + k + 1]  # (N, k)  the letter after each
        start = time.perf_counter()
        loss, grads, _, h = model.loss(x, y, h0=h, return_state=True)  # h: h_T of this chunk, for the next
        grads, _ = clip_grad_norm(grads, clip)
        optimiser.step(grads)
        seconds[u] = time.perf_counter() - start
        losses[u] = loss / k  # loss is summed over the k steps, / N: per letter
        pos += k
        if (held_out is not None or val is not None) and u + 1 in eval_at:
            curve.append(((u + 1) * N * k, None if val is None else held_out_cross_entropy(model, val),
                          None if held_out is None else held_out_cross_entropy(model, held_out)))
    return TruncatedRun(k=k, seed=seed, hidden_size=model.hidden_size, batch_size=N, lr=float(lr), clip=float(clip),
                        letters=updates * N * k, updates=updates, passes=updates * N * k / (N * L), losses=losses,
                        seconds=seconds,
                        held_out_ce=curve[-1][2] if curve else None, held_out_curve=curve, model=model)


class GradientReach(typing.NamedTuple):
    """The gradient of the loss at one step t reaching every earlier hidden state, full and truncated."""

    t: int  # the step whose loss L_t is backpropagated (1-based, in the window)
    k: int  # truncation length
    chunk_start: int  # first step of t's chunk: k * ((t - 1) // k) + 1
    symbols: list  # (t,)  the symbol read at steps 1..t ("." for <end>)
    target: str  # y_t, the symbol L_t scores
    full: np.ndarray  # (t,)  ||dL_t/dh_s||, s = 1..t, full BPTT from h_0 = 0
    truncated: np.ndarray  # (t,)  the same with the gradient cut at the chunk boundaries: 0 for s < chunk_start


def _cell_input(model, ids):
    """The cell's input for ids (1, T): one-hot rows, or embedding rows (as CharLanguageModel reads them)."""
    return np.eye(model.vocab_size)[ids] if model.embedding_size is None else model.params["We"][ids]


def gradient_reach(model, stream, k, t, start=0):
    r"""Where the gradient of the loss at step t stops: :math:`\lVert \partial L_t / \partial h_s \rVert` for s <= t.

    The window reads ``stream[start:start + t]`` (x_1..x_t) from h_0 = 0; L_t is the cross-entropy
    of step t's score against the next id. Full BPTT backpropagates L_t to step 1. Truncated BPTT
    runs the window in chunks of k steps (steps 1..k, k+1..2k, ...), the state carried, and
    backpropagates L_t only inside t's chunk: the gradient is exactly 0 before its first step.

    Parameters
    ----------
    model : CharLanguageModel
        An RNN language model.
    stream : array_like of int, shape (n,)
    k : int
        Truncation length.
    t : int
        The step whose loss is followed back, 1 <= t <= n - start - 1.
    start : int
        Where the window begins in the stream.

    Returns
    -------
    GradientReach
    """
    if getattr(model, "cell", None) != "rnn" or not hasattr(model, "vocab_size"):
        raise ValueError(f"model must be an RNN CharLanguageModel; got {model!r}")
    stream = _check_stream("stream", stream)
    k, t = check_dim("k", k), check_dim("t", t)
    start = check_dim("start", start, lo=0)
    if start + t + 1 > len(stream):
        raise ValueError(f"t must be at most {len(stream) - start - 1} (the stream holds {len(stream)} ids and the "
                         f"window starts at {start}); got {t}")
    p, H = model.params, model.hidden_size
    x = stream[None, start:start + t]  # (1, t)  x_1..x_t
    y_t = int(stream[start + t])  # the id after x_t

    def reach(h0, ids):
        """||dL_t/dh_s|| for the steps of ids (1, T), the last of which is step t, from the given h0."""
        hs, cache = rnn_forward(_cell_input(model, ids), h0, p["Wx"], p["Wh"], p["b"])  # (1, T, H)
        s_t = hs[:, -1] @ p["Wy"] + p["by"]  # (1, V)
        ds = softmax(s_t)
        ds[0, y_t] -= 1.0  # dL_t/ds_t = softmax(s_t) - onehot(y_t)
        dhs = np.zeros_like(hs)  # (1, T, H)
        dhs[:, -1] = ds @ p["Wy"].T  # only L_t: the loss at step t
        return hs, np.linalg.norm(step_gradients(dhs, cache).dh[0], axis=1)  # (T,)

    hs, full = reach(np.zeros((1, H)), x)
    c = k * ((t - 1) // k) + 1  # first step of t's chunk
    h_carried = np.zeros((1, H)) if c == 1 else hs[:, c - 2].copy()  # (1, H)  h_{c-1}, the carried state
    truncated = np.zeros(t)
    truncated[c - 1:] = reach(h_carried, x[:, c - 1:])[1]  # steps c..t; nothing reaches the steps before c
    return GradientReach(t=t, k=k, chunk_start=c, symbols=stream_symbols(x[0]), target=stream_symbols([y_t])[0],
                         full=full, truncated=truncated)


def truncated_sweep(train_stream, held_out, ks=TRUNCATION_KS, seeds=(0, 1, 2), letters=65536, progress=None,
                    **settings):
    """Train one model per k and seed on the same letter budget; one record per run (:meth:`TruncatedRun.record`).

    Runs one after the other in this process, so the wall-clock timings are not shared with a
    sibling process of the same sweep. ``settings`` go to :func:`train_truncated`.
    """
    jobs = [(k, seed) for k in ks for seed in seeds]
    bar = progress_bar(progress, len(jobs), "truncated BPTT")
    records = []
    try:
        for k, seed in jobs:
            run = train_truncated(train_stream, k, letters=letters, held_out=held_out, seed=seed, **settings)
            records.append(run.record())
            if bar is not None:
                bar.set_postfix_str(f"k {k} seed {seed}: held-out {run.held_out_ce:.3f}", refresh=False)
                bar.update()
    finally:
        if bar is not None:
            bar.close()
    return records


def save_truncated_results(path, records, meta):
    """Write the sweep's records and its conditions (``meta``) as JSON."""
    Path(path).write_text(json.dumps({"meta": meta, "records": records}, indent=1) + "\n")


def load_truncated_results(path=None):
    """Read the truncated-BPTT measurements (default: the committed ``rnnlib/results/truncated_bptt.json``).

    Returns
    -------
    dict with ``meta`` (the conditions) and ``records`` (one per k and seed).
    """
    if path is None:
        text = importlib.resources.files("rnnlib").joinpath("results", "truncated_bptt.json").read_text()
        return json.loads(text)
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no truncated-BPTT results at {path}: run "
                                f"`python experiments/truncated_bptt.py --out {path}`")
    return json.loads(path.read_text())


def summarise_truncated(results):
    """Per k: held-out cross-entropy of every seed and its mean, updates, letters, median timings.

    Returns
    -------
    dict of int to dict
        ``seeds``; ``ce`` (held-out CE at the end of the budget, seed order) and ``ce_mean``;
        ``early_ce``, ``early_ce_mean`` and ``early_letters`` (held-out CE at each seed's
        early-stopping point, chosen on the validation stream, and the letters read by then);
        ``updates``, ``letters``; ``ms_per_update`` and ``us_per_letter`` (median over the seeds
        of each run's median update).
    """
    records = results["records"] if isinstance(results, dict) else results
    if not records:
        raise ValueError("results must hold at least one record; got none")
    summary = {}
    for k in sorted({r["k"] for r in records}):
        runs = sorted((r for r in records if r["k"] == k), key=lambda r: r["seed"])
        ce = [r["held_out_ce"] for r in runs]
        early = [r.get("early_stop_held_out_ce") for r in runs]
        summary[k] = {"seeds": [r["seed"] for r in runs], "ce": ce, "ce_mean": float(np.mean(ce)),
                      "early_ce": early, "early_ce_mean": None if None in early else float(np.mean(early)),
                      "early_letters": [r.get("early_stop_letters") for r in runs],
                      "updates": runs[0]["updates"], "letters": runs[0]["letters"],
                      "ms_per_update": float(np.median([r["ms_per_update"] for r in runs])),
                      "us_per_letter": float(np.median([r["us_per_letter"] for r in runs]))}
    return summary


def truncated_conditions(results):
    """One paragraph stating the conditions of the committed measurements (from their ``meta`` block)."""
    m = results["meta"]
    return (f"RNN language model, H={m['hidden_size']}, one-hot input (V={m['vocab_size']}), seeds "
            f"{', '.join(str(s) for s in m['seeds'])} (initial weights). Training stream: the {m['train_words']} "
            f"training words of the family-aware split, shuffled (seed {m['stream_seed']}) and joined, each followed "
            f"by <end> ({m['train_ids']} ids), read as N={m['batch_size']} parallel rows (consecutive slices of the "
            f"stream, as char-rnn batches); state carried across chunks, reset to 0 when the rows restart. Adam lr "
            f"{m['lr']:g}, gradient clipped at global norm {m['clip']:g}. The same budget for every k: "
            f"{m['letters']} letters read ({m['passes']:.1f} passes over the stream), so {m['letters']} / (N k) "
            f"updates. Held-out: per-letter cross-entropy (nats; every letter and every <end> scored) on the "
            f"{m['test_words']} test words' stream ({m['test_ids']} ids), one pass with the state carried, at the "
            f"end of the budget; 'early stop': at the one of {m['evals']} evenly spaced checkpoints with the lowest "
            f"cross-entropy on the {m['val_words']} validation words' stream. Times: wall-clock median of one "
            f"update (forward, backward, clipping, Adam) over a run's updates, median over seeds; {m['machine']}.")


def truncated_table(results):
    """The committed measurements as a text table: one row per k (held-out CE: mean over seeds, then each seed)."""
    summary = summarise_truncated(results)
    lines = ["   k  updates  held-out CE, end of budget   held-out CE, early stop    ms/update  us/letter",
             "                mean  (seeds)                mean  (seeds)"]
    for k, row in summary.items():
        end = f"{row['ce_mean']:.3f} ({' '.join(f'{ce:.3f}' for ce in row['ce'])})"
        early = "-" if row["early_ce_mean"] is None else (
            f"{row['early_ce_mean']:.3f} ({' '.join(f'{ce:.3f}' for ce in row['early_ce'])})")
        lines.append(f"{k:>4} {row['updates']:>8}  {end:<27} {early:<27} {row['ms_per_update']:>8.2f} "
                     f"{row['us_per_letter']:>10.1f}")
    return "\n".join(lines)
