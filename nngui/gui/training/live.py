"""Watch it learn: the decision boundary, the hidden space and the first layer's weights, live.

Each view draws only the arrays a probe sent (``show_probe``); probes run in the training
thread, so nothing here calls into a model. Arrivals are buffered and a timer redraws at most
10 times a second, so a fast toy run never floods the event loop.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from nngui.gui.common.axes import whole_number_ticks
from nngui.gui.common.empty_plot import EmptyState
from nngui.gui.common.sight import out_of_sight
from nngui.gui.common.style import PALETTE, boundary_rgb, class_brushes
from nngui.gui.training.confusion_view import ConfusionView
from nngui.gui.training.hidden_space import HiddenSpaceExtras
from nngui.gui.training.live_geometry import unit_lines, weight_mosaic
from nngui.gui.training.live_titles import (
    BOUNDARY_TITLE,
    DEAD_RELU_TEXT,
    LR_DERIVED_TIP,
    LR_DERIVED_TITLE,
    LR_TITLE,
    NO_HIDDEN_LAYER,
    NO_VIEWS_RECORDED,
    NOTHING_TO_SHOW,
    empty_reasons,
    flat_note,
    hidden_title,
    weights_title,
    when,
)
from nngui.gui.training.unit_maps import UnitMap, UnitMaps, unit_levels

REDRAW_MS = 100
SPACING_MS = 20  # between two views drawn after one another (see _redraw)

def _plot(name: str, title: str) -> pg.PlotWidget:
    plot = pg.PlotWidget(background="w")
    plot.setObjectName(name)
    item = plot.getPlotItem()
    item.setTitle(title, color="#333", size="9pt")
    item.setMenuEnabled(False)
    for axis in ("left", "bottom"):
        item.getAxis(axis).setPen(pg.mkPen(90, 90, 90))
        item.getAxis(axis).setTextPen(pg.mkPen(50, 50, 50))
    plot.setMinimumSize(220, 180)
    return plot


EMPTY_TICKS = [[(0.0, "0"), (1.0, "1")], []]  # an empty small plot's y axis: its ends


class LivePanel(QWidget):
    """The live views; ``show_probe(name, epoch, payload)`` takes what probes send."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._latest: dict[str, tuple[int, Any]] = {}
        self._frame: dict[str, tuple[int, Any]] | None = None  # a replayed epoch, shown instead
        self.blank = False  # show_blank: a chosen run recorded no views; none are drawn
        self._alone = False  # the frame shown is another run's: the latest views stay hidden
        self._drawn: dict[str, int] = {}
        self._lr: tuple[list[float], list[float]] = ([], [])
        self._build_ui()
        self._show_empty()
        self._timer = QTimer(self)
        self._timer.setInterval(REDRAW_MS)
        self._timer.timeout.connect(self._redraw)
        self._timer.start()

    def _build_ui(self) -> None:
        self.boundaryPlot = _plot("boundaryPlot", BOUNDARY_TITLE)
        bp = self.boundaryPlot.getPlotItem()
        self._image = pg.ImageItem()
        bp.addItem(self._image)
        self._lines = pg.PlotDataItem(pen=pg.mkPen(60, 60, 60, 160, width=1, style=Qt.PenStyle.DashLine),
                                      connect="pairs")
        bp.addItem(self._lines)
        self._unit_line = pg.PlotDataItem(pen=pg.mkPen(20, 20, 20, 230, width=3))
        bp.addItem(self._unit_line)  # the hovered first-layer unit's own line
        self._train_pts = pg.ScatterPlotItem(size=6, pen=pg.mkPen(20, 20, 20, 170), name="train")
        self._test_pts = pg.ScatterPlotItem(size=10, symbol="x", pen=pg.mkPen(255, 255, 255),
                                            name="test")
        # which mark is which, below the plot: a legend inside it sat on XOR's point (1, 0)
        self.boundaryKey = QLabel("● train   ✕ test")
        self.boundaryKey.setObjectName("boundaryKey")
        self.boundaryKey.setToolTip("Dots: the training samples, coloured by class; crosses: "
                                    "the test samples")
        bp.addItem(self._train_pts)
        bp.addItem(self._test_pts)
        cmap = pg.ColorMap([0.0, 0.5, 1.0], [PALETTE[0], (255, 255, 255), PALETTE[1]])
        self.probabilityBar = pg.ColorBarItem(values=(0, 1), colorMap=cmap, interactive=False,
                                              label="p(class 1)", width=12)
        self.probabilityBar.setImageItem(self._image, insert_in=bp)
        self.boundaryEmpty = EmptyState(bp)
        self.unitLinesCheck = QCheckBox("First-layer lines w·x+b=0")
        self.unitLinesCheck.setObjectName("unitLinesCheck")
        self.unitLinesCheck.setChecked(True)
        self.unitLinesCheck.toggled.connect(lambda _on: self._mark("boundary"))
        self.unitMaps = UnitMaps()
        self.unitMaps.unitHovered.connect(self._on_unit_hovered)
        self._unit: UnitMap | None = None  # the hovered unit whose map the plot shows
        self._boundary: dict | None = None  # the boundary payload drawn last
        self.unitMapCaption = QLabel("")
        self.unitMapCaption.setObjectName("unitMapCaption")
        self.unitMapCaption.setStyleSheet("color: palette(mid);")
        # a long caption must not widen the column (and squeeze the plots beside it): it
        # wraps instead (beside the Lessons dock one line was cut at 'to see its')
        self.unitMapCaption.setSizePolicy(QSizePolicy.Policy.Ignored,
                                          QSizePolicy.Policy.Preferred)
        self.unitMapCaption.setWordWrap(True)

        self.weightImages = pg.GraphicsLayoutWidget()
        self.weightImages.setObjectName("weightImages")
        self.weightImages.setBackground("w")
        self._wview = self.weightImages.addViewBox(lockAspect=True, invertY=True)
        self._wimage = pg.ImageItem()
        self._wview.addItem(self._wimage)
        self._wimage.setColorMap(pg.ColorMap([0.0, 0.5, 1.0],
                                             [(40, 90, 200), (255, 255, 255), (200, 40, 40)]))
        self.weightsTitle = QLabel(weights_title(None, None))
        self.weightsTitle.setWordWrap(True)
        weights = QWidget()
        wl = QVBoxLayout(weights)
        wl.setContentsMargins(0, 0, 0, 0)
        wl.addWidget(self.weightsTitle)
        wl.addWidget(self.weightImages, 1)
        boundary = QWidget()
        bl = QVBoxLayout(boundary)
        bl.setContentsMargins(0, 0, 0, 0)
        plots = QHBoxLayout()
        plots.addWidget(self.unitMaps)
        plots.addWidget(self.boundaryPlot, 1)
        bl.addLayout(plots, 1)
        below = QHBoxLayout()
        below.addWidget(self.boundaryKey)
        below.addWidget(self.unitLinesCheck)
        below.addWidget(self.unitMapCaption, 1)
        bl.addLayout(below)
        self.firstView = QStackedWidget()  # the boundary for 2-D data, the weights for images
        self.firstView.addWidget(boundary)
        self.firstView.addWidget(weights)

        self.hiddenSpacePlot = _plot("hiddenSpacePlot", hidden_title(None, None))
        self._hidden_pts = pg.ScatterPlotItem(size=5, pen=None)
        self.hiddenSpacePlot.getPlotItem().addItem(self._hidden_pts)
        self.hiddenExtras = HiddenSpaceExtras(self.hiddenSpacePlot)  # its line and caption
        self.hiddenEmpty = EmptyState(self.hiddenSpacePlot.getPlotItem())
        self.lrPlot = _plot("lrPlot", LR_TITLE)
        self.lrPlot.setMinimumSize(160, 120)
        self.lrPlot.getPlotItem().setLabel("bottom", "epoch")
        whole_number_ticks(self.lrPlot.getPlotItem().getAxis("bottom"))
        self._lr_curve = self.lrPlot.getPlotItem().plot(pen=pg.mkPen(120, 60, 160, width=2),
                                                        symbol="o", symbolSize=4)
        self.lrEmpty = EmptyState(self.lrPlot.getPlotItem())
        self.deadReluLabel = QLabel(DEAD_RELU_TEXT)
        self.deadReluLabel.setObjectName("deadReluLabel")
        self.deadReluLabel.setWordWrap(True)
        # shown after an XOR (3-input) classifier's run too: it says what each data gets,
        # never "Train a classifier" to a student who just did
        self.hint = QLabel("A classifier on 2-D data shows its boundary here, on 784-pixel "
                           "images its first-layer weights; both show the last hidden layer.")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: palette(mid);")

        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.firstView, 0, 0, 2, 1)
        hidden = QVBoxLayout()
        hidden.addWidget(self.hiddenSpacePlot, 1)
        hidden.addWidget(self.hiddenExtras.captionLabel)
        grid.addLayout(hidden, 0, 1, 2, 1)
        grid.addWidget(self.lrPlot, 0, 2)
        self.confusionView = ConfusionView()
        self.confusionEmpty = EmptyState(self.confusionView.getPlotItem())
        side = QVBoxLayout()
        side.addWidget(self.confusionView, 1)
        side.addWidget(self.deadReluLabel)
        grid.addLayout(side, 1, 2)
        # the hint across the whole panel, under the views: in the right column its four
        # lines squeezed the confusion plot to 90 px at 1024x700 (its tick labels overlapped)
        # and its last line was cut at the panel's bottom
        grid.addWidget(self.hint, 2, 0, 1, 3)
        grid.setRowStretch(0, 1)
        grid.setRowStretch(1, 1)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 3)
        grid.setColumnStretch(2, 2)

    # ---- data in --------------------------------------------------------------------------

    def show_probe(self, name: str, epoch: int, payload: Any) -> None:
        """Keep a probe's latest arrays; the timer draws them.

        An epoch before one already shown starts a new run from scratch (Train from scratch,
        a sweep's next setting): what the older run showed is forgotten first.
        """
        if any(epoch < shown for shown, _ in self._latest.values()):
            self.clear()
        if name == "learning_rate" and payload is not None:
            xs, ys = self._lr
            if xs and epoch + 1 == xs[-1]:  # the epoch a Stop cut short, trained again by
                xs.pop()  # Continue: its rate once, the epochs before it kept
                ys.pop()
            elif xs and epoch + 1 < xs[-1]:  # a new run from scratch
                xs.clear()
                ys.clear()
            xs.append(epoch + 1.0)
            ys.append(float(payload["lr"]))
        self._latest[name] = (epoch, payload)

    def show_frame(self, epoch: int, payloads: dict[str, Any] | None,
                   alone: bool = False) -> None:
        """Show a replayed epoch's ``payloads`` (name → payload, as the probes sent them)
        instead of the latest ones; None goes back to the latest (live) ones. ``alone``: the
        frame is another run's than the latest views', so a view it lacks (XOR's boundary,
        the learning rate) is drawn empty, not as the latest run left it."""
        alone = alone and payloads is not None
        if self.blank or alone or self._alone:  # every view drawn again
            if alone:
                self._empty_views()  # the latest run's views go; the frame's come
            self.blank = False
            self._drawn.clear()
        for name in {*(self._frame or {}), *(payloads or {})}:
            self._drawn.pop(name, None)  # drawn again, whatever ids the new payloads have
        self._alone = alone
        self._frame = None if payloads is None else {
            name: (epoch, payload) for name, payload in payloads.items()}
        self._redraw(every=True)

    def is_empty(self) -> bool:
        """No view of the model sent since the last ``clear`` (a new network, or one opened,
        not trained); an opened session's learning rates (its history) may be shown."""
        return not self._latest.keys() - {"learning_rate"}

    def clear(self) -> None:
        """Forget what was shown (a new network, a run from scratch): every view empty and
        every title and note back to saying so."""
        self._latest.clear()
        self._lr = ([], [])
        self.blank = self._alone = False
        self._empty_views()

    def show_blank(self) -> None:
        """Show none of the latest views, keeping them: a run chosen in the run list that
        recorded none (stopped before its first epoch, or from a file without replays) must
        not show the views of the run that sent them. ``show_frame`` shows them again."""
        self.blank, self._alone = True, False
        self._empty_views()

    def _empty_views(self) -> None:
        """Every view drawn empty, its title and note saying so (``empty_reasons``)."""
        self._frame = None
        self._drawn.clear()
        for item in (self._train_pts, self._test_pts, self._hidden_pts):
            item.clear()
        self._lines.setData([], [])
        self._boundary = None
        self.firstView.setCurrentIndex(0)  # the boundary's plot says why it is empty, not
        # the last 784-input network's weight mosaic, blank under its title
        self.unitMaps.clear()  # a hovered tile: says so (no unit hovered now)
        self._unit = None
        self._paint()  # the boundary plot, its bar and the caption with nothing to draw
        self._lr_curve.setData([], [])
        self.lrPlot.getPlotItem().setTitle(LR_TITLE, color="#333", size="9pt")
        self.lrPlot.setToolTip("")
        self._wimage.clear()
        self.hiddenExtras.clear()
        self.hiddenSpacePlot.getPlotItem().setTitle(hidden_title(None, None), color="#333",
                                                    size="9pt")
        self.weightsTitle.setText(weights_title(None, None))
        self.deadReluLabel.setText(DEAD_RELU_TEXT)
        self.confusionView.clear_matrix()
        self.hint.setVisible(True)
        self._show_empty()

    def _mark(self, name: str) -> None:
        self._drawn.pop(name, None)

    # ---- drawing --------------------------------------------------------------------------

    def showEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        self._redraw(every=True)  # what arrived while another tab was in front
        super().showEvent(event)

    def _redraw(self, every: bool = False) -> None:
        """Draw the latest arrays not drawn yet: one view a turn, unless ``every``.

        An epoch's end brings several at once (boundary or weights, hidden space, dead ReLU
        units, learning rate); drawn together, their setData and then their plots' paints
        held the event loop 40-60 ms. One at a time, ``SPACING_MS`` apart, each draw and
        its paint get turns of their own.
        """
        if out_of_sight(self):
            return
        shown = self._shown()
        pending = [(name, epoch, payload) for name, (epoch, payload) in shown.items()
                   if (payload is not None or name in NOTHING_TO_SHOW)
                   and self._drawn.get(name) != id(payload)]
        for name, epoch, payload in pending if every else pending[:1]:
            self._drawn[name] = id(payload)
            draw = getattr(self, f"_draw_{name}", None)
            if draw is not None:
                draw(epoch, payload)
        # the views explain themselves once the first one (boundary or weights) shows
        # something; until then (XOR's 3 inputs: neither) the hint says which data gets which
        self.hint.setVisible(not any(name in self._drawn for name in ("boundary", "weights")))
        self._show_empty()
        if not every and len(pending) > 1:
            QTimer.singleShot(SPACING_MS, self, self._redraw)

    def empty_reasons(self) -> dict[str, str]:
        """What the boundary, hidden-space, learning-rate and confusion plots say while they
        have nothing to draw ("" where they have): derived from what arrived since the last
        clear (``live_titles.empty_reasons``)."""
        if self.blank:
            return dict.fromkeys(("boundary", "hidden", "learning_rate", "confusion"),
                                 NO_VIEWS_RECORDED)
        sent = self._shown()
        drawn = {"boundary": self._boundary is not None,
                 "learning_rate": "learning_rate" in sent if self._alone
                 else bool(self._lr[0]),
                 "confusion": self.confusionView.matrix is not None}
        return empty_reasons(sent, drawn)

    def _shown(self) -> dict[str, tuple[int, Any]]:
        """The payloads the views show: the latest, a replayed frame over them, or another
        run's frame alone (with the latest learning rates only where it brings none: a file
        from before runs kept theirs)."""
        if self.blank:
            return {}
        if self._frame is None:
            return self._latest
        if self._alone:
            rates = {k: v for k, v in self._latest.items() if k == "learning_rate"}
            return {**rates, **self._frame}
        return {**self._latest, **self._frame}

    def _show_empty(self) -> None:
        """Each empty plot says why (``empty_reasons``) on plain axes, not the last run's."""
        reasons = self.empty_reasons()
        for name, state in (("boundary", self.boundaryEmpty), ("hidden", self.hiddenEmpty),
                            ("learning_rate", self.lrEmpty),
                            ("confusion", self.confusionEmpty)):
            reason = reasons[name]
            if reason and reason != state.reason:
                state.show(reason)
        if self.lrEmpty.reason:  # its 0..1 in ~50 px beside the dock: six labels on top of
            # each other; the ends say it all
            self.lrPlot.getPlotItem().getAxis("left").setTicks(EMPTY_TICKS)

    def _draw_boundary(self, epoch: int, p: dict) -> None:
        self.firstView.setCurrentIndex(0)
        self._boundary = {**p, "epoch": epoch}
        xs, ys = p["xs"], p["ys"]
        for item, x, y in ((self._train_pts, p["x_train"], p["y_train"]),
                           (self._test_pts, p["x_test"], p["y_test"])):
            item.setData(x=x[:, 0], y=x[:, 1], brush=class_brushes(y))
        units = p.get("units")
        if units is not None and self.unitLinesCheck.isChecked():
            lx, ly = unit_lines(units[0], units[1], xs, ys)
            self._lines.setData(lx, ly)
        else:
            self._lines.setData([], [])
        self.boundaryEmpty.hide(auto_range=False)
        # Python floats: float32 ends made pyqtgraph cast its float64 limits down (overflow)
        self.boundaryPlot.getPlotItem().setRange(xRange=(float(xs[0]), float(xs[-1])),
                                                 yRange=(float(ys[0]), float(ys[-1])),
                                                 padding=0)
        self.unitMaps.set_maps(p.get("unit_maps") or [])  # may say the hovered unit changed
        self._paint()

    def _on_unit_hovered(self, unit: UnitMap | None) -> None:
        self._unit = unit
        self._paint()

    def _paint(self) -> None:
        """The image: the hovered unit's activation, else the output (the boundary)."""
        p = self._boundary
        if p is None:  # nothing drawn since the last clear: say nothing about any network
            self._image.clear()
            self._unit_line.setData([], [])
            self.probabilityBar.setLevels((0, 1))
            self.probabilityBar.getAxis("left").setLabel("p(class 1)")
            self.probabilityBar.setVisible(True)
            self.boundaryPlot.getPlotItem().setTitle(BOUNDARY_TITLE, color="#333", size="9pt")
            self.unitMapCaption.setText("")
            self.unitMapCaption.setToolTip("")
            return
        xs, ys, classes, prob = p["xs"], p["ys"], p["classes"], p["prob"]
        unit = self._unit
        binary = int(classes.max(initial=0)) <= 1 and int(p["y_train"].max(initial=0)) <= 1
        bar = self.probabilityBar.getAxis("left")
        flat = ""
        if unit is not None:
            levels = unit_levels(unit.values)
            self._image.setImage(unit.values.T, autoLevels=False, levels=levels)
            self.probabilityBar.setLevels(levels)
            bar.setLabel(f"{unit.title} output")
        elif binary:  # p(class 1) through the bar's colour map
            p1 = np.where(classes == 1, prob, 1.0 - prob)
            flat = flat_note(p1)
            self._image.setImage(p1.T, autoLevels=False, levels=(0, 1))
            self.probabilityBar.setLevels((0, 1))
            bar.setLabel("p(class 1)")
        else:
            self._image.setImage(boundary_rgb(classes, prob).transpose(1, 0, 2),
                                 autoLevels=False, levels=(0, 255))
        self.probabilityBar.setVisible(binary or unit is not None)
        self._image.setRect(QRectF(xs[0], ys[0], xs[-1] - xs[0], ys[-1] - ys[0]))
        units = p.get("units")
        if unit is not None and unit.layer == 1 and units is not None:
            k = unit.unit - 1
            self._unit_line.setData(*unit_lines(units[0][:, k:k + 1], units[1][k:k + 1], xs, ys))
        else:
            self._unit_line.setData([], [])
        what = (f"{unit.title[0].upper()}{unit.title[1:]}: its activation"
                if unit is not None else "Decision boundary")
        self.boundaryPlot.getPlotItem().setTitle(f"{what} · {when(p['epoch'], p)}{flat}",
                                                 color="#333", size="9pt")
        if unit is not None:
            line = unit.layer == 1 and units is not None
            self.unitMapCaption.setText(f"{unit.title}{' (bold: its line)' if line else ''}")
            self.unitMapCaption.setToolTip(f"The plot shows {unit.title}'s output over the plane "
                                           "(blue < 0 < orange)" + (", its line w·x+b=0 in "
                                                                    "bold" if line else ""))
        else:
            self.unitMapCaption.setText("Hover a unit's tile to see its activation here."
                                        if self.unitMaps.tiles else "")

    def _draw_hidden(self, epoch: int, p: dict | None) -> None:
        if p is None:  # no hidden layer (a perceptron): no points, and the title says so
            self._hidden_pts.clear()
            self.hiddenEmpty.show(NO_HIDDEN_LAYER)
        else:
            self.hiddenEmpty.hide()  # before the extras set a range of their own
            c = p["coords"]
            self._hidden_pts.setData(x=c[:, 0], y=c[:, 1], brush=class_brushes(p["labels"], 170))
        self.hiddenExtras.show(p)
        self.hiddenSpacePlot.getPlotItem().setTitle(hidden_title(epoch, p), color="#333",
                                                    size="9pt")

    def _draw_weights(self, epoch: int, p: dict | None) -> None:
        self.firstView.setCurrentIndex(1)
        if p is None:  # the first Dense layer does not read the pixels (a CNN)
            self._wimage.clear()
        else:
            self._wimage.setImage(weight_mosaic(p["images"]).T, autoLevels=False,
                                  levels=(-1, 1))
        self.weightsTitle.setText(weights_title(epoch, p))

    def _draw_confusion(self, epoch: int, p: dict) -> None:
        self.confusionEmpty.hide(auto_range=False)  # the matrix sets its own range
        self.confusionView.show_matrix(epoch, p["matrix"])

    def _draw_dead_relu(self, epoch: int, p: dict) -> None:
        rows = p["layers"]
        if not rows:
            self.deadReluLabel.setText("Dead ReLU units: no ReLU layers.")
            return
        self.deadReluLabel.setText("Dead ReLU units (never fire on the probe samples): " +
                                   ", ".join(f"{n} {d}/{t}" for n, d, t in rows))

    def _draw_learning_rate(self, epoch: int, p: dict) -> None:
        xs, ys = p.get("curve", self._lr)  # another run's replay brings its own
        ys = np.asarray(ys)
        self.lrEmpty.hide()
        self.lrPlot.getPlotItem().getAxis("left").setTicks(None)  # pyqtgraph's again
        derived = bool(p.get("derived"))
        self.lrPlot.getPlotItem().setTitle(LR_DERIVED_TITLE if derived else LR_TITLE,
                                           color="#333", size="9pt")
        self.lrPlot.setToolTip(LR_DERIVED_TIP if derived else "")
        self._lr_curve.setData(np.asarray(xs), ys)
        # from 0 to above the highest rate: a constant rate is a level line at its value (on
        # pyqtgraph's auto range, 0.001 sat at the centre of a -0.4..0.5 axis, read as 0)
        top = float(np.nanmax(ys)) if ys.size and np.isfinite(ys).any() else 0.0
        if top > 0:
            self.lrPlot.getPlotItem().setYRange(0.0, 1.2 * top, padding=0)
