r"""Two models built from the same cells: a many-to-one classifier and a many-to-many language model.

:class:`SequenceClassifier` (many-to-one)::

    hs = rnn_forward(x, h0, Wx, Wh, b)          # (N, T, H)   or lstm_forward, gru_forward
    h_T = hs[n, lengths[n] - 1]                 # (N, H)      last real step of each sequence
    s  = h_T @ Wy + by                          # (N, C)      C = 1: one logit (binary)

:class:`CharLanguageModel` (many-to-many: a score vector over the V letters at every step)::

    h0 = Wc[condition]  or zeros                # (N, H)      label-conditioned initial state
    hs = rnn_forward(onehot(x), h0, Wx, Wh, b)  # (N, T, H)   x (N, T) letter ids; or lstm_forward, gru_forward
    s  = hs @ Wy + by                           # (N, T, V)   s[:, t-1] scores the letter after x_t

:class:`BlankReader` (one letter of a word replaced by a blank; restore it from its context)::

    hs = reader_forward(onehot(x)) or bidirectional_forward(onehot(x))  # (N, T, H or 2H)
    h  = hs[n, position[n] - 1]                 # (N, H or 2H) the state(s) at the blank's step t
    s  = h @ Wy + by                            # (N, 26)     scores of the 26 letters

All run their cell through :func:`cell_forward` and :func:`cell_backward`, one dispatch for the
three cells (the GRU has two biases, ``bx`` and ``bh``, where the RNN and the LSTM have one, ``b``).
"""

from __future__ import annotations

import numpy as np

from ._validate import as_array, check_dim
from .activations import sigmoid, softmax
from .bidirectional import bidirectional_backward, bidirectional_forward, reader_backward, reader_forward
from .cells import BIASES, BLOCKS, CELLS, cell_backward, cell_forward
from .data import ALPHABET, BLANK, SMUDGE_SYMBOLS, encode_smudged
from .gru import gru_internals, gru_step_forward
from .losses import (
    affine_backward,
    affine_forward,
    binary_logistic_loss,
    check_lengths,
    last_step,
    last_step_backward,
    per_letter_cross_entropy,
    softmax_cross_entropy,
    temporal_affine_backward,
    temporal_affine_forward,
    temporal_softmax_loss,
)
from .lstm import lstm_internals, lstm_step_forward
from .rnn import rnn_step_forward
from .sample import next_letter_distribution, sample_next

__all__ = ["SequenceClassifier", "CharLanguageModel", "BlankReader", "init_recurrent", "cell_forward", "cell_backward",
           "CELLS", "BIASES"]  # the dispatch lives in rnnlib.cells; its names stay importable from here

INITS = ("uniform", "orthogonal")


