"""Tests of rnnlib.lessons.lstm_cell: the one-unit step with every value, and the hand-set one-bit latch."""

import numpy as np
import pytest

from rnnlib import lstm_forward, lstm_internals, lstm_step_forward, sigmoid
from rnnlib.data import memory_task
from rnnlib.lessons.lstm_cell import (
    CELL_EXAMPLE,
    cell_step_values,
    half_life,
    latch_accuracy,
    latch_internals,
    latch_run,
    latch_sequence,
    latch_weights,
    retention,
)


def test_cell_step_values_worked_example_by_hand():
    v = cell_step_values()  # x = 1, h_prev = 0.2, c_prev = 0.5, Wx = 1, Wh = 0.5, b = (-0.5, 1, 0, 0.5)
    assert v["a_i"] == pytest.approx(1.0 + 0.1 - 0.5)
    assert v["a_f"] == pytest.approx(2.1)
    assert v["a_g"] == pytest.approx(1.1)
    assert v["a_o"] == pytest.approx(1.6)
    i, f, g, o = 1 / (1 + np.exp(-0.6)), 1 / (1 + np.exp(-2.1)), np.tanh(1.1), 1 / (1 + np.exp(-1.6))
    assert (v["i"], v["f"], v["g"], v["o"]) == pytest.approx((i, f, g, o))
    c = f * 0.5 + i * g
    assert v["fc"] == pytest.approx(f * 0.5)
    assert v["ig"] == pytest.approx(i * g)
    assert v["c"] == pytest.approx(c)
    assert v["tanh_c"] == pytest.approx(np.tanh(c))
    assert v["h"] == pytest.approx(o * np.tanh(c))
    assert CELL_EXAMPLE["b"] == (-0.5, 1.0, 0.0, 0.5)


def test_cell_step_values_matches_lstm_step_forward(rng):
    Wx, Wh, b = rng.normal(size=4), rng.normal(size=4), rng.normal(size=4)
    v = cell_step_values(0.7, -0.3, 1.2, Wx, Wh, b)
    h, c, _ = lstm_step_forward([[0.7]], [[-0.3]], [[1.2]], Wx[None], Wh[None], b)
    assert v["h"] == pytest.approx(h[0, 0])
    assert v["c"] == pytest.approx(c[0, 0])


@pytest.mark.parametrize("kwargs, match", [
    ({"x": np.nan}, "x must be a single finite number"),
    ({"h_prev": [1.0, 2.0]}, "h_prev must be a single finite number"),
    ({"b": (1.0, 2.0)}, r"b must have shape \(4,\)"),
])
def test_cell_step_values_rejects_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        cell_step_values(**kwargs)


def test_latch_weights_structure():
    p = latch_weights(n_features=5, forget_bias=7.0, input_closed=-6.0, input_open=6.0, write_gain=4.0)
    Wx, Wh, b = p["Wx"], p["Wh"], p["b"]
    assert Wx.shape == (5, 4) and Wh.shape == (1, 4) and b.shape == (4,)
    assert np.all(Wh == 0)
    assert b[1] == 7.0 and b[0] == -6.0
    assert Wx[0, 0] + b[0] == 6.0 and Wx[1, 0] + b[0] == 6.0  # a signal opens the input gate
    assert np.all(Wx[2:, 0] == 0)  # distractors leave it shut
    assert Wx[0, 2] == -4.0 and Wx[1, 2] == 4.0  # bit 0 writes -, bit 1 writes +
    assert np.all(np.abs(Wx[2:, 2]) == 1.0)


def test_latch_sequence_puts_the_bit_at_step_zero():
    x1, x0 = latch_sequence(5, 1, seed=3), latch_sequence(5, 0, seed=3)
    assert x1.shape == (1, 6, 8)
    assert x1[0, 0, 1] == 1 and x1[0, 0, 0] == 0
    assert x0[0, 0, 0] == 1 and x0[0, 0, 1] == 0
    np.testing.assert_array_equal(x1[0, 1:], x0[0, 1:])  # same distractors
    assert np.all(x1[0, 1:, :2] == 0) and np.all(x1[0, 1:].sum(axis=1) == 1)
    with pytest.raises(ValueError, match="bit must be 0 or 1"):
        latch_sequence(5, 2)


