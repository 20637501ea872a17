"""The "type a word" twin view: a trained RNN and a trained LSTM read the same word side by side.

:func:`twin_explorer` returns an :class:`~rnnlib.widgets.base.Explorer` with one Text box; every
keystroke runs both models on the word (:func:`rnnlib.lessons.lstm_vs_rnn.word_internals`) and redraws the
heatmaps of :class:`rnnlib.viz.lstm_vs_rnn.TwinStatesPlot` in place.
"""

from __future__ import annotations

import html

import ipywidgets as widgets

from ..data import check_word
from ..lessons.lstm_vs_rnn import WordModels, cell_state_limit, word_internals
from ..model import SequenceClassifier
from ..viz.lstm_vs_rnn import TwinStatesPlot
from .base import Explorer, LiveFigure, html_to_text

__all__ = ["TwinExplorer", "twin_explorer", "benchmark_cases"]

MAX_LETTERS = 20


class TwinExplorer(Explorer):
    """Type a word; see both models' hidden states and gates letter by letter, and their P(positive).

    Attributes
    ----------
    controls : dict
        ``"word"``: a Text box (``continuous_update=True``: updates on every keystroke).
    live : LiveFigure
    info : ipywidgets.HTML
        Both P(positive) values and, if the word is in the lexicon, its human rating and split.
    """

    def __init__(self, rnn_model, lstm_model, word="wonderful", split_of=None, valence=None, c_limit=2.0):
        for name, model, cell in (("rnn_model", rnn_model, "rnn"), ("lstm_model", lstm_model, "lstm")):
            if not isinstance(model, SequenceClassifier) or model.cell != cell or model.input_size != 26:
                raise ValueError(f"{name} must be a SequenceClassifier with cell={cell!r} on one-hot letters "
                                 f"(input_size=26); got {model!r}")
        self.models = {"rnn": rnn_model, "lstm": lstm_model}
        self.split_of = dict(split_of or {})
        self.valence = dict(valence or {})
        text = widgets.Text(value=word, description="word", continuous_update=True,
                            placeholder="type a word (letters a-z)", layout=widgets.Layout(width="320px"))
        self.plot = TwinStatesPlot((rnn_model.hidden_size, lstm_model.hidden_size), c_limit=c_limit,
                                   max_letters=MAX_LETTERS)
        self.info = widgets.HTML()
        self._draw(check_word(word, MAX_LETTERS))
        self.live = LiveFigure(self.plot.fig, render=self.plot.to_png, describe=self.figure_text)
        super().__init__({"word": text}, [widgets.HBox([text, self.info]), self.live.image])
        self.watch()

    def _draw(self, word):
        rnn_states, p_rnn = word_internals(self.models["rnn"], word)
        lstm_states, p_lstm = word_internals(self.models["lstm"], word)
        self.plot.update(word, rnn_states, lstm_states, p_rnn, p_lstm)
        self._word = word
        self.info.value = self.describe(word, p_rnn, p_lstm)

    def figure_text(self):
        """The text alternative of the figure: the word, what the heatmaps show, both predictions."""
        return (f"Heatmaps, unit by letter, of '{self._word}' as the two models read it: the RNN's hidden state h, "
                "then the LSTM's h, candidate g, cell state c and gates i, f, o. " + html_to_text(self.info.value))

    def describe(self, word, p_rnn, p_lstm):
        """One line of HTML: both predictions and what the lexicon says about the word."""
        line = f"P(positive): RNN <b>{p_rnn:.2f}</b>, LSTM <b>{p_lstm:.2f}</b>"
        if word in self.valence:
            v = self.valence[word]
            label = "positive" if v > 0 else "negative"
            where = self.split_of.get(word)
            line += (f" &nbsp;|&nbsp; lexicon: {html.escape(word)} rated {v:+.1f} ({label})"
                     + (f", in the {where} split" if where else ""))
        elif self.valence:
            line += " &nbsp;|&nbsp; not in the data set (a new word for both models)"
        return f"<span style='font-size:0.95em'>{line}</span>"

    def render(self):
        word = check_word(self.controls["word"].value.strip().lower(), MAX_LETTERS)  # typed: forgive case
        self._draw(word)
        self.live.redraw()


def twin_explorer(models, word="wonderful", split_of=None, valence=None, c_limit=None):
    """Build the twin view.

    Parameters
    ----------
    models : WordModels or dict
        From :func:`rnnlib.lessons.lstm_vs_rnn.train_word_models` (then ``split_of`` and ``valence`` come
        with it), or ``{"rnn": SequenceClassifier, "lstm": SequenceClassifier}``.
    word : str
        The word shown first.
    split_of, valence : dict, optional
        Word -> split name, word -> human rating, shown next to the predictions.
    c_limit : float, optional
        Colour range of the cell state; default: from the LSTM's cell states on the lexicon's
        words when ``split_of`` is known (:func:`rnnlib.lessons.lstm_vs_rnn.cell_state_limit`), else 2.

    Returns
    -------
    TwinExplorer
    """
    if isinstance(models, WordModels):
        split_of = models.split_of if split_of is None else split_of
        valence = models.valence if valence is None else valence
        models = models.models
    if not isinstance(models, dict) or set(models) != {"rnn", "lstm"}:
        raise ValueError(f"models must be a WordModels or a dict with keys 'rnn' and 'lstm'; got {models!r}")
    if c_limit is None:
        c_limit = cell_state_limit(models["lstm"], sorted(split_of)) if split_of else 2.0
    return TwinExplorer(models["rnn"], models["lstm"], word=word, split_of=split_of, valence=valence,
                        c_limit=c_limit)


def benchmark_cases():
    """(name, explorer, control, new value) for the lead's latency benchmark (untrained models)."""
    models = {"rnn": SequenceClassifier(26, 32, cell="rnn", seed=0),
              "lstm": SequenceClassifier(26, 32, cell="lstm", seed=0)}
    explorer = twin_explorer(models, word="wonderful")
    return [("twin: type a word", explorer, "word", "hopelessness")]
