"""Figures of notebook 01: context, one-hot letters, a padded batch, the (N, T, D) block, batch noise.

matplotlib only and pyplot-free: every function returns a Figure (or, for the live block, an
object that updates its artists in place).
"""

from __future__ import annotations

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.patches import Polygon, Rectangle
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from ..data import ALPHABET, encode_words, one_hot_word
from ..lessons.sequences_and_shapes import (
    BatchNoiseResult,
    data_volume,
    expected_relative_deviation,
    format_volume_table,
)
from .style import CMAP, PALETTE, get_ax, new_figure

__all__ = [
    "plot_ambiguous_glyph",
    "plot_context_accuracy",
    "plot_one_hot_word",
    "plot_padded_batch",
    "VolumeBlock",
    "draw_volume_block",
    "plot_volume",
    "plot_gradient_noise",
]

# Letters as strokes in a 0.6 x 1 box (only the ones the context figure needs).
_ARC = [(0.3 + 0.3 * np.cos(a), 0.5 + 0.5 * np.sin(a)) for a in np.linspace(np.pi / 4, 7 * np.pi / 4, 25)]
_STROKES = {
    "T": [[(0.0, 1.0), (0.6, 1.0)], [(0.3, 1.0), (0.3, 0.0)]],
    "E": [[(0.5, 1.0), (0.0, 1.0), (0.0, 0.0), (0.5, 0.0)], [(0.0, 0.5), (0.4, 0.5)]],
    "C": [_ARC],
    # Selfridge's (1955) shape: half H, half A.
    "?": [[(0.05, 0.0), (0.2, 1.0)], [(0.55, 0.0), (0.4, 1.0)], [(0.12, 0.48), (0.48, 0.48)]],
}


def _draw_letter(ax, strokes, x0, colour):
    for stroke in strokes:
        xs, ys = zip(*stroke, strict=True)
        ax.plot(np.add(xs, x0), ys, color=colour, lw=5, solid_capstyle="round", solid_joinstyle="round")


def plot_ambiguous_glyph(ax=None):
    """The same shape read as H in "THE" and as A in "CAT": context decides what a letter is.

    Returns
    -------
    Figure
    """
    fig, ax = get_ax(ax, figsize=(6.0, 2.2))
    for word, x_start in (("T?E", 0.0), ("C?T", 3.0)):
        for k, ch in enumerate(word):
            colour = PALETTE["orange"] if ch == "?" else PALETTE["black"]
            _draw_letter(ax, _STROKES[ch], x_start + 0.85 * k, colour)
    ax.annotate("read as H", (1.15, -0.08), (1.15, -0.45), ha="center", va="top", color=PALETTE["vermillion"],
                arrowprops={"arrowstyle": "->", "color": PALETTE["vermillion"]})
    ax.annotate("read as A", (4.15, -0.08), (4.15, -0.45), ha="center", va="top", color=PALETTE["vermillion"],
                arrowprops={"arrowstyle": "->", "color": PALETTE["vermillion"]})
    ax.set_xlim(-0.4, 5.5)
    ax.set_ylim(-0.85, 1.25)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ax.spines.values():
        side.set_visible(False)
    ax.set_title("One shape (orange), two letters: the neighbours decide", fontsize=11)
    return fig


def plot_context_accuracy(result, ax=None):
    """Bar chart of :func:`rnnlib.lessons.sequences_and_shapes.context_accuracy`: guessing a hidden letter from context.

    Parameters
    ----------
    result : dict
        From :func:`rnnlib.lessons.sequences_and_shapes.context_accuracy`.

    Returns
    -------
    Figure
    """
    names = [k for k in ("no context", "left neighbour", "both neighbours", "whole word") if k in result]
    if not names:
        raise ValueError(f"result must come from context_accuracy (keys 'no context', ...); got keys {sorted(result)}")
    values = np.array([result[k] for k in names]) * 100
    fig, ax = get_ax(ax, figsize=(6.0, 2.6))
    colours = [PALETTE["grey"], PALETTE["sky"], PALETTE["blue"], PALETTE["green"]][: len(names)]
    bars = ax.barh(np.arange(len(names)), values, color=colours)
    for bar, v in zip(bars, values, strict=True):
        ax.text(v + 1, bar.get_y() + bar.get_height() / 2, f"{v:.1f}%", va="center")
    ax.set_yticks(np.arange(len(names)), names)
    ax.invert_yaxis()
    ax.set_xlim(0, 110)
    ax.set_xlabel("hidden letters guessed right (%)")
    ax.set_ylabel("context seen")
    n = result.get("n_letters")
    ax.set_title("Guessing a hidden letter from its context" + (f"\n({n:,} letters of the vocabulary)" if n else ""),
                 fontsize=11)
    return fig


