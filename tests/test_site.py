"""`make site`: the course as static HTML, readable without a kernel (tools/build_site.py)."""

import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import build_site  # noqa: E402
import site_audit  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
STDERR = re.compile(r'data-mime-type="application/vnd\.jupyter\.stderr"')  # nbconvert: errors, warnings
RAW_WIDGET = re.compile(r"\b[A-Z][A-Za-z]*\((children|value|layout)=")  # e.g. VBox(children=(...


class Links(HTMLParser):
    """The images and links of a page."""

    def __init__(self):
        super().__init__()
        self.images, self.links = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs)
        elif tag == "a" and attrs.get("href"):
            self.links.append(attrs)


def parse(path):
    parser = Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    pages = build_site.build_site(out)
    return out, pages


@pytest.mark.notebooks
def test_every_notebook_has_a_page_and_the_contents_lists_them_in_order(site):
    out, pages = site
    assert [p.notebook for p in pages] == NOTEBOOKS
    for nb in NOTEBOOKS:
        assert (out / nb.with_suffix(".html").name).is_file(), nb.name
    hrefs = [a["href"] for a in parse(out / "index.html").links]
    assert hrefs == [nb.with_suffix(".html").name for nb in NOTEBOOKS]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
@pytest.mark.notebooks
def test_page_shows_every_figure_embedded(site, notebook):
    out, _ = site
    nb = nbformat.read(notebook, as_version=4)
    n_png = sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    images = parse(out / notebook.with_suffix(".html").name).images
    assert len(images) == n_png
    for img in images:
        assert img["src"].startswith("data:image/png;base64,") and len(img["src"]) > 1000


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
@pytest.mark.notebooks
def test_page_has_no_error_and_no_raw_widget(site, notebook):
    out, _ = site
    text = (out / notebook.with_suffix(".html").name).read_text(encoding="utf-8")
    assert not STDERR.search(text), "an error or a warning is shown"
    assert "Traceback" not in text
    assert not RAW_WIDGET.search(text), RAW_WIDGET.search(text)
    assert build_site.WIDGET_MIME not in text
    nb = nbformat.read(notebook, as_version=4)
    n_widgets = sum(build_site.WIDGET_MIME in o.get("data", {}) for c in nb.cells if c.cell_type == "code"
                    for o in c.outputs)
    assert text.count(f'class="{build_site.NOTE_CLASS}"') == n_widgets  # each explorer -> the note


@pytest.mark.notebooks
def test_prev_next_and_all_local_links_resolve(site):
    out, pages = site
    names = [p.html_name for p in pages]
    for i, name in enumerate(names):
        links = parse(out / name).links
        rel = {a.get("rel"): a["href"] for a in links if a.get("rel")}
        assert rel["contents"] == "index.html"
        assert rel.get("prev") == (names[i - 1] if i > 0 else None)
        assert rel.get("next") == (names[i + 1] if i + 1 < len(names) else None)
        for a in links:
            href = a["href"].split("#")[0]
            if href and not re.match(r"^[a-z]+:", href):
                assert (out / href).is_file(), f"{name} links to missing {href}"
            assert not href.endswith(".ipynb"), f"{name} still links to a notebook: {href}"


def test_widget_note_mentions_the_figure_only_after_one():
    nb = nbformat.v4.new_notebook()
    png = nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"})
    widget = nbformat.v4.new_output("display_data", data={build_site.WIDGET_MIME: {"model_id": "x"},
                                                          "text/plain": "VBox(children=(IntSlider(value=3),))"})
    nb.cells = [nbformat.v4.new_code_cell("w", outputs=[widget]), nbformat.v4.new_code_cell("f", outputs=[png]),
                nbformat.v4.new_code_cell("w", outputs=[widget])]
    assert build_site.replace_widgets(nb) == 2
    first, second = nb.cells[0].outputs[0].data["text/html"], nb.cells[2].outputs[0].data["text/html"]
    assert "figure above" not in first and "The figure above shows its default state" in second
    assert "make lab" in second and "VBox" not in first + second


def test_relink_points_notebook_links_to_pages():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("[Next](03_x.ipynb) [sec](03_x.ipynb#part) [ext](https://a.b/c.ipynb)")]
    build_site.relink(nb, ["03_x.ipynb"])
    assert nb.cells[0].source == "[Next](03_x.html) [sec](03_x.html#part) [ext](https://a.b/c.ipynb)"


