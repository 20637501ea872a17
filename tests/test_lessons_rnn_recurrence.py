"""Tests of rnnlib.lessons.rnn_recurrence: the intermediates of one RNN step and of a word."""

import numpy as np
import pytest

from rnnlib import SequenceClassifier, rnn_forward, rnn_step_forward
from rnnlib.lessons.rnn_recurrence import demo_parameters, rnn_step_intermediates, word_steps


def test_intermediates_known_values():
    x = np.array([[1.0, 0.0]])  # (1, 2)
    h_prev = np.array([[0.5, -1.0]])  # (1, 2)
    Wx = np.array([[0.2, -0.4], [9.0, 9.0]])
    Wh = np.array([[1.0, 2.0], [0.0, 1.0]])
    b = np.array([0.1, 0.3])
    s = rnn_step_intermediates(x, h_prev, Wx, Wh, b)
    np.testing.assert_allclose(s.x_Wx, [[0.2, -0.4]])  # the one-hot picks row 0 of Wx
    np.testing.assert_allclose(s.h_Wh, [[0.5, 0.0]])  # 0.5 * [1, 2] - 1 * [0, 1]
    np.testing.assert_allclose(s.a, [[0.8, -0.1]])
    np.testing.assert_allclose(s.h, np.tanh([[0.8, -0.1]]))


def test_intermediates_match_rnn_step_forward(rng):
    x, h_prev = rng.standard_normal((3, 5)), rng.standard_normal((3, 4))
    Wx, Wh, b = rng.standard_normal((5, 4)), rng.standard_normal((4, 4)), rng.standard_normal(4)
    s = rnn_step_intermediates(x, h_prev, Wx, Wh, b)
    h, _ = rnn_step_forward(x, h_prev, Wx, Wh, b)
    np.testing.assert_allclose(s.h, h, rtol=0, atol=1e-14)
    np.testing.assert_allclose(s.a, s.x_Wx + s.h_Wh + b)


def test_intermediates_bad_shape_names_argument(rng):
    with pytest.raises(ValueError, match="Wh"):
        rnn_step_intermediates(np.ones((1, 3)), np.ones((1, 4)), np.ones((3, 4)), np.ones((4, 3)), np.ones(4))


def test_word_steps_match_rnn_forward():
    p = demo_parameters(hidden_size=6, seed=3)
    steps = word_steps("hope", p["Wx"], p["Wh"], p["b"])
    from rnnlib.data import one_hot_word

    hs, _ = rnn_forward(one_hot_word("hope")[None], np.zeros((1, 6)), p["Wx"], p["Wh"], p["b"])
    np.testing.assert_allclose(steps.h, hs[0], rtol=0, atol=1e-14)
    assert steps.T == 4 and steps.H == 6
    np.testing.assert_array_equal(steps.h_prev[0], np.zeros(6))  # h_0 = 0
    np.testing.assert_array_equal(steps.h_prev[1:], steps.h[:-1])  # h_t feeds step t + 1
    np.testing.assert_array_equal(steps.x_Wx[1], p["Wx"][ord("o") - ord("a")])  # step 2 reads 'o'
    s2 = steps.step(2)
    np.testing.assert_allclose(s2.a, s2.x_Wx + s2.h_Wh + s2.b)
    with pytest.raises(ValueError, match="between 1 and T=4"):
        steps.step(5)
    assert steps.largest_magnitude() == pytest.approx(
        max(np.abs(a).max() for a in (steps.x_Wx, steps.h_Wh, steps.b, steps.a, steps.h)))


def test_word_steps_h0(rng):
    p = demo_parameters(4, seed=0)
    h0 = rng.uniform(-1, 1, 4)
    steps = word_steps("ab", p["Wx"], p["Wh"], p["b"], h0=h0)
    np.testing.assert_allclose(steps.h_Wh[0], h0 @ p["Wh"])


def test_demo_parameters_shapes_and_seed():
    p = demo_parameters(hidden_size=4, seed=7)
    assert {k: v.shape for k, v in p.items()} == {"Wx": (26, 4), "Wh": (4, 4), "b": (4,), "Wy": (4, 1), "by": (1,)}
    model = SequenceClassifier(26, 4, seed=7)
    np.testing.assert_array_equal(p["Wx"], model.params["Wx"])
    np.testing.assert_array_equal(p["Wh"], model.params["Wh"])
    assert np.all(np.abs(p["b"]) <= 0.5) and np.all(p["b"] != 0)
    np.testing.assert_array_equal(p["b"], demo_parameters(4, seed=7)["b"])  # deterministic
    assert not np.array_equal(p["b"], demo_parameters(4, seed=8)["b"])
    with pytest.raises(ValueError, match="hidden_size"):
        demo_parameters(hidden_size=0)


