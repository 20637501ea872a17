"""Tests of the per-step BPTT of notebook 03 (rnnlib.lessons.unrolled_many_to_one: step_gradients,
classifier_step_gradients, hidden_state_gradients, unrolled_trace) and of its two exercise checkers
(rnnlib.exercises.unrolled_many_to_one: bptt_step, rnn_backward)."""

import numpy as np
import pytest

from rnnlib import (
    lstm_backward,
    lstm_forward,
    lstm_step_forward,
    rnn_backward,
    rnn_forward,
    rnn_step_backward,
    rnn_step_forward,
)
from rnnlib.activations import ACTIVATIONS
from rnnlib.data import memory_task, one_hot_word
from rnnlib.exercises import hint
from rnnlib.exercises.unrolled_many_to_one import (
    MISTAKES,
    STEP_MISTAKES,
    check_bptt_step,
    check_rnn_backward,
    mistaken_bptt_step,
    mistaken_rnn_backward,
    solution_bptt_step,
    solution_rnn_backward,
)
from rnnlib.gradcheck import gradient_check, numerical_gradient, relative_error
from rnnlib.lessons.lstm_vs_rnn import gradient_norms
from rnnlib.lessons.unrolled_many_to_one import (
    classifier_step_gradients,
    hidden_state_gradients,
    recurrent_weight_size,
    step_gradients,
    unrolled_trace,
)
from rnnlib.lessons.vanishing_gradient import activation_rnn_forward
from rnnlib.losses import binary_logistic_loss
from rnnlib.model import SequenceClassifier

N, T, D, H = 3, 5, 4, 6


def _rnn_args(rng, scale=0.5):
    return dict(x=rng.standard_normal((N, T, D)), h0=rng.standard_normal((N, H)) * 0.3,
                Wx=rng.standard_normal((D, H)) * scale, Wh=rng.standard_normal((H, H)) * scale,
                b=rng.standard_normal(H) * 0.1)


def _lstm_args(rng, scale=0.5):
    return dict(x=rng.standard_normal((N, T, D)), h0=rng.standard_normal((N, H)) * 0.3,
                Wx=rng.standard_normal((D, 4 * H)) * scale, Wh=rng.standard_normal((H, 4 * H)) * scale,
                b=rng.standard_normal(4 * H) * 0.1)


def _solution():
    namespace = {"np": np}
    exec(solution_rnn_backward(), namespace)
    return namespace["rnn_backward_mine"]


# ------------------------------------------------------------------ totals equal the library's BPTT


def test_step_gradients_totals_match_rnn_backward(rng):
    args = _rnn_args(rng)
    hs, cache = rnn_forward(**args)
    dhs = rng.standard_normal(hs.shape)  # a loss at every step
    grads = step_gradients(dhs, cache)
    for got, want in zip((grads.dx, grads.dh0, grads.dWx, grads.dWh, grads.db), rnn_backward(dhs, cache)):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-13)
    assert grads.dc is None
    np.testing.assert_allclose(grads.dh[:, -1], dhs[:, -1])  # nothing arrives after the last step


def test_step_gradients_totals_match_lstm_backward(rng):
    args = _lstm_args(rng)
    hs, cache = lstm_forward(**args)
    dhs = rng.standard_normal(hs.shape)
    grads = step_gradients(dhs, cache)
    for got, want in zip((grads.dx, grads.dh0, grads.dWx, grads.dWh, grads.db), lstm_backward(dhs, cache)):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-13)
    # at the last step the cell gradient only comes through h_T: dh * o * (1 - tanh(c)^2)
    o, c = cache.o[:, -1], cache.cs[:, -1]
    np.testing.assert_allclose(grads.dc[:, -1], dhs[:, -1] * o * (1 - np.tanh(c) ** 2))


# ------------------------------------------------- finite differences of the per-step gradients


