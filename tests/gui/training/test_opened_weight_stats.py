"""An opened model's Weights · gradients view shows its layers' weights (a job computes them
once, as the other Watch views of a model not trained here): it said "Train a network to see
how each layer's weights spread out…" of the trained network just opened."""

from __future__ import annotations

from dataclasses import replace

import pytest

from nngui.gui.training.stats import WAITING_NOTE
from nngui.gui.window.main_window import MainWindow


@pytest.mark.parametrize("preset", ["xor-2-4-1", "regression-1-32-32-1"])
def test_an_opened_models_weights_are_shown(window, qtbot, tmp_path, open_and_wait,
                                            preset) -> None:
    window.apply_preset(preset)
    qtbot.waitUntil(lambda: window.data.dataset is not None and not window.data.is_loading(),
                    timeout=30000)
    window.builder.set_config(replace(window.builder.config(), epochs=5))
    with qtbot.waitSignal(window.training.runFinished, timeout=60000):
        assert window.train()
    qtbot.waitUntil(lambda: not window.tasks.is_held(window.session.model), timeout=60000)
    path = tmp_path / "trained.nngui"
    assert window.save_project_to(path)

    fresh = MainWindow()
    qtbot.addWidget(fresh)
    qtbot.waitUntil(lambda: fresh.data.dataset is not None, timeout=30000)
    assert open_and_wait(fresh, path)
    qtbot.waitUntil(lambda: not fresh.data.is_loading(), timeout=30000)
    watch = fresh.pages.watch
    fresh.tabs.setCurrentWidget(watch)
    stats = watch.stats
    qtbot.waitUntil(lambda: stats.epochs == [4], timeout=30000)  # the model as saved
    assert len(stats.layers) == len(fresh.session.spec.layers)
    assert stats.note.text() != WAITING_NOTE
    qtbot.waitUntil(lambda: not fresh.tasks.running(), timeout=30000)
    fresh.tabs.setCurrentWidget(fresh.training)  # shown again: nothing is computed twice
    fresh.tabs.setCurrentWidget(watch)
    assert not fresh.tasks.running() and stats.epochs == [4]
