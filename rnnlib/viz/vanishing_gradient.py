"""Plots of vanishing and exploding gradients (pyplot-free; every function returns the Figure).

* :class:`MicroscopePlot` / :func:`plot_microscope`: ``||dL/dh_t||`` per step of an RNN beside
  its analytic bound, and ``||dL/dh_t||``, ``||dL/dc_t||`` of an LSTM (the gradient microscope);
* :func:`plot_clipping`: global gradient norm and loss per training step, with and without
  clipping;
* :func:`plot_ratio_vs_lag`: the error signal reaching the first input at initialisation;
* :func:`plot_accuracy_vs_lag`, :func:`plot_steps_to_solve`: the lag sweep, mean accuracy and
  steps to solve, every seed.
"""

from __future__ import annotations

import numpy as np
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullLocator

from ..lessons.vanishing_gradient import SOLVED, summarise
from .style import PALETTE, get_ax, new_figure

__all__ = ["MicroscopePlot", "plot_microscope", "plot_clipping", "plot_ratio_vs_lag", "plot_accuracy_vs_lag",
           "plot_steps_to_solve"]

FLOOR = 1e-300  # log axes show nothing smaller (float64 underflows not far below)
# one colour per configuration of rnnlib.lessons.vanishing_gradient.CONFIGS, the same in every plot
SWEEP_COLOURS = {"rnn_sgd": "vermillion", "rnn_sgd_rec": "purple", "rnn_adam": "orange", "rnn_adam_rec": "black",
                 "lstm_sgd": "green", "lstm_sgd_rec": "sky", "lstm_adam": "blue", "lstm_adam_rec": "grey"}


def _positive(v):
    """Values for a log axis: zeros and non-finite values become NaN (not drawn)."""
    v = np.asarray(v, dtype=float)
    return np.where(np.isfinite(v) & (v > 0), v, np.nan)


_SUPERSCRIPT = str.maketrans("-0123456789", "\u207b\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079")


def _power_of_ten(value, _pos=None):
    """Tick label 10 with a unicode superscript: plain text, no mathtext to parse (fast redraws)."""
    if not (np.isfinite(value) and value > 0):
        return ""
    k = int(np.round(np.log10(value)))
    return "1" if k == 0 else "10" + str(k).translate(_SUPERSCRIPT)


def _fast_log_axis(ax):
    """A log y-axis with at most ~7 labelled decades and no minor ticks."""
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(base=10.0, numticks=7))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_major_formatter(FuncFormatter(_power_of_ten))


def _log_limits(*arrays, floor=FLOOR, ceiling=1e300):
    values = np.concatenate([_positive(a).ravel() for a in arrays])
    values = values[np.isfinite(values)]
    if values.size == 0:
        return 1e-3, 10.0
    lo = max(values.min() / 3.0, floor)
    hi = min(values.max() * 3.0, ceiling)
    if hi <= lo:
        hi = lo * 10.0
    return lo, hi