def init_recurrent(rng, H, n_blocks=1, scheme="uniform", scale=None):
    """Initial recurrent weights of shape (H, n_blocks * H).

    Parameters
    ----------
    rng : numpy.random.Generator
    H : int
    n_blocks : int
        1 for an RNN, 4 for an LSTM, 3 for a GRU (one block per gate).
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


def cell_and_readout_params(rng, D, H, C, cell="rnn", init="uniform", forget_bias=1.0):
    """Initial weights of a recurrent cell and its affine read-out, drawn in a fixed order.

    Parameters
    ----------
    rng : numpy.random.Generator
    D, H, C : int
        Input features, hidden size, read-out outputs (classes or vocabulary size).
    cell : {"rnn", "lstm", "gru"}
    init : {"uniform", "orthogonal"}
        Scheme of the recurrent weights (:func:`init_recurrent`).
    forget_bias : float
        Initial forget-gate bias (LSTM only).

    Returns
    -------
    dict of str to numpy.ndarray
        ``Wx`` (D, kH), ``Wh`` (H, kH), ``b`` (kH,), ``Wy`` (H, C), ``by`` (C,), k = 4 for the LSTM
        (gate blocks i, f, g, o), 1 for the RNN. The GRU (k = 3, blocks r, z, n) has two biases
        ``bx`` and ``bh`` (3H,) in place of ``b``, as PyTorch's ``bias_ih`` and ``bias_hh``. Input and
        read-out weights are U(-1/sqrt(H), 1/sqrt(H)) (PyTorch's default), biases 0 except the
        forget gate's.

    Notes
    -----
    PyTorch also draws its biases from U(-1/sqrt(H), 1/sqrt(H)); the course starts every bias at 0
    (except the LSTM's forget gate), and the GRU follows the course's convention. The random draws
    are in the same order for every cell (Wx, Wh, Wy), so a seed gives the RNN and the LSTM the
    weights they always had.
    """
    params = cell_params(rng, D, H, cell, init, forget_bias)  # the draws: Wx, Wh, then Wy, in this order
    bound = 1.0 / np.sqrt(H)
    Wy = rng.uniform(-bound, bound, size=(H, C))
    return {**params, "Wy": Wy, "by": np.zeros(C)}


def cell_params(rng, D, H, cell="rnn", init="uniform", forget_bias=1.0):
    """Initial weights of one recurrent cell: ``Wx`` then ``Wh`` drawn from ``rng``, the biases set.

    Parameters
    ----------
    rng : numpy.random.Generator
    D, H : int
        Input features and hidden size.
    cell : {"rnn", "lstm", "gru"}
    init : {"uniform", "orthogonal"}
    forget_bias : float
        Initial forget-gate bias (LSTM only).

    Returns
    -------
    dict of str to numpy.ndarray
        ``Wx`` (D, kH) from U(-1/sqrt(H), 1/sqrt(H)), ``Wh`` (H, kH) by :func:`init_recurrent`, and
        ``b`` (kH,) (``bx`` and ``bh`` for the GRU), as in :func:`cell_and_readout_params`.
    """
    k = BLOCKS[cell]
    bound = 1.0 / np.sqrt(H)
    if cell == "gru":
        biases = {"bx": np.zeros(k * H), "bh": np.zeros(k * H)}  # zeros, the course's convention (not PyTorch's)
    else:
        b = np.zeros(k * H)
        if cell == "lstm":
            b[H:2 * H] = forget_bias  # gate order i, f, g, o
        biases = {"b": b}
    Wx = rng.uniform(-bound, bound, size=(D, k * H))  # (D, kH)
    Wh = init_recurrent(rng, H, k, init)  # (H, kH)
    return {"Wx": Wx, "Wh": Wh, **biases}


class SequenceClassifier:
    """Many-to-one classifier: a recurrent cell reads the sequence, a readout classifies it.

    Parameters
    ----------
    input_size : int
        Features per step D (26 for one-hot letters).
    hidden_size : int
        Hidden size H.
    cell : {"rnn", "lstm", "gru"}
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
        ``Wx`` (D, H or 4H or 3H), ``Wh`` (H, H or 4H or 3H), ``b`` (``bx`` and ``bh`` for a GRU),
        ``Wy`` (H, C), ``by`` (C,).
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
        rng = np.random.default_rng(seed)
        self.params = cell_and_readout_params(rng, self.input_size, self.hidden_size, self.n_classes, cell, init,
                                              forget_bias)
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
        return cell_forward(self.cell, x, h0, p)

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
        _, _, grads = cell_backward(self.cell, dhs, cell_cache)  # Wx, Wh and the cell's biases
        return loss, {**grads, "Wy": dWy, "by": dby}, s

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
        """Every step's hidden state (and for an LSTM or a GRU its gates).

        Returns
        -------
        dict of str to numpy.ndarray, each (N, T, H)
            ``"h"`` for an RNN; ``"h"``, ``"c"``, ``"i"``, ``"f"``, ``"g"``, ``"o"`` for an LSTM;
            ``"h"``, ``"r"``, ``"z"``, ``"n"`` for a GRU.
        """
        hs, cache = self._forward_cell(x)
        if self.cell == "lstm":
            return lstm_internals(cache)
        return gru_internals(cache) if self.cell == "gru" else {"h": hs}


def predictions(s):
    """Labels from logits (N, C): ``s > 0`` for one logit, ``argmax`` otherwise."""
    return (s[:, 0] > 0).astype(int) if s.shape[1] == 1 else s.argmax(axis=1)


def check_ids(name, ids, V, spec):
    """Validate integer ids in [0, V) of shape ``spec`` (names bind nothing); return an int array."""
    arr = np.asarray(ids)
    shape = "(" + ", ".join(str(d) for d in spec) + ("," if len(spec) == 1 else "") + ")"
    if arr.dtype.kind not in "iuf" or arr.ndim != len(spec) or any(
            isinstance(want, int) and want != got for want, got in zip(spec, arr.shape)):
        raise ValueError(f"{name} must be an integer array of shape {shape}; got shape {arr.shape} "
                         f"and dtype {arr.dtype}")
    if arr.size and not np.all((arr >= 0) & (arr < V) & (arr == np.round(arr))):
        raise ValueError(f"{name} must hold integer ids in [0, {V - 1}] ({V} of them); "
                         f"got values from {arr.min()} to {arr.max()}")
    return arr.astype(np.intp)


class CharLanguageModel:
    r"""Many-to-many character language model: a score for every possible next letter at every step.

    The model reads letter ids x (N, T) and at step t scores the letter that follows: the target
    y_t is the letter after x_t. Training uses teacher forcing: the inputs are the true letters
    (``inputs = word[:-1]``, ``targets = word[1:]`` of a word wrapped in a start and an end
    symbol), never the model's own guesses. Writing a word (one-to-many) feeds the model's own
    draws back in, one letter at a time: :meth:`sample`.

    Parameters
    ----------
    vocab_size : int
        Number of symbols V (letters plus, for example, a start and an end symbol).
    hidden_size : int
        Hidden size H.
    cell : {"rnn", "lstm", "gru"}
    seed : int
        Seed of the initial weights.
    init : {"uniform", "orthogonal"}
        Recurrent weight initialisation (see :func:`init_recurrent`).
    forget_bias : float
        Initial bias of the LSTM's forget gate.
    n_conditions : int
        C >= 1: a label in [0, C) per sequence (for example the sentiment) sets the initial state,
        h_0 = onehot(label) W_c, as an image sets it in captioning. 0 (default): h_0 = 0.
    embedding_size : int, optional
        E: look each letter up in a learned embedding W_e (V, E) before the cell, so W_x is
        (E, H). By default the input is the one-hot letter and W_x is (V, H).

    Attributes
    ----------
    params : dict of str to numpy.ndarray
        ``Wx`` (V or E, H or 4H or 3H), ``Wh`` (H, H or 4H or 3H), ``b`` (``bx`` and ``bh`` for a
        GRU), ``Wy`` (H, V), ``by`` (V,); ``We``
        (V, E) with an embedding; ``Wc`` (C, H) with conditions.

    Notes
    -----
    .. math::
        h_0 = \mathrm{onehot}(\text{label}) W_c \ \text{(or 0)}, \qquad
        h_t = \tanh(x_t W_x + h_{t-1} W_h + b), \qquad
        s_t = h_t W_y + b_y, \qquad
        L = -\frac{1}{N} \sum_{n,t} m_{n,t} \log \mathrm{softmax}(s_{n,t})_{y_{n,t}}

    (the LSTM's or the GRU's step instead of the tanh line; the LSTM's c_0 = 0). A one-hot row times a matrix picks
    one of its rows: ``onehot(k) @ Wx == Wx[k]``. So the one-hot input is a row lookup in W_x,
    and an embedding is the same lookup in a smaller table W_e, followed by W_x. Likewise
    ``onehot(label) @ Wc == Wc[label]``: each label learns its own starting state.

    A long stream is read in chunks by passing the previous chunk's last state as ``h0`` (RNN
    or GRU: their whole state is h) and asking for the new one (``return_state=True``): the state crosses the chunk
    boundary, the gradient does not (truncated backpropagation through time, notebook 07).
    """

    per_step_targets = True  # train() reads: y is (N, T), one target per step

    def __init__(self, vocab_size, hidden_size, cell="rnn", seed=0, init="uniform", forget_bias=1.0,
                 n_conditions=0, embedding_size=None):
        self.vocab_size = check_dim("vocab_size", vocab_size, lo=2)
        self.hidden_size = check_dim("hidden_size", hidden_size)
        self.n_conditions = check_dim("n_conditions", n_conditions, lo=0)
        self.embedding_size = None if embedding_size is None else check_dim("embedding_size", embedding_size)
        if cell not in CELLS:
            raise ValueError(f"cell must be one of {CELLS}; got {cell!r}")
        if init not in INITS:
            raise ValueError(f"init must be one of {INITS}; got {init!r}")
        self.cell, self.init, self.seed = cell, init, seed
        V, H, C, E = self.vocab_size, self.hidden_size, self.n_conditions, self.embedding_size
        D = V if E is None else E  # what the cell reads at each step
        rng = np.random.default_rng(seed)
        self.params = cell_and_readout_params(rng, D, H, V, cell, init, forget_bias)
        if E is not None:
            self.params["We"] = rng.standard_normal((V, E))  # N(0, 1), as PyTorch's nn.Embedding
        if C:
            self.params["Wc"] = rng.uniform(-1.0 / np.sqrt(H), 1.0 / np.sqrt(H), size=(C, H))

    def __repr__(self):
        extra = "" if self.embedding_size is None else f", embedding_size={self.embedding_size}"
        extra += f", n_conditions={self.n_conditions}" if self.n_conditions else ""
        return (f"CharLanguageModel(vocab_size={self.vocab_size}, hidden_size={self.hidden_size}, "
                f"cell={self.cell!r}, seed={self.seed}{extra})")

    @property
    def n_parameters(self):
        """Number of trainable numbers."""
        return int(sum(p.size for p in self.params.values()))

    def check_ids(self, name, ids, ndim=2):
        """Letter ids in [0, V): shape (N, T) (``ndim=2``) or (N,) (``ndim=1``); an int array."""
        return check_ids(name, ids, self.vocab_size, ("N", "T")[:ndim])

    def _embed(self, x):
        """The cell's input for letter ids x (any shape): one-hot rows, or embedding rows We[x]."""
        if self.embedding_size is None:
            return np.eye(self.vocab_size)[x]  # (..., V)  onehot(x); onehot(x) @ Wx is Wx[x]
        return self.params["We"][x]  # (..., E)

    def initial_state(self, N, condition=None):
        """h_0 (N, H): ``Wc[condition]`` for a conditioned model, zeros otherwise.

        Parameters
        ----------
        N : int
        condition : array_like of int, shape (N,), optional
            Required when the model has ``n_conditions >= 1``, refused otherwise.
        """
        C, H = self.n_conditions, self.hidden_size
        if C == 0:
            if condition is not None:
                raise ValueError("condition is only for a model built with n_conditions >= 1; got a "
                                 "condition for a model with n_conditions=0")
            return np.zeros((N, H)), None
        if condition is None:
            raise ValueError(f"condition must be given: an integer array of shape ({N},) with values in "
                             f"[0, {C - 1}] (the model has n_conditions={C}); got None")
        condition = check_ids("condition", condition, C, (N,))
        return self.params["Wc"][condition], condition  # (N, H)  onehot(condition) @ Wc

    def given_state(self, N, h0, condition=None):
        """A carried initial state h_0 (N, H), checked: RNN or GRU only, never together with a condition."""
        if condition is not None:
            raise ValueError("h0 and condition are exclusive (the condition sets h_0 = Wc[condition]); "
                             "got both")
        if self.cell == "lstm":
            raise ValueError("h0 can only be given to an RNN language model (or a GRU one, whose state is h "
                             "alone): an LSTM would also need its cell state c_0, and lstm_forward starts from "
                             "c_0 = 0; got cell='lstm'")
        return as_array("h0", h0, (N, self.hidden_size))

    def _forward(self, x, condition=None, h0=None):
        p = self.params
        x = self.check_ids("x", x)  # (N, T)
        if h0 is None:
            h0, condition = self.initial_state(x.shape[0], condition)  # (N, H)
        else:
            h0 = self.given_state(x.shape[0], h0, condition)  # (N, H)  carried in: a constant, no gradient
        hs, cell_cache = cell_forward(self.cell, self._embed(x), h0, p)  # (N, T, H)
        s, aff_cache = temporal_affine_forward(hs, p["Wy"], p["by"])  # (N, T, V)
        return s, (x, condition, cell_cache, aff_cache)

    def forward(self, x, condition=None, *, h0=None, return_state=False):
        """Scores of the next letter at every step.

        Parameters
        ----------
        x : array_like of int, shape (N, T)
            Letter ids in [0, V).
        condition : array_like of int, shape (N,), optional
            One label per sequence in [0, C); only (and always) with ``n_conditions >= 1``.
        h0 : array_like, shape (N, H), optional
            Start from this hidden state instead of :meth:`initial_state` (RNN or GRU; not with
            ``condition``): the state carried in from the previous chunk of a long stream.
        return_state : bool
            Also return h_T, the state to carry into the next chunk.

        Returns
        -------
        s : numpy.ndarray, shape (N, T, V)
            ``s[:, t-1]`` scores the letter that follows x_t.
        h_T : numpy.ndarray, shape (N, H)
            Only with ``return_state``: the last step's hidden state ``hs[:, -1]``.
        """
        s, (_, _, cell_cache, _) = self._forward(x, condition, h0)
        return (s, cell_cache.hs[:, -1].copy()) if return_state else s

    def loss(self, x, y, mask=None, condition=None, *, h0=None, return_state=False):
        """Masked temporal softmax loss and the gradient of every parameter.

        Parameters
        ----------
        x : array_like of int, shape (N, T)
            Input letter ids (teacher forcing: the true letters).
        y : array_like of int, shape (N, T)
            Targets: ``y[:, t-1]`` is the letter after ``x[:, t-1]``.
        mask : array_like of bool or 0/1, shape (N, T), optional
            1 at real steps, 0 at padding; padded steps change neither the loss nor the gradients.
        condition : array_like of int, shape (N,), optional
        h0 : array_like, shape (N, H), optional
            Start from this hidden state (RNN or GRU; not with ``condition``). It is a constant here:
            no gradient flows into it, so backpropagation stops at step 1 of this chunk. This is
            truncated backpropagation through time when h0 is the previous chunk's h_T.
        return_state : bool
            Also return h_T, the state to carry into the next chunk.

        Returns
        -------
        loss : float
            Summed over real steps, divided by N (see :func:`rnnlib.losses.temporal_softmax_loss`).
        grads : dict of str to numpy.ndarray
            Same keys and shapes as ``params`` (``Wc`` gets zeros when ``h0`` replaces the condition).
        s : numpy.ndarray, shape (N, T, V)
        h_T : numpy.ndarray, shape (N, H)
            Only with ``return_state``: the last step's hidden state.
        """
        s, (x, condition, cell_cache, aff_cache) = self._forward(x, condition, h0)
        loss, ds = temporal_softmax_loss(s, y, mask)  # ds (N, T, V), 0 at padded steps
        dhs, dWy, dby = temporal_affine_backward(ds, aff_cache)  # (N, T, H)
        dx_in, dh0, grads = cell_backward(self.cell, dhs, cell_cache)  # dx_in (N, T, V or E), dh0 (N, H)
        grads.update(Wy=dWy, by=dby)  # Wx, Wh, the cell's biases, then the read-out's
        if self.embedding_size is not None:
            dWe = np.zeros_like(self.params["We"])  # (V, E)
            np.add.at(dWe, x, dx_in)  # row x[n, t] of We receives dx_in[n, t]; repeated letters add up
            grads["We"] = dWe
        if self.n_conditions:
            dWc = np.zeros_like(self.params["Wc"])  # (C, H)
            if condition is not None:  # None when a given h0 replaced Wc[condition]: dWc stays 0
                np.add.at(dWc, condition, dh0)  # h_0 = Wc[condition]: each row collects its sequences' dh0
            grads["Wc"] = dWc
        if return_state:
            return loss, grads, s, cell_cache.hs[:, -1].copy()  # h_T (N, H), carried into the next chunk
        return loss, grads, s

    def per_letter_cross_entropy(self, x, y, mask=None, condition=None):
        """Mean cross-entropy per real step in nats (see :func:`rnnlib.losses.per_letter_cross_entropy`)."""
        return per_letter_cross_entropy(self.forward(x, condition), y, mask)

    def step(self, x_t, h, c=None):
        """One step: read letters x_t, return the next-letter scores and the new state.

        Parameters
        ----------
        x_t : array_like of int, shape (N,)
        h : array_like, shape (N, H)
            h_{t-1}.
        c : array_like, shape (N, H), optional
            c_{t-1} for an LSTM (zeros if not given); ignored by an RNN and a GRU.

        Returns
        -------
        s : numpy.ndarray, shape (N, V)
            Scores of the letter after x_t.
        h : numpy.ndarray, shape (N, H)
        c : numpy.ndarray or None, shape (N, H)
            None for an RNN and a GRU.
        """
        p = self.params
        x_t = self.check_ids("x_t", x_t, ndim=1)  # (N,)
        inp = self._embed(x_t)  # (N, V or E)
        if self.cell == "lstm":
            c = np.zeros_like(h) if c is None else c
            h, c, _ = lstm_step_forward(inp, h, c, p["Wx"], p["Wh"], p["b"])  # (N, H) each
        elif self.cell == "gru":
            h, _ = gru_step_forward(inp, h, p["Wx"], p["Wh"], p["bx"], p["bh"])  # (N, H)
            c = None
        else:
            h, _ = rnn_step_forward(inp, h, p["Wx"], p["Wh"], p["b"])  # (N, H)
            c = None
        s = h @ p["Wy"] + p["by"]  # (N, V)
        return s, h, c

    def sample(self, rng, max_len=20, temperature=1.0, *, start_id, end_id, prefix_ids=(), condition=None,
               return_probs=False):
        """Write one sequence, letter by letter, feeding each letter back in (one-to-many).

        Parameters
        ----------
        rng : numpy.random.Generator
            Source of the draws (required, so every sample is reproducible from a seed).
        max_len : int
            At most this many ids are returned (the prefix included).
        temperature : float, >= 0
            See :func:`rnnlib.sample.next_letter_distribution`; 0 is greedy (always the likeliest).
        start_id, end_id : int
            The start symbol fed first, and the end symbol that stops the writing.
        prefix_ids : sequence of int
            Letters imposed after the start symbol; the model continues from them.
        condition : int, optional
            The label that sets h_0, for a model with ``n_conditions >= 1``.
        return_probs : bool
            Also return the next-letter distributions the model produced.

        Returns
        -------
        ids : list of int
            The prefix and the written letters, without the start and the end symbol.
        probs : numpy.ndarray, shape (k, V)
            Only with ``return_probs``: row j is softmax(s / temperature) before the j-th returned
            id was chosen (imposed, for the prefix); a last extra row when the end symbol was drawn.
        """
        V = self.vocab_size
        max_len = check_dim("max_len", max_len)
        start_id = int(check_ids("start_id", start_id, V, ()))
        end_id = int(check_ids("end_id", end_id, V, ()))
        prefix = [int(i) for i in check_ids("prefix_ids", np.asarray(prefix_ids, dtype=np.intp), V, ("k",))]
        if len(prefix) > max_len:
            raise ValueError(f"prefix_ids must hold at most max_len={max_len} ids; got {len(prefix)}")
        h, _ = self.initial_state(1, None if condition is None else [condition])  # (1, H)
        c = None
        ids, probs = [], []
        letter = start_id
        while len(ids) < max_len:
            s, h, c = self.step([letter], h, c)  # (1, V)
            if return_probs:
                probs.append(next_letter_distribution(s, temperature)[0])
            if len(ids) < len(prefix):
                letter = prefix[len(ids)]  # imposed
            else:
                letter = int(sample_next(s, temperature, rng)[0])
                if letter == end_id:
                    break
            ids.append(letter)
        return (ids, np.array(probs).reshape(-1, V)) if return_probs else ids


READS = ("left", "right", "both")
_READERS = {"left": ("fwd",), "right": ("bwd",), "both": ("fwd", "bwd")}  # the readers each model has
_DIRECTION = {"fwd": "forward", "bwd": "backward"}


class BlankReader:
    r"""Restore the smudged letter of a word: read its context from the left, the right or both sides.

    The input is a word of symbol ids (:data:`rnnlib.data.SMUDGE_SYMBOLS`: the letters a..z and the
    blank ``"_"``, one-hot: D = 27) with the blank at step t = ``position``. One reader (or two)
    reads the word; its state at the blank's step goes through an affine read-out and a softmax
    over the 26 letters.

    Parameters
    ----------
    hidden_size : int
        H of each reader (the "both" model has two readers, so its read-out sees 2H numbers).
    cell : {"rnn", "lstm", "gru"}
        The cell of every reader.
    reads : {"left", "right", "both"}
        ``"left"``: a forward reader; its state at step t has read x_1..x_t, the blank included
        (the left context). ``"right"``: a backward reader; its state at step t has read
        x_L..x_t (the right context; L the word's length). ``"both"``: the two, each with its own
        weights, their states at step t joined: [h_fwd_t ; h_bwd_t] (2H,), by
        :func:`rnnlib.bidirectional.bidirectional_forward`.
    seed : int
        Seed of the initial weights, drawn in a fixed order (forward reader's Wx, Wh; backward
        reader's Wx, Wh; Wy), so the "left" and the "both" model of one seed start with the same
        forward reader.
    init : {"uniform", "orthogonal"}
        Recurrent weight initialisation (see :func:`init_recurrent`).
    forget_bias : float
        Initial bias of the LSTM's forget gate.

    Attributes
    ----------
    params : dict of str to numpy.ndarray
        Per reader, suffixed ``_fwd`` or ``_bwd``: ``Wx_fwd`` (27, kH), ``Wh_fwd`` (H, kH), ``b_fwd``
        (kH,) (``bx_fwd``, ``bh_fwd`` for a GRU); then ``Wy`` (H or 2H, 26) from
        U(-1/sqrt(H or 2H), 1/sqrt(H or 2H)) (PyTorch's nn.Linear) and ``by`` (26,) = 0.

    Notes
    -----
    .. math::
        \overrightarrow{h}_t = f(x_t, \overrightarrow{h}_{t-1}), \quad
        \overleftarrow{h}_t = f(x_t, \overleftarrow{h}_{t+1}), \quad
        s = [\overrightarrow{h}_t ; \overleftarrow{h}_t]\, W_y + b_y, \quad
        \hat{y} = \mathrm{softmax}(s), \quad L = -\frac{1}{N} \sum_n \log \hat{y}_{n, y_n}

    at the blank's step t (only :math:`\overrightarrow{h}_t` for "left", only
    :math:`\overleftarrow{h}_t` for "right"); both readers start from 0, f is the cell's step.
    The one-hot input makes ``onehot(x_t) @ Wx`` the row of ``Wx`` of symbol x_t: the blank has its
    own row, learned like the letters'.
    """

    n_symbols = len(SMUDGE_SYMBOLS)  # D = 27: a..z and the blank
    n_letters = len(ALPHABET)  # 26 letters to choose from at the blank

    def __init__(self, hidden_size, cell="rnn", reads="both", seed=0, init="uniform", forget_bias=1.0):
        self.hidden_size = check_dim("hidden_size", hidden_size)
        if cell not in CELLS:
            raise ValueError(f"cell must be one of {CELLS}; got {cell!r}")
        if reads not in READS:
            raise ValueError(f"reads must be one of {READS} (left context, right context, both); got {reads!r}")
        if init not in INITS:
            raise ValueError(f"init must be one of {INITS}; got {init!r}")
        self.cell, self.reads, self.seed, self.init = cell, reads, seed, init
        self.readers = _READERS[reads]
        H = self.hidden_size
        rng = np.random.default_rng(seed)
        self.params = {}
        for r in ("fwd", "bwd"):  # a fixed order of draws: fwd, bwd (each Wx, Wh), then Wy
            if r in self.readers:
                cp = cell_params(rng, self.n_symbols, H, cell, init, forget_bias)
                self.params.update({f"{name}_{r}": value for name, value in cp.items()})
        width = H * len(self.readers)  # H or 2H: what the read-out sees
        bound = 1.0 / np.sqrt(width)
        self.params["Wy"] = rng.uniform(-bound, bound, size=(width, self.n_letters))  # (H or 2H, 26)
        self.params["by"] = np.zeros(self.n_letters)  # (26,)

    def __repr__(self):
        return (f"BlankReader(hidden_size={self.hidden_size}, cell={self.cell!r}, reads={self.reads!r}, "
                f"seed={self.seed})")

    @property
    def n_parameters(self):
        """Number of trainable numbers."""
        return int(sum(p.size for p in self.params.values()))

    def reader_params(self, reader):
        """The weights of one reader, ``"fwd"`` or ``"bwd"``, without the suffix (``Wx``, ``Wh``, biases)."""
        if reader not in self.readers:
            raise ValueError(f"reader must be one of this model's readers {self.readers} (reads={self.reads!r}); "
                             f"got {reader!r}")
        suffix = f"_{reader}"
        return {k[:-len(suffix)]: v for k, v in self.params.items() if k.endswith(suffix)}

    def check_data(self, x, y):
        """Symbol ids x (N, T) and letter ids y (N,), checked (:func:`rnnlib.train.train` calls this)."""
        x = check_ids("x", x, self.n_symbols, ("N", "T"))
        y = check_ids("y", y, self.n_letters, (x.shape[0],))
        return x, y

    def _inputs(self, x, lengths=None, position=None):
        """Checked (x, lengths, position) and the one-hot input (N, T, 27), zero rows on the padding."""
        x = check_ids("x", x, self.n_symbols, ("N", "T"))  # (N, T)
        N, T = x.shape
        lengths = np.full(N, T, dtype=np.intp) if lengths is None else check_lengths(lengths, N, T)
        real = np.arange(T)[None, :] < lengths[:, None]  # (N, T)
        blanks = (x == BLANK) & real  # (N, T)
        if position is None:
            counts = blanks.sum(axis=1)
            if np.any(counts != 1):
                n = int(np.flatnonzero(counts != 1)[0])
                raise ValueError(f"x must hold exactly one blank (id {BLANK}) in each sequence's real steps when "
                                 f"position is not given; sequence {n} has {int(counts[n])}")
            position = blanks.argmax(axis=1) + 1  # (N,)  1-based step of the blank
        else:
            position = np.asarray(position)
            if position.shape != (N,) or position.dtype.kind not in "iu":
                raise ValueError(f"position must be an integer array of shape ({N},) (the blank's step t, "
                                 f"1-based); got dtype {position.dtype}, shape {position.shape}")
            if np.any(position < 1) or np.any(position > lengths):
                raise ValueError("position must hold steps t with 1 <= t <= lengths[n]; got values from "
                                 f"{position.min()} to {position.max()}")
            at = x[np.arange(N), position - 1]
            if np.any(at != BLANK):
                n = int(np.flatnonzero(at != BLANK)[0])
                raise ValueError(f"position must point at the blank (id {BLANK}) of each sequence; sequence {n} "
                                 f"holds {SMUDGE_SYMBOLS[at[n]]!r} at step t={position[n]}")
            position = position.astype(np.intp)
        onehot = np.eye(self.n_symbols)[x] * real[:, :, None]  # (N, T, 27)  padding: zero rows
        return x, lengths, position, onehot

    def _read(self, onehot, lengths):
        """Every step's state(s): (N, T, H or 2H) and the cache for :meth:`_read_backward`."""
        if self.reads == "both":
            return bidirectional_forward(onehot, self.reader_params("fwd"), self.reader_params("bwd"), self.cell,
                                         lengths)
        r = self.readers[0]
        return reader_forward(onehot, self.reader_params(r), self.cell, lengths, _DIRECTION[r])

    def _read_backward(self, dhs, cache):
        """Gradients of the readers' weights, keyed as in ``params``."""
        if self.reads == "both":
            _, g_fwd, g_bwd = bidirectional_backward(dhs, cache)
            per_reader = {"fwd": g_fwd, "bwd": g_bwd}
        else:
            _, g = reader_backward(dhs, cache)
            per_reader = {self.readers[0]: g}
        return {f"{k}_{r}": v for r, g in per_reader.items() for k, v in g.items()}

    def forward(self, x, lengths=None, position=None):
        """Scores of the 26 letters at the blank.

        Parameters
        ----------
        x : array_like of int, shape (N, T)
            Symbol ids in [0, 27) (:data:`rnnlib.data.SMUDGE_SYMBOLS`), post-padded.
        lengths : array_like of int, shape (N,), optional
            Each word's length; by default T.
        position : array_like of int, shape (N,), optional
            The blank's step t (1-based); by default found in x (exactly one blank per word).

        Returns
        -------
        s : numpy.ndarray, shape (N, 26)
            ``s[n, j]`` scores the letter ``ALPHABET[j]`` at the blank of word n.
        cache : tuple
        """
        x, lengths, position, onehot = self._inputs(x, lengths, position)
        hs, read_cache = self._read(onehot, lengths)  # (N, T, H or 2H)
        N = x.shape[0]
        h = hs[np.arange(N), position - 1]  # (N, H or 2H)  the state(s) at the blank's step
        s, aff_cache = affine_forward(h, self.params["Wy"], self.params["by"])  # (N, 26)
        return s, (read_cache, aff_cache, hs.shape, position)

    def loss(self, x, y, lengths=None, position=None):
        """Softmax cross-entropy at the blank and the gradient of every parameter.

        Parameters
        ----------
        x, lengths, position
            As in :meth:`forward`.
        y : array_like of int, shape (N,)
            The true letter ids 0..25 at the blanks.

        Returns
        -------
        loss : float
            Mean over the N words.
        grads : dict of str to numpy.ndarray
            Same keys and shapes as ``params``.
        s : numpy.ndarray, shape (N, 26)
        """
        s, (read_cache, aff_cache, shape, position) = self.forward(x, lengths, position)
        y = check_ids("y", y, self.n_letters, (s.shape[0],))
        loss, ds = softmax_cross_entropy(s, y)  # ds (N, 26)
        dh, dWy, dby = affine_backward(ds, aff_cache)  # (N, H or 2H)
        dhs = np.zeros(shape)  # (N, T, H or 2H)  only the blank's step receives a gradient
        dhs[np.arange(shape[0]), position - 1] = dh
        grads = self._read_backward(dhs, read_cache)
        grads.update(Wy=dWy, by=dby)
        return loss, {k: grads[k] for k in self.params}, s

    def predict_proba(self, x, lengths=None, position=None):
        """P(letter at the blank), shape (N, 26): softmax of :meth:`forward`'s scores."""
        return softmax(self.forward(x, lengths, position)[0])

    def predict(self, x, lengths=None, position=None):
        """The likeliest letter's id at each blank, shape (N,)."""
        return self.forward(x, lengths, position)[0].argmax(axis=1)

    def accuracy(self, x, y, lengths=None, position=None):
        """Fraction of blanks whose likeliest letter is the true one."""
        return float(np.mean(self.predict(x, lengths, position) == np.asarray(y)))

    def top_letters(self, word_with_blank, k=5):
        """The ``k`` likeliest letters for the blank of a typed word such as ``"h_ppy"``.

        Parameters
        ----------
        word_with_blank : str
            Letters a-z and exactly one ``"_"`` (see :func:`rnnlib.data.encode_smudged`).
        k : int
            1..26.

        Returns
        -------
        list of (str, float)
            ``(letter, probability)``, likeliest first; ties keep alphabetical order.
        """
        k = check_dim("k", k)
        if k > self.n_letters:
            raise ValueError(f"k must be at most {self.n_letters} (the letters); got {k}")
        x, lengths, position = encode_smudged(word_with_blank)
        p = self.predict_proba(x, lengths, position)[0]  # (26,)
        order = np.argsort(-p, kind="stable")[:k]
        return [(ALPHABET[j], float(p[j])) for j in order]

    def states(self, x, lengths=None):
        """Every step's state of each reader, in the word's order, for plotting.

        Parameters
        ----------
        x : array_like of int, shape (N, T), or str
            Symbol ids (any blanks, or none), or one typed word such as ``"h_ppy"`` (then N = 1).
        lengths : array_like of int, shape (N,), optional
            Each word's length; by default T.

        Returns
        -------
        dict of str to numpy.ndarray, each (N, T, H)
            ``"fwd"`` (readers "left" and "both"): row t-1 is the forward state after x_1..x_t;
            ``"bwd"`` (readers "right" and "both"): row t-1 is the backward state after x_L..x_t.
            0 at padded steps.
        """
        if isinstance(x, str):
            if lengths is not None:
                raise ValueError("lengths must not be given with a typed word (its length is the word's); "
                                 f"got lengths={lengths!r}")
            x, lengths, _ = encode_smudged(x, name="x")
        x = check_ids("x", x, self.n_symbols, ("N", "T"))
        N, T = x.shape
        lengths = np.full(N, T, dtype=np.intp) if lengths is None else check_lengths(lengths, N, T)
        onehot = np.eye(self.n_symbols)[x] * (np.arange(T)[None, :] < lengths[:, None])[:, :, None]  # (N, T, 27)
        return {r: reader_forward(onehot, self.reader_params(r), self.cell, lengths, _DIRECTION[r])[0]
                for r in self.readers}
