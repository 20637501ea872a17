"""The environment self-check of notebook 00: which versions are installed, are they new enough for
the course, and are they the ones the course was tested with (requirements-lock.txt). Standard
library only (it must work even when a dependency is broken).

The tested versions come from :mod:`rnnlib._locked_versions`, which ``make lock`` generates from the
lock: shipping them inside the package makes the check work wherever rnnlib is installed
(JupyterHub, conda, a wheel), not only from a clone of the repository.
"""

from __future__ import annotations

import platform
import re
from dataclasses import dataclass
from importlib import metadata

from .. import __version__ as CODE_VERSION
from .._locked_versions import LOCKED, PYTHON

__all__ = ["PackageStatus", "environment_report", "python_status", "format_report", "verdict", "WIDGET_FIX",
           "LOCKED", "REQUIREMENTS", "PYTHON_MINIMUM"]

PYTHON_MINIMUM = "3.10"  # pyproject.toml's requires-python

# package -> (minimum version, why the course needs it)
REQUIREMENTS = {
    "numpy": ("1.24", "all the maths"),
    "matplotlib": ("3.7", "every figure"),
    "ipywidgets": ("8.1", "the explorers (kernel side)"),
    "jupyterlab_widgets": ("3.0", "the explorers (JupyterLab side)"),
    "jupyterlab": ("4.0", "the course's front end"),
    "vaderSentiment": ("3.3", "the word-sentiment data"),
    "rnnlib": ("0.1", "the course's own package"),
}
WIDGET_PACKAGES = ("ipywidgets", "jupyterlab_widgets")

WIDGET_FIX = (
    "If a widget shows 'Error displaying widget: model not found' or stays at 'Loading widget...', "
    "the kernel's ipywidgets and JupyterLab's jupyterlab_widgets do not match (ipywidgets 8 needs "
    "jupyterlab_widgets 3). Fix: in the course's environment run "
    "`python -m pip install -U \"ipywidgets>=8.1\" \"jupyterlab_widgets>=3\"` (or `make lab`, which "
    "reinstalls them), then restart JupyterLab itself, not only the kernel, and reload the page."
)
REINSTALL = "run `make lab` in the course folder (it reinstalls the tested versions from requirements-lock.txt)"
NEW_PYTHON = ("use Python {tested} for the course's environment (with conda, `conda env create -f environment.yml` "
              "pins it; with make, `make lab PYTHON=python{tested}` on a fresh clone)")


@dataclass(frozen=True)
class PackageStatus:
    """One row of the report.

    ``installed`` is the installed distribution's version (None when missing), ``minimum`` the
    oldest version the course works with, ``tested`` the version the course was tested with (the
    lock; for rnnlib itself, the version of the code that is imported).
    """

    name: str
    installed: str | None
    minimum: str
    purpose: str
    tested: str | None = None

    @property
    def ok(self):
        """Installed and new enough: the course works."""
        return self.installed is not None and _version_tuple(self.installed) >= _version_tuple(self.minimum)

    @property
    def as_tested(self):
        """Installed at the tested version (True when there is no tested version to compare).

        A tested version with fewer parts is a prefix: Python tested as ``3.11`` matches ``3.11.7``.
        """
        if self.tested is None or self.installed == self.tested:
            return True
        if self.installed is None:
            return False
        tested, installed = _version_tuple(self.tested), _version_tuple(self.installed)
        return len(tested) < len(installed) and installed[:len(tested)] == tested

    @property
    def advice(self):
        if self.installed is None:
            return "not installed: run `make lab` (or `pip install -e .`) from the course folder"
        fix = NEW_PYTHON.format(tested=self.tested) if self.name == "python" else REINSTALL
        if not self.ok:
            return f"too old (need >= {self.minimum}): {fix}"
        if self.name == "rnnlib" and not self.as_tested:
            return (f"the installed package says {self.installed} but the code imported is {self.tested}: "
                    "reinstall it with `pip install --no-deps -e .` from the course folder (or `make lab`)")
        if not self.as_tested:
            direction = "newer" if _version_tuple(self.installed) > _version_tuple(self.tested) else "older"
            return (f"works, but {direction} than the tested {self.tested}: if a cell fails or a figure "
                    f"looks wrong, {fix}")
        return "ok"


def _version_tuple(version):
    """'3.10.1rc1' -> (3, 10, 1): numeric release parts only, enough for minimum checks."""
    parts = []
    for piece in version.split("."):
        m = re.match(r"\d+", piece)
        if not m:
            break
        parts.append(int(m.group()))
    return tuple(parts)


def _installed(name):
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def environment_report(requirements=None, tested=None):
    """Installed, minimum and tested version of every package the course needs.

    Parameters
    ----------
    requirements : dict, optional
        ``{name: (minimum, purpose)}``; the course's own list by default.
    tested : dict, optional
        ``{name: version}`` the course was tested with; the lock (:data:`LOCKED`) by default, plus
        rnnlib's own ``__version__`` for ``rnnlib``.

    Returns
    -------
    list of PackageStatus
    """
    tested = {**LOCKED, "rnnlib": CODE_VERSION} if tested is None else tested
    return [PackageStatus(name, _installed(name), minimum, purpose, tested.get(name))
            for name, (minimum, purpose) in (requirements or REQUIREMENTS).items()]


def python_status(version=None, tested=PYTHON):
    """The Python interpreter as a report row: tested ``major.minor`` (the lock's) against this one.

    Parameters
    ----------
    version : str, optional
        The interpreter's version; this kernel's (``platform.python_version()``) by default.
    tested : str
        The ``major.minor`` the course was tested with.

    Returns
    -------
    PackageStatus
    """
    version = platform.python_version() if version is None else version
    return PackageStatus("python", version, PYTHON_MINIMUM, "the interpreter", tested)


def verdict(rows):
    """One plain sentence (or a few) on what to do, from the report's rows."""
    bad = [r.name for r in rows if not r.ok or (r.name == "rnnlib" and not r.as_tested)]
    if bad:
        return f"Needs attention: {', '.join(bad)}. Follow the advice on their lines, then restart the kernel."
    drift = [r.name for r in rows if not r.as_tested]
    if not drift:
        return "All set: these are the versions the course was tested with."
    text = (f"Should work: every package is new enough, but {', '.join(drift)} "
            f"{'differs' if len(drift) == 1 else 'differ'} from the tested versions. If something breaks, "
            f"{REINSTALL}.")
    if any(name in WIDGET_PACKAGES for name in drift):
        text += " Widgets: if the slider below does not answer, see the fix printed under it."
    return text


def format_report(rows=None, python_version=None):
    """The report as aligned text, with Python's version first and a verdict last.

    ``python_version`` replaces this kernel's (for a test); the Python row gets the same advice as
    the packages' (tested ``major.minor`` from the lock).
    """
    rows = [python_status(python_version), *(environment_report() if rows is None else rows)]
    lines = [f"{'package':20s} {'installed':12s} {'tested':12s} status"]
    for r in rows:
        lines.append(f"{r.name:20s} {r.installed or '-':12s} {r.tested or '-':12s} {r.advice}")
    lines.append("")
    lines.append(verdict(rows))
    return "\n".join(lines)
