r"""Exercises of the LSTM notebook: build a one-bit memory by hand, then the backward pass of a step and of a sequence.

* :func:`check_lstm_latch` runs the learner's hand-set weights of a one-unit LSTM (symbols
  "write 0", "write 1", "nothing") on every case of :data:`LATCH_CASES` and, for the first case
  it gets wrong, says which gate misbehaves where: a forget gate not near 1 on "nothing", an
  input gate that lets "nothing" write, a write that does not open the input gate or does not
  close the forget gate (the old bit and the new one cancel), a candidate with the wrong sign,
  an output gate that hides the answer.
* :func:`check_lstm_step_backward` compares the learner's six gradients with centred finite
  differences of rnnlib's forward step (:func:`rnnlib.gradcheck.numerical_gradient`), names the
  wrong ones and, for ``dWx``, ``dWh`` and ``db``, the wrong gate blocks; it recognises the
  missing ``dh * o * (1 - tanh(c)**2)`` term, a forgotten incoming ``dc``, the sigmoid's
  derivative written as ``s`` instead of ``s * (1 - s)`` and a few more.
* :func:`check_lstm_backward` compares the learner's backpropagation through a whole sequence
  with :func:`rnnlib.lstm_backward` and with finite differences of :func:`rnnlib.lstm_forward`,
  says at which steps ``dx`` goes wrong and recognises the usual slips of the loop
  (:data:`SEQUENCE_MISTAKES`: the cell-state gradient or the hidden-state gradient not carried
  back, the weight gradients overwritten instead of summed, ...).

Hints: ``hint("lstm_latch")``, ``hint("lstm_step_backward")``, ``hint("lstm_backward")``;
solutions: ``solution("lstm_latch")`` and so on.
"""

from __future__ import annotations

import numpy as np

from ..gradcheck import numerical_gradient, relative_error
from ..lessons.lstm_cell import latch_accuracy
from ..lstm import (
    GATE_NAMES,
    LSTMStepCache,  # noqa: F401  (the written solution of lstm_backward uses it)
    lstm_backward,
    lstm_cell_backward,
    lstm_forward,
    lstm_internals,
    lstm_step_backward,  # noqa: F401  (the written solution of lstm_backward uses it)
    lstm_step_forward,
)
from .base import CheckResult, call_learner, register_hints

__all__ = [
    "check_lstm_latch",
    "check_lstm_step_backward",
    "check_lstm_backward",
    "solution_lstm_latch",
    "solution_lstm_step_backward",
    "solution_lstm_backward",
    "check_retention_prediction",
    "solution_retention_prediction",
    "LATCH_CASES",
    "SEQUENCE_MISTAKES",
    "sequence_backward_with_mistake",
    "BACKWARD_MISTAKES",
    "backward_with_mistake",
]

LATCH = "lstm_latch"
BACKWARD = "lstm_step_backward"
GRAD_NAMES = ("dx", "dh_prev", "dc_prev", "dWx", "dWh", "db")
_RTOL, _ATOL = 1e-6, 1e-9
_GRAD_TOL = 1e-6  # relative error of a gradient still called right (finite differences give ~1e-10)


# --------------------------------------------------------------------------- solutions
# Written out for the learner; the checkers compare with the library (rnnlib.lstm_step_forward) and
# with finite differences of it, and the tests check that these texts pass their checkers.
_BACKWARD_SOLUTION = """\
def lstm_step_backward_mine(dh, dc, cache):
    x, h_prev, c_prev, Wh, Wx = cache.x, cache.h_prev, cache.c_prev, cache.Wh, cache.Wx
    i, f, g, o, tanh_c = cache.i, cache.f, cache.g, cache.o, cache.tanh_c
    do = dh * tanh_c  # (N, H)        from h_t = o * tanh(c_t)
    dc = dc + dh * o * (1 - tanh_c**2)  # (N, H)  incoming dc plus the path through h_t
    df = dc * c_prev  # (N, H)        from c_t = f * c_{t-1} + i * g
    dc_prev = dc * f  # (N, H)
    di = dc * g  # (N, H)
    dg = dc * i  # (N, H)
    da = np.concatenate([di * i * (1 - i),  # sigmoid' = s (1 - s)
                         df * f * (1 - f),
                         dg * (1 - g**2),  # tanh' = 1 - tanh^2
                         do * o * (1 - o)], axis=1)  # (N, 4H), blocks i, f, g, o
    dx = da @ Wx.T  # (N, D)
    dh_prev = da @ Wh.T  # (N, H)
    dWx = x.T @ da  # (D, 4H)
    dWh = h_prev.T @ da  # (H, 4H)
    db = da.sum(axis=0)  # (4H,)
    return dx, dh_prev, dc_prev, dWx, dWh, db
"""


def solution_lstm_step_backward():
    """The source of a reference solution of the backward exercise (print it)."""
    return _BACKWARD_SOLUTION


register_hints(BACKWARD, [
    "Walk the forward lines backwards. From h = o * tanh(c): do = dh * tanh(c), and c receives "
    "dh * o * (1 - tanh(c)**2) on top of the dc that arrives from the next step.",
    "With dc the total (incoming dc + dh * o * (1 - tanh_c**2)), c = f * c_prev + i * g gives "
    "df = dc * c_prev, dc_prev = dc * f, di = dc * g, dg = dc * i.",
    "Through the activations: di * i * (1 - i), df * f * (1 - f), dg * (1 - g**2), do * o * (1 - o), "
    "concatenated in the order i, f, g, o into da (N, 4H); then dx = da @ Wx.T, dh_prev = da @ Wh.T, "
    "dWx = x.T @ da, dWh = h_prev.T @ da, db = da.sum(axis=0). The full solution: "
    "print(solution(\"lstm_step_backward\")).",
])


