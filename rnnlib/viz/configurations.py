"""Figures of notebook 07: the configurations, writing words, truncated BPTT.

(Module docstring to be completed: one bullet per public function.)

* :func:`plot_configurations`: the five configurations (one-to-one, many-to-one, one-to-many,
  many-to-many of the same length, encoder-decoder) unrolled over one word, one row each: which
  steps read an input :math:`x_t`, which produce an output :math:`\\hat y_t = \\mathrm{softmax}(s_t)`,
  what sets :math:`h_0`, which steps carry a loss term :math:`L_t`; :class:`ConfigurationDiagram`
  draws one of them and is updated in place by the explorer.
* :func:`plot_writing`: a written word's next-letter distribution at every step (a heatmap,
  steps left to right, the 28 symbols top to bottom, the chosen letters marked, the prefix's
  imposed letters marked differently) and one step's top letters as bars; :class:`WritingPlot`
  is its live version.
* :func:`plot_temperature`: one context's distribution :math:`\\mathrm{softmax}(s / \\tau)` at a
  few temperatures.

* :func:`plot_gradient_reach`: the norm of the gradient of one step's loss reaching every earlier
  hidden state, under full BPTT and truncated every k steps (log axis, the stream's letters along
  time, chunk boundaries drawn): where the gradient stops.
* :func:`plot_truncated_results`: the committed sweep over k: held-out cross-entropy (end of
  budget and early stop; mean and seeds) and the time per update and per letter.

Matplotlib only, pyplot-free: every function returns a Figure.
"""

from __future__ import annotations

import numpy as np
from matplotlib.colors import Normalize
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator
from matplotlib.transforms import ScaledTranslation, blended_transform_factory

from ..data import LM_SYMBOLS
from ..lessons.configurations import summarise_truncated
from ..sample import next_letter_distribution
from .style import CMAP, PALETTE, blit_png, get_ax, new_figure
from .unrolled_many_to_one import STEP
from .unrolled_many_to_one import _arrow as arrow

__all__ = []

# === 1-3. configurations and writing words (helper B) ===

__all__ += ["ConfigurationDiagram", "plot_configurations", "WritingPlot", "plot_writing", "plot_temperature",
            "symbol_text"]

# Heights (data units) of the rows of a configuration diagram: inputs, hidden states, outputs,
# targets and loss terms; boxes are BOX_W wide (STEP apart, as in notebook 03's unrolled figure).
_CY_X, _CY_H, _CY_OUT, _CY_TARGET, _CY_LOSS = 0.0, 1.35, 2.7, 3.45, 4.0
_C_BOX_W, _C_IN_W, _C_BOX_H = 0.8, 1.25, 0.62
_C_YLIM = (-1.4, 4.3)
_C_H0_X, _C_H0_W = -0.2, 1.2  # h_0's box: centre and width (its right edge meets the arrow to h_1)
_FEEDBACK = ("one_to_many", "encoder_decoder")  # configurations that write: each output is the next input


def symbol_text(symbol):
    """How a symbol is written in the figures: ``"<start>"`` and ``"<end>"`` as they are, letters as they are."""
    return "" if symbol is None else str(symbol)


def _symbol_size(text):
    return 12 if len(text) <= 1 else (10 if len(text) <= 3 else 8)


def _check_steps(steps):
    needed = ("name", "title", "inputs", "outputs", "initial", "loss_terms")
    if not all(hasattr(steps, a) for a in needed):
        raise ValueError("steps must be a ConfigurationSteps (from rnnlib.lessons.configurations.configuration_steps); "
                         f"got {type(steps).__name__}")
    if len(steps.inputs) != len(steps.outputs) or not steps.inputs:
        raise ValueError(f"steps must have one input and one output entry per step (T >= 1); got "
                         f"{len(steps.inputs)} inputs and {len(steps.outputs)} outputs")
    return len(steps.inputs)


