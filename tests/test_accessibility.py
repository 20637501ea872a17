"""Figures that read for everyone: colour-blind-safe colours, labelled axes, text that reads on a
projector, and alt text on every markdown image; explorers whose controls have names and whose live
figures have a text alternative that follows every move (the end of this file).

Every public function of rnnlib/viz/*.py that draws a figure has an example call in EXAMPLES (a new
one without an example fails test_every_public_viz_function_has_an_example, so none is skipped
silently). For every figure:

- lines are drawn in the Okabe-Ito PALETTE or in a grey (black and white included);
- images and colour-mapped collections use a colour-blind-readable colour map (ALLOWED_CMAPS), or a
  listed map made of palette colours and greys;
- every axis that shows a numeric or categorical scale (visible tick labels) has a label, given on it,
  on an axes that shares it, or on an axes of the same row (column) with the same tick labels; colour
  bars may carry the label as a title; axes that are switched off or show no tick labels are drawings
  (diagrams) and need none;
- titles, axis labels and tick labels are at least style.FONT_MIN_PT, legends, annotations and side
  titles (captions) at least style.FONT_MIN_ANNOTATION_PT, in points at the figure's own size
  (figures are shown at their size or scaled down, so a smaller font only gets smaller).

Known problems in figures owned by other modules are listed in KNOWN with the exact violations; their
test is a strict xfail, so it fails as soon as a figure is fixed and the entry must go.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import ipywidgets as widgets
import matplotlib.colors as mcolors
import nbformat
import numpy as np
import pytest
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

import rnnlib.viz
from rnnlib.lessons.configurations import configuration_steps, gradient_reach, load_truncated_results, word_stream
from rnnlib.model import CharLanguageModel
from rnnlib.train import History
from rnnlib.viz.style import FONT_MIN_ANNOTATION_PT, FONT_MIN_PT, PALETTE, figure_to_png
from rnnlib.widgets import base as widget_base

ROOT = Path(__file__).resolve().parents[1]

ALLOWED_CMAPS = {"viridis", "cividis", "magma", "inferno", "plasma", "RdBu_r", "RdBu", "PuOr", "PuOr_r", "BrBG",
                 "BrBG_r", "Greys", "Greys_r", "gray", "gray_r", "binary", "binary_r", "Blues", "Blues_r"}
# helpers of rnnlib.viz that do not draw a figure of their own
NOT_FIGURES = {"style.new_figure", "style.get_ax", "style.figure_to_png", "style.canvas_to_png",
               "unrolled_many_to_one.unrolled_figsize", "lstm_cell.freeze_layout", "configurations.symbol_text",
               "style.live_number", "style.live_factor", "style.text_colour_on",
               "both_ways_and_gru.top_from_probs", "style.blit_png"}


def _history(**kw):
    h = History()
    for k, v in kw.items():
        setattr(h, k, v)
    return h


def _batch_noise():
    from rnnlib.lessons.sequences_and_shapes import BatchNoiseResult

    M, B, rel = 1000, np.array([8, 32, 128, 1000]), np.array([2.0, 1.0, 0.5, 0.0])
    cos = (np.array([-0.5, 0.9, 0.9]), np.array([0.2, 0.9, 0.9]), np.array([0.9, 0.9, 0.95]), np.ones(1))
    return BatchNoiseResult(
        batch_sizes=B, n_total=M, cosines=cos, rel_devs=(*(np.full(3, r) for r in rel[:3]), np.zeros(1)),
        cosine_mean=np.array([c.mean() for c in cos]), cosine_std=np.array([c.std() for c in cos]),
        frac_opposite=np.array([1 / 3, 0, 0, 0]), rel_dev_rms=rel,
        seconds_per_step=np.array([1e-4, 2e-4, 1e-3, 1e-2]), seconds_per_step_min=np.array([1e-4, 1e-4, 9e-4, 9e-3]),
        steps_per_epoch=-(-M // B), noise_scale=5.6, full_loss=0.69)


def _records():
    return [{"config": k, "lag": lag, "seed": s, "accuracy": a, "steps_to_solve": st} for k in ("rnn_sgd", "lstm_sgd")
            for lag, a, st in ((5, 1.0, 30), (20, 0.6, None)) for s in range(2)]


def _twin(m):
    from rnnlib.lessons.lstm_vs_rnn import word_internals
    from rnnlib.model import SequenceClassifier

    rs, pr = word_internals(SequenceClassifier(26, 5, cell="rnn", seed=0), "hope")
    ls, pl = word_internals(SequenceClassifier(26, 4, cell="lstm", seed=0), "hope")
    return m.twin_states_figure("hope", rs, ls, pr, pl)


def _highway_checks():
    from rnnlib.data import memory_task
    from rnnlib.lessons.lstm_vs_rnn import highway_check
    from rnnlib.model import SequenceClassifier

    x, y = memory_task(20, 5, 4, seed=0)
    return [highway_check(f"bias {b:g}", SequenceClassifier(4, 3, cell="lstm", seed=0, forget_bias=b), x, y)
            for b in (1.0, 3.0)]


def _params():
    from rnnlib.lessons.rnn_recurrence import demo_parameters

    return demo_parameters(hidden_size=4, seed=0)


def _steps():
    from rnnlib.lessons.rnn_recurrence import word_steps

    p = _params()
    return word_steps("good", p["Wx"], p["Wh"], p["b"])


def _latch(lag, bit, **kw):
    from rnnlib.lessons.lstm_cell import latch_run

    return latch_run(lag, bit, **kw)


def _microscope():
    from rnnlib.lessons.vanishing_gradient import microscope

    return microscope(scale=0.8, T=20)


def _cell_values():
    from rnnlib.lessons.lstm_cell import cell_step_values

    return cell_step_values()


# every public figure is drawn: thorough, and a tenth of the fast suite's time, so `make test` runs it
pytestmark = pytest.mark.slow

RNG = np.random.default_rng(0)
# "module.function" -> a call with small valid arguments (m is the module)
EXAMPLES = {
    "configurations.plot_configurations": lambda m: m.plot_configurations(
        [configuration_steps(name, "joy") for name in ("many_to_one", "encoder_decoder")]),
    "configurations.plot_writing": lambda m: m.plot_writing(
        RNG.dirichlet(np.ones(28), 4), np.array([2, 3, 4, 1]), 1, 2),
    "configurations.plot_temperature": lambda m: m.plot_temperature(RNG.normal(size=28), (0, 1, 2)),
    "configurations.plot_gradient_reach": lambda m: (lambda r: m.plot_gradient_reach(
        r.symbols, r.full, r.truncated, r.k, r.t, target=r.target))(gradient_reach(
            CharLanguageModel(28, 8), word_stream(["happy", "sad", "good", "awful", "nice", "bad"]), 4, 29)),
    "configurations.plot_truncated_results": lambda m: m.plot_truncated_results(load_truncated_results()),
    "both_ways_and_gru.plot_both_ways": lambda m: m.plot_both_ways(
        "h_ppy", np.tanh(RNG.normal(size=(5, 8))), np.tanh(RNG.normal(size=(5, 8))),
        {r: RNG.dirichlet(np.ones(26)) for r in ("left", "right", "both")}, truth="a"),
    "lstm_vs_rnn.gradient_highway_figure": lambda m: m.gradient_highway_figure(
        {"LSTM c": RNG.uniform(0.5, 1.5, (4, 6)), "RNN h": RNG.uniform(0.01, 1.0, (4, 6))}),
    "lstm_vs_rnn.twin_states_figure": _twin,
    "lstm_vs_rnn.forget_products_figure": lambda m: m.forget_products_figure(_highway_checks(), ("f^5", 0.2)),
    "vanishing_gradient.plot_microscope": lambda m: m.plot_microscope(_microscope()),
    "vanishing_gradient.plot_clipping": lambda m: m.plot_clipping(
        {None: _history(step_grad_norm=[100, 3, 2], step_loss=[0.7, 5.0, 4.0]),
         1.0: _history(step_grad_norm=[100, 0.5, 0.1], step_loss=[0.7, 0.3, 0.1])}),
    "vanishing_gradient.plot_ratio_vs_lag": lambda m: m.plot_ratio_vs_lag([5, 10], {"a": [0.1, 0.01], "b": [1.0, 2.0]}),
    "vanishing_gradient.plot_accuracy_vs_lag": lambda m: m.plot_accuracy_vs_lag(
        _records(), ["rnn_sgd", "lstm_sgd"]),
    "vanishing_gradient.plot_steps_to_solve": lambda m: m.plot_steps_to_solve(
        _records(), ["rnn_sgd", "lstm_sgd"], budget=300),
    "both_ways_and_gru.draw_gru_cell": lambda m: m.draw_gru_cell(),
    "both_ways_and_gru.plot_gru_beside_lstm": lambda m: m.plot_gru_beside_lstm(),
    "lstm_cell.draw_lstm_cell": lambda m: m.draw_lstm_cell(_cell_values()),
    "lstm_cell.plot_gate_heatmap": lambda m: m.plot_gate_heatmap(RNG.uniform(size=(4, 3)), "hope", "f"),
    "lstm_cell.plot_gates_over_word": lambda m: m.plot_gates_over_word(
        {k: RNG.uniform(size=(1, 3, 4)) for k in "ifgoch"}, "sad"),
    "lstm_cell.plot_latch": lambda m: m.plot_latch(_latch(20, 1), _latch(20, 0), 8.0, 1.0),
    "lstm_cell.plot_latch_decay": lambda m: m.plot_latch_decay(
        {b: _latch(20, 1, forget_bias=b)["c"] for b in (8.0, 0.0)}),
    "rnn_recurrence.plot_recurrence_diagram": lambda m: m.plot_recurrence_diagram(*(_params()[k] for k in
                                                                                ("Wx", "Wh", "b", "Wy", "by")),
                                                                              letter="o"),
    "rnn_recurrence.plot_step_bars": lambda m: m.plot_step_bars(_steps().step(2), title="step 2"),
    "rnn_recurrence.plot_word_steps": lambda m: m.plot_word_steps(_steps(), 3),
    "sequences_and_shapes.plot_ambiguous_glyph": lambda m: m.plot_ambiguous_glyph(),
    "sequences_and_shapes.plot_context_accuracy": lambda m: m.plot_context_accuracy(
        {"no context": 0.1, "left neighbour": 0.2, "both neighbours": 0.45, "whole word": 0.98, "n_letters": 9}),
    "sequences_and_shapes.plot_one_hot_word": lambda m: m.plot_one_hot_word("good", max_len=6),
    "sequences_and_shapes.plot_padded_batch": lambda m: m.plot_padded_batch(["hope", "sad", "good"]),
    "sequences_and_shapes.draw_volume_block": lambda m: m.draw_volume_block(32, 19, 26),
    "sequences_and_shapes.plot_volume": lambda m: m.plot_volume(64, 5, 26, 16),
    "sequences_and_shapes.plot_gradient_noise": lambda m: m.plot_gradient_noise(_batch_noise()),
    "unrolled_many_to_one.draw_unrolled": lambda m: m.draw_unrolled("good", hidden=RNG.uniform(-1, 1, (4, 3)), prob=0.8,
                                                        grad_norms=[0.1, 0.2, 0.4, 0.8]),
    "unrolled_many_to_one.plot_training_curves": lambda m: m.plot_training_curves(
        {"random": _history(epoch_loss=[0.7, 0.6], epoch_accuracy=[0.5, 0.6], val_loss=[0.7, 0.65],
                            val_accuracy=[0.5, 0.55])}, baselines={"majority": 0.56}),
}

# Known problems, reported to the lead (the owners tune these figures' layouts): name -> what is wrong.
KNOWN = {}  # none at present


def public_viz_functions():
    """``module.function`` for every public function defined in rnnlib/viz/*.py."""
    names = set()
    for info in pkgutil.iter_modules(rnnlib.viz.__path__):
        module = importlib.import_module(f"rnnlib.viz.{info.name}")
        for name, obj in vars(module).items():
            if not name.startswith("_") and inspect.isfunction(obj) and obj.__module__ == module.__name__:
                names.add(f"{info.name}.{name}")
    return names


def _rgb(colour):
    return np.array(mcolors.to_rgb(colour))


PALETTE_RGB = [_rgb(c) for c in PALETTE.values()]


def allowed_colour(colour):
    """A palette colour (any alpha) or an achromatic grey."""
    rgb = _rgb(colour)
    return np.ptp(rgb) < 0.02 or any(np.allclose(rgb, p, atol=0.01) for p in PALETTE_RGB)


def _visible_text(t):
    return t.get_visible() and bool(t.get_text().strip())


def _labelled(ax, which):
    """The x or y axis of ``ax`` carries a label (itself, a sharing sibling, or a colour bar's title)."""
    getter = f"get_{which}label"
    if getattr(ax, getter)():
        return True
    shared = (ax.get_shared_x_axes() if which == "x" else ax.get_shared_y_axes()).get_siblings(ax)
    if any(getattr(other, getter)() for other in shared):
        return True
    if getattr(ax, "_colorbar", None) is not None and bool(ax.get_title()):
        return True
    return any(getattr(other, getter)() for other in _aligned_twins(ax, which))


def _tick_texts(ax, which):
    return [t.get_text() for t in (ax.get_xticklabels() if which == "x" else ax.get_yticklabels())]


def _aligned_twins(ax, which):
    """Axes in the same row (y) or column (x) with the same tick labels: one label serves them all,
    as for a shared axis (e.g. a grid of heatmaps labelled on the left column only)."""
    box = ax.get_position()
    twins = []
    for other in ax.figure.axes:
        if other is ax:
            continue
        ob = other.get_position()
        same_span = (np.isclose(ob.y0, box.y0, atol=0.01) and np.isclose(ob.height, box.height, atol=0.01)
                     if which == "y" else
                     np.isclose(ob.x0, box.x0, atol=0.01) and np.isclose(ob.width, box.width, atol=0.01))
        if same_span and _tick_texts(other, which) == _tick_texts(ax, which):
            twins.append(other)
    return twins


def _shows_scale(ax, which):
    labels = ax.get_xticklabels() if which == "x" else ax.get_yticklabels()
    return ax.axison and ax.get_visible() and any(_visible_text(t) for t in labels)


def problems(fig):
    """Every accessibility problem of a drawn figure, as readable sentences."""
    figure_to_png(fig)  # draw: tick labels exist only after a draw
    found = []
    for i, ax in enumerate(fig.axes):
        where = f"axes {i} ({ax.get_title()[:30]!r})"
        for which in "xy":
            if _shows_scale(ax, which) and not _labelled(ax, which):
                found.append(f"{where}: the {which} axis shows tick labels but has no label")
        for line in ax.get_lines():
            if line.get_visible() and len(line.get_xdata()) and not allowed_colour(line.get_color()):
                found.append(f"{where}: line {line.get_label()!r} colour {line.get_color()} is not in the palette")
        mappables = list(ax.get_images()) + [c for c in ax.collections if c.get_array() is not None]
        for m in mappables:
            cmap = m.get_cmap()
            if isinstance(cmap, ListedColormap) and cmap.name not in ALLOWED_CMAPS:
                bad = [c for c in cmap.colors if not allowed_colour(c)]
                if bad:
                    found.append(f"{where}: listed colour map with colours {bad} outside the palette")
            elif cmap.name not in ALLOWED_CMAPS:
                found.append(f"{where}: colour map {cmap.name!r} is not colour-blind readable")
        main = [ax.title, ax.xaxis.label, ax.yaxis.label] + ax.get_xticklabels() + ax.get_yticklabels()
        other = [ax._left_title, ax._right_title] + list(ax.texts)  # side titles serve as captions
        other += ax.get_legend().get_texts() if ax.get_legend() else []
        for texts, minimum in ((main, FONT_MIN_PT), (other, FONT_MIN_ANNOTATION_PT)):
            for t in texts:
                if _visible_text(t) and t.get_fontsize() < minimum - 1e-9:
                    found.append(f"{where}: text {t.get_text()[:25]!r} is {t.get_fontsize():g} pt (< {minimum:g})")
    for t in fig.texts:
        if _visible_text(t) and t.get_fontsize() < FONT_MIN_ANNOTATION_PT - 1e-9:
            found.append(f"figure text {t.get_text()[:25]!r} is {t.get_fontsize():g} pt (< {FONT_MIN_ANNOTATION_PT:g})")
    if fig._suptitle is not None and _visible_text(fig._suptitle) and fig._suptitle.get_fontsize() < FONT_MIN_PT:
        found.append(f"suptitle is {fig._suptitle.get_fontsize():g} pt")
    return found


def test_every_public_viz_function_has_an_example():
    found = public_viz_functions()
    missing = found - set(EXAMPLES) - NOT_FIGURES
    assert not missing, f"add an example call to EXAMPLES in {Path(__file__).name} for: {sorted(missing)}"
    assert not set(EXAMPLES) - found, "EXAMPLES names a function that no longer exists"
    assert set(KNOWN) <= set(EXAMPLES)


def _params_with_known():
    for name in sorted(EXAMPLES):
        marks = [pytest.mark.xfail(strict=True, reason=KNOWN[name])] if name in KNOWN else []
        yield pytest.param(name, marks=marks, id=name)


@pytest.mark.parametrize("name", list(_params_with_known()))
def test_figure_is_accessible(name):
    module_name, _ = name.split(".")
    fig = EXAMPLES[name](importlib.import_module(f"rnnlib.viz.{module_name}"))
    assert isinstance(fig, Figure)
    found = problems(fig)
    assert not found, f"{name}:\n" + "\n".join(found)


def test_the_checks_see_bad_figures():
    from rnnlib.viz.style import new_figure

    fig, ax = new_figure(nrows=1, ncols=1)
    ax.plot([0, 1], [0, 1], color="#ff0000")
    ax.imshow(np.eye(3), cmap="jet")
    ax.text(0, 0, "tiny", fontsize=5)
    ax.tick_params(labelsize=7)
    found = "\n".join(problems(fig))
    assert "x axis shows tick labels but has no label" in found and "y axis" in found
    assert "colour #ff0000 is not in the palette" in found
    assert "colour map 'jet'" in found
    assert "'tiny' is 5 pt" in found and "is 7 pt (< 10)" in found
    fig, ax = new_figure(nrows=1, ncols=1)
    ax.plot([0, 1], [0, 1], color=PALETTE["blue"])
    ax.plot([0, 1], [1, 0], color="0.6")
    ax.set_xlabel("step t")
    ax.set_ylabel("value")
    assert problems(fig) == []


def test_palette_is_okabe_ito_and_colour_maps_are_readable():
    from rnnlib.viz.style import CMAP, CMAP_DIVERGING

    assert {c.upper() for c in PALETTE.values()} >= {"#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9",
                                                     "#CC79A7", "#F0E442", "#000000"}
    assert CMAP in ALLOWED_CMAPS and CMAP_DIVERGING in ALLOWED_CMAPS


MD_IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)]*)\)")
HTML_IMAGE = re.compile(r"<img\b[^>]*>", re.I)


def image_alt_problems(markdown):
    found = [f"markdown image {src!r} has no alt text" for alt, src in MD_IMAGE.findall(markdown) if not alt.strip()]
    for tag in HTML_IMAGE.findall(markdown):
        m = re.search(r"\balt\s*=\s*(\"([^\"]*)\"|'([^']*)')", tag)
        if not m or not (m.group(2) or m.group(3) or "").strip():
            found.append(f"{tag[:40]} has no alt text")
    return found


def test_every_markdown_image_has_alt_text():
    found = []
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "markdown":
                found += [f"{path.name}: {p}" for p in image_alt_problems(cell.source)]
    found += [f"README.md: {p}" for p in image_alt_problems((ROOT / "README.md").read_text())]
    assert not found, "\n".join(found)


def test_alt_text_check_sees_missing_alt():
    assert image_alt_problems("![](fig.png) ![a cat](cat.png)") == ["markdown image 'fig.png' has no alt text"]
    assert len(image_alt_problems('<img src="a.png"> <img src="b.png" alt="b"> <img alt="" src="c">')) == 2


# ----------------------------------------------------------------------------------------------
# Explorers a screen reader can use (issue 14, part 4): every control has a name, every live figure
# a text alternative (the <img>'s title, from the image widget's tooltip) that follows each move.
# The same explorers are audited with axe-core in JupyterLab by tests/test_browser.py.
# ----------------------------------------------------------------------------------------------

EXPLORER_MODULES = ["start_here", "sequences_and_shapes", "rnn_recurrence", "unrolled_many_to_one",
                    "vanishing_gradient", "lstm_cell", "lstm_vs_rnn", "configurations", "both_ways_and_gru"]


def _explorer_cases():
    """(name, explorer, control, new value) of every module's benchmark_cases (fresh explorers)."""
    cases = []
    for module in EXPLORER_MODULES:
        mod = importlib.import_module(f"rnnlib.widgets.{module}")
        if hasattr(mod, "benchmark_cases"):
            cases += mod.benchmark_cases()
    return cases


@pytest.fixture(scope="module")
def explorer_cases():
    from rnnlib.widgets.start_here import widget_check
    return _explorer_cases(), [widget_check()]


def test_every_explorer_class_is_checked(explorer_cases):
    cases, extra = explorer_cases
    checked = {type(ex) for _, ex, _, _ in cases} | {type(ex) for ex in extra}
    defined = set()
    for module in EXPLORER_MODULES:
        mod = importlib.import_module(f"rnnlib.widgets.{module}")
        defined |= {obj for _, obj in inspect.getmembers(mod, inspect.isclass)
                    if issubclass(obj, widget_base.Explorer) and obj.__module__ == mod.__name__}
    pkg = importlib.import_module("rnnlib.widgets")
    modules = {m.name for m in pkgutil.iter_modules(pkg.__path__)} - {"base", "__init__"}
    assert modules == set(EXPLORER_MODULES), "a new explorer module must be added to EXPLORER_MODULES"
    assert defined and defined <= checked, f"explorers without a case: {sorted(c.__name__ for c in defined - checked)}"


def test_every_control_has_a_name(explorer_cases):
    cases, extra = explorer_cases
    explorers = {id(ex): ex for _, ex, _, _ in cases} | {id(ex): ex for ex in extra}
    report = {}
    for ex in explorers.values():
        missing = widget_base.unnamed_controls(ex)
        if missing:
            report[type(ex).__name__] = [f"{type(w).__name__}({getattr(w, 'description', '')!r})" for w in missing]
    assert not report, f"controls without an accessible name: {report}"


def test_explorers_use_the_nameable_sliders(explorer_cases):
    cases, extra = explorer_cases
    sliders = 0
    for ex in [ex for _, ex, _, _ in cases] + list(extra):
        tree = list(widget_base._widget_tree(ex))
        assert not [w for w in tree if isinstance(w, widget_base.UNNAMEABLE)], type(ex).__name__
        sliders += sum(isinstance(w, (widget_base.IntSlider, widget_base.FloatSlider)) for w in tree)
    assert sliders >= 11  # the 11 slider constructions of rnnlib/widgets, some built more than once


def test_unnamed_controls_sees_unnamed_ones():
    box = widgets.VBox([widgets.Button(icon="play"), widgets.Text(), widgets.Text(tooltip="word"),
                        widgets.Dropdown(options=["a"], description="pick"), widgets.Play(description="go"),
                        widgets.IntSlider(description="k"), widget_base.IntSlider(),
                        widget_base.FloatSlider(description="x"), widget_base.IntSlider(tooltip="step"),
                        widgets.HTML("text")])
    kids = box.children
    # ipywidgets' own sliders and Play cannot be named: they count as unnamed, label or not
    assert widget_base.unnamed_controls(box) == [kids[0], kids[1], kids[4], kids[5], kids[6]]
    with pytest.raises(TypeError, match="ipywidgets Widget"):
        widget_base.unnamed_controls("box")


def test_every_figure_has_a_text_alternative(explorer_cases):
    cases, _ = explorer_cases
    for name, ex, _, _ in cases:
        images = [w for w in widget_base._widget_tree(ex) if isinstance(w, widgets.Image)]
        assert any("rnnlib-figure" in w._dom_classes for w in images), f"{name}: no figure"
        for image in images:  # live figures and static ones (a colour bar)
            assert image.tooltip and len(image.tooltip) > 40, f"{name}: an image without a text alternative"
            assert isinstance(image, widget_base.FigureImage), f"{name}: a plain Image cannot show its tooltip"
        assert ex.live.alt_text == ex.live.describe()


# the text each case's figure must say after its move (None: the move does not redraw the figure)
EXPECTED_TEXT = {
    "volume: N": "(N, T, D) = (512, 19, 26)", "volume: T": "(512, 7, 26)", "volume: D": "(512, 7, 80)",
    "volume: H": None, "volume: dtype": None,
    "recurrence: step slider": "Step t = 6 of 8 of 'hopeless', letter 'e'",
    "recurrence: new word": "of 'wonderful', letter 'o'",
    "unrolled: type a letter": "'hopelessl'", "unrolled: long word": "12 letters of 'hopelessness'",
    "unrolled: gradient on": "The gradient flowing back", "unrolled: type with gradient": "'helpless'",
    "microscope: scale": "spectral radius 1.50", "microscope: T=100": "t = 1 to 100",
    "microscope: activation": "RNN (relu", "microscope: kind": "Gradient norms",
    "microscope: forget bias": "forget bias 3",
    "lstm_cell: x": "x_t = -1.50", "lstm_cell: c_prev": "c_(t-1) = 2.00",
    "lstm_cell: b_f": "f = 0.01", "lstm_cell: preset": "i = 0.00, f = 0.99",
    "latch: forget_bias": "forget bias 3.0", "latch: input_closed": "pre-activation 4.0 during the hold",
    "latch: lag 200": "T = 201 steps",
    "twin: type a word": "'hopelessness'",
    "configurations: type a letter": "many-to-one on joys", "configurations: pick one": "encoder-decoder",
    "writing: temperature": "temperature 0.50", "writing: seed": "seed 1", "writing: step": "step 1 of",
    "both ways: type a word": "'unbelievabl_'",
    "gru_cell: x": "x_t = -1.50", "gru_cell: h_prev": "h_(t-1) = -0.70", "gru_cell: b_z": "z = 0.01",
    "gru_cell: preset": "z ≈ 1",
}


def test_figure_text_follows_every_move(explorer_cases):
    cases, _ = explorer_cases
    assert {name for name, *_ in cases} == set(EXPECTED_TEXT), "every benchmark case needs an expected text"
    for name, ex, control, value in cases:
        before, redraws = ex.live.alt_text, ex.live.redraws
        ex.controls[control].value = value
        assert ex.last_error is None, f"{name}: {ex.last_error}"
        expected, after = EXPECTED_TEXT[name], ex.live.alt_text
        if expected is None:
            assert ex.live.redraws == redraws and after == before, f"{name}: the figure did not change, nor its text"
            continue
        assert ex.live.redraws > redraws and after != before, f"{name}: the text did not follow the figure"
        assert expected in after, f"{name}: expected {expected!r} in the figure's text, got {after!r}"
        assert after == ex.live.describe()


def test_live_figure_needs_a_text_alternative():
    from rnnlib.viz.style import new_figure
    fig = new_figure(figsize=(1, 1))
    with pytest.raises(TypeError, match="describe"):
        widget_base.LiveFigure(fig)
    with pytest.raises(ValueError, match="non-empty"):
        widget_base.LiveFigure(fig, describe=lambda: "  ")
    live = widget_base.LiveFigure(fig, describe=lambda: "an empty square")
    assert live.image.tooltip == "an empty square" and bytes(live.image.value).startswith(b"\x89PNG")
    # ipywidgets 8.1.9's view reads the model's description before it sets the title: without one
    # the picture fails to display ("Error displaying widget")
    assert live.image.get_state()["description"] == ""


def test_html_to_text():
    assert widget_base.html_to_text("h<sub>t</sub> = <b>0.98</b>&nbsp;&rarr; x<sup>2</sup><br>next") == \
        "h_t = 0.98 → x^2 next"
    with pytest.raises(TypeError, match="str of HTML"):
        widget_base.html_to_text(None)


def test_step_player_plays_on_the_event_loop():
    slider = widget_base.IntSlider(value=4, min=1, max=4)
    player = widget_base.StepPlayer(slider, 0.01, "count to four")
    assert player.button.description == "play" and "count to four" in player.button.tooltip
    seen = []
    slider.observe(lambda change: seen.append(change["new"]), names="value")

    async def press_play():
        player.button.value = True  # at the end: starts again from the minimum
        for _ in range(200):  # at most 2 s: far more than 3 steps of 10 ms need
            await asyncio.sleep(0.01)
            if not player.button.value:
                break

    asyncio.run(press_play())
    assert seen == [1, 2, 3, 4] and not player.button.value and player.button.description == "play"
    for not_ours in (widget_base.FloatSlider(), widgets.IntSlider()):
        with pytest.raises(TypeError, match="rnnlib.widgets.base.IntSlider"):
            widget_base.StepPlayer(not_ours, 1, "x")
