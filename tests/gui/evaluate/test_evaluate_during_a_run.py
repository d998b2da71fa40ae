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
