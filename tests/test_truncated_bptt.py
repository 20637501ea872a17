"""Notebook 07, section 5: truncated backpropagation through time (lessons, viz, committed results)."""

import numpy as np
import pytest

from rnnlib import CharLanguageModel, gradient_check
from rnnlib.data import END, LM_SYMBOLS, decode_lm_ids, encode_lm_words
from rnnlib.lessons.configurations import (
    TRUNCATION_KS,
    gradient_reach,
    held_out_cross_entropy,
    load_truncated_results,
    stream_rows,
    stream_symbols,
    summarise_truncated,
    train_truncated,
    truncated_conditions,
    truncated_table,
    word_stream,
)
from rnnlib.optim import Adam, clip_grad_norm
from rnnlib.viz.configurations import plot_gradient_reach, plot_truncated_results

V = len(LM_SYMBOLS)
WORDS = ["happy", "sad", "good", "awful", "nice", "bad", "great", "poor", "joy", "grim", "calm", "tense"]


@pytest.fixture(scope="module")
def stream():
    return word_stream(WORDS * 3, seed=0)  # 3 x 12 words, 49 letters + 12 <end> each time: 183 ids


def test_word_stream_joins_shuffled_words_each_followed_by_end():
    ids = word_stream(["ab", "c", "de"], seed=4)
    assert ids.dtype.kind == "i" and len(ids) == 5 + 3
    text = "".join(stream_symbols(ids))
    assert sorted(text.strip(".").split(".")) == ["ab", "c", "de"] and text.endswith(".")
    assert ids[-1] == END and np.sum(ids == END) == 3
    # each word is encoded as the language model's targets are: its letter ids, then <end>
    _, y, mask = encode_lm_words(["ab"])
    assert list(word_stream(["ab"])) == list(y[0, :int(mask[0].sum())])
    # the seed fixes the order; another seed gives another order
    np.testing.assert_array_equal(word_stream(WORDS, seed=1), word_stream(WORDS, seed=1))
    assert not np.array_equal(word_stream(WORDS, seed=1), word_stream(WORDS, seed=2))
    assert decode_lm_ids(word_stream(["joy"])) == "joy"


def test_stream_rows_are_consecutive_slices(stream):
    rows = stream_rows(stream, 4)
    L = len(stream) // 4
    assert rows.shape == (4, L)
    np.testing.assert_array_equal(rows.ravel(), stream[:4 * L])  # row n continues where row n-1 ends


def _chunk_gradients(model, rows, k):
    """Sum over chunks of the chunk gradients, the state carried: truncated BPTT's gradient of the whole rows."""
    x, y = rows[:, :-1], rows[:, 1:]
    h = np.zeros((rows.shape[0], model.hidden_size))
    total, grads = 0.0, {name: np.zeros_like(p) for name, p in model.params.items()}
    for pos in range(0, x.shape[1], k):
        loss, g, _, h = model.loss(x[:, pos:pos + k], y[:, pos:pos + k], h0=h, return_state=True)
        total += loss
        for name in grads:
            grads[name] += g[name]
    return total, grads


def test_truncated_gradient_equals_full_gradient_when_k_covers_the_stream(stream):
    model = CharLanguageModel(V, 6, seed=1)
    rows = stream_rows(stream, 3)  # (3, 61)
    loss_full, grads_full, _ = model.loss(rows[:, :-1], rows[:, 1:])
    for k in (rows.shape[1] - 1, 500):
        loss_k, grads_k = _chunk_gradients(model, rows, k)
        assert loss_k == loss_full
        for name in grads_full:
            np.testing.assert_array_equal(grads_k[name], grads_full[name])
    # shorter chunks: the same loss (the state is carried, the forward pass is unchanged) but another gradient
    loss_5, grads_5 = _chunk_gradients(model, rows, 5)
    assert loss_5 == pytest.approx(loss_full, rel=1e-12)
    assert np.allclose(grads_5["Wy"], grads_full["Wy"], rtol=1e-10)  # the read-out sees no time: same
    assert not np.allclose(grads_5["Wh"], grads_full["Wh"], rtol=1e-3)  # the recurrence loses the long terms


def test_one_update_of_train_truncated_is_one_adam_step_on_the_chunk_gradient(stream):
    """train_truncated with one chunk per row (k = L - 1) makes exactly the full-BPTT Adam step."""
    N = 3
    rows = stream_rows(stream, N)
    k = rows.shape[1] - 1
    run = train_truncated(stream, k, letters=N * k, hidden_size=6, batch_size=N, lr=0.01, clip=1.0, seed=2)
    assert run.updates == 1 and run.letters == N * k and run.held_out_ce is None
    model = CharLanguageModel(V, 6, seed=2)
    loss, grads, _ = model.loss(rows[:, :-1], rows[:, 1:])
    Adam(model.params, lr=0.01).step(clip_grad_norm(grads, 1.0)[0])
    assert run.losses[0] == pytest.approx(loss / k, rel=1e-14)
    for name, p in model.params.items():
        np.testing.assert_array_equal(run.model.params[name], p)


