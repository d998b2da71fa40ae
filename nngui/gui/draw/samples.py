"""The Draw tab's "Teach it your handwriting" box: digit buttons, the samples and Fine-tune.

``SamplesBox`` shows the user's saved samples (a ``SampleStore`` on disk) in a gallery. It
never sees the canvas: a digit button asks (``digitChosen``) and the tab answers with
``save(x28, digit)``; Fine-tune only asks (``fineTuneRequested``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from nngui.core.drawing.samples import SampleStore
from nngui.core.platform.fsio import SaveError
from nngui.gui.common.images import gray_icon

GALLERY_ICON = 48


@dataclass
class FinetuneInputs:
    """What a fine-tuning run needs from the Draw tab."""

    model: Any
    title: str
    x: np.ndarray  # (n, 28, 28) float32 in [0, 1]
    y: np.ndarray  # (n,) int64 digits


def sample_icon(image: np.ndarray) -> QIcon:
    """A gallery icon of one stored 28x28 uint8 sample."""
    return gray_icon(image.astype(np.uint8), GALLERY_ICON, smooth=True)


class SamplesBox(QGroupBox):
    """Ten "this is a d" buttons, the gallery of saved samples, Fine-tune and a status line."""

    digitChosen = Signal(int)  # "this is a d": save the drawing as d
    fineTuneRequested = Signal()

    def __init__(self, store: SampleStore, parent: QWidget | None = None) -> None:
        super().__init__("Teach it your handwriting", parent)
        self.samples_store = store
        grid = QGridLayout(self)
        grid.addWidget(QLabel("Wrong? This is a …"), 0, 0)
        row = QHBoxLayout()
        self.teachButtons: list[QPushButton] = []
        for d in range(10):
            b = QPushButton(str(d))
            b.setObjectName(f"teachButton{d}")
            b.setToolTip(f"This is a {d}: save the drawing to your samples as a {d}")
            b.setAccessibleName(f"This is a {d}")
            b.setFixedWidth(36)
            b.clicked.connect(lambda _=False, d=d: self.digitChosen.emit(d))
            row.addWidget(b)
            self.teachButtons.append(b)
        row.addStretch(1)
        grid.addLayout(row, 0, 1)

        self.samplesGallery = QListWidget()
        self.samplesGallery.setObjectName("samplesGallery")
        self.samplesGallery.setViewMode(QListView.ViewMode.IconMode)
        self.samplesGallery.setIconSize(QSize(GALLERY_ICON, GALLERY_ICON))
        self.samplesGallery.setGridSize(QSize(GALLERY_ICON + 12, GALLERY_ICON + 22))
        self.samplesGallery.setFlow(QListView.Flow.LeftToRight)
        self.samplesGallery.setWrapping(False)
        self.samplesGallery.setMovement(QListView.Movement.Static)
        self.samplesGallery.setResizeMode(QListView.ResizeMode.Adjust)
        self.samplesGallery.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.samplesGallery.setFixedHeight(GALLERY_ICON + 44)
        self.samplesGallery.setToolTip("Your saved samples: select and press Delete to remove")
        self.deleteAction = QAction("Delete sample", self.samplesGallery)
        self.deleteAction.setShortcuts([QKeySequence(QKeySequence.StandardKey.Delete),
                                        QKeySequence(Qt.Key.Key_Backspace)])
        self.deleteAction.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.deleteAction.triggered.connect(self.delete_selected)
        self.samplesGallery.addAction(self.deleteAction)
        self.samplesGallery.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)

        self.samplesLabel = QLabel("My samples")
        self.samplesLabel.setObjectName("samplesCount")
        self.fineTuneButton = QPushButton("Fine-tune")
        self.fineTuneButton.setObjectName("fineTuneButton")
        self.fineTuneButton.setToolTip("Train the selected model a little on your samples, "
                                       "mixed with MNIST so it does not forget")
        self.fineTuneButton.clicked.connect(lambda: self.fineTuneRequested.emit())
        self.statusLabel = QLabel("")
        self.statusLabel.setObjectName("drawStatus")
        self.statusLabel.setWordWrap(True)
        # two lines, always: a longer message never grows the box and shrinks the canvas
        self.statusLabel.setFixedHeight(2 * self.fontMetrics().lineSpacing() + 4)
        self.statusLabel.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        side = QVBoxLayout()
        side.addWidget(self.samplesLabel)
        side.addWidget(self.fineTuneButton)
        side.addStretch(1)
        grid.addLayout(side, 1, 0)
        grid.addWidget(self.samplesGallery, 1, 1)
        grid.addWidget(self.statusLabel, 2, 0, 1, 2)
        grid.setColumnStretch(1, 1)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)

    def set_status(self, text: str) -> None:
        """Show a one-line message under the samples (e.g. a fine-tuning report)."""
        self.statusLabel.setText(text)

    def set_fine_tune_enabled(self, enabled: bool) -> None:
        """Whether Fine-tune can be pressed (a model that reads digits is selected)."""
        self.fineTuneButton.setEnabled(enabled)

    def save(self, x28: np.ndarray, digit: int) -> str | None:
        """Store ``x28`` (a 28x28 drawing as the network sees it) as ``digit``; its id, or None
        when it could not be saved (said in the status line)."""
        try:
            sample_id = self.samples_store.add(x28, digit)
        except OSError as exc:  # fsio's SaveError already says "Could not save …"
            self.set_status(str(exc) if isinstance(exc, SaveError)
                            else f"Could not save the sample: {exc}")
            return None
        self._add_gallery_item(self.samples_store.get(sample_id))
        self._update_counts()
        n = self.samples_store.count_by_label()[digit]
        self.set_status(f"Saved as a {digit} ({n} of that digit). Draw the next one.")
        return sample_id

    def _add_gallery_item(self, sample: Any) -> None:
        item = QListWidgetItem(sample_icon(sample.image), str(sample.label))
        item.setData(Qt.ItemDataRole.UserRole, sample.id)
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(sample.created))
        item.setToolTip(f"a {sample.label}, saved {when}")
        item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.samplesGallery.addItem(item)
        self.samplesGallery.scrollToItem(item)

    def reload_gallery(self) -> None:
        """Show the store's samples again (e.g. a project brought its own)."""
        self.samplesGallery.clear()
        for sample in self.samples_store.samples():
            self._add_gallery_item(sample)
        self._update_counts()
        if self.samples_store.skipped:
            self.set_status(f"Skipped {len(self.samples_store.skipped)} unreadable sample "
                            "file(s).")

    def _update_counts(self) -> None:
        counts = self.samples_store.count_by_label()
        total = sum(counts.values())
        self.samplesLabel.setText(f"My samples: {total}")
        self.samplesLabel.setToolTip("  ".join(f"{d}: {n}" for d, n in counts.items()))

    def delete_selected(self) -> int:
        """Delete the selected gallery samples from disk; returns how many."""
        items = self.samplesGallery.selectedItems()
        for item in items:
            self.samples_store.remove(item.data(Qt.ItemDataRole.UserRole))
            self.samplesGallery.takeItem(self.samplesGallery.row(item))
        self._update_counts()
        if items:
            self.set_status(f"Deleted {len(items)} sample(s).")
        return len(items)

    def finetune_inputs(self, title: str, model: Any) -> FinetuneInputs | None:
        """``model`` and all samples to fine-tune it on, or None when there is no sample."""
        x, y, _ = self.samples_store.all()
        if len(y) == 0:
            return None
        return FinetuneInputs(model, title, x, y)
