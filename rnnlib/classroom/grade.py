"""Grade submitted notebooks: run each in its own kernel and collect every exercise's verdict.

Usage::

    rnnlib-grade SUBMISSIONS_DIR [--out grades] [--timeout 300] [--cell-timeout 180] [--jobs 2]
    python -m rnnlib.classroom.grade SUBMISSIONS_DIR            # the same, without the console script

``SUBMISSIONS_DIR`` holds one entry per student: a notebook (``alice.ipynb``) or a folder of
notebooks (``alice/02_rnn_recurrence.ipynb``, nbgrader's ``submitted/alice/...`` works too). Each
notebook is matched to a course notebook (by file name, else by the exercise functions it
defines), copied to a temporary folder and executed there top to bottom in a fresh kernel, with a
time limit per cell (a cell still running is interrupted and the next cells run) and one for the
whole notebook. Errors do not stop the run. Then a cell the grader appends to the copy calls every
exercise's checker (``rnnlib.exercises.<module>.check_<name>``) on the learner's function, so the
verdict does not depend on the learner's own checker cells.

Nothing in ``SUBMISSIONS_DIR`` is written. The results go to ``--out``:

- ``grades.csv``: one row per student, one column per exercise (correct / incorrect /
  not attempted / missing / error / timeout / kernel died / not run / not submitted), the score
  and the problems;
- ``summary.md``: the same table and each student's feedback (the checkers' messages);
- ``feedback/<student>.md``: one file per student, to hand back;
- ``executed/<student>/<notebook>.ipynb``: the executed copies, to look at;
- ``results.json``: everything, for scripts.

Submissions are untrusted code: run the grader in a throwaway container or account
(docs/teaching.md says how). The kernel gets a reduced environment (no tokens from yours) and a
temporary working folder, but it runs with your user's rights.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import math
import os
import re
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["STATUSES", "course_notebooks", "find_submissions", "grade_notebook", "grade", "main"]

# The folder that holds the rnnlib package (a checkout or site-packages): the kernels import the same rnnlib.
PACKAGE_PARENT = Path(__file__).resolve().parents[2]
# The course's solution notebooks: ./notebooks of the course folder the grader is run from, or --source.
DEFAULT_SOURCE = Path("notebooks")
# From best to worst; when a student hands in two copies of a notebook, the better result counts.
STATUSES = ("correct", "incorrect", "not attempted", "missing", "error", "timeout", "kernel died", "not run",
            "not submitted")
MAX_OUTPUT_BYTES = 2_000_000  # per cell: a cell printing forever cannot fill the grader's memory
# A kernel that dies before any cell ran (a busy machine: seen once in CI with --jobs 2, "Kernel died
# before replying to kernel_info") is started again, once: that is not the learner's doing.
KERNEL_START_ATTEMPTS = 2
# Seconds per cell of the learner's notebook (nbgrader's per-cell `timeout`): the longest cell of the
# course, notebook 03's training cell, took 30-34 s on a 2-core machine with a load average of 3-5
# (the whole notebook 67 s when graded with --jobs 2 next to the other notebooks): about 5 times that.
DEFAULT_CELL_TIMEOUT = 180.0
_ENV_KEEP = ("PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "TEMP",
             "TMP", "PYTHONPATH", "VIRTUAL_ENV", "CONDA_PREFIX", "CONDA_DEFAULT_ENV", "JUPYTER_PATH",
             "JUPYTER_DATA_DIR", "JUPYTER_CONFIG_DIR", "IPYTHONDIR", "MPLCONFIGDIR", "MPLBACKEND", "XDG_CACHE_HOME",
             "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_RUNTIME_DIR", "SYSTEMROOT", "OPENBLAS_NUM_THREADS",
             "OMP_NUM_THREADS", "MKL_NUM_THREADS")
_OUT_MARKER = ".rnnlib-grade"
_TIMEOUT_NAME = "GraderTimeout"

# The cell appended to the copy of each submission. {spec}, {result_path}, {seconds} are literals.
# Each check gets `seconds` (an alarm where the OS has one); verdicts are saved after each check.
_GRADING_CELL = '''\
def _rnnlib_grade(spec, result_path, seconds):
    import functools
    import importlib
    import json
    import signal
    import threading

    class CheckTimeout(BaseException):
        pass

    def alarm(signum, frame):
        raise CheckTimeout()

    can_alarm = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    namespace = globals()
    verdicts = {{}}
    for item in spec:
        name, function_name = item["exercise"], item["function"]
        fn = namespace.get(function_name)
        if fn is None or not callable(fn):
            what = "is not defined" if fn is None else f"is a {{type(fn).__name__}}, not a function"
            verdicts[name] = {{"status": "missing", "message": f"{{function_name}} {{what}}: was its cell deleted, "
                                                                 "renamed or not run?"}}
        else:
            seen = {{"not_implemented": False}}

            @functools.wraps(fn)
            def spy(*args, _fn=fn, _seen=seen, **kwargs):
                try:
                    return _fn(*args, **kwargs)
                except NotImplementedError:
                    _seen["not_implemented"] = True
                    raise

            previous = signal.signal(signal.SIGALRM, alarm) if can_alarm else None
            try:
                if can_alarm:
                    signal.setitimer(signal.ITIMER_REAL, seconds)
                if item["module"]:
                    check = getattr(importlib.import_module(item["module"]), item["checker"])
                else:
                    check = namespace[item["checker"]]
                verdict = check(spy)
                ok = getattr(verdict, "ok", None) is True
                message = str(getattr(verdict, "message", verdict))
                status = "correct" if ok else ("not attempted" if seen["not_implemented"] else "incorrect")
            except (CheckTimeout, KeyboardInterrupt):
                status = "timeout"
                message = f"checking took longer than {{seconds:g}} s: does the function loop forever?"
            except BaseException as exc:  # the checker itself failed: report it, grade the others
                status, message = "error", f"the checker failed: {{type(exc).__name__}}: {{exc}}"
            finally:
                if can_alarm:
                    signal.setitimer(signal.ITIMER_REAL, 0)
                    signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)
            verdicts[name] = {{"status": status, "message": message}}
        with open(result_path, "w", encoding="utf-8") as handle:
            json.dump(verdicts, handle)


_rnnlib_grade({spec}, {result_path}, {seconds})
del _rnnlib_grade
'''


# --------------------------------------------------------------------------- the course's exercises
def course_notebooks(source=None):
    """The course notebooks and their exercises, from the solution notebooks.

    Parameters
    ----------
    source : path-like or list of path-like, optional
        A folder of notebooks (default: ``notebooks/`` in the current folder, the course's
        folder), one notebook, or a list.

    Returns
    -------
    list of dict
        One per notebook: ``name`` (file name), ``stem``, ``path``, ``exercises`` (a list of
        dicts ``exercise``, ``checker``, ``module``, ``function``; see
        :func:`rnnlib.classroom.student.exercise_cells`).
    """
    import nbformat

    from ..exercises import base
    from .student import NOTEBOOK_PATTERN, exercise_cells

    sources = source if isinstance(source, (list, tuple)) else [DEFAULT_SOURCE if source is None else source]
    paths = []
    for item in sources:
        item = Path(item)
        if item.is_dir():
            paths.extend(sorted(item.glob(NOTEBOOK_PATTERN)))
        elif item.is_file():
            paths.append(item)
        else:
            raise ValueError(f"source must be a folder of notebooks or a notebook; {item.resolve()} does not exist "
                             "(run from the course's folder, or pass --source path/to/notebooks)")
    if not paths:
        raise ValueError(f"source must contain course notebooks ({NOTEBOOK_PATTERN}); found none in {sources}")
    base.discover()
    notebooks = []
    for path in paths:
        nb = nbformat.read(str(path), as_version=4)
        found = []
        for entry in exercise_cells(nb):
            if entry["checker"] is None:
                continue
            module = None
            if entry["exercise"] in base.CHECKERS:
                module = base.CHECKERS[entry["exercise"]].__module__
            found.append({"exercise": entry["exercise"], "checker": entry["checker"], "module": module,
                          "function": entry["function"]})
        notebooks.append({"name": path.name, "stem": path.stem, "path": str(path), "exercises": found,
                          "fingerprints": sorted(_fingerprints(nb))})
    return notebooks


def _fingerprints(nb):
    """The distinctive cell sources of a notebook (to recognise a renamed copy)."""
    found = set()
    for cell in nb.get("cells", []):
        source = cell.get("source", "")
        source = ("".join(source) if isinstance(source, list) else str(source)).strip()
        if len(source) >= 40:
            found.add(source)
    return found


# --------------------------------------------------------------------------- the submissions
def _is_hidden(path):
    return any(part.startswith(".") for part in path.parts)


def find_submissions(folder):
    """The students and their notebooks in a submissions folder.

    Parameters
    ----------
    folder : path-like
        One entry per student: a ``.ipynb`` file (the student is its name without the suffix)
        or a folder (its name; every notebook inside, at any depth, except hidden folders such
        as ``.ipynb_checkpoints``).

    Returns
    -------
    list of (str, list of pathlib.Path)
        Sorted by student.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"SUBMISSIONS_DIR must be a folder; got {folder}")
    students = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            notebooks = sorted(p for p in entry.rglob("*.ipynb") if not _is_hidden(p.relative_to(entry)))
            students.append((entry.name, notebooks))
        elif entry.suffix == ".ipynb":
            students.append((entry.stem, [entry]))
    return students


