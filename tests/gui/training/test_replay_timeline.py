"""The Watch tab's timeline replays a run: at epoch k the boundary, unit tiles, hidden space
and confusion matrix are what the live views showed at epoch k (within the replay's stated
quantisation), and they still are after save → reopen."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QSlider

from nngui.core.network.spec import TrainConfig


def _shown(live) -> dict:
    """What the live views have drawn now, as arrays."""
    tx, ty = live._train_pts.getData()
    hx, hy = live._hidden_pts.getData()
    return {"image": np.array(live._image.image, copy=True),
            "train": np.column_stack([tx, ty]).copy(),
            "tiles": [np.array(m.values, copy=True) for m in live.unitMaps.maps],
            "hidden": np.column_stack([hx, hy]).copy(),
            "confusion": np.array(live.confusionView.matrix, copy=True),
            "title": live.boundaryPlot.getPlotItem().titleLabel.text}


def _same(got: dict, want: dict) -> None:
    np.testing.assert_allclose(got["image"], want["image"], atol=1 / 255 + 1e-6)
    np.testing.assert_array_equal(got["train"], want["train"])
    assert len(got["tiles"]) == len(want["tiles"]) > 0
    for g, w in zip(got["tiles"], want["tiles"], strict=True):
        assert g.shape == w.shape
        np.testing.assert_allclose(g, w, atol=float(w.max() - w.min()) / 255 + 1e-6)
    np.testing.assert_allclose(got["hidden"], want["hidden"], rtol=2e-3, atol=2e-3)
    np.testing.assert_array_equal(got["confusion"], want["confusion"])
    assert got["title"] == want["title"]


@pytest.fixture
def trained(window, qtbot):
    """A 2-D net trained 6 epochs with the Watch tab in front, and what it showed live after
    each epoch's probes (drawn at once, as the timer would)."""
    w = window
    w.show()
    w.apply_preset("mlp-2-4-2")
    qtbot.waitUntil(lambda: w.data.dataset.name == "circles", timeout=20000)
    w.builder.set_config(TrainConfig(epochs=6, batch_size=64))
    w.tabs.setCurrentWidget(w.watch)
    live = w.watch.live
    seen: dict[int, dict] = {}

    def capture(name, epoch, _payload):
        if name in ("boundary", "hidden", "confusion"):
            live._redraw(every=True)
            seen[epoch] = _shown(live)

    w.training.probeArrived.connect(capture)  # after the window's own slot: drawn already
    with qtbot.waitSignal(w.training.runFinished, timeout=120000):
        w.train()
    w.training.probeArrived.disconnect(capture)
    return w, seen


def test_the_replay_at_epoch_k_is_what_the_live_view_showed(trained, qtbot, tmp_path):
    w, seen = trained
    watch = w.watch
    slider = w.findChild(QSlider, "timelineSlider")
    assert slider is watch.timeline.timelineSlider
    replay = watch.runs.records[-1].replay
    epochs = replay.epochs()
    assert epochs == sorted(seen) and len(epochs) >= 2
    assert slider.value() == slider.maximum() == len(epochs) - 1  # it followed the run
    for index in reversed(range(len(epochs) - 1)):
        slider.setValue(index)
        _same(_shown(watch.live), seen[epochs[index]])
        assert f"epoch {epochs[index] + 1}" in watch.timeline.timelineLabel.text()
    slider.setValue(len(epochs) - 1)
    _same(_shown(watch.live), seen[epochs[-1]])

    path = tmp_path / "replayed.nngui"
    qtbot.waitUntil(lambda: not w.tasks.running(), timeout=30000)  # the evaluation
    assert w.save_project_to(path)
    w.apply_preset("mlp-2-4-2")  # another network: the views and the timeline start empty
    assert watch.timeline.epochs == [] and watch.live.confusionView.matrix is None
    assert w.open_path(path)
    qtbot.waitUntil(lambda: len(watch.runs.records) == 1 and
                    watch.timeline.epochs == epochs, timeout=30000)
    for index in range(len(epochs)):  # every frame from the file, the newest too
        slider.setValue(index)
        _same(_shown(watch.live), seen[epochs[index]])


def test_a_live_run_follows_the_newest_epoch_unless_the_slider_was_moved(trained, qtbot):
    w, _seen = trained
    watch = w.watch
    slider = watch.timeline.timelineSlider
    first = list(watch.timeline.epochs)
    slider.setValue(0)  # the user goes back to the first epoch kept …
    held = _shown(watch.live)
    qtbot.waitUntil(lambda: not w.tasks.running(), timeout=30000)  # the evaluation
    with qtbot.waitSignal(w.training.runFinished, timeout=120000):
        w.train()  # … and continues training: the slider and the views stay there
    epochs = watch.timeline.epochs
    assert slider.value() == 0 and epochs[:len(first)] == first
    _same(_shown(watch.live), held)
    assert epochs[-1] == 11  # the continued run extends the same replay to its last epoch
    assert watch.runs.records[-1].replay.epochs() == epochs
    slider.setValue(slider.maximum())  # back at the end: the newest epoch
    assert "epoch 12" in watch.timeline.timelineLabel.text()
    assert watch.live.boundaryPlot.getPlotItem().titleLabel.text.endswith("epoch 12")
    # a third run that follows from the start keeps following the newest epoch
    qtbot.waitUntil(lambda: not w.tasks.running(), timeout=30000)
    with qtbot.waitSignal(w.training.runFinished, timeout=120000):
        w.train()
    assert slider.value() == slider.maximum() and watch.timeline.epochs[-1] == 17


