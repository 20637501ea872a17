"""Explorer for notebook 03: type a word, watch the trained many-to-one RNN read it letter by letter.

The unrolled diagram (:func:`rnnlib.viz.unrolled_many_to_one.draw_unrolled`) shows each step's hidden state as a
heatmap column and the predicted P(positive) in the output box; a checkbox adds the gradient
flowing back through time, :math:`\\lVert \\partial L / \\partial h_t \\rVert`, for the loss of the word's
lexicon label when the explorer is given the lexicon (else for ``label``).
"""

from __future__ import annotations

import ipywidgets as widgets
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.figure import Figure

from ..data import check_word
from ..lessons.unrolled_many_to_one import unrolled_trace
from ..model import SequenceClassifier
from ..viz.style import CMAP_DIVERGING, canvas_to_png, figure_to_png, new_figure
from ..viz.unrolled_many_to_one import COLORBAR_LABEL, HIDDEN_NORM, UnrolledDiagram
from .base import Explorer, FigureImage, LiveFigure

__all__ = ["UnrolledExplorer", "unrolled_explorer", "unrolled_figure_text", "benchmark_cases", "MAX_LETTERS"]

MAX_LETTERS = 14


def unrolled_figure_text(word, prob, grad_norms=None):
    r"""The text alternative of the unrolled diagram: the word, the prediction, the gradient's path.

    Parameters
    ----------
    word : str
    prob : float
        P(positive) read out after the last letter.
    grad_norms : array-like of shape (T,), optional
        :math:`\lVert \partial L / \partial h_t \rVert` for t = 1..T, when the gradient is drawn.

    Returns
    -------
    str
    """
    T = len(word)
    text = (f"The RNN unrolled over the {T} letters of '{word}': one column of hidden state h_t per letter, "
            f"the last state read out as P(positive) = {float(prob):.2f}.")
    if grad_norms is not None:
        g = [float(v) for v in grad_norms]
        if len(g) != T:
            raise ValueError(f"grad_norms must have one value per letter ({T}); got {len(g)}")
        text += (f" The gradient flowing back: |dL/dh_t| = {g[-1]:.2g} at the last step t = {T} and "
                 f"{g[0]:.2g} at the first step.")
    return text


class UnrolledExplorer(Explorer):
    """The unrolled network of a trained :class:`~rnnlib.model.SequenceClassifier` on a typed word.

    Controls: ``word`` (Text, updates while typing), ``gradient`` (Checkbox: draw BPTT).
    """

    def __init__(self, model, word="hopeless", show_gradient=False, label=1, lexicon=None):
        if not isinstance(model, SequenceClassifier) or model.cell != "rnn" or model.n_classes != 1:
            raise ValueError(f"model must be a binary SequenceClassifier with cell='rnn'; got {model!r}")
        if model.input_size != 26:
            raise ValueError(f"model must read one-hot letters (input_size 26); got input_size {model.input_size}")
        if label not in (0, 1):
            raise ValueError(f"label must be 0 or 1; got {label!r}")
        self.model = model
        self.label = int(label)
        self.lexicon = _check_lexicon(lexicon)
        controls = {
            "word": widgets.Text(value=word, description="word", continuous_update=True,
                                 placeholder="type a word, a-z"),
            "gradient": widgets.Checkbox(value=bool(show_gradient), description="show the gradient flowing back"),
        }
        # Speed: a Figure without layout engine (a layout pass measures every text), one persistent
        # Agg canvas (its renderer keeps the parsed math labels), one draw per PNG, and the colour
        # bar in a separate image drawn once (tick labels are costly to redraw).
        self.fig = Figure(figsize=(9.4, 3.9), dpi=80)
        self.canvas = FigureCanvasAgg(self.fig)
        self.ax = self.fig.add_axes((0.01, 0.01, 0.98, 0.9))
        self.diagram = UnrolledDiagram(self.ax, MAX_LETTERS, hidden_size=model.hidden_size)
        self._shown = None  # (word, prob, grad_norms) drawn now, for the text alternative
        self.live = LiveFigure(self.fig, render=self._png,
                               describe=lambda: unrolled_figure_text(*self._shown) if self._shown
                               else "The RNN unrolled over a word (drawing...)")
        self.colorbar = FigureImage(value=figure_to_png(_colorbar_figure()), format="png",
                                    tooltip="Colour scale of the hidden values h_t (tanh): blue -1, white 0, "
                                            "red +1")
        self.readout = widgets.HTML()
        body = [widgets.HBox([controls["word"], controls["gradient"]]),
                widgets.HBox([self.live.image, self.colorbar]), self.readout]
        super().__init__(controls, body)
        self.watch()
        self.update()

    def _png(self):
        self.canvas.draw()
        return canvas_to_png(self.canvas)

    def render(self):
        word = check_word(self.controls["word"].value.strip().lower(), MAX_LETTERS)  # typed: forgive case
        label, source = self.label_for(word)
        trace = unrolled_trace(self.model, word, label if self.controls["gradient"].value else None)
        prob, grad_norms = trace["prob"], trace.get("grad_norms")
        self.diagram.update(word, **trace, title=f"'{word}': hidden states and P(positive) = {prob:.2f}")
        self._shown = (word, prob, grad_norms)
        self.live.redraw()
        verdict = "positive" if prob > 0.5 else "negative"
        self.readout.value = (f"<b>{word}</b>: P(positive) = {prob:.3f} &rarr; the model says <b>{verdict}</b>"
                              + (f"; gradient shown for the loss with label y = {label} "
                                 f"({'positive' if label else 'negative'}, {source})"
                                 if grad_norms is not None else ""))

    def label_for(self, word):
        """The label whose loss the gradient view backpropagates: (label, where it comes from)."""
        if self.lexicon is not None and word in self.lexicon:
            return self.lexicon[word], "the word's lexicon label"
        return self.label, ("not in the lexicon, so the default label" if self.lexicon is not None
                            else "the explorer's label")