# --------------------------------------------------------------------------- shared helpers
def _case(seed, N, D, H):
    """Random inputs of one step, scaled so that every wrong variant differs clearly."""
    rng = np.random.default_rng(seed)
    return {
        "x": rng.normal(size=(N, D)),
        "h_prev": rng.uniform(-0.9, 0.9, size=(N, H)),
        "c_prev": rng.normal(scale=1.5, size=(N, H)),
        "Wx": rng.normal(scale=0.8, size=(D, 4 * H)),
        "Wh": rng.normal(scale=0.8, size=(H, 4 * H)),
        "b": rng.normal(scale=0.8, size=4 * H),
    }


def _as_float_array(name, value, shape):
    """The learner's output as a float array, or a message saying what is wrong with it."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None, f"{name} must be an array of shape {shape}; got {type(value).__name__}"
    if arr.shape != shape:
        return None, f"{name} has shape {arr.shape}; expected {shape}"
    if not np.isfinite(arr).all():
        return None, f"{name} contains NaN or inf"
    return arr, None


def _learner_arrays(out, shapes, what, context):
    """The arrays a learner's function returned, by name, or ``(None, message)`` saying what is wrong.

    ``shapes`` maps each name to its shape, in the order the function must return them; ``what`` says
    what it returns (``"six gradients"``); ``context`` (the sizes) is added to a shape message.
    """
    names = list(shapes)
    if not isinstance(out, (tuple, list)) or len(out) != len(names):
        got = type(out).__name__ + (f" of length {len(out)}" if isinstance(out, (tuple, list)) else "")
        return None, f"return {what} ({', '.join(names)}); got {got}"
    arrays, problems = {}, []
    for name, value in zip(names, out):
        arrays[name], msg = _as_float_array(name, value, shapes[name])
        if msg:
            problems.append(msg)
    if problems:
        return None, "; ".join(problems) + f" ({context}; return them in the order {', '.join(names)})"
    return arrays, None


def _close(a, b):
    return a.shape == b.shape and np.allclose(a, b, rtol=_RTOL, atol=_ATOL)


def _first_difference(name, got, want):
    idx = np.unravel_index(np.argmax(np.abs(got - want)), got.shape)
    where = ", ".join(str(int(k)) for k in idx)
    return f"{name}[{where}] is {got[idx]:.6g}, expected {want[idx]:.6g}"


# --------------------------------------------------------------------------- backward
def _backward_variant(dh, dc, cache, dh_path=True, incoming_dc=True, sigmoid_deriv="s(1-s)", tanh_g_deriv="1-g^2",
                      tanh_c_deriv="1-tanh^2", do_uses_c=False, dc_prev_times_f=True, df_uses_c=False,
                      order="ifgo"):
    """The backward step with one deliberate change, for recognising a learner's mistake."""
    x, h_prev, c_prev, Wx, Wh, c = cache.x, cache.h_prev, cache.c_prev, cache.Wx, cache.Wh, cache.c
    i, f, g, o, tanh_c = cache.i, cache.f, cache.g, cache.o, cache.tanh_c
    do = dh * (c if do_uses_c else tanh_c)
    dtanh = 1 - tanh_c**2 if tanh_c_deriv == "1-tanh^2" else 1 - tanh_c
    dc_total = (dc if incoming_dc else 0.0) + (dh * o * dtanh if dh_path else 0.0)
    df = dc_total * (c if df_uses_c else c_prev)
    dc_prev = dc_total * f if dc_prev_times_f else dc_total
    di = dc_total * g
    dg = dc_total * i

    def dsig(s):
        return s * (1 - s) if sigmoid_deriv == "s(1-s)" else s

    dg_a = dg * (1 - g**2) if tanh_g_deriv == "1-g^2" else dg * (1 - g)
    blocks = {"i": di * dsig(i), "f": df * dsig(f), "g": dg_a, "o": do * dsig(o)}
    da = np.concatenate([blocks[k] for k in order], axis=1)
    return {"dx": da @ Wx.T, "dh_prev": da @ Wh.T, "dc_prev": dc_prev, "dWx": x.T @ da, "dWh": h_prev.T @ da,
            "db": da.sum(axis=0)}


# mistake name -> (description, keyword arguments of _backward_variant)
BACKWARD_MISTAKES = {
    "no_dh_path": ("the total dc leaves out the path through h: dc must be the incoming dc plus "
                   "dh * o * (1 - tanh(c)**2)", {"dh_path": False}),
    "no_incoming_dc": ("the incoming dc (from the next step) is forgotten: the total is "
                       "dc + dh * o * (1 - tanh(c)**2), not only dh * o * (1 - tanh(c)**2)", {"incoming_dc": False}),
    "sigmoid_as_s": ("the sigmoid's derivative is written as s instead of s * (1 - s) (for i, f and o)",
                     {"sigmoid_deriv": "s"}),
    "tanh_g_no_square": ("the candidate's derivative is written as 1 - g instead of 1 - g**2",
                         {"tanh_g_deriv": "1-g"}),
    "tanh_c_no_square": ("the derivative of tanh(c) is written as 1 - tanh(c) instead of 1 - tanh(c)**2",
                         {"tanh_c_deriv": "1-tanh"}),
    "do_uses_c": ("do = dh * c is used; h = o * tanh(c), so do = dh * tanh(c)", {"do_uses_c": True}),
    "dc_prev_without_f": ("dc_prev = dc is used; c = f * c_prev + ..., so dc_prev = dc * f",
                          {"dc_prev_times_f": False}),
    "df_uses_c": ("df = dc * c is used; c = f * c_prev + ..., so df = dc * c_prev", {"df_uses_c": True}),
    "gate_order_ifog": ("the gate blocks of da are concatenated in the order (i, f, o, g); rnnlib's order is "
                        "(i, f, g, o)", {"order": "ifog"}),
}
_BACKWARD_VARIANTS = list(BACKWARD_MISTAKES.values())


