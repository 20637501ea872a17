"""The course as a learner sees it: JupyterLab in a real (headless) Chromium.

For every notebook ``notebooks/NN_*.ipynb`` (a copy, so the committed files are never touched):
open it in JupyterLab, Run > Run All Cells, wait for the kernel to go idle, and check that no
cell shows an error, no widget failed ("Error displaying widget") or is stuck at "Loading
widget...", and every explorer (``.rnnlib-explorer``) rendered its controls and figures; axe-core
audits the explorers (WCAG 2 A/AA: zero violations inside the course's widgets, sliders included:
they are named ``<input type="range">``, rnnlib.widgets.base.IntSlider / FloatSlider). Then
drive every explorer like a person (arrow keys on a slider, typing in a text box, picking a
dropdown option) and check that the figure really changed, was replaced in place (no figure or
output piled up below) and that the explorer's error area stayed empty. The latency from the
input event to the new figure painted is measured in the page over several repetitions and
written to ``build/browser_latency.json`` / ``.md`` and printed in pytest's final summary;
screenshots go to ``build/screenshots/``.

The latency is a benchmark, not a gate: its goal (a median below ``GOAL_MEDIAN_MS``) is reported
in the table, and the test fails only on a change slower than ``BROKEN_MS`` (2 s), which means
something is broken (a lost message, a runaway redraw), not that the machine is busy.

Run only this test: ``.venv/bin/pytest tests/test_browser.py -m browser -p no:cacheprovider``.
Environment knobs: ``RNNLIB_BROWSER_REPS`` (timed changes per explorer, default 5),
``RNNLIB_BROWSER_RUN_TIMEOUT`` (seconds a notebook's Run All may take, default 600) and
``RNNLIB_BROWSER_NOTEBOOK_DIR`` (check another notebook folder).
``tools/browser_latency.py`` does the same without pytest and prints the table.

Chromium is Debian's (``/usr/bin/chromium``), driven by Playwright; when it is missing the test
fails and says how to install it (``apt-get install chromium``): it never downloads a browser.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from browser.lab import (
    BROKEN_MS,
    NOTEBOOK_GLOB,
    LabServer,
    check_notebook,
    copy_notebooks,
    write_latency,
)

ROOT = Path(__file__).resolve().parents[1]
# another folder of notebooks can be checked the same way (used while developing this test)
NOTEBOOK_DIR = Path(os.environ.get("RNNLIB_BROWSER_NOTEBOOK_DIR", ROOT / "notebooks"))
BUILD = ROOT / "build"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob(NOTEBOOK_GLOB))
REPS = int(os.environ.get("RNNLIB_BROWSER_REPS", "5"))
RUN_TIMEOUT_S = float(os.environ.get("RNNLIB_BROWSER_RUN_TIMEOUT", "600"))  # per notebook's Run All

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    """JupyterLab serving a copy of notebooks/ (random token, own settings), stopped at the end."""
    served = copy_notebooks(NOTEBOOK_DIR, tmp_path_factory.mktemp("browser") / "notebooks")
    server = LabServer(served, work_dir=tmp_path_factory.mktemp("jupyter"))
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def chromium(chromium_or_reason):
    """Debian's Chromium (tests/conftest.py: one per session); or the reason it cannot start (a str).

    A missing browser makes every notebook test FAIL with install advice (never a skip).
    """
    return chromium_or_reason


class _LatencySummary:
    """A plugin registered at the end of the session: prints the table in pytest's final summary."""

    def __init__(self, markdown, reports):
        self.markdown = markdown
        self.reports = reports

    def pytest_terminal_summary(self, terminalreporter):
        terminalreporter.section("browser: latency (build/browser_latency.md), screenshots in build/screenshots/")
        terminalreporter.write(self.markdown)
        for rep in self.reports:
            terminalreporter.write_line(f"{rep.notebook}: Run All {rep.run_all_s or 0:.1f} s, "
                                        f"whole check {rep.total_s:.1f} s, axe-core violations in the explorers "
                                        f"by rule (elements): {rep.axe_violations or 'none'}")
            for note in rep.notes:
                terminalreporter.write_line(f"  note: {note}")


@pytest.fixture(scope="session")
def latency_log(request):
    """Collects every notebook's report; the latency table is printed in the session summary."""
    reports = []
    yield reports
    if reports:
        md = write_latency(reports, BUILD)
        request.config.pluginmanager.register(_LatencySummary(md, reports), "rnnlib-browser-latency")


@pytest.fixture
def context(chromium, lab):
    """A fresh browser context per notebook (or why there is no browser); kernels stopped afterwards."""
    if isinstance(chromium, str):
        yield chromium  # the test fails with this message: a failure, not a setup error or a skip
        return
    ctx = chromium.new_context(viewport={"width": 1280, "height": 900})
    try:
        yield ctx
    finally:
        ctx.close()
        lab.shutdown_sessions()


def test_course_has_notebooks():
    assert NOTEBOOKS, f"no notebooks matching {NOTEBOOK_GLOB} in {NOTEBOOK_DIR}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_in_browser(notebook, lab, context, latency_log):
    if isinstance(context, str):
        pytest.fail(context, pytrace=False)
    report = check_notebook(context, lab, notebook.name, lab.root_dir / notebook.name,
                            screenshot_dir=BUILD / "screenshots", reps=REPS, run_timeout_s=RUN_TIMEOUT_S)
    latency_log.append(report)
    write_latency(latency_log, BUILD)  # keep the files current even if a later notebook hangs

    assert not report.problems, (
        f"{notebook.name} in JupyterLab ({len(report.problems)} problem(s); screenshots in build/screenshots/):\n- "
        + "\n- ".join(report.problems)
        + ("\nbrowser console errors:\n  " + "\n  ".join(report.console_errors[:10]) if report.console_errors else "")
    )

    broken = []
    for ex in report.explorers:
        too_slow = [t for t in ex.samples_ms if t is not None and t > BROKEN_MS]
        if too_slow:
            broken.append(f"{ex.name} ({ex.control}): {len(too_slow)} of {len(ex.samples_ms)} changes took over "
                          f"{BROKEN_MS:.0f} ms (worst {max(too_slow):.0f} ms)")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    assert not broken, (f"an explorer took over {BROKEN_MS / 1000:.0f} s to show a change (load average {load:.1f} "
                        f"on {os.cpu_count()} CPUs): broken, not just slow:\n- " + "\n- ".join(broken))
