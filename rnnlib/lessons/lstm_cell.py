r"""Hand-set LSTM cells: one unit's step with every intermediate value, and a one-bit latch.

Two things the LSTM notebook shows by hand rather than by training:

* :func:`cell_step_values` runs one step of a one-unit LSTM (scalars in, scalars out) and
  returns every intermediate number (pre-activations, gates, ``f * c_prev``, ``i * g``,
  ``tanh(c_t)``), so a diagram can write them on the cell.
* :func:`latch_weights` sets the weights of a one-unit LSTM so that it stores one bit for as
  many steps as you like: the input gate opens only when the bit arrives (step t = 1 of
  :func:`rnnlib.data.memory_task`), the forget gate stays near 1, and the cell state holds
  (c_0 = 0, steps t = 1..T, T = lag + 1)::

      c_1 = i_1 * g_1          ~ +1 (bit 1) or -1 (bit 0)
      c_t = f * c_{t-1} + i_t * g_t ~ f * c_{t-1}     (input gate closed: i_t ~ 0)
      c_T ~ f**lag * c_1                             (f = sigmoid(forget_bias))

With a high forget bias ``f**lag`` stays close to 1 and the sign of ``h_T`` reads the bit back;
with a low one the stored value decays geometrically and the small writes of the distractors
decide the sign: the bit is lost.
"""

from __future__ import annotations

import numpy as np

from .._validate import as_array, check_dim
from ..activations import sigmoid
from ..data import memory_task
from ..lstm import lstm_step_forward
from .vanishing_gradient import RunConfig, train_memory_run

__all__ = [
    "GATE_BLOCKS",
    "CELL_EXAMPLE",
    "cell_step_values",
    "latch_weights",
    "latch_sequence",
    "latch_run",
    "latch_internals",
    "latch_accuracy",
    "retention",
    "half_life",
    "retention_table",
    "MEMORY_LSTM",
    "train_memory_lstm",
    "step_labels",
    "memory_gate_table",
    "accuracy_without_recurrence",
]

GATE_BLOCKS = {"i": 0, "f": 1, "g": 2, "o": 3}  # column of each gate in a one-unit cell (H = 1)

# The worked example of the notebook and the default state of its cell explorer.
CELL_EXAMPLE = {"x": 1.0, "h_prev": 0.2, "c_prev": 0.5, "Wx": (1.0, 1.0, 1.0, 1.0), "Wh": (0.5, 0.5, 0.5, 0.5),
                "b": (-0.5, 1.0, 0.0, 0.5)}


def _scalar(name, value):
    """A finite float from a number (or a size-1 array)."""
    arr = np.asarray(value)
    if arr.dtype.kind not in "biuf" or arr.size != 1:
        raise ValueError(f"{name} must be a single finite number; got {value!r}")
    out = float(arr.reshape(()))
    if not np.isfinite(out):
        raise ValueError(f"{name} must be a single finite number; got {out}")
    return out


def cell_step_values(x=1.0, h_prev=0.2, c_prev=0.5, Wx=(1.0, 1.0, 1.0, 1.0), Wh=(0.5, 0.5, 0.5, 0.5),
                     b=(-0.5, 1.0, 0.0, 0.5)):
    r"""One step of a one-unit LSTM with one input feature, with every intermediate value.

    The defaults are the notebook's worked example, :data:`CELL_EXAMPLE`.

    Parameters
    ----------
    x, h_prev, c_prev : float
        The input :math:`x_t`, the previous hidden state and the previous cell state.
    Wx : array_like, shape (4,)
        Input weights of the gates, in the order i, f, g, o (a (1, 4) matrix for D = H = 1).
    Wh : array_like, shape (4,)
        Recurrent weights, order i, f, g, o.
    b : array_like, shape (4,)
        Biases, order i, f, g, o.

    Returns
    -------
    dict of str to float
        ``x``, ``h_prev``, ``c_prev``; pre-activations ``a_i``, ``a_f``, ``a_g``, ``a_o``;
        gates ``i``, ``f``, ``g``, ``o``; ``fc`` (f * c_prev), ``ig`` (i * g), ``c``,
        ``tanh_c`` and ``h``.

    Notes
    -----
    Computed by :func:`rnnlib.lstm.lstm_step_forward` with N = D = H = 1:

    .. math::
        a &= x_t W_x + h_{t-1} W_h + b \\
        c_t &= f \odot c_{t-1} + i \odot g \\
        h_t &= o \odot \tanh(c_t)
    """
    x = _scalar("x", x)
    h_prev = _scalar("h_prev", h_prev)
    c_prev = _scalar("c_prev", c_prev)
    Wx = as_array("Wx", Wx, (4,))
    Wh = as_array("Wh", Wh, (4,))
    b = as_array("b", b, (4,))
    a = x * Wx + h_prev * Wh + b  # (4,) pre-activations i, f, g, o
    h, c, cache = lstm_step_forward([[x]], [[h_prev]], [[c_prev]], Wx[None, :], Wh[None, :], b)
    values = {"x": x, "h_prev": h_prev, "c_prev": c_prev}
    values.update({f"a_{name}": float(a[k]) for name, k in GATE_BLOCKS.items()})
    values.update({name: float(getattr(cache, name)[0, 0]) for name in GATE_BLOCKS})
    values["fc"] = values["f"] * c_prev
    values["ig"] = values["i"] * values["g"]
    values["c"] = float(c[0, 0])
    values["tanh_c"] = float(cache.tanh_c[0, 0])
    values["h"] = float(h[0, 0])
    return values


