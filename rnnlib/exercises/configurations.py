r"""Exercises of notebook 07: the language model's masked loss, and sampling with a temperature.

* :func:`check_masked_temporal_loss`: the learner writes ``temporal_softmax_loss_mine(s, y, mask)``
  returning the loss and ``ds`` = dL/ds for scores ``s`` (N, T, V), targets ``y`` (N, T) and a
  0/1 ``mask`` (N, T), with the course's convention: summed over the real steps, divided by N
  (:func:`rnnlib.losses.temporal_softmax_loss`, CS231n's ``temporal_softmax_loss``, is the
  reference). The checker compares on seeded random batches with padding, of two sizes, and on
  large scores (about 1000, where a softmax without its shift overflows). Taking the log of the
  shifted softmax, as CS231n's own function does, passes; when such a loss would underflow on
  scores that differ by thousands, the success message says so, for information. It names the usual
  mistakes (:data:`LOSS_MISTAKES`, :data:`GRADIENT_MISTAKES`): loss or gradient not masked, divided
  by the number of real steps or by N*T instead of N, the 1 not subtracted at the target, the
  softmax over the wrong axis, ... When the loss is wrong it also differentiates the learner's
  own loss by finite differences and says whether ``ds`` at least agrees with it.
* :func:`check_temperature_sampler`: the learner writes ``sample_letter_mine(s, temperature, rng)``
  returning the id of one letter drawn from :math:`\mathrm{softmax}(s/\tau)`, the argmax at
  :math:`\tau = 0`, using only the given Generator. The checker draws :data:`SAMPLER_DRAWS` letters
  at each of :math:`\tau` = 0.5, 1, 2 from the fixed next-letter scores :func:`scores_after_h`
  and tests them against :math:`\mathrm{softmax}(s/\tau)` with a chi-square goodness-of-fit test
  (:func:`scipy.stats.chisquare`, rejected below :data:`SAMPLER_ALPHA`); a wrong sampler is named
  by the distribution its draws fit instead (temperature ignored, multiplied instead of divided,
  always the argmax, uniform). It also checks the type of the result, temperature 0, and that the
  draws come from the given Generator (same seed, same draws; the global ``np.random`` untouched).

Hints: ``hint("masked_temporal_loss")``, ``hint("temperature_sampler")``; solutions:
``solution("masked_temporal_loss")``, ``solution("temperature_sampler")``.
"""

from __future__ import annotations

import functools
import warnings

import numpy as np
from scipy import stats

from ..data import LM_SYMBOLS, word_sentiment_data
from ..losses import temporal_softmax_loss
from .base import CheckResult, call_learner, register_hints

__all__ = [
    "check_masked_temporal_loss",
    "solution_masked_temporal_loss",
    "LOSS_MISTAKES",
    "GRADIENT_MISTAKES",
    "check_temperature_sampler",
    "solution_temperature_sampler",
    "scores_after_h",
    "SAMPLER_DRAWS",
    "SAMPLER_ALPHA",
    "SAMPLER_TEMPERATURES",
]

LOSS = "masked_temporal_loss"
SAMPLER = "temperature_sampler"
_RTOL, _ATOL = 1e-7, 1e-10


def _quiet(fn, args):
    """Call the learner with numpy's floating-point warnings off (an overflow shows as inf/nan instead).

    The same in a notebook and under pytest (which turns RuntimeWarning into an error): the checker
    looks at the values returned, and says what an inf or a nan means.
    """
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return call_learner(fn, args)


# =========================================================================== exercise 1: the masked loss
_LOSS_SOLUTION = """\
def temporal_softmax_loss_mine(s, y, mask):
    N, T, V = s.shape
    shifted = s - s.max(axis=2, keepdims=True)  # (N, T, V)  each step's largest score is 0: no overflow
    log_p = shifted - np.log(np.exp(shifted).sum(axis=2, keepdims=True))  # (N, T, V)  log softmax(s_t)
    n, t = np.arange(N)[:, None], np.arange(T)[None, :]  # (N, 1), (1, T): index every (n, t)
    loss = -(mask * log_p[n, t, y]).sum() / N  # summed over the real steps, divided by N
    ds = np.exp(log_p)  # (N, T, V)  softmax(s_t)
    ds[n, t, y] -= 1.0  # (N, T, V)  softmax(s_t) - onehot(y_t)
    ds = ds * mask[:, :, None] / N  # (N, T, V)  exactly 0 at the padded steps
    return float(loss), ds
"""


