"""The Watch tab tells the truth: every title and note is derived from what its view shows
now, for the network there is now (issue 23, items 5 and 7)."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from nngui.gui.training.live import LivePanel
from nngui.gui.training.live_titles import NO_HIDDEN_TITLE, NO_WEIGHTS_TITLE, NOTHING_TO_SHOW
from nngui.gui.training.overfit import OverfitView
from nngui.gui.training.stats import StatsPanel

OLD_NOTE = "No validation split: set one"  # what runs with a 0.1 split were told


def texts(root: QWidget) -> list[str]:
    """Every text a user can read in ``root``: labels, tooltips, plot titles, legend entries,
    axis labels (tiles of a cleared layout are deleted first, as the event loop would)."""
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    out = [label.text() for label in root.findChildren(QLabel)]
    out += [w.toolTip() for w in root.findChildren(QWidget) if w.toolTip()]
    for view in root.findChildren(pg.GraphicsView):
        for item in view.scene().items():
            if isinstance(item, pg.LabelItem):
                out.append(item.text)
            elif isinstance(item, pg.AxisItem):
                out.append(item.labelText)
    return out


def named_units(root: QWidget) -> set[int]:
    return {int(n) for t in texts(root) for n in re.findall(r"(\d+) units", t)}


def named_epochs(root: QWidget) -> set[int]:
    return {int(n) for t in texts(root) for n in re.findall(r"epoch (\d+)", t)}


# ---- the views on their own: a clear forgets every title --------------------------------

def hidden_payload(units: int) -> dict:
    return {"coords": np.zeros((5, 2), np.float32), "labels": np.zeros(5, np.int64),
            "method": "pca", "units": units, "layer": "dense_7"}


def test_a_cleared_live_view_names_no_units_and_no_epoch(qtbot):
    live = LivePanel()
    qtbot.addWidget(live)
    live.show_probe("hidden", 59, hidden_payload(4))
    live.show_probe("weights", 59, {"images": np.zeros((36, 28, 28), np.float32), "units": 512})
    live.show_probe("dead_relu", 59, {"layers": [("dense_7", 1, 4)]})
    live._redraw(every=True)
    assert named_units(live) == {4, 512} and named_epochs(live) == {60}
    live.clear()  # a new network: what is shown is empty, and so is what the titles say
    assert not named_units(live) and not named_epochs(live)
    assert not any("dense_7" in t for t in texts(live))


def test_the_no_hidden_layer_title_is_no_wider_than_the_usual_one(qtbot):
    """Where the usual title fits (1366x768, Lessons open) the 'none' title fits too: it was
    clipped mid-word ('…so nothing to sl') beside the perceptron's boundary."""
    from PySide6.QtGui import QFontMetrics

    from nngui.gui.training.live_titles import hidden_title

    live = LivePanel()
    qtbot.addWidget(live)
    label = live.hiddenSpacePlot.getPlotItem().titleLabel
    metrics = QFontMetrics(label.item.font())
    usual = hidden_title(149, {"units": 16, "method": "pca"})
    assert metrics.horizontalAdvance(NO_HIDDEN_TITLE) <= metrics.horizontalAdvance(usual)


def test_a_network_without_the_layer_says_there_is_nothing_to_show(qtbot):
    live = LivePanel()
    qtbot.addWidget(live)
    live.show_probe("hidden", 59, hidden_payload(4))
    live._redraw(every=True)
    live.show_probe("hidden", 60, None)  # a perceptron has no hidden layer
    live.show_probe("weights", 60, None)  # a CNN's first Dense layer does not read pixels
    live._redraw(every=True)
    assert live.hiddenSpacePlot.getPlotItem().titleLabel.text == NO_HIDDEN_TITLE
    assert live.weightsTitle.text() == NO_WEIGHTS_TITLE
    assert live._hidden_pts.getData()[0].size == 0  # and the plot holds no stale points
    assert not named_units(live)


def test_a_run_from_scratch_forgets_the_older_runs_views(qtbot):
    live = LivePanel()
    qtbot.addWidget(live)
    live.show_probe("hidden", 59, hidden_payload(4))
    live.show_probe("weights", 59, {"images": np.zeros((4, 28, 28), np.float32), "units": 4})
    live._redraw(every=True)
    live.show_probe("hidden", 0, hidden_payload(4))  # epoch 1 again: Train from scratch
    live._redraw(every=True)
    assert named_epochs(live) == {1}


