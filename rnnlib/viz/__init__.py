"""Figures for the course (matplotlib only, never pyplot).

Every function takes arrays (and an optional ``ax``) and returns a
:class:`matplotlib.figure.Figure`. Figures are built without pyplot, so nothing piles up in a
global figure list and a notebook shows a figure by displaying it (``display(fig)`` or as the
cell's last expression, with ``%matplotlib inline``).
"""

from .style import CMAP, CMAP_DIVERGING, PALETTE, figure_to_png, new_figure

__all__ = ["PALETTE", "CMAP", "CMAP_DIVERGING", "new_figure", "figure_to_png"]
