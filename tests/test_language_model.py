"""The many-to-many character language model, its sampler, and train() with per-step targets."""

import itertools

import numpy as np
import pytest

from rnnlib import CharLanguageModel, gradient_check, train
from rnnlib.data import END, LM_SYMBOLS, START
from rnnlib.data import decode_lm_ids as decode
from rnnlib.data import encode_lm_words as encode

V = len(LM_SYMBOLS)  # 28: start, end, a..z


def small_problem(rng, N=3, T=5, V=6, C=0):
    x = rng.integers(0, V, size=(N, T))
    y = rng.integers(0, V, size=(N, T))
    mask = np.ones((N, T))
    mask[0, 3:] = 0  # sequence 0 has 3 real steps, sequence 1 has 1
    mask[1, 1:] = 0
    cond = rng.integers(0, C, size=N) if C else None
    return x, y, mask, cond


CONFIGS = list(itertools.product(["rnn", "lstm", "gru"], [None, 3], [0, 2]))  # cell, embedding_size, n_conditions


@pytest.mark.parametrize("cell,E,C", CONFIGS)
def test_gradient_check_every_parameter(cell, E, C):
    rng = np.random.default_rng(1)
    model = CharLanguageModel(6, 4, cell=cell, seed=2, n_conditions=C, embedding_size=E)
    for p in model.params.values():  # move away from the init (zero biases) so every term is exercised
        p += 0.3 * rng.standard_normal(p.shape)
    x, y, mask, cond = small_problem(rng, C=C)
    names = sorted(model.params)
    assert ("We" in names) == (E is not None) and ("Wc" in names) == (C > 0)

    def f(**params):
        model.params = dict(params)
        return model.loss(x, y, mask, cond)[0]

    def backward(dout):
        _, grads, _ = model.loss(x, y, mask, cond)
        return {"d" + k: float(dout) * g for k, g in grads.items()}

    inputs = {k: v.copy() for k, v in model.params.items()}
    report = gradient_check(f, inputs, backward, tol=1e-6)
    assert report.ok, report.summary()
    assert set(report.errors) == {"d" + k for k in names}


@pytest.mark.parametrize("cell,E,C", CONFIGS)
def test_padded_steps_change_neither_loss_nor_gradients(cell, E, C):
    rng = np.random.default_rng(3)
    model = CharLanguageModel(6, 4, cell=cell, n_conditions=C, embedding_size=E)
    x, y, mask, cond = small_problem(rng, C=C)
    loss, grads, _ = model.loss(x, y, mask, cond)
    x2, y2 = x.copy(), y.copy()
    pad = mask == 0
    x2[pad] = (x[pad] + 1) % 6  # other letters at the padded steps
    y2[pad] = (y[pad] + 2) % 6
    loss2, grads2, _ = model.loss(x2, y2, mask, cond)
    assert loss2 == loss
    for k in grads:
        np.testing.assert_array_equal(grads2[k], grads[k])
    # and the loss equals the same words cut to their real steps, one at a time (summed, / N)
    per_word = [model.loss(x[n:n + 1, :int(mask[n].sum())], y[n:n + 1, :int(mask[n].sum())], None,
                           None if cond is None else cond[n:n + 1])[0] for n in range(3)]
    assert loss == pytest.approx(sum(per_word) / 3, rel=1e-12)


def test_one_hot_input_is_a_row_lookup_and_shapes():
    model = CharLanguageModel(6, 4, cell="lstm", embedding_size=3, n_conditions=2)
    assert model.params["We"].shape == (6, 3) and model.params["Wx"].shape == (3, 16)
    assert model.params["Wc"].shape == (2, 4) and model.params["Wy"].shape == (4, 6)
    plain = CharLanguageModel(6, 4)
    assert plain.params["Wx"].shape == (6, 4) and set(plain.params) == {"Wx", "Wh", "b", "Wy", "by"}
    x = np.array([[0, 5, 2]])
    s = plain.forward(x)
    assert s.shape == (1, 3, 6)
    # step by step with step() gives the same scores as forward()
    h, c = np.zeros((1, 4)), None
    for t in range(3):
        st, h, c = plain.step(x[:, t], h, c)
        np.testing.assert_allclose(st, s[:, t], rtol=1e-12)
    # h_1 from start h_0 = 0 is tanh(Wx[x_1] + b): the one-hot row picks row x_1 of Wx
    _, h1, _ = plain.step([5], np.zeros((1, 4)))
    np.testing.assert_allclose(h1[0], np.tanh(plain.params["Wx"][5] + plain.params["b"]))


