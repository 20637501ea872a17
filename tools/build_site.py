"""Render the course to static HTML (build/site/): readable without a kernel, from the committed outputs.

Usage::

    .venv/bin/python tools/build_site.py [--out build/site]      # or: make site

Nothing is executed: every page is the notebook as committed (nbval keeps those outputs current),
converted with nbconvert's HTMLExporter (the "lab" template, PNG figures embedded as data URIs).
Live explorers cannot run in a static page: their widget output is replaced by a note saying so,
next to the static companion figure that every explorer has above it. Pages get the course's
contents page (index.html) and previous / next links; links between notebooks point to the pages.

Nothing is loaded from outside the site, so it reads offline:

- Equations are typeset in the browser by MathJax 3 (``tex-svg-full.js``: every TeX extension and
  the SVG output, which needs no font files), copied into ``mathjax/`` next to the pages from
  ``node_modules/mathjax`` (pinned in package.json, installed by ``npm ci``; ``make site`` does it).
- The pages use the template ``tools/site_templates/course``, an extension of nbconvert's "lab"
  template (nbconvert's documented way to change its output, rather than regular expressions over
  the HTML it writes; should an nbconvert upgrade rename a block, tests/test_site.py fails on the
  CDN link or MathJax 2 block it would leave). It replaces the lab template's MathJax 2 block by
  MathJax 3's configuration, drops require.js, the widget manager and mermaid (each would come
  from a CDN; the pages have no JavaScript output, no live widget and no diagram), and adds the
  site's CSS (``SITE_CSS``).
- ``SITE_CSS`` gives code, prompts and links WCAG AA contrast (4.5:1) and underlines links in the
  text. ``tools/site_audit.py`` (and ``tests/test_site_browser.py``) open every page in headless
  Chromium with the network off and check math, requests and axe-core's WCAG 2 A/AA rules.
"""

from __future__ import annotations

import argparse
import html
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
OUT = ROOT / "build" / "site"
TEMPLATES = ROOT / "tools" / "site_templates"
TEMPLATE_NAME = "course"
MATHJAX_DIST = ROOT / "node_modules" / "mathjax"
MATHJAX_SCRIPT = "tex-svg-full.js"
# MathJax's other combined builds (each a complete alternative to MATHJAX_SCRIPT): not copied. The
# folders (input/, output/, a11y/, sre/, ui/...) are, for what MathJax's menu loads on demand.
MATHJAX_UNUSED = ["tex-chtml*.js", "tex-mml-*.js", "mml-*.js", "tex-svg.js", "node-main.js"]
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
NOTE_CLASS = "course-live-note"
NAV_CLASS = "course-nav"

CSS = f"""
<style>
.{NAV_CLASS} {{ display: flex; justify-content: space-between; gap: 1em; max-width: 1100px; margin: 0.6em auto;
  padding: 0.5em 1em; font: 15px/1.4 system-ui, sans-serif; border: 1px solid #ccc; border-radius: 6px;
  background: #f7f7f7; }}
.{NAV_CLASS} a {{ color: #0b5394; text-decoration: none; }}
.{NAV_CLASS} a:hover {{ text-decoration: underline; }}
.{NOTE_CLASS} {{ border-left: 4px solid #0072B2; background: #eef5fb; padding: 0.5em 0.9em; margin: 0.3em 0;
  font: 14px/1.45 system-ui, sans-serif; color: #1a1a1a; }}
</style>
"""

# The notebook pages' colours, over JupyterLab's light theme (the lab template's CSS variables): every
# text at least 4.5:1 against its background (WCAG 2 AA), same hues as JupyterLab. The theme's are
# 4.17:1 (comments #408080), 4.26:1 (numbers #080) and 4.40:1 (operators #a2f) on the code background
# #f5f5f5, and 2.16:1 for the prompts of inactive cells (#616161 at half opacity on white).
PAGE_CSS = """
<style>
:root {
  --jp-mirror-editor-comment-color: #3a7676;   /* 4.78:1 on #f5f5f5 */
  --jp-mirror-editor-number-color: #007a00;    /* 5.09:1 */
  --jp-mirror-editor-operator-color: #9a1ee6;  /* 5.20:1 */
  --jp-mirror-editor-meta-color: #9a1ee6;
  --jp-cell-prompt-not-active-opacity: 1;      /* prompts #616161 on white: 6.19:1 */
}
/* links in the text are told apart by more than colour (WCAG 1.4.1) */
.jp-RenderedHTMLCommon a, .jp-RenderedHTMLCommon a:link, .jp-RenderedHTMLCommon a:visited {
  text-decoration: underline;
}
/* a display formula wider than the screen scrolls instead of overflowing the page */
mjx-container[display="true"] { overflow-x: auto; overflow-y: hidden; }
</style>
"""
SITE_CSS = CSS + PAGE_CSS


@dataclass(frozen=True)
class Page:
    """One notebook of the course and the page it becomes."""

    notebook: Path
    title: str

    @property
    def html_name(self):
        return self.notebook.with_suffix(".html").name


