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
    assert panel.boundaryEmpty.reason == "Train the network, then evaluate it"  # no model
    panel.set_context(object(), object(), _spec(2), ["0", "1"])  # a model to evaluate
    assert panel.boundaryEmpty.reason == "Press Evaluate to draw it"
    panel.boundaryEmpty.hide(auto_range=False)  # an evaluated 2-column network's box
    panel.boundaryPoints.setData(x=[-8.0, 8.0], y=[-8.0, 8.0])
    item.autoRange()
    assert item.getViewBox().viewRange()[0][1] > 7
    panel.set_context(None, None, _spec(3), ["0", "1"])  # the 3-column XOR
    assert panel.boundaryEmpty.reason == "No decision boundary: the network reads 3 inputs, not 2"
    assert panel.boundaryEmpty.text.isVisible()
    assert [tuple(r) for r in item.getViewBox().viewRange()] == [EMPTY_RANGE, EMPTY_RANGE]


def test_an_autoencoder_is_not_said_to_make_no_mistakes(qtbot):
    """Evaluating lesson 5's autoencoder named the tab "Mistakes (0)": a network without
    classes has no mistakes to count, not zero of them."""
    import numpy as np

    from nngui.core.data.adapt import Prepared
    from nngui.core.model.builder import build_model, compile_model

    spec = NetworkSpec((4,), [LayerSpec("Dense", {"units": 2, "activation": "relu"}),
                              LayerSpec("Dense", {"units": 4, "activation": "sigmoid"})],
                       "mse", "adam", 0.01, kind="autoencoder")
    x = np.random.default_rng(0).uniform(0, 1, (32, 4)).astype(np.float32)
    panel = EvaluatePanel()
    qtbot.addWidget(panel)
    panel.set_context(compile_model(build_model(spec, 0), spec), Prepared(x, x, x, x, None),
                      spec, [])
    with qtbot.waitSignal(panel.evaluated, timeout=60000):
        assert panel.evaluate()
    assert panel.report.confusion is None
    assert panel.tabs.tabText(1) == "Mistakes"
    assert "no classes" in panel.tabs.tabToolTip(1)
