"""Axis helpers for pyqtgraph plots: epochs are counted in whole numbers."""

from __future__ import annotations

import math
import types
from typing import Any


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
