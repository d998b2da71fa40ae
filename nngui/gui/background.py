"""Run a plain function in a QThread and get its result (or its error) back as a signal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal


class _Job(QObject):
    done = Signal(object)
    failed = Signal(object)  # the exception
    progress = Signal(int, int)

    def __init__(self, fn: Callable[..., Any], with_progress: bool) -> None:
        super().__init__()
        self.fn = fn
        self.with_progress = with_progress

    def run(self) -> None:
        try:
            result = self.fn(self.progress.emit) if self.with_progress else self.fn()
        except Exception as exc:  # delivered to the GUI thread as a message, never a crash
            self.failed.emit(exc)
        else:
            self.done.emit(result)


class BackgroundTask(QObject):
    """One function run off the GUI thread; ``done``/``failed`` arrive in the GUI thread."""

    done = Signal(object)
    failed = Signal(object)
    progress = Signal(int, int)

    def __init__(self, fn: Callable[..., Any], parent: QObject | None = None,
                 with_progress: bool = False) -> None:
        super().__init__(parent)
        self.thread = QThread()
        self.job = _Job(fn, with_progress)
        self.job.moveToThread(self.thread)
        self.thread.started.connect(self.job.run)
        self.job.done.connect(self.done)
        self.job.failed.connect(self.failed)
        self.job.progress.connect(self.progress)
        # quit from the worker thread itself (QThread.quit is thread-safe), so the thread has
        # stopped by the time anyone reacts to done/failed in the GUI thread
        direct = Qt.ConnectionType.DirectConnection
        self.job.done.connect(self.thread.quit, direct)
        self.job.failed.connect(self.thread.quit, direct)

    def start(self) -> BackgroundTask:
        self.thread.start()
        return self

    def is_running(self) -> bool:
        return self.thread.isRunning()

    def wait(self, ms: int = 30000) -> bool:
        return self.thread.wait(ms)
