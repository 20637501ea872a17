"""Generate the student edition of the course: build/student/, solutions replaced by stubs.

Usage::

    python tools/make_student.py                      # notebooks/ -> build/student/
    python tools/make_student.py --out /tmp/handout   # elsewhere
    python tools/make_student.py --nbgrader-source ~/course/source   # copies for nbgrader

Every region between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` becomes
``# YOUR CODE HERE`` / ``raise NotImplementedError()`` (indented like the markers); outputs and
execution counts are cleared; files the notebooks name by a relative path are copied along. The
script then searches every written notebook for every solution line and fails if one survived.
See docs/teaching.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from a clone without `pip install -e .`
    sys.path.insert(0, str(ROOT))

from rnnlib.classroom.student import (  # noqa: E402
    NOTEBOOK_PATTERN,
    exercise_cells,
    make_student_edition,
    nbgrader_source,
)


def write_nbgrader_source(source_dir, target, pattern=NOTEBOOK_PATTERN):
    """One nbgrader assignment per notebook with exercises: target/<stem>/<stem>.ipynb."""
    import nbformat

    written = []
    for path in sorted(Path(source_dir).glob(pattern)):
        nb = nbformat.read(str(path), as_version=4)
        if not exercise_cells(nb):
            continue
        out = Path(target) / path.stem / path.name
        out.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nbgrader_source(nb), str(out))
        written.append(out)
    return written


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=ROOT / "notebooks", help="notebooks with solutions")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "student", help="where to write the edition")
    parser.add_argument("--pattern", default=NOTEBOOK_PATTERN, help="which notebooks (glob)")
    parser.add_argument("--nbgrader-source", type=Path, metavar="DIR",
                        help="also write nbgrader source assignments (DIR/<notebook>/<notebook>.ipynb)")
    args = parser.parse_args(argv)
    try:
        report = make_student_edition(args.source, args.out, args.pattern)
    except ValueError as exc:
        print(f"make_student: {exc}", file=sys.stderr)
        return 1
    for path in report["notebooks"]:
        n = report["exercises"][path.name]
        print(f"{path}: {n} solution region{'s' if n != 1 else ''} replaced")
    for relative in report["copied"]:
        print(f"copied {relative}")
    print(f"student edition: {len(report['notebooks'])} notebooks in {args.out} (no solution line left)")
    if args.nbgrader_source:
        for path in write_nbgrader_source(args.source, args.nbgrader_source, args.pattern):
            print(f"nbgrader source: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
