r"""Figure 4 of the essay, the LSTM cell, with live values; gate heatmaps; the latch's cell state.

The cell diagram is drawn once by :class:`LSTMCellDiagram`; :meth:`LSTMCellDiagram.set_values`
then rewrites only its text and colours, so an explorer can redraw it quickly. The diagram
follows the usual layout: the cell state :math:`c` runs along the top, :math:`h_{t-1}` and
:math:`x_t` come in at the bottom and feed the four gate blocks (forget :math:`f`, input
:math:`i`, candidate :math:`g`, output :math:`o`), pointwise :math:`\times` and :math:`+` nodes
combine them, and :math:`c_t` and :math:`h_t` leave on the right.
"""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Circle, Ellipse, FancyBboxPatch
from matplotlib.textpath import text_to_path

from .._validate import as_array
from ..activations import sigmoid
from ..lessons.lstm_cell import cell_step_values
from .style import (
    CMAP,
    CMAP_DIVERGING,
    PALETTE,
    CellDiagram,
    canvas_to_png,
    get_ax,
    live_factor,
    live_number,
    new_figure,
    text_colour_on,
)

__all__ = [
    "LSTMCellDiagram",
    "draw_lstm_cell",
    "GATE_INFO",
    "plot_gate_heatmap",
    "plot_gates_over_word",
    "LatchPlot",
    "plot_latch",
    "plot_latch_decay",
    "freeze_layout",
]

# name -> (long name, activation, value range)
GATE_INFO = {
    "i": ("input gate", "sigmoid", (0.0, 1.0)),
    "f": ("forget gate", "sigmoid", (0.0, 1.0)),
    "g": ("candidate", "tanh", (-1.0, 1.0)),
    "o": ("output gate", "sigmoid", (0.0, 1.0)),
    "c": ("cell state", "", None),
    "h": ("hidden state", "tanh", (-1.0, 1.0)),
}
_TEX = {"i": "i", "f": "f", "g": "g", "o": "o", "c": "c_t", "h": "h_t"}


# Layout in data units (the axes spans 0..16 by 0..9.6, equal aspect).
_Y_CELL = 7.0  # the cell-state line
_Y_BUS = 1.7  # the bus carrying [h_{t-1}, x_t] to the gates
_Y_GATE = 3.6  # centre of the gate blocks
_Y_MUL = 5.3  # the i * g node and the tanh(c_t) block
_X = {"f": 4.0, "i": 6.0, "g": 7.6, "o": 10.2, "tanh": 12.0, "x_in": 2.6}
_GATE_W, _GATE_H = 1.3, 0.9
_NODE_R = CellDiagram.NODE_R


def _value_norm(gate):
    lo, hi = GATE_INFO[gate][2]
    return Normalize(lo, hi)


_pick = CellDiagram.pick


def _complete(values, unit=0):
    """Fill in every number the diagram shows from x, h_prev, c_prev and the gates (or a_*)."""
    if values is None:
        values = cell_step_values()  # the notebook's worked example
    if not isinstance(values, dict):
        raise ValueError(f"values must be a dict of gate and state values; got {type(values).__name__}")
    v = {}
    for key in ("x", "h_prev", "c_prev"):
        if key not in values:
            raise ValueError(f"values must contain {key!r}; got keys {sorted(values)}")
        v[key] = _pick(values, key, unit)
    for gate, (_, act, _) in GATE_INFO.items():
        if gate in ("c", "h"):
            continue
        if gate in values:
            v[gate] = _pick(values, gate, unit)
        elif f"a_{gate}" in values:
            a = _pick(values, f"a_{gate}", unit)
            v[gate] = float(np.tanh(a)) if act == "tanh" else float(0.5 * (1.0 + np.tanh(0.5 * a)))
        else:
            raise ValueError(f"values must contain the gate {gate!r} or its pre-activation 'a_{gate}'; "
                             f"got keys {sorted(values)}")
        v[f"a_{gate}"] = _pick(values, f"a_{gate}", unit) if f"a_{gate}" in values else None
    v["fc"] = v["f"] * v["c_prev"]
    v["ig"] = v["i"] * v["g"]
    v["c"] = _pick(values, "c", unit) if "c" in values else v["fc"] + v["ig"]
    v["tanh_c"] = float(np.tanh(v["c"]))
    v["h"] = _pick(values, "h", unit) if "h" in values else v["o"] * v["tanh_c"]
    return v


