"""An opened model's learning-rate plot shows its past rates: saved per epoch with the
session's history (a student saw it empty after reopening), and derived from the settings'
constant rate and live changes for a file from before, which its title says."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from nngui.core.files.project import load_project, save_project
from nngui.gui.training.live_titles import LR_DERIVED_TITLE, LR_TITLE

TIMEOUT = 60_000


def _train_with_a_change(window, qtbot) -> int:
    """Four epochs: the first (one to three) at the preset's rate, then the rate set to 0.003
    while paused; returns how many ran at the preset's."""
    from dataclasses import replace

    window.apply_preset("mlp-2-4-2")
    qtbot.waitUntil(lambda: window.data.dataset.name == "circles", timeout=TIMEOUT)
    window.builder.set_config(replace(window.builder.config(), epochs=4))
    t = window.training

    def held_after(act) -> tuple:
        with qtbot.waitSignal(t.runPaused, timeout=TIMEOUT) as paused:
            act()
        return tuple(paused.args)

    def train_and_pause():
        qtbot.mouseClick(t.trainButton, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(t.live.pauseButton, Qt.MouseButton.LeftButton)

    assert held_after(train_and_pause) == (0, 0)
    t.live.set_step_unit("epoch")
    # whole epochs at the preset's rate (the fast path for small data steps by its calls)
    at = held_after(lambda: qtbot.mouseClick(t.live.stepButton, Qt.MouseButton.LeftButton))
    assert at[1] == 0 and 1 <= at[0] <= 3
    t.live.liveLearningRate.setValue(0.003)
    with qtbot.waitSignal(t.runFinished, timeout=TIMEOUT):
        qtbot.mouseClick(t.live.pauseButton, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.tasks.running(), timeout=TIMEOUT)
    return at[0]


def _rates_shown(window, qtbot) -> tuple[np.ndarray, np.ndarray, str]:
    window.tabs.setCurrentWidget(window.pages.watch)
    live = window.pages.watch.live
    qtbot.waitUntil(lambda: live._lr_curve.getData()[0] is not None and
                    len(live._lr_curve.getData()[0]) > 0, timeout=TIMEOUT)
    xs, ys = live._lr_curve.getData()
    return xs, ys, live.lrPlot.getPlotItem().titleLabel.text


def test_reopened_rates_are_the_measured_ones(window, qtbot, tmp_path, open_and_wait):
    k = _train_with_a_change(window, qtbot)
    start = window.work.session.spec.lr
    saved = list(window.work.session.history["learning_rate"])
    assert saved == [pytest.approx(start)] * k + [pytest.approx(0.003)] * (4 - k)
    assert window.save_project_to(tmp_path / "p.nngui")
    window.apply_preset("xor-3-4-1")
    assert open_and_wait(window, tmp_path / "p.nngui")
    xs, ys, title = _rates_shown(window, qtbot)
    np.testing.assert_allclose(xs, [1, 2, 3, 4])
    np.testing.assert_allclose(ys, saved, rtol=1e-6)
    assert title == LR_TITLE and window.pages.watch.live.lrPlot.toolTip() == ""

    older = load_project(tmp_path / "p.nngui")  # as a file from before the rates were kept
    del older.history["learning_rate"]
    for run in older.runs:  # nor did its runs
        run["history"].pop("learning_rate", None)
    save_project(older, tmp_path / "old.nngui")
    window.tabs.setCurrentWidget(window.training)
    window.apply_preset("xor-3-4-1")
    assert open_and_wait(window, tmp_path / "old.nngui")
    xs, ys, title = _rates_shown(window, qtbot)
    np.testing.assert_allclose(xs, [1, 2, 3, 4])
    np.testing.assert_allclose(ys, [start] * k + [0.003] * (4 - k), rtol=1e-6)
    assert title == LR_DERIVED_TITLE  # said: from the settings, not measured
    assert "kept no learning rates" in window.pages.watch.live.lrPlot.toolTip()
