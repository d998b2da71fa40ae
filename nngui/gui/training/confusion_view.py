"""The confusion matrix while a classifier trains: rows the true class, columns the predicted
one, each cell's share of its row as colour, on a fixed sample of the test data.

It draws only what ``core.insight.probes.ConfusionProbe`` sent (or a replay's frame of it).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from nngui.core.insight.evaluation import row_normalised

TITLE = "Confusion"
TIP = ("On a fixed sample of the test data. Rows: the true class; columns: the class the "
       "network says; the darker a cell, the larger its share of the row")
CELL_COLOURS = pg.ColorMap([0.0, 1.0], [(255, 255, 255), (30, 90, 170)])


def confusion_title(epoch: int | None, matrix: np.ndarray | None) -> str:
    """'Confusion · epoch 3<br>91.2 % right' (two short lines: beside the Lessons dock the
    plot is ~230 px wide, and one line was cut at 'righ'), or the waiting title; the tooltip
    says of how many test samples."""
    if epoch is None or matrix is None:
        return TITLE
    total = int(matrix.sum())
    share = f"<br>{100 * int(np.trace(matrix)) / total:.1f} % right" if total else ""
    return f"Confusion · epoch {epoch + 1}{share}"


class ConfusionView(pg.PlotWidget):
    """``liveConfusion``: the row-normalised matrix as an image; ``matrix`` is what it shows."""

    def __init__(self) -> None:
        super().__init__(background="w")
        self.setObjectName("liveConfusion")
        self.matrix: np.ndarray | None = None
        item = self.getPlotItem()
        item.setMenuEnabled(False)
        item.invertY(True)
        item.setLabel("left", "true")
        item.setLabel("bottom", "predicted")
        item.setTitle(TITLE, color="#333", size="9pt")
        self._image = pg.ImageItem()
        self._image.setColorMap(CELL_COLOURS)
        item.addItem(self._image)
        self.setMinimumSize(140, 90)
        self.setToolTip(TIP)

    def show_matrix(self, epoch: int, matrix: np.ndarray) -> None:
        self.matrix = np.asarray(matrix)
        k = len(self.matrix)
        self._image.setImage(row_normalised(self.matrix).T, autoLevels=False, levels=(0, 1))
        self._image.setRect(0, 0, k, k)
        item = self.getPlotItem()
        ticks = [[(i + 0.5, str(i)) for i in range(k)]]
        item.getAxis("left").setTicks(ticks)
        item.getAxis("bottom").setTicks(ticks)
        item.setRange(xRange=(0, k), yRange=(0, k), padding=0)
        item.setTitle(confusion_title(epoch, self.matrix), color="#333", size="9pt")
        self.setToolTip(f"{TIP}: {int(self.matrix.sum())} samples.")

    def clear_matrix(self) -> None:
        self.matrix = None
        self._image.clear()
        self.getPlotItem().setTitle(TITLE, color="#333", size="9pt")
        self.setToolTip(TIP)