class LSTMCellDiagram(CellDiagram):
    r"""The LSTM cell drawn once, with text and colour artists that :meth:`set_values` rewrites.

    Parameters
    ----------
    values : dict, optional
        Scalars (or arrays, of which element ``unit`` is shown) for ``x``, ``h_prev``,
        ``c_prev`` and either the gates ``i``, ``f``, ``g``, ``o`` or their pre-activations
        ``a_i``, ``a_f``, ``a_g``, ``a_o`` (both may be given; ``c`` and ``h`` are computed when
        missing). :func:`rnnlib.lessons.lstm_cell.cell_step_values` returns such a dict; by default its
        worked example (x = 1, h_prev = 0.2, c_prev = 0.5) is shown.
    ax : matplotlib.axes.Axes, optional
    unit : int
        Which hidden unit to show when the values are vectors.
    title : str, optional
    figsize : tuple of float
    dpi : int

    Attributes
    ----------
    fig, ax
    texts : dict of str to matplotlib.text.Text
        The live labels, by the value they show (``"f"``, ``"c"``, ``"equation"``, ...).
    boxes : dict of str to matplotlib.patches.Patch
        The gate blocks, filled with the colour of their value.

    Notes
    -----
    .. math::
        c_t = f \odot c_{t-1} + i \odot g, \qquad h_t = o \odot \tanh(c_t)
    """

    LIVE_LABELS = ("eq_h_label",)  # placed after the live c_t equation: it moves with it
    _shown_labels = None  # which pre-activation labels the cached background shows

    def __init__(self, values=None, ax=None, unit=0, title="The LSTM cell (one unit), with live values",
                 figsize=(8.0, 4.9), dpi=90):
        super().__init__(values, ax, unit, title, figsize, dpi)

    # ----------------------------------------------------------------- static parts
    def _draw_static(self, title):
        ax = self.ax
        self._draw_frame(title)
        x_f, x_i, x_g, x_o, x_t, x_in = _X["f"], _X["i"], _X["g"], _X["o"], _X["tanh"], _X["x_in"]
        top = _Y_GATE + _GATE_H / 2
        bottom = _Y_GATE - _GATE_H / 2
        # cell state line along the top: c_{t-1} -> (x f) -> (+ i g) -> c_t
        self._wire([(0.3, _Y_CELL), (x_f - _NODE_R, _Y_CELL)])
        self._wire([(x_f + _NODE_R, _Y_CELL), (x_g - _NODE_R, _Y_CELL)])
        self._wire([(x_g + _NODE_R, _Y_CELL), (15.7, _Y_CELL)], arrow=True)
        self._node((x_f, _Y_CELL), "×")
        self._node((x_g, _Y_CELL), "+")
        # bus: h_{t-1} from the left, x_t from below, joined and fed to every gate
        self._wire([(0.3, _Y_BUS), (x_o, _Y_BUS)])
        self._wire([(x_in, 0.15), (x_in, _Y_BUS)])
        ax.add_patch(Circle((x_in, _Y_BUS), 0.09, color="#333333", zorder=2))
        for gate in ("f", "i", "g", "o"):
            self._wire([(_X[gate], _Y_BUS), (_X[gate], bottom)], arrow=True)
        # gate outputs
        self._wire([(x_f, top), (x_f, _Y_CELL - _NODE_R)], arrow=True)  # f up to the x on the line
        self._wire([(x_i, top), (x_i, _Y_MUL), (x_g - _NODE_R, _Y_MUL)], arrow=True)  # i across to i*g
        self._wire([(x_g, top), (x_g, _Y_MUL - _NODE_R)], arrow=True)  # g up to i*g
        self._wire([(x_g, _Y_MUL + _NODE_R), (x_g, _Y_CELL - _NODE_R)], arrow=True)  # i*g up to +
        self._node((x_g, _Y_MUL), "×")
        # output: c_t down through tanh, times o, out as h_t
        self._wire([(x_t, _Y_CELL), (x_t, _Y_MUL + 0.35)], arrow=True)
        ax.add_patch(Ellipse((x_t, _Y_MUL), 1.3, 0.7, facecolor="#fff6cc", edgecolor="#333333", lw=1.2,
                             zorder=3))
        ax.text(x_t, _Y_MUL, "tanh", ha="center", va="center", fontsize=10, zorder=4)
        ax.add_patch(Circle((x_t, _Y_CELL), 0.08, color="#333333", zorder=2))
        self._wire([(x_t, _Y_MUL - 0.35), (x_t, _Y_GATE + _NODE_R)], arrow=True)
        self._wire([(x_o + _GATE_W / 2, _Y_GATE), (x_t - _NODE_R, _Y_GATE)], arrow=True)
        self._node((x_t, _Y_GATE), "×")
        self._wire([(x_t, _Y_GATE - _NODE_R), (x_t, _Y_BUS), (15.7, _Y_BUS)], arrow=True)
        # gate blocks: colour = value, text = activation, caption = name
        for gate in ("f", "i", "g", "o"):
            name, act, _ = GATE_INFO[gate]
            box = FancyBboxPatch((_X[gate] - _GATE_W / 2, bottom), _GATE_W, _GATE_H,
                                 boxstyle="round,pad=0.02,rounding_size=0.12", edgecolor="#333333", lw=1.2,
                                 zorder=3)
            ax.add_patch(box)
            self.boxes[gate] = box
            self.texts[f"box_{gate}"] = ax.text(_X[gate], _Y_GATE, "σ" if act == "sigmoid" else "tanh",
                                                ha="center", va="center", fontsize=12 if act == "sigmoid" else 10,
                                                zorder=4)
        # static captions
        captions = {"f": "forget", "i": "input", "g": "candidate", "o": "output"}
        for gate, caption in captions.items():
            ax.text(_X[gate], _Y_BUS - 0.45, caption, ha="center", va="center", fontsize=8,
                    color="#666666", zorder=2)
        # live labels: a static mathtext name and a plain-text number each
        self._label("c_prev", (0.3, _Y_CELL + 0.45), "$c_{t-1}$ =")
        self._label("c", (15.7, _Y_CELL + 0.45), "$c_t$ =", ha="right")
        self._label("h_prev", (0.3, _Y_BUS + 0.45), "$h_{t-1}$ =")
        self._label("h", (15.7, _Y_BUS + 0.45), "$h_t$ =", ha="right")
        self._label("x", (x_in + 0.2, 0.35), "$x_t$ =")
        self._label("fc", (x_f + 0.55, _Y_CELL + 0.45), "$f \\cdot c_{t-1}$ =", size=8.5)
        self._label("f", (x_f - 0.15, (top + _Y_CELL) / 2 + 0.2), "$f$ =", ha="right", widest="0.00")  # in [0, 1]
        self._label("i", (x_i - 0.15, (top + _Y_MUL) / 2), "$i$ =", ha="right", widest="0.00")
        self._label("g", (x_g + 0.15, (top + _Y_MUL) / 2 - 0.05), "$g$ =")
        self._label("ig", (x_g + 0.15, (_Y_MUL + _Y_CELL) / 2), "$i \\cdot g$ =", size=8.5)
        self._label("o", (x_o + 0.1, _Y_GATE + 0.75), "$o$ =")
        self._label("tanh_c", (x_t + 0.25, (_Y_GATE + _Y_MUL) / 2), "$\\tanh\\,c_t$ =", size=8.5)
        for gate in ("f", "i", "g", "o"):
            self._label(f"a_{gate}", (_X[gate] + 0.1, (bottom + _Y_BUS) / 2), f"$a_{gate}$ =", size=8,
                        color="#444444")
        # the two update equations with the numbers filled in, one line above the cell
        kw = {"va": "center", "fontsize": 9.5}
        eq_c = ax.text(0.3, 9.0, "$c_t = f \\cdot c_{t-1} + i \\cdot g$ =", ha="left", **kw)
        width = text_to_path.get_text_width_height_descent(eq_c.get_text(), FontProperties(size=9.5), ismath=True)[0]
        self.texts["eq_c"] = ax.annotate("", xy=(0.3, 9.0), xytext=(width + 3, 0), textcoords="offset points",
                                         ha="left", **kw)
        eq_h = ax.annotate("$h_t = o \\cdot \\tanh\\, c_t$ =", xy=(1.0, 0.5), xycoords=self.texts["eq_c"],
                           xytext=(18, 0), textcoords="offset points", ha="left", **kw)
        self._colour_keys()
        self.texts["eq_h_label"] = eq_h  # placed after the live eq_c number: it moves with it
        self.texts["eq_h"] = ax.annotate("", xy=(1.0, 0.5), xycoords=eq_h, xytext=(3, 0),
                                         textcoords="offset points", ha="left", **kw)

    # ----------------------------------------------------------------- live parts
    def set_values(self, values, unit=None):
        """Write new values on the diagram (text and colours only; nothing is redrawn from scratch).

        Parameters
        ----------
        values : dict
            See the class docstring.
        unit : int, optional
            Which element of vector values to show (default: the one given at construction).

        Returns
        -------
        dict of str to float
            Every number shown (gates, ``c``, ``h``, ``fc``, ``ig``, ``tanh_c``, ...).
        """
        unit = self.unit if unit is None else unit
        v = _complete(values, unit)
        t = self.texts
        for key in ("c_prev", "c", "h_prev", "h", "x", "fc", "ig", "tanh_c", "f", "i", "g", "o"):
            t[key].set_text(live_number(v[key]))
        shown = tuple(v[f"a_{gate}"] is not None for gate in ("f", "i", "g", "o"))
        if shown != self._shown_labels:  # the labels are in the cached background: draw it again
            self._shown_labels, self._background = shown, None
        for gate in ("f", "i", "g", "o"):
            a = v[f"a_{gate}"]
            t[f"a_{gate}"].set_text("" if a is None else live_number(a))
            t[f"a_{gate}"].set_visible(a is not None)
            t[f"a_{gate}_label"].set_visible(a is not None)
            cmap = self._cmaps[GATE_INFO[gate][1]]
            rgba = cmap(_value_norm(gate)(v[gate]))
            self.boxes[gate].set_facecolor(rgba)
            t[f"box_{gate}"].set_color(text_colour_on(rgba))
        t["eq_c"].set_text(f"{live_factor(v['f'])}·{live_factor(v['c_prev'])} + "
                           f"{live_factor(v['i'])}·{live_factor(v['g'])} = {live_number(v['c'])}")
        t["eq_h"].set_text(f"{live_factor(v['o'])}·{live_factor(v['tanh_c'])} = {live_number(v['h'])}")
        return v


