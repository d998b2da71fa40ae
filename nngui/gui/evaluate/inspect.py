"""The Inspect tab: the dataset gallery, one test sample probed layer by layer, and a PCA or
t-SNE map of any layer's representation of the test set.

The model is only used in TaskRunner jobs that hold the session (never while it trains);
these widgets draw the arrays those jobs return. A Probe or Map pressed while another job
holds the network (a run, an evaluation) waits: it starts once the network is free.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from nngui.core.insight.inside import look_inside, occlusion
from nngui.core.insight.representations import EMBED_LIMIT, layer_choices, layer_map, probe_sample
from nngui.gui.common.axes import whole_number_ticks
from nngui.gui.common.empty_plot import EmptyState
from nngui.gui.common.inside import InsideViews, render
from nngui.gui.common.style import PALETTE, class_brushes
from nngui.gui.evaluate.gallery import DatasetGallery, as_images

TSNE_LIMIT = 1000  # t-SNE's cost grows with the square: keep a map to seconds on 2 cores
PICK_TEXT = "Pick a test sample (here or in the gallery) and press Probe."
INSIDE_TEXT = ("Probe a test sample: what the network sees in it (feature maps, filters and "
               "saliency) appears here.")
MAP_TEXT = (f"Where a layer puts the test samples (up to {EMBED_LIMIT:,}; t-SNE "
            f"{TSNE_LIMIT:,}): classes that separate here are easy for the layers after it.")
NO_PROBE = "Probe a test sample"
NO_MAP = "Press Map to draw a layer's map"
RETRY_MS = 300  # how often a request that waits for the network looks whether it is free


class _Latest:
    """Which of a view's requests is the latest: the answer to an older one (asked of the
    network before, or before the data changed) is dropped when it comes."""

    def __init__(self) -> None:
        self._n = 0

    def ask(self) -> Callable[[Callable], Callable]:
        """A new request: wrap its slots with what this returns."""
        self._n += 1
        n = self._n

        def only(slot: Callable) -> Callable:
            def answer(*args: Any) -> None:
                if n == self._n:
                    slot(*args)
            return answer
        return only

    def drop(self) -> None:
        """Whatever is in flight is of what came before."""
        self._n += 1

# context() -> (session, prepared data, dataset) or a sentence saying why there is none
Context = Callable[[], "tuple[Any, Any, Any] | str"]


def _plot(name: str, title: str) -> pg.PlotWidget:
    plot = pg.PlotWidget(background="w")
    plot.setObjectName(name)
    plot.getPlotItem().setTitle(title, color="#333", size="9pt")
    plot.getPlotItem().setMenuEnabled(False)
    return plot


def grid_of(values: np.ndarray) -> np.ndarray:
    """A layer's activations as a near-square (rows, cols) image, padded with NaN."""
    n = len(values)
    cols = int(np.ceil(np.sqrt(n)))
    rows = -(-n // cols)
    out = np.full(rows * cols, np.nan, np.float32)
    out[:n] = values
    return out.reshape(rows, cols)


def probe_with_inside(model: Any, x: np.ndarray, class_names: list[str]) -> dict[str, Any]:
    """``probe_sample`` and the sample's feature maps, filters and saliency (gradient × input
    and occlusion), rendered (a job's work: it holds the model)."""
    res = probe_sample(model, x)
    inside = look_inside(model, x)
    occluded = occlusion(model, x, inside.target) if inside.image_shape is not None else None
    res["inside"] = render(inside, x, class_names, occluded)
    return res


class WhenFree(QObject):
    """A request that found the network held by another job (a run, an evaluation): it is
    made again (``action``) as soon as no job holds the context's session any more.

    The view never touches the model meanwhile: the request it makes then is a job of its
    own that holds the session (one owner per model)."""

    def __init__(self, parent: QWidget, tasks: Any, context: Context,
                 action: Callable[[], Any]) -> None:
        super().__init__(parent)
        self._tasks, self._context, self._action = tasks, context, action
        self._timer = QTimer(self)
        self._timer.setInterval(RETRY_MS)
        self._timer.timeout.connect(self._check)

    def wait(self) -> None:
        """Make the request again once the network is free (once, however often asked)."""
        self._timer.start()

    def waiting(self) -> bool:
        return self._timer.isActive()

    def _check(self) -> None:
        ctx = self._context()
        if not isinstance(ctx, str) and self._tasks.is_held(ctx[0]):
            return
        self._timer.stop()
        self._action()  # it says itself why not, if there is no network to use now


def _ready(view: Any, waiting: str) -> Any:
    """The view's (session, data, dataset), or None with the reason shown in its status line;
    a network another job holds: ``waiting`` says so and the request waits (``view.later``)."""
    ctx = view.context()
    if isinstance(ctx, str):
        view.status.setText(ctx)
        return None
    if view.tasks.is_held(ctx[0]):  # one owner per model: a training job has it
        view.status.setText(waiting)
        view.later.wait()
        return None
    return ctx


class SampleProbe(QWidget):
    """``sampleProbe``: a test sample's image, predicted probabilities and hidden activations;
    ``inside`` shows its feature maps, filters and saliency wherever the panel puts it."""

    probed = Signal()  # a probe's result is shown

    def __init__(self, tasks, context: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sampleProbe")
        self.tasks, self.context = tasks, context
        self.result: dict[str, Any] | None = None
        self._latest = _Latest()  # a probe of the network before is not shown
        self.indexSpin = QSpinBox()
        self.indexSpin.setObjectName("sampleIndexSpin")
        self.indexSpin.setRange(0, 0)
        self.probeButton = QPushButton("Probe")
        self.probeButton.setObjectName("probeSampleButton")
        self.probeButton.clicked.connect(self.probe)
        self.later = WhenFree(self, tasks, context, self.probe)  # a probe the network waits on
        self.status = QLabel(PICK_TEXT)
        self.status.setWordWrap(True)
        self.sampleView = pg.GraphicsLayoutWidget()
        self.sampleView.setBackground("w")
        self.sampleView.setMaximumHeight(130)
        self._sview = self.sampleView.addViewBox(lockAspect=True, invertY=True)
        self._simage = pg.ImageItem()
        self._sview.addItem(self._simage)
        self.probPlot = _plot("sampleProbabilities", "Predicted probabilities")
        self.probPlot.setMaximumHeight(170)
        self.probPlot.getPlotItem().setYRange(0, 1)
        # one bar a class: ticks at classes only (two classes read "0 0.5 1.0")
        whole_number_ticks(self.probPlot.getPlotItem().getAxis("bottom"))
        self._bars = pg.BarGraphItem(x=[], height=[], width=0.7, brush=(70, 110, 190))
        self.probPlot.getPlotItem().addItem(self._bars)
        self.probEmpty = EmptyState(self.probPlot.getPlotItem())
        self.probEmpty.show(NO_PROBE)
        self.activations = pg.GraphicsLayoutWidget()
        self.activations.setObjectName("sampleActivations")
        self.activations.setBackground("w")
        self._act_images: list[pg.ImageItem] = []
        row = QHBoxLayout()
        row.addWidget(QLabel("Test sample"))
        row.addWidget(self.indexSpin, 1)
        row.addWidget(self.probeButton)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(self.sampleView)
        layout.addWidget(self.probPlot)
        layout.addWidget(QLabel("Hidden layers' activations (dark: strong)"))
        layout.addWidget(self.activations, 1)
        # what the network sees in the sample (maps, filters, saliency): the panel places it
        self.inside = InsideViews(side=150)
        self.inside.show_reason(INSIDE_TEXT)  # not a blank tab before the first probe

    def forget(self) -> None:
        """Another network or other data: the probe shown was of the one before (its bars,
        its layers' activations), so none is shown until the next Probe."""
        self._latest.drop()  # a probe still in flight was of the one before
        if self.result is None:
            if self.status.text().startswith("Probing"):
                self.status.setText(PICK_TEXT)
            return
        self.result = None
        self.status.setText(PICK_TEXT)
        self._simage.clear()
        self._bars.setOpts(x=[], height=[], brushes=None)
        self.probEmpty.show(NO_PROBE)  # on 0..1 axes, not the old network's classes
        self.activations.clear()
        self._act_images = []
        self.inside.show_reason(INSIDE_TEXT)

    def set_size(self, n: int) -> None:
        """The test set has ``n`` samples."""
        self.indexSpin.setRange(0, max(0, n - 1))

    def choose(self, index: int) -> None:
        """Probe test sample ``index`` (a click in the gallery)."""
        self.indexSpin.setValue(index)
        self.probe()

    def probe(self) -> bool:
        """Run the model on the chosen sample in a job; False (with a reason shown) if it can't."""
        ctx = _ready(self, "The network is in use (training or being evaluated): the "
                           "sample is probed as soon as it is free.")
        if ctx is None:
            return False
        session, data, ds = ctx
        i = self.indexSpin.value()
        x, model, names = data.x_test[i], session.model, list(ds.class_names)
        latest = self._latest.ask()
        task = self.tasks.submit("probe sample",
                                 lambda _r, _s: probe_with_inside(model, x, names),
                                 holds=(session,), on_done=latest(partial(self._show, i, ds)),
                                 on_failed=lambda msg: self.status.setText(f"Probe failed: {msg}"))
        if task is None:  # taken since _ready looked
            self.status.setText("The network is in use: the sample is probed as soon as it "
                                "is free.")
            self.later.wait()
            return False
        self.status.setText(f"Probing test sample {i}…")
        return True

    def _show(self, i: int, ds: Any, res: dict[str, Any]) -> None:
        self.result = res
        probs = res["probs"]
        label = int(np.asarray(ds.y_test).ravel()[i]) if ds.task == "classification" else None
        guess = int(np.argmax(probs))
        self.status.setText(f"Test sample {i}: true class {label}, predicted {guess} "
                            f"({probs[guess]:.1%}).")
        img = as_images(ds.x_test[i: i + 1])
        self.sampleView.setVisible(img is not None)
        if img is not None:
            picture = img[0].transpose(1, 0, 2) if img.ndim == 4 else img[0].T  # colour: RGB
            self._simage.setImage(picture, autoLevels=True)
            self._sview.autoRange(padding=0.02)
        else:
            xs = np.asarray(ds.x_test[i]).ravel()
            self.status.setText(self.status.text() + " Input: (" +
                                ", ".join(f"{v:.3g}" for v in xs[:6]) + ")")
        brushes = [pg.mkBrush(*PALETTE[1]) if k == guess else pg.mkBrush(150, 150, 150)
                   for k in range(len(probs))]
        self.probEmpty.hide()
        self._bars.setOpts(x=np.arange(len(probs)), height=probs, brushes=brushes)
        self.inside.show_rendered(res["inside"])
        self.probed.emit()
        self.activations.clear()
        self._act_images = []
        cmap = pg.ColorMap([0.0, 1.0], [(255, 255, 255), (20, 40, 120)])
        for r, (name, values) in enumerate(res["hidden"][:4]):
            self.activations.addLabel(f"{name} ({len(values)})", row=2 * r, col=0, size="8pt")
            view = self.activations.addViewBox(row=2 * r + 1, col=0, lockAspect=True,
                                               invertY=True)
            item = pg.ImageItem(grid_of(values).T)
            item.setColorMap(cmap)
            top = float(np.nanmax(np.abs(values))) or 1.0
            item.setLevels((0, top) if np.nanmin(values) >= 0 else (-top, top))
            view.addItem(item)
            self._act_images.append(item)


class LayerMap(QWidget):
    """``layerMapPlot``: the test subset in one layer's space, by PCA or t-SNE, by class."""

    def __init__(self, tasks, context: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tasks, self.context = tasks, context
        self.result: dict[str, Any] | None = None
        self._latest = _Latest()  # a map of the network before is not shown
        self.layerCombo = QComboBox()
        self.layerCombo.setObjectName("mapLayerCombo")
        self.layerCombo.addItem("last hidden layer", None)
        self.methodCombo = QComboBox()
        self.methodCombo.setObjectName("mapMethodCombo")
        self.methodCombo.addItem("PCA", "pca")
        self.methodCombo.addItem("t-SNE (slower)", "tsne")
        self.mapButton = QPushButton("Map")
        self.mapButton.setObjectName("layerMapButton")
        self.mapButton.clicked.connect(self.compute)
        self.later = WhenFree(self, tasks, context, self.compute)  # a map the network waits on
        self.status = QLabel(MAP_TEXT)
        self.status.setWordWrap(True)
        self.layerMapPlot = _plot("layerMapPlot", "Layer map")
        self.legend = self.layerMapPlot.getPlotItem().addLegend(
            offset=(-5, 5), brush=(255, 255, 255, 200), labelTextColor="#333")
        self._pts = pg.ScatterPlotItem(size=4, pen=None)
        self.layerMapPlot.getPlotItem().addItem(self._pts)
        self.mapEmpty = EmptyState(self.layerMapPlot.getPlotItem())
        self.mapEmpty.show(NO_MAP)
        row = QHBoxLayout()
        row.addWidget(self.layerCombo, 1)
        row.addWidget(self.methodCombo)
        row.addWidget(self.mapButton)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(self.layerMapPlot, 1)

    def forget(self) -> None:
        """Another network or other data: the map (and the layer names in the list) were of
        the one before, so none is shown until the next Map."""
        if not self.mapButton.isEnabled():  # a map in flight was of the one before
            self._latest.drop()
            self.mapButton.setEnabled(True)
            self.status.setText(MAP_TEXT)
        if self.result is None and self.layerCombo.count() == 1:
            return
        self.result = None
        self._pts.clear()
        self.legend.clear()
        self.layerCombo.blockSignals(True)
        self.layerCombo.clear()
        self.layerCombo.addItem("last hidden layer", None)
        self.layerCombo.blockSignals(False)
        self.layerMapPlot.getPlotItem().setTitle("Layer map", color="#333", size="9pt")
        self.mapEmpty.show(NO_MAP)  # on 0..1 axes, not the old map's
        self.status.setText(MAP_TEXT)

    def compute(self) -> bool:
        """Map the chosen layer in a job holding the network; False (reason shown) if it can't."""
        ctx = _ready(self, "The network is in use (training or being evaluated): the map "
                           "is computed as soon as it is free.")
        if ctx is None:
            return False
        session, data, ds = ctx
        method = self.methodCombo.currentData()
        limit = EMBED_LIMIT if method == "pca" else TSNE_LIMIT
        idx = np.sort(np.random.default_rng(0).permutation(len(data.x_test))[:limit])
        x = data.x_test[idx]
        labels = np.asarray(ds.y_test).astype(np.int64).ravel()[idx]
        model, layer = session.model, self.layerCombo.currentData()

        def job(_report, _stop):
            choices = layer_choices(model)
            index = layer
            if index is None or index not in [c.index for c in choices]:
                hidden = [c.index for c in choices[:-1]] or [choices[-1].index]
                index = hidden[-1]
            return choices, layer_map(model, x, index, method)

        latest = self._latest.ask()
        task = self.tasks.submit("layer map", job, holds=(session,),
                                 on_done=latest(partial(self._show, labels=labels)),
                                 on_failed=latest(self._failed))
        if task is None:  # taken since _ready looked
            self.status.setText("The network is in use: the map is computed as soon as it "
                                "is free.")
            self.later.wait()
            return False
        self.mapButton.setEnabled(False)
        self.status.setText(f"Computing the {self.methodCombo.currentText()} map of "
                            f"{len(x):,} test samples…")
        return True

    def _failed(self, message: str) -> None:
        self.mapButton.setEnabled(True)
        self.status.setText(f"Map failed: {message}")

    def _show(self, res, labels: np.ndarray) -> None:
        choices, out = res
        self.mapButton.setEnabled(True)
        self.result = {**out, "labels": labels}
        current = self.layerCombo.currentData()
        self.layerCombo.blockSignals(True)
        self.layerCombo.clear()
        self.layerCombo.addItem("last hidden layer", None)
        for c in choices:
            self.layerCombo.addItem(f"{c.name} ({c.units} values)", c.index)
        self.layerCombo.setCurrentIndex(max(0, self.layerCombo.findData(current)))
        self.layerCombo.blockSignals(False)
        c = out["coords"]
        self.mapEmpty.hide()
        self._pts.setData(x=c[:, 0], y=c[:, 1], brush=class_brushes(labels, 190))
        self.legend.clear()
        for k in np.unique(labels):
            self.legend.addItem(pg.ScatterPlotItem(brush=class_brushes([k])[0], pen=None,
                                                   size=8), str(int(k)))
        how = "PCA" if out["method"] == "pca" else "t-SNE"
        self.layerMapPlot.getPlotItem().setTitle(
            f"{out['layer']} ({out['units']} values) · {how} of {len(c):,} test samples",
            color="#333", size="9pt")
        self.status.setText("Each dot a test sample, coloured by its true class.")


class InspectPanel(QWidget):
    """Gallery, sample probe and layer map side by side."""

    def __init__(self, tasks, context: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.gallery = DatasetGallery()
        self.sample = SampleProbe(tasks, context)
        self.map = LayerMap(tasks, context)
        self.gallery.sampleChosen.connect(self.sample.choose)
        # the probed sample's maps, filters and saliency share the widest column with the map
        self.views = QTabWidget()
        self.views.setObjectName("inspectViews")
        self.views.addTab(self.map, "Layer map")
        self.views.addTab(self.sample.inside, "Inside the network (this sample)")
        self.sample.probed.connect(self._show_inside)
        layout = QHBoxLayout(self)
        layout.addWidget(self.gallery, 3)
        layout.addWidget(self.sample, 2)
        layout.addWidget(self.views, 3)

    def _show_inside(self) -> None:
        """A probe's result: shown inside, unless the user is reading a map they made."""
        if self.map.result is None:
            self.views.setCurrentWidget(self.sample.inside)

    def network_changed(self) -> None:
        """The window's network or data changed (a new network, a run's new weights, an
        opened model, other data): the probe and the map shown were of what came before."""
        self.sample.forget()
        self.map.forget()

    def set_dataset(self, ds: Any) -> None:
        """A new dataset: the gallery shows it, the probe's index range follows it."""
        self.gallery.set_dataset(ds)
        self.sample.set_size(len(ds.x_test))
