"""Clicking a confusion-matrix cell lists exactly that cell's test samples, surest first."""

import os

import numpy as np
from PySide6.QtCore import Qt

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from nngui.core.data.adapt import prepare  # noqa: E402
from nngui.core.data.datasets import load_dataset  # noqa: E402
from nngui.core.model.builder import build_model  # noqa: E402
from nngui.core.training.presets import get_preset  # noqa: E402
from nngui.gui.evaluate.panel import EvaluatePanel  # noqa: E402


def test_clicking_a_confusion_cell_lists_exactly_those_samples(qtbot):
    ds = load_dataset("digits")
    spec = get_preset("mnist-784-20-10").spec()
    model = build_model(spec, 3)  # untrained: plenty of off-diagonal cells
    data = prepare(ds, spec)
    panel = EvaluatePanel()
    qtbot.addWidget(panel)
    panel.resize(700, 600)
    panel.show()
    panel.set_context(model, data, spec, list(ds.class_names), ds.x_test)
    with qtbot.waitSignal(panel.evaluated, timeout=60000):
        panel.evaluate()
    probs = np.asarray(model.predict(data.x_test, verbose=0))
    pred, true = probs.argmax(1), ds.y_test.astype(int)
    cm = panel.report.confusion
    off = cm - np.diag(np.diag(cm))
    i, j = np.unravel_index(off.argmax(), off.shape)
    assert off[i, j] >= 2
    table = panel.confusionMatrix
    rect = table.visualItemRect(table.item(int(i), int(j)))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    view = panel.mistakesView
    listed = [int(view.item(r).toolTip().split("#")[-1]) for r in range(view.count())]
    expected = np.flatnonzero((true == i) & (pred == j))
    assert sorted(listed) == sorted(expected.tolist())
    conf = probs[listed, j]
    assert np.all(np.diff(conf) <= 1e-6)  # surest first
    assert panel.tabs.currentIndex() == 1 and f"({len(expected)})" in panel.tabs.tabText(1)


def test_a_four_digit_count_fits_its_cell_beside_the_lessons_dock(qtbot):
    """MNIST's 1,135 test ones in a 10x10 matrix at the width Evaluate gets on a 1366x768
    screen with the Lessons dock open: the count is read whole, not '1,1…'."""
    from PySide6.QtGui import QFontMetrics

    panel = EvaluatePanel()
    qtbot.addWidget(panel)
    panel.resize(440, 600)
    panel.show()
    panel._class_names = [str(i) for i in range(10)]
    cm = np.full((10, 10), 3) + np.diag(np.full(10, 1132))
    panel._show_confusion(cm)
    table = panel.confusionMatrix
    cell = table.item(1, 1)
    assert cell.text() == "1135" and "1,135" in cell.toolTip()
    metrics = QFontMetrics(table.font())
    assert metrics.horizontalAdvance(cell.text()) + 6 <= table.columnWidth(1)


def test_every_count_is_read_whole_in_the_window_beside_the_lessons_dock(window, qtbot):
    """At 1366x768 with the Lessons dock open the Evaluate tab is ~380 px wide, not the 440 the
    test above gives it: MNIST's 1135 ones read "11…" in the app. The cells' font shrinks until
    the widest count fits its column, and grows back when the dock closes."""
    from PySide6.QtGui import QFontMetrics

    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    window.lessons.show()
    window.tabs.setCurrentWidget(window.evaluate)
    panel = window.evaluate
    panel._class_names = [str(i) for i in range(10)]
    panel._show_confusion(np.full((10, 10), 3) + np.diag(np.full(10, 1132)))
    table = panel.confusionMatrix

    def fits() -> bool:
        cell = table.item(1, 1)
        width = QFontMetrics(cell.font()).horizontalAdvance(cell.text())
        return width + 6 <= table.columnWidth(1)

    qtbot.waitUntil(lambda: table.isVisible() and table.columnWidth(1) > 0, timeout=5000)
    assert table.columnWidth(1) < QFontMetrics(table.font()).horizontalAdvance("1135") + 6
    qtbot.waitUntil(fits, timeout=3000)
    assert table.item(1, 1).text() == "1135"
    window.lessons.dock.hide()  # room again: the table's own font
    qtbot.waitUntil(lambda: table.item(1, 1).font().pointSizeF() ==
                    table.font().pointSizeF(), timeout=3000)


def test_a_2d_points_mistakes_say_where_each_point_is(qtbot):
    """A cell of moons' confusion matrix listed 23 identical "0 → 1" rows: with no picture
    to tell them apart, each row says where its point lies."""
    ds = load_dataset("moons")
    spec = get_preset("mlp-2-2-2").spec()
    model = build_model(spec, 1)  # untrained: some of the points are wrong
    data = prepare(ds, spec)
    panel = EvaluatePanel()
    qtbot.addWidget(panel)
    panel.set_context(model, data, spec, list(ds.class_names), ds.x_test)
    with qtbot.waitSignal(panel.evaluated, timeout=60000):
        panel.evaluate()
    view = panel.mistakesView
    assert view.count() > 0
    for r in range(view.count()):
        item = view.item(r)
        index = int(item.toolTip().split("#")[-1])
        x1, x2 = ds.x_test[index]
        assert item.text().endswith(f" at ({x1:.2f}, {x2:.2f})"), item.text()
