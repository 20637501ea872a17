"""Explorers of notebook 08: reading both ways, and the GRU.

- :func:`both_ways_explorer`: type a word with one blank (``h_ppy``); the bidirectional reader's
  forward and backward states arrive at the blank (:class:`rnnlib.viz.both_ways_and_gru.BothWaysPlot`),
  and the three readers (left only, right only, both) propose their five likeliest letters, with a
  one-line summary; the true letter is marked when the lexicon has exactly one word that fits.
- :func:`gru_cell_explorer`: sliders for :math:`x_t`, :math:`h_{t-1}` and the three input-side
  biases of a one-unit GRU; the drawn cell (:class:`rnnlib.viz.both_ways_and_gru.GRUCellDiagram`)
  and a one-line summary (:func:`describe_gru_step`) update in place. Presets reach the extremes
  "z = 1: h passes unchanged", "z = 0: h_t = n" and "r = 0: the candidate ignores h_(t-1)".
"""

from __future__ import annotations

import html

import ipywidgets as widgets

from ..lessons.both_ways_and_gru import GRU_EXAMPLE, gru_step_values, read_both_ways, reader_models
from ..model import BlankReader
from ..viz.both_ways_and_gru import READERS, BothWaysPlot, GRUCellDiagram, top_from_probs
from .base import Explorer, FloatSlider, LiveFigure, PresetExplorer, html_to_text

__all__ = []

# === 2. the smudged letter (helper H2) ===

__all__ += ["BothWaysExplorer", "both_ways_explorer", "describe_readers", "fitting_words", "both_ways_benchmark_cases",
            "benchmark_cases"]

MAX_LETTERS = 20
_SHORT = {"left": "left only", "right": "right only", "both": "both"}


def fitting_words(word_with_blank, lexicon):
    """The lexicon's words that fit a word with one blank, e.g. ``"_ad"`` -> ``["bad", "mad", "sad", ...]``.

    Parameters
    ----------
    word_with_blank : str
        Letters a-z and one ``"_"``.
    lexicon : iterable of str

    Returns
    -------
    list of str
        Sorted; the letter at the blank of each is the one it would restore.
    """
    p = word_with_blank.index("_")
    head, tail = word_with_blank[:p], word_with_blank[p + 1:]
    return sorted(w for w in set(lexicon)
                  if len(w) == len(word_with_blank) and w[:p] == head and w[p + 1:] == tail)


def describe_readers(tops, k=5):
    """One line of text: each reader's ``k`` likeliest letters with their probabilities.

    Parameters
    ----------
    tops : dict of str to list of (str, float)
        Reader (``"left"``, ``"right"``, ``"both"``) -> its likeliest letters, likeliest first.
    k : int

    Returns
    -------
    str
        For example ``"left only: a 0.31, e 0.12, ...; right only: ...; both: ..."``.
    """
    return "; ".join(f"{_SHORT[r]}: " + ", ".join(f"{letter} {p:.2f}" for letter, p in tops[r][:k])
                     for r in READERS if r in tops)


