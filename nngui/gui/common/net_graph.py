"""A small network drawn as a graph: edges coloured by weight sign and sized by |w|, nodes
filled by their activation for the selected input row, tooltips on hover. The backprop lab
(``gui/lab/graph.py``) and the Watch tab's weight editor draw their networks with it."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

POSITIVE = QColor(31, 119, 180)  # blue: excitatory weight
NEGATIVE = QColor(214, 39, 40)  # red: inhibitory weight
NODE_RADIUS = 17.0
MAX_EDGE_WIDTH = 7.0
EDGE_HIT_PX = 6.0  # how near an edge a press or hover must be
DRAG_PX = 60.0  # dragging this far up adds the largest |weight| (at least 1) to a weight
EDITED = QColor(120, 80, 160)  # the ring around an edited weight's edge


@dataclass
class GraphState:
    """What the graph shows: node labels per layer, weights, activations for one row."""

    labels: list[list[str]]  # input layer first
    weights: list[np.ndarray]  # (n_from, n_to) per layer
    activations: list[np.ndarray] | None = None  # per layer (the row's values), inputs first
    row: int | None = 0  # None: no row is shown (weights only)
    value_range: tuple[float, float] = (0.0, 1.0)  # of the hidden activation, for the fill


def fill_color(value: float, lo: float, hi: float) -> QColor:
    """White at the low end to deep blue at the high end (red for negatives when lo < 0)."""
    if not math.isfinite(value):
        return QColor(200, 200, 200)
    if lo < 0 and value < 0:
        t = min(1.0, value / lo)
        return QColor(255, int(255 - 170 * t), int(255 - 170 * t))
    t = min(1.0, max(0.0, (value - max(lo, 0.0)) / max(hi - max(lo, 0.0), 1e-9)))
    return QColor(int(255 - 215 * t), int(255 - 145 * t), int(255 - 75 * t))


class NetGraph(QWidget):
    """Paints the network; ``set_state`` redraws; hover shows a node's or edge's value.

    With ``set_editable(True)`` a weight can be dragged: press on its edge and move up (more)
    or down (less); ``weightDragged`` says each new value while the mouse moves and
    ``dragFinished`` the last one. The graph only shows the value: whoever owns the network
    sets it (a job for a Keras model) and calls ``set_state`` with what it then holds.
    """

    weightDragged = Signal(int, int, int, float)  # layer, from unit, to unit, new value
    dragFinished = Signal(int, int, int, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("netGraph")
        self.setMouseTracking(True)
        self.setMinimumSize(240, 200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.state: GraphState | None = None
        self.editable = False
        self.edited: set[tuple[int, int, int]] = set()  # drawn with a ring (set by the owner)
        self._drag: tuple[int, int, int, float, float, float] | None = None

    def set_editable(self, on: bool) -> None:
        self.editable = bool(on)
        self._drag = None

    def set_state(self, state: GraphState) -> None:
        """Show new weights/activations."""
        self.state = state
        self.update()

    # ---- geometry -----------------------------------------------------------------------
    def node_positions(self) -> list[list[QPointF]]:
        """Centre of every node, layer by layer (inputs left, output right)."""
        if self.state is None:
            return []
        layers = self.state.labels
        w, h = self.width(), self.height()
        margin_x, margin_y = NODE_RADIUS + 24, NODE_RADIUS + 14
        out = []
        for i, labels in enumerate(layers):
            x = margin_x + (w - 2 * margin_x) * (i / max(len(layers) - 1, 1))
            n = len(labels)
            step = (h - 2 * margin_y) / max(n, 1)
            out.append([QPointF(x, margin_y + step * (j + 0.5)) for j in range(n)])
        return out

    def _spacing(self, n: int) -> float:
        """Vertical distance between neighbouring nodes of a layer of n."""
        return (self.height() - 2 * (NODE_RADIUS + 14)) / max(n, 1)

    def radius(self, n: int) -> float:
        """Node radius in a layer of n: NODE_RADIUS, smaller when many share little height."""
        return max(3.0, min(NODE_RADIUS, self._spacing(n) / 2 - 2))

    def _edges(self):
        pos = self.node_positions()
        assert self.state is not None
        for layer, w in enumerate(self.state.weights):
            for i in range(w.shape[0]):
                for j in range(w.shape[1]):
                    if math.isfinite(w[i, j]):  # NaN: no edge (into a bias node "1")
                        yield layer, i, j, float(w[i, j]), pos[layer][i], pos[layer + 1][j]

    def edge_pen(self, weight: float, largest: float) -> QPen:
        """Colour = sign, width = |w| relative to the largest weight."""
        color = QColor(POSITIVE if weight >= 0 else NEGATIVE)
        frac = abs(weight) / largest if largest > 0 else 0.0
        color.setAlpha(int(90 + 165 * frac))
        return QPen(color, 0.8 + (MAX_EDGE_WIDTH - 0.8) * frac)

    # ---- painting -----------------------------------------------------------------------
    def paintEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor(255, 255, 255))
        if self.state is None:
            return
        st = self.state
        largest = _largest(st.weights)
        for layer, i, j, weight, a, b in self._edges():
            if (layer, i, j) in self.edited:
                p.setPen(QPen(EDITED, self.edge_pen(weight, largest).widthF() + 4,
                              Qt.PenStyle.DotLine))
                p.drawLine(a, b)
            p.setPen(self.edge_pen(weight, largest))
            p.drawLine(a, b)
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1))
        p.setFont(font)
        for layer, centres in enumerate(self.node_positions()):
            r = self.radius(len(centres))
            named = self._spacing(len(centres)) >= 2 * r + 15  # room for a name above
            for unit, c in enumerate(centres):
                value = self._activation(layer, unit)
                lo, hi = (0.0, 1.0) if layer in (0, len(st.labels) - 1) else st.value_range
                fill = fill_color(value, lo, hi) if value is not None else QColor(245, 245, 245)
                p.setPen(QPen(QColor(60, 60, 60), 1.2))
                p.setBrush(fill)
                p.drawEllipse(c, r, r)
                dark = fill.lightness() < 120
                p.setPen(QColor(255, 255, 255) if dark else QColor(20, 20, 20))
                box = QRectF(c.x() - r - 4, c.y() - r, 2 * r + 8, 2 * r)
                text = st.labels[layer][unit]
                if value is not None and layer > 0:
                    text = f"{value:.2f}"
                if r < 9:  # too small for text: the tooltip tells
                    continue
                p.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
                if layer > 0 and value is not None:  # the name above, or beside if cramped
                    p.setPen(QColor(90, 90, 90))
                    where = QRectF(c.x() - 30, c.y() - r - 15, 60, 14) if named else \
                        QRectF(c.x() + 0.7 * r, c.y() - r - 6, 30, 14)
                    align = Qt.AlignmentFlag.AlignCenter if named else Qt.AlignmentFlag.AlignLeft
                    p.drawText(where, align, st.labels[layer][unit])
        p.setPen(QColor(90, 90, 90))
        p.drawText(QRectF(4, self.height() - 18, self.width() - 8, 16),
                   Qt.AlignmentFlag.AlignLeft, self.caption(self.width() - 8))

    def caption(self, width: int) -> str:
        """The key under the graph, as much of it as fits ``width`` pixels (whole words: in a
        narrow graph "drag an edge…" was cut to "drag an e")."""
        st = self.state
        row = "" if st is None or st.row is None else f"row {st.row + 1} · "
        key = "blue: w > 0 · red: w < 0"
        drag = [" · drag an edge up or down to change it", " · drag an edge to change it",
                " · drag to edit"] if self.editable else [""]
        metrics = self.fontMetrics()
        for text in [row + key + d for d in drag] + [key + d for d in drag] + [key]:
            if metrics.horizontalAdvance(text) <= width:
                return text
        return metrics.elidedText(key, Qt.TextElideMode.ElideRight, width)

    def _activation(self, layer: int, unit: int) -> float | None:
        st = self.state
        if st is None or st.activations is None:
            return None
        return float(st.activations[layer][unit])

    # ---- hover --------------------------------------------------------------------------
    def describe_at(self, point: QPointF) -> str | None:
        """Tooltip text for the node or edge under a point (None: nothing there)."""
        st = self.state
        if st is None:
            return None
        for layer, centres in enumerate(self.node_positions()):
            for unit, c in enumerate(centres):
                if math.hypot(c.x() - point.x(), c.y() - point.y()) <= max(
                        self.radius(len(centres)), 5.0):
                    value = self._activation(layer, unit)
                    name = st.labels[layer][unit]
                    if value is None:
                        return f"{name}: run a forward pass to see its value"
                    kind = "input" if layer == 0 else "activation a"
                    row = "" if st.row is None else f", row {st.row + 1}"
                    return f"{name} ({kind}{row}) = {value:.6g}"
        best = self.edge_at(point)
        if best is None:
            return None
        layer, i, j = best
        weight = float(st.weights[layer][i, j])
        hint = " · drag up or down to change it" if self.editable else ""
        return (f"W{layer + 1}[{st.labels[layer][i]}→{st.labels[layer + 1][j]}] = "
                f"{weight:.6g}{hint}")

    def edge_at(self, point: QPointF) -> tuple[int, int, int] | None:
        """(layer, from unit, to unit) of the edge nearest ``point``, if near enough."""
        if self.state is None:
            return None
        best, best_d = None, EDGE_HIT_PX
        for layer, i, j, _weight, a, b in self._edges():
            d = _distance_to_segment(point, a, b)
            if d < best_d:
                best, best_d = (layer, i, j), d
        return best

    def edge_middle(self, layer: int, i: int, j: int) -> QPointF:
        """The middle of an edge (where a test or a tour presses to drag it)."""
        pos = self.node_positions()
        a, b = pos[layer][i], pos[layer + 1][j]
        return QPointF((a.x() + b.x()) / 2, (a.y() + b.y()) / 2)

    # ---- dragging a weight --------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        edge = self.edge_at(event.position()) if self.editable and \
            event.button() == Qt.MouseButton.LeftButton else None
        if edge is None or self.state is None:
            super().mousePressEvent(event)
            return
        layer, i, j = edge
        largest = _largest(self.state.weights)
        self._drag = (layer, i, j, float(self.state.weights[layer][i, j]),
                      float(event.position().y()), max(largest, 1.0) / DRAG_PX)
        self.setCursor(Qt.CursorShape.SizeVerCursor)
        event.accept()

    def _dragged_value(self, y: float) -> float:
        assert self._drag is not None
        _layer, _i, _j, start, y0, per_px = self._drag
        return start + (y0 - y) * per_px

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._drag is None:
            super().mouseReleaseEvent(event)
            return
        layer, i, j = self._drag[:3]
        value = self._dragged_value(float(event.position().y()))
        self._drag = None
        self.unsetCursor()
        self._show_weight(layer, i, j, value)
        self.dragFinished.emit(layer, i, j, value)

    def _show_weight(self, layer: int, i: int, j: int, value: float) -> None:
        if self.state is not None:
            self.state.weights[layer][i, j] = value
            self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._drag is not None:
            layer, i, j = self._drag[:3]
            value = self._dragged_value(float(event.position().y()))
            self._show_weight(layer, i, j, value)
            self.weightDragged.emit(layer, i, j, value)
            QToolTip.showText(event.globalPosition().toPoint(),
                              f"W{layer + 1} = {value:.4g}", self)
            return
        text = self.describe_at(event.position())
        if text:
            QToolTip.showText(event.globalPosition().toPoint(), text, self)
        else:
            QToolTip.hideText()


def _largest(weights: list[np.ndarray]) -> float:
    """The largest |weight| drawn (NaN entries are no edges)."""
    finite = [np.abs(w[np.isfinite(w)]) for w in weights]
    return max((float(f.max()) for f in finite if f.size), default=1.0)


def _distance_to_segment(p: QPointF, a: QPointF, b: QPointF) -> float:
    ax, ay, bx, by = a.x(), a.y(), b.x(), b.y()
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((p.x() - ax) * dx + (p.y() - ay) * dy)
                                              / length2))
    return math.hypot(p.x() - (ax + t * dx), p.y() - (ay + t * dy))