class ConfigurationDiagram:
    r"""One configuration unrolled over a word, as reusable artists (built once, updated in place).

    Steps t = 1..T left to right: an input box :math:`x_t` below (only at steps that read an
    input), the hidden state :math:`h_t` in the middle (every step, with the recurrent arrow
    :math:`h_{t-1} \to h_t`), an output box :math:`\hat y_t = \mathrm{softmax}(s_t)` above
    (only at steps that produce an output), its target above it and the loss term :math:`L_t`
    at the top (only at steps that carry one). :math:`h_0` is on the left: 0, or set from the
    label through :math:`W_c` (one-to-many, as an image sets it in captioning). For the
    configurations that write (one-to-many and the encoder-decoder's decoder) a dashed arrow
    feeds each output back in as the next input. The encoder-decoder's two stages are shaded.

    Parameters
    ----------
    ax : matplotlib Axes
        Drawn into; its axis is switched off.
    max_steps : int
        Most steps the diagram can show.
    min_columns : int
        The x range always holds at least this many steps, so that short configurations are drawn
        at the same scale as long ones (left-aligned).

    Attributes
    ----------
    shown : dict
        What the last update drew: ``"inputs"``, ``"outputs"`` (steps t with a box), ``"loss"``
        (steps t with a loss term), ``"feedback"`` (steps t whose input is the previous output),
        ``"initial"`` (the text of :math:`h_0`). Tests read it.
    """

    def __init__(self, ax, max_steps, min_columns=1):
        if isinstance(max_steps, bool) or not isinstance(max_steps, (int, np.integer)) or max_steps < 1:
            raise ValueError(f"max_steps must be an integer >= 1; got {max_steps!r}")
        self.ax = ax
        self.max_steps = int(max_steps)
        self.min_columns = int(min_columns)
        ax.set_axis_off()
        black, grey, blue = PALETTE["black"], PALETTE["grey"], PALETTE["blue"]
        orange, red = PALETTE["orange"], PALETTE["vermillion"]
        h0, h1 = _CY_H - _C_BOX_H / 2, _CY_H + _C_BOX_H / 2
        # the two stages of the encoder-decoder: shaded bands behind the steps, named at the bottom
        self.bands = [ax.add_patch(Rectangle((0, _C_YLIM[0] + 0.05), 1, _CY_OUT + _C_BOX_H / 2 + 0.15 - _C_YLIM[0],
                                             facecolor=c, edgecolor="none", alpha=0.12, zorder=0))
                      for c in (PALETTE["sky"], PALETTE["yellow"])]
        self.band_texts = [ax.text(0, _C_YLIM[0] + 0.08, name, ha="center", va="bottom", fontsize=9, color=black,
                                   style="italic") for name in ("encoder", "decoder")]
        # h_0, and the label that sets it (one-to-many)
        self.h0_box = ax.add_patch(Rectangle((_C_H0_X - _C_H0_W / 2, h0), _C_H0_W, _C_BOX_H, facecolor="white",
                                             edgecolor=grey, lw=1.2, ls="--"))
        self.h0_text = ax.text(_C_H0_X, _CY_H, "", ha="center", va="center", fontsize=9, color=black)
        self.label_box = ax.add_patch(Rectangle((_C_H0_X - _C_IN_W / 2, _CY_X - _C_BOX_H / 2), _C_IN_W, _C_BOX_H,
                                                facecolor="#f2f2f2", edgecolor=black, lw=1.0))
        self.label_text = ax.text(_C_H0_X, _CY_X, "", ha="center", va="center", fontsize=8, family="monospace")
        self.label_arrow = arrow(ax, (_C_H0_X, _CY_X + _C_BOX_H / 2), (_C_H0_X, h0), black)
        self.label_wc = ax.text(_C_H0_X + 0.07, (_CY_X + _C_BOX_H / 2 + h0) / 2, "$W_c$", ha="left", va="center",
                                fontsize=9)
        self.label_note = ax.text(_C_H0_X, _CY_X - _C_BOX_H / 2 - 0.06, "label", ha="center", va="top", fontsize=9)
        self.steps = []
        for t in range(1, self.max_steps + 1):
            cx = STEP * t
            a = {
                "in_box": ax.add_patch(Rectangle((cx - _C_IN_W / 2, _CY_X - _C_BOX_H / 2), _C_IN_W, _C_BOX_H,
                                                 facecolor="#f2f2f2", edgecolor=black, lw=1.0)),
                "in_text": ax.text(cx, _CY_X, "", ha="center", va="center", family="monospace", weight="bold"),
                "x_label": ax.text(cx, _CY_X - _C_BOX_H / 2 - 0.06, f"$x_{{{t}}}$", ha="center", va="top",
                                   fontsize=9),
                "in_arrow": arrow(ax, (cx, _CY_X + _C_BOX_H / 2), (cx, h0), black),
                "h_box": ax.add_patch(Rectangle((cx - _C_BOX_W / 2, h0), _C_BOX_W, _C_BOX_H, facecolor="white",
                                                edgecolor=blue, lw=1.6)),
                "h_text": ax.text(cx, _CY_H, f"$h_{{{t}}}$", ha="center", va="center", fontsize=10, color=blue),
                "rec_arrow": arrow(ax, (cx - STEP + _C_BOX_W / 2, _CY_H), (cx - _C_BOX_W / 2, _CY_H), blue),
                "out_arrow": arrow(ax, (cx, h1), (cx, _CY_OUT - _C_BOX_H / 2), orange),
                "out_box": ax.add_patch(Rectangle((cx - _C_BOX_W / 2, _CY_OUT - _C_BOX_H / 2), _C_BOX_W, _C_BOX_H,
                                                  facecolor="white", edgecolor=orange, lw=2.0)),
                "out_text": ax.text(cx, _CY_OUT, f"$\\hat{{y}}_{{{t}}}$", ha="center", va="center", fontsize=10),
                "target": ax.text(cx, _CY_TARGET, "", ha="center", va="center", family="monospace",
                                  weight="bold"),
                "loss": ax.text(cx, _CY_LOSS, f"$L_{{{t}}}$", ha="center", va="center", fontsize=10, color=red),
                "feedback": arrow(ax, (cx - STEP + _C_BOX_W / 2, _CY_OUT - _C_BOX_H / 2),
                                  (cx - _C_IN_W / 2 + 0.05, _CY_X + _C_BOX_H / 2), grey, lw=1.0, ls="--"),
            }
            self.steps.append(a)
        self.target_note = ax.text(0.55, _CY_TARGET, "target $y_t$", ha="right", va="center", fontsize=9)
        self.loss_note = ax.text(0.55, _CY_LOSS, "loss term", ha="right", va="center", fontsize=9, color=red)
        # a plain text rather than ax.set_title (no title placement measured at every draw)
        self.title = ax.text(0.0, 1.0, "", transform=ax.transAxes, ha="left", va="bottom", fontsize=10)
        self.shown = {}

    def update(self, steps, title=None):
        """Show one configuration (a :class:`~rnnlib.lessons.configurations.ConfigurationSteps`); returns the Figure."""
        T = _check_steps(steps)
        if T > self.max_steps:
            raise ValueError(f"steps must have at most {self.max_steps} steps for this diagram; got T = {T} "
                             f"({steps.title} of {getattr(steps, 'word', '?')!r})")
        loss = {int(t) for t in steps.loss_terms}
        writes = steps.name in _FEEDBACK
        shown = {"inputs": [], "outputs": [], "loss": [], "feedback": []}
        for t, a in enumerate(self.steps, start=1):
            on = t <= T
            x = steps.inputs[t - 1] if on else None
            y = steps.outputs[t - 1] if on else None
            for k in ("h_box", "h_text", "rec_arrow"):
                a[k].set_visible(on)
            for k in ("in_box", "in_text", "x_label", "in_arrow"):
                a[k].set_visible(x is not None)
            for k in ("out_arrow", "out_box", "out_text", "target"):
                a[k].set_visible(y is not None)
            a["loss"].set_visible(on and t in loss)
            back = (writes and x is not None and t >= 2 and steps.outputs[t - 2] is not None
                    and steps.inputs[t - 1] == steps.outputs[t - 2])
            a["feedback"].set_visible(back)
            if x is not None:
                text = symbol_text(x)
                a["in_text"].set_text(text)
                a["in_text"].set_fontsize(_symbol_size(text))
                shown["inputs"].append(t)
            if y is not None:
                text = symbol_text(y)
                a["target"].set_text(text)
                a["target"].set_fontsize(_symbol_size(text))
                shown["outputs"].append(t)
            if on and t in loss:
                shown["loss"].append(t)
            if back:
                shown["feedback"].append(t)
        from_label = steps.initial.startswith("label")
        self.h0_text.set_text("$h_0$" if from_label else "$h_0 = 0$")
        for artist in (self.label_box, self.label_text, self.label_arrow, self.label_wc, self.label_note):
            artist.set_visible(from_label)
        if from_label:
            self.label_text.set_text(steps.initial.split(":", 1)[1].strip())
        shown["initial"] = steps.initial
        stages = tuple(getattr(steps, "stages", ()) or ())
        for band, text, stage in zip(self.bands, self.band_texts, ("encoder", "decoder")):
            ts = [t for t, s in enumerate(stages, start=1) if s == stage]
            band.set_visible(bool(ts))
            text.set_visible(bool(ts))
            if ts:
                x0, x1 = STEP * ts[0] - STEP / 2, STEP * ts[-1] + STEP / 2
                band.set_x(x0)
                band.set_width(x1 - x0)
                text.set_position(((x0 + x1) / 2, text.get_position()[1]))
        any_out = bool(shown["outputs"])
        self.target_note.set_visible(any_out)
        self.loss_note.set_visible(any_out)
        self.ax.set_xlim(-1.0, STEP * max(T, self.min_columns) + STEP / 2)
        self.ax.set_ylim(*_C_YLIM)
        if title is None:
            n = len(loss)
            title = (f"{steps.title}: T = {T} step{'s' if T != 1 else ''}, {len(shown['inputs'])} input"
                     f"{'s' if len(shown['inputs']) != 1 else ''}, {n} output{'s' if n != 1 else ''} with a loss term"
                     f"\n{getattr(steps, 'task', '')}")
        self.title.set_text(title)
        self.shown = shown
        return self.ax.figure


