"""Figures of notebook 06: a trained RNN against a trained LSTM.

* :func:`gradient_highway_figure`: per-step gradient norms of trained models on a log axis;
* :class:`TwinStatesPlot` / :func:`twin_states_figure`: the hidden states and gates of an RNN and
  an LSTM reading one word, letter by letter, side by side (the explorer updates it in place).

The committed lag sweep is drawn by notebook 04's
:func:`rnnlib.viz.vanishing_gradient.plot_accuracy_vs_lag`, which notebook 06 imports.

Matplotlib only, pyplot-free: every function returns a Figure.
"""

from __future__ import annotations

import numpy as np

from ..lessons.lstm_vs_rnn import norm_profile
from .style import CMAP, CMAP_DIVERGING, PALETTE, canvas_to_png, get_ax, new_figure

__all__ = ["gradient_highway_figure", "TwinStatesPlot", "twin_states_figure"]

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
        relative to the last step). All curves must have the same T.
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
        steps = np.arange(T)
        if np.any(median <= 0):
            raise ValueError(f"curves must be positive to plot on a log axis; {label!r} has zeros")
        ax.fill_between(steps, np.maximum(lower, median * 1e-3), upper, color=colour, alpha=0.18, linewidth=0)
        ax.plot(steps, median, style, color=colour, linewidth=2, label=label)
    ax.set_yscale("log")
    ax.axvline(0, color=PALETTE["grey"], linewidth=1, linestyle=":")
    ax.annotate("signal (t = 0)", xy=(0, 0.02), xycoords=("data", "axes fraction"), xytext=(4, 0),
                textcoords="offset points", fontsize=8, color=PALETTE["black"])
    ax.set_xlim(-0.5, T - 0.5)
    ax.set_xlabel("step t (the loss sits at the last step)")
    ax.set_ylabel("gradient norm relative to\n" + r"$\|\partial L/\partial h\|$ at the last step")
    ax.set_title(title or "How much error signal reaches each step (median, band: middle 50%)")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8, loc="best")
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
    """An RNN's and an LSTM's states on one word, as letter x unit heatmaps, updated in place.

    All panels are drawn as one RGB image in one axes (rows: letters; each panel: one column per
    hidden unit), so an update redraws one image and a few labels: fast enough for typing.

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
        The composite image, shape (T, W, 4).
    columns : dict of str to (int, int)
        First and one-past-last image column of each panel (``"rnn h"``, ``"lstm h"``, ...).
    """

    _GAP = 3  # empty columns between the LSTM's panels
    _MODEL_GAP = 12  # empty columns between the RNN and the LSTM

    def __init__(self, hidden_sizes, c_limit=2.0, max_letters=20, figsize=(11.0, 4.1), dpi=80):
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
        H_rnn, H_lstm = self.hidden_sizes
        self.norms = {"signed": Normalize(-1.0, 1.0, clip=True),
                      "cell": Normalize(-self.c_limit, self.c_limit, clip=True),
                      "gate": Normalize(0.0, 1.0, clip=True)}
        self.cmaps = {"signed": colormaps[CMAP_DIVERGING], "cell": colormaps[CMAP_DIVERGING], "gate": colormaps[CMAP]}
        self.columns, self.groups, titles = {"rnn h": (0, H_rnn)}, {"rnn h": "signed"}, {"rnn h": "h  hidden"}
        x = H_rnn + self._MODEL_GAP
        for k, (key, title, group) in enumerate(_LSTM_PANELS):
            self.columns[f"lstm {key}"] = (x, x + H_lstm)
            self.groups[f"lstm {key}"] = group
            titles[f"lstm {key}"] = title
            x += H_lstm + (self._GAP if k < len(_LSTM_PANELS) - 1 else 0)
        self.width = x

        self._background = self._canvas = None
        self.fig = new_figure(figsize=figsize, dpi=dpi)
        self.fig.set_layout_engine("none")  # fixed positions: no layout pass on every redraw
        height = float(figsize[1])
        bottom, top_margin = 1.15 / height, 0.75 / height  # inches: x label and colour bars; titles
        ax = self.fig.add_axes((0.06, bottom, 0.88, 1.0 - bottom - top_margin))
        self.ax = ax
        self.image = ax.imshow(np.zeros((1, self.width, 4)), aspect="auto", interpolation="nearest",
                               extent=(-0.5, self.width - 0.5, 0.5, -0.5))
        for side in ("top", "right", "bottom", "left"):
            ax.spines[side].set_visible(False)
        ax.set_xticks([])
        ax.set_yticks([])
        # the letters: one text per row on each side, reused (cheaper to redraw than tick labels)
        rows = blended_transform_factory(ax.transAxes, ax.transData)
        self.letters = [ax.text(x, 0, "", transform=rows, ha=ha, va="center", fontsize=10, family="monospace",
                                visible=False)
                        for _ in range(max_letters) for x, ha in ((-0.008, "right"), (1.008, "left"))]
        ax.set_xlim(-0.5, self.width - 0.5)
        ax.set_xlabel(f"hidden units (one column each: {H_rnn} in the RNN's panel, {H_lstm} in each LSTM panel)",
                      fontsize=10, labelpad=3)
        ax.set_ylabel("letter (time step)", fontsize=10, labelpad=16)
        top = blended_transform_factory(ax.transData, ax.transAxes)

        def above(points):  # ``top`` moved up by a fixed distance (the titles keep their gap at any size)
            return top + ScaledTranslation(0, points / 72, self.fig.dpi_scale_trans)

        for name, (a, b) in self.columns.items():
            ax.add_patch(Rectangle((a - 0.5, 0), b - a, 1, transform=top, fill=False, linewidth=0.8,
                                   edgecolor=PALETTE["grey"], clip_on=False))
            ax.text((a + b - 1) / 2, 1.0, titles[name], transform=above(3), ha="center", va="bottom", fontsize=10)
        lstm_a, lstm_b = self.columns["lstm h"][0], self.columns["lstm o"][1]
        self.titles = {
            "rnn": ax.text(-0.5, 1.0, "RNN", transform=above(22), ha="left", va="bottom", fontsize=11,
                           fontweight="bold"),
            "lstm": ax.text((lstm_a + lstm_b - 1) / 2, 1.0, "LSTM", transform=above(22), ha="center", va="bottom",
                            fontsize=11, fontweight="bold"),
        }
        # colour bars under the panels they describe (a narrow bar gets no middle tick: its labels would touch)
        to_fig = ax.transData + self.fig.transFigure.inverted()
        bars = (("signed", ("lstm h", "lstm g"), "h, g (RNN and LSTM)", (-1, 0, 1)),
                ("cell", ("lstm c", "lstm c"), "c", (-self.c_limit, 0, self.c_limit)),
                ("gate", ("lstm i", "lstm o"), "gates i, f, o", (0, 0.5, 1)))
        for group, (first, last), label, ticks in bars:
            x0 = to_fig.transform((self.columns[first][0] - 0.5, 0))[0]
            x1 = to_fig.transform((self.columns[last][1] - 0.5, 0))[0]
            if (x1 - x0) * figsize[0] < 1.1:  # inches
                ticks = (ticks[0], ticks[-1])
            cax = self.fig.add_axes((x0, 0.36 / height, x1 - x0, 0.14 / height))
            bar = self.fig.colorbar(ScalarMappable(self.norms[group], self.cmaps[group]), cax=cax,
                                    orientation="horizontal", ticks=ticks)
            bar.ax.tick_params(labelsize=10, length=2, pad=1)
            bar.ax.set_xticklabels([f"{t:g}".replace("-", "\u2212") for t in ticks])
            labels = bar.ax.get_xticklabels()  # the end labels stay inside their bar, clear of the next bar's
            labels[0].set_horizontalalignment("left")
            labels[-1].set_horizontalalignment("right")
            cax.set_title(label, fontsize=10, pad=3)

    def update(self, word, rnn_states, lstm_states, p_rnn, p_lstm):
        """Show a new word.

        Parameters
        ----------
        word : str
            T letters.
        rnn_states : dict with ``"h"`` of shape (T, H_rnn)
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
        if T > len(self.letters) // 2:
            raise ValueError(f"word must have at most {len(self.letters) // 2} letters; got {T}")
        canvas = np.zeros((T, self.width, 4), dtype=np.uint8)  # (T, W, RGBA)  transparent gaps
        for name, (a, b) in self.columns.items():
            source = rnn_states if name.startswith("rnn") else lstm_states
            arr = source.get(name.split()[1]) if isinstance(source, dict) else None
            arr = None if arr is None else np.asarray(arr)
            if arr is None or arr.shape != (T, b - a):
                got = "missing" if arr is None else f"shape {arr.shape}"
                raise ValueError(f"{name} must have shape ({T}, {b - a}) (letters x units); got {got}")
            group = self.groups[name]
            canvas[:, a:b] = self.cmaps[group](self.norms[group](arr), bytes=True)  # (T, H, 4) uint8
        self.image.set_data(canvas)
        self.image.set_extent((-0.5, self.width - 0.5, T - 0.5, -0.5))
        self.ax.set_ylim(T - 0.5, -0.5)
        for k, text in enumerate(self.letters):
            t = k // 2
            text.set_visible(t < T)
            if t < T:
                text.set_text(word[t])
                text.set_y(t)
        self.titles["rnn"].set_text(f"RNN: P(positive) = {p_rnn:.2f}")
        self.titles["lstm"].set_text(f"LSTM: P(positive) = {p_lstm:.2f}")
        return self.fig

    @property
    def shown_letters(self):
        """The letters on the left edge, top to bottom (the word shown)."""
        return [text.get_text() for text in self.letters[::2] if text.get_visible()]

    def _dynamic_artists(self):
        return [self.image, *self.ax.patches, *self.letters, *self.titles.values()]

    def to_png(self):
        """The figure as PNG bytes, redrawing only what :meth:`update` changes.

        The first call draws everything and keeps the static parts (frames, panel titles, colour
        bars) as a background; later calls restore it and draw the image, the letters and the
        two titles on top. The result equals a full redraw.

        Returns
        -------
        bytes
        """

        from matplotlib.backends.backend_agg import FigureCanvasAgg

        if self._background is None or self.fig.canvas is not self._canvas:
            self._canvas = FigureCanvasAgg(self.fig)
            dynamic = self._dynamic_artists()
            visible = [artist.get_visible() for artist in dynamic]
            for artist in dynamic:
                artist.set_visible(False)
            self._canvas.draw()
            self._background = self._canvas.copy_from_bbox(self.fig.bbox)
            for artist, was in zip(dynamic, visible):
                artist.set_visible(was)
        canvas = self._canvas
        canvas.restore_region(self._background)
        renderer = canvas.get_renderer()
        for artist in self._dynamic_artists():
            artist.draw(renderer)
        return canvas_to_png(canvas)


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
