"""The window fits a laptop (1366x768, 1024x700) on every tab and the Draw canvas holds still."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QMenu,
    QMessageBox,
    QPushButton,
    QStyle,
    QStyleOptionComboBox,
    QTabBar,
    QToolButton,
)

from nngui.core.network import catalog
from nngui.gui.window.layout import ScreenBoundArea, fit_to_screen
from nngui.gui.window.main_window import MainWindow

LAPTOP = QSize(1280, 720)
SMALL = QSize(1024, 700)


@pytest.fixture
def window(qtbot, monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))  # no MNIST in ~/.keras: opens on bundled data
    monkeypatch.delenv("NNGUI_MNIST", raising=False)
    monkeypatch.setenv("NNGUI_DATA_DIR", str(tmp_path / "nngui-data"))
    for kind in ("warning", "information", "critical"):
        monkeypatch.setattr(QMessageBox, kind, lambda *a, **kw: None)
    from nngui.gui.common.data_controller import DataController

    monkeypatch.setattr(DataController, "ask_mnist_choice", lambda self: "cancel")
    w = MainWindow(load_tensorflow=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.data.dataset is not None, timeout=30000)
    yield w
    w.close()


def _elided_buttons(w) -> list[str]:
    """Visible buttons whose text does not fit their width (Qt elides it: "Ad… ▾")."""
    bad = []
    for cls in (QPushButton, QToolButton):
        for b in w.findChildren(cls):
            text = b.text().replace("&", "")
            if not b.isVisible() or not text:
                continue
            need = b.fontMetrics().horizontalAdvance(text) + 8  # the frame's padding
            if need > b.width():
                bad.append(f"{text!r}: {b.width()} px < {need} px")
    return bad


def _elided_combos(w) -> list[str]:
    """Visible combo boxes whose current text is wider than their text field."""
    bad = []
    for c in w.findChildren(QComboBox):
        if not c.isVisible() or c.isEditable() or not c.currentText():
            continue
        opt = QStyleOptionComboBox()
        c.initStyleOption(opt)
        field = c.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, opt,
                                         QStyle.SubControl.SC_ComboBoxEditField, c)
        need = c.fontMetrics().horizontalAdvance(c.currentText())
        if need > field.width():
            bad.append(f"{c.objectName()} {c.currentText()!r}: {field.width()} px < {need} px")
    return bad


def _scrolling_tab_bars(w) -> list[str]:
    """Visible tab bars too narrow for their tabs (Qt then shows scroll arrows)."""
    return [f"{b.parent().objectName()}: {b.width()} px < {b.sizeHint().width()} px"
            for b in w.findChildren(QTabBar)
            if b.isVisible() and b.sizeHint().width() > b.width()]


def _hidden_total(w) -> str:
    """Why the summary's "Total params" cannot be read, or "" when it can."""
    table, footer = w.summary, w.summary.footer
    if not footer.isVisible() or not footer.text().startswith("Total params"):
        return "no visible total"
    if not table.rect().contains(footer.geometry()):
        return f"total {footer.geometry().getRect()} outside the table {table.rect().getRect()}"
    if footer.geometry().intersects(table.viewport().geometry()):
        return "the total scrolls with (or covers) the layer rows"
    if footer.fontMetrics().horizontalAdvance(footer.text()) > footer.contentsRect().width():
        return "the total's text is cut"
    return ""


def _clipped_plots(w) -> list[str]:
    """Visible plots whose content (titles, axes) needs more room than the plot has."""
    import pyqtgraph as pg

    bad = []
    for plot in w.findChildren(pg.PlotWidget):
        if not plot.isVisible():
            continue
        need = plot.getPlotItem().effectiveSizeHint(Qt.SizeHint.MinimumSize)
        have = plot.viewport().size()
        if need.width() > have.width() + 1 or need.height() > have.height() + 1:
            bad.append(f"{plot.objectName()}: needs {need.toTuple()}, has {have.toTuple()}")
    return bad


