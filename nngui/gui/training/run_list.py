"""Runs side by side: every run in a list, ticked runs' curves overlaid, sweeps, overfitting.

The runs are the session state's (``SessionState.runs``, core/files/run_state.py): a
``RunRecorder`` (run_recorder.py) lists each run the training panel runs, and the list's rows
follow the state's "runs" notifications (``sync``); renaming a row (double-click, F2), Remove
(Delete) and Undo (Ctrl+Z) are the state's transitions too. A sweep trains the builder's network with 3–5 settings one after another
(through the same training panel, so the live views follow along) and ticks them all.
The plot of the ticked runs is drawn by ``run_plot.RunPlot`` (mixed in), the sweep status
lines are worded by ``sweep_texts``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nngui.core.files.state import SessionState
from nngui.core.network.spec import LR_SCHEDULES, NetworkSpec, TrainConfig
from nngui.core.training import seeds as seed_groups
from nngui.core.training.observer import RunResult
from nngui.core.training.replay import Replay
from nngui.core.training.runs import RunRecord, lr_sweep, optimizer_sweep
from nngui.core.training.session import RunRequest
from nngui.gui.common.axes import whole_number_ticks
from nngui.gui.common.empty_plot import EmptyState
from nngui.gui.common.info_line import ElidedLabel
from nngui.gui.training.run_edits import RunEdits
from nngui.gui.training.run_items import SWEEP, describe, make_rows, new_item, record_of
from nngui.gui.training.run_plot import RunPlot
from nngui.gui.training.run_recorder import RunRecorder
from nngui.gui.training.run_rows import RowTexts
from nngui.gui.training.sweep_texts import (  # noqa: F401 (about: the sweep's public texts)
    about,
    sweep_finished,
    sweep_not_started,
    sweep_progress,
    sweep_stopped,
    sweep_title,
)

METRICS = ("val_loss", "loss", "val_accuracy", "accuracy", "test_loss", "test_accuracy",
           "learning_rate")


class RunsPanel(RunPlot, RunEdits, QWidget):
    """The run list with overlaid curves, the sweep buttons and a few training options."""

    sweepFinished = Signal(int)  # runs the sweep trained
    sweepEnded = Signal(str)  # finished or stopped, in words ("… stopped in run 2 of 5 …")
    runShown = Signal()  # the list was drawn again: its current run may be another one

    def __init__(self, training, request_for: Callable[[NetworkSpec], RunRequest | None],
                 spec: Callable[[], NetworkSpec], config: Callable[[], TrainConfig],
                 parent: QWidget | None = None, recorder: RunRecorder | None = None) -> None:
        super().__init__(parent)
        # the runs are the state's: the recorder lists them (made here without a window)
        self.recorder = recorder or RunRecorder(training, config=config, parent=self)
        self._stale = False  # runs not drawn yet: the panel was out of sight (sight.py)
        self.bands: dict[str, tuple] = {}  # seed group → (Band, mean, low, high curves) drawn
        self.training = training
        self.request_for, self.spec, self.config = request_for, spec, config
        self._prepared: dict[int, QTreeWidgetItem] = {}  # rows made ahead (run uid → row)
        # (setting, spec, seed or None: the builder's, seed-group settings or None)
        self._queue: list[tuple[str, NetworkSpec, int | None, dict | None]] = []
        self._in_flight: tuple[int | None, dict | None] = (None, None)  # its seed, group
        self._removed: list[tuple[int, RunRecord, bool, bool]] = []  # Remove's undo
        self._sweep_name = ""
        self._sweep_done = 0
        self._sweep_total = 0
        self._setting = ""  # the setting of the sweep's run in flight ("lr 0.01")
        self._seconds: list[float] = []  # how long each finished sweep run took
        self._t_run = self._t_sweep = 0.0  # when the run in flight, the sweep, started
        self.clock = time.monotonic  # the estimate's clock
        self._ticker = QTimer(self)  # the time left counts down while a run goes
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self._show_progress)
        self._label = ""  # the name of the run in flight (a sweep's setting)
        self._build_ui()
        self.build_edits()
        training.runStarted.connect(self._on_run_started)
        training.runFinished.connect(self._on_run_finished)  # after the recorder's
        self.state().subscribe(self._on_state)
        self.sync()

    def _build_ui(self) -> None:
        self.runList = QTreeWidget()
        self.runList.setObjectName("runList")
        self.runList.setHeaderLabels(["Run (tick to overlay)", "Epochs", "Final"])
        self.runList.setRootIsDecorated(False)
        self.runList.setColumnWidth(0, 190)
        self.runList.setColumnWidth(1, 50)
        self.runList.itemChanged.connect(self._on_item_changed)
        self.runList.currentItemChanged.connect(lambda *_: self.redraw())
        self.metricCombo = QComboBox()
        self.metricCombo.setObjectName("runMetricCombo")
        self.metricCombo.addItems(METRICS)
        self.metricCombo.currentIndexChanged.connect(lambda _i: self.redraw())
        self.lrSweepButton = QPushButton("Learning-rate sweep")
        self.lrSweepButton.setObjectName("lrSweepButton")
        self.lrSweepButton.setToolTip("Train the network from scratch at 0.1×, 0.3×, 1×, 3× and "
                                      "10× its learning rate, one after another")
        self.lrSweepButton.clicked.connect(lambda: self.start_sweep("lr"))
        self.optimizerSweepButton = QPushButton("Compare optimizers")
        self.optimizerSweepButton.setObjectName("optimizerSweepButton")
        self.optimizerSweepButton.setToolTip("Train the network from scratch with SGD, RMSprop, "
                                             "Adam and AdaGrad at their default rates")
        self.optimizerSweepButton.clicked.connect(lambda: self.start_sweep("optimizer"))
        self.seedRepeatSpin = QSpinBox()
        self.seedRepeatSpin.setObjectName("seedRepeatSpin")
        self.seedRepeatSpin.setRange(1, seed_groups.MAX_REPEATS)
        self.seedRepeatSpin.setPrefix("× ")
        self.seedRepeatSpin.setToolTip("Repeat with N seeds: train each setting N times from "
                                       "scratch with seeds s, s+1, … (s: the seed in the "
                                       "training settings) and draw the runs' mean ± spread "
                                       "(standard deviation) as one band; sweeps repeat each "
                                       "of their settings too")
        self.seedRepeatButton = QPushButton("Repeat with seeds")
        self.seedRepeatButton.setObjectName("seedRepeatButton")
        self.seedRepeatButton.setToolTip("Train the network from scratch once per seed (the "
                                         "number beside) and compare them as one band")
        self.seedRepeatButton.clicked.connect(lambda: self.start_sweep("seeds"))
        # one line in the buttons' row, empty when no sweep speaks: a line of its own below
        # them came and went with each sweep and moved everything above it by 20 px
        self.sweepStatus = ElidedLabel("")
        self.sweepStatus.setObjectName("sweepStatus")
        self.comparePlot = pg.PlotWidget(background="w")
        self.comparePlot.setObjectName("runComparePlot")
        item = self.comparePlot.getPlotItem()
        item.setMenuEnabled(False)
        item.setLabel("bottom", "epoch")
        whole_number_ticks(item.getAxis("bottom"))
        item.getAxis("left").enableAutoSIPrefix(False)
        # no legend in the plot (five sweep runs' names covered their last epochs): each
        # ticked run's row in the list wears its curve's colour instead (``_colour_rows``)
        self.comparePlot.setMinimumSize(240, 150)
        self.compareEmpty = EmptyState(item)  # why nothing is drawn, from the ticked runs
        self.overfitNote = QLabel("")
        self.overfitNote.setObjectName("overfitNote")
        self.overfitNote.setWordWrap(True)
        # two lines kept for it: a wrapped label's second line is not in the panel's minimum
        # size, and in the Watch tab's splitter at 1366x768 beside the Lessons dock the plot
        # above then covered its first line
        self.overfitNote.setMinimumHeight(2 * self.overfitNote.fontMetrics().lineSpacing())

        self.earlyStopSpin = _spin("earlyStopSpin", "Early stopping patience (0: off): stop "
                                   "after this many epochs without a better validation loss")
        self.restoreBestCheck = QCheckBox("restore best")
        self.restoreBestCheck.setObjectName("restoreBestCheck")
        self.restoreBestCheck.setChecked(True)
        self.reduceLrSpin = _spin("reduceLrSpin", "Reduce LR on plateau patience (0: off): "
                                  "halve the rate after this many flat epochs")
        self.scheduleCombo = QComboBox()
        self.scheduleCombo.setObjectName("lrScheduleCombo")
        self.scheduleCombo.addItems(LR_SCHEDULES)
        self.scheduleCombo.setToolTip("step: halve the rate every 10 epochs; cosine: fall to 0 "
                                      "along a half cosine over the run")

        top = QHBoxLayout()
        top.addWidget(self.lrSweepButton)
        top.addWidget(self.optimizerSweepButton)
        top.addWidget(self.seedRepeatButton)
        top.addWidget(self.seedRepeatSpin)
        top.addWidget(self.sweepStatus, 1)
        top.addWidget(QLabel("Plot"))
        top.addWidget(self.metricCombo)
        opts = QHBoxLayout()
        opts.addWidget(QLabel("Early stop"))
        opts.addWidget(self.earlyStopSpin)
        opts.addWidget(self.restoreBestCheck)
        opts.addWidget(QLabel("LR plateau"))
        opts.addWidget(self.reduceLrSpin)
        opts.addWidget(QLabel("Schedule"))
        opts.addWidget(self.scheduleCombo)
        opts.addStretch(1)
        body = QHBoxLayout()
        body.addWidget(self.runList, 2)
        body.addWidget(self.comparePlot, 3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addLayout(body, 1)
        layout.addWidget(self.overfitNote)
        layout.addLayout(opts)

    # ---- options ------------------------------------------------------------------------

    def apply_options(self, config: TrainConfig) -> TrainConfig:
        """``config`` with the options switched on here (early stopping, plateau, schedule).

        Options left off here keep the config's own (e.g. from an opened network file).
        """
        schedule = self.scheduleCombo.currentText()
        return replace(config,
                       early_stopping_patience=(self.earlyStopSpin.value()
                                                or config.early_stopping_patience),
                       restore_best=self.restoreBestCheck.isChecked() and config.restore_best,
                       reduce_lr_patience=self.reduceLrSpin.value() or config.reduce_lr_patience,
                       lr_schedule=schedule if schedule != "constant" else config.lr_schedule)

    # ---- sweeps -------------------------------------------------------------------------

    def start_sweep(self, kind: str) -> bool:
        """Train the builder's network with each setting of a sweep, one after another."""
        if self._queue or self.training.is_running():
            return False
        base = self.spec()
        repeats = self.seedRepeatSpin.value()
        settings = [("", base)] if kind == "seeds" else \
            lr_sweep(base) if kind == "lr" else optimizer_sweep(base)
        self._queue = seed_groups.repeated(settings, repeats, self.config().seed) \
            if repeats > 1 or \
            kind == "seeds" else [(label, spec, None, None) for label, spec in settings]
        self._sweep_name = {"lr": "LR sweep", "optimizer": "optimizers"}.get(
            kind, f"Seeds ×{repeats}")
        self._sweep_done = 0
        self._sweep_total = len(self._queue)
        self._seconds = []
        self._t_sweep = self.clock()
        for i in range(self.runList.topLevelItemCount()):  # the sweep's runs, compared alone
            self.runList.topLevelItem(i).setCheckState(0, Qt.CheckState.Unchecked)
        self._set_buttons()
        return self._next()

    def is_sweeping(self) -> bool:
        return bool(self._queue) or bool(self._label)

    def _next(self) -> bool:
        if self._queue:
            self._setting, spec, seed, group = self._queue.pop(0)
            request = self.request_for(spec)
            if request is not None and seed is not None:
                request = replace(request, config=replace(request.config, seed=seed))
            self._in_flight = (seed, group)
            if request is not None:
                self._label = f"{self._sweep_name}: {self._setting}"
                self.recorder.sweep = (self._label, seed, group)
                self._t_run = self.clock()
                self._show_progress()
                k = self._sweep_done + 1
                title = f"{sweep_title(self._sweep_name)} · run {k} of {self._sweep_total} · " \
                    f"{self._setting}"  # the Train tab's status line; its bar has the ETA
                if self.training.start(request, title=title) is not None:
                    self._ticker.start()
                    return True
                self._label = ""
                self.recorder.sweep = None
            # the reason is in the status bar (no data…) or the Train tab (network busy)
            self._end_sweep(sweep_not_started(self._sweep_name, self._sweep_done + 1,
                                              self._sweep_total, self._setting), announce=False)
            return False
        self._end_sweep(sweep_finished(self._sweep_name, self._sweep_done,
                                       self.clock() - self._t_sweep))
        return False

    def _show_progress(self) -> None:
        """'LR sweep · run 2 of 5 · lr 0.01 · ~40 s left' while a sweep's run goes."""
        if not self._label:
            self._ticker.stop()
            return
        self.sweepStatus.setText(sweep_progress(
            self._sweep_name, self._sweep_done + 1, self._sweep_total, self._setting,
            self._seconds, self.clock() - self._t_run))

    def _end_sweep(self, message: str, announce: bool = True) -> None:
        self._ticker.stop()
        self._queue.clear()
        self._label = ""
        self.recorder.sweep = None
        self._set_buttons()
        self.sweepStatus.setText(message)
        if announce:
            self.sweepEnded.emit(message)
        self.sweepFinished.emit(self._sweep_done)

    def _set_buttons(self) -> None:
        on = not self._queue
        self.lrSweepButton.setEnabled(on)
        self.optimizerSweepButton.setEnabled(on)
        self.seedRepeatButton.setEnabled(on)

    # ---- runs: the state's ---------------------------------------------------------------

    def state(self) -> SessionState:
        """The session state whose runs the list shows."""
        return self.recorder.state()

    @property
    def records(self) -> list[RunRecord]:
        """The runs, as the state holds them (the rows draw these)."""
        return self.state().runs

    @property
    def recording(self) -> Replay | None:
        """The replay of the run in flight (its frames so far), or None."""
        live = self.state().live
        return live.replay if live is not None else None

    def record_at(self, row: int) -> RunRecord:
        """The run row ``row`` draws."""
        return record_of(self.runList.topLevelItem(row))

    def current_record(self) -> RunRecord | None:
        """The run whose row is current (the latest one, unless the user chose another)."""
        item = self.runList.currentItem()
        return None if item is None else record_of(item)

    def record_frame(self, name: str, epoch: int, payload) -> bool:
        """Keep a probe's payload in the replay of the run in flight (a Continue extends its
        record's replay); False when it is not a replayed view or no run is in flight."""
        return self.recorder.frame_kept(name, epoch, payload)

    def _on_state(self, _state: SessionState, what: str) -> None:
        if what in ("runs", "new", "swapped"):
            if what != "runs":
                self._removed.clear()  # another project's runs: nothing to undo here
            self.sync()

    def _on_run_started(self) -> None:
        if not self.is_sweeping():  # a run of its own: an earlier sweep's words are old news
            self.sweepStatus.clear()

    def _on_run_finished(self, result: RunResult) -> None:
        """The recorder has listed the run (its slot comes first): a sweep goes on."""
        if self._label:
            k = self._sweep_done + 1
            self._sweep_done = k
            self._seconds.append(self.clock() - self._t_run)
            self._label = ""
            self.recorder.sweep = None
            if result.reason == "stopped":  # Stop ends the whole sweep: say what it stopped
                self._end_sweep(sweep_stopped(self._sweep_name, k, self._sweep_total,
                                              self._setting))
            else:
                QTimer.singleShot(0, self, self._next)  # the next run, or the sweep's summary

    def sync(self) -> None:
        """The rows follow the state's runs: a row per run, in its order, drawing its record.
        A new run's row is ticked and current (an ordinary run's unticks the others; a
        sweep's keep theirs); a changed run's row draws its new record and is current; a
        whole new list (an opened project) is shown as if each had just finished in turn,
        only the last ticked and current. Drawn once."""
        records = self.state().runs
        tree = self.runList
        rows = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
        if len(rows) == len(records) and all(
                record_of(item) is rec for item, rec in zip(rows, records, strict=True)):
            return
        by_uid = {record_of(item).uid: item for item in rows}
        prepared, self._prepared = self._prepared, {}
        kept = [rec.uid in by_uid for rec in records]
        wholesale = not any(kept)
        items: list[QTreeWidgetItem] = []
        target = None  # the row to make current
        sweep = self.is_sweeping()
        blocked = tree.blockSignals(True)
        try:
            for rec, was in zip(records, kept, strict=True):
                item = by_uid.pop(rec.uid) if was else prepared.get(rec.uid)
                if item is None:
                    item = new_item(rec, sweep, checked=False)
                    if not wholesale:
                        self._tick_new(item, sweep, rows)
                        target = item
                elif was and record_of(item) is not rec:
                    describe(item, rec)
                    target = item
                items.append(item)
            gone = set(map(id, by_uid.values()))
            if wholesale or len(gone) == len(rows):
                tree.clear()
                tree.addTopLevelItems(items)
            else:
                for i in reversed(range(len(rows))):
                    if id(rows[i]) in gone:
                        tree.takeTopLevelItem(i)
                for i, item in enumerate(items):
                    if tree.topLevelItem(i) is not item:
                        tree.insertTopLevelItem(i, item)
            if wholesale:
                for item in items:
                    item.setCheckState(0, Qt.CheckState.Unchecked)
                if items:
                    items[-1].setCheckState(0, Qt.CheckState.Checked)
                target = items[-1] if items else None
                if not self.is_sweeping():  # an earlier sweep's words are not about these
                    self.sweepStatus.clear()
            if target is not None or wholesale:
                tree.setCurrentItem(target)
        finally:
            tree.blockSignals(blocked)
        self.redraw()

    @staticmethod
    def _tick_new(item: QTreeWidgetItem, sweep: bool, rows: list[QTreeWidgetItem]) -> None:
        """A new run's row is ticked (a sweep's runs are meant to be compared; an ordinary
        run only the latest, so adding one unticks the others that no sweep made)."""
        item.setCheckState(0, Qt.CheckState.Checked)
        if not sweep:
            for other in rows:
                if not other.data(0, SWEEP):
                    other.setCheckState(0, Qt.CheckState.Unchecked)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        if self._stale:
            self.redraw()  # runs that ended while another tab was in front
        super().showEvent(event)

    def prepare(self, records: list[RunRecord], items: list[QTreeWidgetItem]) -> None:
        """Rows made ahead for ``records`` (an opened project's, before its state is swapped
        in): ``sync`` shows them when the state has those runs."""
        if len(items) != len(records):
            raise ValueError(f"{len(items)} rows for {len(records)} runs")
        self._prepared = {rec.uid: item for rec, item in zip(records, items, strict=True)}

    def show_runs(self, records: list[RunRecord], rows: list[RowTexts] | None = None,
                  items: list[QTreeWidgetItem] | None = None) -> None:
        """The state's run list becomes ``records`` (``run_listed``); the rows follow (with
        their ``row_texts`` or rows, if made already)."""
        if items is None and rows is not None:
            items = make_rows(records, rows)
        if items is not None:
            self.prepare(records, items)
        self.state().run_listed(records)


def _spin(name: str, tip: str) -> QSpinBox:
    spin = QSpinBox()
    spin.setObjectName(name)
    spin.setRange(0, 100)
    spin.setToolTip(tip)
    return spin