def _rnn_loss_perturbed(args, dhs, t_pert, delta):
    """sum(hs * dhs) when h_{t_pert} gets ``+ delta`` right after it is computed."""
    h = args["h0"]
    total = 0.0
    for t in range(T):
        h, _ = rnn_step_forward(args["x"][:, t], h, args["Wx"], args["Wh"], args["b"])
        if t == t_pert:
            h = h + delta
        total += np.sum(h * dhs[:, t])
    return total


def _lstm_loss_perturbed(args, dhs, t_pert, delta_h, delta_c):
    """sum(hs * dhs) with c_{t_pert} += delta_c (before h is computed from it) and h_{t_pert} += delta_h."""
    h, c = args["h0"], np.zeros_like(args["h0"])
    total = 0.0
    for t in range(T):
        _, _, step = lstm_step_forward(args["x"][:, t], h, c, args["Wx"], args["Wh"], args["b"])
        c = step.f * c + step.i * step.g
        if t == t_pert:
            c = c + delta_c
        h = step.o * np.tanh(c)
        if t == t_pert:
            h = h + delta_h
        total += np.sum(h * dhs[:, t])
    return total


@pytest.mark.parametrize("t_pert", [0, 2, T - 1])  # code index: h_{t_pert + 1}
def test_rnn_dh_per_step_matches_finite_differences(rng, t_pert):
    args = _rnn_args(rng)
    hs, cache = rnn_forward(**args)
    dhs = rng.standard_normal(hs.shape)
    grads = step_gradients(dhs, cache)
    numeric = numerical_gradient(lambda delta: _rnn_loss_perturbed(args, dhs, t_pert, delta),
                                 {"delta": np.zeros((N, H))}, "delta")
    assert relative_error(grads.dh[:, t_pert], numeric) < 1e-8


@pytest.mark.parametrize("t_pert", [0, 1, 3, T - 1])
def test_lstm_dh_and_dc_per_step_match_finite_differences(rng, t_pert):
    args = _lstm_args(rng)
    hs, cache = lstm_forward(**args)
    dhs = rng.standard_normal(hs.shape)
    grads = step_gradients(dhs, cache)
    zeros = np.zeros((N, H))
    num_h = numerical_gradient(lambda d: _lstm_loss_perturbed(args, dhs, t_pert, d, zeros), {"d": zeros}, "d")
    num_c = numerical_gradient(lambda d: _lstm_loss_perturbed(args, dhs, t_pert, zeros, d), {"d": zeros}, "d")
    assert relative_error(grads.dh[:, t_pert], num_h) < 1e-8
    assert relative_error(grads.dc[:, t_pert], num_c) < 1e-8


def test_step_gradients_reject_wrong_cache_and_shapes(rng):
    args = _rnn_args(rng)
    hs, cache = rnn_forward(**args)
    with pytest.raises(ValueError, match="cache must be the RNNCache"):
        step_gradients(np.zeros_like(hs), tuple(cache))
    with pytest.raises(ValueError, match="fprime must be None for an LSTM"):
        step_gradients(np.zeros_like(hs), lstm_forward(**_lstm_args(rng))[1], fprime=np.ones_like(hs))
    with pytest.raises(ValueError, match="fprime"):
        step_gradients(np.zeros_like(hs), cache, fprime=np.ones((N, T - 1, H)))
    with pytest.raises(ValueError, match="dhs"):
        step_gradients(np.zeros((N, T + 1, H)), cache)


# ------------------------------------------------------------------ the classifier's per-sequence loss


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_classifier_step_gradients_sum_of_per_sequence_losses(cell):
    model = SequenceClassifier(4, 5, cell=cell, seed=2)
    x, y = memory_task(6, 4, n_features=4, seed=1)
    grads = classifier_step_gradients(model, x, y)
    _, mean_grads, _ = model.loss(x, y)
    for name in ("Wx", "Wh", "b"):  # the sum of N losses is N times the mean
        np.testing.assert_allclose(getattr(grads, "d" + name) / len(y), mean_grads[name], rtol=1e-10, atol=1e-14)
    # sequence 2's rows are those of its own loss, whatever the batch
    alone = classifier_step_gradients(model, x[2:3], y[2:3])
    np.testing.assert_allclose(grads.dh[2], alone.dh[0], rtol=1e-12, atol=1e-15)
    if cell == "lstm":
        np.testing.assert_allclose(grads.dc[2], alone.dc[0], rtol=1e-12, atol=1e-15)


