"""Evaluate: test metrics, confusion matrix, the mistakes, and the decision boundary.

The numbers come from ``core.insight.evaluation.evaluate_report``, run as a job on the window's
``TaskRunner`` that holds the model (so Train waits for it, and it never runs on a model that
is training); this module only draws them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QBrush, QColor, QIcon
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidgetItem,
    QPushButton,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from nngui.core.data.adapt import Prepared
from nngui.core.insight.evaluation import (
    EvalReport,
    Mistake,
    cell_samples,
    constant_tail,
    evaluate_report,
)
from nngui.core.network.spec import NetworkSpec
from nngui.gui.common import images
from nngui.gui.common.axes import end_labels_shown, room_for_end_labels
from nngui.gui.common.empty_plot import EmptyState
from nngui.gui.common.style import BAD, GOOD, PALETTE, WHITE, boundary_rgb
from nngui.gui.common.tasks import Task, TaskRunner, plain
from nngui.gui.evaluate.confusion_table import ConfusionTable
from nngui.gui.evaluate.headline import Headline
from nngui.gui.evaluate.mistakes_view import ICON_SIZE, MistakesView

MAX_POINTS = 2000


MISTAKES = "Mistakes"
NO_CLASSES = "This network has no classes: no test sample is right or wrong, so there are " \
    "no mistakes to show"
AE_WORST = ". An autoencoder's worst reconstructions are on the Autoencoder tab."
AE_NO_BOUNDARY = ("An autoencoder rebuilds its input: it has no classes, so no decision "
                  "boundary. See its rebuilds and codes on the Autoencoder tab.")


def _blend(color: np.ndarray, t: float) -> QColor:
    rgb = WHITE + (color - WHITE) * float(np.clip(t, 0.0, 1.0))
    return QColor(*(int(round(c)) for c in rgb))


def sample_icon(sample: np.ndarray, shape: tuple[int, ...]) -> QIcon:
    """An icon of one image sample (grayscale, or colour when ``shape`` has 3 channels),
    contrast-stretched to its own range."""
    img = np.asarray(sample, dtype=np.float32).reshape(shape)
    lo, hi = float(img.min()), float(img.max())
    scaled = (img - lo) / (hi - lo) if hi > lo else np.zeros_like(img)
    return images.picture_icon(scaled, ICON_SIZE)


STALE_TEXT = "Weights edited by hand: measured again when the edits pause"
TRAINING_TEXT = "The network is training: evaluate it when the run has ended."
PRESS_TEXT = "Press Evaluate to measure the network on the test set."
UNTRAINED_TEXT = "Train the network first, then evaluate it."
NO_DATA_TEXT = "Choose the data first, then evaluate the network on it."
IDLE_TEXTS = (PRESS_TEXT, UNTRAINED_TEXT, TRAINING_TEXT, NO_DATA_TEXT)
STALE_WAIT_MS = 300  # a drag's edits come one a move: measure after the last one


class EvaluatePanel(QWidget):
    """Evaluate button plus the views of what the model gets right and wrong."""

    evaluated = Signal(object)  # dict of test metrics plus "samples"
    sampleChosen = Signal(int)  # a listed test sample double-clicked: probe it (Inspect)

    def __init__(self, tasks: TaskRunner | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tasks = tasks if tasks is not None else TaskRunner(self)
        self._task: Task | None = None
        self._model: Any = None
        self._data: Prepared | None = None
        self._spec: NetworkSpec | None = None
        self._trained = False  # a model without data (set_context)
        self._data_task: str | None = None  # the data's task, and the network's kind
        self._kind: str | None = None
        self._class_names: list[str] = []
        self._x_raw: np.ndarray | None = None
        self.report: EvalReport | None = None
        self.stale = False  # the weights changed since what is shown (edited by hand)
        self._stale_timer = QTimer(self)
        self._stale_timer.setSingleShot(True)
        self._stale_timer.setInterval(STALE_WAIT_MS)
        self._stale_timer.timeout.connect(self._measure_stale)
        self._build_ui()
        self._clear()

    def _build_ui(self) -> None:
        self.evaluateButton = QPushButton("Evaluate")
        self.evaluateButton.setObjectName("evaluateButton")
        self.evaluateButton.setToolTip("Measure the network on the test set")
        self.evaluateButton.clicked.connect(self.evaluate)
        self.testMetricsLabel = Headline()  # as tall as its usual texts: the tabs stay put
        self.testMetricsLabel.setObjectName("testMetricsLabel")
        self.testMetricsLabel.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse)

        self.confusionMatrix = ConfusionTable()
        self.confusionMatrix.setObjectName("confusionMatrix")
        self.confusionMatrix.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.confusionMatrix.setToolTip("Rows: true class · columns: predicted class")
        for header in (self.confusionMatrix.horizontalHeader(),
                       self.confusionMatrix.verticalHeader()):
            header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
            header.setMinimumSectionSize(28)
        self.confusionMatrix.cellClicked.connect(self.show_cell)
        confusion = QWidget()
        box = QVBoxLayout(confusion)
        box.setContentsMargins(4, 4, 4, 4)
        caption = QLabel("Rows: true class · columns: predicted class (→). Green: correct; "
                         "red: how often a class is mistaken for another. Click a cell to "
                         "see its samples.")
        caption.setWordWrap(True)
        box.addWidget(caption)
        box.addWidget(self.confusionMatrix, 1)
        self.mistakesView = MistakesView()
        self.mistakesView.itemActivated.connect(self._on_sample_activated)

        self.decisionBoundaryPlot = pg.PlotWidget(background="w")
        self.decisionBoundaryPlot.setObjectName("decisionBoundaryPlot")
        item = self.decisionBoundaryPlot.getPlotItem()
        item.setMenuEnabled(False)
        for axis in ("left", "bottom"):
            item.getAxis(axis).setPen(pg.mkPen(90, 90, 90))
            item.getAxis(axis).setTextPen(pg.mkPen(50, 50, 50))
            end_labels_shown(item.getAxis(axis))  # x's 0 and 1.0 were not drawn at all
        room_for_end_labels(item)  # no title above it: the top tick's label was cut in half
        self.boundaryImage = pg.ImageItem()
        self.boundaryPoints = pg.ScatterPlotItem(size=6, pen=pg.mkPen(40, 40, 40, 160))
        self.fitCurve = pg.PlotDataItem(pen=pg.mkPen(214, 39, 40, width=2.5))
        for it in (self.boundaryImage, self.boundaryPoints, self.fitCurve):
            item.addItem(it)
        # which colour is which class (the shaded regions and the points share the palette)
        self.boundaryLegend = item.addLegend(offset=(-6, 6), labelTextColor="#333",
                                             brush=(255, 255, 255, 210), colCount=2)
        self.boundaryEmpty = EmptyState(item)  # before an evaluation, or why there is none

        self.tabs = QTabWidget()
        self.tabs.setObjectName("evaluateTabs")
        self.tabs.addTab(confusion, "Confusion")
        self.tabs.setTabToolTip(0, "Confusion matrix: true class against predicted class")
        self.tabs.addTab(self.mistakesView, MISTAKES)
        self.tabs.addTab(self.decisionBoundaryPlot, "Decision boundary")
        # beside the Lessons dock the three tabs need more room than the column has: every
        # tab stays in sight, a long name shortened with "…" (its tooltip says it whole),
        # never scrolled out of view behind arrows
        self.tabs.setUsesScrollButtons(False)
        self.tabs.setElideMode(Qt.TextElideMode.ElideRight)

        top = QHBoxLayout()
        top.addWidget(self.evaluateButton, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.testMetricsLabel, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.tabs, 1)

    # ---- public API ---------------------------------------------------------------------

    def set_context(self, model: Any, data: Prepared | None, spec: NetworkSpec | None,
                    class_names: list[str], x_raw: np.ndarray | None = None,
                    trained: bool = False, task: str | None = None) -> None:
        """What to evaluate: the model, its prepared data, and raw test inputs for pictures;
        ``trained``: without a model here, the network has one but no data to measure;
        ``task``: the data's ("classification", "regression"), for the tabs before a report."""
        self._model, self._data, self._spec = model, data, spec
        self._trained, self._data_task = trained, task
        self._class_names = [str(c) for c in class_names]
        self._x_raw = x_raw
        self._clear()
        self.show_kind(spec.kind if spec is not None else None)

    def show_kind(self, kind: str | None) -> None:
        """The kind of network this tab is about (before any model exists too): an
        autoencoder has no classes to draw a boundary between, so no empty tab, a reason."""
        self._kind = kind
        self._show_tabs()

    def _show_tabs(self) -> None:
        """Which tabs are open and what the third is called, from the report shown, else from
        the network and its data (they once stayed as the last report left them: after a
        reopen a regression's tab offered a confusion matrix, and after a regression a
        classifier's only a "Fitted curve")."""
        r, ae = self.report, self._kind == "autoencoder"
        if r is not None:
            classes, third = r.confusion is not None, r.grid is not None or r.curve is not None
            curve = r.curve is not None
        else:
            curve = self._data_task == "regression" and not ae
            classes, third = not curve, not ae
        self.tabs.setTabEnabled(0, classes)
        self.tabs.setTabEnabled(1, classes)
        self.tabs.setTabEnabled(2, third)
        self.tabs.setTabText(2, "Fitted curve" if curve else "Decision boundary")
        self.tabs.setTabToolTip(2, AE_NO_BOUNDARY if ae else self.tabs.tabText(2))
        if curve and not classes:
            self.tabs.setCurrentIndex(2)

    def evaluate(self) -> bool:
        """Start evaluating in the background; False if there is nothing to evaluate yet."""
        if self.is_running():
            return False
        if self._model is None or self._data is None or self._spec is None:
            # the first run of a network hands its model over only when it ends: "train it
            # first" read as if nothing were training while the run went on
            self._set_text(self._idle_text())
            return False
        k = max(len(self._class_names), 1)
        args = (self._model, self._data, self._spec, k, self._x_raw)
        task = self.tasks.submit("evaluate", plain(lambda: evaluate_report(*args)),
                                 holds=(self._model,), on_done=self._on_done,
                                 on_failed=self._on_failed)
        if task is None:
            self._set_text(TRAINING_TEXT)
            return False
        self._task = task
        self.stale = False  # this evaluation reads the weights as they are now
        self.evaluateButton.setEnabled(False)
        self._set_text("Evaluating on the test set…")
        return True

    def weights_changed(self) -> None:
        """The model's weights were changed outside a run (a weight dragged by hand): what
        is shown is of other weights. Until it is measured again the numbers say so (the
        matrix stays, under that line); it is measured once the edits have paused for
        ``STALE_WAIT_MS`` and no job holds the model (a drag sends an edit a move)."""
        if self.report is None and not self.is_running() and not self.stale:
            return  # nothing shown that could be stale
        self.stale = True
        if not self.is_running():
            old = self._metrics_text(self.report) if self.report is not None else ""
            self._set_text(f"{STALE_TEXT}{f' (was: {old})' if old else ''}")
        self._stale_timer.start()  # again: the last edit's wait

    def _measure_stale(self) -> None:
        if not self.stale or self.is_running():
            return  # measured already, or measured again when this one ends (_on_done)
        text = self.testMetricsLabel.text()
        if not self.evaluate():  # a job holds the model (the next edit): wait again
            self._set_text(text)
            self._stale_timer.start()

    def is_running(self) -> bool:
        return self._task is not None

    # ---- results ------------------------------------------------------------------------

    def _finish(self) -> None:
        self._task = None
        self.evaluateButton.setEnabled(True)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self._finish()
        self._set_text(f"Evaluation failed: {message}", error=True)

    @Slot(object)
    def _on_done(self, report: EvalReport) -> None:
        self._finish()
        if self.stale:  # edited while this ran: measure the new weights
            self._stale_timer.start()
        self.report = report
        self._set_text(self._metrics_text(report))
        self._show_confusion(report.confusion)
        self._show_mistakes(report.mistakes, report.image_shape)  # also names the tab again
        self._show_boundary(report)
        self._show_tabs()
        self.evaluated.emit({**report.metrics, "samples": report.samples})

    def _metrics_text(self, r: EvalReport) -> str:
        m = r.metrics
        parts = []
        if "accuracy" in m:
            parts.append(f"Test accuracy {100 * m['accuracy']:.2f} %")
        elif "mae" in m:
            parts.append(f"Test MAE {m['mae']:.4g}")
        if "loss" in m:
            parts.append(f"loss {m['loss']:.4g}")
        parts.append(f"{r.samples:,} samples")
        return " · ".join(parts)

    def _show_confusion(self, cm: np.ndarray | None) -> None:
        table = self.confusionMatrix
        table.clear()
        if cm is None:
            table.setRowCount(0)
            table.setColumnCount(0)
            return
        k = cm.shape[0]
        names = [self._class_names[i] if i < len(self._class_names) else str(i)
                 for i in range(k)]
        table.setRowCount(k)
        table.setColumnCount(k)
        table.setHorizontalHeaderLabels([f"→ {n}" for n in names])
        table.setVerticalHeaderLabels(names)
        totals = cm.sum(axis=1)
        for i in range(k):
            for j in range(k):
                count = int(cm[i, j])
                share = count / totals[i] if totals[i] else 0.0
                cell = QTableWidgetItem(str(count))  # "1135", not "1,1…" in a narrow cell
                cell.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                # Off-diagonal shares are small; the square root keeps them visible.
                t = share if i == j else min(1.0, np.sqrt(share))
                cell.setBackground(QBrush(_blend(GOOD if i == j else BAD, t * 0.85)))
                if t > 0.6:
                    cell.setForeground(QBrush(QColor("white")))
                cell.setToolTip(f"true {names[i]}, predicted {names[j]}: {count:,} "
                                f"({100 * share:.1f} % of true {names[i]})")
                table.setItem(i, j, cell)
        table.fit_counts()

    def _show_mistakes(self, items: list[Mistake], shape: tuple[int, ...] | None) -> None:
        view = self.mistakesView
        view.clear()
        cm = self.report.confusion if self.report is not None else None
        if cm is None and self.report is not None:  # no classes (an autoencoder, a
            # regressor): nothing is misclassified, and "Mistakes (0)" said none were
            self.tabs.setTabText(1, MISTAKES)
            self.tabs.setTabToolTip(1, NO_CLASSES)
            ae = self._spec is not None and self._spec.kind == "autoencoder"
            view.add_note(NO_CLASSES + (AE_WORST if ae else "."))  # a blank panel said nothing
            return
        total = int(cm.sum() - np.trace(cm)) if cm is not None else len(items)
        shown = f"{len(items):,} of {total:,}" if total > len(items) else f"{total:,}"
        self.tabs.setTabText(1, f"{MISTAKES} ({shown})")
        self.tabs.setTabToolTip(1, f"{total:,} misclassified test samples; "
                                f"{'the first ' if total > len(items) else ''}"
                                f"{len(items):,} shown here")
        raw = self._x_raw if self._x_raw is not None else (
            self._data.x_test if self._data is not None else None)
        # no picture (2-D points, a few features): where the sample is tells one from another
        where = raw is not None and shape is None and np.ndim(raw) == 2 and raw.shape[1] <= 3
        pictures = shape is not None and raw is not None
        view.show_pictures() if pictures else view.show_words()
        for index, true, pred, p in items:
            t, q = self._name(true), self._name(pred)
            at = " at (" + ", ".join(f"{v:.2f}" for v in raw[index]) + ")" if where else ""
            entry = QListWidgetItem(f"{t} → {q}{at}")
            entry.setToolTip(f"true {t} → predicted {q} (p={p:.2f}) · test sample #{index}")
            entry.setData(Qt.ItemDataRole.UserRole, int(index))
            if pictures:
                entry.setIcon(sample_icon(raw[index], shape))
            view.addItem(entry)

    def _show_boundary(self, r: EvalReport) -> None:
        self.boundaryImage.clear()
        self.boundaryPoints.clear()
        self.boundaryLegend.clear()
        self.fitCurve.setData([], [])
        plot = self.decisionBoundaryPlot.getPlotItem()
        data = self._data
        if data is None or (r.grid is None and r.curve is None):
            self.boundaryEmpty.show(self._boundary_reason(evaluated=True))
            return
        self.boundaryEmpty.hide(auto_range=False)  # the points set the range below
        if r.grid is not None:
            xs, ys, classes, probs = r.grid
            self.boundaryImage.setImage(boundary_rgb(classes, probs).transpose(1, 0, 2),
                                        autoLevels=False, levels=(0, 255))
            self.boundaryImage.setRect(QRectF(xs[0], ys[0], xs[-1] - xs[0], ys[-1] - ys[0]))
            x = np.asarray(data.x_test, dtype=float).reshape(len(data.x_test), -1)[:MAX_POINTS]
            labels = np.asarray(data.labels_test)[:MAX_POINTS]
            brushes = [pg.mkBrush(*PALETTE[int(c) % len(PALETTE)]) for c in labels]
            self.boundaryPoints.setData(x=x[:, 0], y=x[:, 1], brush=brushes)
            k = max(2, int(classes.max()) + 1, int(labels.max()) + 1 if len(labels) else 0)
            for c in range(k):
                swatch = pg.ScatterPlotItem(size=9, pen=pg.mkPen(40, 40, 40, 160),
                                            brush=pg.mkBrush(*PALETTE[c % len(PALETTE)]))
                self.boundaryLegend.addItem(swatch, f"class {self._name(c)}")
            plot.setLabel("bottom", "x₁")
            plot.setLabel("left", "x₂")
        elif r.curve is not None:
            xs, ys = r.curve
            x = np.asarray(data.x_test, dtype=float).ravel()[:MAX_POINTS]
            y = np.asarray(data.y_test, dtype=float).reshape(len(data.y_test), -1)[:, 0]
            self.boundaryPoints.setData(x=x, y=y[:MAX_POINTS], brush=pg.mkBrush(31, 119, 180))
            self.fitCurve.setData(xs, ys)
            self.boundaryLegend.addItem(self.boundaryPoints, "test samples")
            self.boundaryLegend.addItem(self.fitCurve, "the network's fit")
            plot.setLabel("bottom", "x")
            plot.setLabel("left", "y")
        plot.autoRange()
        self._room_for_legend()

    def _room_for_legend(self) -> None:
        """The y axis runs on above the points by the legend's height: over the highest
        points (the fitted curve's crest, the moons' upper edge) it hid them."""
        view = self.decisionBoundaryPlot.getPlotItem().getViewBox()
        (_x0, _x1), (y0, y1) = view.viewRange()
        rows = len(self.boundaryLegend.items)
        legend_px = max(self.boundaryLegend.boundingRect().height(), 20.0 * rows) + 10.0
        height = view.height()
        if rows and height > 2 * legend_px:
            view.setYRange(y0, y1 + (y1 - y0) * legend_px / (height - legend_px), padding=0)

    @property
    def class_names(self) -> list[str]:
        """The class names of the report shown (empty before one)."""
        return list(self._class_names)

    def show_cell(self, i: int, j: int) -> None:
        """List exactly the test samples of confusion cell (true i, predicted j), surest first."""
        r = self.report
        if r is None or r.per_sample is None:
            return
        items, total = cell_samples(*r.per_sample, i, j)
        self._show_mistakes(items, r.image_shape)
        shown = f"{len(items)} of {total}" if total > len(items) else f"{total}"
        self.tabs.setTabText(1, f"{self._name(i)} → {self._name(j)} ({shown})")
        self.tabs.setCurrentIndex(1)

    def _on_sample_activated(self, item: QListWidgetItem) -> None:
        index = item.data(Qt.ItemDataRole.UserRole)
        if index is not None:
            self.sampleChosen.emit(int(index))

    # ---- helpers ------------------------------------------------------------------------

    def _name(self, c: int) -> str:
        return self._class_names[c] if 0 <= c < len(self._class_names) else str(c)

    def _boundary_reason(self, evaluated: bool) -> str:
        """What the empty boundary plot says: why this network has none, or to evaluate."""
        spec = self._spec
        if spec is None:
            return "Train a network, then evaluate it"
        inputs = int(np.prod(spec.input_shape))
        data = self._data
        bias_columns = constant_tail(getattr(data, "x_train", None),
                                     getattr(data, "x_test", None)) is not None
        if spec.kind == "autoencoder" or (inputs > 2 and not bias_columns):
            return f"No decision boundary: the network reads {inputs:,} inputs, not 2"
        if evaluated:
            return "No boundary to draw for this test set"
        if self._model is not None:
            return "Press Evaluate to draw it"
        return "Choose the data, then evaluate it" if self._trained else \
            "Train the network, then evaluate it"

    def _clear(self) -> None:
        self.report = None
        self.stale = False
        self._show_confusion(None)
        self.mistakesView.clear()
        self.tabs.setTabText(1, MISTAKES)
        self.boundaryLegend.clear()
        self.boundaryImage.clear()
        self.boundaryPoints.clear()
        self.fitCurve.setData([], [])
        self.boundaryEmpty.show(self._boundary_reason(evaluated=False))
        self._set_text(self._idle_text())

    def _idle_text(self) -> str:
        """What the headline says before a measurement: press Evaluate only when there is a
        model to measure (an untrained network said so, and the button then said to train
        first); while the first run of a network goes on, to wait for its end."""
        if self._model is not None and self._data is not None and self._spec is not None:
            return PRESS_TEXT
        if self._trained:
            return NO_DATA_TEXT
        return TRAINING_TEXT if self.tasks.running("train") else UNTRAINED_TEXT

    def say_idle(self) -> None:
        """An idle headline said again as things are now (a run began or ended since); a
        result, a failure or a stale note stays."""
        if self.report is None and not self.is_running() and \
                self.testMetricsLabel.text() in IDLE_TEXTS:
            self._set_text(self._idle_text())

    def showEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        self.say_idle()
        super().showEvent(event)

    def _set_text(self, text: str, error: bool = False) -> None:
        self.testMetricsLabel.show_text(text, error)
