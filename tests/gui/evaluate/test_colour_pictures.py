"""CIFAR-10's colour pictures are shown in colour: the gallery, the Mistakes icons and the
probed sample read a flat row of 3,072 values as 32x32 pixels, R G B each."""

import numpy as np

from nngui.core.data.cifar import cifar10_dataset
from nngui.core.insight.evaluation import image_shape
from nngui.gui.common.inside import Rendered
from nngui.gui.common.tasks import TaskRunner
from nngui.gui.evaluate.gallery import DatasetGallery, as_images
from nngui.gui.evaluate.inspect import SampleProbe
from nngui.gui.evaluate.panel import ICON_SIZE, sample_icon

COLOURS = np.array([(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0), (0, 255, 255),
                    (255, 0, 255), (128, 0, 0), (0, 128, 0), (0, 0, 128), (128, 128, 0)],
                   np.uint8)


def _dataset():
    """Ten classes, each image one solid colour with a white top-left pixel."""
    y = np.arange(20) % 10
    x = np.broadcast_to(COLOURS[y][:, None, None, :], (20, 32, 32, 3)).copy()
    x[:, 0, 0] = 255
    return cifar10_dataset(x, y, x, y, source="test", origin="test")


def test_a_flat_cifar_row_is_a_colour_picture_in_pixel_order():
    ds = _dataset()
    assert ds.x_test.shape == (20, 3072) and image_shape(ds.x_test.shape[1:]) == (32, 32, 3)
    pictures = as_images(ds.x_test)
    assert pictures.shape == (20, 32, 32, 3)
    np.testing.assert_allclose(pictures[3, 5, 7], COLOURS[3] / 255.0)
    np.testing.assert_allclose(pictures[3, 0, 0], 1.0)  # the corner, not a channel mixed in


def test_the_gallery_shows_each_class_in_its_own_colour(qtbot):
    gallery = DatasetGallery()
    qtbot.addWidget(gallery)
    gallery.set_dataset(_dataset())
    shown = gallery._image.image.transpose(1, 0, 2)  # rows, columns, RGB
    assert shown.dtype == np.uint8 and shown.shape[2] == 3
    for k, i in enumerate(gallery.shown):  # one tile per class, 5 to a row, 1-pixel gaps
        r, c = divmod(k, 5)
        tile = shown[r * 33: r * 33 + 32, c * 33: c * 33 + 32]
        np.testing.assert_array_equal(tile[10, 10], COLOURS[int(gallery.labels[i])])
        np.testing.assert_array_equal(tile[0, 0], (255, 255, 255))
    np.testing.assert_array_equal(shown[32, 0], (200, 200, 200))  # the gap below row 1


def test_a_mistake_icon_is_in_colour(qtbot):
    ds = _dataset()
    icon = sample_icon(ds.x_test[2], (32, 32, 3))  # blue, its white corner stretched too
    img = icon.pixmap(ICON_SIZE, ICON_SIZE).toImage()
    middle = img.pixelColor(img.width() // 2, img.height() // 2)
    assert (middle.red(), middle.green(), middle.blue()) == (0, 0, 255)


def test_a_probed_colour_sample_is_shown_in_colour(qtbot):
    ds = _dataset()
    probe = SampleProbe(TaskRunner(), lambda: "no model")
    qtbot.addWidget(probe)
    result = {"probs": np.full(10, 0.1), "inside": Rendered(reason="not drawn here"),
              "hidden": []}
    probe._show(4, ds, result)
    shown = probe._simage.image.transpose(1, 0, 2)  # rows, columns, RGB
    assert shown.shape == (32, 32, 3)
    np.testing.assert_allclose(shown[10, 10] * 255.0, COLOURS[4])
    np.testing.assert_allclose(shown[0, 0], 1.0)
