"""Write rnnlib/_locked_versions.py from requirements-lock.txt (run by `make lock`, after uv).

The lock itself is resolved by uv (`make lock`; the command is in the lock's header). The notebook 00
self-check needs a few of its pins at run time, wherever rnnlib is installed: a wheel on JupyterHub
or a conda env has no requirements-lock.txt beside it. So this script copies those pins into a module
inside the package; tests/test_lock.py fails when the module and the lock disagree. Standard library
only, so `python3 tools/lock.py` works before any venv exists.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements-lock.txt"
LOCKED_MODULE = ROOT / "rnnlib" / "_locked_versions.py"

SELF_CHECK_MODULE = ROOT / "rnnlib" / "lessons" / "start_here.py"


def self_check_packages(path=SELF_CHECK_MODULE):
    """The packages the notebook 00 self-check compares, spelled as it shows them: the keys of
    ``REQUIREMENTS`` in rnnlib/lessons/start_here.py, less rnnlib itself (read without importing
    rnnlib, so that no dependency needs to be installed)."""
    for node in ast.parse(Path(path).read_text()).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "REQUIREMENTS" for t in node.targets):
            return [name for name in ast.literal_eval(node.value) if name != "rnnlib"]
    raise ValueError(f"{path} defines no REQUIREMENTS")


def canonical(name):
    """PEP 503 name: 'jupyterlab_widgets' and 'JupyterLab-Widgets' are the same package."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_lock(text):
    """``{canonical name: version}`` of a lock's text: ``name==version`` lines, comments ignored.

    Raises ValueError for a requirement line that is not an exact pin.
    """
    pins = {}
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        m = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([^\s;]+)", line)
        if not m:
            raise ValueError(f"requirements-lock.txt: line {raw!r} is not 'name==version'")
        pins[canonical(m.group(1))] = m.group(2)
    return pins


def lock_python(text):
    """The Python version the lock was resolved for: the ``--python-version`` of its header's command."""
    m = re.search(r"^#.*\buv pip compile\b.*--python-version[ =](\S+)", text, re.M)
    if not m:
        raise ValueError("requirements-lock.txt: the header names no `uv pip compile ... --python-version X`")
    return m.group(1)


def render_locked_module(text):
    """The source of rnnlib/_locked_versions.py for the lock with this text."""
    pins = read_lock(text)
    packages = self_check_packages()
    missing = [name for name in packages if canonical(name) not in pins]
    if missing:
        raise ValueError(f"requirements-lock.txt has no pin for {missing}")
    body = "\n".join(f'    "{name}": "{pins[canonical(name)]}",' for name in packages)
    return (
        '"""Versions the course was tested with, for the notebook 00 self-check.\n\n'
        "Generated from requirements-lock.txt by `make lock` (tools/lock.py); do not edit by hand.\n"
        '"""\n\n'
        f'PYTHON = "{lock_python(text)}"\n'
        f"LOCKED = {{\n{body}\n}}\n"
    )


def main():
    LOCKED_MODULE.write_text(render_locked_module(LOCK.read_text()))
    print(f"wrote {LOCKED_MODULE.relative_to(ROOT)} from {LOCK.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
