"""Tests of the notebook-07 checkers (masked temporal loss, temperature sampler): the solutions pass, each
typical mistake, written as the learner would write it, gets its specific message."""

import numpy as np
import pytest
from scipy import stats

from rnnlib.data import LM_SYMBOLS
from rnnlib.exercises.base import HINTS, hint, with_mistake
from rnnlib.exercises.configurations import (
    GRADIENT_MISTAKES,
    LOSS_MISTAKES,
    SAMPLER_ALPHA,
    SAMPLER_DRAWS,
    _fit,
    _loss_case,
    _softmax,
    check_masked_temporal_loss,
    check_temperature_sampler,
    scores_after_h,
    solution_masked_temporal_loss,
    solution_temperature_sampler,
)
from rnnlib.losses import temporal_softmax_loss


def _exec(source):
    namespace = {"np": np}
    exec(source, namespace)
    return next(value for name, value in namespace.items() if name.endswith("_mine"))


loss_solution = _exec(solution_masked_temporal_loss())
sampler_solution = _exec(solution_temperature_sampler())


def test_hints_registered_and_progressive():
    for name in ("masked_temporal_loss", "temperature_sampler"):
        assert len(HINTS[name]) == 3
        assert f'solution("{name}")' in HINTS[name][-1]
        assert hint(name, 1).startswith(f"Hint 1/3 for {name}")


# ------------------------------------------------------------------ the masked loss
def test_loss_solution_agrees_with_rnnlib_and_passes(rng):
    s, y, mask = rng.normal(size=(2, 3, 4)), rng.integers(0, 4, size=(2, 3)), np.array([[1., 1, 1], [1, 0, 0]])
    loss, ds = loss_solution(s, y, mask)
    want_loss, want_ds = temporal_softmax_loss(s, y, mask)
    assert loss == pytest.approx(want_loss, rel=1e-12)
    np.testing.assert_allclose(ds, want_ds, rtol=1e-12, atol=1e-15)
    result = check_masked_temporal_loss(loss_solution)
    assert result.ok, result.message
    assert result.exercise == "masked_temporal_loss"
    assert check_masked_temporal_loss(lambda s, y, m: temporal_softmax_loss(s, y, m)).ok


def test_loss_case_known_answer():
    """The first case's loss, recomputed with a slow loop: the numbers the success message prints."""
    s, y, mask = _loss_case(70, 3, 5, 7, (5, 3, 2))
    total = sum(-np.log(np.exp(s[n, t, y[n, t]]) / np.exp(s[n, t]).sum())
                for n in range(3) for t in range(5) if mask[n, t])
    assert mask.sum() == 10
    message = check_masked_temporal_loss(loss_solution).message
    assert f"the loss is {total / 3:.4f} per sequence" in message
    assert f"{total / 10:.4f} nats per letter" in message


SOURCE = solution_masked_temporal_loss()


# (right, wrong, expected message): one line of the written solution edited, as a learner would
LOSS_EDITS = [
    ("loss = -(mask * log_p[n, t, y]).sum() / N", "loss = -log_p[n, t, y].sum() / N",
     "the loss is not masked"),
    ("ds = ds * mask[:, :, None] / N", "ds = ds / N", "ds is not masked"),
    ("loss = -(mask * log_p[n, t, y]).sum() / N", "loss = -(mask * log_p[n, t, y]).sum() / mask.sum()",
     "divided by the number of real steps (mask.sum()): that is the per-letter"),
    ("loss = -(mask * log_p[n, t, y]).sum() / N", "loss = -(mask * log_p[n, t, y]).sum() / (N * T)",
     "the loss is divided by N*T"),
    ("loss = -(mask * log_p[n, t, y]).sum() / N", "loss = -log_p[n, t, y].mean()",
     "the mean over all N*T positions"),
    ("ds = ds * mask[:, :, None] / N", "ds = ds * mask[:, :, None] / mask.sum()",
     "ds is divided by the number of real steps"),
    ("ds = ds * mask[:, :, None] / N", "ds = ds * mask[:, :, None] / (N * T)", "ds is divided by N*T instead of N"),
    ("ds = ds * mask[:, :, None] / N", "ds = ds * mask[:, :, None]", "ds is not divided by N"),
    ("ds[n, t, y] -= 1.0", "pass", "without subtracting 1 at the target"),
    ("loss = -(mask * log_p[n, t, y]).sum() / N", "loss = -(mask * log_p[n, t, y]).sum()",
     "the loss is the masked sum, not divided by N"),
    ("loss = -(mask * log_p[n, t, y]).sum() / N", "loss = (mask * log_p[n, t, y]).sum() / N",
     "the loss has the wrong sign"),
]


