"""The grader (rnnlib.classroom.grade) on a generated class: correct, partly wrong, empty, hanging, crashing,
corrupt and cell-deleting submissions of notebook 02's exercise.

The submissions are cut from notebooks/02_rnn_recurrence.ipynb (its import cell and everything
from the exercise on) so that each runs in a few seconds; the full notebooks run in
tests/test_student.py.
"""

import copy
import csv
import hashlib
import json
import os
import time
from pathlib import Path

import nbformat
import pytest

from rnnlib.classroom import grade
from rnnlib.classroom.student import exercise_cells, student_notebook

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "notebooks" / "02_rnn_recurrence.ipynb"
TIMEOUT = 20  # seconds per notebook: the cut notebook needs ~3 s; the hanging one is stopped at 20 s
CHECK_TIMEOUT = 8  # seconds per exercise check: the right ones take milliseconds


def _cut(nb):
    """Title, import cell, and everything from the markdown before the exercise to the end."""
    (entry,) = exercise_cells(nb)
    first_code = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
    keep = [0, first_code, *range(entry["cell"] - 1, len(nb.cells))]
    cut = copy.deepcopy(nb)
    cut.cells = [copy.deepcopy(nb.cells[i]) for i in keep]
    return cut, keep.index(entry["cell"])


def _snapshot(folder):
    return {str(p.relative_to(folder)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("class")
    submissions = base / "submissions"
    submissions.mkdir()
    solution, k = _cut(nbformat.read(SOURCE, as_version=4))

    nbformat.write(solution, submissions / "ann.ipynb")  # correct

    wrong = copy.deepcopy(solution)  # the typical mistake: PyTorch's weight_hh used as if it were W_h
    wrong.cells[k].source = wrong.cells[k].source.replace("h_prev @ weight_hh.T", "h_prev @ weight_hh")
    assert wrong.cells[k].source != solution.cells[k].source
    nbformat.write(wrong, submissions / "ben.ipynb")

    nbformat.write(student_notebook(solution), submissions / "cleo.ipynb")  # the student edition, untouched

    hanging = copy.deepcopy(solution)  # hangs after the exercise
    hanging.cells.insert(k + 2, nbformat.v4.new_code_cell("while True:\n    pass"))
    nbformat.write(hanging, submissions / "dan.ipynb")

    crash = copy.deepcopy(solution)  # kills its kernel before the exercise
    crash.cells.insert(k, nbformat.v4.new_code_cell("import os\nos._exit(1)"))
    nbformat.write(crash, submissions / "eve.ipynb")

    text = nbformat.writes(solution)  # truncated JSON
    (submissions / "finn.ipynb").write_text(text[: len(text) // 2])

    deleted = copy.deepcopy(solution)  # exercise and checker cells deleted; a folder per student
    del deleted.cells[k:k + 2]
    (submissions / "gus").mkdir()
    nbformat.write(deleted, submissions / "gus" / "02_rnn_recurrence.ipynb")
    (submissions / "gus" / ".ipynb_checkpoints").mkdir()
    nbformat.write(solution, submissions / "gus" / ".ipynb_checkpoints" / "02_rnn_recurrence-checkpoint.ipynb")
    looping = copy.deepcopy(solution)  # the function loops forever; its checker cell was deleted
    looping.cells[k].source = looping.cells[k].source.replace(
        "### BEGIN SOLUTION", "### BEGIN SOLUTION\n    while True:\n        pass")
    del looping.cells[k + 1]
    nbformat.write(looping, submissions / "hal.ipynb")

    (submissions / "notes.txt").write_text("not a submission\n")

    before = _snapshot(submissions)
    out = base / "out"
    code = grade.main([str(submissions), "--out", str(out), "--source", str(SOURCE), "--timeout", str(TIMEOUT),
                       "--check-timeout", str(CHECK_TIMEOUT), "--jobs", "2", "--quiet"])
    with open(out / "grades.csv", newline="") as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    return {"code": code, "out": out, "rows": rows, "submissions": submissions, "before": before,
            "results": json.loads((out / "results.json").read_text())}


# --------------------------------------------------------------------------- an endless loop in one exercise
LSTM_SOURCE = ROOT / "notebooks" / "05_lstm_cell.ipynb"
CELL_TIMEOUT = 4  # seconds per cell in this test: every cell of the cut notebook takes well under 1 s
LOOP_CHECK_TIMEOUT = 3  # seconds per check in this test: notebook 05's checks take < 0.1 s
LOOP_TIMEOUT = 300  # seconds per notebook: what one endless loop cost before the per-cell limit


def _exercises_only(nb):
    """A small import cell, then each exercise cell of notebook 05 and its checker cell (~1 s in all)."""
    entries = exercise_cells(nb)
    imports = ("import numpy as np\n\nfrom rnnlib import lstm_step_backward\nfrom rnnlib.lstm import LSTMStepCache\n"
               "from rnnlib.exercises.lstm_cell import (check_lstm_backward, check_lstm_latch, "
               "check_lstm_step_backward,\n    check_retention_prediction)")
    cut = copy.deepcopy(nb)
    cut.cells = [nbformat.v4.new_code_cell(imports)]
    for entry in entries:
        cut.cells += [copy.deepcopy(nb.cells[entry["cell"]]), copy.deepcopy(nb.cells[entry["check_cell"]])]
    return cut, [e["exercise"] for e in entries]


@pytest.fixture(scope="module")
def looping(tmp_path_factory):
    base = tmp_path_factory.mktemp("looping")
    submissions = base / "submissions"
    submissions.mkdir()
    nb, exercises = _exercises_only(nbformat.read(LSTM_SOURCE, as_version=4))
    assert exercises[0] == "retention_prediction" and len(exercises) == 4
    top = copy.deepcopy(nb)  # the first exercise's cell loops before it defines the function
    top.cells[1].source = "while True:\n    pass\n\n" + top.cells[1].source
    nbformat.write(top, submissions / "ida.ipynb")
    inside = copy.deepcopy(nb)  # the function loops: its own checker cell hangs, then the grader's check
    inside.cells[1].source = inside.cells[1].source.replace(
        "### BEGIN SOLUTION", "### BEGIN SOLUTION\n    while True:\n        pass", 1)
    nbformat.write(inside, submissions / "jon.ipynb")
    start = time.monotonic()
    code = grade.main([str(submissions), "--out", str(base / "out"), "--source", str(LSTM_SOURCE),
                       "--timeout", str(LOOP_TIMEOUT), "--cell-timeout", str(CELL_TIMEOUT),
                       "--check-timeout", str(LOOP_CHECK_TIMEOUT), "--jobs", "2", "--quiet"])
    seconds = time.monotonic() - start
    report = json.loads((base / "out" / "results.json").read_text())
    return {"code": code, "seconds": seconds, "exercises": exercises, "out": base / "out",
            "students": {s["student"]: s for s in report["students"]}, "settings": report["settings"]}


@pytest.mark.notebooks
def test_an_endless_loop_costs_only_its_own_exercise(looping):
    assert looping["code"] == 0
    first, *others = looping["exercises"]
    for student in ("ida", "jon"):
        verdicts = looping["students"][student]["exercises"]
        assert verdicts[first]["status"] == "timeout", (student, verdicts[first])
        assert [verdicts[e]["status"] for e in others] == ["correct"] * 3, (student, verdicts)
        assert looping["students"][student]["score"] == 3
    ida = looping["students"]["ida"]
    assert ida["exercises"][first]["message"] == (
        f"cell 2 (`while True:`), which defines retention_prediction_mine, did not finish in {CELL_TIMEOUT} s and "
        "was interrupted: does it loop forever?")
    assert ida["problems"] == [f"ida.ipynb: cell 2 (`while True:`) did not finish in {CELL_TIMEOUT} s (the limit "
                               "per cell) and was interrupted; the later cells still ran"]
    jon = looping["students"]["jon"]
    assert jon["problems"] == [f"jon.ipynb: cell 3 (`check_retention_prediction(retention_prediction...`) did not "
                               f"finish in {CELL_TIMEOUT} s (the limit per cell) and was interrupted; the later cells "
                               "still ran"]
    assert jon["exercises"][first]["message"] == (
        f"checking took longer than {LOOP_CHECK_TIMEOUT} s: does the function loop forever?")
    assert looping["settings"]["cell_timeout"] == CELL_TIMEOUT


@pytest.mark.notebooks
def test_an_endless_loop_takes_the_cell_limit_not_the_notebook_limit(looping):
    # ida: one cell limit (4 s) + kernel start and ~1 s of cells; jon: + one check limit (3 s). Before the
    # per-cell limit each took the notebook limit (300 s here). A bound that means "broken", not a timing.
    for student in ("ida", "jon"):
        (result,) = looping["students"][student]["notebooks"]
        assert result["seconds"] < LOOP_TIMEOUT / 4, (student, result["seconds"])
    assert looping["seconds"] < LOOP_TIMEOUT / 3


@pytest.mark.notebooks
def test_every_submission_gets_one_row_and_the_run_succeeds(graded):
    assert graded["code"] == 0
    assert sorted(graded["rows"]) == ["ann", "ben", "cleo", "dan", "eve", "finn", "gus", "hal"]
    assert list(graded["rows"]["ann"]) == ["student", "score", "out_of", "rnn_step", "problems"]


@pytest.mark.parametrize("student, status, score", [
    ("ann", "correct", "1"),
    ("ben", "incorrect", "0"),
    ("cleo", "not attempted", "0"),
    ("dan", "correct", "1"),  # graded on what ran before the time limit
    ("eve", "kernel died", "0"),
    ("finn", "not run", "0"),
    ("gus", "missing", "0"),
    ("hal", "timeout", "0"),
])
@pytest.mark.notebooks
def test_status_and_score_per_submission(graded, student, status, score):
    row = graded["rows"][student]
    assert (row["rnn_step"], row["score"], row["out_of"]) == (status, score, "1")


@pytest.mark.notebooks
def test_problems_name_what_happened(graded):
    rows = graded["rows"]
    assert rows["ann"]["problems"] == "" and rows["ben"]["problems"] == "" and rows["cleo"]["problems"] == ""
    assert rows["hal"]["problems"] == ""  # the notebook itself ran; only the check was stopped
    assert f"time limit ({TIMEOUT} s) reached in cell" in rows["dan"]["problems"]
    assert "`while True:`" in rows["dan"]["problems"]
    assert "kernel died in cell" in rows["eve"]["problems"] and "`import os`" in rows["eve"]["problems"]
    assert "not a valid notebook" in rows["finn"]["problems"]


@pytest.mark.notebooks
def test_feedback_is_the_checkers_specific_message(graded):
    students = {s["student"]: s for s in graded["results"]["students"]}
    assert "the recurrent term uses weight_hh as if it were W_h" in students["ben"]["exercises"]["rnn_step"]["message"]
    assert "NotImplementedError" in students["cleo"]["exercises"]["rnn_step"]["message"]
    assert "rnn_step_forward_mine is not defined" in students["gus"]["exercises"]["rnn_step"]["message"]
    assert (f"checking took longer than {CHECK_TIMEOUT} s: does the function loop forever?"
            == students["hal"]["exercises"]["rnn_step"]["message"])
    feedback = (graded["out"] / "feedback" / "ben.md").read_text()
    assert "**rnn_step**" in feedback and "weight_hh is W_h transposed" in feedback
    summary = (graded["out"] / "summary.md").read_text()
    assert "| student | score | exercise rnn_step (02) | problems |" in summary
    assert "| ben | 0/1 | incorrect |" in summary


@pytest.mark.notebooks
def test_student_check_cells_do_not_decide_the_grade(graded):
    # ben's own checker cell ran and said "Not yet"; the demo cell after it checks a wrong lambda:
    # the grade comes from the grader's own call on ben's function, and ann's demo cell (a wrong
    # lambda, "Not yet") does not lower hers.
    executed = nbformat.read(graded["out"] / "executed" / "ben" / "ben.ipynb", as_version=4)
    texts = [json.dumps(c.get("outputs", [])) for c in executed.cells if c.cell_type == "code"]
    assert any("Not yet" in t for t in texts)
    assert graded["rows"]["ann"]["rnn_step"] == "correct"


@pytest.mark.notebooks
def test_executed_copies_are_saved_without_the_grading_cell(graded):
    executed = nbformat.read(graded["out"] / "executed" / "ann" / "ann.ipynb", as_version=4)
    original = nbformat.read(graded["submissions"] / "ann.ipynb", as_version=4)
    assert [c.source for c in executed.cells] == [c.source for c in original.cells]
    assert all(c.execution_count is not None for c in executed.cells if c.cell_type == "code")
    assert not (graded["out"] / "executed" / "finn").exists()


@pytest.mark.notebooks
def test_submissions_folder_is_not_modified(graded):
    after = _snapshot(graded["submissions"])
    assert after == graded["before"]


@pytest.mark.notebooks
def test_checkpoint_copies_and_other_files_are_ignored(graded):
    gus = next(s for s in graded["results"]["students"] if s["student"] == "gus")
    assert [r["notebook"] for r in gus["notebooks"]] == ["02_rnn_recurrence.ipynb"]


def test_out_inside_submissions_is_refused(tmp_path, capsys):
    (tmp_path / "a.ipynb").write_text("{}")
    before = _snapshot(tmp_path)
    code = grade.main([str(tmp_path), "--out", str(tmp_path / "grades"), "--source", str(SOURCE), "--quiet"])
    assert code == 2
    assert "out must be outside the submissions folder" in capsys.readouterr().err
    assert _snapshot(tmp_path) == before and not (tmp_path / "grades").exists()


def test_missing_submissions_folder_is_a_clear_error(tmp_path, capsys):
    code = grade.main([str(tmp_path / "nowhere"), "--out", str(tmp_path / "o"), "--source", str(SOURCE)])
    assert code == 2
    assert "SUBMISSIONS_DIR must be a folder" in capsys.readouterr().err


def test_bad_arguments_raise_value_errors(tmp_path):
    with pytest.raises(ValueError, match="jobs must be an int >= 1"):
        grade.grade(tmp_path, tmp_path.parent / "o", source=SOURCE, jobs=0)
    with pytest.raises(ValueError, match="timeout and check_timeout must be > 0"):
        grade.grade_notebook(SOURCE, None, timeout=0)
    with pytest.raises(ValueError, match="timeout and check_timeout must be > 0"):
        grade.grade(tmp_path, tmp_path.parent / "o", source=SOURCE, check_timeout=-1)
    with pytest.raises(ValueError, match="cell_timeout must be > 0"):
        grade.grade_notebook(SOURCE, None, cell_timeout=0)
    with pytest.raises(ValueError, match="cell_timeout must be > 0"):
        grade.grade(tmp_path, tmp_path.parent / "o", source=SOURCE, cell_timeout=float("nan"))
    with pytest.raises(ValueError, match="source must be a folder of notebooks or a notebook"):
        grade.course_notebooks(tmp_path / "missing")


def test_an_unforeseen_failure_is_reported_for_that_notebook_only(monkeypatch):
    def broken(*args):
        raise RuntimeError("surprise")

    monkeypatch.setattr(grade, "grade_notebook", broken)
    course = {"name": "02_rnn_recurrence.ipynb", "exercises": [{"exercise": "rnn_step"}]}
    result = grade._grade_task(("x/ann.ipynb", course, 10, 10, None, False))
    assert result["problems"] == ["could not grade this notebook: RuntimeError: surprise"]
    assert result["exercises"]["rnn_step"]["status"] == "error"


def test_course_notebooks_lists_every_exercise_with_its_checker_module():
    course = grade.course_notebooks()
    by_name = {c["name"]: c for c in course}
    assert by_name["00_start_here.ipynb"]["exercises"] == []
    (rnn_step,) = by_name["02_rnn_recurrence.ipynb"]["exercises"]
    assert rnn_step == {"exercise": "rnn_step", "checker": "check_rnn_step",
                        "module": "rnnlib.exercises.rnn_recurrence",
                        "function": "rnn_step_forward_mine"}
    for c in course:
        for e in c["exercises"]:
            assert e["module"] is not None, f"{c['name']}: no module defines {e['checker']}"


def test_matching_by_name_prefix_and_content(tmp_path):
    course = grade.course_notebooks()
    nb = nbformat.read(SOURCE, as_version=4)
    assert grade._match(Path("02_rnn_recurrence.ipynb"), None, course)["name"] == "02_rnn_recurrence.ipynb"
    assert grade._match(Path("02_rnn_recurrence-Copy1.ipynb"), None, course)["name"] == "02_rnn_recurrence.ipynb"
    assert grade._match(Path("04-mine.ipynb"), None, course)["name"] == "04_vanishing_gradient.ipynb"
    assert grade._match(Path("homework.ipynb"), nb, course)["name"] == "02_rnn_recurrence.ipynb"
    cut = copy.deepcopy(nb)
    cut.cells = [c for c in cut.cells if "rnn_step_forward_mine" not in c.source]  # exercise deleted
    assert grade._match(Path("homework.ipynb"), cut, course)["name"] == "02_rnn_recurrence.ipynb"
    assert grade._match(Path("homework.ipynb"), nbformat.v4.new_notebook(), course) is None


def test_find_submissions(tmp_path):
    (tmp_path / "zoe.ipynb").write_text("{}")
    (tmp_path / "adam").mkdir()
    (tmp_path / "adam" / "week1").mkdir()
    (tmp_path / "adam" / "week1" / "02_rnn_recurrence.ipynb").write_text("{}")
    (tmp_path / "adam" / ".ipynb_checkpoints").mkdir()
    (tmp_path / "adam" / ".ipynb_checkpoints" / "x-checkpoint.ipynb").write_text("{}")
    (tmp_path / "empty").mkdir()
    (tmp_path / ".hidden.ipynb").write_text("{}")
    found = grade.find_submissions(tmp_path)
    assert [(s, [p.name for p in ps]) for s, ps in found] == [
        ("adam", ["02_rnn_recurrence.ipynb"]), ("empty", []), ("zoe", ["zoe.ipynb"])]


def test_kernel_environment_is_reduced_and_imports_this_rnnlib(monkeypatch):
    monkeypatch.setenv("SECRET_API_TOKEN", "x")
    monkeypatch.setenv("PYTHONPATH", "/somewhere")
    env = grade._kernel_env()
    assert "SECRET_API_TOKEN" not in env
    assert env["PYTHONPATH"].split(os.pathsep) == [str(ROOT), "/somewhere"]  # the folder holding rnnlib
    assert env["OPENBLAS_NUM_THREADS"] == os.environ.get("OPENBLAS_NUM_THREADS", "1")
    assert "SECRET_API_TOKEN" in grade._kernel_env(keep_env=True)


@pytest.mark.parametrize("failures, status", [(1, "incorrect"), (2, "error")])
def test_a_kernel_that_dies_before_any_cell_is_started_again_once(tmp_path, monkeypatch, failures, status):
    """A kernel start that fails (a busy machine) is retried once; a second failure is reported.

    The submission's function is wrong on purpose: "incorrect" shows that it ran and was checked."""
    real = grade._client_class()
    starts = []

    class FlakyStart(real):
        def setup_kernel(self, **kwargs):
            starts.append(1)
            if len(starts) <= failures:
                raise RuntimeError("Kernel died before replying to kernel_info")
            return super().setup_kernel(**kwargs)

    monkeypatch.setattr(grade, "_client_class", lambda: FlakyStart)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "def rnn_step_forward_mine(x, h_prev, Wx, Wh, b):\n    return h_prev")])
    path = tmp_path / "ann.ipynb"
    nbformat.write(nb, path)
    (course,) = [c for c in grade.course_notebooks() if c["name"] == SOURCE.name]
    result = grade.grade_notebook(path, course, timeout=120, check_timeout=60)
    assert len(starts) == min(failures + 1, grade.KERNEL_START_ATTEMPTS) == 2
    assert result["exercises"]["rnn_step"]["status"] == status
    if failures == 1:
        assert result["problems"] == []
    else:
        assert result["problems"] == ["could not run the notebook: RuntimeError: Kernel died before replying to "
                                      "kernel_info"]
