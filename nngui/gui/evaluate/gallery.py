"""The dataset gallery: one test sample per class (the course's 2x5 digit grid), then a class's
samples page by page; for 2-D data, a scatter of the test set. Clicking a sample picks it.

Only the dataset's arrays are shown here: no model is involved.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from nngui.core.insight.evaluation import image_shape
from nngui.gui.common.style import class_brushes

PAGE = 24  # samples on one page of a class (4 rows of 6)
PAGE_COLS = 6
OVERVIEW_COLS = 5


def as_images(x: np.ndarray) -> np.ndarray | None:
    """(n, h, w) grayscale or (n, h, w, 3) colour images from image data or flat rows (784
    pixels; 3,072 colour values, CIFAR-10's); None for other data (see image_shape)."""
    x = np.asarray(x)
    shape = image_shape(x.shape[1:])
    return None if shape is None else x.reshape((len(x), *shape))


GAP = -1.0  # a gap between tiles (drawn grey)
GAP_GREY = 200


def tile(images: np.ndarray, cols: int, low: float, high: float) -> np.ndarray:
    """Tiles (n, h, w) or (n, h, w, 3) into a grid with 1-pixel gaps (value GAP), scaled to
    [0, 1]."""
    n, h, w = images.shape[:3]
    rows = max(1, -(-n // cols))
    out = np.full((rows * (h + 1), cols * (w + 1), *images.shape[3:]), GAP, np.float32)
    span = (high - low) or 1.0
    for i, img in enumerate(images):
        r, c = divmod(i, cols)
        out[r * (h + 1): r * (h + 1) + h, c * (w + 1): c * (w + 1) + w] = (img - low) / span
    return out


def mosaic_rgb(mosaic: np.ndarray) -> np.ndarray:
    """A tiled mosaic as (rows, cols, 3) uint8: grayscale as ink on white (the course's
    digits), colour as it is; the gaps grey."""
    gap = mosaic[..., 0] < 0 if mosaic.ndim == 3 else mosaic < 0
    v = np.clip(mosaic, 0.0, 1.0)
    rgb = v if mosaic.ndim == 3 else np.repeat((1.0 - v)[..., None], 3, axis=2)
    out = np.round(rgb * 255.0).astype(np.uint8)
    out[gap] = GAP_GREY
    return out


class _ClickImage(pg.ImageItem):
    """An image that reports where it was clicked, in image (column, row) coordinates."""

    def __init__(self, on_click) -> None:
        super().__init__()
        self._on_click = on_click

    def mouseClickEvent(self, ev) -> None:  # noqa: N802 (Qt's name)
        pos = ev.pos()
        self._on_click(pos.x(), pos.y())
        ev.accept()


class DatasetGallery(QWidget):
    """``datasetGallery``: browse the test set's samples by class; ``sampleChosen(index)``."""

    sampleChosen = Signal(int)  # an index into the test set

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("datasetGallery")
        self.x: np.ndarray | None = None  # test images (n, h, w) or (n, h, w, 3), or None
        self.points: np.ndarray | None = None  # 2-D test points, or None
        self.labels = np.zeros(0, np.int64)
        self.class_names: list[str] = []
        self.shown: list[int] = []  # test indices of the tiles now shown, in tile order
        self.current_class: int | None = None
        self.page = 0
        self._cols = OVERVIEW_COLS
        self._range = (0.0, 1.0)
        self.mosaic: np.ndarray | None = None  # the tiles shown, scaled to [0, 1] (gaps: GAP)
        self.title = QLabel("Load a dataset to see its samples.")
        self.title.setWordWrap(True)
        self.images = pg.GraphicsLayoutWidget()
        self.images.setBackground("w")
        self._view = self.images.addViewBox(lockAspect=True, invertY=True)
        self._view.setMouseEnabled(False, False)
        self._image = _ClickImage(self._on_image_click)
        self._view.addItem(self._image)
        self.scatter = pg.PlotWidget(background="w")
        self._pts = pg.ScatterPlotItem(size=6, pen=None)
        self._pts.sigClicked.connect(lambda _item, pts, _ev: pts and
                                     self.sampleChosen.emit(int(pts[0].data())))
        self.scatter.getPlotItem().addItem(self._pts)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.images)
        self.stack.addWidget(self.scatter)
        self.backButton = QPushButton("All classes")
        self.prevButton = QPushButton("◀")
        self.nextButton = QPushButton("▶")
        self.backButton.clicked.connect(self.show_overview)
        self.prevButton.clicked.connect(lambda: self.show_class(self.current_class, self.page - 1))
        self.nextButton.clicked.connect(lambda: self.show_class(self.current_class, self.page + 1))
        nav = QHBoxLayout()
        for b in (self.backButton, self.prevButton, self.nextButton):
            nav.addWidget(b)
        nav.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.stack, 1)
        layout.addLayout(nav)
        self._nav()

    def set_dataset(self, ds: Any) -> None:
        """Show ``ds``'s test set: its classes as images, or its points for 2-D data."""
        self.labels = np.asarray(ds.y_test).astype(np.int64).ravel() \
            if ds.task == "classification" else np.zeros(len(ds.x_test), np.int64)
        self.class_names = list(ds.class_names) or [str(c) for c in range(ds.num_classes)]
        self.x = as_images(ds.x_test)
        x2 = np.asarray(ds.x_test)
        self.points = x2 if self.x is None and x2.ndim == 2 and x2.shape[1] == 2 else None
        if self.x is not None:
            self._range = (float(np.min(self.x)), float(np.max(self.x)))
            self.show_overview()
        elif self.points is not None:
            self.stack.setCurrentWidget(self.scatter)
            self.current_class, self.shown = None, []
            self._pts.setData(x=self.points[:, 0], y=self.points[:, 1],
                              brush=class_brushes(self.labels, 200),
                              data=np.arange(len(self.points)))
            self.title.setText(f"{ds.title}: the {len(self.points):,} test points by class; "
                               "click one to probe it.")
        else:
            self.x, self.shown = None, []
            self._image.clear()
            self.title.setText(f"{ds.title}: no gallery for {ds.input_shape}-shaped samples.")
        self._nav()

    def show_overview(self) -> None:
        """One test sample per class, 5 to a row; click one to browse that class."""
        if self.x is None:
            return
        self.current_class, self.page = None, 0
        classes = np.unique(self.labels)
        self.shown = [int(np.flatnonzero(self.labels == c)[0]) for c in classes]
        self._show_tiles(OVERVIEW_COLS)
        self.title.setText("One test sample per class (" + ", ".join(
            self._name(int(c)) for c in classes) + "): click one to browse its class.")
        self._nav()

    def show_class(self, cls: int | None, page: int = 0) -> None:
        """Page ``page`` of class ``cls``'s test samples; click one to probe it."""
        if self.x is None or cls is None:
            return
        members = np.flatnonzero(self.labels == cls)
        pages = max(1, -(-len(members) // PAGE))
        self.current_class, self.page = int(cls), int(np.clip(page, 0, pages - 1))
        self.shown = [int(i) for i in members[self.page * PAGE: (self.page + 1) * PAGE]]
        self._show_tiles(PAGE_COLS)
        self.title.setText(f"Class {self._name(cls)}: {len(members):,} test samples, page "
                           f"{self.page + 1} of {pages}. Click one to probe it.")
        self._nav(pages)

    def _name(self, cls: int) -> str:
        return self.class_names[cls] if 0 <= cls < len(self.class_names) else str(cls)

    def _show_tiles(self, cols: int) -> None:
        self.stack.setCurrentWidget(self.images)
        self._cols = cols
        self.mosaic = tile(self.x[self.shown], cols, *self._range)
        self._image.setImage(mosaic_rgb(self.mosaic).transpose(1, 0, 2), autoLevels=False,
                             levels=(0, 255))
        self._view.autoRange(padding=0.01)

    def tile_at(self, x: float, y: float) -> int | None:
        """The position in ``shown`` of the tile at image point (x, y), or None (a gap)."""
        h, w = self.x.shape[1:3]
        col, row = int(x) // (w + 1), int(y) // (h + 1)
        k = row * self._cols + col
        if x < 0 or y < 0 or col >= self._cols or k >= len(self.shown):
            return None
        return k

    def _on_image_click(self, x: float, y: float) -> None:
        if self.x is None:
            return
        k = self.tile_at(x, y)
        if k is None:
            return
        if self.current_class is None:
            self.show_class(int(self.labels[self.shown[k]]))
        else:
            self.sampleChosen.emit(self.shown[k])

    def _nav(self, pages: int = 1) -> None:
        in_class = self.current_class is not None
        self.backButton.setVisible(in_class)
        self.prevButton.setVisible(in_class)
        self.nextButton.setVisible(in_class)
        self.prevButton.setEnabled(self.page > 0)
        self.nextButton.setEnabled(self.page < pages - 1)