def test_a_run_that_recorded_no_views_shows_none_of_another_runs(trained, qtbot):
    """A sweep's run stopped before its first epoch, chosen in the run list, showed the
    previous run's boundary, hidden space, confusion and learning rate as if they were its
    own. It shows that it recorded none; the run that did record them shows them again."""
    from nngui.core.training.runs import RunRecord
    from nngui.gui.training.live_titles import NO_VIEWS_RECORDED

    w, seen = trained
    live, runs = w.watch.live, w.watch.runs
    first = runs.records[0]
    runs.state().run_restored(1, RunRecord("#2 stopped", dict(first.settings), {}, "stopped"))
    qtbot.waitUntil(lambda: runs.runList.topLevelItemCount() == 2)
    runs.runList.setCurrentItem(runs.runList.topLevelItem(1))
    live._redraw(every=True)
    assert live.boundaryEmpty.reason == NO_VIEWS_RECORDED
    assert live.empty_reasons()["confusion"] == NO_VIEWS_RECORDED
    assert len(live._train_pts.getData()[0] if live._train_pts.getData()[0] is not None
               else []) == 0
    assert live.confusionView.matrix is None
    runs.runList.setCurrentItem(runs.runList.topLevelItem(0))
    live._redraw(every=True)
    _same(_shown(live), seen[max(seen)])


def test_another_runs_replay_shows_none_of_the_latest_runs_views(window, qtbot, tmp_path,
                                                                 open_and_wait):
    """A digits run chosen after a run on 2-D data showed that run's decision boundary, unit
    tiles and learning rate beside its own hidden space and confusion matrix (its replay has
    no boundary: 784 inputs; the course's XOR has one since its constant third column is
    drawn at 1). The views it lacks say so; the latest run shows them again."""
    from nngui.gui.training.live_titles import NO_BOUNDARY

    w = window
    w.show()
    w.tabs.setCurrentWidget(w.watch)
    w.apply_preset("mnist-784-20-10")  # no MNIST here: the bundled digits
    qtbot.waitUntil(lambda: w.data.dataset.name == "digits", timeout=20000)
    w.builder.set_config(TrainConfig(epochs=3, batch_size=128, validation_split=0.0))
    with qtbot.waitSignal(w.training.runFinished, timeout=120000):
        w.train()
    w.apply_preset("mlp-2-4-2")
    qtbot.waitUntil(lambda: w.data.dataset.name == "circles", timeout=20000)
    w.builder.set_config(TrainConfig(epochs=2, batch_size=64))
    with qtbot.waitSignal(w.training.runFinished, timeout=120000):
        w.train()
    live, runs = w.watch.live, w.watch.runs
    live._redraw(every=True)
    assert live._boundary is not None and live.unitMaps.maps
    runs.runList.setCurrentItem(runs.runList.topLevelItem(0))  # the digits run
    live._redraw(every=True)
    assert live._boundary is None and live.boundaryEmpty.reason == NO_BOUNDARY
    assert not live.unitMaps.maps
    assert live.empty_reasons()["learning_rate"] == ""  # its own rates: 0.001, 3 epochs
    assert list(live._lr_curve.getData()[1]) == pytest.approx([0.001] * 3)
    assert live.confusionView.matrix is not None  # its own views do show
    assert "epoch 3" in live.hiddenSpacePlot.getPlotItem().titleLabel.text
    runs.runList.setCurrentItem(runs.runList.topLevelItem(1))
    live._redraw(every=True)
    assert live._boundary is not None and live.unitMaps.maps
    assert len(live._lr_curve.getData()[0]) == 2
    qtbot.waitUntil(lambda: not w.tasks.is_held(w.session.model), timeout=60000)
    assert w.save_project_to(tmp_path / "two.nngui")  # reopened: the latest views are the
    assert open_and_wait(w, tmp_path / "two.nngui")  # session's learning rates; they stay
    live._redraw(every=True)
    assert live._boundary is not None and len(live._lr_curve.getData()[0]) == 2
    assert live._lr_curve.getData()[1][-1] == pytest.approx(0.05)  # mlp-2-4-2's rate
    runs.runList.setCurrentItem(runs.runList.topLevelItem(0))  # the digits run, reopened
    live._redraw(every=True)
    assert live._boundary is None and live.boundaryEmpty.reason == NO_BOUNDARY
    assert list(live._lr_curve.getData()[1]) == pytest.approx([0.001] * 3)
