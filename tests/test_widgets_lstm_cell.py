"""Headless tests of the LSTM cell explorer and the latch explorer."""


import numpy as np
import pytest

from rnnlib.lessons.lstm_cell import cell_step_values, latch_accuracy
from rnnlib.widgets.base import Explorer
from rnnlib.widgets.lstm_cell import CELL_PRESETS, benchmark_cases, latch_explorer, lstm_cell_explorer


@pytest.fixture(scope="module")
def cell():
    return lstm_cell_explorer()


@pytest.fixture(scope="module")
def latch():
    return latch_explorer(lag=40)


def test_cell_explorer_default_state_is_the_worked_example(cell):
    assert isinstance(cell, Explorer)
    assert cell.values == pytest.approx(cell_step_values())
    assert cell.diagram.texts["c"].get_text() == f"{cell_step_values()['c']:.2f}"  # positive: no minus sign
    assert cell.live.image.value[:4] == b"\x89PNG"
    assert cell.last_error is None


@pytest.mark.parametrize("name, value", [("x", -1.5), ("h_prev", 0.7), ("c_prev", 2.5), ("b_i", 4.0),
                                         ("b_f", -3.0), ("b_g", 2.0), ("b_o", -5.0)])
def test_cell_explorer_each_slider_redraws(cell, name, value):
    before_png, before_redraws = cell.live.image.value, cell.live.redraws
    cell.controls[name].value = value
    assert cell.last_error is None
    assert cell.live.redraws == before_redraws + 1
    assert cell.live.image.value != before_png
    c = cell.controls
    expected = cell_step_values(c["x"].value, c["h_prev"].value, c["c_prev"].value, cell.Wx, cell.Wh,
                                (c["b_i"].value, c["b_f"].value, c["b_g"].value, c["b_o"].value))
    assert cell.values == pytest.approx(expected)
    assert cell.diagram.texts["h"].get_text() == f"{expected['h']:.2f}".replace("-", "\u2212")


def test_cell_explorer_presets_set_the_biases_in_one_redraw():
    ex = lstm_cell_explorer()
    redraws = ex.live.redraws
    ex.controls["preset"].value = "keep: forget gate open, input gate shut"
    assert ex.live.redraws == redraws + 1
    assert ex.controls["b_f"].value == 6.0 and ex.controls["b_i"].value == -6.0
    assert ex.values["f"] > 0.99 and ex.values["i"] < 0.01
    assert ex.values["c"] == pytest.approx(ex.values["c_prev"], abs=0.02)  # the cell keeps its value
    ex.controls["preset"].value = "write: forget gate shut, input gate open"
    assert ex.values["c"] == pytest.approx(ex.values["g"], abs=0.02)  # the cell takes the candidate
    ex.controls["preset"].value = "hide: output gate shut"
    assert abs(ex.values["h"]) < 0.01
    ex.controls["x"].value = 0.5  # moving a slider by hand leaves the preset
    assert ex.controls["preset"].value == "custom"
    assert set(CELL_PRESETS) <= set(ex.controls["preset"].options)


def test_cell_explorer_shows_errors_instead_of_raising():
    ex = lstm_cell_explorer()
    ex.controls["c_prev"].value = float("nan")
    assert ex.last_error is not None
    assert "c_prev must be a single finite number" in ex.error.value
    assert ex.error.layout.display == "block"
    ex.controls["c_prev"].value = 0.3
    assert ex.last_error is None and ex.error.value == ""


def test_latch_explorer_controls(latch):
    assert "100%" in latch.plot.caption
    before = latch.live.image.value
    latch.controls["forget_bias"].value = 0.0
    assert latch.last_error is None
    assert latch.live.image.value != before
    expected = latch_accuracy(40, n=latch.n_sequences, forget_bias=0.0, input_closed=-8.0)
    assert f"{100 * expected:.0f}%" in latch.plot.caption
    assert "0.5000" in latch.plot.caption
    latch.controls["lag"].value = 150
    assert len(latch.plot.line1.get_data()[0]) == 151
    latch.controls["forget_bias"].value = 8.0
    latch.controls["input_closed"].value = 8.0  # input gate open during the hold: distractors overwrite
    assert np.abs(latch.plot.line1.get_data()[1]).max() > 2.0
    assert latch.last_error is None


def test_latch_explorer_shows_errors_instead_of_raising():
    ex = latch_explorer(lag=10)
    ex.controls["forget_bias"].value = float("nan")
    assert "forget_bias must be a single finite number" in ex.error.value
    assert ex.last_error is not None


@pytest.mark.slow
def test_benchmark_cases_are_valid(check_benchmark_cases):
    check_benchmark_cases(benchmark_cases(), at_least=5)
