"""Runs side by side: every run in a list, ticked runs' curves overlaid, sweeps, overfitting.

The panel records each run when the training panel says it finished (name, settings, curves,
final numbers). A sweep trains the builder's network with 3–5 settings one after another
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

from nngui.core.network.spec import LR_SCHEDULES, NetworkSpec, TrainConfig
from nngui.core.training import seeds as seed_groups
from nngui.core.training.controls import CHANGES_NOTE, describe, lr_path
from nngui.core.training.observer import RunResult
from nngui.core.training.replay import Replay
from nngui.core.training.runs import (
    TEST_NOTE,
    RunList,
    RunRecord,
    lr_sweep,
    optimizer_sweep,
    settings_of,
    with_test_curve,
)
from nngui.core.training.session import RunRequest
from nngui.gui.common.axes import whole_number_ticks
from nngui.gui.common.empty_plot import EmptyState
from nngui.gui.training.run_plot import RunPlot
from nngui.gui.training.run_rows import RowTexts, row_texts
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


class RunsPanel(RunPlot, QWidget):
    """The run list with overlaid curves, the sweep buttons and a few training options."""

    sweepFinished = Signal(int)  # runs the sweep trained
    sweepEnded = Signal(str)  # finished or stopped, in words ("… stopped in run 2 of 5 …")
    runShown = Signal()  # the list was drawn again: its current run may be another one

    def __init__(self, training, request_for: Callable[[NetworkSpec], RunRequest | None],
                 spec: Callable[[], NetworkSpec], config: Callable[[], TrainConfig],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._stale = False  # runs not drawn yet: the panel was out of sight (sight.py)
        self.bands: dict[str, tuple] = {}  # seed group → (Band, mean, low, high curves) drawn
        self.training = training
        self.request_for, self.spec, self.config = request_for, spec, config
        self.runs = RunList()
        # (setting, spec, seed or None: the builder's, seed-group settings or None)
        self._queue: list[tuple[str, NetworkSpec, int | None, dict | None]] = []
        self._in_flight: tuple[int | None, dict | None] = (None, None)  # its seed, group
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
        self._test: list[dict[str, float]] = []  # the run in flight's test-curve logs, in order
        self._test_size = (0, 0)  # (subset, whole test set) of those
        self.recording: Replay | None = None  # the run in flight's replay (record_frame)
        self._build_ui()
        training.runStarted.connect(self._on_run_started)
        training.probeArrived.connect(self._on_probe)
        training.runFinished.connect(self._on_run_finished)

    def _build_ui(self) -> None:
        self.runList = QTreeWidget()
        self.runList.setObjectName("runList")
        self.runList.setHeaderLabels(["Run (tick to overlay)", "Epochs", "Final"])
        self.runList.setRootIsDecorated(False)
        self.runList.setColumnWidth(0, 190)
        self.runList.setColumnWidth(1, 50)
        self.runList.itemChanged.connect(lambda *_: self.redraw())
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
        self.sweepStatus = QLabel("")
        self.sweepStatus.setObjectName("sweepStatus")
        self.sweepStatus.setWordWrap(True)
        self.sweepStatus.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.sweepStatus.hide()
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
        top.addStretch(1)
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
        layout.addWidget(self.sweepStatus)
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
                self._t_run = self.clock()
                self._show_progress()
                k = self._sweep_done + 1
                title = f"{sweep_title(self._sweep_name)} · run {k} of {self._sweep_total} · " \
                    f"{self._setting}"  # the Train tab's status line; its bar has the ETA
                if self.training.start(request, title=title) is not None:
                    self._ticker.start()
                    return True
                self._label = ""
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
        self.sweepStatus.show()

    def _end_sweep(self, message: str, announce: bool = True) -> None:
        self._ticker.stop()
        self._queue.clear()
        self._label = ""
        self._set_buttons()
        self.sweepStatus.setText(message)
        self.sweepStatus.show()
        if announce:
            self.sweepEnded.emit(message)
        self.sweepFinished.emit(self._sweep_done)

    def _set_buttons(self) -> None:
        on = not self._queue
        self.lrSweepButton.setEnabled(on)
        self.optimizerSweepButton.setEnabled(on)
        self.seedRepeatButton.setEnabled(on)

    # ---- runs ---------------------------------------------------------------------------

    def _on_run_started(self) -> None:
        self._test, self._test_size = [], (0, 0)
        self.recording = None
        if not self.is_sweeping():  # a run of its own: an earlier sweep's words are old news
            self.sweepStatus.clear()
            self.sweepStatus.hide()

    def record_frame(self, name: str, epoch: int, payload) -> bool:
        """Keep a probe's payload in the replay of the run in flight (a Continue extends its
        record's replay); False when it is not a replayed view or no run is in flight."""
        session = self.training.session
        if session is None or not self.training.is_running():
            return False
        if self.recording is None:
            earlier = self.runs.find(session)
            self.recording = earlier.replay if earlier is not None and \
                earlier.replay is not None else Replay()
        return self.recording.add(name, epoch, payload)

    def current_record(self) -> RunRecord | None:
        """The run whose row is current (the latest one, unless the user chose another)."""
        item = self.runList.currentItem()
        return None if item is None else \
            self.runs.records[self.runList.indexOfTopLevelItem(item)]

    def _on_probe(self, name: str, _epoch: int, payload) -> None:
        """Keep the test curve the training thread measured (the Watch overfit view's)."""
        if name == "test_curve" and payload is not None:
            self._test.append(dict(payload["logs"]))
            self._test_size = (int(payload["n"]), int(payload["total"]))

    def _on_run_finished(self, result: RunResult) -> None:
        session = self.training.session
        if session is None:
            return
        spec = session.spec
        # the rate it started with and every rate a live change gave it (not the first alone)
        rates = lr_path(spec.lr, session.changes)
        name = self._label or f"{spec.name} · {spec.optimizer} {rates}"
        if self._label and "→" in rates:  # a sweep's run whose rate was changed live
            name = f"{self._label} ({rates} live)"
        earlier = self.runs.find(session)
        history = with_test_curve(session.history, earlier.history if earlier else {},
                                  len(result.history.get("loss", [])), self._test)
        settings = settings_of(spec, self.config())
        n, total = self._test_size
        if n:
            settings[TEST_NOTE] = (f"test_* curves on a fixed subset of {n:,} of {total:,} "
                                   "test samples")
        elif earlier is not None and TEST_NOTE in earlier.settings:
            settings[TEST_NOTE] = earlier.settings[TEST_NOTE]
        seed, group = self._in_flight if self._label else (None, None)
        if seed is not None:
            settings[seed_groups.SEED] = seed
        if group is not None:
            settings.update(group)
        elif earlier is not None:  # a Continue of a group's run stays in its group
            settings.update({k: earlier.settings[k] for k in (seed_groups.SEED,
                             seed_groups.GROUP, seed_groups.GROUP_NAME) if k in earlier.settings})
        self._test = []
        if session.changes:  # the learning rate or momentum turned while it trained
            settings[CHANGES_NOTE] = describe(session.changes)
        rec = self.runs.record(session, name, settings, history, result.reason)
        if self.recording is not None and len(self.recording):
            rec.replay = self.recording
        self.recording = None
        self._show_record(rec, sweep=bool(self._label))
        if self._label:
            k = self._sweep_done + 1
            self._sweep_done = k
            self._seconds.append(self.clock() - self._t_run)
            self._label = ""
            if result.reason == "stopped":  # Stop ends the whole sweep: say what it stopped
                self._end_sweep(sweep_stopped(self._sweep_name, k, self._sweep_total,
                                              self._setting))
            else:
                QTimer.singleShot(0, self, self._next)  # the next run, or the sweep's summary

    def _show_record(self, rec, sweep: bool) -> None:
        index = self.runs.records.index(rec)
        self.runList.blockSignals(True)
        item = self.runList.topLevelItem(index)
        if item is None:
            item = _new_item(rec, sweep)
            if not sweep:
                for i in range(self.runList.topLevelItemCount()):
                    other = self.runList.topLevelItem(i)
                    if not other.data(0, Qt.ItemDataRole.UserRole):
                        other.setCheckState(0, Qt.CheckState.Unchecked)
            self.runList.addTopLevelItem(item)
        _describe(item, rec)
        self.runList.blockSignals(False)
        if self.runList.currentItem() is item:
            self.redraw()
        else:
            self.runList.setCurrentItem(item)  # redraws (currentItemChanged), once

    def showEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        if self._stale:
            self.redraw()  # runs that ended while another tab was in front
        super().showEvent(event)

    def show_runs(self, records: list[RunRecord], rows: list[RowTexts] | None = None,
                  items: list[QTreeWidgetItem] | None = None) -> None:
        """Replace the list with ``records`` (a reopened project's runs) in one pass: as if
        each had just finished in turn (only the last one ticked and current), drawn once.
        ``rows``: their ``row_texts``, if already worked out (off the GUI thread); ``items``:
        their rows as ``make_rows`` made them (a few hundred at a time, beforehand)."""
        items = make_rows(records, rows) if items is None else items
        if len(items) != len(records):
            raise ValueError(f"{len(items)} rows for {len(records)} runs")
        if items:
            items[-1].setCheckState(0, Qt.CheckState.Checked)
        if not self.is_sweeping():  # an earlier sweep's last words are not about these runs
            self.sweepStatus.clear()
            self.sweepStatus.hide()
        blocked = self.runList.blockSignals(True)
        try:
            self.runList.clear()
            self.runs.clear()
            for rec in records:
                self.runs.add(rec)
            self.runList.addTopLevelItems(items)
            self.runList.setCurrentItem(items[-1] if items else None)
        finally:
            self.runList.blockSignals(blocked)
        self.redraw()