def _fits(hint: QSize, size: QSize) -> bool:
    return hint.width() <= size.width() and hint.height() <= size.height()


def test_every_tab_fits_1280x720_and_1024x700_without_elided_buttons(window, qtbot,
                                                                      monkeypatch):
    # the contents' own minimum, not the one the central area cuts to the (800x800
    # offscreen) screen: it is what must fit a laptop without scrolling
    monkeypatch.setattr(ScreenBoundArea, "room", lambda self: None)
    window.centralScroll.updateGeometry()
    # texts a run leaves behind must not widen the window (a progress bar's did)
    window.training.trainingProgress.setRange(0, 1688)
    window.training.trainingProgress.setFormat("Epoch 15/15 · batch 1688/1688 · ETA 1:02:03")
    window.training.trainingProgress.setValue(1000)
    assert _fits(window.minimumSizeHint(), LAPTOP), window.minimumSizeHint()
    for size in (QSize(1366, 768), SMALL):
        window.resize(size)
        for i in range(window.tabs.count()):
            window.tabs.setCurrentIndex(i)
            QApplication.processEvents()
            name = window.tabs.tabText(i)
            hint = window.minimumSizeHint()
            assert _fits(hint, LAPTOP), f"{name}: minimum {hint.toTuple()}"
            assert _fits(hint, SMALL), f"{name}: minimum {hint.toTuple()}"
            qtbot.waitUntil(lambda s=size: window.size() == s)
            assert not _elided_buttons(window), f"{name} at {size.toTuple()}"
            assert not _clipped_plots(window), f"{name} at {size.toTuple()}"
            assert not _elided_combos(window), f"{name} at {size.toTuple()}"
            assert not _scrolling_tab_bars(window), f"{name} at {size.toTuple()}"
    # having used every tab, the window still fits a laptop
    for i in range(window.tabs.count()):
        window.tabs.setCurrentIndex(i)
        QApplication.processEvents()
        assert _fits(window.minimumSizeHint(), LAPTOP)


@pytest.mark.parametrize("preset", ["mnist-784-20-10", "mnist-cnn", "mnist-mlp-512"])
def test_loss_names_tabs_and_the_total_are_never_cut_on_the_builder_tabs(window, qtbot, preset):
    window.apply_preset(preset)  # mnist-cnn: 8 layers, more rows than the pane shows
    for size in (QSize(1366, 768), SMALL):
        window.resize(size)
        qtbot.waitUntil(lambda s=size: window.size() == s)
        for tab in (window.training, window.evaluate):
            window.tabs.setCurrentWidget(tab)
            QApplication.processEvents()
            where = f"{preset} on {window.tabs.tabText(window.tabs.currentIndex())} at {size}"
            assert not _elided_combos(window), where
            assert not _scrolling_tab_bars(window), where
            assert _hidden_total(window) == "", where
    combo = window.builder.loss_combo
    title = catalog.LOSSES[combo.currentData()].title  # e.g. "Categorical cross-entropy (…)"
    assert combo.currentText() != title and title in combo.toolTip()
    assert all(title in combo.itemData(i, Qt.ItemDataRole.ToolTipRole)
               for i, title in enumerate(info.title for info in catalog.LOSSES.values()))


def test_the_tab_bar_follows_the_tabs_and_switches_them(window):
    bar = window.tabBar
    assert [bar.tabText(i) for i in range(bar.count())] == \
        [window.tabs.tabText(i) for i in range(window.tabs.count())]
    window.tabs.setCurrentWidget(window.draw)
    assert bar.currentIndex() == window.tabs.indexOf(window.draw)
    bar.setCurrentIndex(window.tabs.indexOf(window.evaluate))  # a click on the bar
    assert window.tabs.currentWidget() is window.evaluate
    assert window.builderSide.isVisible()


