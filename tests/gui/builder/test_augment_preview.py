"""The builder's augmentation preview: Keras' own layers on ten digits, redrawn while shown."""

from __future__ import annotations

import numpy as np
import pytest

from nngui.core.model.augment_preview import augment, augmentation_prefix
from nngui.core.network.spec import LayerSpec, NetworkSpec
from nngui.gui.builder.augment_preview import SHOWN, mosaic, preview_digits
from nngui.gui.builder.panel import BuilderPanel


def _spec(*middle: LayerSpec) -> NetworkSpec:
    return NetworkSpec((28, 28), [LayerSpec("Reshape", {"target_shape": (28, 28, 1)}), *middle,
                                  LayerSpec("Flatten"),
                                  LayerSpec("Dense", {"units": 10, "activation": "softmax"})],
                       "sparse_categorical_crossentropy")


ROTATE = LayerSpec("RandomRotation", {"factor": 0.1, "fill_mode": "constant"})


def test_the_prefix_is_the_leading_augmentation():
    spec = _spec(ROTATE, LayerSpec("GaussianNoise", {"stddev": 0.2}))
    assert [lay.type for lay in augmentation_prefix(spec).layers] == \
        ["Reshape", "RandomRotation", "GaussianNoise"]
    assert "No augmentation" in augmentation_prefix(_spec()).reason
    late = NetworkSpec((28, 28, 1), [LayerSpec("Conv2D", {"filters": 2}), ROTATE,
                                     LayerSpec("Flatten"), LayerSpec("Dense", {"units": 10})],
                       "mse")
    assert "start of the network" in augmentation_prefix(late).reason
    wide = NetworkSpec((30, 30, 1), [ROTATE, LayerSpec("Flatten")], "mse")
    assert "784" in augmentation_prefix(wide).reason


def test_augment_is_the_spec_layers_in_training():
    x = preview_digits()
    assert x.shape == (len(SHOWN), 28, 28) and 0 <= x.min() and x.max() <= 1
    still = augment(_spec(LayerSpec("RandomRotation", {"factor": 0.0})), x, seed=1)
    np.testing.assert_allclose(still, x, atol=1e-5)  # a zero turn changes nothing
    turned = augment(_spec(ROTATE), x, seed=1)
    assert np.abs(turned - x).mean() > 0.02
    np.testing.assert_array_equal(turned, augment(_spec(ROTATE), x, seed=1))
    assert not np.array_equal(turned, augment(_spec(ROTATE), x, seed=2))
    noisy = _spec(ROTATE, LayerSpec("GaussianNoise", {"stddev": 0.3}))
    np.testing.assert_array_equal(augment(noisy, x, seed=5), augment(noisy, x, seed=5))


def test_the_preview_leaves_the_global_random_state_alone():
    """It runs every 1.5 s while a training run may be drawing from the same generators."""
    from nngui.core.platform.runtime import keras

    x = preview_digits()
    keras().utils.set_random_seed(123)
    expected = np.random.random()
    keras().utils.set_random_seed(123)
    augment(_spec(ROTATE, LayerSpec("GaussianNoise", {"stddev": 0.3})), x, seed=7)
    assert np.random.random() == expected  # the global generators were not reset


def test_mosaic_puts_originals_over_their_augmented_copies():
    top = np.ones((3, 28, 28), np.float32)
    out = mosaic(top, np.zeros((3, 28, 28), np.float32))
    assert out.shape == (2 * 28 + 4, 3 * 28 + 2 * 4)
    assert out[:28, :28].min() == 1 and out[32:, :28].max() == 0


@pytest.fixture
def panel(qtbot):
    p = BuilderPanel()
    qtbot.addWidget(p)
    p.resize(1200, 700)
    p.show()
    return p


def test_the_preview_appears_with_an_augmentation_layer_and_keeps_drawing(panel, qtbot):
    box = panel.augment_preview
    assert not box.isVisible()  # the default network has no augmentation
    panel.set_spec(_spec(ROTATE))
    assert box.isVisible()
    qtbot.waitUntil(lambda: box.draws >= 1, timeout=120000)
    first = box.augmented.copy()
    np.testing.assert_array_equal(box.image.array, mosaic(box.digits, box.augmented))
    assert np.abs(first - box.digits).mean() > 0.02
    qtbot.waitUntil(lambda: box.draws >= 3, timeout=30000)  # live: new batches keep coming
    assert not np.array_equal(first, box.augmented)
    panel.set_spec(_spec())
    assert not box.isVisible() and not box._timer.isActive()


def test_live_off_stops_redrawing(panel, qtbot):
    box = panel.augment_preview
    panel.set_spec(_spec(ROTATE))
    qtbot.waitUntil(lambda: box.draws >= 1, timeout=120000)
    box.live.setChecked(False)
    assert not box._timer.isActive()
