"""The Draw tab's "Inside the network": what it shows is what the model computes for the
drawing on the canvas, read off the GUI thread, and it never slows the stroke itself."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from nngui.core.drawing.samples import SampleStore
from nngui.core.insight.inside import look_inside
from nngui.gui.common.inside import render
from nngui.gui.draw.inside import MIN_INTERVAL_MS
from nngui.gui.draw.panel import DrawPanel


@pytest.fixture(scope="module")
def cnn():
    from nngui.core.model.saving import load_model
    from nngui.core.platform.resources import bundled_model

    return load_model(bundled_model("mnist_cnn"))


@pytest.fixture(scope="module")
def mlp():
    from nngui.core.platform.runtime import keras

    k = keras()
    k.utils.set_random_seed(0)
    return k.Sequential([k.Input((784,)), k.layers.Dense(20, activation="relu"),
                         k.layers.Dense(10, activation="softmax")])


@pytest.fixture
def panel(qtbot, tmp_path):
    p = DrawPanel(SampleStore(tmp_path / "samples"))
    p.resize(1340, 560)
    qtbot.addWidget(p)
    p.show()
    qtbot.waitExposed(p)
    return p


def _digit(shift: int = 0) -> np.ndarray:
    """A thick ring on the 280x280 canvas (a zero), moved right by ``shift`` pixels."""
    yy, xx = np.mgrid[:280, :280]
    r = np.hypot(yy - 140, xx - 120 - shift)
    return ((r > 50) & (r < 80)).astype(np.float32)


def _draw(qtbot, panel, image) -> np.ndarray:
    before = panel.inside.updates
    panel.canvas.set_image(image)
    panel.refresh()
    x28 = panel.last_x28.copy()
    qtbot.waitUntil(lambda: panel.inside.updates > before, timeout=20000)
    return x28


def _expected(model, x28):
    """The pictures of Keras' own answers (TensorFlow, eagerly) for the drawing."""
    return render(look_inside(model, x28), x28)


def _same(got, want):
    """The same picture, up to one shade of 255 (the NumPy engine reads Keras' answers to
    float32 rounding, which may tip a value over a shade's edge)."""
    assert got is not None and got.shape == want.shape
    np.testing.assert_allclose(got.astype(int), want.astype(int), atol=2)


def test_the_cnns_maps_filters_and_saliency_are_those_of_the_drawing(qtbot, panel, cnn):
    panel.set_models([("CNN", cnn)])
    x28 = _draw(qtbot, panel, _digit())
    views = panel.inside.views
    want = _expected(cnn, x28)
    assert views.status.text() == want.summary
    _same(views.saliencyView.rgb, want.saliency.rgb)
    _same(views.filtersView.rgb, want.filters.rgb)
    shown = [v.rgb for c, v in views.mapsContent.rows if v.isVisibleTo(views)]
    assert len(shown) == 6  # four conv and two pool layers
    assert not views.saliencyMethod.isVisibleTo(views)  # occlusion: Inspect only
    for got, picture in zip(shown, want.maps, strict=True):
        _same(got, picture.rgb)
    for name in ("featureMapsView", "filtersView", "saliencyView"):
        assert panel.findChild(object, name) is not None


def test_the_newest_drawing_wins_and_a_new_model_starts_over(qtbot, panel, cnn, mlp):
    panel.set_models([("CNN", cnn), ("MLP", mlp)])
    for shift in range(0, 40, 4):  # many strokes while the reads trail behind
        panel.canvas.set_image(_digit(shift))
        panel.refresh()
    last = panel.last_x28.copy()
    qtbot.waitUntil(lambda: panel.inside._pending is None and not panel.inside.reading(),
                    timeout=20000)
    _same(panel.inside.views.saliencyView.rgb, _expected(cnn, last).saliency.rgb)
    panel.modelCombo.setCurrentIndex(1)  # the MLP: its most active units, no filters
    qtbot.waitUntil(lambda: panel.inside.views.filtersView.rgb is None and
                    panel.inside.views.mapsContent.rows[0][1].rgb is not None and
                    "most active" in panel.inside.views.mapsContent.title.text(),
                    timeout=20000)
    qtbot.waitUntil(lambda: not panel.inside.reading(), timeout=20000)
    want = _expected(mlp, panel.last_x28)
    views = panel.inside.views
    _same(views.mapsContent.rows[0][1].rgb, want.maps[0].rgb)
    assert "No convolution layer" in views.filtersCaption.text()


