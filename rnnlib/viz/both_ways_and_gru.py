r"""Figures of notebook 08: reading both ways, and the GRU.

(Module docstring to be completed: one bullet per public function.)

- :class:`BothWaysPlot` / :func:`plot_both_ways`: a word with one blank read both ways: the
  bidirectional reader's forward states :math:`\overrightarrow{h}_1 \ldots \overrightarrow{h}_p` and backward
  states :math:`\overleftarrow{h}_T \ldots \overleftarrow{h}_p` arriving at the blank's step p (unit x step
  heatmaps, arrows for the reading directions), the joined :math:`[\overrightarrow{h}_p ; \overleftarrow{h}_p]`,
  and the five likeliest letters of each reader (left only, right only, both) as bars, the true
  letter marked; updated in place by the explorer. :func:`top_from_probs` ranks the letters.
- :class:`GRUCellDiagram` / :func:`draw_gru_cell`: the GRU cell in the LSTM diagram's style (essay
  Figure 4), with one unit's live values: :math:`h_{t-1}` along the top, the reset gate :math:`r`
  scaling the recurrent part :math:`a_{hn}` inside the candidate :math:`n`, the update gate
  :math:`z` onto :math:`h_{t-1}` and :math:`1 - z` onto :math:`n`; drawn once, then
  ``set_values`` rewrites its text and colours.
- :func:`plot_gru_beside_lstm`: the LSTM and the GRU cells side by side, the memory's path along
  the top shaded in both.

Matplotlib only, pyplot-free: every function returns a Figure.
"""

from __future__ import annotations

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import Normalize
from matplotlib.font_manager import FontProperties
from matplotlib.patches import FancyArrowPatch, Rectangle
from matplotlib.transforms import ScaledTranslation, blended_transform_factory

from ..activations import sigmoid
from ..data import ALPHABET
from ..lessons.both_ways_and_gru import gru_step_values
from .lstm_cell import LSTMCellDiagram
from .style import CMAP_DIVERGING, PALETTE, CellDiagram, blit_png, live_factor, live_number, new_figure

__all__ = []

# === 1-2. the smudged letter (helper H2) ===

__all__ += ["READERS", "READER_TITLES", "FWD", "BWD", "BothWaysPlot", "plot_both_ways", "top_from_probs"]

READERS = ("left", "right", "both")  # the three readers of the smudged letter, in the order drawn
READER_TITLES = {"left": "left only (a separate forward RNN)", "right": "right only (a separate backward RNN)",
                 "both": "both (the joined states above)"}
FWD, BWD = r"\overrightarrow{h}", r"\overleftarrow{h}"  # mathtext of the two directions' states in the drawn labels
_K_TOP = 5  # letters per reader's bar chart
_FAINT = 0.2  # opacity of the states a reader computes but does not use at this blank
_STATE_NORM = Normalize(-1.0, 1.0, clip=True)  # tanh states


def top_from_probs(probs, k=_K_TOP):
    """A reader's ``k`` likeliest letters: ``[(letter, probability), ...]``, likeliest first.

    Ties keep alphabetical order (a stable sort), as :meth:`rnnlib.model.BlankReader.top_letters`.

    Parameters
    ----------
    probs : array_like, shape (26,)
        P(letter at the blank), letter ``ALPHABET[j]`` at index j; sums to 1.
    k : int
        How many letters, 1..26.

    Returns
    -------
    list of (str, float)
    """
    p = np.asarray(probs, dtype=float)
    if p.shape != (len(ALPHABET),) or not np.all(np.isfinite(p)) or np.any(p < 0) or abs(p.sum() - 1) > 1e-6:
        raise ValueError(f"probs must be a probability vector over the {len(ALPHABET)} letters (shape (26,), "
                         f"non-negative, summing to 1); got shape {p.shape}" + (f", sum {p.sum():.4g}"
                                                                              if p.ndim == 1 else ""))
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= len(ALPHABET):
        raise ValueError(f"k must be an integer in [1, {len(ALPHABET)}]; got {k!r}")
    order = np.argsort(-p, kind="stable")[:k]
    return [(ALPHABET[j], float(p[j])) for j in order]


def _check_smudged(word, max_letters):
    if not isinstance(word, str) or word.count("_") != 1 or not all(c == "_" or c in ALPHABET for c in word):
        raise ValueError(f"word must be letters a-z with exactly one blank '_' (for example 'h_ppy'); got {word!r}")
    if len(word) > max_letters:
        raise ValueError(f"word must have at most {max_letters} letters; got {len(word)} ({word!r})")
    return word.index("_") + 1  # the blank's step p (1-based, the card's t)


