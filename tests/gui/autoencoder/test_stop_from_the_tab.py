"""An autoencoder's run started from the Autoencoder tab (the lesson's Train button works
there) can be stopped there: its progress bar had no Stop beside it, and the student had to
find the Train tab to end a 30-epoch run."""

from __future__ import annotations

from PySide6.QtCore import Qt


def test_stop_beside_the_progress_ends_the_run(window, qtbot) -> None:
    window.apply_preset("ae-2d")
    qtbot.waitUntil(lambda: window.data.dataset is not None and not window.data.is_loading(),
                    timeout=30000)
    cfg = window.builder.config()
    cfg.epochs, cfg.batch_size = 500, 64
    window.builder.set_config(cfg)
    window.show()
    panel = window.pages.autoencoder
    window.tabs.setCurrentWidget(panel)
    assert not panel.stopButton.isVisible()  # no run, no Stop
    epochs: list[int] = []
    window.training.epochEnded.connect(lambda e, _logs: epochs.append(e))
    with qtbot.waitSignal(window.training.runStarted, timeout=30000):
        assert window.train()
    assert window.tabs.currentWidget() is panel  # the run shows its progress here
    qtbot.waitUntil(lambda: len(epochs) >= 1, timeout=60000)
    assert panel.stopButton.isVisible() and panel.stopButton.isEnabled()
    with qtbot.waitSignal(window.training.runFinished, timeout=60000) as blocker:
        qtbot.mouseClick(panel.stopButton, Qt.MouseButton.LeftButton)
    assert blocker.args[0].reason == "stopped" and len(epochs) < 500
    assert not panel.stopButton.isVisible() and not panel.runProgress.isVisible()
