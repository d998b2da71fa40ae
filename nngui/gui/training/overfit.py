"""Train vs validation vs test in one plot, live, with the best validation epoch marked.

Train and validation values come from each epoch's logs; the test values from the
``test_curve`` probe (a fixed subset of the test set, measured in the training thread).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from nngui.core.training.history import epoch_points
from nngui.core.training.runs import best_index, overfit_note
from nngui.gui.common.axes import finite_or_gap, whole_number_ticks
from nngui.gui.common.empty_plot import EmptyState
from nngui.gui.common.sight import out_of_sight

REDRAW_MS = 150
PENS = {"train": (40, 90, 200), "validation": (220, 120, 20), "test": (40, 150, 60)}
WAITING_NOTE = ("Train with a validation split to see when the network starts to overfit: the "
                "training loss keeps falling while validation and test rise.")
NOT_TRAINED = "Nothing trained yet"


def empty_reason(history: dict[str, list[float]], metric: str) -> str:
    """What the plot says when it has no ``metric`` curve for the run's ``history``, or ""."""
    if not history.get("epoch"):
        return NOT_TRAINED
    if not any(key in history for key in (metric, f"val_{metric}")):
        return f"This run reports no {metric}"
    return ""


class OverfitView(QWidget):
    """``overfitPlot``: the current run's train, validation and test curves of one metric."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.history: dict[str, list[float]] = {}  # epoch logs of the current run
        self.test: dict[float, dict[str, float]] = {}  # epoch x -> test logs
        self.test_size = (0, 0)  # (subset, whole test set)
        self._dirty = False
        self.metricCombo = QComboBox()
        self.metricCombo.setObjectName("overfitMetricCombo")
        self.metricCombo.addItems(["loss", "accuracy"])
        self.metricCombo.currentIndexChanged.connect(lambda _i: self._mark())
        self.overfitPlot = pg.PlotWidget(background="w")
        self.overfitPlot.setObjectName("overfitPlot")
        self.overfitPlot.setMinimumSize(300, 200)
        item = self.overfitPlot.getPlotItem()
        item.setMenuEnabled(False)
        item.setLabel("bottom", "epoch")
        whole_number_ticks(item.getAxis("bottom"))
        self.legend = item.addLegend(offset=(-5, 5), brush=(255, 255, 255, 210),
                                     labelTextColor="#333")
        self._curves = {k: item.plot(pen=pg.mkPen(*c, width=2), symbol="o", symbolSize=4,
                                     symbolBrush=c, name=k) for k, c in PENS.items()}
        self._best = pg.ScatterPlotItem(symbol="star", size=16, brush=(220, 40, 40),
                                        pen=pg.mkPen(120, 0, 0))
        item.addItem(self._best)
        self._best_line = pg.InfiniteLine(angle=90, pen=pg.mkPen(220, 40, 40, 120,
                                                                 style=Qt.PenStyle.DashLine))
        self._best_line.setVisible(False)
        item.addItem(self._best_line)
        self.plotEmpty = EmptyState(item)
        self.plotEmpty.show(NOT_TRAINED)
        self.note = QLabel(WAITING_NOTE)
        self.note.setObjectName("overfitLiveNote")
        self.note.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(QLabel("Show"))
        row.addWidget(self.metricCombo)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.overfitPlot, 1)
        layout.addWidget(self.note)
        self._timer = QTimer(self)
        self._timer.setInterval(REDRAW_MS)
        self._timer.timeout.connect(self._redraw)
        self._timer.start()

    # ---- data in --------------------------------------------------------------------------

    def add_epoch(self, epoch: int, logs: dict[str, float]) -> None:
        """One epoch's logs (loss, val_loss, …, and ``epoch``: where its point goes)."""
        x = float(logs.get("epoch", epoch + 1))
        xs = self.history.get("epoch", [])
        if xs and x <= xs[-1]:  # a run from scratch: start over
            self.clear()
        for key, value in logs.items():
            self.history.setdefault(key, []).append(float(value))
        self._mark()

    def show_probe(self, name: str, epoch: int, payload: Any) -> None:
        """Keep the ``test_curve`` probe's values for that epoch."""
        if name != "test_curve" or payload is None:
            return
        xs = self.history.get("epoch", [])
        x = xs[-1] if xs else float(epoch + 1)  # the probe follows its epoch's logs
        self.test[x] = payload["logs"]
        self.test_size = (payload["n"], payload["total"])
        self._mark()

    def clear(self) -> None:
        """Forget the run shown: no curves, and the note and legend say nothing of it."""
        self.history, self.test = {}, {}
        self.test_size = (0, 0)
        for curve in self._curves.values():
            curve.setData([], [])
        self._best.clear()
        self._best_line.setVisible(False)
        self._name_test_curve()
        self.note.setText(WAITING_NOTE)
        self.plotEmpty.show(NOT_TRAINED)

    def _mark(self) -> None:
        self._dirty = True

    # ---- drawing --------------------------------------------------------------------------

    def showEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        self._redraw()  # what arrived while another tab was in front
        super().showEvent(event)

    def _redraw(self) -> None:
        if not self._dirty or out_of_sight(self):
            return
        self._dirty = False
        metric = self.metricCombo.currentText()
        scale = 100.0 if metric == "accuracy" else 1.0
        reason = empty_reason(self.history, metric)
        if reason:
            self.plotEmpty.show(reason)
        else:
            self.plotEmpty.hide()
        xs = np.asarray(self.history.get("epoch", []), float)
        for key, name in (("train", metric), ("validation", f"val_{metric}")):
            # the Train tab's points: the validation of a stopped epoch's part (NaN, never
            # measured) is skipped, so the curve reaches the epoch a Continue trained again
            px, py = epoch_points(self.history, name)
            self._curves[key].setData(px, [scale * y for y in py])
        tx = sorted(x for x in self.test if metric in self.test[x])
        self._curves["test"].setData(*finite_or_gap(tx, [self.test[x][metric] for x in tx],
                                                    scale), connect="finite")
        self._name_test_curve()
        self.overfitPlot.getPlotItem().setLabel("left", f"{metric}{' %' if scale > 1 else ''}")
        if not self.history:  # nothing trained since the last clear
            self.note.setText(WAITING_NOTE)
            return
        best, note = overfit_note(self.history)
        self._best.clear()
        self._best_line.setVisible(best is not None)
        if best is not None:
            vals = self.history.get(f"val_{metric}", [])
            i = best_index(self.history)  # NaN: a stopped epoch's part, never the best
            if i is not None and i < len(vals) and i < len(xs):
                self._best.setData([xs[i]], [scale * vals[i]])
                self._best_line.setValue(xs[i])
        test_loss = [self.test[x]["loss"] for x in sorted(self.test) if "loss" in self.test[x]]
        if len(test_loss) >= 3 and test_loss[-1] > min(test_loss) * 1.05:
            note += (f" The test loss has risen too (from {min(test_loss):.4g} to "
                     f"{test_loss[-1]:.4g}): the network is learning the training set, "
                     "not the data in general.")
        self.note.setText(note + (" ★ marks the best validation epoch." if best is not None
                                  else ""))

    def _name_test_curve(self) -> None:
        """The test curve's legend entry: on how many test samples it was measured."""
        n, total = self.test_size
        label = f"test ({n:,} of {total:,} samples)" if n and n < total else "test"
        sample = self.legend.getLabel(self._curves["test"])
        if sample is not None:
            sample.setText(label)