def test_condition_sets_h0():
    model = CharLanguageModel(6, 4, n_conditions=2)
    h0, _ = model.initial_state(3, [1, 0, 1])
    np.testing.assert_array_equal(h0, model.params["Wc"][[1, 0, 1]])
    s0 = model.forward([[2, 3]], condition=[0])
    s1 = model.forward([[2, 3]], condition=[1])
    assert not np.allclose(s0, s1)


def _fit(model, words, conditions=None, steps=400):
    x, y, mask = encode(words)
    extras = {"mask": mask}
    if conditions is not None:
        extras["condition"] = np.asarray(conditions)
    history = train(model, x, y, extras=extras, steps=steps, batch_size=len(words), optimizer="adam",
                    lr=0.02, clip=5.0)
    return history, x, y, mask


WORDS = ["awesome", "cheerful", "lovely", "sunny", "bright"]


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_overfit_five_words_and_greedy_sampling_writes_one(cell):
    model = CharLanguageModel(V, 32, cell=cell, seed=0)
    history, x, y, mask = _fit(model, WORDS)
    ce = model.per_letter_cross_entropy(x, y, mask)
    # the first letter of each word cannot be predicted (1 of 5): log(5) / 37 letters = 0.22 nats floor
    assert 0.2 < ce < 0.3
    assert history.step_loss[-1] < history.step_loss[0] / 5
    # per-letter accuracy over real steps: all but (at most) the unpredictable first letters
    assert history.epoch_accuracy[-1] >= (37 - 5) / 37
    word = decode(model.sample(np.random.default_rng(0), max_len=12, temperature=0, start_id=START, end_id=END))
    assert word in WORDS
    # with a prefix the greedy writer completes the word that starts with it
    prefix = [ord(ch) - ord("a") + 2 for ch in "lo"]
    assert decode(model.sample(np.random.default_rng(0), 12, 0, start_id=START, end_id=END,
                               prefix_ids=prefix)) == "lovely"


def test_conditioned_model_writes_the_word_of_its_condition():
    words, conds = ["awful", "good"], [0, 1]
    model = CharLanguageModel(V, 16, cell="rnn", n_conditions=2, seed=0)
    _fit(model, words, conds, steps=300)
    rng = np.random.default_rng(0)
    out = [decode(model.sample(rng, 10, 0, start_id=START, end_id=END, condition=c)) for c in (0, 1)]
    assert out == ["awful", "good"]


def test_seeded_sampling_is_reproducible_and_probs_are_distributions():
    model = CharLanguageModel(V, 8, cell="lstm", seed=4)
    a = model.sample(np.random.default_rng(7), 15, 1.0, start_id=START, end_id=END)
    b = model.sample(np.random.default_rng(7), 15, 1.0, start_id=START, end_id=END)
    assert a == b and 1 <= len(a) <= 15 and END not in a and START <= min(a + [START])
    ids, probs = model.sample(np.random.default_rng(7), 15, 1.0, start_id=START, end_id=END, return_probs=True)
    assert ids == a
    assert probs.shape[0] in (len(a), len(a) + 1) and probs.shape[1] == V
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    # the first row is softmax of the scores after the start symbol from h_0 = 0
    s = model.forward([[START]])[0, 0]
    np.testing.assert_allclose(probs[0], np.exp(s - s.max()) / np.exp(s - s.max()).sum())


def test_train_keeps_classifier_behaviour_and_checks_lm_shapes():
    model = CharLanguageModel(V, 4)
    x, y, mask = encode(["ab", "abc"])
    with pytest.raises(ValueError, match=r"y must have shape \(2, 4\)"):
        train(model, x, y[:, :3], steps=1)
    with pytest.raises(ValueError, match=r"extras\['mask'\] must have N=2 rows"):
        train(model, x, y, extras={"mask": mask[:1]}, steps=1)
    with pytest.raises(ValueError, match="x must hold integer ids in \\[0, 27\\]"):
        train(model, x + 30, y, steps=1)
    history = train(model, x, y, extras={"mask": mask}, steps=2, batch_size=1, val=(x, y, {"mask": mask}))
    assert history.steps == 2 and 0 <= history.val_accuracy[0] <= 1


