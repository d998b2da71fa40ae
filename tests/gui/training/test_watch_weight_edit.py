"""The Watch tab's weight editor: a dragged weight changes the model (its prediction as Keras
computes it), the boundary is recomputed by a job that holds the session, and Reset puts the
trained value back exactly. Also the window wires it: the tab is there and bound."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from nngui.core.insight import weight_edit as core
from nngui.core.insight.probes import BoundaryProbe
from nngui.core.model.builder import build_model, compile_model
from nngui.core.network.spec import LayerSpec, NetworkSpec
from nngui.core.training.session import Session
from nngui.gui.common.tasks import TaskRunner
from nngui.gui.training.weight_edit import WeightEditView

TIMEOUT = 60_000


def _session(hidden: int = 3) -> tuple[Session, np.ndarray, np.ndarray]:
    spec = NetworkSpec((2,), [LayerSpec("Dense", {"units": hidden, "activation": "tanh"}),
                              LayerSpec("Dense", {"units": 1, "activation": "sigmoid"})],
                       "binary_crossentropy", "adam", 0.01)
    session = Session(spec)
    session.model = compile_model(build_model(spec, 0), spec)
    session.epochs_done = 1
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (60, 2)).astype(np.float32)
    y = (x[:, 0] * x[:, 1] > 0).astype(np.int64)
    return session, x, y


def _numpy_predict(weights: list[np.ndarray], x: np.ndarray) -> np.ndarray:
    h = np.tanh(x @ weights[0][:-1] + weights[0][-1])
    return 1 / (1 + np.exp(-(h @ weights[1][:-1] + weights[1][-1])))


@pytest.fixture
def editor(qtbot):
    view = WeightEditView()
    qtbot.addWidget(view)
    view.resize(700, 480)
    tasks = TaskRunner(view)
    yield view, tasks
    tasks.shutdown()


def _drag(qtbot, graph, layer, i, j, up_px):
    start = graph.edge_middle(layer, i, j).toPoint()
    qtbot.mousePress(graph, Qt.MouseButton.LeftButton, pos=start)
    for k in range(1, 5):
        qtbot.mouseMove(graph, QPoint(start.x(), start.y() - up_px * k // 4))
    qtbot.mouseRelease(graph, Qt.MouseButton.LeftButton,
                       pos=QPoint(start.x(), start.y() - up_px))


def test_a_dragged_weight_changes_the_keras_prediction_and_reset_restores_it(qtbot, editor):
    view, tasks = editor
    session, x, y = _session()
    model = session.model
    probes = [BoundaryProbe(x, y, x, y, resolution=16)]
    shown: list[tuple[str, int]] = []
    with qtbot.waitSignal(view.loaded, timeout=TIMEOUT):
        view.bind(tasks, lambda: (session, probes, x, y),
                  lambda name, epoch, _payload: shown.append((name, epoch)))
        view.show()
    before = np.asarray(model.predict(x, verbose=0))
    trained = [w.copy() for w in core.matrices(model)]
    assert view.graph.editable and not view.resetButton.isEnabled()
    assert view.graph.state.labels == [["x1", "x2", "1"], ["h1", "h2", "h3", "1"], ["ŷ"]]

    _drag(qtbot, view.graph, 1, 1, 0, 40)  # h2 → ŷ, up: more
    qtbot.waitUntil(view.is_idle, timeout=TIMEOUT)

    now = core.matrices(model)
    assert now[1][1, 0] > trained[1][1, 0] + 0.5
    assert now[1][1, 0] == pytest.approx(view.graph.state.weights[1][1, 0])
    after = np.asarray(model.predict(x, verbose=0))
    assert np.abs(after - before).max() > 1e-3  # Keras' own prediction moved
    np.testing.assert_allclose(after, _numpy_predict(now, x), rtol=1e-4, atol=1e-5)
    assert ("boundary", 0) in shown  # the boundary and tiles were recomputed by the job
    assert view.resetButton.isEnabled() and "1 weight changed by hand" in view.note.text()
    assert "(trained:" in view.note.text()

    _drag(qtbot, view.graph, 0, 2, 0, -30)  # the bias of h1, down
    qtbot.waitUntil(view.is_idle, timeout=TIMEOUT)
    assert core.matrices(model)[0][2, 0] < trained[0][2, 0]
    assert "2 weights changed by hand" in view.note.text()

    with qtbot.waitSignal(view.edited, timeout=TIMEOUT):
        qtbot.mouseClick(view.resetButton, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(view.is_idle, timeout=TIMEOUT)
    for a, b in zip(core.matrices(model), trained, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(np.asarray(model.predict(x, verbose=0)), before)
    assert not view.resetButton.isEnabled()


def test_a_large_network_says_why_it_cannot_be_edited(qtbot, editor):
    view, tasks = editor
    session, x, y = _session(hidden=65)
    view.show()
    view.bind(tasks, lambda: (session, [], x, y), lambda *a: None)
    assert "65 hidden units (at most 64)" in view.note.text()
    assert view.graph.state is None and not view.graph.editable


def test_the_watch_tab_has_the_editor_bound(qtbot, window):
    """The window binds the editor to its session: with no trained network it says so in
    the window's words (an unbound editor keeps its own first words)."""
    window.show()
    qtbot.waitExposed(window)
    window.tabs.setCurrentWidget(window.pages.watch)
    watch = window.pages.watch
    assert watch.findChild(WeightEditView, "weightEditView") is watch.edit
    watch.views.setCurrentWidget(watch.edit)
    qtbot.waitUntil(lambda: "small classifier" in watch.edit.note.text(), timeout=TIMEOUT)


