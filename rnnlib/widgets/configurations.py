"""Explorers of notebook 07: the configurations, and a language model writing a word.

- :func:`configurations_explorer`: pick a configuration and type a word; the unrolled diagram
  (:class:`rnnlib.viz.configurations.ConfigurationDiagram`) shows which steps read an input, which
  produce an output, what sets h_0 and which steps carry a loss term, with a one-line summary.
- :func:`writing_explorer`: a trained :class:`~rnnlib.model.CharLanguageModel` writes a word with
  a temperature, a seed, an optional prefix (and a condition for a conditioned model); a step
  slider walks through the written word, and :class:`rnnlib.viz.configurations.WritingPlot`
  shows every step's next-letter distribution and the selected step's likeliest letters.
"""

from __future__ import annotations

import html

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..data import END, LM_SYMBOLS, START, check_word
from ..lessons.configurations import CONFIGURATIONS, configuration_steps
from ..model import CharLanguageModel
from ..viz.configurations import ConfigurationDiagram, WritingPlot
from ..viz.style import canvas_to_png
from .base import Explorer, FloatSlider, IntSlider, LiveFigure, StepPlayer, html_to_text

__all__ = ["ConfigurationsExplorer", "configurations_explorer", "WritingExplorer", "writing_explorer",
           "written_word", "benchmark_cases", "MAX_LETTERS"]

MAX_LETTERS = 8  # the encoder-decoder of an 8-letter word has 2 * 8 + 1 = 17 steps
_LABELS = {"one_to_one": "one-to-one", "many_to_one": "many-to-one", "one_to_many": "one-to-many",
           "many_to_many": "many-to-many (same length)", "encoder_decoder": "many-to-many (encoder-decoder)"}


class ConfigurationsExplorer(Explorer):
    """Pick a configuration and type a word: which steps read, which answer, which carry a loss term.

    Controls: ``configuration`` (Dropdown of :data:`rnnlib.lessons.configurations.CONFIGURATIONS`),
    ``word`` (Text, updates while typing; at most :data:`MAX_LETTERS` letters).

    Attributes
    ----------
    diagram : ConfigurationDiagram
    live : LiveFigure
    summary : ipywidgets.HTML
        One line: the inputs, the outputs (targets) and the loss terms of the configuration.
    steps : ConfigurationSteps
        What is drawn now.
    """

    def __init__(self, word="joy", configuration="many_to_one"):
        if configuration not in CONFIGURATIONS:
            raise ValueError(f"configuration must be one of {CONFIGURATIONS}; got {configuration!r}")
        controls = {
            "configuration": widgets.Dropdown(options=[(_LABELS[c], c) for c in CONFIGURATIONS], value=configuration,
                                              description="configuration", style={"description_width": "initial"},
                                              layout=widgets.Layout(width="360px")),
            "word": widgets.Text(value=word, description="word", continuous_update=True,
                                 placeholder=f"a word, a-z, at most {MAX_LETTERS} letters",
                                 layout=widgets.Layout(width="260px")),
        }
        # no layout engine, one persistent Agg canvas: a redraw measures no layout
        self.fig = Figure(figsize=(10.0, 2.9), dpi=80)
        self.canvas = FigureCanvasAgg(self.fig)
        ax = self.fig.add_axes((0.01, 0.02, 0.98, 0.8))
        self.diagram = ConfigurationDiagram(ax, 2 * MAX_LETTERS + 1, min_columns=9)
        self.summary = widgets.HTML()
        self.steps = None
        self._render_now(configuration, word)
        self.live = LiveFigure(self.fig, render=self._png,
                               describe=lambda: "The unrolled network: " + html_to_text(self.summary.value))
        super().__init__(controls, [widgets.HBox([controls["configuration"], controls["word"]]), self.live.image,
                                    self.summary])
        self.watch()

    def _png(self):
        self.canvas.draw()
        return canvas_to_png(self.canvas)

    def _render_now(self, name, word):
        word = check_word(str(word).strip().lower(), MAX_LETTERS)  # typed: forgive case and spaces
        steps = configuration_steps(name, word)
        self.diagram.update(steps)
        self.steps = steps
        self.summary.value = describe_configuration(steps)

    def render(self):
        self._render_now(self.controls["configuration"].value, self.controls["word"].value)
        self.live.redraw()


def describe_configuration(steps):
    """One line of HTML: the steps that read an input, the outputs and their targets, the loss terms."""
    def listing(ts, values):
        return ", ".join(f"{html.escape(str(values[t - 1]))} (t = {t})" for t in ts)

    ins = [t for t, x in enumerate(steps.inputs, start=1) if x is not None]
    outs = [t for t, y in enumerate(steps.outputs, start=1) if y is not None]
    n = len(steps.loss_terms)
    terms = " + ".join(f"L<sub>{t}</sub>" for t in steps.loss_terms)
    return (f"<b>{html.escape(steps.title)}</b> on <b>{html.escape(steps.word)}</b>: T = {steps.T}; "
            f"h<sub>0</sub> = {html.escape(steps.initial)}; inputs: {listing(ins, steps.inputs) or 'none'}; "
            f"outputs (targets): {listing(outs, steps.outputs)}; "
            f"{n} loss term{'s' if n != 1 else ''}: L = {terms}")


