"""Tests of rnnlib.lessons.lstm_vs_rnn: per-step gradient norms of trained models, the highway, the word models."""

import dataclasses

import numpy as np
import pytest

from rnnlib import lstm_forward
from rnnlib.data import memory_task, one_hot_word, word_sentiment_data
from rnnlib.lessons.lstm_vs_rnn import (
    GradientReport,
    HighwayCheck,
    MemoryRun,
    cell_state_limit,
    forget_products,
    gradient_norms,
    gradient_reach,
    gradient_report,
    highway_check,
    highway_gradient,
    highway_ratio,
    highway_table,
    norm_profile,
    report_table,
    saturated_fraction,
    train_memory_model,
    train_word_models,
    word_internals,
)
from rnnlib.lessons.unrolled_many_to_one import StepGradients, step_gradients
from rnnlib.lessons.vanishing_gradient import CONFIGS, RunConfig, run_memory_task
from rnnlib.model import SequenceClassifier

N, T, D, H = 3, 5, 4, 6


def _lstm_args(rng, scale=0.5):
    return dict(x=rng.standard_normal((N, T, D)), h0=rng.standard_normal((N, H)) * 0.3,
                Wx=rng.standard_normal((D, 4 * H)) * scale, Wh=rng.standard_normal((H, 4 * H)) * scale,
                b=rng.standard_normal(4 * H) * 0.1)


# ------------------------------------------------------------------ norms and their summaries


def _grads(dh, dc=None):
    z = np.zeros((1, 1))
    return StepGradients(dh, dc, z, z, z, z, z)


def test_gradient_norms_known_values():
    dh = np.zeros((2, 3, 2))
    dh[0, :, 0] = [3.0, 0.0, 1.0]
    dh[0, 1] = [3.0, 4.0]  # norm 5
    dh[1, :, 1] = [1.0, 2.0, 4.0]
    dc = dh * 2
    absolute = gradient_norms(_grads(dh, dc), relative=False)
    np.testing.assert_allclose(absolute["h"], [[3, 5, 1], [1, 2, 4]])
    np.testing.assert_allclose(absolute["c"], [[6, 10, 2], [2, 4, 8]])
    relative = gradient_norms(_grads(dh, dc))
    np.testing.assert_allclose(relative["h"], [[3, 5, 1], [0.25, 0.5, 1]])
    np.testing.assert_allclose(relative["c"], [[6, 10, 2], [0.5, 1, 2]])  # c is divided by ||dh|| too
    assert set(gradient_norms(_grads(dh))) == {"h"}


def test_gradient_norms_zero_reference_and_bad_lengths():
    dh = np.ones((2, 3, 2))
    dh[1, -1] = 0
    with pytest.raises(ValueError, match=r"zero gradient at the last step of sequences \[1\]"):
        gradient_norms(_grads(dh))
    with pytest.raises(ValueError, match="lengths"):
        gradient_norms(_grads(np.ones((2, 3, 2))), lengths=[3, 4])
    with pytest.raises(ValueError, match="StepGradients"):
        gradient_norms(dh)


def test_norm_profile_and_reach():
    norms = np.array([[1.0, 2.0, 4.0], [3.0, 4.0, 2.0], [2.0, 6.0, 1.0]])
    median, lower, upper = norm_profile(norms)
    np.testing.assert_allclose(median, [2.0, 4.0, 2.0])
    np.testing.assert_allclose(lower, [1.5, 3.0, 1.5])
    np.testing.assert_allclose(upper, [2.5, 5.0, 3.0])
    assert gradient_reach(norms) == pytest.approx(np.median([0.25, 1.5, 2.0]))
    assert gradient_reach(norms, step=2) == pytest.approx(2.0)  # step t = 2: column 1
    with pytest.raises(ValueError, match="quantiles"):
        norm_profile(norms, quantiles=(0.6, 0.9))
    with pytest.raises(ValueError, match="step"):
        gradient_reach(norms, step=0)  # steps count from 1


# ------------------------------------------------------------------ the highway alone


def test_forget_products_known_values():
    f = np.array([[[0.1, 0.9], [0.5, 0.8], [0.25, 0.5]]])  # (1, T=3, 2)
    np.testing.assert_allclose(forget_products(f, 0), [[1.0, 1.0]])
    np.testing.assert_allclose(forget_products(f, 1), [[0.25, 0.5]])  # f_T only
    np.testing.assert_allclose(forget_products(f, 2), [[0.125, 0.4]])  # f_T f_{T-1}; f_1 never crossed
    constant = np.full((2, 31, 3), 0.73)
    np.testing.assert_allclose(forget_products(constant, 30), 0.73**30)  # one gate for all: f^k
    with pytest.raises(ValueError, match="k must be an int between 0 and T-1=2"):
        forget_products(f, 3)
    with pytest.raises(ValueError, match="k must be an int"):
        forget_products(f, 1.0)


