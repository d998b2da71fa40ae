"""An empty plot says why it is empty, on plain 0..1 axes: never what an earlier run drew.

A pyqtgraph plot whose curves are all set to nothing keeps the range (and so the ticks) it
had: the val_loss plot of a run without a validation split showed the last run's epochs
and losses, a boundary plot of 3-column data the previous data's box. ``EmptyState`` puts a
short reason in the middle of the plot and the axes back to 0..1 while there is nothing to
draw; the caller derives the reason from what it is showing now (the run, the session).
"""

from __future__ import annotations

from html import escape
from typing import Any

EMPTY_RANGE = (0.0, 1.0)  # both axes of an empty plot, in view coordinates
TEXT_COLOR = (110, 110, 110)
MARGIN_PX = 12  # the text wraps this far inside the plot's box


class EmptyState:
    """The empty state of ``plot`` (a pyqtgraph ``PlotItem``): ``show(reason)`` when it has
    nothing to draw, ``hide()`` when it has; ``reason`` is what it says now ("" when hidden).
    """

    def __init__(self, plot: Any) -> None:
        import pyqtgraph as pg

        self._plot = plot
        self.text = pg.TextItem("", color=TEXT_COLOR, anchor=(0.5, 0.5))
        self.text.setZValue(20)
        self.text.setVisible(False)
        plot.addItem(self.text, ignoreBounds=True)
        self.reason = ""
        # wrapped to the plot's width, whatever it is (a narrow plot beside the Lessons dock
        # cut one long line at both ends)
        plot.getViewBox().sigResized.connect(lambda *_: self._fit())

    def show(self, reason: str) -> None:
        """Say ``reason`` in the middle of the plot, its axes 0..1 (whatever was drawn before)."""
        if self.text not in self._plot.items:  # a PlotItem.clear() took it out
            self._plot.addItem(self.text, ignoreBounds=True)
        self.reason = reason
        self.text.setHtml(f"<div style='text-align: center'>{escape(reason)}</div>")
        self._fit()
        self.text.setPos(0.5 * sum(EMPTY_RANGE), 0.5 * sum(EMPTY_RANGE))
        self.text.setVisible(True)
        self._plot.setRange(xRange=EMPTY_RANGE, yRange=EMPTY_RANGE, padding=0.0)

    def hide(self, auto_range: bool = True) -> None:
        """Something is drawn: no reason; the axes follow the points again (``auto_range``),
        unless the caller sets them itself. A plot already showing points is left as it is
        (a range the user zoomed stays)."""
        if not self.text.isVisible():
            return
        self.reason = ""
        self.text.setVisible(False)
        if auto_range:
            self._plot.enableAutoRange()

    def _fit(self) -> None:
        """The text as wide as the plot's box (less a margin): it wraps into lines there."""
        width = self._plot.getViewBox().width() - 2 * MARGIN_PX
        self.text.setTextWidth(max(40.0, width))
