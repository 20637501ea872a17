"""Tests of rnnlib.lessons.both_ways_and_gru: the smudged letter's baselines, readers and accuracy table; the GRU."""

import numpy as np
import pytest

from rnnlib.data import ALPHABET
from rnnlib.lessons import both_ways_and_gru as bw
from rnnlib.lessons.configurations import fit_ngram

# === the smudged letter: baselines, readers, accuracy by position (helper H1) ===

TINY = ("ab", "ab", "ac")  # events: <s><s>->a x3; <s>a->b x2, ->c x1; ab-></s> x2; ac-></s> x1


def _letter(c):
    return ALPHABET.index(c)


def test_left_trigram_add_one_known_answer():
    # P(w | <s> a) = (c(<s> a w) + 1) / (3 + 29): b 3/32, c 2/32, any other letter 1/32;
    # over the 26 letters the shares sum to 29/32, so P(b) = 3/29, P(c) = 2/29, others 1/29.
    tri = bw.fit_letter_trigram(TINY, "left", "add_alpha", alpha=1.0)
    p = bw.trigram_blank_proba(tri, ["ab"], [2], "left")[0]
    assert p[_letter("b")] == pytest.approx(3 / 29)
    assert p[_letter("c")] == pytest.approx(2 / 29)
    assert p[_letter("z")] == pytest.approx(1 / 29)


def test_right_trigram_add_one_known_answer():
    # reversed words ba, ba, ca: P(a | <s> b) = (2 + 1) / (2 + 29), others 1/31; over 26 letters: 3/28
    tri = bw.fit_letter_trigram(TINY, "right", "add_alpha", alpha=1.0)
    p = bw.trigram_blank_proba(tri, ["ab"], [1], "right")[0]
    assert p[_letter("a")] == pytest.approx(3 / 28)
    assert p[_letter("q")] == pytest.approx(1 / 28)


def test_both_sides_trigram_add_one_known_answer():
    # blank at t = 2 of "ab": P(c | <s> a) * P(</s> | a c)
    #   b: 3/32 * 3/31,  c: 2/32 * 2/30,  any other x: 1/32 * 1/29 (context "a x" never seen)
    tri = bw.fit_letter_trigram(TINY, "left", "add_alpha", alpha=1.0)
    p = bw.trigram_blank_proba(tri, ["ab"], [2], "both")[0]
    score = np.full(26, 1 / 32 * 1 / 29)
    score[_letter("b")], score[_letter("c")] = 3 / 32 * 3 / 31, 2 / 32 * 2 / 30
    np.testing.assert_allclose(p, score / score.sum(), rtol=1e-12)


@pytest.mark.parametrize("word", ["abcab", "cab", "ba"])
def test_both_sides_is_the_whole_word_probability(word):
    # independent path: nltk's own score of every symbol of the word (and </s>) with c in the blank
    train = ("abcab", "bcab", "cabba", "abc", "cca", "bab")
    lm = fit_ngram(train, 3, "witten_bell")
    tri = bw.fit_letter_trigram(train, "left", "witten_bell")
    for t in range(1, len(word) + 1):
        whole = np.empty(26)
        for j, c in enumerate(ALPHABET):
            s = ["<s>", "<s>"] + list(word[:t - 1] + c + word[t:]) + ["</s>"]
            whole[j] = np.prod([lm.score(s[i], tuple(s[i - 2:i])) for i in range(2, len(s))])
        got = bw.trigram_blank_proba(tri, [word], [t], "both")[0]
        np.testing.assert_allclose(got, whole / whole.sum(), rtol=1e-10)