def configurations_explorer(word="joy", configuration="many_to_one"):
    """Build the configurations explorer.

    Parameters
    ----------
    word : str
        The word shown first (a-z, at most :data:`MAX_LETTERS` letters).
    configuration : str
        One of :data:`rnnlib.lessons.configurations.CONFIGURATIONS`.

    Returns
    -------
    ConfigurationsExplorer
    """
    return ConfigurationsExplorer(word, configuration)


# --- writing a word --------------------------------------------------------------------------------

def written_word(model, temperature=1.0, seed=0, prefix="", condition=None, max_len=20):
    r"""Let a language model write one word, keeping every step's next-symbol distribution.

    Parameters
    ----------
    model : CharLanguageModel
        On :data:`rnnlib.data.LM_SYMBOLS` (V = 28).
    temperature : float, >= 0
        0 is greedy.
    seed : int
        Seeds the one ``numpy.random.default_rng`` that draws the letters.
    prefix : str
        Letters a-z imposed after ``<start>``; the model continues from them.
    condition : int, optional
        The label that sets h_0, for a model with ``n_conditions >= 1``.
    max_len : int
        At most this many letters (the prefix included).

    Returns
    -------
    dict
        ``word`` (str), ``probs`` (K, V): row t - 1 is :math:`\mathrm{softmax}(s_t / \tau)` at step
        t, ``chosen`` (K,): the symbol written at step t (the last is ``<end>`` when the model
        ended the word), ``n_imposed`` (= len(prefix)), ``ended`` (bool), and the settings.
    """
    ids, probs = model.sample(np.random.default_rng(seed), max_len, temperature, start_id=START, end_id=END,
                              prefix_ids=[LM_SYMBOLS.index(c) for c in prefix], condition=condition,
                              return_probs=True)
    ended = probs.shape[0] > len(ids)
    chosen = np.array(ids + ([END] if ended else []), dtype=int)
    word = "".join(LM_SYMBOLS[i] for i in ids)
    return {"word": word, "probs": probs, "chosen": chosen, "n_imposed": len(prefix), "ended": ended,
            "temperature": float(temperature), "seed": int(seed), "prefix": prefix, "condition": condition,
            "max_len": int(max_len)}


def _condition_names(n):
    return ("negative", "positive") if n == 2 else tuple(f"condition {k}" for k in range(n))