class BothWaysExplorer(Explorer):
    """Type a word with one blank; see the states reach the blank and what each reader proposes.

    Controls: ``word`` (Text, updates while typing; letters a-z and exactly one ``"_"``, at most
    :data:`MAX_LETTERS`; capitals and surrounding spaces are forgiven).

    Attributes
    ----------
    models : dict of str to BlankReader
        ``"left"``, ``"right"``, ``"both"``.
    plot : BothWaysPlot
        Its heatmaps show the "both" reader's two directions.
    live : LiveFigure
    summary : ipywidgets.HTML
        Each reader's top five letters with probabilities, and the lexicon's words that fit.
    result : dict
        What is shown: ``word``, ``states`` (``"fwd"``, ``"bwd"``: (T, H)), ``probs`` (reader -> (26,)),
        ``top`` (reader -> five (letter, probability)), ``fits`` (lexicon words), ``truth``.
    """

    def __init__(self, readers, word="h_ppy", lexicon=None):
        self.models = reader_models(readers)
        if hasattr(lexicon, "parts"):  # the lessons' SmudgeData: every word with its part of the split
            lexicon = {w: name for name, part in lexicon.parts.items() for w in part.words}
        self.split_of = dict(lexicon) if isinstance(lexicon, dict) else {w: None for w in (lexicon or ())}
        text = widgets.Text(value=word, description="word", continuous_update=True,
                            placeholder="a word with one blank, e.g. h_ppy", layout=widgets.Layout(width="320px"))
        self.plot = BothWaysPlot(self.models["both"].hidden_size, max_letters=MAX_LETTERS)
        self.summary = widgets.HTML()
        self.result = None
        self._draw(word)
        self.live = LiveFigure(self.plot.fig, render=self.plot.to_png, describe=self.figure_text)
        super().__init__({"word": text}, [text, self.live.image, self.summary])
        self.watch()

    def read(self, word):
        """Run the three readers on a typed word; returns the :attr:`result` dict (nothing drawn)."""
        word = word.strip().lower() if isinstance(word, str) else word  # typed: forgive case and spaces
        if isinstance(word, str) and len(word) > MAX_LETTERS:
            raise ValueError(f"word must have at most {MAX_LETTERS} letters; got {len(word)} ({word!r})")
        r = read_both_ways(self.models, word)
        fits = fitting_words(word, self.split_of) if self.split_of else []
        truth = fits[0][r["p"] - 1] if len(fits) == 1 else None
        return {**r, "top": {name: top_from_probs(p, 5) for name, p in r["probs"].items()}, "fits": fits,
                "truth": truth}

    def _draw(self, word):
        r = self.read(word)
        self.plot.update(r["word"], r["states"]["fwd"], r["states"]["bwd"], r["probs"], truth=r["truth"])
        self.result = r
        self.summary.value = self.describe()

    def figure_text(self):
        """The text alternative of the figure: what it shows, then the summary's text."""
        r = self.result
        return (f"'{r['word']}': heatmaps of the forward states (read from the left) and the backward states "
                f"(read from the right) reaching the blank at letter {r['p']}, and bars of the three readers' "
                f"likeliest letters. " + html_to_text(self.describe()))

    def describe(self):
        """The summary (HTML): the readers' top letters, then what the lexicon says."""
        r = self.result
        line = html.escape(describe_readers(r["top"]))
        if self.split_of:
            fits = r["fits"]
            if not fits:
                line += " &nbsp;|&nbsp; no word of the lexicon fits (a new word for every reader)"
            elif len(fits) == 1:
                where = self.split_of.get(fits[0])
                line += (f" &nbsp;|&nbsp; lexicon: <b>{html.escape(fits[0])}</b> (true letter "
                         f"<b>{html.escape(r['truth'])}</b>" + (f", {html.escape(where)} words" if where else "") + ")")
            else:
                shown = ", ".join(html.escape(w) for w in fits[:8]) + (", ..." if len(fits) > 8 else "")
                line += f" &nbsp;|&nbsp; {len(fits)} lexicon words fit: {shown}"
        return f"<span style='font-size:0.95em'>{line}</span>"

    def render(self):
        self._draw(self.controls["word"].value)
        self.live.redraw()


def both_ways_explorer(readers, word="h_ppy", lexicon=None):
    """Build the smudged-letter explorer.

    Parameters
    ----------
    readers : dict of str to BlankReader (or runs with a ``.model``)
        ``"left"``, ``"right"`` and ``"both"`` readers, trained (for example by the lessons of
        notebook 08); the heatmaps show the "both" reader's forward and backward states.
    word : str
        The word shown first, with one ``"_"``.
    lexicon : SmudgeData, dict of str to str, or iterable of str, optional
        The words (-> their split, ``"train"``, ``"validation"``, ``"test"``; a
        :class:`rnnlib.lessons.both_ways_and_gru.SmudgeData` gives both); when exactly one fits
        the typed word, its letter at the blank is marked as the true one.

    Returns
    -------
    BothWaysExplorer
    """
    return BothWaysExplorer(readers, word=word, lexicon=lexicon)


def both_ways_benchmark_cases():
    """(name, explorer, control, new value) for the lead's latency benchmark (untrained readers, H = 64)."""
    readers = {r: BlankReader(64, cell="rnn", reads=r, seed=0) for r in READERS}
    explorer = both_ways_explorer(readers, word="h_ppy", lexicon=["happy", "hoppy", "sad"])
    return [("both ways: type a word", explorer, "word", "unbelievabl_")]


# === 3. the GRU cell (helper H4) ===

__all__ += ["GRU_PRESETS", "GRUCellExplorer", "gru_cell_explorer", "describe_gru_step", "gru_figure_text",
            "gru_benchmark_cases"]

