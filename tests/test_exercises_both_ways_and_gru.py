"""Tests of the notebook-08 checkers (GRU step forward and backward, which backward state, joining both ways):
the right answer passes, each typical mistake gets its own message, errors are reported, not raised."""

import re

import numpy as np
import pytest

from rnnlib import gru_step_backward, gru_step_forward, sigmoid
from rnnlib.bidirectional import bidirectional_forward, reverse_padded
from rnnlib.exercises.base import HINTS, hint
from rnnlib.exercises.both_ways_and_gru import (
    BACKWARD_MISTAKES,
    FORWARD_MISTAKES,
    JOIN_MISTAKES,
    _forward_variant,
    backward_with_mistake,
    check_gru_step,
    check_gru_step_backward,
    check_join_both_ways,
    check_which_backward_state,
    forward_with_mistakes,
    gru_step_cases,
    join_cases,
    join_with_mistake,
    solution_gru_step,
    solution_gru_step_backward,
    solution_join_both_ways,
    solution_which_backward_state,
)
from rnnlib.gradcheck import numerical_gradient
from rnnlib.gru import gru_forward

NAMES = ("gru_step", "gru_step_backward", "which_backward_state", "join_both_ways")


def _notebook(*sources):
    """Run solution texts in one namespace, like notebook cells: the functions see each other."""
    namespace = {"np": np, "sigmoid": sigmoid}
    for source in sources:
        exec(source, namespace)
    return namespace


NB = _notebook(solution_gru_step(), solution_gru_step_backward(), solution_which_backward_state(),
               solution_join_both_ways())


# --------------------------------------------------------------------------- the written solutions
def test_solutions_agree_with_rnnlib(rng):
    x, h = rng.normal(size=(3, 5)), rng.normal(size=(3, 4))
    Wx, Wh, bx, bh = rng.normal(size=(5, 12)), rng.normal(size=(4, 12)), rng.normal(size=12), rng.normal(size=12)
    want, cache = gru_step_forward(x, h, Wx, Wh, bx, bh)
    np.testing.assert_allclose(NB["gru_step_forward_mine"](x, h, Wx, Wh, bx, bh), want, rtol=1e-12)
    dh = rng.normal(size=(3, 4))
    for mine, ref in zip(NB["gru_step_backward_mine"](dh, x, h, Wx, Wh, bx, bh), gru_step_backward(dh, cache),
                         strict=True):
        np.testing.assert_allclose(mine, ref, rtol=1e-12, atol=1e-14)


def test_join_solution_is_the_library_on_real_gru_readers(rng):
    """Joined by hand from two GRU readers (the backward one in its own order) = bidirectional_forward."""
    N, T, D, H = 3, 7, 4, 2
    lengths = np.array([7, 4, 2])
    x = rng.normal(size=(N, T, D))
    params = [{"Wx": rng.normal(size=(D, 3 * H)), "Wh": rng.normal(size=(H, 3 * H)), "bx": rng.normal(size=3 * H),
               "bh": rng.normal(size=3 * H)} for _ in range(2)]
    h0 = np.zeros((N, H))
    hs_fwd, _ = gru_forward(x, h0, **params[0])
    hs_bwd, _ = gru_forward(reverse_padded(x, lengths), h0, **params[1])
    want, _ = bidirectional_forward(x, params[0], params[1], cell="gru", lengths=lengths)
    np.testing.assert_allclose(NB["join_both_ways_mine"](hs_fwd, hs_bwd, lengths), want, rtol=1e-12)


def test_join_cases_are_what_they_say():
    cases = join_cases()
    assert [c["name"] for c in cases] == ["no padding", "padded"]
    padded = cases[1]
    assert padded["lengths"].tolist() == [6, 3, 1] and padded["hs_fwd"].shape == (3, 6, 2)
    # the backward reader's first state has read the last real letter; beyond the length it read padding
    assert np.allclose(padded["want"][1, 2, 2:], padded["hs_bwd"][1, 0])
    assert np.allclose(padded["want"][1, 0, 2:], padded["hs_bwd"][1, 2])
    assert not np.allclose(padded["hs_bwd"][1, 3:], 0.0) and np.allclose(padded["want"][1, 3:], 0.0)


