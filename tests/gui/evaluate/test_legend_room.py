"""Evaluate's Fitted curve and decision boundary keep their legend above the points: it sat
on the curve's crest and the highest test samples."""

import numpy as np
from PySide6.QtWidgets import QApplication

from nngui.core.data.adapt import Prepared
from nngui.core.insight.evaluation import EvalReport
from nngui.gui.evaluate.panel import EvaluatePanel


def test_the_legend_sits_above_the_highest_point(qtbot):
    panel = EvaluatePanel()
    qtbot.addWidget(panel)
    panel.resize(420, 560)
    panel.show()
    panel.tabs.setCurrentIndex(2)
    x = np.linspace(-3, 3, 200).astype(np.float32).reshape(-1, 1)
    y = np.sin(2 * x) + 0.3 * x
    panel._data = Prepared(x, y, x, y, None)
    xs = np.linspace(-3.3, 3.3, 100)
    report = EvalReport({"loss": 0.02}, 200, "regression",
                        curve=(xs, np.sin(2 * xs) + 0.3 * xs))
    panel._show_boundary(report)
    QApplication.processEvents()
    view = panel.decisionBoundaryPlot.getPlotItem().getViewBox()
    (_, _), (y0, y1) = view.viewRange()
    legend = panel.boundaryLegend
    bottom_px = legend.mapRectToItem(view, legend.boundingRect()).bottom()  # in view pixels
    top_point_px = (y1 - float(np.max(np.r_[y.ravel(), np.sin(2 * xs) + 0.3 * xs]))) \
        * view.height() / (y1 - y0)
    assert top_point_px > bottom_px, (top_point_px, bottom_px)