def notebook_title(nb, fallback):
    """The first markdown heading of the notebook (without the leading #), else ``fallback``."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            m = re.search(r"^#\s+(.+)$", cell.source, re.M)
            if m:
                return m.group(1).strip()
    return fallback


def live_note(has_figure_above):
    """The HTML that stands in for a live widget in the static page."""
    where = ("The figure above shows its default state. " if has_figure_above else "")
    return (f'<div class="{NOTE_CLASS}"><b>Live in JupyterLab:</b> this cell shows live widgets (sliders and '
            f"text boxes that recompute and redraw). They cannot run in a static page. {where}"
            "To use it, open this notebook in JupyterLab (<code>make lab</code> in the course folder) and run "
            "the cells.</div>")


def replace_widgets(nb):
    """Replace every widget output (view + text repr) with the live note, in place. Returns the count."""
    count, seen_figure = 0, False
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        outputs = []
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if WIDGET_MIME in data:
                outputs.append(nbformat.v4.new_output("display_data", data={"text/html": live_note(seen_figure)}))
                count += 1
                continue
            seen_figure = seen_figure or "image/png" in data
            outputs.append(out)
        cell.outputs = outputs
    return count


def relink(nb, names):
    """Links to other notebooks of the course (``NN_x.ipynb``, optionally with #anchor) -> their pages."""
    pattern = re.compile(r"\]\((" + "|".join(re.escape(n) for n in names) + r")((?:#[^)]*)?)\)")
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = pattern.sub(lambda m: f"]({Path(m.group(1)).with_suffix('.html').name}{m.group(2)})",
                                      cell.source)


def nav_bar(pages, i):
    """Contents, previous and next links for page ``i``."""
    prev_link = (f'<a rel="prev" href="{pages[i - 1].html_name}">&larr; {html.escape(pages[i - 1].title)}</a>'
                 if i > 0 else "<span></span>")
    next_link = (f'<a rel="next" href="{pages[i + 1].html_name}">{html.escape(pages[i + 1].title)} &rarr;</a>'
                 if i + 1 < len(pages) else "<span></span>")
    return (f'<nav class="{NAV_CLASS}">{prev_link}<a rel="contents" href="index.html">Contents</a>'
            f"{next_link}</nav>")


def index_page(pages):
    items = "\n".join(f'<li><a href="{p.html_name}">{html.escape(p.title)}</a></li>' for p in pages)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Recurrent neural networks and LSTMs, step by step</title>{CSS}
<style>body {{ font: 16px/1.5 system-ui, sans-serif; max-width: 52em; margin: 2em auto; padding: 0 1em; }}
ul.contents {{ list-style: none; padding-left: 0; }} li {{ margin: 0.4em 0; }}</style></head>
<body>
<h1>Recurrent neural networks and LSTMs, step by step</h1>
<p>The course's notebooks as static pages, with the outputs and figures they were committed with:
they read without Python or a kernel. The explorers (live widgets) only run in JupyterLab; here each
one is shown by its static figure and a note. To run the course, clone it and type <code>make lab</code>.</p>
<h2>Contents</h2>
<ul class="contents">
{items}
</ul>
</body></html>
"""


def render(page, pages, i, exporter):
    nb = nbformat.read(page.notebook, as_version=4)
    replace_widgets(nb)
    relink(nb, [p.notebook.name for p in pages])
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": page.title}, "site_css": SITE_CSS})
    nav = nav_bar(pages, i)
    body = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + nav, body, count=1)
    return body.replace("</body>", nav + "</body>", 1)


def course_pages(notebooks=None):
    paths = notebooks or sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    return [Page(p, notebook_title(nbformat.read(p, as_version=4), p.stem)) for p in paths]


def local_mathjax(out):
    """Copy MathJax 3 (``node_modules/mathjax/es5`` and its licence) into ``out/mathjax``; return the
    URL of its script relative to the pages."""
    es5 = MATHJAX_DIST / "es5"
    if not (es5 / MATHJAX_SCRIPT).is_file():
        raise FileNotFoundError(f"{es5 / MATHJAX_SCRIPT} is missing: run `npm ci` in {ROOT} "
                                "(make site does it; MathJax is pinned in package.json)")
    target = Path(out) / "mathjax"
    shutil.copytree(es5, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns(*MATHJAX_UNUSED))
    shutil.copy2(MATHJAX_DIST / "LICENSE", target / "LICENSE")
    return f"mathjax/{MATHJAX_SCRIPT}"


def site_exporter(mathjax_url):
    """nbconvert's exporter with the course's template (tools/site_templates/course)."""
    exporter = HTMLExporter(template_name=TEMPLATE_NAME, extra_template_basedirs=[str(TEMPLATES)],
                            embed_images=True)
    exporter.mathjax_url = mathjax_url
    return exporter


def build_site(out=OUT, notebooks=None):
    """Write one page per notebook and index.html into ``out``. Returns the list of Pages."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    pages = course_pages(notebooks)
    exporter = site_exporter(local_mathjax(out))
    for i, page in enumerate(pages):
        (out / page.html_name).write_text(render(page, pages, i, exporter), encoding="utf-8")
    (out / "index.html").write_text(index_page(pages), encoding="utf-8")
    return pages


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    pages = build_site(args.out)
    print(f"{len(pages)} pages and index.html in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