def solution_masked_temporal_loss():
    """The source of a reference solution of the masked-loss exercise (print it)."""
    return _LOSS_SOLUTION


register_hints(LOSS, [
    "Derive first, for one step of one sequence: with p = softmax(s_{n,t}), the term is "
    "-m_{n,t} log p[y_{n,t}], and its derivative with respect to s_{n,t} is m_{n,t} (p - onehot(y_{n,t})). "
    "The loss adds these terms over n and t and divides by N (the batch size, not the number of letters), "
    "so every derivative is divided by N too.",
    "Work with log-probabilities: subtract each step's largest score (s.max(axis=2, keepdims=True)), then "
    "log_p = shifted - log(sum(exp(shifted))) over the last axis (the V letters). Pick each step's target "
    "with log_p[n, t, y] where n = np.arange(N)[:, None] and t = np.arange(T)[None, :]; multiply by the mask "
    "before summing. For ds: exp(log_p), subtract 1 at the targets, multiply by mask[:, :, None], divide by N.",
    "loss = -(mask * log_p[n, t, y]).sum() / N; ds = np.exp(log_p); ds[n, t, y] -= 1; "
    "ds = ds * mask[:, :, None] / N. The full solution: solution(\"masked_temporal_loss\").",
])


def _log_softmax(s, axis=2):
    shifted = s - s.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def _picked(a, y):
    N, T = y.shape
    return a[np.arange(N)[:, None], np.arange(T)[None, :], y]  # (N, T)


def _onehot(y, V):
    return np.eye(V)[y]  # (N, T, V)


# name -> (what the learner's loss did, function of (s, y, mask))
LOSS_MISTAKES = {
    "unmasked": ("the loss is not masked: it adds the padded steps too. Multiply each step's term by "
                 "mask[n, t] before summing",
                 lambda s, y, m: -_picked(_log_softmax(s), y).sum() / len(y)),
    "per_real_step": ("the loss is divided by the number of real steps (mask.sum()): that is the per-letter "
                      "cross-entropy. The course's loss (CS231n's convention) divides the masked sum by N, "
                      "the number of sequences",
                      lambda s, y, m: -(m * _picked(_log_softmax(s), y)).sum() / m.sum()),
    "per_N_T": ("the loss is divided by N*T (a mean over every position, padding included); divide the masked "
                "sum by N only",
                lambda s, y, m: -(m * _picked(_log_softmax(s), y)).sum() / m.size),
    "mean_unmasked": ("the loss is the mean over all N*T positions, padding included (np.mean without the "
                      "mask); multiply by the mask, sum, and divide by N",
                      lambda s, y, m: -_picked(_log_softmax(s), y).mean()),
    "not_divided": ("the loss is the masked sum, not divided by N (the number of sequences)",
                    lambda s, y, m: -(m * _picked(_log_softmax(s), y)).sum()),
    "sign": ("the loss has the wrong sign: it is minus the log-probability of the targets, a positive number",
             lambda s, y, m: (m * _picked(_log_softmax(s), y)).sum() / len(y)),
    "softmax_over_time": ("the softmax normalises over axis 1 (the T steps) instead of the last axis "
                          "(the V letters of one step)",
                          lambda s, y, m: -(m * _picked(_log_softmax(s, axis=1), y)).sum() / len(y)),
}


def _ds_with(s, y, m, divide_by="N", masked=True, minus_one=True, sign=1.0, axis=2):
    N, T, V = s.shape
    p = np.exp(_log_softmax(s, axis=axis))
    ds = sign * (p - _onehot(y, V) if minus_one else p)
    if masked:
        ds = ds * m[:, :, None]
    return ds / {"N": N, "steps": m.sum(), "NT": N * T, "1": 1.0}[divide_by]


