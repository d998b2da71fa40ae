"""The Draw tab: strokes replayed with QTest are read while the mouse is still moving."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtCore import QItemSelectionModel, QPoint, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtTest import QTest

from nngui.core.drawing.samples import SampleStore
from nngui.gui.draw.panel import DrawPanel


@pytest.fixture(scope="module")
def reader(mnist_path):
    """A small MLP trained for two epochs on the MNIST slice (~91 % of its test digits; ~95 %
    on the full set): enough to read clear digits."""
    from nngui.core.data.adapt import prepare
    from nngui.core.data.datasets import load_mnist
    from nngui.core.model.builder import build_model
    from nngui.core.network.spec import LayerSpec, NetworkSpec, TrainConfig
    from nngui.core.training.train import train

    spec = NetworkSpec((784,), [LayerSpec("Dense", {"units": 96}),
                                LayerSpec("Dense", {"units": 10, "activation": "softmax"})],
                       "sparse_categorical_crossentropy", name="reader")
    model = build_model(spec, seed=0)
    result = train(model, prepare(load_mnist(mnist_path), spec), spec,
                   TrainConfig(epochs=2, batch_size=128, validation_split=0.0, seed=0))
    assert result.ok
    return model


@pytest.fixture
def panel(qtbot, tmp_path, reader):
    p = DrawPanel(SampleStore(tmp_path / "samples"))
    p.resize(900, 700)
    qtbot.addWidget(p)
    p.show()
    qtbot.waitExposed(p)
    p.set_models([("Reader", reader)])
    return p


def _point(canvas, u: float, v: float) -> QPoint:
    sq = canvas.square()
    return QPoint(int(sq.x() + u * sq.width()), int(sq.y() + v * sq.height()))


ONE = [(0.52, 0.12 + 0.76 * i / 30) for i in range(31)]
ZERO = [(0.5 + 0.2 * math.sin(2 * math.pi * i / 48), 0.5 - 0.32 * math.cos(2 * math.pi * i / 48))
        for i in range(49)]
BAR = [(0.2 + 0.6 * i / 10, 0.5) for i in range(11)]


def _stroke(qtbot, canvas, pts, release: bool = True, panel=None) -> None:
    """Press, move through ``pts`` and release; with ``panel``, let it read after each move
    (as the event loop does between real mouse events)."""
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     _point(canvas, *pts[0]))
    for u, v in pts[1:]:
        before = panel.refresh_count if panel is not None else 0
        QTest.mouseMove(canvas, _point(canvas, u, v))
        if panel is not None:
            qtbot.waitUntil(lambda b=before: panel.refresh_count > b, timeout=2000)
    if release:
        QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                           _point(canvas, *pts[-1]))


def _preview_bytes(panel) -> bytes:
    img = panel.preview28.pixmap().toImage()
    return bytes(img.constBits())


def test_prediction_and_preview_follow_the_mouse_before_release(qtbot, panel):
    canvas = panel.canvas
    assert panel.predictionLabel.text() == ""
    blank = _preview_bytes(panel)
    half = len(ONE) // 2
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     _point(canvas, *ONE[0]))
    seen_texts, previews, counts = [], [], []
    for i, (u, v) in enumerate(ONE[1:], start=1):
        before = panel.refresh_count
        QTest.mouseMove(canvas, _point(canvas, u, v))
        qtbot.waitUntil(lambda b=before: panel.refresh_count > b, timeout=2000)  # as between
        # real mouse events, the event loop runs and the coalesced refresh reads the ink
        seen_texts.append(panel.predictionLabel.text())
        previews.append(_preview_bytes(panel))
        counts.append(panel.refresh_count)
        if i == half:
            assert panel.predictionLabel.text().isdigit()  # read mid-stroke
    # Still holding the button: the digit, the preview and the bars have all updated.
    assert panel.predictionLabel.text() == "1"
    assert len(set(previews)) > 5 and previews[-1] != blank
    assert counts[-1] - counts[0] >= 10  # refreshed many times during the stroke
    probs = panel.last_probabilities
    assert probs.shape == (10,) and probs.sum() == pytest.approx(1.0, abs=1e-5)
    heights = panel.bars.opts["height"]
    assert np.allclose(heights, probs) and int(np.argmax(heights)) == 1
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       _point(canvas, *ONE[-1]))
    qtbot.waitUntil(lambda: not panel.refresh_pending())
    assert panel.predictionLabel.text() == "1"


def test_a_zero_is_read_and_clear_empties_everything(qtbot, panel):
    _stroke(qtbot, panel.canvas, ZERO, release=False, panel=panel)
    qtbot.waitUntil(lambda: panel.predictionLabel.text() == "0", timeout=2000)
    QTest.mouseRelease(panel.canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       _point(panel.canvas, *ZERO[-1]))
    x28 = panel.last_x28
    assert x28.shape == (28, 28) and x28.max() == pytest.approx(1.0)
    cy, cx = np.argwhere(x28 > 0.5).mean(axis=0)
    assert abs(cy - 14) < 2 and abs(cx - 14) < 2  # centred like MNIST
    QTest.mouseClick(panel.clearButton, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.predictionLabel.text() == "")
    assert panel.canvas.is_empty() and not panel.canvas.image().any()
    assert panel.last_probabilities is None and not panel.bars.opts["height"].any()
    assert not panel.last_x28.any()


def test_updates_are_coalesced(qtbot, panel):
    before = panel.refresh_count
    _stroke(qtbot, panel.canvas, ZERO)  # 48 moves without the event loop running
    assert panel.refresh_count == before
    qtbot.waitUntil(lambda: panel.refresh_count > before)
    assert panel.refresh_count == before + 1 and not panel.refresh_pending()


def test_undo_removes_the_last_stroke(qtbot, panel):
    canvas = panel.canvas
    _stroke(qtbot, canvas, ONE)
    only_one = canvas.image()
    _stroke(qtbot, canvas, BAR)
    assert not np.array_equal(canvas.image(), only_one)
    QTest.mouseClick(panel.undoButton, Qt.MouseButton.LeftButton)
    assert len(canvas.strokes) == 1
    assert np.array_equal(canvas.image(), only_one)  # exactly as it was drawn
    # Ctrl+Z on the canvas undoes a stroke even when the window has its own Undo shortcut.
    from PySide6.QtGui import QAction, QKeySequence

    window_undo = QAction("Undo (window)", panel)
    window_undo.setShortcut(QKeySequence.StandardKey.Undo)
    panel.addAction(window_undo)
    fired = []
    window_undo.triggered.connect(lambda: fired.append(True))
    panel.activateWindow()
    canvas.setFocus()
    qtbot.waitUntil(canvas.hasFocus)
    QTest.keyClick(canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert canvas.is_empty() and not canvas.image().any()
    assert not fired
    qtbot.waitUntil(lambda: panel.predictionLabel.text() == "")


def test_eraser_and_brush(qtbot, panel):
    canvas = panel.canvas
    panel.brushSlider.setValue(30)
    assert canvas.brush == 30
    _stroke(qtbot, canvas, ONE)
    ink = canvas.image().sum()
    QTest.mouseClick(panel.eraserButton, Qt.MouseButton.LeftButton)
    assert canvas.eraser
    _stroke(qtbot, canvas, BAR)
    assert canvas.image().sum() < ink  # the bar erased part of the 1
    assert canvas.strokes[-1].eraser


def test_erasing_a_stroke_along_its_path_leaves_no_outline(qtbot, panel):
    """The eraser covers the ink's anti-aliased rim: no faint lines on the screen or in
    what the model reads."""
    from PySide6.QtGui import QImage

    canvas = panel.canvas
    panel.brushSlider.setValue(30)
    _stroke(qtbot, canvas, BAR)
    assert canvas.image().max() == 1.0
    QTest.mouseClick(panel.eraserButton, Qt.MouseButton.LeftButton)
    _stroke(qtbot, canvas, BAR)
    assert canvas.image().max() < 0.05
    view = canvas._view.convertToFormat(QImage.Format.Format_Grayscale8)
    rows = np.frombuffer(view.constBits(), np.uint8).reshape(view.height(), view.bytesPerLine())
    assert rows[:, : view.width()].max() < 13, rows.max()  # 5 % grey at most


def test_canvas_stays_square_and_rerenders_on_resize(qtbot, panel):
    canvas = panel.canvas
    _stroke(qtbot, canvas, ZERO)
    first = canvas.image()
    panel.resize(1200, 900)
    qtbot.waitUntil(lambda: canvas.square().width() > 0)
    sq = canvas.square()
    assert sq.width() == sq.height() == min(canvas.width(), canvas.height())
    assert canvas.image().shape == (280, 280)
    assert np.abs(canvas.image() - first).mean() < 0.01  # same drawing, crisp at any size


def test_teaching_saves_samples_that_survive_a_restart(qtbot, panel, tmp_path):
    _stroke(qtbot, panel.canvas, ONE)
    QTest.mouseClick(panel.findChild(type(panel.clearButton), "teachButton7"),
                     Qt.MouseButton.LeftButton)
    assert panel.samples_store.count_by_label()[7] == 1
    assert panel.samplesGallery.model().rowCount() == 1
    assert panel.canvas.is_empty()  # ready for the next sample
    QTest.mouseClick(panel.findChild(type(panel.clearButton), "teachButton3"),
                     Qt.MouseButton.LeftButton)  # nothing drawn: nothing saved
    assert len(panel.samples_store) == 1

    reopened = DrawPanel(SampleStore(tmp_path / "samples"))  # the app restarted
    qtbot.addWidget(reopened)
    gallery = reopened.samplesGallery
    assert gallery.objectName() == "samplesGallery" and gallery.model().rowCount() == 1
    assert gallery.model().index(0, 0).data() == "7"
    x, y, _ = reopened.samples_store.all()
    assert y.tolist() == [7] and x[0].max() == pytest.approx(1.0, abs=1 / 255)

    reopened.show()
    qtbot.waitExposed(reopened)
    reopened.activateWindow()
    gallery.setFocus()
    qtbot.waitUntil(gallery.hasFocus)
    gallery.selectionModel().select(gallery.model().index(0, 0),
                                    QItemSelectionModel.SelectionFlag.Select)
    QTest.keyClick(gallery, Qt.Key.Key_Delete)
    assert gallery.model().rowCount() == 0 and len(SampleStore(tmp_path / "samples")) == 0


def test_finetune_inputs_and_signal(qtbot, panel, reader):
    assert panel.finetune_inputs() is None  # no samples yet
    _stroke(qtbot, panel.canvas, ONE)
    panel.teach(1)
    inputs = panel.finetune_inputs()
    assert inputs.model is reader and inputs.title == "Reader"
    assert inputs.x.shape == (1, 28, 28) and inputs.y.tolist() == [1]
    with qtbot.waitSignal(panel.fineTuneRequested, timeout=1000):
        QTest.mouseClick(panel.samples.fineTuneButton, Qt.MouseButton.LeftButton)


def test_model_choice(qtbot, panel, reader):
    from nngui.core.model.builder import build_model
    from nngui.core.training.presets import get_preset

    combo = panel.modelCombo
    assert combo.objectName() == "drawModelCombo" and combo.count() == 1
    cnn = build_model(get_preset("mnist-cnn").spec(), seed=0)  # reads 28x28 (untrained)
    panel.add_model("CNN", cnn)
    assert combo.count() == 2 and combo.currentText() == "CNN"
    assert panel.current_model()[1] is cnn
    _stroke(qtbot, panel.canvas, ONE)
    qtbot.waitUntil(lambda: panel.predictionLabel.text() != "")
    assert panel.last_probabilities.sum() == pytest.approx(1.0, abs=1e-5)

    from nngui.core.platform.runtime import keras

    k = keras()
    autoencoder = k.Sequential([k.Input((784,)), k.layers.Dense(32), k.layers.Dense(784)])
    panel.add_model("Autoencoder", autoencoder)
    assert panel.predictionLabel.text() == ""
    assert "not a digit classifier" in panel.detailLabel.text()
    assert not panel.samples.fineTuneButton.isEnabled()
    combo.setCurrentIndex(0)
    assert panel.predictionLabel.text() == "1" and panel.samples.fineTuneButton.isEnabled()


def test_open_image_reads_dark_on_light_files(qtbot, panel, tmp_path):
    img = QImage(300, 200, QImage.Format.Format_RGB32)  # a photo-like, wide, white page
    img.fill(QColor(235, 235, 230))
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(QPen(QColor(20, 20, 30), 9, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    p.drawEllipse(120, 40, 60, 120)
    p.end()
    path = tmp_path / "zero.jpg"
    assert img.save(str(path))
    assert panel.open_image(str(path))
    assert int(np.argmax(panel.last_probabilities)) == 0  # its best guess (maybe "not sure")
    assert not panel.open_image(str(tmp_path / "missing.png"))
    assert "No image file" in panel.samples.statusLabel.text()
    panel.canvas.clear()
    qtbot.waitUntil(lambda: panel.predictionLabel.text() == "")
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDropEvent

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    drop = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    panel.canvas.dropEvent(drop)  # what Qt calls when a file is dropped on the canvas
    assert drop.isAccepted() and int(np.argmax(panel.last_probabilities)) == 0


def test_tablet_pressure_sets_the_width(qtbot, panel):
    from PySide6.QtCore import QEvent, QPointF
    from PySide6.QtGui import QInputDevice, QPointingDevice, QTabletEvent
    from PySide6.QtWidgets import QApplication

    canvas = panel.canvas
    pen = QPointingDevice("test pen", 42, QInputDevice.DeviceType.Stylus,
                          QPointingDevice.PointerType.Pen,
                          QInputDevice.Capability.Position | QInputDevice.Capability.Pressure,
                          1, 3)

    def send(kind, u, v, pressure):
        pos = QPointF(_point(canvas, u, v))
        ev = QTabletEvent(kind, pen, pos, canvas.mapToGlobal(pos), pressure, 0.0, 0.0, 0.0, 0.0,
                          0.0, Qt.KeyboardModifier.NoModifier, Qt.MouseButton.LeftButton,
                          Qt.MouseButton.LeftButton)
        QApplication.sendEvent(canvas, ev)
        assert ev.isAccepted()

    send(QEvent.Type.TabletPress, 0.3, 0.2, 0.1)
    for i in range(1, 11):
        send(QEvent.Type.TabletMove, 0.3 + 0.04 * i, 0.2 + 0.06 * i, 0.1 + 0.09 * i)
    send(QEvent.Type.TabletRelease, 0.7, 0.8, 0.0)
    widths = [w for _, _, w in canvas.strokes[-1].points]
    assert len(canvas.strokes) == 1 and len(widths) == 11
    assert widths[-1] > 3 * widths[0]  # light touch thin, firm pressure thick
    qtbot.waitUntil(lambda: panel.predictionLabel.text() != "")


def test_the_confidence_shown_agrees_with_the_not_sure_threshold(qtbot, panel):
    """59.7 % under 'Not sure below 60 %' reads 59.7 %, not a rounded '60 %' that is not
    below 60; a sure 99.9 % reads as 'Inside the network' says it, not '100 %'."""
    panel.notSureSpin.setValue(60)
    probs = np.full(10, 0.0)
    probs[3], probs[5], probs[8] = 0.597, 0.4, 0.003
    panel._show_result(probs)
    assert panel.not_sure
    text = panel.detailLabel.text()
    assert text.startswith("Not sure: 3 (59.7%) or 5 (40.0%)") and "(60%)" not in text
    probs = np.full(10, 0.0001)
    probs[7] = 1 - 9 * 0.0001 - 0.0001  # 0.9989
    panel._show_result(probs)
    assert not panel.not_sure and panel.detailLabel.text().startswith("99.9% sure")


def test_below_the_set_confidence_it_says_it_is_not_sure(qtbot, panel):
    from PySide6.QtCore import QSettings

    from nngui.gui.draw.reading import NOT_SURE_KEY

    _stroke(qtbot, panel.canvas, ONE)
    panel.refresh()
    sure = float(panel.last_probabilities.max())
    panel.notSureSpin.setValue(0)  # off: always names a digit
    panel.refresh()
    assert panel.predictionLabel.text() == "1" and not panel.not_sure
    panel.notSureSpin.setValue(min(99, int(sure * 100) + 1))  # just above its confidence
    panel.refresh()
    assert panel.not_sure and panel.predictionLabel.text() == "?"
    assert panel.detailLabel.text().startswith("Not sure: 1 (")
    panel.notSureSpin.setValue(max(0, int(sure * 100) - 1))  # just below it
    panel.refresh()
    assert not panel.not_sure and panel.predictionLabel.text() == "1"
    # the setting is kept for the next session
    panel.notSureSpin.setValue(42)
    assert int(QSettings("nngui", "nngui").value(NOT_SURE_KEY)) == 42
    again = DrawPanel(panel.samples_store)
    qtbot.addWidget(again)
    assert again.notSureSpin.value() == 42


def test_robustness_curves_of_the_selected_model(qtbot, panel, mnist_path, monkeypatch):
    monkeypatch.setenv("NNGUI_MNIST", str(mnist_path))  # the slice's test digits
    view = panel.show_robustness()
    qtbot.waitUntil(lambda: view.curves is not None, timeout=120000)
    curves = view.curves
    assert set(curves.accuracy) == {"rotation", "shift", "thickness", "noise"}
    assert curves.at("rotation", 0) > 0.8  # the reader reads plain test digits
    assert curves.at("rotation", 60) < curves.at("rotation", 0) - 0.2
    assert curves.at("shift", 6) < curves.at("shift", 0) - 0.2
    x, y = view.lines["noise"].getData()
    assert list(x) == list(curves.levels["noise"])
    assert list(y) == pytest.approx([100 * a for a in curves.accuracy["noise"]])
    for plot in view.plots.values():  # in % like the header's "96.4 % undisturbed"
        item = plot.getPlotItem()
        assert item.getAxis("left").labelText == "accuracy (%)"
        low, high = item.getViewBox().viewRange()[1]
        assert low == pytest.approx(0) and high == pytest.approx(102)
    assert "undisturbed" in view.status.text() and "Reader" in view.status.text()
    assert "MNIST test digits" in view.status.text()


def test_robustness_waits_for_a_busy_model(qtbot, panel, reader):
    import threading

    release = threading.Event()
    task = panel.tasks.submit("busy", lambda _r, _s: release.wait(30), holds=(reader,))
    assert task is not None
    try:
        view = panel.show_robustness()
        assert view.curves is None and "busy" in view.status.text()
    finally:
        release.set()
        qtbot.waitUntil(lambda: not panel.tasks.running("busy"), timeout=10000)


def test_teaching_counts_how_often_the_model_read_the_taught_digit(qtbot, panel):
    """The next digits the user draws are the honest test of a fine-tuned model."""
    _stroke(qtbot, panel.canvas, ONE)
    panel.teach(1)  # the reader reads a 1: right
    assert panel.taught_tally["Reader"] == [1, 1]
    # "1 of the 1 digit(s)" beside "My samples: 6" (samples kept from before) read as if
    # it counted them all: it counts this session's, taught while this model was chosen
    assert "While Reader was chosen you taught 1 digit: it read 1 right." in \
        panel.samples.statusLabel.text()
    _stroke(qtbot, panel.canvas, ONE)
    panel.teach(7)  # the user says this one is a 7: the reading (1) was wrong
    assert panel.taught_tally["Reader"] == [1, 2]
    assert "you taught 2 digits: it read 1 right" in panel.samples.statusLabel.text()
    panel.teach(3)  # nothing drawn: nothing saved, nothing counted
    assert panel.taught_tally["Reader"] == [1, 2]


def test_the_model_box_names_the_whole_title_in_its_tooltip(qtbot, panel, reader):
    """Beside the Lessons dock the box showed "MNIST CNN for drawings (bundled", cut
    mid-word, and its tooltip only said what the box is for."""
    long = "MNIST CNN for drawings (bundled), fine-tuned on my handwriting"
    panel.add_model(long, reader)
    assert panel.modelCombo.currentText() == long
    assert long in panel.modelCombo.toolTip()
    panel.modelCombo.setCurrentIndex(0)  # the student picks the other one
    assert "Reader" in panel.modelCombo.toolTip() and long not in panel.modelCombo.toolTip()
    panel.set_models([])
    assert panel.modelCombo.toolTip() == "The network that reads your drawing"
