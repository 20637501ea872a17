"""GRU: PyTorch's known answer, finite-difference gradients per parameter and per step, properties, input checks,
and the GRU inside SequenceClassifier and CharLanguageModel."""

import json
import pathlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rnnlib
from rnnlib import (
    CharLanguageModel,
    SequenceClassifier,
    gradient_check,
    gru_backward,
    gru_forward,
    gru_internals,
    gru_step_backward,
    gru_step_forward,
    lstm_backward,
    lstm_forward,
    rnn_backward,
    rnn_forward,
)
from rnnlib.model import cell_and_readout_params, cell_backward, cell_forward

FIXTURE = pathlib.Path(__file__).parent / "fixtures" / "gru_pytorch.json"
NAMES = ["dx", "dh0", "dWx", "dWh", "dbx", "dbh"]
STEP_NAMES = ["dx", "dh_prev", "dWx", "dWh", "dbx", "dbh"]


def gru_args(rng, N, T, D, H):
    return dict(x=rng.normal(size=(N, T, D)), h0=rng.normal(size=(N, H)) * 0.5,
                Wx=rng.normal(size=(D, 3 * H)) * 0.5, Wh=rng.normal(size=(H, 3 * H)) * 0.5,
                bx=rng.normal(size=3 * H) * 0.5, bh=rng.normal(size=3 * H) * 0.5)


def step_args(rng, N, D, H):
    return dict(x=rng.normal(size=(N, D)), h_prev=rng.normal(size=(N, H)), Wx=rng.normal(size=(D, 3 * H)),
                Wh=rng.normal(size=(H, 3 * H)), bx=rng.normal(size=3 * H), bh=rng.normal(size=3 * H))


# --- the known answer: torch.nn.GRU (float64) and autograd, written by tools/gru_known_answer.py ---------------


@pytest.fixture(scope="module")
def torch_answer():
    data = json.loads(FIXTURE.read_text())
    meta = data.pop("meta")
    assert meta["torch_version"].startswith("2.13.0") and meta["script"] == "tools/gru_known_answer.py"
    d = {k: np.array(v) for k, v in data.items()}
    # PyTorch's weights map onto ours by transposition; the biases are the same arrays
    d["args"] = dict(x=d["x"], h0=d["h0"], Wx=d["weight_ih_l0"].T, Wh=d["weight_hh_l0"].T, bx=d["bias_ih_l0"],
                     bh=d["bias_hh_l0"])
    d["sizes"] = meta["sizes"]
    return d


def test_forward_matches_pytorch(torch_answer):
    d = torch_answer
    hs, _ = gru_forward(**d["args"])
    assert hs.shape == (d["sizes"]["N"], d["sizes"]["T"], d["sizes"]["H"])
    np.testing.assert_allclose(hs, d["hs"], rtol=0, atol=1e-10)
    np.testing.assert_allclose(hs[:, -1], d["h_n"], rtol=0, atol=1e-10)
    assert np.abs(np.diff(d["hs"], axis=1)).max() > 0.1  # the answer is not a trivial (constant) sequence


def test_backward_matches_pytorch_autograd(torch_answer):
    d = torch_answer
    _, cache = gru_forward(**d["args"])
    dx, dh0, dWx, dWh, dbx, dbh = gru_backward(d["dhs"], cache)
    for got, want in [(dx, d["grad_x"]), (dh0, d["grad_h0"]), (dWx, d["grad_weight_ih_l0"].T),
                      (dWh, d["grad_weight_hh_l0"].T), (dbx, d["grad_bias_ih_l0"]), (dbh, d["grad_bias_hh_l0"])]:
        assert np.abs(want).max() > 0.1
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-10)
    # the two biases differ in the n block only (there b_hn is scaled by the reset gate): PyTorch agrees
    H = d["sizes"]["H"]
    np.testing.assert_allclose(dbx[:2 * H], dbh[:2 * H], rtol=0, atol=1e-12)
    assert np.abs(dbx[2 * H:] - dbh[2 * H:]).max() > 1e-3