def plot_configurations(steps_list, title=None):
    r"""The configurations unrolled over one word, one row each, at one common scale.

    Parameters
    ----------
    steps_list : sequence of ConfigurationSteps
        For example ``[configuration_steps(name, "joy") for name in CONFIGURATIONS]``.
    title : str, optional
        A title over the rows (default: none; each row has its own).

    Returns
    -------
    matplotlib.figure.Figure

    Notes
    -----
    Every row is the same recurrence, :math:`h_t = \tanh(x_t W_x + h_{t-1} W_h + b)` (with
    :math:`x_t = 0` at a step that reads nothing), and the same read-out,
    :math:`s_t = h_t W_y + b_y`, :math:`\hat y_t = \mathrm{softmax}(s_t)` (a sigmoid for a
    yes/no label); the configurations differ only in which steps read an input, which steps are
    read out, and what sets :math:`h_0`. The loss is the sum of the terms :math:`L_t` drawn.
    """
    steps_list = list(steps_list)
    if not steps_list:
        raise ValueError("steps_list must hold at least one ConfigurationSteps; got an empty list")
    lengths = [_check_steps(s) for s in steps_list]
    cols = max(lengths)
    width = min(max(8.5, 1.2 + 0.8 * cols), 16.0)
    row = 2.2
    fig = new_figure(figsize=(width, row * len(steps_list) + (0.35 if title else 0.0)))
    fig.set_layout_engine("none")
    top = 1.0 - (0.35 / fig.get_figheight() if title else 0.0)
    h = top / len(steps_list)
    for k, steps in enumerate(steps_list):
        ax = fig.add_axes((0.005, top - (k + 1) * h + 0.01 * h, 0.99, h * 0.76))
        ConfigurationDiagram(ax, lengths[k], min_columns=cols).update(steps)
    if title:
        fig.suptitle(title, fontsize=11, y=0.995, va="top")
    return fig