@pytest.mark.parametrize("name", NAMES)
def test_hints_go_from_gentle_to_the_solution(name):
    assert len(HINTS[name]) == 3
    assert f'solution("{name}")' in HINTS[name][2]
    assert hint(name, 1).startswith(f"Hint 1/3 for {name}")


# --------------------------------------------------------------------------- gru_step (forward)
def test_forward_accepts_the_solution_and_the_library():
    result = check_gru_step(NB["gru_step_forward_mine"])
    assert result.ok, result.message
    assert "on all 3 cases" in result.message
    assert check_gru_step(gru_step_forward).ok  # (h, cache) is accepted too


@pytest.mark.parametrize("mistake", sorted(FORWARD_MISTAKES))
def test_forward_every_typical_mistake_gets_its_message(mistake):
    result = check_gru_step(forward_with_mistakes(mistake))
    assert not result.ok
    assert f"your h matches a GRU step in which {FORWARD_MISTAKES[mistake][0]}" in result.message


def test_forward_messages_name_the_conventions():
    swapped = check_gru_step(forward_with_mistakes("z_swapped")).message
    assert "h_t = (1 - z) * n + z * h_{t-1}: z = 1 keeps the old state" in swapped and "Cho et al. (2014)" in swapped
    cho = check_gru_step(forward_with_mistakes("reset_before_Whn")).message
    assert "(r * h_{t-1}) W_hn" in cho and "Cho et al. (2014)'s paper" in cho and "PyTorch's nn.GRU" in cho
    assert "(z, r, n)" in check_gru_step(forward_with_mistakes("order_zrn")).message


def test_forward_two_mistakes_together_are_both_named():
    message = check_gru_step(forward_with_mistakes("z_swapped", "reset_before_Whn")).message
    assert "(1) z and 1 - z are swapped" in message and "(2) the reset gate multiplies h_{t-1} before W_hn" in message


def test_forward_mistakes_are_distinguishable_on_the_cases():
    """No two mistakes (or pairs) give the same h on the checker's first case: each message is earned."""
    case = gru_step_cases()[0]
    args = tuple(case[k] for k in ("x", "h_prev", "Wx", "Wh", "bx", "bh"))
    outputs = [gru_step_forward(*args)[0]] + [_forward_variant(*args, **kw) for _, kw in FORWARD_MISTAKES.values()]
    for i in range(len(outputs)):
        for j in range(i + 1, len(outputs)):
            assert not np.allclose(outputs[i], outputs[j], rtol=1e-3), (i, j)


def test_forward_shapes_and_errors_are_reported_not_raised():
    def wide(x, h_prev, Wx, Wh, bx, bh):
        return x @ Wx + bx

    assert "a 3H-wide pre-activation" in check_gru_step(wide).message
    transposed = check_gru_step(lambda *a: NB["gru_step_forward_mine"](*a).T).message
    assert "has shape (4, 2), expected (2, 4)" in transposed and "one column per example" in transposed
    assert "raised ValueError" in check_gru_step(lambda x, h_prev, Wx, Wh, bx, bh: x @ Wh).message
    assert "returned None" in check_gru_step(lambda *a: None).message
    assert "NotImplementedError" in check_gru_step(lambda *a: (_ for _ in ()).throw(NotImplementedError())).message


def test_forward_unknown_slip_says_where():
    message = check_gru_step(lambda *a: NB["gru_step_forward_mine"](*a) * 1.01).message
    assert "matches none of the usual mistakes" in message and "most at h[" in message
    with pytest.raises(ValueError, match="mistake must be one of"):
        forward_with_mistakes("typo")


# --------------------------------------------------------------------------- gru_step_backward
def test_backward_accepts_the_solution_with_own_forward_finite_differences():
    result = check_gru_step_backward(NB["gru_step_backward_mine"])
    assert result.ok, result.message
    assert "finite differences of your gru_step_forward_mine" in result.message
    alone = _notebook(solution_gru_step_backward())["gru_step_backward_mine"]  # no forward defined next to it
    result = check_gru_step_backward(alone)
    assert result.ok and "finite differences" not in result.message


@pytest.mark.parametrize("mistake", sorted(BACKWARD_MISTAKES))
def test_backward_every_typical_mistake_gets_its_message(mistake):
    result = check_gru_step_backward(backward_with_mistake(mistake))
    assert not result.ok
    assert f"your gradients match a backward pass in which {BACKWARD_MISTAKES[mistake][0]}" in result.message