@pytest.mark.parametrize("right, wrong, message", LOSS_EDITS, ids=[e[2][:30] for e in LOSS_EDITS])
def test_loss_mistakes_get_their_message(right, wrong, message):
    result = check_masked_temporal_loss(with_mistake(SOURCE, right, wrong, "mistake"))
    assert not result.ok
    assert message in result.message, result.message


def test_loss_right_and_gradient_right_are_said():
    unmasked_ds = check_masked_temporal_loss(with_mistake(SOURCE, "ds = ds * mask[:, :, None] / N", "ds = ds / N",
                                                          "m")).message
    assert unmasked_ds.startswith("the loss is right; ds is not masked")
    unmasked_loss = check_masked_temporal_loss(with_mistake(
        SOURCE, "loss = -(mask * log_p[n, t, y]).sum() / N", "loss = -log_p[n, t, y].sum() / N", "m")).message
    assert "; ds is right" in unmasked_loss


def test_loss_with_both_wrong_says_whether_ds_follows_the_learners_own_loss():
    def consistent(s, y, mask):  # unmasked, and ds is the derivative of this wrong loss
        loss, ds = temporal_softmax_loss(s, y)
        return loss, ds

    message = check_masked_temporal_loss(consistent).message
    assert "the loss is not masked" in message and "ds is not masked" in message
    assert "your ds is the derivative of your own loss (finite differences agree)" in message

    def inconsistent(s, y, mask):  # unmasked loss, and a ds that is nobody's derivative
        loss, ds = temporal_softmax_loss(s, y)
        return loss, 2 * ds + 0.01

    message = check_masked_temporal_loss(inconsistent).message
    assert "not the derivative of your own loss either" in message
    assert "real steps" in message and "padded steps" in message and "sequence n = 0, step t = 1" in message


def test_loss_softmax_over_the_wrong_axis():
    wrong = SOURCE.replace("axis=2", "axis=1")
    result = check_masked_temporal_loss(_exec(wrong))
    assert "the softmax normalises over axis 1 (the T steps)" in result.message
    assert "the softmax in ds normalises over axis 1" in result.message


def test_every_listed_mistake_is_distinct_on_the_first_case():
    s, y, mask = _loss_case(70, 3, 5, 7, (5, 3, 2))
    want_loss, want_ds = temporal_softmax_loss(s, y, mask)
    losses = [want_loss] + [variant(s, y, mask) for _, variant in LOSS_MISTAKES.values()]
    assert len({round(v, 6) for v in losses}) == len(losses)  # no two diagnoses can match the same answer
    from rnnlib.exercises.configurations import _ds_with
    grads = [want_ds] + [_ds_with(s, y, mask, **kw) for _, kw in GRADIENT_MISTAKES.values()]
    assert all(not np.allclose(a, b) for i, a in enumerate(grads) for b in grads[i + 1:])


def test_loss_overflow_and_underflow():
    naive = """\
def temporal_softmax_loss_mine(s, y, mask):
    N, T, V = s.shape
    p = np.exp(s) / np.exp(s).sum(axis=2, keepdims=True)
    n, t = np.arange(N)[:, None], np.arange(T)[None, :]
    loss = -(mask * np.log(p[n, t, y])).sum() / N
    ds = p.copy()
    ds[n, t, y] -= 1.0
    return float(loss), ds * mask[:, :, None] / N
"""
    result = check_masked_temporal_loss(_exec(naive))
    assert not result.ok
    assert "right on ordinary scores, but with scores near 1000" in result.message
    assert "Subtract each step's largest score" in result.message
    shifted_then_log = naive.replace("p = np.exp(s) / np.exp(s).sum(axis=2, keepdims=True)",
                                     "e = np.exp(s - s.max(axis=2, keepdims=True)); p = e / e.sum(axis=2, "
                                     "keepdims=True)")
    result = check_masked_temporal_loss(_exec(shifted_then_log))
    assert result.ok, result.message  # the log of a shifted softmax is the standard answer: accepted
    assert "For information (not a mistake)" in result.message and "underflows to 0" in result.message


def test_cs231n_temporal_softmax_loss_passes():
    """CS231n's own temporal_softmax_loss (max-shift, softmax, then np.log of the picked probabilities), the
    known answer the issue names, is accepted; the log-softmax solution gets no underflow note."""
    def cs231n(x, y, mask):
        N, T, V = x.shape
        x_flat, y_flat, mask_flat = x.reshape(N * T, V), y.reshape(N * T), mask.reshape(N * T)
        probs = np.exp(x_flat - np.max(x_flat, axis=1, keepdims=True))
        probs /= np.sum(probs, axis=1, keepdims=True)
        loss = -np.sum(mask_flat * np.log(probs[np.arange(N * T), y_flat])) / N
        dx_flat = probs.copy()
        dx_flat[np.arange(N * T), y_flat] -= 1
        dx_flat /= N
        dx_flat *= mask_flat[:, None]
        return loss, dx_flat.reshape(N, T, V)

    result = check_masked_temporal_loss(cs231n)
    assert result.ok, result.message
    assert "For information (not a mistake)" in result.message
    assert "For information" not in check_masked_temporal_loss(loss_solution).message


