"""At 1366x768 with the Lessons dock open, the Watch and Evaluate captions are whole: no
label cut off, no plot title wider than its plot, no tab scrolled out of sight (issue 23
leftovers, item 4: seen on screenshots of every tab)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QTabWidget
from pytestqt.exceptions import TimeoutError as WaitTimeout


def _cut(root) -> list[str]:
    """Visible one-line labels narrower than their text, and visible plots whose title is
    wider than the plot."""
    bad = [f"label {lab.objectName()!r}: {lab.text()[:60]!r} needs {lab.sizeHint().width()}, "
           f"has {lab.width()}" for lab in root.findChildren(QLabel)
           if lab.isVisible() and lab.text() and not lab.wordWrap()
           and lab.sizeHint().width() > lab.width() + 1]
    for plot in root.findChildren(pg.PlotWidget):
        title = plot.getPlotItem().titleLabel
        room = min(title.width(), plot.width())  # the title's row of the plot's layout
        if plot.isVisible() and title.isVisible() and \
                title.item.boundingRect().width() > room + 1:
            bad.append(f"title of {plot.objectName()!r}: {title.text!r} wider than "
                       f"{room} px")
    return bad


def _hidden_tabs(root) -> list[str]:
    """Tabs of a visible tab widget that lie beyond its tab bar (scrolled out of sight)."""
    out = []
    for tabs in root.findChildren(QTabWidget):
        bar = tabs.tabBar()
        if tabs.isVisible():
            out += [f"{tabs.objectName()}: {tabs.tabText(i)!r}" for i in range(tabs.count())
                    if bar.tabRect(i).right() > bar.width()]
    return out


def test_watch_and_evaluate_captions_are_whole_beside_the_lessons(window, qtbot):
    w = window
    w.resize(1366, 768)
    w.show()
    qtbot.waitExposed(w)
    w.lessons.show()
    w.apply_preset("mlp-2-4-2")
    qtbot.waitUntil(lambda: w.data.dataset.name == "circles", timeout=20000)
    w.builder.set_config(replace(w.builder.config(), epochs=3, batch_size=64))
    with qtbot.waitSignal(w.training.runFinished, timeout=120000):
        assert w.train()
    qtbot.waitUntil(lambda: not w.tasks.running() and w.evaluate.report is not None,
                    timeout=60000)
    assert w.lessons.dock.isVisible() and w.size().toTuple() == (1366, 768)
    w.tabs.setCurrentWidget(w.watch)
    live = w.watch.live
    qtbot.waitUntil(lambda: live.confusionView.matrix is not None and "epoch" in
                    live.boundaryPlot.getPlotItem().titleLabel.text, timeout=10000)
    # the widest title a course run gives: the lesson's 150 epochs, every sample right
    live.confusionView.show_matrix(149, 100 * np.eye(2, dtype=np.int64))
    assert "150" in live.confusionView.getPlotItem().titleLabel.text
    live.unitMaps.unitHovered.emit(None)  # the caption that asks to hover a tile
    assert "Hover a unit" in live.unitMapCaption.text()
    cut: list[str] = []
    sizes: list[tuple] = []

    def whole() -> bool:  # once the layouts have settled (two looks alike) on the new texts
        QApplication.processEvents()  # the plots' layouts take the new titles' sizes
        cut[:] = _cut(w.watch)
        sizes.append(tuple(p.size().toTuple() for p in w.watch.findChildren(pg.PlotWidget)))
        return not cut and len(sizes) > 1 and sizes[-1] == sizes[-2]

    try:
        qtbot.waitUntil(whole, timeout=3000)
    except WaitTimeout:
        raise AssertionError(cut) from None
    w.tabs.setCurrentWidget(w.evaluate)
    QApplication.processEvents()
    tabs = w.evaluate.tabs
    assert tabs.tabText(1).startswith("Mistakes (")
    assert _hidden_tabs(w.evaluate) == []
    assert all(tabs.tabToolTip(i) for i in range(tabs.count()))  # each one's whole name
    assert tabs.elideMode() == Qt.TextElideMode.ElideRight
