"""Train / Stop / Train from scratch buttons, a progress bar and live loss and accuracy curves.

The buttons only ask (``trainRequested``); whoever owns the network answers with
``start(request)``. A run is a job on the window's ``TaskRunner`` that holds the session (and
its model) until it ends. Its events (batches, epochs, probe arrays) arrive as ``progress``
from the training thread and are only buffered here (the curves in ``curves.TrainingCurves``);
a 20 Hz timer redraws when something changed, so plotting never slows training down.

The status line and the progress bar's text are drawn from one ``RunStatus`` (the run's phase,
where it is, how it ended), which only the run's transitions change: any redraw, at any time
(a tab shown again, a resize, a timer tick after the end), says what that state says.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from nngui.core.network.spec import NetworkSpec, TrainConfig
from nngui.core.platform import abandon
from nngui.core.training.controls import Controls
from nngui.core.training.history import with_validation_gaps
from nngui.core.training.observer import EventObserver, RunInfo, RunResult
from nngui.core.training.session import RunRequest, Session
from nngui.core.training.status import RunStatus
from nngui.core.training.train import run_request
from nngui.gui.common.roomy_label import RoomyLabel
from nngui.gui.common.tasks import Job, Task, TaskRunner
from nngui.gui.training.curves import EMPTY_EPOCHS, TrainingCurves
from nngui.gui.training.live_controls import ChangeMarks, LiveControls

if TYPE_CHECKING:
    import pyqtgraph as pg

REDRAW_MS = 50
ERROR_STYLE = "color: #c0392b; font-weight: 600;"
USUAL_STATUS = ("Stopped in epoch 100 of 1,000 after 1,688 of 1,875 batches; 99 complete "
                "epochs, the weights learned so far are kept. Continue trains the remaining 901 "
                "epochs. This run took 123.4 s.",)


def _button(text: str, name: str, tip: str) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    button.setToolTip(tip)
    return button


class TrainingPanel(QWidget):
    """Runs training jobs on a TaskRunner and draws their progress live.

    With ``plots_later`` the two plots (and pyqtgraph, ~0.2 s to import) are made by
    ``build_plots()``, or on first use, instead of in the constructor: the main window
    paints first. Until then the curves' data is only collected.
    """

    trainRequested = Signal(bool)  # restart: Train/Continue (False) or Train from scratch
    runStarted = Signal()
    runFinished = Signal(object)  # RunResult
    batchesArrived = Signal(int, int)  # epoch (0-based), batches done in it
    epochEnded = Signal(int, object)  # epoch (0-based, counting earlier runs), logs
    probeArrived = Signal(str, int, object)  # probe name, epoch, its arrays
    messageShown = Signal(str)  # a NaN/error message also shown in a message box
    runPaused = Signal(int, int)  # the run holds before batch (0-based) of epoch (0-based)
    runResumed = Signal()
    changeApplied = Signal(object)  # a live Change the run applied (controls.py)
    runWeights = Signal(object)  # a held run's small Dense network: its weight matrices

    def __init__(self, tasks: TaskRunner | None = None, parent: QWidget | None = None,
                 plots_later: bool = False) -> None:
        super().__init__(parent)
        self.tasks = tasks if tasks is not None else TaskRunner(self)
        self.run_status = RunStatus()  # the run's phase and words: the status line shows it
        # the window's session state derives the line from the run's (None: the run's own)
        self.status_source: Callable[[tuple[str, bool]], tuple[str, bool]] | None = None
        self._task: Task | None = None
        self.last_outcome: Any = None  # what the last job returned (RunResult, FinetuneReport…)
        self._session: Session | None = None
        self.lists_run = True  # the run going (or the last one) joins the run list
        self._message_box: QMessageBox | None = None
        self._has_weights = False
        # (stop_event, say) -> None, called in a run's thread before its job: the window's
        # preparation of the network (gui/window/prebuilder.py) ends before any run builds
        self.wait_before: Callable[[Any, Callable[[str], None]], None] | None = None
        self._build_ui()
        self._timer = QTimer(self)
        self._finishing_timer = QTimer(self)  # re-checks a stopped run's last batches
        self._finishing_timer.setSingleShot(True)
        self._finishing_timer.setInterval(150)
        self._finishing_timer.timeout.connect(self._update_buttons)
        self._timer.setInterval(REDRAW_MS)
        self._timer.timeout.connect(self._redraw)
        self.clear_plots()
        self._render()
        self._update_buttons()
        if not plots_later:
            self.build_plots()

    # ---- construction -------------------------------------------------------------------

    def _build_ui(self) -> None:
        self.trainButton = _button("Train", "trainButton",
                                   "Train the network (continues from the current weights)")
        self.stopButton = _button("Stop", "stopButton", "Stop after the current batch; the "
                                  "weights learned so far are kept")
        self.restartButton = _button("Train from scratch", "restartButton",
                                     "Rebuild the network with fresh weights and train it")
        # Wide enough for "Continue training" from the start: no jumping layout.
        width = self.trainButton.fontMetrics().horizontalAdvance("Continue training") + 32
        self.trainButton.setMinimumWidth(max(width, self.trainButton.sizeHint().width()))
        self.trainButton.clicked.connect(lambda: self.trainRequested.emit(False))
        self.restartButton.clicked.connect(lambda: self.trainRequested.emit(True))
        self.stopButton.clicked.connect(self.stop)

        self.trainingProgress = QProgressBar()
        self.trainingProgress.setObjectName("trainingProgress")
        self.trainingProgress.setTextVisible(True)
        # A progress bar's minimum width is its text's ("Epoch 5/5 · batch 1688/1688 · done"):
        # an explicit minimum keeps a long text from widening the window past the screen.
        self.trainingProgress.setMinimumWidth(120)
        # a Stop's longest words' room from the start (they moved the plots under the pointer)
        self.trainingStatus = RoomyLabel(USUAL_STATUS)
        self.trainingStatus.setObjectName("trainingStatus")
        self.trainingStatus.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.curves = TrainingCurves()
        self.live = LiveControls()  # Pause, Step, the learning rate while it trains
        self.marks = ChangeMarks()  # the live changes on the loss curve
        self.logScaleBox = QCheckBox("Log scale")
        self.logScaleBox.setObjectName("lossLogScale")
        self.logScaleBox.setToolTip("Show the loss on a logarithmic axis (when it explodes or "
                                    "when small late changes matter)")
        self.logScaleBox.toggled.connect(self.curves.set_log_scale)

        buttons = QHBoxLayout()
        for b in (self.trainButton, self.stopButton, self.restartButton):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.live)
        layout.addWidget(self.trainingProgress)
        status = QHBoxLayout()  # the buttons' row stays narrow enough for a 1024 px window
        status.addWidget(self.trainingStatus, 1)
        status.addWidget(self.logScaleBox, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(status)
        layout.addWidget(self.curves, 1)

    @property
    def lossPlot(self) -> pg.PlotWidget:
        """The loss plot (made on first access, see ``plots_later``)."""
        return self.curves.lossPlot

    @property
    def accuracyPlot(self) -> pg.PlotWidget:
        """The accuracy (or other metric) plot (made on first access)."""
        return self.curves.accuracyPlot

    def plots_ready(self) -> bool:
        """Whether the loss and accuracy plots exist (see ``plots_later``)."""
        return self.curves.plots_ready()

    def build_plots(self) -> None:
        """Make the loss and accuracy plots and draw what was collected (once)."""
        self.curves.build_plots()

    # ---- public API ---------------------------------------------------------------------

    def set_session(self, session: Session | None) -> None:
        """Show this session (e.g. a new network or a loaded project): its epoch history.

        Another session than the one shown says nothing of the last run's end (that run
        trained a network no longer shown)."""
        if self.is_running():
            return
        if session is not self._session:
            self.run_status.clear()
        self._session = session
        self._has_weights = session is not None and session.model is not None
        self.clear_plots()
        if self._has_weights:
            self.curves.load_history(session.history)
            self.marks.set(session.changes)
            self._redraw()
        if session is not None:  # what the (idle) live controls show: what it trains with
            self.live.show_values(session.spec, TrainConfig(), session.start_values())
        self._render()
        self._update_buttons()

    def reset(self, spec: NetworkSpec | None = None, epochs: int = EMPTY_EPOCHS) -> None:
        """Forget the shown session: a new network was built (no weights yet).

        With ``spec`` the empty plots are titled for what it will report (accuracy for a
        classifier, mean absolute error for an autoencoder or regressor), their epoch axis
        running to the ``epochs`` the run will train.
        """
        if spec is not None and not self.is_running():
            self.curves.plan(spec, epochs)
            self.live.show_values(spec, TrainConfig(), {})
        self.set_session(None)
        if not self.is_running():
            self.run_status.clear()
            self._render()

    def plan_epochs(self, epochs: int, validation: bool | None = None) -> None:
        """The run to come trains ``epochs`` (and holds samples out for ``validation``): empty
        plots' epoch axis runs to it and their key says it (curves keep theirs till a run)."""
        if not self.is_running() and (self._session is None or self._session.model is None):
            self.curves.plan_end(epochs, validation)

    def show_next_values(self, session: Session) -> None:
        """The idle LR and momentum boxes again: ``session``'s optimizer settings were edited
        in the builder (the next run starts with the builder's rate then)."""
        if not self.is_running():
            self.live.show_values(session.spec, TrainConfig(), session.start_values())

    def set_has_weights(self, has_weights: bool) -> None:
        """Say whether the current network has weights (e.g. a model file was opened)."""
        self._has_weights = bool(has_weights)
        self._update_buttons()

    def start(self, request: RunRequest, job: Job | None = None,
              title: str = "Training", listed: bool = True) -> Task | None:
        """Run ``request`` (or ``job``, which trains it) with the live curves; its Task or None.

        ``job(report, stop_event)`` defaults to ``core.training.train.run_request``; a fine-tune
        passes its own (measure, train, measure) and returns an object with ``.result``.
        The job holds the session and its model until it ends. ``title`` leads the status
        line while it runs (a fine-tune names its model: the builder's network is not it).
        ``listed``: the run joins the run list (a fine-tune of the drawing model does not:
        the list compares runs of the builder's networks).
        """
        if self.is_running():
            return None
        self.lists_run = listed
        self.build_plots()  # the run is drawn live
        controls = Controls() if job is None else None  # a fine-tune's job takes none
        request = replace(request.for_next_run(), controls=controls)
        if job is None:
            def job(report, stop, request=request):
                return run_request(request, EventObserver(report), stop)
        if self.wait_before is not None:
            job = _after(self.wait_before, job)
        session = request.session
        self.curves.plan(session.spec, session.epochs_done * (not request.restart)
                         + request.config.epochs)
        task = self.tasks.submit("train", job, holds=(session,),
                                 on_progress=self._on_event, on_done=self._on_done,
                                 on_failed=self._on_failed)
        if task is None:  # said in the panel: a modal box here would block its caller
            if _finishing(session):
                self.run_status.refuse("The stopped run is still finishing its last batches (a "
                                   "second or two); press Train again then.")
            else:
                self.run_status.refuse("This network is in use by another job (e.g. an "
                                   "evaluation); train again when it has finished.")
            self._render()
            return None
        if request.restart or session.model is None or session is not self._session:
            self.clear_plots()
            if not request.restart and session.model is not None:
                self.curves.load_history(session.history)
                self.marks.set(session.changes)
        self._session = session
        self.live.show_values(session.spec, request.config,
                              {} if request.restart else session.start_values())
        if controls is not None:
            self.live.attach(controls)
        self._task = task
        self.run_status.start(title)  # busy until the first batch (the model compiles)
        self._render()
        self._update_buttons()
        self._timer.start()
        self.runStarted.emit()
        return task

    @property
    def session(self) -> Session | None:
        """The session whose curves are shown (the one training, or trained last)."""
        return self._session

    def stop(self) -> None:
        """Stop the run at the next batch boundary, keeping the weights."""
        if self._task is not None:
            self._task.cancel()  # a paused run wakes for it (controls.Controls.boundary)
            self.stopButton.setEnabled(False)
            self.run_status.stop_requested()
            self._render()

    def is_running(self) -> bool:
        return self._task is not None

    def shutdown(self, timeout_ms: int | None = None) -> bool:
        """Stop the run and wait for its thread (the window uses its runner's shutdown)."""
        self._timer.stop()
        task = self._task
        if task is None:
            return True
        task.cancel()
        return task.wait(timeout_ms)

    def clear_plots(self) -> None:
        """Forget all curves (a fresh model)."""
        self._dirty = False  # the progress bar and status line, redrawn with the curves
        self.curves.clear()
        self.marks.set([])

    # ---- job events (GUI thread) --------------------------------------------------------

    def _on_event(self, event: tuple) -> None:
        kind = event[0]
        if kind == "batches":
            self._on_batches(*event[1:])
            self.batchesArrived.emit(event[1], event[2])
        elif kind == "epoch":
            epoch, logs = event[1:]
            info = self.run_status.info
            # a stopped epoch's part is not validated: NaN, so every epoch of the run has
            # the same keys and whoever appends them (the Watch tab) keeps them aligned
            logs = with_validation_gaps(logs, info is not None and info.n_val > 0)
            self._on_epoch(epoch, logs)
            self.epochEnded.emit(epoch, logs)
        elif kind == "probe":
            self.probeArrived.emit(*event[1:])
        elif kind == "begin":
            self._on_begun(event[1])
        elif kind == "status":
            self._on_status(event[1])
        elif kind == "control":
            self._on_control(event[1], event[2])

    def _on_done(self, outcome: Any) -> None:
        self._task = None
        self.last_outcome = outcome
        result = getattr(outcome, "result", outcome)
        if not isinstance(result, RunResult):
            result = RunResult("error", 0, {}, 0.0, "Training ended without a result.")
        self._on_ended(result)

    def _on_failed(self, message: str) -> None:
        self._task = None
        self.last_outcome = None
        done = self._session.epochs_done if self._session is not None else 0
        self._on_ended(RunResult("error", done, {}, 0.0, f"Training failed: {message}"))

    @Slot(object)
    def _on_begun(self, info: RunInfo) -> None:
        self.run_status.begin(info)
        self.curves.begin(info)
        self._dirty = True

    @Slot(int, int, object, object)
    def _on_batches(self, epoch: int, step: int, points: list, logs: dict) -> None:
        if not self.run_status.live or self.run_status.info is None:  # no run, or not begun
            return
        self.curves.add_batches(epoch, points)
        self.run_status.batches(epoch, step, logs, time.perf_counter())
        self._dirty = True

    @Slot(int, object)
    def _on_epoch(self, epoch: int, logs: dict) -> None:
        if not self.run_status.live:  # the run has ended: its history is complete
            return
        self.curves.add_epoch(epoch, logs)
        self._dirty = True

    @Slot(str)
    def _on_status(self, text: str) -> None:
        self.run_status.say(text)
        self._render()

    def _on_control(self, kind: str, payload: Any) -> None:
        """Pause, Resume or a live change, as the training thread carried it out."""
        if kind in ("weights", "weights_refused"):  # the Watch tab's weight editor draws them
            self.runWeights.emit(payload)
            return
        if kind == "paused":
            epoch, batch, whole = payload
            self.run_status.hold(epoch, batch, whole)
        elif kind == "resumed":
            self.run_status.go_on()
        elif kind == "changed" and not payload[1]:
            self.marks.add(payload[0])
        self.live.on_event(kind, payload)
        self._dirty = True
        self._redraw()
        if kind == "paused":
            self.runPaused.emit(payload[0], payload[1])
        elif kind == "resumed":
            self.runResumed.emit()
        elif kind == "changed" and not payload[1]:
            self.changeApplied.emit(payload[0])

    @Slot(object)
    def _on_ended(self, result: RunResult) -> None:
        self._timer.stop()
        self.live.detach()
        self.run_status.end(result)
        self._redraw(final=True)
        self._has_weights = self._session is not None and self._session.model is not None
        if not result.ok:
            self._show_message(result.message)
        self._update_buttons()
        self.runFinished.emit(result)

    # ---- drawing ------------------------------------------------------------------------

    def showEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        self._redraw()  # what arrived while another tab was shown
        super().showEvent(event)

    def _redraw(self, final: bool = False) -> None:
        """The curves (they wait while out of sight), then the progress bar and status line
        as the run's state says (cheap: drawn even out of sight)."""
        live = self.run_status.live and not final
        self.curves.redraw(live=live)
        if self.curves.plots_ready():
            self.marks.draw(self.curves.lossPlot.getPlotItem())
        if self._dirty or not live:  # after a run (a tab shown, a resize): its last words
            self._dirty = False
            self._render()

    def render_status(self) -> None:
        """Draw the status line and progress bar again (what they derive from changed)."""
        self._render()

    def _render(self) -> None:
        """The status line and the progress bar, drawn from ``self.run_status``, whatever asked."""
        text, error = self.run_status.status_line()
        if self.status_source is not None:
            text, error = self.status_source((text, error))
        style = ERROR_STYLE if error else ""
        if self.trainingStatus.text() != text or self.trainingStatus.styleSheet() != style:
            self.trainingStatus.setStyleSheet(style)
            self.trainingStatus.setText(text)
        bar = self.trainingProgress
        progress = self.run_status.progress(time.perf_counter())
        if progress is None:  # no run's size to show
            if bar.value() >= bar.minimum():  # reset() repaints (and signals) every time
                bar.reset()
            return
        if (bar.minimum(), bar.maximum()) != (0, progress.maximum):
            bar.setRange(0, progress.maximum)
        bar.setValue(progress.value)
        if bar.format() != progress.text:
            bar.setFormat(progress.text)

    # ---- state --------------------------------------------------------------------------

    def _update_buttons(self) -> None:
        running = self.is_running()
        has_weights = self._has_weights
        # after a Stop that left fit ending its chunk alone, the model is busy a second or two
        # more: Train waits for it (a click now would be refused) and is enabled once it is free
        finishing = not running and _finishing(self._session)
        self.trainButton.setText("Continue training" if has_weights else "Train")
        self.trainButton.setEnabled(not running and not finishing)
        self.restartButton.setEnabled(has_weights and not running and not finishing)
        self.stopButton.setEnabled(running)
        if finishing:
            self._finishing_timer.start()

    def _show_message(self, text: str) -> None:
        if self._message_box is not None:
            self._message_box.close()
        box = QMessageBox(QMessageBox.Icon.Warning, "Training stopped", text,
                          QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(lambda _=0: setattr(self, "_message_box", None))
        self._message_box = box
        box.open()  # not exec(): never blocks the event loop (or a test)
        self.messageShown.emit(text)


def _finishing(session: Session | None) -> bool:
    """Whether a run left by Stop (fit ending its chunk alone) still works on the model."""
    model = None if session is None else session.model
    return model is not None and abandon.is_busy(model)


def _after(wait: Callable, job: Job) -> Job:
    """``job``, once ``wait(stop_event, say)`` has returned (its words in the status line)."""
    def waiting(report, stop):
        wait(stop, lambda text: report(("status", text)))
        return job(report, stop)

    return waiting