def test_loss_hard_coded_shape_is_caught_on_the_second_case():
    def fixed_v(s, y, mask):
        loss, ds = temporal_softmax_loss(s, y, mask)
        return loss, ds[:, :, :7] if s.shape[2] > 7 else ds

    result = check_masked_temporal_loss(fixed_v)
    assert "ds must have the shape of s, (4, 6, 28)" in result.message


@pytest.mark.parametrize("wrong, message", [
    (lambda s, y, m: temporal_softmax_loss(s, y, m)[0], "return two things"),
    (lambda s, y, m: (np.ones(3), temporal_softmax_loss(s, y, m)[1]), "got an array of shape (3,): sum it"),
    (lambda s, y, m: ("x", None), "the loss must be one number"),
    (lambda s, y, m: (1.0, "x"), "ds must be an array"),
    (lambda s, y, m: 1 / 0, "raised ZeroDivisionError"),
    (lambda s, y, m: (_ for _ in ()).throw(NotImplementedError()), "NotImplementedError"),
    (3, "pass your function itself"),
])
def test_loss_broken_answers_are_reported_not_raised(wrong, message):
    result = check_masked_temporal_loss(wrong)
    assert not result.ok and message in result.message


def test_loss_verdict_is_deterministic():
    wrong = with_mistake(SOURCE, "ds = ds * mask[:, :, None] / N", "ds = ds * mask[:, :, None] / (N * T)", "m")
    assert check_masked_temporal_loss(wrong).message == check_masked_temporal_loss(wrong).message


# ------------------------------------------------------------------ the sampler
def _sampler(probabilities):
    """A sampler drawing from probabilities(s, temperature) with the given Generator."""
    def fn(s, temperature, rng):
        return int(rng.choice(len(s), p=probabilities(s, temperature)))
    return fn


def test_sampler_solution_passes_with_its_numbers():
    result = check_temperature_sampler(sampler_solution)
    assert result.ok, result.message
    s = scores_after_h()
    a = LM_SYMBOLS.index("a")
    for tau in (0.5, 1, 2):
        assert f"τ = {tau:g}: 'a' " in result.message
        assert f"(softmax(s/τ) {_softmax(s / tau)[a]:.1%})" in result.message


@pytest.mark.parametrize("other", ["inverse_cdf", "gumbel", "library"])
def test_other_correct_samplers_pass(other):
    from rnnlib.sample import sample_next

    def inverse_cdf(s, temperature, rng):
        if temperature == 0:
            return int(np.argmax(s))
        cdf = np.cumsum(_softmax(s / temperature))
        return int(np.searchsorted(cdf, rng.random() * cdf[-1], side="right"))

    def gumbel(s, temperature, rng):  # argmax of s/T plus Gumbel noise is a draw from softmax(s/T)
        if temperature == 0:
            return int(np.argmax(s))
        return int(np.argmax(s / temperature + rng.gumbel(size=len(s))))

    def library(s, temperature, rng):
        return int(sample_next(s[None, :], temperature, rng)[0])

    fn = {"inverse_cdf": inverse_cdf, "gumbel": gumbel, "library": library}[other]
    result = check_temperature_sampler(fn)
    assert result.ok, result.message


def _with_greedy(fn):
    def wrapped(s, temperature, rng):
        return int(np.argmax(s)) if temperature == 0 else fn(s, temperature, rng)
    return wrapped


@pytest.mark.parametrize("wrong, message", [
    (_with_greedy(_sampler(lambda s, T: _softmax(s))), "the temperature is ignored"),
    (_with_greedy(_sampler(lambda s, T: _softmax(s * T))), "the scores are multiplied by the temperature"),
    (lambda s, T, rng: (rng.random(), int(np.argmax(s)))[1], "every draw is the argmax"),
    (_with_greedy(_sampler(lambda s, T: np.full(len(s), 1 / len(s)))), "uniform over the V letters"),
    (_with_greedy(_sampler(lambda s, T: s / s.sum())), "the scores used as probabilities"),
    (_with_greedy(_sampler(lambda s, T: _softmax(-s / T))), "fit neither"),
])
def test_sampler_mistakes_are_named_by_the_distribution_they_fit(wrong, message):
    result = check_temperature_sampler(wrong)
    assert not result.ok
    assert message in result.message, result.message
    assert "do not fit softmax(s / 0.5)" in result.message or "do not fit softmax(s / 2)" in result.message


