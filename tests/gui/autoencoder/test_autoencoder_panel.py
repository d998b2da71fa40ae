"""Autoencoder tab: data reaches the views, hovering decodes, t-SNE keeps the GUI alive."""

import re

import numpy as np
import pytest
from PySide6.QtCore import QPointF, QTimer
from PySide6.QtWidgets import QDialogButtonBox

from nngui.core.data.adapt import prepare
from nngui.core.data.datasets import load_mnist
from nngui.core.model import autoencoder as ae
from nngui.core.model.builder import build_model
from nngui.core.network.spec import TrainConfig
from nngui.core.training.train import train
from nngui.gui.autoencoder.designer import AutoencoderDesigner
from nngui.gui.autoencoder.latent import NO_CODES
from nngui.gui.autoencoder.panel import AutoencoderPanel
from nngui.gui.common.empty_plot import EMPTY_RANGE


@pytest.fixture(scope="module")
def mnist(mnist_path):
    return load_mnist(mnist_path).subset(3000, 1500, seed=0)


@pytest.fixture(scope="module")
def trained_2d(mnist):
    """A 784-32-2-32-784 autoencoder after one quick epoch on 3,000 digits."""
    spec = ae.autoencoder_spec([32], 2, name="tiny_2d")
    model = build_model(spec, 0)
    cfg = TrainConfig(epochs=1, batch_size=64, validation_split=0.0, jit_compile=False)
    assert train(model, prepare(mnist, spec), spec, cfg).reason == "finished"
    return model, spec


@pytest.fixture
def panel(qtbot):
    w = AutoencoderPanel()
    qtbot.addWidget(w)
    w.resize(1000, 720)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.tasks.shutdown()


def _shown(panel, qtbot, model, spec, x, y):
    with qtbot.waitSignal(panel.analyzed, timeout=30000):
        panel.set_model(model, spec, x, y)


def test_set_model_fills_every_view(panel, qtbot, trained_2d, mnist):
    model, spec = trained_2d
    x, y = mnist.x_test, mnist.y_test
    assert panel.reconstructionView.array is None
    _shown(panel, qtbot, model, spec, x, y)
    recon = panel.reconstructionView.array
    assert recon.shape == (2 * 28 + 2, 10 * 28 + 9 * 2)
    first = ae.one_per_class(y)[0]
    np.testing.assert_allclose(recon[:28, :28], x[first])  # top-left: the first test 0
    np.testing.assert_allclose(recon[30:, :28], ae.reconstruct(model, x[first:first + 1])[0],
                               atol=1e-5)
    counts = [len(s.data) for s in panel.latent.scatters]
    assert counts == list(np.bincount(y, minlength=10))
    assert panel.latent.latentPlot.getPlotItem().legend is not None
    mse = float(ae.reconstruction_mse(model, x).mean())
    text = panel.reconstructionErrorLabel.text()
    assert re.match(r"Test reconstruction MSE 0\.\d{4} per pixel", text)
    assert f"{mse:.4f}" in text
    assert panel.worstView.count() == 48
    first, last = (float(panel.worstView.item(i).text().split()[-1]) for i in (0, 47))
    assert first >= last
    assert not panel.latent.projectionCombo.isVisible()  # a 2-D code is shown as it is


def test_a_reconstruction_probe_refreshes_the_grid(panel, trained_2d, mnist):
    """During training the probe runs in the training thread; the panel only draws arrays."""
    from nngui.core.insight.probes import ReconstructionProbe

    model, _ = trained_2d
    x = mnist.x_test.reshape(-1, 28, 28)
    idx = ae.one_per_class(mnist.y_test)
    payload = ReconstructionProbe(x[idx])(model)
    panel.show_reconstructions(payload["originals"], payload["reconstructions"])
    grid = panel.reconstructionView.array
    assert grid.shape == (58, 298)
    np.testing.assert_allclose(grid[30:, :28], ae.reconstruct(model, x[idx[:1]])[0], atol=1e-5)