def test_trigram_proba_rows_sum_to_one_and_checks():
    train = ("happy", "hope", "sad", "nope")
    b = bw.fit_baselines(train)
    words, positions = ["happy", "sad", "nope"], np.array([2, 3, 1])
    probas = bw.baseline_proba(b, words, positions)
    assert tuple(probas) == bw.BASELINE_NAMES
    for p in probas.values():
        assert p.shape == (3, 26)
        np.testing.assert_allclose(p.sum(axis=1), 1.0)
    # the most frequent letter of the training words: p (4 of 16 letters)
    assert probas["most frequent letter"][0].argmax() == _letter("p")
    assert b.frequencies[_letter("p")] == pytest.approx(4 / 16)
    with pytest.raises(ValueError, match="reads='right' needs a trigram fitted with direction='right'"):
        bw.trigram_blank_proba(b.left, words, positions, "right")
    with pytest.raises(ValueError, match="positions must be"):
        bw.baseline_proba(b, words, [2, 3])
    with pytest.raises(ValueError, match="alpha must be given"):
        bw.fit_letter_trigram(train, "left", "add_alpha")


def test_accuracy_rows_by_position_and_table():
    targets = np.array([0, 1, 2, 3])
    classes = np.array(["first", "middle", "middle", "last"])
    p = np.zeros((4, 26))
    p[[0, 1, 2, 3], [0, 1, 5, 5]] = 1.0  # right, right, wrong, wrong
    rows = bw.accuracy_rows({"guesser": p}, targets, classes, notes={"guesser": "by hand"})
    r = rows[0]
    assert r.accuracy == 0.5
    assert r.by_position == {"first": 1.0, "middle": 0.5, "last": 0.0}
    assert r.n == {"all": 4, "first": 1, "middle": 2, "last": 1}
    table = bw.accuracy_table(rows, "conditions: by hand")
    assert "guesser" in table and " 50.0%" in table and "100.0%" in table and "by hand" in table
    assert table.endswith("conditions: by hand")
    with pytest.raises(ValueError, match=r"must be \(N, 26\)"):
        bw.accuracy_rows({"bad": p[:, :5]}, targets, classes)

def _tiny_data(train_words, held_out=None):
    """A SmudgeData by hand: validation and test words are ``held_out`` (by default the training words)."""
    from rnnlib.data import WordSet, smudge_words

    held_out = train_words if held_out is None else held_out
    parts = {p: WordSet(tuple(w), np.zeros(len(w), dtype=int), np.zeros(len(w)))
             for p, w in (("train", train_words), ("validation", held_out), ("test", held_out))}
    return bw.SmudgeData(parts, {p: smudge_words(s.words) for p, s in parts.items()}, "family", 0)


OVERFIT_WORDS = ("happy", "sad", "hope", "nope", "glad", "joy")


@pytest.fixture(scope="module")
def overfit_runs():
    data = _tiny_data(OVERFIT_WORDS)
    return data, bw.train_readers(cell="rnn", data=data, hidden_size=16, epochs=60, lr=0.03, batch_size=8, seed=0)


def test_readers_overfit_a_tiny_lexicon_and_beat_the_most_frequent_letter(overfit_runs):
    data, runs = overfit_runs
    rows = {r.name: r for r in bw.smudge_rows(data, runs)}
    assert tuple(rows) == bw.BASELINE_NAMES + ("RNN, left", "RNN, right", "RNN, both sides")
    # 23 blanks; the most frequent letter of these words (p, 4 of 23 letters) is right 4 times
    assert rows["most frequent letter"].accuracy == pytest.approx(4 / 23)
    # both sides: every blank is restored but one, "_ope" (hope or nope: the same input, one guess)
    assert rows["RNN, both sides"].accuracy == pytest.approx(22 / 23)
    for name in ("RNN, left", "RNN, right"):
        assert rows[name].accuracy > 0.5
    # the left reader cannot tell the first letters apart: at t = 1 it has read only the blank, so it
    # makes one guess for the six first letters h s h n g j, right 2 times in 6 at most (h)
    first = data.examples["test"].position == 1
    p = bw.reader_proba(runs["left"], data.examples["test"])[first]  # (6, 26)
    np.testing.assert_array_equal(p, np.tile(p[0], (6, 1)))
    assert rows["RNN, left"].by_position["first"] <= 2 / 6
    assert rows["RNN, right"].by_position["first"] > rows["RNN, left"].by_position["first"]  # the right sees more
    for run in runs.values():
        assert run.settings["n_examples"] == {"train": 23, "validation": 23, "test": 23}
        assert 1 <= run.best_epoch <= 60