def test_a_paused_run_takes_a_dragged_weight_through_its_controls(qtbot, digits_2d):
    """While a run is paused its thread holds the model: the editor sends the drag through
    the run's Controls, the thread sets it (the probes see it), and the run goes on from it."""
    from nngui.gui.training.panel import TrainingPanel

    session, x, y = digits_2d
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    try:
        _paused_edit(qtbot, panel, session, x, y)
    finally:
        panel.shutdown()  # a failed check leaves no paused run behind


def _paused_edit(qtbot, panel, session, x, y):
    from nngui.core.network.spec import TrainConfig
    from nngui.core.training.session import RunRequest
    from nngui.gui.training.watch import WatchPanel

    watch = WatchPanel(panel, lambda spec: None, lambda: session.spec, TrainConfig)
    qtbot.addWidget(watch)
    watch.resize(900, 600)
    watch.show()
    watch.views.setCurrentWidget(watch.edit)
    probes = [BoundaryProbe(x, y, x, y, resolution=12)]
    seen: list[str] = []
    panel.probeArrived.connect(lambda name, epoch, payload: seen.append(name))
    cfg = TrainConfig(epochs=500, batch_size=16, seed=0, device="cpu", steps_per_execution=1,
                      validation_split=0.0)
    with qtbot.waitSignal(watch.edit.edited, timeout=TIMEOUT):  # the paused run's weights
        panel.start(RunRequest(session, _prepared(x, y), cfg, False, probes))
        panel.live.pauseButton.click()
    assert watch.edit.graph.editable
    before = watch.edit.graph.state.weights[1][0, 0]
    seen.clear()
    with qtbot.waitSignal(watch.edit.edited, timeout=TIMEOUT):
        _drag(qtbot, watch.edit.graph, 1, 0, 0, 45)
    qtbot.waitUntil(watch.edit.is_idle, timeout=TIMEOUT)
    shown = watch.edit.graph.state.weights[1][0, 0]
    assert shown > before + 0.5 and "boundary" in seen
    with qtbot.waitSignal(panel.runFinished, timeout=TIMEOUT):
        panel.stop()
    # the stopped run kept what it trained from the edited value (no reset)
    assert abs(core.matrices(session.model)[1][0, 0] - shown) < abs(shown - before)


def _prepared(x, y):
    from nngui.core.data.adapt import Prepared

    return Prepared(x, y.astype(np.float32)[:, None], x, y.astype(np.float32)[:, None],
                    y.copy())


@pytest.fixture
def digits_2d():
    session, x, y = _session()
    return session, x, y


def test_the_boundary_title_says_when_its_weights_were_changed_by_hand(qtbot, editor):
    """The boundary an edit recomputes is no longer the trained epoch's: its title said
    "epoch 500" over a hand-edited network until the student pressed Reset."""
    from nngui.gui.training.live import LivePanel

    view, tasks = editor
    live = LivePanel()
    qtbot.addWidget(live)
    session, x, y = _session()
    probes = [BoundaryProbe(x, y, x, y, resolution=16)]

    def title() -> str:
        live._redraw(every=True)
        return live.boundaryPlot.getPlotItem().titleLabel.text

    with qtbot.waitSignal(view.loaded, timeout=TIMEOUT):
        view.bind(tasks, lambda: (session, probes, x, y), live.show_probe)
        view.show()
    qtbot.waitUntil(lambda: title() == "Decision boundary · epoch 1", timeout=TIMEOUT)

    _drag(qtbot, view.graph, 1, 1, 0, 40)
    qtbot.waitUntil(view.is_idle, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: title() == "Decision boundary · epoch 1, edited", timeout=TIMEOUT)

    with qtbot.waitSignal(view.edited, timeout=TIMEOUT):
        qtbot.mouseClick(view.resetButton, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: title() == "Decision boundary · epoch 1", timeout=TIMEOUT)
