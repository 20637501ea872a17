r"""Figures of notebook 02: the recurrence and its weight matrices (the essay's Figure 1).

* :func:`plot_recurrence_diagram`: the weights ``Wx``, ``Wh``, ``b``, ``Wy`` as heatmaps (shape
  in the title, diverging colours centred at 0) with arrows showing which product feeds which
  sum: :math:`x_t W_x` and :math:`h_{t-1} W_h` -> :math:`+\,b` -> tanh -> :math:`h_t` -> readout.
* :func:`plot_step_bars`: the intermediates of one step as bar charts, one panel per term.
* :class:`WordStepsFigure` / :func:`plot_word_steps`: the bars of step t plus a heatmap of the
  hidden states of the steps read so far; ``update`` changes artists in place (for the explorer).

Matplotlib only, never pyplot. The colours of the terms are shared by every figure here:
input term blue, recurrent term orange, bias grey, sum green, tanh / hidden state vermillion.
"""

from __future__ import annotations

import numpy as np
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import Normalize
from matplotlib.patches import FancyArrowPatch, Rectangle
from matplotlib.path import Path

from .._validate import as_array
from ..data import ALPHABET
from ..lessons.rnn_recurrence import StepIntermediates, WordSteps
from .style import CMAP_DIVERGING, PALETTE, canvas_to_png, new_figure

__all__ = [
    "TERM_COLOURS",
    "plot_recurrence_diagram",
    "plot_step_bars",
    "plot_word_steps",
    "WordStepsFigure",
    "DIAGRAM_FIGSIZE",
    "WORD_STEPS_FIGSIZE",
    "MAX_ANNOTATED_H",
]

TERM_COLOURS = {
    "x_Wx": PALETTE["blue"],
    "h_Wh": PALETTE["orange"],
    "b": PALETTE["grey"],
    "a": PALETTE["green"],
    "h": PALETTE["vermillion"],
}
TERM_TITLES = {
    "x_Wx": r"$x_t W_x$",
    "h_Wh": r"$+\ h_{t-1} W_h$",
    "b": r"$+\ b$",
    "a": r"$=\ a_t$",
    "h": r"$h_t = \tanh(a_t)$",
}
TERMS = tuple(TERM_TITLES)
MAX_ANNOTATED_H = 6  # bar values (and heatmap cell values) are written only up to this many hidden units
_TITLE_COLOURS = {"b": "#555555"}  # the grey of the bias bars is too pale for text
_NODE_STYLE = dict(boxstyle="round,pad=0.35", facecolor="white", edgecolor=PALETTE["black"], linewidth=1.0)


# ----------------------------------------------------------------------------------------------
# Figure 1: the weights and the data flow of one step
# ----------------------------------------------------------------------------------------------

