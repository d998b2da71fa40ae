"""The list of what is wrong (✖) or dubious (⚠) with the network, or "✓ Ready to train"."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QListWidget, QListWidgetItem

from nngui.core.network.validate import Problem

ERROR_COLOR = QColor("#c62828")
HINT_COLOR = QColor("#a86400")
OK_COLOR = QColor("#2e7d32")
_ROLE_LAYER = Qt.ItemDataRole.UserRole


class ProblemsView(QListWidget):
    """Errors first, then hints; clicking one that names a layer emits ``layerClicked``."""

    layerClicked = Signal(int)

    def __init__(self) -> None:
        super().__init__(objectName="problemsView", wordWrap=True, spacing=1, minimumHeight=48,
                         maximumHeight=120, focusPolicy=Qt.FocusPolicy.NoFocus,
                         selectionMode=QAbstractItemView.SelectionMode.NoSelection)
        self.itemClicked.connect(self._on_clicked)

    def set_problems(self, problems: list[Problem]) -> None:
        self.clear()
        for p in sorted(problems, key=lambda p: p.level != "error"):
            item = QListWidgetItem(("✖ " if p.level == "error" else "⚠ ") + str(p))
            item.setForeground(ERROR_COLOR if p.level == "error" else HINT_COLOR)
            item.setData(_ROLE_LAYER, p.layer)
            if p.layer is not None:
                item.setToolTip("Click to select the layer")
            self.addItem(item)
        if not problems:
            item = QListWidgetItem("✓ Ready to train")
            item.setForeground(OK_COLOR)
            self.addItem(item)

    def _on_clicked(self, item: QListWidgetItem) -> None:
        layer = item.data(_ROLE_LAYER)
        if layer is not None:
            self.layerClicked.emit(int(layer))