# name -> (what the learner's ds did, keyword arguments of _ds_with)
GRADIENT_MISTAKES = {
    "unmasked": ("ds is not masked: the padded steps get a gradient. dL/ds_{n,t} = m_{n,t} (softmax(s_{n,t}) "
                 "- onehot(y_{n,t})) / N is exactly 0 where the mask is 0", {"masked": False}),
    "per_real_step": ("ds is divided by the number of real steps (mask.sum()) instead of N", {"divide_by": "steps"}),
    "per_N_T": ("ds is divided by N*T instead of N", {"divide_by": "NT"}),
    "not_divided": ("ds is not divided by N: the loss is divided by N, so each derivative is too",
                    {"divide_by": "1"}),
    "no_minus_one": ("ds is the masked softmax without subtracting 1 at the target: the derivative of "
                     "-log softmax(s)[y] is softmax(s) - onehot(y)", {"minus_one": False}),
    "sign": ("ds has the wrong sign: it is softmax(s) - onehot(y), not onehot(y) - softmax(s)", {"sign": -1.0}),
    "softmax_over_time": ("the softmax in ds normalises over axis 1 (the T steps) instead of the last axis "
                          "(the V letters)", {"axis": 1}),
}


def _loss_case(seed, N, T, V, lengths, scale=2.0, offset=0.0):
    """Seeded scores, targets (padded steps hold real ids too) and a post-padding mask."""
    rng = np.random.default_rng(seed)
    s = offset + scale * rng.standard_normal((N, T, V))  # (N, T, V)
    y = rng.integers(0, V, size=(N, T))  # (N, T)
    mask = (np.arange(T)[None, :] < np.asarray(lengths)[:, None]).astype(np.float64)  # (N, T)
    return s, y, mask


# (name, seed, N, T, V, lengths, scale, offset): two ordinary sizes, then large scores (a max-shift handles them)
_LOSS_CASES = (
    ("small", 70, 3, 5, 7, (5, 3, 2), 2.0, 0.0),
    ("letters", 71, 4, 6, 28, (6, 4, 4, 1), 2.0, 0.0),
    ("scores near 1000", 72, 2, 4, 5, (4, 3), 1.0, 1000.0),
)
# Not a pass criterion: scores spread over thousands make softmax(s)[y] underflow to 0, so the log of a
# shifted softmax (CS231n's own temporal_softmax_loss) gives inf there. The success message only mentions it.
_SPREAD_CASE = ("scores spread over thousands", 73, 2, 4, 5, (4, 2), 1000.0, 0.0)


def _learner_loss_and_grad(out, N, T, V):
    """``(loss, ds, None)`` as floats, or ``(None, None, message)`` saying what is wrong with the output."""
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        got = type(out).__name__ + (f" of length {len(out)}" if isinstance(out, (tuple, list)) else "")
        return None, None, f"return two things, the loss (one number) and ds (shape {(N, T, V)}); got {got}"
    loss, ds = out
    if isinstance(loss, (str, bytes)) or np.ndim(loss) != 0:
        shape = f"an array of shape {np.shape(loss)}" if not isinstance(loss, (str, bytes)) else "a str"
        return None, None, (f"the loss must be one number (the masked sum over n and t, divided by N); got {shape}"
                            + (": sum it" if np.ndim(loss) in (1, 2) else ""))
    try:
        loss = float(loss)
        ds = np.asarray(ds, dtype=np.float64)
    except (TypeError, ValueError):
        return None, None, f"ds must be an array of shape {(N, T, V)}; got {type(ds).__name__}"
    if ds.shape != (N, T, V):
        return None, None, f"ds must have the shape of s, {(N, T, V)} (N, T, V); got {ds.shape}"
    return loss, ds, None


def _own_loss_gradient(fn, s, y, mask, eps=1e-5):
    """Centred differences of the learner's own loss, or None if it fails or is not finite."""
    grad = np.zeros_like(s)
    for idx in np.ndindex(s.shape):
        values = []
        for sign in (1.0, -1.0):
            shifted = s.copy()
            shifted[idx] += sign * eps
            out, error = _quiet(fn, (shifted, y.copy(), mask.copy()))
            if error or not isinstance(out, (tuple, list)) or len(out) != 2:
                return None
            try:
                values.append(float(out[0]))
            except (TypeError, ValueError):
                return None
        grad[idx] = (values[0] - values[1]) / (2 * eps)
    return grad if np.isfinite(grad).all() else None