def _defined_functions(nb):
    from .student import _FUNCTION_DEF

    names = set()
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            source = cell.get("source", "")
            names.update(_FUNCTION_DEF.findall("".join(source) if isinstance(source, list) else source))
    return names


def _match(path, nb, notebooks):
    """The course notebook a submitted notebook is a copy of, or None."""
    name = path.name.lower()
    for course in notebooks:
        if name == course["name"].lower():
            return course
    for course in notebooks:
        if course["stem"].lower() in name:
            return course
    prefix = re.match(r"(\d\d)(?:[_\-. ]|$)", path.stem)
    if prefix:
        same = [c for c in notebooks if c["stem"].startswith(prefix.group(1) + "_")]
        if len(same) == 1:
            return same[0]
    if nb is not None:
        defined = _defined_functions(nb)
        scored = [(sum(e["function"] in defined for e in c["exercises"]), i) for i, c in enumerate(notebooks)]
        best, index = max(scored, default=(0, 0))
        if best > 0:
            return notebooks[index]
    if nb is not None:  # renamed, exercise cell deleted: recognise it by its other cells
        mine = _fingerprints(nb)
        scored = [(len(mine & set(c["fingerprints"])), i) for i, c in enumerate(notebooks)]
        best, index = max(scored, default=(0, 0))
        if best >= max(3, 0.3 * len(notebooks[index]["fingerprints"])):
            return notebooks[index]
    with_exercises = [c for c in notebooks if c["exercises"]]
    if nb is None and len(with_exercises) == 1:
        return with_exercises[0]
    return None


