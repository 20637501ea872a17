r"""The essay's Figure 2: a many-to-one RNN unrolled over a word, and the training curves.

The diagram has one column per letter: the input :math:`x_t` (a letter box), the hidden state
:math:`h_t` (a box, or a small heatmap column of its H values), the recurrent arrow
:math:`h_{t-1} \to h_t` labelled :math:`W_h` and the input arrow labelled :math:`W_x` -- the same
two matrices at every step (shared weights) -- and one output read from :math:`h_T` through
:math:`W_y`: the score :math:`s = h_T W_y + b_y` and the probability :math:`\hat y = \sigma(s)`.
Optionally it draws the gradient flowing back (backpropagation through time): one arrow per step
whose width grows with :math:`\lVert \partial L / \partial h_t \rVert`, and a row of bars with
the norms. A heatmap column shows the H hidden units top to bottom, unit 1 (code index 0) at the top.

Pyplot-free: every function returns a :class:`matplotlib.figure.Figure`.
"""

from __future__ import annotations

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import Normalize
from matplotlib.patches import FancyArrowPatch, Rectangle

from .style import CMAP_DIVERGING, PALETTE, get_ax, new_figure

__all__ = ["draw_unrolled", "UnrolledDiagram", "unrolled_figsize", "plot_training_curves", "STEP", "HIDDEN_NORM",
           "OUT_LABEL", "COLORBAR_LABEL"]

STEP = 1.6  # horizontal distance between two steps (data units)
BOX_W = 0.8  # width of the letter and hidden boxes
OUT_W, OUT_H = 2.2, 0.8  # size of the output box
X_Y, X_H = 0.8, 1.0  # heights of the input (letter) box and the hidden box
Y_X, Y_H, Y_OUT = 0.0, 1.9, 3.6  # centre heights: inputs, hidden states, output
Y_BARS = -1.2  # top of the tallest gradient-norm bar
BAR_MAX = 0.75  # height of the tallest bar
HIDDEN_NORM = Normalize(vmin=-1.0, vmax=1.0)  # tanh range, for the heatmap columns
OUT_LABEL = r"$\hat{y} = \sigma(s)$"  # the output box without a probability: s = h_T W_y + b_y
COLORBAR_LABEL = "hidden value $h_t$ (tanh)\nunit 1 at the top"  # units from 1 in figures, top to bottom
_PROB_NORM = Normalize(vmin=0.0, vmax=1.0)


def _letters(word):
    if isinstance(word, str):
        letters = list(word)
    else:
        try:
            letters = [str(s) for s in word]
        except TypeError:
            raise ValueError(f"word must be a string or a sequence of labels; got {type(word).__name__}") from None
    if not letters:
        raise ValueError("word must have at least one letter (T >= 1); got an empty word")
    return letters


def unrolled_figsize(T, gradients=False):
    """Figure size (inches) that fits a diagram of ``T`` steps."""
    width = min(max(3.6, 1.3 + 0.95 * (T + 1)), 16.0)
    height = 3.4 + (0.9 if gradients else 0.0)
    return (width, height)


def _arrow(ax, start, end, color, lw=1.4, ls="-", mutation=11, zorder=2):
    arrow = FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=mutation, color=color, lw=lw,
                            linestyle=ls, shrinkA=0, shrinkB=0, zorder=zorder)
    ax.add_patch(arrow)
    return arrow