def plot_one_hot_word(word, max_len=None, ax=None):
    """A word's (T, 26) one-hot matrix drawn on the card's heatmap layout: time left to right.

    Column t is the step t = 1..T (row t-1 of the array, :math:`x_t`), row k the feature of the
    k-th letter a..z (top to bottom), so the picture is the array transposed, (D, T).

    Parameters
    ----------
    word : str
        Lower-case a-z.
    max_len : int, optional
        Pad to this many steps (padding columns are all zero).

    Returns
    -------
    Figure
    """
    x = one_hot_word(word, max_len)  # (T, 26)
    T, D = x.shape
    fig, ax = get_ax(ax, figsize=(2.8 + 0.3 * T, 7.6))
    ax.imshow(x.T, cmap=CMAP, vmin=0, vmax=1, aspect="equal")  # (D, T): time left to right
    cols = [f"{t}\n{word[t - 1]}" if t <= len(word) else f"{t}\npad" for t in range(1, T + 1)]  # column t-1 is x_t
    ax.set_xticks(np.arange(T), cols)
    ax.set_yticks(np.arange(D), list(ALPHABET))
    ax.set_xticks(np.arange(-0.5, T), minor=True)
    ax.set_yticks(np.arange(-0.5, D), minor=True)
    ax.grid(which="minor", color="white", lw=0.6)
    ax.tick_params(which="minor", length=0)
    ax.set_xlabel("step t and its letter\n(x[t-1] in code)")
    ax.set_ylabel(f"feature (which letter), D = {D}")
    ax.set_title(f"'{word}' one-hot: array (T, D) = ({T}, {D}),\ndrawn with time left to right;\n"
                 "yellow = 1, purple = 0", fontsize=10)
    return fig


def plot_padded_batch(words, max_len=None, ax=None):
    """A batch of words as an (N, T) grid of letters, post-padded, with each word's length.

    Each cell stands for one one-hot vector of D = 26 numbers; grey hatched cells are padding
    (all-zero vectors).

    Returns
    -------
    Figure
    """
    x, lengths = encode_words(words, max_len)  # (N, T, D), (N,)
    N, T, D = x.shape
    real = (np.arange(T)[None, :] < lengths[:, None]).astype(float)  # (N, T)
    fig, ax = get_ax(ax, figsize=(max(4.8, 2.6 + 0.5 * T), 1.2 + 0.42 * N))
    ax.imshow(real, cmap=ListedColormap(["#e6e6e6", PALETTE["sky"]]), vmin=0, vmax=1, aspect="equal")
    for n, w in enumerate(words):
        for t in range(T):
            if t < len(w):
                ax.text(t, n, w[t], ha="center", va="center", fontsize=11, fontweight="bold")
            else:
                ax.add_patch(Rectangle((t - 0.5, n - 0.5), 1, 1, fill=False, hatch="///", ec=PALETTE["grey"],
                                       lw=0))
                ax.text(t, n, "0", ha="center", va="center", fontsize=8, color=PALETTE["grey"])
        ax.text(T - 0.2, n, f"  lengths[{n}] = {lengths[n]}", ha="left", va="center", fontsize=9)
    ax.set_xticks(np.arange(T), [str(t) for t in range(1, T + 1)])  # column t-1 is step t
    ax.set_yticks(np.arange(N), [f"n={n}" for n in range(N)])
    ax.set_xticks(np.arange(-0.5, T), minor=True)
    ax.set_yticks(np.arange(-0.5, N), minor=True)
    ax.grid(which="minor", color="white", lw=1.5)
    ax.tick_params(which="minor", length=0)
    ax.set_xlim(-0.5, T + 2.6)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_xlabel("step t = 1..T (x[n, t-1] in code)\neach cell: one one-hot vector of D = 26")
    ax.set_ylabel("sequence n (code index)")
    ax.set_title(f"A batch: x.shape = (N, T, D) = ({N}, {T}, {D})\nhatched cells = padding (all-zero vectors)",
                 fontsize=11)
    return fig


