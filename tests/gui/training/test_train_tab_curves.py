"""The Train tab's curves are true: accuracy only in 0..100 % (points and axis) across Stop,
Continue and fine-tuning, no curve running back over a stopped part, and each validation value
at the epoch where the Watch tab shows it.

Runs are real and small; where a Stop must land mid-epoch, the training thread presses it
itself (a probe that sets the run's Stop event after a set number of steps), so no test
depends on timing.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from nngui.core.data.adapt import Prepared
from nngui.core.network.spec import LayerSpec, NetworkSpec, TrainConfig
from nngui.core.training.session import RunRequest, Session
from nngui.gui.training.curves import MARK_PX
from nngui.gui.training.panel import TrainingPanel
from nngui.gui.training.watch import WatchPanel

TIMEOUT = 120_000
SPE = 24  # 384 training samples (480, less a 0.2 split) at batch 16


def dense(units: int, activation: str) -> LayerSpec:
    return LayerSpec("Dense", {"units": units, "activation": activation})


SPEC = NetworkSpec((2,), [dense(8, "tanh"), dense(2, "softmax")],
                   "sparse_categorical_crossentropy", "adam", 0.02)


@pytest.fixture(scope="module")
def moons() -> Prepared:
    from sklearn.datasets import make_moons

    x, y = make_moons(600, noise=0.2, random_state=0)
    x = x.astype(np.float32)
    return Prepared(x[:480], y[:480], x[480:], y[480:], y[480:].astype(np.int64))


def config(epochs: int) -> TrainConfig:
    return TrainConfig(epochs=epochs, seed=0, device="cpu", batch_size=16, jit_compile=False,
                       steps_per_execution=2, validation_split=0.2)


class StopAfter:
    """Presses Stop from the training thread once the model has trained ``steps`` batches
    (called after each chunk within an epoch): the next chunk is skipped, the epoch ends as
    a stopped part without validation."""

    name = "stop after"
    every_batches = 1

    def __init__(self, steps: int) -> None:
        self.steps, self.event = steps, None

    def __call__(self, model):
        if self.event is not None and int(model.optimizer.iterations.numpy()) >= self.steps:
            self.event.set()


def start(qtbot, panel: TrainingPanel, request: RunRequest, stopper: StopAfter | None = None):
    """Run ``request`` on the panel (Stop pressed by ``stopper``); its RunResult."""
    with qtbot.waitSignal(panel.runFinished, timeout=TIMEOUT) as done:
        task = panel.start(request)
        assert task is not None
        if stopper is not None:
            stopper.event = task.stop_event
    return done.args[0]


def curve(plot, name: str) -> tuple[np.ndarray, np.ndarray]:
    for item in plot.getPlotItem().listDataItems():
        if item.name() == name:
            x, y = item.getData()
            if x is None:
                return np.array([]), np.array([])
            keep = np.isfinite(y)
            return np.asarray(x)[keep], np.asarray(y)[keep]
    raise KeyError(name)


def assert_percent(panel: TrainingPanel, settle: bool = True) -> None:
    """Every accuracy point and the accuracy axis within 0..100 %, every point in view.

    ``settle``: first let the view take the range it was given (pyqtgraph applies an auto
    range when it next paints); not inside a slot of the run's events."""
    panel.curves.redraw()  # what a redraw at this moment draws
    if settle:
        QApplication.processEvents()
    ys = np.concatenate([curve(panel.accuracyPlot, n)[1] for n in ("train", "validation")])
    view = panel.accuracyPlot.getPlotItem().getViewBox()
    low, high = view.viewRange()[1]
    assert low < high and px_beyond(view, low, high) <= MARK_PX / 2 + 1.5, (low, high)
    assert max(label_values(panel.accuracyPlot)) <= 100.0  # no 110 % or 140 % label
    if len(ys):
        assert 0.0 <= ys.min() and ys.max() <= 100.0, ys
        if settle:
            assert low <= ys.min() and ys.max() <= high, (low, high, ys)  # all shown


def px_beyond(view, low: float, high: float) -> float:
    """How many pixels the view shows beyond 0..100 % at its further end."""
    return max(high - 100.0, -low, 0.0) * view.height() / (high - low)


