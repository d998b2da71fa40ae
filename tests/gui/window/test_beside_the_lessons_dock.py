"""The window keeps its size beside the Lessons dock: no tab makes it grow past the screen.

At 1024x700 with the dock open, the Train tab's builder and panel (1022 px) plus the dock
(218 px and more) made the window 1246 px wide, past the screen, and a tab switch resized it.
The offscreen platform's screen is 800x800, so each test sets the screen it stands for.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect, QSize
from PySide6.QtWidgets import QApplication

from nngui.gui.window import layout
from nngui.gui.window.main_window import MainWindow

SCREENS = [(1024, 700), (1366, 768)]


@pytest.fixture
def window_on(qtbot, monkeypatch, tmp_path):
    """``window_on(w, h)``: the main window on a ``w`` x ``h`` screen, shown at that size."""
    from nngui.gui.common.data_controller import DataController

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("NNGUI_MNIST", raising=False)
    monkeypatch.setenv("NNGUI_DATA_DIR", str(tmp_path / "nngui-data"))
    monkeypatch.setattr(DataController, "ask_mnist_choice", lambda self: "cancel")
    made = []

    def make(width: int, height: int) -> MainWindow:
        monkeypatch.setattr(layout, "available_area",
                            lambda _w: QRect(0, 0, width, height))
        w = MainWindow(load_tensorflow=False)
        qtbot.addWidget(w)
        made.append(w)
        w.resize(width, height)
        w.show()
        qtbot.waitUntil(lambda: w.data.dataset is not None, timeout=30000)
        w.build_all_pages()
        return w

    yield make
    for w in made:
        w.close()


def _right_edge(widget, window) -> int:
    return widget.mapTo(window, QPoint(widget.width(), 0)).x()


@pytest.mark.parametrize("screen", SCREENS)
def test_no_tab_grows_the_window_past_the_screen_beside_the_lessons_dock(window_on, qtbot,
                                                                         screen):
    width, height = screen
    w = window_on(width, height)
    w.lessons.show()
    qtbot.waitUntil(lambda: w.lessons.dock.isVisible())
    QApplication.processEvents()
    size = w.size()
    assert size == QSize(width, height), size
    dock = w.lessons.dock
    for _ in range(2):  # there and back: no tab leaves the window another size
        for i in range(w.tabs.count()):
            w.tabBar.setCurrentIndex(i)
            QApplication.processEvents()
            name = w.tabs.tabText(i)
            hint = w.minimumSizeHint()
            assert hint.width() <= width and hint.height() <= height, (name, hint)
            assert w.size() == size, f"{name}: {w.size().toTuple()}"
            assert dock.isVisible() and _right_edge(dock, w) <= w.width(), name
            central = w.centralScroll
            assert _right_edge(central, w) <= dock.mapTo(w, QPoint(0, 0)).x(), name
            assert _right_edge(w.tabBar, w) <= w.width(), name


def test_the_central_area_scrolls_where_the_screen_is_too_small_for_it(window_on, qtbot):
    w = window_on(1024, 700)
    w.tabBar.setCurrentIndex(w.tabs.indexOf(w.draw))
    QApplication.processEvents()
    assert not w.centralScroll.horizontalScrollBar().isVisible()  # fits without the dock
    w.lessons.show()
    qtbot.waitUntil(lambda: w.lessons.dock.isVisible())
    QApplication.processEvents()
    assert w.width() == 1024
    need = w.centralScroll.widget().minimumSizeHint().width()
    if need > w.centralScroll.viewport().width():  # reachable, not cut off
        assert w.centralScroll.horizontalScrollBar().maximum() > 0
    w.lessons.dock.hide()
    QApplication.processEvents()
    assert w.width() == 1024
    qtbot.waitUntil(lambda: not w.centralScroll.horizontalScrollBar().isVisible())


def _cut(label, panel) -> str:
    """Why ``label``'s text cannot be read whole inside ``panel`` ("" when it can)."""
    top_left = label.mapTo(panel, QPoint(0, 0))
    if top_left.x() < 0 or top_left.x() + label.width() > panel.width():
        return f"{label.objectName() or label.text()[:20]!r} sideways out of the panel"
    if top_left.y() + label.height() > panel.height():
        return f"{label.text()[:20]!r} below the panel's bottom"
    if label.height() < label.heightForWidth(label.width()):
        return f"{label.text()[:20]!r}: {label.height()} px < {label.heightForWidth(label.width())}"
    return ""


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("lessons", [False, True])
def test_the_watch_tabs_right_column_is_whole(window_on, qtbot, screen, lessons):
    w = window_on(*screen)
    if lessons:
        w.lessons.show()
        qtbot.waitUntil(lambda: w.lessons.dock.isVisible())
    w.tabBar.setCurrentIndex(w.tabs.indexOf(w.watch))
    QApplication.processEvents()
    live = w.watch.live
    qtbot.waitUntil(lambda: live.isVisible() and live.height() > 0)
    for label in (live.deadReluLabel, live.hint):
        assert label.isVisible()
        assert _cut(label, live) == ""
    # the confusion plot's title, six tick labels and axis label need about 140 px: in the
    # column under the hint's four lines it had 98-112 and its ticks overlapped
    assert live.confusionView.height() >= 140, live.confusionView.height()
    assert _right_edge(live.confusionView, live) <= live.width()
    assert _right_edge(live, w) <= w.centralScroll.viewport().mapTo(w, QPoint(0, 0)).x() + \
        w.centralScroll.viewport().width()


def test_the_windows_minimum_follows_the_tab_shown_within_the_screen(window_on, qtbot):
    """A window left shorter than a tab needs (a geometry saved at 674 px) still grows to
    that tab's minimum, as before the central area scrolled, but never past the screen; the
    scroll area once kept the first tab's minimum and the Draw tab scrolled both ways."""
    w = window_on(1024, 700)
    w.resize(1024, 674)
    QApplication.processEvents()
    bars = w.menuBar().height() + w.statusBar().height()
    top = 700 - (w.frameGeometry().height() - w.height())  # the most, inside its frame
    for i in range(w.tabs.count()):
        w.tabBar.setCurrentIndex(i)
        QApplication.processEvents()
        name = w.tabs.tabText(i)
        need = w.centralScroll.widget().minimumSizeHint().height() + bars
        qtbot.waitUntil(lambda n=need: w.height() >= min(n, top), timeout=2000)
        assert w.height() <= top and w.width() == 1024, (name, w.size())
        if need <= top:
            assert not w.centralScroll.verticalScrollBar().isVisible(), name
            assert not w.centralScroll.horizontalScrollBar().isVisible(), name