def _edge(n):
    """Drawn edge length of a dimension of size n (log scale: 1 for n = 1)."""
    return 1.0 + np.log2(n)


class VolumeBlock:
    """An (N, T, D) batch drawn as a box (oblique projection), updatable in place.

    The front face is one sequence, T steps (down) x D features (across); the depth is the
    batch, N sequences. Edge lengths are on a log scale, ``1 + log2(size)``, so a batch of
    thousands still fits.

    Parameters
    ----------
    ax : Axes
    N, T, D : int
    limits : tuple (N_max, T_max, D_max), optional
        Fix the axes to the largest block these sizes give (so a growing block is seen to grow);
        by default the axes fit the current block.
    dtype : {"float64", "float32"}
    captions : bool
        Draw the title and the caption with the counts (a live explorer that shows the counts
        in a table leaves them out: text is half the cost of a redraw).
    """

    _DEPTH = 0.55  # depth edge shrink of the oblique projection
    _ANGLE = np.deg2rad(35)
    _MAX_GRID = 60  # above this many cells per edge the front-face grid is not drawn

    def __init__(self, ax, N, T, D, limits=None, dtype="float64", captions=True):
        self.ax = ax
        self.limits = limits
        self.front = Polygon(np.zeros((4, 2)), closed=True, fc=PALETTE["sky"], ec="black", lw=1.2, alpha=0.9)
        self.top = Polygon(np.zeros((4, 2)), closed=True, fc="#bfe3f7", ec="black", lw=1.2)
        self.side = Polygon(np.zeros((4, 2)), closed=True, fc=PALETTE["blue"], ec="black", lw=1.2, alpha=0.8)
        for patch in (self.top, self.side, self.front):
            ax.add_patch(patch)
        self.grid = ax.plot([], [], color="white", lw=0.5, alpha=0.8)[0]
        self.slices = ax.plot([], [], color="black", lw=0.5, alpha=0.5)[0]
        # Each label in its own region so that none overlaps another at any size: D below the
        # front face, T left of it (above y = 0), N beyond the far bottom corner (above y = 0).
        self.label_D = ax.annotate("", (0, 0), xytext=(0, -5), textcoords="offset points", ha="center", va="top",
                                   fontsize=10)
        self.label_T = ax.annotate("", (0, 0), xytext=(-5, 0), textcoords="offset points", ha="right",
                                   va="bottom", rotation=90, fontsize=10)
        self.label_N = ax.annotate("", (0, 0), xytext=(5, 2), textcoords="offset points", ha="left", va="bottom",
                                   rotation=np.rad2deg(self._ANGLE), rotation_mode="anchor", fontsize=10)
        self.total = ax.text(0.5, 0.0, "", ha="center", va="bottom", transform=ax.transAxes, fontsize=9,
                             visible=captions)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_visible(False)
        if captions:
            ax.set_title("A batch x of shape (N, T, D)", fontsize=11)
        self.update(N, T, D, dtype)

    def _extent(self, N, T, D):
        w, h, d = _edge(D), _edge(T), _edge(N) * self._DEPTH
        return w, h, d * np.cos(self._ANGLE), d * np.sin(self._ANGLE)

    def update(self, N, T, D, dtype="float64"):
        """Redraw the box for new sizes (validated by :func:`rnnlib.lessons.sequences_and_shapes.data_volume`)."""
        vol = data_volume(N, T, D, dtype)
        w, h, dx, dy = self._extent(N, T, D)
        self.front.set_xy([(0, 0), (w, 0), (w, h), (0, h)])
        self.top.set_xy([(0, h), (w, h), (w + dx, h + dy), (dx, h + dy)])
        self.side.set_xy([(w, 0), (w + dx, dy), (w + dx, h + dy), (w, h)])
        gx, gy = [], []
        if D <= self._MAX_GRID and T <= self._MAX_GRID:
            for k in range(1, D):
                gx += [k * w / D, k * w / D, np.nan]
                gy += [0, h, np.nan]
            for t in range(1, T):
                gx += [0, w, np.nan]
                gy += [h - t * h / T, h - t * h / T, np.nan]
        self.grid.set_data(gx, gy)
        sx, sy = [], []
        if N <= 16:
            for n in range(1, N):
                fx, fy = n * dx / N, n * dy / N
                sx += [fx, w + fx, w + fx, np.nan]
                sy += [h + fy, h + fy, fy, np.nan]
        self.slices.set_data(sx, sy)
        self.label_D.xy = (w / 2, 0)
        self.label_D.set_text(f"D = {D} features")
        self.label_T.xy = (0, 0)
        self.label_T.set_text(f"T = {T} steps")
        self.label_N.xy = (w + dx, dy)
        self.label_N.set_text(f"N = {N} sequences")
        self.total.set_text(f"N*T*D = {vol['numbers']:,} numbers = {vol['bytes']:,} bytes ({np.dtype(dtype).name})\n"
                            "edges on a log scale: length = 1 + log2(size)")
        if self.limits is not None:
            w_max, h_max, dx_max, dy_max = self._extent(*self.limits)
        else:
            w_max, h_max, dx_max, dy_max = w, h, dx, dy
        self.ax.set_xlim(min(-1.6, w / 2 - 4.0), w_max + dx_max + 8.0)  # room for the labels
        self.ax.set_ylim(-2.9 if self.total.get_visible() else -1.2, max(h_max + dy_max, dy_max + 3.0) + 0.3)


