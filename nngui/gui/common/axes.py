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