def backward_with_mistake(mistake):
    """A backward step with one typical mistake, to see what :func:`check_lstm_step_backward` says.

    Parameters
    ----------
    mistake : str
        One of :data:`BACKWARD_MISTAKES` (``"sigmoid_as_s"``, ``"no_incoming_dc"``, ...).

    Returns
    -------
    callable
        ``fn(dh, dc, cache) -> (dx, dh_prev, dc_prev, dWx, dWh, db)``, wrong in that one way.
    """
    if mistake not in BACKWARD_MISTAKES:
        raise ValueError(f"mistake must be one of {sorted(BACKWARD_MISTAKES)}; got {mistake!r}")
    kwargs = BACKWARD_MISTAKES[mistake][1]

    def backward(dh, dc, cache):
        grads = _backward_variant(dh, dc, cache, **kwargs)
        return tuple(grads[name] for name in GRAD_NAMES)

    backward.__name__ = f"backward_with_{mistake}"
    return backward


def _numerical_gradients(case, dh, dc):
    """Centred differences of sum(h * dh) + sum(c * dc) with respect to each input of the step."""
    dout = np.concatenate([dh, dc], axis=1)  # (N, 2H)

    def step(x, h_prev, c_prev, Wx, Wh, b):
        h, c, _ = lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b)
        return np.concatenate([h, c], axis=1)  # (N, 2H)

    return {f"d{name}": numerical_gradient(step, case, name, dout=dout) for name in case}


def check_lstm_step_backward(learner_fn):
    r"""Check a learner's ``learner_fn(dh, dc, cache) -> (dx, dh_prev, dc_prev, dWx, dWh, db)``.

    ``cache`` is the :class:`rnnlib.lstm.LSTMStepCache` that :func:`rnnlib.lstm_step_forward`
    returns (fields ``x, h_prev, c_prev, Wx, Wh, i, f, g, o, c, tanh_c``).

    Parameters
    ----------
    learner_fn : callable

    Returns
    -------
    CheckResult
        ``ok`` and a message naming each wrong gradient, for ``dWx``, ``dWh`` and ``db`` the
        wrong gate blocks (i, f, g, o), and the typical mistake the output matches.

    Notes
    -----
    The six gradients are compared with centred finite differences
    (:func:`rnnlib.gradcheck.numerical_gradient`) of :math:`L = \sum h_t \odot dh + \sum c_t \odot dc`.

    .. math::
        \frac{\partial L}{\partial c_t} = dc + dh \odot o \odot (1 - \tanh^2 c_t), \qquad
        \frac{\partial L}{\partial c_{t-1}} = \frac{\partial L}{\partial c_t} \odot f
    """
    if not callable(learner_fn):
        return CheckResult(False, f"pass your function itself; got {type(learner_fn).__name__}", BACKWARD)
    N, D, H = 2, 3, 4
    case = _case(20, N, D, H)
    rng = np.random.default_rng(21)
    dh, dc = rng.normal(size=(N, H)), rng.normal(size=(N, H))
    _, _, cache = lstm_step_forward(**case)
    cache_copy = cache._replace(**{name: np.array(value, copy=True) for name, value in cache._asdict().items()})
    out, error = call_learner(learner_fn, (dh.copy(), dc.copy(), cache_copy))
    if error:
        return CheckResult(False, error, BACKWARD)
    shapes = dict(zip(GRAD_NAMES, [(N, D), (N, H), (N, H), (D, 4 * H), (H, 4 * H), (4 * H,)], strict=True))
    grads, problem = _learner_arrays(out, shapes, "six gradients", f"N={N}, D={D}, H={H}")
    if problem:
        return CheckResult(False, problem, BACKWARD)
    numeric = _numerical_gradients(case, dh, dc)
    errors = {name: relative_error(grads[name], numeric[name]) for name in GRAD_NAMES}
    wrong = [name for name in GRAD_NAMES if errors[name] > _GRAD_TOL]
    if not wrong:
        return CheckResult(True, "all six gradients match finite differences (largest relative error "
                                 f"{max(errors.values()):.1e}).", BACKWARD)
    lines = []
    for name in wrong:
        line = f"{name} is wrong (relative error {errors[name]:.1e})"
        if name in ("dWx", "dWh", "db"):
            g, n = grads[name], numeric[name]
            scale = np.linalg.norm(g) + np.linalg.norm(n)
            bad = [gate for k, gate in enumerate(GATE_NAMES)
                   if relative_error(g[..., k * H:(k + 1) * H], n[..., k * H:(k + 1) * H], scale) > _GRAD_TOL]
            good = [gate for gate in GATE_NAMES if gate not in bad]
            line += f" in the gate block(s) {', '.join(bad)}" + (f" (right in {', '.join(good)})" if good else "")
        lines.append(line)
    right = [name for name in GRAD_NAMES if name not in wrong]
    message = "; ".join(lines) + (f". Right: {', '.join(right)}." if right else ".")
    cause = None
    for description, kwargs in _BACKWARD_VARIANTS:
        variant = _backward_variant(dh, dc, cache, **kwargs)
        if all(_close(grads[name], variant[name]) for name in GRAD_NAMES):
            cause = description
            break
    if cause is None:  # a partial match: the first wrong gradient alone
        for description, kwargs in _BACKWARD_VARIANTS:
            variant = _backward_variant(dh, dc, cache, **kwargs)
            if _close(grads[wrong[0]], variant[wrong[0]]):
                cause = f"{wrong[0]} matches a backward pass in which {description}"
                break
    else:
        cause = f"your gradients match a backward pass in which {cause}"
    if cause:
        message += f" Likely cause: {cause}."
    return CheckResult(False, message, BACKWARD)



