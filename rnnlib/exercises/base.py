"""Shared pieces of the exercise checkers: the verdict, hints, solutions and a record of results.

Every exercise ``<name>`` of the course has, in one module of :mod:`rnnlib.exercises`:

- a checker ``check_<name>(learner_function) -> CheckResult``;
- progressive hints, registered with :func:`register_hints` and shown one at a time by
  ``hint("<name>")`` (gentle first; the last one says where the solution is);
- ``solution_<name>()`` returning the reference solution as source text.

This module finds them all by that naming convention (:func:`exercises`, :func:`checker`,
:func:`solution`), so ``hint`` and ``solution`` work for every exercise whichever checker module
the notebook imported. Every :class:`CheckResult` created is also recorded (:func:`results`,
:func:`progress`); the course's grader (:mod:`rnnlib.classroom.grade`) runs the checkers itself.
"""

from __future__ import annotations

import html
import importlib
import pkgutil
from collections import deque
from dataclasses import dataclass

__all__ = [
    "call_learner",
    "with_mistake",
    "CheckResult",
    "hint",
    "register_hints",
    "HINTS",
    "register_solution",
    "solution",
    "exercises",
    "checker",
    "results",
    "latest_results",
    "clear_results",
    "progress",
    "discover",
]

HINTS: dict[str, list[str]] = {}
_hint_level: dict[str, int] = {}
# exercise -> callable returning the solution's source text (explicit registrations)
SOLUTIONS: dict = {}
# exercise -> checker function (found by discover())
CHECKERS: dict = {}
# every CheckResult created in this Python process, oldest first (bounded)
RESULTS: deque = deque(maxlen=1000)
_DISCOVERY_ERRORS: dict[str, str] = {}
_discovered = False


@dataclass
class CheckResult:
    """The verdict of a checker.

    Creating one records it (see :func:`results` and :func:`progress`).

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

    def __post_init__(self):
        RESULTS.append(self)

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


class _PlainText(str):
    """A str shown as plain text in a notebook (no quotes, real line breaks)."""

    def _repr_pretty_(self, printer, cycle):
        printer.text(str(self))


class HintText(_PlainText):
    """A hint: a str that a notebook shows without quotes."""


class SolutionText(_PlainText):
    """A solution's source code: a str that a notebook shows as code, without quotes."""


# --------------------------------------------------------------------------- registration
def call_learner(fn, args):
    """Call the learner's function with ``args``; return ``(output, None)`` or ``(None, message)``.

    A checker never crashes on the learner's code: not a function, ``NotImplementedError`` (the
    student edition's placeholder) and any exception become a plain-language message.
    """
    if not callable(fn):
        return None, f"pass your function itself (the name after def), not a {type(fn).__name__}."
    try:
        return fn(*args), None
    except NotImplementedError:
        return None, "your function raises NotImplementedError: replace that line with your code."
    except Exception as exc:  # any failure of the learner's code is reported, never raised
        return None, f"your function raised {type(exc).__name__}: {exc}"


def with_mistake(source, right, wrong, name, **namespace):
    """A written solution with one line edited: the learner's typical mistake, as a function.

    Parameters
    ----------
    source : str
        The solution's source text, one function.
    right : str
        A piece of the solution that occurs exactly once.
    wrong : str
        What replaces it.
    name : str
        The ``__name__`` of the returned function.
    **namespace
        Names the source needs besides ``np`` (for example ``sigmoid``).

    Returns
    -------
    callable
        The edited function; its ``source`` attribute holds the edited text.
    """
    if source.count(right) != 1:
        raise ValueError(f"right must occur exactly once in the solution; got {right!r} {source.count(right)} times")
    import numpy as np  # the solutions are numpy code

    edited = source.replace(right, wrong)
    scope = {"np": np, **namespace}
    exec(edited, scope)  # one line of the solution changed, nothing else
    fn = scope[source.split("def ", 1)[1].split("(", 1)[0]]
    fn.__name__ = name
    fn.source = edited
    return fn


def register_hints(exercise, hints):
    """Register the progressive hints of an exercise (first the gentlest).

    Parameters
    ----------
    exercise : str
        The exercise's name, e.g. ``"rnn_step"``.
    hints : sequence of str
        At least one; the last should say where the solution is.
    """
    if not isinstance(exercise, str) or not exercise:
        raise ValueError(f"exercise must be a non-empty str; got {exercise!r}")
    hints = list(hints)
    if not hints or not all(isinstance(h, str) and h.strip() for h in hints):
        raise ValueError(f"hints for {exercise!r} must be a non-empty list of non-empty str; got {hints!r}")
    HINTS[exercise] = hints


def register_solution(exercise, source):
    """Register the reference solution of an exercise, for :func:`solution`.

    Only needed when the module has no ``solution_<exercise>()`` function (those are found
    automatically).

    Parameters
    ----------
    exercise : str
    source : str or callable
        The solution's source text, or a function without arguments returning it.
    """
    if not isinstance(exercise, str) or not exercise:
        raise ValueError(f"exercise must be a non-empty str; got {exercise!r}")
    if isinstance(source, str):
        text = source
        SOLUTIONS[exercise] = lambda: text
    elif callable(source):
        SOLUTIONS[exercise] = source
    else:
        raise ValueError(f"source must be a str or a callable returning one; got {type(source).__name__}")


