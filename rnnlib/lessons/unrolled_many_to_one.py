r"""Baselines for the word-sentiment task: the majority class, and a model that ignores order.

A sequence model earns its keep only if it beats what needs no sequence at all. Two yardsticks:

- the **majority class** of the training words (accuracy = share of that class in the test set);
- **logistic regression on character n-gram counts** (a bag of 1-, 2- and 3-letter pieces, with
  ``^`` and ``$`` marking the start and end of the word, so ``^un`` is a prefix and ``ss$`` a
  suffix)::

      z = X @ w + b                          # (N,)  X: (N, V) n-gram counts
      p = sigmoid(z)                         # (N,)  P(positive)

  fitted by Newton's method with conjugate-gradient steps on the L2-regularised cross-entropy.

:func:`run_split_experiment` trains the RNN and the baselines on one split of the word-sentiment
data and measures all three on its test words; :func:`accuracy_table` and :func:`probe_table`
print the comparison.

The count matrix is sparse (a word of 8 letters has about 27 n-grams out of a few thousand), so it
is stored as :class:`NgramCounts`: the (word, n-gram, count) triples that are not zero.
Numpy only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._validate import as_array, check_dim
from ..activations import sigmoid
from ..data import WordSet, one_hot_word, word_family
from ..losses import binary_logistic_loss
from ..model import SequenceClassifier
from ..train import Callback, History, train

__all__ = [
    "backprop_hidden",
    "hidden_state_gradients",
    "unrolled_trace",
    "NgramCounts",
    "NgramFeaturizer",
    "char_ngrams",
    "logistic_loss",
    "LogisticRegression",
    "NgramLogisticRegression",
    "majority_class",
    "majority_accuracy",
    "family_overlap",
    "BestValidation",
    "SplitExperiment",
    "run_split_experiment",
    "accuracy_table",
    "probe_table",
]

START, END = "^", "$"


def _check_words(words, name="words"):
    if isinstance(words, str):
        raise ValueError(f"{name} must be a sequence of words; got the single string {words!r} (wrap it in a list)")
    words = list(words)
    for w in words:
        if not isinstance(w, str) or not w:
            raise ValueError(f"every entry of {name} must be a non-empty string; got {w!r}")
    return words


def _check_binary_labels(y, n, name="y"):
    y = np.asarray(y)
    if y.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},) (one label per example); got shape {y.shape}")
    if y.size and not np.all((y == 0) | (y == 1)):
        raise ValueError(f"{name} must hold labels 0 and 1; got values {np.unique(y)[:5].tolist()}")
    return y.astype(np.float64)


def char_ngrams(word, n_min=1, n_max=3, boundary=True):
    """The character n-grams of one word, in order, with repeats.

    Parameters
    ----------
    word : str
    n_min, n_max : int
        Smallest and largest n-gram length.
    boundary : bool
        Wrap the word in ``^`` and ``$`` first, so that prefixes (``^un``) and suffixes
        (``ss$``) are n-grams of their own. The markers alone are not n-grams.

    Returns
    -------
    list of str

    Examples
    --------
    >>> char_ngrams("sad", 1, 2)
    ['s', 'a', 'd', '^s', 'sa', 'ad', 'd$']
    """
    s = START + word + END if boundary else word
    out = []
    for n in range(n_min, n_max + 1):
        out.extend(s[i:i + n] for i in range(len(s) - n + 1))
    return [g for g in out if g not in (START, END)]


@dataclass(frozen=True)
class NgramCounts:
    """A sparse (N, V) count matrix in coordinate form: one entry per (word, n-gram) pair.

    Attributes
    ----------
    rows : numpy.ndarray of int, shape (nnz,)
        Row (word) index of each stored entry.
    cols : numpy.ndarray of int, shape (nnz,)
        Column (n-gram) index of each stored entry.
    counts : numpy.ndarray of float, shape (nnz,)
        How often that n-gram occurs in that word.
    n_rows, n_features : int
        N and V.
    """

    rows: np.ndarray
    cols: np.ndarray
    counts: np.ndarray
    n_rows: int
    n_features: int

    @property
    def shape(self):
        return (self.n_rows, self.n_features)

    def __len__(self):
        return self.n_rows

    def matvec(self, w):
        """``X @ w`` for w of shape (V,): shape (N,)."""
        return np.bincount(self.rows, weights=self.counts * w[self.cols], minlength=self.n_rows)  # (N,)

    def rmatvec(self, r):
        """``X.T @ r`` for r of shape (N,): shape (V,)."""
        return np.bincount(self.cols, weights=self.counts * r[self.rows], minlength=self.n_features)  # (V,)

    def toarray(self):
        """The dense (N, V) matrix (for tests and small examples)."""
        dense = np.zeros(self.shape)
        np.add.at(dense, (self.rows, self.cols), self.counts)
        return dense


def _matvec(X, w):
    return X.matvec(w) if isinstance(X, NgramCounts) else X @ w


def _rmatvec(X, r):
    return X.rmatvec(r) if isinstance(X, NgramCounts) else X.T @ r


def _check_design(X, name="X"):
    if isinstance(X, NgramCounts):
        return X
    return as_array(name, X, ("N", "V"))


class NgramFeaturizer:
    """Character n-gram counts, with the vocabulary learned from the training words only.

    Parameters
    ----------
    n_min, n_max : int
        N-gram lengths (1 and 3: letters, pairs, triples).
    boundary : bool
        Mark the word's start and end (``^``, ``$``); see :func:`char_ngrams`.
    min_count : int
        Keep an n-gram only if it occurs in at least this many training words. N-grams never seen
        in training (or too rare) are ignored at transform time.

    Attributes
    ----------
    vocabulary : dict of str to int
        N-gram to column index, after :meth:`fit`.
    ngrams : list of str
        Column index to n-gram.
    """

    def __init__(self, n_min=1, n_max=3, boundary=True, min_count=1):
        self.n_min = check_dim("n_min", n_min)
        self.n_max = check_dim("n_max", n_max, lo=self.n_min)
        self.boundary = bool(boundary)
        self.min_count = check_dim("min_count", min_count)
        self.vocabulary = None
        self.ngrams = None

    def _grams(self, word):
        return char_ngrams(word, self.n_min, self.n_max, self.boundary)

    def fit(self, words):
        """Learn the vocabulary from ``words`` (sorted, so the column order is deterministic)."""
        words = _check_words(words)
        doc_freq = {}
        for w in words:
            for g in set(self._grams(w)):
                doc_freq[g] = doc_freq.get(g, 0) + 1
        self.ngrams = sorted(g for g, c in doc_freq.items() if c >= self.min_count)
        self.vocabulary = {g: k for k, g in enumerate(self.ngrams)}
        return self

    @property
    def n_features(self):
        """V, the vocabulary size."""
        self._check_fitted()
        return len(self.ngrams)

    def _check_fitted(self):
        if self.vocabulary is None:
            raise ValueError("this NgramFeaturizer is not fitted yet: call fit(train_words) first")

    def transform(self, words):
        """Count each word's known n-grams.

        Parameters
        ----------
        words : sequence of str

        Returns
        -------
        NgramCounts, shape (N, V)
        """
        self._check_fitted()
        words = _check_words(words)
        rows, cols, counts = [], [], []
        for n, w in enumerate(words):
            seen = {}
            for g in self._grams(w):
                k = self.vocabulary.get(g)
                if k is not None:
                    seen[k] = seen.get(k, 0) + 1
            rows.extend([n] * len(seen))
            cols.extend(seen.keys())
            counts.extend(seen.values())
        return NgramCounts(np.array(rows, dtype=np.intp), np.array(cols, dtype=np.intp),
                           np.array(counts, dtype=float), len(words), self.n_features)

    def fit_transform(self, words):
        """:meth:`fit` then :meth:`transform` on the same words."""
        return self.fit(words).transform(words)


def logistic_loss(w, b, X, y, l2=0.0):
    r"""Mean binary cross-entropy of a linear model plus an L2 penalty, and its gradient.

    Parameters
    ----------
    w : array_like, shape (V,)
        Weights.
    b : float
        Bias (not penalised).
    X : NgramCounts or array_like, shape (N, V)
    y : array_like, shape (N,)
        Labels in {0, 1}.
    l2 : float
        Penalty strength :math:`\lambda \ge 0`.

    Returns
    -------
    loss : float
    dw : numpy.ndarray, shape (V,)
    db : float

    Notes
    -----
    .. math::
        z = X w + b, \qquad
        L = \frac{1}{N}\sum_n \big[\log(1 + e^{z_n}) - y_n z_n\big] + \frac{\lambda}{2}\lVert w\rVert^2

    .. math::
        \frac{\partial L}{\partial w} = \frac{1}{N} X^\top(\sigma(z) - y) + \lambda w, \qquad
        \frac{\partial L}{\partial b} = \frac{1}{N}\sum_n (\sigma(z_n) - y_n)
    """
    X = _check_design(X)
    N, V = X.shape
    w = as_array("w", w, (V,))
    y = _check_binary_labels(y, N)
    if not (np.isfinite(l2) and l2 >= 0):
        raise ValueError(f"l2 must be a finite number >= 0; got {l2!r}")
    z = _matvec(X, w) + b  # (N,)
    loss = float(np.mean(np.logaddexp(0.0, z) - y * z) + 0.5 * l2 * np.dot(w, w))
    r = (sigmoid(z) - y) / N  # (N,)
    dw = _rmatvec(X, r) + l2 * w  # (V,)
    db = float(np.sum(r))
    return loss, dw, db


class LogisticRegression:
    r"""L2-regularised logistic regression fitted by Newton's method (conjugate-gradient steps).

    Parameters
    ----------
    l2 : float
        Penalty :math:`\lambda > 0` on the weights (not the bias); it also makes the problem
        strictly convex, so the optimum is unique and Newton's method converges to it.
    max_iter : int
        Newton steps at most.
    tol : float
        Stop when the gradient's norm falls below this.

    Attributes
    ----------
    w : numpy.ndarray, shape (V,)
    b : float
    loss_history : list of float
        The training loss before every Newton step and after the last.

    Notes
    -----
    Each Newton step solves :math:`(H + \text{damping})\,\Delta = -g` approximately by conjugate
    gradients, using only Hessian-vector products

    .. math:: H v = \frac{1}{N} X^\top\big(s \odot (X v)\big) + \lambda v, \qquad s = \sigma(z)(1 - \sigma(z))

    (the bias is handled as an extra, unpenalised column of ones), then backtracks along
    :math:`\Delta` until the loss decreases. Deterministic: no random numbers anywhere.
    """

    def __init__(self, l2=1e-3, max_iter=50, tol=1e-8):
        if not (np.isfinite(l2) and l2 > 0):
            raise ValueError(f"l2 must be a finite number > 0; got {l2!r}")
        self.l2 = float(l2)
        self.max_iter = check_dim("max_iter", max_iter)
        self.tol = float(tol)
        self.w = None
        self.b = 0.0
        self.loss_history = []

    def fit(self, X, y):
        """Fit to count matrix ``X`` (N, V) and labels ``y`` (N,) in {0, 1}; returns self."""
        X = _check_design(X)
        N, V = X.shape
        y = _check_binary_labels(y, N)
        lam = self.l2
        w, b = np.zeros(V), 0.0
        loss, dw, db = logistic_loss(w, b, X, y, lam)
        self.loss_history = [loss]
        for _ in range(self.max_iter):
            grad = np.append(dw, db)  # (V + 1,)
            if np.linalg.norm(grad) < self.tol:
                break
            p = sigmoid(_matvec(X, w) + b)  # (N,)
            s = p * (1.0 - p) / N  # (N,)  curvature of each example

            def hess_vec(v, s=s):
                u = _matvec(X, v[:-1]) + v[-1]  # (N,)
                su = s * u  # (N,)
                return np.append(_rmatvec(X, su) + lam * v[:-1], np.sum(su)) + 1e-10 * v  # (V + 1,)

            step = _conjugate_gradient(hess_vec, -grad, iters=50)
            t = 1.0
            while t > 1e-8:  # backtracking line search (Armijo)
                new = logistic_loss(w + t * step[:-1], b + t * step[-1], X, y, lam)
                if new[0] <= loss + 1e-4 * t * np.dot(grad, step):
                    break
                t *= 0.5
            w, b = w + t * step[:-1], b + t * step[-1]
            loss, dw, db = new
            self.loss_history.append(loss)
        self.w, self.b = w, float(b)
        return self

    def _check_fitted(self):
        if self.w is None:
            raise ValueError("this LogisticRegression is not fitted yet: call fit(X, y) first")

    def decision_function(self, X):
        """Logits ``X @ w + b``, shape (N,)."""
        self._check_fitted()
        X = _check_design(X)
        if X.shape[1] != self.w.shape[0]:
            raise ValueError(f"X must have {self.w.shape[0]} columns (the fitted features); got shape {X.shape}")
        return _matvec(X, self.w) + self.b  # (N,)

    def predict_proba(self, X):
        """P(label 1) for every row, shape (N,)."""
        return sigmoid(self.decision_function(X))

    def predict(self, X):
        """Labels in {0, 1}, shape (N,)."""
        return (self.decision_function(X) > 0).astype(int)

    def accuracy(self, X, y):
        """Fraction of rows classified correctly."""
        X = _check_design(X)
        y = _check_binary_labels(y, X.shape[0])
        return float(np.mean(self.predict(X) == y))


def _conjugate_gradient(matvec, rhs, iters=50, rtol=1e-6):
    """Approximately solve ``A x = rhs`` for symmetric positive definite A given ``matvec``."""
    x = np.zeros_like(rhs)
    r = rhs.copy()
    d = r.copy()
    rr = float(r @ r)
    stop = (rtol * np.linalg.norm(rhs)) ** 2
    for _ in range(iters):
        if rr <= stop:
            break
        Ad = matvec(d)
        alpha = rr / float(d @ Ad)
        x += alpha * d
        r -= alpha * Ad
        rr_new = float(r @ r)
        d = r + (rr_new / rr) * d
        rr = rr_new
    return x


class NgramLogisticRegression:
    """Character n-gram counts + logistic regression, taking words directly.

    Parameters
    ----------
    l2 : float
        Penalty of the logistic regression.
    n_min, n_max, boundary, min_count
        Passed to :class:`NgramFeaturizer`.

    Examples
    --------
    >>> model = NgramLogisticRegression().fit(["good", "glad", "bad", "sad"], [1, 1, 0, 0])
    >>> model.predict(["goodness"]).tolist()
    [1]
    """

    def __init__(self, l2=1e-3, n_min=1, n_max=3, boundary=True, min_count=1):
        self.featurizer = NgramFeaturizer(n_min, n_max, boundary, min_count)
        self.classifier = LogisticRegression(l2)

    def fit(self, words, labels):
        """Learn the n-gram vocabulary and the weights from the training words."""
        X = self.featurizer.fit_transform(words)
        self.classifier.fit(X, labels)
        return self

    def predict_proba(self, words):
        """P(positive) per word, shape (N,)."""
        return self.classifier.predict_proba(self.featurizer.transform(words))

    def predict(self, words):
        """Labels per word, shape (N,)."""
        return self.classifier.predict(self.featurizer.transform(words))

    def accuracy(self, words, labels):
        """Fraction of words classified correctly."""
        return self.classifier.accuracy(self.featurizer.transform(words), labels)

    def top_ngrams(self, k=10):
        """The ``k`` most positive and ``k`` most negative n-grams with their weights.

        Returns
        -------
        positive, negative : list of (str, float)
            Sorted by weight, strongest first.
        """
        k = check_dim("k", k)
        self.classifier._check_fitted()
        w = self.classifier.w
        order = np.argsort(w, kind="stable")
        grams = self.featurizer.ngrams
        positive = [(grams[j], float(w[j])) for j in order[::-1][:k]]
        negative = [(grams[j], float(w[j])) for j in order[:k]]
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
        z = np.concatenate([self.model.forward(self.x[s:s + self.chunk], self.lengths[s:s + self.chunk])[0]
                            for s in range(0, len(self.y), self.chunk)])  # (N, 1)
        loss, _ = binary_logistic_loss(z, self.y)
        return loss, float(np.mean((z[:, 0] > 0).astype(int) == self.y))

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
    ngram : NgramLogisticRegression
        With the L2 strength chosen on the validation words.
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
    ngram: NgramLogisticRegression
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
                         batch_size=32, clip=5.0, seed=0, l2_grid=(1e-4, 1e-3, 1e-2)):
    """Train the many-to-one RNN and both baselines on one split; measure them on its test words.

    Model selection uses the validation words only: the RNN keeps the weights of its best
    validation epoch (:class:`BestValidation`), the n-gram model the L2 strength with the best
    validation accuracy. The test words are touched once, at the end.

    Parameters
    ----------
    name : str
        The split's name (for the tables).
    train_set, val_set, test_set : WordSet
        From :func:`rnnlib.data.split_random` or :func:`rnnlib.data.split_by_family`.
    hidden_size, epochs, optimizer, lr, batch_size, clip, seed
        The RNN and its training (:func:`rnnlib.train.train`); ``seed`` seeds weights and shuffling.
    l2_grid : sequence of float
        L2 strengths tried for the logistic regression.

    Returns
    -------
    SplitExperiment
    """
    for arg, value in (("train_set", train_set), ("val_set", val_set), ("test_set", test_set)):
        if not isinstance(value, WordSet) or len(value) == 0:
            raise ValueError(f"{arg} must be a non-empty WordSet; got {type(value).__name__}")
    if not len(l2_grid):
        raise ValueError("l2_grid must hold at least one L2 strength")
    T = max(len(w) for s in (train_set, val_set, test_set) for w in s.words)
    x_tr, y_tr, l_tr = train_set.encode(T)
    x_va, y_va, l_va = val_set.encode(T)
    x_te, y_te, l_te = test_set.encode(T)

    rnn = SequenceClassifier(26, hidden_size, cell="rnn", seed=seed)
    tracker = BestValidation(rnn, x_va, y_va, l_va)
    history = train(rnn, x_tr, y_tr, lengths=l_tr, epochs=epochs, batch_size=batch_size, optimizer=optimizer, lr=lr,
                    clip=clip, seed=seed, callbacks=[tracker])
    history.val_loss.extend(tracker.loss)
    history.val_accuracy.extend(tracker.accuracy)
    tracker.restore()

    candidates = [NgramLogisticRegression(l2=l2).fit(train_set.words, train_set.labels) for l2 in l2_grid]
    val_scores = [m.accuracy(val_set.words, val_set.labels) for m in candidates]
    ngram = candidates[int(np.argmax(val_scores))]

    exp = SplitExperiment(name, train_set, val_set, test_set, rnn, history, tracker.best_epoch, ngram)
    for store, (x, y, lengths, words) in ((exp.val_accuracy, (x_va, y_va, l_va, val_set.words)),
                                          (exp.test_accuracy, (x_te, y_te, l_te, test_set.words))):
        store["majority class"] = majority_accuracy(y_tr, y)
        store["n-gram logistic regression"] = ngram.accuracy(words, y)
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
    probs = [(e.rnn.predict_proba(x, lengths), e.ngram.predict_proba(words)) for e in experiments]
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
# What the unrolled diagram shows for one word
# --------------------------------------------------------------------------------------------


def backprop_hidden(dh_last, hs, Wh):
    r"""The gradient of a loss read from the last hidden state with respect to every :math:`h_t`.

    Parameters
    ----------
    dh_last : array_like, shape (N, H)
        :math:`\partial L / \partial h_T`.
    hs : array_like, shape (N, T, H)
        Hidden states from :func:`rnnlib.rnn_forward`.
    Wh : array_like, shape (H, H)
        Recurrent weights.

    Returns
    -------
    dhs_total : numpy.ndarray, shape (N, T, H)
        ``dhs_total[:, t]`` is :math:`\partial L / \partial h_t` (code step t; the diagram's
        :math:`h_{t+1}`).

    Notes
    -----
    .. math:: \frac{\partial L}{\partial h_{t-1}} = \Big(\frac{\partial L}{\partial h_t} \odot (1 - h_t^2)\Big) W_h^\top
    """
    hs = np.asarray(hs, dtype=float)
    if hs.ndim != 3:
        raise ValueError(f"hs must have shape (N, T, H); got shape {hs.shape}")
    N, T, H = hs.shape
    dh_last = np.asarray(dh_last, dtype=float)
    if dh_last.shape != (N, H):
        raise ValueError(f"dh_last must have shape (N, H) = ({N}, {H}); got shape {dh_last.shape}")
    Wh = np.asarray(Wh, dtype=float)
    if Wh.shape != (H, H):
        raise ValueError(f"Wh must have shape (H, H) = ({H}, {H}); got shape {Wh.shape}")
    out = np.empty_like(hs)  # (N, T, H)
    dh = dh_last  # (N, H)
    for t in reversed(range(T)):
        out[:, t] = dh
        da = dh * (1.0 - hs[:, t] ** 2)  # (N, H)
        dh = da @ Wh.T  # (N, H)   to the step before
    return out


def hidden_state_gradients(model, word, label=1):
    r"""Norms :math:`\lVert \partial L / \partial h_t \rVert`, t = 1..T, for one word.

    Parameters
    ----------
    model : SequenceClassifier
        A binary many-to-one model with ``cell="rnn"``.
    word : str
        Lower-case a-z word; T = its length.
    label : {0, 1}
        The label of the cross-entropy loss L (1 = positive).

    Returns
    -------
    numpy.ndarray, shape (T,)
        The gradient's norm at each step, first letter first.
    """
    if not isinstance(model, SequenceClassifier) or model.cell != "rnn" or model.n_classes != 1:
        raise ValueError(f"model must be a binary SequenceClassifier with cell='rnn'; got {model!r}")
    if label not in (0, 1):
        raise ValueError(f"label must be 0 or 1; got {label!r}")
    x = one_hot_word(word)[None]  # (1, T, 26)
    z, (cell_cache, _, _, _) = model.forward(x)  # (1, 1)
    _, dz = binary_logistic_loss(z, np.array([label]))  # (1, 1)
    dh_last = dz @ model.params["Wy"].T  # (1, H)
    dhs = backprop_hidden(dh_last, cell_cache.hs, model.params["Wh"])  # (1, T, H)
    return np.linalg.norm(dhs[0], axis=1)  # (T,)


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
