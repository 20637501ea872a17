r"""Exercises of the vanishing-gradient notebook, checked with specific feedback.

Steps count from 1, as on the notation card: ``hs[t-1]`` is :math:`h_t`, and a learner's
``norms[t-1]`` or ``bound[t-1]`` belongs to step t.

* :func:`check_backprop_norms`: the learner applies one Jacobian per step,
  ``dL/dh_{t-1} = (dL/dh_t * (1 - h_t**2)) @ Wh.T``, from the last step back to the first and
  returns ``||dL/dh_t||`` for every t. The reference is
  :func:`rnnlib.lessons.unrolled_many_to_one.step_gradients` (the course's one per-step BPTT);
  the checker recognises the usual mistakes, each a one-line edit of the written solution
  (:data:`NORM_MISTAKES`): the tanh derivative missing or taken at the wrong step, ``Wh`` instead
  of ``Wh.T``, ``1 - h`` or ``h`` instead of ``1 - h**2``; and the result reversed or shifted by
  one step, squared norms, gradients returned instead of their norms.
* :func:`check_radius_prediction`: bound or spectral radius? For the default-initialised RNN's
  :math:`W_h` (uniform, seed 0) the learner predicts the lag-20 ratio once from the bound,
  :math:`\sigma_{\max}(W_h)^{20}`, and once from the spectral radius, :math:`\rho(W_h)^{20}`; the checker
  puts both next to the measured ratio (:func:`rnnlib.lessons.vanishing_gradient.gradient_ratio`).

* :func:`check_ratio_prediction`: predict, then check. Before the microscope shows it, the learner
  predicts ``||dL/dh_1|| / ||dL/dh_T||`` for the notebook's RNN (tanh, :math:`W_h` = 0.9 times an
  orthogonal matrix, T = 40) twice: the bound, and a guess of the measurement. The checker compares
  both with the measured ratio (:func:`rnnlib.lessons.vanishing_gradient.microscope`) and explains
  the gap (every :math:`\tanh'(a_t) = 1 - h_t^2` is below 1; the bound counts it as 1).

Hints: ``hint("backprop_norms")``, ``hint("radius_prediction")``, ``hint("ratio_prediction")``;
solutions: ``solution("backprop_norms")`` etc.
"""

from __future__ import annotations

import numpy as np

from ..data import memory_task
from ..gradcheck import _ranges
from ..lessons.unrolled_many_to_one import step_gradients
from ..lessons.vanishing_gradient import gradient_ratio, microscope
from ..model import SequenceClassifier
from ..rnn import RNNCache
from .base import CheckResult, call_learner, register_hints, with_mistake

__all__ = [
    "check_backprop_norms",
    "check_radius_prediction",
    "check_ratio_prediction",
    "solution_ratio_prediction",
    "PREDICTION_SETTING",
    "solution_backprop_norms",
    "solution_radius_prediction",
    "backprop_norms_with_mistake",
    "NORM_MISTAKES",
]

NORMS = "backprop_norms"
_RTOL, _ATOL = 1e-7, 1e-12

# --------------------------------------------------------------------------- solutions
_NORMS_SOLUTION = """\
def backprop_norms_mine(dh_last, hs, Wh):
    T = hs.shape[0]
    norms = np.zeros(T)  # (T,)  norms[t-1] is ||dL/dh_t||
    dh = dh_last  # (H,)  dL/dh_T
    norms[T - 1] = np.linalg.norm(dh)
    for t in range(T, 1, -1):  # from h_t back to h_{t-1}, t = T, ..., 2
        dh = (dh * (1 - hs[t - 1] ** 2)) @ Wh.T  # (H,)  dL/dh_{t-1}
        norms[t - 2] = np.linalg.norm(dh)
    return norms
"""

def solution_backprop_norms():
    """The source of a reference solution of the first exercise (print it)."""
    return _NORMS_SOLUTION


