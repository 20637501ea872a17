r"""Exercises of notebook 08: the GRU step forward and backward, and joining a bidirectional pass by hand.

* :func:`check_gru_step`: the learner writes ``gru_step_forward_mine(x, h_prev, Wx, Wh, bx, bh)``
  returning :math:`h_t` (N, H) in PyTorch's conventions (blocks r, z, n of the 3H columns; the
  recurrent bias ``bh`` inside the reset gate's product). The checker compares with
  :func:`rnnlib.gru.gru_step_forward` on three seeded cases (N, D, H all different) and names the
  usual slips (:data:`FORWARD_MISTAKES`, alone or two together): z and 1 - z swapped; the reset gate
  applied to :math:`h_{t-1}` before :math:`W_{hn}` (Cho et al. 2014's paper) instead of to
  :math:`h_{t-1} W_{hn} + b_{hn}` (PyTorch); :math:`b_{hn}` outside the reset gate; the reset gate
  left out; blocks read in another order (z, r, n, ...); ``bh`` not added; wrong shapes.
* :func:`check_gru_step_backward`: the learner writes
  ``gru_step_backward_mine(dh, x, h_prev, Wx, Wh, bx, bh)`` returning
  ``(dx, dh_prev, dWx, dWh, dbx, dbh)``. The checker compares with
  :func:`rnnlib.gru.gru_step_backward`, names the wrong gradients and, for the weights and biases,
  the wrong blocks (r, z, n), and recognises :data:`BACKWARD_MISTAKES` (the direct path
  ``dh * z`` to ``dh_prev`` missing, the sign of dz, the sigmoid's or tanh's derivative, the
  reset gate's factor in the n block, ...). If the learner's ``gru_step_forward_mine`` is defined
  where the backward function is, the six gradients are also compared with centred finite
  differences of that forward: a backward that is the exact gradient of a wrong forward is told
  to fix the forward.
* :func:`check_which_backward_state` (predict first): for "happy" (T = 5), which state of the
  backward reader, counted in its own reading order, belongs to t = 2, and which letters has it
  read? (Its 4th: y, p, p, a.)
* :func:`check_join_both_ways`: the learner writes ``join_both_ways_mine(hs_fwd, hs_bwd, lengths)``:
  the forward reader's states (N, T, H) in the sequence's order, the backward reader's states
  (N, T, H) AS IT PRODUCED THEM (its state j at ``[:, j-1]`` has read the last j real letters,
  x_L..x_{L-j+1}; after its L real steps it went on reading the padding), and the words' lengths;
  it returns hs (N, T, 2H) with ``hs[:, t-1] = [h_fwd_t ; h_bwd_t]`` and zeros at padded steps.
  The checker compares with :func:`rnnlib.bidirectional.bidirectional_forward` on two batches
  (no padding; padded) and names what went wrong and where (:data:`JOIN_MISTAKES`): backward states
  not reversed, reversed over the padded length T instead of each word's own length, off by one
  step, halves swapped, padding not zero.

Hints: ``hint("gru_step")``, ``hint("gru_step_backward")``, ``hint("which_backward_state")``,
``hint("join_both_ways")``; solutions: ``solution("gru_step")`` and so on.
"""

from __future__ import annotations

import itertools

import numpy as np

from ..activations import sigmoid
from ..bidirectional import bidirectional_forward, reverse_padded
from ..gradcheck import numerical_gradient, relative_error
from ..gru import BLOCK_NAMES, gru_step_backward, gru_step_forward
from ..rnn import rnn_forward
from .base import CheckResult, call_learner, register_hints

__all__ = [
    "check_gru_step",
    "solution_gru_step",
    "gru_step_cases",
    "FORWARD_MISTAKES",
    "forward_with_mistakes",
    "check_gru_step_backward",
    "solution_gru_step_backward",
    "BACKWARD_MISTAKES",
    "backward_with_mistake",
    "check_which_backward_state",
    "solution_which_backward_state",
    "check_join_both_ways",
    "solution_join_both_ways",
    "join_cases",
    "JOIN_MISTAKES",
    "join_with_mistake",
]

FORWARD = "gru_step"
BACKWARD = "gru_step_backward"
PREDICT = "which_backward_state"
JOIN = "join_both_ways"
GRAD_NAMES = ("dx", "dh_prev", "dWx", "dWh", "dbx", "dbh")
_RTOL, _ATOL = 1e-6, 1e-9
_GRAD_TOL = 1e-6  # relative error of a gradient still called right (finite differences give ~1e-10)


def _quiet(fn, args):
    """Call the learner with numpy's floating-point warnings off (they show as inf/nan in the values)."""
    with np.errstate(all="ignore"):
        return call_learner(fn, args)


def _close(a, b):
    return a.shape == b.shape and np.allclose(a, b, rtol=_RTOL, atol=_ATOL)


def _as_array(name, value, shape):
    """The learner's output as a float array of ``shape``, or ``(None, message)``."""
    if value is None:
        return None, f"{name} is None: did you forget a return value?"
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None, f"{name} must be an array of shape {shape}; got {type(value).__name__}"
    if arr.shape != shape:
        return None, f"{name} has shape {arr.shape}; expected {shape}"
    if not np.isfinite(arr).all():
        return None, f"{name} contains NaN or inf"
    return arr, None


# =========================================================================== exercise 1: the GRU step forward
_FORWARD_SOLUTION = """\
def gru_step_forward_mine(x, h_prev, Wx, Wh, bx, bh):
    H = h_prev.shape[1]
    ax = x @ Wx + bx  # (N, 3H)  input part of the blocks r, z, n
    ah = h_prev @ Wh + bh  # (N, 3H)  recurrent part, its bias bh included
    r = sigmoid(ax[:, 0:H] + ah[:, 0:H])  # (N, H)  reset gate
    z = sigmoid(ax[:, H:2 * H] + ah[:, H:2 * H])  # (N, H)  update gate
    n = np.tanh(ax[:, 2 * H:3 * H] + r * ah[:, 2 * H:3 * H])  # (N, H)  r scales h_{t-1} W_hn + b_hn
    h = (1 - z) * n + z * h_prev  # (N, H)  z = 1 keeps the old state
    return h
"""


def solution_gru_step():
    """The source of a reference solution of the GRU forward step (print it)."""
    return _FORWARD_SOLUTION


register_hints(FORWARD, [
    "Two products first, each (N, 3H): ax = x @ Wx + bx and ah = h_prev @ Wh + bh. Their columns hold three "
    "blocks of H, in PyTorch's order r (reset), z (update), n (candidate): columns 0..H-1, H..2H-1, 2H..3H-1.",
    "r = sigmoid(ax_r + ah_r) and z = sigmoid(ax_z + ah_z). The candidate is where the GRU's two biases "
    "differ: n = tanh(ax_n + r * ah_n), the reset gate multiplying the whole recurrent part h_{t-1} W_hn + b_hn "
    "(PyTorch's form; Cho et al.'s paper puts r on h_{t-1} before W_hn instead).",
    "h = (1 - z) * n + z * h_prev: z = 1 keeps the old state, z = 0 takes the candidate (the convention of "
    "Cho et al. 2014 and PyTorch). The full solution: print(solution(\"gru_step\")).",
])


