r"""Two models built from the same cells: a many-to-one classifier and a many-to-many language model.

:class:`SequenceClassifier` (many-to-one)::

    hs = rnn_forward(x, h0, Wx, Wh, b)          # (N, T, H)   or lstm_forward, gru_forward
    h_T = hs[n, lengths[n] - 1]                 # (N, H)      last real step of each sequence
    s  = h_T @ Wy + by                          # (N, C)      C = 1: one logit (binary)

:class:`CharLanguageModel` (many-to-many: a score vector over the V letters at every step)::

    h0 = Wc[condition]  or zeros                # (N, H)      label-conditioned initial state
    hs = rnn_forward(onehot(x), h0, Wx, Wh, b)  # (N, T, H)   x (N, T) letter ids; or lstm_forward, gru_forward
    s  = hs @ Wy + by                           # (N, T, V)   s[:, t-1] scores the letter after x_t

Both run their cell through :func:`cell_forward` and :func:`cell_backward`, one dispatch for the
three cells (the GRU has two biases, ``bx`` and ``bh``, where the RNN and the LSTM have one, ``b``).
"""

from __future__ import annotations

import numpy as np

from ._validate import as_array, check_dim
from .activations import sigmoid, softmax
from .gru import gru_backward, gru_forward, gru_internals, gru_step_forward
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
from .lstm import lstm_backward, lstm_forward, lstm_internals, lstm_step_forward
from .rnn import rnn_backward, rnn_forward, rnn_step_forward
from .sample import next_letter_distribution, sample_next

__all__ = ["SequenceClassifier", "CharLanguageModel", "init_recurrent", "cell_forward", "cell_backward"]

CELLS = ("rnn", "lstm", "gru")
INITS = ("uniform", "orthogonal")
BLOCKS = {"rnn": 1, "lstm": 4, "gru": 3}  # blocks of H columns in Wx and Wh: 1; i, f, g, o; r, z, n
BIASES = {"rnn": ("b",), "lstm": ("b",), "gru": ("bx", "bh")}  # the cell's bias parameters, in argument order
_CELL_FUNCTIONS = {"rnn": (rnn_forward, rnn_backward), "lstm": (lstm_forward, lstm_backward),
                   "gru": (gru_forward, gru_backward)}


def cell_forward(cell, x, h0, params):
    """Run one of the three cells over a sequence with the weights of a ``params`` dict.

    Parameters
    ----------
    cell : {"rnn", "lstm", "gru"}
    x : array_like, shape (N, T, D)
    h0 : array_like, shape (N, H)
    params : dict of str to numpy.ndarray
        ``Wx``, ``Wh`` and the cell's biases: ``b`` (RNN, LSTM) or ``bx`` and ``bh`` (GRU); other
        keys (the read-out's) are ignored.

    Returns
    -------
    hs : numpy.ndarray, shape (N, T, H)
    cache
        The cell's cache, for :func:`cell_backward`.
    """
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {CELLS}; got {cell!r}")
    forward, _ = _CELL_FUNCTIONS[cell]
    return forward(x, h0, params["Wx"], params["Wh"], *(params[name] for name in BIASES[cell]))


def cell_backward(cell, dhs, cache):
    """Backpropagation through time for :func:`cell_forward`, the same return for the three cells.

    Parameters
    ----------
    cell : {"rnn", "lstm", "gru"}
    dhs : array_like, shape (N, T, H)
    cache
        From :func:`cell_forward` with the same ``cell``.

    Returns
    -------
    dx : numpy.ndarray, shape (N, T, D)
    dh0 : numpy.ndarray, shape (N, H)
    grads : dict of str to numpy.ndarray
        ``Wx``, ``Wh`` and the cell's biases (``b``; or ``bx`` and ``bh``), keyed as in ``params``.
    """
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {CELLS}; got {cell!r}")
    _, backward = _CELL_FUNCTIONS[cell]
    dx, dh0, dWx, dWh, *dbiases = backward(dhs, cache)
    return dx, dh0, {"Wx": dWx, "Wh": dWh, **dict(zip(BIASES[cell], dbiases))}


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
    k = BLOCKS[cell]
    bound = 1.0 / np.sqrt(H)
    if cell == "gru":
        biases = {"bx": np.zeros(k * H), "bh": np.zeros(k * H)}  # zeros, the course's convention (not PyTorch's)
    else:
        b = np.zeros(k * H)
        if cell == "lstm":
            b[H:2 * H] = forget_bias  # gate order i, f, g, o
        biases = {"b": b}
    Wx = rng.uniform(-bound, bound, size=(D, k * H))  # the draws: Wx, Wh, Wy, in this order
    Wh = init_recurrent(rng, H, k, init)
    Wy = rng.uniform(-bound, bound, size=(H, C))
    return {"Wx": Wx, "Wh": Wh, **biases, "Wy": Wy, "by": np.zeros(C)}


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
