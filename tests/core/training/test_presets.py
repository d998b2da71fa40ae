"""Every preset trains on a data set the registry knows (the app, CLI and exporter load it)."""

from __future__ import annotations

from nngui.core.data.datasets import FILE, dataset_names
from nngui.core.training.presets import PRESETS


def test_every_preset_names_a_data_set_of_the_registry() -> None:
    known = {*dataset_names(), FILE.name}
    assert {p.name: p.dataset for p in PRESETS.values() if p.dataset not in known} == {}
    assert {p.dataset for p in PRESETS.values()} & {"mnist", "moons", "file"}  # sees real ones