def latch_weights(n_features=8, forget_bias=8.0, input_closed=-8.0, input_open=8.0, write_gain=4.0,
                  distractor_gain=1.0, output_bias=8.0, seed=0):
    r"""Hand-set weights of a one-unit LSTM that stores the bit of :func:`rnnlib.data.memory_task`.

    Parameters
    ----------
    n_features : int
        D, at least 3: features 0 and 1 are the two signal symbols (bit 0, bit 1), the rest
        distractors.
    forget_bias : float
        :math:`b_f`; the forget gate is :math:`f = \sigma(b_f)` at every step (8 gives 0.9997).
    input_closed : float
        Input-gate pre-activation on a distractor step (-8: closed, +8: open).
    input_open : float
        Input-gate pre-activation when a signal symbol arrives.
    write_gain : float
        Candidate pre-activation of a signal: :math:`a_g = -4` for bit 0, :math:`+4` for bit 1.
    distractor_gain : float
        Each distractor proposes a candidate :math:`g = \tanh(\pm \text{gain})` with a seeded
        sign, which only reaches the cell if the input gate lets it in.
    output_bias : float
        :math:`b_o`; a high value keeps the output gate open so :math:`h_t \approx \tanh(c_t)`.
    seed : int
        Seed of the distractors' signs.

    Returns
    -------
    dict of str to numpy.ndarray
        ``Wx`` (D, 4), ``Wh`` (1, 4) (all zero: the latch needs no recurrence through h),
        ``b`` (4,), gate columns in the order i, f, g, o.

    Notes
    -----
    .. math::
        a_i &= b_i + (\text{open} - \text{closed})\,[x_t \text{ is a signal}],
            \quad b_i = \text{closed} \\
        a_f &= b_f, \qquad a_o = b_o, \qquad
        a_g = \pm\,\text{write\_gain} \text{ (signal) or } \pm\,\text{distractor\_gain}
    """
    D = check_dim("n_features", n_features, lo=3)
    forget_bias = _scalar("forget_bias", forget_bias)
    input_closed = _scalar("input_closed", input_closed)
    input_open = _scalar("input_open", input_open)
    write_gain = _scalar("write_gain", write_gain)
    distractor_gain = _scalar("distractor_gain", distractor_gain)
    output_bias = _scalar("output_bias", output_bias)
    I, F, G, O = GATE_BLOCKS["i"], GATE_BLOCKS["f"], GATE_BLOCKS["g"], GATE_BLOCKS["o"]
    Wx = np.zeros((D, 4))  # (D, 4H) with H = 1
    Wx[:2, I] = input_open - input_closed  # a signal opens the input gate
    Wx[0, G] = -write_gain  # bit 0 writes about -1
    Wx[1, G] = write_gain  # bit 1 writes about +1
    signs = np.random.default_rng(seed).choice([-1.0, 1.0], size=D - 2)
    Wx[2:, G] = distractor_gain * signs  # what each distractor would write
    b = np.zeros(4)  # (4H,)
    b[I] = input_closed
    b[F] = forget_bias
    b[O] = output_bias
    return {"Wx": Wx, "Wh": np.zeros((1, 4)), "b": b}


