"""The explorers' sliders (rnnlib.widgets.base.IntSlider / FloatSlider), headless: traits, clamping,
observers, the state sent to the browser, and clear errors. The browser side (a named
<input type="range"> moved by keys) is checked by tests/test_browser.py."""

import numpy as np
import pytest
from traitlets import TraitError

from rnnlib.widgets.base import FloatSlider, IntSlider


def test_int_slider_like_ipywidgets():
    slider = IntSlider(value=3, min=1, max=8, description="step t", continuous_update=False)
    assert (slider.value, slider.min, slider.max, slider.step) == (3, 1, 8, 1)
    seen = []
    slider.observe(lambda change: seen.append((change["old"], change["new"])), names="value")
    slider.value = 5
    slider.value = 99  # clamped to max, as ipywidgets does
    slider.max = 4  # a smaller maximum takes the value with it (rnn_recurrence shortens the word)
    slider.value = np.int64(2)  # numpy's integers are welcome, kept as int
    assert seen == [(3, 5), (5, 8), (8, 4), (4, 2)]
    assert type(slider.value) is int and slider.max == 4
    slider.min = 3
    assert slider.value == 3
    assert IntSlider().get_state()["readout_format"] == "d"


def test_float_slider_keeps_floats():
    slider = FloatSlider(value=1, min=-2, max=5, step=0.5, description="LSTM forget bias")
    assert slider.value == 1.0 and all(type(v) is float for v in (slider.value, slider.min, slider.max))
    slider.value = 3  # an int from the browser's JSON ("3") stays a float
    assert slider.value == 3.0 and type(slider.value) is float
    slider.value = 0.15000000000000002
    assert slider.value == pytest.approx(0.15)
    assert slider.readout_format == ".2f"
    assert FloatSlider(readout_format=".1f").readout_format == ".1f"


def test_state_sent_to_the_browser():
    slider = FloatSlider(value=0.5, min=0.0, max=2.0, step=0.05, description="temperature",
                         style={"description_width": "150px"}, tooltip="how adventurous", disabled=False)
    state = slider.get_state()
    assert {k: state[k] for k in ("value", "min", "max", "step", "description", "description_width",
                                  "continuous_update", "readout_format", "tooltip", "disabled")} == {
        "value": 0.5, "min": 0.0, "max": 2.0, "step": 0.05, "description": "temperature",
        "description_width": "150px", "continuous_update": True, "readout_format": ".2f",
        "tooltip": "how adventurous", "disabled": False}
    # the front end: a labelled native range input with a readout (anywidget ES module and CSS)
    for part in ('input.type = "range"', "label.htmlFor = id", "aria-valuetext", '"change"', '"input"'):
        assert part in state["_esm"]
    assert ".rnnlib-slider" in state["_css"]


def test_printed_like_ipywidgets_sliders():
    # the explorers' saved text outputs (nbval compares them) do not change with the new sliders
    assert repr(IntSlider(value=3, min=0, max=10, description="move me")) == \
        "IntSlider(value=3, description='move me', max=10)"
    assert repr(FloatSlider(value=8.0, min=-4.0, max=12.0, step=0.5, description="forget bias b_f",
                            continuous_update=False, readout_format=".1f", style={"description_width": "150px"})) == \
        ("FloatSlider(value=8.0, continuous_update=False, description='forget bias b_f', max=12.0, min=-4.0, "
         "readout_format='.1f', step=0.5)")


def test_bad_arguments_say_what_was_expected():
    with pytest.raises(TraitError, match="max must be at least min|min must be at most max"):
        IntSlider(value=1, min=5, max=1)  # which of the two is checked first is traitlets' choice
    slider = IntSlider(value=2, min=1, max=4)
    with pytest.raises(TraitError, match="min must be at most max"):
        slider.min = 9
    with pytest.raises(TraitError, match="step must be positive"):
        FloatSlider(step=0.0)
    with pytest.raises(TraitError, match="expected an int"):
        IntSlider(value=2.5)
    with pytest.raises(TraitError, match="expected an int"):
        IntSlider(value=True)
    with pytest.raises(TraitError, match="readout_format must be 'd'"):
        IntSlider(readout_format=".2f")
    with pytest.raises(TraitError, match=r"'\.Nf'"):
        FloatSlider(readout_format="d")
    with pytest.raises(ValueError, match="description_width"):
        FloatSlider(style={"handle_color": "red"})
