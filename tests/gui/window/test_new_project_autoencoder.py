"""An autoencoder trained from its own tab stays on that tab (it shows the run's progress;
the window jumped to Train), and File → New puts the tab back to the shipped autoencoder: it
went on saying "ae_2d, trained here (1 epoch)" about the last project's model."""

from __future__ import annotations


def test_a_new_project_shows_the_bundled_autoencoder_again(window, qtbot):
    w = window
    ae_panel = w.autoencoder
    w.apply_preset("ae-2d")  # on the bundled digits (MNIST declined)
    qtbot.waitUntil(lambda: not w.data.is_loading(), timeout=30000)
    cfg = w.builder.config()
    cfg.epochs, cfg.batch_size = 1, 128
    w.builder.set_config(cfg)
    w.tabs.setCurrentWidget(ae_panel)  # the lesson's Train button, pressed on this tab
    during = []
    w.training.runStarted.connect(lambda: during.append(w.tabs.currentWidget()))
    with qtbot.waitSignal(ae_panel.analyzed, timeout=120000):
        with qtbot.waitSignal(w.training.runFinished, timeout=120000):
            assert w.train()
    assert during == [ae_panel]  # it shows the run's progress itself: no jump to Train
    assert "trained here" in ae_panel.modelLabel.text()
    own = ae_panel.model
    w.projects.unsaved_prompt = lambda *_: "discard"
    assert w.projects.new_project()
    qtbot.waitUntil(lambda: "bundled" in ae_panel.modelLabel.text(), timeout=60000)
    assert ae_panel.model is not own and ae_panel.model is w.work.bundled_ae.model


def test_the_bundled_autoencoder_comes_when_digits_come_to_a_tab_built_on_other_data(
        window, qtbot):
    """The Autoencoder tab opened on circles has nothing to show; picking digits then shows
    the shipped autoencoder (it went on saying "No autoencoder yet")."""
    w = window
    ae_panel = w.autoencoder
    w.apply_preset("mlp-2-4-2")
    qtbot.waitUntil(lambda: w.data.dataset.name == "circles" and not w.data.is_loading(),
                    timeout=30000)
    w.tabs.setCurrentWidget(ae_panel)
    assert ae_panel.model is None and "No autoencoder yet" in ae_panel.modelLabel.text()
    w.data.select("digits")
    qtbot.waitUntil(lambda: ae_panel.model is not None, timeout=60000)
    assert ae_panel.model is w.work.bundled_ae.model
    assert "bundled" in ae_panel.modelLabel.text()
