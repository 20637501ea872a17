"""The pieces every explorer shares: a figure shown as a PNG image widget, an error area, and
an :class:`Explorer` base class that wires controls to one ``update`` function.

Why an ``Image`` widget rather than ``display(fig)`` in an ``Output``: the image is replaced in
place (no figures piling up), its bytes can be compared by a test with no kernel or browser,
and nbval sees the same output every run.

Accessibility: a figure's text alternative (what it shows now, in one or two sentences) is put in
the image's ``tooltip``, which ipywidgets 8 renders as the ``title`` of the ``<img>``: screen
readers read it as the image's name, and a pointer shows it on hover. :class:`LiveFigure` takes a
``describe`` function and sets the text in the same message as every new picture, so the two never
disagree. Every control of an explorer has a name (its ``description``, or a ``tooltip`` where the
front end puts it on the control): :func:`unnamed_controls` lists those that have neither.
"""

from __future__ import annotations

import asyncio
import html
import traceback
from html.parser import HTMLParser

import ipywidgets as widgets
from traitlets import Unicode

from ..viz.style import figure_to_png

__all__ = ["LiveFigure", "FigureImage", "StepPlayer", "Explorer", "PresetExplorer", "error_box", "html_to_text",
           "unnamed_controls"]


class _TextOfHTML(HTMLParser):
    """Collects the text of an HTML fragment; sub- and superscripts become ``_x`` and ``^x``."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []

    def handle_starttag(self, tag, attrs):
        if tag == "sub":
            self.parts.append("_")
        elif tag == "sup":
            self.parts.append("^")
        elif tag in ("br", "div", "p", "tr", "li"):
            self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.parts.append(" ")

    def handle_data(self, data):
        self.parts.append(data)


def html_to_text(fragment):
    """The plain text of an explorer's HTML summary, for a figure's text alternative.

    Parameters
    ----------
    fragment : str
        HTML such as ``"h<sub>t</sub> = <b>0.98</b>"``.

    Returns
    -------
    str
        The text with entities decoded, subscripts written ``_t`` and runs of white space
        collapsed, e.g. ``"h_t = 0.98"``.
    """
    if not isinstance(fragment, str):
        raise TypeError(f"fragment must be a str of HTML; got {type(fragment).__name__}")
    parser = _TextOfHTML()
    parser.feed(fragment)
    parser.close()
    return " ".join("".join(parser.parts).split())


class FigureImage(widgets.Image):
    """An ``ipywidgets.Image`` whose ``tooltip`` reaches the browser as the ``<img>``'s title.

    ipywidgets 8.1.9's ``DOMWidgetView.updateTooltip`` reads ``description.length``, which an Image
    model does not have: a tooltip on a plain Image fails with a TypeError and the browser shows
    "Error displaying widget" instead of the picture (fixed upstream in an open pull request,
    jupyter-widgets/ipywidgets#3921). An empty, synced ``description`` is all the view needs.
    """

    description = Unicode("", help="Always empty: lets ipywidgets 8.1's view set the tooltip as title.").tag(sync=True)


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
    describe : callable
        Returns the figure's text alternative now (plain text: what it shows and its key values),
        read at every :meth:`redraw`; a screen reader reads it as the image's name.
    """

    def __init__(self, fig, width=None, render=None, *, describe):
        if not callable(describe):
            raise TypeError(f"describe must be a function returning the figure's text alternative; got {describe!r}")
        self.fig = fig
        self.render = render if render is not None else (lambda: figure_to_png(fig))
        self.describe = describe
        # Natural pixel size by default: a container would otherwise stretch the PNG to the full
        # output width and blur it; max_width keeps it inside narrow windows.
        natural = f"{fig.get_figwidth() * fig.dpi:.0f}px"
        layout = widgets.Layout(width=width or natural, max_width="100%", height="auto")
        self.image = FigureImage(format="png", layout=layout)
        self.image.add_class("rnnlib-figure")  # the browser test finds figures by this class
        self.redraws = 0
        self.redraw()

    def redraw(self):
        """Render the figure to PNG and put it in the image widget with its new text alternative."""
        png, text = self.render(), self.describe()
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"describe() must return the figure's text alternative (a non-empty str); got {text!r}")
        with self.image.hold_sync():  # picture and text reach the browser in one message
            self.image.value = png
            self.image.tooltip = text
        self.redraws += 1

    @property
    def alt_text(self):
        """The text alternative of the picture shown now (the ``title`` of the ``<img>``)."""
        return self.image.tooltip


