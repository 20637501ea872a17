r"""The essay's Figure 2: a many-to-one RNN unrolled over a word, and the training curves.

The diagram has one column per letter: the input :math:`x_t` (a letter box), the hidden state
:math:`h_t` (a box, or a small heatmap column of its H values), the recurrent arrow
:math:`h_{t-1} \to h_t` labelled :math:`W_h` and the input arrow labelled :math:`W_x` -- the same
two matrices at every step (shared weights) -- and one output :math:`y` read from :math:`h_T`
through :math:`W_y`. Optionally it draws the gradient flowing back (backpropagation through time):
one arrow per step whose width grows with :math:`\lVert \partial L / \partial h_t \rVert`, and a
row of bars with the norms.

Pyplot-free: every function returns a :class:`matplotlib.figure.Figure`.
"""

from __future__ import annotations

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import Normalize
from matplotlib.patches import FancyArrowPatch, Rectangle

from .style import CMAP_DIVERGING, PALETTE, get_ax, new_figure

__all__ = ["draw_unrolled", "unrolled_figsize", "plot_training_curves", "STEP", "HIDDEN_NORM"]

STEP = 1.6  # horizontal distance between two steps (data units)
BOX_W = 0.8  # width of the letter and hidden boxes
X_Y, X_H = 0.8, 1.0  # heights of the input (letter) box and the hidden box
Y_X, Y_H, Y_OUT = 0.0, 1.9, 3.55  # centre heights: inputs, hidden states, output
Y_BARS = -1.0  # baseline of the gradient-norm bars
BAR_MAX = 0.75  # height of the tallest bar
HIDDEN_NORM = Normalize(vmin=-1.0, vmax=1.0)  # tanh range, for the heatmap columns
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


def _arrow(ax, start, end, color, lw=1.4, style="-|>", ls="-", mutation=11, zorder=2):
    arrow = FancyArrowPatch(start, end, arrowstyle=style, mutation_scale=mutation, color=color, lw=lw,
                            linestyle=ls, shrinkA=0, shrinkB=0, zorder=zorder)
    ax.add_patch(arrow)
    return arrow


