r"""Shapes, data volume and compute of sequence batches (notebook 01, the essay's Figure 3).

An RNN's input has three dimensions, batch first::

    x.shape == (N, T, D)        # batch size N, sequence length T, features D (26 one-hot letters)

This module counts what such a batch costs (numbers held, bytes, parameters, multiply-adds,
activations kept for backprop) for an RNN and for a feed-forward net on the same padded input,
measures how much the letters around a letter tell about it, and measures the batch-size
trade-off (gradient noise vs time per step) on real data. numpy only.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np

from .._validate import as_array, check_dim
from ..data import encode_words
from ..model import SequenceClassifier
from ..rnn import rnn_forward

__all__ = [
    "data_volume",
    "rnn_vs_feedforward",
    "volume_rows",
    "format_volume_table",
    "COST_NAMES",
    "rnn_costs",
    "growth_factors",
    "format_growth_table",
    "init_feedforward",
    "feedforward_forward",
    "context_accuracy",
    "flat_gradient",
    "minibatch_gradient",
    "BatchNoiseResult",
    "gradient_noise_experiment",
    "expected_relative_deviation",
]

_DTYPES = {"float64": np.float64, "float32": np.float32}


def _check_dtype(dtype):
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt is None or dt.name not in _DTYPES:
        raise ValueError(f"dtype must be one of {sorted(_DTYPES)}; got {dtype!r}")
    return dt


def data_volume(N, T, D, dtype="float64"):
    r"""How many numbers a batch ``x`` of shape (N, T, D) holds and how many bytes it takes.

    Parameters
    ----------
    N : int
        Batch size (sequences per batch).
    T : int
        Sequence length (steps; after padding, the longest sequence's length).
    D : int
        Features per step (26 for one-hot letters).
    dtype : {"float64", "float32"}
        Element type used for ``bytes``.

    Returns
    -------
    dict
        ``shape``: the tuple (N, T, D);
        ``numbers``: :math:`N T D`;
        ``numbers_per_sequence``: :math:`T D`;
        ``numbers_per_step``: :math:`N D`, what a batch of single feature vectors (no sequence) holds;
        ``itemsize``: bytes per number of ``dtype``;
        ``bytes``: :math:`N T D \cdot \text{itemsize}` (equals ``x.nbytes``);
        ``bytes_float64``: :math:`8 N T D`; ``bytes_float32``: :math:`4 N T D`.

    Notes
    -----
    .. math:: \#x = N \cdot T \cdot D, \qquad \text{bytes}(x) = N \cdot T \cdot D \cdot \text{itemsize}

    A sequence batch holds T times the numbers of a batch of single vectors (N, D).
    """
    N = check_dim("N", N)
    T = check_dim("T", T)
    D = check_dim("D", D)
    dt = _check_dtype(dtype)
    numbers = N * T * D
    return {
        "shape": (N, T, D),
        "numbers": numbers,
        "numbers_per_sequence": T * D,
        "numbers_per_step": N * D,
        "itemsize": dt.itemsize,
        "bytes": numbers * dt.itemsize,
        "bytes_float64": numbers * 8,
        "bytes_float32": numbers * 4,
    }


def rnn_vs_feedforward(N, T, D, H, n_classes=1):
    r"""Parameters, multiply-adds and stored activations: a many-to-one RNN vs a feed-forward net.

    Both read the same padded batch ``x`` of shape (N, T, D) and output C = ``n_classes`` logits
    per sequence. The RNN shares its weights across the T steps; the feed-forward net flattens
    each sequence to one vector of T*D numbers, so it needs separate weights for every position.

    Parameters
    ----------
    N, T, D, H : int
        Batch size, sequence length, features, hidden size.
    n_classes : int
        C, outputs per sequence (1: one logit for yes/no).

    Returns
    -------
    dict
        ``{"rnn": {...}, "feedforward": {...}}``; each holds ``parameters`` (int), ``breakdown``
        (dict of weight name to (shape, count)), ``macs_forward`` (multiply-adds of one forward
        pass over the batch), ``activations`` (hidden values stored for backprop) and
        ``sequential_steps`` (matrix products that must wait for the previous one).

    Notes
    -----
    RNN, :math:`h_t = \tanh(x_t W_x + h_{t-1} W_h + b)` for :math:`t = 1, \dots, T`, read-out score
    :math:`s = h_T W_y + b_y`:

    .. math::
        P_\text{RNN} = \underbrace{D H}_{W_x} + \underbrace{H H}_{W_h} + \underbrace{H}_{b}
                       + \underbrace{H C}_{W_y} + \underbrace{C}_{b_y}

        \text{MACs}_\text{RNN} = N T (D H + H H) + N H C

        \text{activations}_\text{RNN} = N T H \quad (\text{every } h_t \text{ is kept for BPTT})

    Feed-forward, :math:`h = \tanh(\mathrm{flat}(x) W_1 + b_1)`, :math:`s = h W_2 + b_2`,
    with :math:`W_1` of shape (T D, H):

    .. math::
        P_\text{FF} = T D H + H + H C + C, \qquad
        \text{MACs}_\text{FF} = N (T D H + H C), \qquad
        \text{activations}_\text{FF} = N H

    Both also keep the input x (N T D numbers) for the backward pass, which needs about twice
    the forward pass's multiply-adds. Bias additions and tanh are not counted as multiply-adds.
    """
    N = check_dim("N", N)
    T = check_dim("T", T)
    D = check_dim("D", D)
    H = check_dim("H", H)
    C = check_dim("n_classes", n_classes)
    rnn_breakdown = {
        "Wx": ((D, H), D * H),
        "Wh": ((H, H), H * H),
        "b": ((H,), H),
        "Wy": ((H, C), H * C),
        "by": ((C,), C),
    }
    ff_breakdown = {
        "W1": ((T * D, H), T * D * H),
        "b1": ((H,), H),
        "W2": ((H, C), H * C),
        "b2": ((C,), C),
    }
    rnn = {
        "parameters": sum(n for _, n in rnn_breakdown.values()),
        "breakdown": rnn_breakdown,
        "macs_forward": N * T * (D * H + H * H) + N * H * C,
        "activations": N * T * H,
        "sequential_steps": T,
    }
    feedforward = {
        "parameters": sum(n for _, n in ff_breakdown.values()),
        "breakdown": ff_breakdown,
        "macs_forward": N * (T * D * H + H * C),
        "activations": N * H,
        "sequential_steps": 1,
    }
    return {"rnn": rnn, "feedforward": feedforward}


def _bytes_text(n):
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} B"


def volume_rows(N, T, D, H, n_classes=1, dtype="float64"):
    """The counts of :func:`data_volume` and :func:`rnn_vs_feedforward` as table rows.

    Returns
    -------
    list of tuple (str, str, str)
        (quantity, RNN, feed-forward) with numbers formatted for reading (thousands separated).
        Input rows are the same for both models.
    """
    vol = data_volume(N, T, D, dtype)
    cmp = rnn_vs_feedforward(N, T, D, H, n_classes)
    rnn, ff = cmp["rnn"], cmp["feedforward"]
    shape = f"({N}, {T}, {D})"
    dt = _check_dtype(dtype).name
    return [
        ("input x shape (N, T, D)", shape, shape),
        ("numbers in x  (N*T*D)", f"{vol['numbers']:,}", f"{vol['numbers']:,}"),
        (f"bytes of x ({dt})", _bytes_text(vol["bytes"]), _bytes_text(vol["bytes"])),
        ("parameters", f"{rnn['parameters']:,}", f"{ff['parameters']:,}"),
        ("multiply-adds per forward pass", f"{rnn['macs_forward']:,}", f"{ff['macs_forward']:,}"),
        ("activations kept for backprop", f"{rnn['activations']:,}", f"{ff['activations']:,}"),
        ("sequential steps", f"{rnn['sequential_steps']}", f"{ff['sequential_steps']}"),
    ]


def format_volume_table(N, T, D, H, n_classes=1, dtype="float64"):
    """:func:`volume_rows` as a plain-text table (for printing in a notebook)."""
    rows = [("", "RNN", "feed-forward"), *volume_rows(N, T, D, H, n_classes, dtype)]
    widths = [max(len(r[k]) for r in rows) for k in range(3)]
    outputs = "C = 1 output (one logit)" if n_classes == 1 else f"C = {n_classes} outputs (logits)"
    lines = [f"N={N}, T={T}, D={D}, H={H}; {outputs}"]
    for r in rows:
        lines.append(f"{r[0]:<{widths[0]}}  {r[1]:>{widths[1]}}  {r[2]:>{widths[2]}}")
    return "\n".join(lines)


# What rnn_costs measures, in the order of its table rows; the exercise of notebook 01 uses the keys.
COST_NAMES = {
    "data": "numbers in x (N*T*D)",
    "parameters": "parameters (real arrays)",
    "compute": "multiply-adds, one forward pass",
    "memory": "hidden states kept for BPTT",
    "sequential": "products that wait for h_{t-1}",
}


def rnn_costs(N, T, D, H, seed=0):
    r"""Measure, on real arrays, what one forward pass of a many-to-one RNN holds and does.

    Builds a batch ``x`` of N random one-hot sequences of shape (N, T, D) and a
    ``SequenceClassifier(D, H)``, runs the forward pass step by step through a matrix product
    that counts its multiply-adds, and checks the result against the library's own forward pass
    (:func:`rnnlib.rnn_forward`, whose cache supplies the hidden states kept for BPTT).

    Parameters
    ----------
    N, T, D, H : int
        Batch size, steps, features, hidden size.
    seed : int
        Seed of the letters and of the model's weights.

    Returns
    -------
    dict of str to int
        Keyed as :data:`COST_NAMES`: ``data`` = ``x.size``; ``parameters`` = total size of the
        model's arrays W_x, W_h, b, W_y, b_y; ``compute`` = multiply-adds counted in the forward
        pass (bias additions and tanh not counted); ``memory`` = ``cache.hs.size`` of
        :func:`rnnlib.rnn_forward` (h_1, ..., h_T of every sequence, what BPTT needs);
        ``sequential`` = how many recurrent products :math:`h_{t-1} W_h` had to wait for the
        previous step.

    Notes
    -----
    .. math:: h_t = \tanh(x_t W_x + h_{t-1} W_h + b), \quad t = 1, \dots, T, \qquad s = h_T W_y + b_y

    An (n, j) @ (j, m) product costs n j m multiply-adds, so the count equals
    ``rnn_vs_feedforward(N, T, D, H)["rnn"]["macs_forward"]``; here it is counted, not derived.
    """
    N = check_dim("N", N)
    T = check_dim("T", T)
    D = check_dim("D", D)
    H = check_dim("H", H)
    rng = np.random.default_rng(seed)
    x = np.eye(D)[rng.integers(0, D, size=(N, T))]  # (N, T, D) one-hot
    model = SequenceClassifier(D, H, seed=seed)
    p = model.params
    counted = {"compute": 0, "sequential": 0}

    def matmul(a, w):  # (n, j) @ (j, m): n * j * m multiply-adds
        counted["compute"] += a.shape[0] * a.shape[1] * w.shape[1]
        return a @ w

    h = np.zeros((N, H))  # h_0
    for t in range(1, T + 1):  # x[:, t-1] is x_t
        h_prev_Wh = matmul(h, p["Wh"])  # waits for h_{t-1}
        counted["sequential"] += 1
        h = np.tanh(matmul(x[:, t - 1], p["Wx"]) + h_prev_Wh + p["b"])  # (N, H)  h_t
    s = matmul(h, p["Wy"]) + p["by"]  # (N, 1)  read-out score
    hs, cache = rnn_forward(x, np.zeros((N, H)), p["Wx"], p["Wh"], p["b"])
    if not (np.allclose(h, hs[:, -1]) and np.allclose(s, model.forward(x)[0])):
        raise RuntimeError("the counted forward pass disagrees with rnnlib's forward pass")
    return {
        "data": int(x.size),
        "parameters": int(sum(w.size for w in p.values())),
        "compute": counted["compute"],
        "memory": int(cache.hs.size),
        "sequential": counted["sequential"],
    }


def growth_factors(N, T, D, H, seed=0):
    r"""By what factor each cost of :func:`rnn_costs` grows when N, T or H doubles (measured).

    Parameters
    ----------
    N, T, D, H : int
        The set-up doubled from, one dimension at a time.
    seed : int

    Returns
    -------
    base : dict of str to int
        :func:`rnn_costs` at (N, T, D, H).
    factors : dict of str to dict
        ``factors[cost][dim]`` = cost at the doubled dimension / cost at the base, for ``dim`` in
        ``"N"``, ``"T"``, ``"H"`` and ``cost`` in :data:`COST_NAMES`.

    Notes
    -----
    Doubling H doubles :math:`D H` and quadruples :math:`H^2`, so the parameters and the
    multiply-adds grow by a factor between 2 and 4 that depends on D / H.
    """
    base = rnn_costs(N, T, D, H, seed)
    doubled = {"N": rnn_costs(2 * N, T, D, H, seed), "T": rnn_costs(N, 2 * T, D, H, seed),
               "H": rnn_costs(N, T, D, 2 * H, seed)}
    factors = {cost: {dim: doubled[dim][cost] / base[cost] for dim in doubled} for cost in COST_NAMES}
    return base, factors


def format_growth_table(N, T, D, H, seed=0):
    """:func:`growth_factors` as a plain-text table: each cost and its factor when N, T or H doubles."""
    base, factors = growth_factors(N, T, D, H, seed)
    width = max(len(name) for name in COST_NAMES.values())
    lines = [f"N={N}, T={T}, D={D}, H={H}; factor when one dimension doubles",
             f"{'':<{width}}  {'count':>10}  {'N doubles':>9}  {'T doubles':>9}  {'H doubles':>9}"]
    for cost, name in COST_NAMES.items():
        row = "  ".join(f"{factors[cost][dim]:>9.2f}" for dim in ("N", "T", "H"))
        lines.append(f"{name:<{width}}  {base[cost]:>10,}  {row}")
    return "\n".join(lines)


def init_feedforward(T, D, H, n_classes=1, seed=0):
    r"""Weights of the feed-forward comparison net: flattened (T*D) input -> H hidden -> C logits.

    Parameters
    ----------
    T, D, H : int
    n_classes : int
    seed : int

    Returns
    -------
    dict of str to numpy.ndarray
        ``W1`` (T*D, H), ``b1`` (H,), ``W2`` (H, C), ``b2`` (C,), uniform in
        :math:`\pm 1/\sqrt{\text{fan-in}}`, biases zero.
    """
    T = check_dim("T", T)
    D = check_dim("D", D)
    H = check_dim("H", H)
    C = check_dim("n_classes", n_classes)
    rng = np.random.default_rng(seed)
    b_in, b_out = 1.0 / np.sqrt(T * D), 1.0 / np.sqrt(H)
    return {
        "W1": rng.uniform(-b_in, b_in, size=(T * D, H)),
        "b1": np.zeros(H),
        "W2": rng.uniform(-b_out, b_out, size=(H, C)),
        "b2": np.zeros(C),
    }


def feedforward_forward(x, params):
    r"""Logits of the feed-forward comparison net for a padded batch.

    Parameters
    ----------
    x : array_like, shape (N, T, D)
    params : dict from :func:`init_feedforward`

    Returns
    -------
    s : numpy.ndarray, shape (N, C)
        The read-out scores (logits).
    h : numpy.ndarray, shape (N, H)
        The hidden activations (what backprop would keep).

    Notes
    -----
    .. math:: h = \tanh(\mathrm{flat}(x) W_1 + b_1), \qquad s = h W_2 + b_2
    """
    missing = {"W1", "b1", "W2", "b2"} - set(params)
    if missing:
        raise ValueError(f"params must hold W1, b1, W2, b2 (see init_feedforward); missing {sorted(missing)}")
    dims = {}
    W1 = as_array("W1", params["W1"], ("TD", "H"), dims)
    x = as_array("x", x, ("N", "T", "D"))
    N, T, D = x.shape
    if T * D != dims["TD"]:
        raise ValueError(f"x must have shape (N, T, D) with T*D = {dims['TD']} (the rows of W1); "
                         f"got shape {x.shape} (T*D = {T * D})")
    b1 = as_array("b1", params["b1"], ("H",), dims)
    W2 = as_array("W2", params["W2"], ("H", "C"), dims)
    b2 = as_array("b2", params["b2"], ("C",), dims)
    h = np.tanh(x.reshape(N, T * D) @ W1 + b1)  # (N, H)
    s = h @ W2 + b2  # (N, C)  read-out scores
    return s, h


def context_accuracy(words):
    r"""How well the letters around a hidden letter identify it, counted within a vocabulary.

    Every letter of every word is hidden in turn and guessed as the most common letter among the
    vocabulary's words that fit the visible context. Four contexts, from none to all:

    - ``"no context"``: the most frequent letter overall (always the same guess);
    - ``"left neighbour"``: the most frequent letter after the letter before it;
    - ``"both neighbours"``: ... between the letters before and after it;
    - ``"whole word"``: ... among words of the same length matching every other letter.

    Parameters
    ----------
    words : sequence of str
        Lower-case a-z words (the vocabulary and the test words at once).

    Returns
    -------
    dict of str to float
        Fraction of hidden letters guessed right, in the order above; ``"n_letters"`` the number
        of hidden letters.

    Notes
    -----
    .. math:: \hat{c} = \arg\max_{c} \#\{\text{(word, position) with the given context and letter } c\}

    In-sample by design: it measures how much the context pins a letter down in this vocabulary,
    not how a model generalises. A word boundary counts as a neighbour (``"^"``, ``"$"``).
    """
    if isinstance(words, str):
        raise ValueError(f"words must be a sequence of words; got the single string {words!r}")
    words = list(words)
    if not words:
        raise ValueError("words must hold at least one word; got an empty sequence")
    encode_words(words)  # validates: lower-case a-z only
    contexts = {
        "no context": lambda w, t: "",
        "left neighbour": lambda w, t: ("^" + w)[t],
        "both neighbours": lambda w, t: ("^" + w + "$")[t] + ("^" + w + "$")[t + 2],
        "whole word": lambda w, t: w[:t] + "_" + w[t + 1:],
    }
    result = {}
    for name, context in contexts.items():
        counts = defaultdict(Counter)
        for w in words:
            for t, ch in enumerate(w):
                counts[context(w, t)][ch] += 1
        right = sum(c.most_common(1)[0][1] for c in counts.values())
        result[name] = right / sum(len(w) for w in words)
    result["n_letters"] = sum(len(w) for w in words)
    return result


def flat_gradient(grads):
    """All gradients of a model as one vector (keys in sorted order)."""
    return np.concatenate([np.ravel(grads[k]) for k in sorted(grads)])


def minibatch_gradient(model, x, y, lengths, idx):
    """The gradient of the mean loss over the sequences ``idx``, as one vector.

    The batch is trimmed to its longest sequence (``x[idx, :max(lengths[idx])]``), as a data
    loader would pad it; the many-to-one output reads step ``lengths - 1``, so the gradient is the
    same as with the full padding.

    Parameters
    ----------
    model : SequenceClassifier
    x : numpy.ndarray, shape (M, T, D)
    y : numpy.ndarray, shape (M,)
    lengths : numpy.ndarray of int, shape (M,)
    idx : array_like of int, shape (N,)

    Returns
    -------
    grad : numpy.ndarray, shape (P,)
        P = ``model.n_parameters``, ordered as :func:`flat_gradient`.
    loss : float
    """
    idx = np.asarray(idx)
    M = len(lengths)
    if idx.ndim != 1 or idx.size == 0 or idx.dtype.kind not in "iu" or idx.min() < 0 or idx.max() >= M:
        raise ValueError(f"idx must be a non-empty 1-D array of sequence indices in [0, {M}); "
                         f"got shape {idx.shape}, dtype {idx.dtype}")
    T = int(lengths[idx].max())
    loss, grads, _ = model.loss(x[idx, :T], y[idx], lengths[idx])
    return flat_gradient(grads), loss


def expected_relative_deviation(batch_sizes, n_total, scale):
    r"""Root-mean-square relative gradient deviation predicted by sampling theory.

    Parameters
    ----------
    batch_sizes : array_like of int
        N, each in [1, M].
    n_total : int
        M, the data set size.
    scale : float
        :math:`\rho = v / \lVert \nabla L \rVert`: the per-example gradient spread v relative to
        the norm of the full-batch gradient :math:`\nabla L`.

    Returns
    -------
    numpy.ndarray of float, shape of ``batch_sizes``

    Notes
    -----
    With :math:`\nabla L = \frac{1}{M}\sum_m \nabla L_m` the full-batch gradient,
    :math:`v^2 = \frac{1}{M}\sum_m \lVert \nabla L_m - \nabla L \rVert^2` the spread of the
    per-example gradients, the mean :math:`\nabla L_{\mathcal{B}}` of N examples drawn without
    replacement from M has

    .. math::
        \mathbb{E}\,\lVert \nabla L_{\mathcal{B}} - \nabla L \rVert^2 = \frac{v^2}{N}\,\frac{M - N}{M - 1},
        \qquad \text{so}\quad \frac{\lVert \nabla L_{\mathcal{B}} - \nabla L \rVert}{\lVert \nabla L \rVert}
        \approx \rho\,\sqrt{\frac{M - N}{N (M - 1)}}

    The factor (M - N)/(M - 1) is the finite-population correction of drawing without
    replacement: close to 1 for N much smaller than M, 0 for the full batch. Four times the batch
    halves the noise; the full batch (N = M) has none.
    """
    M = check_dim("n_total", n_total, lo=2)
    if not (np.isscalar(scale) and np.isfinite(scale) and scale >= 0):
        raise ValueError(f"scale must be a finite number >= 0; got {scale!r}")
    N = np.asarray(batch_sizes, dtype=float)
    if N.size == 0 or np.any(N < 1) or np.any(N > M):
        raise ValueError(f"batch_sizes must be in [1, {M}] (n_total); got {np.asarray(batch_sizes).tolist()}")
    return scale * np.sqrt((M - N) / (N * (M - 1)))


@dataclass
class BatchNoiseResult:
    """What :func:`gradient_noise_experiment` measured, one entry per batch size.

    Attributes
    ----------
    batch_sizes : numpy.ndarray of int, shape (K,)
        The full batch appears as M.
    n_total : int
        M.
    cosines : tuple of K numpy.ndarray
        Every mini-batch's cosine with the full-batch gradient (1 = same direction, < 0 = a
        descent step against the mini-batch gradient goes partly uphill for the full loss); the
        full batch has one entry, 1.
    rel_devs : tuple of K numpy.ndarray
        Every mini-batch's relative deviation
        :math:`\\lVert \\nabla L_{\\mathcal{B}} - \\nabla L\\rVert / \\lVert \\nabla L \\rVert`
        (the full batch: one entry, 0).
    cosine_mean, cosine_std, frac_opposite : numpy.ndarray, shape (K,)
        Mean and spread of ``cosines``; the fraction of mini-batches with cosine < 0.
    rel_dev_rms : numpy.ndarray, shape (K,)
        :math:`\\sqrt{\\mathrm{mean}\\,\\lVert \\nabla L_{\\mathcal{B}} - \\nabla L\\rVert^2}
        / \\lVert \\nabla L \\rVert` (the "rel. deviation" column of :meth:`noise_table`).
    seconds_per_step, seconds_per_step_min : numpy.ndarray, shape (K,)
        Median and fastest wall time of one forward + backward pass (machine-dependent).
    steps_per_epoch : numpy.ndarray of int, shape (K,)
        ceil(M / N).
    noise_scale : float
        :math:`\\rho = v / \\lVert \\nabla L \\rVert`: least-squares fit of ``scale`` in
        :func:`expected_relative_deviation` to ``rel_dev_rms``.
    full_loss : float
    """

    batch_sizes: np.ndarray
    n_total: int
    cosines: tuple
    rel_devs: tuple
    cosine_mean: np.ndarray
    cosine_std: np.ndarray
    frac_opposite: np.ndarray
    rel_dev_rms: np.ndarray
    seconds_per_step: np.ndarray
    seconds_per_step_min: np.ndarray
    steps_per_epoch: np.ndarray
    noise_scale: float
    full_loss: float

    def noise_table(self):
        """The deterministic columns (no timings) as a plain-text table."""
        lines = [f"{'batch size':>11}  {'batches':>7}  {'cosine to full':>16}  {'cosine < 0':>10}  "
                 f"{'rel. deviation':>14}  {'steps/epoch':>11}"]
        for k, N in enumerate(self.batch_sizes):
            name = f"{N} (full)" if N == self.n_total else str(N)
            cos = f"{self.cosine_mean[k]:.3f} +- {self.cosine_std[k]:.3f}"
            lines.append(f"{name:>11}  {len(self.cosines[k]):>7}  {cos:>16}  {self.frac_opposite[k]:>10.0%}  "
                         f"{self.rel_dev_rms[k]:>14.3f}  {self.steps_per_epoch[k]:>11}")
        return "\n".join(lines)

    def timing_table(self):
        """Time per step and per epoch (machine-dependent: keep out of nbval comparison)."""
        lines = [f"{'batch size':>10}  {'ms / step':>10}  {'ms / epoch':>10}  {'us / example':>12}"]
        for k, N in enumerate(self.batch_sizes):
            step = self.seconds_per_step[k]
            lines.append(f"{N:>10}  {step * 1e3:>10.2f}  {step * self.steps_per_epoch[k] * 1e3:>10.1f}"
                         f"  {step / N * 1e6:>12.1f}")
        return "\n".join(lines)


def gradient_noise_experiment(model, x, y, lengths, batch_sizes=(8, 32, 128, 512, None), n_batches=10,
                              seed=0, time_repeats=3, clock=time.perf_counter):
    r"""Measure gradient noise and time per step of mini-batches against the full batch.

    At the model's current (fixed) weights, the full-batch gradient :math:`\nabla L` is computed
    once; then for each batch size N, ``n_batches`` mini-batches are drawn without replacement
    (seeded) and each mini-batch gradient :math:`\nabla L_{\mathcal{B}}` is compared with it. Every
    mini-batch's forward + backward pass is timed.

    Parameters
    ----------
    model : SequenceClassifier
        Not modified.
    x : array_like, shape (M, T, D)
        The whole (post-padded) data set.
    y : array_like of int, shape (M,)
    lengths : array_like of int, shape (M,)
    batch_sizes : sequence of (int or None)
        Each in [1, M]; ``None`` (or ``"full"``) means M.
    n_batches : int or sequence of int
        Mini-batches per batch size (one number, or one per entry of ``batch_sizes``; small
        batches are cheap, so they can afford more).
    seed : int
        Seed of the batch sampling.
    time_repeats : int
        How often the full-batch pass is timed.
    clock : callable
        Returns seconds (``time.perf_counter``; a test may pass a fake clock).

    Returns
    -------
    BatchNoiseResult

    Notes
    -----
    .. math::
        \nabla L = \frac{1}{M}\sum_{m=1}^{M} \nabla L_m, \qquad
        \nabla L_{\mathcal{B}} = \frac{1}{N}\sum_{m \in \mathcal{B}} \nabla L_m, \qquad
        \cos = \frac{\nabla L_{\mathcal{B}} \cdot \nabla L}{\lVert \nabla L_{\mathcal{B}}\rVert \lVert \nabla L \rVert}

    :math:`\nabla L_{\mathcal{B}}` is an unbiased estimate of :math:`\nabla L` whose spread shrinks
    like :math:`1/\sqrt{N}` (see :func:`expected_relative_deviation`), while a step's cost grows with N.
    """
    dims = {}
    x = as_array("x", x, ("M", "T", model.input_size), dims)
    M = dims["M"]
    y = np.asarray(y)
    if y.shape != (M,):
        raise ValueError(f"y must have shape ({M},) (one label per sequence of x); got shape {y.shape}")
    lengths = np.asarray(lengths)
    if lengths.shape != (M,) or lengths.dtype.kind not in "iu" or lengths.min() < 1 or lengths.max() > dims["T"]:
        raise ValueError(f"lengths must be {M} integers in [1, {dims['T']}]; got shape {lengths.shape}, "
                         f"dtype {lengths.dtype}")
    time_repeats = check_dim("time_repeats", time_repeats)
    sizes = []
    for N in batch_sizes:
        if N is None or (isinstance(N, str) and N == "full"):
            N = M
        if isinstance(N, (bool, np.bool_)) or not isinstance(N, (int, np.integer)) or not 1 <= N <= M:
            raise ValueError(f"batch_sizes must hold integers in [1, {M}] (M, the data set size) or None "
                             f"for the full batch; got {N!r}")
        sizes.append(int(N))
    if not sizes:
        raise ValueError("batch_sizes must hold at least one batch size; got an empty sequence")
    if np.ndim(n_batches) == 0:
        n_batches = [n_batches] * len(sizes)
    if len(n_batches) != len(sizes):
        raise ValueError(f"n_batches must be one int or one per batch size ({len(sizes)}); got {len(n_batches)}")
    n_batches = [check_dim("n_batches", n) for n in n_batches]

    everything = np.arange(M)
    full_times = []
    for _ in range(time_repeats):
        start = clock()
        g_full, full_loss = minibatch_gradient(model, x, y, lengths, everything)
        full_times.append(clock() - start)
    g_norm = np.linalg.norm(g_full)
    if not g_norm > 0:
        raise ValueError("the full-batch gradient is zero at these weights: nothing to compare with")

    rng = np.random.default_rng(seed)
    K = len(sizes)
    cosines, rel_devs = [], []
    t_median, t_min = np.zeros(K), np.zeros(K)
    for k, (N, count) in enumerate(zip(sizes, n_batches, strict=True)):
        if N == M:
            cosines.append(np.ones(1))
            rel_devs.append(np.zeros(1))
            t_median[k], t_min[k] = np.median(full_times), np.min(full_times)
            continue
        cos_k, dev_k, times = np.zeros(count), np.zeros(count), np.zeros(count)
        for r in range(count):
            idx = rng.choice(M, size=N, replace=False)
            start = clock()
            g_batch, _ = minibatch_gradient(model, x, y, lengths, idx)
            times[r] = clock() - start
            b_norm = np.linalg.norm(g_batch)
            cos_k[r] = g_batch @ g_full / (b_norm * g_norm) if b_norm > 0 else 0.0
            dev_k[r] = np.linalg.norm(g_batch - g_full) / g_norm
        cosines.append(cos_k)
        rel_devs.append(dev_k)
        t_median[k], t_min[k] = np.median(times), np.min(times)
    rms = np.array([np.sqrt(np.mean(d**2)) for d in rel_devs])

    sizes_arr = np.array(sizes)
    partial = sizes_arr < M
    if partial.any() and M >= 2:
        shape = expected_relative_deviation(sizes_arr[partial], M, 1.0)
        noise_scale = float(shape @ rms[partial] / (shape @ shape))
    else:
        noise_scale = float("nan")
    return BatchNoiseResult(
        batch_sizes=sizes_arr,
        n_total=M,
        cosines=tuple(cosines),
        rel_devs=tuple(rel_devs),
        cosine_mean=np.array([c.mean() for c in cosines]),
        cosine_std=np.array([c.std() for c in cosines]),
        frac_opposite=np.array([np.mean(c < 0) for c in cosines]),
        rel_dev_rms=rms,
        seconds_per_step=t_median,
        seconds_per_step_min=t_min,
        steps_per_epoch=-(-M // sizes_arr),
        noise_scale=noise_scale,
        full_loss=float(full_loss),
    )

