"""The Train tab's hands on a run: Pause, Step (one batch, one epoch), Resume, Stop while
paused, and the learning rate changed while it trains (applied at the next batch, marked on
the loss curve, kept in the session). Real small Keras runs on the task runner."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from nngui.core.data.adapt import Prepared
from nngui.core.network.spec import LayerSpec, NetworkSpec, TrainConfig
from nngui.core.training.controls import Change
from nngui.core.training.session import RunRequest, Session
from nngui.gui.training.panel import TrainingPanel

TIMEOUT = 60_000


@pytest.fixture(scope="module")
def digits(mnist_path) -> Prepared:
    with np.load(mnist_path) as f:
        x = f["x_train"][:640].reshape(-1, 784).astype(np.float32) / 255
        y = f["y_train"][:640].astype(np.int64)
    return Prepared(x, y, x[:100], y[:100], y[:100].copy())


def _spec(**kw) -> NetworkSpec:
    return NetworkSpec((784,), [LayerSpec("Dense", {"units": 16, "activation": "relu"}),
                                LayerSpec("Dense", {"units": 10, "activation": "softmax"})],
                       "sparse_categorical_crossentropy", **kw)


@pytest.fixture
def panel(qtbot) -> TrainingPanel:
    p = TrainingPanel()
    qtbot.addWidget(p)
    p.resize(1000, 480)
    yield p
    p.shutdown()


def _start(panel: TrainingPanel, session: Session, data: Prepared, cfg: TrainConfig) -> None:
    panel.trainRequested.connect(
        lambda restart: panel.start(RunRequest(session, data, cfg, restart)))


def _click(qtbot, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _paused_at(qtbot, panel, act) -> tuple[int, int]:
    with qtbot.waitSignal(panel.runPaused, timeout=TIMEOUT) as blocker:
        act()
    return tuple(blocker.args)


def test_pause_step_resume_and_stop_while_paused(qtbot, panel, digits):
    session = Session(_spec(optimizer="sgd", learning_rate=0.05))
    # one batch a call: Keras' fit path (640 samples would take the fast path otherwise)
    cfg = TrainConfig(epochs=200, batch_size=32, seed=0, device="cpu", steps_per_execution=1,
                      validation_split=0.0)
    _start(panel, session, digits, cfg)
    live = panel.live
    assert not live.pauseButton.isEnabled() and not live.stepButton.isEnabled()

    def train_and_pause():
        _click(qtbot, panel.trainButton)
        _click(qtbot, live.pauseButton)

    assert _paused_at(qtbot, panel, train_and_pause) == (0, 0)
    assert live.pauseButton.text() == "Resume"
    assert panel.trainingStatus.text().startswith("Paused at epoch 1, batch 0 of 20")
    assert panel.trainingProgress.text().endswith("paused")

    live.set_step_unit("batch")
    assert _paused_at(qtbot, panel, lambda: _click(qtbot, live.stepButton)) == (0, 1)
    assert _paused_at(qtbot, panel, lambda: _click(qtbot, live.stepButton)) == (0, 2)
    assert panel.trainingStatus.text().startswith("Paused at epoch 1, batch 2 of 20")
    live.stepActions["epoch"].trigger()  # as the menu does
    assert _paused_at(qtbot, panel, lambda: _click(qtbot, live.stepButton)) == (1, 0)
    assert session.epochs_done == 0 and panel.is_running()  # held, not ended

    with qtbot.waitSignal(panel.runResumed, timeout=TIMEOUT):
        _click(qtbot, live.pauseButton)  # Resume
    assert live.pauseButton.text() == "Pause"
    assert _paused_at(qtbot, panel, lambda: _click(qtbot, live.pauseButton))[0] >= 1

    with qtbot.waitSignal(panel.runFinished, timeout=TIMEOUT) as blocker:
        _click(qtbot, panel.stopButton)  # Stop still works while paused
    assert blocker.args[0].reason == "stopped"
    assert not live.pauseButton.isEnabled() and live.pauseButton.text() == "Pause"


def test_a_learning_rate_change_lands_is_marked_and_kept(qtbot, panel, digits):
    from nngui.gui.training.run_list import RunsPanel

    session = Session(_spec(optimizer="sgd", learning_rate=0.05))
    cfg = TrainConfig(epochs=200, batch_size=32, seed=0, device="cpu", steps_per_execution=1,
                      validation_split=0.0)
    runs = RunsPanel(panel, lambda spec: None, lambda: session.spec, lambda: cfg)
    qtbot.addWidget(runs)
    _start(panel, session, digits, cfg)
    live = panel.live

    def train_and_pause():
        _click(qtbot, panel.trainButton)
        _click(qtbot, live.pauseButton)

    _paused_at(qtbot, panel, train_and_pause)
    assert live.liveLearningRate.isEnabled() and live.liveLearningRate.value() == 0.05
    assert not live.liveMomentum.isEnabled()  # this SGD has no momentum
    live.set_step_unit("batch")
    _paused_at(qtbot, panel, lambda: _click(qtbot, live.stepButton))  # held before batch 1
    with qtbot.waitSignal(panel.changeApplied, timeout=TIMEOUT) as blocker:
        live.liveLearningRate.setValue(0.3)
        _click(qtbot, live.stepButton)
    assert blocker.args[0] == Change(0, 1, "learning_rate", 0.3, 20)
    lines = panel.marks.lines()
    assert len(lines) == 1 and lines[0].value() == pytest.approx(1 / 20)
    assert lines[0] in panel.lossPlot.getPlotItem().items
    with qtbot.waitSignal(panel.runFinished, timeout=TIMEOUT):
        _click(qtbot, panel.stopButton)
    assert session.changes == [Change(0, 1, "learning_rate", 0.3, 20)]
    assert runs.records[-1].settings["live_changes"] == "lr 0.3 at epoch 1 batch 2"
    assert float(session.model.optimizer.learning_rate.numpy()) == pytest.approx(0.3)
    assert not live.liveLearningRate.isEnabled()  # no run to change

    panel.set_session(None)
    assert panel.marks.lines() == []
    panel.set_session(session)  # e.g. an opened project: its marks come back
    assert [ln.value() for ln in panel.marks.lines()] == [pytest.approx(1 / 20)]


def test_a_decayed_rate_cannot_be_set_by_hand(qtbot, panel, digits):
    session = Session(_spec(optimizer="sgd", learning_rate=0.05,
                            optimizer_params={"momentum": 0.5, "nesterov": False,
                                              "decay": 0.01}))
    cfg = TrainConfig(epochs=200, batch_size=32, seed=0, device="cpu", steps_per_execution=1,
                      validation_split=0.0)
    _start(panel, session, digits, cfg)

    def train_and_pause():
        _click(qtbot, panel.trainButton)
        _click(qtbot, panel.live.pauseButton)

    _paused_at(qtbot, panel, train_and_pause)
    assert not panel.live.liveLearningRate.isEnabled()
    assert "decay" in panel.live.liveLearningRate.toolTip()
    assert panel.live.liveMomentum.isEnabled() and panel.live.liveMomentum.value() == 0.5
    with qtbot.waitSignal(panel.runFinished, timeout=TIMEOUT):
        _click(qtbot, panel.stopButton)


def test_the_lr_box_shows_the_rate_the_run_starts_with(qtbot):
    """The box showed the session's last live change (0.01) while a run trained at the
    builder's new rate; the run's "values" (read from its optimizer) now set it, without
    asking the run for a change."""
    from nngui.gui.training.live_controls import LiveControls

    live = LiveControls()
    qtbot.addWidget(live)
    live.show_values(_spec(optimizer="sgd", learning_rate=0.2), TrainConfig(),
                     {"learning_rate": 0.01})
    assert live.liveLearningRate.value() == pytest.approx(0.01)  # before the run begins

    class Asked:  # a run's controls, as far as the box uses them
        paused = False

        def __init__(self):
            self.requests = []

        def request(self, name, value):
            self.requests.append((name, value))
            return ""

    asked = Asked()
    live.controls = asked
    live.on_event("values", {"learning_rate": 0.2})
    assert live.liveLearningRate.value() == pytest.approx(0.2)
    assert asked.requests == []  # shown, not asked for