# --------------------------------------------------------------------------- build: a one-bit latch
SYMBOLS = ("write 0", "write 1", "nothing")  # one-hot features 0, 1, 2 (section 4's latch: feature 0 = bit 0)
_W0, _W1, _NOTHING = 0, 1, 2
_READ_MARGIN = 0.5  # |h_T| the checker asks for: the bit must be read clearly, not by a hair

# name -> (symbols t = 1..T as (symbol, repeat) runs, the bit h_T must read)
LATCH_CASES = {
    "write 1, then 50 x nothing": (((_W1, 1), (_NOTHING, 50)), 1),
    "write 0, then 50 x nothing": (((_W0, 1), (_NOTHING, 50)), 0),
    "write 1, 20 x nothing, write 0, 30 x nothing": (((_W1, 1), (_NOTHING, 20), (_W0, 1), (_NOTHING, 30)), 0),
    "write 0, 20 x nothing, write 1, 30 x nothing": (((_W0, 1), (_NOTHING, 20), (_W1, 1), (_NOTHING, 30)), 1),
    "write 1, 30 x nothing, write 0 at the last step": (((_W1, 1), (_NOTHING, 30), (_W0, 1)), 0),
    "5 x nothing, write 1, 200 x nothing": (((_NOTHING, 5), (_W1, 1), (_NOTHING, 200)), 1),
}


def _latch_sequence(runs):
    """The one-hot sequence (1, T, 3) of a case."""
    symbols = [symbol for symbol, repeat in runs for _ in range(repeat)]
    x = np.zeros((1, len(symbols), len(SYMBOLS)))
    x[0, np.arange(len(symbols)), symbols] = 1.0
    return x, np.array(symbols)


_LATCH_SOLUTION = """\
def lstm_latch_mine():
    # rows of Wx: the symbols write 0, write 1, nothing; columns: the gates i, f, g, o
    Wx = np.array([[16.0, -16.0, -4.0, 0.0],  # write 0: open i, close f, candidate tanh(-4) ~ -1
                   [16.0, -16.0, 4.0, 0.0],  # write 1: open i, close f, candidate tanh(4) ~ +1
                   [0.0, 0.0, 0.0, 0.0]])  # nothing: the biases alone (i shut, f open)
    Wh = np.zeros((1, 4))  # (H, 4H): the latch needs no recurrence through h
    b = np.array([-8.0, 8.0, 0.0, 8.0])  # (4H,): i shut, f = sigmoid(8) = 0.9997, o open
    return Wx, Wh, b
"""


def solution_lstm_latch():
    """The source of a reference solution of the latch exercise (print it)."""
    return _LATCH_SOLUTION


def _t_list(steps):
    """'t = 3' or 't = 3, 7, ...' for step numbers counted from 1."""
    steps = [int(t) for t in steps]
    shown = ", ".join(str(t) for t in steps[:6]) + (", ..." if len(steps) > 6 else "")
    return f"t = {shown}"


def _forget_problem(f, nothing):
    """The forget gate not near 1 on 'nothing' (a message), or None."""
    low = nothing[f[nothing] < 0.99]
    if not low.size:
        return None
    k = nothing.size
    return (f"the forget gate is not near 1 on 'nothing' (f = {f[nothing].min():.4f} at "
            f"{_t_list(low + 1)}): the stored value is multiplied by f at every such step, about "
            f"f^{k} = {f[nothing].min() ** k:.2g} after the {k} 'nothing' steps of this case; "
            "a pre-activation of 8 gives f = sigmoid(8) = 0.9997")


def _held_decay(f, symbols, t):
    """The product of f over the 'nothing' steps that follow the write at index t (until the next write)."""
    decay = 1.0
    for s in range(t + 1, len(symbols)):
        if symbols[s] != _NOTHING:
            break
        decay *= f[s]
    return decay


