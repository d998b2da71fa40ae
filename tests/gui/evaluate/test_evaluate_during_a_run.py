"""Evaluate pressed while a network's first run goes on: the run has not handed its model over
yet, and the tab said "Train the network first" (a student who had just pressed Train read
that nothing was training). It says the network is training, and asks to train only when
nothing is."""

from __future__ import annotations

import threading

from nngui.core.network.spec import LayerSpec, NetworkSpec
from nngui.gui.common.tasks import TaskRunner
from nngui.gui.evaluate.panel import NO_DATA_TEXT, TRAINING_TEXT, EvaluatePanel


def test_evaluate_during_the_first_run_says_it_is_training(qtbot) -> None:
    tasks = TaskRunner()
    panel = EvaluatePanel(tasks)
    qtbot.addWidget(panel)
    release = threading.Event()
    run = tasks.submit("train", lambda _report, _stop: release.wait(30))
    assert run is not None
    try:
        assert not panel.evaluate()  # no model yet: its run holds it until it ends
        assert panel.testMetricsLabel.text() == TRAINING_TEXT
        assert "Train the network first" not in panel.testMetricsLabel.text()
    finally:
        release.set()
    qtbot.waitUntil(lambda: not tasks.running(), timeout=30_000)
    assert not panel.evaluate()  # nothing trains and nothing was trained
    assert panel.testMetricsLabel.text().startswith("Train the network first")


def _spec() -> NetworkSpec:
    return NetworkSpec((2,), [LayerSpec("Dense", {"units": 1, "activation": "sigmoid"})],
                       "binary_crossentropy", "adam", 0.01)


def test_the_tabs_stay_put_while_the_headline_changes(qtbot) -> None:
    """In the column beside the Lessons dock (1366x768) "Train the network first…" takes
    two lines and "Press Evaluate to measure…" three: the tabs under them moved 23 px, and
    back again with the next text, under the pointer. In a wide window no empty band is
    kept."""
    panel = EvaluatePanel(TaskRunner())
    qtbot.addWidget(panel)
    panel.resize(362, 600)  # the Evaluate column at 1366x768 with the Lessons dock
    panel.show()
    qtbot.waitExposed(panel)
    label = panel.testMetricsLabel
    assert label.text().startswith("Train the network first")  # no model yet
    laid_out = lambda: panel.tabs.y() > label.geometry().bottom()  # noqa: E731
    qtbot.waitUntil(lambda: laid_out() and label.height() >= label.heightForWidth(label.width()))
    tabs_at = panel.tabs.y()
    button_at = panel.evaluateButton.y()
    panel.set_context(object(), object(), _spec(), ["0", "1"])  # a model: a longer text
    assert panel.testMetricsLabel.text().startswith("Press Evaluate")
    qtbot.wait(50)  # the layout's turn
    assert laid_out()
    assert panel.tabs.y() == tabs_at
    assert panel.evaluateButton.y() == button_at
    narrow = label.height()
    panel.resize(1100, 600)
    qtbot.waitUntil(lambda: label.width() > 900)
    qtbot.waitUntil(lambda: label.height() < narrow)  # one line's room, not three


def test_a_trained_network_without_data_is_not_told_to_train(qtbot) -> None:
    """A network with weights (an opened project) whose data is not there yet: the headline
    and the boundary plot ask for the data, not for training (the headline said "Press
    Evaluate…", the press "Train the network first")."""
    panel = EvaluatePanel(TaskRunner())
    qtbot.addWidget(panel)
    panel.set_context(None, None, _spec(), [], trained=True)
    assert panel.testMetricsLabel.text() == NO_DATA_TEXT
    assert panel.boundaryEmpty.reason == "Choose the data, then evaluate it"
    assert not panel.evaluate()
    assert panel.testMetricsLabel.text() == NO_DATA_TEXT
    panel.set_context(None, None, _spec(), [])  # a new network: untrained
    assert panel.testMetricsLabel.text().startswith("Train the network first")
