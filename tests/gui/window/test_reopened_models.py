"""A reopened project's model is the one every tab uses: the Autoencoder tab shows it,
Evaluate evaluates it and the Draw tab rebuilds drawings with it; the bundled 2-D
autoencoder never takes its place."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PySide6.QtCore import Qt

from nngui.gui.window.main_window import MainWindow


@pytest.fixture
def ae_project(window, qtbot, tmp_path):
    """The 32-D autoencoder preset trained for one epoch (bundled digits), saved."""
    window.apply_preset("ae-32d")
    qtbot.waitUntil(lambda: window.data.dataset is not None and not window.data.is_loading(),
                    timeout=30000)
    cfg = window.builder.config()
    cfg.epochs, cfg.batch_size = 1, 128
    window.builder.set_config(cfg)
    with qtbot.waitSignal(window.autoencoder.analyzed, timeout=120000):
        with qtbot.waitSignal(window.training.runFinished, timeout=120000) as run:
            window.train()
    assert run.args[0].reason == "finished"
    qtbot.waitUntil(lambda: not window.tasks.is_held(window.session.model), timeout=60000)
    path = tmp_path / "ae32.nngui"
    assert window.save_project_to(path)
    return path, [w.copy() for w in window.session.model.get_weights()]


def _fresh_window(qtbot) -> MainWindow:
    w = MainWindow()
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: w.data.dataset is not None, timeout=30000)
    return w


def _same_weights(model, weights) -> bool:
    return all(np.array_equal(a, b) for a, b in zip(model.get_weights(), weights, strict=True))


@pytest.fixture
def slow_bundled_autoencoder(monkeypatch):
    """Loading the bundled 2-D autoencoder waits until the test sets the returned event."""
    from nngui.core.model import saving

    release, load = threading.Event(), saving.load_model

    def held(path, *args, **kwargs):
        if "autoencoder_2d" in str(path):
            assert release.wait(120)
        return load(path, *args, **kwargs)

    monkeypatch.setattr(saving, "load_model", held)
    yield release
    release.set()


@pytest.mark.parametrize("first_tab", ["draw", "train"])
def test_a_reopened_autoencoder_is_the_one_every_tab_uses(ae_project, qtbot, first_tab,
                                                          slow_bundled_autoencoder):
    path, weights = ae_project
    w = _fresh_window(qtbot)
    try:
        if first_tab != "train":  # shown before opening: the bundled autoencoder loads...
            w.tabs.setCurrentWidget(getattr(w, first_tab))
            qtbot.waitUntil(lambda: bool(w.tasks.running("load-autoencoder")), timeout=10000)
        with qtbot.waitSignal(w.projects.opened, timeout=60000):  # read off the GUI thread
            assert w.open_path(path)
        qtbot.waitUntil(lambda: not w.data.is_loading(), timeout=30000)
        model = w.session.model
        assert model is not None and _same_weights(model, weights)
        assert w.training.trainButton.text() == "Continue training"
        for page in ("autoencoder", "draw", "evaluate"):
            w.tabs.setCurrentWidget(getattr(w, page))
        panel = w.autoencoder
        qtbot.waitUntil(lambda: panel.model is model, timeout=60000)
        assert "bundled" not in panel.modelLabel.text()
        assert w.session.spec.name in panel.modelLabel.text()
        slow_bundled_autoencoder.set()  # ...and arrives after the project's: it never wins
        qtbot.waitUntil(lambda: not w.tasks.running(), timeout=60000)
        assert panel.model is model and "bundled" not in panel.modelLabel.text()
        # Evaluate evaluates the project's model (its test loss), not "train first"
        with qtbot.waitSignal(w.evaluate.evaluated, timeout=120000) as done:
            assert w.evaluate.evaluate()
        assert done.args[0]["samples"] == len(w.data.dataset.x_test)
        assert "Train the network first" not in w.evaluate.testMetricsLabel.text()
        # the Draw tab rebuilds a drawing through the same model
        rebuilt = []
        w.draw.show_reconstruction = lambda x: rebuilt.append(x)
        seen = []
        original = panel.latent_of
        panel.latent_of = lambda x: (seen.append(panel.model), original(x))[1]
        w.pages._draw_into_autoencoder(np.eye(28, dtype=np.float32))
        assert seen == [model] and rebuilt and rebuilt[0] is not None
    finally:
        slow_bundled_autoencoder.set()
        w.close()


def test_an_autoencoder_saved_as_keras_opens_as_an_autoencoder(window, qtbot, tmp_path,
                                                               open_and_wait):
    """File → Open of a .keras autoencoder: the builder holds an autoencoder (not a classifier
    of 784 classes with a red Problems box) and the Autoencoder tab shows that model."""
    from PySide6.QtWidgets import QWidget

    from nngui.core.model.builder import build_model
    from nngui.core.training.presets import get_preset

    path = tmp_path / "ae_32d.keras"
    build_model(get_preset("ae-32d").spec(), seed=0).save(path)
    assert open_and_wait(window, path)
    assert window.session.spec.kind == "autoencoder"
    view = window.findChild(QWidget, "problemsView")
    texts = [view.item(i).text() for i in range(view.count())]
    assert not any("classes" in t for t in texts), texts
    qtbot.waitUntil(lambda: window.autoencoder.model is window.session.model, timeout=60000)


def test_an_autoencoders_mistakes_tab_says_why_it_is_empty(ae_project, window, qtbot):
    """Evaluate on an autoencoder: the Mistakes tab was a blank white panel."""
    from nngui.gui.evaluate.panel import NO_CLASSES

    ev = window.evaluate
    qtbot.waitUntil(lambda: not window.tasks.running(), timeout=60000)
    assert ev.evaluate()  # as the Evaluate button does
    qtbot.waitUntil(lambda: ev.report is not None and ev.report.confusion is None,
                    timeout=60000)
    view = ev.mistakesView
    assert view.count() == 1 and view.item(0).text().startswith(NO_CLASSES)
    assert "Autoencoder tab" in view.item(0).text()
    assert not view.item(0).flags() & Qt.ItemFlag.ItemIsSelectable


@pytest.mark.parametrize("chosen", ["MNIST 784-512-512-10 MLP (bundled)", "trained"])
def test_a_reopened_project_draws_with_the_model_it_was_saved_with(window, qtbot, tmp_path,
                                                                    open_and_wait, chosen):
    """The Draw tab's model is part of what a student left: reopened in a fresh window, the
    canvas read with the project's network instead (the model first offered), and the
    fine-tuned or bundled model the drawings were made with had to be found again."""
    window.apply_preset("mnist-784-20-10")
    qtbot.waitUntil(lambda: window.data.dataset is not None and not window.data.is_loading(),
                    timeout=30000)
    cfg = window.builder.config()
    cfg.epochs = 1
    window.builder.set_config(cfg)
    with qtbot.waitSignal(window.training.runFinished, timeout=120000):
        window.train()
    qtbot.waitUntil(lambda: not window.tasks.is_held(window.session.model), timeout=60000)
    combo = window.pages.draw.modelCombo
    qtbot.waitUntil(lambda: combo.count() >= 3, timeout=60000)  # bundled ones and trained
    title = "Trained here: mnist_784_20_10" if chosen == "trained" else chosen
    combo.setCurrentIndex(combo.findText(title))
    assert combo.currentText() == title
    path = tmp_path / "drawn.nngui"
    assert window.save_project_to(path)

    fresh = _fresh_window(qtbot)
    assert open_and_wait(fresh, path)
    combo = fresh.pages.draw.modelCombo
    qtbot.waitUntil(lambda: combo.count() >= 3, timeout=60000)  # the bundled ones loaded
    want = "Project: mnist_784_20_10" if chosen == "trained" else chosen
    qtbot.waitUntil(lambda: combo.currentText() == want, timeout=10000)
    assert fresh.pages.draw.current_model()[0] == want