def latch_sequence(lag, bit, n_features=8, seed=0):
    """One memory-task sequence with a chosen bit: the signal at step 1, then ``lag`` distractors.

    Parameters
    ----------
    lag : int
        Distractor steps (T = lag + 1).
    bit : {0, 1}
    n_features : int
    seed : int
        Seed of the distractors (the same for both bits, so two runs differ only in the bit).

    Returns
    -------
    numpy.ndarray, shape (1, lag + 1, n_features)
    """
    if bit not in (0, 1):
        raise ValueError(f"bit must be 0 or 1; got {bit!r}")
    x, _ = memory_task(1, lag, n_features, seed)
    x[0, 0, :2] = 0.0
    x[0, 0, bit] = 1.0
    return x


def latch_run(lag, bit=1, seed=0, **weights):
    """Run the latch over one sequence and return every step's gates and states.

    Parameters
    ----------
    lag : int
        Steps to hold the bit after writing it (T = lag + 1).
    bit : {0, 1}
    seed : int
        Seed of the distractor sequence.
    **weights
        Passed to :func:`latch_weights` (``forget_bias``, ``input_closed``, ...).

    Returns
    -------
    dict of str to numpy.ndarray, each of shape (lag + 1,)
        ``"c"``, ``"h"``, ``"i"``, ``"f"``, ``"g"``, ``"o"`` over the steps t = 1..lag+1 (index t-1), the
        values :func:`rnnlib.lstm.lstm_internals` gives for
        ``lstm_forward(x, 0, **latch_weights(...))`` (computed by :func:`latch_internals`).
    """
    lag = check_dim("lag", lag, lo=0)
    params = latch_weights(seed=seed, **weights)
    x = latch_sequence(lag, bit, params["Wx"].shape[0], seed)
    return {name: values[0] for name, values in latch_internals(x, params["Wx"], params["b"]).items()}


def latch_accuracy(lag, n=200, seed=0, **weights):
    r"""Fraction of memory-task sequences whose bit the latch reads back correctly at step ``lag``.

    The bit is read as :math:`h_T > 0` (1) or not (0), with T = lag + 1.

    Parameters
    ----------
    lag : int
    n : int
        Number of sequences (seeded by ``seed``).
    seed : int
    **weights
        Passed to :func:`latch_weights`.

    Returns
    -------
    float in [0, 1]
        1.0 when the bit is held; about 0.5 (chance) when it is lost.
    """
    lag = check_dim("lag", lag, lo=0)
    n = check_dim("n", n)
    params = latch_weights(seed=seed, **weights)
    x, y = memory_task(n, lag, params["Wx"].shape[0], seed + 1)
    h_last = latch_internals(x, params["Wx"], params["b"])["h"][:, -1]  # (n,)
    read = (h_last > 0).astype(int)  # (n,)
    return float(np.mean(read == y))


def latch_internals(x, Wx, b):
    r"""Gates and states of a one-unit LSTM with :math:`W_h = 0` (the latch), fast.

    With :math:`W_h = 0` every gate depends on :math:`x_t` alone, so all of them come from one
    matrix product and only the recurrence :math:`c_t = f_t c_{t-1} + i_t g_t` is left in the
    loop. The result equals ``lstm_internals(lstm_forward(x, 0, Wx, 0, b)[1])`` with the unit
    axis dropped (tested). It is kept because the latch explorer needs the speed (measured on one
    2-core machine: 0.8 ms against 11.7 ms through ``lstm_forward`` for one sequence of 61
    steps, 16 ms against 39 ms for 200 sequences of 201 steps).

    Parameters
    ----------
    x : array_like, shape (N, T, D)
    Wx : array_like, shape (D, 4)
    b : array_like, shape (4,)

    Returns
    -------
    dict of str to numpy.ndarray, each (N, T)
        ``"h"``, ``"c"``, ``"i"``, ``"f"``, ``"g"``, ``"o"``.
    """
    dims = {}
    x = as_array("x", x, ("N", "T", "D"), dims)
    Wx = as_array("Wx", Wx, ("D", 4), dims)
    b = as_array("b", b, (4,))
    a = x @ Wx + b  # (N, T, 4)
    i, f, o = (sigmoid(a[..., GATE_BLOCKS[k]]) for k in "ifo")  # (N, T) each
    g = np.tanh(a[..., GATE_BLOCKS["g"]])  # (N, T)
    ig = i * g  # (N, T)
    cs = np.empty_like(ig)  # (N, T)
    c = np.zeros(x.shape[0])  # (N,)
    for t in range(1, x.shape[1] + 1):  # [:, t-1] is step t; c_0 = 0
        c = f[:, t - 1] * c + ig[:, t - 1]  # (N,)  c_t = f_t c_{t-1} + i_t g_t
        cs[:, t - 1] = c
    return {"h": o * np.tanh(cs), "c": cs, "i": i, "f": f, "g": g, "o": o}