def _where(ds, want, mask):
    """Where ds differs from the reference: counts of real and padded steps, and the first (n, t)."""
    bad = ~np.isclose(ds, want, rtol=_RTOL, atol=_ATOL).all(axis=2)  # (N, T)
    real, padded = int((bad & (mask == 1)).sum()), int((bad & (mask == 0)).sum())
    n, t = np.argwhere(bad)[0]
    kind = "a real step" if mask[n, t] else "a padded step"
    return (f"ds differs from dL/ds at {real} of the {int(mask.sum())} real steps and {padded} of the "
            f"{int((mask == 0).sum())} padded steps; the first is sequence n = {n}, step t = {t + 1} ({kind})")


def check_masked_temporal_loss(fn):
    r"""Check ``fn(s, y, mask) -> (loss, ds)``: the masked temporal softmax loss and its gradient.

    Parameters
    ----------
    fn : callable
        ``fn(s, y, mask)`` with scores ``s`` (N, T, V), integer targets ``y`` (N, T) and a 0/1
        float ``mask`` (N, T) (post-padding: 1 at the real steps); returns the loss (a number) and
        ``ds`` (N, T, V).

    Returns
    -------
    CheckResult
        Correct when loss and ``ds`` match :func:`rnnlib.losses.temporal_softmax_loss` on every case
        of ``_LOSS_CASES`` (rtol 1e-7); otherwise which of the two is wrong, the mistake it matches,
        or where (sequence, step, real or padded) ``ds`` differs.

    Notes
    -----
    .. math::
        L = -\frac{1}{N} \sum_{n=1}^{N} \sum_{t=1}^{T} m_{n,t} \log \mathrm{softmax}(s_{n,t})_{y_{n,t}},
        \qquad
        \frac{\partial L}{\partial s_{n,t}} = \frac{m_{n,t}}{N}
            \big(\mathrm{softmax}(s_{n,t}) - \mathrm{onehot}(y_{n,t})\big)
    """
    if not callable(fn):
        return CheckResult(False, f"pass your function itself (the name after def); got {type(fn).__name__}", LOSS)
    for name, seed, N, T, V, lengths, scale, offset in _LOSS_CASES:
        s, y, mask = _loss_case(seed, N, T, V, lengths, scale, offset)
        sizes = f"N = {N}, T = {T}, V = {V}, lengths {lengths}"
        out, error = _quiet(fn, (s.copy(), y.copy(), mask.copy()))
        if error:
            return CheckResult(False, f"with s of shape {(N, T, V)} ({name}: {sizes}) {error}", LOSS)
        loss, ds, problem = _learner_loss_and_grad(out, N, T, V)
        if problem:
            return CheckResult(False, f"{problem} ({sizes}).", LOSS)
        want_loss, want_ds = temporal_softmax_loss(s, y, mask)
        if offset != 0.0 and not (np.isfinite(loss) and np.isfinite(ds).all()):
            why = ("exp(1000) overflows to inf and inf / inf is nan. Subtract each step's largest score "
                   "(s.max(axis=2, keepdims=True)) before the exp: softmax does not change, every "
                   "exponent is <= 0")
            return CheckResult(False, f"right on ordinary scores, but with {name} (s of shape {(N, T, V)}) "
                                      f"{'the loss' if not np.isfinite(loss) else 'ds'} contains inf or nan: "
                                      f"{why}.", LOSS)
        loss_ok = bool(np.isclose(loss, want_loss, rtol=_RTOL, atol=_ATOL))
        ds_ok = bool(np.allclose(ds, want_ds, rtol=_RTOL, atol=_ATOL))
        if loss_ok and ds_ok:
            continue
        parts = []
        if not loss_ok:
            cause = next((why for why, variant in LOSS_MISTAKES.values()
                          if np.isclose(loss, variant(s, y, mask), rtol=_RTOL, atol=_ATOL)), None)
            parts.append(f"the loss is {loss:.6g}, expected {want_loss:.6g}" + (f": {cause}" if cause else ""))
        if not ds_ok:
            if not np.isfinite(ds).all():
                parts.append("ds contains inf or nan")
            else:
                cause = next((why for why, kwargs in GRADIENT_MISTAKES.values()
                              if np.allclose(ds, _ds_with(s, y, mask, **kwargs), rtol=_RTOL, atol=_ATOL)), None)
                parts.append(cause if cause else _where(ds, want_ds, mask))
        else:
            parts.append("ds is right")
        if loss_ok:
            parts.insert(0, "the loss is right")
        elif not ds_ok and np.isfinite(loss) and N * T * V <= 200:
            own = _own_loss_gradient(fn, s, y, mask)
            if own is not None and np.allclose(ds, own, rtol=1e-5, atol=1e-7):
                parts.append("your ds is the derivative of your own loss (finite differences agree): fix the "
                             "loss and ds will follow the same change")
            elif own is not None:
                parts.append("and ds is not the derivative of your own loss either (finite differences of it "
                             "disagree): derive dL/ds_{n,t} first")
        prefix = "" if name == "small" else f"right on the first case, but with {name}: "
        return CheckResult(False, f"{prefix}{'; '.join(parts)} ({sizes}). Try hint('{LOSS}').", LOSS)
    s, y, mask = _loss_case(*_LOSS_CASES[0][1:])
    per_letter = temporal_softmax_loss(s, y, mask)[0] * len(y) / mask.sum()
    return CheckResult(True, f"loss and ds match rnnlib's temporal_softmax_loss on {len(_LOSS_CASES)} padded "
                             f"batches, including scores near 1000. On the first "
                             f"(N = 3, lengths 5, 3, 2) the loss is {temporal_softmax_loss(s, y, mask)[0]:.4f} "
                             f"per sequence; divided by the 10 real steps instead of N it is "
                             f"{per_letter:.4f} nats per letter, the figure the evaluation uses."
                             + _underflow_note(fn), LOSS)