def test_classifier_step_gradients_with_lengths_zero_after_the_end():
    model = SequenceClassifier(26, 4, cell="lstm", seed=0)
    from rnnlib.data import encode_words

    x, lengths = encode_words(["good", "hopeless"])
    grads = classifier_step_gradients(model, x, np.array([1, 0]), lengths=lengths)
    assert np.all(grads.dh[0, 4:] == 0) and np.all(grads.dc[0, 4:] == 0)  # padding after "good"
    assert np.all(np.linalg.norm(grads.dh[0, :4], axis=1) > 0)
    norms = gradient_norms(grads, lengths=lengths)
    np.testing.assert_allclose(norms["h"][[0, 1], [3, 7]], 1.0)  # relative to each word's last letter


def test_classifier_step_gradients_rejects_non_model():
    with pytest.raises(ValueError, match="model must be a SequenceClassifier"):
        classifier_step_gradients("rnn", np.zeros((1, 2, 3)), [0])


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_step_gradients_with_another_activation_match_finite_differences(rng, activation):
    """fprime turns the same loop into BPTT for an RNN with another activation (the microscope's)."""
    args = _rnn_args(rng, scale=0.8)
    hs, cache, fprime = activation_rnn_forward(**args, activation=activation)
    dhs = rng.standard_normal(hs.shape)
    grads = step_gradients(dhs, cache, fprime)

    def forward(x, h0, Wx, Wh, b):
        return activation_rnn_forward(x, h0, Wx, Wh, b, activation)[0]

    def backward(dout):
        g = step_gradients(dout, activation_rnn_forward(**args, activation=activation)[1],
                           activation_rnn_forward(**args, activation=activation)[2])
        return {"dx": g.dx, "dh0": g.dh0, "dWx": g.dWx, "dWh": g.dWh, "db": g.db}

    report = gradient_check(forward, args, backward, dout=dhs, time_axes={"x": 1})
    assert report.ok, report.summary()
    # dL/dh_t itself: perturb h_t right after it is computed (t = 2: index 1)
    f = ACTIVATIONS[activation][0]

    def loss(delta):
        h, total = args["h0"], 0.0
        for t in range(1, T + 1):
            h = f(args["x"][:, t - 1] @ args["Wx"] + h @ args["Wh"] + args["b"]) + (delta if t == 2 else 0.0)
            total += np.sum(h * dhs[:, t - 1])
        return total

    numeric = numerical_gradient(loss, {"delta": np.zeros((N, H))}, "delta")
    assert relative_error(grads.dh[:, 1], numeric) < 1e-7


def test_activation_rnn_forward_is_the_library_rnn_for_tanh(rng):
    args = _rnn_args(rng)
    hs, cache, fprime = activation_rnn_forward(**args, activation="tanh")
    np.testing.assert_array_equal(hs, rnn_forward(**args)[0])
    assert fprime is None
    with pytest.raises(ValueError, match="activation must be one of"):
        activation_rnn_forward(**args, activation="softplus")


def test_step_gradients_of_a_loss_at_the_last_step_equal_suffix_backwards(rng):
    """dL/dh_t is the dh0 of a backward pass over the steps after t, started from h_t."""
    args = _rnn_args(rng)
    hs, cache = rnn_forward(**args)
    dhs = np.zeros_like(hs)
    dhs[:, -1] = rng.standard_normal((N, H))
    total = step_gradients(dhs, cache).dh
    np.testing.assert_allclose(total[:, -1], dhs[:, -1])
    for t in range(1, T):  # hs[:, t-1] is h_t
        sub_hs, sub_cache = rnn_forward(args["x"][:, t:], hs[:, t - 1], args["Wx"], args["Wh"], args["b"])
        sub_dhs = np.zeros_like(sub_hs)
        sub_dhs[:, -1] = dhs[:, -1]
        np.testing.assert_allclose(total[:, t - 1], rnn_backward(sub_dhs, sub_cache)[1], rtol=1e-12)


