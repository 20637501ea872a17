"""Open every page of the static site in headless Chromium with the network off and audit it.

Usage::

    .venv/bin/python tools/site_audit.py                    # build the site into a temporary folder
    .venv/bin/python tools/site_audit.py --site build/site  # audit a site already built (make site)

Per page it reports: the formulas the notebook's markdown holds and the number MathJax typeset,
math errors (MathJax 3 ``merror`` nodes, "Math Processing Error"), formulas left as raw ``$...$``
text, every request that would leave the site (anything but ``file://`` and ``data:``; they are
all aborted, so the audit is offline), failed requests, script errors, and axe-core's WCAG 2 A/AA
violations (``tests/browser/axe.py``). Exits 1 if any page has a problem. ``tests/test_site_browser.py``
runs the same audit in ``make test``.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tools"))

from browser.axe import describe, run_axe  # noqa: E402
from browser.lab import launch_chromium  # noqa: E402

PAGE_TIMEOUT_MS = 120_000  # a bound that means "broken" on a loaded machine, not a timing gate

# What MathJax (and nbconvert's markdown) treat as math in a markdown cell, after code is removed.
_FENCED_CODE = re.compile(r"^ {0,3}(```|~~~).*?^ {0,3}\1", re.M | re.S)
_CODE_SPAN = re.compile(r"(`+).+?\1", re.S)
_DISPLAY_MATH = re.compile(r"\$\$.+?\$\$|\\\[.+?\\\]", re.S)
_INLINE_MATH = re.compile(r"(?<!\\)\$.+?(?<!\\)\$|\\\(.+?\\\)", re.S)

# In the page: formulas typeset, errors, and markdown text that still looks like TeX.
_JS_MATH_REPORT = r"""() => {
  const typeset = document.querySelectorAll('mjx-container').length;
  // one entry per formula: its output and its assistive MathML both carry the error
  const errors = [];
  for (const container of document.querySelectorAll('mjx-container')) {
    const error = container.querySelector('mjx-merror, [data-mjx-error], [data-mml-node="merror"], merror');
    if (error) errors.push(error.getAttribute('data-mjx-error') || error.textContent.slice(0, 80) || 'merror');
  }
  if (document.body.innerText.includes('Math Processing Error')) errors.push('Math Processing Error');
  const raw = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const host = node.parentElement;
    if (!host.closest('.jp-RenderedMarkdown') || host.closest('pre, code, script, style, mjx-container')) continue;
    if (/\$|\\\(|\\\[/.test(node.textContent)) raw.push(node.textContent.trim().slice(0, 80));
  }
  return {typeset, errors, raw};
}"""


@dataclass
class PageAudit:
    """What one page of the site showed and asked for in the browser."""

    name: str
    formulas: int  # in the notebook's markdown (0 for the contents page)
    typeset: int = 0
    math_errors: list = field(default_factory=list)
    raw_math: list = field(default_factory=list)
    outside_requests: list = field(default_factory=list)
    failed_requests: list = field(default_factory=list)
    script_errors: list = field(default_factory=list)
    violations: list = field(default_factory=list)  # axe-core's, WCAG 2 A/AA
    seconds: float = 0.0

    @property
    def axe_nodes(self):
        """Elements flagged by axe (one violation may flag many)."""
        return sum(len(v["nodes"]) for v in self.violations)

    def problems(self):
        """Every problem of the page as readable lines (empty when the page is fine)."""
        lines = []
        if self.typeset != self.formulas:
            lines.append(f"{self.typeset} formulas typeset, {self.formulas} in the notebook's markdown")
        for label, items in (("math error", self.math_errors), ("raw TeX left in the text", self.raw_math),
                             ("request leaving the site", self.outside_requests),
                             ("failed request", self.failed_requests), ("script error", self.script_errors)):
            lines += [f"{label}: {item}" for item in items]
        if self.violations:
            lines.append("axe-core WCAG 2 A/AA violations:\n" + describe(self.violations))
        return [f"{self.name}: {line}" for line in lines]


def count_formulas(markdown):
    """The number of formulas (``$...$``, ``$$...$$``, ``\\(...\\)``, ``\\[...\\]``) in markdown text,
    code spans and fenced code left out (MathJax does not look inside ``pre`` and ``code``)."""
    text = _CODE_SPAN.sub("", _FENCED_CODE.sub("", markdown))
    display = len(_DISPLAY_MATH.findall(text))
    return display + len(_INLINE_MATH.findall(_DISPLAY_MATH.sub("", text)))


def notebook_formulas(notebook):
    """The number of formulas in the markdown cells of ``notebook`` (a path)."""
    nb = nbformat.read(notebook, as_version=4)
    return sum(count_formulas(c.source) for c in nb.cells if c.cell_type == "markdown")


def offline_context(browser):
    """A browser context in which every request but ``file://`` and ``data:`` is aborted.

    Returns the context and the list that collects the URLs of the aborted requests.
    """
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    outside = []

    def handle(route):
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            outside.append(url)
            route.abort("internetdisconnected")

    context.route("**/*", handle)
    return context, outside


def audit_page(context, outside, path, formulas, axe=True):
    """Open ``path`` (an HTML file) in a new page of ``context``, wait for MathJax, and audit it."""
    audit = PageAudit(Path(path).name, formulas)
    start = time.perf_counter()
    first_outside = len(outside)
    page = context.new_page()
    page.on("requestfailed", lambda r: audit.failed_requests.append(f"{r.url} ({r.failure})"))
    page.on("pageerror", lambda exc: audit.script_errors.append(str(exc)))
    try:
        page.goto(Path(path).resolve().as_uri(), wait_until="load", timeout=PAGE_TIMEOUT_MS)
        if page.evaluate("() => !!document.querySelector('script[src*=\"mathjax\" i]')"):
            # MathJax 3: the startup promise resolves after the first typesetting of the page
            page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise",
                                   timeout=PAGE_TIMEOUT_MS)
            page.evaluate("() => MathJax.startup.promise.then(() => true)")
        report = page.evaluate(_JS_MATH_REPORT)
        audit.typeset, audit.math_errors, audit.raw_math = report["typeset"], report["errors"], report["raw"]
        if axe:
            audit.violations = run_axe(page)
    finally:
        page.close()
    audit.outside_requests = outside[first_outside:]
    audit.seconds = time.perf_counter() - start
    return audit


def audit_site(site, notebooks, browser, axe=True):
    """Audit ``index.html`` and the page of every notebook in ``notebooks`` under ``site``."""
    context, outside = offline_context(browser)
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    try:
        audits = [audit_page(context, outside, Path(site) / "index.html", 0, axe)]
        for notebook in notebooks:
            audits.append(audit_page(context, outside, Path(site) / Path(notebook).with_suffix(".html").name,
                                     notebook_formulas(notebook), axe))
    finally:
        context.close()
    return audits


def table(audits):
    """A markdown table of the audits, one row per page."""
    rows = ["| page | formulas | typeset | math errors | raw TeX | outside requests | failed requests "
            "| axe violations (elements) | s |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for a in audits:
        rows.append(f"| {a.name} | {a.formulas} | {a.typeset} | {len(a.math_errors)} | {len(a.raw_math)} "
                    f"| {len(a.outside_requests)} | {len(a.failed_requests)} | {len(a.violations)} ({a.axe_nodes}) "
                    f"| {a.seconds:.1f} |")
    return "\n".join(rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, help="a built site (default: build one into a temporary folder)")
    args = parser.parse_args(argv)
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="rnnlib-site-") as tmp:
        site = args.site
        if site is None:
            import build_site

            site = Path(tmp)
            build_site.build_site(site)
        with sync_playwright() as pw:
            browser = launch_chromium(pw)
            try:
                audits = audit_site(site, notebooks, browser)
            finally:
                browser.close()
    print(table(audits))
    problems = [line for a in audits for line in a.problems()]
    print("\n".join(problems) or "no problem found")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
