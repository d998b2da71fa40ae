"""Inspect's predicted-probability bars are one a class: the class axis has ticks at classes
only (a two-class network's read "0  0.5  1.0", a class 0.5 that does not exist)."""

from __future__ import annotations

from nngui.gui.common.tasks import TaskRunner
from nngui.gui.evaluate.inspect import SampleProbe


def test_the_class_axis_ticks_only_classes(qtbot) -> None:
    probe = SampleProbe(TaskRunner(), lambda: None)
    qtbot.addWidget(probe)
    axis = probe.probPlot.getPlotItem().getAxis("bottom")
    for low, high in ((-0.5, 1.5), (-0.5, 2.5), (-0.5, 9.5)):  # 2, 3 and 10 classes
        ticks = [v for _, values in axis.tickValues(low, high, 220) for v in values]
        assert ticks and all(float(v).is_integer() for v in ticks), (high, ticks)