def test_step_functions_match_pytorch(torch_answer):
    """The loop of step functions (forward, then step backwards in reverse) gives PyTorch's numbers too."""
    d = torch_answer
    a = d["args"]
    h, caches = a["h0"], []
    for t in range(d["sizes"]["T"]):
        h, cache = gru_step_forward(a["x"][:, t], h, a["Wx"], a["Wh"], a["bx"], a["bh"])
        caches.append(cache)
        np.testing.assert_allclose(h, d["hs"][:, t], rtol=0, atol=1e-10)
    dh_next = np.zeros_like(h)
    sums = [np.zeros_like(a[k]) for k in ("Wx", "Wh", "bx", "bh")]
    for t in reversed(range(d["sizes"]["T"])):
        dx_t, dh_next, *dparams = gru_step_backward(d["dhs"][:, t] + dh_next, caches[t])
        np.testing.assert_allclose(dx_t, d["grad_x"][:, t], rtol=0, atol=1e-10)
        sums = [s + g for s, g in zip(sums, dparams)]
    np.testing.assert_allclose(dh_next, d["grad_h0"], rtol=0, atol=1e-10)
    for got, key, transpose in zip(sums, ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"],
                                   [True, True, False, False]):
        want = d["grad_" + key].T if transpose else d["grad_" + key]
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-10)


# --- finite differences -----------------------------------------------------------------------------------------

SHAPES = [(1, 1, 1, 1), (2, 3, 4, 5), (3, 5, 2, 1), (1, 4, 3, 2), (4, 1, 3, 3)]


@pytest.mark.parametrize("N,T,D,H", SHAPES)
def test_gru_backward_matches_finite_differences_per_parameter_and_step(rng, N, T, D, H):
    args = gru_args(rng, N, T, D, H)

    def backward(dhs):
        return dict(zip(NAMES, gru_backward(dhs, gru_forward(**args)[1])))

    report = gradient_check(gru_forward, args, backward, time_axes={"x": 1}, output_time_axis=1)
    assert report.ok, report.summary()
    assert set(report.errors) == set(NAMES)
    assert report.per_step["dx"].shape == (T,) and report.per_output_step["dWh"].shape == (T,)


@pytest.mark.parametrize("N,D,H", [(1, 1, 1), (3, 4, 5), (2, 6, 3)])
def test_gru_step_backward_matches_finite_differences(rng, N, D, H):
    args = step_args(rng, N, D, H)

    def backward(dh):
        return dict(zip(STEP_NAMES, gru_step_backward(dh, gru_step_forward(**args)[1])))

    report = gradient_check(gru_step_forward, args, backward)
    assert report.ok, report.summary()
    assert set(report.errors) == set(STEP_NAMES)


@settings(max_examples=25, deadline=None)
@given(N=st.integers(1, 4), T=st.integers(1, 6), D=st.integers(1, 5), H=st.integers(1, 5),
       seed=st.integers(0, 2**16))
def test_sequence_equals_loop_of_steps_and_gradients_check(N, T, D, H, seed):
    rng = np.random.default_rng(seed)
    args = gru_args(rng, N, T, D, H)
    hs, cache = gru_forward(**args)
    h = args["h0"]
    for t in range(T):  # the loop of step functions, an independent path through the same equations
        h, step = gru_step_forward(args["x"][:, t], h, args["Wx"], args["Wh"], args["bx"], args["bh"])
        np.testing.assert_allclose(hs[:, t], h, rtol=1e-12, atol=1e-12)
        for name in "rzn":
            np.testing.assert_allclose(getattr(cache, name)[:, t], getattr(step, name), rtol=1e-12, atol=1e-12)

    def backward(dhs):
        return dict(zip(NAMES, gru_backward(dhs, gru_forward(**args)[1])))

    report = gradient_check(gru_forward, args, backward, seed=seed)
    assert report.ok, report.summary()