class MicroscopePlot:
    """The gradient microscope's figure: RNN (left) and LSTM (right), redrawn in place.

    Parameters
    ----------
    result : rnnlib.lessons.vanishing_gradient.MicroscopeResult
    figsize : tuple of float
    dpi : int
    show_numbers : bool
        Write sigma_max, the bound's factor and the ratios on the axes (the explorer shows them
        beside the figure instead: fewer glyphs to render per update).

    Attributes
    ----------
    fig : matplotlib.figure.Figure
    """

    def __init__(self, result, figsize=(8.0, 3.4), dpi=90, show_numbers=True):
        self.show_numbers = show_numbers
        self.fig, (self.ax_rnn, self.ax_lstm) = new_figure(figsize=figsize, dpi=dpi, nrows=1, ncols=2, sharey=True)
        ax = self.ax_rnn
        (self.rnn_line,) = ax.plot([], [], color=PALETTE["blue"], lw=2, label="measured \u2016\u2202L/\u2202h_t\u2016")
        (self.bound_line,) = ax.plot([], [], color=PALETTE["vermillion"], lw=1.5, ls="--",
                                     label="bound (max|\u03c6\u2032| \u00b7 \u03c3_max)^(T\u2212t)")
        _fast_log_axis(ax)
        ax.set_xlabel("step t")
        ax.set_ylabel("gradient norm, 1 at t = T (log)")
        ax.legend(loc="best", fontsize=8)
        self.rnn_text = ax.text(0.02, 0.97, "", transform=ax.transAxes, va="top", fontsize=8)
        ax = self.ax_lstm
        (self.lstm_h_line,) = ax.plot([], [], color=PALETTE["blue"], lw=2, label="\u2016\u2202L/\u2202h_t\u2016")
        (self.lstm_c_line,) = ax.plot([], [], color=PALETTE["green"], lw=2, ls="-.",
                                      label="\u2016\u2202L/\u2202c_t\u2016")
        _fast_log_axis(ax)
        ax.set_xlabel("step t")
        ax.legend(loc="best", fontsize=8)
        self.lstm_text = ax.text(0.02, 0.97, "", transform=ax.transAxes, va="top", fontsize=8)
        for a in (self.ax_rnn, self.ax_lstm):
            a.grid(True, which="major", alpha=0.3)
            a.xaxis.set_major_locator(MaxNLocator(6, integer=True))  # few labels: faster redraws
        self.update(result)

    def update(self, result):
        """Show a new :class:`~rnnlib.lessons.vanishing_gradient.MicroscopeResult` (artists changed in place)."""
        t = result.steps
        T = len(t)
        self.rnn_line.set_data(t, _positive(result.rnn_dh))
        self.bound_line.set_data(t, _positive(result.bound))
        self.lstm_h_line.set_data(t, _positive(result.lstm_dh))
        self.lstm_c_line.set_data(t, _positive(result.lstm_dc))
        lo, hi = _log_limits(result.rnn_dh, result.bound, result.lstm_dh, result.lstm_dc)
        for a in (self.ax_rnn, self.ax_lstm):
            a.set_xlim(1, max(T, 2))
            a.set_ylim(lo, hi)
        self.ax_rnn.set_title(f"RNN, {result.activation}: gradient from the loss at t = T = {T}", fontsize=10)
        self.ax_lstm.set_title(f"LSTM, forget bias {result.forget_bias:g}, same input", fontsize=10)
        if not self.show_numbers:
            return self.fig
        # plain text (no mathtext): these strings change on every update and must draw fast
        self.rnn_text.set_text(
            f"\u03c3_max(W_h) = {result.sigma_max:.2f}, spectral radius {result.radius:.2f}\n"
            f"bound's factor per step: max|\u03c6'| \u00b7 \u03c3_max = {result.factor:.2f}\n"
            f"||dL/dh_1|| / ||dL/dh_{T}|| = {result.rnn_ratio:.1e}")
        self.lstm_text.set_text(f"||dL/dc_1|| / ||dL/dc_{T}|| = {result.lstm_ratio:.1e}")
        return self.fig


