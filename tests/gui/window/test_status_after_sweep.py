"""After a sweep, the Train tab shows the builder's network again with how its own run
ended: it said "Trained 150 epochs. (saved with the project.)" of a run in an untitled
project that had never been saved."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt


def test_the_status_after_a_sweep_tells_the_run_as_it_ended(window, qtbot, tmp_path,
                                                            open_and_wait) -> None:
    window.apply_preset("xor-2-4-1")
    qtbot.waitUntil(lambda: window.data.dataset is not None and not window.data.is_loading(),
                    timeout=30000)
    window.builder.set_config(replace(window.builder.config(), epochs=20))
    with qtbot.waitSignal(window.training.runFinished, timeout=60000):
        assert window.train()
    status = window.training.trainingStatus
    assert status.text().startswith("Trained 20 epochs.")
    runs = window.watch.runs
    with qtbot.waitSignal(runs.sweepFinished, timeout=120000):
        qtbot.mouseClick(runs.lrSweepButton, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.training.session is window.session, timeout=10000)
    qtbot.waitUntil(lambda: status.text().startswith("Trained 20 epochs."), timeout=10000)
    assert "saved" not in status.text()

    # a project opened as it was saved still says so: its run is not this window's
    assert window.save_project_to(tmp_path / "x.nngui")
    window.apply_preset("xor-3-4-1")
    assert open_and_wait(window, tmp_path / "x.nngui")
    qtbot.waitUntil(lambda: "saved with the project" in status.text(), timeout=10000)
