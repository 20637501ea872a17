"""Reading both ways: the bidirectional wrapper (any of the three cells) and the BlankReader."""

import itertools

import numpy as np
import pytest

from rnnlib import (
    BLANK,
    BlankReader,
    bidirectional_backward,
    bidirectional_forward,
    bidirectional_internals,
    cell_forward,
    encode_smudged,
    gradient_check,
    reader_backward,
    reader_forward,
    reverse_padded,
    smudge_words,
    train,
)
from rnnlib.cells import BIASES
from rnnlib.data import SMUDGE_SYMBOLS
from rnnlib.losses import softmax_cross_entropy
from rnnlib.model import cell_params

CELLS = ("rnn", "lstm", "gru")
LENGTHS = np.array([5, 2, 4, 1])  # N = 4 post-padded sequences, T = 5


def two_readers(cell, D=3, H=2, seed=0):
    """Two readers' weights moved away from the init (zero biases) so every term is exercised."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(2):
        p = cell_params(rng, D, H, cell)
        out.append({k: v + 0.3 * rng.standard_normal(v.shape) for k, v in p.items()})
    return out


def with_junk_padding(x, lengths, rng):
    """x with random values on the padded steps: a correct wrapper never reads them."""
    x = x.copy()
    pad = np.arange(x.shape[1])[None, :] >= lengths[:, None]
    x[pad] = rng.standard_normal(x[pad].shape)
    return x


# --- reverse_padded ---------------------------------------------------------------------------------


def test_reverse_padded_reverses_real_steps_only_and_is_its_own_inverse():
    a = np.array([[1, 2, 3, 0, 0], [4, 5, 0, 0, 0], [6, 7, 8, 9, 10]])[..., None]  # (3, 5, 1)
    out = reverse_padded(a, [3, 2, 5])
    np.testing.assert_array_equal(out[..., 0], [[3, 2, 1, 0, 0], [5, 4, 0, 0, 0], [10, 9, 8, 7, 6]])
    np.testing.assert_array_equal(reverse_padded(out, [3, 2, 5]), a)
    np.testing.assert_array_equal(reverse_padded(a)[..., 0], a[:, ::-1, 0])  # no lengths: the whole of T
    with pytest.raises(ValueError, match="lengths must be integers in"):
        reverse_padded(a, [3, 2, 6])
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        reverse_padded(np.arange(3))


# --- bidirectional_forward / backward ---------------------------------------------------------------


def test_known_answer_by_hand():
    """D = H = 1, an RNN with Wx = 1, Wh = 1 (forward) and Wx = 2, Wh = -1 (backward), b = 0."""
    a, b, c = 0.3, -0.5, 0.8
    x = np.array([[[a], [b], [c]], [[b], [c], [0.0]]])  # the second sequence has length 2, then padding
    pf = {"Wx": np.array([[1.0]]), "Wh": np.array([[1.0]]), "b": np.zeros(1)}
    pb = {"Wx": np.array([[2.0]]), "Wh": np.array([[-1.0]]), "b": np.zeros(1)}
    hs, _ = bidirectional_forward(x, pf, pb, "rnn", lengths=[3, 2])
    t = np.tanh
    f1, f2 = t(a), t(b + t(a))
    expected = [
        [[f1, t(2 * a - t(2 * b - t(2 * c)))], [f2, t(2 * b - t(2 * c))], [t(c + f2), t(2 * c)]],
        [[t(b), t(2 * b - t(2 * c))], [t(c + t(b)), t(2 * c)], [0.0, 0.0]],  # the backward reader starts at c
    ]
    np.testing.assert_allclose(hs, expected, rtol=0, atol=1e-15)


@pytest.mark.parametrize("cell,padded", list(itertools.product(CELLS, [False, True])))
def test_gradient_check_every_parameter_of_both_readers_and_dx(cell, padded):
    rng = np.random.default_rng(1)
    pf, pb = two_readers(cell, seed=2)
    x = rng.standard_normal((4, 5, 3))
    lengths = LENGTHS if padded else None
    names = ("Wx", "Wh") + BIASES[cell]

    def f(x, **w):
        return bidirectional_forward(x, {k: w[k + "_fwd"] for k in names}, {k: w[k + "_bwd"] for k in names},
                                     cell, lengths)[0]

    def backward(dhs):
        _, cache = bidirectional_forward(x, pf, pb, cell, lengths)
        dx, gf, gb = bidirectional_backward(dhs, cache)
        return {"dx": dx, **{f"d{k}_fwd": gf[k] for k in names}, **{f"d{k}_bwd": gb[k] for k in names}}

    inputs = {"x": x, **{k + "_fwd": pf[k] for k in names}, **{k + "_bwd": pb[k] for k in names}}
    report = gradient_check(f, inputs, backward, time_axes={"x": 1}, tol=1e-7)
    assert report.ok, report.summary()
    assert set(report.errors) == {"dx"} | {f"d{k}_{r}" for k in names for r in ("fwd", "bwd")}
    assert max(report.errors.values()) < 1e-8
    if padded:  # nothing flows to the padded steps of x
        _, cache = bidirectional_forward(x, pf, pb, cell, lengths)
        dx, _, _ = bidirectional_backward(rng.standard_normal((4, 5, 4)), cache)
        pad = np.arange(5)[None, :] >= LENGTHS[:, None]
        assert np.all(dx[pad] == 0) and np.all(dx[~pad] != 0)


@pytest.mark.parametrize("cell", CELLS)
def test_halves_are_the_two_readers(cell):
    """Columns 0..H-1 are the cell run forwards; columns H..2H-1 the cell run on x reversed, reversed back."""
    rng = np.random.default_rng(4)
    pf, pb = two_readers(cell, seed=5)
    x = rng.standard_normal((2, 6, 3))
    hs, _ = bidirectional_forward(x, pf, pb, cell)
    h0 = np.zeros((2, 2))
    np.testing.assert_array_equal(hs[:, :, :2], cell_forward(cell, x, h0, pf)[0])
    np.testing.assert_array_equal(hs[:, :, 2:], cell_forward(cell, x[:, ::-1], h0, pb)[0][:, ::-1])


@pytest.mark.parametrize("cell,padded", list(itertools.product(CELLS, [False, True])))
def test_reversing_the_sequence_swaps_the_two_halves(cell, padded):
    """Reading x reversed with the readers' weights swapped gives the same states, reversed, halves swapped."""
    rng = np.random.default_rng(6)
    pf, pb = two_readers(cell, seed=7)
    lengths = LENGTHS if padded else None
    x = rng.standard_normal((4, 5, 3))
    hs, _ = bidirectional_forward(x, pf, pb, cell, lengths)
    hs_rev, _ = bidirectional_forward(reverse_padded(x, lengths), pb, pf, cell, lengths)
    swapped = np.concatenate([hs_rev[:, :, 2:], hs_rev[:, :, :2]], axis=2)
    np.testing.assert_allclose(reverse_padded(swapped, lengths), hs, rtol=0, atol=1e-14)
    assert not np.allclose(hs_rev, hs)  # not trivially symmetric


