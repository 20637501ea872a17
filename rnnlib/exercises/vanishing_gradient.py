r"""Exercises of the vanishing-gradient notebook, checked with specific feedback.

* :func:`check_backprop_norms`: the learner applies one Jacobian per step,
  ``dL/dh_{k-1} = (dL/dh_k * (1 - h_k**2)) @ Wh.T``, from the last step back to the first and
  returns ``||dL/dh_t||`` for every t. The checker recognises the usual mistakes: the tanh
  derivative missing or taken at the wrong step, ``Wh`` instead of ``Wh.T``, ``1 - h`` or ``h``
  instead of ``1 - h**2``, the result reversed or shifted by one step, squared norms, gradients
  returned instead of their norms.
* :func:`check_gradient_bound`: the learner computes the bound
  ``(max|f'| * sigma_max(Wh)) ** (T-1-t)``; the checker recognises the spectral radius or the
  Frobenius norm used instead of the largest singular value, the exponent ``T-t``, a missing
  ``max|f'|`` and a reversed result.

Hints: ``hint("backprop_norms")``, ``hint("gradient_bound")``; solutions:
``print(solution_backprop_norms())``.
"""

from __future__ import annotations

import inspect

import numpy as np

from .base import CheckResult, call_learner, register_hints

__all__ = [
    "backprop_norms_solution",
    "gradient_bound_solution",
    "check_backprop_norms",
    "check_gradient_bound",
    "solution_backprop_norms",
    "solution_gradient_bound",
]

NORMS = "backprop_norms"
BOUND = "gradient_bound"
_RTOL, _ATOL = 1e-7, 1e-12


# --------------------------------------------------------------------------- reference solutions
def backprop_norms_solution(dh_last, hs, Wh):
    """||dL/dh_t|| for t = 0 .. T-1 of a tanh RNN, with the loss at the last step only."""
    T = hs.shape[0]
    norms = np.zeros(T)  # (T,)
    dh = dh_last  # (H,)  dL/dh_{T-1}
    norms[T - 1] = np.linalg.norm(dh)
    for k in range(T - 1, 0, -1):
        dh = (dh * (1 - hs[k] ** 2)) @ Wh.T  # (H,)  dL/dh_{k-1}
        norms[k - 1] = np.linalg.norm(dh)
    return norms


def gradient_bound_solution(Wh, T, max_fprime):
    """bound[t] = (max_fprime * sigma_max(Wh)) ** (T-1-t) for t = 0 .. T-1."""
    sigma_max = np.linalg.svd(Wh, compute_uv=False)[0]  # largest singular value
    factor = max_fprime * sigma_max
    return factor ** np.arange(T - 1, -1, -1)  # (T,)


def solution_backprop_norms():
    """The source of a reference solution of the first exercise (print it)."""
    return inspect.getsource(backprop_norms_solution)


def solution_gradient_bound():
    """The source of a reference solution of the second exercise (print it)."""
    return inspect.getsource(gradient_bound_solution)


register_hints(NORMS, [
    "Start from dh = dh_last: that is dL/dh_{T-1}, so norms[T-1] = np.linalg.norm(dh_last). Then walk "
    "backwards, k = T-1, T-2, ..., 1, and each time compute dL/dh_{k-1} from dL/dh_k.",
    "One step back multiplies by the derivative of tanh at step k, elementwise, then by the recurrent "
    "weights transposed: the forward pass used h_{k-1} @ Wh, so the backward pass uses (...) @ Wh.T.",
    "dh = (dh * (1 - hs[k]**2)) @ Wh.T gives dL/dh_{k-1}; store norms[k-1] = np.linalg.norm(dh). "
    "The full solution: print(rnnlib.exercises.vanishing_gradient.solution_backprop_norms()).",
])

