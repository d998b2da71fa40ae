"""Autoencoder tab: live reconstructions, the latent space (scatter, walk, grid), worst digits.

Every number comes from ``core.model.autoencoder``; heavy work (encoding 10,000 digits, t-SNE) runs
as jobs on the window's TaskRunner (holding the model) so the window never freezes. Hover decoding uses the NumPy FastDecoder.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from nngui.core.model import autoencoder as ae
from nngui.core.network.spec import NetworkSpec
from nngui.gui.common.images import PixelView, gray_icon
from nngui.gui.common.style import PALETTE
from nngui.gui.common.tasks import Task, TaskRunner, plain

WORST_COUNT = 48
GRID_TILES = 15




def _pair_icon(original: np.ndarray, recon: np.ndarray, size: QSize) -> QIcon:
    return gray_icon(ae.tile_images(np.stack([original, recon]), cols=2, gap=2), size)


def _named(widget: Any, name: str, tip: str = "") -> Any:
    widget.setObjectName(name)
    if tip:
        widget.setToolTip(tip)
    return widget


def _box(title: str, *parts: Any) -> QGroupBox:
    """A group box stacking widgets and layouts; the last part gets the spare room."""
    box = QGroupBox(title)
    lay = QVBoxLayout(box)
    for i, part in enumerate(parts):
        stretch = 1 if i == len(parts) - 1 and len(parts) > 1 else 0
        if isinstance(part, QWidget):
            lay.addWidget(part, stretch)
        else:
            lay.addLayout(part, stretch)
    return box


class AutoencoderPanel(QWidget):
    """Reconstructions, the latent plot (walk it, tile it), and the worst test digits."""

    analyzed = Signal()  # set_model's background work has been shown
    projectionReady = Signal(str)  # "latent", "pca" or "tsne" is now on screen

    def __init__(self, tasks: TaskRunner | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tasks = tasks if tasks is not None else TaskRunner(self)
        self._model: Any = None
        self._spec: NetworkSpec | None = None
        self._x: np.ndarray | None = None  # test images (N, 28, 28)
        self._y: np.ndarray | None = None
        self._idx10 = np.zeros(0, dtype=np.int64)
        self._z: np.ndarray | None = None  # latent codes of the test images
        self._plane: np.ndarray | None = None  # their 2-D positions on screen
        self._method = "latent"  # how _plane was made: "latent", "pca" or "tsne"
        self._pca: ae.PCABasis | None = None
        self._tsne: np.ndarray | None = None
        self._decoder: Any = None
        self._encoder: Any = None
        self._generation = 0
        self._tasks: set[Task] = set()
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
        self.reconstructionView = _named(PixelView(
            "Train or open an autoencoder: ten test digits and their reconstructions appear "
            "here.", row_labels=("Original", "Rebuilt")), "reconstructionView",
            "Top: test digits · bottom: the network's reconstructions, refreshed every epoch")
        self.reconstructionView.setMinimumHeight(124)
        # Which model every view below comes from, and a run's progress: never a mix.
        self.modelLabel = _named(QLabel("No autoencoder yet: train one with an autoencoder "
                                        "preset, or open a .keras file."), "aeModelLabel")
        self.modelLabel.setStyleSheet("font-weight: 600;")
        # its text changes with every model: it must never re-lay out the plots
        self.modelLabel.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.runProgress = _named(QProgressBar(), "aeRunProgress",
                                  "Epochs of the autoencoder being trained")
        self.runProgress.setMaximumWidth(260)
        self.runProgress.setVisible(False)
        self.reconstructionErrorLabel = _named(QLabel("Test reconstruction MSE: —"),
                                               "reconstructionErrorLabel")
        self._build_latent_plot()
        self.projectionCombo = _named(QComboBox(), "projectionCombo",
                                      "How a bottleneck wider than 2 is shown in 2-D: PCA at "
                                      "once, t-SNE (slower) in the background")
        self.projectionCombo.addItem("PCA", "pca")
        self.projectionCombo.addItem("t-SNE", "tsne")
        self.projectionCombo.currentIndexChanged.connect(self._on_projection_changed)
        self.latentGridButton = _named(QPushButton("Grid"), "latentGridButton",
                                       "Tile the decoder's digits over the visible latent "
                                       "plane (not for t-SNE, which has no inverse)")
        self.latentGridButton.setCheckable(True)
        self.latentGridButton.toggled.connect(self._on_grid_toggled)
        self.projectionProgress = _named(QProgressBar(), "projectionProgress")
        self.projectionProgress.setRange(0, 0)  # busy: t-SNE cannot report finer progress
        self.projectionProgress.setMaximumWidth(120)
        self.projectionProgress.setVisible(False)
        self.latentStatus = _named(QLabel(""), "latentStatus")
        self.projectionLabel = QLabel("2-D view:")
        bar = QHBoxLayout()
        for w in (self.projectionLabel, self.projectionCombo, self.latentGridButton,
                  self.projectionProgress):
            bar.addWidget(w)
        bar.addWidget(self.latentStatus, 1)

        self.decodedView = _named(PixelView("Hover the latent plot"), "decodedView")
        self.decodedView.setFixedSize(168, 168)
        self.decodedView.setStyleSheet("background: black; color: #aaa;")
        self.decodedLabel = _named(QLabel(""), "decodedLabel")
        self.decodedLabel.setWordWrap(True)
        self.worstView = _named(QListWidget(), "worstView",
                                "The worst-reconstructed test digits: original | rebuilt")
        self.worstView.setViewMode(QListView.ViewMode.IconMode)
        self.worstView.setIconSize(QSize(90, 44))
        self.worstView.setGridSize(QSize(100, 66))
        self.worstView.setMovement(QListView.Movement.Static)
        self.worstView.setResizeMode(QListView.ResizeMode.Adjust)
        self.worstView.setUniformItemSizes(True)
        self.worstCaption = _named(QLabel("Under each pair: its reconstruction error (mean "
                                          "squared error per pixel)."), "worstCaption")
        self.worstCaption.setWordWrap(True)
        self.worstCaption.setStyleSheet("color: gray")

        decoded_box = _box("Decoded point", self.decodedView, self.decodedLabel)
        decoded_box.layout().setAlignment(self.decodedView, Qt.AlignmentFlag.AlignHCenter)
        side = QVBoxLayout()
        side.addWidget(decoded_box)
        side.addWidget(_box("Worst reconstructions (original | rebuilt)", self.worstCaption,
                            self.worstView), 1)
        middle = QHBoxLayout()
        middle.addWidget(_box("Latent space of the test digits — hover to decode", bar,
                              self.latentPlot), 3)
        middle.addLayout(side, 2)
        layout = QVBoxLayout(self)
        head = QHBoxLayout()
        head.addWidget(self.modelLabel, 1)
        head.addWidget(self.runProgress)
        layout.addLayout(head)
        layout.addWidget(_box("Reconstructions (one test digit per class)",
                              self.reconstructionView, self.reconstructionErrorLabel))
        layout.addLayout(middle, 1)

    def _build_latent_plot(self) -> None:
        self.latentPlot = _named(pg.PlotWidget(background="w"), "latentPlot")
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
        self.latentPlot.scene().sigMouseMoved.connect(self._on_mouse_moved)
        item.getViewBox().sigRangeChanged.connect(self._on_range_changed)

    # ---- public API ---------------------------------------------------------------------

    def set_test_data(self, x_test: np.ndarray, y_test: np.ndarray) -> None:
        """The test digits (N, 28, 28) and labels the views use (set_model sets them too)."""
        x = np.asarray(x_test, dtype=np.float32)
        self._x = x.reshape((len(x), *ae.image_shape(int(np.prod(x.shape[1:])))))
        self._y = np.asarray(y_test).astype(np.int64).ravel()
        self._idx10 = ae.one_per_class(self._y)

    def begin_run(self, title: str, epochs: int) -> None:
        """A new autoencoder is training: forget the last model's views, show the progress.

        Until the run ends only its per-epoch reconstructions are shown; the latent plot,
        the MSE and the worst digits come back (from the trained model) in ``set_model``.
        """
        self._generation += 1  # an analysis of the old model still running is dropped
        self._model = self._spec = self._decoder = self._encoder = None
        self._z = self._plane = self._pca = self._tsne = None
        for scatter in self.scatters:
            scatter.setData(pos=[])
        for marker in (self.hoverMarker, self.pointMarker):
            marker.setData(pos=[])
        self.gridImage.clear()
        self.worstView.clear()
        self.decodedView.set_array(None)
        self.decodedLabel.setText("")
        self.reconstructionView.set_array(None)
        self.reconstructionErrorLabel.setText("Test reconstruction MSE: after training")
        self.latentStatus.setText("The latent plot appears when training ends.")
        self.modelLabel.setText(f"Training {title}…")
        self.runProgress.setRange(0, max(1, int(epochs)))
        self.runProgress.setValue(0)
        self.runProgress.setFormat("epoch %v of %m")
        self.runProgress.setVisible(True)

    def run_progress(self, epochs_done: int, text: str = "") -> None:
        """One more epoch of the run begun with ``begin_run``."""
        self.runProgress.setValue(min(int(epochs_done), self.runProgress.maximum()))
        if text:
            self.reconstructionErrorLabel.setText(text)

    def end_run(self) -> None:
        """The run ended (finished, stopped or failed): hide its progress."""
        self.runProgress.setVisible(False)

    def set_model(self, model: Any, spec: NetworkSpec, x_test: np.ndarray,
                  y_test: np.ndarray, title: str = "") -> None:
        """Show a trained autoencoder: codes, reconstructions and errors (computed off-thread).

        Call it again after more training: the latent plot and hover decoder use the weights
        of the moment it was called (on_epoch_end only refreshes the reconstructions).
        """
        self.set_test_data(x_test, y_test)
        self._model, self._spec = model, spec
        self.end_run()
        self.modelLabel.setText(f"Showing: {title or spec.name or 'an autoencoder'}")
        self._generation += 1
        self._pca = self._tsne = self._z = self._plane = None  # stale until analysed
        self._decoder = self._encoder = None
        for marker in (self.hoverMarker, self.pointMarker):
            marker.setData(pos=[])
        self.gridImage.clear()
        try:
            self._decoder = ae.FastDecoder(model, spec)
            self._encoder = ae.FastEncoder(model, spec)
        except ValueError:  # not a Dense stack: the Keras path below still works
            pass
        latent = ae.latent_dim(spec)
        for widget in (self.projectionLabel, self.projectionCombo):
            widget.setVisible(latent > 2)
        self.latentStatus.setText("Encoding the test digits…")
        gen, x, idx10 = self._generation, self._x, self._idx10
        self._start(plain(lambda: _analyze(model, spec, x, idx10)),
                    lambda r: self._on_analyzed(gen, r), holds=(model,))

    def show_reconstructions(self, originals: np.ndarray, recon: np.ndarray) -> None:
        """Originals (10, 28, 28) on the top row, their reconstructions below."""
        originals = np.asarray(originals, dtype=np.float32)
        recon = np.asarray(recon, dtype=np.float32).reshape(originals.shape)
        self.reconstructionView.set_array(
            ae.tile_images(np.concatenate([originals, recon]), cols=len(originals)))

    def set_latent(self, z2d: np.ndarray, labels: np.ndarray, method_text: str) -> None:
        """Scatter the 2-D points coloured by label (one item per class, for the legend)."""
        z2d = np.asarray(z2d, dtype=np.float32)
        labels = np.asarray(labels).astype(np.int64).ravel()
        for c, scatter in enumerate(self.scatters):
            scatter.setData(pos=z2d[labels == c])
        item = self.latentPlot.getPlotItem()
        axes = {"PCA": ("PC 1", "PC 2"), "t-SNE": ("t-SNE 1", "t-SNE 2")}
        x_name, y_name = next((v for k, v in axes.items() if method_text.startswith(k)),
                              ("z₁", "z₂"))
        item.setLabel("bottom", x_name)
        item.setLabel("left", y_name)
        self.latentStatus.setText(method_text)
        if len(z2d):  # room at the top for the two-row legend
            (x0, y0), (x1, y1) = z2d.min(axis=0).tolist(), z2d.max(axis=0).tolist()
            item.getViewBox().setRange(xRange=(x0, x1), yRange=(y0, y1 + 0.3 * (y1 - y0)),
                                       padding=0.04)

    @property
    def model(self) -> Any:
        """The autoencoder shown (None before one is set); a job may hold it."""
        return self._model

    def rebuild(self, z: np.ndarray) -> np.ndarray | None:
        """The decoder's 28x28 image for one latent code, or None without a NumPy decoder."""
        if self._decoder is None:
            return None
        return self._decoder(np.asarray(z)[None])[0].reshape(28, 28)

    def latent_of(self, image28: np.ndarray) -> np.ndarray | None:
        """The latent code (latent,) of one drawing, or None without a model."""
        if self._model is None or self._spec is None:
            return None
        if self._encoder is not None:
            return self._encoder.one(image28)
        return ae.encode(self._model, self._spec, np.asarray(image28)[None])[0]

    def mark_point(self, z: np.ndarray | None) -> None:
        """Mark a latent code (e.g. the current drawing's) with a star; None hides it."""
        p = None if z is None else self._to_plane(np.asarray(z, dtype=np.float32))
        self.pointMarker.setData(pos=[] if p is None else [p])

    def hover_at(self, x: float, y: float) -> bool:
        """Decode the latent-plot point (x, y) into decodedView; False if nothing to decode."""
        if self._model is None or self._plane is None:
            return False
        self.hoverMarker.setData(pos=[(x, y)])
        if self._method == "tsne":  # no inverse map: show the nearest test digit's rebuild
            i = int(np.argmin(((self._plane - (x, y)) ** 2).sum(axis=1)))
            self.decodedView.set_array(self._decode(self._z[i:i + 1])[0])
            self.decodedLabel.setText(f"nearest test digit #{i} (a {self._y[i]}), rebuilt — "
                                      "t-SNE cannot be inverted")
            return True
        z = self._from_plane(np.array([[x, y]], dtype=np.float32))
        self.decodedView.set_array(self._decode(z)[0])
        text = ", ".join(f"{v:.2f}" for v in z[0][:4]) + (", …" if z.shape[1] > 4 else "")
        where = "z" if self._method == "latent" else f"PCA ({x:.2f}, {y:.2f}) → z"
        self.decodedLabel.setText(f"{where} = ({text})")
        return True

    def is_busy(self) -> bool:
        return bool(self._tasks)

    # ---- background work ----------------------------------------------------------------

    def _start(self, job, on_done, holds: tuple = ()) -> Task | None:
        task = self.tasks.submit("autoencoder", job, holds=holds, on_done=on_done,
                                 on_failed=lambda msg: self.latentStatus.setText(
                                     f"Failed: {msg}"))
        if task is None:
            self.latentStatus.setText("The model is busy (training); shown when it stops.")
            return None
        self._tasks.add(task)
        task.finished.connect(lambda: self._tasks.discard(task))
        return task

    def _on_analyzed(self, gen: int, r: dict) -> None:
        if gen != self._generation:
            return
        self._z = r["z"]
        self.show_reconstructions(self._x[self._idx10], r["recon10"])
        self.reconstructionErrorLabel.setText(
            f"Test reconstruction MSE {r['mse']:.4f} per pixel ({len(self._z):,} digits)")
        self.worstView.clear()
        size = self.worstView.iconSize()
        for i, rec, err in zip(r["worst"], r["worst_recon"], r["worst_err"], strict=True):
            item = QListWidgetItem(_pair_icon(self._x[i], rec, size), f"MSE {err:.3f}")
            item.setToolTip(f"test digit #{i} (a {self._y[i]}): MSE {err:.4f} per pixel")
            item.setData(Qt.ItemDataRole.UserRole, int(i))
            self.worstView.addItem(item)
        self._show_projection()
        self.analyzed.emit()

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
        self.latentStatus.setText(f"t-SNE of {min(len(z), ae.TSNE_MAX_POINTS):,} codes "
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

        self._tsne_task = self._start(job, done)
        if self._tsne_task is not None:
            self._tsne_task.failed.connect(lambda _: self._tsne_failed())

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

    def _decode(self, z: np.ndarray) -> np.ndarray:
        if self._decoder is not None:
            return self._decoder(z)
        return ae.decode(self._model, self._spec, z)

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
        for s in self.scatters:
            s.setOpacity(0.3 if on else 1.0)
        # the tiles fill the whole view: the class legend would cover the top row of them
        self.latentPlot.getPlotItem().legend.setVisible(not on)
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
        picture = ae.decode_grid(self._model, self._spec, (x0, x1), (y0, y1), GRID_TILES,
                                 to_latent, self._decode)
        self.gridImage.setImage(picture[::-1], levels=(0.0, 1.0))  # row 0 is the top (max y)
        self.gridImage.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))


def _analyze(model: Any, spec: NetworkSpec, x: np.ndarray, idx10: np.ndarray) -> dict:
    """Codes, reconstructions and errors of the test digits (runs in a background thread)."""
    z = ae.encode(model, spec, x)
    recon = ae.reconstruct(model, x)
    errors = ae.reconstruction_mse(model, x, recon)
    worst = ae.worst(model, x, WORST_COUNT, errors)
    return {"z": z, "mse": float(errors.mean()), "errors": errors, "recon10": recon[idx10],
            "worst": worst, "worst_recon": recon[worst], "worst_err": errors[worst]}