@pytest.mark.parametrize("N,T,H", [(3, 5, 6), (64, 7, 64)])
def test_gru_backward_equals_loop_of_step_backwards(rng, N, T, H):
    args = gru_args(rng, N, T, 3, H)
    args["Wh"] = args["Wh"] / np.sqrt(H)
    hs, cache = gru_forward(**args)
    dhs = rng.normal(size=hs.shape)
    dx, dh0, *dparams = gru_backward(dhs, cache)
    caches, h = [], args["h0"]
    for t in range(T):
        h, step_cache = gru_step_forward(args["x"][:, t], h, args["Wx"], args["Wh"], args["bx"], args["bh"])
        caches.append(step_cache)
    dh_next = np.zeros_like(h)
    sums = [np.zeros_like(p) for p in dparams]
    for t in reversed(range(T)):
        dx_t, dh_next, *step_params = gru_step_backward(dhs[:, t] + dh_next, caches[t])
        np.testing.assert_allclose(dx[:, t], dx_t, rtol=1e-9, atol=1e-10)
        sums = [s + g for s, g in zip(sums, step_params)]
    np.testing.assert_allclose(dh0, dh_next, rtol=1e-9, atol=1e-10)
    for got, want in zip(dparams, sums):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)


# --- properties -------------------------------------------------------------------------------------------------


def _with_block_bias(rng, N, D, H, block, value):
    """Step arguments whose input bias pins one block (0 r, 1 z, 2 n) at ``value`` (weights small)."""
    args = step_args(rng, N, D, H)
    args["Wx"] *= 0.1
    args["Wh"] *= 0.1
    args["bx"][block * H:(block + 1) * H] = value
    return args


def test_update_gate_one_keeps_the_state(rng):
    """z = 1 (a large bias on block 1, the update gate): h_t = h_{t-1}, whatever the input."""
    args = _with_block_bias(rng, 3, 4, 5, 1, 50.0)
    h, cache = gru_step_forward(**args)
    assert np.all(cache.z == 1.0)
    np.testing.assert_array_equal(h, args["h_prev"])
    # and the gradient passes straight through: dL/dh_{t-1} = dL/dh_t
    dh = rng.normal(size=h.shape)
    dx, dh_prev, *_ = gru_step_backward(dh, cache)
    np.testing.assert_allclose(dh_prev, dh, rtol=0, atol=1e-15)
    np.testing.assert_allclose(dx, 0.0, atol=1e-15)


def test_update_gate_zero_takes_the_candidate(rng):
    """z = 0: h_t = n = tanh(x_t W_xn + b_xn + r * (h_{t-1} W_hn + b_hn)), computed here by hand."""
    H = 5
    args = _with_block_bias(rng, 3, 4, H, 1, -50.0)
    h, cache = gru_step_forward(**args)
    assert np.all(cache.z < 1e-20)
    ax = args["x"] @ args["Wx"] + args["bx"]
    ah = args["h_prev"] @ args["Wh"] + args["bh"]
    r = 1.0 / (1.0 + np.exp(-(ax[:, :H] + ah[:, :H])))
    n = np.tanh(ax[:, 2 * H:] + r * ah[:, 2 * H:])
    np.testing.assert_allclose(h, n, rtol=0, atol=1e-14)
    np.testing.assert_allclose(cache.n, n, rtol=0, atol=1e-14)


def test_reset_gate_zero_forgets_the_previous_state_in_the_candidate(rng):
    """r = 0 (block 0): the candidate no longer sees h_{t-1}, its recurrent bias b_hn included."""
    H = 4
    args = _with_block_bias(rng, 2, 3, H, 0, -50.0)
    _, cache = gru_step_forward(**args)
    np.testing.assert_allclose(cache.n, np.tanh(args["x"] @ args["Wx"][:, 2 * H:] + args["bx"][2 * H:]),
                               rtol=0, atol=1e-14)


