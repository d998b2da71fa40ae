"""The Train tab's two plots: the loss (batch and epoch curves) and the per-epoch metric.

``TrainingCurves`` keeps the batch losses and the per-epoch history as they arrive
(``add_batches``, ``add_epoch``, ``load_history``) and draws them on ``redraw``; the panel that
runs the job decides when. The epoch curves are drawn from one aligned history, each value at
its ``history["epoch"]`` position (``core.training.history.epoch_points``), as the Watch tab's
views place them; the metric plot's y range is derived from its points (a percentage stays in
0..100). Each curve is one PlotDataItem (``setData``). The plots, and pyqtgraph (~0.2 s to
import), are made by ``build_plots()`` or on first use, so the window paints first.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from nngui.core.network.spec import NetworkSpec
from nngui.core.training.history import NOT_MEASURED, aligned, append_entry, epoch_points
from nngui.core.training.observer import RunInfo
from nngui.gui.common.axes import end_labels_shown
from nngui.gui.common.sight import out_of_sight

if TYPE_CHECKING:
    import pyqtgraph as pg

SPACING_MS = 20  # the metric plot's turn after the loss plot's at an epoch's end
TRAIN_COLOR = (31, 119, 180)  # "train" in both plots
BATCH_COLOR = (150, 190, 225)  # the batch curves: a paler tint of the same blue
VAL_COLOR = (230, 120, 20)  # "validation" in both plots
METRIC_LABELS = {"accuracy": "accuracy (%)", "mae": "mean absolute error",
                 "mse": "mean squared error"}
# the metric plot's title: short, so that it fits a 160 px plot beside the lesson dock (the
# axis says the whole name; "Mean absolute error" was cut at the plot's right edge)
METRIC_TITLES = {"accuracy": "Accuracy", "mae": "Error (MAE)", "mse": "Error (MSE)"}
EMPTY_EPOCHS = 5  # the epoch axis of an empty plot, until a run says how many
TICK_PX = 36  # at least this many pixels between two epoch labels
MIN_PERCENT_SPAN = 5.0  # the accuracy axis spans at least this many points
MIN_SPAN_SHARE = 0.1  # any other metric's axis at least this share of its values' size
SYMBOL_PX = 5  # an epoch curve marks its points while they are this many pixels apart
MARK_PX = 7  # an epoch's mark


def metric_range(values, percent: bool) -> tuple[float, float]:
    """The metric plot's y range for its (drawn, so scaled) values.

    Derived, never left to pyqtgraph's auto range: that kept the span of the view before
    (0..100) around a single point or equal values, so the first epoch's 97 % showed an axis
    from 47 to 147 %. The range holds every value with a small margin, is at least
    ``MIN_PERCENT_SPAN`` points tall, and a percentage stays within 0..100.
    """
    finite = [float(v) for v in values if math.isfinite(v)]
    if not finite:
        return (0.0, 100.0) if percent else (0.0, 1.0)
    lo, hi = min(finite), max(finite)
    least = MIN_PERCENT_SPAN if percent else max(abs(lo), abs(hi), 1e-6) * MIN_SPAN_SHARE
    if hi - lo < least:
        mid = (lo + hi) / 2
        lo, hi = mid - least / 2, mid + least / 2
    pad = 0.05 * (hi - lo)
    lo, hi = lo - pad, hi + pad
    if percent:  # slide the window into 0..100, then cut what still sticks out
        lo, hi = lo - max(0.0, hi - 100.0), hi + max(0.0, -lo)
        lo, hi = max(lo, 0.0), min(hi, 100.0)
    elif min(finite) >= 0:  # an error (mae, mse) is never negative
        lo = max(lo, 0.0)
    return lo, hi


def _view_width(plot) -> float:
    """The pixels a plot's data area is wide (its view box; before it is laid out, the
    widget less its axis)."""
    width = plot.getPlotItem().getViewBox().width()
    return width if width > 1 else plot.width() - 60


def metric_for(spec: NetworkSpec | None) -> str:
    """The per-epoch metric Keras reports for ``spec`` (core.model.builder.make_metrics' names)."""
    if spec is not None and spec.kind in ("regressor", "autoencoder"):
        return "mae"
    return "accuracy"


def epoch_tick_step(last_epoch: float, width_px: int) -> int:
    """Whole-epoch tick spacing (1, 2, 5, 10, 20, …) whose labels never run together."""
    room = max(2, int(width_px) // TICK_PX)
    step = 1
    while max(1.0, last_epoch) / step > room:
        for factor in (2, 5, 10):
            if max(1.0, last_epoch) / (step * factor) <= room or factor == 10:
                step *= factor
                break
    return step


def _key(text: str, color: tuple[int, int, int], mark: str) -> str:
    r, g, b = color
    return f"<span style='color:#{r:02x}{g:02x}{b:02x}'>{mark} {text}</span>"


def _plot_key(validation: bool) -> str:
    """The key above both plots; without validation it says so, in grey (an orange key with
    no orange curve made a student look for one)."""
    val = _key("validation", VAL_COLOR, "■") if validation else \
        _key("no validation", (150, 150, 150), "□")
    return "&nbsp; ".join((_key("batch loss", BATCH_COLOR, "━"), _key("train", TRAIN_COLOR, "●"),
                           val))


NO_VALIDATION_TIP = ("This run holds out no validation samples: set a validation split under "
                     "Training to see how the network does on data it does not train on.")


def _make_plot(name: str, ylabel: str) -> pg.PlotWidget:
    import pyqtgraph as pg

    # No in-plot legend (it covered the curves): the title carries a coloured key.
    plot = pg.PlotWidget(background="w")
    plot.setObjectName(name)
    item = plot.getPlotItem()
    for axis in ("left", "bottom"):
        ax = item.getAxis(axis)
        ax.setPen(pg.mkPen(90, 90, 90))
        ax.setTextPen(pg.mkPen(50, 50, 50))
        ax.enableAutoSIPrefix(False)  # never "accuracy (x0.001)"
    item.setLabel("bottom", "epoch")
    item.setLabel("left", ylabel)
    item.showGrid(x=True, y=True, alpha=0.15)
    end_labels_shown(item.getAxis("left"))  # 0 % and 100 %: the scale's ends are read
    item.setMenuEnabled(False)
    plot.setMinimumSize(160, 140)  # two fit beside the builder in a 1024 px window
    return plot


def _epoch_curve(plot: pg.PlotItem, name: str, color: tuple[int, int, int], symbol: str,
                 width: float = 2.0) -> pg.PlotDataItem:
    import pyqtgraph as pg

    item = plot.plot(pen=pg.mkPen(*color, width=width), symbol=symbol, symbolSize=MARK_PX,
                     symbolBrush=color, symbolPen=None, name=name)
    item._nngui_symbol = symbol  # its mark while its points are apart (see dense())
    return item


def dense(points: int, width_px: int) -> bool:
    """Whether ``points`` epochs are too many to mark one by one in a plot ``width_px`` wide:
    a thousand overlapping 7 px marks are one smear, and each took its share of a paint
    (a 1,000-epoch session: ~12 ms of the loss plot's paint)."""
    return points > max(width_px, 1) / SYMBOL_PX



class _Plot:
    """``curves.lossPlot`` / ``curves.accuracyPlot``: both plots are made on first access.

    A non-data descriptor: ``build_plots`` stores the widgets on the instance, which Python
    then finds first.
    """

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, curves: Any, owner: type | None = None) -> Any:
        if curves is None:
            return self
        curves.build_plots()
        return curves.__dict__[self.name]


class TrainingCurves(QWidget):
    """The key above both plots, the loss plot and the accuracy (or other metric) plot.

    Until ``build_plots()`` (or the first use of a plot) the points are only collected.
    """

    lossPlot = _Plot()
    accuracyPlot = _Plot()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._planned_metric = "accuracy"  # what the next run reports, from its spec
        self._planned_end = EMPTY_EPOCHS  # the last epoch the x axis should show
        self._val_planned: bool | None = None  # the run to come holds samples out (None: ?)
        self._log_y = False
        self._metric_late = False  # the metric plot waits for its turn (see ``redraw``)
        self._metric = ""  # what the metric plot's axis and title name now
        self._beta = 0.0
        self._steps_per_epoch = 1
        # One key for both plots, above them: a legend inside a plot covered the curves, and
        # one in a title made a narrow plot wider than its view (clipped at 1024 px).
        self.plotKey = QLabel(_plot_key(True))
        self.plotKey.setObjectName("plotKey")
        self.plotKey.setWordWrap(True)
        self.plotArea = QWidget(objectName="trainingPlotArea")  # the plots' place, kept
        self.plotArea.setMinimumSize(2 * 160 + 6, 140)  # before they exist (_make_plot)
        plots = QHBoxLayout(self.plotArea)
        plots.setContentsMargins(0, 0, 0, 0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plotKey)
        layout.addWidget(self.plotArea, 1)
        self.clear()

    # ---- the plots ----------------------------------------------------------------------

    def plots_ready(self) -> bool:
        """Whether the loss and accuracy plots exist."""
        return "lossPlot" in self.__dict__

    def build_plots(self) -> None:
        """Make the loss and accuracy plots and draw what was collected (once)."""
        if self.plots_ready():
            return
        loss, accuracy = _make_plot("lossPlot", "loss"), _make_plot("accuracyPlot", "accuracy")
        loss.getPlotItem().setTitle("Loss", color="#333", size="10pt")
        loss.getPlotItem().setLogMode(y=self._log_y)
        self.plotArea.layout().addWidget(loss, 1)
        self.plotArea.layout().addWidget(accuracy, 1)
        self.lossPlot, self.accuracyPlot = loss, accuracy
        self._make_curves()
        for plot in (loss, accuracy):  # a dock opened beside them: the pads are in pixels
            plot.getPlotItem().getViewBox().sigResized.connect(self._on_view_resized)
        self._metric = ""  # label and range the new plots
        self._empty = None
        self._metric_range: tuple[float, float] | None = None
        self._tick_step = 0
        self._dirty = True
        self.redraw()

    def _make_curves(self) -> None:
        import pyqtgraph as pg

        loss = self.lossPlot.getPlotItem()
        self._raw = loss.plot(pen=pg.mkPen(*BATCH_COLOR, 90, width=1), name="batch loss")
        self._smooth = loss.plot(pen=pg.mkPen(*BATCH_COLOR, width=2.5),
                                 name="batch loss, smoothed")
        for item in (self._raw, self._smooth):
            item.setDownsampling(auto=True, method="peak")
            item.setClipToView(True)
        self._epoch_loss = _epoch_curve(loss, "train loss (epoch)", TRAIN_COLOR, "o")
        self._val_loss = _epoch_curve(loss, "validation loss", VAL_COLOR, "s")
        acc = self.accuracyPlot.getPlotItem()
        self._train_metric = _epoch_curve(acc, "train", TRAIN_COLOR, "o")
        self._val_metric = _epoch_curve(acc, "validation", VAL_COLOR, "s")

    def set_log_scale(self, on: bool) -> None:
        """Show the loss on a logarithmic axis (or a linear one)."""
        self._log_y = bool(on)
        if not self.plots_ready():
            return
        self.lossPlot.getPlotItem().setLogMode(y=self._log_y)
        self._empty = None
        self._dirty = True
        self.redraw()

    # ---- the points ---------------------------------------------------------------------

    def clear(self) -> None:
        """Forget all curves (a fresh model)."""
        self._bx: list[float] = []
        self._by: list[float] = []
        self._bs: list[float] = []
        self._ema = 0.0
        self._ema_n = 0
        self._history: dict[str, list[float]] = {}  # aligned: one value per entry of "epoch"
        self._tick_step = 0  # (the metric's axis label stays: derived again at the redraw,
        self._empty: bool | None = None  # and set only when it differs: ~5 ms of a clear)
        self._metric_range: tuple[float, float] | None = None
        self._val_expected: bool | None = None  # the run going holds samples out (None: no run)
        self._dirty = True
        self._show_key()
        self.redraw()

    def plan(self, spec: NetworkSpec | None, last_epoch: int = EMPTY_EPOCHS) -> None:
        """The next curves come from ``spec``'s run: the empty plots are titled for what it
        reports (accuracy for a classifier, mean absolute error for an autoencoder or
        regressor) and the epoch axis runs to ``last_epoch``."""
        self._planned_metric = metric_for(spec)
        self._planned_end = last_epoch

    def plan_end(self, last_epoch: int, validation: bool | None = None) -> None:
        """The epoch axis of empty plots runs to ``last_epoch`` (the run to come's), and
        their key names validation if that run has a split (None: not known)."""
        self._planned_end = last_epoch
        self._val_planned = validation
        self._show_key()
        if self.plots_ready() and self._empty:
            self._set_ranges()

    def begin(self, info: RunInfo) -> None:
        """A run has begun: its batches are smoothed for its length, its epochs set the axis.

        A run that trains a stopped epoch again from its start leaves that stopped part's
        batch losses out: the batch curve never runs back over them.
        """
        points_per_epoch = max(1, math.ceil(info.steps_per_epoch / info.steps_per_execution))
        window = min(50.0, max(3.0, points_per_epoch / 8))
        self._beta = 1.0 - 1.0 / window
        keep = sum(1 for x in self._bx if x <= info.initial_epoch)
        if keep < len(self._bx):
            del self._bx[keep:], self._by[keep:], self._bs[keep:]
            last = next((v for v in reversed(self._bs) if math.isfinite(v)), None)
            # the smoothing goes on from the last kept point (its bias is long corrected)
            self._ema, self._ema_n = (0.0, 0) if last is None else (last, 10**6)
        self._steps_per_epoch = info.steps_per_epoch
        self._planned_end = info.initial_epoch + info.epochs
        self._val_expected = info.n_val > 0
        self._show_key()
        self._tick_step = 0  # the axis end moved: re-space the ticks
        self._dirty = True

    def add_batches(self, epoch: int, points: list) -> None:
        """Batch losses ``points`` [(global step, loss), …] of ``epoch`` (0-based)."""
        spe = self._steps_per_epoch
        beta = self._beta
        # With several steps per compiled call Keras may number the last chunk's batch past
        # the end of the epoch; the bundle's epoch says where the points really belong.
        end = epoch + 1.0
        for gstep, loss in points:
            self._bx.append(min(gstep / spe, end))
            value = float(loss) if math.isfinite(loss) else math.nan
            self._by.append(value)
            if math.isfinite(value):
                self._ema_n += 1
                self._ema = beta * self._ema + (1 - beta) * value
            self._bs.append(self._ema / (1 - beta ** self._ema_n) if self._ema_n else math.nan)
        self._dirty = True

    def add_epoch(self, epoch: int, logs: dict) -> None:
        """One epoch's logs (loss, metric, their validation values) at its end: an entry of
        the history, at ``logs["epoch"]`` (a stopped epoch sits where it ended)."""
        append_entry(self._history, {**logs, "epoch": logs.get("epoch", epoch + 1.0)})
        self._dirty = True

    def load_history(self, history: dict[str, list[float]]) -> None:
        """A session's per-epoch history (an opened project, an earlier run) as epoch curves:
        drawn as the live run drew them (a stopped part's missing validation is no gap)."""
        self._history = aligned(history)
        self._val_expected = None  # what it holds says, until a run begins
        self._dirty = True
        self._show_key()
        self.redraw()

    def _show_key(self) -> None:
        """The key says "validation" when there is, or the run going or to come has, one."""
        vals = [v for v in self._history.get("val_loss", []) if math.isfinite(v)]
        if vals:
            validation = True
        elif self._val_expected is not None:
            validation = self._val_expected
        elif self._history.get("loss"):
            validation = False  # a history without validation
        else:  # nothing trained: as the run to come is set up
            validation = self._val_planned is not False
        text = _plot_key(validation)
        if self.plotKey.text() != text:
            self.plotKey.setText(text)
            self.plotKey.setToolTip("" if validation else NO_VALIDATION_TIP)

    # ---- drawing ------------------------------------------------------------------------

    def showEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        self.redraw()  # what arrived while another tab was shown
        super().showEvent(event)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        super().resizeEvent(event)
        self._tick_step = 0  # re-space the epoch labels for the new width
        self._dirty = True
        self.redraw()

    def redraw(self, live: bool = False) -> None:
        """Draw what changed since the last redraw; out of sight it waits for the showEvent.

        ``live`` (a run is going): when an epoch ended, the metric plot is drawn in the next
        turn, not on top of the loss plot's paint; a redraw that is not live (the run ended)
        draws such a late metric plot at once.
        """
        if not self.plots_ready() or out_of_sight(self):  # drawn when made, or shown
            return
        if not self._dirty:
            if self._metric_late and not live:
                self._draw_metric()
            return
        self._dirty = False
        if self._bx:
            x = np.asarray(self._bx, dtype=float)
            self._raw.setData(x, np.asarray(self._by, dtype=float), connect="finite")
            self._smooth.setData(x, np.asarray(self._bs, dtype=float), connect="finite")
        else:
            self._raw.setData([], [])
            self._smooth.setData([], [])
        loss_moved = self._set_curve(self._epoch_loss, "loss")
        loss_moved |= self._set_curve(self._val_loss, "val_loss")
        if loss_moved and live:
            # an epoch ended: the accuracy plot's new points (and its paint, ~10 ms) come in
            # the next turn, not on top of the loss plot's
            self._metric_late = True
            QTimer.singleShot(SPACING_MS, self, self._draw_metric)
        else:
            self._draw_metric()
        self._set_ranges()

    def _draw_metric(self) -> None:
        """The accuracy (or other metric) plot's epoch curves, its axis named from the logs."""
        self._metric_late = False
        if not self.plots_ready():
            return
        metric = next((k for k in ("accuracy", "mae", "mse") if k in self._history),
                      next((k for k in self._history if k != "loss" and k not in NOT_MEASURED
                            and not k.startswith("val_")), self._planned_metric))
        if metric != self._metric:  # label the axis from the log keys present
            self._metric = metric
            label = METRIC_LABELS.get(metric, metric)
            title = METRIC_TITLES.get(metric, label.capitalize())
            acc = self.accuracyPlot.getPlotItem()
            acc.setLabel("left", label)
            acc.setTitle(title, color="#333", size="10pt")  # short: fits a 160 px plot
            self._empty = None  # the empty range depends on the metric
            self._set_ranges()
        scale = 100.0 if metric == "accuracy" else 1.0
        self._set_curve(self._train_metric, metric, scale)
        self._set_curve(self._val_metric, "val_" + metric, scale)
        self._set_metric_range()

    def _set_metric_range(self) -> None:
        """The metric plot's y range, from the points it shows (``metric_range``), with room
        for half a mark beyond a hard end (100 %, 0): a point on it was cut in half."""
        percent = self._metric == "accuracy"
        scale = 100.0 if percent else 1.0
        values = [scale * v for key in (self._metric, "val_" + self._metric)
                  for v in epoch_points(self._history, key)[1]]
        lo, hi = metric_range(values, percent)
        view = self.accuracyPlot.getPlotItem().getViewBox()
        room = (hi - lo) * (MARK_PX / 2 + 1) / max(view.height() - MARK_PX - 2, 1.0)
        y = (lo - room * (lo <= 0.0), hi + room * (percent and hi >= 100.0))
        if y == self._metric_range:
            return  # a view the user zoomed stays until the points change
        self._metric_range = y
        view.setLimits(yMin=y[0] if percent else None, yMax=y[1] if percent else None)
        view.setYRange(*y, padding=0.0)

    def _on_view_resized(self) -> None:
        """A plot's size changed (the window, a dock beside it): its pixel pads again."""
        if self._empty is not None and not out_of_sight(self):
            self._set_ranges()
            self._set_metric_range()

    def _last_epoch(self) -> float:
        last = max(self._history.get("epoch", []), default=0.0)
        if self._bx:
            last = max(last, self._bx[-1])
        return last

    def _set_ranges(self) -> None:
        """Epochs 0..the run's last on x with whole-epoch ticks; a fixed range when empty."""
        end = max(float(self._planned_end), math.ceil(self._last_epoch()), 1.0)
        empty = not self._bx and not self._history.get("epoch")
        width = min(_view_width(self.lossPlot), _view_width(self.accuracyPlot))
        step = epoch_tick_step(end, width)
        # room for half an epoch's mark beyond the last epoch: the plot's edge cut it in two
        pad = max(0.02, (MARK_PX / 2 + 2) / max(width, 1))
        for plot in (self.lossPlot, self.accuracyPlot):
            item = plot.getPlotItem()
            item.setXRange(0.0, end, padding=pad)
            if step != self._tick_step:
                item.getAxis("bottom").setTickSpacing(step, step)
        self._tick_step = step
        if empty == self._empty:
            return
        self._empty = empty
        loss = self.lossPlot.getPlotItem()
        if empty:  # never pyqtgraph's -30..30 or the last model's leftovers
            loss.setYRange(*((-2.0, 1.0) if self._log_y else (0.0, 1.0)), padding=0.02)
        else:
            loss.enableAutoRange(axis="y")
        self._metric_range = None  # the metric plot's range: derived from its points
        self._set_metric_range()

    def _set_curve(self, item: pg.PlotDataItem, key: str, scale: float = 1.0) -> bool:
        """An epoch curve, set only when its points changed: between epochs the batch curve
        alone moves, and re-setting unchanged curves repainted the accuracy plot (~10 ms a
        redraw, 20 times a second). Whether it was set.

        Its points are ``epoch_points``: the finite values at their ``history["epoch"]`` x
        (a NaN or inf value is no point, never an axis to inf)."""
        xs, ys = epoch_points(self._history, key)
        shown = (scale, tuple(xs), tuple(ys))
        if getattr(item, "_nngui_shown", None) == shown:
            return False
        item._nngui_shown = shown
        symbol = None if dense(len(xs), item.getViewBox().width() if item.getViewBox() else 0) \
            else item._nngui_symbol
        if item.opts["symbol"] != symbol:
            item.setSymbol(symbol)
        item.setData(np.asarray(xs, dtype=float), scale * np.asarray(ys, dtype=float))
        return True
