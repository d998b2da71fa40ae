"""A run stopped in the middle of an epoch and then continued: the Watch tab draws it whole
(the learning rate of every epoch, the validation curve up to the last epoch), as the Train
tab does. The stopped part of the epoch has no validation (NaN) and is sent again as the
epoch Continue trains; the Watch views once lost the epochs before it (the learning rate, the
weight statistics) or broke the validation curve there (the run plot and the
train/validation/test plot: a line to epoch 4, a lone star at 5)."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt


def _curve(plot_widget, name: str) -> tuple[list[float], list[float]]:
    for item in plot_widget.getPlotItem().listDataItems():
        if item.name() == name:
            x, y = item.getData()
            return ([] if x is None else [float(v) for v in x],
                    [] if y is None else [float(v) for v in y])
    raise AssertionError(f"no curve {name!r}")


def _train_and_stop_mid_epoch(window, qtbot) -> None:
    stopped: list[int] = []

    def stop_mid_epoch(epoch: int, step: int) -> None:
        if epoch >= 1 and step > 20 and not stopped:  # in epoch 2 of 3
            stopped.append(epoch)
            window.training.stop()

    window.training.batchesArrived.connect(stop_mid_epoch)
    with qtbot.waitSignal(window.training.runFinished, timeout=60000) as blocker:
        assert window.train()
    window.training.batchesArrived.disconnect(stop_mid_epoch)
    assert blocker.args[0].reason == "stopped" and 0 < blocker.args[0].partial < 1
    qtbot.waitUntil(lambda: not window.tasks.is_held(window.session.model), timeout=60000)


def _lr_xs(live) -> list[float]:
    xs, _ = live.lrPlot.getPlotItem().listDataItems()[0].getData()
    return [] if xs is None else [float(x) for x in xs]


def test_watch_draws_a_run_stopped_mid_epoch_and_continued_whole(window, qtbot, tmp_path,
                                                                 open_and_wait) -> None:
    window.apply_preset("mnist-784-20-10")
    qtbot.waitUntil(lambda: window.data.dataset is not None, timeout=20000)
    window.builder.set_config(window.builder.config().__class__(
        epochs=3, batch_size=4, validation_split=0.1, steps_per_execution=1))
    window.build_all_pages()
    window.tabs.setCurrentWidget(window.watch)
    _train_and_stop_mid_epoch(window, qtbot)
    with qtbot.waitSignal(window.training.runFinished, timeout=60000) as blocker:
        assert window.train()  # Continue: epoch 2 again, then 3
    assert blocker.args[0].reason == "finished"
    qtbot.waitUntil(lambda: not window.tasks.is_held(window.session.model), timeout=60000)
    (run,) = window.projects.state.runs
    assert math.isnan(run.history["val_loss"][1])  # the stopped part: never validated

    live = window.watch.live
    live.show_frame(0, None)  # the latest views, drawn now
    assert _lr_xs(live) == [1.0, 2.0, 3.0]  # every epoch's rate, epoch 2 once
    # the weight statistics too: epoch 1's stay beside epoch 2 trained again (the stopped
    # part's statistics once cleared them all, as a new run's; the heat map began at 2)
    stats = window.watch.stats
    assert stats.epochs == [0, 1, 2] and len(stats.counts) == len(stats.norms) == 3

    runs = window.watch.runs
    runs.metricCombo.setCurrentText("val_loss")
    runs.runList.topLevelItem(0).setCheckState(0, Qt.CheckState.Checked)
    runs.redraw()
    xs, ys = _curve(runs.comparePlot, run.name)
    assert xs[0] == 1.0 and xs[-1] == 3.0 and all(math.isfinite(y) for y in ys)

    overfit = window.watch.overfit
    window.watch.views.setCurrentWidget(overfit)
    qtbot.waitUntil(lambda: _curve(overfit.overfitPlot, "validation")[0][-1:] == [3.0],
                    timeout=5000)
    xs, ys = _curve(overfit.overfitPlot, "validation")
    assert xs[0] == 1.0 and all(math.isfinite(y) for y in ys)

    # saved and opened again: the rates are still one an epoch, at epochs 1 to 3 (the
    # history's stopped part once made a fourth, plotted at "epoch 4" of a 3-epoch run)
    assert window.save_project_to(tmp_path / "stopped.nngui")
    window.apply_preset("xor-3-4-1")
    assert open_and_wait(window, tmp_path / "stopped.nngui")
    window.tabs.setCurrentWidget(window.watch)
    window.watch.views.setCurrentWidget(live)
    qtbot.waitUntil(lambda: _lr_xs(live) == [1.0, 2.0, 3.0], timeout=5000)
    runs.runList.setCurrentItem(runs.runList.topLevelItem(0))  # the run chosen in the list
    qtbot.waitUntil(lambda: _lr_xs(live) == [1.0, 2.0, 3.0], timeout=5000)