# preset -> input-side biases (b_xr, b_xz, b_xn); None keeps the current slider value. With the
# explorer's weights (|x_t| <= 3, |h_(t-1)| <= 1) a bias of +-10 puts a gate within 0.002 of 0 or 1.
GRU_PRESETS = {
    "worked example": GRU_EXAMPLE["bx"],
    "z = 1: h passes unchanged": (None, 10.0, None),
    "z = 0: h_t = n, the candidate": (None, -10.0, None),
    "r = 0: the candidate ignores h_(t-1)": (-10.0, None, None),
}

_GRU_STYLE = {"description_width": "150px"}
_GRU_LAYOUT = {"width": "340px"}


def _gru_slider(description, value, lo, hi, step=0.05):
    return FloatSlider(value=value, min=lo, max=hi, step=step, description=description,
                       continuous_update=False, readout_format=".2f", style=_GRU_STYLE,
                       layout=widgets.Layout(**_GRU_LAYOUT))


def describe_gru_step(values):
    r"""One line saying what the update gate did in a GRU step (the explorer's summary).

    Parameters
    ----------
    values : dict
        From :func:`rnnlib.lessons.both_ways_and_gru.gru_step_values` (``z``, ``n``, ``h_prev``, ``h``).

    Returns
    -------
    str
        For example "z = 0.89: h_t keeps 89% of h_(t-1) = 0.20 and takes 11% of the candidate
        n = 0.79, so h_t = 0.11·0.79 + 0.89·0.20 = 0.26.", with what an extreme z means appended.

    Notes
    -----
    .. math:: h_t = (1 - z) \odot n + z \odot h_{t-1}
    """
    missing = [k for k in ("z", "n", "h_prev", "h") if k not in values]
    if missing:
        raise ValueError(f"values must contain 'z', 'n', 'h_prev' and 'h' (from gru_step_values); missing {missing}")
    z, n, h_prev, h = (float(values[k]) for k in ("z", "n", "h_prev", "h"))
    text = (f"z = {z:.2f}: h_t keeps {100 * z:.0f}% of h_(t-1) = {h_prev:.2f} and takes {100 * (1 - z):.0f}% of "
            f"the candidate n = {n:.2f}, so h_t = {1 - z:.2f}·{n:.2f} + {z:.2f}·{h_prev:.2f} = {h:.2f}.")
    if z > 0.99:
        text += f" z ≈ 1: h passes unchanged (h_t − h_(t-1) = {h - h_prev:+.3f}), the way a gradient does too."
    elif z < 0.01:
        text += f" z ≈ 0: h_t is the candidate (h_t − n = {h - n:+.3f}); the old state is forgotten."
    return text.replace("-", "\u2212").replace("h_(t\u22121)", "h_(t-1)")


def gru_figure_text(values):
    """The text alternative of the drawn GRU cell: its inputs, gates, candidate and new state.

    Parameters
    ----------
    values : dict
        From :func:`rnnlib.lessons.both_ways_and_gru.gru_step_values`.

    Returns
    -------
    str
        "The GRU cell (one unit) with x_t = ..., h_(t-1) = ...: reset gate r = ..., " then
        :func:`describe_gru_step`.
    """
    missing = [k for k in ("x", "h_prev", "r") if k not in values]
    if missing:
        raise ValueError(f"values must come from gru_step_values; missing {missing}")
    return (f"The GRU cell (one unit) with x_t = {float(values['x']):.2f}, h_(t-1) = {float(values['h_prev']):.2f}: "
            f"reset gate r = {float(values['r']):.2f}, update gate " + describe_gru_step(values))


