"""The builder keeps its place at 1366x768 beside the Lessons dock, whatever layer is chosen.

Its height followed the layer editor's: choosing a Dropout row (two fields) moved the Add
layer/Remove row 17 px up, choosing a Dense row back down, under the pointer of a student
removing layers one after another (lesson 4's overfitting step); and a Conv2D row (ten fields)
made the window 772 px tall, its status bar past a 768-pixel screen.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint


def _choose_row(window, qtbot, row: int) -> None:
    window.builder.layer_list.setCurrentRow(row)
    qtbot.wait(50)  # the editor's new fields laid out


def test_choosing_a_layer_moves_nothing_and_the_window_stays_on_the_screen(window, qtbot):
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    window.lessons.show()
    window.apply_preset("mnist-cnn")  # Reshape, Conv2D, pool, Conv2D, pool, Flatten, Dropout
    builder = window.builder
    qtbot.waitUntil(lambda: builder.layer_list.count() == 8, timeout=5000)

    def remove_at() -> QPoint:
        return builder.remove_button.mapTo(window, QPoint(0, 0))

    _choose_row(window, qtbot, 7)  # Dense
    dense_at = remove_at()
    for row in (6, 3, 7, 0, 3):  # Dropout, Conv2D (the longest editor), Dense, Reshape
        _choose_row(window, qtbot, row)
        assert remove_at() == dense_at, builder.layer_list.currentItem().text()
        assert window.height() <= 768
    assert window.statusBar().mapTo(window, QPoint(0, window.statusBar().height())).y() <= 768
