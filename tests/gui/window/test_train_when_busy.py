"""Train pressed while a short job (an evaluation, the Watch views) holds the network: the
click is kept and the run starts once the job lets go, instead of a "Busy" box to dismiss
(a click just after opening a project met the Watch views of the opened network)."""

from __future__ import annotations

import threading

from PySide6.QtCore import QPoint, Qt


def test_train_while_a_job_holds_the_network_starts_once_it_is_free(window, qtbot, messages):
    window.apply_preset("xor-2-4-1")
    qtbot.waitUntil(lambda: not window.data.is_loading(), timeout=30000)
    gate = threading.Event()
    held = window.tasks.submit("evaluate", lambda _r, _s: gate.wait(60),
                               holds=(window.session,))
    assert held is not None and window.tasks.is_held(window.session)
    said = []
    window.statusBar().messageChanged.connect(said.append)
    started = []
    window.training.runStarted.connect(lambda *a: started.append(a))
    button = window.training.trainButton
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=QPoint(5, button.height() // 2))
    assert not started and not window.training.is_running()
    assert messages == []  # no box to dismiss
    assert any("training starts as soon as it is free" in s for s in said), said
    with qtbot.waitSignal(window.training.runStarted, timeout=60000):
        gate.set()
    qtbot.waitUntil(lambda: not window.training.is_running(), timeout=60000)
    assert window.session.epochs_done > 0


def test_a_click_for_a_network_replaced_meanwhile_is_dropped(window, qtbot, messages):
    window.apply_preset("xor-2-4-1")
    qtbot.waitUntil(lambda: not window.data.is_loading(), timeout=30000)
    gate = threading.Event()
    old = window.session
    task = window.tasks.submit("evaluate", lambda _r, _s: gate.wait(60), holds=(old,))
    assert task is not None
    assert window.train() is False  # kept for when the job lets go
    window.apply_preset("mlp-2-4-2")  # another network: the click was for the old one
    assert window.session is not old
    started = []
    window.training.runStarted.connect(lambda *a: started.append(a))
    with qtbot.waitSignal(task.finished, timeout=60000):  # released is said before it
        gate.set()
    assert not started and not window.training.is_running()