class WritingExplorer(Explorer):
    """A language model writes a word; walk through its steps and see each next-letter distribution.

    Controls: ``temperature`` (FloatSlider 0 (greedy) .. 2), ``seed`` (IntText), ``prefix`` (Text,
    letters imposed after ``<start>``), ``condition`` (Dropdown, only for a model with
    ``n_conditions``), ``step`` (IntSlider over the steps of the written word; a new word, from
    any other control, moves it to the word's last step; moving it alone writes no new word; a play
    button next to it walks through the steps).

    Attributes
    ----------
    plot : WritingPlot
    live : LiveFigure
    summary : ipywidgets.HTML
        The word, the temperature, the seed, and the selected step's likeliest symbols (at most
        three, only those with probability above 0: at temperature 0, the argmax alone).
    result : dict
        The last :func:`written_word` result.
    """

    def __init__(self, model, temperature=1.0, seed=0, prefix="", condition=None, max_len=20):
        if not isinstance(model, CharLanguageModel) or model.vocab_size != len(LM_SYMBOLS):
            raise ValueError(f"model must be a CharLanguageModel on LM_SYMBOLS (vocab_size {len(LM_SYMBOLS)}); "
                             f"got {model!r}")
        if isinstance(max_len, bool) or not isinstance(max_len, (int, np.integer)) or not 1 <= max_len <= 40:
            raise ValueError(f"max_len must be an integer in [1, 40]; got {max_len!r}")
        self.model = model
        self.max_len = int(max_len)
        controls = {
            "temperature": FloatSlider(value=float(temperature), min=0.0, max=2.0, step=0.05,
                                       description="temperature", readout_format=".2f",
                                       continuous_update=True, style={"description_width": "initial"}),
            "seed": widgets.IntText(value=int(seed), description="seed", layout=widgets.Layout(width="160px")),
            "prefix": widgets.Text(value=prefix, description="prefix", continuous_update=True,
                                   placeholder="letters imposed first (optional)",
                                   layout=widgets.Layout(width="280px")),
        }
        if model.n_conditions:
            names = _condition_names(model.n_conditions)
            value = 0 if condition is None else condition
            controls["condition"] = widgets.Dropdown(options=[(nm, k) for k, nm in enumerate(names)], value=value,
                                                     description="h_0 from")
        elif condition is not None:
            raise ValueError(f"condition must be None for a model without conditions (n_conditions = 0); "
                             f"got {condition!r}")
        controls["step"] = IntSlider(value=1, min=1, max=1, description="step t", continuous_update=True)
        self.player = StepPlayer(controls["step"], 0.7, "walk through the written word's steps")
        self.plot = WritingPlot(max_steps=self.max_len + 1)
        self.summary = widgets.HTML()
        self.result = None
        self._key = None
        self._busy = False
        self.controls = controls
        self._render_now()  # a new word: the step slider starts on its last step, the whole word written
        self.live = LiveFigure(self.plot.fig, render=self.plot.to_png, describe=self.figure_text)
        rows = [widgets.HBox([controls["temperature"], controls["seed"]]),
                widgets.HBox([controls["prefix"]] + ([controls["condition"]] if "condition" in controls else [])),
                widgets.HBox([self.player.button, controls["step"]]), self.live.image, self.summary]
        super().__init__(controls, rows)
        self.watch()

    def settings(self):
        """The controls' values, checked: (temperature, seed, prefix, condition)."""
        c = self.controls
        prefix = c["prefix"].value.strip().lower()
        if prefix:
            check_word(prefix, self.max_len, name="prefix")
        condition = c["condition"].value if "condition" in c else None
        return float(c["temperature"].value), int(c["seed"].value), prefix, condition

    def _render_now(self):
        key = self.settings()
        if key != self._key:  # a new word: write it, fit the step slider to it and move it to the last step
            self.result = written_word(self.model, *key, max_len=self.max_len)
            self._key = key
            K = self.result["probs"].shape[0]
            step = self.controls["step"]
            self._busy = True  # moving the slider's range must not start a second update
            try:
                step.max = max(K, step.min)
                step.value = step.max
            finally:
                self._busy = False
        r = self.result
        step = int(self.controls["step"].value)
        temperature, seed, prefix, condition = key
        cond = "" if condition is None else f", h_0 from {_condition_names(self.model.n_conditions)[condition]}"
        title = (f"{self.model.cell.upper()} writes '{r['word']}' (temperature {temperature:.2f}, seed {seed}"
                 + (f", prefix '{prefix}'" if prefix else "") + cond + ")")
        self.plot.update(r["probs"], r["chosen"], r["n_imposed"], step, title=title)
        self.summary.value = self.describe(step)

    def figure_text(self):
        """The text alternative of the figure: what it plots, then the selected step's summary."""
        return (f"Next-letter probabilities at each of the {self.result['probs'].shape[0]} steps of the written word, "
                f"the selected step's likeliest letters beside them. " + html_to_text(self.summary.value))

    def describe(self, step):
        """The summary line for the selected step (HTML)."""
        r = self.result
        p = r["probs"][step - 1]
        top = [i for i in np.argsort(-p, kind="stable")[:3] if p[i] > 0]  # at temperature 0 only the argmax
        so_far = "".join(LM_SYMBOLS[i] for i in r["chosen"][:step - 1])
        chosen = LM_SYMBOLS[r["chosen"][step - 1]]
        how = "imposed by the prefix" if step <= r["n_imposed"] else "drawn"
        tops = ", ".join(f"{html.escape(LM_SYMBOLS[i])} {p[i]:.2f}" for i in top)
        which = ("the only next symbol with probability above 0 is" if len(top) == 1
                 else f"the top {len(top)} next symbols are")
        end = "" if r["ended"] else f" (stopped at max_len = {r['max_len']} letters, no &lt;end&gt;)"
        return (f"word <b>{html.escape(r['word'])}</b>{end}; temperature {r['temperature']:.2f}, seed {r['seed']}; "
                f"step {step} of {r['probs'].shape[0]}: after &lt;start&gt;{html.escape(so_far)} " + which
                + f" {tops}; written: {html.escape(chosen)} ({how})")

    def _on_change(self, change):
        if not self._busy:
            self.update()

    def render(self):
        self._render_now()
        self.live.redraw()


def writing_explorer(model, temperature=1.0, seed=0, prefix="", condition=None, max_len=20):
    """Build the writing explorer for a trained character language model.

    Parameters
    ----------
    model : CharLanguageModel
        Trained on :data:`rnnlib.data.LM_SYMBOLS` (for example by
        :func:`rnnlib.lessons.configurations.train_language_model`).
    temperature : float
        Initial temperature, 0 (greedy) .. 2.
    seed : int
        Initial seed of the draws (the same seed and settings write the same word).
    prefix : str
        Initial prefix (letters imposed after ``<start>``).
    condition : int, optional
        Initial condition (label that sets h_0), only for a model with ``n_conditions``.
    max_len : int
        Most letters written.

    Returns
    -------
    WritingExplorer
    """
    return WritingExplorer(model, temperature, seed, prefix, condition, max_len)


def benchmark_cases():
    """(name, explorer, control, new value) for the lead's latency benchmark (untrained models)."""
    conf = configurations_explorer("joy", "many_to_one")
    lstm = CharLanguageModel(len(LM_SYMBOLS), 64, cell="lstm", seed=0)
    writer = writing_explorer(lstm, temperature=1.0, seed=0)
    return [
        ("configurations: type a letter", conf, "word", "joys"),
        ("configurations: pick one", conf, "configuration", "encoder_decoder"),
        ("writing: temperature", writer, "temperature", 0.5),
        ("writing: seed", writer, "seed", 1),
        ("writing: step", writer, "step", 1),
    ]