def label_values(plot) -> list[float]:
    """The values the left axis labels, as drawn now."""
    axis = plot.getPlotItem().getAxis("left")
    low, high = plot.getPlotItem().getViewBox().viewRange()[1]
    return [v for _spacing, values in axis.tickValues(low, high, axis.height())
            for v in values if low <= v <= high]


@pytest.fixture
def panel(qtbot) -> TrainingPanel:
    p = TrainingPanel()
    qtbot.addWidget(p)
    p.resize(900, 420)
    p.show()
    yield p
    p.shutdown()


# ---- accuracy in 0..100 % -------------------------------------------------------------------


def test_accuracy_stays_within_0_and_100_percent_across_stop_and_continue(qtbot, panel,
                                                                          moons):
    """A single point (a run stopped in its first epoch, or its first epoch) once had an
    axis from ~47 to ~147 %: pyqtgraph's auto range kept the empty plot's span of 100 around
    it. Every point and the axis stay in 0..100 after each epoch, Stop and Continue."""
    panel.epochEnded.connect(lambda *_: assert_percent(panel, settle=False))
    session = Session(SPEC)
    stopper = StopAfter(SPE // 2)  # in the first epoch: one stopped part, one point
    result = start(qtbot, panel, RunRequest(session, moons, config(5), probes=[stopper]),
                   stopper)
    assert result.reason == "stopped" and 0 < result.partial < 1 and result.epochs_done == 0
    assert len(curve(panel.accuracyPlot, "train")[1]) == 1
    assert_percent(panel)
    low, high = panel.accuracyPlot.getPlotItem().getViewBox().viewRange()[1]
    assert high - low >= 5.0  # a readable span around the lone point, not 0.001 %
    stopper = StopAfter(SPE // 2 + SPE * 2 + 6)  # Continue, stopped again in its third epoch
    result = start(qtbot, panel, RunRequest(session, moons, config(5), probes=[stopper]),
                   stopper)
    assert result.reason == "stopped" and result.epochs_done == 2
    assert_percent(panel)
    # Continue trained the stopped first epoch again from its start: no curve runs back
    # over the stopped part (its batch losses are gone, its epoch point stays before)
    assert np.all(np.diff(curve(panel.lossPlot, "batch loss")[0]) >= 0)
    assert np.all(np.diff(curve(panel.lossPlot, "train loss (epoch)")[0]) > 0)
    assert start(qtbot, panel, RunRequest(session, moons, config(5))).reason == "finished"
    assert_percent(panel)
    assert start(qtbot, panel, RunRequest(session, moons, config(1), restart=True)).ok
    assert_percent(panel)  # from scratch: one point again


def test_finetune_draws_accuracy_within_0_and_100_percent(window, qtbot):
    """The Draw tab's fine-tune runs on the Train tab: its first epoch is one point, and a
    Stop after it leaves one or two."""
    from digit_strokes import UNUSUAL, render

    from nngui.core.drawing.preprocess import to_mnist

    training = window.training
    qtbot.waitUntil(lambda: window.draw.current_model() is not None, timeout=TIMEOUT)
    rng = np.random.default_rng(3)
    for digit, strokes in UNUSUAL.items():
        for _ in range(4):
            h = rng.uniform(0.4, 0.8)
            box = (rng.uniform(0.05, 0.5), rng.uniform(0.05, 0.95 - h), h * 0.65, h)
            window.draw.samples_store.add(to_mnist(render(strokes, box=box, thickness=18)),
                                          digit)
    epochs = []

    def first_epoch(_epoch, _logs) -> None:
        epochs.append(True)
        assert_percent(training, settle=False)
        training.stop()

    training.epochEnded.connect(first_epoch)
    with qtbot.waitSignal(training.runFinished, timeout=300_000) as done:
        window.drawing.start_finetune()
    training.epochEnded.disconnect(first_epoch)
    assert epochs and done.args[0].ok
    assert training.trainingStatus.text().startswith(done.args[0].message)
    assert_percent(training)


# ---- Watch and Train place validation at the same epochs -----------------------------------


def test_stop_then_continue_puts_validation_at_the_same_epochs_in_watch_and_train(qtbot,
                                                                                  panel,
                                                                                  moons):
    """A stopped epoch's part is not validated: its validation values are NaN in the
    history, so the Watch tab (which appends each epoch's logs and pairs them with
    ``history["epoch"]``) and the Train tab draw every validation value at the same x."""
    session = Session(SPEC)
    watch = WatchPanel(panel, lambda spec: None, lambda: SPEC, lambda: config(4))
    qtbot.addWidget(watch)
    stopper = StopAfter(SPE + 10)  # in epoch 2 of 4
    result = start(qtbot, panel, RunRequest(session, moons, config(4), probes=[stopper]),
                   stopper)
    assert result.reason == "stopped" and result.epochs_done == 1 and result.partial > 0
    assert start(qtbot, panel, RunRequest(session, moons, config(4))).reason == "finished"
    assert session.history["epoch"] == [1.0, 1.0 + result.partial, 2.0, 3.0, 4.0]

    train_x = curve(panel.lossPlot, "validation loss")[0]
    assert list(train_x) == [1.0, 2.0, 3.0, 4.0]
    assert list(curve(panel.accuracyPlot, "validation")[0]) == list(train_x)
    overfit = watch.overfit
    for metric in ("loss", "accuracy"):
        overfit.metricCombo.setCurrentText(metric)
        overfit._redraw()
        assert list(curve(overfit.overfitPlot, "validation")[0]) == list(train_x), metric
    runs = watch.runs
    runs.metricCombo.setCurrentText("val_loss")
    runs.redraw()
    [run_x] = [item.getData()[0][np.isfinite(item.getData()[1])]
               for item in runs.comparePlot.getPlotItem().listDataItems()
               if item.name() == runs.records[0].name]
    assert list(run_x) == list(train_x)


def test_the_last_epochs_mark_is_whole_inside_the_plot(qtbot, panel, moons):
    """The last epoch's 7 px mark was cut in two by the plot's right edge (x ran to the last
    epoch plus 2 % of the range): the view now leaves half a mark and a little more."""
    panel.resize(440, 420)  # the plots ~160 px wide each, as beside the lesson dock at 1366
    assert start(qtbot, panel, RunRequest(Session(SPEC), moons, config(3))).ok
    panel.curves.redraw()
    QApplication.processEvents()
    for plot in (panel.lossPlot, panel.accuracyPlot):
        view = plot.getPlotItem().getViewBox()
        (x0, x1), width = view.viewRange()[0], view.width()
        px_beyond = (x1 - 3.0) * width / (x1 - x0)
        assert px_beyond >= MARK_PX / 2, (x0, x1, width)


def test_the_last_epochs_mark_stays_whole_when_a_dock_narrows_the_plots(qtbot, panel, moons):
    """The pad was worked out for the width the plots had when the run ended: the lesson
    dock opened beside them afterwards and cut the last marks in two again."""
    assert start(qtbot, panel, RunRequest(Session(SPEC), moons, config(3))).ok
    panel.curves.redraw()
    QApplication.processEvents()
    panel.resize(440, 420)  # the dock opens: the plots go from ~400 to ~160 px
    qtbot.waitUntil(lambda: panel.lossPlot.getPlotItem().getViewBox().width() < 250)
    QApplication.processEvents()
    for plot in (panel.lossPlot, panel.accuracyPlot):
        view = plot.getPlotItem().getViewBox()
        (x0, x1), width = view.viewRange()[0], view.width()
        assert (x1 - 3.0) * width / (x1 - x0) >= MARK_PX / 2, (x0, x1, width)


def test_a_point_at_100_percent_is_drawn_whole(qtbot, panel):
    """The accuracy axis stopped at exactly 100: a point there, and the line through it, were
    cut in half by the plot's top edge. The view leaves half a mark above 100 % now, and
    still labels nothing above it."""
    curves = panel.curves
    curves.load_history({"epoch": [1.0, 2.0, 3.0], "loss": [0.5, 0.2, 0.1],
                         "accuracy": [0.9, 1.0, 1.0], "val_accuracy": [0.95, 1.0, 1.0]})
    curves.redraw()
    QApplication.processEvents()
    view = panel.accuracyPlot.getPlotItem().getViewBox()
    low, high = view.viewRange()[1]
    room = (high - 100.0) * view.height() / (high - low)
    assert MARK_PX / 2 <= room <= MARK_PX / 2 + 1.5, (low, high, view.height())
    assert max(label_values(panel.accuracyPlot)) == 100.0
