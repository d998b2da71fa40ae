"""The Watch tab's plots with nothing to draw say why, on plain axes: never the ranges and
ticks of what an earlier run drew (issue 23 leftovers, item 2)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QApplication

from nngui.core.network.spec import TrainConfig
from nngui.core.training.runs import RunRecord
from nngui.gui.common.empty_plot import EMPTY_RANGE
from nngui.gui.training.live import LivePanel
from nngui.gui.training.live_titles import NO_BOUNDARY, NO_CONFUSION, NO_HIDDEN_LAYER, NOT_TRAINED
from nngui.gui.training.overfit import OverfitView
from nngui.gui.training.run_list import RunsPanel
from nngui.gui.training.stats import NO_STATS, StatsPanel


def _ranges(plot) -> list[tuple[float, float]]:
    """The plot's x and y ranges, once an auto range has followed its points (as on paint)."""
    item = plot.getPlotItem() if hasattr(plot, "getPlotItem") else plot
    item.getViewBox().updateAutoRange()
    return [tuple(r) for r in item.getViewBox().viewRange()]


class _Training(QObject):
    runStarted = Signal(object)
    probeArrived = Signal(str, int, object)
    epochEnded = Signal(int, object)
    runFinished = Signal(object)


def _record(name: str, validation: bool) -> RunRecord:
    epochs = [float(e) for e in range(1, 21)]
    history = {"epoch": epochs, "loss": [10.0 - e / 4 for e in epochs]}
    if validation:
        history["val_loss"] = [50.0 + e for e in epochs]
    return RunRecord(name, {}, history)


def test_the_val_loss_plot_of_a_run_without_validation_says_so(qtbot):
    runs = RunsPanel(_Training(), lambda spec: None, lambda: None, lambda: TrainConfig())
    qtbot.addWidget(runs)
    assert runs.metricCombo.currentText() == "val_loss"
    with_val, without = _record("with", True), _record("without", False)
    runs.show_runs([with_val])
    assert runs.compareEmpty.reason == ""
    (x0, x1), (y0, y1) = _ranges(runs.comparePlot)
    assert x1 >= 20 and y1 >= 70  # its 20 epochs of val_loss 51..70
    runs.show_runs([with_val, without])  # only the last one, without a split, is ticked
    assert runs.compareEmpty.reason == "No validation split in this run"
    assert runs.compareEmpty.text.isVisible()
    assert _ranges(runs.comparePlot) == [EMPTY_RANGE, EMPTY_RANGE]  # not the other run's
    runs.runList.topLevelItem(0).setCheckState(0, Qt.CheckState.Checked)
    assert runs.compareEmpty.reason == "" and not runs.compareEmpty.text.isVisible()
    for i in range(2):
        runs.runList.topLevelItem(i).setCheckState(0, Qt.CheckState.Unchecked)
    assert runs.compareEmpty.reason == "Tick a run in the list to plot it"
    runs.runList.topLevelItem(1).setCheckState(0, Qt.CheckState.Checked)
    runs.metricCombo.setCurrentText("test_loss")
    assert runs.compareEmpty.reason == "No test-set curve in this run"


def test_a_run_stopped_in_its_first_epoch_is_not_said_to_lack_a_split(qtbot):
    """A run with a 0.1 split stopped before its first epoch ended has no epoch points at
    all: the plot says that, not "No validation split" (a student saw it on an MNIST run)."""
    runs = RunsPanel(_Training(), lambda spec: None, lambda: None, lambda: TrainConfig())
    qtbot.addWidget(runs)
    stopped = RunRecord("stopped", {}, {"batch_loss": [2.3, 2.1]}, "stopped")
    runs.show_runs([stopped])
    assert runs.compareEmpty.reason == \
        "No epoch finished in this run: nothing to plot per epoch yet"
    runs.metricCombo.setCurrentText("loss")
    assert "No epoch finished" in runs.compareEmpty.reason


def _boundary(lo: float, hi: float) -> dict:
    g = np.linspace(lo, hi, 8)
    pts = np.stack([np.linspace(lo, hi, 6)] * 2, axis=1).astype(np.float32)
    return {"xs": g, "ys": g, "classes": np.zeros((8, 8), np.int64),
            "prob": np.full((8, 8), 0.7, np.float32), "x_train": pts,
            "y_train": np.zeros(6, np.int64), "x_test": pts, "y_test": np.zeros(6, np.int64)}


