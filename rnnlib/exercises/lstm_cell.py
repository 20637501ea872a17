r"""Exercises of the LSTM notebook: one LSTM step forward and backward, checked with specific feedback.

* :func:`check_lstm_step_forward` compares the learner's ``(h, c)`` with
  :func:`rnnlib.lstm.lstm_step_forward` and recognises the usual mistakes: gate blocks read in
  the wrong order (for example i, f, o, g), tanh on a gate instead of sigmoid, the input gate,
  forget gate, output gate or the tanh of :math:`c_t` missing, the recurrent term or the bias
  missing, ``h`` and ``c`` swapped.
* :func:`check_lstm_step_backward` compares the learner's six gradients with centred finite
  differences of rnnlib's forward step (:func:`rnnlib.gradcheck.numerical_gradient`), names the
  wrong ones and, for ``dWx``, ``dWh`` and ``db``, the wrong gate blocks; it recognises the
  missing ``dh * o * (1 - tanh(c)**2)`` term, a forgotten incoming ``dc``, the sigmoid's
  derivative written as ``s`` instead of ``s * (1 - s)`` and a few more.

Hints: ``hint("lstm_step_forward")`` and ``hint("lstm_step_backward")``; solutions:
``print(solution_lstm_step_forward())``.
"""

from __future__ import annotations

import itertools

import numpy as np

from ..activations import sigmoid
from ..gradcheck import numerical_gradient, relative_error
from ..lstm import GATE_NAMES, lstm_step_forward
from .base import CheckResult, call_learner, register_hints

__all__ = [
    "check_lstm_step_forward",
    "check_lstm_step_backward",
    "solution_lstm_step_forward",
    "solution_lstm_step_backward",
    "BACKWARD_MISTAKES",
    "backward_with_mistake",
]

FORWARD = "lstm_step_forward"
BACKWARD = "lstm_step_backward"
GRAD_NAMES = ("dx", "dh_prev", "dc_prev", "dWx", "dWh", "db")
_RTOL, _ATOL = 1e-6, 1e-9
_GRAD_TOL = 1e-6  # relative error of a gradient still called right (finite differences give ~1e-10)


# --------------------------------------------------------------------------- solutions
# Written out for the learner; the checkers compare with the library (rnnlib.lstm_step_forward) and
# with finite differences of it, and the tests check that these texts pass their checkers.
_FORWARD_SOLUTION = """\
def lstm_step_forward_mine(x, h_prev, c_prev, Wx, Wh, b):
    H = h_prev.shape[1]
    a = x @ Wx + h_prev @ Wh + b  # (N, 4H)  a = x_t Wx + h_{t-1} Wh + b
    i = sigmoid(a[:, 0 * H:1 * H])  # (N, H) input gate
    f = sigmoid(a[:, 1 * H:2 * H])  # (N, H) forget gate
    g = np.tanh(a[:, 2 * H:3 * H])  # (N, H) candidate
    o = sigmoid(a[:, 3 * H:4 * H])  # (N, H) output gate
    c = f * c_prev + i * g  # (N, H)  c_t
    h = o * np.tanh(c)  # (N, H)  h_t
    return h, c
"""

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


def solution_lstm_step_forward():
    """The source of a reference solution of the forward exercise (print it)."""
    return _FORWARD_SOLUTION


def solution_lstm_step_backward():
    """The source of a reference solution of the backward exercise (print it)."""
    return _BACKWARD_SOLUTION


register_hints(FORWARD, [
    "Compute the four pre-activations at once: a = x @ Wx + h_prev @ Wh + b has shape (N, 4H). "
    "Then cut it into four blocks of H columns, one per gate.",
    "The blocks are in the order i, f, g, o: i = sigmoid(a[:, :H]), f = sigmoid(a[:, H:2*H]), "
    "g = np.tanh(a[:, 2*H:3*H]), o = sigmoid(a[:, 3*H:]). Only the candidate g uses tanh; use "
    "rnnlib.sigmoid (it never overflows).",
    "c = f * c_prev + i * g, then h = o * np.tanh(c); return h, c. The full solution: "
    "print(rnnlib.exercises.lstm_cell.solution_lstm_step_forward()).",
])

