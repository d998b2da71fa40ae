"""The builder's live preview of augmentation: six digits and what one training batch makes
of them, redrawn every ``INTERVAL_MS`` while the builder is on screen.

The images come from Keras itself: ``core.model.augment_preview.augment`` builds the
network's leading augmentation layers (RandomRotation, RandomTranslation, RandomZoom,
GaussianNoise, with the Reshape around them) and calls them with ``training=True``, in a
worker thread (the first call loads TensorFlow). A network without such layers at its start
shows why there is nothing to preview instead.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from nngui.core.model.augment_preview import augment, augmentation_prefix
from nngui.core.network.spec import NetworkSpec
from nngui.gui.common.images import PixelView
from nngui.gui.common.tasks import TaskRunner, plain

INTERVAL_MS = 1500
HEIGHT = 76  # px of the mosaic on screen (it scales to the width it gets, never widens)
SHOWN = (1, 2, 4, 5, 7, 9)  # the digits previewed: six fit the builder's narrow column
GAP = 4  # px (before scaling) between digits


def mosaic(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    """Two rows of 28x28 digits side by side, a dark grey gap between them: (h, w) in [0, 1]."""
    n = len(top)
    out = np.full((2 * 28 + GAP, n * 28 + (n - 1) * GAP), 0.25, np.float32)
    for row, images in enumerate((top, bottom)):
        y = row * (28 + GAP)
        for i, image in enumerate(images):
            x = i * (28 + GAP)
            out[y:y + 28, x:x + 28] = image
    return out


def preview_digits() -> np.ndarray:
    """One of each of the ``SHOWN`` digits (n, 28, 28) in [0, 1]: MNIST test digits, else
    the bundled ones."""
    from nngui.core.data.datasets import DatasetError, find_mnist, load_dataset, load_mnist

    data = None
    if find_mnist() is not None:
        try:
            data = load_mnist(allow_download=False)
        except DatasetError:
            data = None
    if data is None:
        data = load_dataset("digits")
    x = np.asarray(data.x_test, np.float32).reshape(-1, 28, 28)
    y = np.asarray(data.y_test).reshape(-1)
    if x.max() > 1.0:
        x = x / 255.0
    return np.stack([x[np.flatnonzero(y == d)[0]] for d in SHOWN])


class AugmentPreview(QGroupBox):
    """Originals on top, the same digits through the augmentation layers below."""

    updated = Signal()  # a new draw is on screen

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Augmentation preview", parent)
        self.setObjectName("augmentPreview")
        self.tasks = TaskRunner(self)
        self.spec: NetworkSpec | None = None
        self.digits: np.ndarray | None = None  # loaded once, in the first job
        self.augmented: np.ndarray | None = None
        self.draws = 0
        self._seed = 0
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 4, 6, 4)
        lay.setSpacing(2)
        self.image = PixelView(row_labels=("digits", "training"))
        self.image.setObjectName("augmentPreviewImage")
        self.image.setFixedHeight(HEIGHT)
        self.image.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.image.setToolTip("Top: six digits. Bottom: the same digits as one training batch "
                              "sees them after the network's augmentation layers (Keras, "
                              "training=True). At test time these layers change nothing.")
        self.note = QLabel(objectName="augmentPreviewNote", wordWrap=True)
        self.note.setStyleSheet("color: gray")
        self.live = QCheckBox("Live", objectName="augmentPreviewLive", checked=True,
                              toolTip="Draw a new batch every 1.5 s")
        self.live.toggled.connect(self._update_timer)
        row = QHBoxLayout()
        row.addWidget(self.note, 1)
        row.addWidget(self.live, 0, Qt.AlignmentFlag.AlignTop)
        lay.addWidget(self.image)
        lay.addLayout(row)
        self._timer = QTimer(self, interval=INTERVAL_MS)
        self._timer.timeout.connect(self.redraw)

    def set_spec(self, spec: NetworkSpec) -> None:
        """Preview this network's augmentation from now on."""
        self.spec = spec
        prefix = augmentation_prefix(spec)
        self.setVisible(bool(prefix.layers))
        if prefix.layers:
            names = ", ".join(layer.type for layer in prefix.layers
                              if layer.type not in ("Reshape", "Flatten", "Dropout"))
            self.note.setText("Training only: tests and drawings see the digits unchanged.")
            self.note.setToolTip(f"Training batches pass through {names}.")
            self.redraw()
        else:
            self.note.setText(prefix.reason)
        self._update_timer()

    def _update_timer(self) -> None:
        on = (self.live.isChecked() and self.isVisible() and self.spec is not None
              and bool(augmentation_prefix(self.spec).layers))
        if on and not self._timer.isActive():
            self._timer.start()
        elif not on:
            self._timer.stop()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self._update_timer()

    def hideEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().hideEvent(event)
        self._update_timer()

    def redraw(self) -> bool:
        """Start computing a new batch (False when one is still being computed)."""
        if self.spec is None or self.tasks.running("augment-preview"):
            return False
        spec, digits = self.spec, self.digits
        self._seed += 1
        seed = self._seed

        def job() -> tuple[np.ndarray, np.ndarray]:
            x = digits if digits is not None else preview_digits()
            return x, augment(spec, x, seed)

        task = self.tasks.submit("augment-preview", plain(job), on_done=self._show,
                                 on_failed=self._failed)
        return task is not None

    def _show(self, result: tuple[np.ndarray, np.ndarray]) -> None:
        self.digits, self.augmented = result
        self.image.set_array(mosaic(self.digits, self.augmented))
        self.draws += 1
        self.updated.emit()

    def _failed(self, message: str) -> None:
        self.note.setText(f"No preview: {message}")
        self._timer.stop()
