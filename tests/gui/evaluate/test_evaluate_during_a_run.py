"""Evaluate pressed while a network's first run goes on: the run has not handed its model over
yet, and the tab said "Train the network first" (a student who had just pressed Train read
that nothing was training). It says the network is training, and asks to train only when
nothing is."""

from __future__ import annotations

import threading

from nngui.gui.common.tasks import TaskRunner
from nngui.gui.evaluate.panel import TRAINING_TEXT, EvaluatePanel


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


def test_the_tabs_stay_put_while_the_headline_changes(qtbot) -> None:
    """In the column beside the Lessons dock (1366x768) "Press Evaluate to measure…" takes
    three lines and "Train the network first…" two: the tabs under them moved 23 px up, and
    down again with the next text, under the pointer. In a wide window no empty band is
    kept."""
    panel = EvaluatePanel(TaskRunner())
    qtbot.addWidget(panel)
    panel.resize(362, 600)  # the Evaluate column at 1366x768 with the Lessons dock
    panel.show()
    qtbot.waitExposed(panel)
    label = panel.testMetricsLabel
    assert label.text().startswith("Press Evaluate")
    laid_out = lambda: panel.tabs.y() > label.geometry().bottom()  # noqa: E731
    qtbot.waitUntil(lambda: laid_out() and label.height() >= label.heightForWidth(label.width()))
    tabs_at = panel.tabs.y()
    button_at = panel.evaluateButton.y()
    assert not panel.evaluate()  # a shorter text
    assert panel.testMetricsLabel.text().startswith("Train the network first")
    qtbot.wait(50)  # the layout's turn
    assert laid_out()
    assert panel.tabs.y() == tabs_at
    assert panel.evaluateButton.y() == button_at
    narrow = label.height()
    panel.resize(1100, 600)
    qtbot.waitUntil(lambda: label.width() > 900)
    qtbot.waitUntil(lambda: label.height() < narrow)  # one line's room, not three
