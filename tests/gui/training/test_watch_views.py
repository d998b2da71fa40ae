"""The Watch tab's weight/gradient statistics and train/validation/test view draw exactly
the arrays the probes computed in the training thread."""

import threading

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtWidgets import QWidget

from nngui.core.insight import layer_stats


@pytest.fixture
def circles(window, qtbot):
    window.apply_preset("mlp-2-4-2")
    qtbot.waitUntil(lambda: window.data.dataset.name == "circles", timeout=20000)
    window.builder.set_config(window.builder.config().__class__(epochs=4, batch_size=64))
    return window


def _record_threads(monkeypatch, cls):
    seen = []
    original = cls.__call__

    def call(self, model):
        seen.append(threading.get_ident())
        return original(self, model)

    monkeypatch.setattr(cls, "__call__", call)
    return seen


def test_histograms_and_gradient_norms_come_from_the_training_thread(circles, qtbot,
                                                                   monkeypatch):
    w = circles
    threads = _record_threads(monkeypatch, layer_stats.WeightStatsProbe)
    payloads, epochs = [], []
    w.training.probeArrived.connect(
        lambda n, e, p: (payloads.append(p), epochs.append(e)) if n == "weight_stats" else None)
    with qtbot.waitSignal(w.training.runFinished, timeout=120000):
        w.train()
    # the fast path (training/fast.py) probes pictures on a time budget, always the last epoch
    assert 2 <= len(threads) == len(payloads) <= 4 and threading.get_ident() not in threads
    assert epochs[-1] == 3
    stats = w.watch.stats
    assert w.findChild(QWidget, "weightHistograms") is stats.weightHistograms
    assert w.findChild(QWidget, "gradientNorms") is stats.gradientNorms
    qtbot.waitUntil(lambda: len(stats.epochs) == len(payloads) and not stats._dirty,
                    timeout=5000)
    assert stats.layers == payloads[-1]["layers"] and len(stats.layers) == 2
    stats.layerCombo.setCurrentIndex(1)
    qtbot.waitUntil(lambda: not stats._dirty, timeout=5000)
    # the latest histogram and the heat map over epochs are the probe's counts
    xs, ys = stats._bars.getData()
    np.testing.assert_array_equal(ys, payloads[-1]["counts"][1])
    np.testing.assert_array_equal(xs, payloads[-1]["edges"][1])
    # a column an epoch, each the last kept epoch's counts at or before it
    kept = [max(k for k, e in enumerate(epochs) if e <= epoch)
            for epoch in range(epochs[0], epochs[-1] + 1)]
    expected = np.log1p(np.asarray([payloads[k]["counts"][1] for k in kept], np.float32))
    np.testing.assert_allclose(stats._heat.image, expected)
    # one gradient-norm curve per layer, its points the probe's norms (drawn on a log axis)
    for n, curve in enumerate(stats._curves):
        norms = [p["grad_norms"][n] for p in payloads]
        assert all(v > 0 for v in norms)
        np.testing.assert_allclose(10 ** curve.getData()[1], norms, rtol=1e-6)
        np.testing.assert_array_equal(curve.getData()[0], [e + 1 for e in epochs])
    # epochs are whole numbers on every epoch axis; the note reads the curves, not "Train…"
    for axis in (stats.gradientNorms.getPlotItem().getAxis("bottom"),
                 stats.overTimePlot.getAxis("bottom")):
        ticks = [v for _, values in axis.tickValues(0.8, 4.2, 400) for v in values]
        assert ticks and all(float(v).is_integer() for v in ticks), ticks
    assert "stopped learning" in stats.note.text() and "Train a network" not in stats.note.text()
    levels = stats.gradientNorms.getPlotItem().getAxis("left")._tickLevels
    assert levels and len(levels[0]) >= 3, levels  # readable values on the log axis