def test_hidden_state_gradients_finite_difference():
    model = SequenceClassifier(26, 5, seed=1)
    word = "hope"
    norms = hidden_state_gradients(model, word, label=0)
    assert norms.shape == (4,) and np.all(norms > 0)
    # the last step's gradient: dL/dh_T = (sigma(s) - y) Wy^T, checked by finite differences on h_T
    hs = model.internals(one_hot_word(word)[None])["h"]
    p = model.params

    def loss_of_hT(hT):
        s = hT @ p["Wy"] + p["by"]
        return binary_logistic_loss(s, np.array([0]))[0]

    num = numerical_gradient(loss_of_hT, {"hT": hs[:, -1]}, "hT")
    assert norms[-1] == pytest.approx(np.linalg.norm(num), rel=1e-6)
    # a 1-letter word has one gradient, and errors are reported
    assert hidden_state_gradients(model, "a").shape == (1,)
    with pytest.raises(ValueError, match="label"):
        hidden_state_gradients(model, "a", label=2)
    with pytest.raises(ValueError, match="cell='rnn'"):
        hidden_state_gradients(SequenceClassifier(26, 3, cell="lstm"), "a")


# ------------------------------------------------------------------ the exercise and its checker


def test_solution_equals_library_and_finite_differences(rng):
    # T = 4: with longer sequences the gradient reaching h0 from the last output step alone gets so
    # small that gradient_check's per-output-step relative error (no common scale) turns noise into "wrong"
    args = _rnn_args(rng)
    args["x"] = args["x"][:, :4]
    hs, cache = rnn_forward(**args)
    dhs = rng.normal(size=hs.shape)
    for mine, lib in zip(_solution()(dhs, cache), rnn_backward(dhs, cache)):
        np.testing.assert_allclose(mine, lib, rtol=1e-12, atol=1e-14)

    def backward(dout):
        return dict(zip(["dx", "dh0", "dWx", "dWh", "db"], _solution()(dout, rnn_forward(**args)[1])))

    report = gradient_check(rnn_forward, args, backward, time_axes={"x": 1}, output_time_axis=1)
    assert report.ok, report.summary()


def test_checker_accepts_correct_solutions():
    for fn in (_solution(), rnn_backward):
        result = check_rnn_backward(fn)
        assert result.ok, result.message
        assert "every time step" in result.message


@pytest.mark.parametrize("mistake, expected", [
    ("no_accumulation", "dh_next"),
    ("tanh_preactivation", "pre-activation"),
    ("one_minus_h", "1 - h_t**2"),
    ("dWh_current_state", "PREVIOUS state"),
])
def test_checker_names_typical_mistakes(mistake, expected):
    result = check_rnn_backward(mistaken_rnn_backward(mistake))
    assert not result.ok
    assert expected in result.message
    assert "per parameter and per time step" in result.message  # the gradient-check summary follows


def test_mistakes_are_one_line_edits_of_the_solution():
    solution = solution_rnn_backward().splitlines()
    for name, (right, wrong, _) in MISTAKES.items():
        source = mistaken_rnn_backward(name).source.splitlines()
        assert solution_rnn_backward().count(right) == 1, name
        changed = [(a, b) for a, b in zip(solution, source) if a != b]
        assert len(source) == len(solution) and len(changed) == 1 and wrong in changed[0][1], name


def test_checker_no_accumulation_says_where():
    result = check_rnn_backward(mistaken_rnn_backward("no_accumulation"))
    # with the loss at the first step alone nothing flows back through time, so that step is right
    assert "for the loss at step t alone: right at t = 1, wrong at t = 2..4" in result.message


