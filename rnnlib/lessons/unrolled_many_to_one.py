r"""Notebook 03: the RNN on real words against two baselines, and what the unrolled diagram shows.

A sequence model earns its keep only if it beats what needs no sequence at all. Two yardsticks:

- the **majority class** of the training words (accuracy = share of that class in the test set);
- **logistic regression on character n-gram counts**, order ignored: every letter, pair and triple
  of the word, with the word's boundaries marked (scikit-learn pads the word with a space, so
  ``" un"`` is a prefix and ``"ss "`` a suffix; :func:`top_ngrams` prints them as ``^un`` and
  ``ss$``)::

      s = X @ w + b                          # (N,)  X: (N, V) n-gram counts
      p = sigmoid(s)                         # (N,)  P(positive)

  The baseline is not the subject of the course, so it is scikit-learn's
  (:func:`ngram_baseline`): ``CountVectorizer(analyzer="char_wb", ngram_range=(1, 3))`` then an
  L2-regularised ``LogisticRegression``.

:func:`run_split_experiment` trains the RNN and the baselines on one split of the word-sentiment
data and measures all three on its test words; :func:`accuracy_table` and :func:`probe_table`
print the comparison.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from .._validate import as_array, check_dim
from ..data import WordSet, one_hot_word, word_family
from ..losses import affine_backward, binary_logistic_loss, last_step_backward, softmax_cross_entropy
from ..lstm import LSTMCache, LSTMStepCache, lstm_step_backward
from ..model import SequenceClassifier
from ..rnn import RNNCache, RNNStepCache, rnn_step_backward
from ..train import Callback, History, train

__all__ = [
    "StepGradients",
    "step_gradients",
    "classifier_step_gradients",
    "hidden_state_gradients",
    "unrolled_trace",
    "recurrent_weight_size",
    "ngram_baseline",
    "top_ngrams",
    "majority_class",
    "majority_accuracy",
    "family_overlap",
    "BestValidation",
    "SplitExperiment",
    "run_split_experiment",
    "accuracy_table",
    "probe_table",
]


def _check_words(words, name="words"):
    if isinstance(words, str):
        raise ValueError(f"{name} must be a sequence of words; got the single string {words!r} (wrap it in a list)")
    words = list(words)
    for w in words:
        if not isinstance(w, str) or not w:
            raise ValueError(f"every entry of {name} must be a non-empty string; got {w!r}")
    return words


def ngram_baseline(C=1.0, seed=0):
    r"""Character 1-3-gram counts and logistic regression, as a scikit-learn pipeline that takes words.

    Parameters
    ----------
    C : float
        Inverse L2 strength of scikit-learn's ``LogisticRegression`` (see Notes).
    seed : int
        ``random_state`` of the logistic regression. Its solver (L-BFGS) draws no random numbers,
        so the fit is deterministic; the seed keeps it so if the solver is changed.

    Returns
    -------
    sklearn.pipeline.Pipeline
        Steps ``"ngrams"`` (a ``CountVectorizer``: its vocabulary is learned by ``fit`` from the
        training words only; n-grams never seen there are ignored) and ``"logreg"``. Call
        ``fit(words, labels)``, ``predict_proba(words)[:, 1]`` (P(positive)), ``score(words, labels)``.

    Notes
    -----
    ``analyzer="char_wb"`` pads each word with a space on both sides, so the n-grams of ``"cat"``
    are ``'c', 'a', 't', ' c', 'ca', 'at', 't ', ' ca', 'cat', 'at '``, plus the padding space
    ``' '`` itself: twice in every word, so the unpenalised bias absorbs it and its weight is 0.
    scikit-learn minimises the summed cross-entropy

    .. math:: C \sum_{n=1}^{N} \big[\log(1 + e^{s_n}) - y_n s_n\big] + \tfrac{1}{2}\lVert w\rVert^2,
              \qquad s = X w + b,

    which is :math:`1/(\lambda N)` times the mean cross-entropy plus
    :math:`\tfrac{\lambda}{2}\lVert w\rVert^2`: ``C = 1 / (l2 * N)`` for a penalty ``l2`` per
    word (:func:`run_split_experiment` does this conversion).

    Examples
    --------
    >>> model = ngram_baseline().fit(["good", "glad", "bad", "sad"], [1, 1, 0, 0])
    >>> model.predict(["goodness"]).tolist()
    [1]
    """
    # imported here: scikit-learn takes seconds to import, and only the baseline needs it
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    if not (np.isfinite(C) and C > 0):
        raise ValueError(f"C must be a finite number > 0; got {C!r}")
    return Pipeline([
        ("ngrams", CountVectorizer(analyzer="char_wb", ngram_range=(1, 3))),
        # tol 1e-6: the default 1e-4 stops early enough to change the prediction for a test word
        ("logreg", LogisticRegression(C=C, tol=1e-6, max_iter=1000, random_state=seed)),
    ])


def _marked(gram):
    """char_wb's padding spaces as the course's boundary marks: ``" un"`` -> ``"^un"``, ``"ss "`` -> ``"ss$"``."""
    return ("^" if gram.startswith(" ") else "") + gram.strip() + ("$" if gram.endswith(" ") else "")


def top_ngrams(model, k=10):
    """The ``k`` most positive and ``k`` most negative n-grams of a fitted :func:`ngram_baseline`.

    Parameters
    ----------
    model : sklearn.pipeline.Pipeline
        Fitted, from :func:`ngram_baseline`.
    k : int

    Returns
    -------
    positive, negative : list of (str, float)
        N-gram (word start marked ``^``, word end ``$``) and its weight, strongest first.
    """
    k = check_dim("k", k)
    if not hasattr(model, "named_steps") or not hasattr(model.named_steps.get("logreg"), "coef_"):
        raise ValueError(f"model must be a fitted ngram_baseline() pipeline; got {model!r}")
    grams = model.named_steps["ngrams"].get_feature_names_out()  # (V,)
    w = model.named_steps["logreg"].coef_[0]  # (V,)
    order = np.argsort(w, kind="stable")
    positive = [(_marked(grams[j]), float(w[j])) for j in order[::-1][:k]]
    negative = [(_marked(grams[j]), float(w[j])) for j in order[:k]]
    return positive, negative


def majority_class(train_labels):
    """The most frequent label of the training set (ties go to 0)."""
    y = np.asarray(train_labels)
    if y.ndim != 1 or y.size == 0:
        raise ValueError(f"train_labels must be a non-empty 1-d array of labels; got shape {y.shape}")
    values, counts = np.unique(y, return_counts=True)
    return values[np.argmax(counts)].item()


def majority_accuracy(train_labels, test_labels):
    """Accuracy on ``test_labels`` of always predicting the training set's majority class."""
    y = np.asarray(test_labels)
    if y.ndim != 1 or y.size == 0:
        raise ValueError(f"test_labels must be a non-empty 1-d array of labels; got shape {y.shape}")
    return float(np.mean(y == majority_class(train_labels)))


