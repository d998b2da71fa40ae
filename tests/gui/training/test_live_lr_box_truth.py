"""The Train tab's greyed LR box says what the next run starts with (a student saw it say the
last run's live value while the next run would start with the builder's), and a rate asked for
before the run's first batch is not overwritten by the run's starting values."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

TIMEOUT = 60_000


def _live_run(window, qtbot, value: float, before_pause: bool = False) -> None:
    """Train, set the LR box to ``value`` (while paused; or at once, before the run's first
    batch can have begun, with ``before_pause``), let the run end."""
    t = window.training
    with qtbot.waitSignal(t.runStarted, timeout=TIMEOUT):
        qtbot.mouseClick(t.trainButton, Qt.MouseButton.LeftButton)
    if before_pause:  # the run is still compiling: its "values" come after this ask
        t.live.liveLearningRate.setValue(value)
    with qtbot.waitSignal(t.runPaused, timeout=TIMEOUT):
        qtbot.mouseClick(t.live.pauseButton, Qt.MouseButton.LeftButton)
    if not before_pause:
        t.live.liveLearningRate.setValue(value)
    with qtbot.waitSignal(t.runFinished, timeout=TIMEOUT):
        qtbot.mouseClick(t.live.pauseButton, Qt.MouseButton.LeftButton)  # Resume
    qtbot.waitUntil(lambda: not window.tasks.is_held(window.work.session), timeout=TIMEOUT)


def test_the_idle_lr_box_shows_what_the_next_run_starts_with(window, qtbot) -> None:
    window.apply_preset("mlp-2-4-2")
    qtbot.waitUntil(lambda: window.data.dataset.name == "circles", timeout=TIMEOUT)
    box = window.training.live.liveLearningRate
    start = window.work.session.spec.lr
    assert box.value() == pytest.approx(start) and not box.isEnabled()
    _live_run(window, qtbot, 0.003)
    assert window.work.session.changes[-1].value == pytest.approx(0.003)
    assert box.value() == pytest.approx(0.003)  # Train continues at the live rate
    # the run's name (run list, its plot's legend) says the rate changed, not 'lr 0.05' alone
    record = window.pages.watch.runs.records[-1]
    assert record.name.endswith(f"adam lr {start:g}→0.003"), record.name
    row = window.pages.watch.runs.runList.topLevelItem(0)
    assert "→0.003" in row.text(0)
    spin = window.builder.findChild(type(box), "learningRateSpin")
    spin.setValue(0.1)  # the builder's new rate: the next run compiles with it
    qtbot.waitUntil(lambda: window.work.session.spec.lr == pytest.approx(0.1), timeout=5000)
    assert box.value() == pytest.approx(0.1) and not box.isEnabled()
    seen = []
    window.training.live.liveLearningRate.valueChanged.connect(seen.append)
    qtbot.waitUntil(lambda: not window.tasks.running(), timeout=TIMEOUT)
    with qtbot.waitSignal(window.training.runFinished, timeout=TIMEOUT):
        assert window.train()
    assert seen == []  # the run started with what the box said: nothing to correct


def test_a_rate_asked_for_while_the_run_compiles_stays_in_the_box(window, qtbot) -> None:
    window.apply_preset("mlp-2-4-2")
    qtbot.waitUntil(lambda: window.data.dataset.name == "circles", timeout=TIMEOUT)
    _live_run(window, qtbot, 0.004, before_pause=True)
    assert window.work.session.changes[0].value == pytest.approx(0.004)
    assert window.training.live.liveLearningRate.value() == pytest.approx(0.004)