def test_backward_missing_direct_path_names_dh_prev_only():
    message = check_gru_step_backward(backward_with_mistake("no_direct_path")).message
    assert message.startswith("dh_prev is wrong") and "Right: dx, dWx, dWh, dbx, dbh." in message
    assert "dh_prev = dh * z + dah @ Wh.T" in message


def test_backward_names_the_wrong_blocks():
    message = check_gru_step_backward(backward_with_mistake("dah_n_without_r")).message
    assert "dWh is wrong" in message and "in the block(s) n (right in r, z)" in message
    assert "Right: dx, dWx, dbx." in message


def test_backward_that_is_the_gradient_of_a_wrong_forward_is_told_to_fix_the_forward():
    """The learner's forward swaps z and 1 - z; their backward is its exact gradient (here by finite differences)."""
    namespace = {"gru_step_forward_mine": forward_with_mistakes("z_swapped"), "np": np,
                 "numerical_gradient": numerical_gradient}
    exec("def gru_step_backward_mine(dh, x, h_prev, Wx, Wh, bx, bh):\n"
         "    case = dict(x=x, h_prev=h_prev, Wx=Wx, Wh=Wh, bx=bx, bh=bh)\n"
         "    return tuple(numerical_gradient(gru_step_forward_mine, case, k, dout=dh) for k in case)\n", namespace)
    message = check_gru_step_backward(namespace["gru_step_backward_mine"]).message
    assert "ARE the exact gradients of your own gru_step_forward_mine" in message
    assert "fix the forward first" in message


def test_backward_disagreeing_with_a_correct_own_forward_says_so():
    namespace = _notebook(solution_gru_step())
    namespace["wrong"] = backward_with_mistake("sigmoid_as_s")
    exec("def gru_step_backward_mine(*args):\n    return wrong(*args)\n", namespace)
    message = check_gru_step_backward(namespace["gru_step_backward_mine"]).message
    assert "Finite differences of your (correct) gru_step_forward_mine disagree with your dx, dh_prev" in message


def test_backward_shapes_and_errors_are_reported_not_raised():
    def transposed(*args):
        grads = list(NB["gru_step_backward_mine"](*args))
        grads[2] = grads[2].T
        return tuple(grads)

    assert "dWx has shape (12, 3); expected (3, 12)" in check_gru_step_backward(transposed).message
    assert "return six gradients" in check_gru_step_backward(lambda *a: a[:5]).message
    assert "raised KeyError" in check_gru_step_backward(lambda *a: {}["x"]).message
    with pytest.raises(ValueError, match="mistake must be one of"):
        backward_with_mistake("typo")


# --------------------------------------------------------------------------- which_backward_state
def test_prediction_right():
    result = check_which_backward_state(NB["which_backward_state_mine"])
    assert result.ok and "state 4" in result.message and "hs_bwd[:, 3]" in result.message


@pytest.mark.parametrize("answer, message", [
    ((2, "yppa"), "state 2 is where the FORWARD reader is"),
    ((3, "yppa"), "not yet x_2 = 'a': the state at t includes x_t. If you counted from 0"),
    ((5, "yppa"), "state 5 has read y, p, p, a, h and belongs to t = 1"),
    ((4, "appy"), "the right letters, but the backward reader read them from the end"),
    ((4, "ha"), "the letters the FORWARD reader has read"),
    ((4, "ypp"), "x_2 = 'a' is missing"),
    ((9, "yppa"), "numbered 1..5"),
    (("4", "yppa"), "j must be an int"),
    ((4, "a, p, p, y"), "letters = 'a, p, p, y' (read as 'appy'): those are the right letters, but"),
    ((4, "4"), "no letter a-z in it"),
    ((3, "y p p"), "j = 3: state 3 has read y, p, p"),
    ((4, list("yppa")), "letters must be a str"),
])
def test_prediction_mistakes(answer, message):
    result = check_which_backward_state(lambda: answer)
    assert not result.ok
    assert message in result.message


@pytest.mark.parametrize("letters", ["yppa", "y, p, p, a", "y p p a", "YPPA", " Y-p-P-a. "])
def test_prediction_letters_are_read_as_their_a_to_z_letters(letters):
    result = check_which_backward_state(lambda: (4, letters))
    assert result.ok, result.message


