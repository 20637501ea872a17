"""Every exercise of the course, through the registry in rnnlib.exercises.base: hints, solution,
a checker that accepts its own solution and never crashes, and the record of results."""

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

import rnnlib
from rnnlib.classroom.student import exercise_cells
from rnnlib.exercises import base
from rnnlib.exercises.base import (
    CheckResult,
    checker,
    clear_results,
    exercises,
    hint,
    latest_results,
    progress,
    register_hints,
    register_solution,
    results,
    solution,
)

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = exercises()


@pytest.fixture(autouse=True)
def _fresh_record():
    clear_results()
    yield
    clear_results()


def _solution_function(name):
    """The reference solution's source, executed in its checker module's namespace."""
    source = solution(name)
    function = next(node.name for node in ast.parse(source).body if isinstance(node, ast.FunctionDef))
    namespace = dict(vars(importlib.import_module(checker(name).__module__)))
    namespace.update(np=np, sigmoid=rnnlib.sigmoid)
    exec(source, namespace)
    return namespace[function]


def test_every_notebook_exercise_is_registered_and_every_registered_one_is_used():
    in_notebooks = set()
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        for entry in exercise_cells(nbformat.read(path, as_version=4)):
            assert entry["exercise"] in EXERCISES, f"{path.name}: {entry['checker']} is not a registered checker"
            in_notebooks.add(entry["exercise"])
    assert in_notebooks == set(EXERCISES)


def test_every_exercise_module_has_its_test_file():
    for name in EXERCISES:
        module = checker(name).__module__.rsplit(".", 1)[-1]
        assert (ROOT / "tests" / f"test_exercises_{module}.py").exists(), module


@pytest.mark.parametrize("name", EXERCISES)
def test_hints_are_progressive_and_the_last_points_to_the_solution(name):
    hints = base.HINTS[name]
    assert len(hints) >= 3, name
    assert len(set(hints)) == len(hints)
    assert "solution" in hints[-1]
    assert not any("solution" in h.lower() and "print(" in h for h in hints[:-1])
    shown = [hint(name) for _ in range(len(hints) + 1)]
    assert [s.split(": ", 1)[1] for s in shown] == hints + hints[-1:]  # then the last one again
    assert shown[0].startswith(f"Hint 1/{len(hints)} for {name}: ")
    assert hint(name, level=1) == shown[0]


@pytest.mark.parametrize("name", EXERCISES)
def test_solution_passes_its_checker(name):
    verdict = checker(name)(_solution_function(name))
    assert isinstance(verdict, CheckResult)
    assert verdict.ok, verdict.message
    assert verdict.exercise == name  # the grader's columns use this name


def _raises_not_implemented(*args, **kwargs):
    raise NotImplementedError()


WRONG_ANSWERS = {
    "raises ValueError": lambda *a, **k: (_ for _ in ()).throw(ValueError("boom")),
    "returns None": lambda *a, **k: None,
    "returns a str": lambda *a, **k: "hello",
    "returns a wrong-shaped array": lambda *a, **k: np.zeros((2, 2)),
    "returns NaN": lambda *a, **k: np.full((7, 7), np.nan),
    "returns a tuple of None": lambda *a, **k: (None,) * 6,
    "returns a scalar": lambda *a, **k: 1.0,
    "returns a mixed list": lambda *a, **k: [1, "a"],
    "takes no positional arguments": lambda *, x=None: x,
    "is not a function": 42,
}


@pytest.mark.parametrize("name", EXERCISES)
def test_blank_student_function_gets_not_yet_not_a_crash(name):
    verdict = checker(name)(_raises_not_implemented)
    assert isinstance(verdict, CheckResult) and not verdict.ok
    assert verdict.exercise == name
    assert "NotImplementedError" in verdict.message or "not implemented" in verdict.message.lower()


@pytest.mark.parametrize("wrong", WRONG_ANSWERS, ids=list(WRONG_ANSWERS))
@pytest.mark.parametrize("name", EXERCISES)
def test_checkers_report_broken_answers_without_crashing(name, wrong):
    verdict = checker(name)(WRONG_ANSWERS[wrong])
    assert isinstance(verdict, CheckResult) and not verdict.ok, (name, wrong)
    assert verdict.message.strip(), (name, wrong)


