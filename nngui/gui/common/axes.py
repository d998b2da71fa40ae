"""Axis helpers for pyqtgraph plots: epochs are counted in whole numbers, non-finite values are gaps."""

from __future__ import annotations

import math
import types
from typing import Any

import numpy as np


def whole_number_ticks(axis: Any) -> None:
    """Ticks of ``axis`` (a pyqtgraph AxisItem) at whole numbers only: epoch 1, 2, 3, never 1.5.

    pyqtgraph's own spacing is kept where it is a whole number (5, 10, 20 … on long runs);
    finer levels are dropped, and the major level is at least 1.
    """
    if getattr(axis, "_whole_numbers", False):
        return
    spacing = axis.tickSpacing

    def whole(self: Any, low: float, high: float, size: float) -> list[tuple[float, float]]:
        levels = [(s, offset) for s, offset in spacing(low, high, size) if s >= 1]
        if not levels:
            return [(1.0, 0.0)]
        return [(float(math.ceil(s)), offset) for s, offset in levels]

    axis.tickSpacing = types.MethodType(whole, axis)
    axis._whole_numbers = True


def finite_or_gap(xs, ys, scale: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Points for a curve: x and y as floats, every non-finite y (NaN, inf) a NaN gap."""
    x = np.asarray(xs, dtype=float)
    with np.errstate(invalid="ignore", over="ignore"):
        y = scale * np.asarray(ys, dtype=float)
    y[~np.isfinite(y)] = np.nan
    return x, y


END_LABEL_PX = 9  # how far an end tick's label may reach past the plot (half a text line)


def end_labels_shown(axis: Any, px: int = END_LABEL_PX) -> None:
    """The labels of ticks at the very ends of ``axis`` (a pyqtgraph AxisItem) are drawn:
    0 % and 100 % on an accuracy axis drawn over exactly 0..100.

    With a grid, pyqtgraph bounds an axis by its own rectangle and the plot's, and hides (and
    clips) a label that reaches past them: the end ticks' labels, centred on the plot's edges,
    reach half a text line past. Their bound is widened by ``px`` along the axis.
    """
    if getattr(axis, "_end_labels", False):
        return
    bounding = axis.boundingRect
    vertical = axis.orientation in ("left", "right")

    def wider(self: Any) -> Any:
        rect = bounding()
        return rect.adjusted(0, -px, 0, px) if vertical else rect.adjusted(-px, 0, px, 0)

    axis.prepareGeometryChange()
    axis.boundingRect = types.MethodType(wider, axis)
    axis._end_labels = True
    axis.picture = None  # drawn again with the wider bound
    axis.update()


def room_for_end_labels(item: Any, px: int = END_LABEL_PX) -> None:
    """Room around ``item`` (a pyqtgraph PlotItem) for the labels of the ticks at the view's
    top and right ends: centred on the edge, half of each reaches ``px`` past it. Without a
    title above the plot the top label was cut in half by the widget's edge."""
    left, _top, _right, bottom = item.layout.getContentsMargins()
    item.layout.setContentsMargins(left, px, px, bottom)