# --- writing words -------------------------------------------------------------------------------

_PROB_NORM = Normalize(vmin=0.0, vmax=1.0)
_TOP = 8  # bars in the selected step's chart


def _check_writing(probs, chosen, n_imposed, symbols):
    probs = np.asarray(probs, dtype=float)
    V = len(symbols)
    if probs.ndim != 2 or probs.shape[0] < 1 or probs.shape[1] != V:
        raise ValueError(f"probs must have shape (K, V) with K >= 1 steps and V = {V} symbols; got shape "
                         f"{probs.shape}")
    if not np.all(np.isfinite(probs)) or np.any(probs < 0) or not np.allclose(probs.sum(axis=1), 1.0, atol=1e-6):
        raise ValueError("probs must hold one probability distribution per row (finite, >= 0, rows sum to 1)")
    chosen = np.asarray(chosen)
    if chosen.shape != (probs.shape[0],) or not np.issubdtype(chosen.dtype, np.integer) \
            or np.any(chosen < 0) or np.any(chosen >= V):
        raise ValueError(f"chosen must hold one symbol id in [0, {V}) per step, shape ({probs.shape[0]},); got "
                         f"{chosen!r}")
    if isinstance(n_imposed, bool) or not isinstance(n_imposed, (int, np.integer)) \
            or not 0 <= n_imposed <= probs.shape[0]:
        raise ValueError(f"n_imposed must be an integer in [0, {probs.shape[0]}]; got {n_imposed!r}")
    return probs, chosen.astype(int), int(n_imposed)


