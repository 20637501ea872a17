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
* :func:`check_gradient_bound`: the learner computes the bound
  ``(max|f'| * sigma_max(Wh)) ** (T-t)``; the reference is
  :func:`rnnlib.lessons.vanishing_gradient.gradient_bound`, and the checker recognises the spectral
  radius or the Frobenius norm used instead of the largest singular value, the exponent
  ``T-t+1``, a missing ``max|f'|`` and a reversed result.

* :func:`check_ratio_prediction`: predict, then check. Before the microscope shows it, the learner
  predicts ``||dL/dh_1|| / ||dL/dh_T||`` for the notebook's RNN (tanh, :math:`W_h` = 0.9 times an
  orthogonal matrix, T = 40) from the bound; the checker compares the prediction with the bound
  and with the measured ratio (:func:`rnnlib.lessons.vanishing_gradient.microscope`) and explains
  the gap (every :math:`\tanh'(a_t) = 1 - h_t^2` is below 1; the bound counts it as 1).

Hints: ``hint("backprop_norms")``, ``hint("gradient_bound")``, ``hint("ratio_prediction")``;
solutions: ``print(solution_backprop_norms())``.
"""

from __future__ import annotations

import numpy as np

from ..gradcheck import _ranges
from ..lessons.unrolled_many_to_one import step_gradients
from ..lessons.vanishing_gradient import gradient_bound, microscope
from ..rnn import RNNCache
from .base import CheckResult, call_learner, register_hints, with_mistake

__all__ = [
    "check_backprop_norms",
    "check_gradient_bound",
    "check_ratio_prediction",
    "solution_ratio_prediction",
    "PREDICTION_SETTING",
    "solution_backprop_norms",
    "solution_gradient_bound",
    "backprop_norms_with_mistake",
    "NORM_MISTAKES",
]

NORMS = "backprop_norms"
BOUND = "gradient_bound"
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

_BOUND_SOLUTION = """\
def gradient_bound_mine(Wh, T, max_fprime):
    sigma_max = np.linalg.norm(Wh, 2)  # largest singular value
    return (max_fprime * sigma_max) ** np.arange(T - 1, -1, -1)  # (T,)  bound[t-1] = (...) ** (T-t)
"""


def solution_backprop_norms():
    """The source of a reference solution of the first exercise (print it)."""
    return _NORMS_SOLUTION


def solution_gradient_bound():
    """The source of a reference solution of the second exercise (print it)."""
    return _BOUND_SOLUTION


register_hints(NORMS, [
    "Start from dh = dh_last: that is dL/dh_T, so norms[T-1] = np.linalg.norm(dh_last) (norms[t-1] belongs "
    "to step t). Then walk backwards, t = T, T-1, ..., 2, and each time compute dL/dh_{t-1} from dL/dh_t.",
    "One step back multiplies by the derivative of tanh at step t, elementwise, then by the recurrent "
    "weights transposed: the forward pass used h_{t-1} @ Wh, so the backward pass uses (...) @ Wh.T.",
    "With h_t = hs[t-1]: dh = (dh * (1 - hs[t-1]**2)) @ Wh.T gives dL/dh_{t-1}; store "
    "norms[t-2] = np.linalg.norm(dh). The full solution: "
    "print(rnnlib.exercises.vanishing_gradient.solution_backprop_norms()).",
])

register_hints(BOUND, [
    "Each step back multiplies by diag(f'(a_t)) (operator norm at most max|f'|) and by Wh.T "
    "(operator norm sigma_max(Wh), the largest singular value). Norms of products are at most the "
    "products of the norms.",
    "sigma_max is np.linalg.svd(Wh, compute_uv=False)[0] (or np.linalg.norm(Wh, 2)), not the largest "
    "|eigenvalue| and not the Frobenius norm. From step T back to step t there are T-t steps.",
    "return (max_fprime * sigma_max) ** np.arange(T - 1, -1, -1) (bound[t-1] belongs to step t). The full "
    "solution: print(rnnlib.exercises.vanishing_gradient.solution_gradient_bound()).",
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


# --------------------------------------------------------------------------- exercise 2: the bound
def _bound_case(seed, H):
    rng = np.random.default_rng(100 + seed)
    # non-normal: sigma_max, spectral radius and Frobenius norm all differ
    return rng.normal(scale=0.5, size=(H, H)) + np.triu(rng.normal(scale=0.6, size=(H, H)), 1)


def _bound_reference(Wh, T, max_fprime):
    """:func:`rnnlib.lessons.vanishing_gradient.gradient_bound` for max|f'| = 1 (tanh) or 1/4 (sigmoid)."""
    return gradient_bound(Wh, T, {1.0: "tanh", 0.25: "sigmoid"}[max_fprime])