def _block(a, order, name, H):
    """Columns of block ``name`` when the 3H columns are read in ``order``."""
    k = order.index(name)
    return a[:, k * H:(k + 1) * H]


def _forward_variant(x, h_prev, Wx, Wh, bx, bh, z_swapped=False, reset="pytorch", order="rzn", bh_used=True):
    """The GRU step with deliberate changes (each keyword one mistake), for recognising a learner's slip."""
    H = h_prev.shape[1]
    bh = bh if bh_used else np.zeros_like(bh)
    ax = x @ Wx + bx  # (N, 3H)
    ah = h_prev @ Wh + bh  # (N, 3H)
    r = sigmoid(_block(ax, order, "r", H) + _block(ah, order, "r", H))
    z = sigmoid(_block(ax, order, "z", H) + _block(ah, order, "z", H))
    ax_n = _block(ax, order, "n", H)
    Wh_n, bh_n = _block(Wh, order, "n", H), _block(bh[None, :], order, "n", H)
    if reset == "pytorch":
        n = np.tanh(ax_n + r * _block(ah, order, "n", H))
    elif reset == "cho":
        n = np.tanh(ax_n + (r * h_prev) @ Wh_n + bh_n)
    elif reset == "bhn_outside":
        n = np.tanh(ax_n + r * (h_prev @ Wh_n) + bh_n)
    else:  # "none"
        n = np.tanh(ax_n + _block(ah, order, "n", H))
    return z * n + (1 - z) * h_prev if z_swapped else (1 - z) * n + z * h_prev


# name -> (what the learner's step does, keyword arguments of _forward_variant)
FORWARD_MISTAKES = {
    "z_swapped": ("z and 1 - z are swapped: h_t = z * n + (1 - z) * h_{t-1}. The course uses the convention of "
                  "Cho et al. (2014) and PyTorch, h_t = (1 - z) * n + z * h_{t-1}: z = 1 keeps the old state, "
                  "like the LSTM's forget gate (Chung et al. 2014 and some texts write it the other way round)",
                  {"z_swapped": True}),
    "reset_before_Whn": ("the reset gate multiplies h_{t-1} before W_hn: n = tanh(x W_xn + b_xn + (r * h_{t-1}) W_hn "
                         "+ b_hn). That is the GRU of Cho et al. (2014)'s paper (and ONNX's default, "
                         "linear_before_reset = 0). The course follows PyTorch's nn.GRU (and cuDNN): "
                         "n = tanh(x W_xn + b_xn + r * (h_{t-1} W_hn + b_hn)), the product first, then r",
                         {"reset": "cho"}),
    "bhn_outside_reset": ("the reset gate scales h_{t-1} W_hn but not the bias b_hn: r * (h_{t-1} W_hn) + b_hn. "
                          "In PyTorch's GRU b_hn sits inside, r * (h_{t-1} W_hn + b_hn); that is why the n blocks "
                          "of bx and bh are not interchangeable", {"reset": "bhn_outside"}),
    "no_reset": ("the reset gate is not used: the candidate must be n = tanh(x W_xn + b_xn + r * (h_{t-1} W_hn "
                 "+ b_hn))", {"reset": "none"}),
    "bh_missing": ("the recurrent bias bh is not added: the recurrent part is h_prev @ Wh + bh", {"bh_used": False}),
}
for _order in itertools.permutations("rzn"):
    _order = "".join(_order)
    if _order != "rzn":
        FORWARD_MISTAKES[f"order_{_order}"] = (
            f"the 3H columns are read as the blocks ({', '.join(_order)}); PyTorch's order, and rnnlib's, is "
            "(r, z, n): columns 0..H-1 the reset gate, H..2H-1 the update gate, 2H..3H-1 the candidate",
            {"order": _order})
# the mistakes alone, then every pair of mistakes that can go together (different keywords)
_FORWARD_COMBOS = [(name,) for name in FORWARD_MISTAKES] + [
    (a, b) for a, b in itertools.combinations(FORWARD_MISTAKES, 2)
    if not set(FORWARD_MISTAKES[a][1]) & set(FORWARD_MISTAKES[b][1])]


def forward_with_mistakes(*mistakes):
    """A GRU forward step with one or two typical mistakes, to see what :func:`check_gru_step` says.

    Parameters
    ----------
    *mistakes : str
        Keys of :data:`FORWARD_MISTAKES` (``"z_swapped"``, ``"reset_before_Whn"``, ``"order_zrn"``, ...).

    Returns
    -------
    callable
        ``fn(x, h_prev, Wx, Wh, bx, bh) -> h``, wrong in those ways.
    """
    kwargs = {}
    for mistake in mistakes:
        if mistake not in FORWARD_MISTAKES:
            raise ValueError(f"mistake must be one of {sorted(FORWARD_MISTAKES)}; got {mistake!r}")
        kwargs.update(FORWARD_MISTAKES[mistake][1])

    def forward(x, h_prev, Wx, Wh, bx, bh):
        return _forward_variant(x, h_prev, Wx, Wh, bx, bh, **kwargs)

    forward.__name__ = "gru_step_with_" + "_and_".join(mistakes)
    return forward


def gru_step_cases(seed=80):
    """Seeded inputs of one GRU step, N, D and H all different (a forgotten transpose fails on a shape).

    Parameters
    ----------
    seed : int

    Returns
    -------
    list of dict
        ``x`` (N, D), ``h_prev`` (N, H), ``Wx`` (D, 3H), ``Wh`` (H, 3H), ``bx``, ``bh`` (3H,), for
        (N, D, H) = (2, 3, 4), (3, 5, 2), (1, 4, 3); weights of scale 0.8 and biases of scale 0.5, so
        that every mistake of :data:`FORWARD_MISTAKES` changes h clearly.
    """
    rng = np.random.default_rng(seed)
    cases = []
    for N, D, H in ((2, 3, 4), (3, 5, 2), (1, 4, 3)):
        cases.append({
            "x": rng.normal(size=(N, D)),
            "h_prev": rng.uniform(-0.9, 0.9, size=(N, H)),
            "Wx": rng.normal(scale=0.8, size=(D, 3 * H)),
            "Wh": rng.normal(scale=0.8, size=(H, 3 * H)),
            "bx": rng.normal(scale=0.5, size=3 * H),
            "bh": rng.normal(scale=0.5, size=3 * H),
        })
    return cases


