"""The student edition of the course: the notebooks with their solutions taken out.

The committed notebooks hold the solutions between nbgrader's markers::

    def rnn_step_forward_mine(x, h_prev, Wx, Wh, b):
        ### BEGIN SOLUTION
        a = x @ Wx + h_prev @ Wh + b
        h = np.tanh(a)
        ### END SOLUTION
        return h

:func:`student_notebook` replaces each such region by nbgrader's stub, indented like the markers::

        # YOUR CODE HERE
        raise NotImplementedError()

and clears every output and execution count. :func:`make_student_edition` does it for a whole
folder and then searches each written file for every line of every solution (a leak is an error).
:func:`exercise_cells` finds the exercises of a notebook (the function the learner writes and the
checker called on it in the next cells); the grader uses it. :func:`nbgrader_source` writes a copy
with nbgrader's cell metadata, for teachers who run nbgrader.

Markers follow nbgrader (``nbgrader generate_assignment`` produces the same student code): in code
cells any line containing ``BEGIN SOLUTION`` / ``END SOLUTION`` opens / closes a region, and
``BEGIN HIDDEN TESTS`` / ``END HIDDEN TESTS`` regions are removed. In Markdown cells only a line
that is a marker and nothing else counts (nbgrader also counts a marker quoted inside prose).
"""

from __future__ import annotations

import copy
import json
import re
import shutil
from pathlib import Path

__all__ = [
    "BEGIN_SOLUTION",
    "END_SOLUTION",
    "CODE_STUB",
    "TEXT_STUB",
    "MarkerError",
    "strip_solutions",
    "solution_lines",
    "student_notebook",
    "exercise_cells",
    "make_student_edition",
    "find_leaks",
    "nbgrader_source",
    "NOTEBOOK_PATTERN",
]

BEGIN_SOLUTION = "BEGIN SOLUTION"
END_SOLUTION = "END SOLUTION"
BEGIN_HIDDEN = "BEGIN HIDDEN TESTS"
END_HIDDEN = "END HIDDEN TESTS"
CODE_STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")
TEXT_STUB = ("YOUR ANSWER HERE",)
NOTEBOOK_PATTERN = "[0-9][0-9]_*.ipynb"
_MARKDOWN_MARKERS = {f"{hashes} {word}".strip() for hashes in ("", "#", "##", "###")
                     for word in (BEGIN_SOLUTION, END_SOLUTION, BEGIN_HIDDEN, END_HIDDEN)}
_CHECK_CALL = re.compile(r"\b(check_\w+)\(\s*([A-Za-z_]\w*)\s*\)")
_FUNCTION_DEF = re.compile(r"^\s*def\s+([A-Za-z_]\w*)\s*\(", re.MULTILINE)
_STRING_LITERAL = re.compile(r"""(?<![\w])(?:r|R)?(["'])([^"'\n]{1,200})\1""")
_RELATIVE_LINK = re.compile(r"""\]\(\s*<?([^)\s>]+)>?(?:\s+["'][^)]*["'])?\s*\)|<img[^>]*\bsrc=["']([^"']+)["']""")
_EDITION_MARKER = ".student-edition"


class MarkerError(ValueError):
    """Unbalanced or nested solution markers in a notebook cell."""


def _is_marker(line, marker, cell_type):
    if cell_type == "code":
        return marker in line
    return line.strip() in _MARKDOWN_MARKERS and marker in line


