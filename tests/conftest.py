"""Shared fixtures and settings of the test suite."""

import os

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")  # tests never open windows
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture
def rng():
    """A fresh seeded generator per test."""
    return np.random.default_rng(1234)


# An explorer update that takes longer than this is broken, not slow: the latency goal (a median
# below 100 ms) is measured by `make bench` and the browser test's report, never asserted here.
BROKEN_UPDATE_SECONDS = 2.0


@pytest.fixture
def check_benchmark_cases():
    """Drive every benchmark case of a widgets module once: valid, no error, not broken-slow.

    Returns a function ``check(cases, at_least)``; ``cases`` is a module's ``benchmark_cases()``.
    """
    import time

    def check(cases, at_least=1):
        assert len(cases) >= at_least
        for name, explorer, control, value in cases:
            assert control in explorer.controls, name
            start = time.process_time()
            explorer.controls[control].value = value  # the observer calls explorer.update()
            cpu = time.process_time() - start
            assert explorer.last_error is None, f"{name}: {explorer.last_error!r}"
            assert cpu < BROKEN_UPDATE_SECONDS, f"{name}: {cpu:.2f} s of CPU for one update"

    return check


def pytest_collection_modifyitems(items):
    """Give nbval's notebook cells 60 s, not 5 s, for their outputs to arrive after a cell finishes.

    nbval reads a cell's outputs with a fixed 5 s wait per message; on a loaded 2-core CI machine a
    long training cell's last message can take longer, and the cell then fails with "Timeout of 5
    seconds exceeded waiting for output" although the notebook is fine. (Applies when the whole suite
    runs, which loads this file; the cell timeout itself stays nbval's.)
    """
    for item in items:
        if type(item).__name__ == "IPyNbCell" and hasattr(item, "output_timeout"):
            item.output_timeout = 60


@pytest.fixture(scope="session")
def chromium_or_reason():
    """Debian's Chromium, headless, through Playwright; or the reason it cannot start (a str).

    One Playwright and one browser for the whole session, shared by every browser test (JupyterLab,
    the hub, the static site): Playwright's sync API refuses to start while another instance is
    running in the same thread. Each test module turns a reason into a FAILURE with install advice
    (never a skip).
    """
    from browser.lab import INSTALL_HINT, BrowserUnavailable, launch_chromium

    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        yield f"Playwright for Python is not installed ({exc}). {INSTALL_HINT}"
        return
    pw = sync_playwright().start()
    try:
        try:
            browser = launch_chromium(pw)
        except BrowserUnavailable as exc:
            yield str(exc)
            return
        try:
            yield browser
        finally:
            browser.close()
    finally:
        pw.stop()
