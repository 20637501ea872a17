r"""A many-to-one sequence classifier: an RNN or LSTM cell followed by an affine readout.

::

    hs = rnn_forward(x, h0, Wx, Wh, b)          # (N, T, H)   or lstm_forward
    h_T = hs[n, lengths[n] - 1]                 # (N, H)      last real step of each sequence
    s  = h_T @ Wy + by                          # (N, C)      C = 1: one logit (binary)
"""

from __future__ import annotations

import numpy as np

from ._validate import as_array, check_dim
from .activations import sigmoid, softmax
from .losses import (
    affine_backward,
    affine_forward,
    binary_logistic_loss,
    check_lengths,
    last_step,
    last_step_backward,
    softmax_cross_entropy,
)
from .lstm import lstm_backward, lstm_forward, lstm_internals
from .rnn import rnn_backward, rnn_forward

__all__ = ["SequenceClassifier", "init_recurrent"]

CELLS = ("rnn", "lstm")
INITS = ("uniform", "orthogonal")


def init_recurrent(rng, H, n_blocks=1, scheme="uniform", scale=None):
    """Initial recurrent weights of shape (H, n_blocks * H).

    Parameters
    ----------
    rng : numpy.random.Generator
    H : int
    n_blocks : int
        1 for an RNN, 4 for an LSTM (one block per gate).
    scheme : {"uniform", "orthogonal"}
        ``"uniform"`` draws from U(-1/sqrt(H), 1/sqrt(H)) (PyTorch's default; spectral radius
        about 0.58). ``"orthogonal"`` gives each block an orthogonal matrix (every singular
        value 1), so repeated products neither shrink nor grow.
    scale : float, optional
        Multiplies the result (e.g. the spectral radius for the orthogonal scheme).
    """
    if scheme == "uniform":
        bound = 1.0 / np.sqrt(H)
        W = rng.uniform(-bound, bound, size=(H, n_blocks * H))
    elif scheme == "orthogonal":
        blocks = []
        for _ in range(n_blocks):
            q, r = np.linalg.qr(rng.standard_normal((H, H)))
            blocks.append(q * np.sign(np.diag(r)))  # sign fix: uniform over orthogonal matrices
        W = np.concatenate(blocks, axis=1)
    else:
        raise ValueError(f"scheme must be one of {INITS}; got {scheme!r}")
    return W if scale is None else W * scale


