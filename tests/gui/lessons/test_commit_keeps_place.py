"""Commit my guess keeps the lesson panel where it is: it scrolled (the focus left the disabled
button for a widget further down and the scroll area scrolled to it), so the step's Set up
moved under the student's pointer."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt

from tests.gui.lessons.test_lesson_panel import choose_lesson


def test_commit_my_guess_keeps_the_panels_scroll_and_hands_the_focus_to_set_up(window,
                                                                               qtbot) -> None:
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    panel = choose_lesson(window, "backprop-xor")
    box = panel.boxes["sse"]
    scroll = panel.scroll
    bar = scroll.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0, timeout=5000)

    def where(widget) -> QPoint:
        return widget.mapTo(scroll.viewport(), QPoint(0, 0))

    def settled() -> bool:  # the goals' "needs …" lines wrapped, the layout done
        at = where(box.commitButton)
        qtbot.wait(100)
        return where(box.commitButton) == at

    qtbot.waitUntil(settled, timeout=5000)
    scroll.ensureWidgetVisible(box.commitButton, 0, 0)
    qtbot.waitUntil(settled, timeout=5000)
    before = bar.value()
    box.guessGroup.button(0).setChecked(True)
    qtbot.mouseClick(box.commitButton, Qt.MouseButton.LeftButton)  # takes the focus, as a click
    assert box.committed() and box.setUpButton.isEnabled()
    qtbot.wait(100)
    assert bar.value() == before  # was scrolled 25-67 px down to a widget below
    assert box.setUpButton.hasFocus()  # the next thing to press, right below
    assert box.commitButton.visibleRegion().boundingRect().height() == \
        box.commitButton.height()  # still in sight where it was pressed


def test_commit_my_guess_leaves_set_up_where_the_pointer_is(window, qtbot) -> None:
    """The guess's line ("Your guess: … What happened: …", two lines in the dock) is written
    on Commit; above Set up it pushed the button 14 px down, under the pointer that had just
    committed and was going on to Set up (seen at 1366x768)."""
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    panel = choose_lesson(window, "perceptron-mlp")
    box = panel.boxes["perceptron"]

    def where() -> QPoint:
        return box.setUpButton.mapTo(box, QPoint(0, 0))

    def settled() -> bool:  # the goals' "needs …" lines wrapped, the layout done
        at = where()
        qtbot.wait(100)
        return where() == at

    qtbot.waitUntil(settled, timeout=5000)
    before = where()
    box.guessGroup.button(1).setChecked(True)
    qtbot.mouseClick(box.commitButton, Qt.MouseButton.LeftButton)
    assert box.committed() and "Your guess" in box.outcomeLabel.text()
    qtbot.waitUntil(settled, timeout=5000)
    assert where() == before
    assert box.outcomeLabel.mapTo(box, QPoint(0, 0)).y() > before.y()  # the line below it