class WritingPlot:
    r"""A word being written: the next-letter distribution at every step, and one step's top letters.

    Left, a heatmap: steps t = 1..K left to right, the V symbols top to bottom (``<start>``,
    ``<end>``, a..z), colour = the probability the model gave each symbol as the next one at step
    t; the symbol written at each step is circled (drawn from the distribution), the letters of
    an imposed prefix are boxed instead (the model was given them). A frame marks the selected
    step. Right, the selected step's :data:`_TOP` likeliest symbols as bars.

    Built once and updated in place (fixed layout, one persistent canvas) for the live explorer.

    Parameters
    ----------
    max_steps : int
        Most steps shown (the explorer's ``max_len`` + 1: the end symbol's step).
    symbols : sequence of str
        The vocabulary, id i is ``symbols[i]`` (default :data:`rnnlib.data.LM_SYMBOLS`).
    figsize : tuple of float
    dpi : int

    Attributes
    ----------
    fig, ax_heat, ax_bars : the Figure and its two axes
    image : AxesImage
        Its array is ``probs.T`` (V, K): row = symbol id, column = step t - 1.
    sampled, imposed : Line2D
        The markers of the written symbols: x = step t, y = symbol id.
    bars : list of Rectangle
        ``_TOP`` bars, top to bottom the likeliest symbols of the selected step.
    """

    def __init__(self, max_steps=21, symbols=LM_SYMBOLS, figsize=(10.0, 5.6), dpi=80):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.cm import ScalarMappable

        if isinstance(max_steps, bool) or not isinstance(max_steps, (int, np.integer)) or max_steps < 1:
            raise ValueError(f"max_steps must be an integer >= 1; got {max_steps!r}")
        self.max_steps = int(max_steps)
        self.symbols = tuple(str(s) for s in symbols)
        V = len(self.symbols)
        self.fig = new_figure(figsize=figsize, dpi=dpi)
        self.fig.set_layout_engine("none")
        self.canvas = self.fig.canvas if isinstance(self.fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(self.fig)
        W, Hh = figsize
        left, bottom, top = 0.95 / W, 0.85 / Hh, 0.75 / Hh
        heat_w = 0.56
        ax = self.ax_heat = self.fig.add_axes((left, bottom, heat_w, 1 - bottom - top))
        self.image = ax.imshow(np.zeros((V, 1)), cmap=CMAP, norm=_PROB_NORM, aspect="auto",
                               interpolation="nearest", origin="upper", extent=(0.5, 1.5, V - 0.5, -0.5))
        ax.set_yticks(range(V), self.symbols, fontsize=10, family="monospace")
        ax.set_ylabel("next symbol", fontsize=10)
        ax.set_xlabel("step t (time, left to right)", fontsize=10, labelpad=16)  # room for the step numbers
        ax.tick_params(axis="y", length=0, pad=2)
        ax.set_xticks([])
        for side in ("top", "right", "bottom", "left"):  # no spine over the heatmap: it is redrawn alone
            ax.spines[side].set_visible(False)
        # step numbers under the columns as texts (not tick labels): the figure's static parts are
        # drawn once as a background, and only what an update changes is drawn again (see to_png)
        below = (blended_transform_factory(ax.transData, ax.transAxes)
                 + ScaledTranslation(0, -3 / 72, self.fig.dpi_scale_trans))
        self.step_texts = [ax.text(t, 0.0, str(t), transform=below, ha="center", va="top", fontsize=10,
                                   visible=False) for t in range(1, self.max_steps + 1)]
        self.sampled, = ax.plot([], [], ls="none", marker="o", ms=9, mfc="none", mew=1.8,
                                color=PALETTE["vermillion"], label="written (drawn)")
        self.imposed, = ax.plot([], [], ls="none", marker="s", ms=9, mfc="none", mew=1.8, color=PALETTE["sky"],
                                label="imposed (prefix)")
        self.frame = ax.add_patch(Rectangle((0.5, -0.5), 1, V, fill=False, edgecolor=PALETTE["orange"], lw=2.5,
                                            clip_on=False, zorder=5))
        ax.legend(handles=[self.sampled, self.imposed], loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=2,
                  fontsize=9, frameon=False, borderaxespad=0.2)
        self.heading = self.fig.text(0.01, 0.995, "", ha="left", va="top", fontsize=11)
        cax = self.fig.add_axes((left + heat_w + 0.008, bottom, 0.012, 1 - bottom - top))
        bar = self.fig.colorbar(ScalarMappable(_PROB_NORM, CMAP), cax=cax, ticks=(0, 0.5, 1))
        bar.ax.tick_params(labelsize=10)
        cax.set_title("P", fontsize=10)
        bx = left + heat_w + 0.12
        axb = self.ax_bars = self.fig.add_axes((bx, bottom, 0.97 - bx, 1 - bottom - top - 0.05))
        self.bars = list(axb.barh(np.arange(_TOP), np.zeros(_TOP), color=PALETTE["blue"], height=0.7,
                                  zorder=3))  # above the spines, as in the background-and-redraw PNG
        axb.set_ylim(_TOP - 0.5, -0.5)
        axb.set_xlim(0, 1)
        axb.set_xticks([0, 0.5, 1])
        axb.set_xlabel("probability", fontsize=10)
        axb.tick_params(labelsize=10)
        self.bar_values = [axb.text(0, k, "", ha="left", va="center", fontsize=9) for k in range(_TOP)]
        axb.set_yticks([])
        left_of = blended_transform_factory(axb.transAxes, axb.transData) + ScaledTranslation(-4 / 72, 0,
                                                                                             self.fig.dpi_scale_trans)
        self.bar_labels = [axb.text(0.0, k, "", transform=left_of, ha="right", va="center", fontsize=10,
                                    family="monospace") for k in range(_TOP)]
        self._background = None
        self.bar_title = axb.text(0.0, 1.01, "", transform=axb.transAxes, ha="left", va="bottom", fontsize=10)
        self.state = {}

    def update(self, probs, chosen, n_imposed=0, step=None, title=None):
        r"""Show a written word.

        Parameters
        ----------
        probs : array_like, shape (K, V)
            Row t - 1: the next-symbol distribution at step t, :math:`\mathrm{softmax}(s_t / \tau)`
            (``CharLanguageModel.sample(..., return_probs=True)``).
        chosen : array_like of int, shape (K,)
            The symbol written at each step (the prefix's letters, the drawn letters, and ``<end>``
            if it was drawn).
        n_imposed : int
            The first ``n_imposed`` steps' symbols were imposed (the prefix), not drawn.
        step : int, optional
            The selected step t (1..K) shown as bars; default the last.
        title : str, optional

        Returns
        -------
        matplotlib.figure.Figure
        """
        probs, chosen, n_imposed = _check_writing(probs, chosen, n_imposed, self.symbols)
        K, V = probs.shape
        if K > self.max_steps:
            raise ValueError(f"probs must have at most max_steps={self.max_steps} steps; got {K}")
        step = K if step is None else step
        if isinstance(step, bool) or not isinstance(step, (int, np.integer)) or not 1 <= step <= K:
            raise ValueError(f"step must be an integer in [1, {K}]; got {step!r}")
        step = int(step)
        ts = np.arange(1, K + 1)
        self.image.set_data(probs.T)  # (V, K)
        self.image.set_extent((0.5, K + 0.5, V - 0.5, -0.5))
        self.ax_heat.set_xlim(0.5, K + 0.5)
        every = 1 if K <= 14 else 2
        for t, text in enumerate(self.step_texts, start=1):
            text.set_visible(t <= K and (t == 1 or t % every == 0))
        self.imposed.set_data(ts[:n_imposed], chosen[:n_imposed])
        self.sampled.set_data(ts[n_imposed:], chosen[n_imposed:])
        self.frame.set_x(step - 0.5)
        p = probs[step - 1]
        order = np.argsort(-p, kind="stable")[:_TOP]
        for k, (bar, text) in enumerate(zip(self.bars, self.bar_values)):
            i = order[k] if k < len(order) else None
            bar.set_width(0.0 if i is None else p[i])
            mark = PALETTE["sky"] if step <= n_imposed else PALETTE["vermillion"]
            colour = mark if i == chosen[step - 1] else PALETTE["blue"]
            bar.set_facecolor(colour)
            text.set_position((0.0 if i is None else p[i] + 0.02, k))
            text.set_text("" if i is None else f"{p[i]:.2f}")
        for k, label in enumerate(self.bar_labels):
            label.set_text(self.symbols[order[k]] if k < len(order) else "")
        context = "".join(self.symbols[i] for i in chosen[:step - 1])
        self.bar_title.set_text(f"step t = {step}: after <start>{context},\nthe likeliest next symbols")
        self.heading.set_text(title or "Writing a word: the next-symbol distribution at every step")
        self.state = {"probs": probs, "chosen": chosen, "n_imposed": n_imposed, "step": step, "top": order}
        return self.fig

    def _dynamic_artists(self):
        return [self.image, self.sampled, self.imposed, self.frame, *self.step_texts, *self.bars,
                *self.bar_values, *self.bar_labels, self.bar_title, self.heading]

    def to_png(self):
        """The figure as PNG bytes, redrawing only what :meth:`update` changes.

        The first call draws the static parts (symbol names, axis labels, colour bar, legend) once
        as a background; later calls restore it and draw the heatmap, the markers, the frame, the
        bars and the texts on top. The result equals a full redraw.
        """
        png, self._background = blit_png(self.canvas, self._dynamic_artists(), self._background)
        return png


def plot_writing(probs, chosen, n_imposed=0, step=None, symbols=LM_SYMBOLS, title=None):
    r"""A written word's next-letter distribution at every step (heatmap) and one step's top letters (bars).

    Parameters
    ----------
    probs : array_like, shape (K, V)
        Row t - 1 is the distribution :math:`\mathrm{softmax}(s_t / \tau)` the model gave for the
        symbol at step t.
    chosen : array_like of int, shape (K,)
        The symbol written at each step.
    n_imposed : int
        How many of the first steps were imposed (a prefix) rather than drawn.
    step : int, optional
        The step t (1..K) whose distribution is drawn as bars; default the last.
    symbols : sequence of str
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure

    Notes
    -----
    .. math:: s_t = h_t W_y + b_y, \qquad \hat y_t = \mathrm{softmax}(s_t / \tau)

    See :class:`WritingPlot` (its live version).
    """
    K = np.shape(probs)[0] if np.ndim(probs) == 2 else 1
    plot = WritingPlot(max_steps=max(1, K), symbols=symbols)
    return plot.update(probs, chosen, n_imposed, step, title)


def plot_temperature(s, temperatures=(0.5, 1.0, 2.0), symbols=LM_SYMBOLS, title=None):
    r"""One context's next-symbol distribution :math:`\mathrm{softmax}(s / \tau)` at a few temperatures.

    Parameters
    ----------
    s : array_like, shape (V,)
        The scores (logits) :math:`s_t = h_t W_y + b_y` after some context.
    temperatures : sequence of float, each >= 0
        One panel each, top to bottom (0 = greedy: all the probability on the likeliest symbol).
    symbols : sequence of str
        The V symbols, drawn left to right.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        One row of bars per temperature, the likeliest symbol marked; each panel's title gives
        its entropy :math:`-\sum_k p_k \ln p_k` in nats (:math:`\ln V` would be uniform).
    """
    s = np.asarray(s, dtype=float)
    symbols = tuple(str(c) for c in symbols)
    if s.ndim != 1 or s.shape[0] != len(symbols) or not np.all(np.isfinite(s)):
        raise ValueError(f"s must be a finite vector of V = {len(symbols)} scores (one per symbol); got shape "
                         f"{s.shape}")
    temperatures = [float(tau) for tau in np.atleast_1d(temperatures)]
    if not temperatures:
        raise ValueError("temperatures must hold at least one temperature; got none")
    rows = [next_letter_distribution(s[None], tau)[0] for tau in temperatures]  # validates each temperature
    V = len(symbols)
    fig, axes = new_figure(figsize=(9.0, 0.4 + 1.55 * len(rows)), nrows=len(rows), ncols=1, sharex=True,
                           squeeze=False)
    for ax, tau, p in zip(axes[:, 0], temperatures, rows):
        top = int(np.argmax(p))
        colours = [PALETTE["vermillion"] if i == top else PALETTE["blue"] for i in range(V)]
        ax.bar(np.arange(V), p, color=colours, width=0.75)
        ax.set_ylim(0, 1.05)
        ax.set_yticks([0, 0.5, 1])
        ax.set_ylabel("P", fontsize=10)
        with np.errstate(divide="ignore", invalid="ignore"):
            entropy = max(0.0, float(-np.sum(np.where(p > 0, p * np.log(p), 0.0))))  # never "-0.00"
        label = "greedy" if tau == 0 else f"$\\tau$ = {tau:g}"
        ax.set_title(f"{label}: entropy {entropy:.2f} nats, likeliest {symbols[top]!r} P = {p[top]:.2f}",
                     fontsize=10, loc="left")
        ax.tick_params(labelsize=10)
    last = axes[-1, 0]
    last.set_xticks(np.arange(V), symbols, rotation=90, family="monospace")
    last.set_xlabel("next symbol", fontsize=10)
    fig.suptitle(title or "Temperature: the same scores s, divided by $\\tau$ before the softmax", fontsize=11)
    return fig


# === 5. truncated backpropagation through time (helper A2) ===

__all__ += ["plot_gradient_reach", "plot_truncated_results"]


def plot_gradient_reach(letters, full, truncated, k, t, target=None, ax=None, title=None, figsize=None):
    r"""Where the gradient of the loss at step t stops: :math:`\lVert \partial L_t / \partial h_s \rVert` over s.

    Parameters
    ----------
    letters : sequence of str, length t
        The symbol read at steps 1..t (time left to right).
    full, truncated : array_like, shape (t,)
        The norms under full BPTT and under truncation every k steps
        (:func:`rnnlib.lessons.configurations.gradient_reach`); truncated is 0 before t's chunk.
    k : int
        Truncation length: chunk boundaries after steps k, 2k, ...
    t : int
        The step whose loss is followed back.
    target : str, optional
        y_t, the symbol the loss at step t scores (named in the title).
    ax : matplotlib Axes, optional
    title : str, optional
    figsize : tuple of float, optional
        By default 0.22 inch per step (at least 6, at most 14 inches wide); beyond 50 steps only every
        few letters are labelled, so the labels keep their 10 pt.

    Returns
    -------
    matplotlib.figure.Figure
    """
    full, truncated = np.asarray(full, dtype=float), np.asarray(truncated, dtype=float)
    if full.shape != (t,) or truncated.shape != (t,) or len(letters) != t:
        raise ValueError(f"letters, full and truncated must each hold t={t} values (steps 1..t); got "
                         f"{len(letters)}, {full.shape} and {truncated.shape}")
    if int(k) < 1:
        raise ValueError(f"k must be an integer >= 1; got {k!r}")
    fig, ax = get_ax(ax, figsize=figsize or (min(max(6.0, 0.22 * t + 2.5), 14.0), 3.6))
    steps = np.arange(1, t + 1)
    c = k * ((t - 1) // k) + 1  # first step of t's chunk
    positive = np.concatenate([full[full > 0], truncated[truncated > 0]])
    lo = positive.min() / 5 if positive.size else 1e-3
    if c > 1:
        ax.axvspan(0.5, c - 0.5, color=PALETTE["grey"], alpha=0.15, lw=0, label="before t's chunk")
    for boundary in range(k, t, k):
        ax.axvline(boundary + 0.5, color=PALETTE["grey"], lw=1, ls=":")
    ax.plot(steps, np.where(full > 0, full, np.nan), color=PALETTE["blue"], marker="o", ms=3, lw=1.5,
            label="full BPTT")
    ax.plot(steps, np.where(truncated > 0, truncated, np.nan), color=PALETTE["vermillion"], marker="s", ms=4,
            lw=0, label=f"truncated every k = {k} steps")
    if c > 1:
        ax.plot(steps[:c - 1], np.full(c - 1, lo), color=PALETTE["vermillion"], marker="x", ms=4, lw=0,
                label="truncated: exactly 0 (drawn at the floor)")
    ax.set_yscale("log")
    ax.set_ylim(lo / 2, None)
    ax.set_xlim(0.5, t + 0.5)
    every = int(np.ceil(t / 50))  # label every letter up to 50 steps
    shown = steps[(t - steps) % every == 0]  # always step t
    ax.set_xticks(shown)
    ax.set_xticklabels([letters[s - 1] for s in shown], fontsize=10)
    ax.get_xticklabels()[-1].set_fontweight("bold")
    ax.set_xlabel(f"letter read at step s = 1..{t} (time left to right; '.' is <end>; dotted: chunk boundaries)")
    ax.set_ylabel(f"||dL_{t} / dh_s||")
    scored = "" if target is None else f" (scoring '{target}' after '{letters[-1]}')"
    ax.set_title(title or f"the gradient of the loss at step t = {t}{scored}: where it stops", fontsize=10)
    ax.legend(fontsize=8, loc="upper left", frameon=False)
    return fig


def _k_axis(ax, ks):
    ax.set_xscale("log", base=2)
    ax.set_xticks(ks)
    ax.set_xticklabels([str(k) for k in ks])
    ax.minorticks_off()
    ax.set_xlabel("k (steps per chunk; log scale)")
    ax.grid(True, alpha=0.3)


def plot_truncated_results(results, figsize=(10.0, 3.6)):
    """The committed truncated-BPTT measurements: held-out cross-entropy and time against k.

    Left: held-out per-letter cross-entropy at the end of the budget and at the early-stopping point,
    mean over seeds (line) and every seed (dots). Middle and right: median wall-clock time per update
    and per letter read.

    Parameters
    ----------
    results : dict
        ``meta`` and ``records`` (:func:`rnnlib.lessons.configurations.load_truncated_results`).

    Returns
    -------
    matplotlib.figure.Figure
    """
    summary = summarise_truncated(results)
    records = results["records"]
    ks = sorted(summary)
    fig, (ax_ce, ax_up, ax_letter) = new_figure(figsize=figsize, nrows=1, ncols=3)
    series = (("ce_mean", "held_out_ce", "end of budget", PALETTE["blue"], "o", "-", 0.97),
              ("early_ce_mean", "early_stop_held_out_ce", "early stop (validation)", PALETTE["orange"], "s", "--",
               1.03))
    for row_key, run_key, label, colour, marker, ls, spread in series:
        if any(summary[k][row_key] is None for k in ks):
            continue
        ax_ce.plot(ks, [summary[k][row_key] for k in ks], color=colour, marker=marker, ls=ls, label=label)
        ax_ce.scatter([r["k"] * spread for r in records], [r[run_key] for r in records], color=colour, s=12,
                      alpha=0.5, zorder=3)
    _k_axis(ax_ce, ks)
    ax_ce.set_ylabel("held-out CE (nats per letter)")
    ax_ce.set_title("loss (line: mean, dots: seeds)", fontsize=10)
    ax_ce.legend(fontsize=8, frameon=False)
    for ax, key, scale, label in ((ax_up, "ms_per_update", 1.0, "ms per update"),
                                  (ax_letter, "us_per_letter", 1.0, "\u00b5s per letter read")):
        ax.plot(ks, [summary[k][key] * scale for k in ks], color=PALETTE["vermillion"], marker="o")
        ax.scatter([r["k"] for r in records], [r[key] * scale for r in records], color=PALETTE["vermillion"], s=12,
                   alpha=0.5, zorder=3)
        _k_axis(ax, ks)
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(LogLocator(base=10.0, subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
        ax.yaxis.set_minor_locator(NullLocator())
        ax.set_ylabel(label)
        ax.set_title(f"{label} (median)", fontsize=10)
    return fig