class UnrolledDiagram:
    r"""The unrolled many-to-one diagram as reusable artists (built once, updated in place).

    All artists for up to ``max_steps`` steps are created at construction; :meth:`update` shows the
    first T of them, moves the output to step T and changes texts, colours and images. A live
    explorer therefore redraws without re-creating (and re-measuring) any text.

    Parameters
    ----------
    ax : matplotlib Axes
        Drawn into; its axis is switched off.
    max_steps : int
        Longest word the diagram can show.
    hidden_size : int, optional
        H; if given, every hidden box holds an H-cell heatmap column.
    weight_labels : bool
        Write :math:`W_x`, :math:`W_h` on every arrow.

    Attributes
    ----------
    images : list of AxesImage
        One heatmap column per step (empty without ``hidden_size``).
    back_arrows : list of FancyArrowPatch
        The BPTT arrows, ``back_arrows[t - 1]`` leaves :math:`h_t` towards :math:`h_{t-1}`.
    """

    def __init__(self, ax, max_steps, hidden_size=None, weight_labels=True):
        if isinstance(max_steps, bool) or not isinstance(max_steps, (int, np.integer)) or max_steps < 1:
            raise ValueError(f"max_steps must be an integer >= 1; got {max_steps!r}")
        if hidden_size is not None and (isinstance(hidden_size, bool) or not isinstance(hidden_size, (int, np.integer))
                                        or hidden_size < 1):
            raise ValueError(f"hidden_size must be an integer >= 1 or None; got {hidden_size!r}")
        self.ax = ax
        self.max_steps = int(max_steps)
        self.hidden_size = None if hidden_size is None else int(hidden_size)
        ax.set_axis_off()
        ax.set_aspect("equal")
        grey, black = PALETTE["grey"], PALETTE["black"]
        blue, orange, red = PALETTE["blue"], PALETTE["orange"], PALETTE["vermillion"]
        hx0, hx1 = Y_H - X_H / 2, Y_H + X_H / 2
        self._hx0, self._hx1 = hx0, hx1

        ax.add_patch(Rectangle((-BOX_W / 2, hx0), BOX_W, X_H, facecolor="white", edgecolor=grey, lw=1.2, ls="--"))
        ax.text(0.0, Y_H, "$h_0$\n$=0$", ha="center", va="center", fontsize=9, color=grey)

        self.steps = []  # per step: the artists that exist for it
        self.images = []
        self.back_arrows, self.bars, self.bar_texts = [], [], []
        for t in range(1, self.max_steps + 1):
            cx = STEP * t
            art = [
                ax.add_patch(Rectangle((cx - BOX_W / 2, Y_X - X_Y / 2), BOX_W, X_Y, facecolor="#f2f2f2",
                                       edgecolor=black, lw=1.0)),
                ax.add_patch(Rectangle((cx - BOX_W / 2, hx0), BOX_W, X_H, facecolor="none", edgecolor=blue,
                                       lw=1.6, zorder=3)),
                ax.text(cx, Y_X - X_Y / 2 - 0.08, f"$x_{{{t}}}$", ha="center", va="top", fontsize=9),
                _arrow(ax, (cx, Y_X + X_Y / 2), (cx, hx0), black),
                _arrow(ax, (cx - STEP + BOX_W / 2, Y_H + 0.18), (cx - BOX_W / 2, Y_H + 0.18), blue),
            ]
            letter = ax.text(cx, Y_X, "", ha="center", va="center", fontsize=13, family="monospace", weight="bold")
            # two labels for h_t: centred above the box, or (for the last step, whose top carries
            # the output arrow) to the right of it
            h_mid = ax.text(cx, hx1 + 0.06, f"$h_{{{t}}}$", ha="center", va="bottom", fontsize=9, color=blue)
            h_side = ax.text(cx + BOX_W / 2 + 0.03, hx1 + 0.06, f"$h_{{{t}}}$", ha="left", va="bottom", fontsize=9,
                             color=blue)
            art += [letter, h_mid, h_side]
            if weight_labels:
                art.append(ax.text(cx + 0.07, (Y_X + X_Y / 2 + hx0) / 2, "$W_x$", ha="left", va="center",
                                   fontsize=9, color=black))
                art.append(ax.text(cx - STEP / 2, Y_H + 0.26, "$W_h$", ha="center", va="bottom", fontsize=9,
                                   color=blue))
            if self.hidden_size is not None:
                image = ax.imshow(np.zeros((self.hidden_size, 1)), cmap=CMAP_DIVERGING, norm=HIDDEN_NORM,
                                  aspect="auto", interpolation="nearest", origin="upper",
                                  extent=(cx - BOX_W / 2, cx + BOX_W / 2, hx0, hx1), zorder=1)
                self.images.append(image)
            self.back_arrows.append(_arrow(ax, (cx - BOX_W / 2, Y_H - 0.22), (cx - STEP + BOX_W / 2, Y_H - 0.22),
                                           red, zorder=4))
            self.bars.append(ax.add_patch(Rectangle((cx - 0.3, Y_BARS - BAR_MAX - 0.05), 0.6, 0.0, facecolor=red,
                                                    edgecolor="none")))
            self.bar_texts.append(ax.text(cx, 0.0, "", ha="center", va="bottom", fontsize=8))
            self.steps.append({"all": art, "letter": letter, "h_mid": h_mid, "h_side": h_side})

        self.out_box = ax.add_patch(Rectangle((0.0, Y_OUT - OUT_H / 2), OUT_W, OUT_H, facecolor="white",
                                              edgecolor=orange, lw=2.0, zorder=3))
        self.out_text = ax.text(0.0, Y_OUT, OUT_LABEL, ha="center", va="center", fontsize=8, zorder=4)
        self.out_arrow = _arrow(ax, (0.0, hx1), (0.0, Y_OUT - OUT_H / 2), orange)
        self.out_label = ax.text(0.0, (hx1 + Y_OUT - OUT_H / 2) / 2 + 0.05, "$W_y$", ha="right", va="center",
                                 fontsize=9, color=orange)
        self.grad_in = _arrow(ax, (0.0, Y_OUT - OUT_H / 2), (0.0, hx1), red, lw=1.2, ls="--", zorder=4)
        self.grad_label = ax.text(STEP - 0.5, Y_BARS - BAR_MAX / 2, r"$\Vert\partial L/\partial h_t\Vert$",
                                  ha="right", va="center", fontsize=8, color=red)
        self.grad_note = ax.text(0.0, hx0 - 0.08, "gradient\nflows back", ha="center", va="top", fontsize=8,
                                 color=red)
        # a plain text rather than ax.set_title: the title's automatic placement is re-measured at
        # every draw, which a live diagram does not need
        self.title = ax.text(0.5, 1.0, "", transform=ax.transAxes, ha="center", va="bottom", fontsize=10)
        ax.set_aspect("equal")  # again: imshow(aspect="auto") above switched it off

    def update(self, word, hidden=None, prob=None, grad_norms=None, title=None):
        r"""Show a word (T <= max_steps), its hidden states, output and BPTT gradient norms.

        Parameters are those of :func:`draw_unrolled` (``hidden`` needs ``hidden_size`` at
        construction). Returns the Figure.
        """
        letters = _letters(word)
        T = len(letters)
        if T > self.max_steps:
            raise ValueError(f"word must have at most {self.max_steps} letters for this diagram; got {T}")
        if hidden is not None:
            hidden = np.asarray(hidden, dtype=float)
            H = self.hidden_size
            if H is None:
                raise ValueError("hidden was given but the diagram was built without hidden_size")
            if hidden.shape != (T, H):
                raise ValueError(f"hidden must have shape (T, H) = ({T}, {H}) for a word of {T} letters; "
                                 f"got shape {hidden.shape}")
            if not np.all(np.isfinite(hidden)):
                raise ValueError("hidden must be finite")
        if prob is not None:
            prob = float(prob)
            if not 0.0 <= prob <= 1.0:
                raise ValueError(f"prob must be a probability in [0, 1]; got {prob}")
        if grad_norms is not None:
            grad_norms = np.asarray(grad_norms, dtype=float)
            if grad_norms.shape != (T,):
                raise ValueError(f"grad_norms must have shape (T,) = ({T},); got shape {grad_norms.shape}")
            if not np.all(np.isfinite(grad_norms)) or np.any(grad_norms < 0):
                raise ValueError("grad_norms must be finite and >= 0")

        show_grad = grad_norms is not None
        top = float(grad_norms.max()) if show_grad and grad_norms.max() > 0 else 1.0
        for t, step in enumerate(self.steps, start=1):
            on = t <= T
            for artist in step["all"]:
                artist.set_visible(on)
            step["h_mid"].set_visible(on and t < T)
            step["h_side"].set_visible(t == T)
            if on:
                step["letter"].set_text(letters[t - 1])
            if self.images:
                image = self.images[t - 1]
                image.set_visible(on and hidden is not None)
                if on and hidden is not None:
                    image.set_data(hidden[t - 1][:, None])
            grad_on = on and show_grad
            for artist in (self.back_arrows[t - 1], self.bars[t - 1], self.bar_texts[t - 1]):
                artist.set_visible(grad_on)
            if grad_on:
                g = grad_norms[t - 1]
                width = 0.6 + 3.4 * g / top
                self.back_arrows[t - 1].set_linewidth(width)
                self.back_arrows[t - 1].set_mutation_scale(9 + 2 * width)
                height = BAR_MAX * g / top
                self.bars[t - 1].set_height(height)
                self.bar_texts[t - 1].set_position((STEP * t, Y_BARS - BAR_MAX - 0.05 + height + 0.04))
                self.bar_texts[t - 1].set_text(f"{g:.2g}")
                # long words: label the first and the last bar only, so that labels never overlap
                self.bar_texts[t - 1].set_visible(T <= 9 or t in (1, T))

        cT = STEP * T
        self.out_box.set_x(cT - OUT_W / 2)
        self.out_box.set_facecolor("white" if prob is None else colormaps[CMAP_DIVERGING](_PROB_NORM(prob)))
        self.out_text.set_position((cT, Y_OUT))
        self.out_text.set_text(OUT_LABEL if prob is None else f"P(positive)\n{prob:.2f}")
        self.out_text.set_fontsize(11 if prob is None else 8)
        self.out_text.set_color(PALETTE["black"] if prob is None or 0.15 < prob < 0.85 else "white")
        self.out_arrow.set_positions((cT, self._hx1), (cT, Y_OUT - OUT_H / 2))
        self.out_label.set_position((cT - 0.07, self.out_label.get_position()[1]))
        self.grad_in.set_positions((cT + 0.25, Y_OUT - OUT_H / 2), (cT + 0.25, self._hx1))
        for artist in (self.grad_in, self.grad_label, self.grad_note):
            artist.set_visible(show_grad)

        y_low = (Y_BARS - BAR_MAX - 0.2) if show_grad else (Y_X - X_Y / 2 - 0.45)
        self.ax.set_xlim(-BOX_W / 2 - (1.3 if show_grad else 0.2), cT + OUT_W / 2 + 0.2)
        self.ax.set_ylim(y_low, Y_OUT + 0.5)
        if title is None:
            sep = ":" if T >= 5 else "\n"
            steps = f"{T} step{'s' if T != 1 else ''}"
            title = f"Many-to-one RNN unrolled over {steps}{sep} same $W_x$, $W_h$ at every step"
        self.title.set_text(title)
        return self.ax.figure