def test_bad_inputs():
    model = CharLanguageModel(6, 4)
    x = np.array([[0, 1, 2]])
    with pytest.raises(ValueError, match=r"x must hold integer ids in \[0, 5\] \(6 of them\); got values from 0 to 6"):
        model.forward([[0, 1, 6]])
    with pytest.raises(ValueError, match=r"x must be an integer array of shape \(N, T\); got shape \(3,\)"):
        model.forward([0, 1, 2])
    with pytest.raises(ValueError, match=r"y must have shape \(1, 3\)"):
        model.loss(x, [[0, 1]])
    with pytest.raises(ValueError, match="condition is only for a model built with n_conditions >= 1"):
        model.loss(x, x, condition=[0])
    cmodel = CharLanguageModel(6, 4, n_conditions=2)
    with pytest.raises(ValueError, match=r"condition must be given: an integer array of shape \(1,\)"):
        cmodel.forward(x)
    with pytest.raises(ValueError, match=r"condition must hold integer ids in \[0, 1\]"):
        cmodel.forward(x, condition=[2])
    with pytest.raises(ValueError, match="cell must be one of"):
        CharLanguageModel(6, 4, cell="transformer")
    with pytest.raises(ValueError, match="vocab_size must be an integer >= 2"):
        CharLanguageModel(1, 4)
    with pytest.raises(ValueError, match="rng must be a numpy.random.Generator"):
        model.sample(None, start_id=0, end_id=1)
    with pytest.raises(ValueError, match=r"prefix_ids must hold integer ids in \[0, 5\]"):
        model.sample(np.random.default_rng(0), start_id=0, end_id=1, prefix_ids=[9])
    with pytest.raises(ValueError, match="end_id must hold integer ids"):
        model.sample(np.random.default_rng(0), start_id=0, end_id=6)


@pytest.mark.parametrize("cell,E,C", [("rnn", None, 0), ("rnn", 3, 0), ("rnn", None, 2), ("gru", None, 2)])
def test_gradient_check_from_a_carried_state(cell, E, C):
    """With h0 given (a constant: the state carried in from the previous chunk), every parameter's gradient
    matches finite differences of the chunk's loss; a conditioned model's Wc gets exactly zero."""
    rng = np.random.default_rng(5)
    model = CharLanguageModel(6, 4, cell=cell, seed=3, n_conditions=C, embedding_size=E)
    for p in model.params.values():
        p += 0.3 * rng.standard_normal(p.shape)
    x, y, mask, _ = small_problem(rng)
    h0 = rng.uniform(-0.9, 0.9, size=(3, 4))

    def f(**params):
        model.params = dict(params)
        return model.loss(x, y, mask, h0=h0)[0]

    def backward(dout):
        _, grads, _ = model.loss(x, y, mask, h0=h0)
        return {"d" + k: float(dout) * g for k, g in grads.items()}

    report = gradient_check(f, {k: v.copy() for k, v in model.params.items()}, backward, tol=1e-6)
    assert report.ok, report.summary()
    if C:
        np.testing.assert_array_equal(model.loss(x, y, mask, h0=h0)[1]["Wc"], 0.0)


@pytest.mark.parametrize("cell", ["rnn", "gru"])
def test_carried_state_continues_the_sequence(cell):
    """Two chunks with the state carried give the scores of one pass over the whole sequence; h_T is hs[:, -1]."""
    rng = np.random.default_rng(6)
    model = CharLanguageModel(6, 5, cell=cell, seed=1)
    x = rng.integers(0, 6, size=(2, 7))
    y = rng.integers(0, 6, size=(2, 7))
    s_full = model.forward(x)
    s1, h = model.forward(x[:, :3], return_state=True)
    s2 = model.forward(x[:, 3:], h0=h)
    np.testing.assert_allclose(np.concatenate([s1, s2], axis=1), s_full, rtol=1e-12, atol=1e-14)
    _, h_step, _ = model.step(x[:, 0], np.zeros((2, 5)))
    for t in range(1, 3):
        _, h_step, _ = model.step(x[:, t], h_step)
    np.testing.assert_allclose(h, h_step, rtol=1e-12)
    # loss(..., return_state=True) hands back the same h_T and otherwise what loss() returns
    loss, grads, s, h_T = model.loss(x[:, :3], y[:, :3], return_state=True)
    loss0, grads0, s0 = model.loss(x[:, :3], y[:, :3])
    np.testing.assert_array_equal(h_T, h)
    assert loss == loss0 and all(np.array_equal(grads[k], grads0[k]) for k in grads)
    # h0 = zeros is the default start
    assert model.loss(x, y, h0=np.zeros((2, 5)))[0] == model.loss(x, y)[0]


def test_carried_state_bad_inputs():
    x = np.array([[0, 1, 2]])
    with pytest.raises(ValueError, match="h0 and condition are exclusive"):
        CharLanguageModel(6, 4, n_conditions=2).loss(x, x, condition=[0], h0=np.zeros((1, 4)))
    with pytest.raises(ValueError, match="h0 can only be given to an RNN language model.*got cell='lstm'"):
        CharLanguageModel(6, 4, cell="lstm").forward(x, h0=np.zeros((1, 4)))
    with pytest.raises(ValueError, match=r"h0 must have shape \(1, 4\)"):
        CharLanguageModel(6, 4).forward(x, h0=np.zeros((2, 4)))
