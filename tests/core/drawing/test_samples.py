"""The user's samples survive a restart; damaged files are skipped, not fatal."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from nngui.core.drawing import samples as S
from nngui.core.drawing.samples import SampleStore


def _digit(seed: int) -> np.ndarray:
    img = np.zeros((28, 28), np.float32)
    rng = np.random.default_rng(seed)
    img[4:24, 10 + seed % 5:14 + seed % 5] = rng.uniform(0.5, 1.0, (20, 4))
    return img


def test_samples_persist_across_a_restart(tmp_path):
    store = SampleStore(tmp_path)
    ids = [store.add(_digit(i), label) for i, label in enumerate([7, 1, 7, 9])]
    assert len(set(ids)) == 4 and len(store) == 4

    again = SampleStore(tmp_path)  # a new process reading the same folder
    x, y, got_ids = again.all()
    assert got_ids == ids  # oldest first
    assert y.tolist() == [7, 1, 7, 9]
    assert x.shape == (4, 28, 28) and x.dtype == np.float32
    assert np.abs(x[0] - _digit(0)).max() <= 0.5 / 255 + 1e-6  # uint8 round trip
    assert again.count_by_label() == {0: 0, 1: 1, 2: 0, 3: 0, 4: 0, 5: 0, 6: 0, 7: 2, 8: 0,
                                      9: 1}


def test_remove_deletes_the_file(tmp_path):
    store = SampleStore(tmp_path)
    keep = store.add(_digit(0), 3)
    gone = store.add(_digit(1), 4)
    assert store.remove(gone) is True
    assert store.remove(gone) is False
    assert SampleStore(tmp_path).all()[2] == [keep]
    assert not list(tmp_path.glob(f"{gone}*"))


def test_damaged_files_are_skipped_with_a_warning(tmp_path):
    store = SampleStore(tmp_path)
    good = store.add(_digit(0), 5)
    (tmp_path / "0000000000001-garbage.npz").write_bytes(b"not a zip file at all")
    truncated = (tmp_path / f"{good}.npz").read_bytes()[:40]
    (tmp_path / "0000000000002-truncated.npz").write_bytes(truncated)
    np.savez(tmp_path / "0000000000003-wrongshape.npz", image=np.zeros((8, 8), np.uint8),
             label=1, created=0.0)
    with pytest.warns(UserWarning, match="Skipping unreadable sample"):
        again = SampleStore(tmp_path)
    assert again.all()[2] == [good]
    assert len(again.skipped) == 3
    assert again.add(_digit(2), 6)  # still usable


def test_a_missing_folder_is_an_empty_store_created_on_first_add(tmp_path):
    root = tmp_path / "not" / "yet"
    store = SampleStore(root)
    x, y, ids = store.all()
    assert x.shape == (0, 28, 28) and y.shape == (0,) and ids == []
    store.add(np.ones((28, 28), np.uint8) * 255, 0)
    assert root.is_dir() and len(SampleStore(root)) == 1


def test_bad_input_is_refused(tmp_path):
    store = SampleStore(tmp_path)
    with pytest.raises(ValueError):
        store.add(_digit(0), 10)
    with pytest.raises(ValueError):
        store.add(np.zeros((20, 20)), 1)
    assert len(store) == 0 and not list(tmp_path.iterdir())


def test_app_data_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("NNGUI_DATA_DIR", str(tmp_path / "data"))
    assert S.app_data_dir() == tmp_path / "data"
    assert S.default_samples_dir() == tmp_path / "data" / "samples"
    monkeypatch.delenv("NNGUI_DATA_DIR")
    monkeypatch.setattr(Path, "home", staticmethod(lambda: tmp_path))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    assert S.app_data_dir() == tmp_path / ".local" / "share" / "nngui"
    monkeypatch.setattr(sys, "platform", "darwin")
    assert S.app_data_dir() == tmp_path / "Library" / "Application Support" / "nngui"
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("APPDATA", str(tmp_path / "Roaming"))
    assert S.app_data_dir() == tmp_path / "Roaming" / "nngui"