@pytest.mark.parametrize("cell", CELLS)
def test_padding_changes_nothing(cell):
    """Each sequence alone (T = its length) equals its row in a padded batch, with junk on the padding."""
    rng = np.random.default_rng(8)
    pf, pb = two_readers(cell, seed=9)
    x = with_junk_padding(rng.standard_normal((4, 5, 3)), LENGTHS, rng)
    dhs = rng.standard_normal((4, 5, 4))
    hs, cache = bidirectional_forward(x, pf, pb, cell, LENGTHS)
    dx, gf, gb = bidirectional_backward(dhs, cache)
    pad = np.arange(5)[None, :] >= LENGTHS[:, None]
    assert np.all(hs[pad] == 0)
    sum_gf = {k: 0 for k in gf}
    sum_gb = {k: 0 for k in gb}
    for n, L in enumerate(LENGTHS):
        hs_n, cache_n = bidirectional_forward(x[n:n + 1, :L], pf, pb, cell)
        np.testing.assert_allclose(hs[n, :L], hs_n[0], rtol=0, atol=1e-15)
        dx_n, gf_n, gb_n = bidirectional_backward(dhs[n:n + 1, :L], cache_n)
        np.testing.assert_allclose(dx[n, :L], dx_n[0], rtol=0, atol=1e-14)
        sum_gf = {k: sum_gf[k] + gf_n[k] for k in gf}
        sum_gb = {k: sum_gb[k] + gb_n[k] for k in gb}
    for k in gf:  # the weight gradients are sums over sequences: the padded dhs contributed nothing
        np.testing.assert_allclose(gf[k], sum_gf[k], rtol=0, atol=1e-13)
        np.testing.assert_allclose(gb[k], sum_gb[k], rtol=0, atol=1e-13)