def draw_unrolled(word, hidden=None, prob=None, grad_norms=None, ax=None, colorbar=True, title=None,
                  weight_labels=True):
    r"""Draw a many-to-one RNN unrolled over a word (the essay's Figure 2).

    Parameters
    ----------
    word : str or sequence of str
        The inputs, one letter (or short label) per step; T = its length, T >= 1.
    hidden : array_like, shape (T, H), optional
        The hidden states :math:`h_1 \dots h_T` (e.g. ``model.internals(x)["h"][0]``), drawn as a
        heatmap column per step (blue = -1, white = 0, red = +1; hidden unit 1, code index 0, at
        the top). Without it, empty boxes.
    prob : float, optional
        The model's output :math:`\hat y = P(\text{positive}) = \sigma(s)`, written in the output box and
        shown as its colour (blue negative, red positive).
    grad_norms : array_like, shape (T,), optional
        :math:`\lVert \partial L / \partial h_t \rVert` for t = 1..T: drawn as backward arrows
        (width grows with the norm) and as a row of labelled bars under the inputs.
    ax : matplotlib Axes, optional
        Draw into this axes (it is cleared first); by default a new figure of a size that fits T.
    colorbar : bool
        Add a colour bar for the hidden values (only when ``hidden`` is given).
    title : str, optional
        Defaults to a description of what is drawn.
    weight_labels : bool
        Write :math:`W_x`, :math:`W_h` on every arrow (the same matrices at every step).

    Returns
    -------
    matplotlib.figure.Figure

    Notes
    -----
    .. math:: h_t = \tanh(x_t W_x + h_{t-1} W_h + b), \qquad s = h_T W_y + b_y, \qquad \hat y = \sigma(s)

    The code's ``hs[:, t - 1]`` is :math:`h_t` here (steps are counted from 1; :math:`h_0 = 0`).
    For a live view build an :class:`UnrolledDiagram` once and call its ``update``.
    """
    T = len(_letters(word))
    H = None
    if hidden is not None:
        shape = np.shape(hidden)
        if len(shape) != 2 or shape[0] != T or shape[1] < 1:
            raise ValueError(f"hidden must have shape (T, H) = ({T}, H) for a word of {T} letters; got shape {shape}")
        H = shape[1]
    if ax is None:
        fig, ax = get_ax(figsize=unrolled_figsize(T, grad_norms is not None))
    else:
        fig = ax.figure
        ax.clear()
    diagram = UnrolledDiagram(ax, T, hidden_size=H, weight_labels=weight_labels)
    diagram.update(word, hidden=hidden, prob=prob, grad_norms=grad_norms, title=title)
    if hidden is not None and colorbar:
        cbar = fig.colorbar(diagram.images[0], ax=ax, shrink=0.6, pad=0.01)
        cbar.set_ticks([-1.0, -0.5, 0.0, 0.5, 1.0])
        cbar.set_label(COLORBAR_LABEL, fontsize=10)
        cbar.ax.tick_params(labelsize=10)
    return fig


