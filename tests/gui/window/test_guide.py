"""Help → Guide: its key table is the window's own menu shortcuts (it cannot drift from
them), and Escape closes it even after the main window had the keyboard."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog

from nngui.gui.window.layout import action


def _guide(window) -> QDialog:
    window.show_guide()
    return next(w for w in QApplication.topLevelWidgets()
                if w.objectName() == "guideDialog" and w.parent() is window)


def _text(guide) -> str:
    return " ".join(guide.findChild(object, "guideText").toPlainText().split())


def _menu_keys(window) -> list[tuple[str, str]]:
    """(key, entry) of every menu action with a shortcut, read from the QActions."""
    rows, menus = [], [window.menuBar()]
    while menus:
        for act in menus.pop(0).actions():
            if act.menu() is not None:
                menus.append(act.menu())
            elif not act.shortcut().isEmpty():
                keys = act.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
                rows.append((keys, act.text().replace("&", "").rstrip("…")))
    return rows


def test_the_guide_lists_the_shortcuts_the_menus_have(window):
    text = _text(_guide(window))
    rows = _menu_keys(window)
    assert len(rows) >= 6  # New, Open, Save, Save As, Quit, Guide at least
    for keys, entry in rows:
        assert f"{keys} {entry}" in text
    save = window.projects.saveAction.shortcut().toString(
        QKeySequence.SequenceFormat.NativeText)
    assert f"{save} Save project" in text and "save the network" not in text
    for entry in ("New project", "Save project as", "Quit"):
        assert any(e == entry for _k, e in rows), entry


def test_the_guide_follows_the_menus_when_they_change(window):
    menu = window.menuBar().actions()[0].menu()  # File
    menu.addAction(action(window, "&Jump somewhere…", lambda: None, QKeySequence("Ctrl+Alt+J")))
    window.projects.saveAsAction.setShortcut(QKeySequence())
    text = _text(_guide(window))
    jump = QKeySequence("Ctrl+Alt+J").toString(QKeySequence.SequenceFormat.NativeText)
    assert f"{jump} Jump somewhere" in text
    assert "Save project as" not in text  # no key: no row


def test_escape_closes_the_guide_even_after_the_window_had_the_keyboard(window, qtbot):
    window.show()
    qtbot.waitExposed(window)
    guide = _guide(window)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is guide)
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)
    assert not guide.isVisible()
    # opened again while the main window has the keyboard (the user clicked back into it)
    guide = _guide(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    guide = _guide(window)  # F1 again: the guide comes to the front, with the keyboard
    qtbot.waitUntil(lambda: QApplication.activeWindow() is guide, timeout=2000)
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)
    assert not guide.isVisible()


def test_the_keys_the_guide_lists_work_while_the_guide_has_the_keyboard(window, qtbot):
    """The guide is a window of its own: a menu key pressed while reading it (Ctrl+S, as
    its table says) reached nothing, the main window's shortcuts work only there."""
    called = []
    menu = window.menuBar().actions()[0].menu()  # File
    menu.addAction(action(window, "&Jump somewhere…", lambda: called.append(1),
                          QKeySequence("Ctrl+Alt+J")))
    window.show()
    qtbot.waitExposed(window)
    guide = _guide(window)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is guide)
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_J,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)
    assert called == [1]
    assert window.projects.saveAction in guide.actions()  # Ctrl+S saves from the guide too
    assert guide.isVisible()