@pytest.mark.parametrize("cell", CELLS)
def test_one_reader_gradient_and_internals(cell):
    rng = np.random.default_rng(10)
    pf, pb = two_readers(cell, seed=11)
    x = rng.standard_normal((4, 5, 3))
    names = ("Wx", "Wh") + BIASES[cell]

    def f(x, **w):
        return reader_forward(x, w, cell, LENGTHS, "backward")[0]

    def backward(dhs):
        dx, g = reader_backward(dhs, reader_forward(x, pb, cell, LENGTHS, "backward")[1])
        return {"dx": dx, **{"d" + k: g[k] for k in names}}

    report = gradient_check(f, {"x": x, **{k: pb[k] for k in names}}, backward, tol=1e-7)
    assert report.ok, report.summary()
    hs, cache = bidirectional_forward(x, pf, pb, cell, LENGTHS)
    inside = bidirectional_internals(cache)
    np.testing.assert_array_equal(inside["fwd"]["h"], hs[:, :, :2])
    np.testing.assert_array_equal(inside["bwd"]["h"], hs[:, :, 2:])
    expected = {"rnn": {"h"}, "lstm": {"h", "c", "i", "f", "g", "o"}, "gru": {"h", "r", "z", "n"}}[cell]
    assert set(inside["bwd"]) == expected
    pad = np.arange(5)[None, :] >= LENGTHS[:, None]
    assert all(np.all(v[pad] == 0) for v in inside["bwd"].values())
    if cell == "gru":  # the backward reader's gate at step t is the one it computed on reading x_t: step L - t + 1
        _, own = cell_forward(cell, x[:1, ::-1], np.zeros((1, 2)), pb)
        np.testing.assert_allclose(inside["bwd"]["z"][0], own.z[0, ::-1], rtol=0, atol=1e-15)


def test_bad_inputs_name_the_argument():
    pf, pb = two_readers("rnn")
    x = np.zeros((2, 3, 3))
    with pytest.raises(ValueError, match=r"params_bwd must hold \['Wx', 'Wh', 'bx', 'bh'\] for cell='gru'"):
        bidirectional_forward(x, two_readers("gru")[0], pb, "gru")
    with pytest.raises(ValueError, match="cell must be one of"):
        bidirectional_forward(x, pf, pb, "elman")
    with pytest.raises(ValueError, match=r"params_fwd\['Wx'\] must have shape \(4, 2\)"):
        bidirectional_forward(np.zeros((2, 3, 4)), pf, pb)
    _, big = two_readers("rnn", H=3)
    with pytest.raises(ValueError, match="same hidden size H; got H=2 .params_fwd. and H=3"):
        bidirectional_forward(x, pf, big)
    with pytest.raises(ValueError, match="lengths must be integers in"):
        bidirectional_forward(x, pf, pb, lengths=[0, 3])
    with pytest.raises(ValueError, match="direction must be one of"):
        reader_forward(x, pf, direction="left")
    _, cache = bidirectional_forward(x, pf, pb)
    with pytest.raises(ValueError, match=r"dhs must have shape \(2, 3, 4\)"):
        bidirectional_backward(np.zeros((2, 3, 2)), cache)


# --- BlankReader -----------------------------------------------------------------------------------

READS = ("left", "right", "both")
WORDS = ("cab", "bed", "ace", "fig", "hid")  # examples for the small tests


# the two-reader LSTM and GRU (610 and 470 numbers, each differenced twice) take 3-6 s: marked slow; the
# wrapper under them is gradient-checked for every cell above, with and without padding
READER_CASES = [pytest.param(c, r, marks=pytest.mark.slow) if (c, r) in {("lstm", "both"), ("gru", "both")}
                else (c, r) for c, r in itertools.product(CELLS, READS)]