def _underflow_note(fn):
    """An informational sentence if the learner's (correct) loss is not finite on scores spread over thousands."""
    name, seed, N, T, V, lengths, scale, offset = _SPREAD_CASE
    s, y, mask = _loss_case(seed, N, T, V, lengths, scale, offset)
    out, error = _quiet(fn, (s, y, mask))
    loss, ds, problem = (None, None, error) if error else _learner_loss_and_grad(out, N, T, V)
    if not problem and np.isfinite(loss) and np.isfinite(ds).all():
        return ""
    return (" For information (not a mistake): on scores that differ by thousands, softmax(s)[y] underflows "
            "to 0 and its log is -inf, so your loss is not finite there (CS231n's temporal_softmax_loss does "
            "the same; a trained model's scores stay far smaller). Computing log softmax directly, "
            "shifted - log(sum(exp(shifted))), would avoid it.")


# =========================================================================== exercise 2: sampling
SAMPLER_DRAWS = 3000  # draws per temperature
SAMPLER_ALPHA = 1e-4  # a chi-square p-value below this rejects the fit
SAMPLER_TEMPERATURES = (0.5, 2.0, 1.0)  # 0.5 and 2 first: at 1 dividing and multiplying agree
_SAMPLER_SEED = 2024

_SAMPLER_SOLUTION = """\
def sample_letter_mine(s, temperature, rng):
    if temperature == 0:
        return int(np.argmax(s))  # greedy: the highest score
    a = (s - s.max()) / temperature  # (V,)  shift first: every exponent <= 0
    p = np.exp(a) / np.exp(a).sum()  # (V,)  softmax(s / temperature)
    return int(rng.choice(len(s), p=p))  # one draw, from the given Generator only
"""


def solution_temperature_sampler():
    """The source of a reference solution of the sampler exercise (print it)."""
    return _SAMPLER_SOLUTION


