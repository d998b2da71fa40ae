"""The Draw tab's "Teach it your handwriting" box: digit buttons, the samples and Fine-tune.

``SamplesBox`` shows the user's saved samples (a ``SampleStore`` on disk) in a gallery. It
never sees the canvas: a digit button asks (``digitChosen``) and the tab answers with
``save(x28, digit)``; Fine-tune only asks (``fineTuneRequested``).

The gallery is a ``QListView`` over ``SamplesModel``: a row per sample, its icon made only
when the view asks for it (the rows on screen) and kept in a small cache, so 200,000 samples
show at once without 200,000 icons or widget items.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from nngui.core.drawing.samples import Sample, SampleStore
from nngui.core.platform.fsio import SaveError
from nngui.gui.common.images import picture_icon

GALLERY_ICON = 48
ICON_CACHE = 512  # icons kept; a wide window shows a few dozen at a time
TEACH_LABEL = "Wrong? This is a …"  # beside the digit buttons that teach a drawing
LAYOUT_BATCH = 1000  # rows the gallery lays out per turn of the event loop (a few ms)


@dataclass
class FinetuneInputs:
    """What a fine-tuning run needs from the Draw tab."""

    model: Any
    title: str
    x: np.ndarray  # (n, 28, 28) float32 in [0, 1]
    y: np.ndarray  # (n,) int64 digits


def sample_icon(image: np.ndarray) -> QIcon:
    """A gallery icon of one stored 28x28 uint8 sample."""
    return picture_icon(image.astype(np.uint8), GALLERY_ICON, smooth=True)


class SamplesModel(QAbstractListModel):
    """The samples as rows (oldest first): the digit as text, an icon, a tooltip, the id.

    The model keeps only the ids; a row's sample is looked up (``find``) when the view asks
    for it. Icons are made in ``data()`` then, i.e. for the rows the view paints, and the
    last ``ICON_CACHE`` are kept. Every row has the same size, so the view
    (``uniformItemSizes``) never asks about the others.
    """

    ID_ROLE = Qt.ItemDataRole.UserRole

    def __init__(self, find: Callable[[str], Sample | None], parent: QObject | None = None,
                 cache: int = ICON_CACHE) -> None:
        super().__init__(parent)
        self._find = find
        self._ids: list[str] = []
        self._icons: OrderedDict[str, QIcon] = OrderedDict()
        self._cache = cache

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex | None = None) -> int:  # noqa: N802 - Qt's name
        return 0 if parent is not None and parent.isValid() else len(self._ids)

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = index.row()
        if not index.isValid() or not 0 <= row < len(self._ids):
            return None
        if role == self.ID_ROLE:
            return self._ids[row]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return Qt.AlignmentFlag.AlignHCenter
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.DecorationRole,
                        Qt.ItemDataRole.ToolTipRole):
            return None
        sample = self._find(self._ids[row])
        if sample is None:  # deleted meanwhile; the next reload drops its row
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return str(sample.label)
        if role == Qt.ItemDataRole.DecorationRole:
            return self._icon(sample)
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(sample.created))
        return f"a {sample.label}, saved {when}"

    def _icon(self, sample: Sample) -> QIcon:
        icon = self._icons.get(sample.id)
        if icon is None:
            icon = self._icons[sample.id] = sample_icon(sample.image)
            if len(self._icons) > self._cache:
                self._icons.popitem(last=False)
        else:
            self._icons.move_to_end(sample.id)
        return icon

    def sample_id(self, row: int) -> str:
        """The id of the sample in ``row``."""
        return self._ids[row]

    def set_ids(self, ids: list[str]) -> None:
        """Show these samples instead: a reset to none, then one insertion of them all (as
        clearing and refilling a list does: whoever watches rowsInserted sees new rows)."""
        self.beginResetModel()
        self._ids = []
        self._icons.clear()
        self.endResetModel()
        if ids:
            self.beginInsertRows(QModelIndex(), 0, len(ids) - 1)
            self._ids = list(ids)
            self.endInsertRows()

    def append(self, sample_id: str) -> QModelIndex:
        """Add a row at the end; its index."""
        n = len(self._ids)
        self.beginInsertRows(QModelIndex(), n, n)
        self._ids.append(sample_id)
        self.endInsertRows()
        return self.index(n, 0)

    def remove_rows(self, rows: list[int]) -> None:
        """Remove these rows, each run of neighbours in one step."""
        runs: list[list[int]] = []
        for row in sorted(set(rows)):
            if runs and row == runs[-1][1] + 1:
                runs[-1][1] = row
            else:
                runs.append([row, row])
        for first, last in reversed(runs):
            self.beginRemoveRows(QModelIndex(), first, last)
            for sample_id in self._ids[first:last + 1]:
                self._icons.pop(sample_id, None)
            del self._ids[first:last + 1]
            self.endRemoveRows()


class SamplesBox(QGroupBox):
    """Ten "this is a d" buttons, the gallery of saved samples, Fine-tune and a status line."""

    digitChosen = Signal(int)  # "this is a d": save the drawing as d
    fineTuneRequested = Signal()

    def __init__(self, store: SampleStore, parent: QWidget | None = None) -> None:
        super().__init__("Teach it your handwriting", parent)
        self.samples_store = store
        grid = QGridLayout(self)
        grid.addWidget(QLabel(TEACH_LABEL), 0, 0)
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

        self.samplesModel = SamplesModel(lambda sample_id: self.samples_store.find(sample_id),
                                          self)
        self.samplesGallery = QListView()
        self.samplesGallery.setObjectName("samplesGallery")
        self.samplesGallery.setModel(self.samplesModel)  # for good: the window watches it
        self.samplesGallery.setUniformItemSizes(True)  # no size asked of 200,000 rows
        # laid out LAYOUT_BATCH rows at a time between events, not all at once (half a
        # second for 200,000, after every added or deleted sample)
        self.samplesGallery.setLayoutMode(QListView.LayoutMode.Batched)
        self.samplesGallery.setBatchSize(LAYOUT_BATCH)
        self._follow_end = False  # a sample was just saved: keep the end of the row in view
        bar = self.samplesGallery.horizontalScrollBar()
        bar.rangeChanged.connect(self._keep_end_in_view)
        bar.actionTriggered.connect(self._stop_following)  # the user scrolls
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
        self.fineTuneButton.setToolTip(
            "Train a copy of the selected model on all your samples (and jittered variants of "
            "them), mixed with MNIST digits (the bundled 8×8 digits when MNIST is not found) "
            "so it does not forget; it stops when your held-out digits stop improving")
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
        index = self.samplesModel.append(sample_id)
        self._follow_end = True  # the layout reaches the new row later (LAYOUT_BATCH)
        self.samplesGallery.scrollTo(index)
        self._update_counts()
        n = self.samples_store.count_by_label()[digit]
        self.set_status(f"Saved as a {digit} ({n} of that digit). Draw the next one.")
        return sample_id

    def _keep_end_in_view(self, _low: int, high: int) -> None:
        """After a save, scroll to the end once the layout has reached the new row."""
        if not self._follow_end:
            return
        model = self.samplesModel
        if self.samplesGallery.visualRect(model.index(model.rowCount() - 1, 0)).isValid():
            self._follow_end = False
            self.samplesGallery.horizontalScrollBar().setValue(high)

    def _stop_following(self, _action: int) -> None:
        self._follow_end = False

    def reload_gallery(self) -> None:
        """Show the store's samples again (e.g. a project brought its own)."""
        self._follow_end = False
        self.samplesModel.set_ids(self.samples_store.ids())
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
        rows = sorted(i.row() for i in self.samplesGallery.selectionModel().selectedIndexes())
        if not rows:
            return 0
        model = self.samplesModel
        try:
            self.samples_store.remove_many(model.sample_id(r) for r in rows)
        except OSError as exc:  # what could be deleted is gone; the gallery shows the rest
            self.reload_gallery()
            self.set_status(str(exc) if isinstance(exc, SaveError)
                            else f"Could not delete the samples: {exc}")
            return 0
        model.remove_rows(rows)
        self._update_counts()
        self.set_status(f"Deleted {len(rows)} sample(s).")
        return len(rows)

    def finetune_inputs(self, title: str, model: Any) -> FinetuneInputs | None:
        """``model`` and all samples to fine-tune it on, or None when there is no sample."""
        x, y, _ = self.samples_store.all()
        if len(y) == 0:
            return None
        return FinetuneInputs(model, title, x, y)
