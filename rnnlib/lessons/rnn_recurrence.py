r"""One RNN step taken apart: every intermediate of the recurrence, for teaching and plotting.

:func:`rnnlib.rnn.rnn_step_forward` returns only :math:`h_t`. The functions here return each
term of

.. math:: h_t = \tanh(x_t W_x + h_{t-1} W_h + b)

on its own, so a notebook can print and draw them without recomputing anything by hand::

    x_Wx = x_t @ Wx              # (N, H)   input term
    h_Wh = h_{t-1} @ Wh          # (N, H)   recurrent term
    a    = x_Wx + h_Wh + b       # (N, H)   pre-activation a_t
    h    = tanh(a)               # (N, H)   new hidden state h_t

Steps of a word are counted from 1: the initial state is :math:`h_0` (zeros by default) and the
last step of a word of length T gives :math:`h_T`, the state the read-out score
:math:`s = h_T W_y + b_y` sees. Python index ``t - 1`` holds step ``t``.

:func:`step_in_three_notations` computes one step in the course's row form and in the two other
forms a reader meets (the column form of Karpathy's slides and the essay's Figure 1, colah's
concatenated form); :func:`pytorch_layout` gives the course's weights in the layout of PyTorch's
``nn.RNN``. :func:`prediction_report` and :func:`transpose_slips` compare a learner's prediction
with what the code then computes.

Numpy only (no matplotlib, no ipywidgets).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .._validate import as_array, check_dim
from ..data import ALPHABET, check_word, one_hot_word
from ..model import SequenceClassifier

__all__ = [
    "StepIntermediates",
    "WordSteps",
    "rnn_step_intermediates",
    "word_steps",
    "demo_parameters",
    "NOTATIONS",
    "step_in_three_notations",
    "pytorch_layout",
    "prediction_report",
    "transpose_slips",
]

class StepIntermediates(NamedTuple):
    """Every term of one RNN step (batch of N, hidden size H)."""

    x_Wx: np.ndarray  # (N, H)  x_t @ Wx
    h_Wh: np.ndarray  # (N, H)  h_{t-1} @ Wh
    b: np.ndarray  # (H,)    bias
    a: np.ndarray  # (N, H)  pre-activation a_t = x_Wx + h_Wh + b
    h: np.ndarray  # (N, H)  h_t = tanh(a_t)


def rnn_step_intermediates(x, h_prev, Wx, Wh, b):
    r"""One RNN step with every intermediate returned.

    Parameters
    ----------
    x : array_like, shape (N, D)
        Input :math:`x_t`.
    h_prev : array_like, shape (N, H)
        Previous hidden state :math:`h_{t-1}`.
    Wx : array_like, shape (D, H)
        Input-to-hidden weights.
    Wh : array_like, shape (H, H)
        Hidden-to-hidden (recurrent) weights.
    b : array_like, shape (H,)
        Bias.

    Returns
    -------
    StepIntermediates
        ``x_Wx`` (N, H), ``h_Wh`` (N, H), ``b`` (H,), ``a`` (N, H), ``h`` (N, H); ``h`` equals
        the first output of :func:`rnnlib.rnn.rnn_step_forward`.

    Notes
    -----
    .. math::
        a_t = x_t W_x + h_{t-1} W_h + b, \qquad h_t = \tanh(a_t)
    """
    dims = {}
    x = as_array("x", x, ("N", "D"), dims)
    h_prev = as_array("h_prev", h_prev, ("N", "H"), dims)
    Wx = as_array("Wx", Wx, ("D", "H"), dims)
    Wh = as_array("Wh", Wh, ("H", "H"), dims)
    b = as_array("b", b, ("H",), dims)
    x_Wx = x @ Wx  # (N, H)
    h_Wh = h_prev @ Wh  # (N, H)
    a = x_Wx + h_Wh + b  # (N, H)
    h = np.tanh(a)  # (N, H)
    return StepIntermediates(x_Wx, h_Wh, b, a, h)


@dataclass(frozen=True)
class WordSteps:
    """The intermediates of every step of one word (T letters, hidden size H).

    Row ``t - 1`` of each array belongs to step ``t`` (the letter ``word[t - 1]``).
    """

    word: str
    x: np.ndarray  # (T, D)  one-hot letters
    h_prev: np.ndarray  # (T, H)  h_{t-1}
    x_Wx: np.ndarray  # (T, H)
    h_Wh: np.ndarray  # (T, H)
    b: np.ndarray  # (H,)
    a: np.ndarray  # (T, H)
    h: np.ndarray  # (T, H)  h_t

    @property
    def T(self):
        """Number of steps (letters)."""
        return len(self.word)

    @property
    def H(self):
        """Hidden size."""
        return self.h.shape[1]

    def step(self, t):
        """The intermediates of step ``t`` (1 <= t <= T) as a :class:`StepIntermediates` of 1-D arrays."""
        t = check_dim("t", t, lo=1)
        if t > self.T:
            raise ValueError(f"t must be between 1 and T={self.T} (the length of {self.word!r}); got {t}")
        k = t - 1
        return StepIntermediates(self.x_Wx[k], self.h_Wh[k], self.b, self.a[k], self.h[k])

    def largest_magnitude(self):
        """The largest absolute value among all intermediates (for common plot limits)."""
        return float(max(np.abs(arr).max() for arr in (self.x_Wx, self.h_Wh, self.b, self.a, self.h)))


def word_steps(word, Wx, Wh, b, h0=None):
    r"""Run the RNN over one word, letter by letter, keeping every intermediate.

    Parameters
    ----------
    word : str
        Lower-case letters a-z; step t reads the one-hot letter ``word[t - 1]``.
    Wx : array_like, shape (26, H)
    Wh : array_like, shape (H, H)
    b : array_like, shape (H,)
    h0 : array_like, shape (H,), optional
        Initial state :math:`h_0`; zeros by default.

    Returns
    -------
    WordSteps
        ``h[-1]`` is :math:`h_T`, equal to ``rnn_forward(...)[0][0, -1]``.

    Notes
    -----
    .. math:: h_t = \tanh(x_t W_x + h_{t-1} W_h + b), \quad t = 1, \dots, T
    """
    word = check_word(word)
    dims = {"D": len(ALPHABET)}
    Wx = as_array("Wx", Wx, ("D", "H"), dims)
    Wh = as_array("Wh", Wh, ("H", "H"), dims)
    b = as_array("b", b, ("H",), dims)
    H = dims["H"]
    h = np.zeros((1, H)) if h0 is None else as_array("h0", h0, ("H",), dims)[None, :]  # (1, H)
    x = one_hot_word(word)  # (T, 26)
    rows = []
    for t in range(len(word)):
        step = rnn_step_intermediates(x[t:t + 1], h, Wx, Wh, b)
        rows.append((h[0], step.x_Wx[0], step.h_Wh[0], step.a[0], step.h[0]))
        h = step.h  # (1, H)  becomes h_{t-1} of the next step
    h_prev, x_Wx, h_Wh, a, hs = (np.stack(col) for col in zip(*rows, strict=True))  # each (T, H)
    return WordSteps(word, x, h_prev, x_Wx, h_Wh, b, a, hs)


def demo_parameters(hidden_size=4, seed=0):
    """Small seeded parameters for the worked examples: a freshly initialised many-to-one RNN.

    The weights are those of ``SequenceClassifier(26, hidden_size, seed=seed)``; the biases
    ``b`` and ``by`` (zeros there) are drawn from U(-1/sqrt(H), 1/sqrt(H)) as PyTorch
    initialises its RNN biases, so that every term of the recurrence is visible.

    Parameters
    ----------
    hidden_size : int
        H.
    seed : int

    Returns
    -------
    dict of str to numpy.ndarray
        ``Wx`` (26, H), ``Wh`` (H, H), ``b`` (H,), ``Wy`` (H, 1), ``by`` (1,).
    """
    H = check_dim("hidden_size", hidden_size)
    params = {k: v.copy() for k, v in SequenceClassifier(len(ALPHABET), H, seed=seed).params.items()}
    rng = np.random.default_rng([seed, 1])  # a stream independent of the model's
    bound = 1.0 / np.sqrt(H)
    params["b"] = rng.uniform(-bound, bound, size=H)  # (H,)
    params["by"] = rng.uniform(-bound, bound, size=1)  # (1,)
    return params


NOTATIONS = (
    "course (rows):  tanh(x_t W_x + h_{t-1} W_h + b)",
    "Karpathy, Figure 1 (columns):  tanh(W_hh h_{t-1} + W_xh x_t (+ b, which the slide leaves out))",
    "colah (concatenated):  tanh(W [h_{t-1}, x_t] + b)",
)
"""The names of the three forms, in the order :func:`step_in_three_notations` returns them."""


def step_in_three_notations(x, h_prev, Wx, Wh, b):
    r"""One RNN step written in three notations; all three give the same :math:`h_t`.

    Parameters
    ----------
    x : array_like, shape (N, D)
        Input :math:`x_t`, one row per sequence.
    h_prev : array_like, shape (N, H)
        Previous hidden state :math:`h_{t-1}`.
    Wx : array_like, shape (D, H)
    Wh : array_like, shape (H, H)
    b : array_like, shape (H,)

    Returns
    -------
    dict of str to numpy.ndarray
        Keys :data:`NOTATIONS` in order, each value :math:`h_t` of shape (N, H) (the column form's
        result transposed back to rows).

    Notes
    -----
    The course (row vectors, weights multiply from the right):

    .. math:: h_t = \tanh(x_t W_x + h_{t-1} W_h + b)

    Karpathy's slides and the essay's Figure 1 (column vectors, weights multiply from the left;
    the slides leave the bias out):

    .. math:: h_t = \tanh(W_{hh} h_{t-1} + W_{xh} x_t + b), \qquad W_{hh} = W_h^\top,\; W_{xh} = W_x^\top

    colah's blog (one matrix on the concatenation, as in its LSTM gates
    :math:`\sigma(W_f [h_{t-1}, x_t] + b_f)`):

    .. math:: h_t = \tanh(W [h_{t-1}, x_t] + b), \qquad W = \begin{bmatrix} W_h \\ W_x \end{bmatrix}^\top
        \in \mathbb{R}^{H \times (H + D)}
    """
    dims = {}
    x = as_array("x", x, ("N", "D"), dims)
    h_prev = as_array("h_prev", h_prev, ("N", "H"), dims)
    Wx = as_array("Wx", Wx, ("D", "H"), dims)
    Wh = as_array("Wh", Wh, ("H", "H"), dims)
    b = as_array("b", b, ("H",), dims)
    row = np.tanh(x @ Wx + h_prev @ Wh + b)  # (N, H)
    W_hh, W_xh = Wh.T, Wx.T  # (H, H), (H, D)
    column = np.tanh(W_hh @ h_prev.T + W_xh @ x.T + b[:, None])  # (H, N): one column per sequence
    W = np.vstack([Wh, Wx]).T  # (H, H + D): W_h stacked over W_x, transposed
    concatenated = np.tanh(W @ np.hstack([h_prev, x]).T + b[:, None])  # (H, N)
    return dict(zip(NOTATIONS, (row, column.T, concatenated.T), strict=True))


def pytorch_layout(Wx, Wh, b):
    r"""The course's RNN weights in the layout of PyTorch's ``nn.RNN`` (one layer).

    Parameters
    ----------
    Wx : array_like, shape (D, H)
    Wh : array_like, shape (H, H)
    b : array_like, shape (H,)

    Returns
    -------
    dict of str to numpy.ndarray
        ``weight_ih_l0`` (H, D) = :math:`W_x^\top`, ``weight_hh_l0`` (H, H) = :math:`W_h^\top`,
        ``bias_ih_l0`` (H,) = :math:`b` and ``bias_hh_l0`` (H,) = 0 (PyTorch has two biases; only
        their sum :math:`b` matters).

    Notes
    -----
    PyTorch's ``nn.RNN`` computes

    .. math:: h_t = \tanh(x_t W_{ih}^\top + b_{ih} + h_{t-1} W_{hh}^\top + b_{hh}),

    so :math:`W_x = W_{ih}^\top`, :math:`W_h = W_{hh}^\top` and :math:`b = b_{ih} + b_{hh}`.
    """
    dims = {}
    Wx = as_array("Wx", Wx, ("D", "H"), dims)
    Wh = as_array("Wh", Wh, ("H", "H"), dims)
    b = as_array("b", b, ("H",), dims)
    return {"weight_ih_l0": Wx.T.copy(), "weight_hh_l0": Wh.T.copy(),  # (H, D), (H, H)
            "bias_ih_l0": b.copy(), "bias_hh_l0": np.zeros_like(b)}  # (H,), (H,)


def prediction_report(predicted, measured, name, atol=0.01):
    r"""Compare a learner's predicted numbers with the computed ones, as one line of text per outcome.

    Parameters
    ----------
    predicted : None, float or array_like
        The prediction; ``None`` means "not made yet" (the report then only shows the value).
    measured : array_like
        What the code computed, e.g. :math:`a_1` of shape (1, H) or (H,).
    name : str
        What was predicted, e.g. ``"a_1"``.
    atol : float
        A prediction within ``atol`` of every entry counts as right (numbers read off a printout
        with 2 decimals are close enough).

    Returns
    -------
    str
        ``"Right: ..."``, ``"Not quite: ..."`` (naming the entry furthest off, hidden units
        numbered from 1) or ``"No prediction yet ..."``.
    """
    measured = np.asarray(measured, dtype=float).ravel()  # (H,)
    shown = np.array2string(measured, precision=4, suppress_small=True)
    if predicted is None:
        return f"No prediction yet (replace None above); the computed {name} = {shown}"
    try:
        guess = np.asarray(predicted, dtype=float).ravel()
    except (TypeError, ValueError):
        raise ValueError(f"the prediction of {name} must be numbers; got {predicted!r}") from None
    if guess.shape != measured.shape:
        raise ValueError(f"the prediction of {name} must hold {measured.size} numbers (one per hidden unit); "
                         f"got {guess.size}")
    off = np.abs(guess - measured)  # (H,)
    if np.all(off <= atol):
        return f"Right: you predicted {name} = {np.array2string(guess, precision=4)}, computed {shown}"
    j = int(np.argmax(off))
    return (f"Not quite: you predicted {name} = {np.array2string(guess, precision=4)}, computed {shown}; "
            f"furthest off at hidden unit {j + 1} (yours {guess[j]:.4f}, computed {measured[j]:.4f})")


def transpose_slips(prediction=None, N=2, D=3, H=4, seed=0):
    r"""What each forgotten transpose does in PyTorch's layout, and whether the prediction was right.

    In PyTorch's layout the input term :math:`x_t W_x` is ``x @ weight_ih.T`` and the recurrent
    term :math:`h_{t-1} W_h` is ``h_prev @ weight_hh.T``. Forgetting the first ``.T`` multiplies
    (N, D) by (H, D): the inner sizes differ (when D != H) and numpy raises. Forgetting the second
    multiplies (N, H) by the square (H, H): it runs, with wrong numbers (unless ``weight_hh`` is
    symmetric).

    Parameters
    ----------
    prediction : {None, "weight_ih", "weight_hh"}
        The learner's answer to "forgetting whose .T raises an error?"; None when not given yet.
    N, D, H : int
        Batch, input and hidden sizes of the random demo arrays; must all differ.
    seed : int
        Of ``np.random.default_rng``.

    Returns
    -------
    str
        Three lines: the two slips run on random arrays, then the verdict on the prediction.
    """
    if prediction not in (None, "weight_ih", "weight_hh"):
        raise ValueError(f"prediction must be 'weight_ih', 'weight_hh' or None; got {prediction!r}")
    if len({N, D, H}) != 3 or min(N, D, H) < 1:
        raise ValueError(f"N, D and H must be three different positive sizes; got N={N}, D={D}, H={H}")
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, D))  # (N, D)
    h_prev = rng.uniform(-1.0, 1.0, (N, H))  # (N, H)
    weight_ih = rng.uniform(-0.8, 0.8, (H, D))  # (H, D) = Wx.T
    weight_hh = rng.uniform(-0.8, 0.8, (H, H))  # (H, H) = Wh.T, not symmetric
    raised = "runs"
    try:
        x @ weight_ih  # (N, D) @ (H, D): the .T forgotten
    except ValueError as exc:  # numpy: the inner sizes D and H differ
        raised = f"raises {type(exc).__name__}"
    ih = (f"x @ weight_ih      (N, D) @ (H, D) = ({N}, {D}) @ ({H}, {D}): {raised}, the inner sizes "
          f"D = {D} and H = {H} differ")
    off = float(np.abs(h_prev @ weight_hh - h_prev @ weight_hh.T).max())  # (N, H) both
    hh = (f"h_prev @ weight_hh (N, H) @ (H, H) = ({N}, {H}) @ ({H}, {H}): runs (a square matrix fits either "
          f"way) but differs from h_prev @ weight_hh.T by up to {off:.2f}")
    if prediction is None:
        verdict = "Your answer: none yet (set raises_mine above to 'weight_ih' or 'weight_hh')."
    elif prediction == "weight_ih":
        verdict = "Your answer 'weight_ih': right. Only the numbers can catch the weight_hh slip: a checker must."
    else:
        verdict = ("Your answer 'weight_hh': the other way round. weight_hh is square, so any (N, H) @ (H, H) "
                   "runs; weight_ih is (H, D) and cannot multiply x (N, D) from the right.")
    return "\n".join((ih, hh, verdict))
