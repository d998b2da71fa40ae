"""The Draw tab never calls a model a job is training from the GUI thread (TensorFlow's path):
it shows the last reading and says the model reads the drawing when the run ends."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from nngui.core.drawing.samples import SampleStore
from nngui.gui.draw.panel import DrawPanel


def _stroke(panel, x0: float, x1: float) -> None:
    sq = panel.canvas.square()

    def at(u, v):
        return QPoint(int(sq.x() + u * sq.width()), int(sq.y() + v * sq.height()))

    QTest.mousePress(panel.canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     at(x0, 0.2))
    for i in range(1, 11):
        QTest.mouseMove(panel.canvas, at(x0 + (x1 - x0) * i / 10, 0.2 + 0.6 * i / 10))
    QTest.mouseRelease(panel.canvas, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier, at(x1, 0.8))


def test_a_model_a_job_trains_is_not_read_on_the_gui_thread(qtbot, tmp_path) -> None:
    from nngui.core.platform.runtime import keras

    k = keras()
    inputs = k.Input((784,))
    model = k.Model(inputs, k.layers.Dense(10, activation="softmax")(inputs))  # functional
    panel = DrawPanel(SampleStore(tmp_path / "samples"))
    panel.resize(900, 700)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    panel.set_models([("Mine", model)])
    predictor = panel._predictor
    assert predictor is not None and predictor.backend == "tensorflow"
    _stroke(panel, 0.3, 0.5)
    panel.refresh()
    assert panel.predictionLabel.text() != ""
    last = panel.last_probabilities.copy()
    calls = []
    real = predictor.predict
    predictor.predict = lambda x: calls.append(1) or real(x)
    panel.is_model_busy = lambda m: m is model  # a Continue run's job holds it
    _stroke(panel, 0.6, 0.7)
    panel.refresh()
    assert calls == []
    assert panel.detailLabel.text().startswith("Mine is training: this is its last reading")
    np.testing.assert_array_equal(panel.last_probabilities, last)
    panel.is_model_busy = lambda m: False  # the run ended: it reads again
    panel.refresh()
    assert calls == [1] and "sure" in panel.detailLabel.text()