def test_reader_top_letters_and_table(overfit_runs):
    _, runs = overfit_runs
    top = bw.reader_top_letters(runs["both"], "h_ppy", k=5)
    assert [c for c, _ in top][0] == "a" and len(top) == 5
    assert all(p1 >= p2 for (_, p1), (_, p2) in zip(top, top[1:]))
    table = bw.top_letters_table(runs, "h_ppy", k=3)
    assert table.splitlines()[0] == "h_ppy: the 3 likeliest letters of each reader"
    assert table.splitlines()[3].startswith("RNN, both sides  a ")


def test_train_reader_is_deterministic():
    data = _tiny_data(("cat", "cot", "dog"))
    a = bw.train_reader("both", "gru", data=data, hidden_size=4, epochs=2, batch_size=4, seed=3)
    b = bw.train_reader("both", "gru", data=data, hidden_size=4, epochs=2, batch_size=4, seed=3)
    for k in a.model.params:
        np.testing.assert_array_equal(a.model.params[k], b.model.params[k])
    assert a.val_accuracy == b.val_accuracy and a.accuracy == b.accuracy


def test_context_summary_states_gains_and_losses():
    def row(name, acc, first, middle, last):
        return bw.AccuracyRow(name, acc, {"first": first, "middle": middle, "last": last}, {}, "")

    rows = [row("trigram, left", 0.25, 0.05, 0.25, 0.45), row("trigram, right", 0.30, 0.20, 0.30, 0.30),
            row("trigram, both sides", 0.40, 0.20, 0.45, 0.40)]
    text = bw.context_summary(rows)
    assert text == ("trigram, both sides: overall 40.0% against 30.0% from the right (+10.0 points); at the first "
                    "letter 20.0% against 20.0% from the right (no gain); at the middle letter 45.0% against 30.0% "
                    "from the right (+15.0 points); at the last letter 40.0% against 45.0% from the left (-5.0 "
                    "points).")
    with pytest.raises(ValueError, match="both sides"):
        bw.context_summary(rows[:2])


def test_smudge_rows_check_the_split():
    data = _tiny_data(("cat", "cot", "dog"))
    run = bw.train_reader("left", data=data, hidden_size=4, epochs=1, batch_size=4)
    other = data._replace(split="random")
    with pytest.raises(ValueError, match="trained on the family split"):
        bw.smudge_rows(other, {"left": run})
    with pytest.raises(ValueError, match="part must be"):
        bw.smudge_rows(data, {"left": run}, part="train")


# === the GRU beside the LSTM and the RNN: parameter counts, one step's values, the sweep's GRU rows (helper H3) ===


@pytest.mark.parametrize("D, H, C", [(8, 32, 1), (26, 64, 26), (3, 5, 2), (1, 1, 1)])
def test_parameter_counts_match_the_models(D, H, C):
    from rnnlib.model import SequenceClassifier

    counts = bw.parameter_counts(D, H, C)
    for cell, count in counts.items():
        model = SequenceClassifier(D, H, cell=cell, n_classes=C, seed=0)
        assert count.total == model.n_parameters, cell
        assert count.readout == model.params["Wy"].size + model.params["by"].size
        assert count.Wx == model.params["Wx"].size and count.Wh == model.params["Wh"].size
        # the written formula evaluates to the cell's count
        formula = count.formula.replace("H(", "H*(").replace("3H", "3*H").replace("4H", "4*H")
        assert eval(formula, {"D": D, "H": H}) == count.recurrent
    assert bw.parameter_counts(D, H)["gru"].readout == 0