# ----------------------------------------------------------------------------------------------
# Comparing the RNN with the baselines on one split


class BestValidation(Callback):
    """Evaluate on validation data after every epoch and keep the weights of the best epoch.

    The evaluation is a forward pass in small chunks (no backward pass), so it stays cheap.

    Parameters
    ----------
    model : SequenceClassifier
    x, y, lengths : validation data from :meth:`rnnlib.data.WordSet.encode`.
    chunk : int
        Words per forward pass (small matrix products: no multi-threaded BLAS start-up).

    Attributes
    ----------
    loss, accuracy : list of float
        Validation loss and accuracy after each epoch.
    best_epoch : int
        1-based epoch of the highest validation accuracy (the first one on ties).
    best_params : dict of str to numpy.ndarray
        A copy of the weights at that epoch; :meth:`restore` puts them back into the model.
    """

    def __init__(self, model, x, y, lengths, chunk=32):
        self.model = model
        self.x, self.y, self.lengths = np.asarray(x), np.asarray(y), np.asarray(lengths)
        self.chunk = check_dim("chunk", chunk)
        self.loss, self.accuracy = [], []
        self.best_epoch, self.best_params = 0, None

    def evaluate(self):
        """Validation (loss, accuracy) of the model's current weights."""
        s = np.concatenate([self.model.forward(self.x[k:k + self.chunk], self.lengths[k:k + self.chunk])[0]
                            for k in range(0, len(self.y), self.chunk)])  # (N, 1)  scores s = h_T Wy + by
        loss, _ = binary_logistic_loss(s, self.y)
        return loss, float(np.mean((s[:, 0] > 0).astype(int) == self.y))

    def on_epoch_end(self, info):
        loss, acc = self.evaluate()
        self.loss.append(loss)
        self.accuracy.append(acc)
        if self.best_params is None or acc > max(self.accuracy[:-1]):
            self.best_epoch = len(self.accuracy)
            self.best_params = {k: v.copy() for k, v in self.model.params.items()}

    def restore(self):
        """Copy the best epoch's weights back into the model (in place)."""
        if self.best_params is None:
            raise ValueError("no epoch has been evaluated yet: train with this callback first")
        for k, v in self.best_params.items():
            self.model.params[k][...] = v