def discover(force=False):
    """Import every checker module of :mod:`rnnlib.exercises` and index its exercises.

    Finds ``check_<name>`` functions (the checkers) and ``solution_<name>`` functions (the
    solutions) by name. A module that fails to import is skipped and remembered (its error is
    shown when one of its exercises is asked for).

    Parameters
    ----------
    force : bool
        Index again even if already done.

    Returns
    -------
    list of str
        The exercise names, sorted.
    """
    global _discovered
    if _discovered and not force:
        return exercises()
    package = importlib.import_module(__package__)
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("_") or info.name == "base":
            continue
        module_name = f"{__package__}.{info.name}"
        try:
            module = importlib.import_module(module_name)
        except Exception as exc:  # a broken module must not hide the others' hints
            _DISCOVERY_ERRORS[module_name] = f"{type(exc).__name__}: {exc}"
            continue
        _DISCOVERY_ERRORS.pop(module_name, None)
        for attr, value in vars(module).items():
            if not callable(value) or getattr(value, "__module__", None) != module_name:
                continue
            if attr.startswith("check_"):
                CHECKERS[attr[len("check_"):]] = value
            elif attr.startswith("solution_") and attr[len("solution_"):] not in SOLUTIONS:
                SOLUTIONS[attr[len("solution_"):]] = value
    _discovered = True
    return exercises()


def exercises():
    """The names of all known exercises (those with a checker, hints or a solution), sorted."""
    if not _discovered:
        discover()
    return sorted(set(CHECKERS) | set(HINTS) | set(SOLUTIONS))


def _unknown(exercise, what):
    known = exercises()
    msg = f"exercise must be one of {known}; got {exercise!r}"
    if _DISCOVERY_ERRORS:
        broken = "; ".join(f"{m}: {e}" for m, e in sorted(_DISCOVERY_ERRORS.items()))
        msg += f" (some exercise modules failed to import: {broken})"
    return ValueError(f"{what}: {msg}")


def _lookup(table, exercise, what):
    if exercise not in table:
        discover(force=True)  # a module may have become importable since the last look
    if exercise not in table:
        raise _unknown(exercise, what)
    return table[exercise]


def checker(exercise):
    """The checker function ``check_<exercise>`` of an exercise.

    Parameters
    ----------
    exercise : str

    Returns
    -------
    callable
        ``checker(learner_function) -> CheckResult``.
    """
    return _lookup(CHECKERS, exercise, "checker")


# --------------------------------------------------------------------------- hints and solutions
def hint(exercise, level=None):
    """The next hint for ``exercise`` (or hint number ``level``, counted from 1).

    Hints get more specific each time; the last one says where the solution is. Asking again after
    the last hint repeats it.

    Parameters
    ----------
    exercise : str
        The exercise's name (the notebook says it, e.g. ``hint("rnn_step")``).
    level : int, optional
        Show this hint (1 = gentlest) instead of the next one.

    Returns
    -------
    str
        ``"Hint k/n for <exercise>: ..."``, shown in a notebook without quotes.
    """
    hints = _lookup(HINTS, exercise, "hint")
    if level is None:
        level = min(_hint_level.get(exercise, 0) + 1, len(hints))
    if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= len(hints):
        raise ValueError(f"level must be between 1 and {len(hints)} for {exercise!r}; got {level!r}")
    _hint_level[exercise] = level
    return HintText(f"Hint {level}/{len(hints)} for {exercise}: {hints[level - 1]}")


def solution(exercise):
    """The reference solution of an exercise, as source text. Only shown when you ask for it.

    Parameters
    ----------
    exercise : str

    Returns
    -------
    str
        Python source; a notebook shows it as plain code (or use ``print(solution(...))``).
    """
    source = _lookup(SOLUTIONS, exercise, "solution")
    return SolutionText(source())


# --------------------------------------------------------------------------- the record of results
def results(exercise=None):
    """Every :class:`CheckResult` created in this kernel, oldest first (the last 1000).

    Parameters
    ----------
    exercise : str, optional
        Only this exercise's.

    Returns
    -------
    list of CheckResult
    """
    return [r for r in RESULTS if exercise is None or r.exercise == exercise]


def latest_results():
    """The latest :class:`CheckResult` of each exercise checked in this kernel.

    Returns
    -------
    dict
        exercise name -> CheckResult.
    """
    return {r.exercise: r for r in RESULTS if r.exercise}


def clear_results():
    """Forget the recorded results (and the hint counters)."""
    RESULTS.clear()
    _hint_level.clear()


class _Progress(_PlainText):
    pass


def progress():
    """Which exercises you have passed in this kernel, which are not yet right, which are unchecked.

    An exercise counts as passed if any of its checks in this kernel said "Correct".

    Returns
    -------
    str
        One line per exercise; a notebook shows it as a plain table.
    """
    names = exercises()
    width = max((len(n) for n in names), default=8)
    lines = [f"{'exercise':<{width}}  status"]
    for name in names:
        mine = results(name)
        if any(r.ok for r in mine):
            status = "correct"
        elif mine:
            status = "not yet: " + mine[-1].message.splitlines()[0][:100]
        else:
            status = "not checked in this kernel"
        lines.append(f"{name:<{width}}  {status}")
    return _Progress("\n".join(lines))
