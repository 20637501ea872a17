"""A tiny widget that proves the widget front end is live (notebook 00)."""

from __future__ import annotations

import ipywidgets as widgets

from ..lessons.start_here import WIDGET_FIX
from .base import Explorer, IntSlider

__all__ = ["widget_check"]


class WidgetCheck(Explorer):
    """A slider and a sentence that echoes it: if moving the slider changes the sentence, the
    kernel and the browser are talking."""

    def __init__(self):
        slider = IntSlider(value=3, min=0, max=10, description="move me")
        self.echo = widgets.HTML()
        help_text = widgets.HTML(f"<small>{WIDGET_FIX}</small>")
        super().__init__({"slider": slider}, [slider, self.echo, help_text])
        self.watch()
        self.update()

    def render(self):
        value = self.controls["slider"].value
        self.echo.value = (f"<b>The widget front end is live:</b> the kernel saw the slider at {value} "
                           f"and {value} squared is {value * value}.")


def widget_check():
    """Build the self-check widget (display it to test the front end)."""
    return WidgetCheck()