@dataclass
class SplitExperiment:
    """The RNN and the two baselines trained on one split and measured on its test words.

    Attributes
    ----------
    name : str
    train, val, test : WordSet
    rnn : SequenceClassifier
        With the weights of its best validation epoch.
    history : rnnlib.train.History
        Training curves; ``val_loss`` / ``val_accuracy`` are filled per epoch.
    best_epoch : int
    ngram : sklearn.pipeline.Pipeline
        The :func:`ngram_baseline`, with the L2 strength chosen on the validation words.
    test_accuracy, val_accuracy : dict of str to float
        Keys ``"majority class"``, ``"n-gram logistic regression"``, ``"RNN"``.
    """

    name: str
    train: WordSet
    val: WordSet
    test: WordSet
    rnn: SequenceClassifier
    history: History
    best_epoch: int
    ngram: object  # sklearn.pipeline.Pipeline
    test_accuracy: dict = field(default_factory=dict)
    val_accuracy: dict = field(default_factory=dict)

    def shared_families(self):
        """Fraction of test words with a relative in training (see :func:`family_overlap`)."""
        return family_overlap(self.train, self.test)


def family_overlap(train_set, test_set):
    """Fraction of test words whose word family (:func:`rnnlib.data.word_family`) has a training word.

    Parameters
    ----------
    train_set, test_set : WordSet or sequence of str

    Returns
    -------
    float
        About 0.9 for a random split of the lexicon (near-copies on both sides), 0 for
        :func:`rnnlib.data.split_by_family`.
    """
    train_words = _check_words(getattr(train_set, "words", train_set), "train_set")
    test_words = _check_words(getattr(test_set, "words", test_set), "test_set")
    if not test_words:
        raise ValueError("test_set must hold at least one word")
    train_families = {word_family(w) for w in train_words}
    return float(np.mean([word_family(w) in train_families for w in test_words]))


MODELS = ("majority class", "n-gram logistic regression", "RNN")


