"""The Mistakes tab's words are read whole: in the 72-pixel grid cells of the pictures the
autoencoder's note read "This net…" and a 2-D point's mistake "0 → 1 a…"."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QFontMetrics

from nngui.core.data.adapt import Prepared
from nngui.core.model.builder import build_model, compile_model
from nngui.core.network.spec import LayerSpec, NetworkSpec
from nngui.gui.evaluate.panel import NO_CLASSES, EvaluatePanel


def _evaluated(qtbot, spec: NetworkSpec, data: Prepared, names: list[str]) -> EvaluatePanel:
    panel = EvaluatePanel()
    qtbot.addWidget(panel)
    panel.resize(660, 640)  # its width beside the Lessons dock on a 1366-pixel screen
    panel.show()
    panel.set_context(compile_model(build_model(spec, 0), spec), data, spec, names,
                      x_raw=data.x_test)
    with qtbot.waitSignal(panel.evaluated, timeout=60000):
        assert panel.evaluate()
    panel.tabs.setCurrentIndex(1)
    qtbot.waitExposed(panel.mistakesView)
    return panel


def _whole(view, row: int) -> bool:
    """The item's text fits the rectangle the view draws it in (wrapped if need be)."""
    item = view.item(row)
    rect = view.visualRect(view.indexFromItem(item))
    needed = QFontMetrics(view.font()).boundingRect(
        QRect(0, 0, max(1, rect.width() - 8), 10000), int(Qt.TextFlag.TextWordWrap), item.text())
    return rect.width() > 0 and needed.height() <= rect.height() \
        and needed.width() <= rect.width()


def test_an_autoencoders_note_is_read_whole(qtbot):
    spec = NetworkSpec((4,), [LayerSpec("Dense", {"units": 2, "activation": "relu"}),
                              LayerSpec("Dense", {"units": 4, "activation": "sigmoid"})],
                       "mse", "adam", 0.01, kind="autoencoder")
    x = np.random.default_rng(0).uniform(0, 1, (32, 4)).astype(np.float32)
    panel = _evaluated(qtbot, spec, Prepared(x, x, x, x, None), [])
    view = panel.mistakesView
    assert view.count() == 1 and view.item(0).text().startswith(NO_CLASSES)
    assert _whole(view, 0), view.visualRect(view.indexFromItem(view.item(0)))


def test_a_2d_points_mistakes_are_read_whole(qtbot):
    """Points have no picture: each mistake says where the point is, on one whole line."""
    spec = NetworkSpec((2,), [LayerSpec("Dense", {"units": 2, "activation": "softmax"})],
                       "categorical_crossentropy", "adam", 0.01)
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, (40, 2)).astype(np.float32)
    labels = rng.integers(0, 2, 40)
    y = np.eye(2, dtype=np.float32)[labels]
    panel = _evaluated(qtbot, spec, Prepared(x, y, x, y, labels), ["0", "1"])
    view = panel.mistakesView
    assert view.count() > 0 and " at (" in view.item(0).text()
    assert all(_whole(view, i) for i in range(min(view.count(), 5)))