def _diagnose_latch(gates, symbols, bit):
    """What the gates do wrong on one case, the problem that costs the most first."""
    i, f, g, o, c = (gates[k][0, :, 0] for k in "ifgoc")  # (T,) each, [t-1] is step t
    nothing = np.flatnonzero(symbols == _NOTHING)
    writes = np.flatnonzero(symbols != _NOTHING)
    problems = []
    for t in writes:
        want = 1.0 if symbols[t] == _W1 else -1.0
        name = SYMBOLS[symbols[t]]
        if i[t] < 0.9:
            # a weak write scales the stored value by i, the hold after it by f^k: blame the larger loss
            decay = _held_decay(f, symbols, t)
            forget = _forget_problem(f, nothing) if decay < i[t] else None
            if forget:
                return forget + (f"; this loses more than the partly open input gate on '{name}' at "
                                 f"t = {t + 1} (i = {i[t]:.3f}), fix the forget gate first")
            how = "barely opens" if i[t] < 0.5 else "opens only partly"
            problems.append(f"the input gate {how} on '{name}' at t = {t + 1} (i = {i[t]:.3f}): "
                            "a write must let the candidate in (i near 1)")
        elif want * g[t] < 0.9:
            problems.append(f"on '{name}' at t = {t + 1} the candidate is g = {g[t]:+.3f}; it must be near "
                            f"{want:+.0f}, the value that '{name}' stores (tanh(+-4) = +-0.9993)")
        elif t > 0 and abs(c[t - 1]) > 0.1 and f[t] > 0.1:
            problems.append(f"on '{name}' at t = {t + 1} the forget gate stays open (f = {f[t]:.3f}), so the "
                            f"old value c = {c[t - 1]:+.3f} is kept and the new one added (c_t = {c[t]:+.3f}): "
                            "close the forget gate on a write, so that the write replaces the memory")
        if problems:
            return problems[0]
    if nothing.size:
        leak = np.abs(i[nothing] * g[nothing])
        worst = nothing[np.argmax(leak)]
        if leak.max() > 0.01:
            return (f"the input gate lets 'nothing' write into the cell: at t = {worst + 1}, i = {i[worst]:.3f} "
                    f"and g = {g[worst]:+.3f} add i * g = {i[worst] * g[worst]:+.3f}; shut the input gate on "
                    "'nothing' (i near 0, a pre-activation of about -8) or make its candidate 0")
        forget = _forget_problem(f, nothing)
        if forget:
            return forget
    T = len(symbols)
    if o[-1] < 0.7:
        return (f"the output gate at the last step is o = {o[-1]:.3f}, so h_T = o * tanh(c_T) = "
                f"{o[-1] * np.tanh(c[-1]):+.3f} although c_T = {c[-1]:+.3f}: open it (b_o about 8)")
    want = "positive" if bit == 1 else "negative"
    return (f"c_T = {c[-1]:+.3f} at t = T = {T}; for bit {bit} it must be clearly {want} "
            f"(|h_T| >= {_READ_MARGIN})")


def check_lstm_latch(learner_fn):
    r"""Check hand-set weights of a one-unit LSTM that stores a bit: ``learner_fn() -> (Wx, Wh, b)``.

    The inputs are one-hot over three symbols (feature 0 "write 0", 1 "write 1", 2 "nothing", in the order
    of section 4's latch, whose feature 0 is bit 0);
    ``Wx`` (3, 4), ``Wh`` (1, 4) and ``b`` (4,) hold the gate columns in the order i, f, g, o.
    Each case of :data:`LATCH_CASES` runs :func:`rnnlib.lstm_forward` from :math:`h_0 = c_0 = 0`;
    the bit is read as :math:`h_T > 0` (1) or :math:`h_T < 0` (0), and :math:`|h_T| \ge 0.5` is
    asked for, so that the bit is held, not left to chance.

    Parameters
    ----------
    learner_fn : callable
        Takes no arguments.

    Returns
    -------
    CheckResult
        ``ok``, or the first case read wrongly, the value of :math:`h_T`, and which gate
        misbehaves at which step.

    Notes
    -----
    .. math:: c_t = f_t\,c_{t-1} + i_t\,g_t, \qquad h_t = o_t \tanh(c_t), \qquad
              c_T \approx f^{\,k} c_{T-k} \text{ after } k \text{ steps of "nothing"}
    """
    out, error = call_learner(learner_fn, ())
    if error:
        return CheckResult(False, error, LATCH)
    params, problem = _learner_arrays(out, {"Wx": (3, 4), "Wh": (1, 4), "b": (4,)}, "the three arrays",
                                      "D = 3 symbols: write 0, write 1, nothing; H = 1 unit; gate columns i, f, g, o")
    if problem:
        return CheckResult(False, problem, LATCH)
    right, first = 0, None
    for name, (runs, bit) in LATCH_CASES.items():
        x, symbols = _latch_sequence(runs)
        with np.errstate(over="ignore"):
            hs, cache = lstm_forward(x, np.zeros((1, 1)), params["Wx"], params["Wh"], params["b"])
        h_T = float(hs[0, -1, 0])
        read = 1 if h_T > 0 else 0
        if read == bit and abs(h_T) >= _READ_MARGIN:
            right += 1
        elif first is None:
            first = (name, bit, h_T, _diagnose_latch(lstm_internals(cache), symbols, bit))
    if first is None:
        return CheckResult(True, f"all {len(LATCH_CASES)} cases read back the last bit written, held for up to "
                                 "200 steps of 'nothing' and overwritten by a new write.", LATCH)
    name, bit, h_T, why = first
    verdict = "reads the wrong bit" if (h_T > 0) != (bit == 1) else f"is too faint (|h_T| < {_READ_MARGIN})"
    return CheckResult(False, f"case '{name}' should read bit {bit}, but h_T = {h_T:+.3f} {verdict}: {why}. "
                              f"({right} of {len(LATCH_CASES)} cases right.)", LATCH)