register_hints(BACKWARD, [
    "Walk the forward lines backwards. From h = o * tanh(c): do = dh * tanh(c), and c receives "
    "dh * o * (1 - tanh(c)**2) on top of the dc that arrives from the next step.",
    "With dc the total (incoming dc + dh * o * (1 - tanh_c**2)), c = f * c_prev + i * g gives "
    "df = dc * c_prev, dc_prev = dc * f, di = dc * g, dg = dc * i.",
    "Through the activations: di * i * (1 - i), df * f * (1 - f), dg * (1 - g**2), do * o * (1 - o), "
    "concatenated in the order i, f, g, o into da (N, 4H); then dx = da @ Wx.T, dh_prev = da @ Wh.T, "
    "dWx = x.T @ da, dWh = h_prev.T @ da, db = da.sum(axis=0). The full solution: "
    "print(rnnlib.exercises.lstm_cell.solution_lstm_step_backward()).",
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


def _close(a, b):
    return a.shape == b.shape and np.allclose(a, b, rtol=_RTOL, atol=_ATOL)


def _first_difference(name, got, want):
    idx = np.unravel_index(np.argmax(np.abs(got - want)), got.shape)
    where = ", ".join(str(int(k)) for k in idx)
    return f"{name}[{where}] is {got[idx]:.6g}, expected {want[idx]:.6g}"


# --------------------------------------------------------------------------- forward
def _forward_variant(x, h_prev, c_prev, Wx, Wh, b, order="ifgo", acts=None, use_i=True, use_f=True,
                     use_c_prev=True, tanh_c=True, use_o=True, use_Wh=True, use_b=True):
    """A forward step with one deliberate change, for recognising a learner's mistake."""
    H = h_prev.shape[1]
    a = x @ Wx + (h_prev @ Wh if use_Wh else 0.0) + (b if use_b else 0.0)  # (N, 4H)
    blocks = {gate: a[:, k * H:(k + 1) * H] for k, gate in enumerate(order)}
    acts = {"i": "sigmoid", "f": "sigmoid", "g": "tanh", "o": "sigmoid", **(acts or {})}
    act = {"sigmoid": sigmoid, "tanh": np.tanh}
    i, f, g, o = (act[acts[gate]](blocks[gate]) for gate in "ifgo")
    c = (f if use_f else 1.0) * (c_prev if use_c_prev else 0.0) + (i if use_i else 1.0) * g
    h = (o if use_o else 1.0) * (np.tanh(c) if tanh_c else c)
    return h, c


def _forward_variants():
    """(description, keyword arguments of _forward_variant) of the typical mistakes."""
    variants = []
    for perm in itertools.permutations("ifgo"):
        order = "".join(perm)
        if order != "ifgo":
            variants.append((
                f"the gate blocks are read in the order ({', '.join(order)}); rnnlib's order is (i, f, g, o): "
                "i = a[:, :H], f = a[:, H:2H], g = a[:, 2H:3H], o = a[:, 3H:]",
                {"order": order}))
    for gate in "ifo":
        variants.append((f"the {gate} gate uses tanh; the gates i, f, o use the sigmoid (only g uses tanh)",
                         {"acts": {gate: "tanh"}}))
    variants += [
        ("the gates i, f, o use tanh; they must use the sigmoid (values in (0, 1)), only g uses tanh",
         {"acts": {"i": "tanh", "f": "tanh", "o": "tanh"}}),
        ("the candidate g uses the sigmoid; it must use tanh (values in (-1, 1))", {"acts": {"g": "sigmoid"}}),
        ("c_t = f * c_prev + g: the input gate is missing (c_t = f * c_prev + i * g)", {"use_i": False}),
        ("c_t = c_prev + i * g: the forget gate is missing (c_t = f * c_prev + i * g)", {"use_f": False}),
        ("c_t = i * g: the old cell state f * c_prev is missing (c_t = f * c_prev + i * g)",
         {"use_c_prev": False}),
        ("h_t = o * c_t: the tanh is missing (h_t = o * tanh(c_t))", {"tanh_c": False}),
        ("h_t = tanh(c_t): the output gate is missing (h_t = o * tanh(c_t))", {"use_o": False}),
        ("the recurrent term h_prev @ Wh is missing from the pre-activations", {"use_Wh": False}),
        ("the bias b is missing from the pre-activations", {"use_b": False}),
    ]
    return variants


def _diagnose_forward(h, c, args):
    """The message for a wrong (h, c): which variant it matches, or where it differs."""
    h_ref, c_ref, _ = lstm_step_forward(*args)
    if _close(h, c_ref) and _close(c, h_ref):
        return "h and c are swapped: return h first, then c (return h, c)."
    for description, kwargs in _forward_variants():
        h_var, c_var = _forward_variant(*args, **kwargs)
        if _close(h, h_var) and _close(c, c_var):
            return f"your h and c match a step in which {description}."
    if _close(c, c_ref):
        for description, kwargs in _forward_variants():
            h_var, _ = _forward_variant(*args, **kwargs)
            if _close(h, h_var):
                return f"c is right, but h matches a step in which {description}."
        return f"c is right but h is wrong: {_first_difference('h', h, h_ref)}. Check h_t = o * tanh(c_t)."
    for description, kwargs in _forward_variants():
        _, c_var = _forward_variant(*args, **kwargs)
        if _close(c, c_var):
            return f"c matches a step in which {description}."
    h_part = "h is right" if _close(h, h_ref) else _first_difference("h", h, h_ref)
    return (f"c is wrong ({_first_difference('c', c, c_ref)}); {h_part}. Check the pre-activations "
            "a = x @ Wx + h_prev @ Wh + b and c_t = f * c_prev + i * g.")


def check_lstm_step_forward(learner_fn):
    r"""Check a learner's LSTM step ``learner_fn(x, h_prev, c_prev, Wx, Wh, b) -> (h, c)``.

    Parameters
    ----------
    learner_fn : callable
        Returns ``(h, c)`` (or ``(h, c, cache)``), each of shape (N, H); the gate blocks of the
        4H columns are in the order i, f, g, o.

    Returns
    -------
    CheckResult
        ``ok`` and a message naming the mistake (wrong gate order, tanh instead of sigmoid,
        missing gate or tanh, ...), or where the output differs.

    Notes
    -----
    .. math::
        a = x_t W_x + h_{t-1} W_h + b,\quad c_t = f \odot c_{t-1} + i \odot g,\quad
        h_t = o \odot \tanh(c_t)
    """
    if not callable(learner_fn):
        return CheckResult(False, f"pass your function itself; got {type(learner_fn).__name__}", FORWARD)
    for k, (N, D, H) in enumerate(((3, 4, 5), (1, 2, 3))):
        case = _case(10 + k, N, D, H)
        names = ("x", "h_prev", "c_prev", "Wx", "Wh", "b")
        args = tuple(case[n] for n in names)
        copies = tuple(a.copy() for a in args)
        prefix = "" if k == 0 else (f"right for N=3, D=4, H=5 but wrong for N={N}, D={D}, H={H} "
                                    "(are sizes hard-coded? take H from h_prev.shape[1]): ")
        out, error = call_learner(learner_fn, copies)
        if error:
            return CheckResult(False, prefix + error, FORWARD)
        changed = [n for n, a, cp in zip(names, args, copies) if not np.array_equal(a, cp)]
        if changed:
            return CheckResult(False, f"your function changed its input {', '.join(changed)} in place; "
                                      "compute new arrays instead (c = f * c_prev + i * g, not c_prev *= f).",
                               FORWARD)
        if not isinstance(out, (tuple, list)) or len(out) < 2:
            return CheckResult(False, f"return the pair (h, c); got {type(out).__name__}"
                               + (f" of length {len(out)}" if isinstance(out, (tuple, list)) else ""), FORWARD)
        h, msg_h = _as_float_array("h", out[0], (N, H))
        c, msg_c = _as_float_array("c", out[1], (N, H))
        if msg_h or msg_c:
            shape_msg = "; ".join(m for m in (msg_h, msg_c) if m)
            return CheckResult(False, f"{prefix}{shape_msg} (N={N} sequences, H={H} units; input of shape "
                                      f"({N}, {D})). Return h, c in this order.", FORWARD)
        h_ref, c_ref, _ = lstm_step_forward(*args)
        if not (_close(h, h_ref) and _close(c, c_ref)):
            return CheckResult(False, prefix + _diagnose_forward(h, c, args), FORWARD)
    return CheckResult(True, "h and c match rnnlib.lstm_step_forward for two sizes (gate order i, f, g, o; "
                             "sigmoid gates, tanh candidate; c_t = f*c_prev + i*g, h_t = o*tanh(c_t)).", FORWARD)


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
    if not isinstance(out, (tuple, list)) or len(out) != 6:
        got = f"{type(out).__name__}" + (f" of length {len(out)}" if isinstance(out, (tuple, list)) else "")
        return CheckResult(False, f"return six gradients (dx, dh_prev, dc_prev, dWx, dWh, db); got {got}", BACKWARD)
    shapes = {"dx": (N, D), "dh_prev": (N, H), "dc_prev": (N, H), "dWx": (D, 4 * H), "dWh": (H, 4 * H),
              "db": (4 * H,)}
    grads, problems = {}, []
    for name, value in zip(GRAD_NAMES, out):
        arr, msg = _as_float_array(name, value, shapes[name])
        if msg:
            problems.append(msg)
        grads[name] = arr
    if problems:
        return CheckResult(False, "; ".join(problems) + f" (N={N}, D={D}, H={H}; return them in the order "
                                                        "dx, dh_prev, dc_prev, dWx, dWh, db)", BACKWARD)
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