def draw_lstm_cell(values=None, ax=None, unit=0, title="The LSTM cell (one unit), with live values"):
    r"""Draw the LSTM cell (essay Figure 4) with the given values written on it.

    Parameters
    ----------
    values : dict, optional
        See :class:`LSTMCellDiagram`; by default a worked example (x = 1, h_prev = 0.2,
        c_prev = 0.5).
    ax : matplotlib.axes.Axes, optional
    unit : int
        Which hidden unit to show when the values are vectors.
    title : str

    Returns
    -------
    matplotlib.figure.Figure

    Notes
    -----
    .. math:: c_t = f \odot c_{t-1} + i \odot g, \qquad h_t = o \odot \tanh(c_t)
    """
    return LSTMCellDiagram(values, ax=ax, unit=unit, title=title).fig


def freeze_layout(fig):
    """Prepare a figure for fast repeated PNG renders and return it.

    Attaches an Agg canvas (so every render reuses one renderer and its text-metrics cache),
    runs the figure's layout engine once, then switches the engine off (so a render does not
    lay the figure out again). Call it after building the figure, before updating it in place.

    Parameters
    ----------
    fig : matplotlib.figure.Figure

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not isinstance(fig, Figure):
        raise ValueError(f"fig must be a matplotlib Figure; got {type(fig).__name__}")
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    if fig.get_layout_engine() is not None:
        fig.canvas.draw()
        fig.set_layout_engine(None)
    return fig


# --------------------------------------------------------------------- gates over a sequence
def _letters(letters, T):
    if isinstance(letters, str):
        letters = list(letters)
    letters = list(letters)
    if len(letters) != T:
        raise ValueError(f"letters must have one label per time step ({T}); got {len(letters)}: {letters!r}")
    return letters


def plot_gate_heatmap(values, letters, gate, ax=None, colorbar=True, step_label="letter read", title=None):
    r"""One gate (or state) over a sequence as a heatmap: time left to right, hidden units top to bottom.

    Parameters
    ----------
    values : array_like, shape (T, H)
        The gate's value at every step for every unit (one sequence of
        :func:`rnnlib.lstm.lstm_internals`).
    letters : str or sequence of str, length T
        Label of each time step t = 1..T (a word's letters, or symbol names).
    gate : {"i", "f", "g", "o", "c", "h"}
    ax : matplotlib.axes.Axes, optional
    colorbar : bool
    step_label : str
        What the tick labels are, for the x-axis label ("time step t = 1..T (<step_label>)").
    title : str, optional
        The panel's title; by default the gate's name ("candidate g").

    Returns
    -------
    matplotlib.figure.Figure

    Notes
    -----
    Sigmoid gates use the sequential colour map on [0, 1]; ``g``, ``h`` and ``c`` use the
    diverging map, centred on zero. Hidden units are numbered from 1 (unit j is column j-1 of
    ``values``), the first at the top, as everywhere in the course.
    """
    if gate not in GATE_INFO:
        raise ValueError(f"gate must be one of {tuple(GATE_INFO)}; got {gate!r}")
    values = as_array("values", values, ("T", "H"))
    T, H = values.shape
    letters = _letters(letters, T)
    fig, ax = get_ax(ax, figsize=(max(3.0, 0.45 * T + 1.8), max(2.0, 0.3 * H + 1.2)))
    name, act, rng = GATE_INFO[gate]
    if rng is None:  # the cell state is unbounded: symmetric range from the data
        m = max(float(np.abs(values).max()), 1e-6)
        rng = (-m, m)
    cmap = CMAP if act == "sigmoid" else CMAP_DIVERGING
    im = ax.imshow(values.T, aspect="auto", cmap=cmap, vmin=rng[0], vmax=rng[1], origin="upper",
                   interpolation="nearest")  # (H, T): row j-1 is unit j, top to bottom
    ax.set_xticks(range(T), [f"{ch}" for ch in letters])
    ax.set_xlabel(f"time step t = 1..{T} ({step_label})")
    ax.set_ylabel(f"hidden unit (1..{H})")
    ax.set_yticks(range(H), [str(j) for j in range(1, H + 1)])
    ax.set_title(f"{name} ${_TEX[gate]}$" if title is None else title, fontsize=10)
    if colorbar:
        bar = fig.colorbar(im, ax=ax, fraction=0.06, pad=0.02)
        bar.set_label(f"${_TEX[gate]}$", labelpad=6)
        ticks = [rng[0], 0.5 * (rng[0] + rng[1]), rng[1]]
        bar.set_ticks(ticks, labels=[f"{v:.1f}".replace("-", "\u2212") for v in ticks])
    return fig


def plot_gates_over_word(internals, word, n=0, gates=("f", "i", "g", "c", "o", "h"), step_label="letter read",
                         title=None):
    """Every gate and state of one word as heatmaps side by side (time left to right, units top to bottom).

    Parameters
    ----------
    internals : dict of str to array_like, each (N, T, H)
        From :func:`rnnlib.lstm.lstm_internals` or ``SequenceClassifier.internals``.
    word : str or sequence of str
        The word in row ``n`` (or one label per step of another sequence); only its
        ``len(word)`` steps are shown (padding is cut off).
    n : int
        Which sequence of the batch.
    gates : sequence of str
        Panels, in order (three per row).
    step_label : str
        What the step labels are (the x-axis label of each panel).
    title : str, optional
        The figure's title (default: "Inside the LSTM while it reads '<word>' (H units)").

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not isinstance(internals, dict):
        raise ValueError(f"internals must be a dict of gate name to array; got {type(internals).__name__}")
    missing = [g for g in gates if g not in internals]
    if missing:
        raise ValueError(f"internals must contain {list(gates)}; missing {missing}")
    arrays = {g: as_array(f"internals[{g!r}]", internals[g], ("N", "T", "H")) for g in gates}
    N, T, H = arrays[gates[0]].shape
    if not 0 <= n < N:
        raise ValueError(f"n must be in 0..{N - 1}; got {n}")
    labels = list(word) if isinstance(word, (str, list, tuple)) else None
    if labels is None or not 1 <= len(labels) <= T or not all(isinstance(a, str) for a in labels):
        raise ValueError(f"word must be a string of 1..{T} letters (the sequence in row n) or a list of as many "
                         f"step labels; got {word!r}")
    ncols = min(3, len(gates))
    nrows = int(np.ceil(len(gates) / ncols))
    L = len(labels)
    dpi = 90
    height = round(((0.22 * H + 1.3) * nrows + 0.5) * dpi) / dpi  # a whole number of pixels
    fig, axes = new_figure(figsize=(3.0 * ncols + 0.4, height), dpi=dpi, nrows=nrows, ncols=ncols, squeeze=False)
    for k, gate in enumerate(gates):
        ax = axes.flat[k]
        plot_gate_heatmap(arrays[gate][n, :L], labels, gate, ax=ax, step_label=step_label)
        if k % ncols:
            ax.set_ylabel("")
    for ax in list(axes.flat)[len(gates):]:
        ax.axis("off")
    fig.suptitle(title if title is not None else f"Inside the LSTM while it reads '{word}' ({H} units)",
                 fontsize=11)
    return fig


# --------------------------------------------------------------------- the latch
class LatchPlot:
    r"""The latch's cell state over the steps for bit 1 and bit 0, with its gates underneath.

    Built once; :meth:`update` moves the lines (``set_data``) and rewrites the texts.

    Parameters
    ----------
    run1, run0 : dict of str to array_like, each (T,)
        :func:`rnnlib.lessons.lstm_cell.latch_run` for bit 1 and bit 0 (``"c"``, ``"h"``, ``"i"``, ``"f"``).
    forget_bias : float
        Used for the dashed envelope :math:`\pm c_1 f^{t-1}` and the caption.
    accuracy : float, optional
        Shown in the caption (bits read back correctly over many sequences).
    figsize : tuple of float
    dpi : int

    Notes
    -----
    Steps count t = 1..T; the bit is written at t = 1 and held for k = T - 1 steps:

    .. math:: c_t = f\,c_{t-1} + i_t\,g_t \approx f^{\,t-1} c_1 \quad\text{while } i_t \approx 0
    """

    def __init__(self, run1, run0, forget_bias, accuracy=None, figsize=(7.6, 4.3), dpi=90):
        self.fig, (self.ax_c, self.ax_g) = new_figure(figsize=figsize, dpi=dpi, nrows=2, ncols=1, sharex=True,
                                                      height_ratios=(2.2, 1.0))
        self.fig.suptitle("The latch: one LSTM unit holding a bit", fontsize=11)
        ax = self.ax_c
        self.zero_line = ax.axhline(0.0, color=PALETTE["grey"], lw=0.8)
        (self.line1,) = ax.plot([], [], color=PALETTE["blue"], lw=2, label="$c_t$, bit 1 stored")
        (self.line0,) = ax.plot([], [], color=PALETTE["orange"], lw=2, label="$c_t$, bit 0 stored")
        (self.env_hi,) = ax.plot([], [], color=PALETTE["black"], lw=1, ls="--", label=r"$\pm c_1 f^{\,t-1}$")
        (self.env_lo,) = ax.plot([], [], color=PALETTE["black"], lw=1, ls="--")
        ax.set_ylabel("cell state $c_t$")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
        # The caption: two lines above the plot, each a fixed label (mathtext, drawn once into the
        # cached background) followed by live plain-text numbers, the least text a redraw can draw.
        ax.set_title(" \n ", loc="left", fontsize=8.5)  # keeps the room for them in the layout
        prop = FontProperties(size=8.5)

        def width(text):  # in points
            return text_to_path.get_text_width_height_descent(text, prop, ismath="$" in text)[0]

        def at(text, x, y):  # a baseline y points above the plot, x points from its left edge
            return ax.annotate(text, xy=(0, 1), xycoords="axes fraction", xytext=(x, y), textcoords="offset points",
                               va="baseline", fontproperties=prop, annotation_clip=False)

        low = mpl.rcParams["axes.titlepad"]
        high = low + 1.4 * prop.get_size_in_points()
        labels = (r"$f = \sigma(b_f)$ =", "$c_T$ =", r"bit read back as $h_T > 0$: correct in")
        c_at = width(labels[0]) + 3 + width("σ(\u221210.0) = 0.0000") + 14  # after the widest f number
        self._caption_labels = [at(labels[0], 0, high), at(labels[1], c_at, high), at(labels[2], 0, low)]
        self.caption_numbers = [at("", width(labels[0]) + 3, high), at("", c_at + width(labels[1]) + 3, high),
                                at("", width(labels[2]) + 3, low)]
        gx = self.ax_g
        (self.line_f,) = gx.plot([], [], color=PALETTE["green"], lw=1.8, drawstyle="steps-post",
                                 label="forget gate $f_t$")
        (self.line_i,) = gx.plot([], [], color=PALETTE["vermillion"], lw=1.8, ls=(0, (4, 2)), drawstyle="steps-post",
                                 label="input gate $i_t$")
        gx.set_ylim(-0.05, 1.05)
        gx.set_ylabel("gate value")
        gx.set_xlabel("time step t (bit written at t = 1)")
        gx.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
        # Lines, caption and frames are "animated": to_png redraws only them while the axis
        # limits stay the same (saving or displaying the figure draws everything as usual).
        self._live_artists = [self.line1, self.line0, self.env_hi, self.env_lo, self.line_f, self.line_i,
                              *self.caption_numbers, *self.ax_c.spines.values(), *self.ax_g.spines.values()]
        self._live_artists.sort(key=lambda a: a.get_zorder())
        # What follows the axis limits (ticks, tick labels, the 0 line) is a second cached layer,
        # so that new limits do not draw the legends, labels and titles again.
        self._limit_artists = [self.zero_line, self.ax_c.xaxis, self.ax_c.yaxis, self.ax_g.xaxis]
        for artist in self._live_artists + self._limit_artists:
            artist.set_animated(True)
        self._base, self._base_key = None, None
        self._limits, self._limits_key = None, None
        self.update(run1, run0, forget_bias, accuracy)

    def update(self, run1, run0, forget_bias, accuracy=None):
        """Show new runs (same keys as at construction); returns the Figure."""
        for name, run in (("run1", run1), ("run0", run0)):
            if not isinstance(run, dict) or not {"c", "i", "f"} <= set(run):
                raise ValueError(f"{name} must be a dict with 'c', 'i' and 'f' (from latch_run); got {run!r:.80}")
        c1 = as_array("run1['c']", run1["c"], ("T",))
        c0 = as_array("run0['c']", run0["c"], ("T",))
        T = c1.shape[0]
        if c0.shape[0] != T:
            raise ValueError(f"run0['c'] must have the length of run1['c'] ({T}); got {c0.shape[0]}")
        steps = np.arange(1, T + 1)  # t = 1..T
        f = float(sigmoid(float(forget_bias)))
        envelope = abs(c1[0]) * f ** (steps - 1)  # |c_1| f^(t-1)
        self.line1.set_data(steps, c1)
        self.line0.set_data(steps, c0)
        self.env_hi.set_data(steps, envelope)
        self.env_lo.set_data(steps, -envelope)
        self.line_f.set_data(steps, run1["f"])
        self.line_i.set_data(steps, run1["i"])
        self.ax_g.set_xlim(1, max(T, 2))
        lim = max(1.15, 1.08 * float(max(np.abs(c1).max(), np.abs(c0).max())))
        self.ax_c.set_ylim(-lim, lim)
        numbers = self.caption_numbers
        numbers[0].set_text(f"σ({forget_bias:.1f}) = {f:.4f}")
        numbers[1].set_text(f"{c1[-1]:+.3f} (bit 1), {c0[-1]:+.3f} (bit 0) after k = {T - 1} steps".replace("-", "−"))
        numbers[2].set_text("" if accuracy is None else f"{100 * accuracy:.0f}% of sequences")
        self._caption_labels[2].set_visible(accuracy is not None)
        return self.fig

    @property
    def caption(self):
        """The caption above the plot as one string (fixed labels and live numbers, line by line)."""
        labels, numbers = self._caption_labels, self.caption_numbers
        lines = [f"{labels[0].get_text()} {numbers[0].get_text()};   {labels[1].get_text()} {numbers[1].get_text()}"]
        if labels[2].get_visible():
            lines.append(f"{labels[2].get_text()} {numbers[2].get_text()}")
        return "\n".join(lines)

    def to_png(self):
        """The figure as PNG bytes, fast: the axes, legends and labels come from a cached bitmap,
        the ticks from a second one while the axis limits are unchanged, and only the lines and
        the caption's numbers are drawn again.

        The first call freezes the layout (see :func:`freeze_layout`).

        Returns
        -------
        bytes
        """
        freeze_layout(self.fig)
        canvas = self.fig.canvas
        base_key = (canvas.get_width_height(physical=True), self._caption_labels[2].get_visible())
        if base_key != self._base_key:
            canvas.draw()  # everything except the animated artists
            self._base, self._base_key = canvas.copy_from_bbox(self.fig.bbox), base_key
            self._limits_key = None
        limits_key = (self.ax_c.get_xlim(), self.ax_c.get_ylim())
        if limits_key != self._limits_key:
            canvas.restore_region(self._base)
            for artist in self._limit_artists:
                self.fig.draw_artist(artist)
            self._limits, self._limits_key = canvas.copy_from_bbox(self.fig.bbox), limits_key
        else:
            canvas.restore_region(self._limits)
        for artist in self._live_artists:
            self.fig.draw_artist(artist)
        return canvas_to_png(canvas)


def plot_latch(run1, run0, forget_bias, accuracy=None):
    """The latch's cell state for both bits over the steps, and its gates (see :class:`LatchPlot`).

    Returns
    -------
    matplotlib.figure.Figure
    """
    return LatchPlot(run1, run0, forget_bias, accuracy).fig


def plot_latch_decay(curves, ax=None):
    r"""The stored cell state :math:`c_t` over the steps for several forget biases.

    Parameters
    ----------
    curves : dict of float to array_like (T,)
        Forget bias -> cell state over the steps (e.g. ``latch_run(...)["c"]``).
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.figure.Figure

    Notes
    -----
    With the input gate closed, :math:`c_t \approx \sigma(b_f)^{t-1} c_1` (steps t = 1..T).
    """
    if not isinstance(curves, dict) or not curves:
        raise ValueError(f"curves must be a non-empty dict of forget bias -> c_t array; got {curves!r:.80}")
    fig, ax = get_ax(ax, figsize=(6.4, 3.2))
    colours = [PALETTE[k] for k in ("blue", "green", "orange", "purple", "vermillion", "sky", "black")]
    for k, (bias, c) in enumerate(sorted(curves.items(), reverse=True)):
        c = as_array(f"curves[{bias!r}]", c, ("T",))
        f = float(sigmoid(float(bias)))
        ax.plot(np.arange(1, c.shape[0] + 1), c, color=colours[k % len(colours)], lw=2,
                label=f"$b_f$ = {bias:g} ($f$ = {f:.4f})")
    ax.axhline(0.0, color=PALETTE["grey"], lw=0.8)
    ax.set_xlabel("time step t (bit 1 written at t = 1)")
    ax.set_ylabel("cell state $c_t$")
    ax.set_title("How long the bit survives depends on the forget bias", fontsize=11)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    ax.set_ylim(-0.1, 1.1)
    return fig