def test_internals_are_the_gates_of_each_step(rng):
    args = gru_args(rng, 2, 4, 3, 5)
    hs, cache = gru_forward(**args)
    inside = gru_internals(cache)
    assert set(inside) == {"h", "r", "z", "n"} and all(v.shape == (2, 4, 5) for v in inside.values())
    np.testing.assert_array_equal(inside["h"], hs)
    for name in "rz":
        assert np.all((inside[name] > 0) & (inside[name] < 1))
    assert np.all(np.abs(inside["n"]) < 1)
    # h_t is between the candidate and h_{t-1}: a convex combination
    prev = np.concatenate([args["h0"][:, None], hs[:, :-1]], axis=1)
    np.testing.assert_allclose(hs, (1 - inside["z"]) * inside["n"] + inside["z"] * prev, rtol=1e-13, atol=1e-14)


# --- input checks and dtypes ------------------------------------------------------------------------------------

N, T, D, H = 2, 3, 4, 5


def good_gru():
    return dict(x=np.zeros((N, T, D)), h0=np.zeros((N, H)), Wx=np.zeros((D, 3 * H)), Wh=np.zeros((H, 3 * H)),
                bx=np.zeros(3 * H), bh=np.zeros(3 * H))


@pytest.mark.parametrize("name,bad,expected_words", [
    ("x", np.zeros((N, D)), ["x", "(N, T, D)", "(2, 4)"]),
    ("h0", np.zeros((N + 1, H)), ["h0", "N=2", "(3, 5)"]),
    ("Wx", np.zeros((D, H)), ["Wx", "3H", "(4, 5)"]),
    ("Wx", np.zeros((D, 4 * H)), ["Wx", "3H=15", "(4, 20)"]),
    ("Wh", np.zeros((H, H)), ["Wh", "3H", "(5, 5)"]),
    ("bx", np.zeros(H), ["bx", "3H=15", "(5,)"]),
    ("bh", np.zeros(3 * H + 1), ["bh", "3H=15", "(16,)"]),
    ("bh", np.zeros((1, 3 * H)), ["bh", "(3H,)", "(1, 15)"]),
    ("x", np.full((N, T, D), np.nan), ["x", "finite", "NaN"]),
])
def test_gru_forward_names_argument_and_shapes(name, bad, expected_words):
    args = good_gru()
    args[name] = bad
    with pytest.raises(ValueError) as err:
        gru_forward(**args)
    for word in expected_words:
        assert word in str(err.value)


def test_step_and_backward_name_bad_arguments(rng):
    args = step_args(rng, 2, 3, 4)
    args["h_prev"] = np.zeros((2, 5))  # H=5 against Wx, Wh, bx, bh built for H=4
    with pytest.raises(ValueError, match=r"h_prev must have shape \(N, H\) = \(2, 4\)"):
        gru_step_forward(**args)
    h, cache = gru_step_forward(**step_args(rng, 2, 3, 4))
    with pytest.raises(ValueError, match=r"dh must have shape \(2, 4\)"):
        gru_step_backward(np.zeros((2, 5)), cache)
    _, cache = gru_forward(**gru_args(rng, 2, 3, 4, 5))
    with pytest.raises(ValueError, match=r"dhs must have shape \(2, 3, 5\)"):
        gru_backward(np.zeros((2, 4, 5)), cache)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept(rng, dtype):
    args = {k: v.astype(dtype) for k, v in gru_args(rng, 2, 3, 4, 5).items()}
    hs, cache = gru_forward(**args)
    assert hs.dtype == dtype
    assert all(g.dtype == dtype for g in gru_backward(np.ones_like(hs), cache))
    h, step = gru_step_forward(args["x"][:, 0], args["h0"], args["Wx"], args["Wh"], args["bx"], args["bh"])
    assert h.dtype == dtype and all(g.dtype == dtype for g in gru_step_backward(np.ones_like(h), step))
    # float32 computes the same numbers to float32 precision
    hs64, _ = gru_forward(**{k: v.astype(np.float64) for k, v in args.items()})
    np.testing.assert_allclose(hs, hs64, rtol=0, atol=1e-5 if dtype == np.float32 else 0)