# --------------------------------------------------------------------------- one notebook
def _kernel_env(keep_env=False):
    env = dict(os.environ) if keep_env else {k: v for k, v in os.environ.items() if k in _ENV_KEEP}
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(name, "1")
    # the kernel imports the same rnnlib as the grader, wherever it runs
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PACKAGE_PARENT), env.get("PYTHONPATH", "")) if p)
    return env


def _client_class():
    from nbclient import NotebookClient

    class GradingClient(NotebookClient):
        """A NotebookClient that keeps at most MAX_OUTPUT_BYTES of output per cell."""

        def output(self, outs, msg, display_id, cell_index):
            used = self._output_bytes.get(cell_index, 0) + len(str(msg.get("content", "")))
            self._output_bytes[cell_index] = used
            if used > MAX_OUTPUT_BYTES:
                self._truncated.add(cell_index)
                return None
            return super().output(outs, msg, display_id, cell_index)

    return GradingClient


def _describe(nb, index):
    """``cell 12 (`first line of its code`)``: findable in JupyterLab, where cells have no numbers."""
    lines = [line.strip() for line in nb.cells[index].source.splitlines() if line.strip()]
    first = lines[0] if lines else ""
    if len(first) > 50:
        first = first[:47] + "..."
    return f"cell {index + 1} (`{first}`)"


def _error_text(output):
    return f"{output.get('ename', 'Error')}: {str(output.get('evalue', ''))[:300]}"


