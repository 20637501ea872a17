"""The gradient microscope: move the recurrent weights' scale, the length and the activation, and
watch ``||dL/dh_t||`` of an RNN (beside its bound) and of an LSTM change step by step."""

from __future__ import annotations

import ipywidgets as widgets

from ..activations import ACTIVATIONS
from ..lessons.vanishing_gradient import microscope
from ..viz.vanishing_gradient import MicroscopePlot
from .base import Explorer, FloatSlider, IntSlider, LiveFigure

__all__ = ["GradientMicroscope", "gradient_microscope", "microscope_figure_text", "benchmark_cases"]


def microscope_figure_text(result):
    """The text alternative of the microscope's two plots: how the error signal changes back in time.

    Parameters
    ----------
    result : rnnlib.lessons.vanishing_gradient.MicroscopeResult

    Returns
    -------
    str
    """
    r = result
    T = len(r.steps)
    return (f"Gradient norms per step t = 1 to {T}, log scale. Left, the RNN ({r.activation}, W_h of spectral "
            f"radius {r.radius:.2f}): |dL/dh_t| changes by a factor {r.rnn_ratio:.1e} from step {T} back to step 1, "
            f"under the bound {r.bound[0]:.1e}. Right, the LSTM (forget bias {r.forget_bias:g}): |dL/dc_t| "
            f"changes by a factor {r.lstm_ratio:.1e}.")


class GradientMicroscope(Explorer):
    """Explorer of per-step gradient norms; see :func:`gradient_microscope`.

    Attributes
    ----------
    plot : rnnlib.viz.vanishing_gradient.MicroscopePlot
    live : LiveFigure
    result : rnnlib.lessons.vanishing_gradient.MicroscopeResult
        The numbers behind the current picture.
    """

    def __init__(self, scale=0.9, T=40, activation="tanh", kind="orthogonal", forget_bias=1.0, seed=0):
        style = {"description_width": "150px"}
        layout = widgets.Layout(width="420px")
        controls = {
            "scale": FloatSlider(value=scale, min=0.1, max=3.0, step=0.05,
                                 description="spectral radius of W_h", style=style, layout=layout,
                                 continuous_update=False, readout_format=".2f"),
            "T": IntSlider(value=T, min=5, max=100, step=1, description="sequence length T",
                           style=style, layout=layout, continuous_update=False),
            "activation": widgets.Dropdown(options=sorted(ACTIVATIONS), value=activation,
                                           description="RNN activation \u03c6", style=style, layout=layout),
            "kind": widgets.Dropdown(options=[("orthogonal (equal singular values)", "orthogonal"),
                                              ("random Gaussian", "random")], value=kind,
                                     description="W_h", style=style, layout=layout),
            "forget_bias": FloatSlider(value=forget_bias, min=-2.0, max=5.0, step=0.5,
                                       description="LSTM forget bias", style=style, layout=layout,
                                       continuous_update=False),
        }
        self.seed = seed
        self.result = self._compute(controls)
        self.plot = MicroscopePlot(self.result, show_numbers=False)
        # Lay the figure out once with the widest tick labels it can get (10^-300), then freeze that
        # layout: redraws skip constrained layout and no label is cut off later.
        for ax in (self.plot.ax_rnn, self.plot.ax_lstm):
            ax.set_ylim(1e-300, 1e-200)
        self.live = LiveFigure(self.plot.fig, describe=lambda: microscope_figure_text(self.result))
        self.plot.fig.set_layout_engine(None)
        self.plot.update(self.result)
        self.live.redraw()
        self.summary = widgets.HTML()
        self.summary.add_class("rnnlib-readout")
        left = widgets.VBox([controls["scale"], controls["T"], controls["activation"]])
        right = widgets.VBox([controls["kind"], controls["forget_bias"]])
        super().__init__(controls, [widgets.HBox([left, right]), self.live.image, self.summary])
        self._write_summary()
        self.watch()

    def _compute(self, controls):
        return microscope(scale=controls["scale"].value, T=controls["T"].value,
                          activation=controls["activation"].value, kind=controls["kind"].value,
                          forget_bias=controls["forget_bias"].value, seed=self.seed)

    def _write_summary(self):
        r = self.result
        T = len(r.steps)  # steps t = 1..T
        self.summary.value = (
            f"<b>RNN</b>: &sigma;<sub>max</sub>(W<sub>h</sub>) = {r.sigma_max:.2f}, spectral radius "
            f"{r.radius:.2f}, max|&phi;&prime;| &middot; &sigma;<sub>max</sub> = {r.factor:.2f} per step. "
            f"From step t = T = {T} back to step 1 the error signal changed by a factor "
            f"<b>{r.rnn_ratio:.2e}</b> (the bound allows {r.bound[0]:.2e}).<br>"
            f"<b>LSTM</b>: &Vert;&part;L/&part;c<sub>1</sub>&Vert; / &Vert;&part;L/&part;c<sub>{T}</sub>&Vert; = "
            f"<b>{r.lstm_ratio:.2e}</b>, &Vert;&part;L/&part;h<sub>1</sub>&Vert; / "
            f"&Vert;&part;L/&part;h<sub>{T}</sub>&Vert; = {r.lstm_dh[0] / r.lstm_dh[-1]:.2e}.")

    def render(self):
        self.result = self._compute(self.controls)
        self.plot.update(self.result)
        self.live.redraw()
        self._write_summary()


def gradient_microscope(scale=0.9, T=40, activation="tanh", kind="orthogonal", forget_bias=1.0, seed=0):
    """The gradient microscope explorer.

    Parameters
    ----------
    scale : float
        Initial spectral radius of :math:`W_h` (0.1 .. 3).
    T : int
        Initial sequence length (5 .. 100).
    activation : {"tanh", "sigmoid", "relu", "identity"}
    kind : {"orthogonal", "random"}
    forget_bias : float
    seed : int

    Returns
    -------
    GradientMicroscope
        The widget (not displayed).
    """
    return GradientMicroscope(scale=scale, T=T, activation=activation, kind=kind, forget_bias=forget_bias,
                              seed=seed)


def benchmark_cases():
    """(name, explorer, control, new value) for the lead's latency benchmark."""
    ex = gradient_microscope()
    return [
        ("microscope: scale", ex, "scale", 1.5),
        ("microscope: T=100", ex, "T", 100),
        ("microscope: activation", ex, "activation", "relu"),
        ("microscope: kind", ex, "kind", "random"),
        ("microscope: forget bias", ex, "forget_bias", 3.0),
    ]