def plot_training_curves(histories, baselines=None, title="Training a many-to-one RNN"):
    """Loss and accuracy per epoch of one or more training runs.

    Parameters
    ----------
    histories : dict of str to rnnlib.train.History
        One entry per run (e.g. per split); the training curve is solid, the validation curve
        (if the run had validation data) dashed, in the same colour.
    baselines : dict of str to float, optional
        Accuracies drawn as horizontal dotted lines (e.g. the majority class).
    title : str

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not isinstance(histories, dict) or not histories:
        raise ValueError(f"histories must be a non-empty dict of name -> History; got {type(histories).__name__}")
    for name, h in histories.items():
        if not hasattr(h, "epoch_loss") or not len(h.epoch_loss):
            raise ValueError(f"histories[{name!r}] must be a History with at least one epoch")
    fig, (ax_loss, ax_acc) = new_figure(figsize=(8.0, 3.2), nrows=1, ncols=2)
    colours = [PALETTE[k] for k in ("blue", "vermillion", "green", "purple")]
    for k, (name, h) in enumerate(histories.items()):
        c = colours[k % len(colours)]
        epochs = np.arange(1, len(h.epoch_loss) + 1)
        ax_loss.plot(epochs, h.epoch_loss, color=c, label=f"{name}: train")
        ax_acc.plot(epochs, h.epoch_accuracy, color=c, label=f"{name}: train")
        if len(h.val_loss):
            ax_loss.plot(epochs, h.val_loss, color=c, ls="--", label=f"{name}: validation")
            ax_acc.plot(epochs, h.val_accuracy, color=c, ls="--", label=f"{name}: validation")
    for name, value in (baselines or {}).items():
        ax_acc.axhline(value, color=PALETTE["grey"], ls=":", lw=1.2)
        ax_acc.text(ax_acc.get_xlim()[1], value - 0.005, name, fontsize=8, color=PALETTE["grey"], ha="right",
                    va="top")
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("cross-entropy loss (nats)")
    ax_loss.set_title("loss")
    ax_acc.set_xlabel("epoch")
    ax_acc.set_ylabel("accuracy (fraction correct)")
    ax_acc.set_title("accuracy")
    ax_acc.legend(fontsize=8, loc="upper left")
    fig.suptitle(title, fontsize=11)
    return fig