def _heatmap(ax, W, norm, title, annotate, row_labels=None, max_xticks=12):
    """Draw matrix ``W`` on ``ax`` (rows top to bottom), numbers in the cells if ``annotate``.

    Rows and columns are numbered from 1 (every k-th number when there are more than 12 rows or
    ``max_xticks`` columns: 10 pt numbers need the room).
    """
    cmap = colormaps[CMAP_DIVERGING]
    im = ax.imshow(W, cmap=cmap, norm=norm, aspect="auto", interpolation="nearest")
    ax.set_title(title, fontsize=10, pad=4)
    rows, cols = W.shape
    every = -(-cols // max(1, max_xticks))
    ax.set_xticks(range(0, cols, every), [str(j + 1) for j in range(0, cols, every)], fontsize=10)
    if row_labels is None:
        every = -(-rows // 12)
        ax.set_yticks(range(0, rows, every), [str(i + 1) for i in range(0, rows, every)], fontsize=10)
    else:
        ax.set_yticks(range(rows), row_labels, fontsize=10)
    ax.tick_params(length=2, pad=1)
    if annotate:
        for i in range(rows):
            for j in range(cols):
                value = W[i, j]
                colour = "white" if abs(value) > 0.6 * norm.vmax else "black"
                ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=8, color=colour)
    return im


def _box(fig, text):
    """The figure-fraction extent (x0, y0, x1, y1) of a text node's rounded box (lays out only that text)."""
    text.update_bbox_position_size(fig.canvas.get_renderer())
    bbox = text.get_bbox_patch().get_window_extent().transformed(fig.transFigure.inverted())
    return bbox.x0, bbox.y0, bbox.x1, bbox.y1


def _axes_box(fig, ax):
    bbox = ax.get_window_extent().transformed(fig.transFigure.inverted())
    return bbox.x0, bbox.y0, bbox.x1, bbox.y1


def _axis_box(fig, axis):
    """The figure-fraction extent (x0, y0, x1, y1) of an axis' tick labels and label."""
    bbox = axis.get_tightbbox(fig.canvas.get_renderer()).transformed(fig.transFigure.inverted())
    return bbox.x0, bbox.y0, bbox.x1, bbox.y1


def _arrow(fig, start, end, colour, style="-|>", dashed=False, path=None):
    """A figure-level arrow from ``start`` to ``end`` (figure fraction) or along ``path``."""
    kwargs = dict(arrowstyle=style, mutation_scale=11, color=colour, linewidth=1.4, transform=fig.transFigure,
                  shrinkA=0, shrinkB=0, zorder=5, linestyle="--" if dashed else "-")
    arrow = FancyArrowPatch(path=Path(path), **kwargs) if path is not None else FancyArrowPatch(start, end, **kwargs)
    fig.add_artist(arrow)
    return arrow


DIAGRAM_FIGSIZE = (11.2, 8.6)  # inches; the diagram is laid out for this size (26 letter rows at 10 pt)


def plot_recurrence_diagram(Wx, Wh, b, Wy=None, by=None, letter=None, figsize=DIAGRAM_FIGSIZE, dpi=100):
    r"""The essay's Figure 1: one RNN step drawn with its weight matrices.

    Parameters
    ----------
    Wx : array_like, shape (D, H)
        Input-to-hidden weights; with D = 26 the rows are labelled with the letters a-z.
    Wh : array_like, shape (H, H)
        Hidden-to-hidden (recurrent) weights.
    b : array_like, shape (H,)
        Bias of the recurrence.
    Wy : array_like, shape (H, C), optional
        Readout weights (drawn with the readout when given).
    by : array_like, shape (C,), optional
        Readout bias (required with ``Wy``).
    letter : str, optional
        One letter a-z: its row of ``Wx`` (the row a one-hot :math:`x_t` selects) is outlined.
    figsize : tuple of float
        Inches. The layout is designed for the default (every text at least 8 pt, titles, ticks and
        axis labels 10 pt, without overlaps); another size scales the drawing but not the text.
    dpi : int

    Returns
    -------
    matplotlib.figure.Figure

    Notes
    -----
    .. math::
        h_t = \tanh(x_t W_x + h_{t-1} W_h + b), \qquad s = h_T W_y + b_y

    All heatmaps share one colour scale, symmetric around 0 (blue negative, red positive). With
    H <= 6 the cells of :math:`W_h`, :math:`b` and :math:`W_y` show their values.
    """
    dims = {}
    Wx = as_array("Wx", Wx, ("D", "H"), dims)
    Wh = as_array("Wh", Wh, ("H", "H"), dims)
    b = as_array("b", b, ("H",), dims)
    if (Wy is None) != (by is None):
        raise ValueError("Wy and by must be given together; got only "
                         + ("Wy" if by is None else "by"))
    if Wy is not None:
        Wy = as_array("Wy", Wy, ("H", "C"), dims)
        by = as_array("by", by, ("C",), dims)
    D, H = Wx.shape
    letter_row = None
    if letter is not None:
        if D != len(ALPHABET):
            raise ValueError(f"letter needs Wx with 26 rows (one per letter a-z); got Wx of shape {Wx.shape}")
        if not (isinstance(letter, str) and len(letter) == 1 and letter in ALPHABET):
            raise ValueError(f"letter must be one lower-case letter a-z; got {letter!r}")
        letter_row = ALPHABET.index(letter)
    annotate = H <= MAX_ANNOTATED_H
    mats = [Wx, Wh, b] + ([Wy, by] if Wy is not None else [])
    vmax = max(float(np.abs(m).max()) for m in mats) or 1.0
    norm = Normalize(-vmax, vmax)

    fig = new_figure(figsize=figsize, dpi=dpi)
    FigureCanvasAgg(fig)  # a renderer to measure the text boxes with
    fig.set_layout_engine("none")
    width_in, height_in = DIAGRAM_FIGSIZE

    def fx(x):  # inches on the default page -> figure fraction
        return x / width_in

    def fy(y):
        return y / height_in

    def rect(x, y, w, h):  # an axes' (left, bottom, width, height) in inches on the default page
        return fx(x), fy(y), fx(w), fy(h)

    fig.suptitle(r"One RNN step and its weights:  $h_t = \tanh(x_t W_x + h_{t-1} W_h + b)$", fontsize=14,
                 y=fy(8.42), va="top")
    y_top, y_mid, y_bottom = fy(5.95), fy(3.85), fy(1.72)  # rows of the input path, the sum, the recurrent path
    c_in, c_rec, c_b, c_sum, c_h = (TERM_COLOURS[k] for k in TERMS)
    cell = min(0.44, 1.9 / H)  # inches per cell of Wh, b and Wy (numbers at 8 pt fit up to H = 6)

    # Weight heatmaps, one column for W_x (above) and W_h (below).
    column = 3.25  # its centre, inches
    wx_width = min(0.19 * H, 1.2)
    ax_wx = fig.add_axes(rect(column - wx_width / 2, 3.62, wx_width, 3.9))  # 26 rows of 10 pt letters
    im = _heatmap(ax_wx, Wx, norm, rf"$W_x$  ({D} $\times$ {H})" + "\ninput → hidden", annotate=False,
                  row_labels=list(ALPHABET) if D == len(ALPHABET) else None, max_xticks=H if H <= 9 else 6)
    ax_wx.set_xlabel(f"hidden unit 1…{H}", fontsize=10, labelpad=1)
    ax_wx.set_ylabel("input letter" if D == len(ALPHABET) else "input feature", fontsize=10, labelpad=2)
    if letter_row is not None:
        ax_wx.add_patch(Rectangle((-0.5, letter_row - 0.5), H, 1.0, fill=False, edgecolor=PALETTE["black"],
                                  linewidth=1.8, clip_on=False))
    # the arrow from x_t crosses the y label's column (at the outlined row, or level with x_t): keep the
    # label in the other half
    arrow_at = 1.0 - (letter_row + 0.5) / D if letter_row is not None else (y_top - fy(3.62)) / fy(3.9)
    ax_wx.yaxis.label.set_y(0.22 if arrow_at > 0.5 else 0.78)
    side = cell * H
    ax_wh = fig.add_axes(rect(column - side / 2, 1.72 - side / 2, side, side))
    _heatmap(ax_wh, Wh, norm, rf"$W_h$  ({H} $\times$ {H})" + "\nhidden → hidden", annotate=annotate)
    ax_wh.set_xlabel(f"to hidden unit 1…{H}", fontsize=10, labelpad=1)
    ax_wh.set_ylabel(f"from hidden unit 1…{H}", fontsize=10, labelpad=2)
    sum_x = 6.75  # inches
    ax_b = fig.add_axes(rect(sum_x - side / 2, 6.88, side, min(cell, 0.4)))
    _heatmap(ax_b, b[None, :], norm, rf"$b$  ({H},)  bias", annotate=annotate)
    ax_b.set_yticks([])
    ax_b.set_xlabel(f"hidden unit 1…{H}", fontsize=10, labelpad=1)

    # Nodes (text boxes) of the data flow.
    def node(x, y, s, colour=PALETTE["black"], **kw):
        style = dict(_NODE_STYLE, edgecolor=colour)
        return fig.text(x, y, s, ha="center", va="center", fontsize=10, bbox=style, zorder=4, **kw)

    n_x = node(fx(0.78), y_top, "$x_t$\none-hot letter" + (f" '{letter}'" if letter else "") + f"\n(1 × {D})", c_in)
    n_h_prev = node(fx(0.78), y_bottom, "$h_{t-1}$\nprevious state\n" + f"(1 × {H})", c_rec)
    n_xw = node(fx(5.45), y_top, "$x_t W_x$\n" + f"(1 × {H})", c_in)
    n_hw = node(fx(5.45), y_bottom, "$h_{t-1} W_h$\n" + f"(1 × {H})", c_rec)
    n_sum = fig.text(fx(sum_x), y_mid, "+", ha="center", va="center", fontsize=16, zorder=4,
                     bbox=dict(boxstyle="circle,pad=0.2", facecolor="white", edgecolor=c_sum, linewidth=1.4))
    n_tanh = node(fx(7.75), y_mid, "tanh", c_h, fontweight="bold")
    n_h = node(fx(8.8), y_mid, "$h_t$\nnew state\n" + f"(1 × {H})", c_h)

    bx, bhp, bxw, bhw = _box(fig, n_x), _box(fig, n_h_prev), _box(fig, n_xw), _box(fig, n_hw)
    bsum, btanh, bh = _box(fig, n_sum), _box(fig, n_tanh), _box(fig, n_h)
    awx, awh = _axes_box(fig, ax_wx), _axes_box(fig, ax_wh)
    wh_labels, b_labels = _axis_box(fig, ax_wh.yaxis), _axis_box(fig, ax_b.xaxis)  # tick labels and axis label
    gap = fx(0.06)

    # Input path: x_t -> (row of) Wx -> x_t Wx.
    row_y = y_top if letter_row is None else awx[3] - (letter_row + 0.5) / D * (awx[3] - awx[1])
    to_figure = fig.transFigure.inverted()
    letters_left = min(t.get_window_extent(fig.canvas.get_renderer()).transformed(to_figure).x0
                       for t in ax_wx.get_yticklabels())  # the row labels only (the axis label is out of the way)
    _arrow(fig, (bx[2], y_top), (letters_left - gap, row_y), c_in)
    _arrow(fig, (awx[2], row_y), (bxw[0], y_top), c_in)
    if row_y <= y_top + fy(0.6):  # above the arrow
        where = ((awx[2] + bxw[0]) / 2, max(row_y, y_top) + fy(0.12))
    else:  # a row near the top: above x_t W_x (above the arrow it would touch W_x's title)
        where = ((bxw[0] + bxw[2]) / 2, bxw[3] + fy(0.1))
    fig.text(*where, "picks row" + (f" '{letter}'" if letter else "") + "\n(one-hot input)", ha="center",
             va="bottom", fontsize=9, color=c_in)
    # Recurrent path: h_{t-1} -> Wh -> h_{t-1} Wh.
    _arrow(fig, (bhp[2], y_bottom), (wh_labels[0] - gap, y_bottom), c_rec)
    _arrow(fig, (awh[2], y_bottom), (bhw[0], y_bottom), c_rec)
    fig.text((awh[2] + bhw[0]) / 2, y_bottom + fy(0.1), "matrix\nproduct", ha="center", va="bottom", fontsize=9,
             color=c_rec)
    # Both products and b into the sum, then tanh, then h_t.
    sum_cx, sum_cy = (bsum[0] + bsum[2]) / 2, (bsum[1] + bsum[3]) / 2
    _arrow(fig, (bxw[2], y_top), (sum_cx - fx(0.1), bsum[3] - fy(0.05)), c_in)
    _arrow(fig, (bhw[2], y_bottom), (sum_cx - fx(0.1), bsum[1] + fy(0.05)), c_rec)
    _arrow(fig, (sum_cx, b_labels[1] - gap), (sum_cx, bsum[3]), c_b)
    _arrow(fig, (bsum[2], sum_cy), (btanh[0], y_mid), c_sum)
    fig.text((bsum[2] + btanh[0]) / 2, y_mid + fy(0.08), "$a_t$", ha="center", va="bottom", fontsize=11,
             color=c_sum)
    _arrow(fig, (btanh[2], y_mid), (bh[0], y_mid), c_h)
    # The delay: h_t is the next step's h_{t-1}.
    h_cx, loop_y = (bh[0] + bh[2]) / 2, fy(0.22)
    hp_cx = (bhp[0] + bhp[2]) / 2
    _arrow(fig, None, None, c_h, dashed=True,
           path=[(h_cx, bh[1]), (h_cx, loop_y), (hp_cx, loop_y), (hp_cx, bhp[1])])
    fig.text(fx(6.55), loop_y + fy(0.05), "next step: $h_t$ becomes $h_{t-1}$  (the recurrence)",
             ha="center", va="bottom", fontsize=10, color=c_h)

    # Readout after the last step: W_y's unit numbers on its right, so the arrow from h_t meets the matrix.
    if Wy is not None:
        C = Wy.shape[1]
        wy_height, wy_width = cell * H, min(0.5 * C, 1.2)
        wy_x = 10.4 - wy_width / 2
        ax_wy = fig.add_axes(rect(wy_x, 3.85 - wy_height / 2, wy_width, wy_height))
        _heatmap(ax_wy, Wy, norm, rf"$W_y$  ({H} $\times$ {C})" + "\nhidden → output", annotate=annotate)
        ax_wy.yaxis.tick_right()
        ax_wy.yaxis.set_label_position("right")
        ax_wy.set_ylabel(f"hidden unit 1…{H}", fontsize=10, labelpad=2)
        ax_wy.set_xlabel("output", fontsize=10, labelpad=1)
        awy, wy_below = _axes_box(fig, ax_wy), _axis_box(fig, ax_wy.xaxis)
        n_y = node((awy[0] + awy[2]) / 2, fy(1.72),
                   "$s = h_T W_y + b_y$\n" + f"(1 × {C}),  " + r"$b_y$ = " + ", ".join(f"{v:.2f}" for v in by)
                   + ("\nP(positive) = σ(s)" if C == 1 else ""),
                   PALETTE["black"])
        b_y = _box(fig, n_y)
        _arrow(fig, (bh[2], y_mid), (awy[0], y_mid), c_h)
        fig.text((bh[2] + awy[0]) / 2, y_mid + fy(0.08), "after the\nlast step $T$", ha="center",
                 va="bottom", fontsize=9, color=c_h)
        _arrow(fig, ((awy[0] + awy[2]) / 2, wy_below[1] - gap), ((awy[0] + awy[2]) / 2, b_y[3]), PALETTE["black"])

    cax = fig.add_axes(rect(8.75, 7.55, 2.2, 0.2))
    cbar = fig.colorbar(im, cax=cax, orientation="horizontal")
    cbar.set_label("weight value (blue < 0 < red)", fontsize=10)
    cbar.ax.tick_params(labelsize=10)
    return fig


# ----------------------------------------------------------------------------------------------
# The intermediates of a step as bar charts
# ----------------------------------------------------------------------------------------------

def _term_values(step):
    if not isinstance(step, StepIntermediates):
        raise ValueError("step must be a StepIntermediates (from rnnlib.lessons.rnn_recurrence); "
                         f"got {type(step).__name__}")
    values = {name: np.asarray(getattr(step, name), dtype=float) for name in TERMS}
    shapes = {name: v.shape for name, v in values.items()}
    H = values["h"].shape[-1]
    if any(s != (H,) for s in shapes.values()):
        raise ValueError(f"step must hold 1-D arrays of one length H (one step of one sequence, e.g. "
                         f"WordSteps.step(t)); got shapes {shapes}")
    return values


class _StepBars:
    """Five bar panels (one per term) whose bars and value labels can be updated in place."""

    def __init__(self, axes, H, limit):
        self.axes = axes
        self.H = H
        self.bars = {}
        self.labels = {}
        units = np.arange(1, H + 1)
        annotate = H <= MAX_ANNOTATED_H  # more bars leave no room for their numbers
        for ax, name in zip(axes, TERMS, strict=True):
            self.bars[name] = ax.bar(units, np.zeros(H), color=TERM_COLOURS[name], width=0.7)
            self.labels[name] = [ax.text(j, 0.0, "", ha="center", va="bottom", fontsize=8)
                                 for j in units] if annotate else []
            ax.axhline(0.0, color=PALETTE["black"], linewidth=0.6)
            ax.set_title(TERM_TITLES[name], fontsize=11, color=_TITLE_COLOURS.get(name, TERM_COLOURS[name]))
            ax.set_xticks(units)
            ax.set_xlabel(f"hidden unit $j$ = 1 … {H}", fontsize=10)
            ax.tick_params(labelsize=10)
        for level in (-1.0, 1.0):  # the range of tanh, in the h_t panel
            axes[-1].axhline(level, color=PALETTE["grey"], linewidth=1.0, linestyle=":")
        axes[-1].text(H + 0.45, 1.0, "+1", ha="right", va="bottom", fontsize=8, color=PALETTE["grey"])
        axes[-1].text(H + 0.45, -1.0, "−1", ha="right", va="top", fontsize=8, color=PALETTE["grey"])
        axes[0].set_ylabel("value", fontsize=10)
        self.set_limit(limit)

    def set_limit(self, limit):
        self.limit = limit
        for ax in self.axes:
            ax.set_ylim(-limit, limit)

    def update(self, values):
        _update_bars(self.bars, self.labels, values, self.limit)


def _update_bars(bars, labels, values, limit, names=TERMS):
    """Set the bars' heights of the terms ``names`` to ``values`` and write the numbers (if any) just
    beyond their ends."""
    pad = 0.03 * limit
    for name in names:
        for bar, v in zip(bars[name], values[name], strict=True):
            bar.set_height(v)
        for label, v in zip(labels[name], values[name][:len(labels[name])], strict=True):  # none if H is large
            label.set_text(f"{v:.2f}")
            label.set_y(v + pad if v >= 0 else v - pad)
            label.set_verticalalignment("bottom" if v >= 0 else "top")


def plot_step_bars(step, title=None, limit=None, axes=None, figsize=(10.0, 3.0), dpi=100):
    r"""The intermediates of one RNN step as bar charts, one panel per term.

    Parameters
    ----------
    step : rnnlib.lessons.rnn_recurrence.StepIntermediates
        One step with 1-D arrays (H,), e.g. ``word_steps(...).step(t)``.
    title : str, optional
        Figure title.
    limit : float, optional
        The y axes run from ``-limit`` to ``limit`` (default: a quarter above the largest value,
        room for the numbers on the bars, and at least 1.25, so the dotted lines at :math:`\pm 1`,
        the range of tanh, lie inside the panels, not on their frames).
        With at most ``MAX_ANNOTATED_H`` hidden units each bar carries its value.
    axes : sequence of 5 Axes, optional
        Where to draw (default: a new figure with one row of five panels).
    figsize, dpi
        Of the new figure.

    Returns
    -------
    matplotlib.figure.Figure

    Notes
    -----
    The five panels read left to right as the equation
    :math:`x_t W_x + h_{t-1} W_h + b = a_t`, then :math:`h_t = \tanh(a_t)`; dotted lines mark
    :math:`\pm 1`, the range of tanh.
    """
    values = _term_values(step)
    H = values["h"].shape[0]
    if limit is None:
        limit = max(1.25, 1.25 * max(float(np.abs(v).max()) for v in values.values()))
    if axes is None:
        fig, axes = new_figure(figsize=figsize, dpi=dpi, nrows=1, ncols=5, sharey=True)
    else:
        if len(axes) != 5:
            raise ValueError(f"axes must hold 5 Axes (one per term); got {len(axes)}")
        fig = axes[0].figure
    bars = _StepBars(list(axes), H, limit)
    bars.update(values)
    if title:
        fig.suptitle(title, fontsize=12)
    return fig


# ----------------------------------------------------------------------------------------------
# A whole word: bars of step t plus the hidden states so far (the explorer's figure)
# ----------------------------------------------------------------------------------------------

def _subscript(n):
    """``12`` -> ``"₁₂"`` (Unicode subscript digits)."""
    return str(n).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


class _EquationBars:
    """The five terms of one step as groups of bars on ONE axes, read as an equation.

    ``x_t W_x  +  h_{t-1} W_h  +  b  =  a_t  ->tanh->  h_t``: group k holds the H values of term k.
    One axes instead of five keeps a redraw cheap (the explorer's slider).
    """

    GAPS = (1.6, 1.6, 1.6, 3.0)  # empty slots between groups (room for "+", "+", "=", "tanh") at H <= 4

    def __init__(self, ax, H):
        self.ax = ax
        self.H = H
        gaps = [gap * max(1.0, H / 4) for gap in self.GAPS]  # more bars are narrower: wider gaps
        starts = np.concatenate([[0.0], np.cumsum([H + gap for gap in gaps])])  # first bar of each group
        self.centres = [start + (H - 1) / 2 for start in starts]
        self.bars = {}
        self.labels = {}
        for k, name in enumerate(TERMS):
            positions = starts[k] + np.arange(H)
            self.bars[name] = ax.bar(positions, np.zeros(H), color=TERM_COLOURS[name], width=0.75)
            self.labels[name] = [ax.text(x, 0.0, "", ha="center", va="bottom", fontsize=8)
                                 for x in positions] if H <= MAX_ANNOTATED_H else []  # else no room
        self.operators = []
        for k, op in enumerate(["+", "+", "=", "tanh"]):
            x = starts[k] + H - 1 + (gaps[k] + 1) / 2
            self.operators.append(ax.text(x, 0.0, op, ha="center", va="center", fontsize=14 if len(op) == 1 else 10,
                                          fontweight="bold", color=PALETTE["black"],
                                          bbox=dict(boxstyle="round,pad=0.15", facecolor="white", edgecolor="none")))
        line = dict(color=PALETTE["black"], linewidth=0.6)
        self.zero_line = ax.axhline(0.0, **line)
        # the same 0 line again, only under each group of bars: WordStepsFigure draws it over the bars
        # it redraws, without crossing the operators between the groups
        under = [[start - 0.5, start + H - 0.5, np.nan] for start in starts]
        self.zero_under_bars = ax.plot(np.ravel(under), np.zeros(3 * len(starts)), **line)[0]
        self.tanh_bounds = [ax.plot([self.centres[-1] - H / 2, self.centres[-1] + H / 2], [level, level],
                                    color=PALETTE["grey"], linewidth=0.8, linestyle=":")[0] for level in (-1.0, 1.0)]
        labels = [r"$x_t W_x$", r"$h_{t-1} W_h$", r"$b$", r"$a_t$", r"$h_t = \tanh(a_t)$"]
        ax.set_xticks(self.centres, labels, fontsize=11)
        for tick, name in zip(ax.get_xticklabels(), TERMS, strict=True):
            tick.set_color(_TITLE_COLOURS.get(name, TERM_COLOURS[name]))
        ax.tick_params(axis="x", length=0)
        ax.tick_params(axis="y", labelsize=10)
        ax.set_xlim(-1.0, self.centres[-1] + H / 2 + 0.5)
        ax.set_xlabel(f"term of the step: one bar per hidden unit $j$ = 1 … {H}", fontsize=10)
        ax.set_ylabel("value", fontsize=10)
        self.set_limit(1.0)

    def set_limit(self, limit):
        self.limit = limit
        self.ax.set_ylim(-limit, limit)

    def update(self, values, names=TERMS):
        _update_bars(self.bars, self.labels, values, self.limit, names)


WORD_STEPS_FIGSIZE = (10.0, 5.6)  # of the word-steps figure and its explorer: room for 10 pt labels, 8 pt values
_UNREAD = "#eeeeee"  # the heatmap's columns of letters not read yet


def _bar_limit(largest):
    """The bars' y range: a quarter above the largest value (room for the numbers), at least 1, rounded up
    to a multiple of 0.25 so that it (and the y axis) changes less often while a word is typed."""
    return max(1.0, float(np.ceil(5.0 * largest)) / 4)


class WordStepsFigure:
    """The intermediates of step t of one word as bars, and a heatmap of :math:`h_1 \\dots h_t`.

    Built once; :meth:`update` changes the artists in place and :meth:`to_png` renders fast
    enough for a slider and for typing. The layout is computed once and frozen, and the drawing
    is cached in layers, each a bitmap of the whole figure that the next one starts from
    ("blitting"):

    1. the base, drawn once: frames, fixed titles and labels, operators, colour bar;
    2. what follows the y range of the bars: their y axis, the bias bars (b does not change
       with the step), the tanh bounds;
    3. what follows the word: the heatmap of all its states and the letters under it;
    4. what follows the step, drawn on every call: the bars and numbers of the step, the grey
       cover over the letters not read yet, the outline of the current step, the step titles.

    A new step redraws layer 4 only; a new word layers 3 and 4 (and 2 when the range changed).
    Saving or displaying ``fig`` draws everything as usual.

    Parameters
    ----------
    steps : rnnlib.lessons.rnn_recurrence.WordSteps
    t : int
        Step shown, 1 <= t <= T.
    figsize : tuple of float
    dpi : int

    Attributes
    ----------
    fig : matplotlib.figure.Figure
    bar_title, states_title : matplotlib.text.Text
        The titles that follow the step (the word and step t; the states :math:`h_1 \\dots h_t`).

    Notes
    -----
    The bars read as the equation :math:`x_t W_x + h_{t-1} W_h + b = a_t`, then
    :math:`h_t = \\tanh(a_t)`, one bar per hidden unit.
    """

    def __init__(self, steps, t, figsize=WORD_STEPS_FIGSIZE, dpi=100):
        if not isinstance(steps, WordSteps):
            raise ValueError("steps must be a WordSteps (from rnnlib.lessons.rnn_recurrence.word_steps); "
                             f"got {type(steps).__name__}")
        self.H = steps.H
        self.fig, (ax_bars, self.ax_states) = new_figure(figsize=figsize, dpi=dpi, nrows=2, ncols=1,
                                                         height_ratios=(1.3, 1.0))
        FigureCanvasAgg(self.fig)  # one canvas for the figure's life: its renderer caches text layouts
        self.bars = _EquationBars(ax_bars, self.H)
        # Each title has a fixed half (drawn once) and a half that follows the step, on the other side:
        # text is the slowest thing to draw, so a step draws as little of it as it can.
        self.bar_title = ax_bars.set_title(" ", loc="left", fontsize=11)
        ax_bars.set_title(r"the terms of $h_t$, one bar per hidden unit", loc="right", fontsize=11)
        ax = self.ax_states
        ax.set_title("hidden states so far (grey: letters not read yet)", loc="left", fontsize=11)
        self.states_title = ax.set_title(" ", loc="right", fontsize=11)
        self.image = ax.imshow(np.zeros((self.H, 1)), cmap=colormaps[CMAP_DIVERGING], norm=Normalize(-1.0, 1.0),
                               aspect="auto", interpolation="nearest")
        every = -(-self.H // 12)  # at most 12 unit labels: 10 pt labels need the room
        ax.set_yticks(range(0, self.H, every), [str(j + 1) for j in range(0, self.H, every)])
        ax.set_ylabel(f"hidden unit $j$ = 1 … {self.H}", fontsize=10)
        ax.set_xlabel("step $t$ and the letter it reads", fontsize=10)
        ax.tick_params(labelsize=10, length=2)
        self.unread = Rectangle((0.5, -0.5), 1.0, self.H, facecolor=_UNREAD, edgecolor="none")
        self.current = Rectangle((-0.5, -0.5), 1.0, self.H, fill=False, edgecolor=PALETTE["black"], linewidth=2.0)
        ax.add_patch(self.unread)
        ax.add_patch(self.current)
        cbar = self.fig.colorbar(self.image, ax=ax, fraction=0.04, pad=0.01)
        cbar.set_label("hidden state value", fontsize=10)
        cbar.ax.tick_params(labelsize=10)
        bars = self.bars
        self._layers = [  # the artists of layers 2, 3, 4 (see the class docstring), each in drawing order
            [ax_bars.yaxis, *bars.bars["b"], *bars.labels["b"], *bars.tanh_bounds],
            [self.image, ax.xaxis],
            [self.unread, *ax.spines.values(), self.current,
             *(bar for name in TERMS if name != "b" for bar in bars.bars[name]), bars.zero_under_bars,
             self.bar_title, self.states_title,
             *(label for name in TERMS if name != "b" for label in bars.labels[name])],
        ]
        for layer in self._layers:
            for artist in layer:
                artist.set_animated(True)  # left out of the base (still drawn when saving)
        self._bitmaps = [None] * len(self._layers)  # the cache: base, base + layer 2, ... + layer 3
        self._word = None
        self._range = None  # the y range and the bias that layer 2 shows
        self.update(steps, t)
        self.fig.draw_without_rendering()  # constrained layout once...
        self.fig.set_layout_engine("none")  # ...then frozen: redraws skip it
        # the states' x label sits below the letters, which a new word redraws: once the layout is
        # frozen it never moves, so it joins the base instead of being redrawn with every word
        label = ax.xaxis.label
        where = ax.transAxes.inverted().transform(label.get_transform().transform(label.get_position()))
        ax.text(*where, label.get_text(), transform=ax.transAxes, fontproperties=label.get_fontproperties(),
                ha=label.get_ha(), va=label.get_va())
        label.set_visible(False)

    def update(self, steps, t):
        """Show step ``t`` of ``steps`` (a new word or a new step); returns the figure."""
        if not isinstance(steps, WordSteps):
            raise ValueError(f"steps must be a WordSteps; got {type(steps).__name__}")
        if steps.H != self.H:
            raise ValueError(f"steps must have hidden size H={self.H} (the figure's); got H={steps.H}")
        step = steps.step(t)
        values = _term_values(step)
        T = steps.T
        if steps.word != self._word:  # a new word: its states, its letters, maybe a new range
            self._word = steps.word
            self._bitmaps[2:] = [None]
            limit = _bar_limit(steps.largest_magnitude())
            if (limit, values["b"].tobytes()) != self._range:  # a new y range (or other weights): layer 2 too
                self._range = (limit, values["b"].tobytes())
                self._bitmaps[1:] = [None, None]
                self.bars.set_limit(limit)
                self.bars.update(values, names=("b",))
            self.image.set_data(steps.h.T)  # (H, T)
            self.image.set_extent((-0.5, T - 0.5, self.H - 0.5, -0.5))
            self.ax_states.set_xlim(-0.5, T - 0.5)
            self.ax_states.set_xticks(range(T), [f"{s + 1}\n{ch}" for s, ch in enumerate(steps.word)])
        self.bars.update(values, names=[name for name in TERMS if name != "b"])
        self.unread.set_x(t - 0.5)
        self.unread.set_width(T - t)
        self.current.set_x(t - 1.5)
        # Plain text with Unicode subscripts: a new mathtext string per step would be re-parsed.
        self.bar_title.set_text(f"'{steps.word}', step t = {t} of {T}, reading the letter '{steps.word[t - 1]}'")
        self.states_title.set_text(f"h₁ … h{_subscript(t)}")
        return self.fig

    def to_png(self):
        """The figure as PNG bytes, redrawing only the layers that changed since the last call.

        Returns
        -------
        bytes
        """
        canvas = self.fig.canvas
        if self._bitmaps[0] is None:
            canvas.draw()  # everything but the animated artists
            self._bitmaps[0] = canvas.copy_from_bbox(self.fig.bbox)
        below = max(k for k, bitmap in enumerate(self._bitmaps) if bitmap is not None)  # the top cached layer
        canvas.restore_region(self._bitmaps[below])
        for k in range(below, len(self._layers)):
            for artist in self._layers[k]:
                self.fig.draw_artist(artist)
            if k + 1 < len(self._bitmaps):
                self._bitmaps[k + 1] = canvas.copy_from_bbox(self.fig.bbox)
        return canvas_to_png(canvas)


def plot_word_steps(steps, t, figsize=WORD_STEPS_FIGSIZE, dpi=100):
    """The intermediates of step ``t`` of a word and its hidden states so far (see :class:`WordStepsFigure`).

    Parameters
    ----------
    steps : rnnlib.lessons.rnn_recurrence.WordSteps
    t : int
        1 <= t <= T.

    Returns
    -------
    matplotlib.figure.Figure
    """
    return WordStepsFigure(steps, t, figsize=figsize, dpi=dpi).fig