def test_train_validation_and_test_curves_with_the_best_epoch(circles, qtbot):
    w = circles
    tests = []
    w.training.probeArrived.connect(
        lambda n, e, p: tests.append(p) if n == "test_curve" else None)
    with qtbot.waitSignal(w.training.runFinished, timeout=120000):
        w.train()
    view = w.watch.overfit
    qtbot.waitUntil(lambda: len(view.test) == 4 and not view._dirty, timeout=5000)
    history = w.session.history
    xs, ys = view._curves["train"].getData()
    np.testing.assert_allclose(ys, history["loss"])
    np.testing.assert_allclose(view._curves["validation"].getData()[1], history["val_loss"])
    np.testing.assert_allclose(view._curves["test"].getData()[1],
                               [p["logs"]["loss"] for p in tests])
    best = int(np.argmin(history["val_loss"]))
    bx, by = view._best.getData()
    assert (bx[0], by[0]) == (pytest.approx(xs[best]), pytest.approx(history["val_loss"][best]))
    assert "best validation" in view.note.text().lower()
    n = tests[-1]["n"]
    label = view.legend.getLabel(view._curves["test"]).text
    assert (f"{n:,} of" in label) == (n < tests[-1]["total"])
    view.metricCombo.setCurrentText("accuracy")
    qtbot.waitUntil(lambda: not view._dirty, timeout=5000)
    np.testing.assert_allclose(view._curves["test"].getData()[1],
                               [100 * p["logs"]["accuracy"] for p in tests], rtol=1e-6)
    # a run from scratch starts the plot over
    qtbot.waitUntil(lambda: not w.tasks.running(), timeout=30000)  # the evaluation after it
    with qtbot.waitSignal(w.training.runFinished, timeout=120000):
        w.train(restart=True)
    qtbot.waitUntil(lambda: not view._dirty, timeout=5000)
    assert len(view._curves["train"].getData()[1]) == 4


def test_the_watch_key_names_train_and_test_points_below_the_plot(window):
    """The key sits below the boundary plot: inside it, the legend covered XOR's (1, 0)."""
    live = window.watch.live
    key = live.boundaryKey.text()
    assert key.count("train") == 1 and key.count("test") == 1
    assert live.boundaryPlot.getPlotItem().legend is None  # nothing drawn over the points


@given(st.floats(-9, 3), st.floats(0.01, 8))
def test_a_log_axis_always_has_readable_ticks(low_exp, decades):
    """pyqtgraph labels one value (or none) on a log axis under a decade: 0.2-0.6 read "0.4"."""
    from nngui.gui.training.stats import log_ticks

    low, high = 10.0 ** low_exp, 10.0 ** (low_exp + decades)
    ticks = log_ticks(low, high)
    assert ticks == sorted(ticks) and all(v > 0 for v in ticks)
    assert len(ticks) <= 10
    inside = [v for v in ticks if low * (1 - 1e-9) <= v <= high * (1 + 1e-9)]
    assert len(inside) >= (3 if decades <= 2 else 2), (low, high, ticks)
    assert log_ticks(low, low) == [low]  # one norm: one tick, no error


def test_a_reopened_project_with_infinite_values_draws_gaps_and_finite_axes(window, qtbot,
                                                                              tmp_path,
                                                                              open_and_wait):
    """A history holding NaN and inf once ended in 'Cannot set range [-inf, inf]'."""
    import math

    from nngui.core.files.project import Project, save_project
    from nngui.core.training.presets import get_preset
    from nngui.core.training.runs import settings_of

    preset = get_preset("xor-3-4-1")
    spec, config = preset.spec(), preset.train_config()
    hist = {"loss": [0.7, math.inf, 0.3, 0.2], "val_loss": [0.8, math.nan, -math.inf, 0.3],
            "accuracy": [0.5, 0.75, math.inf, 1.0], "val_accuracy": [0.5, 0.5, 1.0, math.nan],
            "epoch": [1.0, 2.0, 3.0, 4.0]}
    path = tmp_path / "inf.nngui"
    save_project(Project(spec, config, "xor", epochs_done=4, history=hist,
                         runs=[{"name": "#1 xor", "settings": settings_of(spec, config),
                                "history": hist, "reason": "finished"}]), path)
    assert open_and_wait(window, path)
    window.build_all_pages()
    window.tabs.setCurrentWidget(window.watch)
    qtbot.wait(1)  # the tab's redraw runs in the event loop
    plots = [window.training.lossPlot, window.training.accuracyPlot]
    plots += window.watch.findChildren(type(window.training.lossPlot))
    for plot in plots:
        for low, high in plot.getPlotItem().getViewBox().viewRange():
            assert math.isfinite(low) and math.isfinite(high), plot.objectName()
    y_low, y_high = window.training.accuracyPlot.getPlotItem().getViewBox().viewRange()[1]
    assert -2.0 <= y_low and y_high <= 102.0  # accuracy stays a percentage
