r"""Explorers of the LSTM cell: one step with sliders, and the one-bit latch.

* :func:`lstm_cell_explorer`: sliders for :math:`x_t`, :math:`h_{t-1}`, :math:`c_{t-1}` and the
  four biases of a one-unit cell; the drawn cell (essay Figure 4) shows the gate values,
  :math:`c_t` and :math:`h_t`. Presets set the gates to "keep", "write", "forget" or "hide".
* :func:`latch_explorer`: sliders for the forget bias, the input gate during the hold and the
  number of held steps k; a plot of the stored cell state over the steps and how often the bit is
  read back correctly.

Both draw their figure once and update its text, colours and lines in place; the figures' text
alternatives (:func:`cell_figure_text`, :func:`latch_figure_text`) say the values they show.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from ..activations import sigmoid
from ..lessons.lstm_cell import CELL_EXAMPLE, cell_step_values, latch_accuracy, latch_run
from ..viz.lstm_cell import LatchPlot, LSTMCellDiagram
from .base import Explorer, FloatSlider, IntSlider, LiveFigure, PresetExplorer

__all__ = ["LSTMCellExplorer", "lstm_cell_explorer", "LatchExplorer", "latch_explorer", "benchmark_cases",
           "CELL_PRESETS", "cell_figure_text", "latch_figure_text"]

# preset -> biases (b_i, b_f, b_g, b_o); None keeps the current slider value
CELL_PRESETS = {
    "worked example": CELL_EXAMPLE["b"],
    "keep: forget gate open, input gate shut": (-6.0, 6.0, None, None),
    "write: forget gate shut, input gate open": (6.0, -6.0, None, None),
    "accumulate: both open": (6.0, 6.0, None, None),
    "hide: output gate shut": (None, None, None, -6.0),
}

_SLIDER_STYLE = {"description_width": "150px"}
_SLIDER_LAYOUT = {"width": "340px"}


def cell_figure_text(values):
    """The text alternative of the drawn LSTM cell: its inputs, gates and new states.

    Parameters
    ----------
    values : dict of str to float
        From :func:`rnnlib.lessons.lstm_cell.cell_step_values`.

    Returns
    -------
    str
        For example "The LSTM cell (one unit) with x_t = 1.00, h_(t-1) = 0.50, c_(t-1) = 0.50: gates
        i = 0.73, f = 0.88, g = 0.46, o = 0.62; c_t = f c_(t-1) + i g = 0.44 + 0.34 = 0.78; h_t = o tanh(c_t) = 0.40."
    """
    missing = [k for k in ("x", "h_prev", "c_prev", "i", "f", "g", "o", "fc", "ig", "c", "h") if k not in values]
    if missing:
        raise ValueError(f"values must come from cell_step_values; missing {missing}")
    v = {k: float(values[k]) for k in values}
    return (f"The LSTM cell (one unit) with x_t = {v['x']:.2f}, h_(t-1) = {v['h_prev']:.2f}, "
            f"c_(t-1) = {v['c_prev']:.2f}: gates i = {v['i']:.2f}, f = {v['f']:.2f}, g = {v['g']:.2f}, "
            f"o = {v['o']:.2f}; c_t = f c_(t-1) + i g = {v['fc']:.2f} {'-' if v['ig'] < 0 else '+'} {abs(v['ig']):.2f} "
            f"= {v['c']:.2f}; "
            f"h_t = o tanh(c_t) = {v['h']:.2f}.")


def latch_figure_text(run_one, run_zero, forget_bias, input_closed, accuracy, n_sequences):
    """The text alternative of the latch plot: how much of the bit the cell state keeps.

    Parameters
    ----------
    run_one, run_zero : dict of str to numpy.ndarray
        :func:`rnnlib.lessons.lstm_cell.latch_run` for the bit 1 and the bit 0 (``"c"``: (T,)).
    forget_bias, input_closed : float
        The sliders' values.
    accuracy : float
        Fraction of ``n_sequences`` read back correctly.
    n_sequences : int

    Returns
    -------
    str
    """
    c1, c0 = np.asarray(run_one["c"], dtype=float), np.asarray(run_zero["c"], dtype=float)
    if c1.ndim != 1 or c1.shape != c0.shape or c1.size < 1:
        raise ValueError(f"run_one['c'] and run_zero['c'] must be 1-D arrays of the same length; "
                         f"got shapes {c1.shape} and {c0.shape}")
    T = c1.size
    f = float(sigmoid(np.float64(forget_bias)))
    return (f"The stored cell state c_t over T = {T} steps (the bit written at t = 1, then {T - 1} held steps), "
            f"for the bit 1 and the bit 0, with forget bias {forget_bias:.1f} (forget gate f = {f:.4f}) and "
            f"input gate pre-activation {input_closed:.1f} during the hold: c_1 = {c1[0]:.2f} for the bit 1, "
            f"c_T = {c1[-1]:.2f} for the bit 1 and {c0[-1]:.2f} for the bit 0; read back correctly in "
            f"{100 * accuracy:.0f}% of {n_sequences} sequences.")


def _slider(description, value, lo, hi, step=0.05, readout_format=".2f"):
    return FloatSlider(value=value, min=lo, max=hi, step=step, description=description,
                       continuous_update=False, readout_format=readout_format, style=_SLIDER_STYLE,
                       layout=widgets.Layout(**_SLIDER_LAYOUT))


class LSTMCellExplorer(PresetExplorer):
    r"""One step of a one-unit LSTM, drawn, with sliders for its inputs and biases.

    Parameters
    ----------
    x, h_prev, c_prev : float
        Initial slider values of :math:`x_t`, :math:`h_{t-1}`, :math:`c_{t-1}`.
    Wx, Wh : sequence of 4 float
        Fixed weights of the gates (order i, f, g, o).
    b : sequence of 4 float
        Initial biases (order i, f, g, o).

    Notes
    -----
    .. math::
        a = x_t W_x + h_{t-1} W_h + b, \quad c_t = f \odot c_{t-1} + i \odot g, \quad
        h_t = o \odot \tanh(c_t)
    """

    presets = CELL_PRESETS
    preset_controls = ("b_i", "b_f", "b_g", "b_o")

    def __init__(self, x=CELL_EXAMPLE["x"], h_prev=CELL_EXAMPLE["h_prev"], c_prev=CELL_EXAMPLE["c_prev"],
                 Wx=CELL_EXAMPLE["Wx"], Wh=CELL_EXAMPLE["Wh"], b=CELL_EXAMPLE["b"]):
        self.Wx, self.Wh = tuple(float(w) for w in Wx), tuple(float(w) for w in Wh)
        self.values = cell_step_values(x, h_prev, c_prev, self.Wx, self.Wh, b)  # also validates
        controls = {
            "x": _slider("input x_t", x, -3.0, 3.0),
            "h_prev": _slider("h_{t-1}", h_prev, -1.0, 1.0),
            "c_prev": _slider("c_{t-1}", c_prev, -3.0, 3.0),
            "b_i": _slider("input bias b_i", b[0], -8.0, 8.0, 0.1),
            "b_f": _slider("forget bias b_f", b[1], -8.0, 8.0, 0.1),
            "b_g": _slider("candidate bias b_g", b[2], -8.0, 8.0, 0.1),
            "b_o": _slider("output bias b_o", b[3], -8.0, 8.0, 0.1),
            "preset": widgets.Dropdown(options=["custom", *CELL_PRESETS], value="custom",
                                       description="preset", style=_SLIDER_STYLE,
                                       layout=widgets.Layout(width="340px")),
        }
        self.diagram = LSTMCellDiagram(self.values, title="The LSTM cell (one unit): move the sliders")
        self.live = LiveFigure(self.diagram.fig, render=self.diagram.to_png,
                               describe=lambda: cell_figure_text(self.values))
        weights = ", ".join(f"{w:g}" for w in self.Wx), ", ".join(f"{w:g}" for w in self.Wh)
        note = widgets.HTML(
            f"<small>Pre-activations <i>a = x<sub>t</sub> W<sub>x</sub> + h<sub>t-1</sub> W<sub>h</sub> + b</i> "
            f"with fixed W<sub>x</sub> = ({weights[0]}), W<sub>h</sub> = ({weights[1]}) "
            "(gate order i, f, g, o). A gate block's colour is its value.</small>")
        left = widgets.VBox([controls[k] for k in ("x", "h_prev", "c_prev", "b_i", "b_f", "b_g", "b_o", "preset")])
        super().__init__(controls, [widgets.HBox([left, self.live.image]), note])
        self.watch_presets("x", "h_prev", "c_prev", "b_i", "b_f", "b_g", "b_o")

    def render(self):
        c = self.controls
        b = (c["b_i"].value, c["b_f"].value, c["b_g"].value, c["b_o"].value)
        self.values = cell_step_values(c["x"].value, c["h_prev"].value, c["c_prev"].value, self.Wx, self.Wh, b)
        self.diagram.set_values(self.values)
        self.live.redraw()


def lstm_cell_explorer(**kwargs):
    """Build the LSTM cell explorer (see :class:`LSTMCellExplorer` for the arguments).

    Returns
    -------
    LSTMCellExplorer
        An ipywidgets VBox; display it as a cell's last expression.
    """
    return LSTMCellExplorer(**kwargs)


class LatchExplorer(Explorer):
    r"""The one-bit latch: how long a hand-set LSTM unit holds a bit, as the gates change.

    Parameters
    ----------
    forget_bias : float
        Initial forget bias :math:`b_f` (the forget gate is :math:`\sigma(b_f)` at every step).
    input_closed : float
        Initial input-gate pre-activation on the distractor steps (negative: shut).
    lag : int
        Initial number of steps k to hold the bit (T = k + 1).
    n_sequences : int
        Sequences over which the read-back accuracy is measured.

    Notes
    -----
    .. math:: c_t = f\,c_{t-1} + i_t\,g_t \approx f^{\,t-1}\,c_1 \quad (i_t \approx 0,\ t = 1..T)
    """

    def __init__(self, forget_bias=8.0, input_closed=-8.0, lag=60, n_sequences=200):
        self.n_sequences = int(n_sequences)
        controls = {
            "forget_bias": _slider("forget bias b_f", forget_bias, -4.0, 12.0, 0.5, ".1f"),
            "input_closed": _slider("input gate a_i (hold)", input_closed, -8.0, 8.0, 0.5, ".1f"),
            "lag": IntSlider(value=lag, min=1, max=200, step=1, description="held steps k",
                             continuous_update=False, style=_SLIDER_STYLE,
                             layout=widgets.Layout(**_SLIDER_LAYOUT)),
        }
        runs, accuracy = self._compute(forget_bias, input_closed, lag)
        self.plot = LatchPlot(*runs, forget_bias, accuracy)
        self._shown = (runs, forget_bias, input_closed, accuracy)  # what the figure shows, for its text
        self.live = LiveFigure(self.plot.fig, render=self.plot.to_png,
                               describe=lambda: latch_figure_text(*self._shown[0], *self._shown[1:],
                                                                  self.n_sequences))
        note = widgets.HTML(
            "<small>The bit arrives at t = 1 and opens the input gate; after that only distractors arrive. "
            "Lower the forget bias and watch the stored value decay; open the input gate during the hold "
            "and watch the distractors overwrite it.</small>")
        super().__init__(controls, [widgets.HBox(list(controls.values()),
                                                 layout=widgets.Layout(flex_flow="row wrap")),
                                    self.live.image, note])
        self.watch()

    def _compute(self, forget_bias, input_closed, lag):
        weights = {"forget_bias": forget_bias, "input_closed": input_closed}
        runs = (latch_run(lag, 1, **weights), latch_run(lag, 0, **weights))
        accuracy = latch_accuracy(lag, n=self.n_sequences, **weights)
        return runs, accuracy

    def render(self):
        c = self.controls
        forget_bias = c["forget_bias"].value
        input_closed = c["input_closed"].value
        runs, accuracy = self._compute(forget_bias, input_closed, c["lag"].value)
        self.plot.update(*runs, forget_bias, accuracy)
        self._shown = (runs, forget_bias, input_closed, accuracy)
        self.live.redraw()


def latch_explorer(**kwargs):
    """Build the latch explorer (see :class:`LatchExplorer` for the arguments).

    Returns
    -------
    LatchExplorer
    """
    return LatchExplorer(**kwargs)


def benchmark_cases():
    """(name, explorer, control name, new value) for timing one update of each control."""
    cell = lstm_cell_explorer()
    latch = latch_explorer()
    return [
        ("lstm_cell: x", cell, "x", -1.5),
        ("lstm_cell: c_prev", cell, "c_prev", 2.0),
        ("lstm_cell: b_f", cell, "b_f", -3.0),
        ("lstm_cell: preset", cell, "preset", "keep: forget gate open, input gate shut"),
        ("latch: forget_bias", latch, "forget_bias", 3.0),
        ("latch: input_closed", latch, "input_closed", 4.0),
        ("latch: lag 200", latch, "lag", 200),
    ]