def test_checker_db_not_summed_over_time():
    def db_last_loop_step(dhs, cache):
        dx, dh0, dWx, dWh, _ = rnn_backward(dhs, cache)
        x, h0, Wh, hs = cache.x, cache.h0, cache.Wh, cache.hs
        dh_next = np.zeros_like(h0)
        for t in range(x.shape[1], 0, -1):
            da = (dhs[:, t - 1] + dh_next) * (1 - hs[:, t - 1] ** 2)
            db = da.sum(axis=0)  # overwritten: only the last iteration (t = 1) survives
            dh_next = da @ Wh.T
        return dx, dh0, dWx, dWh, db

    result = check_rnn_backward(db_last_loop_step)
    assert not result.ok and "db holds the contribution of step t=1 only" in result.message
    assert "SUM over all steps" in result.message

    def db_per_step(dhs, cache):
        dx, dh0, dWx, dWh, db = rnn_backward(dhs, cache)
        return dx, dh0, dWx, dWh, np.tile(db, (cache.x.shape[1], 1))

    result = check_rnn_backward(db_per_step)
    assert not result.ok and "sum db over time" in result.message


def test_checker_dWx_single_step():
    def dWx_last(dhs, cache):
        dx, dh0, _, dWh, db = rnn_backward(dhs, cache)
        T = cache.x.shape[1]
        da = dhs[:, T - 1] * (1 - cache.hs[:, T - 1] ** 2)
        return dx, dh0, cache.x[:, T - 1].T @ da, dWh, db

    result = check_rnn_backward(dWx_last)
    assert not result.ok and "dWx holds the contribution of step t=4 only" in result.message


def test_checker_unknown_error_reports_gradcheck():
    def wrong_dx(dhs, cache):
        dx, *rest = rnn_backward(dhs, cache)
        return (2 * dx, *rest)

    result = check_rnn_backward(wrong_dx)
    assert not result.ok and result.message.startswith("dx differ")
    assert "dx: WRONG" in result.message and "dWh: right" in result.message


@pytest.mark.parametrize("fn, expected", [
    (lambda dhs, cache: (_ for _ in ()).throw(NotImplementedError()), "not implemented yet"),
    (lambda dhs, cache: 1 / 0, "ZeroDivisionError"),
    (lambda dhs, cache: None, "tuple of five arrays"),
    (lambda dhs, cache: (1, 2, 3), "length 3"),
    (lambda dhs, cache: (cache.x, cache.h0, cache.Wx.T, cache.Wh, np.zeros(5)), "dWx must have shape (3, 5)"),
    (lambda dhs, cache: (cache.x, cache.h0, cache.Wx, cache.Wh, np.full(5, np.nan)), "NaN"),
    ("not a function", "pass your function"),
])
def test_checker_never_crashes(fn, expected):
    result = check_rnn_backward(fn)
    assert not result.ok and expected in result.message


def test_checker_does_not_let_learner_corrupt_reference():
    def mutating(dhs, cache):
        out = rnn_backward(dhs, cache)
        cache.hs[...] = 0.0  # a learner that scribbles on the cache must not break the check
        dhs[...] = 0.0
        return out

    assert check_rnn_backward(mutating).ok


def test_mistaken_rnn_backward_rejects_unknown():
    with pytest.raises(ValueError, match="mistake must be one of"):
        mistaken_rnn_backward("typo")


def test_hints_and_solution():
    texts = [hint("rnn_backward", level) for level in (1, 2, 3)]
    assert "dh_next" in texts[0] and "1 - h_t**2" in texts[1] and 'solution("rnn_backward")' in texts[2]
    assert "t = T down to 1" in texts[0]
    assert "bptt_step" in texts[0] and "bptt_step" in texts[1]  # they point back to the derivation
    source = solution_rnn_backward()
    assert source.startswith("def rnn_backward_mine") and "dh_next = da @ Wh.T" in source


def test_relative_error_of_mistakes_is_large(rng):
    """Every registered mistake really changes the gradients (so matching one is meaningful)."""
    args = _rnn_args(rng)
    hs, cache = rnn_forward(**args)
    dhs = rng.normal(size=hs.shape)
    good = rnn_backward(dhs, cache)
    for key in MISTAKES:
        bad = mistaken_rnn_backward(key)(dhs, cache)
        assert max(relative_error(g, b) for g, b in zip(good, bad)) > 1e-2, key