def make_rows(records: list[RunRecord],
              rows: list[RowTexts] | None = None) -> list[QTreeWidgetItem]:
    """Unticked rows for ``records`` (with their ``row_texts``, if worked out already), not in
    any list yet: ``show_runs`` puts them in."""
    return [_new_item(rec, sweep=False, texts=texts, checked=False) for rec, texts in
            zip(records, rows if rows is not None else map(row_texts, records), strict=True)]


def _new_item(rec: RunRecord, sweep: bool, texts: RowTexts | None = None,
              checked: bool = True) -> QTreeWidgetItem:
    """A run's row, ticked (a sweep's runs are meant to be compared; an ordinary run only the
    latest, so adding one unticks the others); with ``texts``, its texts too."""
    item = QTreeWidgetItem([rec.name, "", ""] if texts is None else
                           [rec.name, texts.epochs, texts.summary])
    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
    item.setCheckState(0, Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
    item.setData(0, Qt.ItemDataRole.UserRole, sweep)
    if texts is not None:
        item.setToolTip(0, texts.settings_tip)
        item.setToolTip(1, texts.epochs_tip)
        item.setToolTip(2, texts.summary)
    return item


def _set_texts(item: QTreeWidgetItem, texts: RowTexts) -> None:
    item.setText(1, texts.epochs)
    item.setToolTip(1, texts.epochs_tip)
    item.setText(2, texts.summary)
    item.setToolTip(2, texts.summary)
    item.setToolTip(0, texts.settings_tip)


def _describe(item: QTreeWidgetItem, rec: RunRecord) -> None:
    """A run's epochs and final numbers on its row; its settings in the tooltip."""
    _set_texts(item, row_texts(rec))


def _spin(name: str, tip: str) -> QSpinBox:
    spin = QSpinBox()
    spin.setObjectName(name)
    spin.setRange(0, 100)
    spin.setToolTip(tip)
    return spin