def test_highway_ratio_weighs_units_by_the_entering_gradient():
    f = np.array([[[0.5, 0.9], [0.5, 0.9]]] * 2)  # (2, T=2, 2)
    dc_last = np.array([[3.0, 4.0], [1.0, 0.0]])
    ratio = highway_ratio(dc_last, f, 1)
    np.testing.assert_allclose(ratio, [np.hypot(1.5, 3.6) / 5.0, 0.5])
    with pytest.raises(ValueError, match="zero row"):
        highway_ratio(np.zeros((2, 2)), f, 1)


def test_highway_check_equals_the_measurement_without_recurrent_weights():
    x, y = memory_task(40, 6, 5, seed=0)
    model = SequenceClassifier(5, 4, cell="lstm", seed=0, forget_bias=2.0)
    model.params["Wh"][:] = 0.0  # no path through h_{t-1}: the highway is the whole cell-state gradient
    check = highway_check("no Wh", model, x, y)
    assert isinstance(check, HighwayCheck) and check.k == 6 and check.products.shape == (40, 4)
    assert check.measured == pytest.approx(check.predicted, rel=1e-10)
    assert check.other_path < 1e-12 * check.measured
    full = SequenceClassifier(5, 4, cell="lstm", seed=0, forget_bias=2.0)
    with_h = highway_check("with Wh", full, x, y, k=3)
    assert with_h.k == 3 and with_h.mean_power == pytest.approx(with_h.mean_gate**3)
    assert with_h.other_path > 0 and 0 < with_h.top_share <= 1
    table = highway_table([check, with_h]).splitlines()
    assert table[0].split()[:3] == ["model", "mean", "f"] and "(mean f)^6" in table[0]
    assert table[2].startswith("with Wh") and f"{with_h.measured:.2e}" in table[2]
    with pytest.raises(ValueError, match="LSTM"):
        highway_check("rnn", SequenceClassifier(5, 4, seed=0), x, y)


def test_highway_gradient_is_the_whole_cell_gradient_without_recurrent_weights(rng):
    args = _lstm_args(rng)
    args["Wh"] = np.zeros_like(args["Wh"])  # no path through h_{t-1}: only the highway is left
    hs, cache = lstm_forward(**args)
    dhs = np.zeros_like(hs)
    dhs[:, -1] = rng.standard_normal((N, H))
    grads = step_gradients(dhs, cache)
    np.testing.assert_allclose(highway_gradient(grads.dc[:, -1], cache.f), grads.dc, rtol=1e-12, atol=1e-15)


def test_highway_gradient_known_values_and_shapes():
    f = np.array([[[0.1], [0.5], [0.25]]])  # (1, 3, 1)
    dc = highway_gradient(np.array([[8.0]]), f)
    np.testing.assert_allclose(dc[0, :, 0], [1.0, 2.0, 8.0])  # 8 * 0.25 = 2, 2 * 0.5 = 1; f_0 unused
    with pytest.raises(ValueError, match="f must have shape"):
        highway_gradient(np.ones((2, 3)), np.ones((2, 4, 2)))


# ------------------------------------------------------------------ training the notebook's models


def test_train_memory_model_is_the_sweeps_run():
    config = dataclasses.replace(CONFIGS["lstm_sgd"], hidden_size=6, steps=15)
    run = train_memory_model(config, lag=4, seed=1, n_test=200)
    assert isinstance(run, MemoryRun)
    assert run.accuracy == run_memory_task(config, 4, 1, n_test=200)["accuracy"]
    assert run.x_test.shape == (200, 5, 8) and run.history.steps == 15
    shorter = train_memory_model(config, lag=4, seed=1, steps=5, n_test=50)
    assert shorter.history.steps == 5
    with pytest.raises(ValueError, match="RunConfig"):
        train_memory_model({"cell": "rnn"}, 4, 0)


def test_gradient_report_and_table():
    config = RunConfig("tiny RNN", hidden_size=5, steps=5)
    run = train_memory_model(config, lag=3, seed=0, n_test=40)
    report = gradient_report("tiny RNN", run, n=30)
    assert isinstance(report, GradientReport) and report.reach_c is None and report.cell == "rnn"
    assert report.norms["h"].shape == (30, 4)
    np.testing.assert_allclose(report.norms["h"][:, -1], 1.0)
    assert report.reach_h == pytest.approx(np.median(report.norms["h"][:, 0]))
    lstm = gradient_report("tiny LSTM", train_memory_model(dataclasses.replace(config, cell="lstm"), 3, 0, n_test=40))
    assert lstm.reach_c == pytest.approx(np.median(lstm.norms["c"][:, 0] / lstm.norms["c"][:, -1]))
    table = report_table([report, lstm]).splitlines()
    assert table[0].startswith("model") and "c: t=1 / T" in table[0]
    assert table[1].startswith("tiny RNN ") and table[1].split()[-2] == "-"
    assert f"{lstm.reach_c:.2g}" in table[2]


def test_saturated_fraction():
    model = SequenceClassifier(3, 4, cell="rnn", seed=0)
    x, _ = memory_task(5, 3, n_features=3, seed=0)
    assert saturated_fraction(model, x) == 0.0  # small weights: nothing near +-1
    model.params["Wx"] = np.full((3, 4), 50.0)  # every unit pinned at tanh(50) = 1
    assert saturated_fraction(model, x) == 1.0
    with pytest.raises(ValueError, match="threshold"):
        saturated_fraction(model, x, threshold=1.0)


