"""rnnlib.lessons.sequences_and_shapes: counts checked by hand and against arrays and models actually built."""

import subprocess
import sys
from collections import Counter

import numpy as np
import pytest

from rnnlib import SequenceClassifier, encode_words, rnn_forward, word_sentiment_data
from rnnlib.lessons.sequences_and_shapes import (
    context_accuracy,
    data_volume,
    expected_relative_deviation,
    feedforward_forward,
    flat_gradient,
    format_growth_table,
    format_volume_table,
    gradient_noise_experiment,
    growth_factors,
    init_feedforward,
    minibatch_gradient,
    rnn_costs,
    rnn_vs_feedforward,
    volume_rows,
)


@pytest.fixture(scope="module")
def words():
    return word_sentiment_data().words


@pytest.fixture(scope="module")
def small_data():
    """240 real words (every 23rd of the data set), encoded."""
    data = word_sentiment_data()
    subset = data.subset(np.arange(0, len(data), 23)[:240])
    x, y, lengths = subset.encode()
    return x, y, lengths


# ---------------------------------------------------------------- data volume


def test_data_volume_hand_computed():
    vol = data_volume(64, 5, 26)
    assert vol["shape"] == (64, 5, 26)
    assert vol["numbers"] == 8320  # 64 * 5 * 26
    assert vol["bytes"] == vol["bytes_float64"] == 66560
    assert vol["bytes_float32"] == 33280
    assert vol["numbers_per_sequence"] == 130
    assert vol["numbers_per_step"] == 64 * 26
    assert data_volume(64, 5, 26, "float32")["bytes"] == 33280


def test_data_volume_matches_real_arrays(words):
    batch = [w for w in words if len(w) <= 7][:50]
    x, lengths = encode_words(batch)
    N, T, D = x.shape
    vol = data_volume(N, T, D)
    assert vol["shape"] == x.shape
    assert vol["numbers"] == x.size
    assert vol["bytes"] == x.nbytes
    assert data_volume(N, T, D, np.float32)["bytes"] == x.astype(np.float32).nbytes
    # the whole data set
    x_all, _ = encode_words(words)
    assert data_volume(*x_all.shape)["bytes"] == x_all.nbytes == len(words) * 19 * 26 * 8


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"N": 0, "T": 5, "D": 26}, "N"),
    ({"N": 4, "T": 2.5, "D": 26}, "T"),
    ({"N": 4, "T": 5, "D": -1}, "D"),
    ({"N": 4, "T": 5, "D": 26, "dtype": "int8"}, "dtype"),
])
def test_data_volume_rejects_bad_input(kwargs, name):
    with pytest.raises(ValueError, match=name):
        data_volume(**kwargs)


# ---------------------------------------------------------------- RNN vs feed-forward


def test_rnn_vs_feedforward_hand_computed():
    out = rnn_vs_feedforward(64, 5, 26, 16)
    rnn, ff = out["rnn"], out["feedforward"]
    assert rnn["parameters"] == 416 + 256 + 16 + 16 + 1 == 705
    assert ff["parameters"] == 2080 + 16 + 16 + 1 == 2113
    assert rnn["macs_forward"] == 64 * 5 * (416 + 256) + 64 * 16 == 216064
    assert ff["macs_forward"] == 64 * (2080 + 16) == 134144
    assert rnn["activations"] == 64 * 5 * 16 == 5120
    assert ff["activations"] == 64 * 16
    assert (rnn["sequential_steps"], ff["sequential_steps"]) == (5, 1)


@pytest.mark.parametrize(("D", "H", "C"), [(26, 16, 1), (26, 32, 1), (7, 3, 4), (1, 1, 2)])
def test_rnn_parameters_match_the_model(D, H, C):
    model = SequenceClassifier(D, H, n_classes=C)
    out = rnn_vs_feedforward(10, 6, D, H, n_classes=C)["rnn"]
    assert out["parameters"] == model.n_parameters
    assert {k: shape for k, (shape, _) in out["breakdown"].items()} == {k: p.shape for k, p in model.params.items()}