class GRUCellExplorer(PresetExplorer):
    r"""One step of a one-unit GRU, drawn, with sliders for its inputs and its input-side biases.

    Parameters
    ----------
    x, h_prev : float
        Initial slider values of :math:`x_t` and :math:`h_{t-1}`.
    Wx, Wh : sequence of 3 float
        Fixed weights of the blocks (order r, z, n).
    bx : sequence of 3 float
        Initial input-side biases :math:`b_{xr}, b_{xz}, b_{xn}` (the sliders).
    bh : sequence of 3 float
        Fixed recurrent-side biases (order r, z, n).

    Attributes
    ----------
    values : dict of str to float
        The last step, from :func:`rnnlib.lessons.both_ways_and_gru.gru_step_values`.
    diagram : rnnlib.viz.both_ways_and_gru.GRUCellDiagram
    summary : ipywidgets.HTML
        :func:`describe_gru_step` of the last step.

    Notes
    -----
    .. math::
        r = \sigma(a_r), \quad z = \sigma(a_z), \quad n = \tanh(a_{xn} + r \odot a_{hn}), \quad
        h_t = (1 - z) \odot n + z \odot h_{t-1}
    """

    presets = GRU_PRESETS
    preset_controls = ("b_r", "b_z", "b_n")

    def __init__(self, x=GRU_EXAMPLE["x"], h_prev=GRU_EXAMPLE["h_prev"], Wx=GRU_EXAMPLE["Wx"], Wh=GRU_EXAMPLE["Wh"],
                 bx=GRU_EXAMPLE["bx"], bh=GRU_EXAMPLE["bh"]):
        self.Wx, self.Wh, self.bh = (tuple(float(w) for w in ws) for ws in (Wx, Wh, bh))
        self.values = gru_step_values(x, h_prev, self.Wx, self.Wh, bx, self.bh)  # also validates
        controls = {
            "x": _gru_slider("input x_t", x, -3.0, 3.0),
            "h_prev": _gru_slider("h_{t-1}", h_prev, -1.0, 1.0),
            "b_r": _gru_slider("reset bias b_xr", bx[0], -10.0, 10.0, 0.1),
            "b_z": _gru_slider("update bias b_xz", bx[1], -10.0, 10.0, 0.1),
            "b_n": _gru_slider("candidate bias b_xn", bx[2], -10.0, 10.0, 0.1),
            "preset": widgets.Dropdown(options=["custom", *GRU_PRESETS], value="custom", description="preset",
                                       style=_GRU_STYLE, layout=widgets.Layout(width="340px")),
        }
        self.diagram = GRUCellDiagram(self.values, title="The GRU cell (one unit): move the sliders")
        self.live = LiveFigure(self.diagram.fig, render=self.diagram.to_png,
                               describe=lambda: gru_figure_text(self.values))
        self.summary = widgets.HTML(html.escape(describe_gru_step(self.values)))
        self.summary.add_class("rnnlib-summary")
        weights = [", ".join(f"{w:g}" for w in ws) for ws in (self.Wx, self.Wh, self.bh)]
        note = widgets.HTML(
            "<small>Pre-activations with fixed W<sub>x</sub> = ({}), W<sub>h</sub> = ({}), b<sub>h</sub> = ({}) "
            "(block order r, z, n): a<sub>r</sub> = x<sub>t</sub> W<sub>xr</sub> + b<sub>xr</sub> + "
            "h<sub>t-1</sub> W<sub>hr</sub> + b<sub>hr</sub>, likewise a<sub>z</sub>; the candidate's parts "
            "a<sub>xn</sub> = x<sub>t</sub> W<sub>xn</sub> + b<sub>xn</sub> and a<sub>hn</sub> = "
            "h<sub>t-1</sub> W<sub>hn</sub> + b<sub>hn</sub>. A block's colour is its value.</small>".format(*weights))
        left = widgets.VBox([controls[k] for k in ("x", "h_prev", "b_r", "b_z", "b_n", "preset")])
        super().__init__(controls, [widgets.HBox([left, self.live.image]), self.summary, note])
        self.watch_presets("x", "h_prev", "b_r", "b_z", "b_n")

    def render(self):
        c = self.controls
        bx = (c["b_r"].value, c["b_z"].value, c["b_n"].value)
        self.values = gru_step_values(c["x"].value, c["h_prev"].value, self.Wx, self.Wh, bx, self.bh)
        self.diagram.set_values(self.values)
        self.summary.value = html.escape(describe_gru_step(self.values))
        self.live.redraw()


def gru_cell_explorer(**kwargs):
    """Build the GRU cell explorer (see :class:`GRUCellExplorer` for the arguments).

    Returns
    -------
    GRUCellExplorer
        An ipywidgets VBox; display it as a cell's last expression.
    """
    return GRUCellExplorer(**kwargs)


def gru_benchmark_cases():
    """(name, explorer, control, new value) for timing one update of each kind of the GRU cell explorer."""
    cell = gru_cell_explorer()
    return [
        ("gru_cell: x", cell, "x", -1.5),
        ("gru_cell: h_prev", cell, "h_prev", -0.7),
        ("gru_cell: b_z", cell, "b_z", -3.0),
        ("gru_cell: preset", cell, "preset", "z = 1: h passes unchanged"),
    ]


def benchmark_cases():
    """Every explorer of notebook 08, for the latency benchmark: the smudged letter's, then the GRU cell's."""
    return both_ways_benchmark_cases() + gru_benchmark_cases()