register_hints(SAMPLER, [
    "Three cases. Temperature 0: no randomness, return the id of the highest score (np.argmax). Otherwise: "
    "turn the scores into probabilities p = softmax(s / temperature) and draw one id with probability p. "
    "Dividing by a temperature below 1 makes the scores further apart (sharper), above 1 closer (flatter).",
    "For the draw use only the Generator you are given: rng.choice(V, p=p) draws one id in 0..V-1 with "
    "probabilities p. No np.random.choice (the global generator), no np.random.default_rng() inside the "
    "function: the notebook must print the same words on every run. Subtract s.max() before exp.",
    "if temperature == 0: return int(np.argmax(s)); a = (s - s.max()) / temperature; "
    "p = np.exp(a) / np.exp(a).sum(); return int(rng.choice(len(s), p=p)). The full solution: "
    "solution(\"temperature_sampler\").",
])


@functools.lru_cache(maxsize=1)
def _counts_after_h():
    words = word_sentiment_data().words
    counts = np.zeros(len(LM_SYMBOLS))  # (V,)
    for w in words:
        if w.startswith("h"):
            counts[LM_SYMBOLS.index(w[1]) if len(w) > 1 else LM_SYMBOLS.index("<end>")] += 1
    return counts


def scores_after_h():
    r"""The fixed next-letter scores of the sampler exercise: a count model's scores after ``<start>h``.

    Returns
    -------
    s : numpy.ndarray, shape (V,)
        :math:`s_c = \log(\mathrm{count}(h\,c) + 1)` over the lexicon's words that start with h, for
        every symbol c of :data:`rnnlib.data.LM_SYMBOLS` (V = 28); softmax(s) is the add-one smoothed
        frequency of each second letter. Mostly a, o, e, u (79, 75, 70, 53 of the 285 words).

    Notes
    -----
    A fixed model whose scores do not depend on training (no seed, no floating-point drift), with a
    realistic shape: a few likely letters and many unlikely ones, so that a temperature visibly
    sharpens or flattens it.
    """
    return np.log(_counts_after_h() + 1.0)


def _softmax(a):
    e = np.exp(a - a.max())
    return e / e.sum()


def _pooled(observed, expected, minimum=5.0):
    """Merge the bins with the smallest expected counts until each group expects at least ``minimum``."""
    order = np.argsort(expected, kind="stable")
    groups, current, total = [], [], 0.0
    for k in order:
        current.append(k)
        total += expected[k]
        if total >= minimum:
            groups.append(current)
            current, total = [], 0.0
    if current:  # what is left expects less than minimum: add it to the last group
        if groups:
            groups[-1] += current
        else:
            groups.append(current)
    obs = np.array([observed[g].sum() for g in groups])
    exp = np.array([expected[g].sum() for g in groups])
    return obs, exp


def _fit(observed, probabilities):
    """Chi-square p-value of the observed counts against probabilities (bins pooled to >= 5 expected)."""
    expected = probabilities * observed.sum()
    if (observed[expected == 0] > 0).any():
        return 0.0
    keep = expected > 0
    obs, exp = _pooled(observed[keep], expected[keep])
    if len(obs) < 2:
        return 1.0 if obs.sum() == exp.sum() else 0.0
    return float(stats.chisquare(obs, exp).pvalue)


def _alternatives(s, tau):
    """What a wrong sampler's draws may fit instead: name -> (probabilities, message)."""
    V = len(s)
    top = np.zeros(V)
    top[np.argmax(s)] = 1.0
    return {
        "ignored": (_softmax(s), f"your draws fit softmax(s), not softmax(s / {tau:g}): the temperature is "
                                 "ignored. Divide the scores by it before the softmax"),
        "multiplied": (_softmax(s * tau), f"your draws fit softmax(s * {tau:g}): the scores are multiplied by "
                                          "the temperature. Divide: a temperature below 1 sharpens, above 1 "
                                          "flattens"),
        "greedy": (top, f"at temperature {tau:g} every draw is the argmax (id {np.argmax(s)}, "
                        f"{LM_SYMBOLS[np.argmax(s)]!r}): that is temperature 0. Above 0, draw at random from "
                        "softmax(s / temperature)"),
        "uniform": (np.full(V, 1.0 / V), "your draws are uniform over the V letters: the scores are ignored. "
                                         "Draw with probabilities p = softmax(s / temperature)"),
        "raw": (np.clip(s, 0, None) / np.clip(s, 0, None).sum(),
                "your draws fit s / s.sum() (the scores used as probabilities): apply the softmax to "
                "s / temperature"),
    }


