"""The "How it learns" tab: the course's XOR net trained by hand-written backprop, step by step.

All math is core.lab.backprop / core.lab.check; this panel only edits the LabNet's settings and
shows its numbers. The TensorFlow gradient check runs off the GUI thread as a plain ``job()``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from nngui.core.lab.backprop import (
    INPUT_ROWS,
    LAB_ACTIVATIONS,
    LAB_LOSSES,
    MAX_HIDDEN,
    TRUTH_TABLES,
    LabError,
    LabNet,
)
from nngui.core.lab.export import export_script
from nngui.gui.common.axes import whole_number_ticks
from nngui.gui.common.folders import documents_dir
from nngui.gui.common.tasks import TaskRunner
from nngui.gui.lab.check_view import GradCheckView
from nngui.gui.lab.function_explorer import ActivationExplorer, LossExplorer
from nngui.gui.lab.graph import GraphState, LabGraph
from nngui.gui.lab.tables import StepTables
from nngui.gui.lab.weight_edit import LabWeightEdits

RUN_TICK_MS = 20
ITERATIONS_PER_TICK = 20
LOSS_NAMES = {"sse": "SSE", "mse": "MSE", "mae": "MAE", "binary_crossentropy": "cross-entropy"}


def _button(text: str, name: str, tip: str) -> QPushButton:
    b = QPushButton(text)
    b.setObjectName(name)
    b.setToolTip(tip)
    # the style's 80 px minimum would make the step row wider than the tab
    b.setMinimumWidth(b.fontMetrics().horizontalAdvance(text) + 22)
    return b


SSE_DOTS_UP_TO = 20  # iterations drawn with a dot each on the SSE curve (then a line)


class LabPanel(QWidget):
    """Graph, step controls, step tables, SSE curve, predictions, gradient check, explorers."""

    stepped = Signal()  # after any change of the shown numbers
    gradCheckDone = Signal(object)  # the TensorFlow max relative difference (or an exception)
    exported = Signal(str)  # the script Export as Python… wrote

    def __init__(self, parent: QWidget | None = None, tasks: TaskRunner | None = None,
                 explorers: tuple[ActivationExplorer, LossExplorer] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("labPanel")
        self._explorers = explorers  # made beforehand by a window that builds its tabs lazily
        self.tasks = tasks if tasks is not None else TaskRunner(self)
        self.net = LabNet()
        # where Export as Python… starts (the window gives its export folder); never the
        # working directory, which is nngui's own folder when it runs from its source
        self.start_folder: Callable[[], str] = documents_dir
        self.row = 1  # the selected input row: (0, 1)
        self._used_weights: list[np.ndarray] | None = None
        self._shown = False
        self._build_ui()
        self._timer = QTimer(self)
        self._timer.setInterval(RUN_TICK_MS)
        self._timer.timeout.connect(self._tick)
        self.refresh()

    # ---- construction -------------------------------------------------------------------
    def _build_ui(self) -> None:
        self.forwardButton = _button("Forward", "labForwardButton", "One forward pass: z = a·W, "
                                     "a = f(z) for every layer, then the loss")
        self.backwardButton = _button("Backward", "labBackwardButton", "One backward pass: the δ "
                                      "recursion, ∂L/∂W, and the update W ← W − η·∂L/∂W")
        self.stepButton = _button("1 iteration", "labStepButton", "Forward then backward: one "
                                  "iteration of the course's loop")
        self.nSpin = QSpinBox()
        self.nSpin.setObjectName("labIterations")
        self.nSpin.setRange(1, 100_000)
        self.nSpin.setValue(1500)
        self.nSpin.setToolTip("N, the number of iterations Run N does at once")
        self.runNButton = _button("Run N", "labRunNButton", "Run this many iterations at once")
        self.runButton = _button("Run ▶", "labRunButton", "Run until paused, drawing as it goes")
        self.runButton.setCheckable(True)
        self.resetButton = _button("Reset", "labResetButton", "New weights, uniform in [0, 1), "
                                   "from the seed")
        self.seedSpin = QSpinBox()
        self.seedSpin.setObjectName("labSeed")
        self.seedSpin.setRange(0, 99_999)
        self.lrSpin = QDoubleSpinBox()
        self.lrSpin.setObjectName("labLearningRate")
        self.lrSpin.setDecimals(3)
        self.lrSpin.setRange(0.001, 100.0)
        self.lrSpin.setSingleStep(0.1)
        self.lrSpin.setValue(self.net.config.lr)
        self.lrSpin.setToolTip("Learning rate η (the course adds the gradient as is: η = 1)")

        self.tableCombo = QComboBox()
        self.tableCombo.setObjectName("labTableCombo")
        for name in TRUTH_TABLES:
            self.tableCombo.addItem(name.upper(), name)
        self.hiddenSpin = QSpinBox()
        self.hiddenSpin.setObjectName("labHidden")
        self.hiddenSpin.setRange(0, MAX_HIDDEN)
        self.hiddenSpin.setValue(self.net.config.hidden)
        self.hiddenSpin.setToolTip("Hidden units; 0 = no hidden layer, the perceptron that "
                                   "cannot learn XOR")
        self.actCombo = QComboBox()
        self.actCombo.setObjectName("labActivation")
        for name in LAB_ACTIVATIONS:
            self.actCombo.addItem(name, name)
        self.alphaSpin = QDoubleSpinBox()
        self.alphaSpin.setObjectName("labAlpha")
        self.alphaSpin.setRange(0.0, 1.0)
        self.alphaSpin.setSingleStep(0.05)
        self.alphaSpin.setValue(self.net.config.alpha)
        self.alphaSpin.setPrefix("α ")
        self.lossCombo = QComboBox()
        self.lossCombo.setObjectName("labLoss")
        for name in LAB_LOSSES:
            self.lossCombo.addItem(LOSS_NAMES.get(name, name), name)
        self.biasCheck = QCheckBox("bias")
        self.biasCheck.setObjectName("labBias")
        self.biasCheck.setChecked(True)
        self.biasCheck.setToolTip("The constant-1 input column (x3 in the course)")
        self.exportButton = _button("Export as Python…", "labExportButton",
                                    "Save this network as a standalone NumPy script in the "
                                    "course's style (from the seed, as many iterations as so far)")

        self.graph = LabGraph()
        self.weightEdits = LabWeightEdits(lambda: self.net, self.graph, self.refresh)
        self.predictions = QTableWidget(4, 4)
        self.predictions.setObjectName("labPredictions")
        self.predictions.setHorizontalHeaderLabels(["x1", "x2", "y", "ŷ"])
        self.predictions.verticalHeader().setVisible(False)
        self.predictions.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.predictions.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.predictions.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.predictions.setToolTip("Click a row to show its numbers in the graph and formulas")
        self.predictions.verticalHeader().setDefaultSectionSize(20)
        self.predictions.setFixedHeight(4 * 20 + self.predictions.horizontalHeader()
                                        .sizeHint().height() + 4)
        for c in range(4):
            self.predictions.setColumnWidth(c, 36 if c < 3 else 70)
        self.tables = StepTables()
        self.curve = pg.PlotWidget(background="w")
        self.curve.setObjectName("labSseCurve")
        item = self.curve.getPlotItem()
        item.setLabel("bottom", "iteration")
        whole_number_ticks(item.getAxis("bottom"))  # iteration 1, 2, never 1.5
        item.setLabel("left", "SSE")
        item.showGrid(x=True, y=True, alpha=0.15)
        item.setMenuEnabled(False)
        self.sseLine = item.plot(pen=pg.mkPen(31, 119, 180, width=2))
        self.curve.setMinimumHeight(120)
        self.curve.setMaximumHeight(230)
        self.status = QLabel()
        self.status.setObjectName("labStatus")
        self._build_check_box()
        self._layout()
        self._connect()

    def _build_check_box(self) -> None:
        self.checkBox = GradCheckView(tasks=self.tasks)
        cb = self.checkBox
        self.wrongCheck, self.checkButton, self.autoCheck = cb.wrongCheck, cb.checkButton, \
            cb.autoCheck
        self.fdLabel, self.tfLabel = cb.fdLabel, cb.tfLabel
        cb.done.connect(self.gradCheckDone)

    def _layout(self) -> None:
        controls = QHBoxLayout()
        for w in (self.forwardButton, self.backwardButton, self.stepButton, self.nSpin,
                  self.runNButton, self.runButton, self.resetButton, QLabel("seed"),
                  self.seedSpin):
            controls.addWidget(w)
        controls.addStretch(1)
        variants = QHBoxLayout()
        for w in (self.tableCombo, QLabel("hidden"), self.hiddenSpin, self.actCombo,
                  self.alphaSpin, self.lossCombo, self.biasCheck, QLabel("η"), self.lrSpin):
            variants.addWidget(w)
        variants.addStretch(1)
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(self.graph, 1)
        lv.addWidget(self.predictions)
        middle = QSplitter(Qt.Orientation.Horizontal)
        middle.addWidget(left)
        middle.addWidget(self.tables)
        middle.setStretchFactor(0, 2)
        middle.setStretchFactor(1, 3)
        right = QVBoxLayout()
        right.addWidget(self.checkBox, 1)
        last = QHBoxLayout()
        last.addWidget(self.weightEdits.resetButton)
        last.addWidget(self.exportButton)
        right.addLayout(last)
        bottom = QHBoxLayout()
        bottom.addWidget(self.curve, 3)
        bottom.addLayout(right, 2)
        page = QWidget()
        pv = QVBoxLayout(page)
        pv.addLayout(controls)
        pv.addLayout(variants)
        pv.addWidget(middle, 5)
        pv.addLayout(bottom, 2)
        pv.addWidget(self.status)
        self.activationExplorer, self.lossExplorer = self._explorers or \
            (ActivationExplorer(), LossExplorer())
        self.inner = QTabWidget()
        self.inner.setObjectName("labInnerTabs")
        self.inner.addTab(page, "XOR by hand")
        self.inner.addTab(self.activationExplorer, "Activations")
        self.inner.addTab(self.lossExplorer, "Losses")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.inner)

    def _connect(self) -> None:
        self.forwardButton.clicked.connect(self.forward)
        self.backwardButton.clicked.connect(self.backward)
        self.stepButton.clicked.connect(self.step)
        self.runNButton.clicked.connect(lambda: self.iterate(self.nSpin.value()))
        self.runButton.toggled.connect(self.set_running)
        self.resetButton.clicked.connect(self.reset)
        self.lrSpin.valueChanged.connect(lambda v: self._configure(lr=float(v)))
        self.tableCombo.currentIndexChanged.connect(
            lambda _i: self._configure(table=self.tableCombo.currentData()))
        self.hiddenSpin.valueChanged.connect(lambda v: self._configure(hidden=int(v)))
        self.actCombo.currentIndexChanged.connect(
            lambda _i: self._configure(activation=self.actCombo.currentData()))
        self.alphaSpin.valueChanged.connect(lambda v: self._configure(alpha=float(v)))
        self.lossCombo.currentIndexChanged.connect(
            lambda _i: self._configure(loss=self.lossCombo.currentData()))
        self.biasCheck.toggled.connect(lambda on: self._configure(bias=bool(on)))
        self.wrongCheck.toggled.connect(lambda on: self._configure(wrong_grad=bool(on)))
        self.checkButton.clicked.connect(self.check_gradients)
        self.exportButton.clicked.connect(self._export_dialog)
        self.predictions.itemSelectionChanged.connect(self._on_row_selected)
        self._enable_controls()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if not self._shown:  # TensorFlow is only asked for once someone looks
            self._shown = True
            self.check_gradients()

    # ---- actions ------------------------------------------------------------------------
    def forward(self) -> None:
        """One forward pass."""
        self.net.forward()
        self._after_step()

    def backward(self) -> None:
        """One backward pass (after a forward pass; runs one first if needed) and the update."""
        self._used_weights = [w.copy() for w in self.net.weights]
        if self.net.phase == "forward":
            self.net.forward()
        self.net.backward()
        self._after_step()

    def step(self) -> None:
        """One full iteration."""
        if self.net.phase == "backward":  # finish the half-done iteration
            self.backward()
            return
        self.net.forward()
        self.backward()

    def iterate(self, n: int) -> None:
        """n iterations at once; the tables show the last one."""
        if n <= 0:
            return
        self.net.iterate(n - 1)
        self.step()

    def set_running(self, on: bool) -> None:
        """Run/pause: iterate on a timer, redrawing after every tick."""
        self.runButton.setChecked(on)
        self.runButton.setText("Pause ❚❚" if on else "Run ▶")
        if on:
            self._timer.start()
        else:
            self._timer.stop()
            self._after_step()

    def _tick(self) -> None:
        self.net.iterate(ITERATIONS_PER_TICK - 1)
        self._used_weights = [w.copy() for w in self.net.weights]
        self.net.step()
        self.refresh()

    def reset(self) -> None:
        """Fresh weights from the seed; history and tables cleared."""
        self.set_running(False)
        self.net.reset(seed=self.seedSpin.value())
        self._used_weights = None
        self._after_step()

    def _configure(self, **changes) -> None:
        try:
            self.net.configure(**changes)
        except LabError as exc:
            QMessageBox.warning(self, "Backprop lab", str(exc))
            return
        self._enable_controls()
        self._used_weights = None
        self._after_step()

    def _enable_controls(self) -> None:
        """α only for leaky ReLU, the hidden activation only with a hidden layer."""
        self.alphaSpin.setEnabled(self.net.config.activation == "leaky_relu")
        self.actCombo.setEnabled(self.net.config.hidden > 0)

    def _after_step(self) -> None:
        self.refresh()
        if self.autoCheck.isChecked() and not self._timer.isActive():
            self.check_gradients()

    # ---- showing ------------------------------------------------------------------------
    def refresh(self) -> None:
        """Redraw everything from the net."""
        self.weightEdits.forget()  # trained from the edited weights: theirs now
        net = self.net
        fw = net.last_forward
        acts = None
        if fw is not None:
            acts = [fw.a[k][self.row] for k in range(len(fw.a))]
        hidden_range = (-1.0, 1.0) if net.config.activation == "tanh" else (0.0, 1.0)
        self.graph.set_state(GraphState(net.unit_labels(), [w.copy() for w in net.weights],
                                        acts, self.row, hidden_range))
        self.tables.show_step(net, self._used_weights, self.row)
        outputs = net.outputs
        target = TRUTH_TABLES[net.config.table]
        for r, (x1, x2) in enumerate(INPUT_ROWS):
            for c, text in enumerate((str(x1), str(x2), str(target[r]), f"{outputs[r]:.4f}")):
                item = self.predictions.item(r, c)
                if item is None:
                    item = QTableWidgetItem()
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                    self.predictions.setItem(r, c, item)
                item.setText(text)
        # a line needs two points: the first iterations also get dots, so one step shows
        few = len(net.sses) <= SSE_DOTS_UP_TO
        self.sseLine.setData(np.arange(1, len(net.sses) + 1), np.asarray(net.sses),
                             symbol="o" if few else None, symbolSize=6,
                             symbolBrush=(31, 119, 180), symbolPen=None)
        sse = f"SSE {net.sses[-1]:.5f}" if net.sses else "SSE –"
        if net.phase == "backward":  # half an iteration: its SSE is already on the curve
            where = f"iteration {net.iteration + 1}: forward pass done · {sse} · " \
                    "next: backward pass"
        elif net.iteration:
            where = f"iteration {net.iteration} done · {sse} · next: forward pass"
        else:
            where = f"no iteration yet · {sse} · next: forward pass"
        self.status.setText(where + self.weightEdits.note())
        self.stepped.emit()

    def _on_row_selected(self) -> None:
        rows = {i.row() for i in self.predictions.selectedItems()}
        if rows:
            self.select_row(rows.pop())

    def select_row(self, row: int) -> None:
        """Show input row ``row`` (0..3) in the graph, the highlighted table rows, formulas."""
        self.row = row
        self.refresh()

    # ---- gradient check -----------------------------------------------------------------
    def check_gradients(self) -> None:
        """Finite differences now; tf.GradientTape in a background thread."""
        self.checkBox.run(self.net.config, self.net.weights)

    def wait_for_check(self, ms: int = 60_000) -> None:
        """Block until a running TensorFlow check has finished (for closing and tests)."""
        self.checkBox.wait(ms)

    # ---- export -------------------------------------------------------------------------
    def export_to(self, path: str) -> None:
        """Write the course-style script: from the seed, as many iterations as done (or 1500)."""
        with open(path, "w", encoding="utf-8") as f:
            f.write(export_script(self.net.config, self.net.iteration or 1500))

    def _export_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export the lab's network as Python",
            str(Path(self.start_folder()) / f"{self.net.config.table}_backprop.py"),
            "Python (*.py)")
        if not path:
            return
        try:
            self.export_to(path)
        except OSError as exc:
            QMessageBox.warning(self, "Export", f"Cannot write {path}: {exc.strerror or exc}")
            return
        self.exported.emit(path)