def test_the_checks_would_see_an_error_output():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("1/0", outputs=[nbformat.v4.new_output(
        "error", ename="ZeroDivisionError", evalue="division by zero", traceback=["ZeroDivisionError: x"])])]
    text, _ = build_site.site_exporter("mathjax/x.js").from_notebook_node(nb)
    assert STDERR.search(text)


@pytest.mark.notebooks
def test_equations_are_typeset_by_the_local_mathjax_3(site):
    out, pages = site
    assert (out / "mathjax" / build_site.MATHJAX_SCRIPT).stat().st_size > 1_000_000  # the complete build
    assert (out / "mathjax" / "LICENSE").is_file()
    assert (out / "mathjax" / "output" / "svg.js").is_file()  # what MathJax's menu may load on demand
    for page in pages:
        text = (out / page.html_name).read_text(encoding="utf-8")
        assert f'src="mathjax/{build_site.MATHJAX_SCRIPT}"' in text
        assert "window.MathJax = {" in text and "inlineMath: [['$', '$']" in text
        assert "MathJax.Hub" not in text and "text/x-mathjax-config" not in text  # no MathJax 2 block left


class Resources(HTMLParser):
    """What a page would load: the URLs of scripts, styles, images, frames and media, and the text
    of its inline scripts and styles."""

    URL_ATTRS = {"script": "src", "img": "src", "iframe": "src", "source": "src", "audio": "src", "video": "src",
                 "embed": "src", "track": "src", "object": "data", "link": "href"}

    def __init__(self):
        super().__init__()
        self.urls, self.inline, self._in = [], [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = self.URL_ATTRS.get(tag)
        if name and attrs.get(name) and not (tag == "link" and "stylesheet" not in (attrs.get("rel") or "")
                                              and "preload" not in (attrs.get("rel") or "")):
            self.urls.append(attrs[name])
        if tag == "img" and attrs.get("srcset"):
            self.urls.append(attrs["srcset"])
        if attrs.get("style"):
            self.inline.append(attrs["style"])
        self._in = tag if tag in ("script", "style") else None

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in:
            self.inline.append(data)


REMOTE_URL = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:(?<!data:)(?<!file:)|//)", re.I)  # a scheme or //host
REMOTE_IN_CODE = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"]?|import\(\s*['"]|src\s*=\s*['"]|["'])"""
                            r"""(?:https?:)?//""", re.I)


def outside_resources(text):
    """Everything a page would fetch from outside the site, read from its HTML without a browser."""
    parser = Resources()
    parser.feed(text)
    found = [u for u in parser.urls if REMOTE_URL.match(u)]
    for code in parser.inline:
        found += [code[m.start():m.start() + 80] for m in REMOTE_IN_CODE.finditer(code)]
    return found


def test_the_static_check_sees_every_kind_of_outside_resource():
    page = """<html><head>
<script src="https://cdnjs.cloudflare.com/ajax/libs/require.js/2.1.10/require.min.js"></script>
<link rel="stylesheet" href="//fonts.example/css">
<style>@font-face { src: url(https://fonts.example/a.woff2) }</style>
<script type="module">const m = await import("https://cdn.example/mermaid.mjs");</script>
</head><body><img src="http://example.org/x.png" alt="x"><img src="data:image/png;base64,AAAA" alt="ok">
<script src="mathjax/tex-svg-full.js"></script><a href="https://arxiv.org/abs/1">a link is not loaded</a>
<svg xmlns="http://www.w3.org/2000/svg"></svg></body></html>"""
    found = outside_resources(page)
    assert len(found) == 5, found
    assert not any("mathjax/" in f or "arxiv" in f or "data:" in f or "w3.org" in f for f in found)


@pytest.mark.notebooks
def test_no_page_loads_anything_from_outside_the_site(site):
    out, pages = site
    for name in ["index.html", *(p.html_name for p in pages)]:
        text = (out / name).read_text(encoding="utf-8")
        assert outside_resources(text) == [], name
        assert "require.js" not in text and "mermaid" not in text, name  # dropped by the site template


def test_count_formulas_counts_what_mathjax_typesets():
    assert site_audit.count_formulas("The state $h_t$ and $\\tanh'(a)$, then\n\n$$h_t = f(h_{t-1})$$") == 3
    assert site_audit.count_formulas("$$\na\n$$ and \\(x\\) and \\[y\\]") == 3
    assert site_audit.count_formulas("Costs \\$5 or \\$6, and `$x$` is code:\n```\n$y$\n```") == 0
    assert site_audit.count_formulas("no math") == 0