@pytest.mark.parametrize(("T", "D", "H", "C"), [(5, 26, 16, 1), (19, 26, 32, 1), (3, 4, 2, 3)])
def test_feedforward_parameters_match_the_built_net(T, D, H, C):
    params = init_feedforward(T, D, H, C, seed=1)
    out = rnn_vs_feedforward(10, T, D, H, n_classes=C)["feedforward"]
    assert out["parameters"] == sum(p.size for p in params.values())
    assert {k: shape for k, (shape, _) in out["breakdown"].items()} == {k: p.shape for k, p in params.items()}


class _MacCounter:
    """A matrix product that counts its multiply-adds: (n, k) @ (k, m) costs n * k * m."""

    def __init__(self):
        self.macs = 0

    def __call__(self, a, b):
        self.macs += a.shape[0] * a.shape[1] * b.shape[1]
        return a @ b


def test_macs_and_activations_count_a_real_forward_pass(rng):
    N, T, D, H = 6, 4, 5, 3
    words_x = rng.integers(0, 2, size=(N, T, D)).astype(float)
    model = SequenceClassifier(D, H, seed=3)
    p = model.params
    mm = _MacCounter()
    h = np.zeros((N, H))
    hs = []
    for t in range(T):
        h = np.tanh(mm(words_x[:, t], p["Wx"]) + mm(h, p["Wh"]) + p["b"])  # (N, H)
        hs.append(h)
    s = mm(h, p["Wy"]) + p["by"]  # (N, 1)
    hs_ref, cache = rnn_forward(words_x, np.zeros((N, H)), p["Wx"], p["Wh"], p["b"])
    np.testing.assert_allclose(np.stack(hs, axis=1), hs_ref)  # the counted computation is the real one
    np.testing.assert_allclose(s, model.forward(words_x)[0])
    counts = rnn_vs_feedforward(N, T, D, H)
    assert mm.macs == counts["rnn"]["macs_forward"]
    assert cache.hs.size == counts["rnn"]["activations"]

    ff = init_feedforward(T, D, H, seed=0)
    mm = _MacCounter()
    h_ff = np.tanh(mm(words_x.reshape(N, T * D), ff["W1"]) + ff["b1"])
    z_ff = mm(h_ff, ff["W2"]) + ff["b2"]
    z_ref, h_ref = feedforward_forward(words_x, ff)
    np.testing.assert_allclose(z_ff, z_ref)
    assert mm.macs == counts["feedforward"]["macs_forward"]
    assert h_ref.size == counts["feedforward"]["activations"]


@pytest.mark.parametrize(("N", "T", "D", "H"), [(32, 19, 26, 32), (3, 4, 5, 2), (1, 1, 2, 7)])
def test_rnn_costs_measured_equal_the_formulas(N, T, D, H):
    costs = rnn_costs(N, T, D, H, seed=1)
    rnn = rnn_vs_feedforward(N, T, D, H)["rnn"]
    assert costs == {"data": N * T * D, "parameters": rnn["parameters"], "compute": rnn["macs_forward"],
                     "memory": rnn["activations"], "sequential": T}


def test_rnn_costs_hand_computed_and_rejects_bad_input():
    assert rnn_costs(2, 3, 4, 5) == {"data": 24, "parameters": 20 + 25 + 5 + 5 + 1,
                                     "compute": 2 * 3 * (20 + 25) + 2 * 5, "memory": 30, "sequential": 3}
    with pytest.raises(ValueError, match="H"):
        rnn_costs(2, 3, 4, 0)


