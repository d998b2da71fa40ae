"""NumPy grayscale and colour images to Qt images and icons: the one place that packs pixels
for Qt."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QIcon, QImage, QPainter, QPixmap
from PySide6.QtWidgets import QLabel, QWidget


def gray_qimage(array: np.ndarray) -> QImage:
    """A grayscale QImage owning its pixels, from a 2-D float array in [0, 1] or uint8."""
    a = np.asarray(array)
    if a.dtype != np.uint8:
        a = np.clip(a.astype(np.float32) * 255.0 + 0.5, 0, 255).astype(np.uint8)
    data = np.ascontiguousarray(a)
    h, w = data.shape
    return QImage(data.data, w, h, w, QImage.Format.Format_Grayscale8).copy()


def rgb_qimage(array: np.ndarray) -> QImage:
    """A colour QImage owning its pixels, from an (h, w, 3) float array in [0, 1] or uint8."""
    a = np.asarray(array)
    if a.dtype != np.uint8:
        a = np.clip(a.astype(np.float32) * 255.0 + 0.5, 0, 255).astype(np.uint8)
    data = np.ascontiguousarray(a)
    h, w = data.shape[:2]
    return QImage(data.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


def picture_qimage(array: np.ndarray) -> QImage:
    """A QImage of a 2-D grayscale or an (h, w, 3) colour image."""
    return rgb_qimage(array) if np.ndim(array) == 3 else gray_qimage(array)


def picture_icon(array: np.ndarray, size: int | QSize, smooth: bool = False) -> QIcon:
    """An icon of a 2-D grayscale or (h, w, 3) colour image scaled to fit ``size``
    (nearest-neighbour unless ``smooth``)."""
    box = size if isinstance(size, QSize) else QSize(size, size)
    mode = (Qt.TransformationMode.SmoothTransformation if smooth
            else Qt.TransformationMode.FastTransformation)
    pix = QPixmap.fromImage(picture_qimage(array)).scaled(
        box, Qt.AspectRatioMode.KeepAspectRatio, mode)
    return QIcon(pix)


class PixelView(QLabel):
    """Shows a small grayscale array scaled to fit with sharp (nearest-neighbour) pixels.

    ``row_labels`` are drawn to the left of the picture, one per equal horizontal band.
    """

    def __init__(self, placeholder: str = "", row_labels: tuple[str, ...] = (),
                 parent: QWidget | None = None) -> None:
        super().__init__(placeholder, parent)
        self.array: np.ndarray | None = None
        self.row_labels = row_labels
        self._image: QImage | None = None
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setStyleSheet("color: #666;")

    def set_array(self, array: np.ndarray | None) -> None:
        self.array = None if array is None else np.asarray(array, dtype=np.float32)
        self._image = None if array is None else gray_qimage(self.array)
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        if self._image is None:
            super().paintEvent(event)
            return
        fm = self.fontMetrics()
        margin = max((fm.horizontalAdvance(t) for t in self.row_labels), default=-8) + 8
        iw, ih = self._image.width(), self._image.height()
        scale = min((self.width() - margin) / iw, self.height() / ih)
        if scale >= 1:
            scale = float(int(scale))  # whole-pixel blocks look crisp
        w, h = iw * scale, ih * scale
        left = margin + (self.width() - margin - w) / 2
        top = (self.height() - h) / 2
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        painter.drawImage(QRectF(left, top, w, h), self._image)
        band = h / max(len(self.row_labels), 1)
        for i, text in enumerate(self.row_labels):
            painter.drawText(QRectF(0, top + i * band, left - 6, band),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, text)
        painter.end()
