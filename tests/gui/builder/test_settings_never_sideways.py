"""The builder's settings column never scrolls sideways: Tab from the Units box moved focus
to a field the column then scrolled to, and the left edge of every label went out of sight
("yer 1: Dense", "aining", "Jnits") where the column is narrower than its contents."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget


def test_tab_through_the_layer_form_keeps_the_column_in_place(window, qtbot) -> None:
    window.show()
    window.resize(1024, 700)
    window.apply_preset("mnist-784-20-10")
    qtbot.waitUntil(lambda: window.data.dataset is not None, timeout=30000)
    scroll = window.findChild(QWidget, "builderSettingsScroll")
    column = scroll.widget()
    scroll.resize(column.minimumSizeHint().width() - 40, scroll.height())  # too narrow
    QApplication.processEvents()
    units = window.findChild(QWidget, "layer_field_units")
    units.setFocus()
    qtbot.waitUntil(units.hasFocus, timeout=5000)
    for _ in range(4):  # Units → Activation → Initializer → Use bias → …
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        QApplication.processEvents()
        assert scroll.horizontalScrollBar().value() == 0
        assert column.x() == 0  # the labels' left edges stay where they are
