"""The hidden-space plot's extras: the output unit's line, a class legend and what the plot is.

A hidden layer of 2 units is drawn as it is, and the output unit decides by one line in that
plane: drawing it shows where the network separates the classes (XOR becomes separable
there). A wider layer is drawn by PCA, and the caption says what such a picture can and
cannot show. The plot's points come from ``live.LiveViews``; this draws what goes with them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QLabel

from nngui.gui.common.style import PALETTE


def line_in_box(w: np.ndarray, b: float, lo: np.ndarray, hi: np.ndarray
                ) -> tuple[list[float], list[float]]:
    """Endpoints of w·h + b = 0 across the box [lo, hi] (empty when w is 0)."""
    w1, w2 = float(w[0]), float(w[1])
    if abs(w2) >= abs(w1) and w2 != 0:
        x = np.array([lo[0], hi[0]])
        return list(x), list(-(w1 * x + b) / w2)
    if w1 != 0:
        y = np.array([lo[1], hi[1]])
        return list(-(w2 * y + b) / w1), list(y)
    return [], []


def caption(p: dict[str, Any] | None) -> str:
    """What the plot shows, as rich text: the class legend, the line, or the projection's
    limits (PCA)."""
    if p is None:
        return ""
    labels = np.asarray(p["labels"]).astype(int)
    classes = sorted(set(labels.ravel().tolist()))[:10]
    legend = " ".join(
        f"<span style='color: rgb{PALETTE[c % len(PALETTE)]}'>●</span> class {c}"
        for c in classes)
    if p["method"] == "raw":
        line = ("; <b>the line</b>: where the output unit decides, so one line separates the "
                "classes here exactly when this network gets them right"
                if p.get("line") is not None else "")
        return f"{legend} · the hidden units' outputs as they are{line}."
    return (f"{legend} · PCA of {p['units']} units: the 2 directions of widest spread. Points "
            f"that overlap here may be apart in the other {p['units'] - 2}, and the output "
            "unit's boundary cannot be drawn in this plane (a 2-unit layer is drawn as it is).")


class HiddenSpaceExtras:
    """The line item on ``plot`` and the caption label under it."""

    def __init__(self, plot: pg.PlotWidget) -> None:
        self.plot = plot
        self._line = pg.PlotDataItem(pen=pg.mkPen(40, 40, 40, width=2))
        plot.getPlotItem().addItem(self._line)
        self.captionLabel = QLabel("")
        self.captionLabel.setObjectName("hiddenSpaceCaption")
        self.captionLabel.setWordWrap(True)

    def show(self, p: dict[str, Any] | None) -> None:
        self.captionLabel.setText(caption(p))
        line = None if p is None else p.get("line")
        if line is None:
            self._line.setData([], [])
            return
        c = np.asarray(p["coords"], float)
        lo, hi = c.min(axis=0), c.max(axis=0)
        pad = np.maximum((hi - lo) * 0.15, 0.05)
        lo, hi = lo - pad, hi + pad
        xs, ys = line_in_box(np.asarray(line[0], float), float(line[1]), lo, hi)
        self._line.setData(xs, ys)
        self.plot.getPlotItem().setRange(xRange=(lo[0], hi[0]), yRange=(lo[1], hi[1]),
                                         padding=0)

    def clear(self) -> None:
        self.show(None)

    def line_data(self) -> tuple[np.ndarray, np.ndarray]:
        x, y = self._line.getData()
        return (np.asarray([] if x is None else x), np.asarray([] if y is None else y))