def run_split_experiment(name, train_set, val_set, test_set, hidden_size=32, epochs=30, optimizer="adam", lr=0.005,
                         batch_size=32, clip=5.0, seed=0, l2_grid=(1e-4, 1e-3, 1e-2), progress=False):
    r"""Train the many-to-one RNN and both baselines on one split; measure them on its test words.

    Model selection uses the validation words only: the RNN keeps the weights of its best
    validation epoch (:class:`BestValidation`), the n-gram model the L2 strength with the best
    validation accuracy (the first of the grid on ties). The test words are touched once, at the end.

    Parameters
    ----------
    name : str
        The split's name (for the tables).
    train_set, val_set, test_set : WordSet
        From :func:`rnnlib.data.split_random` or :func:`rnnlib.data.split_by_family`.
    hidden_size, epochs, optimizer, lr, batch_size, clip, seed
        The RNN and its training (:func:`rnnlib.train.train`); ``seed`` seeds weights and shuffling.
    l2_grid : sequence of float
        L2 strengths :math:`\lambda` tried for the n-gram logistic regression, per word: the
        penalty :math:`\tfrac{\lambda}{2}\lVert w\rVert^2` is added to the mean cross-entropy, as
        in the course's losses (scikit-learn's ``C = 1 / (l2 * N)``, see :func:`ngram_baseline`).
    progress : bool or file-like
        A progress bar over the RNN's training steps (:func:`rnnlib.train.train`).

    Returns
    -------
    SplitExperiment
    """
    for arg, value in (("train_set", train_set), ("val_set", val_set), ("test_set", test_set)):
        if not isinstance(value, WordSet) or len(value) == 0:
            raise ValueError(f"{arg} must be a non-empty WordSet; got {type(value).__name__}")
    if not len(l2_grid) or not all(np.isfinite(l2) and l2 > 0 for l2 in l2_grid):
        raise ValueError(f"l2_grid must hold at least one L2 strength, each a finite number > 0; got {l2_grid!r}")
    T = max(len(w) for s in (train_set, val_set, test_set) for w in s.words)
    x_tr, y_tr, l_tr = train_set.encode(T)
    x_va, y_va, l_va = val_set.encode(T)
    x_te, y_te, l_te = test_set.encode(T)

    rnn = SequenceClassifier(26, hidden_size, cell="rnn", seed=seed)
    tracker = BestValidation(rnn, x_va, y_va, l_va)
    history = train(rnn, x_tr, y_tr, lengths=l_tr, epochs=epochs, batch_size=batch_size, optimizer=optimizer, lr=lr,
                    clip=clip, seed=seed, callbacks=[tracker], progress=progress)
    history.val_loss.extend(tracker.loss)
    history.val_accuracy.extend(tracker.accuracy)
    tracker.restore()

    N = len(train_set)
    candidates = [ngram_baseline(C=1.0 / (l2 * N), seed=seed).fit(train_set.words, train_set.labels)
                  for l2 in l2_grid]
    val_scores = [m.score(val_set.words, val_set.labels) for m in candidates]
    ngram = candidates[int(np.argmax(val_scores))]

    exp = SplitExperiment(name, train_set, val_set, test_set, rnn, history, tracker.best_epoch, ngram)
    for store, (x, y, lengths, words) in ((exp.val_accuracy, (x_va, y_va, l_va, val_set.words)),
                                          (exp.test_accuracy, (x_te, y_te, l_te, test_set.words))):
        store["majority class"] = majority_accuracy(y_tr, y)
        store["n-gram logistic regression"] = float(ngram.score(words, y))
        store["RNN"] = _chunked_accuracy(rnn, x, y, lengths)
    return exp


def _chunked_accuracy(model, x, y, lengths, chunk=32):
    pred = np.concatenate([model.predict(x[s:s + chunk], lengths[s:s + chunk]) for s in range(0, len(y), chunk)])
    return float(np.mean(pred == y))


