"""Inspect's "Inside the network": a probed test sample's feature maps, filters and saliency
(a CNN), most active units (an MLP), or a sentence (2-D data), computed by the probe's job."""

import numpy as np
from PySide6.QtWidgets import QWidget

from nngui.core.insight.inside import look_inside, occlusion
from nngui.gui.common.inside import render


def _probe(qtbot, w, index):
    sample = w.inspect.sample
    sample.result = None
    sample.indexSpin.setValue(index)
    assert sample.probe()
    qtbot.waitUntil(lambda: sample.result is not None, timeout=60000)
    return sample


def test_the_bundled_cnn_shows_a_test_samples_maps_filters_and_saliency(window, qtbot):
    from nngui.core.platform.resources import bundled_model

    w = window
    w.data.select("digits")
    qtbot.waitUntil(lambda: w.data.dataset is not None and w.data.dataset.name == "digits",
                    timeout=30000)
    assert w.open_path(str(bundled_model("mnist_cnn")))
    qtbot.waitUntil(lambda: not w.tasks.running(), timeout=60000)
    sample = _probe(qtbot, w, 7)
    views = sample.inside
    assert w.inspect.findChild(QWidget, "featureMapsView") is views.featureMapsView
    assert w.inspect.views.currentWidget() is views  # no map made yet: the probe shows here
    x = w.work.prepare(w.data.dataset, w.session.spec).x_test[7]
    inside = look_inside(w.session.model, x)
    want = render(inside, x, list(w.data.dataset.class_names),
                  occlusion(w.session.model, x, inside.target))
    assert views.status.text() == want.summary
    np.testing.assert_array_equal(views.saliencyView.rgb, want.saliency.rgb)
    assert views.saliencyMethod.isVisibleTo(views)
    views.saliencyMethod.setCurrentIndex(1)  # the second opinion: occlusion
    np.testing.assert_array_equal(views.saliencyView.rgb, want.occlusion.rgb)
    assert views.saliencyCaption.text().startswith("Occlusion: ")
    views.saliencyMethod.setCurrentIndex(0)
    np.testing.assert_array_equal(views.filtersView.rgb, want.filters.rgb)
    shown = [v.rgb for _, v in views.mapsContent.rows if v.isVisibleTo(views)]
    assert len(shown) == 6
    for got, picture in zip(shown, want.maps, strict=True):
        np.testing.assert_array_equal(got, picture.rgb)
    # another sample: other maps
    _probe(qtbot, w, 8)
    assert not np.array_equal(views.saliencyView.rgb, want.saliency.rgb)


def test_an_mlp_shows_its_most_active_units(digits_reader, qtbot):
    w = digits_reader
    with qtbot.waitSignal(w.training.runFinished, timeout=120000):
        assert w.train()
    qtbot.waitUntil(lambda: not w.tasks.running(), timeout=30000)
    sample = _probe(qtbot, w, 3)
    views = sample.inside
    x = w.work.prepare(w.data.dataset, w.session.spec).x_test[3]
    inside = look_inside(w.session.model, x)
    assert inside.units is not None and inside.units.total == 16
    want = render(inside, x, list(w.data.dataset.class_names))
    np.testing.assert_array_equal(views.mapsContent.rows[0][1].rgb, want.maps[0].rgb)
    assert "most active of 16 units" in views.mapsContent.title.text()
    assert views.filtersView.rgb is None and "No convolution" in views.filtersCaption.text()


def test_a_2d_net_says_there_is_no_image(window, qtbot):
    w = window
    w.apply_preset("mlp-2-4-2")
    qtbot.waitUntil(lambda: w.data.dataset is not None and w.data.dataset.name == "circles",
                    timeout=30000)
    w.builder.set_config(w.builder.config().__class__(epochs=1, batch_size=128))
    with qtbot.waitSignal(w.training.runFinished, timeout=120000):
        assert w.train()
    qtbot.waitUntil(lambda: not w.tasks.running(), timeout=30000)
    sample = _probe(qtbot, w, 0)
    assert "reads 2 numbers, not an image" in sample.inside.status.text()
    assert sample.inside.saliencyView.rgb is None and sample.inside.filtersView.rgb is None
    assert not sample.inside.pictures.isVisibleTo(sample.inside)  # the sentence, no frames
