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


def test_a_run_stopped_in_its_first_epoch_is_not_called_0_epochs(window, qtbot) -> None:
    """Stopped in epoch 1, the tab showed 'ae_2d, trained here (0 epochs)' over digits the
    stopped part had trained it to rebuild."""
    window.apply_preset("ae-2d")
    qtbot.waitUntil(lambda: window.data.dataset is not None and not window.data.is_loading(),
                    timeout=30000)
    cfg = window.builder.config()
    cfg.epochs, cfg.batch_size, cfg.steps_per_execution = 3, 4, 1
    window.builder.set_config(cfg)
    panel = window.pages.autoencoder
    window.tabs.setCurrentWidget(panel)
    stopped: list[int] = []

    def stop_in_epoch_1(epoch: int, step: int) -> None:
        if epoch == 0 and step > 10 and not stopped:
            stopped.append(step)
            window.training.stop()

    window.training.batchesArrived.connect(stop_in_epoch_1)
    with qtbot.waitSignal(panel.analyzed, timeout=120000):
        with qtbot.waitSignal(window.training.runFinished, timeout=120000) as blocker:
            assert window.train()
    assert blocker.args[0].reason == "stopped" and window.session.epochs_done == 0
    assert panel.modelLabel.text().endswith("trained here (part of epoch 1)")