def test_hovering_the_latent_plot_changes_the_decoded_digit(panel, qtbot, trained_2d, mnist):
    model, spec = trained_2d
    _shown(panel, qtbot, model, spec, mnist.x_test, mnist.y_test)
    vb = panel.latent.latentPlot.getPlotItem().getViewBox()
    (x0, x1), (y0, y1) = vb.viewRange()
    scene = panel.latent.latentPlot.scene()
    images = []
    for fx, fy in ((0.2, 0.2), (0.8, 0.7)):
        where = vb.mapViewToScene(QPointF(x0 + fx * (x1 - x0), y0 + fy * (y1 - y0)))
        scene.sigMouseMoved.emit(where)
        qtbot.waitUntil(lambda: panel.decodedView.array is not None and (
            not images or not np.array_equal(panel.decodedView.array, images[-1])))
        images.append(panel.decodedView.array.copy())
        used = panel.latent.hoverMarker.data["x"][0], panel.latent.hoverMarker.data["y"][0]
        under = vb.mapSceneToView(where)  # the latent point under the pointer, as shown now
        (vx0, vx1), (vy0, vy1) = vb.viewRange()
        np.testing.assert_allclose(used, (under.x(), under.y()),
                                   atol=0.01 * max(vx1 - vx0, vy1 - vy0))
        np.testing.assert_allclose(images[-1], ae.decode(model, spec, [used])[0], atol=1e-4)
    assert images[0].shape == (28, 28)
    assert np.abs(images[0] - images[1]).max() > 0.05
    assert panel.decodedLabel.text().startswith("z = (")


def test_grid_mode_tiles_decoded_digits_over_the_view(panel, qtbot, trained_2d, mnist):
    model, spec = trained_2d
    _shown(panel, qtbot, model, spec, mnist.x_test, mnist.y_test)
    legend = panel.latent.latentPlot.getPlotItem().legend
    assert legend.isVisible()
    panel.latent.latentGridButton.setChecked(True)
    assert panel.latent.gridImage.image.shape == (15 * 28, 15 * 28)
    assert not legend.isVisible()  # it would cover the top row of tiles
    rect = panel.latent.gridImage.mapRectToParent(panel.latent.gridImage.boundingRect())
    (x0, x1), _ = panel.latent.latentPlot.getPlotItem().getViewBox().viewRange()
    assert rect.left() == pytest.approx(x0) and rect.right() == pytest.approx(x1)
    panel.latent.latentGridButton.setChecked(False)
    assert panel.latent.gridImage.image is None and legend.isVisible()


def test_latent_of_a_drawing_and_its_marker(panel, qtbot, trained_2d, mnist):
    model, spec = trained_2d
    _shown(panel, qtbot, model, spec, mnist.x_test, mnist.y_test)
    z = panel.latent_of(mnist.x_test[5])
    np.testing.assert_allclose(z, ae.encode(model, spec, mnist.x_test[5:6])[0], atol=1e-4)
    panel.mark_point(z)
    pos = panel.latent.pointMarker.data["x"][0], panel.latent.pointMarker.data["y"][0]
    np.testing.assert_allclose(pos, z, atol=1e-5)
    panel.mark_point(None)
    assert len(panel.latent.pointMarker.data) == 0


def test_tsne_runs_without_blocking_the_gui_thread(panel, qtbot, mnist):
    spec = ae.autoencoder_spec([16], 8, name="tiny_8d")
    model = build_model(spec, 0)
    x, y = mnist.x_test[:300], mnist.y_test[:300]
    _shown(panel, qtbot, model, spec, x, y)
    latent = panel.latent
    assert latent.projectionCombo.isVisible() and latent.latentStatus.text().startswith("PCA")
    assert sum(len(s.data) for s in latent.scatters) == 300

    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(panel.is_busy()))
    timer.start(20)
    shown = []
    panel.projectionReady.connect(shown.append)
    with qtbot.waitSignal(panel.projectionReady, timeout=90000,
                          check_params_cb=lambda method: method == "tsne"):
        latent.projectionCombo.setCurrentIndex(latent.projectionCombo.findData("tsne"))
        assert "tsne" not in shown  # the call returned before t-SNE was done
        assert latent.projectionProgress.isVisible() and panel.is_busy()
    timer.stop()
    assert any(ticks)  # the event loop kept running while t-SNE worked
    assert latent.latentStatus.text().startswith("t-SNE")
    assert sum(len(s.data) for s in latent.scatters) == 300
    assert not latent.latentGridButton.isEnabled()  # t-SNE has no inverse to tile
    with qtbot.waitSignal(panel.projectionReady, timeout=2000):
        latent.projectionCombo.setCurrentIndex(latent.projectionCombo.findData("pca"))