def test_parameter_counts_known_values_and_table():
    counts = bw.parameter_counts(8, 32)  # the lag sweep's cells: D = 8, H = 32
    assert {c: n.recurrent for c, n in counts.items()} == {"rnn": 1312, "gru": 4032, "lstm": 5248}
    assert counts["gru"].biases == 192  # b_x and b_h, 3H each
    table = bw.parameter_table(8, 32).splitlines()
    assert table[1].split() == ["RNN", "256", "1,024", "32", "1,312", "H(D", "+", "H", "+", "1)", "1.00"]
    assert table[2].split()[-1] == "3.07" and table[3].split()[-1] == "4.00"
    assert table[-1].startswith("D = 8 input features, H = 32 hidden units, no read-out;")
    assert bw.parameter_table(8, 32, 1).splitlines()[-1].startswith("D = 8 input features, H = 32 hidden units, "
                                                                    "read-out to C = 1 output;")
    with_readout = bw.parameter_table(26, 64, 26).splitlines()
    assert with_readout[2].split()[-3:] == ["1,690", "19,354", "3.03"]
    with pytest.raises(ValueError, match="H"):
        bw.parameter_counts(8, 0)
    with pytest.raises(ValueError, match="C"):
        bw.parameter_counts(8, 4, -1)


def test_gru_step_values_known_answer():
    """The worked example, by hand: r = s(0.6), z = s(2.1), n = tanh(1 + 0.1 r), h = (1 - z) n + 0.2 z."""
    import math

    v = bw.gru_step_values()
    s = lambda a: 1 / (1 + math.exp(-a))  # noqa: E731
    r, z = s(0.6), s(2.1)
    n = math.tanh(1.0 + r * 0.1)
    assert (v["ax_r"], v["ax_z"], v["ax_n"]) == (0.5, 2.0, 1.0)  # x W_x + b_x = 1 + (-0.5, 1, 0)
    assert v["ah_r"] == v["ah_z"] == v["ah_n"] == pytest.approx(0.1)  # h_prev W_h + b_h = 0.2 * 0.5
    assert v["r"] == pytest.approx(r, abs=1e-15) and v["z"] == pytest.approx(z, abs=1e-15)
    assert v["n"] == pytest.approx(n, abs=1e-15) and v["a_n"] == pytest.approx(1.0 + 0.1 * r, abs=1e-15)
    assert v["h"] == pytest.approx((1 - z) * n + z * 0.2, abs=1e-15)
    assert v["h"] == pytest.approx(v["new_part"] + v["kept_part"], abs=1e-15)
    assert v["r_ah_n"] == pytest.approx(r * 0.1) and v["one_minus_z"] == pytest.approx(1 - z)
    assert bw.gru_step_values(**bw.GRU_EXAMPLE) == v


def test_gru_step_values_extremes_and_the_split_bias():
    keep = bw.gru_step_values(x=0.7, h_prev=-0.4, bx=(0.0, 40.0, 0.0))  # z = 1: h passes unchanged
    assert keep["z"] == 1.0 and keep["h"] == -0.4
    take = bw.gru_step_values(x=0.7, h_prev=-0.4, bx=(0.0, -40.0, 0.0))  # z = 0: h_t = n
    assert take["h"] == pytest.approx(take["n"], abs=1e-15)
    # b_hn sits inside the reset gate's product, b_xn outside: the same number in the two places differs
    closed = {"x": 0.0, "h_prev": 0.0, "bx": (-40.0, 0.0, 0.0)}  # r = 0
    assert bw.gru_step_values(**closed, bh=(0.0, 0.0, 1.0))["n"] == pytest.approx(0.0, abs=1e-15)
    assert bw.gru_step_values(**closed | {"bx": (-40.0, 0.0, 1.0)})["n"] == pytest.approx(np.tanh(1.0))
    with pytest.raises(ValueError, match="Wx"):
        bw.gru_step_values(Wx=(1.0, 1.0, 1.0, 1.0))
    with pytest.raises(ValueError, match="h_prev must be a single finite number"):
        bw.gru_step_values(h_prev=float("nan"))