register_hints(NORMS, [
    "Start from dh = dh_last: that is dL/dh_T, so norms[T-1] = np.linalg.norm(dh_last) (norms[t-1] belongs "
    "to step t). Then walk backwards, t = T, T-1, ..., 2, and each time compute dL/dh_{t-1} from dL/dh_t.",
    "One step back multiplies by the derivative of tanh at step t, elementwise, then by the recurrent "
    "weights transposed: the forward pass used h_{t-1} @ Wh, so the backward pass uses (...) @ Wh.T.",
    "With h_t = hs[t-1]: dh = (dh * (1 - hs[t-1]**2)) @ Wh.T gives dL/dh_{t-1}; store "
    "norms[t-2] = np.linalg.norm(dh). The full solution: solution('backprop_norms').",
])

# --------------------------------------------------------------------------- shared helpers
def _as_vector(value, T, what):
    """The learner's output as a float vector of length T, or a message."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None, f"your function must return an array of shape ({T},) ({what}); got {type(value).__name__}"
    if arr.ndim == 2 and arr.shape[0] == T:
        return None, (f"your function returned shape {arr.shape}: one vector per step. Return only their "
                      f"norms, shape ({T},), e.g. with np.linalg.norm(dh) at each step.")
    if arr.shape != (T,):
        return None, f"your function must return shape ({T},) ({what}); got shape {arr.shape}"
    if not np.isfinite(arr).all():
        return None, "your result contains NaN or inf"
    return arr, None


def _close(a, b):
    return a.shape == b.shape and np.allclose(a, b, rtol=_RTOL, atol=_ATOL)


def _steps(ts):
    """Steps as ranges, as the gradient check writes them: [1, 3, 4, 5] -> '1, 3..5'."""
    return _ranges([int(t) for t in ts])


# --------------------------------------------------------------------------- exercise 1: the norms
# name -> (line of the solution, the same line with the mistake, message)
_JACOBIAN = "dh = (dh * (1 - hs[t - 1] ** 2)) @ Wh.T"
NORM_MISTAKES = {
    "no_derivative": (_JACOBIAN, "dh = dh @ Wh.T",
                      "the tanh derivative is missing: each step must multiply by (1 - h_t**2) elementwise "
                      "before @ Wh.T"),
    "no_transpose": (_JACOBIAN, "dh = (dh * (1 - hs[t - 1] ** 2)) @ Wh",
                     "Wh is used where Wh.T belongs: the forward pass computes h_{t-1} @ Wh, so going back "
                     "multiplies by Wh.T"),
    "derivative_at_previous_step": (_JACOBIAN, "dh = (dh * (1 - hs[t - 2] ** 2)) @ Wh.T",
                                    "the tanh derivative is taken at the wrong step: going from dL/dh_t to "
                                    "dL/dh_{t-1} uses 1 - h_t**2 (the step the gradient leaves), not "
                                    "1 - h_{t-1}**2"),
    "derivative_h": (_JACOBIAN, "dh = (dh * hs[t - 1]) @ Wh.T", "the derivative of tanh is 1 - h**2, not h"),
    "derivative_one_minus_h": (_JACOBIAN, "dh = (dh * (1 - hs[t - 1])) @ Wh.T",
                               "the derivative of tanh is 1 - h**2 (squared), not 1 - h"),
    "previous_step_and_no_transpose": (_JACOBIAN, "dh = (dh * (1 - hs[t - 2] ** 2)) @ Wh",
                                       "both the step of the derivative and Wh vs Wh.T are wrong: use "
                                       "(dh * (1 - hs[t-1]**2)) @ Wh.T"),
}


def backprop_norms_with_mistake(mistake):
    """The written solution of the first exercise with one typical mistake edited in.

    Parameters
    ----------
    mistake : str
        One of :data:`NORM_MISTAKES`.

    Returns
    -------
    callable
        ``fn(dh_last, hs, Wh) -> norms``, wrong in that one way; ``fn.source`` is its source.
    """
    if mistake not in NORM_MISTAKES:
        raise ValueError(f"mistake must be one of {sorted(NORM_MISTAKES)}; got {mistake!r}")
    right, wrong, _ = NORM_MISTAKES[mistake]
    return with_mistake(_NORMS_SOLUTION, right, wrong, f"backprop_norms_with_{mistake}")


def _norms_reference(dh_last, hs, Wh):
    """Every step's dL/dh_t, shape (T, H), from the course's per-step BPTT (a loss at step T only)."""
    T, H = hs.shape
    # the hidden-state gradients depend on hs and Wh alone: the inputs are left at zero
    cache = RNNCache(x=np.zeros((1, T, 1)), h0=np.zeros((1, H)), Wx=np.zeros((1, H)), Wh=Wh, hs=hs[None])
    dhs = np.zeros((1, T, H))
    dhs[0, T - 1] = dh_last  # (1, T, H)
    return step_gradients(dhs, cache).dh[0]  # (T, H)


def _norms_variants(dh_last, hs, Wh):
    dh = _norms_reference(dh_last, hs, Wh)  # (T, H)
    ref = np.linalg.norm(dh, axis=1)  # (T,)
    variants = [(message, backprop_norms_with_mistake(name)(dh_last, hs, Wh))
                for name, (_, _, message) in NORM_MISTAKES.items()]
    return variants + [
        ("your result is reversed in time: norms[t-1] must belong to step t, so norms[T-1] = ||dh_last|| is "
         "the LAST entry", ref[::-1]),
        ("your result is shifted by one step: norms[T-1] must be ||dh_last|| itself (no Jacobian yet), and "
         "norms[t-1] is reached after T-t Jacobians", np.linalg.norm((dh * (1 - hs**2)) @ Wh.T, axis=1)),
        ("these are squared norms: use np.linalg.norm(dh), not the sum of squares", ref**2),
    ]


def _norms_case(seed, T, H):
    rng = np.random.default_rng(seed)
    hs = np.tanh(rng.normal(scale=1.2, size=(T, H)))  # (T, H) hidden states in (-1, 1)
    Wh = rng.normal(scale=0.7, size=(H, H))  # (H, H) not symmetric: Wh and Wh.T differ
    dh_last = rng.normal(size=H)  # (H,)
    return dh_last, hs, Wh


def check_backprop_norms(learner_fn):
    """Check ``learner_fn(dh_last, hs, Wh) -> norms`` of shape (T,).

    Parameters
    ----------
    learner_fn : callable
        ``dh_last`` (H,) is :math:`\\partial L/\\partial h_T`, ``hs`` (T, H) the hidden states of a
        tanh RNN (``hs[t-1]`` is :math:`h_t`), ``Wh`` (H, H); returns ``norms[t-1]`` =
        :math:`\\lVert \\partial L/\\partial h_t \\rVert`.

    Returns
    -------
    CheckResult
    """
    for seed, (T, H) in enumerate([(6, 4), (9, 3), (5, 5)]):
        dh_last, hs, Wh = _norms_case(seed, T, H)
        want = np.linalg.norm(_norms_reference(dh_last, hs, Wh), axis=1)  # (T,)
        out, err = call_learner(learner_fn, (dh_last.copy(), hs.copy(), Wh.copy()))
        if err:
            return CheckResult(False, err, NORMS)
        got, err = _as_vector(out, T, "one norm per step")
        if err:
            return CheckResult(False, err, NORMS)
        if _close(got, want):
            continue
        if not np.isclose(got[T - 1], want[T - 1], rtol=_RTOL, atol=_ATOL):
            for message, variant in _norms_variants(dh_last, hs, Wh):
                if _close(got, variant):
                    return CheckResult(False, message + ".", NORMS)
            return CheckResult(False, (f"norms[T-1] is {got[T - 1]:.6g}; it must be ||dh_last|| = {want[T - 1]:.6g} "
                                       "(the loss sits at the last step, t = T, no Jacobian has been applied yet)."),
                               NORMS)
        for message, variant in _norms_variants(dh_last, hs, Wh):
            if _close(got, variant):
                return CheckResult(False, message + ".", NORMS)
        wrong = np.flatnonzero(~np.isclose(got, want, rtol=_RTOL, atol=_ATOL)) + 1  # steps t = 1..T
        right = [t for t in range(1, T + 1) if t not in set(wrong)]
        last = int(wrong[-1])  # the first wrong step counting back from t = T
        return CheckResult(False, (f"with T = {T}: right at t = {_steps(right) or 'none'}, wrong at t = "
                                   f"{_steps(wrong)}; norms[{last - 1}] (step t = {last}) is {got[last - 1]:.6g}, "
                                   f"expected {want[last - 1]:.6g}. Step {last} is the first wrong one counting "
                                   f"back from t = T: look at how dL/dh_{last} is computed from dL/dh_{last + 1}; "
                                   "hint('backprop_norms') helps."),
                           NORMS)
    return CheckResult(True, "every step's gradient norm matches, for three sequence lengths. The norms shrink "
                             "or grow by the factor of one Jacobian, diag(1 - h_t^2) Wh^T, per step.", NORMS)


# --------------------------------------------------------------------------- exercise 3: bound or spectral radius?
RADIUS = "radius_prediction"
RADIUS_LAG = 20  # the lag of the prediction: T = 21, so 20 Jacobians between h_1 and h_T
RADIUS_SEED = 0  # SequenceClassifier(8, 32, seed=0): the default (uniform) initialisation

_RADIUS_SOLUTION = """\
def lag20_predictions_mine(Wh):
    n_jacobians = 20  # lag 20: T = 21 steps, 20 Jacobians from h_21 back to h_1
    from_bound = np.linalg.norm(Wh, 2) ** n_jacobians  # sigma_max(W_h)^20, max|tanh'| = 1
    from_radius = np.max(np.abs(np.linalg.eigvals(Wh))) ** n_jacobians  # rho(W_h)^20: the long-run rate
    return from_bound, from_radius
