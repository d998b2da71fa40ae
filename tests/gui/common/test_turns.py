"""Turns: steps one per event-loop turn, the window's input dropped until the last one."""

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QMainWindow, QPushButton

from nngui.gui.common.turns import Turns


def _window(qtbot):
    w = QMainWindow()
    button = QPushButton("Train", w)
    w.setCentralWidget(button)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w, button


def test_steps_run_one_per_turn_and_a_click_between_them_is_dropped(qtbot):
    w, button = _window(qtbot)
    clicks, done, order = [], [], []
    button.clicked.connect(lambda: clicks.append(1))
    turns = Turns(w)
    steps = [lambda: order.append(1), lambda: order.append(2),
             lambda: order.append(3)]
    turns.finished.connect(lambda: done.append(order[:]))
    turns.start(steps)
    assert order == [1] and turns.running()  # the others wait for later turns
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=QPoint(5, 5))
    assert clicks == []  # the window is half way: the click must not act on it
    qtbot.waitUntil(lambda: done == [[1, 2, 3]])
    assert not turns.running()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=QPoint(5, 5))
    assert clicks == [1]  # heard again once the last step ran


def test_finish_now_runs_what_is_left_at_once_and_only_once(qtbot):
    w, _button = _window(qtbot)
    order, done = [], []
    turns = Turns(w)
    steps = [lambda: order.append(1), lambda: order.append(2),
             lambda: order.append(3)]
    turns.finished.connect(lambda: done.append(1))
    turns.start(steps)
    turns.finish_now()
    assert order == [1, 2, 3] and done == [1] and not turns.running()
    qtbot.wait(20)  # the turn scheduled before finish_now finds nothing left
    assert order == [1, 2, 3] and done == [1]


def test_a_step_that_raises_leaves_the_window_hearing_input(qtbot):
    w, button = _window(qtbot)
    clicks = []
    button.clicked.connect(lambda: clicks.append(1))

    def broken():
        raise RuntimeError("a bug in a step")

    turns = Turns(w)
    steps = [lambda: None, broken, lambda: clicks.append("never")]
    turns.start(steps)
    try:
        turns.finish_now()
    except RuntimeError:
        pass
    assert not turns.running()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=QPoint(5, 5))
    assert clicks == [1]


def test_input_to_another_window_is_not_dropped(qtbot):
    w, _button = _window(qtbot)
    other, other_button = _window(qtbot)
    clicks = []
    other_button.clicked.connect(lambda: clicks.append(1))
    turns = Turns(w)
    steps = [lambda: None, lambda: None]
    turns.start(steps)
    qtbot.mouseClick(other_button, Qt.MouseButton.LeftButton, pos=QPoint(5, 5))
    assert clicks == [1]
    turns.finish_now()
