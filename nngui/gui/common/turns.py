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

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        self.dropped = 0

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt naming)
        if event.type() in INPUT_EVENTS and isinstance(obj, QWidget) and \
                obj.window() is self._window:
            self.dropped += 1
            return True
        return False


class Turns(QObject):
    """``steps`` run one per event-loop turn; ``finished`` after the last (see the module)."""

    finished = Signal()

    def __init__(self, window: QWidget, steps: Sequence[Callable[[], None]],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._window = window
        self._steps = list(steps)
        self._hold: _InputHold | None = None

    def start(self) -> None:
        """Run the first step now, the others in the turns that follow."""
        app = QApplication.instance()
        if app is not None and self._hold is None:
            self._hold = _InputHold(self._window)
            app.installEventFilter(self._hold)
        self._step()

    def running(self) -> bool:
        return self._hold is not None

    def finish_now(self) -> None:
        """Run every step still left, at once (then ``finished``)."""
        while self._steps:
            self._run(self._steps.pop(0))
        self._end()

    def _step(self) -> None:
        if self._steps:
            self._run(self._steps.pop(0))
        if self._steps:
            QTimer.singleShot(0, self, self._step)
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
        if self._hold is None:
            return  # ended already (finish_now, then the scheduled turn)
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self._hold)
        self._hold.deleteLater()
        self._hold = None
        self.finished.emit()