def test_a_run_of_3_column_data_shows_no_boundary_on_the_last_runs_axes(qtbot):
    live = LivePanel()
    qtbot.addWidget(live)
    assert live.empty_reasons() == {"boundary": NOT_TRAINED, "hidden": NOT_TRAINED,
                                    "learning_rate": NOT_TRAINED, "confusion": NOT_TRAINED}
    live.show_probe("boundary", 0, _boundary(-6.0, 6.0))  # a 2-column run
    live.show_probe("hidden", 0, None)  # a perceptron: no hidden layer
    live.show_probe("learning_rate", 0, {"lr": 0.1})
    live._redraw(every=True)
    assert _ranges(live.boundaryPlot) == [(-6.0, 6.0), (-6.0, 6.0)]
    assert live.boundaryEmpty.reason == "" and live.lrEmpty.reason == ""
    assert live.hiddenEmpty.reason == NO_HIDDEN_LAYER
    live.clear()  # the 3-column XOR: a new network
    assert live.boundaryEmpty.reason == NOT_TRAINED
    assert _ranges(live.boundaryPlot) == [EMPTY_RANGE, EMPTY_RANGE]
    assert _ranges(live.lrPlot) == [EMPTY_RANGE, EMPTY_RANGE]
    live.show_probe("learning_rate", 0, {"lr": 0.1})  # its run: no boundary probe
    live._redraw(every=True)
    assert live.boundaryEmpty.reason == NO_BOUNDARY and live.boundaryEmpty.text.isVisible()
    assert _ranges(live.boundaryPlot) == [EMPTY_RANGE, EMPTY_RANGE]
    assert live.lrEmpty.reason == "" and not live.lrEmpty.text.isVisible()
    assert live.confusionEmpty.reason == NO_CONFUSION  # an autoencoder's run: none either
    live.show_probe("confusion", 0, {"matrix": np.array([[3, 1], [0, 4]])})
    live._redraw(every=True)
    assert live.confusionEmpty.reason == "" and not live.confusionEmpty.text.isVisible()


def test_a_cleared_overfit_plot_and_stats_plots_say_nothing_was_trained(qtbot):
    view = OverfitView()
    qtbot.addWidget(view)
    for e in range(1, 31):
        view.add_epoch(e - 1, {"epoch": float(e), "loss": 40.0 + e, "mae": 3.0})
    view._redraw()
    assert view.plotEmpty.reason == ""
    assert _ranges(view.overfitPlot)[0][1] >= 30
    view.metricCombo.setCurrentText("accuracy")
    view._redraw()
    assert view.plotEmpty.reason == "This run reports no accuracy"  # an autoencoder's run
    assert _ranges(view.overfitPlot) == [EMPTY_RANGE, EMPTY_RANGE]
    view.metricCombo.setCurrentText("loss")
    view._redraw()
    view.clear()
    assert view.plotEmpty.reason == "Nothing trained yet"
    assert _ranges(view.overfitPlot) == [EMPTY_RANGE, EMPTY_RANGE]

    stats = StatsPanel()
    qtbot.addWidget(stats)
    assert [s.reason for s in stats.empty] == [NO_STATS] * 3
    payload = {"layers": ["dense"], "edges": [np.linspace(-9, 9, 11)],
               "counts": [np.arange(10.0)], "grad_norms": [50.0]}
    for epoch in range(12):
        stats.show_probe("weight_stats", epoch, payload)
    stats._redraw()
    assert [s.reason for s in stats.empty] == [""] * 3
    assert _ranges(stats.latestPlot)[0][1] >= 9
    stats.clear()
    assert [s.reason for s in stats.empty] == [NO_STATS] * 3
    for plot in (stats.latestPlot, stats.overTimePlot, stats.gradientNorms):
        assert _ranges(plot) == [EMPTY_RANGE, EMPTY_RANGE]


def test_after_an_image_network_the_next_network_shows_why_it_has_no_boundary(qtbot):
    """Lesson 2's curve after MNIST: the Watch tab kept the weight mosaic's page, blank
    under "First-layer weights (784-input models)", instead of the boundary plot saying why
    a regression run has none."""
    live = LivePanel()
    qtbot.addWidget(live)
    live.show()
    live.show_probe("weights", 0, None)  # a 784-input network's run (here: no mosaic)
    live._redraw(every=True)
    assert live.firstView.currentIndex() == 1
    live.clear()  # the regression preset: a new network
    assert live.firstView.currentIndex() == 0
    live.show_probe("learning_rate", 0, {"lr": 0.01})  # its run sends no boundary
    live._redraw(every=True)
    assert live.firstView.currentWidget().isVisible()
    assert live.boundaryEmpty.reason == NO_BOUNDARY and live.boundaryEmpty.text.isVisible()


def test_the_empty_curves_run_to_the_epochs_the_run_will_train(window, qtbot):
    """The empty loss and accuracy plots showed epochs 0..5 whatever the Epochs box said."""
    from dataclasses import replace

    w = window
    w.show()
    w.training.build_plots()
    w.apply_preset("xor-3-4-1")  # 150 epochs
    qtbot.waitUntil(lambda: w.data.dataset is not None and w.data.dataset.name == "xor",
                    timeout=30000)

    def last_epoch_shown():
        QApplication.processEvents()
        return w.training.lossPlot.getPlotItem().getViewBox().viewRange()[0][1]

    assert 150 <= last_epoch_shown() < 160
    w.builder.set_config(replace(w.builder.config(), epochs=40))
    assert 40 <= last_epoch_shown() < 43