def strip_solutions(source, cell_type="code", where="cell"):
    """Replace the solution regions of one cell's source by the stub.

    Parameters
    ----------
    source : str
        The cell's source.
    cell_type : {"code", "markdown", "raw"}
    where : str
        Named in error messages (e.g. ``"02_rnn_recurrence.ipynb cell 25"``).

    Returns
    -------
    new_source : str
        Code cells: each region becomes ``# YOUR CODE HERE`` / ``raise NotImplementedError()``,
        indented like its ``### BEGIN SOLUTION`` line; Markdown cells: ``YOUR ANSWER HERE``.
        Hidden-test regions are removed with their markers.
    n_regions : int
        How many solution regions were replaced.

    Raises
    ------
    MarkerError
        A region that is nested, not closed, or closed without being opened.
    """
    if not isinstance(source, str):
        raise ValueError(f"source must be a str; got {type(source).__name__}")
    if cell_type not in ("code", "markdown", "raw"):
        raise ValueError(f"cell_type must be 'code', 'markdown' or 'raw'; got {cell_type!r}")
    stub = CODE_STUB if cell_type == "code" else TEXT_STUB
    out, region, n_regions = [], None, 0
    for number, line in enumerate(source.split("\n"), start=1):
        if _is_marker(line, BEGIN_SOLUTION, cell_type) or _is_marker(line, BEGIN_HIDDEN, cell_type):
            kind = "solution" if _is_marker(line, BEGIN_SOLUTION, cell_type) else "hidden tests"
            if region is not None:
                raise MarkerError(f"{where}, line {number}: a {kind} region opens inside an open {region} region")
            region = kind
            if kind == "solution":
                n_regions += 1
                indent = line[:len(line) - len(line.lstrip())]
                out.extend(indent + s for s in stub)
        elif _is_marker(line, END_SOLUTION, cell_type) or _is_marker(line, END_HIDDEN, cell_type):
            kind = "solution" if _is_marker(line, END_SOLUTION, cell_type) else "hidden tests"
            if region != kind:
                raise MarkerError(f"{where}, line {number}: END of a {kind} region that was not opened")
            region = None
        elif region is None:
            out.append(line)
    if region is not None:
        raise MarkerError(f"{where}: a {region} region is never closed (missing its END marker)")
    return "\n".join(out), n_regions


def _is_nbgrader_solution(cell):
    return bool(cell.get("metadata", {}).get("nbgrader", {}).get("solution", False))


def student_notebook(nb, name="notebook"):
    """The student edition of one notebook (a new notebook; ``nb`` is not changed).

    Parameters
    ----------
    nb : nbformat.NotebookNode
        A notebook with solutions between markers.
    name : str
        Named in error messages.

    Returns
    -------
    nbformat.NotebookNode
        Solutions replaced by stubs (also whole cells that nbgrader metadata marks as solutions
        but that have no markers), outputs and execution counts cleared, execution timing and
        saved widget state removed.
    """
    student = copy.deepcopy(nb)
    student.metadata.pop("widgets", None)
    for index, cell in enumerate(student.cells):
        new_source, n = strip_solutions(cell.source, cell.cell_type, where=f"{name} cell {index}")
        if n == 0 and _is_nbgrader_solution(cell):
            new_source = "\n".join(CODE_STUB if cell.cell_type == "code" else TEXT_STUB)
        cell.source = new_source
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return student


def solution_lines(nb):
    """Every non-trivial line inside the solution regions of a notebook, stripped.

    A line is trivial when it is blank, only a comment, or shorter than 6 characters
    (``else:``, ``pass``). These are the lines that must not appear in a student edition.

    Parameters
    ----------
    nb : nbformat.NotebookNode

    Returns
    -------
    list of str
    """
    lines = []
    for cell in nb.cells:
        inside = False
        for line in cell.source.split("\n"):
            if _is_marker(line, BEGIN_SOLUTION, cell.cell_type):
                inside = True
            elif _is_marker(line, END_SOLUTION, cell.cell_type):
                inside = False
            elif inside:
                stripped = line.strip()
                if len(stripped) >= 6 and not stripped.startswith("#"):
                    lines.append(stripped)
    return lines


def find_leaks(text, lines):
    """The solution lines (and their code without a trailing comment) found in ``text``.

    Parameters
    ----------
    text : str
        E.g. the whole JSON text of a student notebook.
    lines : list of str
        From :func:`solution_lines`.

    Returns
    -------
    list of str
        The lines found; empty when nothing leaked. Lines are searched both as they are and as
        they would appear inside the notebook's JSON (escaped quotes and backslashes).
    """
    found = []
    for line in lines:
        code = line.split("  #")[0].rstrip() if "  #" in line else line
        candidates = {line, code} if len(code) >= 6 else {line}
        for candidate in candidates:
            escaped = json.dumps(candidate)[1:-1]
            if candidate in text or escaped in text:
                found.append(candidate)
                break
    return found


