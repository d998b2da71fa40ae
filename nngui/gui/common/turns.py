"""Work done on the GUI thread a step per event-loop turn, with the window's input held back.

Some GUI work is one unit for the user but too long for one turn of the event loop (showing
an opened project: the builder, the session's curves, the run list, ... ~60 ms together on
2 cores). ``Turns`` runs its steps one per turn, so the window's clock, repaints of other
windows and the task runner's results keep flowing between them; while it runs, the user's
input to ``window`` (mouse, keys, wheel, shortcuts) is dropped, because a click between two
steps would act on a window half way from one thing to the next. ``finish_now()`` runs the
steps still left at once (someone needs the end state now: a new pick, the window closing).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QWidget

# what a user does (not what the window does to itself: paints, timers, layout)
INPUT_EVENTS = frozenset({
    QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease,
    QEvent.Type.MouseButtonDblClick, QEvent.Type.MouseMove, QEvent.Type.Wheel,
    QEvent.Type.KeyPress, QEvent.Type.KeyRelease, QEvent.Type.ShortcutOverride,
    QEvent.Type.Shortcut, QEvent.Type.ContextMenu, QEvent.Type.TabletPress,
    QEvent.Type.TouchBegin, QEvent.Type.Drop,
})


class _InputHold(QObject):
    """An application event filter dropping user input meant for one window."""

    def __init__(self, window: QWidget, parent: QObject) -> None:
        super().__init__(parent)
        self._window = window

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt naming)
        if event.type() in INPUT_EVENTS and isinstance(obj, QWidget) and \
                obj.window() is self._window:
            return True
        return False


class Turns(QObject):
    """Steps run one per event-loop turn; ``finished`` after the last (see the module). One
    ``Turns`` serves one kind of work again and again: ``start`` finishes what it still had."""

    finished = Signal()

    def __init__(self, window: QWidget, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._steps: list[Callable[[], None]] = []
        self._hold = _InputHold(window, self)  # installed while the steps run
        self._holding = False
        self._next = QTimer(self)  # the next turn (a child: gone with this object)
        self._next.setSingleShot(True)
        self._next.setInterval(0)
        self._next.timeout.connect(self._step)

    def start(self, steps: Sequence[Callable[[], None]]) -> None:
        """Run the first step now, the others in the turns that follow."""
        self.finish_now()
        self._steps = list(steps)
        app = QApplication.instance()
        if app is not None and not self._holding:
            app.installEventFilter(self._hold)
            self._holding = True
        self._step()

    def running(self) -> bool:
        return self._holding

    def finish_now(self) -> None:
        """Run every step still left, at once (then ``finished``)."""
        if not self._holding:
            return
        while self._steps:
            self._run(self._steps.pop(0))
        self._end()

    def _step(self) -> None:
        if self._steps:
            self._run(self._steps.pop(0))
        if self._steps:
            self._next.start()
        else:
            self._end()

    def _run(self, step: Callable[[], None]) -> None:
        try:
            step()
        except BaseException:  # the window must not stay deaf: the rest is dropped
            self._steps.clear()
            self._end()
            raise

    def _end(self) -> None:
        self._next.stop()
        if not self._holding:
            return  # ended already (finish_now, then the scheduled turn)
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self._hold)
        self._holding = False
        self.finished.emit()