def test_integer_and_boolean_inputs_become_float64(rng):
    x = rng.random((2, 3, 4)) > 0.5
    args = gru_args(rng, 2, 3, 4, 5)
    rest = {k: v for k, v in args.items() if k != "x"}
    hs_bool, _ = gru_forward(x, **rest)
    hs_int, _ = gru_forward(x.astype(int), **rest)
    hs_float, _ = gru_forward(x.astype(float), **rest)
    assert hs_bool.dtype == np.float64
    np.testing.assert_array_equal(hs_bool, hs_float)
    np.testing.assert_array_equal(hs_int, hs_float)


def test_exported_from_the_root():
    for name in ["gru_step_forward", "gru_step_backward", "gru_forward", "gru_backward", "gru_internals"]:
        assert name in rnnlib.__all__ and getattr(rnnlib, name) is getattr(rnnlib.gru, name)


# --- the GRU inside the models ----------------------------------------------------------------------------------


def test_gru_parameters_shapes_and_count():
    for D_, H_, C_ in [(26, 8, 1), (3, 4, 2)]:
        model = SequenceClassifier(D_, H_, cell="gru", n_classes=C_, seed=0)
        shapes = {k: v.shape for k, v in model.params.items()}
        assert shapes == {"Wx": (D_, 3 * H_), "Wh": (H_, 3 * H_), "bx": (3 * H_,), "bh": (3 * H_,),
                          "Wy": (H_, C_), "by": (C_,)}
        assert model.n_parameters == 3 * (D_ * H_ + H_ * H_ + 2 * H_) + H_ * C_ + C_
        np.testing.assert_array_equal(model.params["bx"], 0.0)  # the course's convention: zero biases
        np.testing.assert_array_equal(model.params["bh"], 0.0)
    lm = CharLanguageModel(28, 16, cell="gru", seed=0, n_conditions=2)
    assert lm.n_parameters == 3 * (28 * 16 + 16 * 16 + 2 * 16) + 16 * 28 + 28 + 2 * 16
    # for the same H and D the GRU has 3/4 of the LSTM's cell parameters
    cell = {c: sum(SequenceClassifier(26, 8, cell=c).params[k].size for k in ("Wx", "Wh", "b", "bx", "bh")
                   if k in SequenceClassifier(26, 8, cell=c).params) for c in ("rnn", "lstm", "gru")}
    assert cell == {"rnn": 26 * 8 + 64 + 8, "lstm": 4 * (26 * 8 + 64 + 8), "gru": 3 * (26 * 8 + 64 + 16)}


def test_rnn_and_lstm_initial_weights_are_unchanged():
    """Adding the GRU did not move the RNN's or the LSTM's draws (values recorded before the GRU existed)."""
    def weighted(params):
        return float(sum(np.sum(p * np.arange(p.size).reshape(p.shape)) for p in params.values()))

    assert weighted(SequenceClassifier(26, 8, cell="rnn", seed=3).params) == pytest.approx(259.03087830064584,
                                                                                          rel=1e-13)
    assert weighted(SequenceClassifier(26, 8, cell="lstm", seed=3).params) == pytest.approx(-3394.079394142413,
                                                                                           rel=1e-13)
    assert float(sum(np.sum(p) for p in CharLanguageModel(28, 8, cell="rnn", seed=3, n_conditions=2).params.values())
                 ) == pytest.approx(-1.3743113815556456, rel=1e-13)
    assert float(sum(np.sum(p) for p in CharLanguageModel(28, 8, cell="lstm", seed=3, n_conditions=2).params.values())
                 ) == pytest.approx(9.614113185064895, rel=1e-13)
    # the GRU draws in the same order: its Wx's first column block comes from the same first draws
    rng_gru, rng_lstm = np.random.default_rng(5), np.random.default_rng(5)
    gru_p = cell_and_readout_params(rng_gru, 3, 4, 2, "gru")
    assert list(gru_p) == ["Wx", "Wh", "bx", "bh", "Wy", "by"]
    np.testing.assert_array_equal(gru_p["Wx"].ravel(), rng_lstm.uniform(-0.5, 0.5, size=3 * 12))


