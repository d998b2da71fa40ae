"""Runs side by side: every run in a list, ticked runs' curves overlaid, sweeps, overfitting.

The panel records each run when the training panel says it finished (name, settings, curves,
final numbers). A sweep trains the builder's network with 3–5 settings one after another
(through the same training panel, so the live views follow along) and ticks them all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
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
from nngui.core.training.observer import RunResult
from nngui.core.training.runs import (
    TEST_NOTE,
    TEST_PREFIX,
    RunList,
    RunRecord,
    best_index,
    lr_sweep,
    optimizer_sweep,
    overfit_note,
    settings_of,
    with_test_curve,
)
from nngui.core.training.session import RunRequest
from nngui.gui.common.axes import finite_or_gap, whole_number_ticks
from nngui.gui.common.sight import out_of_sight
from nngui.gui.common.style import PALETTE
from nngui.gui.training.run_rows import RowTexts, row_texts

METRICS = ("val_loss", "loss", "val_accuracy", "accuracy", "test_loss", "test_accuracy",
           "learning_rate")


class RunsPanel(QWidget):
    """The run list with overlaid curves, the sweep buttons and a few training options."""

    sweepFinished = Signal(int)  # runs the sweep trained

    def __init__(self, training, request_for: Callable[[NetworkSpec], RunRequest | None],
                 spec: Callable[[], NetworkSpec], config: Callable[[], TrainConfig],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._stale = False  # runs not drawn yet: the panel was out of sight (sight.py)
        self.training = training
        self.request_for, self.spec, self.config = request_for, spec, config
        self.runs = RunList()
        self._queue: list[tuple[str, NetworkSpec]] = []
        self._sweep_name = ""
        self._sweep_done = 0
        self._label = ""  # the name of the run in flight (a sweep's setting)
        self._test: list[dict[str, float]] = []  # the run in flight's test-curve logs, in order
        self._test_size = (0, 0)  # (subset, whole test set) of those
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
        self.overfitNote = QLabel("")
        self.overfitNote.setObjectName("overfitNote")
        self.overfitNote.setWordWrap(True)

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
        self._queue = lr_sweep(base) if kind == "lr" else optimizer_sweep(base)
        self._sweep_name = "LR sweep" if kind == "lr" else "optimizers"
        self._sweep_done = 0
        for i in range(self.runList.topLevelItemCount()):  # the sweep's runs, compared alone
            self.runList.topLevelItem(i).setCheckState(0, Qt.CheckState.Unchecked)
        self._set_buttons()
        return self._next()

    def is_sweeping(self) -> bool:
        return bool(self._queue) or bool(self._label)

    def _next(self) -> bool:
        while self._queue:
            label, spec = self._queue.pop(0)
            request = self.request_for(spec)
            if request is None:
                break
            self._label = f"{self._sweep_name}: {label}"
            if self.training.start(request) is not None:
                return True
            break
        self._end_sweep()
        return False

    def _end_sweep(self) -> None:
        self._queue.clear()
        self._label = ""
        self._set_buttons()
        self.sweepFinished.emit(self._sweep_done)

    def _set_buttons(self) -> None:
        on = not self._queue
        self.lrSweepButton.setEnabled(on)
        self.optimizerSweepButton.setEnabled(on)

    # ---- runs ---------------------------------------------------------------------------

    def _on_run_started(self) -> None:
        self._test, self._test_size = [], (0, 0)

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
        name = self._label or f"{spec.name} · {spec.optimizer} lr {spec.lr:g}"
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
        self._test = []
        rec = self.runs.record(session, name, settings, history, result.reason)
        self._show_record(rec, sweep=bool(self._label))
        if self._label:
            self._sweep_done += 1
            self._label = ""
            if result.reason == "stopped" or not self._queue:  # Stop ends the whole sweep
                self._end_sweep()
            else:
                QTimer.singleShot(0, self._next)

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

    def checked(self) -> list[int]:
        """Indices of the ticked runs."""
        return [i for i in range(self.runList.topLevelItemCount())
                if self.runList.topLevelItem(i).checkState(0) == Qt.CheckState.Checked]

    def showEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        if self._stale:
            self.redraw()  # runs that ended while another tab was in front
        super().showEvent(event)

    def _colour_rows(self) -> None:
        """A swatch of its curve's colour on each ticked run's row: the plot's legend."""
        colours = {i: PALETTE[n % len(PALETTE)] for n, i in enumerate(self.checked())}
        blocked = self.runList.blockSignals(True)  # an icon is an itemChanged: no redraw
        try:
            self._set_swatches(colours)
        finally:
            self.runList.blockSignals(blocked)
        self.runList.viewport().update()

    def _set_swatches(self, colours: dict[int, tuple[int, int, int]]) -> None:
        for i in range(self.runList.topLevelItemCount()):
            if i in colours:
                swatch = QPixmap(12, 12)
                swatch.fill(QColor(*colours[i]))
                self.runList.topLevelItem(i).setIcon(0, QIcon(swatch))
            else:
                self.runList.topLevelItem(i).setIcon(0, QIcon())

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

    def redraw(self) -> None:
        """Overlay the ticked runs' chosen curve; mark each one's best validation epoch."""
        self._stale = out_of_sight(self)
        if self._stale:
            return
        plot = self.comparePlot.getPlotItem()
        plot.clear()
        key = self.metricCombo.currentText()
        plot.setLabel("left", key + (" (test subset)" if key.startswith(TEST_PREFIX) else ""))
        scale = 100.0 if "accuracy" in key else 1.0
        for n, i in enumerate(self.checked()):
            rec = self.runs.records[i]
            ys = rec.history.get(key, [])
            if not ys:
                continue
            xs = rec.history.get("epoch", [])
            xs = xs if len(xs) == len(ys) else list(range(1, len(ys) + 1))
            color = PALETTE[n % len(PALETTE)]
            px, py = finite_or_gap(xs, ys, scale)  # a NaN/inf value is a gap
            plot.plot(px, py, connect="finite", pen=pg.mkPen(*color, width=2), name=rec.name)
            best = best_index(rec.history)
            if best is not None and key == "val_loss" and best < len(ys):
                plot.plot([xs[best]], [ys[best]], pen=None, symbol="star",
                          symbolSize=14, symbolBrush=color)
        self._colour_rows()
        current = self.runList.currentItem()
        if current is not None:
            rec = self.runs.records[self.runList.indexOfTopLevelItem(current)]
            _, note = overfit_note(rec.history)
            self.overfitNote.setText(f"{rec.name}: {note} (★ marks each run's best "
                                     "validation epoch on the val_loss plot.)")


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