register_hints(LATCH, [
    "One gate at a time, as in the latch of section 4. Which gate must open on a write and stay shut on "
    "'nothing'? Which must be near 1 on 'nothing'? With Wh = 0 each gate's pre-activation is "
    "Wx[symbol, gate] + b[gate]: rows are the symbols (write 0, write 1, nothing), columns the gates i, f, g, o.",
    "Large pre-activations make gates nearly shut or open: sigmoid(8) = 0.9997, sigmoid(-8) = 0.0003, "
    "tanh(4) = 0.9993. Input gate: b_i = -8 and +16 in both write rows. Candidate: -4 in the 'write 0' "
    "row, +4 in the 'write 1' row. Forget gate: b_f = 8. Output gate: b_o = 8.",
    "The overwrite cases need the forget gate to CLOSE on a write; otherwise c_t = f * (+1) + i * (-1) is "
    "about 0 and the old and new bits cancel. Put -16 in the forget column of both write rows (a_f = -8 on "
    "a write, +8 on 'nothing'). The full solution: print(solution(\"lstm_latch\")).",
])


# --------------------------------------------------------------------------- predict, then check: the decay f^k
RETENTION = "retention_prediction"
RETENTION_SETTING = {"f_bias": 4.0, "f_lag": 60, "survive_bias": 2.0, "survive_lag": 200}

_RETENTION_SOLUTION = """\
def retention_prediction_mine():
    f = 1 / (1 + np.exp(-4.0))  # sigma(4) = 0.982
    f60 = f**60  # c_T ~ f^k c_1 with k = 60 held steps: 0.34
    # b_f = 2: f = sigma(2) = 0.881, f^200 ~ 1e-11, far below the distractors' writes of ~0.00025 a step
    survives_200 = False
    return f60, survives_200
"""


def solution_retention_prediction():
    """The source of a reference solution of the decay prediction (print it)."""
    return _RETENTION_SOLUTION


register_hints(RETENTION, [
    "With the input gate shut, each held step multiplies the cell state by f = sigma(b_f): c_T ~ f^k c_1.",
    "sigma(4) = 1 / (1 + e^-4) = 0.982; raise it to the 60th power. For b_f = 2, compare sigma(2)^200 with the "
    "distractors' small writes, i * g ~ sigma(-8) * tanh(1) ~ 0.00025 per step.",
    "f60 = sigma(4)**60 = 0.34; at b_f = 2 the bit does not survive 200 steps (f^200 ~ 1e-11). The full "
    "solution: print(solution(\"retention_prediction\")).",
])


def check_retention_prediction(learner_fn):
    r"""Check ``learner_fn() -> (f60, survives_200)``: the decay of the latch of section 4, predicted.

    Parameters
    ----------
    learner_fn : callable
        Takes no argument; returns the predicted :math:`f^{60}` at forget bias 4 (a number) and whether
        the bit is still read back after :math:`k = 200` held steps at forget bias 2 (a bool).

    Returns
    -------
    CheckResult
        Correct when :math:`f^{60}` is within 5 % of :math:`\sigma(4)^{60}` and the bool matches the
        read-back that :func:`rnnlib.lessons.lstm_cell.latch_accuracy` measures (above 75 % counts as
        surviving); otherwise what is off (the exponent, :math:`\sigma` forgotten, ...).

    Notes
    -----
    .. math:: c_T \approx f^{\,k} c_1, \qquad f = \sigma(b_f)
    """
    out, err = call_learner(learner_fn, ())
    if err:
        return CheckResult(False, err, RETENTION)
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        return CheckResult(False, "return two values: f60 (a number) and survives_200 (True or False)", RETENTION)
    f60, survives = out
    try:
        f60 = float(f60)
    except (TypeError, ValueError):
        return CheckResult(False, f"f60 must be a number; got {type(f60).__name__}", RETENTION)
    if not np.isfinite(f60):
        return CheckResult(False, f"f60 must be a finite number (a fraction between 0 and 1); got {f60}", RETENTION)
    if not isinstance(survives, (bool, np.bool_)):
        return CheckResult(False, f"survives_200 must be True or False; got {survives!r}", RETENTION)
    st = RETENTION_SETTING
    f = 1.0 / (1.0 + np.exp(-st["f_bias"]))
    want = f ** st["f_lag"]
    accuracy = latch_accuracy(st["survive_lag"], forget_bias=st["survive_bias"])
    alive = accuracy > 0.75
    f2 = 1.0 / (1.0 + np.exp(-st["survive_bias"]))
    problems = []
    if abs(f60 - want) > 0.05 * want:
        if abs(f60 - f) < 0.01 or abs(f60 - st["f_bias"] ** st["f_lag"]) < 1:
            why = "f is sigma(b_f) = sigma(4) = 0.982, and it is raised to the power k = 60"
        else:
            why = "c_T ~ f^k c_1 with f = sigma(4) and k = 60"
        problems.append(f"f60 = {f60:.4g}, but sigma(4)^60 = {want:.4f}: {why}")
    if bool(survives) != alive:
        problems.append(f"at forget bias 2 the latch reads the bit back on {accuracy:.0%} of 200 sequences after "
                        f"k = 200 steps, so it {'survives' if alive else 'does not survive'}: f^200 = {f2:.3f}^200 = "
                        f"{f2 ** 200:.1g}, far below the distractors' leak of about 0.00025 a step")
    if problems:
        return CheckResult(False, "; ".join(problems) + ".", RETENTION)
    return CheckResult(True, (f"sigma(4)^60 = {want:.4f}: after 60 steps a third of c_1 is left, its sign still "
                              f"clear. At forget bias 2, f^200 = {f2 ** 200:.1g}: the measured read-back is "
                              f"{accuracy:.0%} (chance). The table below shows both."), RETENTION)