def plot_microscope(result, figsize=(8.0, 3.4), dpi=90):
    """Static figure of the gradient microscope (the explorer's picture) for one result.

    Parameters
    ----------
    result : rnnlib.lessons.vanishing_gradient.MicroscopeResult
        From :func:`rnnlib.lessons.vanishing_gradient.microscope`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    return MicroscopePlot(result, figsize=figsize, dpi=dpi).fig


def plot_clipping(runs, figsize=(8.0, 3.2), dpi=90):
    """Global gradient norm (before clipping) and loss per step, for runs with different clipping.

    Parameters
    ----------
    runs : dict of (float or None) to rnnlib.train.History
        From :func:`rnnlib.lessons.vanishing_gradient.clipping_runs`; ``None`` is the unclipped run.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not runs:
        raise ValueError("runs must hold at least one History; got an empty dict")
    fig, (ax_g, ax_l) = new_figure(figsize=figsize, dpi=dpi, nrows=1, ncols=2)
    colours = [PALETTE["vermillion"], PALETTE["blue"], PALETTE["green"], PALETTE["purple"]]
    for k, (clip, hist) in enumerate(runs.items()):
        colour = colours[k % len(colours)]
        label = "no clipping" if clip is None else f"clipped at norm {clip:g}"
        steps = np.arange(1, hist.steps + 1)  # updates counted from 1
        ax_g.plot(steps, _positive(hist.step_grad_norm), color=colour, lw=1.2, label=label)
        ax_l.plot(steps, hist.step_loss, color=colour, lw=1.2, label=label)
        if clip is not None:
            ax_g.axhline(clip, color=colour, ls=":", lw=1)
        if hist.diverged:
            ax_l.annotate("diverged (NaN/inf)", (steps[-1] if len(steps) else 0, 0), color=colour, fontsize=8)
    ax_l.axhline(np.log(2), color=PALETTE["grey"], ls="--", lw=1, label="chance, log 2")
    ax_g.set_yscale("log")
    ax_g.set_xlabel("training step (update, from 1)")
    ax_g.set_ylabel("global gradient norm (log)")
    ax_g.set_title("gradient norm before clipping", fontsize=10)
    ax_l.set_xlabel("training step (update, from 1)")
    ax_l.set_ylabel("training loss (nats)")
    ax_l.set_title("loss of the mini-batch", fontsize=10)
    ax_g.legend(fontsize=8)
    ax_l.legend(fontsize=8)
    return fig


