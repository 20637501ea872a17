"""The data-volume explorer of notebook 01: sliders for D, T, N, H redraw the (N, T, D) block and
a table of what an RNN and a feed-forward net cost on that batch.
"""

from __future__ import annotations

import html

import ipywidgets as widgets

from ..lessons.sequences_and_shapes import volume_rows
from ..viz.sequences_and_shapes import VolumeBlock
from ..viz.style import new_figure
from .base import Explorer, IntSlider, LiveFigure

__all__ = ["VolumeExplorer", "volume_explorer", "volume_table_html", "volume_figure_text", "benchmark_cases"]

SLIDER_RANGES = {"N": (1, 8192), "T": (1, 50), "D": (1, 100), "H": (1, 256)}


def volume_table_html(N, T, D, H, n_classes=1, dtype="float64"):
    """The rows of :func:`rnnlib.lessons.sequences_and_shapes.volume_rows` as an HTML table.

    The larger of the two models' numbers is set in bold in each model-dependent row.
    """
    rows = volume_rows(N, T, D, H, n_classes, dtype)
    cells = []
    for quantity, rnn, ff in rows:
        a, b = (html.escape(rnn), html.escape(ff))
        try:
            ra, rb = (float(v.replace(",", "")) for v in (rnn, ff))
        except ValueError:  # shapes and byte sizes: the same for both
            ra = rb = 0.0
        if ra > rb:
            a = f"<b>{a}</b>"
        elif rb > ra:
            b = f"<b>{b}</b>"
        cells.append(f"<tr><td style='text-align:left;padding:1px 8px'>{html.escape(quantity)}</td>"
                     f"<td style='text-align:right;padding:1px 8px'>{a}</td>"
                     f"<td style='text-align:right;padding:1px 8px'>{b}</td></tr>")
    head = (f"<tr><th style='text-align:left;padding:1px 8px'>N={N}, T={T}, D={D}, H={H}</th>"
            "<th style='text-align:right;padding:1px 8px'>RNN</th>"
            "<th style='text-align:right;padding:1px 8px'>feed-forward</th></tr>")
    style = "font-family:monospace;font-size:12px;border-collapse:collapse"
    note = ("<div style='font-size:11px;color:#555;margin-top:4px'>The block: a batch x of shape (N, T, D); "
            "edges on a log scale, length = 1 + log2(size).</div>")
    return f"<table style='{style}'>{head}{''.join(cells)}</table>{note}"


def volume_figure_text(N, T, D):
    """The text alternative of the explorer's block: the batch's shape and its number of values.

    Returns
    -------
    str
        For example "A batch x of shape (N, T, D) = (32, 19, 26) drawn as a block, edges on a log
        scale: 32 sequences of 19 steps of 26 numbers, 15,808 numbers in all."
    """
    for name, value in (("N", N), ("T", T), ("D", D)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive int; got {value!r}")
    return (f"A batch x of shape (N, T, D) = ({N}, {T}, {D}) drawn as a block, edges on a log scale: "
            f"{N} sequence{'s' if N != 1 else ''} of {T} step{'s' if T != 1 else ''} of {D} "
            f"number{'s' if D != 1 else ''}, {N * T * D:,} numbers in all.")


class VolumeExplorer(Explorer):
    """Sliders N, T, D, H and a dtype toggle; the block and the cost table follow live.

    Parameters
    ----------
    N, T, D, H : int
        Starting values.
    n_classes : int
        Outputs per sequence (1 for yes/no).
    """

    def __init__(self, N=32, T=19, D=26, H=32, n_classes=1):
        self.n_classes = n_classes
        controls = {}
        for name, value in (("N", N), ("T", T), ("D", D), ("H", H)):
            lo, hi = SLIDER_RANGES[name]
            # N, T, D redraw the block (~25 ms of CPU): update on release; H only rewrites the table
            controls[name] = IntSlider(value=value, min=lo, max=hi, description=name,
                                       continuous_update=(name == "H"),
                                       layout=widgets.Layout(width="320px"))
        controls["dtype"] = widgets.ToggleButtons(options=["float64", "float32"], value="float64",
                                                  description="dtype", style={"button_width": "70px"})
        fig, ax = new_figure(figsize=(5.0, 3.4), dpi=80, nrows=1, ncols=1)
        limits = tuple(SLIDER_RANGES[k][1] for k in ("N", "T", "D"))
        self.block = VolumeBlock(ax, N, T, D, limits=limits, captions=False)  # the counts are in the table
        self.live = LiveFigure(fig, describe=lambda: volume_figure_text(*(controls[k].value for k in "NTD")))
        fig.set_layout_engine("none")  # keep the layout of the first draw: the box moves, the axes need not
        self._drawn = (N, T, D)
        self.table = widgets.HTML(value="")
        left = widgets.VBox([*(controls[k] for k in ("D", "T", "N", "H", "dtype")), self.table])
        body = [widgets.HBox([left, self.live.image])]
        super().__init__(controls, body)
        self.watch()
        self.update()

    def render(self):
        values = {k: self.controls[k].value for k in ("N", "T", "D", "H", "dtype")}
        self.table.value = volume_table_html(values["N"], values["T"], values["D"], values["H"], self.n_classes,
                                             values["dtype"])
        self.block.update(values["N"], values["T"], values["D"], values["dtype"])  # artists only: cheap
        drawn = (values["N"], values["T"], values["D"])
        if drawn != self._drawn:  # H and dtype change only the table: no new PNG needed
            self.live.redraw()
            self._drawn = drawn


def volume_explorer(N=32, T=19, D=26, H=32, n_classes=1):
    """Build the data-volume explorer (the live twin of :func:`rnnlib.viz.sequences_and_shapes.plot_volume`).

    Returns
    -------
    VolumeExplorer
        An ipywidgets VBox; display it by making it a cell's last expression.
    """
    return VolumeExplorer(N, T, D, H, n_classes)


def benchmark_cases():
    """(name, explorer, control name, new value) for timing one update per control."""
    explorer = volume_explorer()
    return [
        ("volume: N", explorer, "N", 512),
        ("volume: T", explorer, "T", 7),
        ("volume: D", explorer, "D", 80),
        ("volume: H", explorer, "H", 128),
        ("volume: dtype", explorer, "dtype", "float32"),  # table only
    ]