def _args(case):
    return tuple(np.array(case[k], copy=True) for k in ("x", "h_prev", "Wx", "Wh", "bx", "bh"))


def _learner_h(out, N, D, H):
    """``h`` from ``h`` or ``(h, cache)``, as (N, H) floats, or ``(None, message)``."""
    if isinstance(out, (tuple, list)) and out and isinstance(out[0], np.ndarray):
        out = out[0]  # (h, cache)
    if out is None:
        return None, "your function returned None: did you forget the `return h`?"
    try:
        h = np.asarray(out, dtype=np.float64)
    except (TypeError, ValueError):
        return None, f"return h, an array of shape ({N}, {H}); got {type(out).__name__}"
    if h.shape != (N, H):
        msg = f"h has shape {h.shape}, expected ({N}, {H}) (N = {N} rows, H = {H} units; here D = {D})"
        if h.shape == (N, 3 * H):
            msg += ": that is a 3H-wide pre-activation; cut it into the blocks r, z, n of H columns each"
        elif h.shape == (H, N):
            msg += ": one column per example; the course keeps one row per example"
        return None, msg
    if not np.isfinite(h).all():
        return None, "h contains NaN or inf"
    return h, None


def _describe(combo):
    return " and ".join(f"({k + 1}) {FORWARD_MISTAKES[name][0]}" if len(combo) > 1 else FORWARD_MISTAKES[name][0]
                        for k, name in enumerate(combo))


def _forward_cause(h, case):
    """The mistakes (one or two) whose variant gives ``h`` on ``case``, or None."""
    for combo in _FORWARD_COMBOS:
        kwargs = {}
        for name in combo:
            kwargs.update(FORWARD_MISTAKES[name][1])
        if _close(h, _forward_variant(*_args(case), **kwargs)):
            return combo
    return None


def check_gru_step(learner_fn):
    r"""Check ``learner_fn(x, h_prev, Wx, Wh, bx, bh) -> h``, one GRU step in PyTorch's conventions.

    Parameters
    ----------
    learner_fn : callable
        Returns ``h`` (N, H), or ``(h, cache)``.

    Returns
    -------
    CheckResult
        Correct when ``h`` matches :func:`rnnlib.gru.gru_step_forward` on every case of
        :func:`gru_step_cases`; otherwise the shape problem, or the mistake (one or two of
        :data:`FORWARD_MISTAKES`) that the output matches, or where it differs.

    Notes
    -----
    .. math::
        r &= \sigma(x_t W_{xr} + b_{xr} + h_{t-1} W_{hr} + b_{hr}), \quad
        z = \sigma(x_t W_{xz} + b_{xz} + h_{t-1} W_{hz} + b_{hz}) \\
        n &= \tanh\big(x_t W_{xn} + b_{xn} + r \odot (h_{t-1} W_{hn} + b_{hn})\big), \quad
        h_t = (1 - z) \odot n + z \odot h_{t-1}
    """
    if not callable(learner_fn):
        return CheckResult(False, f"pass your function itself (the name after def); got {type(learner_fn).__name__}",
                           FORWARD)
    cases = gru_step_cases()
    for k, case in enumerate(cases, start=1):
        N, D = case["x"].shape
        H = case["h_prev"].shape[1]
        where = f"case {k} of {len(cases)} (N = {N}, D = {D}, H = {H})"
        out, error = _quiet(learner_fn, _args(case))
        if error:
            return CheckResult(False, f"{where}: {error}", FORWARD)
        h, problem = _learner_h(out, N, D, H)
        if problem:
            return CheckResult(False, f"{where}: {problem}", FORWARD)
        want, _ = gru_step_forward(**case)  # (N, H)
        if _close(h, want):
            continue
        combo = _forward_cause(h, case)
        if combo:
            return CheckResult(False, f"your h matches a GRU step in which {_describe(combo)}. "
                                      f"Try hint('{FORWARD}').", FORWARD)
        n, j = np.unravel_index(np.argmax(np.abs(h - want)), h.shape)
        return CheckResult(False, f"{where}: h differs from rnnlib's GRU step, most at h[{n}, {j}] (yours "
                                  f"{h[n, j]:.4f}, expected {want[n, j]:.4f}), and matches none of the usual "
                                  "mistakes (z and 1 - z, where r goes, the block order r, z, n, the biases). "
                                  f"Print r, z and n next to rnnlib.gru_step_forward's cache. Try hint('{FORWARD}').",
                           FORWARD)
    case = cases[0]
    _, cache = gru_step_forward(**case)
    return CheckResult(True, f"h matches rnnlib's GRU step (PyTorch's blocks r, z, n; r scaling h_{{t-1}} W_hn + b_hn; "
                             f"h_t = (1 - z) n + z h_{{t-1}}) on all {len(cases)} cases (N = 1-3, D = 3-5, H = 2-4). "
                             f"In case 1 the update gate z ranges over {cache.z.min():.2f}..{cache.z.max():.2f}: "
                             "each unit keeps that share of its old state.", FORWARD)


# =========================================================================== exercise 2: the GRU step backward
_BACKWARD_SOLUTION = """\
def gru_step_backward_mine(dh, x, h_prev, Wx, Wh, bx, bh):
    H = h_prev.shape[1]
    ax = x @ Wx + bx  # (N, 3H)   the forward step again: the backward pass needs r, z, n
    ah = h_prev @ Wh + bh  # (N, 3H)
    r = sigmoid(ax[:, 0:H] + ah[:, 0:H])  # (N, H)
    z = sigmoid(ax[:, H:2 * H] + ah[:, H:2 * H])  # (N, H)
    ah_n = ah[:, 2 * H:3 * H]  # (N, H)   h_{t-1} W_hn + b_hn
    n = np.tanh(ax[:, 2 * H:3 * H] + r * ah_n)  # (N, H)
    # h = (1 - z) * n + z * h_prev, backwards
    dz = dh * (h_prev - n)  # (N, H)
    dn = dh * (1 - z)  # (N, H)
    dh_direct = dh * z  # (N, H)   the direct path to h_{t-1}
    dan = dn * (1 - n**2)  # (N, H)   tanh' = 1 - tanh^2
    dr = dan * ah_n  # (N, H)   n = tanh(ax_n + r * ah_n)
    dah_n = dan * r  # (N, H)
    dar = dr * r * (1 - r)  # (N, H)   sigmoid' = s (1 - s)
    daz = dz * z * (1 - z)  # (N, H)
    dax = np.concatenate([dar, daz, dan], axis=1)  # (N, 3H)  d(x Wx + bx), blocks r, z, n
    dah = np.concatenate([dar, daz, dah_n], axis=1)  # (N, 3H)  d(h_prev Wh + bh): its n block scaled by r
    dx = dax @ Wx.T  # (N, D)
    dh_prev = dh_direct + dah @ Wh.T  # (N, H)   both paths
    dWx = x.T @ dax  # (D, 3H)
    dWh = h_prev.T @ dah  # (H, 3H)
    dbx = dax.sum(axis=0)  # (3H,)
    dbh = dah.sum(axis=0)  # (3H,)
    return dx, dh_prev, dWx, dWh, dbx, dbh
"""


