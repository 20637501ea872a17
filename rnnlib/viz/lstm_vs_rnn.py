"""Figures of notebook 06: a trained RNN against a trained LSTM.

* :func:`gradient_highway_figure`: per-step gradient norms of trained models on a log axis;
* :func:`forget_products_figure`: per-unit products of the forget gates crossed over k steps,
  with the prediction from the gates and the measured cell-state gradient ratio;
* :class:`TwinStatesPlot` / :func:`twin_states_figure`: the hidden states and gates of an RNN and
  an LSTM reading one word, letter by letter (time left to right, hidden units top to bottom; the
  explorer updates it in place).

The committed lag sweep is drawn by notebook 04's
:func:`rnnlib.viz.vanishing_gradient.plot_accuracy_vs_lag`, which notebook 06 imports.

Matplotlib only, pyplot-free: every function returns a Figure.
"""

from __future__ import annotations

import numpy as np

from ..lessons.lstm_vs_rnn import HighwayCheck, norm_profile
from .style import CMAP, CMAP_DIVERGING, PALETTE, blit_png, get_ax, new_figure

__all__ = ["gradient_highway_figure", "forget_products_figure", "TwinStatesPlot", "twin_states_figure"]

_CURVE_STYLES = (
    (PALETTE["blue"], "-"),
    (PALETTE["sky"], "--"),
    (PALETTE["vermillion"], "-"),
    (PALETTE["orange"], "--"),
    (PALETTE["green"], "-"),
    (PALETTE["purple"], "--"),
)