# --------------------------------------------------------------------------- backward through a sequence
BPTT = "lstm_backward"
SEQUENCE_GRAD_NAMES = ("dx", "dh0", "dWx", "dWh", "db")

_SEQUENCE_SOLUTION = """\
def lstm_backward_mine(dhs, cache):
    N, T, H = dhs.shape
    dx = np.zeros_like(cache.x)  # (N, T, D)
    dWx, dWh = np.zeros_like(cache.Wx), np.zeros_like(cache.Wh)  # (D, 4H), (H, 4H)
    db = np.zeros(4 * H)  # (4H,)
    dh_next = np.zeros((N, H))  # dL/dh_t arriving from step t+1 (nothing after T)
    dc_next = np.zeros((N, H))  # dL/dc_t arriving from step t+1
    for t in range(T, 0, -1):  # t = T..1; [:, t-1] is step t
        h_prev = cache.hs[:, t - 2] if t > 1 else cache.h0  # (N, H)  h_{t-1}
        c_prev = cache.cs[:, t - 2] if t > 1 else np.zeros((N, H))  # (N, H)  c_{t-1}, c_0 = 0
        c = cache.cs[:, t - 1]  # (N, H)  c_t
        step = LSTMStepCache(cache.x[:, t - 1], h_prev, c_prev, cache.Wx, cache.Wh, cache.i[:, t - 1],
                             cache.f[:, t - 1], cache.g[:, t - 1], cache.o[:, t - 1], c, np.tanh(c))
        dx_t, dh_next, dc_next, dWx_t, dWh_t, db_t = lstm_step_backward(dhs[:, t - 1] + dh_next, dc_next, step)
        dx[:, t - 1] = dx_t
        dWx += dWx_t  # the weights are shared by every step: sum
        dWh += dWh_t
        db += db_t
    return dx, dh_next, dWx, dWh, db  # after step 1, dh_next is dL/dh_0
"""


def solution_lstm_backward():
    """The source of a reference solution of the sequence backward exercise (print it)."""
    return _SEQUENCE_SOLUTION


def _sequence_variant(dhs, cache, carry_dc=True, carry_dh=True, all_losses=True, sum_weights=True, dh0=True):
    """Backpropagation through a sequence with one deliberate change, for recognising a mistake."""
    N, T, H = dhs.shape
    dx = np.zeros_like(cache.x)
    dWx, dWh, db = np.zeros_like(cache.Wx), np.zeros_like(cache.Wh), np.zeros(4 * H)
    dh_next, dc_next = np.zeros((N, H)), np.zeros((N, H))
    for t in range(T, 0, -1):
        h_prev = cache.hs[:, t - 2] if t > 1 else cache.h0
        c_prev = cache.cs[:, t - 2] if t > 1 else np.zeros((N, H))
        loss_t = dhs[:, t - 1] if (all_losses or t == T) else 0.0
        da, dc_prev = lstm_cell_backward(loss_t + dh_next, dc_next, c_prev, cache.i[:, t - 1], cache.f[:, t - 1],
                                         cache.g[:, t - 1], cache.o[:, t - 1], np.tanh(cache.cs[:, t - 1]))
        dx[:, t - 1] = da @ cache.Wx.T
        grads = (cache.x[:, t - 1].T @ da, h_prev.T @ da, da.sum(axis=0))
        if sum_weights:
            dWx, dWh, db = dWx + grads[0], dWh + grads[1], db + grads[2]
        else:
            dWx, dWh, db = grads
        dh_next = da @ cache.Wh.T if carry_dh else np.zeros((N, H))
        dc_next = dc_prev if carry_dc else np.zeros((N, H))
    return {"dx": dx, "dh0": dh_next if dh0 else np.zeros((N, H)), "dWx": dWx, "dWh": dWh, "db": db}


# mistake name -> (description, keyword arguments of _sequence_variant)
SEQUENCE_MISTAKES = {
    "no_dc_carry": ("the cell-state gradient is not carried back: dc_prev of step t must be the dc that step "
                    "t-1 receives (the gradient highway)", {"carry_dc": False}),
    "no_dh_carry": ("the hidden-state gradient is not carried back: step t-1 receives dhs[:, t-2] plus the "
                    "dh_prev that step t returns", {"carry_dh": False}),
    "last_loss_only": ("only dhs[:, T-1], the last step's gradient, is used; every step t adds its own "
                       "dhs[:, t-1]", {"all_losses": False}),
    "weights_overwritten": ("dWx, dWh and db are overwritten at every step, so only step 1's share is left; "
                            "the weights are shared by all steps, so their gradients are sums over t",
                            {"sum_weights": False}),
    "dh0_zero": ("dh0 is zero; it is the dh_prev that step 1 returns", {"dh0": False}),
}


def sequence_backward_with_mistake(mistake):
    """A sequence backward pass with one typical mistake, to see what :func:`check_lstm_backward` says.

    Parameters
    ----------
    mistake : str
        One of :data:`SEQUENCE_MISTAKES`.

    Returns
    -------
    callable
        ``fn(dhs, cache) -> (dx, dh0, dWx, dWh, db)``, wrong in that one way.
    """
    if mistake not in SEQUENCE_MISTAKES:
        raise ValueError(f"mistake must be one of {sorted(SEQUENCE_MISTAKES)}; got {mistake!r}")
    kwargs = SEQUENCE_MISTAKES[mistake][1]

    def backward(dhs, cache):
        grads = _sequence_variant(dhs, cache, **kwargs)
        return tuple(grads[name] for name in SEQUENCE_GRAD_NAMES)

    backward.__name__ = f"lstm_backward_with_{mistake}"
    return backward


