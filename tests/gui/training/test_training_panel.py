"""TrainingPanel and EvaluatePanel end to end: real (small) Keras runs on the task runner."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PySide6.QtCore import Qt

from nngui.core.data.adapt import Prepared
from nngui.core.network.spec import LayerSpec, NetworkSpec, TrainConfig
from nngui.core.training.session import RunRequest, Session
from nngui.core.training.train import train
from nngui.gui.evaluate.panel import EvaluatePanel
from nngui.gui.training.panel import TrainingPanel

TIMEOUT = 120_000


@pytest.fixture(scope="module")
def mnist_small(mnist_path) -> Prepared:
    """2,000 training and 500 test digits, flattened to 784 values in [0, 1]."""
    with np.load(mnist_path) as f:
        x_train = f["x_train"][:2000].reshape(-1, 784).astype(np.float32) / 255
        y_train = f["y_train"][:2000].astype(np.int64)
        x_test = f["x_test"][:500].reshape(-1, 784).astype(np.float32) / 255
        y_test = f["y_test"][:500].astype(np.int64)
    return Prepared(x_train, y_train, x_test, y_test, y_test.copy())


@pytest.fixture(scope="module")
def moons() -> Prepared:
    from sklearn.datasets import make_moons

    x, y = make_moons(600, noise=0.15, random_state=0)
    x = x.astype(np.float32)
    return Prepared(x[:480], y[:480], x[480:], y[480:], y[480:].astype(np.int64))


def dense(units: int, activation: str) -> LayerSpec:
    return LayerSpec("Dense", {"units": units, "activation": activation})


def mnist_spec(**kw) -> NetworkSpec:
    return NetworkSpec((784,), [dense(32, "relu"), dense(10, "softmax")],
                       "sparse_categorical_crossentropy", **kw)


def config(epochs: int, **kw) -> TrainConfig:
    kw.setdefault("jit_compile", False)  # XLA compile time would dominate these tiny runs
    # Auto-chunking would run a whole epoch of this tiny net per call: one point per epoch.
    kw.setdefault("steps_per_execution", 4)
    kw.setdefault("batch_size", 32)
    return TrainConfig(epochs=epochs, seed=0, device="cpu", **kw)


class Provider:
    """Answers the panel's trainRequested as the window does; a test can change the config."""

    def __init__(self, session: Session, data: Prepared, cfg: TrainConfig) -> None:
        self.session, self.data, self.config = session, data, cfg

    def __call__(self, restart: bool) -> RunRequest:
        return RunRequest(self.session, self.data, self.config, restart)


def answer(panel: TrainingPanel, provider) -> None:
    """Start what ``provider(restart)`` returns whenever the panel asks to train."""
    def on_request(restart: bool) -> None:
        request = provider(restart)
        if request is not None:
            panel.start(request)

    panel.trainRequested.connect(on_request)


@pytest.fixture
def panel(qtbot) -> TrainingPanel:
    p = TrainingPanel()
    qtbot.addWidget(p)
    p.resize(900, 420)
    yield p
    p.shutdown()