def retention(forget_bias, steps):
    r"""Fraction of the stored cell state left after ``steps`` steps with a closed input gate.

    .. math:: c_{t+k} / c_t = f^k, \qquad f = \sigma(b_f)

    Parameters
    ----------
    forget_bias : float
    steps : int or array_like of int
        k, the number of held steps.

    Returns
    -------
    float or numpy.ndarray
    """
    f = float(sigmoid(_scalar("forget_bias", forget_bias)))
    steps = np.asarray(steps)
    if steps.dtype.kind not in "iu" or np.any(steps < 0):
        raise ValueError(f"steps must be integers >= 0; got {steps!r}")
    return f**steps


def half_life(forget_bias):
    r"""Steps after which the stored value has halved: :math:`\ln 2 / (-\ln f)`.

    Returns ``inf`` when f rounds to 1 in float64 (a forget bias above about 36).
    """
    f = float(sigmoid(_scalar("forget_bias", forget_bias)))
    return float("inf") if f >= 1.0 else float(np.log(2.0) / -np.log(f))


def retention_table(forget_biases=(8.0, 6.0, 4.0, 2.0, 0.0), lags=(60, 200), n=200):
    r"""How long a hand-set latch keeps its bit, one row per forget bias, as aligned text.

    Columns: the forget bias :math:`b_f`, the gate value :math:`f = \sigma(b_f)`, the half-life
    (:func:`half_life`), :math:`f^k` at the first lag k (:func:`retention`), and the share of bits
    read back correctly after each lag (:func:`latch_accuracy` on ``n`` sequences).

    Returns
    -------
    str
    """
    if not lags:
        raise ValueError(f"lags must name at least one sequence length; got {lags!r}")
    first = lags[0]
    header = (f"  b_f   f = sigma(b_f)   half-life (steps)   f^{first:<5d}  read back at k={first:<5d}"
              + "".join(f"  at k={lag:<5d}" for lag in lags[1:]))
    rows = [header.rstrip()]
    for forget_bias in forget_biases:
        accuracies = [latch_accuracy(lag, n=n, forget_bias=forget_bias) for lag in lags]
        row = (f"{forget_bias:5.1f}   {retention(forget_bias, 1):14.4f}   {half_life(forget_bias):17.1f}"
               f"   {retention(forget_bias, first):.4f}   {accuracies[0]:17.0%}"
               + "".join(f"   {acc:8.0%}" for acc in accuracies[1:]))
        rows.append(row)
    return "\n".join(rows)


# --------------------------------------------------------------------- a trained LSTM on the memory task
# The LSTM of the notebook's section 3: the library's defaults (uniform init, forget bias 1) and Adam,
# like the sweep's "lstm_adam" runs of notebook 04, but 4 units, batches of 32 and 150 steps (about 1 s).
MEMORY_LSTM = RunConfig("LSTM, Adam, 4 units (notebook 05)", cell="lstm", optimizer="adam", lr=1e-2,
                        hidden_size=4, batch_size=32, steps=150)


def train_memory_lstm(lag=20, seed=0, config=MEMORY_LSTM):
    """Train a small LSTM on :func:`rnnlib.data.memory_task`; the model whose gates notebook 05 reads.

    Parameters
    ----------
    lag : int
        k, the distractor steps after the signal (T = k + 1).
    seed : int
    config : rnnlib.lessons.vanishing_gradient.RunConfig
        :data:`MEMORY_LSTM` by default (H = 4, Adam lr 0.01, forget bias 1, 150 steps of 32
        fresh sequences, clip 1).

    Returns
    -------
    model : SequenceClassifier
    accuracy : float
        On 1000 fresh test sequences.
    """
    model, _, x_test, y_test = train_memory_run(config, lag, seed)
    return model, model.accuracy(x_test, y_test)