"""


def solution_radius_prediction():
    """The source of a reference solution of the bound-or-radius exercise (print it)."""
    return _RADIUS_SOLUTION


register_hints(RADIUS, [
    "Both predictions are a per-step factor raised to a power. How many Jacobians lie between h_1 and h_T when "
    "the lag is 20 (T = lag + 1)? max|tanh'| = 1 for both.",
    "The bound's factor is sigma_max(W_h) = np.linalg.norm(Wh, 2), the largest singular value; the long-run factor "
    "is the spectral radius, np.max(np.abs(np.linalg.eigvals(Wh))), the largest |eigenvalue|.",
    "from_bound = np.linalg.norm(Wh, 2) ** 20 and from_radius = np.max(np.abs(np.linalg.eigvals(Wh))) ** 20. "
    "The full solution: solution('radius_prediction').",
])


def _default_wh(seed=RADIUS_SEED):
    return SequenceClassifier(8, 32, seed=seed).params["Wh"].copy()  # (32, 32)  uniform init


def _radius_reference():
    """sigma_max, spectral radius and the measured lag-20 ratio of the default RNN (seed 0)."""
    model = SequenceClassifier(8, 32, seed=RADIUS_SEED)
    Wh = model.params["Wh"]
    x, y = memory_task(128, RADIUS_LAG, 8, seed=RADIUS_LAG)  # the sequences of ratio_vs_lag
    return (float(np.linalg.norm(Wh, 2)), float(np.max(np.abs(np.linalg.eigvals(Wh)))),
            gradient_ratio(model, x, y))


def _two_numbers(out, names):
    """The learner's pair of positive numbers, or a message."""
    what = f"two numbers, ({names[0]}, {names[1]})"
    if out is None:
        return None, f"your function returned None: end it with return {names[0]}, {names[1]}."
    try:
        values = np.asarray(out, dtype=np.float64)
    except (TypeError, ValueError):
        return None, f"your function must return {what}; got {type(out).__name__}"
    if values.shape != (2,):
        return None, f"your function must return {what}; got " + (
            f"shape {values.shape}" if values.ndim else "one number")
    if not np.isfinite(values).all() or (values <= 0).any():
        return None, f"your numbers are {values[0]:.3g} and {values[1]:.3g}: both must be positive and finite."
    return (float(values[0]), float(values[1])), None


