"""Evaluate's boundary plot before an evaluation, or for a network with no 2-D boundary,
says why on plain axes instead of keeping the previous data's box (issue 23 leftovers)."""

from __future__ import annotations

from nngui.core.network.spec import LayerSpec, NetworkSpec
from nngui.gui.common.empty_plot import EMPTY_RANGE
from nngui.gui.evaluate.panel import EvaluatePanel


def _spec(inputs: int) -> NetworkSpec:
    return NetworkSpec((inputs,), [LayerSpec("Dense", {"units": 1, "activation": "sigmoid"})],
                       "binary_crossentropy", "adam", 0.01)


def test_the_boundary_plot_of_3_column_data_shows_no_old_axes(qtbot):
    panel = EvaluatePanel()
    qtbot.addWidget(panel)
    item = panel.decisionBoundaryPlot.getPlotItem()
    panel.set_context(None, None, _spec(2), ["0", "1"])
    assert panel.boundaryEmpty.reason == "Press Evaluate to draw it"
    panel.boundaryEmpty.hide(auto_range=False)  # an evaluated 2-column network's box
    panel.boundaryPoints.setData(x=[-8.0, 8.0], y=[-8.0, 8.0])
    item.autoRange()
    assert item.getViewBox().viewRange()[0][1] > 7
    panel.set_context(None, None, _spec(3), ["0", "1"])  # the 3-column XOR
    assert panel.boundaryEmpty.reason == "No decision boundary: the network reads 3 inputs, not 2"
    assert panel.boundaryEmpty.text.isVisible()
    assert [tuple(r) for r in item.getViewBox().viewRange()] == [EMPTY_RANGE, EMPTY_RANGE]
