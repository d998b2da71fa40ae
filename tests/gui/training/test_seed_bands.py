"""Repeat with N seeds: N runs of the same settings with seeds s, s+1, …, one group drawn as
mean ± spread, kept in the project."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QSpinBox

from nngui.core.network.spec import TrainConfig
from nngui.core.training import seeds


def _band_matches_members(runs, key: str) -> None:
    (group, (band, mean, low, high)), = runs.bands.items()
    members = [r for r in runs.records if r.settings.get(seeds.GROUP) == group]
    assert len(members) == 3
    values = np.array([r.history[key] for r in members])  # 3 runs x epochs, all finite
    xs = members[0].history["epoch"]
    for curve, want in ((mean, values.mean(axis=0)),
                        (low, values.mean(axis=0) - values.std(axis=0)),
                        (high, values.mean(axis=0) + values.std(axis=0))):
        px, py = curve.getData()
        np.testing.assert_allclose(px, xs)
        np.testing.assert_allclose(py, want, rtol=1e-12)
    assert values.std(axis=0).max() > 0  # the seeds made different runs


def test_repeat_with_seeds_draws_the_groups_mean_and_spread(window, qtbot, tmp_path):
    w = window
    w.apply_preset("mlp-2-4-2")
    qtbot.waitUntil(lambda: w.data.dataset.name == "circles", timeout=20000)
    w.builder.set_config(TrainConfig(epochs=3, batch_size=64, seed=4))
    runs = w.watch.runs
    spin = w.findChild(QSpinBox, "seedRepeatSpin")
    assert spin is runs.seedRepeatSpin
    spin.setValue(3)
    with qtbot.waitSignal(runs.sweepFinished, timeout=300000) as done:
        runs.seedRepeatButton.click()
    assert done.args == [3]
    records = runs.records
    assert [r.settings[seeds.SEED] for r in records] == [4, 5, 6]
    assert len({r.settings[seeds.GROUP] for r in records}) == 1
    assert [runs.runList.topLevelItem(i).icon(0).cacheKey() != 0 for i in range(3)] == [True] * 3
    runs.metricCombo.setCurrentText("loss")
    _band_matches_members(runs, "loss")
    assert "Seed group" in runs.overfitNote.text() and "over 3 seeds" in runs.overfitNote.text()

    qtbot.waitUntil(lambda: not w.tasks.running(), timeout=30000)
    path = tmp_path / "seeds.nngui"
    assert w.save_project_to(path)
    w.apply_preset("mlp-2-4-2")
    assert w.open_path(path)
    qtbot.waitUntil(lambda: len(runs.records) == 3, timeout=30000)
    for i in range(3):  # the reopened list ticks only its last run: tick the group again
        runs.runList.topLevelItem(i).setCheckState(0, runs.runList.topLevelItem(i).checkState(0)
                                                   .__class__.Checked)
    runs.metricCombo.setCurrentText("loss")
    runs.redraw()
    _band_matches_members(runs, "loss")