class BothWaysPlot:
    r"""A word with one blank read both ways: the two readers' states arriving at the blank, and what
    each of the three readers proposes for it. Built once, updated in place for the explorer.

    Left, two heatmaps over the word's letters (time left to right, hidden units top to bottom,
    unit 1 at the top): above, the bidirectional reader's forward states
    :math:`\overrightarrow{h}_t` (after :math:`x_1 \ldots x_t`), drawn in full for t = 1..p, where p is
    the blank's step, and faint after it; below, its backward states :math:`\overleftarrow{h}_t` (after
    :math:`x_T \ldots x_t`), in full for t = p..T and faint before. Arrows show the reading
    directions, both ending at the blank's column (framed). The letters run between the two
    heatmaps. Next to them, the joined vector :math:`[\overrightarrow{h}_p ; \overleftarrow{h}_p]` (2H numbers)
    that the "both" reader's read-out :math:`s = [\overrightarrow{h}_p ; \overleftarrow{h}_p] W_y + b_y` uses.
    Right, for each reader (left only and right only: two separate one-way networks, not the
    heatmaps' halves; both: the bidirectional reader drawn on the left) its five likeliest letters,
    :math:`\hat y = \mathrm{softmax}(s)` over a..z, as bars; the true letter's bar is vermillion
    and, when it is not among the five, its probability and rank are written under the bars.

    Parameters
    ----------
    hidden_size : int
        H of each direction of the bidirectional reader.
    max_letters : int
        Longest word shown.
    figsize : tuple of float
    dpi : int

    Attributes
    ----------
    fig : matplotlib.figure.Figure
    ax_fwd, ax_bwd : Axes
        The two heatmaps; their images' arrays are (H, T, 4) RGBA, column t - 1 = step t.
    ax_joined : tuple of two Axes
        The joined vector's forward half (top) and backward half (bottom).
    ax_bars : dict of str to Axes
        One bar chart per reader in :data:`READERS`.
    state : dict
        What is drawn now: ``word``, ``p``, ``h_fwd``, ``h_bwd`` (T, H), ``joined`` (2H,), ``top``
        (reader -> list of (letter, probability)), ``truth``.
    """

    def __init__(self, hidden_size, max_letters=20, figsize=(10.0, 5.6), dpi=80):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.cm import ScalarMappable

        if isinstance(hidden_size, bool) or not isinstance(hidden_size, (int, np.integer)) or hidden_size < 1:
            raise ValueError(f"hidden_size must be an integer >= 1; got {hidden_size!r}")
        if isinstance(max_letters, bool) or not isinstance(max_letters, (int, np.integer)) or max_letters < 1:
            raise ValueError(f"max_letters must be an integer >= 1; got {max_letters!r}")
        self.H, self.max_letters = int(hidden_size), int(max_letters)
        H = self.H
        self.cmap = colormaps[CMAP_DIVERGING]
        self.fig = new_figure(figsize=figsize, dpi=dpi)
        self.fig.set_layout_engine("none")  # fixed positions: no layout pass on every update
        self.canvas = self.fig.canvas if isinstance(self.fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(self.fig)
        W, Hh = (float(v) for v in figsize)
        # vertical layout (inches from the bottom): x label, backward arrow, backward block, letters, forward
        # block, forward arrow, heading
        y_bwd, gap = 0.95, 0.55
        block = (Hh - y_bwd - gap - 0.95) / 2  # 0.95 in on top: the forward arrow, its label, the heading
        y_fwd = y_bwd + block + gap
        heat_x, heat_w = 0.75, 4.35
        self.ax_fwd = self.fig.add_axes((heat_x / W, y_fwd / Hh, heat_w / W, block / Hh))
        self.ax_bwd = self.fig.add_axes((heat_x / W, y_bwd / Hh, heat_w / W, block / Hh))
        blank_rgba = np.zeros((H, 1, 4))
        self.images = {}
        for name, ax in (("fwd", self.ax_fwd), ("bwd", self.ax_bwd)):
            self.images[name] = ax.imshow(blank_rgba, aspect="auto", interpolation="nearest",
                                          extent=(0.5, 1.5, H - 0.5, -0.5))
            for side in ("top", "right", "bottom", "left"):  # no spine over an image that is redrawn alone
                ax.spines[side].set_visible(False)
            ax.set_xticks([])
            ax.set_yticks([0, H - 1] if H > 1 else [0], ["1", str(H)] if H > 1 else ["1"], fontsize=10)
            ax.tick_params(axis="y", length=0, pad=4)  # no tick marks: the image is redrawn over the edge
            ax.set_ylim(H - 0.5, -0.5)
            ax.set_ylabel("unit", fontsize=10, labelpad=2)
        # the reading directions: labels (static) and arrows ending at the blank's column (moved by update)
        fig_in = self.fig.dpi_scale_trans
        self.fig.text(heat_x / W, (y_fwd + block + 0.3) / Hh,
                      rf"the 'both' reader's forward reader: ${FWD}_t$ has read $x_1 \ldots x_t$ (left to right)",
                      ha="left", va="bottom", fontsize=10)
        self.fig.text(heat_x / W, (y_bwd - 0.3) / Hh,
                      rf"its backward reader: ${BWD}_t$ has read $x_T \ldots x_t$ (right to left)",
                      ha="left", va="top", fontsize=10)
        self.fig.text((heat_x + heat_w / 2) / W, 0.08 / Hh,
                      "step t, time left to right (numbered: 1, p, T; faint: not used at the blank)",
                      ha="center", va="bottom", fontsize=10)
        arrow = dict(arrowstyle="-|>", mutation_scale=16, linewidth=2.2, clip_on=False)
        above = blended_transform_factory(self.ax_fwd.transData, self.ax_fwd.transAxes)
        below = blended_transform_factory(self.ax_bwd.transData, self.ax_bwd.transAxes)
        self.arrows = {
            "fwd": self.ax_fwd.add_patch(FancyArrowPatch((0.5, 1.0), (1.0, 1.0), color=PALETTE["blue"],
                                                         transform=above + ScaledTranslation(0, 0.12, fig_in),
                                                         **arrow)),
            "bwd": self.ax_bwd.add_patch(FancyArrowPatch((1.5, 0.0), (1.0, 0.0), color=PALETTE["vermillion"],
                                                         transform=below + ScaledTranslation(0, -0.12, fig_in),
                                                         **arrow)),
        }
        # the letters between the two blocks, the step numbers under them; the blank's column framed
        cols = blended_transform_factory(self.ax_fwd.transData, self.ax_fwd.transAxes)
        self.letters = [self.ax_fwd.text(t, 0.0, "", transform=cols + ScaledTranslation(0, -0.05, fig_in),
                                         ha="center", va="top", fontsize=13, family="monospace", visible=False)
                        for t in range(1, self.max_letters + 1)]
        cols_b = blended_transform_factory(self.ax_bwd.transData, self.ax_bwd.transAxes)
        self.step_numbers = [self.ax_bwd.text(t, 1.0, str(t), transform=cols_b + ScaledTranslation(0, 0.04, fig_in),
                                              ha="center", va="bottom", fontsize=9, color=PALETTE["black"],
                                              visible=False)
                             for t in range(1, self.max_letters + 1)]
        self.frames = {name: ax.add_patch(Rectangle((0.5, -0.5), 1, H, fill=False, edgecolor=PALETTE["orange"],
                                                    linewidth=2.5, clip_on=False, zorder=5))
                       for name, ax in (("fwd", self.ax_fwd), ("bwd", self.ax_bwd))}
        # the joined vector [h_fwd_p ; h_bwd_p]: two half-columns aligned with the blocks
        jx, jw = heat_x + heat_w + 0.45, 0.32
        self.ax_joined = (self.fig.add_axes((jx / W, y_fwd / Hh, jw / W, block / Hh)),
                          self.fig.add_axes((jx / W, y_bwd / Hh, jw / W, block / Hh)))
        self.joined_images, self.joined_frames = [], []
        for ax in self.ax_joined:
            self.joined_images.append(ax.imshow(np.zeros((H, 1)), cmap=self.cmap, norm=_STATE_NORM, aspect="auto",
                                                interpolation="nearest"))
            ax.set_xticks([])
            ax.set_yticks([])
            for side in ax.spines.values():  # framed by a patch drawn after the image instead
                side.set_visible(False)
            self.joined_frames.append(ax.add_patch(Rectangle((-0.5, -0.5), 1, H, fill=False, linewidth=2.5,
                                                             edgecolor=PALETTE["orange"], clip_on=False, zorder=5)))
        # the joined vector's halves named above and below it, "joined at p" between them
        self.fig.text((jx + jw / 2) / W, (y_fwd + block + 0.06) / Hh, f"${FWD}_p$", ha="center", va="bottom",
                      fontsize=11)
        self.fig.text((jx + jw / 2) / W, (y_bwd + block + gap / 2) / Hh, "joined\nat p", ha="center", va="center",
                      fontsize=10)
        self.fig.text((jx + jw / 2) / W, (y_bwd - 0.06) / Hh, f"${BWD}_p$", ha="center", va="top", fontsize=11)
        # the colour scale of the states
        cax = self.fig.add_axes(((jx + jw + 0.2) / W, y_bwd / Hh, 0.12 / W, (y_fwd + block - y_bwd) / Hh))
        bar = self.fig.colorbar(ScalarMappable(_STATE_NORM, self.cmap), cax=cax, ticks=(-1, 0, 1))
        bar.ax.tick_params(labelsize=10, length=2, pad=1)
        bar.ax.set_yticklabels(["\u22121", "0", "1"])
        cax.set_title("h", fontsize=10)
        # each reader's five likeliest letters
        bx = jx + jw + 1.3  # room for the labels "a 0.31" left of the bars
        bw = W - bx - 0.55
        top_y, bottom_y = y_fwd + block, y_bwd
        slot = (top_y - bottom_y) / len(READERS)
        _, lp_h, lp_d = self.canvas.get_renderer().get_text_width_height_descent(
            "lp", FontProperties(family="monospace", size=10), ismath=False)  # pixels; matplotlib's line unit
        spacing = (slot - 0.36) * dpi / _K_TOP / (lp_h - lp_d)  # lines _K_TOP to the bar chart's height
        self.ax_bars, self.bars, self.bar_labels, self.truth_notes = {}, {}, {}, {}
        for r, reader in enumerate(READERS):
            y0 = top_y - (r + 1) * slot
            axb = self.fig.add_axes((bx / W, (y0 + 0.06) / Hh, bw / W, (slot - 0.36) / Hh))
            self.ax_bars[reader] = axb
            self.bars[reader] = list(axb.barh(np.arange(_K_TOP), np.zeros(_K_TOP), color=PALETTE["blue"], height=0.75,
                                              zorder=3))
            axb.set_ylim(_K_TOP - 0.5, -0.5)
            axb.set_xlim(0, 1)
            axb.set_yticks([])
            axb.set_xticks([0, 0.5, 1] if r == len(READERS) - 1 else [])
            axb.tick_params(labelsize=10, length=2)
            axb.set_title(READER_TITLES[reader], fontsize=10, loc="left", pad=3)
            if r == len(READERS) - 1:
                axb.set_xlabel(r"P(letter at the blank), $\hat y = \mathrm{softmax}(s)$", fontsize=10, labelpad=2)
            # the five labels "a 0.31" as ONE text of five lines, its line pitch the bars' pitch (each line
            # drawn costs a few ms at every update): centred on the middle bar
            left_of = axb.transAxes + ScaledTranslation(-0.05, 0, fig_in)
            self.bar_labels[reader] = axb.text(0.0, 0.5, "", transform=left_of, ha="right", va="center", fontsize=10,
                                               family="monospace", linespacing=spacing)
            # inside, bottom right: the fifth bar is short (at most 1/5)
            self.truth_notes[reader] = axb.text(0.98, 0.06, "", transform=axb.transAxes, ha="right", va="bottom",
                                                fontsize=9, color=PALETTE["vermillion"])
        self.heading = self.fig.text(0.01, 1 - 0.08 / Hh, "", ha="left", va="top", fontsize=11)
        self._background = None
        self.state = {}

    def update(self, word, h_fwd, h_bwd, probs, truth=None, title=None):
        r"""Show a word with its blank.

        Parameters
        ----------
        word : str
            T symbols: letters a-z and exactly one blank ``"_"`` at step p.
        h_fwd : array_like, shape (T, H)
            The bidirectional reader's forward states; row t - 1 is :math:`\overrightarrow{h}_t`, the state
            after :math:`x_1 \ldots x_t`.
        h_bwd : array_like, shape (T, H)
            Its backward states; row t - 1 is :math:`\overleftarrow{h}_t`, the state after
            :math:`x_T \ldots x_t`.
        probs : dict of str to array_like (26,)
            Reader (``"left"``, ``"right"``, ``"both"``) -> P(letter at the blank) over a..z.
            A reader left out gets empty bars.
        truth : str, optional
            The true letter, marked in the bars.
        title : str, optional
            The heading; default names the word, the blank's step and the true letter.

        Returns
        -------
        matplotlib.figure.Figure
        """
        p = _check_smudged(word, self.max_letters)
        T, H = len(word), self.H
        states = {}
        for name, arr in (("h_fwd", h_fwd), ("h_bwd", h_bwd)):
            a = np.asarray(arr, dtype=float)
            if a.shape != (T, H) or not np.all(np.isfinite(a)):
                raise ValueError(f"{name} must be a finite array of shape ({T}, {H}) (steps x units); got shape "
                                 f"{a.shape}")
            states[name] = a
        if not isinstance(probs, dict) or not set(probs) <= set(READERS):
            raise ValueError(f"probs must be a dict with keys among {READERS}; got {probs!r}")
        tops = {reader: top_from_probs(probs[reader], len(ALPHABET)) for reader in probs}  # all 26, ranked
        if truth is not None and (not isinstance(truth, str) or len(truth) != 1 or truth not in ALPHABET):
            raise ValueError(f"truth must be one letter a-z or None; got {truth!r}")
        # the two blocks: units down, time across; the states a reader does not use at the blank are faint
        for name, key, used in (("fwd", "h_fwd", np.arange(1, T + 1) <= p), ("bwd", "h_bwd", np.arange(1, T + 1) >= p)):
            rgba = self.cmap(_STATE_NORM(states[key].T), bytes=True)  # (H, T, 4)
            rgba[:, ~used, 3] = int(255 * _FAINT)
            self.images[name].set_data(rgba)
            self.images[name].set_extent((0.5, T + 0.5, H - 0.5, -0.5))
        for ax in (self.ax_fwd, self.ax_bwd):
            ax.set_xlim(0.5, T + 0.5)
        for frame in self.frames.values():
            frame.set_x(p - 0.5)
        self.arrows["fwd"].set_positions((0.5, 1.0), (p, 1.0))
        self.arrows["bwd"].set_positions((T + 0.5, 0.0), (p, 0.0))
        for t, (letter, number) in enumerate(zip(self.letters, self.step_numbers), start=1):
            letter.set_visible(t <= T)
            number.set_visible(t in (1, p, T))  # few texts: each costs time at every update
            letter.set_x(t)
            number.set_x(t)
            if t <= T:
                letter.set_text(word[t - 1])
                blank = t == p
                letter.set_color(PALETTE["vermillion"] if blank else PALETTE["black"])
                letter.set_fontweight("bold" if blank else "normal")
        joined = np.concatenate([states["h_fwd"][p - 1], states["h_bwd"][p - 1]])  # (2H,) [h_fwd_p ; h_bwd_p]
        self.joined_images[0].set_data(joined[:H, None])
        self.joined_images[1].set_data(joined[H:, None])
        for reader in READERS:
            ranked = tops.get(reader)
            shown = ranked[:_K_TOP] if ranked else []
            for k in range(_K_TOP):
                bar = self.bars[reader][k]
                letter, prob = shown[k] if k < len(shown) else ("", 0.0)
                bar.set_width(prob)
                bar.set_facecolor(PALETTE["vermillion"] if truth is not None and letter == truth else PALETTE["blue"])
            self.bar_labels[reader].set_text("\n".join(f"{letter} {prob:.2f}" for letter, prob in shown))
            note = ""
            if ranked is None:
                note = "(no reader given)"
            elif truth is not None:
                rank = [letter for letter, _ in ranked].index(truth) + 1
                if rank > _K_TOP:
                    note = f"true '{truth}': P = {dict(ranked)[truth]:.2f}, rank {rank}"
            self.truth_notes[reader].set_text(note)
        if title is None:
            title = f"'{word}': the blank is step p = {p} of T = {T}" + (
                f"; the true letter is '{truth}' (vermillion bar)" if truth else "")
        self.heading.set_text(title)
        self.state = {"word": word, "p": p, "h_fwd": states["h_fwd"], "h_bwd": states["h_bwd"], "joined": joined,
                      "top": {reader: ranked[:_K_TOP] for reader, ranked in tops.items()}, "truth": truth}
        return self.fig

    @property
    def shown_letters(self):
        """The letters under the forward block, left to right (the word shown, blank included)."""
        return [text.get_text() for text in self.letters if text.get_visible()]

    def _dynamic_artists(self):
        out = [*self.images.values(), *self.joined_images, *self.frames.values(), *self.joined_frames,
               *self.arrows.values(),
               *self.letters, *self.step_numbers, self.heading]
        for reader in READERS:
            out += [*self.bars[reader], self.bar_labels[reader], self.truth_notes[reader]]
        return out

    def to_png(self):
        """The figure as PNG bytes, redrawing only what :meth:`update` changes.

        The first call draws the static parts (axis labels, unit numbers, the colour bar, the
        reading directions' labels, the bar charts' titles and axes) once as a background; later
        calls restore it and draw the images, arrows, frames, letters, bars and texts on top. The
        result equals a full redraw.

        Returns
        -------
        bytes
        """
        png, self._background = blit_png(self.canvas, self._dynamic_artists(), self._background)
        return png


def plot_both_ways(word, h_fwd, h_bwd, probs, truth=None, title=None):
    r"""A word with one blank read both ways: the states arriving at the blank and each reader's top letters.

    The static version of :class:`BothWaysPlot` (see there for what is drawn).

    Parameters
    ----------
    word : str
        Letters a-z with exactly one blank ``"_"``, at step p.
    h_fwd, h_bwd : array_like, shape (T, H)
        The bidirectional reader's forward states :math:`\overrightarrow{h}_t` (row t - 1, after
        :math:`x_1 \ldots x_t`) and backward states :math:`\overleftarrow{h}_t` (row t - 1, after
        :math:`x_T \ldots x_t`).
    probs : dict of str to array_like (26,)
        ``"left"``, ``"right"``, ``"both"`` -> P(letter at the blank) over a..z.
    truth : str, optional
        The true letter.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure

    Notes
    -----
    The "both" reader scores the letters from the joined vector,
    :math:`s = [\overrightarrow{h}_p ; \overleftarrow{h}_p] W_y + b_y`, :math:`\hat y = \mathrm{softmax}(s)`;
    the "left" and "right" readers from one direction's state at p alone.
    """
    shape = np.shape(h_fwd)
    if len(shape) != 2:
        raise ValueError(f"h_fwd must be 2-D (steps x units); got shape {shape}")
    plot = BothWaysPlot(shape[1], max_letters=max(20, len(word) if isinstance(word, str) else 0))
    return plot.update(word, h_fwd, h_bwd, probs, truth=truth, title=title)



# === 3-4. the GRU cell (helper H4) ===

__all__ += ["GRUCellDiagram", "draw_gru_cell", "plot_gru_beside_lstm"]

# Layout in data units, on the LSTM diagram's grid (0..16 by 0..9.5): the state line at the height
# of the LSTM's cell-state line, so the two cells drawn side by side line up.
_G_TOP = 7.0  # h_{t-1} -> (x z) -> (+ (1-z) n) -> h_t
_G_MIX = 5.85  # the 1 - z wire and the (1 - z) * n node
_G_CAND = 4.7  # r * a_hn, + a_xn, tanh: the candidate n
_G_GATE = 3.35  # the sigmoid blocks z and r
_G_BUS = 1.7  # h_{t-1} and x_t to every block
_GX = {"drop": 2.0, "x_in": 3.0, "z": 4.4, "r": 6.3, "one_minus": 7.2, "hn": 8.1, "xn": 10.2, "n": 12.0}
# the numbers the diagram writes, in set_values' order (pre-activations are optional)
_GRU_SHOWN = ("x", "h_prev", "r", "z", "n", "r_ah_n", "one_minus_z", "new_part", "kept_part", "h")
_GRU_OPTIONAL = ("a_z", "a_r", "ah_n", "ax_n")


def _complete_gru(values, unit=0):
    """Fill in every number the GRU diagram shows from x, h_prev and the gates (or their parts)."""
    if values is None:
        values = gru_step_values()  # the notebook's worked example
    if not isinstance(values, dict):
        raise ValueError(f"values must be a dict of gate and state values; got {type(values).__name__}")
    pick = CellDiagram.pick
    v = {}
    for key in ("x", "h_prev"):
        if key not in values:
            raise ValueError(f"values must contain {key!r}; got keys {sorted(values)}")
        v[key] = pick(values, key, unit)
    for key in _GRU_OPTIONAL:
        v[key] = pick(values, key, unit) if key in values else None
    for gate in ("r", "z"):
        if gate in values:
            v[gate] = pick(values, gate, unit)
        elif v[f"a_{gate}"] is not None:
            v[gate] = float(sigmoid(v[f"a_{gate}"]))
        else:
            raise ValueError(f"values must contain the gate {gate!r} or its pre-activation 'a_{gate}'; "
                             f"got keys {sorted(values)}")
    v["r_ah_n"] = None if v["ah_n"] is None else v["r"] * v["ah_n"]
    if "n" in values:
        v["n"] = pick(values, "n", unit)
    elif v["ax_n"] is not None and v["ah_n"] is not None:
        v["n"] = float(np.tanh(v["ax_n"] + v["r_ah_n"]))
    else:
        raise ValueError("values must contain the candidate 'n' or both its parts 'ax_n' (x_t W_xn + b_xn) and "
                         f"'ah_n' (h_(t-1) W_hn + b_hn); got keys {sorted(values)}")
    v["one_minus_z"] = 1.0 - v["z"]
    v["new_part"] = v["one_minus_z"] * v["n"]
    v["kept_part"] = v["z"] * v["h_prev"]
    v["h"] = pick(values, "h", unit) if "h" in values else v["new_part"] + v["kept_part"]
    return v


class GRUCellDiagram(CellDiagram):
    r"""The GRU cell drawn once, in the LSTM diagram's style, with numbers that :meth:`set_values` rewrites.

    The state :math:`h_{t-1}` runs along the top, where the LSTM's cell state runs; it also drops
    to the bus that, with :math:`x_t` from below, feeds the update gate :math:`z`, the reset gate
    :math:`r` and the two parts of the candidate :math:`n`. The reset gate scales the recurrent
    part :math:`a_{hn}` inside the candidate; the update gate mixes: :math:`z` onto
    :math:`h_{t-1}` (the × on the top line) and :math:`1 - z` onto :math:`n`.

    Parameters
    ----------
    values : dict, optional
        Scalars (or arrays, of which element ``unit`` is shown) for ``x``, ``h_prev``, the gates
        ``r``, ``z`` (or their pre-activations ``a_r``, ``a_z``) and the candidate ``n`` (or its
        parts ``ax_n`` = :math:`x_t W_{xn} + b_{xn}` and ``ah_n`` = :math:`h_{t-1} W_{hn} + b_{hn}`);
        the rest is computed when missing. :func:`rnnlib.lessons.both_ways_and_gru.gru_step_values`
        returns such a dict; by default its worked example (x = 1, h_prev = 0.2) is shown.
        Pre-activations and parts that are not given are left off the drawing.
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
        The live numbers by the value they show (``"z"``, ``"n"``, ``"h"``, ``"eq_n"``, ``"eq_h"``,
        ...) and their fixed labels (``"z_label"``, ...).
    boxes : dict of str to matplotlib.patches.Patch
        The blocks ``"z"``, ``"r"`` (σ) and ``"n"`` (tanh), filled with the colour of their value.
    values : dict of str to float
        Every number shown, from the last :meth:`set_values`.

    Notes
    -----
    PyTorch's GRU (:mod:`rnnlib.gru`), one unit:

    .. math::
        r &= \sigma(a_r), \quad z = \sigma(a_z), \quad a_{xn} = x_t W_{xn} + b_{xn}, \quad
             a_{hn} = h_{t-1} W_{hn} + b_{hn} \\
        n &= \tanh(a_{xn} + r \odot a_{hn}), \qquad h_t = (1 - z) \odot n + z \odot h_{t-1}
    """

    _shown_labels = None  # which optional labels the cached background shows

    def __init__(self, values=None, ax=None, unit=0, title="The GRU cell (one unit), with live values",
                 figsize=(8.0, 4.9), dpi=90):
        super().__init__(values, ax, unit, title, figsize, dpi)

    def _draw_static(self, title):
        ax = self.ax
        self._draw_frame(title)
        R, X = self.NODE_R, _GX
        top, bottom = _G_GATE + self.GATE_H / 2, _G_GATE - self.GATE_H / 2
        # the state line: h_{t-1} -> (x z) -> (+ (1 - z) n) -> h_t
        self._wire([(0.3, _G_TOP), (X["z"] - R, _G_TOP)])
        self._wire([(X["z"] + R, _G_TOP), (X["n"] - R, _G_TOP)])
        self._wire([(X["n"] + R, _G_TOP), (15.7, _G_TOP)], arrow=True)
        self._node((X["z"], _G_TOP), "×")
        self._node((X["n"], _G_TOP), "+")
        # h_{t-1} drops to the bus; x_t joins it from below
        self._dot((X["drop"], _G_TOP))
        self._wire([(X["drop"], _G_TOP), (X["drop"], _G_BUS), (X["xn"], _G_BUS)])
        self._wire([(X["x_in"], 0.15), (X["x_in"], _G_BUS)])
        self._dot((X["x_in"], _G_BUS))
        for key in ("z", "r"):
            self._wire([(X[key], _G_BUS), (X[key], bottom)], arrow=True)
            self._block(key, (X[key], _G_GATE), "sigmoid")
        # the update gate: z up to the top line, 1 - z across to the candidate
        self._wire([(X["z"], top), (X["z"], _G_TOP - R)], arrow=True)
        self._dot((X["z"], _G_MIX))
        self._wire([(X["z"], _G_MIX), (X["one_minus"] - R, _G_MIX)])
        self._node((X["one_minus"], _G_MIX), "1\u2212", fontsize=10)
        self._wire([(X["one_minus"] + R, _G_MIX), (X["n"] - R, _G_MIX)], arrow=True)
        # the candidate: r scales the recurrent part, the input part is added, then tanh
        self._wire([(X["r"], top), (X["r"], _G_CAND), (X["hn"] - R, _G_CAND)], arrow=True)
        self._wire([(X["hn"], _G_BUS), (X["hn"], _G_CAND - R)], arrow=True)
        self._node((X["hn"], _G_CAND), "×")
        self._wire([(X["hn"] + R, _G_CAND), (X["xn"] - R, _G_CAND)], arrow=True)
        self._wire([(X["xn"], _G_BUS), (X["xn"], _G_CAND - R)], arrow=True)
        self._node((X["xn"], _G_CAND), "+")
        self._wire([(X["xn"] + R, _G_CAND), (X["n"] - self.GATE_W / 2, _G_CAND)], arrow=True)
        self._block("n", (X["n"], _G_CAND), "tanh")
        self._wire([(X["n"], _G_CAND + self.GATE_H / 2), (X["n"], _G_MIX - R)], arrow=True)
        self._node((X["n"], _G_MIX), "×")
        self._wire([(X["n"], _G_MIX + R), (X["n"], _G_TOP - R)], arrow=True)
        # static captions
        for key, caption in (("z", "update"), ("r", "reset"), ("hn", "recurrent part"), ("xn", "input part")):
            ax.text(X[key], _G_BUS - 0.45, caption, ha="center", va="center", fontsize=8, color="#666666", zorder=2)
        ax.text(X["n"], _G_CAND - self.GATE_H / 2 - 0.3, "candidate", ha="center", va="center", fontsize=8,
                color="#666666", zorder=2)
        # live labels: a static mathtext name and a plain-text number each
        self._label("h_prev", (0.3, _G_TOP + 0.45), "$h_{t-1}$ =")
        self._label("h", (15.7, _G_TOP + 0.45), "$h_t$ =", ha="right")
        self._label("x", (X["x_in"] + 0.2, 0.35), "$x_t$ =")
        self._label("kept_part", (X["z"] + 0.5, _G_TOP + 0.45), "$z \\cdot h_{t-1}$ =", size=8.5)
        self._label("z", (X["z"] - 0.15, (top + _G_MIX) / 2), "$z$ =", ha="right", widest="0.00")  # in [0, 1]
        self._label("one_minus_z", (X["one_minus"] + 0.5, _G_MIX + 0.35), "$1 - z$ =", size=8.5)
        self._label("r", (X["r"] - 0.15, (top + _G_CAND) / 2), "$r$ =", ha="right", widest="0.00")
        self._label("r_ah_n", (X["hn"] + 0.45, _G_CAND + 0.45), "$r \\cdot a_{hn}$ =", size=8.5)
        self._label("n", (X["n"] + self.GATE_W / 2 + 0.15, _G_CAND), "$n$ =")
        self._label("new_part", (X["n"] + 0.2, (_G_MIX + _G_TOP) / 2), "$(1 - z) \\cdot n$ =", size=8.5)
        for key, tex in (("a_z", "a_z"), ("a_r", "a_r"), ("ah_n", "a_{hn}"), ("ax_n", "a_{xn}")):
            x0 = X[{"a_z": "z", "a_r": "r", "ah_n": "hn", "ax_n": "xn"}[key]]
            self._label(key, (x0 + 0.1, (bottom + _G_BUS) / 2), f"${tex}$ =", size=8, color="#444444")
        # the two equations with the numbers filled in, above the cell
        self._equation("eq_n", (0.3, 9.1), "$n = \\tanh(a_{xn} + r \\cdot a_{hn})$ =")
        self._equation("eq_h", (0.3, 8.5), "$h_t = (1 - z) \\cdot n + z \\cdot h_{t-1}$ =")
        self._colour_keys()

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
            Every number shown (``r``, ``z``, ``n``, ``h``, ``one_minus_z``, ``new_part``, ...;
            None for a part that was not given).
        """
        unit = self.unit if unit is None else unit
        v = _complete_gru(values, unit)
        t = self.texts
        shown = tuple(v[key] is not None for key in (*_GRU_OPTIONAL, "r_ah_n"))
        if shown != self._shown_labels:  # the labels are in the cached background: draw it again
            self._shown_labels, self._background = shown, None
        for key in (*_GRU_SHOWN, *_GRU_OPTIONAL):
            known = v[key] is not None
            t[key].set_text(live_number(v[key]) if known else "")
            t[key].set_visible(known)
            t[f"{key}_label"].set_visible(known)
        for key, act in (("z", "sigmoid"), ("r", "sigmoid"), ("n", "tanh")):
            self._fill(key, act, v[key])
        if v["ax_n"] is not None and v["ah_n"] is not None:
            t["eq_n"].set_text(f"tanh({live_number(v['ax_n'])} + {live_factor(v['r'])}·{live_factor(v['ah_n'])})"
                               f" = {live_number(v['n'])}")
        else:
            t["eq_n"].set_text(live_number(v["n"]))
        t["eq_h"].set_text(f"{live_factor(v['one_minus_z'])}·{live_factor(v['n'])} + "
                           f"{live_factor(v['z'])}·{live_factor(v['h_prev'])} = {live_number(v['h'])}")
        self.values = v
        return v


def draw_gru_cell(values=None, ax=None, unit=0, title="The GRU cell (one unit), with live values"):
    r"""Draw the GRU cell in the style of the LSTM's (essay Figure 4) with the given values written on it.

    Parameters
    ----------
    values : dict, optional
        See :class:`GRUCellDiagram`; by default the worked example of
        :func:`rnnlib.lessons.both_ways_and_gru.gru_step_values` (x = 1, h_prev = 0.2).
    ax : matplotlib.axes.Axes, optional
    unit : int
        Which hidden unit to show when the values are vectors.
    title : str

    Returns
    -------
    matplotlib.figure.Figure

    Notes
    -----
    .. math:: n = \tanh(a_{xn} + r \odot a_{hn}), \qquad h_t = (1 - z) \odot n + z \odot h_{t-1}
    """
    return GRUCellDiagram(values, ax=ax, unit=unit, title=title).fig


def plot_gru_beside_lstm(gru_values=None, lstm_values=None, highlight=True, dpi=80):
    r"""The LSTM cell (left) and the GRU cell (right), drawn in one style, each with live values.

    Both carry their memory along the top through a × (how much of the old state is kept) and a
    + (what is written): the LSTM its cell state :math:`c`, the GRU the hidden state :math:`h`
    itself. The GRU drops the separate cell state and the output gate, and one update gate
    :math:`z` does the work of the LSTM's forget gate (:math:`z`) and input gate (:math:`1 - z`).

    Parameters
    ----------
    gru_values : dict, optional
        See :class:`GRUCellDiagram` (default: the worked example of
        :func:`rnnlib.lessons.both_ways_and_gru.gru_step_values`).
    lstm_values : dict, optional
        See :class:`rnnlib.viz.lstm_cell.LSTMCellDiagram` (default: the worked example of
        :func:`rnnlib.lessons.lstm_cell.cell_step_values`).
    highlight : bool
        Shade the additive, gated path along the top of both cells.
    dpi : int

    Returns
    -------
    matplotlib.figure.Figure
        With attributes ``lstm`` and ``gru``: the two diagrams (their ``texts`` hold the numbers).

    Notes
    -----
    .. math::
        \text{LSTM: } c_t = f \odot c_{t-1} + i \odot g, \quad h_t = o \odot \tanh(c_t); \qquad
        \text{GRU: } h_t = z \odot h_{t-1} + (1 - z) \odot n
    """
    fig = new_figure(figsize=(15.6, 5.2), dpi=dpi)
    fig.set_layout_engine(None)
    left = fig.add_axes((0.0, 0.0, 0.5, 0.87))
    right = fig.add_axes((0.5, 0.0, 0.5, 0.87))
    lstm = LSTMCellDiagram(lstm_values, ax=left, title="LSTM: a cell state $c$ on top, $h_t$ read out below")
    gru = GRUCellDiagram(gru_values, ax=right, title="GRU: $h$ itself on top; $z$ keeps, $1 - z$ writes")
    if highlight:
        for ax in (left, right):
            ax.plot([0.3, 15.7], [_G_TOP, _G_TOP], color=PALETTE["sky"], lw=9, alpha=0.45, zorder=0.5,
                    solid_capstyle="butt")
    fig.suptitle("Shaded: the memory's path in both cells, kept through × and written through +. "
                 "The GRU has no separate cell state and no output gate." if highlight else
                 "The LSTM and the GRU: the GRU has no separate cell state and no output gate",
                 fontsize=12, y=0.985)
    fig.lstm, fig.gru = lstm, gru
    return fig