def test_cleared_statistics_and_overfit_views_say_nothing_of_the_old_run(qtbot):
    stats, overfit = StatsPanel(), OverfitView()
    for view in (stats, overfit):
        qtbot.addWidget(view)
    edges = [np.linspace(-1, 1, 5)]
    stats.show_probe("weight_stats", 9, {"layers": ["dense_7"], "edges": edges,
                                         "counts": [np.ones(4)], "grad_norms": [0.5]})
    stats._redraw()
    overfit.add_epoch(9, {"loss": 0.5, "val_loss": 0.6, "epoch": 10.0})
    overfit.show_probe("test_curve", 9, {"logs": {"loss": 0.7}, "n": 2000, "total": 10000})
    overfit._redraw()
    assert any("dense_7" in t for t in texts(stats)) and 10 in named_epochs(stats)
    assert any("2,000 of 10,000" in t for t in texts(overfit)) and 10 in named_epochs(overfit)
    stats.clear()
    overfit.clear()
    for view in (stats, overfit):
        assert not named_epochs(view) and not any("dense_7" in t for t in texts(view))
    assert not any("2,000" in t for t in texts(overfit))


# ---- the window: perceptron -> 784-20-10 and back ----------------------------------------

def _settled(w) -> bool:
    live = w.watch.live
    drawn = all(live._drawn.get(name) == id(p) for name, (_e, p) in live._latest.items()
                if (p is not None or name in NOTHING_TO_SHOW) and hasattr(live, f"_draw_{name}"))
    return drawn and not w.watch.stats._dirty and not w.watch.overfit._dirty


def _train(w, qtbot, epochs: int = 2) -> None:
    w.builder.set_config(replace(w.builder.config(), epochs=epochs, batch_size=64))
    qtbot.waitUntil(lambda: not w.tasks.running(), timeout=60000)  # the evaluation after a run
    with qtbot.waitSignal(w.training.runFinished, timeout=120000):
        assert w.train()
    qtbot.waitUntil(lambda: _settled(w), timeout=10000)


def _widths(w) -> set[int]:
    return {int(lay.params["units"]) for lay in w.builder.spec().layers if lay.type == "Dense"}


def _switch(w, qtbot, preset: str, data: str) -> None:
    w.apply_preset(preset, quiet=True)
    qtbot.waitUntil(lambda: w.data.dataset is not None and w.data.dataset.name == data,
                    timeout=30000)
    views = w.watch.views  # a new network: nothing of the last one's units or epochs
    assert not named_units(views), texts(views)
    assert not named_epochs(views), texts(views)


def test_no_watch_title_names_units_of_another_network(window, qtbot):
    w = window
    views = w.watch.views
    hidden = w.watch.live.hiddenSpacePlot.getPlotItem().titleLabel
    weights = w.watch.live.weightsTitle
    _switch(w, qtbot, "mlp-2-4-2", "circles")
    _train(w, qtbot)
    assert named_units(views) == {4} and "PCA of its 4 units" in hidden.text
    for _ in range(2):  # perceptron -> 784-20-10 and back
        _switch(w, qtbot, "perceptron-2d", "blobs")
        _train(w, qtbot)
        assert hidden.text == NO_HIDDEN_TITLE and not named_units(views)
        assert named_epochs(views) <= {1, 2}
        _switch(w, qtbot, "mnist-784-20-10", "digits")
        _train(w, qtbot)
        assert named_units(views) == {20} <= _widths(w)
        assert "of 20 units" in weights.text() and "its 20 units" in hidden.text
        assert named_epochs(views) <= {1, 2}


# ---- item 7: the validation note of runs that had a split --------------------------------

def test_a_sweep_run_stopped_in_its_first_epoch_is_not_told_to_set_a_split(window, qtbot):
    w = window  # the bundled digits, 784-20-10 with the default 0.1 split
    assert w.builder.config().validation_split == 0.1
    w.builder.set_config(replace(w.builder.config(), epochs=3, batch_size=4,
                                 steps_per_execution=1))
    stopped = []

    def stop_in_first_epoch(epoch: int, step: int) -> None:
        if not stopped:
            stopped.append((epoch, step))
            w.training.stop()

    w.training.batchesArrived.connect(stop_in_first_epoch)
    runs = w.watch.runs
    with qtbot.waitSignal(w.training.runFinished, timeout=120000) as finished:
        assert runs.start_sweep("lr")
    qtbot.waitUntil(lambda: not runs.is_sweeping(), timeout=30000)
    assert stopped[0][0] == 0 and finished.args[0].reason == "stopped"
    rec = runs.records[-1]
    assert all(0 < x < 1 for x in rec.history["epoch"])  # only a part of epoch 1 was trained
    assert not any(np.isfinite(v) for v in rec.history.get("val_loss", []))
    qtbot.waitUntil(lambda: not w.watch.overfit._dirty, timeout=10000)
    for note in (runs.overfitNote.text(), w.watch.overfit.note.text()):
        assert OLD_NOTE not in note and "No validation" not in note, note
        assert "Stopped before the end of its first epoch" in note, note


