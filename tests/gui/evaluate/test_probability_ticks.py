"""Inspect's sample probe: the predicted-probability bars are one a class, so the class axis
ticks classes only (a two-class network's read "0  0.5  1.0", a class 0.5 that does not
exist); the Inside tab says what it will show before the first probe."""

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


def test_inside_the_network_says_what_comes_before_a_probe(qtbot) -> None:
    """The 'Inside the network (this sample)' tab was blank until a probe."""
    probe = SampleProbe(TaskRunner(), lambda: None)
    qtbot.addWidget(probe)
    assert probe.inside.status.text().startswith("Probe a test sample")
    probe.forget()  # another network: the probe shown goes, the words come back
    assert probe.inside.status.text().startswith("Probe a test sample")
