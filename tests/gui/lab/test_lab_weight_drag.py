"""Dragging a weight in the backprop lab's graph: the weight, the predictions and the loss
follow at once; Reset puts the trained value back; training makes the edit the net's own."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from nngui.core.lab.backprop import dataset, forward
from nngui.gui.common.net_graph import DRAG_PX
from nngui.gui.lab.panel import LabPanel


@pytest.fixture
def lab(qtbot):
    p = LabPanel()
    p.autoCheck.setChecked(False)  # no TensorFlow check here
    qtbot.addWidget(p)
    p.resize(1100, 700)
    p.show()
    qtbot.waitExposed(p)
    yield p
    p.set_running(False)
    p.wait_for_check()


def drag(qtbot, graph, layer: int, i: int, j: int, up_px: int) -> None:
    start = graph.edge_middle(layer, i, j).toPoint()
    qtbot.mousePress(graph, Qt.MouseButton.LeftButton, pos=start)
    for k in range(1, 4):  # a few moves, as a hand makes them
        qtbot.mouseMove(graph, QPoint(start.x(), start.y() - up_px * k // 3))
    qtbot.mouseRelease(graph, Qt.MouseButton.LeftButton, pos=QPoint(start.x(),
                                                                  start.y() - up_px))


def shown_outputs(lab) -> np.ndarray:
    return np.array([float(lab.predictions.item(r, 3).text()) for r in range(4)])


def test_a_dragged_weight_changes_the_outputs_and_reset_puts_it_back(qtbot, lab):
    lab.iterate(200)
    net = lab.net
    trained = [w.copy() for w in net.weights]
    x, y = dataset(net.config)
    before = forward(net.config, x, y, trained).output.ravel()
    largest = max(float(np.abs(w).max()) for w in net.weights)
    assert not lab.weightEdits.resetButton.isEnabled()

    drag(qtbot, lab.graph, 1, 0, 0, 45)  # W2[h1 → ŷ] up 45 px

    step = 45 * max(largest, 1.0) / DRAG_PX
    assert net.weights[1][0, 0] == pytest.approx(trained[1][0, 0] + step, abs=1e-9)
    expected = forward(net.config, x, y, net.weights).output.ravel()
    np.testing.assert_allclose(shown_outputs(lab), expected, atol=1e-4)
    assert np.abs(shown_outputs(lab) - before).max() > 1e-3
    assert "1 weight edited by hand: loss now" in lab.status.text()
    assert lab.weightEdits.resetButton.isEnabled()
    assert (1, 0, 0) in lab.graph.edited

    qtbot.mouseClick(lab.weightEdits.resetButton, Qt.MouseButton.LeftButton)
    for a, b in zip(net.weights, trained, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(shown_outputs(lab), before, atol=1e-4)
    assert not lab.weightEdits.resetButton.isEnabled() and not lab.graph.edited


def test_training_from_an_edit_makes_it_the_nets_own(qtbot, lab):
    drag(qtbot, lab.graph, 0, 1, 1, -30)
    lab.forward()  # a forward pass trains nothing: still undoable
    assert lab.weightEdits.resetButton.isEnabled()
    lab.step()
    assert not lab.weightEdits.resetButton.isEnabled()
    assert "edited" not in lab.status.text()