def gradient_highway_figure(curves, title=None, ax=None):
    """Per-step gradient norms of several models on a log axis: median line and quartile band.

    Parameters
    ----------
    curves : dict of str to array_like, each (N, T)
        Label -> per-sequence, per-step norms (from :func:`rnnlib.lessons.lstm_vs_rnn.gradient_norms`,
        relative to the last step); column t-1 is step t. All curves must have the same T.
    title : str, optional
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not isinstance(curves, dict) or not curves:
        raise ValueError(f"curves must be a non-empty dict of label -> (N, T) norms; got {type(curves).__name__}")
    if len(curves) > len(_CURVE_STYLES):
        raise ValueError(f"curves must have at most {len(_CURVE_STYLES)} entries; got {len(curves)}")
    fig, ax = get_ax(ax, figsize=(7.0, 3.6))
    T = None
    for (label, norms), (colour, style) in zip(curves.items(), _CURVE_STYLES):
        median, lower, upper = norm_profile(norms)
        if T is not None and len(median) != T:
            raise ValueError(f"curves must all have T={T} steps; {label!r} has {len(median)}")
        T = len(median)
        steps = np.arange(1, T + 1)  # t = 1..T
        if np.any(median <= 0):
            raise ValueError(f"curves must be positive to plot on a log axis; {label!r} has zeros")
        ax.fill_between(steps, np.maximum(lower, median * 1e-3), upper, color=colour, alpha=0.18, linewidth=0)
        ax.plot(steps, median, style, color=colour, linewidth=2, label=label)
    ax.set_yscale("log")
    ax.axvline(1, color=PALETTE["grey"], linewidth=1, linestyle=":")
    ax.annotate("signal (t = 1)", xy=(1, 0.02), xycoords=("data", "axes fraction"), xytext=(4, 0),
                textcoords="offset points", fontsize=8, color=PALETTE["black"])
    ax.set_xlim(0.5, T + 0.5)
    ax.set_xlabel("step t = 1..T (the loss enters at the last step, t = T)")
    ax.set_ylabel("gradient norm relative to\n" + r"$\|\partial L/\partial h\|$ at the last step")
    ax.set_title(title or "How much error signal reaches each step (median, band: middle 50%)")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    return fig


def forget_products_figure(checks, reference=None, ax=None):
    r"""Per-unit products of the crossed forget gates, with the predicted and the measured gradient ratio.

    One row per model: a dot per hidden unit at the median (over the sequences) of the product of
    its forget gates over k steps, on a log axis; a triangle at the ratio predicted from the gates
    (:func:`rnnlib.lessons.lstm_vs_rnn.highway_ratio`), a diamond at the measured
    :math:`\lVert \partial L/\partial c_{T-k} \rVert / \lVert \partial L/\partial c_T \rVert`, a bar
    at the mean gate to the power k.

    Parameters
    ----------
    checks : sequence of HighwayCheck
        From :func:`rnnlib.lessons.lstm_vs_rnn.highway_check`, all with the same k.
    reference : tuple of (str, float), optional
        A value drawn as a dashed vertical line, e.g. ``("sigma(1)^30", 8.29e-05)``.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    checks = list(checks)
    if not checks or not all(isinstance(c, HighwayCheck) for c in checks):
        raise ValueError("checks must be a non-empty sequence of HighwayCheck")
    if len({c.k for c in checks}) != 1:
        raise ValueError(f"checks must all have the same k; got {sorted({c.k for c in checks})}")
    k = checks[0].k
    fig, ax = get_ax(ax, figsize=(8.0, 2.2 + 0.7 * len(checks)))
    floor = 1e-12  # products below this are drawn at the left edge
    for row, c in enumerate(checks):
        units = np.maximum(np.median(c.products, axis=0), floor)  # (H,)
        jitter = (np.arange(len(units)) % 5 - 2) * 0.06  # keeps equal values apart
        ax.scatter(units, row + jitter, s=14, color=PALETTE["sky"], alpha=0.8, linewidths=0,
                   label="one unit: product of its gates" if row == 0 else None)
        ax.plot([c.mean_power] * 2, [row - 0.3, row + 0.3], color=PALETTE["black"], linewidth=2,
                label=f"(mean gate)^{k}" if row == 0 else None)
        ax.plot([c.predicted], [row], "v", color=PALETTE["blue"], markersize=9,
                label="predicted from the gates" if row == 0 else None)
        ax.plot([c.measured], [row], "D", color=PALETTE["vermillion"], markersize=8,
                label="measured" if row == 0 else None)
    if reference is not None:
        name, value = reference
        ax.axvline(value, color=PALETTE["grey"], linestyle="--", linewidth=1.2, label=name)
    ax.set_xscale("log")
    ax.set_xlim(floor / 3, 3.0)
    ax.set_yticks(range(len(checks)))
    ax.set_yticklabels([c.label for c in checks])
    ax.set_ylim(len(checks) - 0.5, -0.5)
    ax.set_ylabel("model")
    ax.set_xlabel(rf"fraction of $\partial L/\partial c_T$ left {k} steps back (log; below {floor:.0e}: at the edge)")
    ax.grid(True, axis="x", which="major", alpha=0.3)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.3), ncol=3, frameon=False)
    ax.set_title(f"Forget gates crossed over k = {k} steps")
    return fig


# --------------------------------------------------------------------------------------------
# The twin view
# --------------------------------------------------------------------------------------------

# panel key, title, colour group; the RNN has one panel, the LSTM six
_LSTM_PANELS = (
    ("h", "h  hidden", "signed"),
    ("g", "g  candidate", "signed"),
    ("c", "c  cell", "cell"),
    ("i", "i  input", "gate"),
    ("f", "f  forget", "gate"),
    ("o", "o  output", "gate"),
)


