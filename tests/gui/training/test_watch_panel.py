"""The Watch tab: live views fed by probes from the training thread, runs side by side."""

import threading

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from nngui.gui.window.workbench import Workbench


@pytest.fixture
def window(circles_window):
    return circles_window


def _named(w, name):
    found = w.findChild(QWidget, name)
    assert found is not None, name
    return found


def test_live_views_draw_probe_arrays_computed_in_the_training_thread(window, qtbot,
                                                                      monkeypatch):
    idents, payloads = [], []
    original = Workbench.probes

    class ThreadProbe:
        name = "thread"

        def __call__(self, model):
            idents.append(threading.get_ident())

    monkeypatch.setattr(Workbench, "probes",
                        lambda self, spec, ds: [*original(self, spec, ds), ThreadProbe()])
    from nngui.core.insight.probes import BoundaryProbe

    boundary_call = BoundaryProbe.__call__
    boundary_idents = []  # the unit maps come with the boundary: from the same call

    def traced(self, model):
        boundary_idents.append(threading.get_ident())
        return boundary_call(self, model)

    monkeypatch.setattr(BoundaryProbe, "__call__", traced)
    window.training.probeArrived.connect(lambda n, e, p: payloads.append((n, e, p)))
    with qtbot.waitSignal(window.training.runFinished, timeout=120000):
        window.train()
    gui = threading.get_ident()
    # small data trains several epochs per compiled call (training/fast.py): the picture
    # probes run after a call when their time share allows, and always after the last
    assert 2 <= len(idents) <= 3 and len(set(idents)) == 1 and idents[0] != gui
    names = {n for n, _, _ in payloads}
    assert {"boundary", "hidden", "dead_relu", "learning_rate"} <= names
    live = window.watch.live
    boundary = [p for n, _, p in payloads if n == "boundary"][-1]
    hidden = [p for n, _, p in payloads if n == "hidden"][-1]
    qtbot.waitUntil(lambda: live._drawn.get("boundary") == id(boundary), timeout=5000)
    qtbot.waitUntil(lambda: live._drawn.get("hidden") == id(hidden), timeout=5000)
    # the image shows p(class 1) of the last grid, the scatter the last hidden coordinates
    p1 = np.where(boundary["classes"] == 1, boundary["prob"], 1 - boundary["prob"])
    np.testing.assert_array_equal(live._image.image, p1.T)
    x, y = live._hidden_pts.getData()
    np.testing.assert_array_equal(x, hidden["coords"][:, 0])
    np.testing.assert_array_equal(y, hidden["coords"][:, 1])
    # 4 tanh hidden units: one line per unit, drawn as endpoint pairs
    assert len(live._lines.getData()[0]) == 2 * 4
    assert _named(window, "boundaryPlot") is window.watch.live.boundaryPlot
    assert len(live._lr[0]) == 3
    # one activation tile per hidden unit, from the boundary probe in the training thread
    assert boundary_idents and set(boundary_idents) == {idents[0]}
    (layer,) = boundary["unit_maps"]
    assert layer["layer"] == 1 and layer["maps"].shape == (4, *boundary["classes"].shape)
    tiles = _named(window, "unitMaps").tiles
    assert [t.toolTip() for t in tiles] == [f"layer 1 unit {u}" for u in range(1, 5)]
    for m, grid in zip(live.unitMaps.maps, layer["maps"], strict=True):
        np.testing.assert_array_equal(m.values, grid)
    gx, gy = np.meshgrid(boundary["xs"], boundary["ys"])  # the run is over: nobody holds it
    first = window.session.model.layers[0]
    h = np.asarray(first(np.column_stack([gx.ravel(), gy.ravel()]).astype(np.float32)))
    np.testing.assert_allclose(layer["maps"].reshape(4, -1).T, h, atol=1e-5)


def test_an_opened_model_fills_the_boundary_and_unit_tiles_from_a_job(window, qtbot,
                                                                       monkeypatch):
    from nngui.core.insight.probes import BoundaryProbe
    from nngui.core.model.builder import build_model

    idents = []
    call = BoundaryProbe.__call__
    monkeypatch.setattr(BoundaryProbe, "__call__",
                        lambda self, model: idents.append(threading.get_ident()) or
                        call(self, model))
    window.session.model = build_model(window.session.spec, 7)  # as opening a project does
    window.session.epochs_done = 5
    live = window.watch.live
    assert live.is_empty()
    window.tabs.setCurrentWidget(window.watch)
    qtbot.waitUntil(lambda: "boundary" in live._drawn and bool(live.unitMaps.tiles), timeout=20000)
    assert idents and idents[0] != threading.get_ident()  # in a job, not the GUI thread
    boundary = live._latest["boundary"][1]
    gx, gy = np.meshgrid(boundary["xs"], boundary["ys"])
    h = np.asarray(window.session.model.layers[0](
        np.column_stack([gx.ravel(), gy.ravel()]).astype(np.float32)))
    np.testing.assert_allclose(np.stack([m.values.ravel() for m in live.unitMaps.maps], 1), h,
                               atol=1e-5)
    assert "epoch 5" in live.boundaryPlot.getPlotItem().titleLabel.text
    qtbot.waitUntil(lambda: "hidden" in live._drawn, timeout=5000)
    window.tabs.setCurrentWidget(window.training)
    window.tabs.setCurrentWidget(window.watch)  # once is enough: nothing new to compute
    qtbot.waitUntil(lambda: not window.tasks.running(), timeout=20000)
    assert len(idents) == 1