def accuracy_table(experiments, which="test"):
    """A text table of accuracies: one row per model, one column per split.

    Parameters
    ----------
    experiments : sequence of SplitExperiment
    which : {"test", "val"}

    Returns
    -------
    str
    """
    experiments = list(experiments)
    if not experiments or not all(isinstance(e, SplitExperiment) for e in experiments):
        raise ValueError("experiments must be a non-empty sequence of SplitExperiment")
    if which not in ("test", "val"):
        raise ValueError(f"which must be 'test' or 'val'; got {which!r}")
    width = max(len(m) for m in MODELS) + 2
    cols = [f"{e.name} split" for e in experiments]
    cw = max(14, *(len(c) + 2 for c in cols))
    lines = [f"{which} accuracy".ljust(width) + "".join(c.rjust(cw) for c in cols)]
    for model in MODELS:
        acc = [getattr(e, f"{which}_accuracy")[model] for e in experiments]
        lines.append(model.ljust(width) + "".join(f"{a:.3f}".rjust(cw) for a in acc))
    lines.append("test words".ljust(width) + "".join(str(len(e.test if which == "test" else e.val)).rjust(cw)
                                                    for e in experiments))
    return "\n".join(lines)


def probe_table(experiments, words):
    """P(positive) of probe words under each split's RNN and n-gram model.

    Parameters
    ----------
    experiments : sequence of SplitExperiment
    words : sequence of str

    Returns
    -------
    str
        One row per word: its lexicon label (if any), and per split whether the word itself was a
        training word, and the two models' probabilities.
    """
    experiments = list(experiments)
    words = _check_words(words)
    if not experiments or not all(isinstance(e, SplitExperiment) for e in experiments):
        raise ValueError("experiments must be a non-empty sequence of SplitExperiment")
    from ..data import encode_words

    x, lengths = encode_words(words)
    header = "word".ljust(14) + "label".ljust(7)
    for e in experiments:
        header += f"| {e.name}: in train?  RNN  n-gram ".ljust(36)
    lines = [header.rstrip()]
    probs = [(e.rnn.predict_proba(x, lengths), e.ngram.predict_proba(words)[:, 1]) for e in experiments]
    for n, w in enumerate(words):
        label = _lexicon_label(experiments[0], w)
        row = w.ljust(14) + label.ljust(7)
        for e, (p_rnn, p_ng) in zip(experiments, probs):
            seen = "yes" if w in set(e.train.words) else "no"
            row += f"| {' ' * len(e.name)}  {seen:>9}  {p_rnn[n]:.2f}  {p_ng[n]:.2f}".ljust(36)
        lines.append(row.rstrip())
    return "\n".join(lines)


def _lexicon_label(exp, word):
    for s in (exp.train, exp.val, exp.test):
        if word in s.words:
            return "pos" if s.labels[s.words.index(word)] == 1 else "neg"
    return "-"


# --------------------------------------------------------------------------------------------
# Backpropagation through time, step by step, and what the unrolled diagram shows for one word
# --------------------------------------------------------------------------------------------


class StepGradients(NamedTuple):
    """Gradients of a loss at every step of a recurrent layer (batch N, T steps, hidden size H).

    Arrays over time hold step t (t = 1..T) at index ``[:, t-1]``, as ``hs`` does.
    """

    dh: np.ndarray  # (N, T, H)  dL/dh_t, total: from the loss at step t and through step t+1
    dc: np.ndarray | None  # (N, T, H)  dL/dc_t, total (LSTM only; None for an RNN)
    dx: np.ndarray  # (N, T, D)  dL/dx_t
    dh0: np.ndarray  # (N, H)     dL/dh_0, the initial state
    dWx: np.ndarray  # summed over steps, shape of Wx
    dWh: np.ndarray  # summed over steps, shape of Wh
    db: np.ndarray  # summed over steps, shape of b