def test_sampler_temperature_zero():
    divides = _sampler(lambda s, T: _softmax(s / T))
    result = check_temperature_sampler(divides)
    assert not result.ok and "right at temperatures 0.5, 1, 2, but at temperature 0" in result.message
    assert "handle temperature 0 first" in result.message

    def random_at_zero(s, temperature, rng):
        return int(rng.choice(len(s), p=_softmax(s / (temperature if temperature > 0 else 1.0))))

    result = check_temperature_sampler(random_at_zero)
    assert "temperature 0 means greedy" in result.message and "2 ('a')" in result.message


@pytest.mark.parametrize("wrong, message", [
    (lambda s, T, rng: LM_SYMBOLS[sampler_solution(s, T, rng)], "return the letter's id"),
    (lambda s, T, rng: np.array([sampler_solution(s, T, rng)]), "an array of shape (1,)"),
    (lambda s, T, rng: _softmax(s), "an array of shape (28,)"),
    (lambda s, T, rng: float(sampler_solution(s, T, rng)), "a float; return one id"),
    (lambda s, T, rng: True, "a bool"),
    (lambda s, T, rng: 28, "an id is in 0..27"),
    (lambda s, T, rng: None, "None"),
])
def test_sampler_wrong_types(wrong, message):
    result = check_temperature_sampler(wrong)
    assert not result.ok and message in result.message, result.message


def test_sampler_must_use_the_given_generator():
    def global_random(s, temperature, rng):
        if temperature == 0:
            return int(np.argmax(s))
        return int(np.random.choice(len(s), p=_softmax(s / temperature)))  # noqa: NPY002  (the mistake tested)

    state = np.random.get_state()  # noqa: NPY002
    result = check_temperature_sampler(global_random)
    after = np.random.get_state()  # noqa: NPY002
    assert "global np.random" in result.message
    assert np.array_equal(state[1], after[1]) and state[2] == after[2]  # the checker put the global state back

    def own_generator(s, temperature, rng):
        return int(np.random.default_rng().choice(len(s), p=_softmax(s / max(temperature, 1e-3))))

    assert "never used the rng it was given" in check_temperature_sampler(own_generator).message

    def fixed_seed(s, temperature, rng):
        return int(np.random.default_rng(0).choice(len(s), p=_softmax(s / max(temperature, 1e-3))))

    assert "the same id every time" in check_temperature_sampler(fixed_seed).message

    calls = []

    def not_reproducible(s, temperature, rng):  # uses rng, but also a counter that persists between calls
        calls.append(1)
        rng.random()
        return int(np.argmax(s)) if len(calls) <= 20 else int(np.argsort(s)[-2])

    assert "two Generators with the same seed gave different draws" in check_temperature_sampler(
        not_reproducible).message


def test_sampler_broken_functions_are_reported():
    def todo(s, temperature, rng):
        raise NotImplementedError()

    assert "NotImplementedError" in check_temperature_sampler(todo).message
    assert "draw 1: your function raised ZeroDivisionError" in check_temperature_sampler(lambda s, T, r: 1 / 0).message
    assert "pass your function itself" in check_temperature_sampler("sampler").message


def test_sampler_verdict_is_deterministic():
    wrong = _with_greedy(_sampler(lambda s, T: _softmax(s)))
    assert check_temperature_sampler(wrong).message == check_temperature_sampler(wrong).message
    assert check_temperature_sampler(sampler_solution).message == check_temperature_sampler(sampler_solution).message


def test_the_test_has_power_and_size():
    """At the checker's draw count a correct sampler passes most seeds, and each wrong one fails every seed."""
    s = scores_after_h()
    passed = 0
    for seed in range(20):
        rng = np.random.default_rng(seed)
        for tau in (0.5, 2.0):
            want = _softmax(s / tau)
            good = np.bincount(rng.choice(len(s), size=SAMPLER_DRAWS, p=want), minlength=len(s))
            passed += _fit(good.astype(float), want) >= SAMPLER_ALPHA
            for wrong in (_softmax(s), _softmax(s * tau)):
                bad = np.bincount(rng.choice(len(s), size=SAMPLER_DRAWS, p=wrong), minlength=len(s))
                assert _fit(bad.astype(float), want) < 1e-12
    assert passed == 40


def test_pooled_chi_square_matches_scipy_on_large_bins():
    observed = np.array([30.0, 50, 20])
    probs = np.array([0.3, 0.5, 0.2])
    assert _fit(observed, probs) == pytest.approx(stats.chisquare(observed, probs * 100).pvalue)
    assert _fit(np.array([0.0, 5, 5]), np.array([0.0, 0.5, 0.5])) == pytest.approx(1.0)
    assert _fit(np.array([1.0, 5, 4]), np.array([0.0, 0.5, 0.5])) == 0.0