def _sweep_of(accuracies):
    """A sweep dict with the three cells' rows: accuracies {key: [acc at lag 5, 10, 20]}, seed 0 only."""
    from dataclasses import asdict

    from rnnlib.lessons.vanishing_gradient import CONFIGS

    records = [{"config": k, "lag": lag, "seed": 0, "accuracy": a, "steps_to_solve": 20 if a >= 0.9 else None}
               for k, accs in accuracies.items() for lag, a in zip((5, 10, 20), accs)]
    return {"configs": {k: asdict(CONFIGS[k]) for k in accuracies}, "records": records,
            "meta": {"added": [{"keys": list(bw.GRU_SWEEP_KEYS), "runs": 12, "seconds": 9}]}}


def test_gru_sweep_report_puts_the_three_cells_side_by_side():
    acc = {k: [1.0, 1.0, 1.0] for k in bw.THREE_CELL_KEYS}
    acc["gru_sgd"] = [1.0, 0.5, 0.5]  # reliable to lag 5
    acc["lstm_sgd"] = [1.0, 1.0, 0.5]  # to lag 10
    report = bw.gru_sweep_report(_sweep_of(acc))
    lines = report.accuracy.splitlines()
    assert [line.split(",")[0] for line in lines[1:4]] == ["RNN", "LSTM", "GRU"]  # setting by setting
    assert lines[3].split()[-6:] == ["1.00", "(1/1)", "0.50", "(0/1)", "0.50", "(0/1)"]
    assert len(lines) == 1 + 12 and len(report.conditions.splitlines()) == 12
    assert report.gru_vs_lstm.splitlines()[0].endswith("-> LSTM further")
    assert report.gru_vs_rnn.splitlines()[0].endswith("-> RNN further")
    assert report.gru_vs_lstm.splitlines()[2].endswith("-> the same reach")
    assert report.reach["gru_sgd"] == 5 and report.reach["lstm_sgd"] == 10 and report.reach["gru_adam"] == 20
    assert report.sentences[0].startswith("GRU, SGD+momentum, default init: reliable (all 1 seeds")
    assert report.meta == {"keys": list(bw.GRU_SWEEP_KEYS), "runs": 12, "seconds": 9}
    assert report.steps.splitlines()[3].split()[-3:] == ["20", "-", "-"]
    with pytest.raises(ValueError, match="missing"):
        bw.gru_sweep_report(_sweep_of({k: [1.0, 1.0, 1.0] for k in bw.THREE_CELL_KEYS[:-1]}))



# === the smudged letter, cell against cell: the committed run's loader and table (helper H6) ===


def _smudged_results(records):
    """A results dict as experiments/smudged_letter_seeds.py --save writes it, around the given records."""
    meta = {"complete": True, "hidden_size": 32, "epochs": 2, "lr": 0.01, "batch_size": 128, "clip": 5.0,
            "keep_best": "weights of the epoch with the lowest validation loss", "split": "family", "split_seed": 0,
            "n_words": {"train": 3, "validation": 1, "test": 2}, "n_examples": {"train": 9, "validation": 3,
                                                                                "test": 10},
            "n_test_by_position": {"first": 2, "middle": 6, "last": 2}, "scored": "every letter",
            "cpu": "process CPU seconds", "machine": "a test"}
    baselines = [{"name": "most frequent letter", "accuracy": 0.1,
                  "by_position": {"first": 0.0, "middle": 0.0, "last": 0.5}, "note": "counts"}]
    return {"meta": meta, "baselines": baselines, "records": records}


def _record(cell, reads, seed, acc, first, middle, last, best_epoch=1, cpu=10.0):
    return {"cell": cell, "reads": reads, "seed": seed, "accuracy": acc,
            "by_position": {"first": first, "middle": middle, "last": last}, "best_epoch": best_epoch,
            "epochs": 2, "hidden_size": 32, "n_parameters": 100 if reads != "both" else 200, "cpu_seconds": cpu}


