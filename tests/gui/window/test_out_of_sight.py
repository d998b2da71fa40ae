"""Views behind another tab keep what arrives and draw it when shown; the live views draw
one at a time. (Both keep an epoch's end from stalling the window: benchmarks/
bench_gui_training.py measures the gaps.)"""

import numpy as np
import pytest


@pytest.fixture
def shown(circles_window, qtbot):
    w = circles_window
    w.resize(1280, 720)
    w.show()
    qtbot.waitExposed(w)
    w.tabs.setCurrentWidget(w.training)  # the Train tab: its plots exist, Watch is hidden
    w.training.build_plots()
    return w


def _hidden_payload(n: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    return {"coords": rng.normal(size=(n, 2)).astype(np.float32),
            "labels": rng.integers(0, 2, n), "units": 4, "method": "raw"}


def _ticks(qtbot, timer, n: int = 2) -> None:
    for _ in range(n):
        with qtbot.waitSignal(timer.timeout, timeout=5000):
            pass


def test_hidden_views_wait_and_draw_when_their_tab_is_shown(shown, qtbot):
    w = shown
    live, overfit, stats = w.watch.live, w.watch.overfit, w.watch.stats
    assert not live.isVisible()
    hidden = _hidden_payload(50, 0)
    live.show_probe("hidden", 0, hidden)
    overfit.add_epoch(0, {"loss": 0.7, "val_loss": 0.8, "epoch": 1.0})
    _ticks(qtbot, live._timer)
    _ticks(qtbot, overfit._timer)
    assert "hidden" not in live._drawn and overfit._dirty  # nothing drawn behind the Train tab
    assert live._hidden_pts.getData()[0] is None or len(live._hidden_pts.getData()[0]) == 0

    w.watch.views.setCurrentWidget(live)
    w.tabs.setCurrentWidget(w.watch)  # shown: drawn before the first paint
    assert live._drawn.get("hidden") == id(hidden)
    np.testing.assert_array_equal(live._hidden_pts.getData()[0], hidden["coords"][:, 0])
    assert overfit._dirty  # still behind the live views' tab
    w.watch.views.setCurrentWidget(overfit)
    assert not overfit._dirty
    np.testing.assert_allclose(overfit._curves["validation"].getData()[1], [0.8])
    assert stats.isVisible() is False


def test_the_live_views_draw_one_at_a_time(shown, qtbot):
    w = shown
    live = w.watch.live
    w.watch.views.setCurrentWidget(live)
    w.tabs.setCurrentWidget(w.watch)
    _ticks(qtbot, live._timer, 1)
    hidden = _hidden_payload(40, 1)
    live.show_probe("hidden", 0, hidden)
    live.show_probe("dead_relu", 0, {"layers": [("dense", 1, 4)]})
    live.show_probe("learning_rate", 0, {"lr": 0.05})
    with qtbot.waitSignal(live._timer.timeout, timeout=5000):
        pass  # its slot (connected first) has run: one view drawn in this turn
    assert len([n for n in ("hidden", "dead_relu", "learning_rate") if n in live._drawn]) == 1
    qtbot.waitUntil(lambda: {"hidden", "dead_relu", "learning_rate"} <= set(live._drawn),
                    timeout=5000)
    assert "1/4" in live.deadReluLabel.text()
    np.testing.assert_allclose(live._lr_curve.getData()[1], [0.05])


def test_the_train_tab_catches_up_with_a_run_watched_from_elsewhere(shown, qtbot):
    w = shown
    training = w.training
    w.tabs.setCurrentWidget(w.watch)
    with qtbot.waitSignal(training.runFinished, timeout=120000):
        w.train()
    history = w.session.history
    assert len(history["loss"]) == 3
    curves = training.curves
    assert len(curves._epoch_loss.getData()[1] if curves._epoch_loss.getData()[1]
               is not None else []) < 3  # the curves waited behind the Watch tab
    assert "done" in training.trainingProgress.format()  # the progress bar did not
    w.tabs.setCurrentWidget(training)
    np.testing.assert_allclose(curves._epoch_loss.getData()[1], history["loss"])
    np.testing.assert_allclose(curves._val_loss.getData()[1], history["val_loss"])
    assert "done" in training.trainingProgress.format()


def test_a_trained_digit_reader_joins_the_canvas_a_turn_after_the_run_ends(digits_reader,
                                                                           qtbot):
    w = digits_reader
    combo = w.drawing.panel.modelCombo
    title = "Trained here: reader"
    with qtbot.waitSignal(w.training.runFinished, timeout=120000):
        assert w.train()
    # the run's end turn started the evaluation; the canvas reads the weights in a later
    # turn, after the evaluation let go of the model
    assert combo.findText(title) == -1 and w.tasks.is_held(w.session.model)
    qtbot.waitUntil(lambda: combo.findText(title) >= 0, timeout=30000)
    assert w.evaluate.report is not None
    reader = dict(w.drawing.panel._models)[title]
    assert reader is w.session.model


def test_the_run_list_draws_a_run_that_ended_behind_the_train_tab_when_shown(shown, qtbot):
    w = shown
    runs = w.watch.runs
    with qtbot.waitSignal(w.training.runFinished, timeout=120000):
        w.train()
    assert runs.runList.topLevelItemCount() == 1  # recorded at once
    plot = runs.comparePlot.getPlotItem()
    assert runs._stale and not plot.listDataItems()  # drawn later
    w.tabs.setCurrentWidget(w.watch)
    curve, *star = plot.listDataItems()  # the curve, and the best epoch's star
    np.testing.assert_allclose(curve.getData()[1], w.session.history["val_loss"])
    assert len(star) == 1
    assert not runs._stale


def test_a_constant_learning_rate_reads_as_its_value(shown, qtbot):
    w = shown
    live = w.watch.live
    w.watch.views.setCurrentWidget(live)
    w.tabs.setCurrentWidget(w.watch)
    for epoch in range(3):
        live.show_probe("learning_rate", epoch, {"lr": 0.001})
        live._redraw(every=True)
    (y0, y1) = live.lrPlot.getPlotItem().getViewBox().viewRange()[1]
    assert y0 == pytest.approx(0.0, abs=1e-9) and 0.001 < y1 <= 0.0013
