"""Weights and gradients over epochs: per-layer histograms (latest and over time), grad norms.

Draws only what ``core.insight.layer_stats.WeightStatsProbe`` sends from the training thread. The
histogram over epochs is an image (epoch across, weight value up, count as colour), like
TensorBoard's distributions; the gradient norms are one curve per layer on a log axis.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QTimer
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from nngui.gui.common.axes import whole_number_ticks
from nngui.gui.common.empty_plot import EmptyState
from nngui.gui.common.sight import out_of_sight
from nngui.gui.common.style import PALETTE

REDRAW_MS = 150


def _style(item: pg.PlotItem, title: str) -> None:
    item.setTitle(title, color="#333", size="9pt")
    item.setMenuEnabled(False)
    for axis in ("left", "bottom"):
        item.getAxis(axis).setPen(pg.mkPen(90, 90, 90))
        item.getAxis(axis).setTextPen(pg.mkPen(50, 50, 50))


WAITING_NOTE = ("Train a network to see how each layer's weights spread out and how large its "
                "gradients are.")
LATEST_TITLE = "Weights of the layer · latest epoch"  # until a layer's weights arrive
NO_STATS = "No weight statistics yet"  # what the empty plots say (every run sends them)
READING_NOTE = ("A gradient norm near 0: that layer has stopped learning (vanishing "
                "gradients); a growing one: exploding gradients.")

class StatsPanel(QWidget):
    """``weightHistograms`` (pick a layer) and ``gradientNorms`` (every layer, log scale)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.epochs: list[int] = []  # epoch index of each kept payload
        self.layers: list[str] = []
        self.counts: list[list[np.ndarray]] = []  # per epoch, per layer
        self.edges: list[np.ndarray] = []
        self.norms: list[list[float]] = []
        self._dirty = False
        self._build_ui()
        self._timer = QTimer(self)
        self._timer.setInterval(REDRAW_MS)
        self._timer.timeout.connect(self._redraw)
        self._timer.start()

    def _build_ui(self) -> None:
        self.layerCombo = QComboBox()
        self.layerCombo.setObjectName("histogramLayerCombo")
        self.layerCombo.currentIndexChanged.connect(lambda _i: self._mark())
        self.weightHistograms = pg.GraphicsLayoutWidget()
        self.weightHistograms.setObjectName("weightHistograms")
        self.weightHistograms.setBackground("w")
        self.weightHistograms.setMinimumSize(300, 220)
        self.latestPlot = self.weightHistograms.addPlot(row=0, col=0)
        _style(self.latestPlot, LATEST_TITLE)
        self.latestPlot.setLabel("bottom", "weight value")
        self.latestPlot.setLabel("left", "count")
        self._bars = pg.PlotDataItem(stepMode="center", fillLevel=0,
                                     brush=(70, 110, 190, 160), pen=pg.mkPen(40, 70, 150))
        self.latestPlot.addItem(self._bars)
        self.overTimePlot = self.weightHistograms.addPlot(row=0, col=1)
        _style(self.overTimePlot, "Over epochs (darker: more weights)")
        self.overTimePlot.setLabel("bottom", "epoch")
        whole_number_ticks(self.overTimePlot.getAxis("bottom"))
        self.overTimePlot.setLabel("left", "weight value")
        self._heat = pg.ImageItem()
        self._heat.setColorMap(pg.ColorMap([0.0, 1.0], [(255, 255, 255), (20, 40, 120)]))
        self.overTimePlot.addItem(self._heat)

        self.gradientNorms = pg.PlotWidget(background="w")
        self.gradientNorms.setObjectName("gradientNorms")
        self.gradientNorms.setMinimumSize(260, 200)
        gp = self.gradientNorms.getPlotItem()
        _style(gp, "Gradient norm per layer (one batch, log scale)")
        gp.setLogMode(y=True)
        gp.setLabel("bottom", "epoch")
        whole_number_ticks(gp.getAxis("bottom"))
        gp.addLegend(offset=(-5, 5), brush=(255, 255, 255, 200), labelTextColor="#333")
        self._curves: list[pg.PlotDataItem] = []
        self.empty = [EmptyState(plot) for plot in (self.latestPlot, self.overTimePlot, gp)]
        for state in self.empty:
            state.show(NO_STATS)
        self.note = QLabel(WAITING_NOTE)
        self.note.setWordWrap(True)
        self.note.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.note.setStyleSheet("color: palette(mid);")

        row = QHBoxLayout()
        row.addWidget(QLabel("Layer"))
        row.addWidget(self.layerCombo, 1)
        left = QVBoxLayout()
        left.addLayout(row)
        left.addWidget(self.weightHistograms, 1)
        right = QVBoxLayout()
        right.addWidget(self.gradientNorms, 1)
        right.addWidget(self.note)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(left, 3)
        layout.addLayout(right, 2)

    # ---- data in --------------------------------------------------------------------------

    def show_probe(self, name: str, epoch: int, payload: Any) -> None:
        """Keep a ``weight_stats`` payload (other probes are ignored); the timer draws it."""
        if name != "weight_stats" or payload is None:
            return
        if self.epochs and epoch == self.epochs[-1] and payload["layers"] == self.layers:
            self._drop_last()  # the epoch a Stop cut short, trained again by Continue: the
            # epochs before it stay (they once went with it, as if a new run had begun)
        elif (self.epochs and epoch < self.epochs[-1]) or payload["layers"] != self.layers:
            self.clear()  # a new run from scratch, or another network
            self.layers = list(payload["layers"])
            self.layerCombo.blockSignals(True)
            self.layerCombo.addItems(self.layers)
            self.layerCombo.blockSignals(False)
        self.note.setText(READING_NOTE)
        edges = list(payload["edges"])
        if self.counts:  # a Continue's probe bins anew (its edges from the weights then): the
            # epochs before it are counted again in its bins, or the heat map drew them
            # stretched to the new range
            self.counts = [[c if np.array_equal(old, new) else rebin(c, old, new)
                            for c, old, new in zip(kept, self.edges, edges, strict=True)]
                           for kept in self.counts]
        self.epochs.append(epoch)
        self.edges = edges
        self.counts.append(list(payload["counts"]))
        self.norms.append(list(payload["grad_norms"]))
        self._mark()

    def _drop_last(self) -> None:
        for kept in (self.epochs, self.counts, self.norms):
            kept.pop()

    def clear(self) -> None:
        """Forget every epoch (a new network or a run from scratch); the title and note say
        that nothing is shown, never another network's layer."""
        self.epochs, self.layers, self.counts, self.edges, self.norms = [], [], [], [], []
        self.note.setText(WAITING_NOTE)
        self.latestPlot.setTitle(LATEST_TITLE, color="#333", size="9pt")
        self.gradientNorms.getPlotItem().getAxis("left").setTicks(None)  # pyqtgraph's again
        self.layerCombo.blockSignals(True)
        self.layerCombo.clear()
        self.layerCombo.blockSignals(False)
        self._bars.setData([], [])
        self._heat.clear()
        for curve in self._curves:
            self.gradientNorms.getPlotItem().removeItem(curve)
        self._curves = []
        self.gradientNorms.getPlotItem().legend.clear()
        for state in self.empty:
            state.show(NO_STATS)

    def _mark(self) -> None:
        self._dirty = True

    # ---- drawing --------------------------------------------------------------------------

    def heat_image(self, layer: int) -> np.ndarray:
        """(epochs, bins) counts of one layer over the kept epochs (the heat map's image)."""
        return np.asarray([c[layer] for c in self.counts], dtype=np.float32)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        self._redraw()  # what arrived while another tab was in front
        super().showEvent(event)

    def _redraw(self) -> None:
        if not self._dirty or not self.counts or out_of_sight(self):
            return
        self._dirty = False
        for state in self.empty:
            state.hide()
        i = max(0, self.layerCombo.currentIndex())
        edges = self.edges[i]
        self._bars.setData(edges, self.counts[-1][i])
        self.latestPlot.setTitle(f"{self.layers[i]} weights · epoch {self.epochs[-1] + 1}",
                                 color="#333", size="9pt")
        # a column an epoch, each showing the last kept epoch at or before it: on small data
        # the probes keep a few epochs of many (1, 28, 40, … 100), which one column each
        # once drew at epochs 1 to 8
        columns, left, right = heat_columns(self.epochs)
        heat = self.heat_image(i)[columns]
        self._heat.setImage(np.log1p(heat), autoLevels=True)
        self._heat.setRect(QRectF(left, edges[0], right - left, edges[-1] - edges[0]))
        xs = np.asarray(self.epochs, float) + 1
        norms = np.asarray(self.norms, float)
        plot = self.gradientNorms.getPlotItem()
        while len(self._curves) < norms.shape[1]:
            n = len(self._curves)
            self._curves.append(plot.plot(pen=pg.mkPen(*PALETTE[n % len(PALETTE)], width=2),
                                          symbol="o", symbolSize=4,
                                          symbolBrush=PALETTE[n % len(PALETTE)],
                                          name=self.layers[n]))
        for n, curve in enumerate(self._curves):
            ys = norms[:, n]
            keep = np.isfinite(ys) & (ys > 0)  # log axis: zeros and NaN cannot be drawn
            curve.setData(xs[keep], ys[keep])
        shown = norms[np.isfinite(norms) & (norms > 0)]
        if shown.size:
            plot.getAxis("left").setTicks([[(math.log10(v), f"{v:g}")
                                            for v in log_ticks(shown.min(), shown.max())]])


