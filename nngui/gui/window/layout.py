"""The window's layout rules as functions: the full-width tab bar, which tabs show the builder,
fitting the screen, the remembered geometry and splitter sizes, and menu actions.

Plain functions of the widgets they are given (the tab widget, the builder side, the window,
the :class:`~nngui.gui.window.settings.Settings`); they keep no state and talk to no other
part of the window. MainWindow calls them while it builds, on a tab change and on close.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QEvent, QObject, QRect, QSize, Qt
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import (
    QDockWidget,
    QFrame,
    QMainWindow,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QStyle,
    QTabBar,
    QTabWidget,
    QWidget,
)

from nngui.gui.window.settings import Settings


def fit_to_screen(size: QSize, available: QRect | None) -> QSize:
    """``size``, shrunk to fit the screen's available area (never below nothing)."""
    if available is None or available.isEmpty():
        return size
    return QSize(min(size.width(), available.width()), min(size.height(), available.height()))


class ScreenBoundArea(QScrollArea):
    """The window's central area: it never asks for more than the screen leaves it.

    QMainWindow takes its central widget's minimum as its own (plus the docks'); the Train
    tab's builder and panel need 1022 px, so opening the Lessons dock (218 px and more) made
    the window grow to 1246 px, past a 1024-pixel screen, and shrink back on Draw's tab.
    This area's minimum is its contents' minimum, cut to the screen's available size less
    what the docks need beside it; where the contents need more than that, they scroll
    instead of the window growing. Where they fit, it is a plain frameless container.
    """

    def __init__(self, contents: QWidget, window: QMainWindow) -> None:
        super().__init__(objectName="centralScroll", widgetResizable=True,
                         frameShape=QFrame.Shape.NoFrame)
        self._window = window
        self._docks: list[QDockWidget] = []
        self.setWidget(contents)
        # a scroll area keeps its contents' new minimum to itself (a tab switch's): pass
        # it on, so the window's minimum follows the tab shown, within the screen
        contents.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt naming)
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self.updateGeometry()
        return super().eventFilter(watched, event)

    def follow(self, dock: QDockWidget) -> None:
        """Leave room for ``dock`` beside this area, shown or not, unless it floats."""
        self._docks.append(dock)
        self.updateGeometry()
        for signal in (dock.topLevelChanged, dock.dockLocationChanged):
            signal.connect(lambda *_: self.updateGeometry())

    def room(self) -> QSize | None:
        """The most the screen leaves this area: its available size less the side docks'
        minimum widths (and their separators), the window's frame and its bars' heights.

        A hidden dock counts too: QMainWindow lays a shown dock out before this area hears
        of it (its cached minimum grew the window by the dock's width first), and the
        window's minimum then stays the same whether the Lessons dock is open or not."""
        win = self._window
        avail = available_area(win)
        if avail is None or avail.isEmpty():
            return None
        gap = win.style().pixelMetric(QStyle.PixelMetric.PM_DockWidgetSeparatorExtent, None,
                                      win)
        docks = [d for d in self._docks if not d.isFloating()
                 and win.dockWidgetArea(d) in (Qt.DockWidgetArea.LeftDockWidgetArea,
                                               Qt.DockWidgetArea.RightDockWidgetArea)]
        side = sum(d.minimumSizeHint().width() + gap for d in docks)
        bars = sum(b.sizeHint().height() for b in (win.menuBar(), win.statusBar())
                   if b is not None and not b.isHidden())
        frame = win.frameGeometry().size() - win.geometry().size()  # the title bar, borders
        return QSize(max(0, avail.width() - side - frame.width()),
                     max(0, avail.height() - bars - frame.height()))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt naming)
        need = self.widget().minimumSizeHint()
        room = self.room()
        if room is None:
            return need
        return QSize(min(need.width(), room.width()), min(need.height(), room.height()))

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt naming)
        return self.widget().sizeHint()