def test_the_builder_is_shown_only_where_you_build_and_train(window):
    shown = {}
    for i in range(window.tabs.count()):
        window.tabs.setCurrentIndex(i)
        shown[window.tabs.tabText(i)] = window.builderSide.isVisible()
    assert shown == {"Train": True, "Evaluate": True, "Draw": False, "Autoencoder": False,
                     "How it learns": False, "Watch": False,
                     "Inspect": False}


def test_a_saved_geometry_never_exceeds_the_screen(window, qtbot, tmp_path):
    assert fit_to_screen(QSize(1551, 900), QRect(0, 0, 1366, 740)) == QSize(1366, 740)
    assert fit_to_screen(QSize(1000, 600), QRect(0, 0, 1366, 740)) == QSize(1000, 600)
    avail = window.screen().availableGeometry()
    window.resize(avail.width() + 400, avail.height() + 300)
    window.close()  # saves the geometry, clamped
    again = MainWindow(load_tensorflow=False)
    qtbot.addWidget(again)
    floor = again.minimumSizeHint()  # a screen smaller than the window's minimum
    assert again.width() <= max(avail.width(), floor.width())
    assert again.height() <= max(avail.height(), floor.height())
    again.close()


# ---- the Draw canvas under the pen -----------------------------------------------------------

def _point(canvas, u: float, v: float) -> QPoint:
    sq = canvas.square()
    return QPoint(int(sq.x() + u * sq.width()), int(sq.y() + v * sq.height()))


def _settle(qtbot, window) -> None:
    """The Draw tab as a user first draws on it: the bundled models, loaded in a job when the
    tab is first shown, have arrived (their names and the status line set the layout once;
    a geometry taken before that raced them: 6 px at 820x660)."""
    qtbot.waitUntil(lambda: not window.tasks.running("load-draw-models"), timeout=60000)
    QApplication.processEvents()


def _geometry(w) -> tuple:
    canvas = w.draw.canvas
    top_left = canvas.mapTo(w, QPoint(0, 0))
    return (top_left.toTuple(), canvas.size().toTuple(), canvas.square().getRect(),
            w.size().toTuple(), w.draw.probabilityPlot.mapTo(w, QPoint(0, 0)).toTuple())


# Sizes the window can take: below its minimum (~1022x693: 820x660 was here) the window sits
# at its minimum size, and a widget's minimum growing by a line (a read of the drawing arriving
# mid-stroke) grows the window itself, a flake that says nothing about a real screen.
@pytest.mark.parametrize("size", [(1366, 768), (1024, 700)])
def test_the_canvas_keeps_its_geometry_through_stroke_prediction_clear_and_sample(window,
                                                                                 qtbot, size):
    from nngui.core.model.builder import build_model
    from nngui.core.training.presets import get_preset

    window.tabs.setCurrentWidget(window.draw)
    window.resize(*size)  # the smallest: the Draw tab at (nearly) its minimum width
    draw = window.draw
    # any 10-way digit model reads the drawing; its prediction is what moved the canvas
    draw.set_models([("A digit model with a long title (untrained, for the layout test)",
                      build_model(get_preset("mnist-784-20-10").spec(), seed=0))])
    qtbot.waitUntil(lambda: draw.isVisible() and draw.canvas.square().width() > 0)
    _settle(qtbot, window)
    before = _geometry(window)
    assert draw.predictionLabel.text() == ""

    canvas = draw.canvas
    pts = [(0.5, 0.15 + 0.7 * i / 20) for i in range(21)]
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     _point(canvas, *pts[0]))
    for u, v in pts[1:]:
        n = draw.refresh_count
        QTest.mouseMove(canvas, _point(canvas, u, v))
        qtbot.waitUntil(lambda n=n: draw.refresh_count > n, timeout=2000)
        QApplication.processEvents()
        assert _geometry(window) == before, "moved during the stroke"
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       _point(canvas, *pts[-1]))
    assert draw.predictionLabel.text() != ""  # a prediction is shown
    QApplication.processEvents()
    assert _geometry(window) == before, "moved after the prediction"

    draw.teach(1)  # a saved sample: gallery item, counts, a status line
    QApplication.processEvents()
    assert draw.samplesGallery.model().rowCount() == 1
    assert _geometry(window) == before, "moved after saving a sample"

    draw.show_reconstruction(draw.last_x28)  # an autoencoder's rebuild appears
    draw.set_status("A long message " * 12)
    QApplication.processEvents()
    assert _geometry(window) == before, "moved after a long status"

    draw.clearButton.click()
    QApplication.processEvents()
    assert _geometry(window) == before, "moved after Clear"