def test_unrolled_trace():
    model = SequenceClassifier(26, 6, seed=2)
    x = one_hot_word("glad")[None]
    trace = unrolled_trace(model, "glad")
    assert set(trace) == {"hidden", "prob"}
    np.testing.assert_allclose(trace["hidden"], model.internals(x)["h"][0])
    assert trace["prob"] == pytest.approx(model.predict_proba(x)[0])
    with_grad = unrolled_trace(model, "glad", label=1)
    np.testing.assert_allclose(with_grad["grad_norms"], hidden_state_gradients(model, "glad", 1))
    with pytest.raises(ValueError, match="cell='rnn'"):
        unrolled_trace(SequenceClassifier(26, 3, cell="lstm"), "glad")


def test_recurrent_weight_size_known_answers():
    model = SequenceClassifier(26, 2, seed=0)
    model.params["Wh"] = np.array([[0.0, 3.0], [0.0, 0.0]])  # nilpotent: stretches once, dies out when repeated
    assert recurrent_weight_size(model) == pytest.approx({"norm": 3.0, "radius": 0.0}, abs=1e-12)
    c, s = np.cos(0.3), np.sin(0.3)
    model.params["Wh"] = 0.5 * np.array([[c, -s], [s, c]])  # scaled rotation: complex eigenvalues of modulus 0.5
    assert recurrent_weight_size(model) == pytest.approx({"norm": 0.5, "radius": 0.5})
    default = recurrent_weight_size(SequenceClassifier(26, 32, seed=0))  # U(-1/sqrt(H), 1/sqrt(H))
    assert 0.4 < default["radius"] < default["norm"] < 1.5
    with pytest.raises(ValueError, match="cell='rnn'"):
        recurrent_weight_size(SequenceClassifier(26, 3, cell="lstm"))


def test_untrained_gradient_shrinks_by_about_the_spectral_radius_per_step():
    """With small weights the tanh units are barely saturated, so one step back scales by about rho(W_h)."""
    model = SequenceClassifier(26, 32, seed=0)
    norms = hidden_state_gradients(model, "hopelessness", label=0)  # T = 12
    per_step = (norms[0] / norms[-1]) ** (1 / (len(norms) - 1))
    assert per_step == pytest.approx(recurrent_weight_size(model)["radius"], rel=0.15)


# ------------------------------------------------------------------ exercise 1: one step back, on paper


def _step_solution():
    namespace = {"np": np}
    exec(solution_bptt_step(), namespace)
    return namespace["bptt_step_mine"]


def test_bptt_step_solution_is_the_library_step_plus_the_direct_path(rng):
    x, h_prev = rng.normal(size=(N, D)), np.tanh(rng.normal(size=(N, H)))
    Wx, Wh, b = rng.normal(size=(D, H)), rng.normal(size=(H, H)) * 0.5, rng.normal(size=H)
    h, cache = rnn_step_forward(x, h_prev, Wx, Wh, b)
    dh, direct = rng.normal(size=(N, H)), rng.normal(size=(N, H))
    dx, dh_prev = _step_solution()(dh, direct, cache)
    ref_dx, ref_dh_prev, *_ = rnn_step_backward(dh, cache)
    np.testing.assert_allclose(dx, ref_dx, rtol=1e-12)
    np.testing.assert_allclose(dh_prev, direct + ref_dh_prev, rtol=1e-12)
    # and by finite differences of the loss sum(h * dh) + sum(h_prev * direct)
    def loss_x(x):
        return np.sum(rnn_step_forward(x, h_prev, Wx, Wh, b)[0] * dh)

    def loss_h_prev(h_prev):
        return np.sum(rnn_step_forward(x, h_prev, Wx, Wh, b)[0] * dh) + np.sum(h_prev * direct)

    assert relative_error(dx, numerical_gradient(loss_x, {"x": x}, "x")) < 1e-8
    assert relative_error(dh_prev, numerical_gradient(loss_h_prev, {"h_prev": h_prev}, "h_prev")) < 1e-8


