"""Shared look of every figure: a colour-blind-safe palette, readable fonts, PNG rendering."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = ["PALETTE", "CMAP", "CMAP_DIVERGING", "FONT_MIN_PT", "FONT_MIN_ANNOTATION_PT", "new_figure",
           "figure_to_png", "canvas_to_png", "get_ax"]

# Okabe & Ito (2008), safe for the common colour-vision deficiencies.
PALETTE = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "black": "#000000",
    "grey": "#999999",
}
CMAP = "viridis"  # sequential data (activations in [0, 1], counts)
CMAP_DIVERGING = "RdBu_r"  # signed data (weights, tanh activations); colour-blind readable

# Text that reads on a projector, in points at the figure's own size (a figure is shown at its size
# or scaled down to fit, never up): titles, axis labels and tick labels at least FONT_MIN_PT (the
# matplotlib default, 10 pt), legends and annotations inside a plot or diagram at least
# FONT_MIN_ANNOTATION_PT. tests/test_accessibility.py checks every figure of rnnlib.viz against them.
FONT_MIN_PT = 10.0
FONT_MIN_ANNOTATION_PT = 8.0


def new_figure(figsize=(6.0, 3.5), dpi=100, **subplots):
    """A pyplot-free Figure, optionally with axes.

    Parameters
    ----------
    figsize : tuple of float
        Inches.
    dpi : int
    **subplots
        Passed to ``fig.subplots`` (``nrows``, ``ncols``, ...). If none are given the figure
        has no axes.

    Returns
    -------
    fig : Figure
    axes : Axes or array of Axes (only when ``subplots`` were given)
    """
    from cycler import cycler

    fig = Figure(figsize=figsize, dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)  # a canvas of its own keeps the renderer (and its text caches) across redraws
    if not subplots:
        return fig
    axes = fig.subplots(**subplots)
    for ax in getattr(axes, "flat", [axes]):
        ax.set_prop_cycle(cycler(color=[PALETTE[k] for k in ("blue", "orange", "green", "vermillion",
                                                             "sky", "purple", "black")]))
    return fig, axes


def get_ax(ax=None, figsize=(6.0, 3.5)):
    """Return ``(fig, ax)``: the given axes and its figure, or a new figure with one axes."""
    if ax is not None:
        return ax.figure, ax
    return new_figure(figsize=figsize, nrows=1, ncols=1)


def figure_to_png(fig, dpi=None):
    """Render a figure to PNG bytes (fast settings: low compression, no metadata)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi or fig.dpi, metadata={"Software": None},
                pil_kwargs={"compress_level": 1})
    return buf.getvalue()


def _png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def canvas_to_png(canvas):
    """PNG bytes of what an Agg canvas holds now, without drawing it again.

    For explorers that redraw only the artists that change on a cached background ("blitting").
    The rows are stored unfiltered and deflated by the standard library's zlib at level 1: about
    three times faster than Pillow's encoder (which tries five row filters on every row) and about
    as small, because a figure is mostly flat colour.

    Parameters
    ----------
    canvas : matplotlib.backends.backend_agg.FigureCanvasAgg

    Returns
    -------
    bytes
    """
    if not isinstance(canvas, FigureCanvasAgg):
        raise ValueError(f"canvas must be an Agg canvas (FigureCanvasAgg); got {type(canvas).__name__}")
    rgba = np.asarray(canvas.buffer_rgba())  # (height, width, 4) uint8
    height, width, _ = rgba.shape
    rows = np.zeros((height, 1 + 4 * width), dtype=np.uint8)  # each row: filter type 0 (none), then its pixels
    rows[:, 1:] = rgba.reshape(height, 4 * width)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8 bits per channel, RGBA, no interlace
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header)
            + _png_chunk(b"IDAT", zlib.compress(rows.tobytes(), 1)) + _png_chunk(b"IEND", b""))