def rebin(counts: np.ndarray, edges: np.ndarray, new_edges: np.ndarray) -> np.ndarray:
    """A histogram's ``counts`` over ``edges`` counted over ``new_edges``: each bin's count
    spread evenly over it; what falls outside the new range goes to the outer bins, as the
    probe counts values beyond its edges (none lost)."""
    cum = np.concatenate([[0.0], np.cumsum(np.asarray(counts, dtype=np.float64))])
    at = np.interp(np.asarray(new_edges, dtype=np.float64), edges, cum)  # clamps outside
    out = np.diff(at)
    out[0] += at[0]
    out[-1] += cum[-1] - at[-1]
    return out


MAX_HEAT_COLUMNS = 1000  # a longer run's heat map shares a column among several epochs


def heat_columns(epochs: list[int], most: int = MAX_HEAT_COLUMNS
                 ) -> tuple[np.ndarray, float, float]:
    """The heat map's columns over the epochs of a run whose weights were kept at ``epochs``
    (0-based, rising): for each column, the index of the kept epoch it shows (the last one
    within or before it, so the last column shows the last epoch), and the x range the
    columns span (epoch 1 is x 0.5 to 1.5)."""
    xs = np.asarray(epochs, dtype=float) + 1
    left, right = float(xs[0]) - 0.5, float(xs[-1]) + 0.5
    n = max(1, min(int(round(right - left)), most))
    ends = left + (np.arange(n) + 1.0) * (right - left) / n  # each column's right edge
    kept = np.searchsorted(xs, ends - 1e-9, side="right") - 1
    return np.clip(kept, 0, len(xs) - 1), left, right


def log_ticks(low: float, high: float) -> list[float]:
    """At least three readable tick values between ``low`` and ``high`` for a log axis, where
    pyqtgraph labels one value, or none, on a range under a decade: every digit or 1-2-5 over
    up to two decades, even steps on a narrow range, whole decades (at most 8) beyond."""
    first, last = math.floor(math.log10(low)), math.ceil(math.log10(high))
    if high > low * 120:  # beyond two decades
        step = max(1, math.ceil((last - first + 1) / 8))
        return [10.0 ** e for e in range(first, last + 1, step)]
    for digits in ((1, 2, 5), tuple(range(1, 10))):
        values = [float(f"{d}e{e}") for e in range(first, last + 1) for d in digits]
        inside = [v for v in values if low <= v <= high]
        if len(inside) >= 3:
            return inside
    if high <= low:
        return [low]
    base = 10.0 ** math.floor(math.log10(high - low))
    ticks: list[float] = []
    for step in (base, base / 2, base / 5, base / 10):  # the widest even step giving three
        ticks = [float(f"{k * step:.12g}")
                 for k in range(math.ceil(low / step), math.floor(high / step) + 1)]
        if len(ticks) >= 3:
            break
    return ticks