def plot_ratio_vs_lag(lags, ratios, ax=None, figsize=(6.0, 3.4)):
    r"""The error-signal ratio ``||dL/dx_1|| / ||dL/dx_T||`` at initialisation against the lag.

    Parameters
    ----------
    lags : sequence of int, length L
    ratios : dict of str to array_like, each shape (L,)
        From :func:`rnnlib.lessons.vanishing_gradient.ratio_vs_lag`.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    lags = np.asarray(lags)
    fig, ax = get_ax(ax, figsize=figsize)
    colours = [PALETTE[c] for c in ("vermillion", "blue", "orange", "green", "purple", "sky")]
    markers = "osD^vx"
    for k, (name, r) in enumerate(ratios.items()):
        r = np.asarray(r, dtype=float)
        if r.shape != lags.shape:
            raise ValueError(f"ratios[{name!r}] must have shape {lags.shape} (one per lag); got {r.shape}")
        ax.plot(lags, _positive(r), marker=markers[k % 6], color=colours[k % 6], label=name)
    ax.axhline(1.0, color=PALETTE["grey"], ls=":", lw=1)
    ax.set_yscale("log")
    ax.set_xlabel("lag k (T = k + 1: the signal at t = 1, the loss after t = T)")
    ax.set_ylabel(r"$\|\partial L/\partial x_1\| \,/\, \|\partial L/\partial x_T\|$")
    ax.set_title("error signal reaching the first input, at initialisation", fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(True, alpha=0.3)
    return fig


def _sweep_style(keys, summary):
    """Colour, marker and line style per configuration: RNNs solid, LSTMs dashed."""
    colours = [PALETTE[c] for c in ("vermillion", "green", "orange", "blue", "purple", "sky", "black", "grey")]
    style = {}
    for k, key in enumerate(keys):
        if key not in summary:
            raise ValueError(f"keys must name configurations of the sweep {sorted(summary)}; got {key!r}")
        colour = PALETTE[SWEEP_COLOURS[key]] if key in SWEEP_COLOURS else colours[k % len(colours)]
        style[key] = {"color": colour, "marker": "osD^vxP*"[k % 8], "ls": "--" if key.startswith("lstm") else "-"}
    return style


def _lag_axis(ax, lags):
    """A log axis with a tick at every lag tested (the lags span 5 to 200)."""
    ax.set_xscale("log")
    ax.set_xticks(lags)
    ax.set_xticklabels([str(lag) for lag in lags])
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xlabel("lag k (distractor steps after the signal; log scale)")
    ax.grid(True, alpha=0.3)


def _spread(lag, k, n):
    """Dots of different configurations side by side at one lag (a few percent apart on the log axis)."""
    return lag * 1.04 ** (k - (n - 1) / 2)


def _draw_sweep(ax, records, keys, names, row_value, run_value, keep=lambda r: True):
    """One line per configuration (``summary[key][lag][row_value]``, lags where it exists) and one dot per
    kept run (``run[run_value]``); returns the summary."""
    summary = summarise(records)
    names = names or {}
    style = _sweep_style(keys, summary)
    for k, key in enumerate(keys):
        lags = [lag for lag in sorted(summary[key]) if summary[key][lag][row_value] is not None]
        ax.plot(lags, [summary[key][lag][row_value] for lag in lags], label=names.get(key, key), **style[key])
        runs = [r for r in records if r["config"] == key and keep(r)]
        ax.scatter([_spread(r["lag"], k, len(keys)) for r in runs], [r[run_value] for r in runs],
                   color=style[key]["color"], s=12, alpha=0.5, zorder=3)
    return summary


def plot_accuracy_vs_lag(records, keys, names=None, ax=None, figsize=(6.5, 4.2), title=None):
    """Test accuracy against lag from a lag sweep: mean over seeds (line) and every seed (dots).

    Parameters
    ----------
    records : list of dict
        ``config``, ``lag``, ``seed``, ``accuracy`` per run (``load_sweep()["records"]``).
    keys : sequence of str
        Configurations to draw.
    names : dict of str to str, optional
        Legend label per key.
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = get_ax(ax, figsize=figsize)
    summary = _draw_sweep(ax, records, keys, names, row_value="mean", run_value="accuracy")
    ax.axhline(0.5, color=PALETTE["grey"], ls="--", lw=1, label="chance")
    ax.axhline(0.9, color=PALETTE["grey"], ls=":", lw=1, label="solved (0.9)")
    ax.set_ylim(0.4, 1.04)
    _lag_axis(ax, sorted({lag for key in keys for lag in summary[key]}))
    ax.set_ylabel("test accuracy")
    ax.set_title(title or "memory task: accuracy against lag (line: mean, dots: seeds)", fontsize=10)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, frameon=False)
    return fig


def plot_steps_to_solve(records, keys, names=None, ax=None, figsize=(6.5, 4.2), title=None, budget=None):
    """Training steps until a run solved the task, against lag: median over the seeds that did (line), every
    such seed (dots).

    Parameters
    ----------
    records : list of dict
        ``config``, ``lag``, ``seed``, ``accuracy``, ``steps_to_solve`` per run.
    keys : sequence of str
        Configurations to draw.
    names : dict of str to str, optional
        Legend label per key.
    ax : matplotlib Axes, optional
    title : str, optional
    budget : int, optional
        The runs' step budget, drawn as a line (a run that did not solve the task stops there).

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = get_ax(ax, figsize=figsize)
    summary = _draw_sweep(ax, records, keys, names, row_value="steps", run_value="steps_to_solve",
                          keep=lambda r: r.get("steps_to_solve") is not None and r["accuracy"] >= SOLVED)
    if budget is not None:
        ax.axhline(budget, color=PALETTE["grey"], ls=":", lw=1, label=f"budget ({budget} steps)")
    ax.set_ylim(bottom=0)
    _lag_axis(ax, sorted({lag for key in keys for lag in summary[key]}))
    ax.set_ylabel("steps to solve")
    ax.set_title(title or "memory task: steps until solved (line: median, dots: seeds that solved it)",
                 fontsize=10)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, frameon=False)
    return fig
