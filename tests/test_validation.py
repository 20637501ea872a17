"""Bad input to the public math API raises a ValueError that names the argument and both shapes."""

import numpy as np
import pytest

from rnnlib import (
    affine_forward,
    binary_logistic_loss,
    lstm_backward,
    lstm_forward,
    lstm_step_forward,
    rnn_backward,
    rnn_forward,
    rnn_step_forward,
    softmax_cross_entropy,
)

N, T, D, H = 2, 3, 4, 5


def good_rnn():
    return dict(x=np.zeros((N, T, D)), h0=np.zeros((N, H)), Wx=np.zeros((D, H)), Wh=np.zeros((H, H)), b=np.zeros(H))


def good_lstm():
    return dict(x=np.zeros((N, T, D)), h0=np.zeros((N, H)), Wx=np.zeros((D, 4 * H)), Wh=np.zeros((H, 4 * H)),
                b=np.zeros(4 * H))


@pytest.mark.parametrize("name,bad,expected_words", [
    ("x", np.zeros((N, D)), ["x", "(N, T, D)", "(2, 4)"]),
    ("h0", np.zeros((N + 1, H)), ["h0", "N=2", "(3, 5)"]),
    ("Wx", np.zeros((D + 1, H)), ["Wx", "D=4", "(5, 5)"]),
    ("Wh", np.zeros((H, H + 1)), ["Wh", "(H, H)", "(5, 6)"]),
    ("b", np.zeros(H + 2), ["b", "H=5", "(7,)"]),
    ("b", np.zeros((1, H)), ["b", "(H,)", "(1, 5)"]),
])
def test_rnn_forward_names_argument_and_shapes(name, bad, expected_words):
    args = good_rnn()
    args[name] = bad
    with pytest.raises(ValueError) as err:
        rnn_forward(**args)
    for word in expected_words:
        assert word in str(err.value)


@pytest.mark.parametrize("name,bad,expected_words", [
    ("Wx", np.zeros((D, H)), ["Wx", "4H", "(4, 5)"]),
    ("Wh", np.zeros((H, H)), ["Wh", "4H", "(5, 5)"]),
    ("b", np.zeros(H), ["b", "4H=20", "(5,)"]),
    ("x", np.zeros((N, T, D, 1)), ["x", "(N, T, D)", "(2, 3, 4, 1)"]),
])
def test_lstm_forward_names_argument_and_shapes(name, bad, expected_words):
    args = good_lstm()
    args[name] = bad
    with pytest.raises(ValueError) as err:
        lstm_forward(**args)
    for word in expected_words:
        assert word in str(err.value)


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("name", ["x", "h0", "Wx", "Wh", "b"])
def test_non_finite_input_is_rejected(name, value):
    for args, fwd in ((good_rnn(), rnn_forward), (good_lstm(), lstm_forward)):
        args[name] = args[name].copy()
        args[name].flat[0] = value
        with pytest.raises(ValueError, match=f"^{name} must be finite"):
            fwd(**args)


def test_step_functions_check_shapes():
    with pytest.raises(ValueError, match="h_prev"):
        rnn_step_forward(np.zeros((2, 3)), np.zeros((3, 4)), np.zeros((3, 4)), np.zeros((4, 4)), np.zeros(4))
    with pytest.raises(ValueError, match="c_prev"):
        lstm_step_forward(np.zeros((2, 3)), np.zeros((2, 4)), np.zeros((2, 5)), np.zeros((3, 16)),
                          np.zeros((4, 16)), np.zeros(16))


def test_backward_checks_upstream_gradient_shape():
    hs, cache = rnn_forward(**good_rnn())
    with pytest.raises(ValueError, match=r"dhs must have shape \(2, 3, 5\); got shape \(2, 3, 4\)"):
        rnn_backward(np.zeros((N, T, H - 1)), cache)
    hs, cache = lstm_forward(**good_lstm())
    with pytest.raises(ValueError, match="dhs"):
        lstm_backward(np.zeros((N, T + 1, H)), cache)


def test_non_numeric_and_ragged_input():
    args = good_rnn()
    args["x"] = [[["a"]]]
    with pytest.raises(ValueError, match="x must be a numeric array"):
        rnn_forward(**args)
    args["x"] = [[1, 2], [3]]
    with pytest.raises(ValueError, match="x must be an array"):
        rnn_forward(**args)


def test_losses_check_labels_and_shapes():
    with pytest.raises(ValueError, match=r"y must have shape \(3,\)"):
        binary_logistic_loss(np.zeros(3), np.zeros(2))
    with pytest.raises(ValueError, match="integer class labels in \\[0, 1\\]"):
        binary_logistic_loss(np.zeros(3), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="integer class labels in \\[0, 3\\]"):
        softmax_cross_entropy(np.zeros((2, 4)), np.array([0, 4]))
    with pytest.raises(ValueError, match="Wy"):
        affine_forward(np.zeros((2, 3)), np.zeros((4, 1)), np.zeros(1))


# When arguments disagree about a size, the message blames the odd one out, not the first weight.
@pytest.mark.parametrize("forward,k", [(rnn_forward, 1), (lstm_forward, 4)])
def test_a_hidden_state_of_the_wrong_size_is_blamed_not_the_weights(forward, k):
    args = good_lstm() if k == 4 else good_rnn()
    args["h0"] = np.zeros((N, 3))  # Wx, Wh and b were built for H = 5
    with pytest.raises(ValueError) as err:
        forward(**args)
    message = str(err.value)
    assert message.startswith("h0 must have shape (N, H) = (2, 5)"), message
    assert "got shape (2, 3)" in message and "Wh" in message and "b" in message
    assert not message.startswith("Wx")


def test_lstm_weights_for_another_hidden_size_are_blamed_one_by_one():
    args = good_lstm()
    args["Wh"] = np.zeros((3, 12))  # built for H = 3; h0, Wx, b say H = 5
    with pytest.raises(ValueError, match=r"^Wh must have shape \(H, 4H\) = \(5, 20\) with H=5 .*got shape \(3, 12\)"):
        lstm_forward(**args)


def test_lstm_gate_block_that_is_not_a_multiple_of_four_is_named():
    args = good_lstm()
    args["b"] = np.zeros(19)
    with pytest.raises(ValueError, match=r"^b must have shape \(4H,\) = \(20,\) with 4H=20, H=5 .*got shape \(19,\)"):
        lstm_forward(**args)


def test_without_a_majority_every_argument_and_its_size_is_listed():
    # x says N=2, h0 says N=3: nobody else knows N, so both are named with what each implies
    args = good_rnn()
    args["h0"] = np.zeros((3, H))
    with pytest.raises(ValueError) as err:
        rnn_forward(**args)
    message = str(err.value)
    assert "disagree about N" in message
    assert "x has shape (2, 3, 4) (N=2)" in message and "h0 has shape (3, 5) (N=3)" in message


def test_step_functions_blame_the_odd_argument_too():
    with pytest.raises(ValueError, match=r"^c_prev must have shape \(N, H\) = \(2, 5\)"):
        lstm_step_forward(np.zeros((N, D)), np.zeros((N, H)), np.zeros((N, 4)), np.zeros((D, 4 * H)),
                          np.zeros((H, 4 * H)), np.zeros(4 * H))
    # only x and Wx know D: neither is the majority, so both are named
    with pytest.raises(ValueError, match=r"disagree about D: Wx has shape \(6, 5\) \(D=6\); x has shape \(2, 4\)"):
        rnn_step_forward(np.zeros((N, D)), np.zeros((N, H)), np.zeros((D + 2, H)), np.zeros((H, H)), np.zeros(H))