def solution_gru_step_backward():
    """The source of a reference solution of the GRU backward step (print it)."""
    return _BACKWARD_SOLUTION


register_hints(BACKWARD, [
    "Recompute the forward step inside (ax, ah, r, z, n, and ah_n = h_prev @ Wh_n + b_hn), then walk its lines "
    "backwards. From h = (1 - z) * n + z * h_prev: dz = dh * (h_prev - n), dn = dh * (1 - z), and h_prev "
    "receives dh * z directly.",
    "Through the candidate n = tanh(ax_n + r * ah_n): dan = dn * (1 - n**2), then dr = dan * ah_n and "
    "d(ah_n) = dan * r. Through the gates: dar = dr * r * (1 - r), daz = dz * z * (1 - z). So the input part "
    "and the recurrent part get different n blocks: dax = [dar, daz, dan], dah = [dar, daz, dan * r].",
    "dx = dax @ Wx.T, dWx = x.T @ dax, dbx = dax.sum(axis=0); dWh = h_prev.T @ dah, dbh = dah.sum(axis=0); "
    "dh_prev = dh * z + dah @ Wh.T (both paths). The full solution: print(solution(\"gru_step_backward\")).",
])


def _backward_variant(dh, x, h_prev, Wx, Wh, bx, bh, direct=True, dz_sign=1.0, sigmoid_deriv=True, tanh_deriv=True,
                      dr_with_bias=True, dah_n_times_r=True, dbh_as_dbx=False, order="rzn"):
    """The backward step with one deliberate change, for recognising a learner's mistake."""
    H = h_prev.shape[1]
    ax, ah = x @ Wx + bx, h_prev @ Wh + bh
    r = sigmoid(ax[:, :H] + ah[:, :H])
    z = sigmoid(ax[:, H:2 * H] + ah[:, H:2 * H])
    ah_n = ah[:, 2 * H:]
    n = np.tanh(ax[:, 2 * H:] + r * ah_n)
    dz = dz_sign * dh * (h_prev - n)
    dn = dh * (1 - z)
    dan = dn * ((1 - n**2) if tanh_deriv else (1 - n))
    dr = dan * (ah_n if dr_with_bias else h_prev @ Wh[:, 2 * H:])
    dah_n = dan * r if dah_n_times_r else dan
    dar = dr * (r * (1 - r) if sigmoid_deriv else r)
    daz = dz * (z * (1 - z) if sigmoid_deriv else z)
    parts_x = {"r": dar, "z": daz, "n": dan}
    parts_h = {"r": dar, "z": daz, "n": dah_n}
    dax = np.concatenate([parts_x[k] for k in order], axis=1)
    dah = np.concatenate([parts_h[k] for k in order], axis=1)
    return {"dx": dax @ Wx.T, "dh_prev": (dh * z if direct else 0.0) + dah @ Wh.T, "dWx": x.T @ dax,
            "dWh": h_prev.T @ dah, "dbx": dax.sum(axis=0), "dbh": (dax if dbh_as_dbx else dah).sum(axis=0)}


# mistake name -> (description, keyword arguments of _backward_variant)
BACKWARD_MISTAKES = {
    "no_direct_path": ("dh_prev leaves out the direct path dh * z: h_t = (1 - z) * n + z * h_{t-1} uses h_{t-1} "
                       "itself, not only through Wh, so dh_prev = dh * z + dah @ Wh.T (the path that lets the "
                       "gradient cross many steps where z is near 1)", {"direct": False}),
    "dz_sign": ("dz has the wrong sign: h_t = (1 - z) * n + z * h_{t-1} gives dz = dh * (h_prev - n) "
                "(dh * (n - h_prev) belongs to the swapped convention h_t = z * n + (1 - z) * h_{t-1})",
                {"dz_sign": -1.0}),
    "sigmoid_as_s": ("the sigmoid's derivative is written as s instead of s * (1 - s) (for r and z)",
                     {"sigmoid_deriv": False}),
    "tanh_no_square": ("the candidate's derivative is written as 1 - n instead of 1 - n**2", {"tanh_deriv": False}),
    "dr_without_bias": ("dr = dan * (h_prev @ Wh_n) leaves out b_hn: r multiplies h_{t-1} W_hn + b_hn, so "
                        "dr = dan * (h_prev @ Wh_n + bh_n)", {"dr_with_bias": False}),
    "dah_n_without_r": ("the n block of the recurrent part's gradient is not multiplied by r: n = tanh(ax_n + r * "
                        "ah_n), so d(ah_n) = dan * r while d(ax_n) = dan (this block feeds dWh, dbh and dh_prev)",
                        {"dah_n_times_r": False}),
    "dbh_as_dbx": ("dbh equals dbx: in the n block they differ, dbh_n = sum of dan * r, because b_hn sits inside "
                   "the reset gate's product", {"dbh_as_dbx": True}),
    "order_zrn": ("the blocks of dax and dah are concatenated in the order (z, r, n); PyTorch's and rnnlib's "
                  "order is (r, z, n)", {"order": "zrn"}),
}


def backward_with_mistake(mistake):
    """A GRU backward step with one typical mistake, to see what :func:`check_gru_step_backward` says.

    Parameters
    ----------
    mistake : str
        One of :data:`BACKWARD_MISTAKES`.

    Returns
    -------
    callable
        ``fn(dh, x, h_prev, Wx, Wh, bx, bh) -> (dx, dh_prev, dWx, dWh, dbx, dbh)``, wrong in that one way.
    """
    if mistake not in BACKWARD_MISTAKES:
        raise ValueError(f"mistake must be one of {sorted(BACKWARD_MISTAKES)}; got {mistake!r}")
    kwargs = BACKWARD_MISTAKES[mistake][1]

    def backward(dh, x, h_prev, Wx, Wh, bx, bh):
        grads = _backward_variant(dh, x, h_prev, Wx, Wh, bx, bh, **kwargs)
        return tuple(grads[name] for name in GRAD_NAMES)

    backward.__name__ = f"gru_backward_with_{mistake}"
    return backward


def _own_forward(fn):
    """The learner's ``gru_step_forward_mine`` defined next to ``fn`` (the notebook's namespace), or None."""
    target = getattr(fn, "__wrapped__", fn)  # the grader wraps the learner's function
    forward = getattr(target, "__globals__", {}).get("gru_step_forward_mine")
    return forward if callable(forward) else None


