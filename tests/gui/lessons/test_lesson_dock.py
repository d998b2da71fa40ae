"""The lesson dock beside the tabs at 1366x768: it keeps its width, whichever lesson or tab is
chosen (it followed each lesson's longest line and each tab's room: 262, 338 or 400 px, and
the combo and buttons moved under the pointer)."""

from __future__ import annotations

from PySide6.QtCore import QSize


def test_the_lesson_dock_keeps_its_width_across_lessons_and_tabs(window, qtbot):
    w = window
    w.resize(QSize(1366, 768))
    w.show()
    qtbot.waitExposed(w)
    w.lessons.show()
    dock, combo = w.lessons.dock, w.lessons.panel.lessonCombo
    qtbot.wait(50)
    widths = {("start", w.tabs.tabText(w.tabs.currentIndex())): dock.width()}
    for i in range(combo.count()):
        combo.setCurrentIndex(i)
        combo.activated.emit(i)
        qtbot.wait(50)
        widths[("lesson", combo.itemText(i))] = dock.width()
    for t in range(w.tabs.count()):
        w.tabs.setCurrentIndex(t)
        qtbot.wait(50)
        widths[("tab", w.tabs.tabText(t))] = dock.width()
    assert len(set(widths.values())) == 1, widths
    assert 260 <= dock.width() <= 400  # room for the steps, and the tabs keep theirs