def grade_notebook(path, course, timeout=300.0, check_timeout=60.0, executed_path=None, keep_env=False,
                   cell_timeout=DEFAULT_CELL_TIMEOUT):
    """Execute one submitted notebook in a fresh kernel and check its exercises.

    Parameters
    ----------
    path : path-like
        The submitted notebook; only read (it is copied to a temporary folder first).
    course : dict or None
        The course notebook it belongs to (from :func:`course_notebooks`); None if unknown.
    timeout : float
        Seconds for the whole notebook (kernel start excluded), the outer bound. A cell still
        running at the deadline is interrupted, the remaining cells are skipped, and the
        exercises are checked on what has run.
    check_timeout : float
        Seconds for checking one exercise (a function that loops forever is stopped and reported).
    executed_path : path-like, optional
        Where to save the executed copy (without the checking cell).
    keep_env : bool
        Give the kernel the grader's whole environment (default: only a harmless subset).
    cell_timeout : float
        Seconds for one cell of the notebook (as nbgrader's per-cell timeout). A cell still
        running then is interrupted (the kernel keeps its state) and the next cells run, so an
        endless loop costs only its own exercise: an exercise whose function is not defined
        because its cell was interrupted is graded ``timeout``, the others as usual.

    Returns
    -------
    dict
        ``notebook``, ``course`` (matched course notebook or None), ``seconds``, ``problems``
        (list of str: notebook-level failures), ``cell_errors`` (list of ``[cell, text]``),
        ``exercises`` (exercise -> ``{"status", "message"}``).
    """
    import nbformat

    path = Path(path)
    if timeout <= 0 or check_timeout <= 0:
        raise ValueError(f"timeout and check_timeout must be > 0; got {timeout}, {check_timeout}")
    if not cell_timeout > 0:
        raise ValueError(f"cell_timeout must be > 0 (seconds per cell); got {cell_timeout!r}")
    result = {"notebook": path.name, "course": course["name"] if course else None, "seconds": 0.0,
              "problems": [], "cell_errors": [], "exercises": {}}
    specs = course["exercises"] if course else []

    def all_exercises(status, message):
        for spec in specs:
            result["exercises"][spec["exercise"]] = {"status": status, "message": message}

    try:
        raw = path.read_bytes()
        nb = nbformat.reads(raw.decode("utf-8"), as_version=4)
    except Exception as exc:  # not JSON, not a notebook, not UTF-8
        message = f"not a valid notebook ({type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''})"
        result["problems"].append(message)
        all_exercises("not run", message)
        return result
    if course is None:
        result["problems"].append("not one of the course notebooks with exercises: not graded")
        return result
    if not isinstance(nb.get("cells"), list):
        result["problems"].append("the notebook has no list of cells")
        all_exercises("not run", "the notebook has no list of cells")
        return result

    workdir = Path(tempfile.mkdtemp(prefix="rnnlib-grade-"))
    try:
        return _execute(nb, workdir, path, course, specs, result, timeout, check_timeout, executed_path, keep_env,
                        all_exercises, cell_timeout)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _execute(nb, workdir, path, course, specs, result, timeout, check_timeout, executed_path, keep_env,
             all_exercises, cell_timeout):
    import nbformat
    from nbclient.exceptions import DeadKernelError

    from .student import _relative_files

    course_dir = Path(course["path"]).parent
    try:
        needed = _relative_files(nbformat.read(course["path"], as_version=4), course_dir)
    except Exception:  # the course notebook vanished: grade without extras
        needed = []
    for relative in needed:
        target = workdir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        source = course_dir / relative
        shutil.copytree(source, target) if source.is_dir() else shutil.copy2(source, target)
    result_path = workdir / f".grade-{secrets.token_hex(8)}.json"
    n_student_cells = len(nb.cells)
    for cell in nb.cells:  # the executed copy shows only what the grader ran
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    grading = nbformat.v4.new_code_cell(_GRADING_CELL.format(spec=repr(specs), result_path=repr(str(result_path)),
                                                             seconds=repr(float(check_timeout))))
    nb.cells.append(grading)
    (workdir / path.name).write_text(nbformat.writes(nb), encoding="utf-8")

    timed_out = set()
    deadline = [time.monotonic() + timeout]
    per_cell = [cell_timeout]  # None for the grading cell: its checks have their own alarms
    limited_by = {}  # cell index -> "cell" or "notebook": which limit the cell was given

    def cell_limit(cell):
        remaining = deadline[0] - time.monotonic()
        index = current[0]
        if per_cell[0] is not None and per_cell[0] < remaining:
            limited_by[index] = "cell"
            return max(1, math.ceil(per_cell[0]))
        limited_by[index] = "notebook"
        return max(1, math.ceil(remaining))

    def on_cell_executed(cell, cell_index, execute_reply):
        if (execute_reply or {}).get("content", {}).get("ename") == _TIMEOUT_NAME:
            timed_out.add(cell_index)

    def new_client():
        client = _client_class()(
            nb, kernel_name="python3", allow_errors=True, interrupt_on_timeout=True, record_timing=False,
            error_on_timeout={"ename": _TIMEOUT_NAME, "evalue": "time limit reached", "traceback": []},
            timeout_func=cell_limit,
            iopub_timeout=4, resources={"metadata": {"path": str(workdir)}}, on_cell_executed=on_cell_executed)
        client._output_bytes, client._truncated = {}, set()
        return client

    stderr_path = workdir / ".kernel-stderr.txt"
    start = time.monotonic()
    state = "ran"
    current = [None]  # the cell being executed
    interrupted = []  # cells stopped by the per-cell limit
    for attempt in range(KERNEL_START_ATTEMPTS):
        client = new_client()
        try:
            with open(stderr_path, "wb") as stderr, client.setup_kernel(env=_kernel_env(keep_env), stderr=stderr):
                count = 0
                for index in range(n_student_cells):
                    cell = nb.cells[index]
                    if cell.cell_type != "code" or not cell.source.strip():
                        continue
                    if time.monotonic() >= deadline[0]:
                        state = "timeout"
                        skipped = sum(1 for c in nb.cells[index:n_student_cells]
                                      if c.cell_type == "code" and c.source.strip())
                        result["problems"].append(f"time limit ({timeout:g} s) reached before {_describe(nb, index)}: "
                                                  f"{skipped} code cell(s) skipped, exercises checked on what ran")
                        break
                    count += 1
                    current[0] = index
                    client.execute_cell(cell, index, execution_count=count)
                    if index in timed_out and limited_by.get(index) == "cell":
                        interrupted.append(index)
                        result["problems"].append(f"{_describe(nb, index)} did not finish in {cell_timeout:g} s (the "
                                                  "limit per cell) and was interrupted; the later cells still ran")
                        continue
                    if index in timed_out:
                        state = "timeout"
                        skipped = sum(1 for c in nb.cells[index + 1:n_student_cells]
                                      if c.cell_type == "code" and c.source.strip())
                        result["problems"].append(
                            f"time limit ({timeout:g} s) reached in {_describe(nb, index)}: "
                            f"{skipped} later code cell(s) skipped, exercises checked on what ran")
                        break
                    for output in cell.get("outputs", []):
                        if output.get("output_type") == "error":
                            result["cell_errors"].append([_describe(nb, index), _error_text(output)])
                deadline[0] = time.monotonic() + check_timeout * max(1, len(specs)) + 10  # the alarms' safety net
                per_cell[0] = None
                current[0] = len(nb.cells) - 1
                client.execute_cell(grading, len(nb.cells) - 1, execution_count=count + 1)
                if len(nb.cells) - 1 in timed_out:
                    state = "check timeout"
        except DeadKernelError:
            state = "kernel died"
        except Exception as exc:  # kernel failed to start, zmq trouble, ...: report, grade the others
            if current[0] is None and attempt + 1 < KERNEL_START_ATTEMPTS:
                continue  # no cell ran: the kernel did not start (a busy machine), not the learner's doing
            state = "failed"
            result["problems"].append(f"could not run the notebook: {type(exc).__name__}: {exc}")
        break
    result["seconds"] = round(time.monotonic() - start, 1)
    for index in sorted(client._truncated):
        where = _describe(nb, index) if index < n_student_cells else "the checks"
        result["problems"].append(f"{where} printed more than {MAX_OUTPUT_BYTES // 1_000_000} MB: output cut")

    verdicts = None
    if result_path.exists():
        try:
            verdicts = json.loads(result_path.read_text(encoding="utf-8"))
        except ValueError:
            verdicts = None
    if state == "kernel died":
        dead_at = current[0]
        in_student_cell = dead_at is not None and dead_at < n_student_cells
        where = f" in {_describe(nb, dead_at)}" if in_student_cell else " while checking the exercises"
        said = _tail(stderr_path)
        result["problems"].append(f"the kernel died{where} (crash, os._exit, out of memory?): nothing after it ran"
                                  + (f"; its last words: {said}" if said else ""))
    elif state == "check timeout":
        result["problems"].append(f"checking the exercises did not finish in {check_timeout:g} s each (a function "
                                  "that loops forever and ignores interrupts?)")
    if verdicts is not None:  # possibly partial: the checks after a hanging one did not run
        unfinished = {"status": "timeout" if state == "check timeout" else "error",
                      "message": "not checked: an earlier check did not finish"}
        for spec in specs:
            result["exercises"][spec["exercise"]] = verdicts.get(spec["exercise"], dict(unfinished))
        _interrupted_exercises(nb, interrupted, specs, result["exercises"], cell_timeout)
    else:
        status = {"kernel died": "kernel died", "check timeout": "timeout", "timeout": "timeout"}.get(state, "error")
        all_exercises(status, result["problems"][-1] if result["problems"] else "the exercises could not be checked")

    if executed_path is not None:
        nb.cells = nb.cells[:n_student_cells]
        nb.metadata.pop("widgets", None)
        Path(executed_path).parent.mkdir(parents=True, exist_ok=True)
        try:
            nbformat.write(nb, str(executed_path))
        except Exception as exc:  # e.g. outputs that nbformat rejects: keep grading
            result["problems"].append(f"could not save the executed copy: {exc}")
    return result


