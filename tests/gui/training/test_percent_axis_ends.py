"""An accuracy axis drawn over exactly 0..100 % shows its 0 and 100 labels (a student could not
read the scale: pyqtgraph hid the end labels of a plot with a grid)."""

from __future__ import annotations

from axis_labels import label_specs

from nngui.gui.training.curves import TrainingCurves


def drawn_labels(axis) -> list[str]:
    """The tick labels ``axis`` paints: those its draw specs keep, inside its clip."""
    clip = axis.boundingRect().toAlignedRect()
    return [text for rect, _flags, text in label_specs(axis)
            if clip.contains(rect.toAlignedRect())]


def test_the_empty_accuracy_axis_shows_0_and_100(qtbot) -> None:
    curves = TrainingCurves()
    qtbot.addWidget(curves)
    curves.resize(700, 400)
    curves.show()
    curves.build_plots()
    item = curves.accuracyPlot.getPlotItem()
    qtbot.waitUntil(lambda: item.getAxis("left").height() > 100, timeout=5000)
    low, high = item.getViewBox().viewRange()[1]
    # 0..100 and half a mark's room beyond each end (a point at 100 % is drawn whole)
    assert -3.0 < low < 0.0 and 100.0 < high < 103.0, (low, high)
    labels = drawn_labels(item.getAxis("left"))
    assert "0" in labels and "100" in labels, labels


def test_the_robustness_accuracy_axes_show_0(qtbot) -> None:
    from nngui.gui.common.tasks import TaskRunner
    from nngui.gui.draw.robustness import RobustnessView

    view = RobustnessView(TaskRunner())
    qtbot.addWidget(view)
    view.show()
    for plot in view.plots.values():
        axis = plot.getPlotItem().getAxis("left")
        qtbot.waitUntil(lambda axis=axis: axis.height() > 60, timeout=5000)
        assert "0" in drawn_labels(axis) and "100" in drawn_labels(axis)


def test_the_draw_tabs_probability_axis_shows_0(qtbot) -> None:
    """The probability bars' axis runs from 0: its 0 label (at the plot's edge) is drawn."""
    from nngui.gui.draw.reading import ReadingColumn

    column = ReadingColumn()
    qtbot.addWidget(column)
    column.show()
    axis = column.probabilityPlot.getPlotItem().getAxis("left")
    qtbot.waitUntil(lambda: axis.height() > 100, timeout=5000)
    assert "0" in drawn_labels(axis), drawn_labels(axis)
