"""Shared look of every figure: a colour-blind-safe palette, readable fonts, PNG rendering; the drawn cells' base.

:class:`CellDiagram` is what the LSTM cell (notebook 05) and the GRU cell (notebook 08) share: wires,
nodes, gate blocks, labels with live numbers, and the cached background that makes updates fast.
"""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch
from matplotlib.textpath import text_to_path

__all__ = ["blit_png", "PALETTE", "CMAP", "CMAP_DIVERGING", "FONT_MIN_PT", "FONT_MIN_ANNOTATION_PT", "new_figure",
           "figure_to_png", "canvas_to_png", "get_ax", "CellDiagram", "live_number", "live_factor", "text_colour_on"]

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


# --------------------------------------------------------------------- drawn cells (LSTM, GRU)
def live_number(value):
    """A live number on a drawn cell: two decimals with a true minus sign (U+2212), like matplotlib's ticks."""
    return f"{value:.2f}".replace("-", "\u2212")


def live_factor(value):
    """A number as a factor of a product: negative numbers in parentheses, ``0.50·(−2.70)``."""
    text = live_number(value)
    return f"({text})" if text.startswith("\u2212") else text


def text_colour_on(rgba):
    """Black or white, whichever reads better on ``rgba`` (relative luminance)."""
    r, g, b = rgba[:3]
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white"


def blit_png(canvas, dynamic, background=None):
    """The figure on ``canvas`` as PNG bytes, redrawing only the ``dynamic`` artists ("blitting").

    The first call (``background=None``) draws the figure without the dynamic artists and keeps
    that bitmap; later calls restore it and draw only the dynamic artists on top, which gives the
    same pixels as a full redraw at a fraction of its cost.

    Parameters
    ----------
    canvas : matplotlib.backends.backend_agg.FigureCanvasAgg
    dynamic : sequence of matplotlib.artist.Artist
        The artists that change between calls.
    background : object, optional
        The bitmap returned by the previous call; None draws it anew.

    Returns
    -------
    png : bytes
    background : object
        Pass it to the next call.
    """
    if background is None:
        visible = [artist.get_visible() for artist in dynamic]
        for artist in dynamic:
            artist.set_visible(False)
        canvas.draw()
        background = canvas.copy_from_bbox(canvas.figure.bbox)
        for artist, was in zip(dynamic, visible):
            artist.set_visible(was)
    canvas.restore_region(background)
    renderer = canvas.get_renderer()
    for artist in dynamic:
        artist.draw(renderer)
    return canvas_to_png(canvas), background