def _near(a, b, rtol=0.05):
    return abs(a - b) <= rtol * abs(b)


def check_radius_prediction(learner_fn):
    """Check ``learner_fn(Wh) -> (from_bound, from_radius)`` for the default RNN's W_h at lag 20.

    Parameters
    ----------
    learner_fn : callable
        Gets :math:`W_h` of ``SequenceClassifier(8, 32, seed=0)`` (uniform initialisation) and returns two
        predictions of the lag-20 ratio :math:`\\lVert \\partial L/\\partial x_1\\rVert /
        \\lVert \\partial L/\\partial x_T\\rVert`: :math:`\\sigma_{\\max}(W_h)^{20}` (the bound) and
        :math:`\\rho(W_h)^{20}` (the spectral radius).

    Returns
    -------
    CheckResult
        Correct when both are within 5 %; the message then puts them next to the measured ratio of
        the same network. Mistakes named: the two swapped, the exponent off by one, the Frobenius
        norm.
    """
    out, err = call_learner(learner_fn, (_default_wh(),))
    if err:
        return CheckResult(False, err, RADIUS)
    pair, err = _two_numbers(out, ("from_bound", "from_radius"))
    if err:
        return CheckResult(False, err, RADIUS)
    got_bound, got_radius = pair
    sigma, rho, measured = _radius_reference()
    k = RADIUS_LAG
    if _near(got_bound, rho**k) and _near(got_radius, sigma**k, 0.01):
        return CheckResult(False, "the two are swapped: the bound uses the largest singular value sigma_max(W_h), "
                                  "the long-run rate the spectral radius (largest |eigenvalue|).", RADIUS)
    # sigma_max is close to 1 here: sigma^20 and sigma^21 differ by 3 %, so the bound is judged within 1 %
    ok = {"from_bound": _near(got_bound, sigma**k, 0.01), "from_radius": _near(got_radius, rho**k)}
    for got, base, name in ((got_bound, sigma, "from_bound"), (got_radius, rho, "from_radius")):
        if ok[name]:
            continue
        if _near(got, base ** (k + 1), 0.01) or _near(got, base ** (k - 1), 0.01):
            return CheckResult(False, f"{name}: the exponent is off by one. Lag 20 means T = 21 steps, and from h_21 "
                                      "back to h_1 there are 20 Jacobians.", RADIUS)
    if _near(got_bound, np.linalg.norm(_default_wh()) ** k):
        return CheckResult(False, "from_bound uses the Frobenius norm np.linalg.norm(Wh); the bound needs the largest "
                                  "singular value, np.linalg.norm(Wh, 2).", RADIUS)
    if not ok["from_bound"]:
        hint_text = (" That is the spectral radius's prediction, not the bound's." if _near(got_bound, rho**k) else "")
        return CheckResult(False, (f"from_bound is {got_bound:.3g}; the bound's factor per step is max|tanh'| x "
                                   f"sigma_max(W_h), with sigma_max(W_h) the largest singular value.{hint_text} "
                                   "hint('radius_prediction') helps."), RADIUS)
    if not ok["from_radius"]:
        hint_text = (" That is the bound again: use the eigenvalues, not the singular values."
                     if _near(got_radius, sigma**k) else "")
        return CheckResult(False, (f"from_radius is {got_radius:.3g}; the spectral radius is the largest "
                                   f"|eigenvalue| of W_h, np.max(np.abs(np.linalg.eigvals(Wh))).{hint_text}"), RADIUS)
    return CheckResult(True, (
        f"sigma_max(W_h) = {sigma:.2f}, so the bound is {sigma:.2f}^{k} = {sigma**k:.2g}: at least 1, it allows no "
        f"decay at all. The spectral radius is {rho:.2f}, and {rho:.2f}^{k} = {rho**k:.2g}: the long-run rate of W_h^k "
        f"predicts a strong decay. This network's measured ratio at lag {k} (128 sequences) is "
        f"{measured:.2g}, "
        "smaller still: each step also multiplies by tanh'(a_t) <= 1. The bound is a ceiling; for this W_h it is "
        "far above what happens, and the spectral radius is the better guess."), RADIUS)