def test_bptt_step_checker_accepts_the_solution_and_checks_the_loop_against_finite_differences():
    result = check_bptt_step(_step_solution())
    assert result.ok, result.message
    assert "dL/dx_t right at t = 1..4; dL/dh_0 right" in result.message


@pytest.mark.parametrize("mistake, expected, outputs", [
    ("no_tanh_factor", "the tanh' factor is missing", "dx and dh_prev"),
    ("tanh_factor_of_h_prev", "taken at h_{t-1}", "dx and dh_prev"),
    ("tanh_factor_not_squared", "written 1 - h_t", "dx and dh_prev"),
    ("tanh_applied_twice", "you took tanh of h_t again", "dx and dh_prev"),
    ("no_transpose", "the transpose is missing", "dh_prev"),
    ("no_direct_path", "misses the loss's own gradient", "dh_prev"),
    ("no_path_through_step", "misses the path through step t", "dh_prev"),
])
def test_bptt_step_checker_names_the_missing_term(mistake, expected, outputs):
    result = check_bptt_step(mistaken_bptt_step(mistake))
    assert not result.ok
    first_line = result.message.splitlines()[0]
    assert first_line.startswith(f"{outputs}: ") and expected in first_line
    assert "dL/dh_0 WRONG" in result.message  # the loop's verdict follows
    if outputs == "dh_prev":  # dx of the last step does not depend on dh_prev
        assert "dL/dx_t right at t = 4, wrong at t = 1..3" in result.message


def test_bptt_step_checker_names_every_term_of_a_combined_mistake():
    def no_factor_no_transpose_one_path(dh, dh_prev_direct, cache):
        return dh @ cache.Wx.T, dh @ cache.Wh

    message = check_bptt_step(no_factor_no_transpose_one_path).message
    assert "dx and dh_prev: the tanh' factor is missing" in message
    assert "dh_prev: the transpose is missing" in message and "misses the loss's own gradient" in message


@pytest.mark.parametrize("fn, expected", [
    (lambda dh, d, c: (dh * (1 - c.h**2) @ c.Wx, d), "Check the shapes"),  # Wx without .T: (N,H)@(D,H)
    (lambda dh, d, c: (c.Wx @ (dh * (1 - c.h**2)).T, d), "That is the transpose"),
    (lambda dh, d, c: (dh @ c.Wh.T, d), "not through Wh"),
    (lambda dh, d, c: (dh,), "tuple of two arrays"),
    (lambda dh, d, c: (_ for _ in ()).throw(NotImplementedError()), "NotImplementedError"),
    (lambda dh, d, c: (np.full((2, 3), np.nan), d), "NaN"),
    (3, "pass your function itself"),
])
def test_bptt_step_checker_reports_shapes_and_broken_answers(fn, expected):
    result = check_bptt_step(fn)
    assert not result.ok and expected in result.message


def test_bptt_step_unknown_mistake_is_reported_without_the_answer():
    result = check_bptt_step(lambda dh, d, c: (2.0 * dh @ c.Wx.T, d + dh @ c.Wh.T))
    assert not result.ok
    assert "dx differs from dL/dx_t" in result.message and "Wx.T" not in result.message.split("\n")[0]
    with pytest.raises(ValueError, match="mistake must be one of"):
        mistaken_bptt_step("typo")


def test_bptt_step_mistakes_are_one_line_edits():
    solution = solution_bptt_step().splitlines()
    for name in STEP_MISTAKES:
        source = mistaken_bptt_step(name).source.splitlines()
        assert len(source) == len(solution)
        assert sum(a != b for a, b in zip(solution, source)) == 1, name


def test_bptt_step_hints():
    texts = [hint("bptt_step", level) for level in (1, 2, 3)]
    assert "tanh" in texts[0] and "M.T" in texts[1] and "two" in texts[1]
    assert 'solution("bptt_step")' in texts[2]
