"""Figures of rnnlib.viz.vanishing_gradient: labelled, titled, drawn from the data they are given."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from rnnlib.lessons.vanishing_gradient import CONFIGS, microscope
from rnnlib.train import History
from rnnlib.viz.style import figure_to_png
from rnnlib.viz.vanishing_gradient import (
    MicroscopePlot,
    plot_accuracy_vs_lag,
    plot_clipping,
    plot_microscope,
    plot_ratio_vs_lag,
)


def _labelled(fig):
    for ax in fig.axes:
        assert ax.get_xlabel(), "every axis has an x label"
        assert ax.get_title()
    assert fig.axes[0].get_ylabel()


def test_plot_microscope_draws_the_result():
    r = microscope(scale=0.8, T=30)
    fig = plot_microscope(r)
    assert isinstance(fig, Figure)
    _labelled(fig)
    ax_rnn, ax_lstm = fig.axes
    measured, bound = ax_rnn.get_lines()
    np.testing.assert_allclose(measured.get_ydata(), r.rnn_dh)
    np.testing.assert_allclose(bound.get_ydata(), r.bound)
    np.testing.assert_allclose(ax_lstm.get_lines()[1].get_ydata(), r.lstm_dc)
    assert ax_rnn.get_yscale() == "log"
    assert "tanh" in ax_rnn.get_title() and "forget bias 1" in ax_lstm.get_title()
    assert "0.80" in ax_rnn.texts[0].get_text()  # sigma_max of an orthogonal W_h scaled by 0.8
    assert f"||dL/dh_1|| / ||dL/dh_30|| = {r.rnn_ratio:.1e}" in ax_rnn.texts[0].get_text()


def test_microscope_plot_update_changes_lines_limits_and_pixels():
    plot = MicroscopePlot(microscope(scale=0.8, T=30), show_numbers=False)
    before = figure_to_png(plot.fig)
    r = microscope(scale=1.5, T=60, activation="identity")
    plot.update(r)
    np.testing.assert_allclose(plot.rnn_line.get_xdata(), np.arange(1, 61))  # steps t = 1..T
    assert plot.ax_rnn.get_xlim() == (1, 60)
    assert "t = T = 60" in plot.ax_rnn.get_title()
    np.testing.assert_allclose(plot.rnn_line.get_ydata(), r.rnn_dh)
    assert plot.ax_rnn.get_ylim()[1] >= r.bound.max()
    assert "identity" in plot.ax_rnn.get_title()
    assert plot.rnn_text.get_text() == ""  # numbers are shown beside the explorer instead
    assert figure_to_png(plot.fig) != before


def test_microscope_plot_hides_zero_gradients_on_the_log_axis():
    r = microscope(scale=0.1, T=30, activation="relu")
    plot = MicroscopePlot(r)
    y = plot.rnn_line.get_ydata()
    assert np.all(np.isnan(y) | (y > 0))
    lo, hi = plot.ax_rnn.get_ylim()
    assert 0 < lo < hi


def _history(norms, losses, diverged=None):
    h = History()
    h.step_grad_norm, h.step_loss, h.diverged = list(norms), list(losses), diverged
    return h


def test_plot_clipping_shows_both_runs_and_the_threshold():
    runs = {None: _history([100, 3, 2], [0.7, 5.0, 4.0]), 1.0: _history([100, 0.5, 0.1], [0.7, 0.3, 0.1])}
    fig = plot_clipping(runs)
    _labelled(fig)
    ax_g, ax_l = fig.axes
    labels = [line.get_label() for line in ax_g.get_lines()]
    assert "no clipping" in labels and "clipped at norm 1" in labels
    assert any(np.allclose(line.get_ydata(), 1.0) for line in ax_g.get_lines())  # the threshold
    assert ax_g.get_yscale() == "log"
    np.testing.assert_allclose(ax_l.get_lines()[0].get_ydata(), [0.7, 5.0, 4.0])


def test_plot_clipping_marks_a_diverged_run():
    fig = plot_clipping({None: _history([1, 2], [0.7, 0.8], diverged="training diverged at step 2")})
    assert any("diverged" in t.get_text() for t in fig.axes[1].texts)
    with pytest.raises(ValueError, match="runs"):
        plot_clipping({})


def test_plot_ratio_vs_lag():
    fig = plot_ratio_vs_lag([5, 10], {"a": [0.1, 0.01], "b": [1.0, 2.0]})
    _labelled(fig)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), [0.1, 0.01])
    with pytest.raises(ValueError, match="ratios"):
        plot_ratio_vs_lag([5, 10], {"a": [0.1]})


def _records():
    return [{"config": key, "lag": lag, "seed": s, "accuracy": acc}
            for key, accs in {"rnn_sgd": [1.0, 0.5], "rnn_adam": [1.0, 1.0]}.items()
            for lag, acc in zip([5, 30], accs) for s in range(2)]


def test_plot_accuracy_vs_lag_draws_means_and_seeds():
    fig = plot_accuracy_vs_lag(_records(), ["rnn_sgd", "rnn_adam"], {k: c.name for k, c in CONFIGS.items()})
    _labelled(fig)
    ax = fig.axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    np.testing.assert_allclose(lines[CONFIGS["rnn_sgd"].name].get_ydata(), [1.0, 0.5])
    assert "chance" in lines
    assert len(ax.collections) == 2  # one scatter of seeds per configuration
    assert len(ax.collections[0].get_offsets()) == 4
    assert ax.get_xscale() == "log" and [t.get_text() for t in ax.get_xticklabels()] == ["5", "30"]
    with pytest.raises(ValueError, match="keys"):
        plot_accuracy_vs_lag(_records(), ["lstm_sgd_fb3"])


def test_plot_steps_to_solve_draws_the_median_of_the_seeds_that_solved_it():
    from rnnlib.viz.vanishing_gradient import plot_steps_to_solve

    recs = [{"config": "lstm_adam", "lag": lag, "seed": s, "accuracy": acc, "steps_to_solve": st}
            for lag, runs in {5: [(1.0, 20), (1.0, 40)], 30: [(1.0, 90), (0.5, None)], 100: [(0.5, None)] * 2}.items()
            for s, (acc, st) in enumerate(runs)]
    fig = plot_steps_to_solve(recs, ["lstm_adam"], {"lstm_adam": "LSTM, Adam"}, budget=300)
    _labelled(fig)
    ax = fig.axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    np.testing.assert_allclose(lines["LSTM, Adam"].get_xdata(), [5, 30])  # lag 100: nobody solved it
    np.testing.assert_allclose(lines["LSTM, Adam"].get_ydata(), [30, 90])
    assert lines["LSTM, Adam"].get_linestyle() == "--"  # LSTMs dashed, RNNs solid
    np.testing.assert_allclose(lines["budget (300 steps)"].get_ydata(), [300, 300])
    assert len(ax.collections[0].get_offsets()) == 3
    with pytest.raises(ValueError, match="keys"):
        plot_steps_to_solve(recs, ["rnn_sgd"])
