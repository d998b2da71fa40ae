"""Inspect speaks of the network in the builder: a sample probed and a layer mapped, then
another network (a preset, an edit in the builder): the probe's bars and activations and the
map with its title and layer names were still those of the network before."""

from __future__ import annotations

TIMEOUT = 120_000


def _trained(w, qtbot, preset: str, data: str) -> None:
    w.apply_preset(preset)
    qtbot.waitUntil(lambda: w.data.dataset is not None and w.data.dataset.name == data
                    and not w.data.is_loading(), timeout=30_000)
    cfg = w.builder.config()
    cfg.epochs = 3
    w.builder.set_config(cfg)
    with qtbot.waitSignal(w.training.runFinished, timeout=TIMEOUT):
        assert w.train()
    qtbot.waitUntil(lambda: not w.tasks.running(), timeout=TIMEOUT)


def test_a_new_network_clears_the_probe_and_the_map_of_the_one_before(window, qtbot):
    w = window
    _trained(w, qtbot, "xor-2-2-1", "xor2")
    inspect = w.inspect
    sample, lmap = inspect.sample, inspect.map
    assert sample.probe()
    qtbot.waitUntil(lambda: sample.result is not None, timeout=TIMEOUT)
    assert lmap.compute()
    qtbot.waitUntil(lambda: lmap.result is not None, timeout=TIMEOUT)
    assert lmap.layerCombo.count() > 1  # the layers of this network
    assert "PCA of" in lmap.layerMapPlot.getPlotItem().titleLabel.text
    assert sample.status.text().startswith("Test sample 0:")
    assert not lmap.mapEmpty.reason and not sample.probEmpty.reason

    w.apply_preset("mlp-2-8-2")  # another network (and data): untrained
    qtbot.waitUntil(lambda: w.data.dataset.name != "xor2" and not w.data.is_loading(),
                    timeout=30_000)
    assert w.session.model is None
    assert sample.result is None and lmap.result is None
    assert not sample.status.text().startswith("Test sample 0:")
    assert len(sample._bars.opts["height"]) == 0  # no bars of the network before
    assert lmap.layerCombo.count() == 1  # no layer names of the network before
    assert lmap.layerMapPlot.getPlotItem().titleLabel.text == "Layer map"
    assert lmap._pts.data.size == 0
    # the empty plots say so, on 0..1 axes (not the ranges of what they drew before)
    assert lmap.mapEmpty.reason and sample.probEmpty.reason
    for plot in (lmap.layerMapPlot, sample.probPlot):
        (x0, x1), (y0, y1) = plot.getPlotItem().viewRange()
        assert (x0, x1, y0, y1) == (0.0, 1.0, 0.0, 1.0)

    # its own run: mapped again, with its own layers
    _trained(w, qtbot, "mlp-2-8-2", w.data.dataset.name)
    assert lmap.compute()
    qtbot.waitUntil(lambda: lmap.result is not None, timeout=TIMEOUT)
    assert lmap.layerCombo.itemText(1).endswith("(8 values)")


def test_a_probe_or_map_still_computing_when_the_network_changes_is_dropped(
        window, qtbot, monkeypatch):
    """A probe and a map asked for, then another network before they come back: what they
    computed is of the network before, so neither is shown (and Map can be pressed again)."""
    import threading

    from nngui.gui.evaluate import inspect as inspect_module

    w = window
    _trained(w, qtbot, "xor-2-2-1", "xor2")
    gate = threading.Event()
    for name in ("probe_with_inside", "layer_map"):
        real = getattr(inspect_module, name)
        monkeypatch.setattr(inspect_module, name,
                            lambda *a, _real=real, **k: gate.wait(60) and _real(*a, **k))
    sample, lmap = w.inspect.sample, w.inspect.map
    assert sample.probe()  # (one job at a time holds the network: the map comes next)
    w.apply_preset("mlp-2-8-2")  # another network while it computes
    gate.set()
    qtbot.waitUntil(lambda: not w.tasks.running("probe sample"), timeout=TIMEOUT)
    qtbot.wait(50)  # its result's slot has run
    assert sample.result is None
    assert not sample.status.text().startswith(("Test sample", "Probing"))
    assert len(sample._bars.opts["height"]) == 0

    gate.clear()
    _trained(w, qtbot, "mlp-2-8-2", w.data.dataset.name)
    assert lmap.compute()
    assert not lmap.mapButton.isEnabled()
    w.apply_preset("xor-2-2-1")
    gate.set()
    qtbot.waitUntil(lambda: not w.tasks.running("layer map"), timeout=TIMEOUT)
    qtbot.wait(50)
    assert lmap.result is None and lmap.mapButton.isEnabled()
    assert lmap.layerCombo.count() == 1 and lmap._pts.data.size == 0
