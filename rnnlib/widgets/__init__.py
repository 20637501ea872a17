"""Live explorers: ipywidgets builders that wire controls to rnnlib's core and viz.

Every builder returns a widget (never calls ``display``); a notebook cell is one line. Each
explorer exposes a plain ``update()`` method that a test can call after setting controls'
``.value``; an error inside it is shown to the learner in the widget, not swallowed.
"""

from .base import Explorer, LiveFigure

__all__ = ["Explorer", "LiveFigure"]