def draw_volume_block(N, T, D, ax=None, dtype="float64"):
    """The essay's Figure 3: a batch as a features x length x batch block with labelled edges.

    Parameters
    ----------
    N, T, D : int
    ax : Axes, optional
    dtype : {"float64", "float32"}

    Returns
    -------
    Figure
    """
    fig, ax = get_ax(ax, figsize=(4.6, 3.6))
    VolumeBlock(ax, N, T, D, dtype=dtype)
    return fig


def plot_volume(N, T, D, H, n_classes=1, dtype="float64"):
    """The block of :func:`draw_volume_block` next to the counts of
    :func:`rnnlib.lessons.sequences_and_shapes.volume_rows`.

    The static twin of :func:`rnnlib.widgets.sequences_and_shapes.volume_explorer`.

    Returns
    -------
    Figure
    """
    table = format_volume_table(N, T, D, H, n_classes, dtype)
    fig, (ax_block, ax_table) = new_figure(figsize=(10.0, 3.6), nrows=1, ncols=2, width_ratios=[1.0, 1.35])
    VolumeBlock(ax_block, N, T, D, dtype=dtype)
    ax_table.axis("off")
    ax_table.text(0.0, 0.5, table, family="monospace", fontsize=9, va="center", ha="left",
                  transform=ax_table.transAxes)
    ax_table.set_title("What it costs: RNN vs feed-forward net, same padded input", fontsize=11)
    return fig


def _plain_log_ticks(axis, ticks):
    """Log-scale axis with plain-number labels at ``ticks`` only (mathtext labels render slowly)."""
    axis.set_major_locator(FixedLocator(ticks))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_locator(NullLocator())


def _decades(lo, hi, steps=(1, 2, 5)):
    """1-2-5 ticks covering [lo, hi]."""
    out = [m * 10.0**e for e in range(int(np.floor(np.log10(lo))), int(np.ceil(np.log10(hi))) + 1) for m in steps]
    return [v for v in out if lo / 1.5 <= v <= hi * 1.5]


