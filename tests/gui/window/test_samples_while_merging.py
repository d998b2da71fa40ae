"""A save right after an open keeps the opened project's samples, though they are still
joining the user's store in a job."""

from __future__ import annotations

import threading

import numpy as np

from nngui.core.drawing.samples import SampleStore
from nngui.core.files.project import load_project


def test_a_save_right_after_an_open_keeps_the_samples_still_joining_the_store(
        window, qtbot, tmp_path, open_and_wait, monkeypatch) -> None:
    """An opened project's samples join the store in a job: a save before it ends still
    writes them (it wrote none when the save came first)."""
    store = window.draw.samples_store
    store.add(np.zeros((28, 28), np.float32), 3)
    path = tmp_path / "samples.nngui"
    assert window.save_project_to(path)
    ids = {s["id"] for s in load_project(path).samples}
    for sample in store.samples():  # another computer: none of them
        store.remove(sample.id)
    gate = threading.Event()
    real = SampleStore.put_many

    def held(self, samples):
        assert gate.wait(60), "the test never opened the gate"
        return real(self, samples)

    monkeypatch.setattr(SampleStore, "put_many", held)
    assert open_and_wait(window, path)
    assert store.samples() == []  # still held in the job
    again = tmp_path / "again.nngui"
    assert window.save_project_to(again)
    gate.set()
    assert {s["id"] for s in load_project(again).samples} == ids
    with qtbot.waitSignal(window.projects.samplesMerged, timeout=30000):
        pass
