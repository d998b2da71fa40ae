"""The Draw tab's robustness view: how the selected model's accuracy falls as the digits are
turned, shifted, thickened and made noisy (``core.insight.robustness``), as four curves.

The curves are computed in a job that holds the model (so training or fine-tuning waits for
it, and it never reads a model a job is changing), on test digits the app can find: the first
``N_DIGITS`` MNIST test digits, else the bundled 8x8 digits' test part (and the view says
which).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from nngui.core.insight.robustness import LEVELS, UNITS, Curves, keras_predict, robustness
from nngui.gui.common.axes import end_labels_shown
from nngui.gui.common.tasks import TaskRunner

N_DIGITS = 500
TITLES = {"rotation": "Rotation", "shift": "Shift", "thickness": "Stroke width",
          "noise": "Noise"}


def robustness_digits(n: int = N_DIGITS, mnist: str | None = None
                      ) -> tuple[np.ndarray, np.ndarray, str]:
    """(x (n, 28, 28) in [0, 1], labels, what they are): MNIST test digits (from ``mnist``,
    the file the user loaded it from, or found), else bundled."""
    from nngui.core.data.datasets import DatasetError, find_mnist, load_dataset, load_mnist

    data, what = None, ""
    path = mnist or find_mnist()
    if path is not None:
        try:
            data, what = load_mnist(path, allow_download=False), "MNIST test digits"
        except DatasetError:
            data = None
    if data is None:
        data, what = load_dataset("digits"), "bundled 8×8 test digits (MNIST not found)"
    x = np.asarray(data.x_test, np.float32).reshape(-1, 28, 28)[:n]
    if x.max() > 1.0:
        x = x / 255.0
    return x, np.asarray(data.y_test).reshape(-1)[:n], what


class RobustnessView(QDialog):
    """Four accuracy curves for one model, computed in a job when ``compute`` is called."""

    computed = Signal(object)  # Curves

    def __init__(self, tasks: TaskRunner, parent: Any = None) -> None:
        super().__init__(parent)
        self.setObjectName("robustnessView")
        self.setWindowTitle("Robustness")
        self.tasks = tasks
        self.curves: Curves | None = None
        self.title = ""
        self.status = QLabel(objectName="robustnessStatus", wordWrap=True)
        self.again = QPushButton("Compute again", objectName="robustnessAgain")
        self.again.clicked.connect(lambda: self.compute(self.title, self._model, self._mnist))
        self._model: Any = None
        self._mnist: str | None = None  # the MNIST file the curves read (None: found)
        grid = QGridLayout()
        self.plots: dict[str, pg.PlotWidget] = {}
        self.lines: dict[str, pg.PlotDataItem] = {}
        for i, kind in enumerate(LEVELS):
            plot = pg.PlotWidget()
            plot.setObjectName(f"robustnessPlot_{kind}")
            item = plot.getPlotItem()
            item.setTitle(TITLES[kind])
            item.setLabel("bottom", UNITS[kind])
            item.getAxis("bottom").enableAutoSIPrefix(False)  # σ 0.2, not 200 × 0.001
            item.setLabel("left", "accuracy (%)")  # in % as the header and every other tab
            item.setYRange(0.0, 102.0, padding=0)
            item.setMouseEnabled(False, False)
            item.setMenuEnabled(False)
            item.hideButtons()
            item.showGrid(x=True, y=True, alpha=0.2)
            end_labels_shown(item.getAxis("left"))  # the 0 % label too
            self.lines[kind] = item.plot([], [], pen=pg.mkPen((31, 119, 180), width=2),
                                         symbol="o", symbolSize=6)
            grid.addWidget(plot, i // 2, i % 2)
            self.plots[kind] = plot
        top = QHBoxLayout()
        top.addWidget(self.status, 1)
        top.addWidget(self.again, 0, Qt.AlignmentFlag.AlignTop)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addLayout(grid, 1)
        self.resize(760, 560)

    def compute(self, title: str, model: Any, mnist: str | None = None) -> bool:
        """Start computing the curves of ``model``; False when a job holds it (said why)."""
        self.title, self._model, self._mnist = title, model, mnist
        if model is None:
            self.status.setText("No model to measure: choose one on the Draw tab.")
            return False

        def job(_report, stop):
            x, y, what = robustness_digits(mnist=mnist)
            return robustness(keras_predict(model), x, y, should_stop=stop.is_set), what

        task = self.tasks.submit("robustness", job, holds=(model,), on_done=self._show,
                                 on_failed=self._failed)
        if task is None:
            self.status.setText(f"{title} is busy (training or fine-tuning); compute again "
                                "when it has finished.")
            return False
        self.again.setEnabled(False)
        self.status.setText(f"Measuring {title} on disturbed test digits…")
        return True

    def _show(self, result: tuple[Curves, str]) -> None:
        curves, what = result
        self.curves = curves
        for kind, values in curves.accuracy.items():
            self.lines[kind].setData(np.asarray(curves.levels[kind], float),
                                     100.0 * np.asarray(values, float))
        plain = curves.accuracy["rotation"][0]
        self.status.setText(f"{self.title}: accuracy on {curves.n} {what}, {plain:.1%} "
                            "undisturbed, as each disturbance grows (digits not re-centred).")
        self.again.setEnabled(True)
        self.computed.emit(curves)

    def _failed(self, message: str) -> None:
        self.again.setEnabled(True)
        self.status.setText(f"Could not measure: {message}")