# --------------------------------------------------------------------------- exercise 3: predict, then check
PREDICT = "ratio_prediction"
# the notebook's microscope: tanh RNN, W_h = 0.9 x orthogonal (every singular value 0.9), T = 40
PREDICTION_SETTING = {"scale": 0.9, "T": 40, "activation": "tanh"}

_PREDICT_SOLUTION = """\
def predicted_ratio_mine():
    # T - 1 = 39 Jacobians lie between h_40 and h_1; each multiplies the norm by at most
    # max|tanh'| * sigma_max(W_h) = 1 * 0.9
    bound = (1.0 * 0.9) ** 39
    # the measurement is smaller: tanh'(a_t) = 1 - h_t^2 < 1 wherever a unit is not at zero;
    # a guess of 0.8 for its typical value per step gives
    measured = bound * 0.8 ** 39
    return bound, measured
"""


def solution_ratio_prediction():
    """The source of a reference solution of the prediction exercise (print it)."""
    return _PREDICT_SOLUTION


register_hints(PREDICT, [
    "Section 1's bound: going back one step multiplies the norm of dL/dh by at most max|phi'| * sigma_max(W_h). "
    "How large is each factor here, and how many steps lie between h_T and h_1? For the measurement: which "
    "factor does the bound count as 1 that is really smaller?",
    "For tanh, max|phi'| = 1. W_h is 0.9 times an orthogonal matrix, so every singular value is 0.9. With T = 40 "
    "there are T - 1 = 39 Jacobians from h_40 back to h_1; the factors multiply. The measurement also multiplies "
    "by tanh'(a_t) = 1 - h_t^2 < 1 at every step: guess a typical value and raise it to the 39th power too.",
    "return (1.0 * 0.9) ** 39, (0.9 * 0.8) ** 39 (any guess below the bound is a fair prediction). The full "
    "solution: solution('ratio_prediction').",
])