def _id_problem(value, V):
    """None if ``value`` is a letter id (an int in 0..V-1), else what is wrong with it."""
    if isinstance(value, (bool, np.bool_)):
        return f"it returned {value!r}, a bool; return the id of the letter drawn, an int"
    if isinstance(value, str):
        return (f"it returned the str {value!r}; return the letter's id, an int in 0..{V - 1} (the index in "
                "LM_SYMBOLS), not the letter itself")
    if isinstance(value, np.ndarray):
        return (f"it returned an array of shape {value.shape}; return one id, an int: for example "
                "int(rng.choice(len(s), p=p))")
    if isinstance(value, (list, tuple)):
        return f"it returned a {type(value).__name__} of length {len(value)}; return one id, an int"
    if not isinstance(value, (int, np.integer)):
        return f"it returned {value!r}, a {type(value).__name__}; return one id, an int in 0..{V - 1}"
    if not 0 <= int(value) < V:
        return f"it returned {int(value)}; an id is in 0..{V - 1} (V = {V} letters)"
    return None


def _draws(fn, s, tau, rng, n):
    """n draws of the learner's sampler: (array of ids, None) or (None, message)."""
    out = np.empty(n, dtype=np.int64)
    for k in range(n):
        value, error = _quiet(fn, (s.copy(), tau, rng))
        if error:
            return None, f"at temperature {tau:g}, draw {k + 1}: {error}"
        problem = _id_problem(value, len(s))
        if problem:
            return None, f"at temperature {tau:g}: {problem}"
        out[k] = int(value)
    return out, None


