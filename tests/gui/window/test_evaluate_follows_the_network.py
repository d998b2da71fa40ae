"""Evaluate speaks of the network in the builder: a new network (a preset, a lesson's Set up)
leaves no test accuracy of the one before beside it."""

from __future__ import annotations

from nngui.gui.evaluate.panel import TRAINING_TEXT, UNTRAINED_TEXT


def test_a_new_network_clears_the_accuracy_of_the_one_before(window, qtbot):
    w = window
    w.apply_preset("xor-2-2-1")
    qtbot.waitUntil(lambda: w.data.dataset is not None and w.data.dataset.name == "xor2"
                    and not w.data.is_loading(), timeout=30000)
    cfg = w.builder.config()
    cfg.epochs = 5
    w.builder.set_config(cfg)
    with qtbot.waitSignal(w.training.runFinished, timeout=120000):
        assert w.train()
    qtbot.waitUntil(lambda: not w.tasks.is_held(w.session.model), timeout=60000)
    ev = w.evaluate
    assert ev.evaluate()
    qtbot.waitUntil(lambda: ev.report is not None and not ev.is_running(), timeout=60000)
    assert "4 samples" in ev.testMetricsLabel.text()

    w.apply_preset("mlp-2-8-2")  # another network (and data): untrained
    qtbot.waitUntil(lambda: w.data.dataset.name != "xor2" and not w.data.is_loading(),
                    timeout=30000)
    assert w.session.model is None
    assert ev.report is None
    assert "4 samples" not in ev.testMetricsLabel.text()
    # before any press, it says what Evaluate would answer: train first (it said "Press
    # Evaluate to measure the network", and the press then said to train it first)
    assert ev.testMetricsLabel.text() == UNTRAINED_TEXT
    assert ev.boundaryEmpty.reason == "Train the network, then evaluate it"
    assert not ev.evaluate()  # nothing to evaluate until it is trained
    assert ev.testMetricsLabel.text() == UNTRAINED_TEXT

    # the lesson's Train pressed with the Evaluate tab in front: it says the network trains
    w.tabs.setCurrentWidget(ev)
    with qtbot.waitSignal(w.training.runFinished, timeout=120000):
        assert w.train()
        assert ev.testMetricsLabel.text() == TRAINING_TEXT
    # the run's end hands its model over and evaluates it
    qtbot.waitUntil(lambda: ev.report is not None and not ev.is_running(), timeout=60000)
    assert "test" in ev.testMetricsLabel.text().lower()