def _own_forward_gradients(forward, case, dh):
    """Centred differences of sum(forward(...) * dh) for each input, or None if the forward fails."""
    N, H = case["h_prev"].shape

    def h_of(**inputs):
        out, error = _quiet(forward, tuple(inputs[k] for k in ("x", "h_prev", "Wx", "Wh", "bx", "bh")))
        if error:
            raise _ForwardFailed(error)
        h, problem = _learner_h(out, N, case["x"].shape[1], H)
        if problem:
            raise _ForwardFailed(problem)
        return h

    try:
        return {f"d{name}": numerical_gradient(h_of, case, name, dout=dh) for name in case}
    except _ForwardFailed:
        return None


class _ForwardFailed(Exception):
    pass


def _block_note(name, got, want, H):
    if name not in ("dWx", "dWh", "dbx", "dbh"):
        return ""
    scale = np.linalg.norm(got) + np.linalg.norm(want)
    bad = [b for k, b in enumerate(BLOCK_NAMES)
           if relative_error(got[..., k * H:(k + 1) * H], want[..., k * H:(k + 1) * H], scale) > _GRAD_TOL]
    good = [b for b in BLOCK_NAMES if b not in bad]
    return f" in the block(s) {', '.join(bad)}" + (f" (right in {', '.join(good)})" if good else "")


def check_gru_step_backward(learner_fn):
    r"""Check ``learner_fn(dh, x, h_prev, Wx, Wh, bx, bh) -> (dx, dh_prev, dWx, dWh, dbx, dbh)``.

    Parameters
    ----------
    learner_fn : callable
        The backward pass of one GRU step: it receives the upstream gradient ``dh`` (N, H) and the
        step's inputs and weights (it recomputes the gates itself).

    Returns
    -------
    CheckResult
        Correct when the six gradients match :func:`rnnlib.gru.gru_step_backward` (relative error
        below 1e-6); otherwise which are wrong, for the weights and biases in which blocks (r, z, n),
        and the mistake of :data:`BACKWARD_MISTAKES` they match. When the notebook also defines
        ``gru_step_forward_mine``, the gradients are compared with centred finite differences of it
        too: the message says whether the backward is at least the gradient of the learner's own
        forward (so a wrong forward is the thing to fix).

    Notes
    -----
    .. math::
        \frac{\partial L}{\partial h_{t-1}} = \frac{\partial L}{\partial h_t} \odot z
            + \frac{\partial L}{\partial a_h} W_h^\top, \qquad
        \frac{\partial L}{\partial a_{h,n}} = \frac{\partial L}{\partial a_n} \odot r, \quad
        \frac{\partial L}{\partial a_{x,n}} = \frac{\partial L}{\partial a_n}
    """
    if not callable(learner_fn):
        return CheckResult(False, f"pass your function itself (the name after def); got {type(learner_fn).__name__}",
                           BACKWARD)
    case = gru_step_cases()[0]
    N, D = case["x"].shape
    H = case["h_prev"].shape[1]
    dh = np.random.default_rng(81).normal(size=(N, H))  # (N, H)
    out, error = _quiet(learner_fn, (dh.copy(),) + _args(case))
    if error:
        return CheckResult(False, f"(N = {N}, D = {D}, H = {H}) {error}", BACKWARD)
    shapes = dict(zip(GRAD_NAMES, [(N, D), (N, H), (D, 3 * H), (H, 3 * H), (3 * H,), (3 * H,)], strict=True))
    if not isinstance(out, (tuple, list)) or len(out) != len(GRAD_NAMES):
        got = type(out).__name__ + (f" of length {len(out)}" if isinstance(out, (tuple, list)) else "")
        return CheckResult(False, f"return six gradients ({', '.join(GRAD_NAMES)}); got {got}", BACKWARD)
    grads, problems = {}, []
    for name, value in zip(GRAD_NAMES, out):
        grads[name], problem = _as_array(name, value, shapes[name])
        if problem:
            problems.append(problem)
    if problems:
        return CheckResult(False, "; ".join(problems) + f" (N = {N}, D = {D}, H = {H}; return them in the order "
                                                        f"{', '.join(GRAD_NAMES)})", BACKWARD)
    _, cache = gru_step_forward(**case)
    want = dict(zip(GRAD_NAMES, gru_step_backward(dh, cache), strict=True))
    errors = {name: relative_error(grads[name], want[name]) for name in GRAD_NAMES}
    wrong = [name for name in GRAD_NAMES if errors[name] > _GRAD_TOL]
    forward = _own_forward(learner_fn)
    own = _own_forward_gradients(forward, case, dh) if forward is not None else None
    if not wrong:
        extra = ""
        if own is not None:
            fd = max(relative_error(grads[name], own[name]) for name in GRAD_NAMES)
            extra = f" and finite differences of your gru_step_forward_mine ({fd:.1e})"
        return CheckResult(True, f"all six gradients match rnnlib.gru_step_backward (largest relative error "
                                 f"{max(errors.values()):.1e}){extra}. dh_prev = dh * z + dah @ Wh.T: where z is "
                                 "near 1 the gradient reaches h_{t-1} almost unchanged.", BACKWARD)
    lines = [f"{name} is wrong (relative error {errors[name]:.1e}){_block_note(name, grads[name], want[name], H)}"
             for name in wrong]
    right = [name for name in GRAD_NAMES if name not in wrong]
    message = "; ".join(lines) + (f". Right: {', '.join(right)}." if right else ".")
    args = (dh,) + _args(case)
    cause = next((description for description, kwargs in BACKWARD_MISTAKES.values()
                  if all(_close(grads[name], _backward_variant(*args, **kwargs)[name]) for name in GRAD_NAMES)), None)
    if cause:
        message += f" Likely cause: your gradients match a backward pass in which {cause}."
    if own is not None:
        own_wrong = [name for name in GRAD_NAMES if relative_error(grads[name], own[name]) > 1e-5]
        forward_h = _learner_h(_quiet(forward, _args(case))[0], N, D, H)[0]
        forward_right = forward_h is not None and _close(forward_h, gru_step_forward(**case)[0])
        if not own_wrong and not forward_right:
            message += (" Your gradients ARE the exact gradients of your own gru_step_forward_mine (finite "
                        "differences agree), but that forward is not rnnlib's GRU: fix the forward first "
                        "(check_gru_step(gru_step_forward_mine) says how), then the backward the same way.")
        elif own_wrong and forward_right:
            message += (f" Finite differences of your (correct) gru_step_forward_mine disagree with your "
                        f"{', '.join(own_wrong)} too: derive those again from the forward's lines.")
    return CheckResult(False, message + f" Try hint('{BACKWARD}').", BACKWARD)


# =========================================================================== exercise 3: predict, which backward state
PREDICT_WORD, PREDICT_T = "happy", 2