class CellDiagram:
    """Base of the drawn recurrent cells (the LSTM of notebook 05, the GRU of notebook 08).

    A subclass draws its cell once in :meth:`_draw_static` (on axes spanning 0..16 by 0..9.5,
    equal aspect) with the primitives below, registers its live numbers in ``self.texts`` (a
    static mathtext label ``"<key>_label"`` and a plain-text number ``"<key>"`` each, see
    :meth:`_label`) and its coloured blocks in ``self.boxes``, and implements
    :meth:`set_values`, which rewrites only text and colours. :meth:`to_png` then draws the
    static parts once into a cached bitmap and, on every later call, only the live artists.

    Attributes
    ----------
    fig, ax
    texts : dict of str to matplotlib.text.Text
    boxes : dict of str to matplotlib.patches.Patch
    """

    NODE_R = 0.38  # radius of a pointwise node
    GATE_W, GATE_H = 1.3, 0.9  # a gate block
    WIRE = {"color": "#333333", "lw": 1.6, "zorder": 1}
    LIVE_LABELS = ()  # labels that move with a live number, so are drawn with the live artists

    def __init__(self, values, ax, unit, title, figsize, dpi):
        if ax is None:  # a fixed layout: constrained layout would re-measure every label on each draw
            fig = new_figure(figsize=figsize, dpi=dpi)
            fig.set_layout_engine(None)
            FigureCanvasAgg(fig)  # one canvas and renderer for good: text metrics stay cached
            ax = fig.add_axes((0.0, 0.0, 1.0, 0.94))
        self.fig, self.ax = ax.figure, ax
        self.texts, self.boxes = {}, {}
        self.unit = unit
        self._cmaps = {"sigmoid": colormaps[CMAP], "tanh": colormaps[CMAP_DIVERGING]}
        self._draw_static(title)
        # The live artists (numbers, the labels that move with them, the blocks) are "animated": a
        # plain draw leaves them out, so to_png can cache everything else as a bitmap and draw only
        # them. Saving or displaying the figure draws everything as usual.
        live = [text for key, text in self.texts.items() if not key.endswith("_label") or key in self.LIVE_LABELS]
        self._live_artists = sorted([*live, *self.boxes.values()], key=lambda a: a.get_zorder())
        for artist in self._live_artists:
            artist.set_animated(True)
        self._background = None
        self._size = None
        self.set_values(values, unit)

    @staticmethod
    def pick(values, key, unit):
        """A scalar from ``values[key]``: a number, or element ``unit`` of a flat array of several."""
        arr = np.asarray(values[key], dtype=float).ravel()
        if arr.size == 0:
            raise ValueError(f"values[{key!r}] must be a number or a non-empty array; got an empty array")
        if arr.size > 1 and not 0 <= unit < arr.size:
            raise ValueError(f"unit must be < {arr.size} (the size of values[{key!r}]); got {unit}")
        return float(arr[0] if arr.size == 1 else arr[unit])

    def _draw_static(self, title):  # pragma: no cover - abstract
        raise NotImplementedError

    def set_values(self, values, unit=None):  # pragma: no cover - abstract
        raise NotImplementedError

    # ----------------------------------------------------------------- primitives
    def _draw_frame(self, title):
        """The common ground of every cell: axes 0..16 by 0..9.5, no ticks, the title, the grey box."""
        ax = self.ax
        ax.set_xlim(0, 16)
        ax.set_ylim(0, 9.5)
        ax.set_aspect("equal")
        ax.axis("off")
        ax.set_title(title, fontsize=11)
        ax.add_patch(FancyBboxPatch((1.4, 0.9), 12.4, 7.1, boxstyle="round,pad=0.05,rounding_size=0.5",
                                    facecolor="#f3f3f3", edgecolor="#888888", lw=1.2, zorder=0))

    def _wire(self, points, arrow=False):
        """A wire through ``points`` (data units), with an arrow head at the end if ``arrow``."""
        xs, ys = zip(*points)
        if arrow:
            self.ax.plot(xs[:-1], ys[:-1], **self.WIRE)
            self.ax.add_patch(FancyArrowPatch(points[-2], points[-1], arrowstyle="-|>", mutation_scale=12,
                                              color=self.WIRE["color"], lw=self.WIRE["lw"], zorder=1,
                                              shrinkA=0, shrinkB=0))
        else:
            self.ax.plot(xs, ys, **self.WIRE)

    def _dot(self, xy, radius=0.09):
        """A junction: where a wire branches."""
        self.ax.add_patch(Circle(xy, radius, color="#333333", zorder=2))

    def _node(self, xy, symbol, fontsize=13):
        """A pointwise operation (``×``, ``+``, ``1−``) as a round node."""
        self.ax.add_patch(Circle(xy, self.NODE_R, facecolor="#fbe3ee", edgecolor="#333333", lw=1.4, zorder=3))
        self.ax.text(*xy, symbol, ha="center", va="center", fontsize=fontsize, zorder=4)

    def _block(self, key, xy, act, width=None, height=None):
        """A gate block at ``xy`` (its centre), filled later with the colour of its value."""
        width = self.GATE_W if width is None else width
        height = self.GATE_H if height is None else height
        box = FancyBboxPatch((xy[0] - width / 2, xy[1] - height / 2), width, height,
                             boxstyle="round,pad=0.02,rounding_size=0.12", edgecolor="#333333", lw=1.2, zorder=3)
        self.ax.add_patch(box)
        self.boxes[key] = box
        self.texts[f"box_{key}"] = self.ax.text(*xy, "σ" if act == "sigmoid" else "tanh", ha="center", va="center",
                                                fontsize=12 if act == "sigmoid" else 10, zorder=4)
        return box

    def _fill(self, key, act, value):
        """Colour block ``key`` by ``value`` (sigmoid: sequential map on [0, 1]; tanh: diverging on [−1, 1])."""
        norm = Normalize(0.0, 1.0) if act == "sigmoid" else Normalize(-1.0, 1.0)
        rgba = self._cmaps[act](norm(value))
        self.boxes[key].set_facecolor(rgba)
        self.texts[f"box_{key}"].set_color(text_colour_on(rgba))

    def _label(self, key, xy, static, ha="left", size=9.5, color="black", widest="\u22120.00"):
        """A label ``static`` (mathtext) followed by a live number ``self.texts[key]``.

        Only the number changes in :meth:`set_values`, so the label is drawn once, in the cached
        background, and the number is plain text (an update never parses mathtext). The label
        starts at ``xy`` (``ha="left"``), or it stands so that the label and the ``widest``
        number end at ``xy`` (``ha="right"``): it never moves, whatever the number.
        """
        box = {"boxstyle": "square,pad=0.08", "fc": "white", "ec": "none", "alpha": 0.9}
        kw = {"va": "center", "fontsize": size, "zorder": 5, "color": color, "bbox": box, "xy": xy,
              "textcoords": "offset points", "annotation_clip": False}
        prop = FontProperties(size=size)
        # Both placed once, in points from xy (measured without a renderer): a number placed after
        # its label's drawn extent would measure the label again on every redraw.
        label_width = text_to_path.get_text_width_height_descent(static, prop, ismath=True)[0]
        start = 0.0 if ha == "left" else -(label_width + 2 + text_to_path.get_text_width_height_descent(
            widest, prop, ismath=False)[0])
        label = self.ax.annotate(static, xytext=(start, 0), ha="left", **kw)
        live = self.ax.annotate("", xytext=(start + label_width + 2, 0), ha="left", **kw)
        self.texts[key] = live
        self.texts[f"{key}_label"] = label
        return live

    def _equation(self, key, xy, static, size=9.5):
        """An equation ``static`` (mathtext, drawn once) followed by its live numbers ``self.texts[key]``."""
        kw = {"va": "center", "fontsize": size}
        label = self.ax.text(*xy, static, ha="left", **kw)
        width = text_to_path.get_text_width_height_descent(static, FontProperties(size=size), ismath=True)[0]
        self.texts[key] = self.ax.annotate("", xy=xy, xytext=(width + 3, 0), textcoords="offset points",
                                           ha="left", **kw)
        return label

    def _colour_keys(self):
        """Two small colour bars (bottom right) saying what a gate block's colour means."""
        for k, (act, lo, hi, label) in enumerate((("sigmoid", 0, 1, "σ gates"), ("tanh", -1, 1, "tanh"))):
            y = 1.1 - 0.6 * k
            cax = self.ax.inset_axes((14.2, y, 1.5, 0.2), transform=self.ax.transData)
            cax.imshow(np.linspace(lo, hi, 64)[None, :], aspect="auto", cmap=self._cmaps[act],
                       extent=(lo, hi, 0, 1))
            cax.set_yticks([])
            cax.set_xticks([lo, hi], [f"{lo:g}".replace("-", "\u2212"), f"{hi:g}"], fontsize=8)
            cax.tick_params(length=1.5, pad=1)
            self.ax.text(14.1, y + 0.1, label, ha="right", va="center", fontsize=8)

    # ----------------------------------------------------------------- live parts
    def to_png(self):
        """The figure as PNG bytes, fast: the static drawing comes from a cached bitmap.

        Only the live numbers, the labels that move with them and the gate blocks are drawn again
        ("blitting"), so a slider update costs a fraction of a full draw.

        Returns
        -------
        bytes
        """
        canvas = self.fig.canvas
        if not isinstance(canvas, FigureCanvasAgg):
            canvas = FigureCanvasAgg(self.fig)
        if self._background is None or canvas.get_width_height(physical=True) != self._size:
            canvas.draw()  # everything except the animated (live) artists
            self._background = canvas.copy_from_bbox(self.fig.bbox)
            self._size = canvas.get_width_height(physical=True)
        else:
            canvas.restore_region(self._background)
        for artist in self._live_artists:
            self.fig.draw_artist(artist)
        return canvas_to_png(canvas)