@pytest.mark.parametrize("cell,reads", READER_CASES)
def test_blank_reader_gradient_check(cell, reads):
    rng = np.random.default_rng(12)
    model = BlankReader(2, cell, reads, seed=3)
    for p in model.params.values():
        p += 0.3 * rng.standard_normal(p.shape)
    data = smudge_words(["dog", "be", "cat", "a"], positions="one", seed=1, max_len=4)  # padded, lengths 3, 2, 3, 1
    assert data.lengths.tolist() == [3, 2, 3, 1]

    def f(**params):  # the forward pass alone: softmax cross-entropy of the scores at the blank
        model.params = dict(params)
        return softmax_cross_entropy(model.forward(data.x, data.lengths, data.position)[0], data.target)[0]

    def backward(dout):
        _, grads, _ = model.loss(data.x, data.target, data.lengths, data.position)
        return {"d" + k: float(dout) * g for k, g in grads.items()}

    report = gradient_check(f, {k: v.copy() for k, v in model.params.items()}, backward, tol=1e-6)
    assert report.ok, report.summary()
    readers = {"left": ["fwd"], "right": ["bwd"], "both": ["fwd", "bwd"]}[reads]
    names = {f"{k}_{r}" for k in ("Wx", "Wh") + BIASES[cell] for r in readers} | {"Wy", "by"}
    assert set(model.params) == names and set(report.errors) == {"d" + k for k in names}


@pytest.mark.parametrize("cell", CELLS)
def test_each_reader_sees_only_its_side(cell):
    """Changing letters after the blank cannot move the left reader, before it the right reader; both see both."""
    model = {r: BlankReader(4, cell, r, seed=0) for r in READS}
    probs = {r: {w: model[r].predict_proba(*encode_smudged(w))[0] for w in ("ha_py", "ha_zz", "qq_py")}
             for r in READS}
    for r in READS:
        left_same = np.array_equal(probs[r]["ha_py"], probs[r]["ha_zz"])  # the same left context
        right_same = np.array_equal(probs[r]["ha_py"], probs[r]["qq_py"])  # the same right context
        assert (left_same, right_same) == {"left": (True, False), "right": (False, True), "both": (False, False)}[r]


def test_blank_reader_sizes_draws_and_states():
    H = 5
    for cell, k in (("rnn", 1), ("lstm", 4), ("gru", 3)):
        n_biases = len(BIASES[cell])
        one = 27 * k * H + H * k * H + n_biases * k * H  # a reader's Wx, Wh, biases
        assert BlankReader(H, cell, "left").n_parameters == one + H * 26 + 26
        assert BlankReader(H, cell, "right").n_parameters == one + H * 26 + 26
        assert BlankReader(H, cell, "both").n_parameters == 2 * one + 2 * H * 26 + 26
    assert BlankReader(5, "rnn", "both").n_parameters == 2 * (135 + 25 + 5) + 260 + 26 == 616
    left, both = BlankReader(H, "gru", "left", seed=4), BlankReader(H, "gru", "both", seed=4)
    for k in ("Wx_fwd", "Wh_fwd", "bx_fwd", "bh_fwd"):  # the same seed starts the same forward reader
        np.testing.assert_array_equal(left.params[k], both.params[k])
    assert both.params["Wy"].shape == (2 * H, 26) and np.abs(both.params["Wy"]).max() <= 1 / np.sqrt(2 * H)
    st = both.states("h_ppy")
    hs, _ = bidirectional_forward(np.eye(27)[encode_smudged("h_ppy")[0]], both.reader_params("fwd"),
                                  both.reader_params("bwd"), "gru")
    np.testing.assert_array_equal(st["fwd"], hs[:, :, :H])
    np.testing.assert_array_equal(st["bwd"], hs[:, :, H:])
    assert set(left.states("h_ppy")) == {"fwd"} and set(BlankReader(H, reads="right").states("h_ppy")) == {"bwd"}
    data = smudge_words(["happy", "sad"], positions="one", seed=0)  # states of a padded batch
    st2 = both.states(data.x, data.lengths)
    assert np.all(st2["bwd"][1, 3:] == 0) and np.all(st2["fwd"][1, 3:] == 0)