def curve(plot, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Data of the plot's curve with this legend name."""
    for item in plot.getPlotItem().listDataItems():
        if item.name() == name:
            x, y = item.getData()
            return (np.asarray([]) if x is None else x), (np.asarray([]) if y is None else y)
    raise KeyError(name)


def run(qtbot, panel: TrainingPanel, restart: bool = False):
    with qtbot.waitSignal(panel.runFinished, timeout=TIMEOUT) as blocker:
        button = panel.restartButton if restart else panel.trainButton
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    return blocker.args[0]


def test_train_draws_curves_and_fills_progress(qtbot, panel, mnist_small):
    session = Session(mnist_spec())
    answer(panel, Provider(session, mnist_small, config(2)))
    assert panel.trainButton.text() == "Train"
    assert not panel.restartButton.isEnabled() and not panel.stopButton.isEnabled()

    result = run(qtbot, panel)

    assert result.reason == "finished" and session.epochs_done == 2
    bx, by = curve(panel.lossPlot, "batch loss")
    assert len(bx) > 10 and np.isfinite(by).all()
    assert bx.max() == pytest.approx(2.0)  # x axis in epochs
    sx, sy = curve(panel.lossPlot, "batch loss, smoothed")
    assert len(sx) == len(bx) and sy[-1] < by[0]
    ex, ey = curve(panel.lossPlot, "train loss (epoch)")
    assert list(ex) == [1.0, 2.0] and ey[1] < ey[0]
    assert len(curve(panel.lossPlot, "validation loss")[0]) == 2
    ax, ay = curve(panel.accuracyPlot, "train")
    assert list(ax) == [1.0, 2.0] and 50 < ay[-1] <= 100  # in percent
    assert len(curve(panel.accuracyPlot, "validation")[0]) == 2
    bar = panel.trainingProgress
    assert bar.value() == bar.maximum() > 0
    assert bar.text() == "Epoch 2/2 · batch 57/57 · done"  # 1,800 / 32 = 57 batches
    assert panel.trainButton.text() == "Continue training"
    assert panel.restartButton.isEnabled() and not panel.stopButton.isEnabled()

    panel.reset()  # the main window built a new network
    assert panel.trainButton.text() == "Train" and not panel.restartButton.isEnabled()
    assert len(curve(panel.lossPlot, "batch loss")[0]) == 0
    panel.set_has_weights(True)  # ... or opened a model file
    assert panel.trainButton.text() == "Continue training"


def test_stop_keeps_weights_and_continue_appends_epochs(qtbot, panel, mnist_small):
    session = Session(mnist_spec())
    provider = Provider(session, mnist_small, config(500))
    answer(panel, provider)
    with qtbot.waitSignal(panel.runFinished, timeout=TIMEOUT) as blocker:
        with qtbot.waitSignal(panel.epochEnded, timeout=TIMEOUT):
            qtbot.mouseClick(panel.trainButton, Qt.MouseButton.LeftButton)
            assert panel.stopButton.isEnabled() and not panel.trainButton.isEnabled()
        qtbot.mouseClick(panel.stopButton, Qt.MouseButton.LeftButton)
    result = blocker.args[0]

    assert result.reason == "stopped"
    assert 1 <= session.epochs_done < 500
    assert session.model.predict(mnist_small.x_test[:5], verbose=0).shape == (5, 10)
    assert "Stopped" in panel.trainingStatus.text()
    assert "Continue trains the remaining" in panel.trainingStatus.text()
    assert panel.trainButton.text() == "Continue training"

    provider.config = config(1)
    result = run(qtbot, panel, restart=True)  # Train from scratch clears the curves
    assert result.reason == "finished" and session.epochs_done == 1
    assert list(curve(panel.lossPlot, "train loss (epoch)")[0]) == [1.0]
    finished_x = curve(panel.lossPlot, "batch loss")[0].max()

    result = run(qtbot, panel)  # after a finished run, Continue appends the asked epochs

    assert result.reason == "finished" and session.epochs_done == 2
    ex, _ = curve(panel.lossPlot, "train loss (epoch)")
    assert list(ex) == [1.0, 2.0]  # the x axis continues
    bx, _ = curve(panel.lossPlot, "batch loss")
    assert bx.max() == pytest.approx(2.0) and bx.max() > finished_x


def test_shutdown_during_training_leaves_no_thread(qtbot, panel, mnist_small):
    session = Session(mnist_spec())
    answer(panel, Provider(session, mnist_small, config(500)))
    with qtbot.waitSignal(panel.epochEnded, timeout=TIMEOUT):
        qtbot.mouseClick(panel.trainButton, Qt.MouseButton.LeftButton)
    [task] = panel.tasks.running("train")
    assert panel.tasks.is_held(session) and panel.tasks.is_held(session.model)
    assert panel.tasks.shutdown()  # what the window's closeEvent does
    assert not task._thread.isRunning()
    assert not panel.tasks.running() and not panel.tasks.is_held(session.model)
    assert session.epochs_done < 500  # stopped, not run to the end


def test_stop_mid_epoch_then_continue_trains_exactly_the_rest(qtbot, panel, mnist_small):
    """Stopped in epoch k of 5: the partial epoch is plotted where it ended, Continue runs
    the remaining 5 - (k - 1) epochs and the run ends at epoch 5."""
    session = Session(mnist_spec())
    cfg = config(5, batch_size=4, validation_split=0.0, steps_per_execution=1)
    answer(panel, Provider(session, mnist_small, cfg))
    stopped = []

    def stop_mid_epoch(epoch: int, step: int) -> None:
        if epoch >= 1 and step < 150 and not stopped:  # epoch 2 (or later) of 5, early on
            stopped.append(epoch)
            panel.stop()

    panel.batchesArrived.connect(stop_mid_epoch)
    with qtbot.waitSignal(panel.runFinished, timeout=TIMEOUT) as blocker:
        qtbot.mouseClick(panel.trainButton, Qt.MouseButton.LeftButton)
    panel.batchesArrived.disconnect(stop_mid_epoch)
    result = blocker.args[0]
    assert stopped and result.reason == "stopped"
    spe = 500  # 2,000 samples / batch 4
    assert 0 < result.partial < 1 and session.epochs_done == stopped[0]
    assert f"of {spe:,} batches" in result.message and "remaining" in result.message
    ex, _ = curve(panel.lossPlot, "train loss (epoch)")
    assert ex[-1] == pytest.approx(session.epochs_done + result.partial)  # where it ended
    assert ex[-1] < session.epochs_done + 1

    result = run(qtbot, panel)  # Continue: the rest of the run the user asked for

    assert result.reason == "finished" and session.epochs_done == 5
    ex, _ = curve(panel.lossPlot, "train loss (epoch)")
    assert list(ex[-(5 - stopped[0]):]) == [float(e) for e in range(stopped[0] + 1, 6)]
    assert panel.trainingProgress.text().startswith("Epoch 5/5")


def test_huge_learning_rate_reports_nan(qtbot, panel, mnist_small):
    data = Prepared(mnist_small.x_train * 1e3, mnist_small.y_train, mnist_small.x_test,
                    mnist_small.y_test, mnist_small.labels_test)
    session = Session(mnist_spec(optimizer="sgd", learning_rate=1e30))
    answer(panel, Provider(session, data, config(3, validation_split=0.0)))
    with qtbot.waitSignal(panel.messageShown, timeout=TIMEOUT) as shown:
        result = run(qtbot, panel)

    assert result.reason == "nan"
    assert "NaN" in panel.trainingStatus.text() and "learning rate" in shown.args[0]
    assert "c0392b" in panel.trainingStatus.styleSheet()  # shown in red


def test_training_error_is_shown_not_raised(qtbot, panel):
    x = np.zeros((64, 5), np.float32)  # the network reads 784 values
    y = np.zeros(64, np.int64)
    answer(panel, Provider(Session(mnist_spec()), Prepared(x, y, x, y, y),
                                        config(1)))
    with qtbot.waitSignal(panel.messageShown, timeout=TIMEOUT):
        result = run(qtbot, panel)
    assert result.reason == "error" and not panel.is_running()
    assert panel.trainingStatus.text().startswith("Training failed")
    assert panel.trainButton.isEnabled()


def test_regressor_plots_mae_per_epoch(qtbot, panel):
    x = np.linspace(-2, 2, 256, dtype=np.float32).reshape(-1, 1)
    data = Prepared(x, np.sin(2 * x), x[:32], np.sin(2 * x[:32]), None)
    spec = NetworkSpec((1,), [dense(8, "tanh"), dense(1, "linear")], "mse", kind="regressor")
    answer(panel, Provider(Session(spec), data, config(2)))
    assert run(qtbot, panel).reason == "finished"
    assert panel.accuracyPlot.getPlotItem().getAxis("left").labelText == "mean absolute error"
    assert len(curve(panel.accuracyPlot, "train")[0]) == 2


def test_train_button_only_asks(qtbot, panel):
    with qtbot.waitSignal(panel.trainRequested) as asked:
        qtbot.mouseClick(panel.trainButton, Qt.MouseButton.LeftButton)
    assert asked.args == [False]
    assert not panel.is_running() and panel.trainButton.isEnabled()  # nobody answered


def test_a_held_session_is_not_trained_twice(qtbot, panel, mnist_small):
    session = Session(mnist_spec())
    session.ensure_model(0)
    other = EvaluatePanel(panel.tasks)  # the same runner, as in the window
    qtbot.addWidget(other)
    other.set_context(session.model, mnist_small, session.spec, [str(i) for i in range(10)])
    assert other.evaluate()  # the evaluation holds the model...
    assert panel.start(RunRequest(session, mnist_small, config(1))) is None  # ...so no run
    assert "in use" in panel.trainingStatus.text()
    qtbot.waitUntil(lambda: not other.is_running(), timeout=TIMEOUT)
    assert panel.start(RunRequest(session, mnist_small, config(1)))
    qtbot.waitUntil(lambda: not panel.is_running(), timeout=TIMEOUT)


def test_continue_while_a_stopped_run_ends_its_last_batches_says_so(qtbot, panel, mnist_small,
                                                                    monkeypatch):
    from nngui.core.platform import abandon

    session = Session(mnist_spec())
    model = session.ensure_model(0)
    real = abandon.is_busy
    monkeypatch.setattr(abandon, "is_busy", lambda obj: obj is model or real(obj))
    assert panel.start(RunRequest(session, mnist_small, config(1))) is None
    assert "still finishing its last batches" in panel.trainingStatus.text()
    monkeypatch.setattr(abandon, "is_busy", real)  # the fit has ended: Train works again
    assert panel.start(RunRequest(session, mnist_small, config(1)))
    qtbot.waitUntil(lambda: not panel.is_running(), timeout=TIMEOUT)
    # the buttons wait for such a model, and come back by themselves when it is free
    monkeypatch.setattr(abandon, "is_busy", lambda obj: obj is model or real(obj))
    panel._update_buttons()
    assert not panel.trainButton.isEnabled() and not panel.restartButton.isEnabled()
    monkeypatch.setattr(abandon, "is_busy", real)
    qtbot.waitUntil(lambda: panel.trainButton.isEnabled() and panel.restartButton.isEnabled(),
                    timeout=5000)


def fit(spec: NetworkSpec, data: Prepared, epochs: int) -> Session:
    session = Session(spec)
    session.record(train(session.ensure_model(0), data, spec, config(epochs)))
    return session


def evaluate(qtbot, panel: EvaluatePanel) -> dict:
    with qtbot.waitSignal(panel.evaluated, timeout=TIMEOUT) as blocker:
        qtbot.mouseClick(panel.evaluateButton, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.evaluateButton.isEnabled(), timeout=5000)
    return blocker.args[0]


def test_evaluate_panel_mnist_confusion_and_mistakes(qtbot, mnist_small):
    session = fit(mnist_spec(), mnist_small, 1)
    panel = EvaluatePanel()
    qtbot.addWidget(panel)
    names = [str(i) for i in range(10)]
    panel.set_context(session.model, mnist_small, session.spec, names,
                      mnist_small.x_test.reshape(-1, 28, 28))
    metrics = evaluate(qtbot, panel)

    assert metrics["samples"] == 500 and 0.5 < metrics["accuracy"] <= 1.0
    assert re.fullmatch(r"Test accuracy \d+\.\d\d % · loss \d\.\d+ · 500 samples",
                        panel.testMetricsLabel.text())
    table = panel.confusionMatrix
    assert table.rowCount() == table.columnCount() == 10
    cells = [[int(table.item(i, j).text()) for j in range(10)] for i in range(10)]
    assert sum(map(sum, cells)) == 500
    correct = sum(cells[i][i] for i in range(10))
    assert correct / 500 == pytest.approx(metrics["accuracy"], abs=0.003)
    assert table.verticalHeaderItem(3).text() == "3"
    view = panel.mistakesView
    assert 0 < view.count() <= 60 and view.count() == min(60, 500 - correct)
    assert re.fullmatch(r"true \d → predicted \d \(p=[01]\.\d\d\) · test sample #\d+",
                        view.item(0).toolTip())
    assert not view.item(0).icon().isNull()
    assert not panel.tabs.isTabEnabled(2)  # 784 inputs: no decision boundary


def test_evaluate_panel_decision_boundary_on_2d_data(qtbot, moons):
    spec = NetworkSpec((2,), [dense(16, "tanh"), dense(2, "softmax")],
                       "sparse_categorical_crossentropy", learning_rate=0.02)
    session = fit(spec, moons, 15)
    panel = EvaluatePanel()
    qtbot.addWidget(panel)
    panel.set_context(session.model, moons, spec, ["lower", "upper"], None)
    metrics = evaluate(qtbot, panel)

    assert metrics["accuracy"] > 0.8
    image = panel.boundaryImage.image
    assert image is not None and image.shape == (200, 200, 3)
    assert len(np.unique(panel.report.grid[2])) == 2  # both classes appear on the grid
    assert len(panel.boundaryPoints.data) == len(moons.x_test)
    cm_sum = sum(int(panel.confusionMatrix.item(i, j).text())
                 for i in range(2) for j in range(2))
    assert cm_sum == len(moons.x_test)
    assert panel.tabs.isTabEnabled(2) and panel.tabs.tabText(2) == "Decision boundary"


def test_evaluate_panel_fitted_curve_for_1d_regression(qtbot):
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, (400, 1)).astype(np.float32)
    y = (np.sin(2 * x) + 0.3 * x).astype(np.float32)
    data = Prepared(x[:320], y[:320], x[320:], y[320:], None)
    spec = NetworkSpec((1,), [dense(16, "tanh"), dense(1, "linear")], "mse",
                       kind="regressor", learning_rate=0.01)
    session = fit(spec, data, 2)
    panel = EvaluatePanel()
    qtbot.addWidget(panel)
    panel.set_context(session.model, data, spec, [], None)
    metrics = evaluate(qtbot, panel)

    assert "mae" in metrics and panel.testMetricsLabel.text().startswith("Test MAE ")
    xs, ys = panel.fitCurve.getData()
    assert len(xs) == 400 and np.isfinite(ys).all()
    assert panel.tabs.tabText(2) == "Fitted curve" and not panel.tabs.isTabEnabled(0)
    assert panel.confusionMatrix.rowCount() == 0


def test_garbage_is_collected_in_the_gui_thread_only(qtbot, panel):
    """A worker thread that frees a Qt object can deadlock PySide: collection is the GUI's."""
    import gc

    from PySide6.QtCore import QObject

    assert not gc.isenabled()  # a task runner exists (the panel's)
    freed = []

    class Cyclic(QObject):
        def __init__(self):
            super().__init__()
            self.me = self  # only the cyclic collector frees it

        def __del__(self):
            freed.append(threading.get_ident())

    import threading

    def job(_report, _stop):
        Cyclic()  # garbage now, in the worker
        for _ in range(50_000):  # allocations that would trigger automatic collection
            [[]]  # noqa: B018
        return threading.get_ident()

    done = []
    panel.tasks.submit("garbage", job, on_done=done.append)
    junk = []

    def collected() -> bool:
        # The GUI thread allocates while it waits, as a live window does: the timer collects
        # only past the generation-0 threshold, and the job's own allocations net to zero
        # (this waited forever when earlier tests had just reset the counts).
        junk.append([[] for _ in range(100)])
        return bool(done and freed)

    qtbot.waitUntil(collected, timeout=20_000)
    assert freed == [threading.main_thread().ident] and done[0] != freed[0]