SMUDGED_RECORDS = [  # LSTM before RNN on purpose: the rows come out RNN, GRU, LSTM and left, right, both
    _record("lstm", "both", 0, 0.6, 0.5, 0.5, 1.0),
    _record("rnn", "both", 1, 0.5, 0.5, 0.5, 0.5, best_epoch=2, cpu=30.0),
    _record("rnn", "both", 0, 0.3, 0.0, 0.5, 0.0, cpu=10.0),
    _record("rnn", "left", 0, 0.2, 0.0, 0.0, 1.0),
    _record("rnn", "right", 0, 0.4, 1.0, 1 / 3, 0.0),
]


def test_smudged_cells_rows_known_answer():
    rows = bw.smudged_cells_rows(_smudged_results(SMUDGED_RECORDS))
    assert [r.name for r in rows] == ["most frequent letter", "RNN, left", "RNN, right", "RNN, both sides",
                                      "LSTM, both sides"]
    both = rows[3]
    assert both.accuracy == pytest.approx(0.4)  # mean of 0.3 and 0.5
    assert both.by_position["first"] == pytest.approx(0.25) and both.by_position["last"] == pytest.approx(0.25)
    assert both.n == {"all": 10, "first": 2, "middle": 6, "last": 2}
    assert both.note == ("seeds 0, 1: 30.0 / 50.0%; H = 32 x 2, 200 parameters, epoch kept 1 2 of 2, 20 s CPU")
    assert rows[1].note.startswith("seed 0 only; H = 32, 100 parameters, epoch kept 1 of 2")
    assert rows[0].note == "counts" and rows[0].accuracy == 0.1
    only_rnn = bw.smudged_cells_rows(_smudged_results(SMUDGED_RECORDS), cells="rnn", baselines=False)
    assert [r.name for r in only_rnn] == ["RNN, left", "RNN, right", "RNN, both sides"]
    # the rows feed the module's summary: both sides (40%) against the better side (right, 40%): no gain
    summary = bw.context_summary(only_rnn)
    assert summary.startswith("RNN, both sides: overall 40.0% against 40.0% from the right (no gain)")
    assert "at the first letter 25.0% against 100.0% from the right (-75.0 points)" in summary


def test_smudged_cells_table_and_conditions():
    results = _smudged_results(SMUDGED_RECORDS)
    lines = bw.smudged_cells_table(results).splitlines()
    assert lines[0].split()[:5] == ["reader", "all", "first", "middle", "last"]
    assert lines[1].split()[1:] == ["10", "2", "6", "2"]
    assert lines[5].split()[:7] == ["RNN,", "both", "sides", "40.0%", "25.0%", "50.0%", "25.0%"]
    assert lines[-1].startswith("conditions: family split (seed 0) of the lexicon's 6 words: train 3 words (9 blanks)")
    assert "H = 32 per direction, Adam lr 0.01, batch 128, clip 5, 2 epochs" in lines[-1]
    assert "stopped" not in lines[-1]
    results["meta"]["complete"] = False
    assert "The run stopped before the planned grid was done." in bw.smudged_cells_conditions(results)


def test_smudged_results_save_load_and_bad_input(tmp_path):
    results = _smudged_results(SMUDGED_RECORDS)
    path = tmp_path / "smudged.json"
    bw.save_smudged_results(path, results)
    assert bw.load_smudged_results(path) == results
    with pytest.raises(FileNotFoundError, match="smudged_letter_seeds.py --save"):
        bw.load_smudged_results(tmp_path / "absent.json")
    with pytest.raises(ValueError, match="missing \\['baselines'\\]"):
        bw.save_smudged_results(path, {"meta": {}, "records": []})
    with pytest.raises(ValueError, match=r"among those in the results, \['rnn', 'lstm'\]; got \['gru'\]"):
        bw.smudged_cells_rows(results, cells=["gru"])
    with pytest.raises(ValueError, match="at least one record"):
        bw.smudged_cells_rows(_smudged_results([]))