def test_growth_factors_and_table():
    base, factors = growth_factors(32, 19, 26, 32)
    assert base["compute"] == 1_129_472 and base["parameters"] == 1921
    assert {q: f["N"] for q, f in factors.items()} == {"data": 2, "parameters": 1, "compute": 2, "memory": 2,
                                                       "sequential": 1}
    assert {q: f["T"] for q, f in factors.items()} == {"data": 2, "parameters": 1, "compute": pytest.approx(2, 1e-3),
                                                       "memory": 2, "sequential": 2}
    assert factors["compute"]["T"] < 2  # the read-out h_T W_y (N*H) is done once, whatever T
    assert factors["parameters"]["H"] == pytest.approx((26 * 64 + 64 * 64 + 64 + 64 + 1) / 1921)
    assert factors["compute"]["H"] == pytest.approx((32 * 19 * (26 * 64 + 64 * 64) + 32 * 64) / 1_129_472)
    assert (factors["data"]["H"], factors["memory"]["H"], factors["sequential"]["H"]) == (1, 2, 1)
    text = format_growth_table(32, 19, 26, 32)
    rows = text.splitlines()
    assert rows[0].startswith("N=32, T=19, D=26, H=32")
    assert rows[4].split()[-4:] == ["1,129,472", "2.00", "2.00", "3.10"]
    assert rows[3].split()[-4:] == ["1,921", "1.00", "1.00", "3.07"]


def test_rnn_shares_weights_feedforward_does_not():
    # P_FF - P_RNN = (T - 1) D H - H^2: the feed-forward net grows with T, the RNN does not
    for T, D, H in [(1, 26, 16), (5, 26, 16), (19, 26, 32), (3, 2, 50)]:
        out = rnn_vs_feedforward(8, T, D, H)
        assert out["feedforward"]["parameters"] - out["rnn"]["parameters"] == (T - 1) * D * H - H * H
        assert rnn_vs_feedforward(8, T + 10, D, H)["rnn"]["parameters"] == out["rnn"]["parameters"]
        # and the RNN keeps T times the activations and does H*H more multiply-adds per step
        assert out["rnn"]["activations"] == T * out["feedforward"]["activations"]
        assert out["rnn"]["macs_forward"] - out["feedforward"]["macs_forward"] == 8 * T * H * H


def test_rnn_vs_feedforward_rejects_bad_input():
    with pytest.raises(ValueError, match="H"):
        rnn_vs_feedforward(4, 5, 26, 0)
    with pytest.raises(ValueError, match="n_classes"):
        rnn_vs_feedforward(4, 5, 26, 3, n_classes=0)


def test_feedforward_forward_rejects_wrong_length():
    params = init_feedforward(5, 26, 4)
    with pytest.raises(ValueError, match="T\\*D = 130"):
        feedforward_forward(np.zeros((2, 6, 26)), params)


def test_volume_table_rows_and_text():
    rows = volume_rows(64, 5, 26, 16)
    table = dict((q, (a, b)) for q, a, b in rows)
    assert table["parameters"] == ("705", "2,113")
    assert table["multiply-adds per forward pass"] == ("216,064", "134,144")
    assert table["bytes of x (float64)"] == ("66.6 kB", "66.6 kB")
    assert volume_rows(64, 5, 26, 16, dtype="float32")[2][1] == "33.3 kB"
    text = format_volume_table(64, 5, 26, 16)
    assert "N=64, T=5, D=26, H=16" in text and "2,113" in text and "(64, 5, 26)" in text


# ---------------------------------------------------------------- context


def test_context_accuracy_hand_computed():
    # letters a, b, a, c: no context guesses 'a' (2 of 4); after 'a' it is b or c (1 of 2)
    out = context_accuracy(["ab", "ac"])
    assert out["n_letters"] == 4
    assert out["no context"] == 0.5
    assert out["left neighbour"] == 0.75
    assert out["both neighbours"] == 0.75
    assert out["whole word"] == 0.75
    distinct = context_accuracy(["cat", "dog"])  # every letter is different, every word pattern unique
    assert distinct["no context"] == pytest.approx(1 / 6)
    assert distinct["whole word"] == 1.0