def _check_lexicon(lexicon):
    """None, or a dict word -> label 0/1."""
    if lexicon is None:
        return None
    try:
        items = dict(lexicon).items()
    except (TypeError, ValueError):
        raise ValueError(f"lexicon must map words to labels 0/1; got {type(lexicon).__name__}") from None
    checked = {}
    for w, y in items:
        if not isinstance(w, str) or y not in (0, 1):
            raise ValueError(f"lexicon must map words (str) to labels 0 or 1; got {w!r}: {y!r}")
        checked[w] = int(y)
    return checked


def _colorbar_figure():
    fig = new_figure(figsize=(1.3, 3.9), dpi=80)
    cax = fig.add_axes((0.1, 0.15, 0.14, 0.7))
    fig.set_layout_engine("none")
    cbar = fig.colorbar(ScalarMappable(norm=HIDDEN_NORM, cmap=CMAP_DIVERGING), cax=cax)
    cbar.set_ticks([-1.0, -0.5, 0.0, 0.5, 1.0])
    cbar.set_label(COLORBAR_LABEL, fontsize=10)
    cbar.ax.tick_params(labelsize=10)
    return fig


def unrolled_explorer(model, word="hopeless", show_gradient=False, label=1, lexicon=None):
    """Build the unrolled-network explorer for a trained many-to-one RNN.

    Parameters
    ----------
    model : SequenceClassifier
        A trained binary model with ``cell="rnn"`` on one-hot letters (26 inputs).
    word : str
        The word shown first.
    show_gradient : bool
        Start with the BPTT gradient drawn.
    label : {0, 1}
        The label whose loss is backpropagated for the gradient view (1 = positive), for a word
        that is not in ``lexicon``.
    lexicon : mapping of str to {0, 1}, optional
        Labels of known words, e.g. ``dict(zip(data.words, data.labels))``: the gradient view of a
        word in it backpropagates the loss for its own label. The read-out says which label is used.

    Returns
    -------
    UnrolledExplorer
    """
    return UnrolledExplorer(model, word, show_gradient, label, lexicon)


def benchmark_cases():
    """(name, explorer, control, new value) tuples for the lead's latency benchmark."""
    model = SequenceClassifier(26, 32, cell="rnn", seed=0)
    explorer = unrolled_explorer(model, "hopeless")
    grad = unrolled_explorer(model, "hopeless", show_gradient=True)
    return [
        ("unrolled: type a letter", explorer, "word", "hopelessl"),
        ("unrolled: long word", explorer, "word", "hopelessness"),
        ("unrolled: gradient on", explorer, "gradient", True),
        ("unrolled: type with gradient", grad, "word", "helpless"),
    ]
