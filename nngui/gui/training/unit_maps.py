"""Per-unit activation tiles, like TensorFlow Playground's neurons: one per hidden unit.

The tiles draw the maps the boundary probe sent (``core.insight.probes.unit_maps``, computed in the
training thread); nothing here calls a model. Hovering a tile emits ``unitHovered`` so the
boundary plot can show that unit's map large; leaving it emits ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from nngui.gui.common.style import PALETTE

TILE = 30  # pixels a side
SMALL_TILE = 20  # when more than SMALL_AFTER columns of tiles would take the plot's width
SMALL_AFTER = 3
ROWS = 8  # tiles in a column; a wider layer wraps into more columns

# negative blue, 0 white, positive orange: the boundary's colours, with 0 (no output) white
UNIT_COLORS = pg.ColorMap([0.0, 0.5, 1.0], [PALETTE[0], (255, 255, 255), PALETTE[1]])
_LUT = UNIT_COLORS.getLookupTable(nPts=256, alpha=True)


@dataclass
class UnitMap:
    """One hidden unit's map: ``layer`` and ``unit`` count from 1; ``values`` is [iy, ix]."""

    layer: int
    unit: int
    values: np.ndarray

    @property
    def title(self) -> str:
        return f"layer {self.layer} unit {self.unit}"


def unit_levels(values: np.ndarray) -> tuple[float, float]:
    """Colour levels symmetric about 0 (white), so a unit's sign reads the same on every tile."""
    top = float(np.nanmax(np.abs(values))) if np.size(values) else 0.0
    top = top if np.isfinite(top) and top > 0 else 1.0
    return -top, top


def unit_rgba(values: np.ndarray) -> np.ndarray:
    """[row, col, 4] colours of a map indexed [iy, ix]; row 0 is the top (largest y)."""
    lo, hi = unit_levels(values)
    t = np.nan_to_num((np.asarray(values, np.float64) - lo) / (hi - lo), nan=0.5)
    idx = np.clip(np.round(t * 255), 0, 255).astype(np.intp)
    return np.ascontiguousarray(_LUT[idx[::-1]])


class UnitTile(QLabel):
    """A unit's map as a small picture; says when the pointer enters or leaves it."""

    entered = Signal(int)
    left = Signal(int)

    def __init__(self, index: int, size: int = TILE, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.index = index
        self.setFixedSize(size, size)
        self.setScaledContents(True)
        self.setStyleSheet("border: 1px solid #999;")

    def set_map(self, values: np.ndarray) -> None:
        rgba = unit_rgba(values)
        h, w = rgba.shape[:2]
        img = QImage(rgba.data, w, h, 4 * w, QImage.Format.Format_RGBA8888).copy()
        self.setPixmap(QPixmap.fromImage(img))

    def enterEvent(self, event: Any) -> None:  # noqa: N802 (Qt naming)
        self.entered.emit(self.index)
        super().enterEvent(event)

    def leaveEvent(self, event: Any) -> None:  # noqa: N802 (Qt naming)
        self.left.emit(self.index)
        super().leaveEvent(event)


class UnitMaps(QWidget):
    """``unitMaps``: a column of tiles per hidden layer; hover one to see it large."""

    unitHovered = Signal(object)  # the UnitMap under the pointer, or None when it leaves

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("unitMaps")
        self.tiles: list[UnitTile] = []
        self.maps: list[UnitMap] = []
        self.hovered: int | None = None  # index into ``tiles``
        self._shape: list[tuple[int, int, int]] = []  # (layer, tiles, units) now laid out
        self._row = QHBoxLayout(self)
        self._row.setContentsMargins(0, 0, 2, 0)
        self._row.setSpacing(6)
        self.setToolTip("Each hidden unit's activation over the plane (blue < 0 < orange); "
                        "hover one to see it large")
        self.setVisible(False)

    def set_maps(self, layers: list[dict[str, Any]]) -> None:
        """The probe's per-layer maps (``core.insight.probes.unit_maps``); [] hides the tiles."""
        shape = [(int(m["layer"]), len(m["maps"]), int(m["units"])) for m in layers]
        if shape != self._shape:
            self._rebuild(shape)
        self.maps = [UnitMap(m["layer"], u + 1, grid) for m in layers
                     for u, grid in enumerate(m["maps"])]
        for tile, unit in zip(self.tiles, self.maps, strict=True):
            tile.set_map(unit.values)
        if self.hovered is not None:  # a new epoch under the pointer: the large map follows
            self.unitHovered.emit(self.maps[self.hovered])

    def clear(self) -> None:
        """No maps (a new network, or one without hidden layers)."""
        self.set_maps([])

    def _rebuild(self, shape: list[tuple[int, int, int]]) -> None:
        if self.hovered is not None:
            self.hovered = None
            self.unitHovered.emit(None)
        while self._row.count():
            item = self._row.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.tiles = []
        columns = sum(-(-count // ROWS) for _, count, _ in shape)
        size = TILE if columns <= SMALL_AFTER else SMALL_TILE
        for layer, count, units in shape:
            box = QWidget()
            col = QVBoxLayout(box)
            col.setContentsMargins(0, 0, 0, 0)
            col.setSpacing(2)
            head = QLabel(f"L{layer}")
            head.setToolTip(f"hidden layer {layer}: {count} of {units} units" if count < units
                            else f"hidden layer {layer}: {units} units")
            head.setAlignment(Qt.AlignmentFlag.AlignCenter)
            col.addWidget(head)
            grid = QGridLayout()
            grid.setSpacing(2)
            for u in range(count):
                tile = UnitTile(len(self.tiles), size)
                tile.setToolTip(f"layer {layer} unit {u + 1}")
                tile.entered.connect(self._on_enter)
                tile.left.connect(self._on_leave)
                grid.addWidget(tile, u % ROWS, u // ROWS)
                self.tiles.append(tile)
            col.addLayout(grid)
            col.addStretch(1)
            self._row.addWidget(box)
        self._shape = shape
        self.setVisible(bool(self.tiles))

    def _on_enter(self, index: int) -> None:
        self.hovered = index
        self.unitHovered.emit(self.maps[index])

    def _on_leave(self, index: int) -> None:
        if self.hovered == index:
            self.hovered = None
            self.unitHovered.emit(None)