def _bound_variants(Wh, T, max_fprime):
    sv = np.linalg.svd(Wh, compute_uv=False)
    radius = np.max(np.abs(np.linalg.eigvals(Wh)))
    fro = np.linalg.norm(Wh)
    e = np.arange(T - 1, -1, -1)
    ref = (max_fprime * sv[0]) ** e
    return [
        ("you used the spectral radius (largest |eigenvalue|); the bound needs the largest SINGULAR value "
         "sigma_max(Wh) (np.linalg.norm(Wh, 2)): for a non-symmetric Wh they differ", (max_fprime * radius) ** e),
        ("you used the Frobenius norm np.linalg.norm(Wh); the bound needs the largest singular value, "
         "np.linalg.norm(Wh, 2) (the Frobenius norm is a looser bound)", (max_fprime * fro) ** e),
        ("you used the smallest singular value; the bound needs the largest, sigma_max(Wh)",
         (max_fprime * sv[-1]) ** e),
        ("the exponent is off by one: from step T back to step t there are T-t Jacobians, so "
         "bound[T-1] (step T) = 1", (max_fprime * sv[0]) ** (e + 1)),
        ("max_fprime is missing: each step also multiplies by diag(f'(a_k)), whose norm is at most max|f'|",
         sv[0] ** e),
        ("your result is reversed in time: bound[T-1] = 1 (the last step, t = T) and the exponent grows towards "
         "t = 1",
         ref[::-1]),
    ]


def check_gradient_bound(learner_fn):
    """Check ``learner_fn(Wh, T, max_fprime) -> bound`` of shape (T,).

    Parameters
    ----------
    learner_fn : callable
        Returns ``bound[t-1] = (max_fprime * sigma_max(Wh)) ** (T-t)``, t = 1..T.

    Returns
    -------
    CheckResult
    """
    for seed, (H, T, mf) in enumerate([(4, 6, 1.0), (3, 8, 0.25), (5, 5, 1.0)]):
        Wh = _bound_case(seed, H)
        want = _bound_reference(Wh, T, mf)
        out, err = call_learner(learner_fn, (Wh.copy(), T, mf))
        if err:
            return CheckResult(False, err, BOUND)
        got, err = _as_vector(out, T, "one bound per step")
        if err:
            return CheckResult(False, err, BOUND)
        if _close(got, want):
            continue
        for message, variant in _bound_variants(Wh, T, mf):
            if _close(got, variant):
                return CheckResult(False, message + ".", BOUND)
        wrong = np.flatnonzero(~np.isclose(got, want, rtol=_RTOL, atol=_ATOL)) + 1  # steps t = 1..T
        t = int(wrong[0])
        return CheckResult(False, (f"with T = {T}, max_fprime = {mf}: bound[{t - 1}] (step t = {t}) is "
                                   f"{got[t - 1]:.6g}, expected {want[t - 1]:.6g} (wrong at t = {_steps(wrong)}). "
                                   "hint('gradient_bound') helps."),
                           BOUND)
    return CheckResult(True, "the bound matches for three matrices, including max|f'| = 0.25 (the sigmoid). "
                             "Below one per step it forces the gradient to vanish; above one it only allows "
                             "growth.", BOUND)


# --------------------------------------------------------------------------- exercise 3: predict, then check
PREDICT = "ratio_prediction"
# the notebook's microscope: tanh RNN, W_h = 0.9 x orthogonal (every singular value 0.9), T = 40
PREDICTION_SETTING = {"scale": 0.9, "T": 40, "activation": "tanh"}

_PREDICT_SOLUTION = """\
def predicted_ratio_mine():
    # T - 1 = 39 Jacobians lie between h_40 and h_1; each multiplies the norm by at most
    # max|tanh'| * sigma_max(W_h) = 1 * 0.9
    return (1.0 * 0.9) ** 39
"""


def solution_ratio_prediction():
    """The source of a reference solution of the prediction exercise (print it)."""
    return _PREDICT_SOLUTION


register_hints(PREDICT, [
    "Section 1's bound: going back one step multiplies the norm of dL/dh by at most max|f'| * sigma_max(W_h). "
    "How large is each factor here, and how many steps lie between h_T and h_1?",
    "For tanh, max|f'| = 1. W_h is 0.9 times an orthogonal matrix, so every singular value is 0.9. With T = 40 "
    "there are T - 1 = 39 Jacobians from h_40 back to h_1; the factors multiply.",
    "return (1.0 * 0.9) ** 39. The full solution: "
    "print(rnnlib.exercises.vanishing_gradient.solution_ratio_prediction()).",
])