def _interrupted_exercises(nb, interrupted, specs, verdicts, cell_timeout):
    """Grade ``timeout`` the exercises left undefined because the cell defining them was interrupted."""
    from .student import _FUNCTION_DEF

    for index in interrupted:
        defined = set(_FUNCTION_DEF.findall(nb.cells[index].source))
        for spec in specs:
            verdict = verdicts.get(spec["exercise"])
            if spec["function"] in defined and verdict is not None and verdict["status"] == "missing":
                verdicts[spec["exercise"]] = {
                    "status": "timeout",
                    "message": f"{_describe(nb, index)}, which defines {spec['function']}, did not finish in "
                               f"{cell_timeout:g} s and was interrupted: does it loop forever?"}


def _tail(path, limit=300):
    """The last meaningful line of the kernel's stderr (not its usual start-up warnings)."""
    try:
        lines = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    lines = [line.strip() for line in lines if line.strip() and "running over TCP without encryption" not in line]
    return lines[-1][:limit] if lines else ""


def _grade_task(args):
    """grade_notebook for one (path, course, timeout, check_timeout, executed_path, keep_env[, cell_timeout]).

    Never raises: an unforeseen failure is reported for this notebook.
    """
    path, course, timeout, check_timeout, executed_path, keep_env, *rest = args
    cell_timeout = rest[0] if rest else DEFAULT_CELL_TIMEOUT
    try:
        return grade_notebook(path, course, timeout, check_timeout, executed_path, keep_env, cell_timeout)
    except Exception as exc:  # an unforeseen notebook: report it for this student, grade the others
        message = f"could not grade this notebook: {type(exc).__name__}: {exc}"
        return {"notebook": Path(path).name, "course": course["name"] if course else None, "seconds": 0.0,
                "problems": [message], "cell_errors": [],
                "exercises": {e["exercise"]: {"status": "error", "message": message}
                              for e in (course["exercises"] if course else [])}}