class SequenceClassifier:
    """Many-to-one classifier: a recurrent cell reads the sequence, a readout classifies it.

    Parameters
    ----------
    input_size : int
        Features per step D (26 for one-hot letters).
    hidden_size : int
        Hidden size H.
    cell : {"rnn", "lstm"}
    n_classes : int
        1 for a binary task (one logit, sigmoid + cross-entropy); C >= 2 for softmax.
    seed : int
        Seed of the initial weights.
    init : {"uniform", "orthogonal"}
        Recurrent weight initialisation (see :func:`init_recurrent`).
    forget_bias : float
        Initial bias of the LSTM's forget gate (1 is common; larger remembers longer at start).
    dtype : numpy dtype
        float64 by default.

    Attributes
    ----------
    params : dict of str to numpy.ndarray
        ``Wx`` (D, H or 4H), ``Wh`` (H, H or 4H), ``b``, ``Wy`` (H, C), ``by`` (C,).
    """

    def __init__(self, input_size, hidden_size, cell="rnn", n_classes=1, seed=0, init="uniform",
                 forget_bias=1.0, dtype=np.float64):
        self.input_size = check_dim("input_size", input_size)
        self.hidden_size = check_dim("hidden_size", hidden_size)
        self.n_classes = check_dim("n_classes", n_classes)
        if cell not in CELLS:
            raise ValueError(f"cell must be one of {CELLS}; got {cell!r}")
        if init not in INITS:
            raise ValueError(f"init must be one of {INITS}; got {init!r}")
        self.cell = cell
        self.init = init
        self.seed = seed
        D, H, C = self.input_size, self.hidden_size, self.n_classes
        k = 4 if cell == "lstm" else 1
        rng = np.random.default_rng(seed)
        bound = 1.0 / np.sqrt(H)
        b = np.zeros(k * H)
        if cell == "lstm":
            b[H:2 * H] = forget_bias  # gate order i, f, g, o
        self.params = {
            "Wx": rng.uniform(-bound, bound, size=(D, k * H)),
            "Wh": init_recurrent(rng, H, k, init),
            "b": b,
            "Wy": rng.uniform(-bound, bound, size=(H, C)),
            "by": np.zeros(C),
        }
        self.params = {name: p.astype(dtype) for name, p in self.params.items()}

    def __repr__(self):
        return (f"SequenceClassifier(input_size={self.input_size}, hidden_size={self.hidden_size}, "
                f"cell={self.cell!r}, n_classes={self.n_classes}, seed={self.seed})")

    @property
    def n_parameters(self):
        """Number of trainable numbers."""
        return int(sum(p.size for p in self.params.values()))

    def _forward_cell(self, x):
        p = self.params
        x = as_array("x", x, ("N", "T", self.input_size))
        h0 = np.zeros((x.shape[0], self.hidden_size), dtype=p["Wh"].dtype)
        fwd = lstm_forward if self.cell == "lstm" else rnn_forward
        return fwd(x, h0, p["Wx"], p["Wh"], p["b"])

    def forward(self, x, lengths=None):
        """Logits for a batch.

        Parameters
        ----------
        x : array_like, shape (N, T, D)
        lengths : array_like of int, shape (N,), optional
            True lengths of post-padded sequences (see :func:`rnnlib.data.encode_words`).

        Returns
        -------
        s : numpy.ndarray, shape (N, C)
        cache : tuple
        """
        hs, cell_cache = self._forward_cell(x)
        if lengths is not None:
            lengths = check_lengths(lengths, hs.shape[0], hs.shape[1])
        h_last = last_step(hs, lengths)  # (N, H)
        s, aff_cache = affine_forward(h_last, self.params["Wy"], self.params["by"])  # (N, C)
        return s, (cell_cache, aff_cache, hs.shape, lengths)

    def loss(self, x, y, lengths=None):
        """Loss and gradients of every parameter.

        Returns
        -------
        loss : float
        grads : dict of str to numpy.ndarray
            Same keys and shapes as ``params``.
        s : numpy.ndarray, shape (N, C)
            The logits (for accuracy without a second forward pass).
        """
        s, (cell_cache, aff_cache, shape, lengths) = self.forward(x, lengths)
        if self.n_classes == 1:
            loss, ds = binary_logistic_loss(s, y)
        else:
            loss, ds = softmax_cross_entropy(s, y)
        dh_last, dWy, dby = affine_backward(ds, aff_cache)
        dhs = last_step_backward(dh_last, shape, lengths)
        bwd = lstm_backward if self.cell == "lstm" else rnn_backward
        _, _, dWx, dWh, db = bwd(dhs, cell_cache)
        return loss, {"Wx": dWx, "Wh": dWh, "b": db, "Wy": dWy, "by": dby}, s

    def predict_proba(self, x, lengths=None):
        """Class probabilities: shape (N,) P(class 1) for a binary model, else (N, C)."""
        s, _ = self.forward(x, lengths)
        return sigmoid(s[:, 0]) if self.n_classes == 1 else softmax(s)

    def predict(self, x, lengths=None):
        """Predicted labels, shape (N,)."""
        return predictions(self.forward(x, lengths)[0])

    def accuracy(self, x, y, lengths=None):
        """Fraction of correctly classified sequences."""
        return float(np.mean(self.predict(x, lengths) == np.asarray(y)))

    def internals(self, x):
        """Every step's hidden state (and for an LSTM its gates and cell state).

        Returns
        -------
        dict of str to numpy.ndarray, each (N, T, H)
            ``"h"`` for an RNN; ``"h"``, ``"c"``, ``"i"``, ``"f"``, ``"g"``, ``"o"`` for an LSTM.
        """
        hs, cache = self._forward_cell(x)
        return lstm_internals(cache) if self.cell == "lstm" else {"h": hs}


def predictions(s):
    """Labels from logits (N, C): ``s > 0`` for one logit, ``argmax`` otherwise."""
    return (s[:, 0] > 0).astype(int) if s.shape[1] == 1 else s.argmax(axis=1)