_PREDICT_SOLUTION = """\
def which_backward_state_mine():
    # the backward reader reads x_5, x_4, ... ; at t = 2 it has read x_5, x_4, x_3, x_2 (x_t included)
    j = 5 - 2 + 1  # T - t + 1 = 4: its 4th state (hs_bwd[:, 3] in code)
    letters = "yppa"  # y, p, p, a: the letters read, in the order it read them
    return j, letters
"""


def solution_which_backward_state():
    """The source of a reference solution of the prediction (print it)."""
    return _PREDICT_SOLUTION


register_hints(PREDICT, [
    "Write 'happy' with its steps: x_1 = h, x_2 = a, x_3 = p, x_4 = p, x_5 = y. The backward reader starts at "
    "x_5. Which letter does it read at its 1st step, its 2nd, ...? Return j, the number of its state (counted "
    "from 1), and letters, a str of the letters it has read, in reading order, e.g. \"xyz\".",
    "The state that belongs to position t has read x_t itself and everything to its right: x_T, ..., x_t. How "
    "many letters is that for T = 5, t = 2?",
    "j = T - t + 1 = 4: its 4th state, after reading y, p, p, a (letters = \"yppa\"). The full solution: "
    "print(solution(\"which_backward_state\")).",
])


def _only_letters(text):
    """The a-z letters of ``text``, lower-cased, in order ("Y, p p-A" -> "yppa")."""
    return "".join(ch for ch in text.lower() if "a" <= ch <= "z")


def check_which_backward_state(learner_fn):
    r"""Check ``learner_fn() -> (j, letters)``: which backward state sits at t = 2 of "happy", predicted.

    Parameters
    ----------
    learner_fn : callable
        Takes no argument; returns ``j`` (int, the number of the backward reader's state, counted
        from 1 in its own reading order) and ``letters`` (str: the letters it has read, in reading
        order, e.g. ``"xyz"``; only the letters a-z count, case ignored, so ``"y, p, p, a"``,
        ``"y p p a"`` and ``"YPPA"`` all read as ``"yppa"``).

    Returns
    -------
    CheckResult
        Correct for ``(4, "yppa")``; otherwise what the answer mixes up (the forward numbering, x_t
        left out, counting from 0, the reading order).

    Notes
    -----
    .. math:: \overleftarrow{h}_t \text{ is the backward reader's state number } j = T - t + 1,
              \text{ after reading } x_T, x_{T-1}, \dots, x_t.

    (``j``, not ``k``: in notebook 08 k is the lag of notebooks 04/06.)
    """
    word, t = PREDICT_WORD, PREDICT_T
    T = len(word)
    j_right = T - t + 1
    read = word[t - 1:][::-1]  # "yppa"
    out, error = call_learner(learner_fn, ())
    if error:
        return CheckResult(False, error, PREDICT)
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        return CheckResult(False, "return two values: j (an int, the state's number counted from 1) and letters "
                                  "(a str of the letters read, in reading order, such as \"xyz\")", PREDICT)
    j, letters = out
    if isinstance(j, (bool, np.bool_)) or not isinstance(j, (int, np.integer)):
        return CheckResult(False, f"j must be an int (the state's number, counted from 1); got {j!r}", PREDICT)
    if not isinstance(letters, str):
        return CheckResult(False, "letters must be a str of the letters read, in reading order, such as \"xyz\"; "
                                  f"got {type(letters).__name__}", PREDICT)
    j, given, letters = int(j), letters, _only_letters(letters)
    problems = []
    if j != j_right:
        if j == t:
            why = (f"state {t} is where the FORWARD reader is at t = {t}; the backward reader's state {t} has read "
                   f"only {', '.join(word[T - t:][::-1])} (x_{T}, x_{T - 1}) and belongs to t = {T - t + 1}")
        elif j == j_right - 1:
            why = (f"state {j} has read {', '.join(word[t:][::-1])}, not yet x_{t} = '{word[t - 1]}': the state at t "
                   f"includes x_t. If you counted from 0: states are counted from 1 here (in code it is "
                   f"hs_bwd[:, {j_right - 1}])")
        elif 1 <= j <= T:
            why = f"state {j} has read {', '.join(word[T - j:][::-1])} and belongs to t = {T - j + 1}"
        else:
            why = f"the backward reader has {T} states for T = {T}, numbered 1..{T}"
        problems.append(f"j = {j}: {why}")
    if letters != read:
        if not letters:
            why = "no letter a-z in it: write the letters read, in reading order, such as \"xyz\""
        elif sorted(letters) == sorted(read):
            why = (f"those are the right letters, but the backward reader read them from the end: "
                   f"x_{T} = '{word[-1]}' first")
        elif letters in (word[:t], word[:t][::-1]):
            why = f"those are the letters the FORWARD reader has read at t = {t} (x_1..x_{t})"
        elif letters == word[t:][::-1]:
            why = f"x_{t} = '{word[t - 1]}' is missing: the state at t has read x_t as well"
        else:
            why = f"at t = {t} it has read x_{T}, ..., x_{t}"
        shown = repr(letters) if given == letters else f"{given!r} (read as {letters!r})"
        problems.append(f"letters = {shown}: {why}")
    if problems:
        return CheckResult(False, "; ".join(problems) + f". Try hint('{PREDICT}').", PREDICT)
    return CheckResult(True, f"at t = {t} of '{word}' (T = {T}) sits the backward reader's state {j_right} "
                             f"(j = T - t + 1), after reading {', '.join(read)}: in code hs_bwd[:, {j_right - 1}], not "
                             f"hs_bwd[:, {t - 1}]. Its states arrive in reverse order and must be turned around "
                             "before they are joined with the forward reader's.", PREDICT)


# =========================================================================== exercise 4: joining the two readers
_JOIN_SOLUTION = """\
def join_both_ways_mine(hs_fwd, hs_bwd, lengths):
    N, T, H = hs_fwd.shape
    hs = np.zeros((N, T, 2 * H))  # (N, T, 2H)  padded steps stay 0
    for n in range(N):
        ell = int(lengths[n])  # this word's own length, not T
        for t in range(1, ell + 1):  # t = 1..ell; [:, t-1] is step t
            hs[n, t - 1, :H] = hs_fwd[n, t - 1]  # h_fwd_t: has read x_1..x_t
            hs[n, t - 1, H:] = hs_bwd[n, ell - t]  # its state ell - t + 1: has read x_ell..x_t
    return hs
"""


def solution_join_both_ways():
    """The source of a reference solution of the joining exercise (print it)."""
    return _JOIN_SOLUTION


register_hints(JOIN, [
    "The forward reader's states are already in the word's order: hs_fwd[:, t-1] is h_fwd_t. The backward "
    "reader's are in ITS order: hs_bwd[n, j-1] has read the last j letters of word n. Which j belongs to step t? "
    "(Your prediction for 'happy' answers it.)",
    "At step t the backward state has read x_ℓ, ..., x_t: that is ℓ - t + 1 letters, ℓ = lengths[n], the word's "
    "own length (not T: after its last real letter the backward reader went on reading padding). In code: "
    "hs_bwd[n, ℓ - t].",
    "Start from hs = np.zeros((N, T, 2H)); for each word n and t = 1..L: hs[n, t-1, :H] = hs_fwd[n, t-1] and "
    "hs[n, t-1, H:] = hs_bwd[n, ℓ - t]. The full solution: print(solution(\"join_both_ways\")).",
])