register_hints(BOUND, [
    "Each step back multiplies by diag(f'(a_k)) (operator norm at most max|f'|) and by Wh.T "
    "(operator norm sigma_max(Wh), the largest singular value). Norms of products are at most the "
    "products of the norms.",
    "sigma_max is np.linalg.svd(Wh, compute_uv=False)[0] (or np.linalg.norm(Wh, 2)), not the largest "
    "|eigenvalue| and not the Frobenius norm. From step T-1 back to step t there are T-1-t steps.",
    "return (max_fprime * sigma_max) ** np.arange(T - 1, -1, -1). The full solution: "
    "print(rnnlib.exercises.vanishing_gradient.solution_gradient_bound()).",
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
    ts = [int(t) for t in ts]
    if len(ts) > 4:
        return f"{ts[0]}, {ts[1]}, ..., {ts[-1]}"
    return ", ".join(str(t) for t in ts)


# --------------------------------------------------------------------------- exercise 1: the norms
def _norms_variant(dh_last, hs, Wh, deriv="1-h2", at="k", transpose=True):
    """backprop_norms with one deliberate change, for recognising a learner's mistake."""
    T = hs.shape[0]
    W = Wh.T if transpose else Wh
    fprime = {"1-h2": lambda h: 1 - h**2, "none": lambda h: np.ones_like(h), "h": lambda h: h,
              "1-h": lambda h: 1 - h}[deriv]
    norms = np.zeros(T)
    dh = dh_last
    norms[T - 1] = np.linalg.norm(dh)
    for k in range(T - 1, 0, -1):
        h = hs[k] if at == "k" else hs[k - 1]
        dh = (dh * fprime(h)) @ W
        norms[k - 1] = np.linalg.norm(dh)
    return norms


def _shifted(dh_last, hs, Wh):
    """norms[t] = ||dL/dh_{t-1}||: one Jacobian too many (the step at t = 0 included)."""
    T = hs.shape[0]
    norms = np.zeros(T)
    dh = dh_last
    for k in range(T - 1, -1, -1):
        dh = (dh * (1 - hs[k] ** 2)) @ Wh.T
        norms[k] = np.linalg.norm(dh)
    return norms


def _norms_variants(dh_last, hs, Wh):
    ref = backprop_norms_solution(dh_last, hs, Wh)
    return [
        ("the tanh derivative is missing: each step must multiply by (1 - h_k**2) elementwise before @ Wh.T",
         _norms_variant(dh_last, hs, Wh, deriv="none")),
        ("Wh is used where Wh.T belongs: the forward pass computes h_{k-1} @ Wh, so going back "
         "multiplies by Wh.T", _norms_variant(dh_last, hs, Wh, transpose=False)),
        ("the tanh derivative is taken at the wrong step: going from dL/dh_k to dL/dh_{k-1} uses "
         "1 - h_k**2 (the step the gradient leaves), not 1 - h_{k-1}**2", _norms_variant(dh_last, hs, Wh, at="k-1")),
        ("the derivative of tanh is 1 - h**2, not h", _norms_variant(dh_last, hs, Wh, deriv="h")),
        ("the derivative of tanh is 1 - h**2 (squared), not 1 - h", _norms_variant(dh_last, hs, Wh, deriv="1-h")),
        ("both the step of the derivative and Wh vs Wh.T are wrong: use (dh * (1 - hs[k]**2)) @ Wh.T",
         _norms_variant(dh_last, hs, Wh, at="k-1", transpose=False)),
        ("your result is reversed in time: norms[t] must belong to step t, so norms[T-1] = ||dh_last|| is "
         "the LAST entry", ref[::-1]),
        ("your result is shifted by one step: norms[T-1] must be ||dh_last|| itself (no Jacobian yet), and "
         "norms[t] is reached after T-1-t Jacobians", _shifted(dh_last, hs, Wh)),
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
        ``dh_last`` (H,) is :math:`\\partial L/\\partial h_{T-1}`, ``hs`` (T, H) the hidden states of
        a tanh RNN, ``Wh`` (H, H); returns ``norms[t]`` = :math:`\\lVert \\partial L/\\partial h_t \\rVert`.

    Returns
    -------
    CheckResult
    """
    for seed, (T, H) in enumerate([(6, 4), (9, 3), (5, 5)]):
        dh_last, hs, Wh = _norms_case(seed, T, H)
        want = backprop_norms_solution(dh_last, hs, Wh)
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
                                       "(the loss sits at the last step, no Jacobian has been applied yet)."), NORMS)
        for message, variant in _norms_variants(dh_last, hs, Wh):
            if _close(got, variant):
                return CheckResult(False, message + ".", NORMS)
        wrong = np.flatnonzero(~np.isclose(got, want, rtol=_RTOL, atol=_ATOL))
        right = [t for t in range(T) if t not in set(wrong)]
        last = int(wrong[-1])  # the first wrong step counting back from T-1
        return CheckResult(False, (f"with T = {T}: right at t = {_steps(right) or 'none'}, wrong at t = "
                                   f"{_steps(wrong)}; norms[{last}] is {got[last]:.6g}, expected {want[last]:.6g}. "
                                   f"Step {last} is the first wrong one counting back from T-1: look at how "
                                   f"dL/dh_{last} is computed from dL/dh_{last + 1}; hint('backprop_norms') helps."),
                           NORMS)
    return CheckResult(True, "every step's gradient norm matches, for three sequence lengths. The norms shrink "
                             "or grow by the factor of one Jacobian, diag(1 - h_k^2) Wh^T, per step.", NORMS)


# --------------------------------------------------------------------------- exercise 2: the bound
def _bound_case(seed, H):
    rng = np.random.default_rng(100 + seed)
    # non-normal: sigma_max, spectral radius and Frobenius norm all differ
    return rng.normal(scale=0.5, size=(H, H)) + np.triu(rng.normal(scale=0.6, size=(H, H)), 1)


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
        ("the exponent is off by one: from step T-1 back to step t there are T-1-t Jacobians, so "
         "bound[T-1] = 1", (max_fprime * sv[0]) ** (e + 1)),
        ("max_fprime is missing: each step also multiplies by diag(f'(a_k)), whose norm is at most max|f'|",
         sv[0] ** e),
        ("your result is reversed in time: bound[T-1] = 1 (the last step) and the exponent grows towards t = 0",
         ref[::-1]),
    ]


def check_gradient_bound(learner_fn):
    """Check ``learner_fn(Wh, T, max_fprime) -> bound`` of shape (T,).

    Parameters
    ----------
    learner_fn : callable
        Returns ``bound[t] = (max_fprime * sigma_max(Wh)) ** (T-1-t)``.

    Returns
    -------
    CheckResult
    """
    for seed, (H, T, mf) in enumerate([(4, 6, 1.0), (3, 8, 0.25), (5, 5, 1.0)]):
        Wh = _bound_case(seed, H)
        want = gradient_bound_solution(Wh, T, mf)
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
        wrong = np.flatnonzero(~np.isclose(got, want, rtol=_RTOL, atol=_ATOL))
        t = int(wrong[0])
        return CheckResult(False, (f"with T = {T}, max_fprime = {mf}: bound[{t}] is {got[t]:.6g}, expected "
                                   f"{want[t]:.6g} (wrong at t = {_steps(wrong)}). hint('gradient_bound') helps."),
                           BOUND)
    return CheckResult(True, "the bound matches for three matrices, including max|f'| = 0.25 (the sigmoid). "
                             "Below one per step it forces the gradient to vanish; above one it only allows "
                             "growth.", BOUND)
