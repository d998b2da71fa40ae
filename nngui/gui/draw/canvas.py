"""A square drawing canvas: white anti-aliased ink on black, like MNIST, for mouse and pen.

Strokes are kept as point lists in coordinates relative to the square (0..1). Two images are
painted as the user draws: a 560x560 master that the screen shows scaled (so a resize costs
nothing), and a fixed 280x280 one (``image()``) that the preprocessing reads.

Undo never redraws every stroke: every ``CHECKPOINT_EVERY`` strokes both images are kept
(zlib-compressed, mostly black), so undoing at any depth restores the nearest checkpoint and
replays at most that many strokes.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDropEvent,
    QImage,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPointingDevice,
    QResizeEvent,
    QTabletEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from nngui.core.drawing.preprocess import fit_longest_side
from nngui.gui.common.images import gray_qimage

LOGICAL = 280  # side of the image handed to preprocessing (10x MNIST)
MASTER = 2 * LOGICAL  # side of the on-screen master: shown scaled, crisp up to ~560 px
CHECKPOINT_EVERY = 4  # strokes between undo checkpoints: undo replays at most 3
DEFAULT_BRUSH = 20.0  # px on the 280 canvas: about MNIST's stroke width once scaled to 20 px
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".pgm", ".ppm", ".tif",
                  ".tiff"}


@dataclass
class Stroke:
    """One press-to-release stroke: (x, y, width) points relative to the square side."""

    points: list[tuple[float, float, float]] = field(default_factory=list)
    eraser: bool = False


ERASER_RIM = 1 / 128  # of the canvas' side added to the eraser's width: ~2 px on screen


def _pen(width: float, eraser: bool) -> QPen:
    color = QColor(0, 0, 0) if eraser else QColor(255, 255, 255)
    return QPen(color, max(width, 0.5), Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                Qt.PenJoinStyle.RoundJoin)




def _pack(image: QImage) -> bytes:
    """A Grayscale8 image's pixels, compressed (a drawing is mostly black: ~10x smaller)."""
    return zlib.compress(bytes(image.constBits()), 1)


def _restore(image: QImage, packed: bytes) -> None:
    """Write pixels kept by ``_pack`` back into ``image`` (same size and format)."""
    data = zlib.decompress(packed)
    bits = image.bits()
    bits[: len(data)] = data