def full_width_tab_bar(tabs: QTabWidget) -> QTabBar:
    """A tab bar for ``tabs`` to place across the whole window; the tab widget's own is hidden.

    The builder sits left of the pages on Train and Evaluate; inside the tab widget the bar
    only got the pages' width (379 px at 1024x700) and showed scroll arrows. The tab widget
    stays the one source of truth (pages, current index, titles); the bar follows it.
    """
    bar = QTabBar(objectName="mainTabBar", expanding=False, usesScrollButtons=False,
                  drawBase=True)
    for i in range(tabs.count()):
        bar.addTab(tabs.tabText(i))
        bar.setTabToolTip(i, tabs.tabToolTip(i))
    bar.setCurrentIndex(tabs.currentIndex())
    bar.currentChanged.connect(tabs.setCurrentIndex)
    tabs.currentChanged.connect(bar.setCurrentIndex)
    tabs.tabBar().hide()
    tabs.setDocumentMode(True)  # no frame left hanging under a bar that is not its own
    return bar


def action(parent: QObject, text: str, slot, shortcut=None) -> QAction:
    """A menu action of ``parent`` that calls ``slot``."""
    act = QAction(text, parent)
    if shortcut is not None:
        act.setShortcut(shortcut)
    act.triggered.connect(slot)
    return act


def available_area(widget: QWidget) -> QRect | None:
    """The available geometry of the screen ``widget`` is on (or the primary screen's)."""
    screen = widget.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else None


def fit_tabs(tabs: QTabWidget, side: QWidget, side_pages: Iterable[QWidget | None]) -> None:
    """Show ``side`` (the builder) only with ``side_pages``; size the window by the shown tab.

    A QTabWidget's minimum is the largest of all its pages; pages not shown are given an
    Ignored size policy so a wide Draw tab never widens the Train tab's window (and the
    builder's width never adds to Draw's). A page not built yet is passed as None: it is not
    the one shown either.
    """
    current = tabs.currentWidget()
    side.setVisible(current in list(side_pages))
    for i in range(tabs.count()):
        page = tabs.widget(i)
        policy = QSizePolicy.Policy.Preferred if page is current else QSizePolicy.Policy.Ignored
        page.setSizePolicy(policy, policy)
    tabs.updateGeometry()


def clamp_to_screen(window: QWidget) -> None:
    """A geometry saved on a bigger screen (or grown by a layout) never exceeds this one."""
    avail = available_area(window)
    if window.isMaximized() or window.isFullScreen() or avail is None or avail.isEmpty():
        return
    size = fit_to_screen(window.size(), avail)
    if size != window.size():
        window.resize(size)
    frame = window.frameGeometry()
    if not avail.contains(frame):
        window.move(max(avail.left(), min(frame.left(), avail.right() - frame.width() + 1)),
                    max(avail.top(), min(frame.top(), avail.bottom() - frame.height() + 1)))


def remembered_splitters(window: QWidget) -> list[QSplitter]:
    """The named splitters: their sizes are remembered between sessions."""
    # QObject's own lookup: the main window's findChildren would build every page first
    return [sp for sp in QObject.findChildren(window, QSplitter) if sp.objectName()]


def restore_layout(window: QWidget, settings: Settings) -> None:
    """The window's saved geometry (clamped to this screen) and its splitters' sizes."""
    geom = settings.geometry()
    if geom is not None:
        window.restoreGeometry(geom)
        clamp_to_screen(window)
    for splitter in remembered_splitters(window):
        sizes = settings.splitter_sizes(splitter.objectName())
        if len(sizes) == splitter.count():
            splitter.setSizes(sizes)


def save_layout(window: QWidget, settings: Settings) -> None:
    """Remember the window's geometry (clamped to this screen) and its splitters' sizes."""
    clamp_to_screen(window)
    settings.set_geometry(window.saveGeometry())
    for splitter in remembered_splitters(window):
        if any(splitter.sizes()):  # never shown: keep what was saved before
            settings.set_splitter_sizes(splitter.objectName(), splitter.sizes())
