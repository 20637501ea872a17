"""Checkers for the course's exercises: specific feedback, progressive hints, solutions on request.

Each exercise has a checker ``check_<name>(learner_function)`` returning a :class:`CheckResult`
(shown in the notebook as a short verdict with what is wrong), a list of hints shown one at a
time by ``hint("<name>")``, and a reference solution shown only on request by
``solution("<name>")``. ``progress()`` lists which exercises you have passed in this kernel.
"""

from .base import CheckResult, checker, exercises, hint, progress, register_hints, register_solution, solution

__all__ = ["CheckResult", "checker", "exercises", "hint", "progress", "register_hints", "register_solution",
           "solution"]
