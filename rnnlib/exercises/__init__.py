"""Checkers for the course's exercises: specific feedback, progressive hints, solutions on request.

Each exercise has a checker ``check_<name>(learner_function)`` returning a :class:`CheckResult`
(shown in the notebook as a short verdict with what is wrong) and a list of hints shown one at a
time by ``hint("<name>")``.
"""

from .base import CheckResult, hint, register_hints

__all__ = ["CheckResult", "hint", "register_hints"]
