"""The pieces every explorer shares: a figure shown as a PNG image widget, an error area, and
an :class:`Explorer` base class that wires controls to one ``update`` function.

Why an ``Image`` widget rather than ``display(fig)`` in an ``Output``: the image is replaced in
place (no figures piling up), its bytes can be compared by a test with no kernel or browser,
and nbval sees the same output every run.
"""

from __future__ import annotations

import html
import traceback

import ipywidgets as widgets

from ..viz.style import figure_to_png

__all__ = ["LiveFigure", "Explorer", "PresetExplorer", "error_box"]


class LiveFigure:
    """A matplotlib Figure shown in an ``ipywidgets.Image`` that is redrawn in place.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        Pyplot-free figure; change its artists, then call :meth:`redraw`.
    width : str, optional
        CSS width of the image (default: the figure's natural size).
    render : callable, optional
        Returns the figure as PNG bytes. By default the whole figure is drawn; a plot that
        caches its static background and redraws only the changing artists passes its own
        (for example ``LiveFigure(plot.fig, render=plot.to_png)``).
    """

    def __init__(self, fig, width=None, render=None):
        self.fig = fig
        self.render = render if render is not None else (lambda: figure_to_png(fig))
        # Natural pixel size by default: a container would otherwise stretch the PNG to the full
        # output width and blur it; max_width keeps it inside narrow windows.
        natural = f"{fig.get_figwidth() * fig.dpi:.0f}px"
        layout = widgets.Layout(width=width or natural, max_width="100%", height="auto")
        self.image = widgets.Image(format="png", layout=layout)
        self.image.add_class("rnnlib-figure")  # the browser test finds figures by this class
        self.redraws = 0
        self.redraw()

    def redraw(self):
        """Render the figure to PNG and put it in the image widget."""
        self.image.value = self.render()
        self.redraws += 1


def error_box():
    """An HTML widget for errors raised inside callbacks (empty and invisible when all is well)."""
    return widgets.HTML(value="", layout=widgets.Layout(display="none"))


class Explorer(widgets.VBox):
    """Base class of the course's explorers.

    A subclass builds its controls and figures, calls :meth:`watch` on the controls, and
    implements :meth:`render`, which reads the controls' values and updates the figures.
    :meth:`update` wraps ``render`` so that an exception is shown in the widget (and kept in
    ``self.last_error``) instead of vanishing into the browser console.

    Attributes
    ----------
    controls : dict of str to Widget
        The explorer's inputs by name; tests set ``explorer.controls[name].value``.
    error : ipywidgets.HTML
        Shows the last error in red; hidden when the last update succeeded.
    last_error : BaseException or None
    """

    def __init__(self, controls, body, **kwargs):
        self.controls = dict(controls)
        self.error = error_box()
        self.error.add_class("rnnlib-error")
        self.last_error = None
        super().__init__(children=[*body, self.error], **kwargs)
        self.add_class("rnnlib-explorer")  # the browser test finds explorers by this class

    def watch(self, *names):
        """Call :meth:`update` whenever one of the named controls (default: all) changes value."""
        for name in names or self.controls:
            self.controls[name].observe(self._on_change, names="value")

    def _on_change(self, change):
        self.update()

    def render(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def update(self):
        """Redraw from the current control values; show any error in the widget.

        Returns
        -------
        bool
            True if the update succeeded.
        """
        try:
            self.render()
        except Exception as exc:  # shown to the learner, kept for tests
            self.last_error = exc
            detail = html.escape("".join(traceback.format_exception_only(type(exc), exc)).strip())
            self.error.value = (
                "<div style='color:#b00020;border:1px solid #b00020;padding:4px 8px;border-radius:4px'>"
                f"<b>This explorer hit an error:</b> <code>{detail}</code></div>"
            )
            self.error.layout.display = "block"
            return False
        self.last_error = None
        self.error.value = ""
        self.error.layout.display = "none"
        return True


class PresetExplorer(Explorer):
    """An explorer with a "preset" control that moves several sliders at once.

    A subclass sets :attr:`presets` (preset name -> one value per name in :attr:`preset_controls`,
    None keeping that slider where it is) and calls :meth:`watch_presets` instead of
    :meth:`Explorer.watch`. Moving one of the sliders by hand sets the preset back to "custom".
    """

    presets = {}
    preset_controls = ()

    def watch_presets(self, *names):
        """Watch the named sliders (as :meth:`Explorer.watch`) and the "preset" control."""
        self._applying_preset = False
        self.watch(*names)
        self.controls["preset"].observe(self._on_preset, names="value")

    def _on_change(self, change):
        if self._applying_preset:
            return
        if change is not None and self.controls["preset"].value != "custom":
            self._applying_preset = True  # a hand-moved slider leaves the preset
            self.controls["preset"].value = "custom"
            self._applying_preset = False
        self.update()

    def _on_preset(self, change):
        if self._applying_preset or change["new"] == "custom":
            return
        self._applying_preset = True
        try:
            for name, value in zip(self.preset_controls, self.presets[change["new"]]):
                if value is not None:
                    self.controls[name].value = value
        finally:
            self._applying_preset = False
        self.update()