def test_train_word_models_small():
    twins = train_word_models(hidden_size=3, epochs=1, seed=0)
    assert set(twins.models) == {"rnn", "lstm"}
    assert twins.models["lstm"].cell == "lstm" and twins.models["rnn"].hidden_size == 3
    for acc in (*twins.test_accuracy.values(), *twins.train_accuracy.values(), twins.majority_accuracy):
        assert 0.0 <= acc <= 1.0
    words = set(word_sentiment_data().words)
    assert set(twins.split_of) == set(twins.valence) == words
    assert set(twins.split_of.values()) == {"train", "validation", "test"}
    assert twins.valence["good"] > 0 and twins.valence["hopeless"] < 0
    with pytest.raises(ValueError, match="split must be one of"):
        train_word_models(split="alphabetical")


def test_word_internals_match_the_model():
    lstm = SequenceClassifier(26, 5, cell="lstm", seed=1)
    states, p = word_internals(lstm, "hope")
    assert set(states) == {"h", "c", "i", "f", "g", "o"} and states["c"].shape == (4, 5)
    assert p == pytest.approx(lstm.predict_proba(one_hot_word("hope")[None])[0])
    rnn = SequenceClassifier(26, 5, cell="rnn", seed=1)
    states, p = word_internals(rnn, "hope")
    assert set(states) == {"h"}
    assert p == pytest.approx(rnn.predict_proba(one_hot_word("hope")[None])[0])
    with pytest.raises(ValueError, match="one-hot letters"):
        word_internals(SequenceClassifier(8, 5), "hope")


def test_cell_state_limit():
    lstm = SequenceClassifier(26, 5, cell="lstm", seed=1)
    assert cell_state_limit(lstm, ["good", "bad"]) == 1.0  # small untrained cells: the floor
    lstm.params["b"][2 * 5:3 * 5] = 20.0  # candidate g = 1 always, input gate ~0.5: c grows each letter
    limit = cell_state_limit(lstm, ["abcdefghij"], quantile=1.0)
    assert limit >= 2.0 and limit % 0.5 == 0
    with pytest.raises(ValueError, match="LSTM"):
        cell_state_limit(SequenceClassifier(26, 5, cell="rnn"), ["good"])


# ------------------------------------------------------------------ the sweep in words


# ------------------------------------------------------------------ the start of a run, the gates, a guess
def test_initial_memory_model_is_the_sweeps_starting_point():
    from rnnlib.lessons.lstm_vs_rnn import initial_memory_model
    from rnnlib.lessons.vanishing_gradient import CONFIGS

    plain = initial_memory_model(CONFIGS["lstm_sgd"], seed=0)
    ref = SequenceClassifier(8, 32, cell="lstm", seed=0)
    for name in ref.params:
        np.testing.assert_array_equal(plain.params[name], ref.params[name])
    chrono = initial_memory_model(CONFIGS["lstm_sgd_rec"], seed=0)
    b, H = chrono.params["b"], 32
    np.testing.assert_allclose(b[:H], -b[H:2 * H])  # input bias = -forget bias
    assert np.all((np.exp(b[H:2 * H]) >= 1) & (np.exp(b[H:2 * H]) <= 199))  # b_f = log u, u in [1, 199]
    np.testing.assert_array_equal(chrono.params["Wh"], ref.params["Wh"])  # only the biases differ
    with pytest.raises(ValueError, match="RunConfig"):
        initial_memory_model({"cell": "lstm"}, seed=0)


def test_gate_table_known_gates():
    from rnnlib.lessons.lstm_vs_rnn import gate_table

    lstm = SequenceClassifier(3, 2, cell="lstm", seed=0)
    for name in ("Wx", "Wh"):
        lstm.params[name][:] = 0.0
    lstm.params["b"][:] = 0.0
    lstm.params["b"][2:4] = np.log(3.0)  # forget gates sigma(log 3) = 0.75; input gates sigma(0) = 0.5
    lines = gate_table({"toy": lstm}, np.ones((4, 5, 3))).splitlines()
    assert lines[1].split() == ["toy", "0.500", "0.750"]
    with pytest.raises(ValueError, match="LSTM"):
        gate_table({"rnn": SequenceClassifier(3, 2)}, np.ones((1, 2, 3)))


def test_guess_feedback_factors():
    from rnnlib.lessons.lstm_vs_rnn import guess_feedback

    text = guess_feedback(1e-4, 1e-2, 1e-5)
    assert "your guess 1.00e-04 is 100 times below it" in text and "1.00e-05 is 1e+03 times below it" in text
    assert "is equal to it" in guess_feedback(1e-2, 1e-2, 1e-5)
    assert "2 times above it" in guess_feedback(2e-2, 1e-2, 1e-5)
    with pytest.raises(ValueError, match="guess must be a positive number"):
        guess_feedback(None, 1e-2, 1e-5)
