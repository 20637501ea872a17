"""RNN and LSTM: published known answers, step/sequence consistency, finite-difference gradients."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rnnlib
from rnnlib import (
    gradient_check,
    lstm_backward,
    lstm_forward,
    lstm_step_backward,
    lstm_step_forward,
    rnn_backward,
    rnn_forward,
    rnn_step_backward,
    rnn_step_forward,
)

TOL = 1e-7


def lin(lo, hi, *shape):
    return np.linspace(lo, hi, num=int(np.prod(shape))).reshape(shape)


# Block order i, f, o, g (as in cs231n's published answers) -> ours i, f, g, o.
def cs231n_to_ifgo(W, H):
    perm = np.r_[0 : 2 * H, 3 * H : 4 * H, 2 * H : 3 * H]
    return W[..., perm]


class TestKnownAnswers:
    def test_rnn_step_forward_issue_values(self):
        N, D, H = 3, 10, 4
        h, _ = rnn_step_forward(lin(-0.4, 0.7, N, D), lin(-0.2, 0.5, N, H), lin(-0.1, 0.9, D, H),
                                lin(-0.3, 0.7, H, H), lin(-0.2, 0.4, H))
        expected = np.array([[-0.58172089, -0.50182032, -0.41232771, -0.31410098],
                             [0.66854692, 0.79562378, 0.87755553, 0.92795967],
                             [0.97934501, 0.99144213, 0.99646691, 0.99854353]])
        np.testing.assert_allclose(h, expected, atol=1e-8)

    def test_rnn_forward_cs231n_values(self):
        N, T, D, H = 2, 3, 4, 5
        hs, _ = rnn_forward(lin(-0.1, 0.3, N, T, D), lin(-0.3, 0.1, N, H), lin(-0.2, 0.4, D, H),
                            lin(-0.4, 0.1, H, H), lin(-0.7, 0.1, H))
        expected = np.array([
            [[-0.42070749, -0.27279261, -0.11074945, 0.05740409, 0.22236251],
             [-0.39525808, -0.22554661, -0.0409454, 0.14649412, 0.32397316],
             [-0.42305111, -0.24223728, -0.04287027, 0.15997045, 0.35014525]],
            [[-0.55857474, -0.39065825, -0.19198182, 0.02378408, 0.23735671],
             [-0.27150199, -0.07088804, 0.13562939, 0.33099728, 0.50158768],
             [-0.51014825, -0.30524429, -0.06755202, 0.17806392, 0.40333043]]])
        np.testing.assert_allclose(hs, expected, atol=1e-8)

    def test_lstm_step_forward_cs231n_values(self):
        N, D, H = 3, 4, 5
        h, c, _ = lstm_step_forward(lin(-0.4, 1.2, N, D), lin(-0.3, 0.7, N, H), lin(-0.4, 0.9, N, H),
                                    cs231n_to_ifgo(lin(-2.1, 1.3, D, 4 * H), H),
                                    cs231n_to_ifgo(lin(-0.7, 2.2, H, 4 * H), H),
                                    cs231n_to_ifgo(lin(0.3, 0.7, 4 * H), H))
        expected_h = np.array([[0.24635157, 0.28610883, 0.32240467, 0.35525807, 0.38474904],
                               [0.49223563, 0.55611431, 0.61507696, 0.66844003, 0.7159181],
                               [0.56735664, 0.66310127, 0.74419266, 0.80889665, 0.858299]])
        expected_c = np.array([[0.32986176, 0.39145139, 0.451556, 0.51014116, 0.56717407],
                               [0.66382255, 0.76674007, 0.87195994, 0.97902709, 1.08751345],
                               [0.74192008, 0.90592151, 1.07717006, 1.25120233, 1.42395676]])
        np.testing.assert_allclose(h, expected_h, atol=1e-8)
        np.testing.assert_allclose(c, expected_c, atol=1e-8)

    def test_lstm_forward_cs231n_values(self):
        N, D, H, T = 2, 5, 4, 3
        hs, _ = lstm_forward(lin(-0.4, 0.6, N, T, D), lin(-0.4, 0.8, N, H),
                             cs231n_to_ifgo(lin(-0.2, 0.9, D, 4 * H), H),
                             cs231n_to_ifgo(lin(-0.3, 0.6, H, 4 * H), H),
                             cs231n_to_ifgo(lin(0.2, 0.7, 4 * H), H))
        expected = np.array([
            [[0.01764008, 0.01823233, 0.01882671, 0.0194232],
             [0.11287491, 0.12146228, 0.13018446, 0.13902939],
             [0.31358768, 0.33338627, 0.35304453, 0.37250975]],
            [[0.45767879, 0.4761092, 0.4936887, 0.51041945],
             [0.6704845, 0.69350089, 0.71486014, 0.7346449],
             [0.81733511, 0.83677871, 0.85403753, 0.86935314]]])
        np.testing.assert_allclose(hs, expected, atol=1e-8)


def rnn_args(rng, N, T, D, H, lstm=False):
    k = 4 if lstm else 1
    return dict(x=rng.normal(size=(N, T, D)), h0=rng.normal(size=(N, H)) * 0.5,
                Wx=rng.normal(size=(D, k * H)) * 0.5, Wh=rng.normal(size=(H, k * H)) * 0.5,
                b=rng.normal(size=k * H) * 0.5)


NAMES = ["dx", "dh0", "dWx", "dWh", "db"]
SHAPES = [(1, 1, 1, 1), (2, 3, 4, 5), (3, 5, 2, 1), (1, 4, 3, 2), (4, 1, 3, 3)]


@pytest.mark.parametrize("N,T,D,H", SHAPES)
def test_rnn_backward_matches_finite_differences(rng, N, T, D, H):
    args = rnn_args(rng, N, T, D, H)

    def backward(dhs):
        return dict(zip(NAMES, rnn_backward(dhs, rnn_forward(**args)[1])))

    report = gradient_check(rnn_forward, args, backward, time_axes={"x": 1})
    assert report.ok, report.summary()
    assert max(report.errors.values()) < TOL


@pytest.mark.parametrize("N,T,D,H", SHAPES)
def test_lstm_backward_matches_finite_differences(rng, N, T, D, H):
    args = rnn_args(rng, N, T, D, H, lstm=True)

    def backward(dhs):
        return dict(zip(NAMES, lstm_backward(dhs, lstm_forward(**args)[1])))

    report = gradient_check(lstm_forward, args, backward, time_axes={"x": 1})
    assert report.ok, report.summary()


@pytest.mark.parametrize("N,D,H", [(1, 1, 1), (3, 4, 5), (2, 6, 3)])
def test_rnn_step_backward_matches_finite_differences(rng, N, D, H):
    args = dict(x=rng.normal(size=(N, D)), h_prev=rng.normal(size=(N, H)), Wx=rng.normal(size=(D, H)),
                Wh=rng.normal(size=(H, H)), b=rng.normal(size=H))

    def backward(dh):
        return dict(zip(["dx", "dh_prev", "dWx", "dWh", "db"], rnn_step_backward(dh, rnn_step_forward(**args)[1])))

    report = gradient_check(rnn_step_forward, args, backward)
    assert report.ok, report.summary()


@pytest.mark.parametrize("N,D,H", [(1, 1, 1), (3, 4, 5), (2, 6, 3)])
@pytest.mark.parametrize("wrt_output", ["h", "c"])
def test_lstm_step_backward_matches_finite_differences(rng, N, D, H, wrt_output):
    args = dict(x=rng.normal(size=(N, D)), h_prev=rng.normal(size=(N, H)), c_prev=rng.normal(size=(N, H)),
                Wx=rng.normal(size=(D, 4 * H)), Wh=rng.normal(size=(H, 4 * H)), b=rng.normal(size=4 * H))
    pick = 0 if wrt_output == "h" else 1

    def forward(**kw):
        return lstm_step_forward(**kw)[pick]

    def backward(dout):
        zero = np.zeros_like(dout)
        dh, dc = (dout, zero) if pick == 0 else (zero, dout)
        grads = lstm_step_backward(dh, dc, lstm_step_forward(**args)[2])
        return dict(zip(["dx", "dh_prev", "dc_prev", "dWx", "dWh", "db"], grads))

    report = gradient_check(forward, args, backward)
    assert report.ok, report.summary()


@settings(max_examples=25, deadline=None)
@given(N=st.integers(1, 4), T=st.integers(1, 6), D=st.integers(1, 5), H=st.integers(1, 5),
       seed=st.integers(0, 2**16), cell=st.sampled_from(["rnn", "lstm"]))
def test_sequence_equals_loop_of_steps_and_gradients_check(N, T, D, H, seed, cell):
    rng = np.random.default_rng(seed)
    args = rnn_args(rng, N, T, D, H, lstm=cell == "lstm")
    fwd, bwd = (lstm_forward, lstm_backward) if cell == "lstm" else (rnn_forward, rnn_backward)
    hs, cache = fwd(**args)
    # the loop of step functions, an independent path through the same equations
    h, c = args["h0"], np.zeros_like(args["h0"])
    for t in range(T):
        if cell == "lstm":
            h, c, _ = lstm_step_forward(args["x"][:, t], h, c, args["Wx"], args["Wh"], args["b"])
        else:
            h, _ = rnn_step_forward(args["x"][:, t], h, args["Wx"], args["Wh"], args["b"])
        np.testing.assert_allclose(hs[:, t], h, rtol=1e-12, atol=1e-12)
    assert hs.shape == (N, T, H)

    def backward(dhs):
        return dict(zip(NAMES, bwd(dhs, fwd(**args)[1])))

    report = gradient_check(fwd, args, backward, seed=seed)
    assert report.ok, report.summary()


@pytest.mark.parametrize("N,H", [(3, 6), (128, 128), (256, 256)])  # the large ones work in blocks of steps
def test_rnn_backward_equals_loop_of_step_backwards(rng, N, H):
    args = rnn_args(rng, N, 5, 4, H)
    args["Wh"] = args["Wh"] / np.sqrt(H)
    hs, cache = rnn_forward(**args)
    dhs = rng.normal(size=hs.shape)
    dx, dh0, dWx, dWh, db = rnn_backward(dhs, cache)
    caches, h = [], args["h0"]
    for t in range(5):
        h, step_cache = rnn_step_forward(args["x"][:, t], h, args["Wx"], args["Wh"], args["b"])
        caches.append(step_cache)
    dh_next = np.zeros_like(h)
    sums = [np.zeros_like(dWx), np.zeros_like(dWh), np.zeros_like(db)]
    for t in reversed(range(5)):
        dx_t, dh_next, *dparams = rnn_step_backward(dhs[:, t] + dh_next, caches[t])
        np.testing.assert_allclose(dx[:, t], dx_t, rtol=1e-9, atol=1e-11)
        sums = [s + d for s, d in zip(sums, dparams)]
    np.testing.assert_allclose(dh0, dh_next, rtol=1e-9, atol=1e-11)
    for got, want in zip((dWx, dWh, db), sums):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-10)


def test_lstm_internals_are_the_gates_of_each_step(rng):
    args = rnn_args(rng, 2, 4, 3, 5, lstm=True)
    hs, cache = lstm_forward(**args)
    inside = rnnlib.lstm_internals(cache)
    assert set(inside) == {"h", "c", "i", "f", "g", "o"}
    h, c = args["h0"], np.zeros((2, 5))
    for t in range(4):
        h, c, step = lstm_step_forward(args["x"][:, t], h, c, args["Wx"], args["Wh"], args["b"])
        for name in "ifgo":
            np.testing.assert_allclose(inside[name][:, t], getattr(step, name), atol=1e-12)
        np.testing.assert_allclose(inside["c"][:, t], c, atol=1e-12)
    for name in "ifo":
        assert np.all((inside[name] > 0) & (inside[name] < 1))
    assert np.all(np.abs(inside["g"]) < 1)


def test_gate_order_is_i_f_g_o(rng):
    # A large forget bias alone keeps the cell state: only block 1 is the forget gate.
    H = 3
    b = np.zeros(4 * H)
    b[H:2 * H] = 50.0  # f = 1
    b[0:H] = -50.0  # i = 0
    c_prev = rng.normal(size=(2, H))
    _, c, _ = lstm_step_forward(rng.normal(size=(2, 2)), rng.normal(size=(2, H)), c_prev,
                                np.zeros((2, 4 * H)), np.zeros((H, 4 * H)), b)
    np.testing.assert_allclose(c, c_prev, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept(rng, dtype):
    args = {k: v.astype(dtype) for k, v in rnn_args(rng, 2, 3, 4, 5).items()}
    hs, cache = rnn_forward(**args)
    assert hs.dtype == dtype
    assert all(g.dtype == dtype for g in rnn_backward(np.ones_like(hs), cache))
    args = {k: v.astype(dtype) for k, v in rnn_args(rng, 2, 3, 4, 5, lstm=True).items()}
    hs, cache = lstm_forward(**args)
    assert hs.dtype == dtype
    assert all(g.dtype == dtype for g in lstm_backward(np.ones_like(hs), cache))


def test_integer_and_boolean_inputs_become_float64(rng):
    x = (rng.random((2, 3, 4)) > 0.5)
    args = rnn_args(rng, 2, 3, 4, 5)
    hs_bool, _ = rnn_forward(x, args["h0"], args["Wx"], args["Wh"], args["b"])
    hs_int, _ = rnn_forward(x.astype(int), args["h0"], args["Wx"], args["Wh"], args["b"])
    hs_float, _ = rnn_forward(x.astype(float), args["h0"], args["Wx"], args["Wh"], args["b"])
    assert hs_bool.dtype == np.float64
    np.testing.assert_array_equal(hs_bool, hs_float)
    np.testing.assert_array_equal(hs_int, hs_float)


@pytest.mark.parametrize("N,T,H", [(64, 5, 64), (128, 7, 128), (8, 3, 2)])
def test_lstm_backward_equals_loop_of_step_backwards(rng, N, T, H):
    D = 3
    args = rnn_args(rng, N, T, D, H, lstm=True)
    hs, cache = lstm_forward(**args)
    dhs = rng.normal(size=hs.shape)
    dx, dh0, dWx, dWh, db = lstm_backward(dhs, cache)
    caches, h, c = [], args["h0"], np.zeros((N, H))
    for t in range(T):
        h, c, step_cache = lstm_step_forward(args["x"][:, t], h, c, args["Wx"], args["Wh"], args["b"])
        caches.append(step_cache)
    dh_next, dc_next = np.zeros((N, H)), np.zeros((N, H))
    sums = [np.zeros_like(dWx), np.zeros_like(dWh), np.zeros_like(db)]
    for t in reversed(range(T)):
        dx_t, dh_next, dc_next, *dparams = lstm_step_backward(dhs[:, t] + dh_next, dc_next, caches[t])
        np.testing.assert_allclose(dx[:, t], dx_t, rtol=1e-9, atol=1e-10)
        sums = [s + d for s, d in zip(sums, dparams)]
    np.testing.assert_allclose(dh0, dh_next, rtol=1e-9, atol=1e-10)
    for got, want in zip((dWx, dWh, db), sums):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)