def test_chunk_gradient_is_the_finite_difference_gradient_with_the_carried_state_held_fixed(stream):
    rng = np.random.default_rng(0)
    model = CharLanguageModel(V, 5, seed=3)
    for p in model.params.values():
        p += 0.2 * rng.standard_normal(p.shape)
    rows = stream_rows(stream, 2)
    x, y, k = rows[:, :-1], rows[:, 1:], 4
    _, _, _, h = model.loss(x[:, :k], y[:, :k], return_state=True)  # chunk 1: its last state is carried
    chunk_x, chunk_y = x[:, k:2 * k], y[:, k:2 * k]

    def f(**params):
        model.params = dict(params)
        return model.loss(chunk_x, chunk_y, h0=h)[0]  # h computed once: held fixed

    def backward(dout):
        return {"d" + name: float(dout) * g for name, g in model.loss(chunk_x, chunk_y, h0=h)[1].items()}

    report = gradient_check(f, {name: p.copy() for name, p in model.params.items()}, backward, tol=1e-6)
    assert report.ok, report.summary()
    # the full gradient of the same chunk's loss (h recomputed from the parameters) differs: what truncation drops
    mask = np.zeros(x[:, :2 * k].shape)
    mask[:, k:] = 1.0
    full = model.loss(x[:, :2 * k], y[:, :2 * k], mask)[1]
    truncated = model.loss(chunk_x, chunk_y, h0=h)[1]
    assert model.loss(x[:, :2 * k], y[:, :2 * k], mask)[0] == pytest.approx(model.loss(chunk_x, chunk_y, h0=h)[0])
    assert not np.allclose(full["Wx"], truncated["Wx"], rtol=1e-3)