def test_three_notations_known_values():
    from rnnlib.lessons.rnn_recurrence import NOTATIONS, step_in_three_notations

    x = np.array([[1.0, 0.0, 2.0]])  # (1, D=3)
    h_prev = np.array([[0.5, -1.0]])  # (1, H=2)
    Wx = np.array([[0.1, 0.2], [5.0, 5.0], [-0.3, 0.4]])  # (3, 2)
    Wh = np.array([[1.0, 2.0], [0.0, 1.0]])  # not symmetric
    b = np.array([0.1, -0.2])
    expected = np.tanh([[0.1 - 0.6 + 0.5 + 0.1, 0.2 + 0.8 + 0.0 - 0.2]])  # x Wx + h Wh + b by hand
    forms = step_in_three_notations(x, h_prev, Wx, Wh, b)
    assert list(forms) == list(NOTATIONS)
    for name, h in forms.items():
        np.testing.assert_allclose(h, expected, rtol=0, atol=1e-15, err_msg=name)


def test_three_notations_agree_with_rnn_step_forward_on_a_batch(rng):
    from rnnlib.lessons.rnn_recurrence import step_in_three_notations

    x, h_prev = rng.standard_normal((3, 5)), rng.standard_normal((3, 4))
    Wx, Wh, b = rng.standard_normal((5, 4)), rng.standard_normal((4, 4)), rng.standard_normal(4)
    h, _ = rnn_step_forward(x, h_prev, Wx, Wh, b)
    for h_form in step_in_three_notations(x, h_prev, Wx, Wh, b).values():
        assert h_form.shape == (3, 4)
        np.testing.assert_allclose(h_form, h, rtol=0, atol=1e-14)
    with pytest.raises(ValueError, match="Wh"):
        step_in_three_notations(x, h_prev, Wx, Wh[:, :3], b)


def test_pytorch_layout_shapes_and_the_pytorch_formula(rng):
    from rnnlib.lessons.rnn_recurrence import pytorch_layout

    Wx, Wh, b = rng.standard_normal((5, 3)), rng.standard_normal((3, 3)), rng.standard_normal(3)
    p = pytorch_layout(Wx, Wh, b)
    assert {k: v.shape for k, v in p.items()} == {"weight_ih_l0": (3, 5), "weight_hh_l0": (3, 3),
                                                 "bias_ih_l0": (3,), "bias_hh_l0": (3,)}
    x, h_prev = rng.standard_normal((2, 5)), rng.standard_normal((2, 3))
    # PyTorch's nn.RNN: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)
    h_torch = np.tanh(x @ p["weight_ih_l0"].T + p["bias_ih_l0"] + h_prev @ p["weight_hh_l0"].T + p["bias_hh_l0"])
    np.testing.assert_allclose(h_torch, rnn_step_forward(x, h_prev, Wx, Wh, b)[0], rtol=0, atol=1e-14)
    p["weight_ih_l0"][0, 0] += 1.0  # a copy: the course's weights are not changed
    assert p["weight_ih_l0"][0, 0] != Wx[0, 0]
    with pytest.raises(ValueError, match="b"):
        pytorch_layout(Wx, Wh, np.ones(4))


def test_prediction_report_right_off_and_missing():
    from rnnlib.lessons.rnn_recurrence import prediction_report

    measured = np.array([[0.4661, -0.0591, 0.663, 0.734]])  # (1, H)
    assert prediction_report([0.47, -0.06, 0.66, 0.73], measured, "h_1").startswith("Right: you predicted h_1")
    off = prediction_report([0.47, -0.06, 0.66, 0.93], measured, "h_1")
    assert off.startswith("Not quite") and "hidden unit 4 (yours 0.9300, computed 0.7340)" in off
    assert prediction_report(None, measured, "h_1").startswith("No prediction yet")
    with pytest.raises(ValueError, match="must hold 4 numbers"):
        prediction_report([0.1, 0.2], measured, "h_1")
    with pytest.raises(ValueError, match="must be numbers"):
        prediction_report(["a", "b", "c", "d"], measured, "h_1")


def test_transpose_slips_raise_for_weight_ih_and_run_for_weight_hh():
    from rnnlib.lessons.rnn_recurrence import transpose_slips

    ih, hh, verdict = transpose_slips().split("\n")
    assert "x @ weight_ih" in ih and "(2, 3) @ (4, 3): raises ValueError" in ih
    assert "h_prev @ weight_hh" in hh and "runs" in hh
    off = float(hh.rsplit("by up to ", 1)[1])
    assert off > 0.1  # a non-symmetric weight_hh: the slip changes the numbers
    assert "none yet" in verdict
    assert "right" in transpose_slips("weight_ih").split("\n")[2]
    assert "other way round" in transpose_slips("weight_hh").split("\n")[2]
    with pytest.raises(ValueError, match="prediction must be"):
        transpose_slips("ih")
    with pytest.raises(ValueError, match="three different"):
        transpose_slips(N=3, D=3, H=4)