def step_labels(x):
    """One short label per step of a memory-task sequence: "1" / "0" for the signal, "·" for a distractor.

    Parameters
    ----------
    x : array_like, shape (T, D)
        One sequence (one-hot rows; features 0 and 1 are the signals).

    Returns
    -------
    list of str, length T
    """
    x = as_array("x", x, ("T", "D"))
    symbols = x.argmax(axis=1)  # (T,)
    return ["0" if s == 0 else "1" if s == 1 else "\u00b7" for s in symbols]


def memory_gate_table(internals):
    r"""Per hidden unit, what its gates do while it holds the bit, as aligned text.

    Parameters
    ----------
    internals : dict of str to array_like, each (2, T, H)
        ``model.internals(x)`` for two sequences with the same distractors, bit 0 in row 0 and
        bit 1 in row 1 (:func:`latch_sequence`).

    Returns
    -------
    str
        One row per unit j = 1..H: :math:`c_1` and :math:`c_T` for bit 1 and bit 0, and the mean
        over the distractor steps t = 2..T (both sequences) of :math:`f`, :math:`i` and, for each
        bit, of the candidate :math:`g`; a last line gives the range of :math:`i` and :math:`f`
        over those steps, all units and both sequences (the per-step values the means hide).
    """
    c = as_array("internals['c']", internals["c"], (2, "T", "H"))
    f, i, g = (as_array(f"internals[{k!r}]", internals[k], c.shape) for k in "fig")
    lines = ["unit   c_1 (bit 1, bit 0)   c_T (bit 1, bit 0)   mean f   mean i   mean g (bit 1, bit 0)",
             "                                                 over the distractor steps t = 2..T",
             "                                                 (f and i: mean over both sequences)"]
    for j in range(c.shape[2]):
        lines.append(f"{j + 1:4d}   {c[1, 0, j]:+8.2f} {c[0, 0, j]:+8.2f}   {c[1, -1, j]:+8.2f} {c[0, -1, j]:+8.2f}"
                     f"   {f[:, 1:, j].mean():6.2f}   {i[:, 1:, j].mean():6.2f}"
                     f"   {g[1, 1:, j].mean():+8.2f} {g[0, 1:, j].mean():+8.2f}")
    lines.append(f"per step (t = 2..T, all units, both sequences): i from {i[:, 1:].min():.2f} to "
                 f"{i[:, 1:].max():.2f}, f from {f[:, 1:].min():.2f} to {f[:, 1:].max():.2f}")
    return "\n".join(line.rstrip() for line in lines)


def accuracy_without_recurrence(model, x, y, block=None):
    r"""The model's accuracy with :math:`W_h`, or one gate block of it, set to zero (the model is not changed).

    Without :math:`W_h` the gates and the candidate see only :math:`x_t`; a model that keeps
    its memory by re-writing it from :math:`h_{t-1}` at every step loses it. Zeroing one block
    (the columns ``Wh[:, 2*H:3*H]`` for ``block="g"``) cuts only that gate's (or the candidate's)
    view of :math:`h_{t-1}`.

    Parameters
    ----------
    model : SequenceClassifier
    x : array_like, shape (N, T, D)
    y : array_like, shape (N,)
    block : {None, "i", "f", "g", "o"}, optional
        None zeroes all of :math:`W_h` (H, 4H); a letter zeroes only that block's H columns.

    Returns
    -------
    float
    """
    if block is not None and block not in GATE_BLOCKS:
        raise ValueError(f"block must be None or one of 'i', 'f', 'g', 'o'; got {block!r}")
    saved = model.params["Wh"]
    H = saved.shape[0]
    zeroed = np.zeros_like(saved) if block is None else saved.copy()  # (H, 4H)
    if block is not None:
        zeroed[:, GATE_BLOCKS[block] * H:(GATE_BLOCKS[block] + 1) * H] = 0.0
    model.params["Wh"] = zeroed
    try:
        return model.accuracy(x, y)
    finally:
        model.params["Wh"] = saved
