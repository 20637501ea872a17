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

The explorers' sliders are :class:`IntSlider` and :class:`FloatSlider` from this module, not
ipywidgets': ipywidgets 8.1 draws a noUiSlider ``<div role="slider">`` handle that no label can
name. Ours render the browser's own ``<input type="range">`` (anywidget), named by its
``<label for=...>``, with the same keyword arguments as ipywidgets' sliders.
"""

from __future__ import annotations

import asyncio
import html
import numbers
import re
import traceback
from html.parser import HTMLParser

import anywidget
import ipywidgets as widgets
from traitlets import Bool, Float, Int, TraitError, Unicode, validate

from ..viz.style import figure_to_png

__all__ = ["LiveFigure", "FigureImage", "IntSlider", "FloatSlider", "StepPlayer", "Explorer", "PresetExplorer",
           "error_box", "html_to_text", "unnamed_controls"]


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

# The slider's front end (an anywidget ES module). A native <input type="range"> has the slider
# role, takes its name from the <label for=...>, and moves with arrow keys, Page Up/Down,
# Home/End and the mouse with no code of ours; the <output> is the readout, also given to screen
# readers as aria-valuetext (they would otherwise read the raw number, e.g. 0.15000000000000002).
_SLIDER_ESM = """
// The keys a range input moves with. JupyterLab's notebook binds ArrowLeft/Right (and more) in
// command mode, on a keydown that bubbles to the document: kept inside the slider, they move it.
const SLIDER_KEYS = new Set(["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End",
                             "PageUp", "PageDown"]);