def test_hint_and_solution_work_for_every_exercise_after_importing_only_the_package():
    code = ("from rnnlib.exercises import hint, solution, exercises; "
            "names = exercises(); "
            "assert len(names) >= 9, names; "
            "[hint(n) for n in names]; [solution(n) for n in names]; print(len(names))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) == len(EXERCISES)


def test_unknown_exercise_and_bad_level_are_clear_errors():
    with pytest.raises(ValueError, match=r"exercise must be one of \[.*'rnn_step'.*\]; got 'rnn_stepp'"):
        hint("rnn_stepp")
    with pytest.raises(ValueError, match="exercise must be one of"):
        solution("nope")
    with pytest.raises(ValueError, match="exercise must be one of"):
        checker("nope")
    with pytest.raises(ValueError, match="level must be between 1 and 3 for 'rnn_step'; got 4"):
        hint("rnn_step", level=4)
    with pytest.raises(ValueError, match="level must be between"):
        hint("rnn_step", level=True)


def test_solution_is_only_shown_on_request_and_displays_as_plain_code():
    text = solution("rnn_step")
    assert text.startswith("def rnn_step_forward_mine(") and "np.tanh" in text
    assert all("np.tanh(a)" not in hint("rnn_step", level=k) for k in (1, 2))

    class Printer:
        def __init__(self):
            self.out = ""

        def text(self, value):
            self.out += value

    printer = Printer()
    text._repr_pretty_(printer, False)
    assert printer.out == str(text)  # no quotes, real line breaks in a notebook


def test_every_check_result_is_recorded_and_progress_counts_any_pass():
    good = checker("rnn_step")(_solution_function("rnn_step"))
    bad = checker("rnn_step")(lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + b))  # a demo mistake after passing
    assert results("rnn_step") == [good, bad]
    assert latest_results()["rnn_step"] is bad
    table = str(progress())
    assert "rnn_step" in table.splitlines()[EXERCISES.index("rnn_step") + 1]
    line = next(line for line in table.splitlines() if line.startswith("rnn_step "))
    assert line.split()[-1] == "correct"
    line = next(line for line in table.splitlines() if line.startswith("cell_highway "))
    assert "not checked" in line
    checker("cell_highway")(_raises_not_implemented)
    line = next(line for line in str(progress()).splitlines() if line.startswith("cell_highway "))
    assert line.split()[1:3] == ["not", "yet:"]
    clear_results()
    assert results() == []


def test_check_result_keeps_its_display():
    verdict = CheckResult(False, "the bias b is missing", "demo")
    assert str(verdict) == repr(verdict) == "Not yet: the bias b is missing"
    assert "&#10008; Not yet" in verdict._repr_html_() and not verdict
    assert CheckResult(True, "fine") and results()[-1].message == "fine"


def test_register_hints_and_solution_validate_and_extend_the_registry(monkeypatch):
    monkeypatch.setattr(base, "HINTS", dict(base.HINTS))
    monkeypatch.setattr(base, "SOLUTIONS", dict(base.SOLUTIONS))
    register_hints("demo_exercise", ["first", "second", "solution: solution('demo_exercise')"])
    register_solution("demo_exercise", "x = 1\n")
    assert hint("demo_exercise") == "Hint 1/3 for demo_exercise: first"
    assert solution("demo_exercise") == "x = 1\n"
    register_solution("demo_exercise", lambda: "y = 2\n")
    assert solution("demo_exercise") == "y = 2\n"
    assert "demo_exercise" in exercises()
    with pytest.raises(ValueError, match="hints for 'x' must be a non-empty list"):
        register_hints("x", [])
    with pytest.raises(ValueError, match="exercise must be a non-empty str"):
        register_hints("", ["a"])
    with pytest.raises(ValueError, match="source must be a str or a callable"):
        register_solution("x", 3)


def test_a_broken_exercise_module_does_not_hide_the_others(monkeypatch):
    real_import = importlib.import_module

    def failing(name, *args):
        if name == "rnnlib.exercises.lstm_vs_rnn":
            raise ImportError("simulated")
        return real_import(name, *args)

    monkeypatch.setattr(base.importlib, "import_module", failing)
    try:
        base.discover(force=True)
        assert "rnnlib.exercises.lstm_vs_rnn" in base._DISCOVERY_ERRORS
        assert hint("rnn_step").startswith("Hint 1/3")
        with pytest.raises(ValueError, match="failed to import: rnnlib.exercises.lstm_vs_rnn: ImportError: simulated"):
            hint("no_such_exercise")
    finally:
        monkeypatch.undo()
        base.discover(force=True)
    assert base._DISCOVERY_ERRORS == {}