def test_a_read_starts_right_after_a_strokes_reading_and_a_resting_pen_is_read_soon(
        qtbot, panel, cnn):
    panel.set_models([("CNN", cnn)])
    _draw(qtbot, panel, _digit())  # the first read traces the network

    def reading() -> bool:
        return bool(panel.tasks.running("draw-inside"))

    qtbot.waitUntil(lambda: not reading(), timeout=20000)
    qtbot.wait(MIN_INTERVAL_MS + 10)
    panel.canvas.set_image(_digit(8))
    panel.refresh()
    assert not reading(), "the digit is painted first"
    QApplication.processEvents()  # one turn of the event loop
    assert reading(), "the worker reads while the pen is between two moves, not later"
    qtbot.waitUntil(lambda: not reading(), timeout=20000)
    before = panel.inside.updates
    panel.canvas.set_image(_digit(16))  # soon after that read: the drawing waits for its turn
    panel.refresh()
    if panel.inside._clock.elapsed() < MIN_INTERVAL_MS - 10:
        assert not reading()
    last = panel.last_x28.copy()
    qtbot.waitUntil(lambda: panel.inside.updates > before and not reading(), timeout=20000)
    # no stroke came since
    _same(panel.inside.views.saliencyView.rgb, _expected(cnn, last).saliency.rgb)


def test_closed_it_reads_nothing_and_opened_it_catches_up(qtbot, panel, cnn):
    panel.set_models([("CNN", cnn)])
    panel.inside.toggle.setChecked(False)
    assert not panel.inside.views.isVisible()
    panel.canvas.set_image(_digit())
    panel.refresh()
    qtbot.wait(300)
    assert panel.inside.updates == 0
    panel.inside.toggle.setChecked(True)
    qtbot.waitUntil(lambda: panel.inside.updates == 1, timeout=20000)


def test_an_empty_canvas_or_no_model_says_so(qtbot, panel, cnn):
    assert "No model" in panel.inside.views.status.text()
    panel.set_models([("CNN", cnn)])
    panel.canvas.clear()
    panel.refresh()
    qtbot.waitUntil(lambda: "Draw a digit" in panel.inside.views.status.text(), timeout=5000)
    assert panel.inside.views.saliencyView.rgb is None


def test_a_model_with_new_weights_is_read_with_them(qtbot, panel, mlp):
    from nngui.core.platform.runtime import keras

    model = keras().models.clone_model(mlp)
    model.set_weights(mlp.get_weights())
    panel.set_models([("MLP", model)])
    x28 = _draw(qtbot, panel, _digit())
    model.set_weights([w * -1.5 for w in model.get_weights()])  # "fine-tuned"
    before = panel.inside.updates
    panel.model_updated()
    qtbot.waitUntil(lambda: panel.inside.updates > before and not panel.inside.reading(),
                    timeout=20000)
    _same(panel.inside.views.mapsContent.rows[0][1].rgb, _expected(model, x28).maps[0].rgb)


def _blas_threads() -> list[int]:
    """NumPy's own BLAS's thread count (a SciPy loaded later brings a BLAS of its own, which
    NumPy's matmuls never use)."""
    from threadpoolctl import threadpool_info

    return [i["num_threads"] for i in threadpool_info()
            if i["user_api"] == "blas" and "numpy" in i["filepath"]]


def test_the_cnn_is_read_from_the_strokes_own_pass_with_numpy_on_one_blas_thread(
        qtbot, panel, cnn, monkeypatch):
    from nngui.core.insight.inside_numpy import NumpyInside
    from nngui.core.model.forward import ForwardPass

    passes, blas_in_read = [], []
    trace, read = ForwardPass.trace, NumpyInside.read

    def counted(self, x):
        passes.append(x.shape)
        return trace(self, x)

    def watched(self, *args, **kwargs):
        blas_in_read.append(_blas_threads())  # in the worker, while the GUI thread waits
        return read(self, *args, **kwargs)

    monkeypatch.setattr(ForwardPass, "trace", counted)
    monkeypatch.setattr(NumpyInside, "read", watched)
    panel.set_models([("CNN", cnn)])
    assert panel.inside.engine() == "numpy"
    threads = _blas_threads()
    passes.clear()
    x28 = _draw(qtbot, panel, _digit())
    assert len(passes) == 1, "one forward pass: the stroke's, the maps are its outputs"
    assert threads and blas_in_read and all(n == [1] for n in blas_in_read)
    qtbot.waitUntil(lambda: not panel.inside.reading(), timeout=5000)
    assert _blas_threads() == threads  # given back when the read ended
    _same(panel.inside.views.saliencyView.rgb, _expected(cnn, x28).saliency.rgb)


def test_a_model_the_numpy_engine_cannot_run_is_read_by_tensorflow(qtbot, panel):
    from nngui.core.platform.runtime import keras

    k = keras()
    k.utils.set_random_seed(1)
    model = k.Sequential([k.Input((28, 28, 1)), k.layers.Conv2D(4, 3, activation="relu"),
                          k.layers.AveragePooling2D(2), k.layers.Flatten(),
                          k.layers.Dense(10, activation="softmax")])
    panel.set_models([("pooled", model)])
    assert panel.inside.engine() == "tensorflow"
    x28 = _draw(qtbot, panel, _digit())
    want = _expected(model, x28)
    views = panel.inside.views
    _same(views.saliencyView.rgb, want.saliency.rgb)
    shown = [v.rgb for c, v in views.mapsContent.rows if v.isVisibleTo(views)]
    assert len(shown) == 2  # the conv and the pool layer
    for got, picture in zip(shown, want.maps, strict=True):
        _same(got, picture.rgb)