def join_cases(seed=82):
    """The two batches of the joining exercise, with the library's joined states.

    Parameters
    ----------
    seed : int

    Returns
    -------
    list of dict
        ``name``, ``hs_fwd`` and ``hs_bwd`` (N, T, H), ``lengths`` (N,) int, ``want`` (N, T, 2H).
        "no padding": N = 2, T = 5, H = 3, lengths (5, 5); "padded": N = 3, T = 6, H = 2, lengths
        (6, 3, 1). Two RNN readers (D = 4, their own seeded weights, h_0 = 0) read random inputs,
        padding included: ``hs_fwd`` is the forward reader over the whole padded batch, ``hs_bwd`` the
        backward reader's states in its own order (it reads each word's real steps from the last,
        then the padding: :func:`rnnlib.bidirectional.reverse_padded`), and ``want`` is
        :func:`rnnlib.bidirectional.bidirectional_forward` with the same weights.
    """
    rng = np.random.default_rng(seed)
    cases = []
    for name, N, T, H, lengths in (("no padding", 2, 5, 3, (5, 5)), ("padded", 3, 6, 2, (6, 3, 1))):
        D = 4
        x = rng.normal(size=(N, T, D))  # (N, T, D)  the padding holds numbers too: a reader that reads it changes
        params = [{"Wx": rng.normal(scale=0.7, size=(D, H)), "Wh": rng.normal(scale=0.7, size=(H, H)),
                   "b": rng.normal(scale=0.3, size=H)} for _ in range(2)]
        lengths = np.array(lengths)
        h0 = np.zeros((N, H))
        hs_fwd, _ = rnn_forward(x, h0, params[0]["Wx"], params[0]["Wh"], params[0]["b"])  # (N, T, H)
        hs_bwd, _ = rnn_forward(reverse_padded(x, lengths), h0, params[1]["Wx"], params[1]["Wh"],
                                params[1]["b"])  # (N, T, H)  its own order: [:, j-1] has read j steps
        want, _ = bidirectional_forward(x, params[0], params[1], cell="rnn", lengths=lengths)  # (N, T, 2H)
        cases.append({"name": name, "hs_fwd": hs_fwd, "hs_bwd": hs_bwd, "lengths": lengths, "want": want})
    return cases


def _real(lengths, T):
    return np.arange(T)[None, :] < np.asarray(lengths)[:, None]  # (N, T)


def _join_variant(hs_fwd, hs_bwd, lengths, reverse="own", shift=0, swap=False, zero_padding=True):
    """A join with deliberate changes, for recognising a learner's mistake."""
    N, T, H = hs_fwd.shape
    t = np.arange(1, T + 1)[None, :]  # (1, T)
    L = np.asarray(lengths)[:, None]  # (N, 1)
    j = {"own": L - t + 1, "padded": T - t + 1, "none": t}[reverse] + shift  # (N, T)  which state, from 1
    idx = np.minimum(np.where(j - 1 < 0, j - 1 + T, j - 1), T - 1)  # (N, T)  Python's index -1 is the last
    bwd = hs_bwd[np.arange(N)[:, None], idx]  # (N, T, H)
    out = np.concatenate([bwd, hs_fwd] if swap else [hs_fwd, bwd], axis=2)
    return np.where(_real(lengths, T)[:, :, None], out, 0.0) if zero_padding else out


# name -> (what the learner's join does, keyword arguments of _join_variant)
JOIN_MISTAKES = {
    "not_reversed": ("the backward states are not reversed: hs_bwd[:, t-1] is the backward reader's state after "
                     "reading t letters FROM THE END, so at step t it would stand at the wrong position. Step t "
                     "needs its state ℓ - t + 1, hs_bwd[n, ℓ - t]", {"reverse": "none"}),
    "reversed_over_T": ("the backward states are reversed over the padded length T (hs_bwd[:, ::-1]) instead of "
                        "each word's own length ℓ = lengths[n]: for a word shorter than T every backward state is "
                        "off by the T - ℓ padded steps (and some hold the reader's states after reading padding). "
                        "Step t needs hs_bwd[n, ℓ - t]", {"reverse": "padded"}),
    "one_too_few": ("each backward state is one step short: at step t you put the state that has read x_L..x_{t+1}; "
                    "the state at t has read x_t too, x_ℓ..x_t (ℓ - t + 1 letters, hs_bwd[n, ℓ - t])",
                    {"shift": -1}),
    "one_too_many": ("each backward state is one step too far: at step t you put the state that has read "
                     "x_ℓ..x_{t-1}; the state at t has read x_ℓ..x_t (hs_bwd[n, ℓ - t])", {"shift": 1}),
    "halves_swapped": ("the halves are swapped: hs[:, t-1] = [h_fwd_t ; h_bwd_t], the forward state in columns "
                       "0..H-1 and the backward state in columns H..2H-1 (the read-out's weights W_y expect that "
                       "order)", {"swap": True}),
    "padding_not_zero": ("in your hs the padded steps (t > ℓ) are not zero; set them to 0: nothing real was read "
                         "there (bidirectional_forward outputs 0 there; hs_fwd and hs_bwd hold the readers' states "
                         "after reading padding)", {"zero_padding": False}),
}


def join_with_mistake(*mistakes):
    """A join with one or more typical mistakes, to see what :func:`check_join_both_ways` says.

    Parameters
    ----------
    *mistakes : str
        Keys of :data:`JOIN_MISTAKES`.

    Returns
    -------
    callable
        ``fn(hs_fwd, hs_bwd, lengths) -> hs``, wrong in those ways.
    """
    kwargs = {}
    for mistake in mistakes:
        if mistake not in JOIN_MISTAKES:
            raise ValueError(f"mistake must be one of {sorted(JOIN_MISTAKES)}; got {mistake!r}")
        kwargs.update(JOIN_MISTAKES[mistake][1])

    def join(hs_fwd, hs_bwd, lengths):
        return _join_variant(hs_fwd, hs_bwd, lengths, **kwargs)

    join.__name__ = "join_with_" + "_and_".join(mistakes)
    return join