def test_designer_builds_the_2d_preset_and_custom_decoders(qtbot):
    dlg = AutoencoderDesigner()
    qtbot.addWidget(dlg)
    assert "210,562 parameters" in dlg.summaryLabel.text()
    assert dlg.decoderEdit.text() == "8, 32, 128" and not dlg.decoderEdit.isEnabled()
    dlg.mirrorCheck.setChecked(False)
    dlg.decoderEdit.setText("64")
    dlg.latentSpin.setValue(16)
    dlg.noiseSpin.setValue(0.3)
    with qtbot.waitSignal(dlg.specCreated) as blocker:
        dlg.accept()
    spec = blocker.args[0]
    assert spec.kind == "autoencoder" and spec.layers[0].type == "GaussianNoise"
    widths = [lay.params["units"] for lay in spec.layers if lay.type == "Dense"]
    assert widths == [128, 32, 8, 16, 64, 784]
    assert spec.layers[spec.latent_index].params["units"] == 16
    dlg.encoderEdit.setText("128, x")
    assert not dlg.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()


def test_a_new_run_clears_the_old_model_and_shows_its_progress(panel, qtbot, trained_2d, mnist):
    model, spec = trained_2d
    x, y = mnist.x_test[:400], mnist.y_test[:400]
    _shown(panel, qtbot, model, spec, x, y)
    assert panel.modelLabel.text() == "Showing: tiny_2d"
    assert panel.worstView.item(0).text().startswith("MSE ")  # the numbers say what they are

    panel.set_model(model, spec, x, y, "the bundled 2-D autoencoder")  # analysis in flight…
    panel.begin_run("my-ae", 5)  # …when a new autoencoder starts training
    qtbot.waitUntil(lambda: not panel.is_busy(), timeout=30000)
    assert panel.modelLabel.text() == "Training my-ae…"
    assert panel.worstView.count() == 0  # nothing from the bundled (or older) model
    assert all(len(s.data) == 0 for s in panel.latent.scatters)
    view = panel.latent.latentPlot.getPlotItem().getViewBox()  # nor the old codes' axes:
    assert panel.latent.latentEmpty.reason == NO_CODES  # an empty plot that says why
    assert [tuple(r) for r in view.viewRange()] == [EMPTY_RANGE, EMPTY_RANGE]
    assert panel.reconstructionView.array is None
    assert "MSE" not in panel.reconstructionErrorLabel.text() or "after" in \
        panel.reconstructionErrorLabel.text()
    assert panel._model is None and panel.runProgress.isVisible()
    panel.run_progress(2, "Epoch 2: loss 0.0400")
    assert panel.runProgress.value() == 2 and panel.runProgress.maximum() == 5

    _shown(panel, qtbot, model, spec, x, y)  # the run ended: its model fills the views
    assert not panel.runProgress.isVisible() and panel.worstView.count() > 0
    assert panel.latent.latentEmpty.reason == "" and not panel.latent.latentEmpty.text.isVisible()


def test_a_model_another_job_holds_is_shown_once_it_is_free(panel, qtbot, mnist):
    """Reopening a project: a lesson check held the model when the tab asked for it; the tab
    said 'busy (training)' and stayed empty although nothing trained. It now asks again."""
    import threading

    from nngui.gui.common.tasks import plain

    spec = ae.autoencoder_spec([32], 2, name="held_2d")
    model = build_model(spec, 0)
    free = threading.Event()
    holder = panel.tasks.submit("lesson-check", plain(lambda: free.wait(30)), holds=(model,))
    assert holder is not None
    panel.set_model(model, spec, mnist.x_test, mnist.y_test)
    assert "busy" in panel.latent.latentStatus.text()
    assert "training" not in panel.latent.latentStatus.text()  # nothing trains
    with qtbot.waitSignal(panel.analyzed, timeout=30000):
        free.set()
    assert panel.reconstructionErrorLabel.text().startswith("Test reconstruction MSE 0.")


