r"""Explorer of notebook 02: type a word, move through its steps, see every term of the recurrence.

::

    from rnnlib.widgets.rnn_recurrence import recurrence_explorer
    recurrence_explorer()            # one-line notebook cell

Controls: ``word`` (a text box with example words; any lower-case a-z word works) and ``t``
(the step, 1..T, its maximum follows the word's length; a play button steps through the word).
The figure's text alternative (:func:`recurrence_figure_text`) says the step, the letter and h_t.
Shown: the bars of :math:`x_t W_x`, :math:`h_{t-1} W_h`, :math:`b`, :math:`a_t` and
:math:`h_t = \tanh(a_t)`, a heatmap of :math:`h_1 \dots h_t`, and the same numbers as a table
(with the read-out score :math:`s = h_T W_y + b_y` at the last step). An invalid word (upper case,
digits, empty) shows a message in the widget instead of raising.
"""

from __future__ import annotations

import html

import ipywidgets as widgets
import numpy as np

from ..activations import sigmoid
from ..data import check_word, word_sentiment_data
from ..lessons.rnn_recurrence import demo_parameters, word_steps
from ..losses import affine_forward
from ..viz.rnn_recurrence import TERM_COLOURS, TERMS, WORD_STEPS_FIGSIZE, WordStepsFigure
from .base import Explorer, IntSlider, LiveFigure, StepPlayer

__all__ = ["RecurrenceExplorer", "recurrence_explorer", "recurrence_figure_text", "benchmark_cases",
           "EXAMPLE_WORDS", "MAX_LETTERS"]

EXAMPLE_WORDS = ("good", "hope", "bad", "love", "hate", "joy", "sad", "great", "awful", "hopeless", "wonderful")
MAX_LETTERS = 20  # the longest lexicon word has 19 letters; longer ones would not fit the heatmap
_ROW_NAMES = {
    "x_Wx": "x<sub>t</sub> W<sub>x</sub>",
    "h_Wh": "+ h<sub>t-1</sub> W<sub>h</sub>",
    "b": "+ b",
    "a": "= a<sub>t</sub>",
    "h": "h<sub>t</sub> = tanh(a<sub>t</sub>)",
}


def _vector(values):
    return "(" + ", ".join(f"{v:.2f}" for v in values) + ")"


def recurrence_figure_text(steps, t):
    """The text alternative of the explorer's figure: what it shows at step ``t``.

    Parameters
    ----------
    steps : rnnlib.lessons.rnn_recurrence.WordSteps
        The word's intermediates.
    t : int
        The step shown, 1..T.

    Returns
    -------
    str
        For example "Step t = 2 of 'good', letter 'o': bars of the terms of a_t for each of the 4
        units, a_t = (...) and h_t = tanh(a_t) = (...); heatmap of h_1 to h_2."
    """
    s = steps.step(t)  # also checks t
    return (f"Step t = {t} of {steps.T} of '{steps.word}', letter '{steps.word[t - 1]}': bars of x_t W_x, "
            f"h_(t-1) W_h and b for each of the {steps.H} units, their sum a_t = {_vector(s.a)} and "
            f"h_t = tanh(a_t) = {_vector(s.h)}; heatmap of the states h_1 to h_{t}.")


def _lexicon():
    data = word_sentiment_data()
    return {w: float(v) for w, v in zip(data.words, data.valence, strict=True)}