def step_gradients(dhs, cache, fprime=None):
    r"""Backpropagation through time one step at a time, keeping every step's gradient.

    Parameters
    ----------
    dhs : array_like, shape (N, T, H)
        Gradient of the loss with respect to each hidden state from the loss directly (zeros
        except the last step for a many-to-one model); ``dhs[:, t-1]`` belongs to :math:`h_t`.
    cache : rnnlib.rnn.RNNCache or rnnlib.lstm.LSTMCache
        From :func:`rnnlib.rnn.rnn_forward` or :func:`rnnlib.lstm.lstm_forward`.
    fprime : array_like, shape (N, T, H), optional
        RNN only: the activation's derivative :math:`f'(a_t)` at every step, for an RNN whose
        activation is not tanh (``fprime[:, t-1]`` for step t). By default the library's
        :math:`\tanh'(a_t) = 1 - h_t^2`.

    Returns
    -------
    StepGradients
        ``dh`` (and for an LSTM ``dc``), shape (N, T, H): the *total* gradient of every
        :math:`h_t` (and :math:`c_t`); ``dx``, ``dh0``, ``dWx``, ``dWh``, ``db`` equal those of
        :func:`rnnlib.rnn.rnn_backward` / :func:`rnnlib.lstm.lstm_backward`.

    Notes
    -----
    A loop over :func:`rnnlib.rnn.rnn_step_backward` (or :func:`rnnlib.lstm.lstm_step_backward`)
    from :math:`t = T` down to 1. Two gradients reach :math:`h_t`, the loss's own and the one
    from step t+1:

    .. math::
        \frac{\partial L}{\partial h_t} = \frac{\partial L}{\partial h_t}\Big|_{\text{direct}}
        + \Big(\frac{\partial L}{\partial h_{t+1}} \odot f'(a_{t+1})\Big) W_h^\top

    For an LSTM the cell state carries a second gradient, kept here as well:

    .. math::
        \frac{\partial L}{\partial c_t} = \frac{\partial L}{\partial c_{t+1}} \odot f_{t+1}
        + \frac{\partial L}{\partial h_t} \odot o_t \odot (1 - \tanh^2 c_t)

    The step function adds the second term itself; it is recomputed here only to be kept.
    With ``fprime``, the loop applies :math:`f'(a_t)` itself and hands the step function a cache
    with :math:`h_t = 0`, whose :math:`\tanh' = 1 - 0^2 = 1` then passes it on unchanged.
    """
    if isinstance(cache, LSTMCache):
        if fprime is not None:
            raise ValueError("fprime must be None for an LSTM (its gates have fixed activations); got an array")
        return _lstm_step_gradients(dhs, cache)
    if not isinstance(cache, RNNCache):
        raise ValueError(f"cache must be the RNNCache of rnn_forward or the LSTMCache of lstm_forward; "
                         f"got {type(cache).__name__}")
    x, h0, Wx, Wh, hs = cache.x, cache.h0, cache.Wx, cache.Wh, cache.hs
    N, T, H = hs.shape
    dhs = as_array("dhs", dhs, (N, T, H))
    if fprime is not None:
        fprime = as_array("fprime", fprime, (N, T, H))
    dh_total = np.empty_like(hs)  # (N, T, H)
    dx = np.empty(x.shape, dtype=hs.dtype)  # (N, T, D)
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(H, dtype=hs.dtype)
    dh_next = np.zeros_like(h0)  # (N, H)  dL/dh_t arriving from step t+1 (none after T)
    for t in range(T, 0, -1):  # hs[:, t-1] is h_t
        h_prev = h0 if t == 1 else hs[:, t - 2]  # (N, H)  h_{t-1}
        dh = dhs[:, t - 1] + dh_next  # (N, H)  total dL/dh_t
        dh_total[:, t - 1] = dh
        step = RNNStepCache(x=x[:, t - 1], h_prev=h_prev, Wx=Wx, Wh=Wh, h=hs[:, t - 1])
        if fprime is not None:  # another activation: dL/da_t = dL/dh_t * f'(a_t), then a step with tanh' = 1
            dh, step = dh * fprime[:, t - 1], step._replace(h=np.zeros_like(dh))
        dx[:, t - 1], dh_next, dWx_t, dWh_t, db_t = rnn_step_backward(dh, step)
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return StepGradients(dh_total, None, dx, dh_next, dWx, dWh, db)


