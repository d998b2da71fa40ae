"""The Evaluate tab's boundary plot shows the whole label of its top tick: with no title above
it, the "1.0" of its empty 0..1 axis (and the top label of a fitted curve) was cut in half by
the plot's top edge (seen at 1366x768)."""

from __future__ import annotations

from axis_labels import label_specs
from PySide6.QtCore import QRectF

from nngui.gui.evaluate.panel import EvaluatePanel


def label_rects(axis) -> dict[str, QRectF]:
    """Where ``axis`` paints each tick label, in its plot widget's pixels."""
    view = axis.scene().views()[0]
    return {text: view.mapFromScene(axis.mapRectToScene(QRectF(rect))).boundingRect()
            for rect, _flags, text in label_specs(axis)}


def test_the_end_labels_of_the_empty_boundary_plot_are_drawn_whole(qtbot) -> None:
    panel = EvaluatePanel()
    qtbot.addWidget(panel)
    panel.resize(380, 600)
    panel.show()
    panel.tabs.setCurrentWidget(panel.decisionBoundaryPlot)
    plot = panel.decisionBoundaryPlot
    item = plot.getPlotItem()
    qtbot.waitUntil(lambda: item.getAxis("left").height() > 100, timeout=5000)
    inside = QRectF(plot.viewport().rect())
    left = label_rects(item.getAxis("left"))
    assert "1.0" in left and inside.contains(left["1.0"]), (left.get("1.0"), inside)
    bottom = label_rects(item.getAxis("bottom"))
    assert "0" in bottom, sorted(bottom)  # the x axis' end label was not drawn at all
    for axis_labels in (left, bottom):
        for text, rect in axis_labels.items():
            assert inside.contains(rect), (text, rect, inside)