class RecurrenceExplorer(Explorer):
    """See :func:`recurrence_explorer`.

    Attributes
    ----------
    controls : dict
        ``"word"`` (Combobox) and ``"t"`` (IntSlider).
    live : LiveFigure
        The figure (bars of step t, heatmap of the states so far).
    numbers : ipywidgets.HTML
        The same values as a table (4 decimals) and the read-out score at the last step.
    steps : rnnlib.lessons.rnn_recurrence.WordSteps
        The intermediates of the word shown.
    """

    def __init__(self, params, word, t, figsize, dpi):
        self.params = params
        self._lexicon = _lexicon()
        word = check_word(word, MAX_LETTERS)
        self.steps = word_steps(word, params["Wx"], params["Wh"], params["b"])
        t = int(np.clip(t, 1, self.steps.T))
        word_box = widgets.Combobox(value=word, options=list(EXAMPLE_WORDS), ensure_option=False,
                                    description="word", placeholder="lower-case letters a-z",
                                    continuous_update=False, layout=widgets.Layout(width="260px"))
        step = IntSlider(value=t, min=1, max=self.steps.T, description="step t",
                         continuous_update=True, layout=widgets.Layout(width="340px"))
        self.player = StepPlayer(step, 0.9, "read the word letter by letter")
        self.painter = WordStepsFigure(self.steps, t, figsize=figsize, dpi=dpi)
        self.live = LiveFigure(self.painter.fig, render=self.painter.to_png,
                               describe=lambda: recurrence_figure_text(self.steps, step.value))
        self.numbers = widgets.HTML()
        hint = widgets.HTML("<small>Type a word and press Enter (or pick an example); move the step or press "
                            "play.</small>")
        controls = widgets.HBox([word_box, step, self.player.button])
        self._syncing = False
        super().__init__({"word": word_box, "t": step}, [hint, controls, self.live.image, self.numbers])
        self.watch()
        self.update()

    def _on_change(self, change):
        if not self._syncing:  # a maximum clamped by a new word is not a second update
            self.update()

    def render(self):
        raw = self.controls["word"].value
        try:
            word = check_word(raw.strip() if isinstance(raw, str) else raw, MAX_LETTERS)
        except ValueError:
            self.numbers.value = ""
            raise
        if word != self.steps.word:
            p = self.params
            self.steps = word_steps(word, p["Wx"], p["Wh"], p["b"])
            self._syncing = True
            try:  # the slider's maximum follows the word's length
                slider = self.controls["t"]
                if slider.value > self.steps.T:
                    slider.value = self.steps.T
                slider.max = self.steps.T
            finally:
                self._syncing = False
        t = self.controls["t"].value
        self.painter.update(self.steps, t)
        self.live.redraw()
        self.numbers.value = self._table(t)

    def _table(self, t):
        s = self.steps.step(t)
        H = self.steps.H
        head = "".join(f"<th style='padding:0 8px'>j = {j + 1}</th>" for j in range(H))
        rows = []
        for name in TERMS:
            cells = "".join(f"<td style='padding:0 8px;text-align:right'>{v:.4f}</td>" for v in getattr(s, name))
            rows.append(f"<tr><td style='color:{TERM_COLOURS[name]};font-weight:bold;padding-right:12px'>"
                        f"{_ROW_NAMES[name]}</td>{cells}</tr>")
        letter = self.steps.word[t - 1]
        lines = [f"<b>Step t = {t}</b> reads the letter <b>'{letter}'</b> (its one-hot x<sub>t</sub> picks row "
                 f"'{letter}' of W<sub>x</sub>); h<sub>t-1</sub> is "
                 + ("h<sub>0</sub> = 0, so the recurrent term is 0." if t == 1 else f"h<sub>{t - 1}</sub>.")]
        if t == self.steps.T:
            s, _ = affine_forward(self.steps.h[-1:], self.params["Wy"], self.params["by"])  # (1, 1)
            lines.append(f"Last step: s = h<sub>T</sub> W<sub>y</sub> + b<sub>y</sub> = {s[0, 0]:.4f}, "
                         f"P(positive) = &sigma;(s) = {sigmoid(s[0, 0]):.4f} (untrained weights: no real "
                         "opinion yet).")
        valence = self._lexicon.get(self.steps.word)
        if valence is None:
            lines.append(f"'{html.escape(self.steps.word)}' is not in the word-sentiment data set.")
        else:
            label = "positive" if valence > 0 else "negative"
            lines.append(f"In the data set: {label} (mean human rating {valence:+.1f} on -4..+4).")
        return ("<table style='font-family:monospace;font-size:12px;border-collapse:collapse'>"
                f"<tr><th></th>{head}</tr>{''.join(rows)}</table>"
                + "".join(f"<div style='font-size:12px'>{line}</div>" for line in lines))


def recurrence_explorer(word="good", t=2, hidden_size=4, seed=0, params=None, figsize=WORD_STEPS_FIGSIZE, dpi=80):
    r"""Explore :math:`h_t = \tanh(x_t W_x + h_{t-1} W_h + b)` step by step on a word.

    Parameters
    ----------
    word : str
        Initial word (lower-case a-z, at most :data:`MAX_LETTERS` letters).
    t : int
        Initial step (clipped to 1..len(word)).
    hidden_size : int
        H of the demo model (ignored when ``params`` is given).
    seed : int
        Seed of the demo model (see :func:`rnnlib.lessons.rnn_recurrence.demo_parameters`).
    params : dict, optional
        ``Wx`` (26, H), ``Wh`` (H, H), ``b`` (H,), ``Wy`` (H, 1), ``by`` (1,), e.g. a trained
        ``SequenceClassifier(...).params``.
    figsize : tuple of float
    dpi : int

    Returns
    -------
    RecurrenceExplorer
        The widget (not displayed).
    """
    if params is None:
        params = demo_parameters(hidden_size, seed)
    else:
        missing = {"Wx", "Wh", "b", "Wy", "by"} - set(params)
        if missing:
            raise ValueError(f"params must hold Wx, Wh, b, Wy and by; got keys {sorted(params)} "
                             f"(missing {sorted(missing)})")
        if np.shape(params["Wx"])[0] != 26:
            raise ValueError(f"params['Wx'] must have 26 rows (one per letter a-z); got shape "
                             f"{np.shape(params['Wx'])}")
    return RecurrenceExplorer(params, word, t, figsize, dpi)


def benchmark_cases():
    """Cases for the latency benchmark: (name, explorer, control name, new value), all valid updates."""
    return [
        ("recurrence: step slider", recurrence_explorer(word="hopeless", t=2), "t", 6),
        ("recurrence: new word", recurrence_explorer(word="good", t=2), "word", "wonderful"),
    ]
