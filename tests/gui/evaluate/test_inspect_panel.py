"""The Inspect tab: the gallery shows the test set by class, a probed sample is the model's
own output, a layer map is that layer's PCA, and nothing touches a model that trains."""

import threading

import numpy as np
import pytest
from PySide6.QtWidgets import QWidget

from nngui.core.insight import representations
from nngui.core.insight.probes import layer_outputs
from nngui.core.insight.representations import pca_2d
from nngui.gui.evaluate.gallery import PAGE, as_images, mosaic_rgb, tile


@pytest.fixture
def digits(digits_reader, qtbot):
    """The window on the bundled 28x28 digits with a small trained MLP."""
    w = digits_reader
    with qtbot.waitSignal(w.training.runFinished, timeout=120000):
        assert w.train()
    qtbot.waitUntil(lambda: not w.tasks.running(), timeout=30000)
    return w


def test_gallery_one_sample_per_class_then_pages_of_a_class(window, qtbot):
    window.data.select("digits")
    qtbot.waitUntil(lambda: window.data.dataset.name == "digits", timeout=30000)
    ds = window.data.dataset
    gallery = window.inspect.gallery
    assert window.findChild(QWidget, "datasetGallery") is gallery
    gallery.set_dataset(ds)
    labels = np.asarray(ds.y_test).ravel()
    assert [int(labels[i]) for i in gallery.shown] == list(range(ds.num_classes))
    assert all(labels[: i].tolist().count(labels[i]) == 0 for i in gallery.shown)  # the first
    images = as_images(ds.x_test)
    lo, hi = float(images.min()), float(images.max())
    np.testing.assert_allclose(gallery.mosaic, tile(images[gallery.shown], 5, lo, hi))
    shown = gallery._image.image.transpose(1, 0, 2)
    np.testing.assert_array_equal(shown, mosaic_rgb(gallery.mosaic))
    first, corner = images[gallery.shown[0]], shown[: images.shape[1], : images.shape[2]]
    paper, ink = first == lo, first == first.max()  # the digits are ink on white paper
    assert (corner[paper] == 255).all() and (corner[ink] < 255).all()
    h, w = images.shape[1:]
    # the bottom-right pixel of row 2, column 4 (tiles have 1-pixel gaps): class 8
    gallery._on_image_click(3 * (w + 1) + w - 0.5, 1 * (h + 1) + h - 0.5)
    assert gallery.current_class == 8
    members = np.flatnonzero(labels == 8)
    assert gallery.shown == members[:PAGE].tolist()
    if len(members) > PAGE:
        gallery.nextButton.click()
        assert gallery.shown == members[PAGE: 2 * PAGE].tolist()
    chosen = []
    gallery.sampleChosen.connect(chosen.append)
    gallery._on_image_click(1 * (w + 1) + 3, 3)  # the second tile of the page
    assert chosen == [gallery.shown[1]]
    gallery._on_image_click(-5, 3)  # outside every tile: nothing
    assert chosen == [gallery.shown[1]]
    gallery.backButton.click()
    assert gallery.current_class is None and len(gallery.shown) == ds.num_classes


def test_gallery_of_2d_data_is_a_scatter_whose_points_pick_samples(window, qtbot):
    window.apply_preset("mlp-2-4-2")
    qtbot.waitUntil(lambda: window.data.dataset.name == "circles", timeout=20000)
    gallery = window.inspect.gallery
    assert gallery.stack.currentWidget() is gallery.scatter
    x, y = gallery._pts.getData()
    np.testing.assert_array_equal(x, window.data.dataset.x_test[:, 0])
    chosen = []
    gallery.sampleChosen.connect(chosen.append)
    point = gallery._pts.points()[17]
    gallery._pts.sigClicked.emit(gallery._pts, [point], None)
    assert chosen == [17]


def test_probe_a_test_sample_off_the_gui_thread(digits, qtbot, monkeypatch):
    w = digits
    sample = w.inspect.sample
    assert w.findChild(QWidget, "sampleProbe") is sample
    threads = []
    original = representations.probe_sample

    def spy(model, x):
        threads.append(threading.get_ident())
        return original(model, x)

    monkeypatch.setattr("nngui.gui.evaluate.inspect.probe_sample", spy)
    sample.indexSpin.setValue(42)
    assert sample.probe()
    qtbot.waitUntil(lambda: sample.result is not None, timeout=30000)
    assert threads and threads[0] != threading.get_ident()
    data = w.work.prepare(w.data.dataset, w.session.spec)
    expected = np.asarray(w.session.model.predict(data.x_test[42:43], verbose=0))[0]
    np.testing.assert_allclose(sample.result["probs"], expected, atol=1e-5)
    xs, heights = sample._bars.opts["x"], sample._bars.opts["height"]
    np.testing.assert_allclose(heights, expected, atol=1e-5)
    assert len(xs) == 10
    hidden = layer_outputs(w.session.model, data.x_test[42:43])
    np.testing.assert_allclose(sample.result["hidden"][0][1], hidden[1][0], atol=1e-5)
    assert len(sample._act_images) == 1  # the one Dense hidden layer (Flatten has no weights)
    truth = int(w.data.dataset.y_test[42])
    assert f"true class {truth}" in sample.status.text()


