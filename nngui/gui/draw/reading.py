"""The Draw tab's right-hand column: the reading of the drawing (the big digit, the 28x28 the
network sees, an autoencoder's rebuild of it, the ten probabilities) and the "not sure"
threshold. The column has a fixed width and every label in it a fixed size, so a reading,
Clear or a saved sample never moves the canvas under the pen. It shows what ``DrawPanel``
read; it computes nothing.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPixmap
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from nngui.gui.common.axes import end_labels_shown

PREVIEW_SCALE = 5  # preview28 shows each of the 28x28 pixels as a 5x5 block
PREVIEW_SIDE = 28 * PREVIEW_SCALE
DIGIT_W = 110  # the big predicted digit
GAP = 8
RIGHT_W = DIGIT_W + 2 * PREVIEW_SIDE + 2 * GAP  # the fixed right-hand column
BAR = QColor(150, 170, 200)
TOP_BAR = QColor(31, 119, 180)
UNSURE_BAR = QColor(200, 140, 60)  # the best guess when the model is not sure
NOT_SURE_KEY = "draw/not_sure_percent"  # QSettings("nngui", "nngui"), like the window's
NOT_SURE_DEFAULT = 60  # percent


def preview_pixmap(x28: np.ndarray, scale: int = PREVIEW_SCALE) -> QPixmap:
    """The 28x28 image blown up with hard pixel edges and a faint pixel grid."""
    px = np.clip(np.asarray(x28, np.float32) * 255.0 + 0.5, 0, 255).astype(np.uint8)
    big = np.repeat(np.repeat(px, scale, axis=0), scale, axis=1)
    # Grid lines: the first row/column of every pixel block, mixed towards mid-grey.
    big[::scale, :] = big[::scale, :] // 2 + 40
    big[:, ::scale] = big[:, ::scale] // 2 + 40
    big = np.ascontiguousarray(big)
    side = 28 * scale
    img = QImage(big.data, side, side, side, QImage.Format.Format_Grayscale8)
    return QPixmap.fromImage(img)  # fromImage copies, so ``big`` may go


def _caption(text: str) -> QLabel:
    label = QLabel(text)
    label.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
    label.setStyleSheet("color: gray")
    label.setWordWrap(True)
    label.setFixedWidth(PREVIEW_SIDE)
    return label


class ReadingColumn(QWidget):
    """``drawRightColumn``: ``predictionLabel``, ``preview28``, ``drawReconstruction``,
    ``predictionDetail``, ``notSureSpin``, ``robustnessButton`` and ``probabilityPlot``."""

    notSureChanged = Signal()  # the threshold moved: read the drawing again

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # The right column has a fixed width and every label in it a fixed size, so a
        # prediction, Clear or a saved sample never moves the canvas under the pen.
        self.predictionLabel = QLabel("")
        self.predictionLabel.setObjectName("predictionLabel")
        self.predictionLabel.setAccessibleName("Predicted digit")
        font = QFont(self.font())
        font.setPointSize(64)
        font.setBold(True)
        self.predictionLabel.setFont(font)
        self.predictionLabel.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.predictionLabel.setFixedSize(DIGIT_W, PREVIEW_SIDE)
        self.detailLabel = QLabel("")
        self.detailLabel.setObjectName("predictionDetail")
        self.detailLabel.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detailLabel.setWordWrap(True)
        self.detailLabel.setFixedSize(RIGHT_W, 2 * self.fontMetrics().lineSpacing() + 6)
        self.preview28 = QLabel()
        self.preview28.setObjectName("preview28")
        self.preview28.setFixedSize(PREVIEW_SIDE, PREVIEW_SIDE)
        self.preview28.setToolTip("What the network sees: the drawing cropped to its ink, "
                                  "scaled to 20 px and centred by mass in 28×28")
        caption = _caption("what the network sees (28×28)")
        # an autoencoder's rebuild of the drawing, shown once one is available (issue: AE studio)
        self.drawReconstruction = QLabel()
        self.drawReconstruction.setObjectName("drawReconstruction")
        self.drawReconstruction.setFixedSize(PREVIEW_SIDE, PREVIEW_SIDE)
        self.drawReconstruction.setToolTip("The autoencoder's reconstruction of your drawing")
        self.reconstructionCaption = _caption("autoencoder's reconstruction")
        for w in (self.drawReconstruction, self.reconstructionCaption):
            keep = w.sizePolicy()
            keep.setRetainSizeWhenHidden(True)  # showing it later moves nothing
            w.setSizePolicy(keep)
            w.setVisible(False)
        top = QGridLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.setHorizontalSpacing(GAP)
        top.addWidget(self.predictionLabel, 0, 0)
        top.addWidget(self.preview28, 0, 1)
        top.addWidget(self.drawReconstruction, 0, 2)
        top.addWidget(caption, 1, 1)
        top.addWidget(self.reconstructionCaption, 1, 2)
        top.addWidget(self.detailLabel, 2, 0, 1, 3)

        self.probabilityPlot = pg.PlotWidget()
        self.probabilityPlot.setObjectName("probabilityPlot")
        self.probabilityPlot.setMinimumHeight(140)
        plot = self.probabilityPlot.getPlotItem()
        plot.setMouseEnabled(False, False)
        plot.setMenuEnabled(False)
        plot.hideButtons()
        plot.setYRange(0.0, 1.04, padding=0)
        plot.setXRange(-0.6, 9.6, padding=0)
        plot.setLabel("left", "probability")
        plot.getAxis("bottom").setTicks([[(i, str(i)) for i in range(10)], []])
        plot.showGrid(y=True, alpha=0.2)
        end_labels_shown(plot.getAxis("left"))  # its 0, at the plot's edge, was hidden
        self.bars = pg.BarGraphItem(x=np.arange(10), height=np.zeros(10), width=0.7,
                                    brushes=[BAR] * 10, pen=None)
        plot.addItem(self.bars)

        self.setObjectName("drawRightColumn")
        self.setFixedWidth(RIGHT_W)
        right = QVBoxLayout(self)
        right.setContentsMargins(0, 0, 0, 0)
        right.addLayout(top)
        right.addLayout(self._build_confidence_row())
        right.addWidget(self.probabilityPlot, 1)

    def _build_confidence_row(self) -> QHBoxLayout:
        """"Not sure below N %" and the Robustness… button."""
        self.notSureSpin = QSpinBox()
        self.notSureSpin.setObjectName("notSureSpin")
        self.notSureSpin.setRange(0, 99)
        self.notSureSpin.setSuffix(" %")
        self.notSureSpin.setAccessibleName("Not sure below")
        self.notSureSpin.setToolTip("Below this confidence the tab says it is not sure "
                                    "instead of naming a digit (0 % switches it off)")
        saved = QSettings("nngui", "nngui").value(NOT_SURE_KEY, NOT_SURE_DEFAULT)
        try:
            value = int(saved)
        except (TypeError, ValueError):
            value = NOT_SURE_DEFAULT
        self.notSureSpin.setValue(value)
        self.notSureSpin.valueChanged.connect(self._not_sure_changed)
        self.robustnessButton = QPushButton("Robustness…")
        self.robustnessButton.setObjectName("robustnessButton")
        self.robustnessButton.setToolTip("How the model's accuracy falls as digits are turned, "
                                         "shifted, thickened and made noisy")
        row = QHBoxLayout()
        row.addWidget(QLabel("Not sure below"))
        row.addWidget(self.notSureSpin)
        row.addStretch(1)
        row.addWidget(self.robustnessButton)
        return row

    def _not_sure_changed(self, value: int) -> None:
        QSettings("nngui", "nngui").setValue(NOT_SURE_KEY, int(value))
        self.notSureChanged.emit()

    def show_preview(self, x28: np.ndarray) -> None:
        """The 28x28 image the network read."""
        self.preview28.setPixmap(preview_pixmap(x28))

    def show_reconstruction(self, x28: np.ndarray | None) -> None:
        """Show an autoencoder's rebuild of the drawing beside it (None hides the view)."""
        for w in (self.drawReconstruction, self.reconstructionCaption):
            w.setVisible(x28 is not None)
        if x28 is not None:
            self.drawReconstruction.setPixmap(preview_pixmap(x28))

    def show_message(self, text: str, x28: np.ndarray) -> None:
        """No reading: no digit, empty bars, ``text`` (the preview shows ``x28`` if it shows
        nothing yet)."""
        self.predictionLabel.setText("")
        self.bars.setOpts(height=np.zeros(10), brushes=[BAR] * 10)
        self.detailLabel.setText(text)
        if self.preview28.pixmap().isNull():
            self.show_preview(x28)

    def show_probabilities(self, probs: np.ndarray, latency_ms: float) -> tuple[int, bool]:
        """Draw a reading; (the top digit, whether it is below the "not sure" threshold)."""
        order = np.argsort(probs)[::-1]
        top, second = int(order[0]), int(order[1])
        not_sure = float(probs[top]) * 100.0 < self.notSureSpin.value()
        brushes = [(UNSURE_BAR if not_sure else TOP_BAR) if i == top else BAR
                   for i in range(10)]
        self.bars.setOpts(height=probs, brushes=brushes)
        if not_sure:
            self.predictionLabel.setText("?")
            # one decimal, as "Inside the network" reads it: 59.7 % is not "60 %" below 60 %
            self.detailLabel.setText(f"Not sure: {top} ({probs[top]:.1%}) or {second} "
                                     f"({probs[second]:.1%}) · {latency_ms:.1f} ms")
        else:
            self.predictionLabel.setText(str(top))
            self.detailLabel.setText(f"{probs[top]:.1%} sure · {latency_ms:.1f} ms")
        return top, not_sure
