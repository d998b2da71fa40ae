"""The one way the GUI runs work off its thread: plain callables in worker threads.

A job is a plain function ``job(report, stop_event) -> result``: ``report(obj)`` sends
progress to the GUI thread (as ``Task.progress``), ``stop_event`` is a ``threading.Event``
the job checks to cancel. It knows nothing of Qt (core functions are jobs as they are).

A job may *hold* objects (a training session, a Keras model): while it runs it is their only
user, and ``TaskRunner.is_held(obj)`` tells the GUI not to touch them. A second job asking
for something held is refused. ``done``/``failed`` arrive in the GUI thread after the worker
thread has stopped and the holds are released, so a slot may start the next job at once.
One ``TaskRunner.shutdown()`` cancels and joins everything (the window's closeEvent).
"""

from __future__ import annotations

import gc
import sys
import threading
import weakref
from collections.abc import Callable, Iterable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from nngui.core.platform import abandon

Job = Callable[[Callable[[Any], None], threading.Event], Any]


_GC_TIMER: QTimer | None = None
_RUNNERS: weakref.WeakSet[TaskRunner] = weakref.WeakSet()
# a full collection in the middle of a job only when this many young collections piled up
# (minutes of allocation): it stalls every thread for as long as it walks the heap
_FULL_WHILE_BUSY = 2000
# How long a thread waiting for the GIL lets another run Python before asking for it (Python's
# default is 5 ms). A job in Python (the Draw tab's inside read, say) kept the GUI thread waiting
# up to that long mid-stroke; with 1 ms the Draw tab's stroke p95 with the inside column open
# was 2.3-3.1 ms against 2.9-3.5 ms (benchmarks/bench_draw.py --inside, docs/performance.md).
# Uncontended, nothing switches more often.
GUI_SWITCH_INTERVAL_S = 0.001
_DEFAULT_SWITCH_INTERVAL_S = sys.getswitchinterval()
# ... except while one of these runs: a training job's throughput is the point, and with the
# GUI thread taking the GIL every 1 ms the window trained ~7 % slower than at 5 ms
# (benchmarks/bench_window_vs_cli.py --switch-compare: 7.21 against 6.73 s an epoch); and
# the preparation of a network before Train (gui/window/prebuilder.py), the same run's trace
# done early: at 1 ms it took 1.8-2.7 s for XOR against 1.1-1.7 s at 5 ms (load 7)
TRAINING_JOBS = frozenset({"train", "prepare network"})
_FAVOUR_GUI = False


def keep_gc_in_gui_thread(interval_ms: int = 50) -> None:
    """Run Python's cyclic garbage collector only in the GUI thread, in small steps.

    Automatic collection runs in whichever thread happens to allocate. When it frees a Qt
    object from a worker thread (a training job tracing a graph, say), PySide destroys it
    there and can deadlock on the GIL. So automatic collection is switched off and a timer
    in the GUI thread collects instead. Every collection holds the GIL, so it stalls the
    window for as long as it walks its generations: the timer ticks often (young
    generations stay small) and the full collection waits until no job runs.
    """
    global _GC_TIMER
    if _GC_TIMER is not None:
        return
    gc.disable()
    _GC_TIMER = QTimer()
    _GC_TIMER.setInterval(interval_ms)
    _GC_TIMER.timeout.connect(_collect)
    _GC_TIMER.start()


def freeze_long_lived() -> None:
    """Leave everything alive now (modules, TensorFlow, the window) out of later collections.

    Called once start-up has loaded TensorFlow: ~400,000 objects that live as long as the
    app. A full collection walked them all, 0.2-0.4 s of a frozen window each time
    (measured with the 512-512 MLP training); afterwards it walks only what came later.
    """
    gc.freeze()


def favour_gui_thread() -> None:
    """A job running Python gives the GIL back to the waiting GUI thread within
    ``GUI_SWITCH_INTERVAL_S``, not Python's 5 ms, while no ``TRAINING_JOBS`` runs (undone by
    ``release_gc``)."""
    global _FAVOUR_GUI
    _FAVOUR_GUI = True
    _set_switch_interval()


def _set_switch_interval() -> None:
    if not _FAVOUR_GUI:
        return
    training = any(t.name in TRAINING_JOBS for runner in list(_RUNNERS) for t in runner.running())
    sys.setswitchinterval(_DEFAULT_SWITCH_INTERVAL_S if training else GUI_SWITCH_INTERVAL_S)


def release_gc() -> None:
    """Give collection, and the GIL's switch interval, back to the interpreter (when no GUI
    runs any more, e.g. in tests)."""
    global _GC_TIMER, _FAVOUR_GUI
    _FAVOUR_GUI = False
    sys.setswitchinterval(_DEFAULT_SWITCH_INTERVAL_S)
    if _GC_TIMER is not None:
        _GC_TIMER.stop()
        _GC_TIMER = None
    gc.unfreeze()
    gc.enable()


def _busy() -> bool:
    return any(runner.running() for runner in list(_RUNNERS))


def _collect() -> None:
    """One step of what automatic collection would do, with the full pass kept off jobs."""
    t0, t1, t2 = gc.get_threshold()
    c0, c1, c2 = gc.get_count()
    if c0 <= t0:
        return
    if c2 > t2 and (c2 > _FULL_WHILE_BUSY or not _busy()):
        gc.collect(2)
    else:
        gc.collect(1 if c1 > t1 else 0)