class StepPlayer:
    """A "play" toggle that moves an integer slider one step at a time up to its maximum.

    It stands in for ``ipywidgets.Play``, whose play, stop and repeat buttons show only an icon
    and have no accessible name (ipywidgets 8.1 passes neither ``description`` nor ``tooltip`` to
    them): this is a ``ToggleButton`` whose text says what it does ("play" / "pause"). The steps are
    taken by the kernel's event loop (``loop.call_later``), like the explorers' other updates.

    Parameters
    ----------
    slider : ipywidgets.IntSlider
        The slider to move; pressing play at its maximum starts again from its minimum.
    interval_s : float
        Seconds between two steps.
    what : str
        What playing does, for the tooltip (e.g. "read the word letter by letter").

    Attributes
    ----------
    button : ipywidgets.ToggleButton
        Pressed while playing.
    """

    def __init__(self, slider, interval_s, what):
        if not isinstance(slider, widgets.IntSlider):
            raise TypeError(f"slider must be an ipywidgets.IntSlider; got {type(slider).__name__}")
        if not interval_s > 0:
            raise ValueError(f"interval_s must be a positive number of seconds; got {interval_s!r}")
        self.slider = slider
        self.interval_s = float(interval_s)
        self.button = widgets.ToggleButton(value=False, description="play", icon="play",
                                           tooltip=f"play: {what}", layout=widgets.Layout(width="90px"))
        self.button.add_class("rnnlib-play")
        self._pending = None
        self.button.observe(self._on_toggle, names="value")

    def _on_toggle(self, change):
        playing = change["new"]
        self.button.description = "pause" if playing else "play"
        self.button.icon = "pause" if playing else "play"
        if not playing:
            self._cancel()
            return
        if self.slider.value >= self.slider.max:  # at the end: play from the start
            self.slider.value = self.slider.min
        self._schedule()

    def _schedule(self):
        self._cancel()
        try:
            loop = asyncio.get_running_loop()  # the kernel's loop while a widget message is handled
        except RuntimeError:  # plain Python, no loop: step() is called by hand
            return
        self._pending = loop.call_later(self.interval_s, self.step)

    def _cancel(self):
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None

    def step(self):
        """Take one step (the timer calls it); stop at the slider's maximum."""
        self._pending = None
        if not self.button.value:
            return
        if self.slider.value < self.slider.max:
            self.slider.value += 1
        if self.slider.value >= self.slider.max:
            self.button.value = False  # the end: the button reads "play" again
        else:
            self._schedule()


def error_box():
    """An HTML widget for errors raised inside callbacks (empty and invisible when all is well)."""
    return widgets.HTML(value="", layout=widgets.Layout(display="none"))


# Controls whose front end (ipywidgets 8.1) cannot be given an accessible name from Python: the
# sliders' handle is a noUiSlider <div role="slider"> that gets neither the description (a <label>
# names only form fields) nor the tooltip (it goes to the label), and Play's buttons are icon-only.
UNNAMEABLE = (widgets.IntSlider, widgets.FloatSlider, widgets.FloatLogSlider, widgets.IntRangeSlider,
              widgets.FloatRangeSlider, widgets.SelectionSlider, widgets.SelectionRangeSlider, widgets.Play)
# Controls whose text box or list takes the tooltip as its title when the description is empty
_TITLED_BY_TOOLTIP = (widgets.Text, widgets.Textarea, widgets.Combobox, widgets.Dropdown, widgets.Select)


def _widget_tree(root):
    yield root
    for child in getattr(root, "children", ()):
        yield from _widget_tree(child)


def _has_name(control):
    """Whether the browser gives ``control`` an accessible name (None: it cannot, see UNNAMEABLE)."""
    if isinstance(control, UNNAMEABLE):
        return None
    if isinstance(control, (widgets.Button, widgets.ToggleButton)):
        return bool(control.description.strip() or (control.tooltip or "").strip())
    if isinstance(control, widgets.ToggleButtons):  # each button shows its option's label
        return all(str(label).strip() for label in control._options_labels)
    if isinstance(control, _TITLED_BY_TOOLTIP) and (control.tooltip or "").strip():
        return True
    return bool(control.description.strip())  # the <label for=...> of the field


def unnamed_controls(root):
    """The controls under ``root`` that a screen reader would announce without a name.

    Parameters
    ----------
    root : ipywidgets.Widget
        An explorer (or any box of widgets).

    Returns
    -------
    missing : list of ipywidgets.Widget
        Controls with neither a description nor a tooltip that the front end puts on them.
    unnameable : list of ipywidgets.Widget
        Controls that ipywidgets 8.1 cannot name at all (:data:`UNNAMEABLE`: slider handles, Play
        buttons); a slider is listed only if it has at least a visible label (its description),
        otherwise it is in ``missing``.
    """
    if not isinstance(root, widgets.Widget):
        raise TypeError(f"root must be an ipywidgets Widget; got {type(root).__name__}")
    missing, unnameable = [], []
    for widget in _widget_tree(root):
        if not isinstance(widget, widgets.ValueWidget) and not isinstance(widget, widgets.Button):
            continue
        if isinstance(widget, (widgets.HTML, widgets.HTMLMath, widgets.Label, widgets.Image, widgets.Valid)):
            continue  # shown, not operated
        named = _has_name(widget)
        if named is None and not isinstance(widget, widgets.Play) and widget.description.strip():
            unnameable.append(widget)
        elif not named:
            missing.append(widget)
    return missing, unnameable


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