def test_committed_smudged_results_are_consistent():
    """The committed run: what the meta says ran is there; each record's parts add up; the sizes are the model's."""
    from rnnlib.model import BlankReader

    results = bw.load_smudged_results()
    m, records = results["meta"], results["records"]
    assert [[r["cell"], r["reads"], r["seed"]] for r in records] == m["planned"][:len(records)]
    assert m["complete"] == (len(records) == len(m["planned"]))
    n = m["n_test_by_position"]
    assert sum(n.values()) == m["n_examples"]["test"]
    for r in records + results["baselines"]:  # overall = the examples-weighted mean of the three positions
        by = r["by_position"]
        assert r["accuracy"] == pytest.approx(sum(n[c] * by[c] for c in n) / m["n_examples"]["test"], abs=1e-12)
    for r in records:
        assert r["n_parameters"] == BlankReader(r["hidden_size"], cell=r["cell"], reads=r["reads"]).n_parameters
        assert 1 <= r["best_epoch"] <= r["epochs"] == m["epochs"] and r["hidden_size"] == m["hidden_size"]
    assert [r.name for r in bw.smudged_cells_rows(results)][:4] == list(bw.BASELINE_NAMES)


def test_gru_sweep_report_of_the_committed_sweep():
    """The numbers notebook 08's closing note states about the GRU rows."""
    report = bw.gru_sweep_report()
    assert report.reach == {"rnn_sgd": 10, "lstm_sgd": 20, "gru_sgd": 5, "rnn_sgd_rec": 50, "lstm_sgd_rec": None,
                            "gru_sgd_rec": 10, "rnn_adam": 200, "lstm_adam": 30, "gru_adam": 20, "rnn_adam_rec": 30,
                            "lstm_adam_rec": 200, "gru_adam_rec": 200}
    assert report.sentences[3] == "GRU, Adam, chrono init: solved every lag tested, up to 200, with all 3 seeds."
    assert report.gru_vs_lstm.splitlines()[3].endswith("-> the same reach")
    steps = {line[:36].strip(): line.split()[-1] for line in report.steps.splitlines()[1:]}
    assert steps["GRU, Adam, chrono init"] == "73" and steps["LSTM, Adam, chrono init"] == "78"  # lag 200
    assert report.meta["runs"] == 96 and report.meta["workers"] == 2


# --- read_both_ways / reader_models (the lead) -------------------------------------------------------

def test_read_both_ways_matches_the_readers():
    from rnnlib.data import encode_smudged
    from rnnlib.model import BlankReader

    readers = {r: BlankReader(4, reads=r, seed=i) for i, r in enumerate(("left", "right", "both"))}
    out = bw.read_both_ways(readers, "pe_ce")
    x, lengths, position = encode_smudged("pe_ce")
    assert out["word"] == "pe_ce" and out["p"] == 3
    for r, model in readers.items():
        np.testing.assert_array_equal(out["probs"][r], model.predict_proba(x, lengths, position)[0])
        assert out["probs"][r].shape == (26,) and abs(out["probs"][r].sum() - 1) < 1e-12
    states = readers["both"].states(x, lengths)
    np.testing.assert_array_equal(out["states"]["fwd"], states["fwd"][0])
    np.testing.assert_array_equal(out["states"]["bwd"], states["bwd"][0])
    assert out["states"]["fwd"].shape == (5, 4)
    with pytest.raises(ValueError, match="keys"):
        bw.read_both_ways({"left": readers["left"]}, "pe_ce")
    with pytest.raises(ValueError, match="must read 'right'"):
        bw.read_both_ways({**readers, "right": readers["left"]}, "pe_ce")
    with pytest.raises(ValueError, match="blank"):
        bw.read_both_ways(readers, "peace")
