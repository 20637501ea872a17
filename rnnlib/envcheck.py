"""The environment self-check of notebook 00: which versions are installed, and are they the ones the
course needs. Standard library only (it must work even when a dependency is broken)."""

from __future__ import annotations

import platform
import re
from dataclasses import dataclass
from importlib import metadata

__all__ = ["PackageStatus", "environment_report", "format_report", "WIDGET_FIX"]

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

WIDGET_FIX = (
    "If a widget shows 'Error displaying widget: model not found' or stays at 'Loading widget...', "
    "the kernel's ipywidgets and JupyterLab's jupyterlab_widgets do not match (ipywidgets 8 needs "
    "jupyterlab_widgets 3). Fix: in the course's environment run "
    "`python -m pip install -U \"ipywidgets>=8.1\" \"jupyterlab_widgets>=3\"` (or `make lab`, which "
    "reinstalls them), then restart JupyterLab itself, not only the kernel, and reload the page."
)


@dataclass(frozen=True)
class PackageStatus:
    """One row of the report."""

    name: str
    installed: str | None
    minimum: str
    purpose: str

    @property
    def ok(self):
        return self.installed is not None and _version_tuple(self.installed) >= _version_tuple(self.minimum)

    @property
    def advice(self):
        if self.installed is None:
            return "not installed: run `make lab` (or `pip install -e .`) from the course folder"
        if not self.ok:
            return f"too old (need >= {self.minimum}): run `make lab` to update the environment"
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


def environment_report(requirements=None):
    """Installed version and status of every package the course needs.

    Parameters
    ----------
    requirements : dict, optional
        ``{name: (minimum, purpose)}``; the course's own list by default.

    Returns
    -------
    list of PackageStatus
    """
    rows = []
    for name, (minimum, purpose) in (requirements or REQUIREMENTS).items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = None
        rows.append(PackageStatus(name, installed, minimum, purpose))
    return rows


def format_report(rows=None):
    """The report as aligned text, with Python's version first and a verdict last."""
    rows = environment_report() if rows is None else rows
    lines = [f"{'python':20s} {platform.python_version():12s} ok"]
    for r in rows:
        lines.append(f"{r.name:20s} {r.installed or '-':12s} {r.advice}")
    bad = [r.name for r in rows if not r.ok]
    lines.append("")
    lines.append("All set." if not bad else f"Needs attention: {', '.join(bad)}.")
    return "\n".join(lines)