def plot_gradient_noise(result):
    """Batch-size trade-off from :func:`rnnlib.lessons.sequences_and_shapes.gradient_noise_experiment`.

    Three panels against the batch size N: the mini-batch gradient's relative deviation from the
    full-batch gradient ∇L (with the 1/sqrt(N) law fitted), its cosine to the full-batch gradient
    (every batch a grey dot; below 0 a descent step, against the mini-batch gradient, goes partly
    uphill for the full loss), and the measured time per step.

    Returns
    -------
    Figure
    """
    if not isinstance(result, BatchNoiseResult):
        raise ValueError(f"result must be the BatchNoiseResult of gradient_noise_experiment; "
                         f"got {type(result).__name__}")
    Ns = np.asarray(result.batch_sizes)
    M = result.n_total
    partial = Ns < M
    fig, (ax_dev, ax_cos, ax_time) = new_figure(figsize=(11.0, 3.4), nrows=1, ncols=3)
    if partial.any():
        for b, devs, keep in zip(Ns, result.rel_devs, partial, strict=True):
            if keep:
                ax_dev.scatter(np.full(devs.shape, b), devs, s=10, color=PALETTE["grey"], alpha=0.5, zorder=2)
        ax_dev.plot(Ns[partial], result.rel_dev_rms[partial], "o-", color=PALETTE["blue"], label="measured (rms)",
                    zorder=3)
        grid = np.unique(np.geomspace(Ns[partial].min(), min(M - 1, Ns[partial].max() * 2), 50).round())
        if np.isfinite(result.noise_scale):
            ax_dev.plot(grid, expected_relative_deviation(grid, M, result.noise_scale), "--",
                        color=PALETTE["orange"], label=r"theory: $\rho\,\sqrt{(M-N)\,/\,(N(M-1))}$")
        ax_dev.set_xscale("log")
        ax_dev.set_yscale("log")
        _plain_log_ticks(ax_dev.xaxis, Ns[partial])
        devs = np.concatenate([d for d, keep in zip(result.rel_devs, partial, strict=True) if keep])
        _plain_log_ticks(ax_dev.yaxis, _decades(devs[devs > 0].min(), devs.max()))
        ax_dev.legend(fontsize=8)
    ax_dev.set_xlabel("batch size N (log)")
    ax_dev.set_ylabel(r"$\|\nabla L_{\mathcal{B}} - \nabla L\| \,/\, \|\nabla L\|$ (log)")
    ax_dev.set_title("Gradient noise (full batch: 0)", fontsize=11)

    for b, cos in zip(Ns, result.cosines, strict=True):
        ax_cos.scatter(np.full(cos.shape, b), cos, s=10, color=PALETTE["grey"], alpha=0.5, zorder=2)
    ax_cos.plot(Ns, result.cosine_mean, "o-", color=PALETTE["green"], label="mean", zorder=3)
    ax_cos.axhline(0.0, color=PALETTE["grey"], lw=0.8, ls=":")
    ax_cos.legend(fontsize=8, loc="lower right")
    ax_cos.set_xscale("log")
    _plain_log_ticks(ax_cos.xaxis, Ns)
    ax_cos.set_ylim(min(0.0, min(float(c.min()) for c in result.cosines)) - 0.05, 1.05)
    ax_cos.set_xlabel("batch size N (log)")
    ax_cos.set_ylabel(r"cosine($\nabla L_{\mathcal{B}}$, $\nabla L$): dots = batches")
    ax_cos.set_title("Agreement with the full-batch direction", fontsize=11)

    ax_time.plot(Ns, result.seconds_per_step * 1e3, "o-", color=PALETTE["vermillion"], label="median")
    ax_time.plot(Ns, result.seconds_per_step_min * 1e3, "x:", color=PALETTE["vermillion"], alpha=0.6, label="fastest")
    ax_time.set_xscale("log")
    ax_time.set_yscale("log")
    _plain_log_ticks(ax_time.xaxis, Ns)
    ms = np.concatenate([result.seconds_per_step, result.seconds_per_step_min]) * 1e3
    _plain_log_ticks(ax_time.yaxis, _decades(ms.min(), ms.max(), steps=(1,)))
    ax_time.legend(fontsize=8)
    ax_time.set_xlabel("batch size N (log)")
    ax_time.set_ylabel("time per step (ms, log)")
    ax_time.set_title("Cost of one step (forward + backward)", fontsize=11)
    fig.suptitle(f"Full batch vs mini-batch on {M:,} words: accurate gradient vs cheap step")
    return fig
