"""The Qt side of training: a worker QObject in a QThread per run, and its controller.

Keras runs in the worker's thread; ``core.training.train`` reports through an ``Observer``
whose methods emit Qt signals, which Qt queues to the GUI thread. The core already throttles
batch updates (about 20 a second), so the signals never flood the event loop.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from nngui.core import runtime, training
from nngui.core.adapt import Prepared
from nngui.core.spec import TrainConfig
from nngui.core.training import Observer, RunInfo, RunResult, Session


@dataclass
class RunRequest:
    """What one press of Train asks for: the session to train, its data and settings."""

    session: Session
    data: Prepared
    config: TrainConfig
    restart: bool = False


class _SignalObserver(Observer):
    """Forwards core training callbacks to the worker's signals (from the training thread)."""

    def __init__(self, worker: TrainingWorker) -> None:
        self.worker = worker
        self.result: RunResult | None = None

    def on_begin(self, info: RunInfo) -> None:
        self.worker.begun.emit(info)

    def on_batches(self, epoch: int, step: int, points: list[tuple[int, float]],
                   logs: dict[str, float]) -> None:
        self.worker.batches.emit(epoch, step, points, logs)

    def on_epoch(self, epoch: int, logs: dict[str, float]) -> None:
        self.worker.epochEnded.emit(epoch, logs)

    def on_end(self, result: RunResult) -> None:
        # Emitted by the worker once the session has recorded it, so that receivers
        # always see an up-to-date session.
        self.result = result


class TrainingWorker(QObject):
    """Builds (if needed) and trains one session; lives in its own QThread for one run."""

    begun = Signal(object)  # RunInfo
    batches = Signal(int, int, object, object)  # epoch, step, [(global step, loss)], logs
    epochEnded = Signal(int, object)  # epoch (0-based, counting earlier runs), logs
    ended = Signal(object)  # RunResult
    failed = Signal(str)  # the model could not be built
    status = Signal(str)  # short progress notes ("Building the model…", "Training on CPU")
    finished = Signal()

    def __init__(self, request: RunRequest, stop_event: threading.Event) -> None:
        super().__init__()
        self.request = request
        self.stop_event = stop_event
        # A plain list, not a Qt object: the controller reads the result from it even after
        # this worker was deleted (deleteLater runs in the worker thread as it finishes).
        self.outcome: list[RunResult] = []

    @Slot()
    def run(self) -> None:
        """Train; always ends with ``ended`` then ``finished``, whatever happens."""
        result: RunResult
        try:
            result = self._run()
        except BaseException as exc:  # noqa: B036 - nothing may escape the thread
            result = RunResult("error", self.request.session.epochs_done, {}, 0.0,
                               f"Training failed: {exc.__class__.__name__}: {exc}")
        self.outcome.append(result)
        self.ended.emit(result)
        self.finished.emit()

    def _run(self) -> RunResult:
        req = self.request
        session, config = req.session, req.config
        with runtime.device_scope(config.device) as dev:
            self.status.emit("Building the model…")
            try:
                model = session.ensure_model(config.seed, req.restart)
            except Exception as exc:
                msg = f"Could not build the network: {exc.__class__.__name__}: {exc}"
                self.failed.emit(msg)
                return RunResult("error", session.epochs_done, {}, 0.0, msg)
            self.status.emit(f"Training on {dev.upper()}…")
            observer = _SignalObserver(self)
            result = training.train(model, req.data, session.spec, config, observer,
                                    self.stop_event, initial_epoch=session.epochs_done)
        session.record(result)
        return result


class TrainingController(QObject):
    """Owns the current training thread: start, stop, wait; re-emits the worker's signals.

    ``ended`` is emitted once the thread has finished, so ``is_running()`` is already False
    and a new run can start from a slot connected to it.
    """

    begun = Signal(object)
    batches = Signal(int, int, object, object)
    epochEnded = Signal(int, object)
    ended = Signal(object)
    failed = Signal(str)
    status = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.thread: QThread | None = None
        self.worker: TrainingWorker | None = None
        self._stop_event = threading.Event()
        self._outcome: list[RunResult] = []
        self._session: Session | None = None
        self._running = False

    def start(self, request: RunRequest) -> bool:
        """Start a run in a new thread; False (and nothing happens) if one is running."""
        if self.is_running():
            return False
        self._stop_event = threading.Event()
        thread = QThread()
        thread.setObjectName("nngui-training")
        worker = TrainingWorker(request, self._stop_event)
        self._outcome, self._session = worker.outcome, request.session
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        # Direct: quit from the worker thread itself, so shutdown() can block in wait().
        worker.finished.connect(thread.quit, Qt.ConnectionType.DirectConnection)
        thread.finished.connect(worker.deleteLater)
        thread.finished.connect(thread.deleteLater)
        worker.begun.connect(self.begun)
        worker.batches.connect(self.batches)
        worker.epochEnded.connect(self.epochEnded)
        worker.failed.connect(self.failed)
        worker.status.connect(self.status)
        worker.ended.connect(self._on_worker_ended)
        self.thread, self.worker = thread, worker
        self._running = True
        thread.start()
        return True

    def stop(self) -> None:
        """Ask the run to stop at the next batch boundary; the weights are kept."""
        self._stop_event.set()

    def is_running(self) -> bool:
        """True from start() until the run's thread has finished."""
        return self._running

    def shutdown(self, timeout_ms: int = 30000) -> bool:
        """Stop and wait for the thread (for closeEvent); True if no thread is left running."""
        if not self._running or self.thread is None:
            return True
        self.stop()
        if not self.thread.wait(timeout_ms):
            return False
        self._finish()
        return True

    @Slot(object)
    def _on_worker_ended(self, result: RunResult) -> None:
        if self._running and self._outcome and result is self._outcome[0]:
            self._finish()
        # else: a late signal from a run that shutdown() already finished

    def _finish(self) -> None:
        # The worker emits ended just before its thread quits: wait the moment it takes, so
        # is_running() is False and a new run can start from a slot connected to ``ended``.
        if self.thread is not None:
            self.thread.wait()
        self._running = False
        if self._outcome:
            result = self._outcome[0]
        else:  # cannot happen (run() always records one), but never leave the GUI waiting
            done = self._session.epochs_done if self._session is not None else 0
            result = RunResult("error", done, {}, 0.0, "Training ended without a result.")
        self.ended.emit(result)
