"""The Autoencoder tab's latent plane: the test digits' codes in 2-D, hover to decode, a grid.

``LatentView`` shows the codes it is given (``show_codes``): a 2-D bottleneck as it is, a
wider one by PCA (at once) or t-SNE (a job on the window's TaskRunner, so the window never
freezes). Hovering decodes the point under the pointer with the decode function given with
the codes and hands the picture on (``pointDecoded``); Grid tiles decoded digits over the view.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from nngui.core.model import autoencoder as ae
from nngui.gui.common.empty_plot import EmptyState
from nngui.gui.common.style import PALETTE
from nngui.gui.common.tasks import Task, TaskRunner

NO_CODES = "No latent codes to show yet"  # the empty plot (no model, or one training)
GRID_TILES = 15

Decode = Callable[[np.ndarray], np.ndarray]  # latent codes (N, latent) -> images (N, 28, 28)


def named(widget: Any, name: str, tip: str = "") -> Any:
    """``widget`` with its objectName (and tooltip) set."""
    widget.setObjectName(name)
    if tip:
        widget.setToolTip(tip)
    return widget


class LatentView(QWidget):
    """The 2-D view bar (PCA/t-SNE, Grid, progress, status) above the latent scatter plot."""

    projectionReady = Signal(str)  # "latent", "pca" or "tsne" is now on screen
    pointDecoded = Signal(object, str)  # a hovered point's decoded 28x28 image, what it is

    def __init__(self, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self._z: np.ndarray | None = None  # latent codes of the test images
        self._y: np.ndarray | None = None  # their labels
        self._decode: Decode | None = None
        self._plane: np.ndarray | None = None  # their 2-D positions on screen
        self._method = "latent"  # how _plane was made: "latent", "pca" or "tsne"
        self._pca: ae.PCABasis | None = None
        self._tsne: np.ndarray | None = None
        self._generation = 0
        self._tsne_task: Task | None = None
        self._hover_pos: QPointF | None = None
        self._hover_timer = self._single_shot(0, self._apply_hover)
        self._grid_timer = self._single_shot(40, self._update_grid)
        self._build_ui()

    def _single_shot(self, ms: int, slot) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.setInterval(ms)
        timer.timeout.connect(slot)
        return timer

    # ---- layout -------------------------------------------------------------------------

    def _build_ui(self) -> None:
        self._build_latent_plot()
        self.projectionCombo = named(QComboBox(), "projectionCombo",
                                     "How a bottleneck wider than 2 is shown in 2-D: PCA at "
                                     "once, t-SNE (slower) in the background")
        self.projectionCombo.addItem("PCA", "pca")
        self.projectionCombo.addItem("t-SNE", "tsne")
        self.projectionCombo.currentIndexChanged.connect(self._on_projection_changed)
        self.latentGridButton = named(QPushButton("Grid"), "latentGridButton",
                                      "Tile the decoder's digits over the visible latent "
                                      "plane (not for t-SNE, which has no inverse)")
        self.latentGridButton.setCheckable(True)
        self.latentGridButton.toggled.connect(self._on_grid_toggled)
        self.projectionProgress = named(QProgressBar(), "projectionProgress")
        self.projectionProgress.setRange(0, 0)  # busy: t-SNE cannot report finer progress
        self.projectionProgress.setMaximumWidth(120)
        self.projectionProgress.setVisible(False)
        self.latentStatus = named(QLabel(""), "latentStatus")
        # its text changes with the view ("t-SNE of 2,000 codes; the other 8,000 placed by
        # nearest neighbours"): it wraps in the room it has, two lines kept for it, and never
        # widens the column (the Decoded point column moved under the pointer)
        self.latentStatus.setWordWrap(True)
        self.latentStatus.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.latentStatus.setFixedHeight(2 * self.latentStatus.fontMetrics().lineSpacing() + 2)
        self.projectionLabel = QLabel("2-D view:")
        bar = QHBoxLayout()
        for w in (self.projectionLabel, self.projectionCombo, self.latentGridButton,
                  self.projectionProgress):
            bar.addWidget(w)
        bar.addWidget(self.latentStatus, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.latentPlot, 1)

    def _build_latent_plot(self) -> None:
        self.latentPlot = named(pg.PlotWidget(background="w"), "latentPlot")
        self.latentPlot.setMinimumSize(320, 260)
        item = self.latentPlot.getPlotItem()
        item.setMenuEnabled(False)
        item.showGrid(x=True, y=True, alpha=0.12)
        for axis in ("left", "bottom"):
            item.getAxis(axis).setPen(pg.mkPen(90, 90, 90))
            item.getAxis(axis).setTextPen(pg.mkPen(50, 50, 50))
        self.gridImage = pg.ImageItem(axisOrder="row-major")
        self.gridImage.setZValue(-10)
        item.addItem(self.gridImage, ignoreBounds=True)
        legend = item.addLegend(offset=(-6, 4), colCount=5, labelTextSize="8pt")  # 2 rows fit
        legend.setBrush(pg.mkBrush(255, 255, 255, 200))
        legend.setVisible(False)  # shown over digits only (_show_legend)
        self.scatters = [pg.ScatterPlotItem(size=4, pen=None, brush=pg.mkBrush(*rgb, 170),
                                            pxMode=True, useCache=True, name=str(c))
                         for c, rgb in enumerate(PALETTE)]
        for scatter in self.scatters:
            item.addItem(scatter)
        self.hoverMarker = pg.ScatterPlotItem(size=16, symbol="+", pen=pg.mkPen("k", width=2),
                                              brush=None, pxMode=True)
        self.pointMarker = pg.ScatterPlotItem(size=24, symbol="star", brush=pg.mkBrush(255, 215, 0),
                                              pen=pg.mkPen("k", width=1.5), pxMode=True)
        for marker in (self.hoverMarker, self.pointMarker):
            marker.setZValue(10)
            item.addItem(marker, ignoreBounds=True)
        self.latentEmpty = EmptyState(item)
        self.latentEmpty.show(NO_CODES)
        self.latentPlot.scene().sigMouseMoved.connect(self._on_mouse_moved)
        item.getViewBox().sigRangeChanged.connect(self._on_range_changed)

    # ---- public API ---------------------------------------------------------------------

    def clear(self, points: bool = False) -> None:
        """Forget the codes (a new model): no markers, no grid, nothing to hover; ``points``
        also empties the scatter (else the old one stays until the new codes come)."""
        self._generation += 1  # a t-SNE of the old codes still running is dropped
        self._z = self._y = self._decode = None
        self._plane = self._pca = self._tsne = None
        if points:
            for scatter in self.scatters:
                scatter.setData(pos=[])
            self.latentEmpty.show(NO_CODES)  # not the old codes' axes
        for marker in (self.hoverMarker, self.pointMarker):
            marker.setData(pos=[])
        self.gridImage.clear()
        self._show_legend()

    def _show_legend(self) -> None:
        """The 0–9 legend only over digits it names (not over an empty plot, nor the grid's
        tiles, which it would cover)."""
        shown = any(len(s.data) for s in self.scatters) and not self._grid_on()
        self.latentPlot.getPlotItem().legend.setVisible(shown)

    def _grid_on(self) -> bool:
        """The grid's tiles are over the plot: Grid is pressed and can decode this plane. (A
        t-SNE plane cannot: Grid is disabled there, though still pressed for the PCA plane,
        and its points were faint and its legend hidden as if the tiles covered them.)"""
        return self.latentGridButton.isChecked() and self.latentGridButton.isEnabled()

    def _show_grid_state(self) -> None:
        """The points faint under the grid's tiles, and the legend only without them."""
        for s in self.scatters:
            s.setOpacity(0.3 if self._grid_on() else 1.0)
        self._show_legend()

    def offer_projections(self, wide: bool) -> None:
        """Show the PCA/t-SNE choice (for a bottleneck wider than 2) or hide it."""
        for widget in (self.projectionLabel, self.projectionCombo):
            widget.setVisible(wide)

    def set_status(self, text: str) -> None:
        """The line beside the 2-D view's controls (what is shown, or what is being done)."""
        self.latentStatus.setText(text)

    def show_codes(self, z: np.ndarray, labels: np.ndarray, decode: Decode) -> None:
        """Place the codes ``z`` (N, latent) of digits ``labels`` on the plane; ``decode``
        turns codes back into images for hovering and the grid."""
        self._z, self._y, self._decode = z, labels, decode
        self._show_projection()

    def set_latent(self, z2d: np.ndarray, labels: np.ndarray, method_text: str) -> None:
        """Scatter the 2-D points coloured by label (one item per class, for the legend)."""
        z2d = np.asarray(z2d, dtype=np.float32)
        labels = np.asarray(labels).astype(np.int64).ravel()
        for c, scatter in enumerate(self.scatters):
            scatter.setData(pos=z2d[labels == c])
        self._show_legend()
        item = self.latentPlot.getPlotItem()
        axes = {"PCA": ("PC 1", "PC 2"), "t-SNE": ("t-SNE 1", "t-SNE 2")}
        x_name, y_name = next((v for k, v in axes.items() if method_text.startswith(k)),
                              ("z₁", "z₂"))
        item.setLabel("bottom", x_name)
        item.setLabel("left", y_name)
        self.set_status(method_text)
        if not len(z2d):
            self.latentEmpty.show(NO_CODES)
        else:  # room at the top for the two-row legend
            self.latentEmpty.hide(auto_range=False)
            (x0, y0), (x1, y1) = z2d.min(axis=0).tolist(), z2d.max(axis=0).tolist()
            item.getViewBox().setRange(xRange=(x0, x1), yRange=(y0, y1 + 0.3 * (y1 - y0)),
                                       padding=0.04)

    def mark_point(self, z: np.ndarray | None) -> None:
        """Mark a latent code (e.g. the current drawing's) with a star; None hides it."""
        p = None if z is None else self._to_plane(np.asarray(z, dtype=np.float32))
        self.pointMarker.setData(pos=[] if p is None else [p])

    def hover_at(self, x: float, y: float) -> bool:
        """Decode the plane's point (x, y) (``pointDecoded``); False if nothing to decode."""
        if self._decode is None or self._plane is None:
            return False
        self.hoverMarker.setData(pos=[(x, y)])
        if self._method == "tsne":  # no inverse map: show the nearest test digit's rebuild
            i = int(np.argmin(((self._plane - (x, y)) ** 2).sum(axis=1)))
            self.pointDecoded.emit(self._decode(self._z[i:i + 1])[0],
                                   f"nearest test digit #{i} (a {self._y[i]}), rebuilt — "
                                   "t-SNE cannot be inverted")
            return True
        z = self._from_plane(np.array([[x, y]], dtype=np.float32))
        text = ", ".join(f"{v:.2f}" for v in z[0][:4]) + (", …" if z.shape[1] > 4 else "")
        where = "z" if self._method == "latent" else f"PCA ({x:.2f}, {y:.2f}) → z"
        self.pointDecoded.emit(self._decode(z)[0], f"{where} = ({text})")
        return True

    def is_busy(self) -> bool:
        """Whether a t-SNE job is running."""
        return self._tsne_task is not None

    # ---- projections --------------------------------------------------------------------

    def _on_projection_changed(self, _index: int) -> None:
        self._show_projection()

    def _show_projection(self) -> None:
        if self._z is None:
            return
        if self._z.shape[1] <= 2:
            self._set_plane("latent", ae.project_2d(self._z), "Latent codes (2-D bottleneck)")
        elif self.projectionCombo.currentData() == "tsne":
            self._start_tsne()
        else:
            self._pca = self._pca or ae.PCABasis.fit(self._z)
            self._set_plane("pca", self._pca.transform(self._z),
                            f"PCA of the {self._z.shape[1]}-D codes")

    def _set_plane(self, method: str, plane: np.ndarray, text: str) -> None:
        self._method, self._plane = method, plane
        self.set_latent(plane, self._y, text)
        self.latentGridButton.setEnabled(method != "tsne")
        self._show_grid_state()
        if self.latentGridButton.isChecked():
            self._grid_timer.start()
        self.projectionReady.emit(method)

    def _start_tsne(self) -> None:
        if self._tsne is not None:
            self._set_plane("tsne", self._tsne, self._tsne_text())
            return
        if self._tsne_task is not None:
            return
        gen, z = self._generation, self._z
        self.projectionProgress.setVisible(True)
        self.set_status(f"t-SNE of {min(len(z), ae.TSNE_MAX_POINTS):,} codes "
                        "(about half a minute)…")

        def done(plane: np.ndarray) -> None:
            self._tsne_task = None
            self.projectionProgress.setVisible(False)
            if gen != self._generation:
                return
            self._tsne = plane
            if self.projectionCombo.currentData() == "tsne":
                self._set_plane("tsne", plane, self._tsne_text())

        def job(report, _stop):
            return ae.project_2d(z, "tsne", lambda d, t: report((d, t)))

        task = self.tasks.submit("autoencoder", job, on_done=done,
                                 on_failed=lambda msg: self.set_status(f"Failed: {msg}"))
        if task is None:
            self.set_status("The model is busy (training); shown when it stops.")
            return
        self._tsne_task = task
        task.failed.connect(lambda _: self._tsne_failed())

    def _tsne_failed(self) -> None:
        self._tsne_task = None
        self.projectionProgress.setVisible(False)

    def _tsne_text(self) -> str:
        n = len(self._tsne)
        if n <= ae.TSNE_MAX_POINTS:
            return f"t-SNE of the {self._z.shape[1]}-D codes"
        return (f"t-SNE of {ae.TSNE_MAX_POINTS:,} codes; the other {n - ae.TSNE_MAX_POINTS:,} "
                "placed by nearest neighbours")

    # ---- walking and the grid -----------------------------------------------------------

    def _from_plane(self, p: np.ndarray) -> np.ndarray:
        return self._pca.inverse(p) if self._method == "pca" else p

    def _to_plane(self, z: np.ndarray) -> tuple[float, float] | None:
        if self._plane is None:
            return None
        z = z.reshape(-1)
        if self._method == "latent":
            return float(z[0]), float(z[1] if len(z) > 1 else 0.0)
        if self._method == "pca":
            return tuple(float(v) for v in self._pca.transform(z[None])[0])
        i = int(np.argmin(((self._z - z) ** 2).sum(axis=1)))  # t-SNE: nearest test code
        return float(self._plane[i, 0]), float(self._plane[i, 1])

    def _on_mouse_moved(self, pos: QPointF) -> None:
        self._hover_pos = pos
        self._hover_timer.start()  # coalesce: decode once per event-loop pass

    def _apply_hover(self) -> None:
        vb = self.latentPlot.getPlotItem().getViewBox()
        if self._hover_pos is None or not vb.sceneBoundingRect().contains(self._hover_pos):
            return
        p = vb.mapSceneToView(self._hover_pos)
        self.hover_at(p.x(), p.y())

    def _on_grid_toggled(self, on: bool) -> None:
        # the tiles fill the whole view: the class legend would cover the top row of them
        self._show_grid_state()
        if on:
            self._update_grid()
        else:
            self.gridImage.clear()

    def _on_range_changed(self, *_: Any) -> None:
        if self.latentGridButton.isChecked():
            self._grid_timer.start()

    def _update_grid(self) -> None:
        if (not self.latentGridButton.isChecked() or self._plane is None
                or self._method == "tsne"):
            self.gridImage.clear()
            return
        (x0, x1), (y0, y1) = self.latentPlot.getPlotItem().getViewBox().viewRange()
        to_latent = self._pca.inverse if self._method == "pca" else None
        # the decoder stands in for the model and its spec (decode_grid needs neither then)
        picture = ae.decode_grid(None, None, (x0, x1), (y0, y1), GRID_TILES, to_latent,
                                 self._decode)
        self.gridImage.setImage(picture[::-1], levels=(0.0, 1.0))  # row 0 is the top (max y)
        self.gridImage.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))
