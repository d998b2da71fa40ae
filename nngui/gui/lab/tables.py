"""The numbers of one lab step as small tables: z and a (forward), ∂L/∂ŷ and δ (backward),
W, ∂L/∂W and the update per layer, and the δ recursion with one row's numbers plugged in."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QWidget,
)

from nngui.core.lab.backprop import INPUT_ROWS, LabNet
from nngui.core.lab.formulas import step_formulas

ROW_LABELS = [f"{a} {b}" for a, b in INPUT_ROWS]
HIGHLIGHT = QColor(255, 244, 200)
EMPTY = "–"


def fmt(v: float) -> str:
    """Three significant digits, compact enough for two 4-column tables side by side."""
    return f"{v:.3g}" if abs(v) >= 1e-3 or v == 0 else f"{v:.1e}"


def _table(name: str) -> QTableWidget:
    t = QTableWidget()
    t.setObjectName(name)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    t.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    t.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    t.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    font = QFont(t.font())
    font.setPointSizeF(max(7.5, font.pointSizeF() - 1))
    t.setFont(font)
    t.verticalHeader().setDefaultSectionSize(19)
    t.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    t.horizontalHeader().setMinimumSectionSize(30)
    return t


def set_matrix(t: QTableWidget, values: np.ndarray | None, rows: list[str], cols: list[str],
               highlight: int | None = None) -> None:
    """Fill a table with a matrix (None: dashes) and size it to its contents."""
    t.setRowCount(len(rows))
    t.setColumnCount(len(cols))
    t.setVerticalHeaderLabels(rows)
    t.setHorizontalHeaderLabels(cols)
    for i in range(len(rows)):
        for j in range(len(cols)):
            text = EMPTY if values is None else fmt(float(values[i, j]))
            item = t.item(i, j)
            if item is None:
                item = QTableWidgetItem()
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                t.setItem(i, j, item)
            item.setText(text)
            item.setBackground(HIGHLIGHT if i == highlight else QColor(255, 255, 255))
    t.resizeColumnsToContents()
    width = t.verticalHeader().sizeHint().width() + sum(t.columnWidth(j) for j in range(len(cols)))
    t.setFixedSize(width + 4, t.horizontalHeader().sizeHint().height() + 19 * len(rows) + 4)


class _Sheet(QWidget):
    """A grid of titled tables inside a scroll area's page."""

    def __init__(self) -> None:
        super().__init__()
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(4, 4, 4, 4)
        self.grid.setHorizontalSpacing(10)
        self.grid.setVerticalSpacing(2)
        self.tables: dict[str, QTableWidget] = {}
        self.titles: dict[str, QLabel] = {}

    def slot(self, key: str, title: str, row: int, col: int) -> QTableWidget:
        label = QLabel(title)
        label.setTextFormat(Qt.TextFormat.PlainText)
        table = _table(f"labTable_{key}")
        self.grid.addWidget(label, 2 * row, col, Qt.AlignmentFlag.AlignLeft)
        self.grid.addWidget(table, 2 * row + 1, col,
                            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.tables[key], self.titles[key] = table, label
        return table

    def finish(self) -> None:
        self.grid.setRowStretch(self.grid.rowCount(), 1)
        self.grid.setColumnStretch(self.grid.columnCount(), 1)


def _scroll(w: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidget(w)
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    return area


class StepTables(QTabWidget):
    """Tabs: Forward (z, a) · Backward (∂L/∂ŷ, δ) · Gradients (W, ∂L/∂W, update) · Formulas."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("labTables")
        self.tables: dict[str, QTableWidget] = {}
        self._layout_for: tuple | None = None
        self.formulas = QPlainTextEdit()
        self.formulas.setObjectName("labFormulas")
        self.formulas.setReadOnly(True)
        self._pages = [_Sheet(), _Sheet(), _Sheet()]
        for page, title in zip(self._pages, ("Forward: z, a", "Backward: δ", "∂L/∂W, update"),
                               strict=True):
            self.addTab(_scroll(page), title)
        self.addTab(self.formulas, "δ formulas")

    def _rebuild(self, net: LabNet) -> None:
        """New tables when the shape of the network changes."""
        key = (len(net.weights), net.config.hidden, net.config.bias)
        if key == self._layout_for:
            return
        self._layout_for = key
        for i in range(len(self._pages)):
            page = _Sheet()
            self._pages[i] = page
            area = self.widget(i)
            assert isinstance(area, QScrollArea)
            area.setWidget(page)  # deletes the old page
        fwd, bwd, grd = self._pages
        n = len(net.weights)
        grid_row = 0
        for k in range(n):
            tag = "out" if k == n - 1 else "h"
            fwd.slot(f"z{k + 1}", f"z{k + 1} = a{k}·W{k + 1}  ({tag})", k, 0)
            fwd.slot(f"a{k + 1}", f"a{k + 1} = f(z{k + 1})", k, 1)
            grd.slot(f"w{k + 1}", f"W{k + 1} used by the step", grid_row, 0)
            grd.slot(f"grad{k + 1}", f"∂L/∂W{k + 1} = a{k}ᵀ·δ{k + 1}", grid_row, 1)
            wide = net.weights[k].shape[1] > 1  # three wide tables do not fit in one row
            if wide:
                grid_row += 1
            grd.slot(f"update{k + 1}", f"update = −η·∂L/∂W{k + 1}", grid_row, 1 if wide else 2)
            grid_row += 1
        bwd.slot("dloss", "∂L/∂ŷ", 0, 0)
        bwd.slot(f"delta{n}", f"δ{n} = ∂L/∂ŷ ⊙ σ'(z{n})", 0, 1)
        if n == 2:
            bwd.slot("delta1", "δ1 = (δ2·W2ᵀ) ⊙ f'(z1)", 1, 0)
        self.tables = {}
        for page in self._pages:
            page.finish()
            self.tables.update(page.tables)

    def show_step(self, net: LabNet, used_weights: list[np.ndarray] | None, row: int) -> None:
        """Fill every table from the net's last forward/backward pass; highlight one row."""
        self._rebuild(net)
        labels = net.unit_labels()
        fw, bw = net.last_forward, net.last_backward
        n = len(net.weights)
        weights = used_weights if (bw is not None and used_weights is not None) else net.weights
        for k in range(n):
            cols = labels[k + 1]
            set_matrix(self.tables[f"z{k + 1}"], fw.z[k] if fw else None, ROW_LABELS, cols, row)
            set_matrix(self.tables[f"a{k + 1}"], fw.a[k + 1] if fw else None, ROW_LABELS, cols,
                       row)
            set_matrix(self.tables[f"w{k + 1}"], weights[k], labels[k], cols)
            # no step to speak of (reset, or only a forward pass): the weights as they are now
            self._pages[2].titles[f"w{k + 1}"].setText(
                f"W{k + 1} used by the step" if bw is not None else
                f"W{k + 1} now (no backward step yet)")
            set_matrix(self.tables[f"grad{k + 1}"], bw.grads[k] if bw else None, labels[k], cols)
            set_matrix(self.tables[f"update{k + 1}"], bw.updates[k] if bw else None, labels[k],
                       cols)
            key = f"delta{k + 1}"
            if key in self.tables:
                set_matrix(self.tables[key], bw.delta[k] if bw else None, ROW_LABELS, cols, row)
        set_matrix(self.tables["dloss"], bw.dloss if bw else None, ROW_LABELS, ["ŷ"], row)
        if fw is not None and bw is not None:
            lines = step_formulas(net.config, weights, fw, bw, row, net.layer_names())
            self.formulas.setPlainText("\n".join(lines))
        else:
            self.formulas.setPlainText("Run a forward and a backward pass (or one iteration) "
                                       "to see the δ recursion with this step's numbers.")

    def cell(self, key: str, row: int, col: int) -> str:
        """The text shown in one cell (for tests and tooltips)."""
        item = self.tables[key].item(row, col)
        return item.text() if item is not None else ""
