"""Evaluate speaks of the network in the builder: a new network (a preset, a lesson's Set up)
leaves no test accuracy of the one before beside it."""

from __future__ import annotations


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
    assert ev.testMetricsLabel.text().startswith("Press Evaluate")
    assert not ev.evaluate()  # nothing to evaluate until it is trained
    assert "Train the network first" in ev.testMetricsLabel.text()
