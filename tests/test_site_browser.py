"""`make site` in a real browser: every page opened in headless Chromium with the network off.

Each page of a freshly built site (index + one per notebook) is opened from ``file://`` in Debian's
Chromium (tests/browser/lab.py ``launch_chromium``); every request that is not ``file:`` or ``data:``
is aborted and recorded. After MathJax 3 has typeset the page (``MathJax.startup.promise``) the
test fails on: a math error, a formula left as raw TeX, fewer or more formulas typeset than the
notebook's markdown holds, a request leaving the site, a failed request, a script error, or any
axe-core WCAG 2 A/AA violation (tests/browser/axe.py). The audit itself is tools/site_audit.py
(``.venv/bin/python tools/site_audit.py`` prints the same checks as a table).
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import build_site  # noqa: E402
import site_audit  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def chromium(chromium_or_reason):
    """Debian's Chromium (tests/conftest.py: one per session); a missing browser FAILS with install advice."""
    if isinstance(chromium_or_reason, str):
        pytest.fail(chromium_or_reason)
    return chromium_or_reason


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    build_site.build_site(out)
    return out


@pytest.fixture
def offline(chromium):
    """A fresh browser context with every request but file: and data: aborted (and recorded)."""
    context, outside = site_audit.offline_context(chromium)
    context.set_default_timeout(site_audit.PAGE_TIMEOUT_MS)
    try:
        yield context, outside
    finally:
        context.close()


@pytest.mark.notebooks
@pytest.mark.parametrize("notebook", [None, *NOTEBOOKS], ids=["index", *(p.stem for p in NOTEBOOKS)])
def test_page_renders_every_formula_offline_and_passes_axe(site, offline, notebook):
    context, outside = offline
    if notebook is None:
        audit = site_audit.audit_page(context, outside, site / "index.html", 0)
    else:
        formulas = site_audit.notebook_formulas(notebook)
        assert formulas > 0, f"{notebook.name}: no formula found in its markdown (the counter is broken?)"
        audit = site_audit.audit_page(context, outside, site / notebook.with_suffix(".html").name, formulas)
    assert audit.problems() == [], "\n".join(audit.problems())
    assert audit.typeset == audit.formulas  # (in problems() too; here as a plain number for the log)


def test_the_audit_sees_math_errors_raw_tex_outside_requests_and_axe_violations(tmp_path, offline):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# A broken page\n\nA good formula $a_t = \\tanh'(z)$, a broken one "
                                      "$\\frac{1}$ and an unknown macro $\\notamacro x$."),
        nbformat.v4.new_markdown_cell("A lone dollar $x that MathJax leaves as text."),
        nbformat.v4.new_markdown_cell('<img src="https://example.invalid/x.png" alt="fetched from outside">'),
        nbformat.v4.new_markdown_cell('<p style="color: #b0b0b0">Faint text</p>'),  # 2.16:1 on white
    ]
    notebook = tmp_path / "00_broken.ipynb"
    nbformat.write(nb, notebook)
    out = tmp_path / "site"
    build_site.build_site(out, notebooks=[notebook])
    context, outside = offline

    audit = site_audit.audit_page(context, outside, out / "00_broken.html", site_audit.notebook_formulas(notebook))

    assert (audit.formulas, audit.typeset) == (3, 3)  # errors are typeset too, as an error box
    assert len(audit.math_errors) == 2, audit.math_errors
    assert any("notamacro" in e for e in audit.math_errors), audit.math_errors
    assert audit.raw_math == ["A lone dollar $x that MathJax leaves as text."]
    assert audit.outside_requests == ["https://example.invalid/x.png"]
    assert any("example.invalid" in f for f in audit.failed_requests), audit.failed_requests
    assert [v["id"] for v in audit.violations] == ["color-contrast"], audit.violations
    assert "Faint text" in audit.violations[0]["nodes"][0]["html"]
    assert len(audit.problems()) >= 6
