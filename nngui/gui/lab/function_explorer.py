"""Activation and loss explorers: each function and its derivative plotted from core.layers.functions,
with the formula, shaded saturation, and a cursor marker that reads off f(z) and f'(z)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from nngui.core.layers.functions import ACTIVATIONS, LOSSES, saturation_ranges

F_COLOR = (31, 119, 180)
D_COLOR = (230, 120, 20)
Z_RANGE = (-6.0, 6.0)
TWO_CLASS = ("categorical_crossentropy", "sparse_categorical_crossentropy", "kl_divergence")


def _plot(name: str, xlabel: str, legend_centred: bool = False) -> pg.PlotWidget:
    """A white plot with grid and legend; ``legend_centred`` puts the legend at the top's
    middle, where a loss (high at an edge, lowest near its target) leaves room."""
    plot = pg.PlotWidget(background="w")
    plot.setObjectName(name)
    item = plot.getPlotItem()
    for axis in ("left", "bottom"):
        item.getAxis(axis).setPen(pg.mkPen(90, 90, 90))
        item.getAxis(axis).setTextPen(pg.mkPen(50, 50, 50))
    item.setLabel("bottom", xlabel)
    item.showGrid(x=True, y=True, alpha=0.15)
    item.setMenuEnabled(False)
    legend = item.addLegend(offset=(10, 10), labelTextColor="#333",
                            brush=(255, 255, 255, 200))
    if legend_centred:
        legend.anchor(itemPos=(0.5, 0), parentPos=(0.5, 0), offset=(0, 10))
    plot.setMinimumHeight(150)
    return plot


HEADROOM = 0.45  # of the curve's height, left free above it for the legend


def _with_headroom(plot: pg.PlotWidget, low: float, high: float) -> None:
    """``low``..``high`` on y with ``HEADROOM`` more on top: the legend's row, clear of a
    curve that runs along its top (a flat gradient of ±1, a loss high at an edge)."""
    span = high - low if high > low else 1.0
    plot.setYRange(low, high + HEADROOM * span, padding=0.04)


def _label(name: str = "") -> QLabel:
    label = QLabel()
    if name:
        label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class _Explorer(QWidget):
    """Shared parts: a plot per curve set, a moving marker, mouse tracking."""

    cursorMoved = Signal(float)

    def _track(self, plot: pg.PlotWidget) -> None:
        plot.scene().sigMouseMoved.connect(lambda pos, p=plot: self._on_mouse(p, pos))

    def _on_mouse(self, plot: pg.PlotWidget, pos) -> None:
        vb = plot.getPlotItem().vb
        if vb.sceneBoundingRect().contains(pos):
            self.set_cursor(float(vb.mapSceneToView(pos).x()))

    def set_cursor(self, x: float) -> None:  # overridden
        raise NotImplementedError


class ActivationExplorer(_Explorer):
    """Pick an activation; see f and f' over z, the formula, and values under the cursor."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("activationExplorer")
        self.combo = QComboBox()
        self.combo.setObjectName("activationCombo")
        for name, act in ACTIVATIONS.items():
            self.combo.addItem(f"{name}  ·  {act.title}", name)
        self.alphaSlider = QSlider(Qt.Orientation.Horizontal)
        self.alphaSlider.setObjectName("alphaSlider")
        self.alphaSlider.setRange(0, 100)
        self.alphaSlider.setValue(20)
        self.alphaLabel = QLabel()
        self.softmaxSize = QSpinBox()
        self.softmaxSize.setRange(2, 3)
        self.others = [QDoubleSpinBox(), QDoubleSpinBox()]
        for i, box in enumerate(self.others):
            box.setRange(-6, 6)
            box.setSingleStep(0.5)
            box.setValue(0.0 if i == 0 else 1.0)
            box.setPrefix(f"z{i + 2} = ")
        self.formula = _label("activationFormula")
        self.readout = _label("activationReadout")
        self.plot = _plot("activationPlot", "z")
        item = self.plot.getPlotItem()
        self.f_curve = item.plot(pen=pg.mkPen(*F_COLOR, width=2.5), name="f(z)")
        self.d_curve = item.plot(pen=pg.mkPen(*D_COLOR, width=2, style=Qt.PenStyle.DashLine),
                                 name="f'(z)")
        self.marker = pg.ScatterPlotItem(size=9, brush=pg.mkBrush(20, 20, 20), pen=None)
        item.addItem(self.marker)
        self.vline = pg.InfiniteLine(angle=90, pen=pg.mkPen(120, 120, 120, 150))
        item.addItem(self.vline)
        self.regions: list[pg.LinearRegionItem] = []
        self._track(self.plot)

        form = QFormLayout()
        form.addRow("Activation", self.combo)
        alpha_row = QHBoxLayout()
        alpha_row.addWidget(self.alphaSlider, 1)
        alpha_row.addWidget(self.alphaLabel)
        self.alphaRow = QWidget()
        self.alphaRow.setLayout(alpha_row)
        alpha_row.setContentsMargins(0, 0, 0, 0)
        form.addRow("α", self.alphaRow)
        soft = QHBoxLayout()
        soft.setContentsMargins(0, 0, 0, 0)
        soft.addWidget(QLabel("vector size"))
        soft.addWidget(self.softmaxSize)
        for box in self.others:
            soft.addWidget(box)
        self.softmaxRow = QWidget()
        self.softmaxRow.setLayout(soft)
        form.addRow("softmax of", self.softmaxRow)
        self.form = form
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.formula)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.readout)
        self.combo.currentIndexChanged.connect(self._on_activation)
        self.alphaSlider.valueChanged.connect(self.refresh)
        self.softmaxSize.valueChanged.connect(self.refresh)
        for box in self.others:
            box.valueChanged.connect(self.refresh)
        self._cursor = 1.0
        self.refresh()

    def _on_activation(self) -> None:
        alpha = ACTIVATIONS[self.name].params.get("alpha")
        if alpha is not None:  # each family's own default: 0.2 for leaky ReLU, 1 for ELU
            self.alphaSlider.blockSignals(True)
            self.alphaSlider.setValue(round(alpha * 100))
            self.alphaSlider.blockSignals(False)
        self.refresh()

    # ---- the function on show -----------------------------------------------------------
    @property
    def name(self) -> str:
        return str(self.combo.currentData())

    def set_activation(self, name: str) -> None:
        self.combo.setCurrentIndex(self.combo.findData(name))

    def params(self) -> dict:
        if self.name in ("leaky_relu", "elu"):
            return {"alpha": self.alphaSlider.value() / 100}
        return {}

    def evaluate(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """f(z) and f'(z) on an array; softmax: first component of (z, z2[, z3]) and ∂s1/∂z1."""
        act = ACTIVATIONS[self.name]
        if self.name == "softmax":
            extra = [b.value() for b in self.others[: self.softmaxSize.value() - 1]]
            vec = np.stack([z, *[np.full_like(z, e) for e in extra]], axis=-1)
            return act.f(vec)[:, 0], act.df(vec)[:, 0]
        return act.f(z, **self.params()), act.df(z, **self.params())

    def refresh(self) -> None:
        """Redraw for the current choice and parameters."""
        name = self.name
        act = ACTIVATIONS[name]
        self.form.setRowVisible(self.alphaRow, name in ("leaky_relu", "elu"))
        self.alphaLabel.setText(f"{self.alphaSlider.value() / 100:.2f}")
        self.form.setRowVisible(self.softmaxRow, name == "softmax")
        self.others[1].setVisible(self.softmaxSize.value() == 3)
        z = np.linspace(*Z_RANGE, 601)
        f, d = self.evaluate(z)
        self.f_curve.setData(z, f)
        self.d_curve.setData(z, d)
        item = self.plot.getPlotItem()
        for r in self.regions:
            item.removeItem(r)
        self.regions = []
        params = self.params()
        if name == "softmax":
            # shade where ∂s1/∂z1 is nearly flat for this vector
            flat = np.abs(d) < 0.05 * max(np.abs(d).max(), 1e-12)
            ranges = _runs(z, flat)
        else:
            ranges = saturation_ranges(name, *Z_RANGE, **params)
        for lo, hi in ranges:
            region = pg.LinearRegionItem((lo, hi), movable=False,
                                         brush=pg.mkBrush(150, 150, 150, 45),
                                         pen=pg.mkPen(None))
            region.setZValue(-10)
            item.addItem(region)
            self.regions.append(region)
        shaded = f"  Shaded: saturated, {act.saturation_note}." if ranges and \
            act.saturation_note else ""
        self.formula.setText(f"{act.formula}\n{act.dformula}{shaded}")
        self.set_cursor(self._cursor)

    def set_cursor(self, z: float) -> None:
        """Move the marker to z and show f(z) and f'(z) there."""
        z = float(np.clip(z, *Z_RANGE))
        self._cursor = z
        f, d = self.evaluate(np.array([z]))
        self.marker.setData([z, z], [float(f[0]), float(d[0])])
        self.vline.setValue(z)
        text = f"z = {z:.3f}    f(z) = {float(f[0]):.4f}    f'(z) = {float(d[0]):.4f}"
        if self.name == "softmax":
            extra = [b.value() for b in self.others[: self.softmaxSize.value() - 1]]
            vec = ACTIVATIONS["softmax"].f(np.array([z, *extra]))
            text += "    softmax = (" + ", ".join(f"{v:.3f}" for v in vec) + ")"
        self.readout.setText(text)
        self.cursorMoved.emit(z)


def _runs(x: np.ndarray, mask: np.ndarray) -> list[tuple[float, float]]:
    out, start = [], None
    for i, m in enumerate(mask):
        if m and start is None:
            start = x[i]
        if start is not None and (not m or i == len(x) - 1):
            out.append((float(start), float(x[i] if m else x[i - 1])))
            start = None
    return out


class LossExplorer(_Explorer):
    """Pick a loss and a target; see L(ŷ) and ∂L/∂ŷ with the formula and cursor values."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lossExplorer")
        self.combo = QComboBox()
        self.combo.setObjectName("lossCombo")
        for name, loss in LOSSES.items():
            self.combo.addItem(loss.title, name)
        self.target = QDoubleSpinBox()
        self.target.setObjectName("lossTarget")
        self.target.setRange(0.0, 1.0)
        self.target.setSingleStep(0.1)
        self.target.setValue(1.0)
        self.formula = _label("lossFormula")
        self.readout = _label("lossReadout")
        self.plot = _plot("lossPlotCurve", "prediction ŷ", legend_centred=True)
        self.gplot = _plot("lossGradPlot", "prediction ŷ", legend_centred=True)
        self.gplot.setXLink(self.plot)
        self.l_curve = self.plot.getPlotItem().plot(pen=pg.mkPen(*F_COLOR, width=2.5), name="L")
        self.g_curve = self.gplot.getPlotItem().plot(pen=pg.mkPen(*D_COLOR, width=2),
                                                      name="∂L/∂ŷ")
        self.markers = [pg.ScatterPlotItem(size=9, brush=pg.mkBrush(20, 20, 20), pen=None)
                        for _ in range(2)]
        self.plot.getPlotItem().addItem(self.markers[0])
        self.gplot.getPlotItem().addItem(self.markers[1])
        for p in (self.plot, self.gplot):
            self._track(p)
        form = QFormLayout()
        form.addRow("Loss", self.combo)
        form.addRow("Target y", self.target)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.formula)
        layout.addWidget(self.plot, 3)
        layout.addWidget(self.gplot, 2)
        layout.addWidget(self.readout)
        self.combo.currentIndexChanged.connect(self.refresh)
        self.target.valueChanged.connect(self.refresh)
        self._cursor = 0.3
        self.refresh()

    @property
    def name(self) -> str:
        return str(self.combo.currentData())

    def set_loss(self, name: str) -> None:
        self.combo.setCurrentIndex(self.combo.findData(name))

    def domain(self) -> tuple[float, float]:
        """Hinge scores live on ±; squared and absolute errors a little past [0, 1]."""
        if self.name == "hinge":
            return -2.0, 2.0
        if self.name in ("sse", "mse", "mae"):
            return -0.5, 1.5
        return 0.001, 0.999

    def evaluate(self, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """L and dL/dŷ for each prediction; two-class losses take ŷ = (p, 1 - p)."""
        loss = LOSSES[self.name]
        t = self.target.value()
        if self.name in TWO_CLASS:
            pv = np.stack([p, 1 - p], axis=-1)
            if self.name == "sparse_categorical_crossentropy":
                y = np.full(len(p), 0 if t >= 0.5 else 1)
            else:
                y = np.broadcast_to([t, 1 - t], pv.shape)
            g = loss.grad_per_sample(y, pv)
            return loss.per_sample(y, pv), g[:, 0] - g[:, 1]  # along (p, 1 - p)
        y = np.full((len(p), 1), t)
        return loss.per_sample(y, p[:, None]), loss.grad_per_sample(y, p[:, None])[:, 0]

    def refresh(self) -> None:
        """Redraw for the chosen loss and target."""
        loss = LOSSES[self.name]
        binary_only = self.name in ("binary_crossentropy", "hinge", "sparse_categorical_crossentropy")
        self.target.setSingleStep(1.0 if binary_only else 0.1)
        p = np.linspace(*self.domain(), 600)
        value, grad = self.evaluate(p)
        self.l_curve.setData(p, value)
        self.g_curve.setData(p, grad)
        cap = max(5.0, float(np.nanpercentile(np.abs(grad), 90)) * 1.5)
        _with_headroom(self.gplot, max(-cap, float(np.nanmin(grad))),
                       min(cap, float(np.nanmax(grad))))
        finite = value[np.isfinite(value)]
        _with_headroom(self.plot, float(finite.min()), float(finite.max()))
        note = "  (two classes: ŷ = (p, 1 − p), y = (t, 1 − t))" if self.name in TWO_CLASS else ""
        self.formula.setText(f"{loss.formula}\n{loss.dformula}{note}")
        self.set_cursor(self._cursor)

    def set_cursor(self, p: float) -> None:
        """Move the markers to prediction p and show L and ∂L/∂ŷ there."""
        p = float(np.clip(p, *self.domain()))
        self._cursor = p
        value, grad = self.evaluate(np.array([p]))
        self.markers[0].setData([p], [float(value[0])])
        self.markers[1].setData([p], [float(grad[0])])
        self.readout.setText(f"ŷ = {p:.3f}    L = {float(value[0]):.4f}    "
                             f"∂L/∂ŷ = {float(grad[0]):.4f}    (target {self.target.value():g})")
        self.cursorMoved.emit(p)