export default {
  render({ model, el }) {
    // unique on the page: each view has its own <label for=id> (views of one model too)
    const id = `rnnlib-slider-${Math.random().toString(36).slice(2)}`;
    const label = document.createElement("label");
    const input = document.createElement("input");
    const output = document.createElement("output");
    label.htmlFor = id;
    label.className = "rnnlib-slider-label";
    input.type = "range";
    input.id = id;
    output.setAttribute("for", id);
    el.classList.add("rnnlib-slider");
    el.append(label, input, output);

    // like ipywidgets' readout: ".2f" -> 2 decimals; an IntSlider's "d" -> a whole number
    const readout = (v) => {
      const digits = /^\\.(\\d+)f$/.exec(model.get("readout_format"));
      return digits ? Number(v).toFixed(Number(digits[1])) : String(Math.round(v));
    };
    const showValue = (v) => {
      const text = readout(v);
      output.value = text;
      input.setAttribute("aria-valuetext", text);
    };
    const fromModel = () => {
      label.textContent = model.get("description");
      // a width such as "150px", or "initial" (the label's own width); "" keeps the CSS default
      label.style.flexBasis = model.get("description_width");
      // range first, then the value, so the browser does not clamp it to the old range
      input.min = model.get("min");
      input.max = model.get("max");
      input.step = model.get("step");
      input.value = model.get("value");
      input.disabled = model.get("disabled");
      const tip = model.get("tooltip");
      for (const node of [label, input]) tip ? node.setAttribute("title", tip) : node.removeAttribute("title");
      showValue(model.get("value"));
    };
    const send = () => {
      model.set("value", Number(input.value));
      model.save_changes();
    };
    // continuous_update: send every move ("input"); otherwise only the released value ("change")
    input.addEventListener("input", () => {
      showValue(Number(input.value));
      if (model.get("continuous_update")) send();
    });
    input.addEventListener("change", () => {
      if (!model.get("continuous_update")) send();
    });
    input.addEventListener("keydown", (event) => {
      if (SLIDER_KEYS.has(event.key)) event.stopPropagation();
    });
    const names = ["value", "min", "max", "step", "description", "description_width", "disabled",
                   "readout_format", "tooltip"];
    for (const name of names) model.on(`change:${name}`, fromModel);
    fromModel();
    return () => { for (const name of names) model.off(`change:${name}`, fromModel); };
  },
};
"""

# A row like an ipywidgets slider's: right-aligned label, track, readout; JupyterLab's theme
# colours (the label and readout use the theme's main font colour: contrast AA on light and dark).
_SLIDER_CSS = """
.rnnlib-slider {
  display: flex; align-items: center; box-sizing: border-box;
  height: var(--jp-widgets-inline-height, 28px); margin: var(--jp-widgets-margin, 2px);
  font-size: var(--jp-widgets-font-size, 13px); color: var(--jp-widgets-label-color, var(--jp-ui-font-color1));
}
.rnnlib-slider-label {
  flex: 0 0 var(--jp-widgets-inline-label-width, 80px);
  margin-right: 8px; text-align: right; white-space: nowrap; overflow: hidden; text-overflow: ellipsis;
}
.rnnlib-slider input[type="range"] {
  flex: 1 1 auto; min-width: 60px; margin: 0 4px; accent-color: var(--jp-brand-color1, #1976d2);
}
.rnnlib-slider input[type="range"]:focus-visible {
  outline: 2px solid var(--jp-brand-color1, #1976d2); outline-offset: 2px;
}
.rnnlib-slider input[type="range"]:disabled { opacity: 0.6; }
.rnnlib-slider output {
  flex: 0 0 auto; min-width: 40px; margin-left: 4px; font-variant-numeric: tabular-nums;
  color: var(--jp-widgets-readout-color, var(--jp-ui-font-color1));
}
"""


class _Integer(Int):
    """An Int trait that also takes numpy's integers (``np.int64(3)`` -> 3), never a bool."""

    def validate(self, obj, value):
        if isinstance(value, bool):  # True would be 1 silently
            self.error(obj, value)
        if isinstance(value, numbers.Integral):
            return int(value)
        return super().validate(obj, value)


class _Real(Float):
    """A Float trait that also takes ints and numpy's numbers (kept as float), never a bool."""

    def validate(self, obj, value):
        if isinstance(value, bool):
            self.error(obj, value)
        if isinstance(value, numbers.Real):
            return float(value)
        return super().validate(obj, value)


class _Slider(anywidget.AnyWidget):
    """A slider drawn as the browser's ``<input type="range">``; see :class:`IntSlider`."""

    _esm = _SLIDER_ESM
    _css = _SLIDER_CSS
    description = Unicode("", help="The visible label, the slider's accessible name.").tag(sync=True)
    description_width = Unicode("", help="CSS width of the label ('' = JupyterLab's default).").tag(sync=True)
    continuous_update = Bool(True, help="Send every move (True) or only the released value.").tag(sync=True)
    disabled = Bool(False).tag(sync=True)

    def __init__(self, value, min, max, step, *, style=None, **kwargs):  # noqa: A002 - ipywidgets' names
        if style is not None:
            if not isinstance(style, dict) or set(style) - {"description_width"}:
                raise ValueError(f"style must be a dict with only 'description_width' (a CSS width); got {style!r}")
            kwargs.setdefault("description_width", style.get("description_width", ""))
        super().__init__(value=value, min=min, max=max, step=step, **kwargs)

    # Like ipywidgets' bounded sliders: a value outside [min, max] is clamped, min > max is an error.
    @validate("value")
    def _clamp_value(self, proposal):
        return type(proposal["value"])(sorted((self.min, proposal["value"], self.max))[1])

    @validate("min")
    def _check_min(self, proposal):
        if proposal["value"] > self.max:
            raise TraitError(f"min must be at most max ({self.max}); got min = {proposal['value']}")
        self.value = max(self.value, proposal["value"])
        return proposal["value"]

    @validate("max")
    def _check_max(self, proposal):
        if proposal["value"] < self.min:
            raise TraitError(f"max must be at least min ({self.min}); got max = {proposal['value']}")
        self.value = min(self.value, proposal["value"])
        return proposal["value"]

    @validate("step")
    def _check_step(self, proposal):
        if not proposal["value"] > 0:
            raise TraitError(f"step must be positive; got {proposal['value']}")
        return proposal["value"]

    def __repr__(self):
        # as ipywidgets' sliders print (anywidget prints only the type): the notebooks' saved
        # text outputs of the explorers stay the same
        return self._gen_repr_from_keys(self._repr_keys())

    def _repr_keys(self):  # the value first, then what differs from the defaults (ipywidgets' order)
        yield "value"
        for key in super()._repr_keys():
            if key not in ("value", "description_width"):
                yield key


class IntSlider(_Slider):
    """A whole-number slider with an accessible name; the keywords of ``ipywidgets.IntSlider``.

    Parameters
    ----------
    value, min, max, step : int
        As in ipywidgets (defaults 0, 0, 100, 1); a value outside [min, max] is clamped.
    description : str
        The visible label, which is also the slider's accessible name.
    continuous_update : bool
        True: the value is sent while the slider moves; False: when it is released.
    readout_format : str
        Only ``"d"`` (a whole number).
    style : dict, optional
        ``{"description_width": "150px"}`` (a CSS width, or ``"initial"`` for the label's own width).
    **kwargs
        ``disabled``, ``tooltip`` (shown on hover), ``layout`` (e.g. ``Layout(width="340px")``).
    """

    value = _Integer(0).tag(sync=True)
    min = _Integer(0).tag(sync=True)
    max = _Integer(100).tag(sync=True)
    step = _Integer(1).tag(sync=True)
    readout_format = Unicode("d").tag(sync=True)

    def __init__(self, value=0, min=0, max=100, step=1, **kwargs):  # noqa: A002
        super().__init__(value, min, max, step, **kwargs)

    @validate("readout_format")
    def _check_format(self, proposal):
        if proposal["value"] != "d":
            raise TraitError(f"an IntSlider's readout_format must be 'd'; got {proposal['value']!r}")
        return proposal["value"]


class FloatSlider(_Slider):
    """A slider of real numbers with an accessible name; the keywords of ``ipywidgets.FloatSlider``.

    Parameters
    ----------
    value, min, max, step : float
        As in ipywidgets (defaults 0.0, 0.0, 10.0, 0.1); ints are kept as floats.
    readout_format : str
        ``".Nf"``: N decimals (default ``".2f"``).
    **kwargs
        ``description``, ``continuous_update``, ``style``, ``disabled``, ``tooltip``, ``layout``
        as in :class:`IntSlider`.
    """

    value = _Real(0.0).tag(sync=True)
    min = _Real(0.0).tag(sync=True)
    max = _Real(10.0).tag(sync=True)
    step = _Real(0.1).tag(sync=True)
    readout_format = Unicode(".2f").tag(sync=True)

    def __init__(self, value=0.0, min=0.0, max=10.0, step=0.1, **kwargs):  # noqa: A002
        super().__init__(value, min, max, step, **kwargs)

    @validate("readout_format")
    def _check_format(self, proposal):
        if not re.fullmatch(r"\.\d+f", proposal["value"]):
            raise TraitError(f"a FloatSlider's readout_format must be '.Nf' (N decimals, e.g. '.2f'); "
                             f"got {proposal['value']!r}")
        return proposal["value"]



class StepPlayer:
    """A "play" toggle that moves an integer slider one step at a time up to its maximum.

    It stands in for ``ipywidgets.Play``, whose play, stop and repeat buttons show only an icon
    and have no accessible name (ipywidgets 8.1 passes neither ``description`` nor ``tooltip`` to
    them): this is a ``ToggleButton`` whose text says what it does ("play" / "pause"). The steps are
    taken by the kernel's event loop (``loop.call_later``), like the explorers' other updates.

    Parameters
    ----------
    slider : IntSlider
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
        if not isinstance(slider, IntSlider):
            raise TypeError(f"slider must be an rnnlib.widgets.base.IntSlider; got {type(slider).__module__}."
                            f"{type(slider).__name__}")
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


# ipywidgets 8.1 controls that cannot be given an accessible name from Python: a slider's handle is
# a noUiSlider <div role="slider"> that gets neither the description (a <label> names only form
# fields) nor the tooltip (it goes to the label), and Play's buttons are icon-only. An explorer uses
# the IntSlider / FloatSlider of this module and StepPlayer instead.
UNNAMEABLE = (widgets.IntSlider, widgets.FloatSlider, widgets.FloatLogSlider, widgets.IntRangeSlider,
              widgets.FloatRangeSlider, widgets.SelectionSlider, widgets.SelectionRangeSlider, widgets.Play)
# Controls whose text box or list takes the tooltip as its title when the description is empty
_TITLED_BY_TOOLTIP = (widgets.Text, widgets.Textarea, widgets.Combobox, widgets.Dropdown, widgets.Select)


def _widget_tree(root):
    yield root
    for child in getattr(root, "children", ()):
        yield from _widget_tree(child)


def _has_name(control):
    """Whether the browser gives ``control`` an accessible name."""
    if isinstance(control, UNNAMEABLE):
        return False
    if isinstance(control, (widgets.Button, widgets.ToggleButton)):
        return bool(control.description.strip() or (control.tooltip or "").strip())
    if isinstance(control, widgets.ToggleButtons):  # each button shows its option's label
        return all(str(label).strip() for label in control._options_labels)
    if isinstance(control, (_TITLED_BY_TOOLTIP, _Slider)) and (control.tooltip or "").strip():
        return True  # the title of the field (a slider's <input>) when its label is empty
    return bool(control.description.strip())  # the <label for=...> of the field


def unnamed_controls(root):
    """The controls under ``root`` that a screen reader would announce without a name.

    Parameters
    ----------
    root : ipywidgets.Widget
        An explorer (or any box of widgets).

    Returns
    -------
    list of ipywidgets.Widget
        Controls with neither a description nor a tooltip that the front end puts on them, and
        every control ipywidgets 8.1 cannot name at all (:data:`UNNAMEABLE`: its sliders, Play).
    """
    if not isinstance(root, widgets.Widget):
        raise TypeError(f"root must be an ipywidgets Widget; got {type(root).__name__}")
    missing = []
    for widget in _widget_tree(root):
        if not isinstance(widget, (widgets.ValueWidget, widgets.Button, _Slider)):
            continue
        if isinstance(widget, (widgets.HTML, widgets.HTMLMath, widgets.Label, widgets.Image, widgets.Valid)):
            continue  # shown, not operated
        if not _has_name(widget):
            missing.append(widget)
    return missing


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