def test_the_test_curve_is_kept_in_the_run_history_through_continue_and_a_project(
        window, qtbot, tmp_path):
    from nngui.core.files.project import load_project

    sent = []
    window.training.probeArrived.connect(
        lambda n, e, p: n == "test_curve" and sent.append(p["logs"]))
    for _ in range(2):  # a run, then Continue: one record, six epochs
        qtbot.waitUntil(lambda: not window.tasks.running(), timeout=60000)  # Evaluate's job
        with qtbot.waitSignal(window.training.runFinished, timeout=120000):
            assert window.train()
    runs = window.watch.runs
    (rec,) = runs.records
    assert len(sent) == 6 == len(rec.history["loss"])
    assert rec.history["test_loss"] == [p["loss"] for p in sent]
    assert rec.history["test_accuracy"] == [p["accuracy"] for p in sent]
    n = len(window.data.dataset.x_test)
    assert rec.settings["test_curve"] == (f"test_* curves on a fixed subset of {min(n, 2000):,} "
                                          f"of {n:,} test samples")
    runs.metricCombo.setCurrentText("test_accuracy")
    (curve,) = runs.comparePlot.getPlotItem().listDataItems()
    np.testing.assert_allclose(curve.getData()[1], [100 * p["accuracy"] for p in sent])
    qtbot.waitUntil(lambda: not window.tasks.running(), timeout=60000)  # Evaluate after a run
    path = tmp_path / "runs.nngui"
    assert window.save_project_to(path)
    saved = load_project(path, with_model=False).runs
    assert saved[0]["history"]["test_loss"] == rec.history["test_loss"]
    window.projects.show_runs(saved)  # as opening the project shows them
    assert runs.records[0].history["test_accuracy"] == rec.history["test_accuracy"]
    assert len(runs.comparePlot.getPlotItem().listDataItems()) == 1
    # the list is the legend: the ticked run wears its curve's colour, the plot has no box
    assert runs.comparePlot.getPlotItem().legend is None
    assert not runs.runList.topLevelItem(0).icon(0).isNull()
    runs.runList.topLevelItem(0).setCheckState(0, Qt.CheckState.Unchecked)
    qtbot.waitUntil(lambda: runs.runList.topLevelItem(0).icon(0).isNull(), timeout=5000)


def test_every_run_is_kept_and_a_sweep_makes_one_run_per_setting(window, qtbot):
    with qtbot.waitSignal(window.training.runFinished, timeout=120000):
        window.train()
    runs = window.watch.runs
    assert len(runs.records) == 1
    with qtbot.waitSignal(runs.sweepFinished, timeout=300000) as blocker:
        _named(window, "lrSweepButton").click()
    assert blocker.args == [5]
    records = runs.records[1:]
    assert len(records) == 5
    base = window.builder.spec().lr
    lrs = [r.settings["lr"] for r in records]
    np.testing.assert_allclose(lrs, [base * f for f in (0.1, 0.3, 1, 3, 10)], rtol=0.01)
    for r in records:  # each its own history of 3 epochs, from scratch
        assert len(r.history["loss"]) == 3 and r.history["epoch"] == [1.0, 2.0, 3.0]
    finals = {round(r.history["loss"][-1], 6) for r in records}
    assert len(finals) == 5
    tree = _named(window, "runList")
    assert tree.topLevelItemCount() == 6 and runs.checked() == [1, 2, 3, 4, 5]
    assert len(runs.comparePlot.getPlotItem().listDataItems()) >= 5
    assert window.session.model is not None  # the builder's own run is untouched
    assert window.session.epochs_done == 3


def test_training_options_from_the_watch_tab(qtbot):
    from nngui.core.network.spec import TrainConfig
    from nngui.gui.training.panel import TrainingPanel
    from nngui.gui.training.run_list import RunsPanel

    training = TrainingPanel()
    panel = RunsPanel(training, lambda spec: None, lambda: None, TrainConfig)
    qtbot.addWidget(training)
    qtbot.addWidget(panel)
    assert panel.apply_options(TrainConfig()) == TrainConfig()
    panel.earlyStopSpin.setValue(4)
    panel.scheduleCombo.setCurrentText("cosine")
    cfg = panel.apply_options(TrainConfig(reduce_lr_patience=2))
    assert (cfg.early_stopping_patience, cfg.lr_schedule, cfg.reduce_lr_patience) == \
        (4, "cosine", 2)  # an option left off here keeps the config's own
    panel.restoreBestCheck.setChecked(False)
    assert panel.apply_options(TrainConfig()).restore_best is False