def check_temperature_sampler(fn):
    r"""Check ``fn(s, temperature, rng) -> id``: one draw from softmax(s / temperature), by its distribution.

    Parameters
    ----------
    fn : callable
        ``fn(s, temperature, rng)`` with scores ``s`` of shape (V,), a temperature >= 0 and a
        ``numpy.random.Generator``; returns the id (an int in 0..V-1) of one letter drawn from
        :math:`\mathrm{softmax}(s/\tau)`, the argmax when the temperature is 0.

    Returns
    -------
    CheckResult
        Correct when: the result is an int id; the same seed gives the same draws and the global
        ``np.random`` is not used; at each of :data:`SAMPLER_TEMPERATURES`, :data:`SAMPLER_DRAWS`
        draws from :func:`scores_after_h` (Generator seeded 2024, 2025, 2026) fit softmax(s / τ)
        (chi-square p-value >= :data:`SAMPLER_ALPHA`, bins pooled to >= 5 expected draws); and
        temperature 0 gives the argmax. Otherwise the first of these that fails, and for a
        distribution that does not fit, the one it fits instead.

    Notes
    -----
    .. math:: \mathrm{id} \sim \mathrm{Categorical}\big(\mathrm{softmax}(s/\tau)\big), \qquad
              \mathrm{softmax}(s/\tau)_k = \frac{e^{s_k/\tau}}{\sum_c e^{s_c/\tau}}

    A correct sampler fails a test at level :data:`SAMPLER_ALPHA` with probability
    :data:`SAMPLER_ALPHA`; the seeds are fixed, so the verdict is the same on every run.
    """
    if not callable(fn):
        return CheckResult(False, f"pass your function itself (the name after def); got {type(fn).__name__}",
                           SAMPLER)
    s = scores_after_h()  # (V,)
    V = len(s)
    # 1. one draw: an int id, from the given Generator, not the global one
    state = np.random.get_state()  # noqa: NPY002  (to see whether the learner's code uses the global one)
    rng = np.random.default_rng(_SAMPLER_SEED)
    before = rng.bit_generator.state
    try:
        first, error = _draws(fn, s, 1.0, rng, 20)
        global_used = not _same_state(state, np.random.get_state())  # noqa: NPY002
    finally:
        np.random.set_state(state)  # noqa: NPY002  the learner's use of np.random must not change anyone's draws
    if error:
        return CheckResult(False, error, SAMPLER)
    if global_used:
        return CheckResult(False, "it draws from the global np.random (np.random.choice, np.random.rand, ...): use "
                                  "only the Generator passed as rng (rng.choice, rng.random), so that the same "
                                  "seed gives the same letters", SAMPLER)
    if rng.bit_generator.state == before:
        how = ("the same id every time" if len(set(first.tolist())) == 1
               else "draws that do not come from it (a new Generator inside the function?)")
        return CheckResult(False, f"at temperature 1 it never used the rng it was given: {how}. Draw with the "
                                  "given Generator, e.g. rng.choice(len(s), p=p)", SAMPLER)
    again, error = _draws(fn, s, 1.0, np.random.default_rng(_SAMPLER_SEED), 20)
    if error or not np.array_equal(first, again):
        return CheckResult(False, "two Generators with the same seed gave different draws: the function must "
                                  "draw only from the rng it is given (no np.random.default_rng() inside), so "
                                  "that a seed fixes the letters", SAMPLER)
    # 2. the distribution at each temperature
    fits = []
    for k, tau in enumerate(SAMPLER_TEMPERATURES):
        draws, error = _draws(fn, s, tau, np.random.default_rng(_SAMPLER_SEED + 1 + k), SAMPLER_DRAWS)
        if error:
            return CheckResult(False, error, SAMPLER)
        observed = np.bincount(draws, minlength=V).astype(np.float64)  # (V,)
        want = _softmax(s / tau)
        p_value = _fit(observed, want)
        if p_value >= SAMPLER_ALPHA:
            fits.append((tau, p_value, observed, want))
            continue
        fitted = [(_fit(observed, probs), message) for probs, message in _alternatives(s, tau).values()]
        best_p, best_message = max(fitted, key=lambda pair: pair[0])
        top = np.argsort(want)[::-1][:3]
        shares = ", ".join(f"{LM_SYMBOLS[c]!r} {observed[c] / SAMPLER_DRAWS:.1%} (expected {want[c]:.1%})"
                           for c in top)
        detail = (best_message if best_p >= SAMPLER_ALPHA
                  else f"they fit neither softmax(s / {tau:g}) nor softmax(s), softmax(s * {tau:g}), the argmax "
                       "or the uniform distribution")
        return CheckResult(False, f"{SAMPLER_DRAWS} draws at temperature {tau:g} do not fit softmax(s / {tau:g}) "
                                  f"(chi-square p = {p_value:.1e} < {SAMPLER_ALPHA:g}; {shares}): {detail}. "
                                  f"Try hint('{SAMPLER}').", SAMPLER)
    # 3. temperature 0: the argmax, every time
    greedy, error = _draws(fn, s, 0, np.random.default_rng(_SAMPLER_SEED), 5)
    if error:
        if "ZeroDivision" in error or "nan" in error.lower():
            error += " (s / 0 is not a distribution: handle temperature 0 first, with np.argmax(s))"
        temperatures = ", ".join(f"{t:g}" for t in sorted(SAMPLER_TEMPERATURES))
        return CheckResult(False, f"right at temperatures {temperatures}, but {error}", SAMPLER)
    if not (greedy == np.argmax(s)).all():
        return CheckResult(False, f"right at temperatures above 0, but at temperature 0 it returned "
                                  f"{sorted(set(greedy.tolist()))}; temperature 0 means greedy: always the id of "
                                  f"the highest score, {int(np.argmax(s))} ({LM_SYMBOLS[np.argmax(s)]!r})", SAMPLER)
    a = LM_SYMBOLS.index("a")
    lines = "; ".join(f"τ = {tau:g}: 'a' {observed[a] / SAMPLER_DRAWS:.1%} (softmax(s/τ) {want[a]:.1%}), "
                      f"p = {p_value:.2f}" for tau, p_value, observed, want in sorted(fits))
    return CheckResult(True, f"{SAMPLER_DRAWS} draws at each temperature fit softmax(s / τ) (chi-square, the "
                             f"scores after '<start>h'): {lines}. Temperature 0 gives the argmax, and the same "
                             "seed gives the same draws.", SAMPLER)


def _same_state(a, b):
    return a[0] == b[0] and np.array_equal(a[1], b[1]) and tuple(a[2:]) == tuple(b[2:])