def draw_unrolled(word, hidden=None, prob=None, grad_norms=None, ax=None, colorbar=True, title=None,
                  weight_labels=True):
    r"""Draw a many-to-one RNN unrolled over a word (the essay's Figure 2).

    Parameters
    ----------
    word : str or sequence of str
        The inputs, one letter (or short label) per step; T = its length, T >= 1.
    hidden : array_like, shape (T, H), optional
        The hidden states :math:`h_1 \dots h_T` (e.g. ``model.internals(x)["h"][0]``), drawn as a
        heatmap column per step (blue = -1, white = 0, red = +1). Without it, empty boxes.
    prob : float, optional
        The model's output :math:`P(\text{positive}) = \sigma(y)`, written in the output box and
        shown as its colour.
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
    .. math:: h_t = \tanh(x_t W_x + h_{t-1} W_h + b), \qquad y = h_T W_y + b_y

    The code's ``hs[:, t - 1]`` is :math:`h_t` here (steps are counted from 1; :math:`h_0 = 0`).
    """
    letters = _letters(word)
    T = len(letters)
    if hidden is not None:
        hidden = np.asarray(hidden, dtype=float)
        if hidden.ndim != 2 or hidden.shape[0] != T or hidden.shape[1] < 1:
            raise ValueError(f"hidden must have shape (T, H) = ({T}, H) for a word of {T} letters; "
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

    if ax is None:
        fig, ax = get_ax(figsize=unrolled_figsize(T, grad_norms is not None))
    else:
        fig = ax.figure
        ax.clear()
    ax.set_axis_off()
    ax.set_aspect("equal")

    grey, black = PALETTE["grey"], PALETTE["black"]
    blue, orange, red = PALETTE["blue"], PALETTE["orange"], PALETTE["vermillion"]
    centres = STEP * np.arange(1, T + 1)  # x of step t = 1..T
    hx0, hx1 = Y_H - X_H / 2, Y_H + X_H / 2

    # h_0: the initial state (zeros)
    ax.add_patch(Rectangle((-BOX_W / 2, hx0), BOX_W, X_H, facecolor="white", edgecolor=grey, lw=1.2, ls="--"))
    ax.text(0.0, Y_H, "$h_0$\n$=0$", ha="center", va="center", fontsize=9, color=grey)

    image = None
    for t, (cx, letter) in enumerate(zip(centres, letters), start=1):
        # input box x_t with its letter
        ax.add_patch(Rectangle((cx - BOX_W / 2, Y_X - X_Y / 2), BOX_W, X_Y, facecolor="#f2f2f2",
                               edgecolor=black, lw=1.0))
        ax.text(cx, Y_X, letter, ha="center", va="center", fontsize=13, family="monospace", weight="bold")
        ax.text(cx, Y_X - X_Y / 2 - 0.08, f"$x_{{{t}}}$", ha="center", va="top", fontsize=9)
        # hidden box h_t (heatmap column of its H values when given)
        if hidden is not None:
            image = ax.imshow(hidden[t - 1][:, None], cmap=CMAP_DIVERGING, norm=HIDDEN_NORM, aspect="auto",
                              interpolation="nearest", origin="lower",
                              extent=(cx - BOX_W / 2, cx + BOX_W / 2, hx0, hx1), zorder=1)
        ax.add_patch(Rectangle((cx - BOX_W / 2, hx0), BOX_W, X_H, facecolor="none", edgecolor=blue,
                               lw=1.6, zorder=3))
        last = t == T  # the output arrow leaves from the top of h_T: put its label to the right
        ax.text(cx + BOX_W / 2 + 0.03 if last else cx, hx1 + 0.06, f"$h_{{{t}}}$", ha="left" if last else "center",
                va="bottom", fontsize=9, color=blue)
        # W_x arrow: x_t -> h_t
        _arrow(ax, (cx, Y_X + X_Y / 2), (cx, hx0), black)
        if weight_labels:
            ax.text(cx + 0.07, (Y_X + X_Y / 2 + hx0) / 2, "$W_x$", ha="left", va="center", fontsize=9,
                    color=black)
        # W_h arrow: h_{t-1} -> h_t
        left = cx - STEP + BOX_W / 2
        _arrow(ax, (left, Y_H + 0.18), (cx - BOX_W / 2, Y_H + 0.18), blue)
        if weight_labels:
            ax.text((left + cx - BOX_W / 2) / 2, Y_H + 0.26, "$W_h$", ha="center", va="bottom", fontsize=9,
                    color=blue)

    # output y from h_T
    cT = centres[-1]
    out_face = "white" if prob is None else colormaps[CMAP_DIVERGING](_PROB_NORM(prob))  # blue neg, red pos
    ax.add_patch(Rectangle((cT - 0.75, Y_OUT - 0.35), 1.5, 0.7, facecolor=out_face,
                           edgecolor=orange, lw=2.0, zorder=3))
    out_text = "$y$" if prob is None else f"$P$(pos)\n{prob:.2f}"
    text_colour = black if prob is None or 0.15 < prob < 0.85 else "white"
    ax.text(cT, Y_OUT, out_text, ha="center", va="center", fontsize=9, color=text_colour, zorder=4)
    _arrow(ax, (cT, hx1), (cT, Y_OUT - 0.35), orange)
    ax.text(cT - 0.07, (hx1 + Y_OUT - 0.35) / 2 + 0.05, "$W_y$", ha="right", va="center", fontsize=9, color=orange)

    y_low = Y_X - X_Y / 2 - 0.45
    if grad_norms is not None:
        top = float(grad_norms.max()) or 1.0
        widths = 0.6 + 3.4 * grad_norms / top
        # dL/dy -> h_T, then back along the chain h_T -> h_{T-1} -> ... -> h_0
        _arrow(ax, (cT + 0.25, Y_OUT - 0.35), (cT + 0.25, hx1), red, lw=1.2, ls="--", zorder=4)
        for t in range(T, 0, -1):
            cx = centres[t - 1]
            _arrow(ax, (cx - BOX_W / 2, Y_H - 0.22), (cx - STEP + BOX_W / 2, Y_H - 0.22), red,
                   lw=widths[t - 1], mutation=9 + 2 * widths[t - 1], zorder=4)
            height = BAR_MAX * grad_norms[t - 1] / top
            ax.add_patch(Rectangle((cx - 0.3, Y_BARS - BAR_MAX - 0.05), 0.6, height, facecolor=red,
                                   edgecolor="none"))
            ax.text(cx, Y_BARS - BAR_MAX - 0.05 + height + 0.04, f"{grad_norms[t - 1]:.2g}", ha="center",
                    va="bottom", fontsize=7)
        ax.text(centres[0] - BOX_W / 2 - 0.15, Y_BARS - BAR_MAX / 2, r"$\Vert\partial L/\partial h_t\Vert$",
                ha="right", va="center", fontsize=8, color=red)
        y_low = Y_BARS - BAR_MAX - 0.2
        ax.text(0.0, hx0 - 0.08, "gradient\nflows back", ha="center", va="top", fontsize=7, color=red)

    ax.set_xlim(-BOX_W / 2 - (1.3 if grad_norms is not None else 0.2), cT + 0.95)
    ax.set_ylim(y_low, Y_OUT + 0.5)
    if title is None:
        sep = ":" if T >= 5 else "\n"
        title = f"Many-to-one RNN unrolled over {T} step{'s' if T != 1 else ''}{sep} same $W_x$, $W_h$ at every step"
    ax.set_title(title, fontsize=10)
    if hidden is not None and colorbar and image is not None:
        cbar = fig.colorbar(image, ax=ax, shrink=0.6, pad=0.01)
        cbar.set_label("hidden value $h_t$ (tanh, -1..1)", fontsize=8)
        cbar.ax.tick_params(labelsize=7)
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
    for k, (name, value) in enumerate((baselines or {}).items()):
        ax_acc.axhline(value, color=PALETTE["grey"], ls=":", lw=1.2)
        ax_acc.text(1, value + 0.005, name, fontsize=7, color=PALETTE["grey"], va="bottom")
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("cross-entropy loss (nats)")
    ax_loss.set_title("loss")
    ax_acc.set_xlabel("epoch")
    ax_acc.set_ylabel("accuracy (fraction correct)")
    ax_acc.set_title("accuracy")
    ax_acc.legend(fontsize=7, loc="lower right")
    fig.suptitle(title, fontsize=11)
    return fig