def exercise_cells(nb):
    """The exercises of a notebook: where the learner writes code and which checker reads it.

    An exercise cell is a code cell with a solution region; its checker is the first
    ``check_<name>(<function>)`` call, in a later code cell, on a function the exercise cell defines.

    Parameters
    ----------
    nb : nbformat.NotebookNode

    Returns
    -------
    list of dict
        One per exercise, in notebook order: ``exercise`` (the checker's name without
        ``check_``), ``checker`` (``check_<name>``), ``function`` (the learner's function),
        ``cell`` (index of the exercise cell), ``check_cell`` (index of the checker cell or None).
    """
    found = []
    cells = nb.cells
    for index, cell in enumerate(cells):
        if cell.cell_type != "code" or not any(_is_marker(line, BEGIN_SOLUTION, "code")
                                               for line in cell.source.split("\n")):
            continue
        functions = _FUNCTION_DEF.findall(cell.source)
        entry = None
        for later in range(index + 1, len(cells)):
            if cells[later].cell_type != "code":
                continue
            if later > index + 1 and any(_is_marker(line, BEGIN_SOLUTION, "code")
                                         for line in cells[later].source.split("\n")):
                break  # the next exercise begins
            for checker_name, argument in _CHECK_CALL.findall(cells[later].source):
                if argument in functions:
                    entry = {"exercise": checker_name[len("check_"):], "checker": checker_name,
                             "function": argument, "cell": index, "check_cell": later}
                    break
            if entry:
                break
        if entry is None:
            entry = {"exercise": None, "checker": None, "function": functions[0] if functions else None,
                     "cell": index, "check_cell": None}
        found.append(entry)
    return found


def _read(path):
    import nbformat

    return nbformat.read(str(path), as_version=4)


def _write(nb, path):
    import nbformat

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))


def _relative_files(nb, folder):
    """Files the notebook names by a path relative to ``folder`` that exist there."""
    names = set()
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for link, src in _RELATIVE_LINK.findall(cell.source):
                names.add((link or src).split("#")[0])
        elif cell.cell_type == "code":
            names.update(m[1] for m in _STRING_LITERAL.findall(cell.source))
    files = []
    folder = Path(folder).resolve()
    for name in sorted(names):
        if not name or "://" in name or name.startswith(("/", "~", "#", "mailto:")) or name.endswith(".ipynb"):
            continue
        candidate = (folder / name).resolve()
        if candidate.exists() and folder in candidate.parents:
            files.append(candidate.relative_to(folder))
    return files


