"""The run list's plot: the ticked runs' chosen curve overlaid, a seed group's runs as one
band (mean ± spread), each ticked row wearing its curve's colour, and why it is empty.

``RunPlot`` is the drawing half of ``run_list.RunsPanel`` (which mixes it in): it reads the
panel's ``runList``, ``record_at`` (the run a row draws), ``records`` (the state's
runs), ``metricCombo``, ``comparePlot``, ``compareEmpty`` and
``overfitNote`` and keeps the drawn ``bands``.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPixmap

from nngui.core.training import seeds as seed_groups
from nngui.core.training.history import epoch_points
from nngui.core.training.runs import TEST_PREFIX, RunRecord, best_index, overfit_note
from nngui.gui.common.sight import out_of_sight
from nngui.gui.common.style import PALETTE


class RunPlot:
    """The plot and row colours of the ticked runs (mixed into ``RunsPanel``)."""

    def checked(self) -> list[int]:
        """Indices of the ticked runs."""
        return [i for i in range(self.runList.topLevelItemCount())
                if self.runList.topLevelItem(i).checkState(0) == Qt.CheckState.Checked]

    def plan(self) -> list[tuple[str | None, list[int]]]:
        """What the plot draws, in order: (None, [a ticked run]) or (a seed group, its ticked
        runs) where two or more of a group's runs are ticked (then drawn as one band)."""
        out: list[tuple[str | None, list[int]]] = []
        members: dict[str, list[int]] = {}
        for i in self.checked():
            group = seed_groups.group_of(self.record_at(i).settings)
            if group is None:
                out.append((None, [i]))
            elif group in members:
                members[group].append(i)
            else:
                members[group] = [i]
                out.append((group, members[group]))
        return [(group if len(runs) > 1 else None, runs) for group, runs in out]

    def _colour_rows(self) -> None:
        """A swatch of its curve's colour on each ticked run's row: the plot's legend (a seed
        group's runs share their band's colour)."""
        colours = {i: PALETTE[n % len(PALETTE)] for n, (_g, runs) in enumerate(self.plan())
                   for i in runs}
        blocked = self.runList.blockSignals(True)  # an icon is an itemChanged: no redraw
        try:
            self._set_swatches(colours)
        finally:
            self.runList.blockSignals(blocked)
        self.runList.viewport().update()

    def _set_swatches(self, colours: dict[int, tuple[int, int, int]]) -> None:
        for i in range(self.runList.topLevelItemCount()):
            if i in colours:
                swatch = QPixmap(12, 12)
                swatch.fill(QColor(*colours[i]))
                self.runList.topLevelItem(i).setIcon(0, QIcon(swatch))
            else:
                self.runList.topLevelItem(i).setIcon(0, QIcon())

    def redraw(self) -> None:
        """Overlay the ticked runs' chosen curve; mark each one's best validation epoch."""
        self.runShown.emit()
        self._stale = out_of_sight(self)
        if self._stale:
            return
        plot = self.comparePlot.getPlotItem()
        plot.clear()
        key = self.metricCombo.currentText()
        reason = empty_reason([self.record_at(i).history for i in self.checked()], key)
        if reason:
            self.compareEmpty.show(reason)
        else:
            self.compareEmpty.hide()
        plot.setLabel("left", key + (" (test subset)" if key.startswith(TEST_PREFIX) else ""))
        scale = 100.0 if "accuracy" in key else 1.0
        self.bands = {}
        for n, (group, runs) in enumerate(self.plan()):
            color = PALETTE[n % len(PALETTE)]
            if group is not None:
                self._draw_band(group, runs, key, scale, color)
                continue
            rec = self.record_at(runs[0])
            ys = rec.history.get(key, [])
            if not ys:
                continue
            xs = rec.history.get("epoch", [])
            xs = xs if len(xs) == len(ys) else list(range(1, len(ys) + 1))
            # the Train tab's points: a stopped epoch's part has no validation (NaN), and
            # the curve goes on past it to the epoch a Continue trained again, not a gap
            px, py = epoch_points(rec.history, key)
            plot.plot(px, [scale * y for y in py], pen=pg.mkPen(*color, width=2),
                      name=rec.name)
            best = best_index(rec.history)
            if best is not None and key == "val_loss" and best < len(ys):
                plot.plot([xs[best]], [ys[best]], pen=None, symbol="star",
                          symbolSize=14, symbolBrush=color)
        self._colour_rows()
        current = self.runList.currentItem()
        if current is not None:
            rec = self.record_at(self.runList.indexOfTopLevelItem(current))
            best, note = overfit_note(rec.history)  # from the run's own history
            banded = seed_groups.group_of(rec.settings) in self.bands  # no ★ on a band
            star = (" (★ marks each run's best validation epoch on the val_loss plot.)"
                    if best is not None and not banded else "")
            self.overfitNote.setText(f"{rec.name}: {note}{star}{self._group_note(rec, key)}")
        else:  # no run chosen (none left, a new project): no words about a run gone
            self.overfitNote.clear()

    def _draw_band(self, group: str, runs: list[int], key: str, scale: float,
                   color: tuple[int, int, int]) -> None:
        """A seed group's runs: each thin, their mean bold, mean ± spread as a band."""
        plot = self.comparePlot.getPlotItem()
        histories = [self.record_at(i).history for i in runs]
        for history in histories:
            xs, ys = epoch_points(history, key)
            plot.plot(xs, [scale * y for y in ys], pen=pg.mkPen(*color, 90, width=1))
        b = seed_groups.band(histories, key)
        if not b.xs.size:
            return
        low = plot.plot(b.xs, scale * b.low, pen=pg.mkPen(*color, 120, width=1))
        high = plot.plot(b.xs, scale * b.high, pen=pg.mkPen(*color, 120, width=1))
        plot.addItem(pg.FillBetweenItem(low, high, brush=pg.mkBrush(*color, 60)))
        mean = plot.plot(b.xs, scale * b.mean, pen=pg.mkPen(*color, width=3))
        self.bands[group] = (b, mean, low, high)

    def _group_note(self, rec: RunRecord, key: str) -> str:
        """' Seed group "lr 0.01 · 3 seeds": val_loss 0.31 ± 0.02 over 3 seeds.' or ''."""
        group = seed_groups.group_of(rec.settings)
        if group is None:
            return ""
        members = [r.history for r in self.records
                   if seed_groups.group_of(r.settings) == group]
        summary = seed_groups.final_summary(members, key)
        name = rec.settings.get(seed_groups.GROUP_NAME, "")
        return f" Seed group \"{name}\": {summary}." if summary else ""


def empty_reason(histories: list[dict], key: str) -> str:
    """Why the compare plot has no ``key`` curve for the ticked runs' ``histories`` (say, no
    validation split), or "" when one of them has a point of it."""
    if not histories:
        return "Tick a run in the list to plot it"
    if any(epoch_points(h, key)[0] for h in histories):
        return ""
    runs = "this run" if len(histories) == 1 else "the ticked runs"
    if not any(epoch_points(h, "loss")[0] for h in histories):  # stopped in its first epoch
        return f"No epoch finished in {runs}: nothing to plot per epoch yet"
    if key.startswith("val_"):
        return f"No validation split in {runs}"
    if key.startswith(TEST_PREFIX):
        return f"No test-set curve in {runs}"
    return f"No {key} in {runs}"