def test_the_side_column_keeps_its_place_and_the_decoded_caption_its_room(qtbot, mnist):
    """At the size the tab has at 1366x768 beside the lesson dock: a longer line beside the
    2-D view ("t-SNE of 2,000 codes; the other 8,000 placed by nearest neighbours") pushed
    the Decoded point / Worst reconstructions column 25-45 px to the right, and the decoded
    digit covered its own caption (the worst digits' list took the room the digit needs)."""
    from PySide6.QtCore import QPoint

    panel = AutoencoderPanel()
    qtbot.addWidget(panel)
    panel.resize(1030, 660)
    panel.show()
    qtbot.waitExposed(panel)
    spec = ae.autoencoder_spec([16], 8, name="tiny_8d")
    _shown(panel, qtbot, build_model(spec, 0), spec, mnist.x_test[:300], mnist.y_test[:300])

    def left(widget) -> int:
        return widget.mapTo(panel, QPoint(0, 0)).x()

    before = left(panel.decodedView.parentWidget())
    panel.latent.set_status("t-SNE of 2,000 codes; the other 8,000 placed by nearest "
                            "neighbours")
    qtbot.wait(50)
    assert left(panel.decodedView.parentWidget()) == before and panel.width() == 1030
    plane = panel.latent._plane
    assert panel.latent.hover_at(float(plane[0, 0]), float(plane[0, 1]))
    qtbot.wait(50)
    view, label = panel.decodedView, panel.decodedLabel
    view_bottom = view.mapTo(panel, QPoint(0, view.height())).y()
    assert label.text() and label.mapTo(panel, QPoint(0, 0)).y() >= view_bottom
    assert label.height() >= label.heightForWidth(label.width())
    panel.tasks.shutdown()


def test_a_run_starting_and_ending_moves_no_view(panel, qtbot, trained_2d, mnist):
    """The run's progress bar beside the model line is taller than the line: its showing at
    a run's start (and hiding at its end) moved every view below by 8 px, under the
    pointer. The row keeps the bar's height while it is hidden."""
    from PySide6.QtCore import QPoint

    model, spec = trained_2d

    def top() -> int:
        return panel.reconstructionView.mapTo(panel, QPoint(0, 0)).y()

    qtbot.wait(50)
    before = top()
    panel.begin_run("my-ae", 5)
    qtbot.waitUntil(lambda: not panel.is_busy(), timeout=30000)
    qtbot.wait(50)  # the layout's turn
    assert panel.runProgress.isVisible()
    assert top() == before
    bar = panel.runProgress  # its words whole: it cut "epoch 34 of 60" to "poch 34 of 60"
    bar.setFormat("epoch 34 of 60")
    assert bar.width() >= bar.fontMetrics().horizontalAdvance(bar.text()) + 16
    _shown(panel, qtbot, model, spec, mnist.x_test[:300], mnist.y_test[:300])
    qtbot.wait(50)
    assert not panel.runProgress.isVisible()
    assert top() == before


def test_a_continued_run_counts_its_epochs_on_from_where_it_starts(panel, qtbot):
    """Continue on a 30-epoch autoencoder: the bar said "epoch 5 of 30" beside the line
    "Epoch 35: loss …" under the digits. Both count the model's epochs now."""
    panel.begin_run("ae_2d", 30, first=30)
    qtbot.waitUntil(lambda: not panel.is_busy(), timeout=30000)
    panel.run_progress(5, "Epoch 35: loss 0.0382")
    bar = panel.runProgress
    assert (bar.value(), bar.maximum()) == (35, 60)
    assert bar.text() == "epoch 35 of 60"
    panel.begin_run("ae_2d", 29, first=1)  # the rest of a run stopped after epoch 1 of 30
    panel.run_progress(29)
    assert bar.text() == "epoch 30 of 30"