def _prediction_reference():
    """The bound and the measured ratio of the notebook's microscope."""
    r = microscope(**PREDICTION_SETTING)
    return float(r.bound[0]), r.rnn_ratio, r.factor


def check_ratio_prediction(learner_fn):
    """Check ``learner_fn() -> (bound, measured)``: two predictions of ``||dL/dh_1|| / ||dL/dh_T||``.

    Parameters
    ----------
    learner_fn : callable
        Takes no argument and returns two numbers for the microscope's RNN of
        :data:`PREDICTION_SETTING` (tanh, sigma_max(W_h) = 0.9, T = 40): the bound, and the
        learner's guess of the measured ratio.

    Returns
    -------
    CheckResult
        Correct when the first number is the bound ``(max|phi'| sigma_max)^(T-1)`` (within 5 %) and the
        guess lies below it; the message then compares the guess with the measured ratio and explains
        the gap. A wrong bound gets the mistake it matches (exponent off by one, a sum instead of a
        product, the sigmoid's 1/4, the measured value, a ratio above 1 or below the measurement); a
        guess at or above the bound is told why the measurement is smaller.
    """
    out, err = call_learner(learner_fn, ())
    if err:
        return CheckResult(False, err, PREDICT)
    pair, err = _two_numbers(out, ("bound", "measured"))
    if err:
        return CheckResult(False, err, PREDICT)
    value, guess = pair
    bound, measured, factor = _prediction_reference()
    T = PREDICTION_SETTING["T"]
    n = T - 1  # Jacobians between h_T and h_1
    gap = measured / bound
    if not _near(value, bound):
        if _near(value, factor ** T) or _near(value, factor ** (T - 2)):
            return CheckResult(False, f"bound: the exponent is off by one: from h_{T} back to h_1 there are T - 1 = "
                                      f"{n} Jacobians, one per step back.", PREDICT)
        if _near(value, (0.25 * factor) ** n):
            return CheckResult(False, "bound: 1/4 is the largest derivative of the sigmoid; this RNN uses tanh, "
                                      "whose derivative 1 - tanh(a)^2 is at most 1.", PREDICT)
        if _near(value, factor * n) or _near(value, factor * T):
            return CheckResult(False, "bound: the per-step factors multiply (one Jacobian after the other), they do "
                                      f"not add: {factor:.1f} x {factor:.1f} x ... ({n} factors).", PREDICT)
        if _near(value, measured, rtol=0.5):
            return CheckResult(False, (f"bound: {value:.3g} is (close to) the measured ratio, not the bound. The bound "
                                       "uses sigma_max(W_h), max|tanh'| and T alone: what does section 1 give?"),
                               PREDICT)
        if value >= 1:
            return CheckResult(False, (f"bound: {value:.3g} is at least 1: with sigma_max(W_h) = {factor:.1f} < 1 and "
                                       "|tanh'| <= 1 every step back shrinks the bound, so it is below 1."), PREDICT)
        per_step = value ** (1 / n)
        if value < measured:
            return CheckResult(False, (f"bound: {value:.3g} is below what the network will measure, so it cannot be "
                                       "the bound (an upper limit). Each step's factor is at most max|tanh'| x "
                                       f"sigma_max(W_h); yours works out at {per_step:.3f} per step over {n} steps."),
                               PREDICT)
        return CheckResult(False, (f"bound: {value:.3g} amounts to a factor of {per_step:.3f} per step over the {n} "
                                   f"steps from h_{T} back to h_1. The bound's factor per step is max|tanh'| x "
                                   "sigma_max(W_h); hint('ratio_prediction') helps."), PREDICT)
    if guess >= bound * 0.999:
        return CheckResult(False, (f"the bound {bound:.3g} is right, but your guess of the measurement, "
                                   f"{guess:.3g}, is not below it. The bound counts every tanh'(a_t) = 1 - h_t^2 "
                                   "as 1; it is 1 only where a unit sits exactly at 0. Guess a typical value "
                                   "below 1 per step: the measurement is the bound times that value to the power "
                                   f"{n}."), PREDICT)
    yours = (guess / bound) ** (1 / n)
    closeness = ("within a factor of 10 of it" if 0.1 <= guess / measured <= 10 else
                 f"{guess / measured:.2g} times the measurement" if guess > measured else
                 f"{measured / guess:.2g} times below the measurement")
    return CheckResult(True, (
        f"the bound is (1 x {factor:.1f})^{n} = {bound:.3g}. The microscope below measures {measured:.3g}, about "
        f"{1 / gap:.0f} times smaller; your guess {guess:.3g} is {closeness}. Here W_h is {factor:.1f} times an "
        f"orthogonal matrix, so W_h^T shrinks every vector by exactly {factor:.1f}: the whole gap comes from the other "
        f"factor of each step, tanh'(a_t) = 1 - h_t^2, which the bound counts as 1 (on average a factor "
        f"{gap ** (1 / n):.2f} per step here; your guess assumed {yours:.2f}). The bound is a ceiling, not a "
        "prediction of the measurement."), PREDICT)