def _lstm_step_gradients(dhs, cache):
    """:func:`step_gradients` for an :class:`rnnlib.lstm.LSTMCache`."""
    x, h0, Wx, Wh, hs, cs = cache.x, cache.h0, cache.Wx, cache.Wh, cache.hs, cache.cs
    N, T, H = hs.shape
    dhs = as_array("dhs", dhs, (N, T, H))
    dh_total, dc_total = np.empty_like(hs), np.empty_like(hs)  # (N, T, H) each
    dx = np.empty(x.shape, dtype=hs.dtype)  # (N, T, D)
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(4 * H, dtype=hs.dtype)
    dh_next = np.zeros_like(h0)  # (N, H)  arriving from step t+1 through h
    dc_next = np.zeros_like(h0)  # (N, H)  arriving from step t+1 through c (the highway)
    for t in range(T, 0, -1):  # [:, t-1] is step t
        h_prev = h0 if t == 1 else hs[:, t - 2]  # (N, H)  h_{t-1}
        c_prev = np.zeros_like(h0) if t == 1 else cs[:, t - 2]  # (N, H)  c_{t-1}, c_0 = 0
        i, f, g, o, c = cache.i[:, t - 1], cache.f[:, t - 1], cache.g[:, t - 1], cache.o[:, t - 1], cs[:, t - 1]
        tanh_c = np.tanh(c)  # (N, H)
        step = LSTMStepCache(x=x[:, t - 1], h_prev=h_prev, c_prev=c_prev, Wx=Wx, Wh=Wh, i=i, f=f, g=g, o=o,
                             c=c, tanh_c=tanh_c)
        dh = dhs[:, t - 1] + dh_next  # (N, H)  total dL/dh_t
        dh_total[:, t - 1] = dh
        dc_total[:, t - 1] = dc_next + dh * o * (1.0 - tanh_c**2)  # (N, H)  total dL/dc_t
        dx[:, t - 1], dh_next, dc_next, dWx_t, dWh_t, db_t = lstm_step_backward(dh, dc_next, step)
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return StepGradients(dh_total, dc_total, dx, dh_next, dWx, dWh, db)


def classifier_step_gradients(model, x, y, lengths=None):
    r"""Per-step gradients of each sequence's own loss in a :class:`~rnnlib.model.SequenceClassifier`.

    Parameters
    ----------
    model : SequenceClassifier
    x : array_like, shape (N, T, D)
    y : array_like of int, shape (N,)
        Labels.
    lengths : array_like of int, shape (N,), optional
        True lengths of post-padded sequences.

    Returns
    -------
    StepGradients
        For sequence n, ``dh[n]`` (and ``dc[n]``) are the gradients of its own loss :math:`L_n`
        (not of the batch mean, so they do not shrink with N); the parameter gradients are of
        :math:`\sum_n L_n`.

    Notes
    -----
    The score :math:`s_n = h_{T} W_y + b_y` is read at the last (real) step:

    .. math::
        L_n = \log(1 + e^{s_n}) - y_n s_n, \qquad
        \frac{\partial L_n}{\partial s_n} = \sigma(s_n) - y_n

    With one score, :math:`\partial L_n / \partial h_t = (\sigma(s_n) - y_n)\,
    \partial s_n / \partial h_t`: the ratio of two steps' norms does not depend on the loss.
    """
    if not isinstance(model, SequenceClassifier):
        raise ValueError(f"model must be a SequenceClassifier; got {type(model).__name__}")
    s, (cell_cache, aff_cache, shape, lengths) = model.forward(x, lengths)  # s: (N, C) scores
    N = s.shape[0]
    if model.n_classes == 1:
        _, ds_mean = binary_logistic_loss(s, y)  # (N, 1)  gradient of the batch mean
    else:
        _, ds_mean = softmax_cross_entropy(s, y)  # (N, C)
    dh_last, _, _ = affine_backward(ds_mean * N, aff_cache)  # (N, H)  of each sequence's own loss
    dhs = last_step_backward(dh_last, shape, lengths)  # (N, T, H)  zero but at the last real step
    return step_gradients(dhs, cell_cache)