def test_latch_internals_equal_lstm_forward():
    p = latch_weights(forget_bias=2.0, input_closed=1.0)
    x, _ = memory_task(7, 12, 8, seed=5)
    fast = latch_internals(x, p["Wx"], p["b"])
    _, cache = lstm_forward(x, np.zeros((7, 1)), p["Wx"], p["Wh"], p["b"])
    slow = lstm_internals(cache)
    for name in ("h", "c", "i", "f", "g", "o"):
        np.testing.assert_allclose(fast[name], slow[name][..., 0], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("N", [10, 50, 150])
def test_latch_holds_the_bit_for_N_steps_with_a_high_forget_bias(N):
    run1, run0 = latch_run(N, 1, forget_bias=8.0), latch_run(N, 0, forget_bias=8.0)
    assert run1["c"].shape == (N + 1,)
    assert run1["i"][0] > 0.99 and np.all(run1["i"][1:] < 1e-3)  # input gate open only at step 0
    assert run1["c"][0] > 0.99 and run0["c"][0] < -0.99
    f = sigmoid(8.0)
    assert run1["c"][-1] == pytest.approx(f**N * run1["c"][0], abs=0.02)  # c_N ~ f^N c_0
    assert run1["c"][-1] > 0.9 and run0["c"][-1] < -0.9
    assert run1["h"][-1] > 0.7 and run0["h"][-1] < -0.7
    assert latch_accuracy(N, n=300, forget_bias=8.0) == 1.0


def test_latch_loses_the_bit_with_a_low_forget_bias():
    N = 50
    run1 = latch_run(N, 1, forget_bias=0.0)
    assert abs(run1["c"][-1]) < 1e-2  # decayed from ~1 to the level of the distractors' writes
    run1_low = latch_run(N, 1, forget_bias=-2.0)
    run0_low = latch_run(N, 0, forget_bias=-2.0)
    assert run1_low["c"][-1] == pytest.approx(run0_low["c"][-1], abs=1e-9)  # nothing of the bit left
    accuracy = latch_accuracy(N, n=400, forget_bias=-2.0)
    assert 0.4 < accuracy < 0.6  # chance


def test_latch_is_overwritten_when_the_input_gate_stays_open():
    accuracy = latch_accuracy(50, n=400, forget_bias=8.0, input_closed=8.0)
    assert accuracy < 0.7
    assert latch_accuracy(50, n=400, forget_bias=8.0, input_closed=-8.0) == 1.0


def test_retention_and_half_life():
    f = sigmoid(3.0)
    np.testing.assert_allclose(retention(3.0, [0, 1, 10]), [1.0, f, f**10])
    assert retention(3.0, 5) == pytest.approx(f**5)
    assert half_life(0.0) == pytest.approx(1.0)  # f = 1/2 halves every step
    assert retention(4.0, round(half_life(4.0))) == pytest.approx(0.5, abs=0.01)
    assert half_life(40.0) == float("inf")
    with pytest.raises(ValueError, match="steps must be integers >= 0"):
        retention(1.0, -1)
    with pytest.raises(ValueError, match="forget_bias must be a single finite number"):
        half_life("high")


def test_latch_functions_reject_bad_sizes():
    with pytest.raises(ValueError, match="lag must be an integer >= 0"):
        latch_run(-1)
    with pytest.raises(ValueError, match="n must be an integer >= 1"):
        latch_accuracy(5, n=0)
    with pytest.raises(ValueError, match="n_features must be an integer >= 3"):
        latch_weights(n_features=2)
    with pytest.raises(ValueError, match=r"Wx must have shape \(D, 4\)"):
        latch_internals(np.zeros((1, 2, 3)), np.zeros((3, 5)), np.zeros(4))


def test_retention_table_rows_match_the_functions():
    from rnnlib.lessons.lstm_cell import half_life, latch_accuracy, retention, retention_table

    lines = retention_table(forget_biases=(4.0, 0.0), lags=(30, 90), n=100).splitlines()
    assert len(lines) == 3 and "f^30" in lines[0] and "at k=90" in lines[0]
    for line, b_f in zip(lines[1:], (4.0, 0.0)):
        cells = line.split()
        assert float(cells[0]) == b_f
        assert float(cells[1]) == pytest.approx(retention(b_f, 1), abs=5e-5)
        assert float(cells[2]) == pytest.approx(half_life(b_f), abs=0.05)
        assert float(cells[3]) == pytest.approx(retention(b_f, 30), abs=5e-5)
        assert cells[4] == f"{latch_accuracy(30, n=100, forget_bias=b_f):.0%}"
        assert cells[5] == f"{latch_accuracy(90, n=100, forget_bias=b_f):.0%}"
    with pytest.raises(ValueError, match="lags must name at least one"):
        retention_table(lags=())


def test_the_trained_memory_lstm_solves_lag_20_by_rewriting_the_bit():
    from rnnlib.data import memory_task
    from rnnlib.lessons.lstm_cell import (
        MEMORY_LSTM,
        accuracy_without_recurrence,
        latch_sequence,
        memory_gate_table,
        step_labels,
        train_memory_lstm,
    )

    model, accuracy = train_memory_lstm(lag=20, seed=0)
    assert model.hidden_size == MEMORY_LSTM.hidden_size == 4 and accuracy == 1.0
    x = np.concatenate([latch_sequence(20, 0, seed=5), latch_sequence(20, 1, seed=5)])  # (2, 21, 8)
    internals = model.internals(x)
    # every unit keeps the bit's sign, and its input gate stays open on the distractors
    assert np.all(np.sign(internals["c"][1, -1]) == -np.sign(internals["c"][0, -1]))
    assert np.all(internals["i"][:, 1:].mean(axis=(0, 1)) > 0.5)
    assert np.all(internals["f"][:, 1:].mean(axis=(0, 1)) < 0.95)
    table = memory_gate_table(internals).splitlines()
    assert len(table) == 3 + 4 + 1 and table[3].split()[0] == "1" and "mean over both sequences" in table[2]
    assert float(table[3].split()[5]) == pytest.approx(internals["f"][:, 1:, 0].mean(), abs=0.006)
    assert f"i from {internals['i'][:, 1:].min():.2f} to {internals['i'][:, 1:].max():.2f}" in table[-1]
    assert step_labels(x[1])[:2] == ["1", "\u00b7"] and step_labels(x[0])[0] == "0"
    x_test, y_test = memory_task(1000, 20, 8, seed=20_000)
    assert model.accuracy(x_test, y_test) == 1.0
    before = model.params["Wh"].copy()
    assert accuracy_without_recurrence(model, x_test, y_test) < 0.6  # without W_h the bit is lost
    np.testing.assert_array_equal(model.params["Wh"], before)  # the model is left as it was
    # the bit comes back through the candidate's block of W_h only: cutting it loses the bit, cutting i, f, o does not
    assert accuracy_without_recurrence(model, x_test, y_test, block="g") < 0.6
    assert all(accuracy_without_recurrence(model, x_test, y_test, block=k) > 0.95 for k in "ifo")
    np.testing.assert_array_equal(model.params["Wh"], before)
    with pytest.raises(ValueError, match="block must be None or one of"):
        accuracy_without_recurrence(model, x_test, y_test, block="c")
