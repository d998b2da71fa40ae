"""Autoencoder tab: live reconstructions, the latent space (scatter, walk, grid), worst digits.

Every number comes from ``core.model.autoencoder``; heavy work (encoding 10,000 digits, t-SNE)
runs as jobs on the window's TaskRunner (holding the model) so the window never freezes. The
latent plane is ``latent.LatentView``; its hover decoding uses the NumPy FastDecoder.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
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
from nngui.gui.autoencoder.latent import LatentView, named
from nngui.gui.common.images import PixelView, picture_icon
from nngui.gui.common.tasks import Task, TaskRunner, plain

WORST_COUNT = 48
BUSY_RETRY_MS = 400  # a model another job holds is asked for again after this


def _pair_icon(original: np.ndarray, recon: np.ndarray, size: QSize) -> QIcon:
    return picture_icon(ae.tile_images(np.stack([original, recon]), cols=2, gap=2), size)


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
    stopRequested = Signal()  # Stop beside a run's progress: the run ends after its batch

    def __init__(self, tasks: TaskRunner | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tasks = tasks if tasks is not None else TaskRunner(self)
        self._model: Any = None
        self._spec: NetworkSpec | None = None
        self._x: np.ndarray | None = None  # test images (N, 28, 28)
        self._y: np.ndarray | None = None
        self._idx10 = np.zeros(0, dtype=np.int64)
        self._decoder: Any = None
        self._encoder: Any = None
        self._generation = 0
        self._tasks: set[Task] = set()
        self._build_ui()

    # ---- layout -------------------------------------------------------------------------

    def _build_ui(self) -> None:
        self.reconstructionView = named(PixelView(
            "Train or open an autoencoder: ten test digits and their reconstructions appear "
            "here.", row_labels=("Original", "Rebuilt")), "reconstructionView",
            "Top: test digits · bottom: the network's reconstructions, refreshed every epoch")
        self.reconstructionView.setMinimumHeight(124)
        # Which model every view below comes from, and a run's progress: never a mix.
        self.modelLabel = named(QLabel("No autoencoder yet: train one with an autoencoder "
                                       "preset, or open a .keras file."), "aeModelLabel")
        self.modelLabel.setStyleSheet("font-weight: 600;")
        # its text changes with every model: it must never re-lay out the plots
        self.modelLabel.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.runProgress = named(QProgressBar(), "aeRunProgress",
                                 "Epochs of the autoencoder being trained")
        self.runProgress.setMaximumWidth(260)  # its words whole (its own hint cut "epoch")
        self.runProgress.setMinimumWidth(
            self.runProgress.fontMetrics().horizontalAdvance("epoch 9999 of 9999") + 40)
        # its row keeps the bar's height while it is hidden: a run's start and end moved
        # every view below by 8 px, under the pointer. No taller than the model line, so
        # the tab's minimum height stays what it was (it fits a 1024x700 window)
        self.runProgress.setMaximumHeight(self.modelLabel.sizeHint().height() + 2)
        keep = self.runProgress.sizePolicy()
        keep.setRetainSizeWhenHidden(True)
        self.runProgress.setSizePolicy(keep)
        self.runProgress.setVisible(False)
        # the run is started from here too (the lesson's Train button): it stops here too
        self.stopButton = named(QPushButton("Stop"), "aeStopButton",
                                "Stop the autoencoder's training after its current batch")
        self.stopButton.setMaximumHeight(self.runProgress.maximumHeight())
        self.stopButton.setSizePolicy(keep)  # keeps its room while hidden, as the bar does
        self.stopButton.setVisible(False)
        self.stopButton.clicked.connect(self._stop_clicked)
        self.reconstructionErrorLabel = named(QLabel("Test reconstruction MSE: —"),
                                              "reconstructionErrorLabel")
        self.latent = LatentView(self.tasks)
        self.latent.pointDecoded.connect(self._show_decoded)
        self.latent.projectionReady.connect(self.projectionReady)

        self.decodedView = named(PixelView("Hover the latent plot"), "decodedView")
        self.decodedView.setFixedSize(168, 168)
        self.decodedView.setStyleSheet("background: black; color: #aaa;")
        self.decodedLabel = named(QLabel(""), "decodedLabel")
        self.decodedLabel.setWordWrap(True)
        self.worstView = named(QListWidget(), "worstView",
                               "The worst-reconstructed test digits: original | rebuilt")
        self.worstView.setViewMode(QListView.ViewMode.IconMode)
        self.worstView.setIconSize(QSize(90, 44))
        self.worstView.setGridSize(QSize(100, 66))
        self.worstView.setMovement(QListView.Movement.Static)
        self.worstView.setResizeMode(QListView.ResizeMode.Adjust)
        self.worstView.setUniformItemSizes(True)
        # the list scrolls: it takes the room left under the decoded digit, never the room the
        # digit and its caption need (its size hint made the digit cover its caption at 768 px)
        self.worstView.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)
        self.worstView.setMinimumHeight(72)  # one row of pairs
        self.worstCaption = named(QLabel("Under each pair: its reconstruction error (mean "
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
        middle.addWidget(_box("Latent space of the test digits — hover to decode",
                              self.latent), 3)
        middle.addLayout(side, 2)
        layout = QVBoxLayout(self)
        head = QHBoxLayout()
        head.addWidget(self.modelLabel, 1)
        head.addWidget(self.runProgress)
        head.addWidget(self.stopButton)
        layout.addLayout(head)
        layout.addWidget(_box("Reconstructions (one test digit per class)",
                              self.reconstructionView, self.reconstructionErrorLabel))
        layout.addLayout(middle, 1)

    # ---- public API ---------------------------------------------------------------------

    def set_test_data(self, x_test: np.ndarray, y_test: np.ndarray) -> None:
        """The test digits (N, 28, 28) and labels the views use (set_model sets them too)."""
        x = np.asarray(x_test, dtype=np.float32)
        self._x = x.reshape((len(x), *ae.image_shape(int(np.prod(x.shape[1:])))))
        self._y = np.asarray(y_test).astype(np.int64).ravel()
        self._idx10 = ae.one_per_class(self._y)

    def begin_run(self, title: str, epochs: int, first: int = 0) -> None:
        """A new autoencoder is training: forget the last model's views, show the progress
        (``epochs`` more after the ``first`` it has had: a continued run counts on from
        there, as the epoch line under the digits does).

        Until the run ends only its per-epoch reconstructions are shown; the latent plot,
        the MSE and the worst digits come back (from the trained model) in ``set_model``.
        """
        self._generation += 1  # an analysis of the old model still running is dropped
        self._model = self._spec = self._decoder = self._encoder = None
        self.latent.clear(points=True)
        self.worstView.clear()
        self.decodedView.set_array(None)
        self.decodedLabel.setText("")
        self.reconstructionView.set_array(None)
        self.reconstructionErrorLabel.setText("Test reconstruction MSE: after training")
        self.latent.set_status("The latent plot appears when training ends.")
        self.modelLabel.setText(f"Training {title}…")
        self._run_first = max(0, int(first))
        self.runProgress.setRange(self._run_first, self._run_first + max(1, int(epochs)))
        self.runProgress.setValue(self._run_first)
        self.runProgress.setFormat(f"epoch %v of {self.runProgress.maximum()}")  # %m: the steps
        self.runProgress.setVisible(True)
        self.stopButton.setEnabled(True)
        self.stopButton.setVisible(True)

    def run_progress(self, epochs_done: int, text: str = "") -> None:
        """One more epoch of the run begun with ``begin_run`` (``epochs_done`` of this run)."""
        self.runProgress.setValue(min(self._run_first + int(epochs_done),
                                      self.runProgress.maximum()))
        if text:
            self.reconstructionErrorLabel.setText(text)

    def end_run(self) -> None:
        """The run ended (finished, stopped or failed): hide its progress."""
        self.runProgress.setVisible(False)
        self.stopButton.setVisible(False)

    def _stop_clicked(self) -> None:
        self.stopButton.setEnabled(False)  # once: the run ends after its current batch
        self.stopRequested.emit()

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
        self.latent.clear()  # stale until analysed
        self._decoder = self._encoder = None
        try:
            self._decoder = ae.FastDecoder(model, spec)
            self._encoder = ae.FastEncoder(model, spec)
        except ValueError:  # not a Dense stack: the Keras path below still works
            pass
        self.latent.offer_projections(ae.latent_dim(spec) > 2)
        self.latent.set_status("Encoding the test digits…")
        gen, x, idx10 = self._generation, self._x, self._idx10
        self._start(plain(lambda: _analyze(model, spec, x, idx10)),
                    lambda r: self._on_analyzed(gen, r), holds=(model,))

    def show_reconstructions(self, originals: np.ndarray, recon: np.ndarray) -> None:
        """Originals (10, 28, 28) on the top row, their reconstructions below."""
        originals = np.asarray(originals, dtype=np.float32)
        recon = np.asarray(recon, dtype=np.float32).reshape(originals.shape)
        self.reconstructionView.set_array(
            ae.tile_images(np.concatenate([originals, recon]), cols=len(originals)))

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
        self.latent.mark_point(z)

    def hover_at(self, x: float, y: float) -> bool:
        """Decode the latent-plot point (x, y) into decodedView; False if nothing to decode."""
        return self.latent.hover_at(x, y)

    def is_busy(self) -> bool:
        return bool(self._tasks) or self.latent.is_busy()

    # ---- background work ----------------------------------------------------------------

    def _start(self, job, on_done, holds: tuple = ()) -> Task | None:
        task = self.tasks.submit("autoencoder", job, holds=holds, on_done=on_done,
                                 on_failed=lambda msg: self.latent.set_status(
                                     f"Failed: {msg}"))
        if task is None:  # another job holds the model (a run, an evaluation, a lesson check)
            self.latent.set_status("The model is busy; shown as soon as it is free.")
            gen = self._generation  # tried again until free, unless another model came since
            QTimer.singleShot(BUSY_RETRY_MS, self, lambda: gen == self._generation
                              and self._start(job, on_done, holds))
            return None
        self._tasks.add(task)
        task.finished.connect(lambda: self._tasks.discard(task))
        return task

    def _on_analyzed(self, gen: int, r: dict) -> None:
        if gen != self._generation:
            return
        self.show_reconstructions(self._x[self._idx10], r["recon10"])
        self.reconstructionErrorLabel.setText(
            f"Test reconstruction MSE {r['mse']:.4f} per pixel ({len(r['z']):,} digits)")
        self.worstView.clear()
        size = self.worstView.iconSize()
        for i, rec, err in zip(r["worst"], r["worst_recon"], r["worst_err"], strict=True):
            item = QListWidgetItem(_pair_icon(self._x[i], rec, size), f"MSE {err:.3f}")
            item.setToolTip(f"test digit #{i} (a {self._y[i]}): MSE {err:.4f} per pixel")
            item.setData(Qt.ItemDataRole.UserRole, int(i))
            self.worstView.addItem(item)
        self.latent.show_codes(r["z"], self._y, self._decode)
        self.analyzed.emit()

    def _show_decoded(self, image: np.ndarray, text: str) -> None:
        self.decodedView.set_array(image)
        self.decodedLabel.setText(text)

    def _decode(self, z: np.ndarray) -> np.ndarray:
        if self._decoder is not None:
            return self._decoder(z)
        return ae.decode(self._model, self._spec, z)


def _analyze(model: Any, spec: NetworkSpec, x: np.ndarray, idx10: np.ndarray) -> dict:
    """Codes, reconstructions and errors of the test digits (runs in a background thread)."""
    z = ae.encode(model, spec, x)
    recon = ae.reconstruct(model, x)
    errors = ae.reconstruction_mse(model, x, recon)
    worst = ae.worst(model, x, WORST_COUNT, errors)
    return {"z": z, "mse": float(errors.mean()), "errors": errors, "recon10": recon[idx10],
            "worst": worst, "worst_recon": recon[worst], "worst_err": errors[worst]}


def epochs_trained(n: int, history: dict) -> str:
    """'3 epochs', or with a part of an epoch a Stop cut short after them (the history's last
    entry beyond ``n``) "part of epoch 1" or "3 epochs and part of epoch 4": a run stopped in
    its first epoch was shown as 'trained here (0 epochs)' over its rebuilt digits."""
    whole = f"{n} epoch{'' if n == 1 else 's'}"
    xs = history.get("epoch", [])
    if not xs or xs[-1] <= n:
        return whole
    return "part of epoch 1" if n == 0 else f"{whole} and part of epoch {n + 1}"
