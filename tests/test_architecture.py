"""The package's layering, its chapter layout and its public API.

Layers point one way: the library (top-level modules) <- lessons <- viz <- widgets. exercises and
classroom sit beside them. A chapter has one name in every layer, the name of its notebook
(``lessons/vanishing_gradient.py`` for ``notebooks/04_vanishing_gradient.ipynb``), and no chapter
imports a later one.
"""

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

import rnnlib

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "rnnlib"
CHAPTER_LAYERS = ("lessons", "viz", "widgets", "exercises")
# modules of a chapter layer that belong to no chapter: the layer's own infrastructure
INFRASTRUCTURE = {"__init__", "base", "style"}
CHAPTERS = {m.group(2): int(m.group(1))
            for m in (re.match(r"(\d\d)_(\w+)\.ipynb$", p.name) for p in (ROOT / "notebooks").glob("*.ipynb")) if m}
PUBLIC_MATH = ["rnn_step_forward", "rnn_step_backward", "rnn_forward", "rnn_backward",
               "lstm_step_forward", "lstm_step_backward", "lstm_forward", "lstm_backward",
               "gru_step_forward", "gru_step_backward", "gru_forward", "gru_backward",
               "bidirectional_forward", "bidirectional_backward"]


def _module_name(path):
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path):
    """Absolute names of every module ``path`` imports (at any depth: lazy imports count)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def _layer(module):
    """('library' | 'lessons' | 'viz' | 'widgets' | 'exercises' | 'classroom' | 'results', chapter or None)."""
    parts = module.split(".")
    if parts[0] != "rnnlib" or len(parts) == 1:
        return None, None
    if parts[1] in CHAPTER_LAYERS + ("classroom",):
        return parts[1], parts[2] if len(parts) > 2 and parts[2] in CHAPTERS else None
    return "library", None


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_the_layout_was_found():
    assert len(CHAPTERS) >= 7, CHAPTERS
    assert len(MODULES) > 30


@pytest.mark.parametrize("layer", CHAPTER_LAYERS)
def test_every_chapter_module_is_named_after_its_notebook(layer):
    names = {p.stem for p in (PACKAGE / layer).glob("*.py")} - INFRASTRUCTURE
    assert names, layer
    strays = sorted(names - set(CHAPTERS))
    assert not strays, f"rnnlib/{layer}/ modules {strays} match no notebook NN_<name>.ipynb ({sorted(CHAPTERS)})"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: _module_name(p))
def test_imports_point_one_way(path):
    layer, chapter = _layer(_module_name(path))
    problems = []
    for imported in _imports(path):
        top = imported.split(".")[0]
        other_layer, other_chapter = _layer(imported)
        if layer == "library":
            if top in ("matplotlib", "ipywidgets", "IPython", "PIL") or other_layer not in (None, "library"):
                problems.append(imported)
        elif layer == "lessons":
            if top in ("matplotlib", "ipywidgets", "IPython") or other_layer in ("viz", "widgets", "exercises",
                                                                                  "classroom"):
                problems.append(imported)
        elif layer == "viz":
            if top in ("ipywidgets", "IPython") or imported.startswith("matplotlib.pyplot") or other_layer in (
                    "widgets", "exercises", "classroom"):
                problems.append(imported)
        elif layer == "widgets":
            if other_layer in ("exercises", "classroom"):
                problems.append(imported)
        if chapter and other_chapter and CHAPTERS[other_chapter] > CHAPTERS[chapter]:
            problems.append(f"{imported} (a later chapter)")
    assert not problems, f"{_module_name(path)} ({layer}) must not import {sorted(problems)}"


def test_import_rnnlib_loads_neither_matplotlib_nor_ipywidgets():
    code = ("import sys, pkgutil, importlib, rnnlib, rnnlib.lessons as L; "
            "[importlib.import_module('rnnlib.' + m.name) for m in pkgutil.iter_modules(rnnlib.__path__) "
            "if not m.ispkg]; "
            "[importlib.import_module('rnnlib.lessons.' + m.name) for m in pkgutil.iter_modules(L.__path__)]; "
            "bad = [m for m in ('matplotlib', 'ipywidgets', 'IPython') if m in sys.modules]; "
            "print(','.join(bad)); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, f"library or lessons imported {result.stdout.strip()} {result.stderr}"


def test_viz_does_not_load_ipywidgets_or_pyplot():
    code = ("import sys, pkgutil, importlib, rnnlib.viz as v; "
            "[importlib.import_module('rnnlib.viz.' + m.name) for m in pkgutil.iter_modules(v.__path__)]; "
            "bad = [m for m in ('ipywidgets', 'matplotlib.pyplot') if m in sys.modules]; "
            "print(','.join(bad)); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, f"viz imported {result.stdout.strip()} {result.stderr}"


def test_the_checker_catches_a_back_import(tmp_path):
    """The rules above are not vacuous: a lesson importing a later chapter is reported."""
    fake = PACKAGE / "lessons" / "rnn_recurrence.py"
    imports = _imports(fake) | {"rnnlib.lessons.lstm_cell.cell_step_values"}
    later = [i for i in imports if _layer(i)[1] and CHAPTERS[_layer(i)[1]] > CHAPTERS["rnn_recurrence"]]
    assert later == ["rnnlib.lessons.lstm_cell.cell_step_values"]
    assert _layer("rnnlib.viz.lstm_cell.LatchPlot") == ("viz", "lstm_cell")
    assert _layer("rnnlib.rnn") == ("library", None)


def test_public_math_api_is_importable_from_the_root_and_documented():
    for name in PUBLIC_MATH:
        fn = getattr(rnnlib, name)
        doc = fn.__doc__ or ""
        assert "Parameters" in doc and "Returns" in doc, name
        assert "shape" in doc, name
    assert set(PUBLIC_MATH) <= set(rnnlib.__all__)
    for name in rnnlib.__all__:
        assert hasattr(rnnlib, name), name
