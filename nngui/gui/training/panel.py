"""Train / Stop / Train from scratch buttons, a progress bar and live loss and accuracy curves.

The buttons only ask (``trainRequested``); whoever owns the network answers with
``start(request)``. A run is a job on the window's ``TaskRunner`` that holds the session (and
its model) until it ends. Its events (batches, epochs, probe arrays) arrive as ``progress``
from the training thread and are only buffered here; a 20 Hz timer redraws when something
changed, so plotting never slows training down. Each curve is one PlotDataItem (``setData``).
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from nngui.core.network.spec import NetworkSpec
from nngui.core.platform import abandon
from nngui.core.training.train import (
    EventObserver,
    RunInfo,
    RunRequest,
    RunResult,
    Session,
    run_request,
)
from nngui.gui.common.sight import out_of_sight
from nngui.gui.common.tasks import Job, Task, TaskRunner

if TYPE_CHECKING:
    import pyqtgraph as pg

REDRAW_MS = 50
SPACING_MS = 20  # the metric plot's turn after the loss plot's at an epoch's end
TRAIN_COLOR = (31, 119, 180)  # "train" in both plots
BATCH_COLOR = (150, 190, 225)  # the batch curves: a paler tint of the same blue
VAL_COLOR = (230, 120, 20)  # "validation" in both plots
ERROR_STYLE = "color: #c0392b; font-weight: 600;"
METRIC_LABELS = {"accuracy": "accuracy (%)", "mae": "mean absolute error",
                 "mse": "mean squared error"}
EMPTY_EPOCHS = 5  # the epoch axis of an empty plot, until a run says how many
TICK_PX = 36  # at least this many pixels between two epoch labels


def metric_for(spec: NetworkSpec | None) -> str:
    """The per-epoch metric Keras reports for ``spec`` (core.model.builder.make_metrics' names)."""
    if spec is not None and spec.kind in ("regressor", "autoencoder"):
        return "mae"
    return "accuracy"


def epoch_tick_step(last_epoch: float, width_px: int) -> int:
    """Whole-epoch tick spacing (1, 2, 5, 10, 20, …) whose labels never run together."""
    room = max(2, int(width_px) // TICK_PX)
    step = 1
    while max(1.0, last_epoch) / step > room:
        for factor in (2, 5, 10):
            if max(1.0, last_epoch) / (step * factor) <= room or factor == 10:
                step *= factor
                break
    return step


def _key(text: str, color: tuple[int, int, int], mark: str) -> str:
    r, g, b = color
    return f"<span style='color:#{r:02x}{g:02x}{b:02x}'>{mark} {text}</span>"


def format_duration(seconds: float) -> str:
    """'0:14', '12:03' or '1:02:03' for an ETA."""
    s = max(0, int(round(seconds)))
    h, rem = divmod(s, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def _make_plot(name: str, ylabel: str) -> pg.PlotWidget:
    import pyqtgraph as pg

    # No in-plot legend (it covered the curves): the title carries a coloured key.
    plot = pg.PlotWidget(background="w")
    plot.setObjectName(name)
    item = plot.getPlotItem()
    for axis in ("left", "bottom"):
        ax = item.getAxis(axis)
        ax.setPen(pg.mkPen(90, 90, 90))
        ax.setTextPen(pg.mkPen(50, 50, 50))
        ax.enableAutoSIPrefix(False)  # never "accuracy (x0.001)"
    item.setLabel("bottom", "epoch")
    item.setLabel("left", ylabel)
    item.showGrid(x=True, y=True, alpha=0.15)
    item.setMenuEnabled(False)
    plot.setMinimumSize(160, 140)  # two fit beside the builder in a 1024 px window
    return plot


def _button(text: str, name: str, tip: str) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    button.setToolTip(tip)
    return button


def _epoch_curve(plot: pg.PlotItem, name: str, color: tuple[int, int, int], symbol: str,
                 width: float = 2.0) -> pg.PlotDataItem:
    import pyqtgraph as pg

    return plot.plot(pen=pg.mkPen(*color, width=width), symbol=symbol, symbolSize=7,
                     symbolBrush=color, symbolPen=None, name=name)


class _Plot:
    """``panel.lossPlot`` / ``panel.accuracyPlot``: both plots are made on first access.

    A non-data descriptor: ``build_plots`` stores the widgets on the instance, which Python
    then finds first.
    """

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, panel: Any, owner: type | None = None) -> Any:
        if panel is None:
            return self
        panel.build_plots()
        return panel.__dict__[self.name]


class TrainingPanel(QWidget):
    """Runs training jobs on a TaskRunner and draws their progress live.

    With ``plots_later`` the two plots (and pyqtgraph, ~0.2 s to import) are made by
    ``build_plots()``, or on first use, instead of in the constructor: the main window
    paints first. Until then the curves' data is only collected.
    """

    lossPlot = _Plot()
    accuracyPlot = _Plot()

    trainRequested = Signal(bool)  # restart: Train/Continue (False) or Train from scratch
    runStarted = Signal()
    runFinished = Signal(object)  # RunResult
    batchesArrived = Signal(int, int)  # epoch (0-based), batches done in it
    epochEnded = Signal(int, object)  # epoch (0-based, counting earlier runs), logs
    probeArrived = Signal(str, int, object)  # probe name, epoch, its arrays
    messageShown = Signal(str)  # a NaN/error message also shown in a message box

    def __init__(self, tasks: TaskRunner | None = None, parent: QWidget | None = None,
                 plots_later: bool = False) -> None:
        super().__init__(parent)
        self.tasks = tasks if tasks is not None else TaskRunner(self)
        self._run_title = "Training"  # leads the status line while a run goes
        self._task: Task | None = None
        self.last_outcome: Any = None  # what the last job returned (RunResult, FinetuneReport…)
        self._session: Session | None = None
        self._message_box: QMessageBox | None = None
        self._has_weights = False
        self._planned_metric = "accuracy"  # what the next run reports, from its spec
        self._planned_end = EMPTY_EPOCHS  # the last epoch the x axis should show
        self._build_ui()
        self._timer = QTimer(self)
        self._finishing_timer = QTimer(self)  # re-checks a stopped run's last batches
        self._finishing_timer.setSingleShot(True)
        self._finishing_timer.setInterval(150)
        self._finishing_timer.timeout.connect(self._update_buttons)
        self._timer.setInterval(REDRAW_MS)
        self._timer.timeout.connect(self._redraw)
        self.clear_plots()
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
        self.trainingStatus = QLabel("")
        self.trainingStatus.setObjectName("trainingStatus")
        self.trainingStatus.setWordWrap(True)
        self.trainingStatus.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        # One key for both plots, above them: a legend inside a plot covered the curves, and
        # one in a title made a narrow plot wider than its view (clipped at 1024 px).
        self.plotKey = QLabel("&nbsp; ".join((_key("batch loss", BATCH_COLOR, "━"),
                                                _key("train", TRAIN_COLOR, "●"),
                                                _key("validation", VAL_COLOR, "■"))))
        self.plotKey.setObjectName("plotKey")
        self.plotKey.setWordWrap(True)
        self.logScaleBox = QCheckBox("Log scale")
        self.logScaleBox.setObjectName("lossLogScale")
        self.logScaleBox.setToolTip("Show the loss on a logarithmic axis (when it explodes or "
                                    "when small late changes matter)")
        self.logScaleBox.toggled.connect(self._on_log_scale)

        buttons = QHBoxLayout()
        for b in (self.trainButton, self.stopButton, self.restartButton):
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.plotArea = QWidget(objectName="trainingPlotArea")  # the plots' place, kept
        self.plotArea.setMinimumSize(2 * 160 + 6, 140)  # before they exist (_make_plot)
        plots = QHBoxLayout(self.plotArea)
        plots.setContentsMargins(0, 0, 0, 0)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.trainingProgress)
        status = QHBoxLayout()  # the buttons' row stays narrow enough for a 1024 px window
        status.addWidget(self.trainingStatus, 1)
        status.addWidget(self.logScaleBox, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(status)
        layout.addWidget(self.plotKey)
        layout.addWidget(self.plotArea, 1)

    def plots_ready(self) -> bool:
        """Whether the loss and accuracy plots exist (see ``plots_later``)."""
        return "lossPlot" in self.__dict__

    def build_plots(self) -> None:
        """Make the loss and accuracy plots and draw what was collected (once)."""
        if self.plots_ready():
            return
        loss, accuracy = _make_plot("lossPlot", "loss"), _make_plot("accuracyPlot", "accuracy")
        loss.getPlotItem().setTitle("Loss", color="#333", size="10pt")
        loss.getPlotItem().setLogMode(y=self.logScaleBox.isChecked())
        self.plotArea.layout().addWidget(loss, 1)
        self.plotArea.layout().addWidget(accuracy, 1)
        self.lossPlot, self.accuracyPlot = loss, accuracy
        self._make_curves()
        self._metric = ""  # label and range the new plots
        self._empty = None
        self._tick_step = 0
        self._dirty = True
        self._redraw()

    def _make_curves(self) -> None:
        import pyqtgraph as pg

        loss = self.lossPlot.getPlotItem()
        self._raw = loss.plot(pen=pg.mkPen(*BATCH_COLOR, 90, width=1), name="batch loss")
        self._smooth = loss.plot(pen=pg.mkPen(*BATCH_COLOR, width=2.5),
                                 name="batch loss, smoothed")
        for item in (self._raw, self._smooth):
            item.setDownsampling(auto=True, method="peak")
            item.setClipToView(True)
        self._epoch_loss = _epoch_curve(loss, "train loss (epoch)", TRAIN_COLOR, "o")
        self._val_loss = _epoch_curve(loss, "validation loss", VAL_COLOR, "s")
        acc = self.accuracyPlot.getPlotItem()
        self._train_metric = _epoch_curve(acc, "train", TRAIN_COLOR, "o")
        self._val_metric = _epoch_curve(acc, "validation", VAL_COLOR, "s")

    # ---- public API ---------------------------------------------------------------------

    def set_session(self, session: Session | None) -> None:
        """Show this session (e.g. a new network or a loaded project): its epoch history."""
        if self.is_running():
            return
        self._session = session
        self._has_weights = session is not None and session.model is not None
        self.clear_plots()
        if self._has_weights:
            self._load_history(session.history)
        self.trainingProgress.reset()
        self._update_buttons()

    def reset(self, spec: NetworkSpec | None = None) -> None:
        """Forget the shown session: a new network was built (no weights yet).

        With ``spec`` the empty plots are titled for what it will report (accuracy for a
        classifier, mean absolute error for an autoencoder or regressor).
        """
        if spec is not None and not self.is_running():
            self._planned_metric = metric_for(spec)
            self._planned_end = EMPTY_EPOCHS
        self.set_session(None)
        self._set_status("")

    def set_has_weights(self, has_weights: bool) -> None:
        """Say whether the current network has weights (e.g. a model file was opened)."""
        self._has_weights = bool(has_weights)
        self._update_buttons()

    def start(self, request: RunRequest, job: Job | None = None,
              title: str = "Training") -> Task | None:
        """Run ``request`` (or ``job``, which trains it) with the live curves; its Task or None.

        ``job(report, stop_event)`` defaults to ``core.training.train.run_request``; a fine-tune
        passes its own (measure, train, measure) and returns an object with ``.result``.
        The job holds the session and its model until it ends. ``title`` leads the status
        line while it runs (a fine-tune names its model: the builder's network is not it).
        """
        if self.is_running():
            return None
        self.build_plots()  # the run is drawn live
        request = request.for_next_run()
        if job is None:
            def job(report, stop, request=request):
                return run_request(request, EventObserver(report), stop)
        session = request.session
        if not self.is_running():
            self._planned_metric = metric_for(session.spec)
            self._planned_end = session.epochs_done * (not request.restart) + \
                request.config.epochs
        task = self.tasks.submit("train", job, holds=(session,),
                                 on_progress=self._on_event, on_done=self._on_done,
                                 on_failed=self._on_failed)
        if task is None:  # said in the panel: a modal box here would block its caller
            if _finishing(session):
                self._set_status("The stopped run is still finishing its last batches (a "
                                 "second or two); press Train again then.", error=True)
            else:
                self._set_status("This network is in use by another job (e.g. an "
                                 "evaluation); train again when it has finished.", error=True)
            return None
        if request.restart or session.model is None or session is not self._session:
            self.clear_plots()
            if not request.restart and session.model is not None:
                self._load_history(session.history)
        self._session = session
        self._task = task
        self._run_info = None
        self._run_title = title
        self._set_status(f"{title} · starting…")
        self.trainingProgress.setRange(0, 0)  # busy until the first batch (model compiles)
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
            self._task.cancel()
            self.stopButton.setEnabled(False)
            self._set_status("Stopping after this batch…")

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
        self._bx: list[float] = []
        self._by: list[float] = []
        self._bs: list[float] = []
        self._ema = 0.0
        self._ema_n = 0
        self._epochs: dict[str, tuple[list[float], list[float]]] = {}
        self._logs: dict[str, float] = {}
        self._run_info: RunInfo | None = None
        self._progress = (0, 0)
        self._t_first: tuple[float, int] | None = None
        self._tick_step = 0
        self._metric = ""
        self._empty: bool | None = None
        self._dirty = True
        self._redraw()

    # ---- job events (GUI thread) --------------------------------------------------------

    def _on_event(self, event: tuple) -> None:
        kind = event[0]
        if kind == "batches":
            self._on_batches(*event[1:])
            self.batchesArrived.emit(event[1], event[2])
        elif kind == "epoch":
            self._on_epoch(*event[1:])
            self.epochEnded.emit(*event[1:])
        elif kind == "probe":
            self.probeArrived.emit(*event[1:])
        elif kind == "begin":
            self._on_begun(event[1])
        elif kind == "status":
            self._on_status(event[1])

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
        self._run_info = info
        self._t_first = None
        points_per_epoch = max(1, math.ceil(info.steps_per_epoch / info.steps_per_execution))
        window = min(50.0, max(3.0, points_per_epoch / 8))
        self._beta = 1.0 - 1.0 / window
        self._progress = (info.initial_epoch, 0)
        self._planned_end = info.initial_epoch + info.epochs
        self._tick_step = 0  # the axis end moved: re-space the ticks
        self.trainingProgress.setRange(0, max(1, info.epochs * info.steps_per_epoch))
        self.trainingProgress.setValue(0)
        self._dirty = True

    @Slot(int, int, object, object)
    def _on_batches(self, epoch: int, step: int, points: list, logs: dict) -> None:
        info = self._run_info
        if info is None:
            return
        spe = info.steps_per_epoch
        beta = self._beta
        # With several steps per compiled call Keras may number the last chunk's batch past
        # the end of the epoch; the bundle's epoch says where the points really belong.
        end = epoch + 1.0
        for gstep, loss in points:
            self._bx.append(min(gstep / spe, end))
            value = float(loss) if math.isfinite(loss) else math.nan
            self._by.append(value)
            if math.isfinite(value):
                self._ema_n += 1
                self._ema = beta * self._ema + (1 - beta) * value
            self._bs.append(self._ema / (1 - beta ** self._ema_n) if self._ema_n else math.nan)
        step = min(step, spe)
        self._progress = (epoch, step)
        if logs:
            self._logs = logs
        done = (epoch - info.initial_epoch) * spe + step
        if self._t_first is None:
            self._t_first = (time.perf_counter(), done)
        self._dirty = True

    @Slot(int, object)
    def _on_epoch(self, epoch: int, logs: dict) -> None:
        x = float(logs.get("epoch", epoch + 1.0))  # a stopped epoch sits where it ended
        for key, value in logs.items():
            if key in ("epoch_time", "epoch"):
                continue
            xs, ys = self._epochs.setdefault(key, ([], []))
            xs.append(x)
            ys.append(float(value))
        self._dirty = True

    @Slot(str)
    def _on_status(self, text: str) -> None:
        if self.is_running():
            self._set_status(text)

    @Slot(object)
    def _on_ended(self, result: RunResult) -> None:
        self._timer.stop()
        info = self._run_info
        if info is not None:
            total = max(1, info.epochs * info.steps_per_epoch)
            self.trainingProgress.setRange(0, total)
            if result.reason == "finished":
                self._progress = (info.initial_epoch + info.epochs - 1, info.steps_per_epoch)
        else:
            self.trainingProgress.setRange(0, 1)
            self.trainingProgress.setValue(0)
        self._dirty = True
        self._redraw(final=True)
        self._has_weights = self._session is not None and self._session.model is not None
        if result.ok:
            self._set_status(f"{result.message} (this run took {result.seconds:.1f} s.)")
        else:
            self._set_status(result.message, error=True)
            self._show_message(result.message)
        self._update_buttons()
        self.runFinished.emit(result)

    # ---- drawing ------------------------------------------------------------------------

    def showEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        self._redraw(final=not self.is_running())  # what arrived while another tab was shown
        super().showEvent(event)

    def _redraw(self, final: bool = False) -> None:
        if not self._dirty or not self.plots_ready():  # drawn when the plots are made
            return
        final = final or not self.is_running()  # a redraw after a run keeps its last words
        if out_of_sight(self):
            self._update_progress(final)  # cheap; the curves wait for the tab to be shown
            return
        self._dirty = False
        if self._bx:
            x = np.asarray(self._bx, dtype=float)
            self._raw.setData(x, np.asarray(self._by, dtype=float), connect="finite")
            self._smooth.setData(x, np.asarray(self._bs, dtype=float), connect="finite")
        else:
            self._raw.setData([], [])
            self._smooth.setData([], [])
        loss_moved = self._set_curve(self._epoch_loss, "loss")
        loss_moved |= self._set_curve(self._val_loss, "val_loss")
        if loss_moved and not final and self.is_running():
            # an epoch ended: the accuracy plot's new points (and its paint, ~10 ms) come in
            # the next turn, not on top of the loss plot's
            QTimer.singleShot(SPACING_MS, self, self._draw_metric)
        else:
            self._draw_metric()
        self._set_ranges()
        self._update_progress(final)

    def _draw_metric(self) -> None:
        """The accuracy (or other metric) plot's epoch curves, its axis named from the logs."""
        if not self.plots_ready():
            return
        metric = next((k for k in ("accuracy", "mae", "mse") if k in self._epochs),
                      next((k for k in self._epochs if k != "loss"
                            and not k.startswith("val_")), self._planned_metric))
        if metric != self._metric:  # label the axis from the log keys present
            self._metric = metric
            label = METRIC_LABELS.get(metric, metric)
            title = "Accuracy" if metric == "accuracy" else label.capitalize()
            acc = self.accuracyPlot.getPlotItem()
            acc.setLabel("left", label)
            acc.setTitle(title, color="#333", size="10pt")  # short: fits a 160 px plot
            self._empty = None  # the empty range depends on the metric
            self._set_ranges()
        scale = 100.0 if metric == "accuracy" else 1.0
        self._set_curve(self._train_metric, metric, scale)
        self._set_curve(self._val_metric, "val_" + metric, scale)

    def _last_epoch(self) -> float:
        last = max((xs[-1] for xs, _ in self._epochs.values() if xs), default=0.0)
        if self._bx:
            last = max(last, self._bx[-1])
        return last

    def _set_ranges(self) -> None:
        """Epochs 0..the run's last on x with whole-epoch ticks; a fixed range when empty."""
        end = max(float(self._planned_end), math.ceil(self._last_epoch()), 1.0)
        empty = not self._bx and not self._epochs
        width = min(self.lossPlot.width(), self.accuracyPlot.width()) - 60  # minus the axis
        step = epoch_tick_step(end, width)
        for plot in (self.lossPlot, self.accuracyPlot):
            item = plot.getPlotItem()
            item.setXRange(0.0, end, padding=0.02)
            if step != self._tick_step:
                item.getAxis("bottom").setTickSpacing(step, step)
        self._tick_step = step
        if empty == self._empty:
            return
        self._empty = empty
        acc, loss = self.accuracyPlot.getPlotItem(), self.lossPlot.getPlotItem()
        if empty:  # never pyqtgraph's -30..30 or the last model's leftovers
            top = 100.0 if self._metric == "accuracy" else 1.0
            acc.setYRange(0.0, top, padding=0.02)
            loss.setYRange(*((-2.0, 1.0) if self.logScaleBox.isChecked() else (0.0, 1.0)),
                           padding=0.02)
        else:
            acc.enableAutoRange(axis="y")
            loss.enableAutoRange(axis="y")

    def _on_log_scale(self, on: bool) -> None:
        self.lossPlot.getPlotItem().setLogMode(y=on)
        self._empty = None
        self._dirty = True
        self._redraw()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        super().resizeEvent(event)
        self._tick_step = 0  # re-space the epoch labels for the new width
        self._dirty = True
        self._redraw()

    def _set_curve(self, item: pg.PlotDataItem, key: str, scale: float = 1.0) -> bool:
        """An epoch curve, set only when its points changed: between epochs the batch curve
        alone moves, and re-setting unchanged curves repainted the accuracy plot (~10 ms a
        redraw, 20 times a second). Whether it was set."""
        xs, ys = self._epochs.get(key, ([], []))
        shown = (scale, tuple(xs), tuple(ys))
        if getattr(item, "_nngui_shown", None) == shown:
            return False
        item._nngui_shown = shown
        item.setData(np.asarray(xs, dtype=float), scale * np.asarray(ys, dtype=float))
        return True

    def _update_progress(self, final: bool) -> None:
        info = self._run_info
        if info is None:
            return
        epoch, step = self._progress
        spe = info.steps_per_epoch
        done = (epoch - info.initial_epoch) * spe + step
        total = max(1, info.epochs * spe)
        self.trainingProgress.setValue(min(done, total))
        last = info.initial_epoch + info.epochs
        tail = "ETA –"
        if final:
            tail = "done" if done >= total else "stopped"
        elif self._t_first is not None and done > self._t_first[1]:
            t0, d0 = self._t_first
            rate = (done - d0) / max(time.perf_counter() - t0, 1e-6)
            tail = "ETA " + format_duration((total - done) / rate)
        self.trainingProgress.setFormat(
            f"Epoch {min(epoch + 1, last)}/{last} · batch {step}/{spe} · {tail}")
        if not final and self._logs:
            self._set_status(f"{self._run_title} · " + _format_logs(self._logs))

    def _load_history(self, history: dict[str, list[float]]) -> None:
        for key, values in history.items():
            if key in ("epoch_time", "epoch"):
                continue
            xs = history.get("epoch", [])
            if len(xs) != len(values):
                xs = [float(i + 1) for i in range(len(values))]
            # a stopped epoch's part has no validation (NaN): skipped, as the live run did,
            # not a gap in the reopened curve
            pairs = [(float(x), float(v)) for x, v in zip(xs, values, strict=True)
                     if math.isfinite(v)]
            self._epochs[key] = ([x for x, _ in pairs], [v for _, v in pairs])
        self._dirty = True
        self._redraw()

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

    def _set_status(self, text: str, error: bool = False) -> None:
        self.trainingStatus.setStyleSheet(ERROR_STYLE if error else "")
        self.trainingStatus.setText(text)

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


def _format_logs(logs: dict[str, float]) -> str:
    """'accuracy 93.1 % · loss 0.2345' from running Keras logs."""
    return " · ".join(f"{k} {100 * v:.1f} %" if "accuracy" in k else f"{k} {v:.4g}"
                      for k, v in logs.items() if k != "epoch_time")