def test_the_preset_box_says_modified_and_names_a_designed_autoencoder(window):
    from dataclasses import replace

    from nngui.core.model.autoencoder import autoencoder_spec

    combo = window.presets.combo
    window.apply_preset("mnist-784-20-10")
    title = combo.currentText()
    assert "modified" not in title
    spec = window.builder.spec()
    window.builder.set_spec(replace(spec, loss="mse"))  # an edit in the builder
    assert combo.currentText() == f"{title} (modified)"
    window.builder.set_spec(spec)  # edited back: the preset again
    assert combo.currentText() == title

    window.presets.use_design(autoencoder_spec([64], 8, name="my-ae"))
    assert combo.currentText() == "Your design: my-ae"
    window.apply_preset("mnist-784-20-10")
    assert combo.currentText() == title and combo.findData("__custom__") == -1


def test_help_guide_names_every_tab(window):
    actions = {a.text().replace("&", ""): a for m in window.menuBar().findChildren(QMenu)
               for a in m.actions()}
    actions["Guide"].trigger()
    text = window._guide.text.toPlainText()
    assert window._guide.isVisible()
    for i in range(window.tabs.count()):
        assert window.tabs.tabText(i) in text


def test_mnist_loaded_from_a_file_is_remembered(window, qtbot, mnist_path, tmp_path):
    with qtbot.waitSignal(window.data.loaded, timeout=60000):
        window.data.load_file(str(mnist_path))
    assert window.settings.mnist_file() == mnist_path.resolve() or \
        str(window.settings.mnist_file()) == str(mnist_path)
    assert window.settings.last_dir() == str(mnist_path.parent)
    window.apply_preset("xor-3-4-1")
    qtbot.waitUntil(lambda: window.data.dataset.name == "xor", timeout=20000)
    # back to an MNIST preset: no "MNIST is not on this computer" (the fixture would cancel)
    with qtbot.waitSignal(window.data.loaded, timeout=60000):
        window.apply_preset("mnist-784-20-10")
    assert window.data.dataset.name == "mnist"


@pytest.mark.parametrize("size", [(1366, 768), (1024, 700)])
def test_the_inside_column_filling_never_moves_the_canvas(window, qtbot, size):
    """A read of the drawing fills the "Inside the network" column (maps, filters, saliency,
    captions): whatever it needs, the canvas beside it keeps its place."""
    from nngui.core.model.builder import build_model
    from nngui.core.training.presets import get_preset

    window.tabs.setCurrentWidget(window.draw)
    window.resize(*size)
    draw = window.draw
    draw.set_models([("A CNN (untrained, for the layout test)",
                      build_model(get_preset("mnist-cnn").spec(), seed=0))])
    qtbot.waitUntil(lambda: draw.isVisible() and draw.canvas.square().width() > 0)
    _settle(qtbot, window)
    before = _geometry(window)
    canvas = draw.canvas
    shown = draw.inside.updates
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     _point(canvas, 0.5, 0.2))
    QTest.mouseMove(canvas, _point(canvas, 0.5, 0.8))
    qtbot.waitUntil(lambda: draw.inside.updates > shown, timeout=30000)
    QApplication.processEvents()
    assert _geometry(window) == before, "the inside column's read moved the canvas"
    draw.inside.views.show_reason(" ".join(["a long reason that wraps"] * 60))
    QApplication.processEvents()
    assert _geometry(window) == before
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       _point(canvas, 0.5, 0.8))
