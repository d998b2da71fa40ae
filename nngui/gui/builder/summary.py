"""The model summary as a table: layer, output shape, parameters, like Keras' ``summary()``.

The total sits in a footer below the scrolling rows (in the table's bottom viewport margin),
so "Total params" stays visible however many layers there are and however small the pane.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from nngui.core.network import shapes
from nngui.core.network.spec import NetworkSpec
from nngui.core.training import cost

HEADERS = ("Layer (type)", "Output shape", "Param #")
ERROR_TINT = QColor("#fde0dc")
ERROR_TEXT = QColor("#b71c1c")


class SummaryTable(QTableWidget):
    """Read-only table of ``shapes.layer_rows(spec)`` with a fixed, bold total footer."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(HEADERS), parent)
        self.setObjectName("summaryTable")
        self.setHorizontalHeaderLabels(HEADERS)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.horizontalHeaderItem(2).setTextAlignment(Qt.AlignmentFlag.AlignRight
                                                      | Qt.AlignmentFlag.AlignVCenter)
        self._total = 0
        self.setToolTip("What Keras' model.summary() would print for this network.")
        self.footer = QLabel(self, objectName="summaryTotal")
        font = QFont(self.footer.font())
        font.setBold(True)
        self.footer.setFont(font)
        self.footer.setAutoFillBackground(True)
        self.footer.setContentsMargins(4, 0, 4, 0)
        self._footer_height = self.fontMetrics().height() + 10
        # beside the total: multiply-adds per prediction, and the measured time per epoch
        self.cost = QLabel(self, objectName="summaryCost")
        self.cost.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.cost.setContentsMargins(4, 0, 4, 0)
        self._macs: int | None = None
        self._cost_text = ""
        self._epoch_s: float | None = None

    def updateGeometries(self) -> None:
        super().updateGeometries()
        # QTableView resets the margins to fit its headers: add the footer's back each time
        m = self.viewportMargins()
        if m.bottom() != self._footer_height:
            self.setViewportMargins(m.left(), m.top(), m.right(), self._footer_height)
        vp = self.viewport().geometry()
        self.footer.setGeometry(vp.x(), vp.bottom() + 1, vp.width(), self._footer_height)
        self._place_cost()

    def _place_cost(self) -> None:
        """The cost to the right of the total, elided (never over it) where the pane is narrow."""
        f = self.footer.geometry()
        used = self.footer.fontMetrics().horizontalAdvance(self.footer.text()) + 16
        self.cost.setGeometry(f.x() + used, f.y(), max(0, f.width() - used), f.height())
        room = max(0, self.cost.contentsRect().width())
        self.cost.setText(self.cost.fontMetrics().elidedText(
            self._cost_text, Qt.TextElideMode.ElideRight, room))
        self.cost.raise_()

    def minimumSizeHint(self) -> QSize:
        # the header, one layer row and the total: a splitter never squeezes the total away
        hint = super().minimumSizeHint()
        need = (self.horizontalHeader().sizeHint().height() + self.verticalHeader()
                .defaultSectionSize() + self._footer_height + 2 * self.frameWidth() + 2)
        return QSize(hint.width(), max(hint.height(), need))

    def set_spec(self, spec: NetworkSpec) -> None:
        """Show the summary of ``spec``; rows whose shape cannot be computed turn red."""
        rows = shapes.layer_rows(spec)
        self._total = sum(r.params for r in rows)
        any_error = any(r.error for r in rows)
        self.setRowCount(len(rows))
        for i, row in enumerate(rows):
            params = "?" if row.error else f"{row.params:,}"
            cells = (f"{row.name} ({row.type})", row.shape_text, params)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col == 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                if row.error:
                    item.setBackground(QBrush(ERROR_TINT))
                    item.setForeground(QBrush(ERROR_TEXT))
                    item.setToolTip(row.error[0].upper() + row.error[1:] + ".")
                else:
                    item.setToolTip(f"Layer {row.spec_index + 1} of the network")
                self.setItem(i, col, item)
        if any_error:
            self._set_total("?", "The total needs every layer's shape.")
        else:
            self._set_total(f"{self._total:,}", _trainable_note(shapes.non_trainable_params(spec)))
        self._macs = cost.multiply_adds(spec)
        self._show_cost()
        self._fit_columns()

    def set_rows(self, cells: list[tuple[str, str, str]], total: int, tip: str) -> None:
        """Show rows given as text (a model the builder cannot represent) and their total."""
        self.clearSpans()
        self.setRowCount(len(cells))
        for i, row in enumerate(cells):
            for col, text in enumerate(row):
                item = QTableWidgetItem(text)
                if col == 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                self.setItem(i, col, item)
        self._total = total
        self._set_total(f"{total:,}", tip)
        self._macs = None  # a model the builder cannot represent: not counted
        self._show_cost()
        self._fit_columns()

    def show_model(self, model) -> None:
        """A Keras model's own layers (name, output shape, params): an opened model the
        builder cannot show (its layers' descriptions only, nothing computed)."""
        cells = []
        for lay in (lay for lay in model.layers if type(lay).__name__ != "InputLayer"):
            try:
                shape = str(tuple(lay.output.shape))
            except Exception:  # a layer used twice has no single output
                shape = "?"
            cells.append((f"{lay.name} ({type(lay).__name__})", shape,
                          f"{lay.count_params():,}"))
        self.set_rows(cells, model.count_params(), "The opened model's own count.")

    def _fit_columns(self) -> None:
        """Columns as wide as their texts, the last one filling the rest: resizing to the
        contents left it at its text's width when nothing resized the table afterwards (a
        project opened in a shown window)."""
        self.resizeColumnsToContents()
        header = self.horizontalHeader()
        header.setStretchLastSection(False)
        header.setStretchLastSection(True)

    def show_history(self, history: dict) -> None:
        """The network's run history: its measured time per epoch (none before a run)."""
        self._epoch_s = cost.epoch_seconds(history)
        self._show_cost()

    def cost_text(self) -> str:
        """What the footer says of the cost, e.g. "15,680 multiply-adds a prediction" (in
        full: a narrow pane shows it elided)."""
        return self._cost_text

    def _show_cost(self) -> None:
        parts, tips = [], []
        if self._macs is not None:
            parts.append(f"{cost.count_text(self._macs)} multiply-adds a prediction")
            tips.append("Multiply-adds to read one sample: each Dense weight once, each conv "
                        "kernel weight at every output position (biases, activations and "
                        "pooling are not multiplications).")
        if self._epoch_s is not None:
            parts.append(f"{cost.seconds_text(self._epoch_s)} an epoch")
            tips.append(f"Measured: the median time of the last {cost.RECENT_EPOCHS} whole "
                        "epochs trained (it depends on this computer, the data and the batch "
                        "size).")
        self._cost_text = " · ".join(parts)
        self.cost.setToolTip("\n".join([self._cost_text, *tips]) if parts else "")
        self._place_cost()

    def total_params(self) -> int:
        """The total parameter count shown (known rows only when some rows are invalid)."""
        return self._total

    def total_text(self) -> str:
        """The footer's text, e.g. "Total params: 15,910"."""
        return self.footer.text()

    def _set_total(self, text: str, tip: str) -> None:
        self.footer.setText(f"Total params: {text}")
        self.footer.setToolTip(tip)


def _trainable_note(non_trainable: int) -> str:
    """The total row's tooltip: BatchNormalization's moving statistics are never trained."""
    if not non_trainable:
        return "All parameters are trainable."
    return (f"{non_trainable:,} non-trainable (BatchNormalization's moving mean and "
            "variance); the rest are trained.")