@pytest.mark.parametrize("k,t", [(4, 13), (5, 5), (1, 7), (8, 20)])
def test_gradient_reach_is_zero_before_the_chunk_and_full_bptt_inside(stream, k, t):
    rng = np.random.default_rng(1)
    model = CharLanguageModel(V, 6, seed=0)
    for p in model.params.values():
        p += 0.3 * rng.standard_normal(p.shape)
    r = gradient_reach(model, stream, k, t, start=3)
    c = k * ((t - 1) // k) + 1
    assert r.chunk_start == c and r.t == t and r.k == k and len(r.symbols) == t == r.full.shape[0]
    assert r.symbols == stream_symbols(stream[3:3 + t]) and r.target == stream_symbols(stream[3 + t:4 + t])[0]
    np.testing.assert_array_equal(r.truncated[:c - 1], 0.0)
    np.testing.assert_allclose(r.truncated[c - 1:], r.full[c - 1:], rtol=1e-12)
    assert np.all(r.full > 0)
    # at s = t the gradient is the read-out's: (softmax(s_t) - onehot(y_t)) W_y^T
    s = model.forward(stream[None, 3:3 + t])[0, -1]
    p = np.exp(s - s.max()) / np.exp(s - s.max()).sum()
    p[stream[3 + t]] -= 1.0
    assert r.full[-1] == pytest.approx(np.linalg.norm(p @ model.params["Wy"].T), rel=1e-12)
    # k >= t: nothing is cut
    whole = gradient_reach(model, stream, t, t, start=3)
    np.testing.assert_allclose(whole.truncated, whole.full, rtol=1e-12)


def test_train_truncated_is_deterministic_and_reports_its_conditions(stream):
    runs = [train_truncated(stream, 3, letters=600, held_out=stream[:40], val=stream[40:80], hidden_size=8,
                            batch_size=4, seed=5, evals=3, lr=0.03) for _ in range(2)]
    a, b = runs
    np.testing.assert_array_equal(a.losses, b.losses)
    assert a.held_out_ce == b.held_out_ce and a.held_out_curve == b.held_out_curve
    for name in a.model.params:
        np.testing.assert_array_equal(a.model.params[name], b.model.params[name])
    assert a.updates == 600 // (4 * 3) and a.letters == a.updates * 12
    assert [n for n, _, _ in a.held_out_curve] == [204, 408, 600]  # after updates 17, 34, 50
    assert a.held_out_ce == a.held_out_curve[-1][2] == held_out_cross_entropy(a.model, stream[:40])
    rec = a.record()
    assert rec["k"] == 3 and rec["batch_size"] == 4 and rec["hidden_size"] == 8 and rec["updates"] == 50
    assert rec["early_stop_val_ce"] == min(v for _, v, _ in a.held_out_curve)
    assert rec["ms_per_update"] > 0 and rec["us_per_letter"] == pytest.approx(1e3 * rec["ms_per_update"] / 12)
    # it learns: the last chunks' loss is below the first ones' (log 28 = 3.33 nats at the start)
    assert a.losses[:5].mean() == pytest.approx(np.log(V), abs=0.1) and a.losses[-10:].mean() < 2.5


def test_held_out_cross_entropy_is_one_pass_with_the_state_carried(stream):
    model = CharLanguageModel(V, 4, seed=0)
    ids = stream[:30]
    loss = model.loss(ids[None, :-1], ids[None, 1:])[0]  # summed over 29 steps, N = 1
    assert held_out_cross_entropy(model, ids) == pytest.approx(loss / 29, rel=1e-12)


def test_committed_results_load_and_tabulate():
    results = load_truncated_results()
    meta = results["meta"]
    assert meta["ks"] == list(TRUNCATION_KS) and meta["seeds"] == [0, 1, 2]
    assert len(results["records"]) == len(TRUNCATION_KS) * 3
    summary = summarise_truncated(results)
    assert sorted(summary) == list(TRUNCATION_KS)
    for k, row in summary.items():
        assert row["letters"] == meta["letters"] and row["updates"] == meta["letters"] // (meta["batch_size"] * k)
        assert all(1.5 < ce < np.log(V) for ce in row["ce"] + row["early_ce"])
    table = truncated_table(results)
    assert len(table.splitlines()) == 2 + len(TRUNCATION_KS)
    assert f"{summary[8]['ce_mean']:.3f}" in table
    assert f"{meta['letters']} letters read" in truncated_conditions(results)
    with pytest.raises(FileNotFoundError, match="experiments/truncated_bptt.py"):
        load_truncated_results("/nonexistent/truncated.json")


def test_figures(stream):
    model = CharLanguageModel(V, 6, seed=0)
    r = gradient_reach(model, stream, 4, 10)
    fig = plot_gradient_reach(r.symbols, r.full, r.truncated, r.k, r.t, target=r.target)
    ax = fig.axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    truncated = lines["truncated every k = 4 steps"].get_ydata()
    assert np.all(np.isnan(truncated[:8])) and np.all(truncated[8:] > 0)  # chunk of t = 10 starts at step 9
    assert [tick.get_text() for tick in ax.get_xticklabels()] == r.symbols
    fig2 = plot_truncated_results(load_truncated_results())
    assert len(fig2.axes) == 3
    assert list(fig2.axes[0].get_lines()[0].get_xdata()) == list(TRUNCATION_KS)


def test_bad_inputs(stream):
    with pytest.raises(ValueError, match="words must be a sequence of words; got the single string"):
        word_stream("happy")
    with pytest.raises(ValueError, match="words must hold at least one word"):
        word_stream([])
    with pytest.raises(ValueError, match="k must be an integer >= 1; got 0"):
        train_truncated(stream, 0)
    with pytest.raises(ValueError, match=r"k must be at most 44 \(each of the N=4 rows holds 45 ids\); got 45"):
        train_truncated(stream, 45, batch_size=4)
    with pytest.raises(ValueError, match=r"stream must be a 1-D integer id array .* got shape \(2, 3\)"):
        train_truncated(np.zeros((2, 3), dtype=int), 1)
    with pytest.raises(ValueError, match=r"held_out must hold ids in \[0, 27\]; got values from 0 to 30"):
        train_truncated(stream, 2, held_out=np.array([0, 30]))
    with pytest.raises(ValueError, match="model must be an RNN CharLanguageModel"):
        gradient_reach(CharLanguageModel(V, 4, cell="lstm"), stream, 2, 5)
    with pytest.raises(ValueError, match=r"t must be at most 182 \(the stream holds 183 ids"):
        gradient_reach(CharLanguageModel(V, 4), stream, 2, 183)
    with pytest.raises(ValueError, match="t must be an integer >= 1"):
        gradient_reach(CharLanguageModel(V, 4), stream, 2, 0)
    with pytest.raises(ValueError, match="letters, full and truncated must each hold t=3 values"):
        plot_gradient_reach(["a", "b"], [1, 2, 3], [0, 2, 3], 2, 3)
    with pytest.raises(ValueError, match="results must hold at least one record"):
        summarise_truncated({"records": []})
