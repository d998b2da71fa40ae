"""Every network's run fills the Watch tab's weight statistics and test curve, not only a
classifier's: after a 2-D autoencoder had trained, its Weights · gradients view still said
"Train a network to see how each layer's weights spread out…" over empty plots."""

from __future__ import annotations

import pytest

from nngui.gui.training.stats import WAITING_NOTE


@pytest.mark.parametrize("preset", ["ae-2d", "regression-1-32-32-1"])
def test_a_run_of_any_network_fills_the_weight_statistics(window, qtbot, preset) -> None:
    window.apply_preset(preset)
    qtbot.waitUntil(lambda: window.data.dataset is not None and not window.data.is_loading(),
                    timeout=30000)
    window.builder.set_config(window.builder.config().__class__(
        epochs=2, batch_size=64, validation_split=0.1))
    window.build_all_pages()
    watch = window.watch
    window.tabs.setCurrentWidget(watch)
    watch.views.setCurrentWidget(watch.stats)
    with qtbot.waitSignal(window.training.runFinished, timeout=120000) as blocker:
        assert window.train()
    assert blocker.args[0].reason == "finished"
    stats = watch.stats
    qtbot.waitUntil(lambda: len(stats.epochs) == 2 and stats.note.text() != WAITING_NOTE,
                    timeout=10000)
    assert len(stats.layers) >= 2 and len(stats.norms[-1]) == len(stats.layers)
    (run,) = window.projects.state.runs
    assert len(run.history.get("test_loss", [])) == 2  # its test curve, as a classifier's
