"""rnnlib.widgets.sequences_and_shapes: the volume explorer driven headless."""


import ipywidgets as widgets
import pytest

import rnnlib.widgets.sequences_and_shapes as shapes_widgets
from rnnlib.widgets.base import Explorer
from rnnlib.widgets.sequences_and_shapes import benchmark_cases, volume_explorer, volume_table_html


@pytest.fixture
def explorer():
    return volume_explorer(N=64, T=5, D=26, H=16)


def test_builds_with_controls_and_table(explorer):
    assert isinstance(explorer, Explorer) and isinstance(explorer, widgets.VBox)
    assert set(explorer.controls) == {"N", "T", "D", "H", "dtype"}
    assert explorer.last_error is None
    assert "705" in explorer.table.value and "2,113" in explorer.table.value
    assert explorer.live.image.value[:4] == b"\x89PNG"
    assert explorer.block.label_N.get_text() == "N = 64 sequences"


@pytest.mark.parametrize(("name", "value", "label", "expect"), [
    ("N", 512, "label_N", "N = 512 sequences"),
    ("T", 9, "label_T", "T = 9 steps"),
    ("D", 40, "label_D", "D = 40 features"),
])
def test_size_sliders_redraw_block_and_table(explorer, name, value, label, expect):
    png, table = explorer.live.image.value, explorer.table.value
    explorer.controls[name].value = value
    assert explorer.last_error is None
    assert explorer.live.image.value != png
    assert explorer.table.value != table
    assert getattr(explorer.block, label).get_text() == expect


def test_redrawing_sliders_update_on_release():
    explorer = volume_explorer()
    assert not any(explorer.controls[k].continuous_update for k in ("N", "T", "D"))
    assert explorer.controls["H"].continuous_update  # the table alone is instant


def test_hidden_size_changes_only_the_table(explorer):
    redraws = explorer.live.redraws
    explorer.controls["H"].value = 32
    assert explorer.last_error is None
    assert "H=32" in explorer.table.value
    assert "1,921" in explorer.table.value.replace("<b>", "").replace("</b>", "")  # 26*32 + 32*32 + 32 + 32 + 1
    assert explorer.live.redraws == redraws  # the block does not depend on H: no redraw needed


def test_dtype_halves_the_bytes(explorer):
    assert "66.6 kB" in explorer.table.value
    redraws = explorer.live.redraws
    explorer.controls["dtype"].value = "float32"
    assert explorer.live.redraws == redraws  # the drawn block does not show bytes
    assert "33.3 kB" in explorer.table.value
    assert "float32" in explorer.block.total.get_text()  # kept up to date, though not drawn in the explorer
    assert not explorer.block.total.get_visible() and "log scale" in explorer.table.value


def test_error_is_shown_not_raised(explorer, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("H must be an integer >= 1; got 0")

    monkeypatch.setattr(shapes_widgets, "volume_rows", broken)
    explorer.controls["H"].value = 20  # no exception escapes
    assert isinstance(explorer.last_error, ValueError)
    assert "H must be an integer" in explorer.error.value
    assert explorer.error.layout.display == "block"
    monkeypatch.undo()
    explorer.controls["H"].value = 21
    assert explorer.last_error is None and explorer.error.value == ""


def test_builder_rejects_bad_sizes():
    with pytest.raises(ValueError, match="N"):
        volume_explorer(N=0)


def test_table_bolds_the_larger_cost():
    html = volume_table_html(64, 5, 26, 16)
    assert "<b>2,113</b>" in html  # feed-forward has more parameters
    assert "<b>216,064</b>" in html  # the RNN does more multiply-adds
    assert "<b>5,120</b>" in html  # and keeps more activations


@pytest.mark.slow
def test_benchmark_cases_are_valid(check_benchmark_cases):
    check_benchmark_cases(benchmark_cases(), at_least=4)