def _sequence_case():
    """A small sequence, its cache, the upstream gradients and finite-difference gradients."""
    N, T, D, H = 2, 5, 3, 2
    rng = np.random.default_rng(30)
    case = {"x": rng.normal(size=(N, T, D)), "h0": rng.uniform(-0.9, 0.9, size=(N, H)),
            "Wx": rng.normal(scale=0.8, size=(D, 4 * H)), "Wh": rng.normal(scale=0.8, size=(H, 4 * H)),
            "b": rng.normal(scale=0.8, size=4 * H)}
    dhs = rng.normal(size=(N, T, H))
    _, cache = lstm_forward(**case)
    numeric = {f"d{name}": numerical_gradient(lstm_forward, case, name, dout=dhs) for name in case}
    return case, cache, dhs, numeric


def check_lstm_backward(learner_fn):
    r"""Check a learner's ``learner_fn(dhs, cache) -> (dx, dh0, dWx, dWh, db)`` for a whole sequence.

    ``cache`` is the :class:`rnnlib.lstm.LSTMCache` of :func:`rnnlib.lstm_forward`; ``dhs``
    (N, T, H) holds :math:`\partial L / \partial h_t` of every step's own loss at ``[:, t-1]``.

    Parameters
    ----------
    learner_fn : callable

    Returns
    -------
    CheckResult
        ``ok``, or which gradients are wrong (for ``dx`` at which steps), and the typical
        mistake the output matches (:data:`SEQUENCE_MISTAKES`).

    Notes
    -----
    The reference is :func:`rnnlib.lstm_backward`, itself compared here with centred finite
    differences of :func:`rnnlib.lstm_forward`. Going back from step t to t-1, two gradients
    travel: :math:`\partial L / \partial h_{t-1}` (through :math:`W_h`) and
    :math:`\partial L / \partial c_{t-1} = \partial L / \partial c_t \odot f_t`.
    """
    if not callable(learner_fn):
        return CheckResult(False, f"pass your function itself; got {type(learner_fn).__name__}", BPTT)
    case, cache, dhs, numeric = _sequence_case()
    N, T, D = case["x"].shape
    H = case["h0"].shape[1]
    cache_copy = cache._replace(**{name: np.array(value, copy=True) for name, value in cache._asdict().items()})
    out, error = call_learner(learner_fn, (dhs.copy(), cache_copy))
    if error:
        return CheckResult(False, error, BPTT)
    shapes = dict(zip(SEQUENCE_GRAD_NAMES, [(N, T, D), (N, H), (D, 4 * H), (H, 4 * H), (4 * H,)], strict=True))
    grads, problem = _learner_arrays(out, shapes, "five gradients", f"N={N}, T={T}, D={D}, H={H}")
    if problem:
        return CheckResult(False, problem, BPTT)
    reference = dict(zip(SEQUENCE_GRAD_NAMES, lstm_backward(dhs, cache)))
    errors = {name: relative_error(grads[name], reference[name]) for name in SEQUENCE_GRAD_NAMES}
    wrong = [name for name in SEQUENCE_GRAD_NAMES if errors[name] > _GRAD_TOL]
    if not wrong:
        fd = max(relative_error(grads[name], numeric[name]) for name in SEQUENCE_GRAD_NAMES)
        return CheckResult(True, f"all five gradients match rnnlib.lstm_backward (largest relative error "
                                 f"{max(errors.values()):.1e}) and finite differences of lstm_forward "
                                 f"({fd:.1e}), over T = {T} steps.", BPTT)
    lines = []
    for name in wrong:
        line = f"{name} is wrong (relative error {errors[name]:.1e})"
        if name == "dx":
            bad = [t for t in range(1, T + 1)
                   if relative_error(grads["dx"][:, t - 1], reference["dx"][:, t - 1]) > _GRAD_TOL]
            if len(bad) < T:
                line += f" at {_t_list(bad)} (right at the other steps of t = 1..{T})"
        lines.append(line)
    right = [name for name in SEQUENCE_GRAD_NAMES if name not in wrong]
    message = "; ".join(lines) + (f". Right: {', '.join(right)}." if right else ".")
    for description, kwargs in SEQUENCE_MISTAKES.values():
        variant = _sequence_variant(dhs, cache, **kwargs)
        if all(_close(grads[name], variant[name]) for name in SEQUENCE_GRAD_NAMES):
            message += f" Likely cause: your gradients match a backward pass in which {description}."
            break
    return CheckResult(False, message, BPTT)


register_hints(BPTT, [
    "Walk the steps backwards, t = T..1, with one step's backward pass (yours, or rnnlib.lstm_step_backward) "
    "inside the loop. Two gradients travel from step t to step t-1: dh_prev and dc_prev; both start at zero "
    "after step T.",
    "Step t receives dh = dhs[:, t-1] + the dh_prev of step t+1, and dc = the dc_prev of step t+1. Its "
    "LSTMStepCache needs h_{t-1} (cache.hs[:, t-2], or cache.h0 at t = 1), c_{t-1} (cache.cs[:, t-2], or "
    "zeros at t = 1), the gates at [:, t-1], c_t = cache.cs[:, t-1] and tanh(c_t).",
    "dx[:, t-1] is the step's dx; dWx, dWh and db are sums of every step's share (the weights are shared); "
    "dh0 is the dh_prev that step 1 returns. The full solution: print(solution(\"lstm_backward\")).",
])