class TwinStatesPlot:
    """An RNN's and an LSTM's states on one word, as unit x letter heatmaps, updated in place.

    Time (the letters) runs left to right, hidden units top to bottom (unit 1 at the top of each
    panel). The panels are stacked: the RNN's hidden state, then the LSTM's h, g, c, i, f, o, all
    over the same letters. They are drawn as one RGB image in one axes, so an update redraws one
    image and a few labels: fast enough for typing.

    Parameters
    ----------
    hidden_sizes : tuple of int
        (H of the RNN, H of the LSTM).
    c_limit : float
        Colour range of the cell state is [-c_limit, c_limit] (the cell state is not bounded by 1).
    max_letters : int
        Longest word shown.
    figsize : tuple of float
    dpi : int

    Attributes
    ----------
    fig : matplotlib.figure.Figure
    image : AxesImage
        The composite image, shape (rows, T, 4) for a word of T letters.
    rows : dict of str to (int, int)
        First and one-past-last image row of each panel (``"rnn h"``, ``"lstm h"``, ...); row
        ``rows[name][0] + j`` is hidden unit j + 1.
    """

    _GAP = 2  # empty rows between the LSTM's panels
    _MODEL_GAP = 5  # empty rows between the RNN and the LSTM

    def __init__(self, hidden_sizes, c_limit=2.0, max_letters=20, figsize=(8.0, 8.0), dpi=80):
        from matplotlib import colormaps
        from matplotlib.cm import ScalarMappable
        from matplotlib.colors import Normalize
        from matplotlib.patches import Rectangle
        from matplotlib.transforms import ScaledTranslation, blended_transform_factory

        if len(tuple(hidden_sizes)) != 2 or min(hidden_sizes) < 1:
            raise ValueError(f"hidden_sizes must be two positive ints (RNN, LSTM); got {hidden_sizes!r}")
        if not c_limit > 0:
            raise ValueError(f"c_limit must be > 0; got {c_limit!r}")
        self.hidden_sizes = tuple(int(h) for h in hidden_sizes)
        self.c_limit = float(c_limit)
        self.max_letters = int(max_letters)
        H_rnn, H_lstm = self.hidden_sizes
        self.norms = {"signed": Normalize(-1.0, 1.0, clip=True),
                      "cell": Normalize(-self.c_limit, self.c_limit, clip=True),
                      "gate": Normalize(0.0, 1.0, clip=True)}
        self.cmaps = {"signed": colormaps[CMAP_DIVERGING], "cell": colormaps[CMAP_DIVERGING], "gate": colormaps[CMAP]}
        self.rows, self.groups, titles = {"rnn h": (0, H_rnn)}, {"rnn h": "signed"}, {"rnn h": "RNN h"}
        y = H_rnn + self._MODEL_GAP
        for k, (key, title, group) in enumerate(_LSTM_PANELS):
            self.rows[f"lstm {key}"] = (y, y + H_lstm)
            self.groups[f"lstm {key}"] = group
            titles[f"lstm {key}"] = "LSTM " + title.split()[0]
            y += H_lstm + (self._GAP if k < len(_LSTM_PANELS) - 1 else 0)
        self.height = y

        self._background = self._canvas = None
        self.T = 1
        self.fig = new_figure(figsize=figsize, dpi=dpi)
        self.fig.set_layout_engine("none")  # fixed positions: no layout pass on every redraw
        width, height = (float(v) for v in figsize)
        left, right = 1.45 / width, 1.25 / width  # inches: panel names; colour bars
        bottom, top = 0.75 / height, 0.35 / height  # letters and x label; the RNN's title
        ax = self.fig.add_axes((left, bottom, 1.0 - left - right, 1.0 - bottom - top))
        self.ax = ax
        self.image = ax.imshow(np.zeros((self.height, 1, 4)), aspect="auto", interpolation="nearest",
                               extent=(-0.5, 0.5, self.height - 0.5, -0.5))
        for side in ("top", "right", "bottom", "left"):
            ax.spines[side].set_visible(False)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_ylim(self.height - 0.5, -0.5)
        ax.set_xlabel("letter (time step t = 1..T, left to right)", fontsize=10, labelpad=18)
        ax.set_ylabel("hidden unit (1 at the top of each panel)", fontsize=10, labelpad=58)
        # panel names on the left and unit numbers (1 and H) on the right: static
        rows = blended_transform_factory(ax.transAxes, ax.transData)
        for name, (a, b) in self.rows.items():
            ax.text(-0.012, (a + b - 1) / 2, titles[name], transform=rows, ha="right", va="center", fontsize=10)
            ax.text(1.006, a, "1", transform=rows, ha="left", va="center", fontsize=8, color=PALETTE["black"])
            ax.text(1.006, b - 1, str(b - a), transform=rows, ha="left", va="center", fontsize=8,
                    color=PALETTE["black"])
        # the letters under the panels, one per column, reused (cheaper to redraw than tick labels)
        cols = blended_transform_factory(ax.transData, ax.transAxes)
        self.letters = [ax.text(0, 0, "", transform=cols + ScaledTranslation(0, -4 / 72, self.fig.dpi_scale_trans),
                                ha="center", va="top", fontsize=10, family="monospace", visible=False)
                        for _ in range(self.max_letters)]
        self.frames = {name: ax.add_patch(Rectangle((-0.5, a - 0.5), 1, b - a, fill=False, linewidth=0.8,
                                                    edgecolor=PALETTE["grey"], clip_on=False))
                       for name, (a, b) in self.rows.items()}
        above = rows + ScaledTranslation(0, 3 / 72, self.fig.dpi_scale_trans)
        self.titles = {
            "rnn": ax.text(0.0, -0.5, "RNN", transform=above, ha="left", va="bottom", fontsize=11, fontweight="bold"),
            "lstm": ax.text(0.0, self.rows["lstm h"][0] - 0.5, "LSTM", transform=above, ha="left", va="bottom",
                            fontsize=11, fontweight="bold"),
        }
        # colour bars right of the panels they describe
        to_fig = ax.transData + self.fig.transFigure.inverted()
        bars = (("signed", ("rnn h", "lstm g"), "h, g", (-1, 0, 1)),
                ("cell", ("lstm c", "lstm c"), "c", (-self.c_limit, 0, self.c_limit)),
                ("gate", ("lstm i", "lstm o"), "i, f, o", (0, 0.5, 1)))
        x0 = 1.0 - right + 0.42 / width
        for group, (first, last), label, ticks in bars:
            y_top = to_fig.transform((0, self.rows[first][0] - 0.5))[1]
            y_bottom = to_fig.transform((0, self.rows[last][1] - 0.5))[1]
            if (y_top - y_bottom) * height < 0.8:  # inches: a short bar gets no middle tick
                ticks = (ticks[0], ticks[-1])
            cax = self.fig.add_axes((x0, y_bottom, 0.14 / width, y_top - y_bottom))
            bar = self.fig.colorbar(ScalarMappable(self.norms[group], self.cmaps[group]), cax=cax,
                                    orientation="vertical", ticks=ticks)
            bar.ax.tick_params(labelsize=10, length=2, pad=1)
            bar.ax.set_yticklabels([f"{t:g}".replace("-", "\u2212") for t in ticks])
            labels = bar.ax.get_yticklabels()  # the end labels stay inside their bar, clear of the next bar's
            labels[0].set_verticalalignment("bottom")
            labels[-1].set_verticalalignment("top")
            cax.set_ylabel(label, fontsize=10, labelpad=2)
            cax.yaxis.set_label_position("left")

    def _layout(self, T):
        """Stretch the panels over T letters: image extent, x range, frames, letter positions."""
        self.T = T
        self.image.set_extent((-0.5, T - 0.5, self.height - 0.5, -0.5))
        self.ax.set_xlim(-0.5, T - 0.5)
        for frame in self.frames.values():
            frame.set_width(T)
        for t, text in enumerate(self.letters):
            text.set_visible(t < T)
            text.set_x(t)

    def update(self, word, rnn_states, lstm_states, p_rnn, p_lstm):
        """Show a new word.

        Parameters
        ----------
        word : str
            T letters.
        rnn_states : dict with ``"h"`` of shape (T, H_rnn)
            Row t-1 is step t (as :func:`rnnlib.lessons.lstm_vs_rnn.word_internals` returns it).
        lstm_states : dict with ``"h"``, ``"c"``, ``"i"``, ``"f"``, ``"g"``, ``"o"``, each (T, H_lstm)
        p_rnn, p_lstm : float
            Each model's P(positive).

        Returns
        -------
        matplotlib.figure.Figure
        """
        T = len(word)
        if T == 0:
            raise ValueError("word must have at least one letter; got ''")
        if T > self.max_letters:
            raise ValueError(f"word must have at most {self.max_letters} letters; got {T}")
        canvas = np.zeros((self.height, T, 4), dtype=np.uint8)  # (rows, T, RGBA)  transparent gaps
        for name, (a, b) in self.rows.items():
            source = rnn_states if name.startswith("rnn") else lstm_states
            arr = source.get(name.split()[1]) if isinstance(source, dict) else None
            arr = None if arr is None else np.asarray(arr)
            if arr is None or arr.shape != (T, b - a):
                got = "missing" if arr is None else f"shape {arr.shape}"
                raise ValueError(f"{name} must have shape ({T}, {b - a}) (letters x units); got {got}")
            group = self.groups[name]
            canvas[a:b] = self.cmaps[group](self.norms[group](arr.T), bytes=True)  # (H, T, 4): units down, time across
        self.image.set_data(canvas)
        self._layout(T)
        for t in range(T):
            self.letters[t].set_text(word[t])
        self.titles["rnn"].set_text(f"RNN: P(positive) = {p_rnn:.2f}")
        self.titles["lstm"].set_text(f"LSTM: P(positive) = {p_lstm:.2f}")
        return self.fig

    @property
    def shown_letters(self):
        """The letters under the panels, left to right (the word shown)."""
        return [text.get_text() for text in self.letters if text.get_visible()]

    def _dynamic_artists(self):
        return [self.image, *self.frames.values(), *self.letters, *self.titles.values()]

    def to_png(self):
        """The figure as PNG bytes, redrawing only what :meth:`update` changes.

        The first call draws everything and keeps the static parts (panel names, unit numbers,
        axis labels, colour bars) as a background; later calls restore it and draw the image, the
        frames, the letters and the two titles on top. The result equals a full redraw.

        Returns
        -------
        bytes
        """

        from matplotlib.backends.backend_agg import FigureCanvasAgg

        if self._background is None or self.fig.canvas is not self._canvas:
            self._canvas, self._background = FigureCanvasAgg(self.fig), None
        png, self._background = blit_png(self._canvas, self._dynamic_artists(), self._background)
        return png


def twin_states_figure(word, rnn_states, lstm_states, p_rnn, p_lstm, c_limit=2.0):
    """Static version of the twin view: both models' states on one word, side by side.

    Parameters
    ----------
    word : str
    rnn_states : dict with ``"h"`` (T, H_rnn)
        From :func:`rnnlib.lessons.lstm_vs_rnn.word_internals`.
    lstm_states : dict with ``"h"``, ``"c"``, ``"i"``, ``"f"``, ``"g"``, ``"o"`` (T, H_lstm)
    p_rnn, p_lstm : float
    c_limit : float
        Colour range of the cell state.

    Returns
    -------
    matplotlib.figure.Figure
    """
    shapes = [np.shape(s.get("h")) if isinstance(s, dict) else () for s in (rnn_states, lstm_states)]
    if any(len(shape) != 2 for shape in shapes):
        raise ValueError(f"rnn_states['h'] and lstm_states['h'] must be 2-D (letters x units); got shapes {shapes}")
    plot = TwinStatesPlot((shapes[0][1], shapes[1][1]), c_limit=c_limit)
    return plot.update(word, rnn_states, lstm_states, p_rnn, p_lstm)