@pytest.mark.parametrize("cell,fwd,bwd,biases", [("rnn", rnn_forward, rnn_backward, ["b"]),
                                                 ("lstm", lstm_forward, lstm_backward, ["b"]),
                                                 ("gru", gru_forward, gru_backward, ["bx", "bh"])])
def test_cell_dispatch_is_the_cell_functions(rng, cell, fwd, bwd, biases):
    params = cell_and_readout_params(np.random.default_rng(0), 3, 4, 2, cell)
    for k in params:
        params[k] = params[k] + 0.1 * rng.standard_normal(params[k].shape)
    x, h0 = rng.normal(size=(2, 5, 3)), rng.normal(size=(2, 4))
    hs, cache = cell_forward(cell, x, h0, params)
    hs_direct, cache_direct = fwd(x, h0, params["Wx"], params["Wh"], *(params[b] for b in biases))
    np.testing.assert_array_equal(hs, hs_direct)
    dhs = rng.normal(size=hs.shape)
    dx, dh0, grads = cell_backward(cell, dhs, cache)
    direct = bwd(dhs, cache_direct)
    assert list(grads) == ["Wx", "Wh", *biases]
    for got, want in zip([dx, dh0, *grads.values()], direct, strict=True):
        np.testing.assert_array_equal(got, want)
    with pytest.raises(ValueError, match="cell must be one of"):
        cell_forward("transformer", x, h0, params)


def test_gru_classifier_gradients_check(rng):
    model = SequenceClassifier(3, 4, cell="gru", seed=1)
    for p in model.params.values():  # away from the zero biases, so every term is exercised
        p += 0.3 * rng.standard_normal(p.shape)
    x = rng.normal(size=(5, 6, 3))
    y = rng.integers(0, 2, size=5)
    lengths = np.array([6, 1, 3, 6, 2])

    def f(**params):
        model.params = dict(params)
        return model.loss(x, y, lengths)[0]

    def backward(dout):
        _, grads, _ = model.loss(x, y, lengths)
        return {"d" + k: float(dout) * g for k, g in grads.items()}

    report = gradient_check(f, {k: v.copy() for k, v in model.params.items()}, backward)
    assert report.ok, report.summary()
    assert set(report.errors) == {"dWx", "dWh", "dbx", "dbh", "dWy", "dby"}
    inside = model.internals(x)
    assert set(inside) == {"h", "r", "z", "n"} and inside["h"].shape == (5, 6, 4)


def test_gru_language_model_gradients_check_and_steps():
    rng = np.random.default_rng(1)
    model = CharLanguageModel(6, 4, cell="gru", seed=2, n_conditions=2, embedding_size=3)
    for p in model.params.values():
        p += 0.3 * rng.standard_normal(p.shape)
    x = rng.integers(0, 6, size=(3, 5))
    y = rng.integers(0, 6, size=(3, 5))
    mask = np.ones((3, 5))
    mask[0, 3:] = 0
    cond = np.array([0, 1, 1])

    def f(**params):
        model.params = dict(params)
        return model.loss(x, y, mask, cond)[0]

    def backward(dout):
        _, grads, _ = model.loss(x, y, mask, cond)
        return {"d" + k: float(dout) * g for k, g in grads.items()}

    report = gradient_check(f, {k: v.copy() for k, v in model.params.items()}, backward, tol=1e-6)
    assert report.ok, report.summary()
    assert set(report.errors) == {"dWx", "dWh", "dbx", "dbh", "dWy", "dby", "dWe", "dWc"}
    # step() by step() gives forward()'s scores; c stays None for a GRU
    s_all = model.forward(x, cond)
    h, _ = model.initial_state(3, cond)
    for t in range(5):
        s_t, h, c = model.step(x[:, t], h)
        assert c is None
        np.testing.assert_allclose(s_t, s_all[:, t], rtol=1e-12, atol=1e-13)
    ids = model.sample(np.random.default_rng(0), max_len=6, start_id=0, end_id=1, condition=1)
    assert ids == model.sample(np.random.default_rng(0), max_len=6, start_id=0, end_id=1, condition=1)
    assert all(0 <= i < 6 for i in ids) and len(ids) <= 6
