"""The tick labels a pyqtgraph axis paints, read from its draw specs (what its paint uses)."""

from __future__ import annotations

from PySide6.QtGui import QImage, QPainter


def label_specs(axis) -> list:
    """(rect in the axis' own coordinates, flags, text) of every label ``axis`` would paint."""
    image = QImage(8, 8, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return list(specs[2])