class DrawCanvas(QWidget):
    """Draw digits with the mouse or a tablet pen; ``image()`` is the drawing as floats."""

    imageChanged = Signal()  # on every stroke update: consumers coalesce
    strokeFinished = Signal()
    imageDropped = Signal(str)  # path of an image file dropped on the canvas

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("drawCanvas")
        self.setAccessibleName("Drawing canvas")
        self.setToolTip("Draw a digit: left button draws, right button erases, Ctrl+Z undoes "
                        "the last stroke. Drop an image file here to read it.")
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.setMinimumSize(160, 160)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAcceptDrops(True)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.strokes: list[Stroke] = []
        self.brush = DEFAULT_BRUSH
        self.eraser = False
        self._background: QImage | None = None
        self._current: Stroke | None = None
        self._hover: QPointF | None = None
        self._ink = QImage(LOGICAL, LOGICAL, QImage.Format.Format_Grayscale8)
        self._view = QImage(MASTER, MASTER, QImage.Format.Format_Grayscale8)
        # (strokes drawn, compressed ink, compressed view): the undo checkpoints
        self._checkpoints: list[tuple[int, bytes, bytes]] = []
        self._render_all()

    # ---- geometry -------------------------------------------------------------------
    def sizeHint(self) -> QSize:
        return QSize(360, 360)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return width

    def square(self) -> QRect:
        """The drawing area: the largest centred square in the widget."""
        side = max(1, min(self.width(), self.height()))
        return QRect((self.width() - side) // 2, (self.height() - side) // 2, side, side)

    def _to_unit(self, pos: QPointF) -> tuple[float, float]:
        sq = self.square()
        return (pos.x() - sq.x()) / sq.width(), (pos.y() - sq.y()) / sq.height()

    # ---- public API -----------------------------------------------------------------
    def set_brush(self, px: float) -> None:
        """Brush diameter in pixels of the 280x280 canvas."""
        self.brush = float(max(1.0, px))
        self.update()

    def set_eraser(self, on: bool) -> None:
        """Erase (draw black) instead of drawing ink."""
        self.eraser = bool(on)

    def clear(self) -> None:
        """Remove every stroke and any loaded image."""
        self.strokes.clear()
        self._current = None
        self._background = None
        self._render_all()
        self.imageChanged.emit()

    def undo(self) -> bool:
        """Remove the last stroke; False when there is none (cost independent of depth)."""
        if not self.strokes:
            return False
        self.strokes.pop()
        self._current = None
        n = len(self.strokes)
        while self._checkpoints and self._checkpoints[-1][0] > n:
            self._checkpoints.pop()
        if self._checkpoints:
            done, ink, view = self._checkpoints[-1]
            _restore(self._ink, ink)
            _restore(self._view, view)
        else:
            done = 0
            self._render_base()
        self._replay(self.strokes[done:])
        self.update()
        self.imageChanged.emit()
        return True

    def is_empty(self) -> bool:
        """True when nothing has been drawn or loaded."""
        return not self.strokes and self._background is None

    def set_image(self, gray: np.ndarray) -> None:
        """Show an image (white-on-black floats in [0, 1]) as the drawing, replacing strokes."""
        gray = np.asarray(gray, dtype=np.float32)
        if gray.ndim == 2 and max(gray.shape) > 2 * LOGICAL:
            # Area-average big photos first: Qt's smooth scaling alone would alias thin ink.
            gray = fit_longest_side(gray, 2 * LOGICAL)
        self.strokes.clear()
        self._current = None
        self._background = gray_qimage(gray) if gray.size else None
        self._render_all()
        self.imageChanged.emit()

    def image(self) -> np.ndarray:
        """The drawing as float32 280x280 in [0, 1] (white ink on black)."""
        img = self._ink
        buf = np.frombuffer(img.constBits(), dtype=np.uint8)
        rows = buf.reshape(img.height(), img.bytesPerLine())[:, : img.width()]
        return rows.astype(np.float32) * np.float32(1.0 / 255.0)

    # ---- rendering ------------------------------------------------------------------
    def _render_all(self) -> None:
        """Re-render both images from scratch (clear, a loaded image); drops checkpoints."""
        self._checkpoints.clear()
        self._render_base()
        self._replay(self.strokes)
        self.update()

    def _render_base(self) -> None:
        for target in (self._ink, self._view):
            self._render(target, target.width(), [])

    def _replay(self, strokes: list[Stroke]) -> None:
        for target in (self._ink, self._view):
            p = QPainter(target)
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            for stroke in strokes:
                self._paint_stroke(p, stroke, target.width())
            p.end()

    def _checkpoint(self) -> None:
        """Keep both images after every CHECKPOINT_EVERY-th stroke (for a cheap undo)."""
        n = len(self.strokes)
        if n and n % CHECKPOINT_EVERY == 0 and (not self._checkpoints
                                                 or self._checkpoints[-1][0] < n):
            self._checkpoints.append((n, _pack(self._ink), _pack(self._view)))

    def _render(self, target: QImage, side: int, strokes: list[Stroke]) -> None:
        target.fill(QColor(0, 0, 0))
        p = QPainter(target)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        if self._background is not None:
            bg = self._background
            scale = side / max(bg.width(), bg.height())
            w, h = bg.width() * scale, bg.height() * scale
            p.drawImage(QRectF((side - w) / 2, (side - h) / 2, w, h), bg)
        for stroke in strokes:
            self._paint_stroke(p, stroke, side)
        p.end()

    @staticmethod
    def _paint_stroke(p: QPainter, stroke: Stroke, side: int) -> None:
        # The same dot + segments the live drawing painted, so undoing another stroke or
        # resizing gives exactly the image the user saw while drawing.
        pts = stroke.points
        if not pts:
            return
        DrawCanvas._paint_segment(p, pts[0], pts[0], side, stroke.eraser)
        for a, b in zip(pts[:-1], pts[1:], strict=True):
            DrawCanvas._paint_segment(p, a, b, side, stroke.eraser)

    @staticmethod
    def _paint_segment(p: QPainter, a: tuple[float, float, float],
                       b: tuple[float, float, float], side: int, eraser: bool) -> None:
        width = (a[2] + b[2]) / 2 * side
        if eraser:  # over the ink's anti-aliased rim too, or a faint outline stays behind
            width += ERASER_RIM * side
        p.setPen(_pen(width, eraser))
        if a[:2] == b[:2]:
            p.drawPoint(QPointF(b[0] * side, b[1] * side))
        else:
            p.drawLine(QPointF(a[0] * side, a[1] * side), QPointF(b[0] * side, b[1] * side))

    def _paint_incremental(self, a: tuple[float, float, float] | None,
                           b: tuple[float, float, float], eraser: bool) -> None:
        """Add one segment (or the first dot) to both images without re-rendering."""
        for target in (self._ink, self._view):
            p = QPainter(target)
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            self._paint_segment(p, a or b, b, target.width(), eraser)
            p.end()
        sq = self.square()
        lo = a or b
        r = max(lo[2], b[2]) * sq.width() / 2 + 3
        x0, x1 = sorted((lo[0] * sq.width(), b[0] * sq.width()))
        y0, y1 = sorted((lo[1] * sq.height(), b[1] * sq.height()))
        if a is None:  # a stroke's first dot: repaint all, or "Draw a digit here" stays half
            self.update()
            return
        self.update(QRectF(sq.x() + x0 - r, sq.y() + y0 - r, x1 - x0 + 2 * r,
                           y1 - y0 + 2 * r).toAlignedRect())

    # ---- input ----------------------------------------------------------------------
    def _begin(self, pos: QPointF, pressure: float | None, eraser: bool) -> None:
        x, y = self._to_unit(pos)
        self._current = Stroke([(x, y, self._width(pressure))], eraser)
        self.strokes.append(self._current)
        self._paint_incremental(None, self._current.points[0], eraser)
        self.imageChanged.emit()

    def _extend(self, pos: QPointF, pressure: float | None) -> None:
        if self._current is None:
            return
        x, y = self._to_unit(pos)
        prev = self._current.points[-1]
        point = (x, y, self._width(pressure))
        if abs(x - prev[0]) < 1e-4 and abs(y - prev[1]) < 1e-4:
            return
        self._current.points.append(point)
        self._paint_incremental(prev, point, self._current.eraser)
        self.imageChanged.emit()

    def _end(self) -> None:
        if self._current is not None:
            self._current = None
            self._checkpoint()
            self.strokeFinished.emit()

    def _width(self, pressure: float | None) -> float:
        w = self.brush / LOGICAL
        if pressure is not None:  # a pen: light touch thin, full pressure 1.5x the brush
            w *= 0.3 + 1.2 * min(max(pressure, 0.0), 1.0)
        return w

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() in (Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton):
            erase = self.eraser or event.button() == Qt.MouseButton.RightButton
            self._begin(event.position(), None, erase)
            event.accept()
        else:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self._set_hover(event.position())
        if self._current is not None:
            self._extend(event.position(), None)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._current is not None:
            self._extend(event.position(), None)
        self._end()

    def tabletEvent(self, event: QTabletEvent) -> None:
        kind = event.type()
        erase = self.eraser or event.pointerType() == QPointingDevice.PointerType.Eraser
        if kind == QEvent.Type.TabletPress:
            self._begin(event.position(), event.pressure(), erase)
        elif kind == QEvent.Type.TabletMove:
            self._set_hover(event.position())
            if self._current is not None:
                self._extend(event.position(), event.pressure())
        elif kind == QEvent.Type.TabletRelease:
            self._end()
        event.accept()  # no synthesised mouse events: the pen already drew

    def leaveEvent(self, event: QEvent) -> None:
        self._set_hover(None)
        super().leaveEvent(event)

    def _set_hover(self, pos: QPointF | None) -> None:
        old = self._hover
        self._hover = pos
        r = int(self.brush / LOGICAL * self.square().width() / 2) + 3
        for q in (old, pos):
            if q is not None:
                self.update(QRect(int(q.x()) - r, int(q.y()) - r, 2 * r + 1, 2 * r + 1))

    def event(self, event: QEvent) -> bool:
        # Claim Ctrl+Z while the canvas has focus, even if the window has an Undo shortcut.
        if event.type() == QEvent.Type.ShortcutOverride \
                and event.matches(QKeySequence.StandardKey.Undo):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Undo):
            self.undo()
            event.accept()
        else:
            super().keyPressEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.update()  # the master is shown scaled: nothing to re-render

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._dropped_path(event) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        path = self._dropped_path(event)
        if path is not None:
            event.acceptProposedAction()
            self.imageDropped.emit(path)

    @staticmethod
    def _dropped_path(event: QDropEvent | QDragEnterEvent) -> str | None:
        for url in event.mimeData().urls():
            if url.isLocalFile() and Path(url.toLocalFile()).suffix.lower() in IMAGE_SUFFIXES:
                return url.toLocalFile()
        return None

    # ---- painting -------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), self.palette().window())
        sq = self.square()
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        p.drawImage(QRectF(sq), self._view)
        if self.is_empty():
            p.setPen(QColor(150, 150, 150))
            p.drawText(sq, Qt.AlignmentFlag.AlignCenter, "Draw a digit here")
        if self._hover is not None and sq.contains(self._hover.toPoint()):
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            p.setPen(QPen(QColor(255, 80, 80) if self.eraser else QColor(120, 170, 255), 1))
            p.setBrush(Qt.BrushStyle.NoBrush)
            r = self.brush / LOGICAL * sq.width() / 2
            p.drawEllipse(self._hover, r, r)
        p.setPen(QPen(QColor(90, 90, 90), 1))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(sq.adjusted(0, 0, -1, -1))
        p.end()