def hidden_state_gradients(model, word, label=1):
    r"""Norms :math:`\lVert \partial L / \partial h_t \rVert`, t = 1..T, for one word.

    Parameters
    ----------
    model : SequenceClassifier
        A binary many-to-one model with ``cell="rnn"``.
    word : str
        Lower-case a-z word; T = its length.
    label : {0, 1}
        The label y of the cross-entropy loss L (1 = positive).

    Returns
    -------
    numpy.ndarray, shape (T,)
        The gradient's norm at each step, first letter first (index t-1 for step t).
    """
    if not isinstance(model, SequenceClassifier) or model.cell != "rnn" or model.n_classes != 1:
        raise ValueError(f"model must be a binary SequenceClassifier with cell='rnn'; got {model!r}")
    if label not in (0, 1):
        raise ValueError(f"label must be 0 or 1; got {label!r}")
    grads = classifier_step_gradients(model, one_hot_word(word)[None], np.array([label]))
    return np.linalg.norm(grads.dh[0], axis=1)  # (T,)


def unrolled_trace(model, word, label=None):
    r"""Everything the unrolled diagram shows for one word, ready for ``draw_unrolled(word, **trace)``.

    Parameters
    ----------
    model : SequenceClassifier
        A binary many-to-one model with ``cell="rnn"`` on one-hot letters.
    word : str
        Lower-case a-z word.
    label : {0, 1}, optional
        If given, also the BPTT gradient norms of the loss for this label.

    Returns
    -------
    dict
        ``hidden`` (T, H): the states :math:`h_1 \dots h_T`; ``prob``: P(positive);
        ``grad_norms`` (T,) when ``label`` is given.
    """
    if not isinstance(model, SequenceClassifier) or model.cell != "rnn" or model.n_classes != 1:
        raise ValueError(f"model must be a binary SequenceClassifier with cell='rnn'; got {model!r}")
    x = one_hot_word(word)[None]  # (1, T, 26)
    trace = {"hidden": model.internals(x)["h"][0], "prob": float(model.predict_proba(x)[0])}
    if label is not None:
        trace["grad_norms"] = hidden_state_gradients(model, word, label)
    return trace


def recurrent_weight_size(model):
    r"""How strongly a many-to-one RNN's recurrent weights can stretch a vector: two numbers.

    Parameters
    ----------
    model : SequenceClassifier
        A model with ``cell="rnn"``; its ``params["Wh"]`` is :math:`W_h` (H, H).

    Returns
    -------
    dict
        ``norm``: the spectral norm :math:`\lVert W_h \rVert_2` (largest singular value, the most
        one product with :math:`W_h^\top` can stretch a vector); ``radius``: the spectral radius
        :math:`\rho(W_h) = \max_i |\lambda_i|` (the growth per step of many repeated products).

    Notes
    -----
    One step back multiplies :math:`\partial L / \partial h_t` by
    :math:`\mathrm{diag}(1 - h_t^2)\, W_h^\top`. With unsaturated units (:math:`h_t \approx 0`)
    the diagonal is close to the identity, and over many steps the gradient's norm changes by about
    :math:`\rho(W_h)` per step; :math:`\rho(W_h) \le \lVert W_h \rVert_2` always.
    """
    if not isinstance(model, SequenceClassifier) or model.cell != "rnn":
        raise ValueError(f"model must be a SequenceClassifier with cell='rnn'; got {model!r}")
    Wh = np.asarray(model.params["Wh"], dtype=float)  # (H, H)
    return {"norm": float(np.linalg.norm(Wh, 2)), "radius": float(np.max(np.abs(np.linalg.eigvals(Wh))))}