@pytest.mark.parametrize("cell", CELLS)
def test_blank_reader_padding_and_position(cell):
    model = BlankReader(3, cell, "both", seed=1)
    data = smudge_words(["happy", "sad", "joy"], positions="all")
    s = model.forward(data.x, data.lengths, data.position)[0]
    np.testing.assert_array_equal(model.forward(data.x, data.lengths)[0], s)  # position found in x
    wide = np.concatenate([data.x, np.full((len(data), 3), 5)], axis=1)  # 3 more padded steps holding "f"
    np.testing.assert_allclose(model.forward(wide, data.lengths, data.position)[0], s, rtol=0, atol=1e-14)
    alone = [model.forward(*encode_smudged(w))[0][0] for w in data.smudged]  # each word without any padding
    np.testing.assert_allclose(np.array(alone), s, rtol=0, atol=1e-14)


def test_top_letters_and_probabilities():
    model = BlankReader(4, "lstm", "both", seed=2)
    top = model.top_letters("h_ppy", k=26)
    p = model.predict_proba(*encode_smudged("h_ppy"))[0]
    assert [letter for letter, _ in top] == [SMUDGE_SYMBOLS[j] for j in np.argsort(-p, kind="stable")]
    assert [q for _, q in top] == sorted((q for _, q in top), reverse=True)
    assert sum(q for _, q in top) == pytest.approx(1.0, abs=1e-12)
    assert model.top_letters("h_ppy") == top[:5]
    with pytest.raises(ValueError, match="exactly one blank"):
        model.top_letters("happy")
    with pytest.raises(ValueError, match="k must be at most 26"):
        model.top_letters("h_ppy", k=27)


def test_blank_reader_bad_inputs():
    model = BlankReader(3)
    data = smudge_words(["cat", "dog"], positions="one", seed=0)
    with pytest.raises(ValueError, match="reads must be one of"):
        BlankReader(3, reads="forward")
    with pytest.raises(ValueError, match=r"x must hold integer ids in \[0, 26\]"):
        model.forward(np.full((1, 3), 27))
    with pytest.raises(ValueError, match="exactly one blank .id 26. .* sequence 0 has 0"):
        model.forward([[0, 1, 2]])
    wrong = data.position % 3 + 1  # a step that holds a letter
    with pytest.raises(ValueError, match="position must point at the blank"):
        model.forward(data.x, data.lengths, wrong)
    with pytest.raises(ValueError, match=r"y must hold integer ids in \[0, 25\]"):
        model.loss(data.x, [BLANK, 0])
    with pytest.raises(ValueError, match="reader must be one of this model's readers"):
        model.reader_params("sideways")


def test_overfit_every_position_of_a_few_words_with_the_one_training_loop():
    """Every letter of five words (no two examples share their context): the "both" reader restores all 15."""
    data = smudge_words(WORDS, positions="all")
    assert len(set(data.smudged)) == len(data) == 15
    model = BlankReader(16, "rnn", "both", seed=0)
    history = train(model, data.x, data.target, lengths=data.lengths, extras={"position": data.position},
                    epochs=150, batch_size=len(data), optimizer="adam", lr=0.05,
                    val=(data.x, data.target, data.extras()))
    assert history.epoch_accuracy[-1] == 1.0 == history.val_accuracy[-1]
    assert model.accuracy(data.x, data.target, data.lengths, data.position) == 1.0
    assert history.epoch_loss[-1] < 0.05 < history.epoch_loss[0]
    # The left reader cannot: at the first letter ("_ab", "_ed", "_ce", "_ig", "_id") it has read the blank
    # alone, the same input for all five, so it gives them one answer: one of the five right (20%).
    left = BlankReader(16, "rnn", "left", seed=0)
    train(left, data.x, data.target, lengths=data.lengths, extras={"position": data.position}, epochs=150,
          batch_size=len(data), optimizer="adam", lr=0.05)
    first = data.position == 1
    assert left.accuracy(data.x[first], data.target[first], data.lengths[first], data.position[first]) == 0.2
