"""Hovering a hidden unit's tile shows its activation map in the boundary plot; leaving restores
the output map. The arrays come from the boundary probe (as the training thread sends them)."""

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF
from PySide6.QtGui import QColor, QEnterEvent

from nngui.core.data.datasets import load_dataset
from nngui.core.insight.probes import BoundaryProbe
from nngui.core.model.builder import build_model
from nngui.core.network.spec import NetworkSpec
from nngui.core.training.presets import _dense
from nngui.gui.training.live import LivePanel
from nngui.gui.training.unit_maps import UNIT_COLORS, unit_levels


@pytest.fixture(scope="module")
def moons():
    return load_dataset("moons")


def _payload(moons, spec, seed=0):
    model = build_model(spec, seed)
    probe = BoundaryProbe(moons.x_train[:100], moons.y_train[:100], moons.x_test[:30],
                          moons.y_test[:30], resolution=21)
    return model, probe(model)


@pytest.fixture
def panel(qtbot):
    live = LivePanel()
    qtbot.addWidget(live)
    live.resize(900, 420)
    live.show()
    return live


def _show(panel, qtbot, payload, epoch=0):
    panel.show_probe("boundary", epoch, payload)
    qtbot.waitUntil(lambda: panel._drawn.get("boundary") == id(payload), timeout=5000)


def _enter(tile):
    from PySide6.QtWidgets import QApplication

    QApplication.sendEvent(tile, QEnterEvent(QPointF(3, 3), QPointF(3, 3), QPointF(3, 3)))


def _leave(tile):
    from PySide6.QtWidgets import QApplication

    QApplication.sendEvent(tile, QEvent(QEvent.Type.Leave))


def test_hovering_a_tile_shows_that_units_map_and_leaving_restores_the_output(
        panel, qtbot, moons):
    spec = NetworkSpec((2,), [_dense(5, "tanh"), _dense(3, "relu"), _dense(2, "softmax")])
    _, p = _payload(moons, spec)
    _show(panel, qtbot, p)
    maps = panel.findChild(type(panel.unitMaps), "unitMaps")
    assert maps is panel.unitMaps and maps.isVisible()
    assert [t.toolTip() for t in maps.tiles] == [f"layer 1 unit {u}" for u in range(1, 6)] + \
        [f"layer 2 unit {u}" for u in range(1, 4)]
    output = np.where(p["classes"] == 1, p["prob"], 1 - p["prob"]).T
    np.testing.assert_array_equal(panel._image.image, output)

    # a first-layer unit: its map, its own line w·x+b=0 in bold, a caption naming it
    _enter(maps.tiles[2])
    grid = p["unit_maps"][0]["maps"][2]
    np.testing.assert_array_equal(panel._image.image, grid.T)
    assert tuple(panel.probabilityBar.levels()) == unit_levels(grid)
    assert "layer 1 unit 3" in panel.unitMapCaption.text()
    assert "layer 1 unit 3" in panel.boundaryPlot.getPlotItem().titleLabel.text.lower()
    lx, ly = panel._unit_line.getData()
    kernel, bias = p["units"]
    assert len(lx) == 2
    np.testing.assert_allclose(kernel[0, 2] * lx + kernel[1, 2] * ly + bias[2], 0, atol=1e-4)
    _leave(maps.tiles[2])
    np.testing.assert_array_equal(panel._image.image, output)
    assert len(panel._unit_line.getData()[0] if panel._unit_line.getData()[0] is not None
               else []) == 0
    assert tuple(panel.probabilityBar.levels()) == (0, 1)

    # a second-layer unit: its map, no line (it has no line in the input plane)
    _enter(maps.tiles[6])
    np.testing.assert_array_equal(panel._image.image, p["unit_maps"][1]["maps"][1].T)
    assert "layer 2 unit 2" in panel.unitMapCaption.text()
    assert panel._unit_line.getData()[0] is None or len(panel._unit_line.getData()[0]) == 0


def test_the_hovered_map_follows_new_epochs_and_a_new_network_drops_the_tiles(
        panel, qtbot, moons):
    spec = NetworkSpec((2,), [_dense(4, "tanh"), _dense(2, "softmax")])
    model, p = _payload(moons, spec)
    _show(panel, qtbot, p)
    _enter(panel.unitMaps.tiles[1])
    w, b = model.layers[0].get_weights()
    model.layers[0].set_weights([w * 2.0, b + 0.3])  # as if an epoch trained it
    p2 = BoundaryProbe(moons.x_train[:100], moons.y_train[:100], moons.x_test[:30],
                       moons.y_test[:30], resolution=21)(model)
    _show(panel, qtbot, p2, epoch=1)
    np.testing.assert_array_equal(panel._image.image, p2["unit_maps"][0]["maps"][1].T)
    assert not np.array_equal(p2["unit_maps"][0]["maps"][1], p["unit_maps"][0]["maps"][1])
    assert "epoch 2" in panel.boundaryPlot.getPlotItem().titleLabel.text
    panel.clear()
    assert panel.unitMaps.tiles == [] and not panel.unitMaps.isVisible()


def test_a_tile_is_its_map_in_the_boundarys_colours(panel, qtbot, moons):
    spec = NetworkSpec((2,), [_dense(3, "tanh"), _dense(2, "softmax")])
    _, p = _payload(moons, spec, seed=5)
    _show(panel, qtbot, p)
    tile = panel.unitMaps.tiles[0]
    grid = p["unit_maps"][0]["maps"][0]
    image = tile.pixmap().toImage()
    lo, hi = unit_levels(grid)
    ny, nx = grid.shape
    for iy, ix in ((0, 0), (ny - 1, nx - 1), (ny // 2, 3)):
        expected = UNIT_COLORS.map((grid[iy, ix] - lo) / (hi - lo), mode="qcolor")
        got = QColor(image.pixel(ix, ny - 1 - iy))  # row 0 of the picture is the top (max y)
        assert abs(got.red() - expected.red()) <= 3 and abs(got.blue() - expected.blue()) <= 3


def test_a_perceptron_has_no_tiles(panel, qtbot, moons):
    spec = NetworkSpec((2,), [_dense(1, "sigmoid")], "binary_crossentropy")
    _, p = _payload(moons, spec)
    _show(panel, qtbot, p)
    assert p["unit_maps"] == [] and panel.unitMaps.tiles == []
    assert not panel.unitMaps.isVisible()


def test_a_multiclass_boundary_comes_back_in_class_colours_after_a_hover(panel, qtbot, moons):
    spec = NetworkSpec((2,), [_dense(4, "tanh"), _dense(3, "softmax")])
    _, p = _payload(moons, spec, seed=2)
    p["y_train"] = p["y_train"].copy()
    p["y_train"][:5] = 2  # three classes: no p(class 1) bar, the classes' own colours
    _show(panel, qtbot, p)
    assert panel._image.image.ndim == 3 and not panel.probabilityBar.isVisible()
    _enter(panel.unitMaps.tiles[0])
    np.testing.assert_array_equal(panel._image.image, p["unit_maps"][0]["maps"][0].T)
    assert panel.probabilityBar.isVisible()  # the unit's scale
    _leave(panel.unitMaps.tiles[0])
    assert panel._image.image.ndim == 3 and not panel.probabilityBar.isVisible()