def make_student_edition(source_dir, out_dir, pattern=NOTEBOOK_PATTERN):
    """Write the student edition of every notebook of ``source_dir`` to ``out_dir``.

    Parameters
    ----------
    source_dir : path-like
        The folder of the course notebooks (with solutions).
    out_dir : path-like
        Created if needed. Notebooks left there by an earlier run are removed first (only in a
        folder this function made, recognised by its marker file).
    pattern : str
        Which notebooks (glob).

    Returns
    -------
    dict
        ``notebooks``: the written paths; ``copied``: other files the notebooks name by a
        relative path, copied alongside; ``exercises``: notebook name -> number of solution regions
        replaced.

    Raises
    ------
    ValueError
        No notebook matches, ``out_dir`` is ``source_dir``, or a solution line would survive
        in a written file (nothing is left half-written: the leak check runs before the move).
    """
    source_dir, out_dir = Path(source_dir), Path(out_dir)
    paths = sorted(source_dir.glob(pattern))
    if not paths:
        raise ValueError(f"source_dir must contain notebooks matching {pattern!r}; found none in {source_dir}")
    if out_dir.resolve() == source_dir.resolve():
        raise ValueError(f"out_dir must differ from source_dir (it would overwrite the solutions); got {out_dir}")
    editions, copied, counts = {}, set(), {}
    for path in paths:
        nb = _read(path)
        student = student_notebook(nb, name=path.name)
        import nbformat

        text = nbformat.writes(student)
        leaks = find_leaks(text, solution_lines(nb))
        if leaks:
            raise ValueError(f"{path.name}: solution text would survive in the student edition: {leaks[:5]}")
        editions[path.name] = text
        counts[path.name] = sum(strip_solutions(c.source, c.cell_type)[1] for c in nb.cells)
        copied.update(_relative_files(nb, source_dir))
    if out_dir.exists() and (out_dir / _EDITION_MARKER).exists():
        for old in out_dir.glob("*.ipynb"):
            old.unlink()
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / _EDITION_MARKER).write_text("made by rnnlib.classroom.student.make_student_edition\n")
    written = []
    for name, text in editions.items():
        target = out_dir / name
        target.write_text(text, encoding="utf-8")
        written.append(target)
    for relative in sorted(copied):
        source, target = source_dir / relative, out_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
        else:
            shutil.copy2(source, target)
    return {"notebooks": written, "copied": sorted(copied), "exercises": counts}


def nbgrader_source(nb, points=1):
    """A copy of a solution notebook with nbgrader's cell metadata, ready for ``nbgrader generate_assignment``.

    Each exercise cell becomes an "Autograded answer" cell (``solution: true``); the checker cell
    after it becomes an "Autograder tests" cell worth ``points`` that prints the checker's message
    and asserts its verdict (the message is also the assertion's text, so the student's feedback
    stays specific). The cell ends with the assertion, not with an expression: nbgrader would
    read an expression's value as the cell's score.

    Parameters
    ----------
    nb : nbformat.NotebookNode
    points : int or float
        Points per exercise.

    Returns
    -------
    nbformat.NotebookNode

    Raises
    ------
    ValueError
        The notebook has no exercise, an exercise has no checker cell, or a Markdown cell quotes
        a marker inside prose (nbgrader would take it for a solution region).
    """
    if isinstance(points, bool) or not isinstance(points, (int, float)) or points < 0:
        raise ValueError(f"points must be a number >= 0; got {points!r}")
    source = copy.deepcopy(nb)
    for index, cell in enumerate(source.cells):
        if cell.cell_type == "markdown":
            for line in cell.source.split("\n"):
                if (BEGIN_SOLUTION in line or END_SOLUTION in line) and line.strip() not in _MARKDOWN_MARKERS:
                    raise ValueError(f"markdown cell {index} quotes a solution marker in prose ({line.strip()!r}); "
                                     "nbgrader would treat it as a solution region: reword it")
    found = exercise_cells(source)
    if not found:
        raise ValueError("the notebook has no exercise (no code cell with ### BEGIN SOLUTION)")
    for entry in found:
        if entry["check_cell"] is None:
            raise ValueError(f"exercise cell {entry['cell']} has no checker cell (check_<name>(<its function>))")
        answer = source.cells[entry["cell"]]
        answer.metadata["nbgrader"] = {"grade": False, "locked": False, "solution": True, "task": False,
                                       "grade_id": f"{entry['exercise']}_answer", "schema_version": 3}
        test = source.cells[entry["check_cell"]]
        call = f"{entry['checker']}({entry['function']})"
        # the message printed, not left as the cell's value: nbgrader reads a test cell's value as its score
        assertion = f"_result = {call}\nprint(_result.message)\nassert _result.ok, _result.message"
        if test.source.strip() == call:
            test.source = assertion
        else:  # keep whatever else the cell does, then assert
            test.source = test.source.rstrip() + "\n" + assertion
        test.metadata["nbgrader"] = {"grade": True, "locked": True, "solution": False, "task": False,
                                     "points": points, "grade_id": f"{entry['exercise']}_check",
                                     "schema_version": 3}
        test.outputs = []
        test.execution_count = None
    return source
