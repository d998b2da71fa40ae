"""NumPy grayscale images to Qt images and icons: the one place that packs pixels for Qt."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QImage, QPixmap


def gray_qimage(array: np.ndarray) -> QImage:
    """A grayscale QImage owning its pixels, from a 2-D float array in [0, 1] or uint8."""
    a = np.asarray(array)
    if a.dtype != np.uint8:
        a = np.clip(a.astype(np.float32) * 255.0 + 0.5, 0, 255).astype(np.uint8)
    data = np.ascontiguousarray(a)
    h, w = data.shape
    return QImage(data.data, w, h, w, QImage.Format.Format_Grayscale8).copy()


def gray_icon(array: np.ndarray, size: int | QSize, smooth: bool = False) -> QIcon:
    """An icon of a 2-D image scaled to fit ``size`` (nearest-neighbour unless ``smooth``)."""
    box = size if isinstance(size, QSize) else QSize(size, size)
    mode = (Qt.TransformationMode.SmoothTransformation if smooth
            else Qt.TransformationMode.FastTransformation)
    pix = QPixmap.fromImage(gray_qimage(array)).scaled(
        box, Qt.AspectRatioMode.KeepAspectRatio, mode)
    return QIcon(pix)