def test_context_accuracy_real_data(words):
    out = context_accuracy(words)
    letters = Counter("".join(words))
    assert out["n_letters"] == sum(letters.values())
    assert out["no context"] == pytest.approx(letters.most_common(1)[0][1] / out["n_letters"])
    # each context refines the one before, so in-sample accuracy cannot drop
    assert out["no context"] < out["left neighbour"] < out["both neighbours"] < out["whole word"] <= 1.0
    assert out["whole word"] > 0.9


def test_context_accuracy_rejects_bad_input():
    with pytest.raises(ValueError, match="single string"):
        context_accuracy("good")
    with pytest.raises(ValueError, match="lower-case"):
        context_accuracy(["Good"])
    with pytest.raises(ValueError, match="at least one"):
        context_accuracy([])


# ---------------------------------------------------------------- mini-batch gradients


def test_trimmed_minibatch_gradient_equals_untrimmed(small_data):
    x, y, lengths = small_data
    model = SequenceClassifier(26, 6, seed=0)
    idx = np.array([3, 17, 40, 41])
    g_trim, loss_trim = minibatch_gradient(model, x, y, lengths, idx)
    loss, grads, _ = model.loss(x[idx], y[idx], lengths[idx])
    np.testing.assert_allclose(g_trim, flat_gradient(grads), atol=1e-14)
    assert loss_trim == pytest.approx(loss)
    assert g_trim.shape == (model.n_parameters,)


