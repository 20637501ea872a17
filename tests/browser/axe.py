"""axe-core (from npm, ``node_modules/axe-core``) run in a Playwright page: the accessibility audit
shared by the static-site test and the JupyterLab test.

``npm ci`` (``make test`` does it) installs the version pinned in package.json; nothing is fetched
at run time: the script is read from node_modules and injected into the page.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0 and 2.1, levels A and AA: what the course promises (issue 14)
WCAG_AA_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_source():
    """The text of axe.min.js, or a clear error saying how to install it."""
    if not AXE_JS.exists():
        raise FileNotFoundError(f"{AXE_JS} is missing: run `npm ci` in {ROOT} (make test does it)")
    return AXE_JS.read_text()


def run_axe(page, context="document", tags=WCAG_AA_TAGS):
    """Run axe-core on ``page`` (a Playwright Page) and return its list of violations.

    Parameters
    ----------
    page : playwright.sync_api.Page
        The page to audit, already loaded.
    context : str
        A JavaScript expression for what to audit: ``"document"`` (the whole page) or, for example,
        ``"{include: ['.rnnlib-explorer']}"`` (only the course's own widgets).
    tags : list of str
        axe-core rule tags to run (default: WCAG 2.0/2.1 A and AA).

    Returns
    -------
    list of dict
        axe's violations: each with ``id``, ``impact``, ``help`` and ``nodes`` (``target``, ``html``,
        ``failureSummary``).
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source())
    return page.evaluate(
        "async ([tags]) => (await axe.run(" + context + ", {runOnly: {type: 'tag', values: tags}})).violations",
        [tags])


def describe(violations, limit=5):
    """A readable summary of axe violations for an assertion message."""
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v.get('impact')}): {v['help']} -- {len(v['nodes'])} element(s)")
        for node in v["nodes"][:limit]:
            lines.append(f"    {node['target']}: {node['html'][:160]}")
    return "\n".join(lines)