def plain(fn: Callable[[], Any]) -> Job:
    """A job from a function that takes no progress callback and cannot be cancelled."""
    return lambda _report, _stop: fn()


def describe_error(exc: BaseException) -> str:
    """A one-line message for the user (the exception's own words, or its class)."""
    text = str(exc).strip().splitlines()
    first = text[0] if text else ""
    return first if first else exc.__class__.__name__


class _Thread(QThread):
    """Runs the job; stores its result or exception for the GUI thread to deliver."""

    progressed = Signal(object)

    def __init__(self, job: Job, stop_event: threading.Event, name: str) -> None:
        super().__init__()
        self.setObjectName(f"nngui-{name}")
        self.job = job
        self.stop_event = stop_event
        self.result: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self.job(self.progressed.emit, self.stop_event)
        except BaseException as exc:  # noqa: B036 - nothing may escape a worker thread
            self.error = exc


class Task(QObject):
    """One job in flight: ``progress``, then ``done(result)`` or ``failed(message)``."""

    progress = Signal(object)
    done = Signal(object)
    failed = Signal(str)
    finished = Signal()  # after done/failed

    def __init__(self, name: str, job: Job, holds: tuple[Any, ...],
                 runner: TaskRunner) -> None:
        super().__init__()  # kept alive by the runner while it runs, then by whoever holds it
        self.name = name
        self.holds = holds
        self.stop_event = threading.Event()
        self.error: BaseException | None = None
        self._runner = runner
        self._thread = _Thread(job, self.stop_event, name)
        self._thread.progressed.connect(self.progress)
        self._thread.finished.connect(self._on_thread_finished)
        self._delivered = False

    def start(self) -> None:
        self._thread.start()

    def cancel(self) -> None:
        """Ask the job to stop (it checks ``stop_event``); results still arrive."""
        self.stop_event.set()

    def is_running(self) -> bool:
        return not self._delivered

    def wait(self, timeout_ms: int | None = None) -> bool:
        """Block until the worker thread has ended; True if it has."""
        return self._thread.wait() if timeout_ms is None else self._thread.wait(timeout_ms)

    def holds_object(self, obj: Any) -> bool:
        """Whether this job holds ``obj`` (directly, or as the model of a held session)."""
        return any(h is obj or getattr(h, "model", None) is obj for h in self.holds)

    @Slot()
    def _on_thread_finished(self) -> None:
        self._deliver(emit=True)

    def _deliver(self, emit: bool) -> None:
        if self._delivered:
            return
        self._delivered = True
        self._runner._release(self)
        self.error = self._thread.error
        if emit:
            if self.error is None:
                self.done.emit(self._thread.result)
            else:
                self.failed.emit(describe_error(self.error))
            self.finished.emit()


class TaskRunner(QObject):
    """Starts jobs, tracks what they hold, and shuts them all down together."""

    released = Signal()  # a job ended: what it held is free (unless another holds it)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks: list[Task] = []
        self._closed = False
        keep_gc_in_gui_thread()  # a job must never free the GUI's Qt objects
        favour_gui_thread()  # nor keep the GUI thread waiting for the GIL for long
        _RUNNERS.add(self)

    def submit(self, name: str, job: Job, *, holds: Iterable[Any] = (),
               on_done: Callable[[Any], None] | None = None,
               on_failed: Callable[[str], None] | None = None,
               on_progress: Callable[[Any], None] | None = None) -> Task | None:
        """Start ``job`` in a worker thread; None (nothing started) if a hold is taken."""
        holds = tuple(h for h in holds if h is not None)
        wanted = holds + tuple(getattr(h, "model", None) for h in holds)  # a session's model too
        if self._closed or any(self.is_held(h) for h in wanted):
            return None
        task = Task(name, job, holds, self)
        if on_progress is not None:
            task.progress.connect(on_progress)
        if on_done is not None:
            task.done.connect(on_done)
        if on_failed is not None:
            task.failed.connect(on_failed)
        self._tasks.append(task)
        _set_switch_interval()
        task.start()
        return task

    def is_held(self, obj: Any) -> bool:
        """Whether a running job holds ``obj``: the GUI must not call into it."""
        if obj is None:
            return False
        # a run abandoned by Stop mid-compile still ends its step on the model (core.platform.abandon)
        # (submit asks about a session's model itself, so only ``obj`` is looked up here)
        return any(t.holds_object(obj) for t in self._tasks) or abandon.is_busy(obj)

    def running(self, name: str | None = None) -> list[Task]:
        """The jobs in flight (all, or those with this name)."""
        return [t for t in self._tasks if name is None or t.name == name]

    def shutdown(self, timeout_ms: int | None = None) -> bool:
        """Cancel every job and wait for its thread; True when none is left running.

        Results still queued are dropped: the window is closing.
        """
        self._closed = True
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        ok = True
        for task in tasks:
            if task.wait(timeout_ms):
                task._deliver(emit=False)
            else:
                ok = False
        # compiles walked away from by Stop: none may be inside TensorFlow at exit
        return abandon.join_all(None if timeout_ms is None else timeout_ms / 1000) and ok

    def held_by_job(self, obj: Any) -> bool:
        """Whether a job in flight holds ``obj`` (``released`` says when one ends)."""
        return obj is not None and any(t.holds_object(obj) for t in self._tasks)

    def _release(self, task: Task) -> None:
        if task in self._tasks:
            self._tasks.remove(task)
            _set_switch_interval()
            if not self._closed and shiboken6.isValid(self):  # a closed window's: none hears
                self.released.emit()