def test_xor_with_a_split_too_small_for_its_4_samples_is_told_so(window, qtbot):
    w = window
    w.apply_preset("xor-3-4-1")
    qtbot.waitUntil(lambda: w.data.dataset.name == "xor", timeout=30000)
    w.builder.set_config(replace(w.builder.config(), epochs=3, validation_split=0.1))
    with qtbot.waitSignal(w.training.runFinished, timeout=120000):
        assert w.train()
    assert not any(k.startswith("val_") for k in w.session.history)  # int(4 * 0.1) == 0
    runs = w.watch.runs
    qtbot.waitUntil(lambda: not w.watch.overfit._dirty, timeout=10000)
    for note in (runs.overfitNote.text(), w.watch.overfit.note.text()):
        assert OLD_NOTE not in note, note
        assert "too small to hold one sample" in note and "★" not in note, note


def _xor_lr_sweep(w, qtbot):
    """The XOR net's learning-rate sweep, 2 epochs a run, run to its end; the run list."""
    w.apply_preset("xor-3-4-1")
    qtbot.waitUntil(lambda: w.data.dataset.name == "xor" and not w.data.is_loading(),
                    timeout=30000)
    w.builder.set_config(replace(w.builder.config(), epochs=2))
    runs = w.watch.runs
    with qtbot.waitSignal(runs.sweepEnded, timeout=180000):
        assert runs.start_sweep("lr")
    return runs


def test_after_a_sweep_the_train_tab_shows_the_builders_network_again(window, qtbot):
    """A sweep trains networks of its own: once it ends, the Train tab no longer shows its
    last run's curves and "Trained n epochs" over the untrained network of the builder."""
    w = window
    _xor_lr_sweep(w, qtbot)
    qtbot.waitUntil(lambda: w.training.session is w.session, timeout=10000)
    assert w.session.model is None and w.training.trainButton.text() == "Train"
    assert "Trained" not in w.training.trainingStatus.text()
    assert not w.training.curves._history.get("epoch")  # no sweep run's epoch curves


def test_a_sweeps_last_words_go_when_the_next_run_of_its_own_starts(window, qtbot):
    w, runs = window, _xor_lr_sweep(window, qtbot)
    w.show()
    w.tabs.setCurrentWidget(w.watch)
    assert "sweep" in runs.sweepStatus.text().lower()
    qtbot.waitUntil(runs.sweepStatus.isVisible)
    QApplication.processEvents()
    buttons_at = runs.lrSweepButton.mapTo(w, runs.lrSweepButton.rect().topLeft()).y()
    with qtbot.waitSignal(w.training.runFinished, timeout=120000):
        assert w.train()
    assert runs.sweepStatus.text() == "" and runs.sweepStatus.toolTip() == ""
    w.tabs.setCurrentWidget(w.watch)
    QApplication.processEvents()
    # the words sit in the buttons' row: their coming and going moves nothing
    assert runs.lrSweepButton.mapTo(w, runs.lrSweepButton.rect().topLeft()).y() == buttons_at


def test_an_empty_view_never_says_it_is_live(qtbot):
    """Before anything trained, the boundary, hidden-space and confusion plots were titled
    "(live)": nothing was live. Their titles say what they will show, and the plots why they
    are empty."""
    live = LivePanel()
    qtbot.addWidget(live)
    live.show()
    live.clear()
    titles = [plot.getPlotItem().titleLabel.text
              for plot in (live.boundaryPlot, live.hiddenSpacePlot, live.confusionView)]
    assert titles and not any("live" in t.lower() for t in titles), titles


def test_the_empty_learning_rate_plot_labels_only_its_ends(qtbot):
    """Beside the lesson dock the learning-rate plot is ~50 px tall: its empty 0..1 axis
    crammed six labels on top of each other. Empty, it labels 0 and 1; with rates, pyqtgraph
    chooses again."""
    live = LivePanel()
    qtbot.addWidget(live)
    live.show()
    live.clear()
    axis = live.lrPlot.getPlotItem().getAxis("left")
    assert axis._tickLevels == [[(0.0, "0"), (1.0, "1")], []]
    live.show_probe("learning_rate", 0, {"lr": 0.01})
    live._redraw(every=True)
    assert axis._tickLevels is None and not live.lrEmpty.reason