def test_equal_minibatches_average_to_the_full_gradient(small_data):
    x, y, lengths = small_data
    model = SequenceClassifier(26, 6, seed=0)
    M = len(y)
    g_full, _ = minibatch_gradient(model, x, y, lengths, np.arange(M))
    parts = np.random.default_rng(0).permutation(M).reshape(8, M // 8)
    g_mean = np.mean([minibatch_gradient(model, x, y, lengths, p)[0] for p in parts], axis=0)
    np.testing.assert_allclose(g_mean, g_full, atol=1e-12)


def test_minibatch_gradient_rejects_bad_indices(small_data):
    x, y, lengths = small_data
    model = SequenceClassifier(26, 3)
    for idx in ([], [0, 10**6], [-1], [[0, 1]], [0.5]):
        with pytest.raises(ValueError, match="idx"):
            minibatch_gradient(model, x, y, lengths, idx)


def test_feedforward_forward_rejects_missing_weights():
    params = init_feedforward(5, 26, 4)
    del params["b2"]
    with pytest.raises(ValueError, match="b2"):
        feedforward_forward(np.zeros((2, 5, 26)), params)


def test_expected_relative_deviation():
    np.testing.assert_allclose(expected_relative_deviation([1, 100], 100, 2.0), [2.0, 0.0])
    small, large = expected_relative_deviation([10, 40], 10**6, 1.0)
    assert large / small == pytest.approx(0.5, rel=1e-4)  # four times the batch, half the noise
    with pytest.raises(ValueError, match="batch_sizes"):
        expected_relative_deviation([0, 5], 10, 1.0)
    with pytest.raises(ValueError, match="batch_sizes"):
        expected_relative_deviation([11], 10, 1.0)
    with pytest.raises(ValueError, match="scale"):
        expected_relative_deviation([5], 10, float("nan"))


def test_sampling_theory_matches_measured_noise(small_data):
    x, y, lengths = small_data
    x, y, lengths = x[:60], y[:60], lengths[:60]
    M = len(y)
    model = SequenceClassifier(26, 5, seed=2)
    per_example = np.array([minibatch_gradient(model, x, y, lengths, [m])[0] for m in range(M)])
    g = per_example.mean(axis=0)
    sigma = np.sqrt(np.mean(np.sum((per_example - g) ** 2, axis=1)))
    res = gradient_noise_experiment(model, x, y, lengths, batch_sizes=(2, 8, 30), n_batches=400, seed=1,
                                    time_repeats=1)
    predicted = expected_relative_deviation(res.batch_sizes, M, sigma / np.linalg.norm(g))
    np.testing.assert_allclose(res.rel_dev_rms, predicted, rtol=0.12)
    assert res.noise_scale == pytest.approx(sigma / np.linalg.norm(g), rel=0.12)


def test_gradient_noise_experiment(small_data):
    x, y, lengths = small_data
    model = SequenceClassifier(26, 8, seed=0)
    before = {k: v.copy() for k, v in model.params.items()}
    ticks = iter(range(10**6))
    res = gradient_noise_experiment(model, x, y, lengths, batch_sizes=(4, 16, 64, None), n_batches=12, seed=5,
                                    time_repeats=2, clock=lambda: float(next(ticks)))
    M = len(y)
    assert list(res.batch_sizes) == [4, 16, 64, M] and res.n_total == M
    assert res.cosine_mean[-1] == 1.0 and res.rel_dev_rms[-1] == 0.0 and np.all(res.rel_devs[-1] == 0)
    assert np.all(np.diff(res.rel_dev_rms) < 0)  # bigger batch, less noise
    assert np.all(np.diff(res.cosine_mean) > 0)
    assert np.all(res.cosine_mean <= 1.0) and [len(d) for d in res.rel_devs] == [12, 12, 12, 1]
    for k in range(4):
        assert res.frac_opposite[k] == np.mean(res.cosines[k] < 0)
        assert res.cosine_std[k] == pytest.approx(np.std(res.cosines[k]))
    np.testing.assert_array_equal(res.seconds_per_step, 1.0)  # the fake clock advances 1 per call
    np.testing.assert_array_equal(res.steps_per_epoch, [60, 15, 4, 1])
    assert res.full_loss == pytest.approx(model.loss(x, y, lengths)[0])
    for k in model.params:
        np.testing.assert_array_equal(model.params[k], before[k])  # the model is not modified
    again = gradient_noise_experiment(model, x, y, lengths, batch_sizes=(4, 16, 64, None), n_batches=12, seed=5,
                                      time_repeats=1)
    for a, b in zip(again.rel_devs, res.rel_devs, strict=True):
        np.testing.assert_array_equal(a, b)  # seeded: same batches, same numbers
    uneven = gradient_noise_experiment(model, x, y, lengths, batch_sizes=(4, 64), n_batches=(20, 3), seed=0,
                                       time_repeats=1)
    assert [len(c) for c in uneven.cosines] == [20, 3]
    assert "(full)" in res.noise_table() and "cosine" in res.noise_table()
    assert "ms / step" in res.timing_table()


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"batch_sizes": (0,)}, "batch_sizes"),
    ({"batch_sizes": (10**6,)}, "batch_sizes"),
    ({"batch_sizes": (2.5,)}, "batch_sizes"),
    ({"batch_sizes": ()}, "batch_sizes"),
    ({"batch_sizes": (4,), "n_batches": 0}, "n_batches"),
    ({"batch_sizes": (4, 8), "n_batches": (3, 4, 5)}, "n_batches"),
    ({"batch_sizes": (4, 8), "n_batches": (3, 0)}, "n_batches"),
])
def test_gradient_noise_experiment_rejects_bad_input(small_data, kwargs, match):
    x, y, lengths = small_data
    with pytest.raises(ValueError, match=match):
        gradient_noise_experiment(SequenceClassifier(26, 4), x, y, lengths, **kwargs)


def test_gradient_noise_experiment_rejects_bad_data(small_data):
    x, y, lengths = small_data
    model = SequenceClassifier(26, 4)
    with pytest.raises(ValueError, match="y must have shape"):
        gradient_noise_experiment(model, x, y[:-1], lengths)
    with pytest.raises(ValueError, match="lengths"):
        gradient_noise_experiment(model, x, y, lengths + 100)
    with pytest.raises(ValueError, match="x must have"):
        gradient_noise_experiment(model, x[..., :5], y, lengths)


def test_core_imports_neither_matplotlib_nor_ipywidgets():
    code = ("import sys, rnnlib.lessons.sequences_and_shapes, rnnlib.exercises.sequences_and_shapes; "
            "print('matplotlib' in sys.modules, 'ipywidgets' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
