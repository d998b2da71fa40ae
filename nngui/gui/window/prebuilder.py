"""The builder's network prepared while the window is idle, so its first run starts at once.

``Prebuilder`` runs ``core.training.prebuild.prebuild`` as a low-priority job: only when no
other job runs, TensorFlow is ready, the data is loaded, the builder's network can train and
the session has no model yet (a Continue or a Train from scratch needs no new build), and
only once the network, its settings and the data have stayed put for ``DEBOUNCE_MS``. The job
owns the model it builds until it puts it on the ``shelf``; the run takes it from there
(``RunRequest.prebuilt``). Any edit of the network, settings, seed or data discards what is
prepared (a job in flight is asked to stop and its model is dropped when it ends); a new
preparation follows once the edits pause.

A run never starts beside a preparation: every job the training panel starts (Train, Train
from scratch, a sweep's runs, a fine-tune) first waits for it (``wait_before``), saying so in
the status line, and the click is never refused or lost.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from nngui.core.training import prebuild
from nngui.gui.common.tasks import Task, TaskRunner

JOB = "prepare network"


class Prebuilder(QObject):
    """Prepares the next run's model off the GUI thread (see the module docstring).

    ``training()`` says whether a run goes. ``wanted()`` returns ``(key, spec, data, config, probes)`` (``probes()`` makes them) for
    the run a Train click would start now, or None where nothing should be prepared (no data, an invalid or
    read-only network, a session that has a model); ``key`` changes with anything that run
    depends on.
    """

    DEBOUNCE_MS = 300  # edits this close together prepare once
    RETRY_MS = 500  # another job runs: look again when it ends, or this much later

    prepared = Signal(str)  # what a preparation did, when its job ends

    def __init__(self, parent: QObject, tasks: TaskRunner,
                 wanted: Callable[[], tuple | None], training: Callable[[], bool]) -> None:
        super().__init__(parent)
        self.shelf = prebuild.Shelf()
        self._tasks, self._wanted, self._training = tasks, wanted, training
        self._task: Task | None = None
        self._for: Any = None  # the key of what is prepared or being prepared
        self._ready_tf = False
        self._watched: set[int] = set()  # the jobs whose end looks again
        self._for_jobs = False  # the timer waits for other jobs, not for edits to pause
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._maybe_start)

    # ---- what the window tells it ----------------------------------------------------------
    def tensorflow_ready(self) -> None:
        self._ready_tf = True
        self.changed()

    def changed(self) -> None:
        """Something the next run depends on may have changed: keep what is prepared if it is
        still that run's, else discard it and prepare again once the edits pause. While a run
        goes nothing changes: that run may be waiting for what is prepared (its end calls
        this again)."""
        if self._training():
            return
        wanted = self._wanted()
        if wanted is not None and wanted[0] == self._for and \
                (self.is_preparing() or self.shelf.ready(prebuild.key(wanted[1],
                                                                      wanted[3].seed))):
            return
        self.discard()
        if wanted is not None:
            self._timer.start(self.DEBOUNCE_MS)

    def discard(self) -> None:
        """Drop what is prepared; a preparation in flight is asked to stop."""
        self._timer.stop()
        self._for_jobs = False
        self._for = None
        self.shelf.discard()
        if self._task is not None:
            self._task.cancel()

    def hold(self) -> None:
        """A run starts: nothing new is prepared beside it (its end calls ``changed``)."""
        self._timer.stop()

    def is_preparing(self) -> bool:
        return self._task is not None

    def wait_before(self, stop_event: threading.Event, say: Callable[[str], None]) -> None:
        """In a training job's thread, before it builds or seeds anything: wait for the
        preparation in flight (``TrainingPanel.wait_before``)."""
        self.shelf.wait(stop_event, say)

    # ---- the job ---------------------------------------------------------------------------
    def _maybe_start(self) -> None:
        if not self._ready_tf or self._task is not None:
            return  # a cancelled job still ending: its end looks again
        self._for_jobs = False
        busy = self._tasks.running()
        if busy:  # low priority: only while nothing else works
            self._timer.start(self.RETRY_MS)
            self._for_jobs = True
            for task in busy:  # ... but right after the last of them ends
                if id(task) not in self._watched:
                    self._watched.add(id(task))
                    task.finished.connect(self._after_job)
            return
        wanted = self._wanted()
        if wanted is None:
            return
        key, spec, data, config, probes = wanted
        probes = probes()  # the live views' probes: their evaluations are part of the call
        ticket = self.shelf.begin()

        def job(_report, stop_event):
            return prebuild.prebuild(spec, data, config, probes, self.shelf, ticket, stop_event)

        task = self._tasks.submit(JOB, job, on_done=self._ended,
                                  on_failed=lambda msg: self._ended(f"not prepared: {msg}"))
        if task is None:  # the window is closing
            self.shelf.finish(ticket, None, None)
            return
        self._task, self._for = task, key

    def _after_job(self) -> None:
        """A job ended: prepare now if one was waiting for it (a turn later: its own slots
        may start the next job)."""
        self._watched = {i for i in self._watched
                         if any(id(t) == i for t in self._tasks.running())}
        if self._for_jobs and self._timer.isActive() and self._task is None:
            self._timer.start(0)

    def _ended(self, said: str) -> None:
        self._task = None
        self.prepared.emit(said)
        wanted = self._wanted()
        if wanted is not None and wanted[0] != self._for:  # edited while it prepared
            self.changed()
