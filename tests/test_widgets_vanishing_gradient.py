"""The gradient microscope, driven headless."""


import numpy as np
import pytest

from rnnlib.widgets.base import Explorer
from rnnlib.widgets.vanishing_gradient import benchmark_cases, gradient_microscope


@pytest.fixture
def explorer():
    return gradient_microscope()


def test_builds_an_explorer_with_its_controls(explorer):
    assert isinstance(explorer, Explorer)
    assert set(explorer.controls) == {"scale", "T", "activation", "kind", "forget_bias"}
    assert bytes(explorer.live.image.value).startswith(b"\x89PNG")
    assert explorer.last_error is None
    assert "0.90" in explorer.summary.value  # sigma_max of the default W_h


@pytest.mark.parametrize("name, value", [("scale", 1.5), ("T", 80), ("activation", "sigmoid"),
                                         ("kind", "random"), ("forget_bias", 4.0)])
def test_every_control_redraws(explorer, name, value):
    before_png, before_text = bytes(explorer.live.image.value), explorer.summary.value
    explorer.controls[name].value = value
    assert explorer.last_error is None
    assert bytes(explorer.live.image.value) != before_png
    if name != "forget_bias":
        assert explorer.summary.value != before_text


def test_the_numbers_follow_the_controls(explorer):
    explorer.controls["activation"].value = "identity"
    explorer.controls["scale"].value = 1.2
    explorer.controls["T"].value = 30
    r = explorer.result
    assert len(r.steps) == 30
    np.testing.assert_allclose(r.rnn_dh, r.bound, rtol=1e-9)  # linear and orthogonal: the bound is exact
    assert f"{1.2 ** 29:.2e}" in explorer.summary.value
    np.testing.assert_allclose(explorer.plot.rnn_line.get_ydata(), r.rnn_dh)


def test_an_error_is_shown_not_raised(explorer):
    explorer.seed = -1  # numpy rejects a negative seed inside the update
    assert explorer.update() is False
    assert explorer.last_error is not None
    assert "hit an error" in explorer.error.value and explorer.error.layout.display == "block"
    explorer.seed = 0
    assert explorer.update() is True
    assert explorer.error.value == "" and explorer.error.layout.display == "none"


@pytest.mark.slow
def test_benchmark_cases_are_valid(check_benchmark_cases):
    check_benchmark_cases(benchmark_cases(), at_least=4)
