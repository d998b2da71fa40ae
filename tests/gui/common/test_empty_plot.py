"""An empty plot says why, on 0..1 axes, whatever an earlier run drew there."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from nngui.gui.common.empty_plot import EMPTY_RANGE, EmptyState


def _ranges(item) -> list[tuple[float, float]]:
    return [tuple(r) for r in item.getViewBox().viewRange()]


def test_show_resets_the_axes_and_hide_gives_them_back_to_the_points(qtbot):
    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    item = plot.getPlotItem()
    curve = item.plot([100, 200], [1000, 2000])
    item.getViewBox().autoRange(padding=0)
    state = EmptyState(item)
    assert not state.text.isVisible() and state.reason == ""
    curve.setData([], [])
    state.show("No validation split in this run")
    assert state.text.isVisible() and state.text.textItem.toPlainText() == \
        "No validation split in this run"
    assert _ranges(item) == [EMPTY_RANGE, EMPTY_RANGE]
    item.clear()  # a plot that clears all its items (the run comparison) gets it back
    state.show("Tick a run in the list to plot it")
    assert state.text in item.items and state.text.isVisible()
    curve = item.plot([3, 4], [30, 40])
    state.hide()
    assert not state.text.isVisible() and state.reason == ""
    item.getViewBox().updateAutoRange()
    (x0, x1), (y0, y1) = _ranges(item)
    assert x0 <= 3 and x1 >= 4 and y0 <= 30 and y1 >= 40 and x1 < 10
    assert np.isfinite([x0, x1, y0, y1]).all()


def test_a_long_reason_wraps_inside_a_narrow_plot(qtbot):
    """Beside the Lessons dock a plot is ~250 px wide: the reason wraps into lines inside it,
    never one line cut at both ends."""
    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    plot.resize(250, 300)
    plot.show()
    qtbot.waitExposed(plot)
    state = EmptyState(plot.getPlotItem())
    reason = "No decision boundary: only 2-column data has one"
    state.show(reason)
    box = plot.getPlotItem().getViewBox()
    qtbot.waitUntil(lambda: 0 < box.width() < 250)
    text = state.text.textItem
    assert text.toPlainText() == reason
    assert text.boundingRect().width() <= box.width()
    narrow = text.boundingRect().height()
    plot.resize(900, 300)  # room enough: one line again
    qtbot.waitUntil(lambda: box.width() > 600)
    assert text.boundingRect().width() <= box.width()
    assert text.boundingRect().height() < narrow  # it had wrapped into more lines
