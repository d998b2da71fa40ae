"""A reopened project whose network is not a classifier (an autoencoder, a regressor): the
Watch tab's views say why they are empty, as after its run here. They said "Nothing trained
yet" over a model trained for 30 epochs (lesson 5's autoencoder after save and reopen)."""

from __future__ import annotations

from nngui.core.files.project import Project, save_project
from nngui.core.model.builder import build_model
from nngui.core.training.presets import get_preset
from nngui.gui.training.live_titles import NO_BOUNDARY, NO_CONFUSION, NO_HIDDEN_VIEW, NOT_TRAINED


def test_a_reopened_regressor_is_not_called_untrained_on_watch(window, qtbot, tmp_path,
                                                               open_and_wait):
    preset = get_preset("regression-1-32-32-1")
    spec, config = preset.spec(), preset.train_config()
    hist = {"loss": [0.5, 0.2], "val_loss": [0.6, 0.3], "epoch": [1.0, 2.0]}
    path = tmp_path / "curve.nngui"
    save_project(Project(spec, config, "regression", epochs_done=2, history=hist,
                         model=build_model(spec, 0)), path)
    assert open_and_wait(window, path)
    window.build_all_pages()
    window.tabs.setCurrentWidget(window.watch)
    live = window.watch.live
    qtbot.waitUntil(lambda: live.empty_reasons()["boundary"] != NOT_TRAINED, timeout=20000)
    reasons = live.empty_reasons()
    assert (reasons["boundary"], reasons["hidden"], reasons["confusion"]) == \
        (NO_BOUNDARY, NO_HIDDEN_VIEW, NO_CONFUSION)
    assert NOT_TRAINED not in reasons.values()
    qtbot.waitUntil(lambda: live.boundaryEmpty.reason == NO_BOUNDARY, timeout=5000)
