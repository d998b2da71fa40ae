"""The Evaluate tab's confusion matrix: a table whose counts are always read whole.

Its columns stretch to the width the tab gets. Beside the Lessons dock on a 1366x768 screen
that is ~33 px a column for MNIST's ten, less than "1135" (MNIST's test ones) takes in the
table's font, so Qt elided it to "11…". The cells' font shrinks, down to ``MIN_POINT_SIZE``,
until the widest count fits its column; the headers keep theirs.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QTableWidget

MIN_POINT_SIZE = 6.0
MARGIN_PX = 6  # the cell's own padding, left and right together


def fitting_font(base: QFont, texts: list[str], width: int) -> QFont:
    """``base``, or a smaller copy of it (down to ``MIN_POINT_SIZE``) in which every one of
    ``texts`` is at most ``width`` pixels wide with the cell's margin."""
    font = QFont(base)
    size = font.pointSizeF() if font.pointSizeF() > 0 else 9.0
    while size > MIN_POINT_SIZE:
        font.setPointSizeF(size)
        metrics = QFontMetrics(font)
        if max((metrics.horizontalAdvance(t) for t in texts), default=0) + MARGIN_PX <= width:
            break
        size -= 0.5
    font.setPointSizeF(max(size, MIN_POINT_SIZE))
    return font


class ConfusionTable(QTableWidget):
    """A ``QTableWidget`` that sets its cells' font to fit the widest count whenever its
    columns change width (call ``fit_counts`` after filling it)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._fit = QTimer(self, singleShot=True, interval=0)  # once for all ten sections
        self._fit.timeout.connect(self.fit_counts)
        self.horizontalHeader().sectionResized.connect(lambda *_: self._fit.start())

    def fit_counts(self) -> None:
        """The cells' font: the table's own, or smaller where a count would be elided."""
        items = [self.item(i, j) for i in range(self.rowCount())
                 for j in range(self.columnCount())]
        items = [it for it in items if it is not None]
        if not items:
            return
        width = min(self.columnWidth(j) for j in range(self.columnCount()))
        font = fitting_font(self.font(), [it.text() for it in items], width)
        for it in items:
            if it.font() != font:
                it.setFont(font)