def _prediction_reference():
    """The bound and the measured ratio of the notebook's microscope."""
    r = microscope(**PREDICTION_SETTING)
    return float(r.bound[0]), r.rnn_ratio, r.factor


def check_ratio_prediction(learner_fn):
    """Check ``learner_fn() -> prediction`` of ``||dL/dh_1|| / ||dL/dh_T||`` from the bound.

    Parameters
    ----------
    learner_fn : callable
        Takes no argument and returns a number: the learner's prediction for the microscope's RNN
        of :data:`PREDICTION_SETTING` (tanh, sigma_max(W_h) = 0.9, T = 40).

    Returns
    -------
    CheckResult
        Correct when the prediction is the bound ``(max|f'| sigma_max)^(T-1)`` (within 5 %); the
        message then compares it with the measured ratio and explains the gap. A wrong prediction
        gets the mistake it matches (exponent off by one, a sum instead of a product, the sigmoid's
        1/4, the measured value, a ratio above 1 or below the measurement).
    """
    out, err = call_learner(learner_fn, ())
    if err:
        return CheckResult(False, err, PREDICT)
    if out is None:
        return CheckResult(False, "your function returned None: end it with return and your predicted number.",
                           PREDICT)
    try:
        value = float(np.asarray(out, dtype=np.float64))
    except (TypeError, ValueError):
        return CheckResult(False, f"your function must return one number, the predicted ratio; got "
                                  f"{type(out).__name__}" + (f" of shape {np.shape(out)}" if np.ndim(out) else ""),
                           PREDICT)
    if not np.isfinite(value) or value <= 0:
        return CheckResult(False, f"your prediction is {value}: a ratio of two norms is a positive, finite number.",
                           PREDICT)
    bound, measured, factor = _prediction_reference()
    T = PREDICTION_SETTING["T"]
    n = T - 1  # Jacobians between h_T and h_1

    def near(a, b, rtol=0.05):
        return abs(a - b) <= rtol * abs(b)

    gap = measured / bound
    if near(value, bound):
        return CheckResult(True, (
            f"the bound is (1 x {factor:.1f})^{n} = {bound:.3g}, and that is your prediction. The microscope below "
            f"measures {measured:.3g}, about {1 / gap:.0f} times smaller. Here W_h is {factor:.1f} times an orthogonal "
            f"matrix, so W_h^T shrinks every vector by exactly {factor:.1f}: the whole gap comes from the other "
            f"factor of each step, tanh'(a_t) = 1 - h_t^2, which the bound counts as 1 but which is below 1 "
            f"wherever a unit is not at zero (on average a factor {gap ** (1 / n):.2f} per step here). "
            "The bound is a ceiling, not a prediction of the measurement."), PREDICT)
    if near(value, factor ** T) or near(value, factor ** (T - 2)):
        return CheckResult(False, f"the exponent is off by one: from h_{T} back to h_1 there are T - 1 = {n} "
                                  "Jacobians, one per step back.", PREDICT)
    if near(value, (0.25 * factor) ** n):
        return CheckResult(False, "1/4 is the largest derivative of the sigmoid; this RNN uses tanh, whose "
                                  "derivative 1 - tanh(a)^2 is at most 1.", PREDICT)
    if near(value, factor * n) or near(value, factor * T):
        return CheckResult(False, "the per-step factors multiply (one Jacobian after the other), they do not add: "
                                  f"{factor:.1f} x {factor:.1f} x ... ({n} factors).", PREDICT)
    if near(value, measured, rtol=0.5):
        return CheckResult(False, (f"{value:.3g} is (close to) the measured ratio, not the bound's prediction. "
                                   "Predict first, from sigma_max(W_h), max|tanh'| and T alone: what does the "
                                   "bound of section 1 give?"), PREDICT)
    if value >= 1:
        return CheckResult(False, (f"your prediction {value:.3g} is at least 1: with sigma_max(W_h) = {factor:.1f} "
                                   "< 1 and |tanh'| <= 1 every step back shrinks the bound, so it is below 1."),
                           PREDICT)
    per_step = value ** (1 / n)
    if value < measured:
        return CheckResult(False, (f"your prediction {value:.3g} is below what the network will measure, so it "
                                   "cannot be the bound (an upper limit). Each step's factor is at most "
                                   f"max|tanh'| x sigma_max(W_h); yours works out at {per_step:.3f} per step over "
                                   f"{n} steps."), PREDICT)
    return CheckResult(False, (f"your prediction {value:.3g} is not the bound: it amounts to a factor of "
                               f"{per_step:.3f} per step over the {n} steps from h_{T} back to h_1. The bound's factor "
                               "per step is max|tanh'| x sigma_max(W_h); hint('ratio_prediction') helps."), PREDICT)