def _join_shape_problem(out, N, T, H):
    """The learner's hs as (N, T, 2H) floats, or ``(None, message)``."""
    if out is None:
        return None, "your function returned None: did you forget the `return hs`?"
    try:
        hs = np.asarray(out, dtype=np.float64)
    except (TypeError, ValueError):
        return None, f"return hs, an array of shape ({N}, {T}, {2 * H}); got {type(out).__name__}"
    if hs.shape == (N, T, 2 * H):
        if not np.isfinite(hs).all():
            return None, "hs contains NaN or inf"
        return hs, None
    msg = f"hs has shape {hs.shape}; expected ({N}, {T}, {2 * H}) = (N, T, 2H)"
    if hs.shape == (N, T, H):
        msg += (": H columns, not 2H. Are the two states added, or only one of them returned? Join them side by "
                "side along the last axis: np.concatenate([h_fwd, h_bwd], axis=2)")
    elif hs.shape == (N, 2 * T, H):
        msg += ": concatenated along axis 1, the steps. Join along the last axis (axis=2), the features"
    elif hs.shape in ((2 * N, T, H), (2, N, T, H)):
        msg += (": the two states are stacked as a new batch or axis. Join along the last axis: "
                "np.concatenate(..., axis=2)")
    return None, msg


def _state_map(half, hs_bwd, real):
    """For each real (n, t): which backward state j (from 1) the learner put there, 0 if none."""
    N, T, _ = hs_bwd.shape
    found = np.zeros((N, T), dtype=int)
    for n, t0 in zip(*np.nonzero(real)):
        for j in range(1, T + 1):
            if _close(half[n, t0], hs_bwd[n, j - 1]):
                found[n, t0] = j
                break
    return found


def check_join_both_ways(learner_fn):
    r"""Check ``learner_fn(hs_fwd, hs_bwd, lengths) -> hs``: a bidirectional pass joined by hand.

    Parameters
    ----------
    learner_fn : callable
        ``hs_fwd`` (N, T, H): the forward reader's states, ``[:, t-1]`` after x_1..x_t. ``hs_bwd``
        (N, T, H): the backward reader's states in its own reading order, ``[n, j-1]`` after reading the
        last j real steps of sequence n (then the padding). ``lengths`` (N,) int: the true lengths of
        the post-padded sequences. Returns ``hs`` (N, T, 2H).

    Returns
    -------
    CheckResult
        Correct when ``hs`` equals :func:`rnnlib.bidirectional.bidirectional_forward`'s on both
        batches of :func:`join_cases`; otherwise the shape problem, or what went wrong and where: the
        mistakes of :data:`JOIN_MISTAKES` it matches, or the first step whose backward half holds
        another state than the right one (and which one it holds).

    Notes
    -----
    .. math::
        h_t = [\overrightarrow{h}_t ; \overleftarrow{h}_t], \qquad
        \overleftarrow{h}_t = \text{the backward reader's state number } \ell - t + 1
        \ (\texttt{hs\_bwd[n, ell - t]}), \qquad h_t = 0 \text{ for } t > \ell
    """
    if not callable(learner_fn):
        return CheckResult(False, f"pass your function itself (the name after def); got {type(learner_fn).__name__}",
                           JOIN)
    cases = join_cases()
    for case in cases:
        hs_fwd, hs_bwd, lengths, want = case["hs_fwd"], case["hs_bwd"], case["lengths"], case["want"]
        N, T, H = hs_fwd.shape
        where = f"batch '{case['name']}' (N = {N}, T = {T}, H = {H}, lengths {tuple(int(v) for v in lengths)})"
        out, error = _quiet(learner_fn, (hs_fwd.copy(), hs_bwd.copy(), lengths.copy()))
        if error:
            return CheckResult(False, f"{where}: {error}", JOIN)
        hs, problem = _join_shape_problem(out, N, T, H)
        if problem:
            return CheckResult(False, f"{where}: {problem}", JOIN)
        if _close(hs, want):
            continue
        real = _real(lengths, T)  # (N, T)
        parts = []
        swapped = _close(hs[..., :H][real], want[..., H:][real]) and _close(hs[..., H:][real], want[..., :H][real])
        if swapped:
            parts.append(JOIN_MISTAKES["halves_swapped"][0])
            fwd_half, bwd_half = hs[..., H:], hs[..., :H]
        else:
            fwd_half, bwd_half = hs[..., :H], hs[..., H:]
        if not _close(fwd_half[real], want[..., :H][real]):
            n, t0 = next((n, t0) for n, t0 in zip(*np.nonzero(real)) if not _close(fwd_half[n, t0], want[n, t0, :H]))
            parts.append(f"the forward half is wrong: at hs[{n}, {t0}] (t = {t0 + 1}) it must be hs_fwd[{n}, {t0}], "
                         "the forward reader's state after x_1..x_t, unchanged")
        if not _close(bwd_half[real], want[..., H:][real]):
            mistake = next((name for name in ("not_reversed", "reversed_over_T", "one_too_few", "one_too_many")
                            if _close(bwd_half[real], _join_variant(hs_fwd, hs_bwd, lengths,
                                                                    **JOIN_MISTAKES[name][1])[..., H:][real])), None)
            if mistake:
                parts.append(JOIN_MISTAKES[mistake][0])
            else:
                found = _state_map(bwd_half, hs_bwd, real)
                n, t0 = next((n, t0) for n, t0 in zip(*np.nonzero(real))
                             if not _close(bwd_half[n, t0], want[n, t0, H:]))
                L, t = int(lengths[n]), t0 + 1
                right = f"its state {L - t + 1} (hs_bwd[{n}, {L - t}]), after reading x_{L}..x_{t}"
                j = found[n, t0]
                held = (f"you put the backward reader's state {j} (hs_bwd[{n}, {j - 1}])" if j
                        else "the backward half holds none of the backward reader's states")
                parts.append(f"the backward half is wrong at hs[{n}, {t0}] (sequence {n} of length {L}, t = {t}): "
                             f"{held}; step t needs {right}")
        pad = ~real
        if pad.any() and not np.allclose(hs[pad], 0.0, atol=_ATOL):
            n, t0 = np.argwhere(pad & ~np.isclose(hs, 0.0, atol=_ATOL).all(axis=2))[0]
            parts.append(JOIN_MISTAKES["padding_not_zero"][0] + f"; e.g. hs[{n}, {t0}] (length {int(lengths[n])}, "
                                                                f"t = {t0 + 1})")
        if not parts:  # right at real steps but not equal: only a tolerance issue remains
            parts.append("hs differs from the library's somewhere")
        prefix = f"{where}: " + ("" if case is cases[0] else "right without padding, but ")
        return CheckResult(False, prefix + "; ".join(parts) + f". Try hint('{JOIN}').", JOIN)
    padded = cases[1]
    return CheckResult(True, "hs matches rnnlib's bidirectional_forward on both batches (no padding; lengths "
                             f"{tuple(int(v) for v in padded['lengths'])} with T = {padded['hs_fwd'].shape[1]}): "
                             "step t gets the backward reader's state ℓ - t + 1, counted over each word's own "
                             "length, and padded steps are 0.", JOIN)