def test_a_click_in_the_gallery_probes_that_sample(digits, qtbot):
    w = digits
    gallery, sample = w.inspect.gallery, w.inspect.sample
    gallery.show_class(4)
    target = gallery.shown[2]
    h, wd = gallery.x.shape[1:]
    gallery._on_image_click(2 * (wd + 1) + 2, 2)
    qtbot.waitUntil(lambda: sample.result is not None, timeout=30000)
    assert sample.indexSpin.value() == target
    assert f"Test sample {target}:" in sample.status.text()


def test_a_probe_or_map_asked_for_while_the_network_trains_runs_when_the_run_ends(digits,
                                                                                    qtbot):
    """Nothing touches the model while it trains; the Probe and a t-SNE Map pressed then say
    they wait, and run by themselves once the run (and the evaluation after it) let go."""
    w = digits
    sample, lmap = w.inspect.sample, w.inspect.map
    lmap.methodCombo.setCurrentIndex(lmap.methodCombo.findData("tsne"))
    w.builder.set_config(w.builder.config().__class__(epochs=3, batch_size=128))
    at_the_end = []
    w.training.runFinished.connect(
        lambda _r: at_the_end.append((sample.result, lmap.result)))
    with qtbot.waitSignal(w.training.runFinished, timeout=120000):
        assert w.train()
        assert w.tasks.is_held(w.session)
        assert not sample.probe()
        assert "as soon as it is free" in sample.status.text()
        assert not lmap.compute()
        assert "as soon as it is free" in lmap.status.text()
        assert lmap.later.waiting() and sample.later.waiting()
    assert at_the_end == [(None, None)]  # nothing ran on the model during the run
    qtbot.waitUntil(lambda: sample.result is not None and lmap.result is not None,
                    timeout=120000)
    assert lmap.result["method"] == "tsne"
    assert not lmap.later.waiting() and not sample.later.waiting()
    assert "Each dot a test sample" in lmap.status.text()


def test_layer_map_is_the_pca_of_that_layers_outputs(digits, qtbot):
    w = digits
    m = w.inspect.map
    assert w.findChild(QWidget, "layerMapPlot") is m.layerMapPlot
    assert m.compute()
    qtbot.waitUntil(lambda: m.result is not None, timeout=60000)
    data = w.work.prepare(w.data.dataset, w.session.spec)
    n = len(m.result["coords"])
    idx = np.sort(np.random.default_rng(0).permutation(len(data.x_test))[:n])
    h = layer_outputs(w.session.model, data.x_test[idx], 1)[-1]  # the hidden Dense layer
    np.testing.assert_allclose(m.result["coords"], pca_2d(h), atol=1e-3)
    np.testing.assert_array_equal(m.result["labels"], np.asarray(w.data.dataset.y_test)[idx])
    assert len(m.legend.items) == 10  # one entry per class
    assert m.layerCombo.count() == 1 + 2  # "last hidden", the Dense layer, the output
    m.layerCombo.setCurrentIndex(m.layerCombo.count() - 1)
    m.methodCombo.setCurrentIndex(1)  # t-SNE of the output layer
    m.result = None
    assert m.compute()
    qtbot.waitUntil(lambda: m.result is not None, timeout=120000)
    assert m.result["method"] == "tsne" and m.result["units"] == 10


def test_inspect_says_why_without_a_trained_classifier(window):
    assert not window.inspect.sample.probe()
    assert "Train a classifier" in window.inspect.sample.status.text()
    assert not window.inspect.map.compute()


def _double_click(qtbot, view, item):
    from PySide6.QtCore import Qt

    view.scrollToItem(item)
    pos = view.visualItemRect(item).center()
    # as a real double-click arrives: a press and release, then the double-click
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def test_a_sample_double_clicked_in_evaluate_is_probed_on_the_inspect_tab(digits, qtbot):
    w = digits
    ev, sample = w.evaluate, w.inspect.sample
    qtbot.waitUntil(lambda: ev.report is not None, timeout=60000)  # evaluated after the run
    w.show()
    w.tabs.setCurrentWidget(ev)
    ev.tabs.setCurrentIndex(1)
    view = ev.mistakesView
    assert view.count() >= 2
    item = view.item(1)
    target = int(item.toolTip().split("#")[-1])
    true, pred = item.text().split(" → ")
    _double_click(qtbot, view, item)
    assert w.tabs.currentWidget() is w.inspect
    qtbot.waitUntil(lambda: sample.result is not None, timeout=30000)
    assert sample.indexSpin.value() == target
    # the probe shows that very mistake: its true class and the wrong prediction
    assert f"Test sample {target}: true class {true}, predicted {pred}" in sample.status.text()

    # a sample listed after a confusion-cell click goes the same way
    cm = ev.report.confusion
    i, j = np.unravel_index(np.argmax(cm - np.diag(np.diag(cm))), cm.shape)
    w.tabs.setCurrentWidget(ev)
    ev.show_cell(int(i), int(j))
    first = view.item(0)
    target = int(first.toolTip().split("#")[-1])
    assert int(np.asarray(w.data.dataset.y_test).ravel()[target]) == i
    sample.result = None
    _double_click(qtbot, view, first)
    assert w.tabs.currentWidget() is w.inspect
    qtbot.waitUntil(lambda: sample.result is not None, timeout=30000)
    assert sample.indexSpin.value() == target
    assert f"true class {i}, predicted {j}" in sample.status.text()