# --------------------------------------------------------------------------- the whole folder
def _safe_name(text):
    return re.sub(r"[^A-Za-z0-9_.\-]+", "_", text).strip("._") or "student"


def grade(submissions, out, source=None, timeout=300.0, check_timeout=60.0, jobs=1, keep_env=False, log=print,
          cell_timeout=DEFAULT_CELL_TIMEOUT):
    """Grade every submission of a folder and write the reports.

    Parameters
    ----------
    submissions : path-like
        See :func:`find_submissions`. Never written to.
    out : path-like
        The reports' folder (created; must not be inside ``submissions``).
    source : path-like, optional
        The course notebooks (see :func:`course_notebooks`).
    timeout, check_timeout : float
        Seconds per notebook and per exercise check (see :func:`grade_notebook`).
    jobs : int
        Notebooks graded at the same time (each in its own process and kernel).
    keep_env : bool
        Pass the grader's whole environment to the kernels.
    log : callable
        Progress messages (``print`` by default).
    cell_timeout : float
        Seconds per cell of a notebook (see :func:`grade_notebook`).

    Returns
    -------
    dict
        ``exercises`` (the columns), ``students`` (one dict per row), ``settings``.
    """
    submissions, out = Path(submissions).resolve(), Path(out).resolve()
    if out == submissions or submissions in out.parents:
        raise ValueError(f"out must be outside the submissions folder (it is never written); got {out}")
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be an int >= 1; got {jobs!r}")
    if not (timeout > 0 and check_timeout > 0):
        raise ValueError(f"timeout and check_timeout must be > 0; got {timeout}, {check_timeout}")
    if not cell_timeout > 0:
        raise ValueError(f"cell_timeout must be > 0 (seconds per cell); got {cell_timeout!r}")
    notebooks = course_notebooks(source)
    students = find_submissions(submissions)
    if out.exists() and (out / _OUT_MARKER).exists():
        for sub in ("executed", "feedback"):
            shutil.rmtree(out / sub, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    (out / _OUT_MARKER).write_text("written by rnnlib-grade\n")

    import nbformat

    tasks, rows = [], []
    for student, paths in students:
        row = {"student": student, "notebooks": [], "problems": [] if paths else ["no notebook found"]}
        rows.append(row)
        for nb_path in paths:
            try:
                nb = nbformat.reads(nb_path.read_text(encoding="utf-8"), as_version=4)
            except Exception:
                nb = None
            course = _match(nb_path, nb, notebooks)
            if course is not None and not course["exercises"]:  # e.g. 00: nothing to grade, not run
                row["notebooks"].append({"notebook": nb_path.name, "course": course["name"], "seconds": 0.0,
                                         "problems": [], "cell_errors": [], "exercises": {}})
                continue
            executed = out / "executed" / _safe_name(student) / nb_path.name
            tasks.append((row, (str(nb_path), course, timeout, check_timeout, str(executed), keep_env,
                                cell_timeout)))

    def record(row, result):
        row["notebooks"].append(result)
        verdicts = ", ".join(f"{k}: {v['status']}" for k, v in result["exercises"].items()) or "no exercises"
        problems = f" ({'; '.join(result['problems'])})" if result["problems"] else ""
        log(f"{row['student']}/{result['notebook']}: {verdicts}{problems} [{result['seconds']} s]")

    if jobs == 1 or len(tasks) <= 1:
        for row, args in tasks:
            record(row, _grade_task(args))
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = [(row, args, pool.submit(_grade_task, args)) for row, args in tasks]
            for row, args, future in futures:
                try:
                    record(row, future.result())
                except Exception as exc:  # a worker process died: report it, keep going
                    record(row, {"notebook": Path(args[0]).name, "course": None, "seconds": 0.0, "cell_errors": [],
                                 "exercises": {}, "problems": [f"the grading process failed: {type(exc).__name__}: "
                                                               f"{exc}"]})

    columns = []
    for course in notebooks:
        if any(r["course"] == course["name"] for row in rows for r in row["notebooks"]):
            columns.extend((e["exercise"], course["stem"]) for e in course["exercises"])
    summary_rows = [_summarise(row, columns) for row in rows]
    settings = {"submissions": str(submissions), "timeout": timeout, "cell_timeout": cell_timeout,
                "check_timeout": check_timeout,
                "source": [n["path"] for n in notebooks],
                "graded_at": datetime.datetime.now().isoformat(timespec="seconds")}
    report = {"exercises": [name for name, _ in columns], "notebook_of": dict(columns), "students": summary_rows,
              "settings": settings}
    _write_reports(out, report)
    return report


def _summarise(row, columns):
    best = {}
    for result in row["notebooks"]:
        for name, verdict in result["exercises"].items():
            if name not in best or STATUSES.index(verdict["status"]) < STATUSES.index(best[name]["status"]):
                best[name] = dict(verdict, notebook=result["notebook"])
    unreadable = [r["notebook"] for r in row["notebooks"] if r["course"] is None and r["problems"]
                  and r["problems"][0].startswith("not a valid notebook")]
    missing = ({"status": "not run", "message": f"{', '.join(unreadable)} could not be read", "notebook": None}
               if unreadable else {"status": "not submitted", "message": "", "notebook": None})
    verdicts = {name: best.get(name, dict(missing)) for name, _ in columns}
    problems = list(row["problems"])
    for result in row["notebooks"]:
        problems.extend(f"{result['notebook']}: {p}" for p in result["problems"])
    return {"student": row["student"], "score": sum(v["status"] == "correct" for v in verdicts.values()),
            "out_of": len(columns), "exercises": verdicts, "problems": problems, "notebooks": row["notebooks"]}


def _md_cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def _feedback_markdown(student):
    lines = [f"## {student['student']}: {student['score']} / {student['out_of']}", ""]
    for name, verdict in student["exercises"].items():
        where = f" ({verdict['notebook']})" if verdict.get("notebook") else ""
        message = f": {verdict['message']}" if verdict.get("message") else ""
        lines.append(f"- **{name}**{where}: {verdict['status']}{message}")
    if student["problems"]:
        lines += ["", "Problems:"] + [f"- {p}" for p in student["problems"]]
    errors = [(r["notebook"], cell, text) for r in student["notebooks"] for cell, text in r["cell_errors"]]
    if errors:
        lines += ["", "Cells that raised an error:"] + [f"- {nb} {cell}: {text}" for nb, cell, text in errors]
    return "\n".join(lines) + "\n"


def _write_reports(out, report):
    exercises = report["exercises"]
    with open(out / "grades.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", "score", "out_of", *exercises, "problems"])
        for s in report["students"]:
            writer.writerow([s["student"], s["score"], s["out_of"], *(s["exercises"][e]["status"] for e in exercises),
                             "; ".join(s["problems"])])
    settings = report["settings"]
    header = [f"exercise {e} ({report['notebook_of'][e][:2]})" for e in exercises]
    lines = ["# Grades", "",
             f"Graded {settings['graded_at']} by rnnlib-grade: {len(report['students'])} submissions from "
             f"`{settings['submissions']}`, time limits {settings['cell_timeout']:g} s per cell and "
             f"{settings['timeout']:g} s per notebook (+ {settings['check_timeout']:g} s per exercise check).", "",
             "| student | score | " + " | ".join(header) + " | problems |",
             "|---|---|" + "---|" * len(header) + "---|"]
    for s in report["students"]:
        cells = [s["exercises"][e]["status"] for e in exercises]
        lines.append(f"| {_md_cell(s['student'])} | {s['score']}/{s['out_of']} | " + " | ".join(cells)
                     + f" | {_md_cell('; '.join(s['problems']))} |")
    lines += ["", "Statuses: " + ", ".join(STATUSES) + ". \"not attempted\": the function still raises "
              "NotImplementedError; \"missing\": the function is not defined (cell deleted or renamed).", "",
              "# Feedback per student", ""]
    feedback = out / "feedback"
    feedback.mkdir(exist_ok=True)
    for s in report["students"]:
        text = _feedback_markdown(s)
        lines.append(text)
        (feedback / f"{_safe_name(s['student'])}.md").write_text(text, encoding="utf-8")
    (out / "summary.md").write_text("\n".join(lines), encoding="utf-8")
    (out / "results.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------- command line
def main(argv=None):
    """The ``rnnlib-grade`` command."""
    parser = argparse.ArgumentParser(
        prog="rnnlib-grade", description="Execute submitted notebooks and check their exercises.",
        epilog="Submissions are untrusted code: run this in a throwaway container or account (docs/teaching.md).")
    parser.add_argument("submissions", type=Path, help="one notebook or one folder of notebooks per student")
    parser.add_argument("--out", type=Path, default=Path("grades"), help="where to write the reports (default: grades)")
    parser.add_argument("--source", type=Path, action="append",
                        help="course notebooks with solutions: a folder or a notebook, repeatable "
                             "(default: ./notebooks, the course's folder)")
    parser.add_argument("--timeout", type=float, default=300.0,
                        help="seconds per notebook, the outer bound (default 300)")
    parser.add_argument("--cell-timeout", type=float, default=DEFAULT_CELL_TIMEOUT,
                        help="seconds per cell: a cell still running is interrupted and the next cells run "
                             f"(default {DEFAULT_CELL_TIMEOUT:g})")
    parser.add_argument("--check-timeout", type=float, default=60.0,
                        help="seconds for checking one exercise (default 60)")
    parser.add_argument("--jobs", type=int, default=1, help="notebooks graded in parallel (default 1)")
    parser.add_argument("--keep-env", action="store_true", help="pass your whole environment to the kernels")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    args = parser.parse_args(argv)
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")
    try:
        report = grade(args.submissions, args.out, args.source, args.timeout, args.check_timeout, args.jobs,
                       args.keep_env, log=(lambda *a: None) if args.quiet else print, cell_timeout=args.cell_timeout)
    except ValueError as exc:
        print(f"rnnlib-grade: {exc}", file=sys.stderr)
        return 2
    print(f"{len(report['students'])} submissions graded; reports in {Path(args.out).resolve()} "
          "(grades.csv, summary.md, feedback/, executed/)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