def test_prediction_speaks_of_j_not_k():
    # in notebook 08, k is the lag of notebooks 04/06: the state's number is j for the learner
    seen = " ".join([solution_which_backward_state(), *HINTS["which_backward_state"],
                     check_which_backward_state(NB["which_backward_state_mine"]).message,
                     check_which_backward_state(lambda: (2, "yppa")).message,
                     check_which_backward_state(lambda: None).message])
    assert "return j, letters" in solution_which_backward_state()
    assert "j = 2" in seen and "j (an int" in seen
    assert not re.search(r"\bk\b", seen)


# --------------------------------------------------------------------------- join_both_ways
def test_join_accepts_the_solution_and_a_vectorised_one():
    assert check_join_both_ways(NB["join_both_ways_mine"]).ok

    def vectorised(hs_fwd, hs_bwd, lengths):
        N, T, H = hs_fwd.shape
        t = np.arange(T)[None, :]
        real = t < lengths[:, None]
        idx = np.where(real, lengths[:, None] - 1 - t, 0)
        bwd = hs_bwd[np.arange(N)[:, None], idx]
        return np.where(real[:, :, None], np.concatenate([hs_fwd, bwd], axis=2), 0.0)

    assert check_join_both_ways(vectorised).ok


@pytest.mark.parametrize("mistake", sorted(JOIN_MISTAKES))
def test_join_every_typical_mistake_gets_its_message(mistake):
    result = check_join_both_ways(join_with_mistake(mistake))
    assert not result.ok
    assert JOIN_MISTAKES[mistake][0] in result.message


def test_join_padding_message_speaks_of_the_learners_array():
    message = check_join_both_ways(join_with_mistake("padding_not_zero")).message
    assert "in your hs the padded steps (t > ℓ) are not zero; set them to 0" in message
    assert "e.g. hs[1, 3] (length 3, t = 4)" in message


def test_join_padding_mistakes_show_only_on_the_padded_batch():
    for mistake in ("reversed_over_T", "padding_not_zero"):
        assert "batch 'padded' (N = 3, T = 6, H = 2, lengths (6, 3, 1)): right without padding, but" in \
            check_join_both_ways(join_with_mistake(mistake)).message


def test_join_the_naive_concatenation_gets_both_problems_in_turn():
    naive = check_join_both_ways(lambda f, b, lengths: np.concatenate([f, b], axis=2)).message
    assert "the backward states are not reversed" in naive
    flipped = check_join_both_ways(lambda f, b, lengths: np.concatenate([f, b[:, ::-1]], axis=2)).message
    assert JOIN_MISTAKES["reversed_over_T"][0] in flipped and JOIN_MISTAKES["padding_not_zero"][0] in flipped


def test_join_other_misplacements_name_the_state_and_the_step():
    def one_state_wrong(hs_fwd, hs_bwd, lengths):
        hs = NB["join_both_ways_mine"](hs_fwd, hs_bwd, lengths)
        H = hs_fwd.shape[2]
        hs[0, 1, H:] = hs_bwd[0, 0]  # sequence 0, t = 2 gets the state that has read only x_L
        return hs

    message = check_join_both_ways(one_state_wrong).message
    assert ("the backward half is wrong at hs[0, 1] (sequence 0 of length 5, t = 2): you put the backward reader's "
            "state 1 (hs_bwd[0, 0]); step t needs its state 4 (hs_bwd[0, 3]), after reading x_5..x_2") in message

    def forward_reversed(hs_fwd, hs_bwd, lengths):
        return NB["join_both_ways_mine"](hs_fwd[:, ::-1], hs_bwd, lengths)

    assert "the forward half is wrong: at hs[0, 0] (t = 1)" in check_join_both_ways(forward_reversed).message


def test_join_shapes_and_errors_are_reported_not_raised():
    assert "H columns, not 2H" in check_join_both_ways(lambda f, b, lengths: f + b).message
    assert "concatenated along axis 1" in check_join_both_ways(
        lambda f, b, lengths: np.concatenate([f, b], axis=1)).message
    assert "stacked" in check_join_both_ways(lambda f, b, lengths: np.stack([f, b])).message
    assert "raised IndexError" in check_join_both_ways(lambda f, b, lengths: b[:, lengths[0] + 10]).message
    with pytest.raises(ValueError, match="mistake must be one of"):
        join_with_mistake("typo")

