"""Shared pieces of the exercise checkers."""

from __future__ import annotations

import html
from dataclasses import dataclass

__all__ = ["CheckResult", "hint", "register_hints", "HINTS"]

HINTS: dict[str, list[str]] = {}
_hint_level: dict[str, int] = {}


@dataclass
class CheckResult:
    """The verdict of a checker.

    Attributes
    ----------
    ok : bool
    message : str
        What is right, or precisely what is wrong (which term, which parameter, which step).
    exercise : str
    """

    ok: bool
    message: str
    exercise: str = ""

    def __str__(self):
        mark = "Correct" if self.ok else "Not yet"
        return f"{mark}: {self.message}"

    __repr__ = __str__

    def _repr_html_(self):
        colour = "#1b7837" if self.ok else "#b35806"
        mark = "&#10004; Correct" if self.ok else "&#10008; Not yet"
        return (f"<div style='border-left:4px solid {colour};padding:2px 8px'><b style='color:{colour}'>"
                f"{mark}</b>: {html.escape(self.message)}</div>")

    def __bool__(self):
        return self.ok


def register_hints(exercise, hints):
    """Register the progressive hints of an exercise (first the gentlest)."""
    HINTS[exercise] = list(hints)


def hint(exercise, level=None):
    """The next hint for ``exercise`` (or hint number ``level``, counted from 1).

    Hints get more specific each time; the last one says where the solution is.
    """
    if exercise not in HINTS:
        raise ValueError(f"exercise must be one of {sorted(HINTS)}; got {exercise!r}")
    hints = HINTS[exercise]
    if level is None:
        level = min(_hint_level.get(exercise, 0) + 1, len(hints))
    if not 1 <= level <= len(hints):
        raise ValueError(f"level must be between 1 and {len(hints)} for {exercise!r}; got {level}")
    _hint_level[exercise] = level
    return f"Hint {level}/{len(hints)} for {exercise}: {hints[level - 1]}"
