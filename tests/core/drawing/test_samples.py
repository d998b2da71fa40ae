"""The user's samples survive a restart; damaged files are skipped, not fatal."""

from __future__ import annotations

import io
import sys
import threading
import zipfile
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


# ---- many samples at once: one bundle file -------------------------------------------------

def _batch(n: int, start: int = 0, stamp: int = 1_700_000_000_000) -> list[S.Sample]:
    rng = np.random.default_rng(start)
    images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    return [S.Sample(f"{stamp + start + i:013d}-{start + i:08x}", images[i], int(rng.integers(10)),
                     1.7e9 + start + i) for i in range(n)]


def _same(got: list[S.Sample], want: list[S.Sample]) -> bool:
    return ([(s.id, s.label, s.created) for s in got] == [(s.id, s.label, s.created) for s in want]
            and all(np.array_equal(a.image, b.image) for a, b in zip(got, want, strict=True)))


def test_put_many_writes_one_bundle_that_reloads_equal(tmp_path):
    batch = _batch(3000)
    store = SampleStore(tmp_path)
    mine = store.add(_digit(0), 4)  # the user's own sample, newer than the batch
    shuffled = [batch[i] for i in np.random.default_rng(1).permutation(len(batch))]
    added = store.put_many(shuffled)
    assert added == [s.id for s in batch]  # oldest first
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files[0] == f"{mine}.npz" and len(files) == 2 and files[1].startswith("bundle-")
    assert _same(store.samples()[:-1], batch) and store.ids()[-1] == mine
    again = SampleStore(tmp_path)  # the next start
    assert _same(again.samples()[:-1], batch) and again.ids()[-1] == mine
    assert not again.skipped and len(again) == 3001
    want = np.bincount([s.label for s in batch] + [4], minlength=10)
    assert again.count_by_label() == dict(enumerate(want.tolist()))
    x, y, ids = again.all()
    assert x.shape == (3001, 28, 28) and ids == [s.id for s in batch] + [mine]
    assert np.array_equal(np.round(x[5] * 255), batch[5].image) and y[5] == batch[5].label


def test_put_many_skips_the_ids_it_has(tmp_path):
    store = SampleStore(tmp_path)
    first = _batch(10)
    assert len(store.put_many(first)) == 10
    repeated = first[5:] + _batch(4, start=10) + _batch(4, start=10)  # known, new, new again
    assert store.put_many(repeated) == [s.id for s in _batch(4, start=10)]
    assert store.put_many(first) == [] and len(list(tmp_path.iterdir())) == 2  # nothing new
    assert len(SampleStore(tmp_path)) == len(store) == 14


def test_put_many_checks_every_sample_before_writing(tmp_path):
    store = SampleStore(tmp_path)
    good = _batch(5)
    bad = [S.Sample("../../escape", good[0].image, 1, 0.0),
           S.Sample("bundle-1-x", good[0].image, 1, 0.0),  # would be read as a bundle
           S.Sample("x" * 65, good[0].image, 1, 0.0),
           S.Sample("0-ok", good[0].image, 10, 0.0),
           S.Sample("0-ok", np.zeros((28, 27), np.uint8), 1, 0.0)]
    for sample in bad:
        with pytest.raises(ValueError):
            store.put_many([*good, sample])
        with pytest.raises(ValueError):
            store.put(sample)
    assert not list(tmp_path.iterdir()) and len(store) == 0
    floats = [S.Sample("0000000000001-f", np.full((28, 28), 0.5, np.float32), 2, 0.0)]
    store.put_many(floats)  # float images in [0, 1] become uint8 as add() makes them
    assert SampleStore(tmp_path).get("0000000000001-f").image.max() == 128


def test_removing_bundled_samples_rewrites_their_bundle(tmp_path):
    store = SampleStore(tmp_path)
    batch = _batch(6)
    store.put_many(batch)
    old = store.add(_digit(1), 3)  # a single-sample file beside the bundle
    assert store.remove(batch[2].id) is True
    assert store.remove(batch[2].id) is False
    assert len(list(tmp_path.glob("bundle-*.npz"))) == 1
    again = SampleStore(tmp_path)
    assert _same(again.samples()[:-1], batch[:2] + batch[3:])
    assert store.remove_many([s.id for s in batch] + [old, "never-there"]) == 6
    assert not list(tmp_path.iterdir())  # the emptied bundle is deleted too
    assert len(store) == 0 and len(SampleStore(tmp_path)) == 0


def test_an_old_single_sample_file_still_reads_and_removes(tmp_path):
    """Folders written by earlier versions: one .npz per sample, named by its id."""
    image = (np.arange(784) % 256).astype(np.uint8).reshape(28, 28)
    np.savez_compressed(tmp_path / "1690000000000-0a1b2c3d.npz", image=image,
                        label=np.int64(8), created=np.float64(1.69e9))
    store = SampleStore(tmp_path)
    store.put_many(_batch(3))
    sample = store.get("1690000000000-0a1b2c3d")
    assert sample.label == 8 and np.array_equal(sample.image, image)
    assert store.ids()[0] == sample.id  # oldest first, bundles or not
    assert store.remove(sample.id) and len(SampleStore(tmp_path)) == 3


def _npy_header(shape: tuple, dtype: str = "|u1") -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": dtype, "fortran_order": False,
                                               "shape": shape})
    return buf.getvalue()


def _bundle(path: Path, **arrays) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        for key, value in arrays.items():
            if isinstance(value, bytes):
                zf.writestr(f"{key}.npy", value)
            else:
                buf = io.BytesIO()
                np.lib.format.write_array(buf, np.asarray(value), allow_pickle=True)
                zf.writestr(f"{key}.npy", buf.getvalue())


@pytest.mark.parametrize("damage", ["garbage", "truncated", "huge", "pickle", "bad id",
                                    "bundle id", "label", "shape", "lengths", "missing"])
def test_a_damaged_or_hostile_bundle_is_skipped_with_a_warning(tmp_path, damage):
    store = SampleStore(tmp_path)
    batch = _batch(4)
    store.put_many(batch)
    good = next(tmp_path.glob("bundle-*.npz"))
    bad = tmp_path / "bundle-0000000000001-bad.npz"
    ok = {"images": np.zeros((2, 28, 28), np.uint8), "labels": np.array([1, 2]),
          "created": np.array([0.0, 1.0]), "ids": np.array(["1-a", "1-b"])}
    if damage == "garbage":
        bad.write_bytes(b"PK\x03\x04 not really a zip")
    elif damage == "truncated":
        bad.write_bytes(good.read_bytes()[:300])
    elif damage == "huge":  # declares 10 million images in a few bytes: never allocated
        _bundle(bad, **{**ok, "images": _npy_header((10_000_000, 28, 28)) + b"\0" * 100})
    elif damage == "pickle":
        _bundle(bad, **{**ok, "ids": np.array(["1-a", "1-b"], dtype=object)})
    elif damage == "bad id":
        _bundle(bad, **{**ok, "ids": np.array(["1-a", "../../home/x"])})
    elif damage == "bundle id":  # removing it would delete a whole bundle
        _bundle(bad, **{**ok, "ids": np.array(["1-a", good.stem])})
    elif damage == "label":
        _bundle(bad, **{**ok, "labels": np.array([1, 12])})
    elif damage == "shape":
        _bundle(bad, **{**ok, "images": np.zeros((2, 28, 20), np.uint8)})
    elif damage == "lengths":
        _bundle(bad, **{**ok, "labels": np.array([1, 2, 3])})
    else:
        _bundle(bad, **{k: v for k, v in ok.items() if k != "created"})
    with pytest.warns(UserWarning, match="Skipping unreadable sample"):
        again = SampleStore(tmp_path)
    assert again.skipped == [bad.name]
    assert _same(again.samples(), batch)  # the good bundle is all there


def test_put_many_on_a_worker_thread_shows_all_or_nothing(tmp_path):
    """What the GUI thread sees while a worker merges: the store before or after the batch."""
    store = SampleStore(tmp_path)
    mine = store.add(_digit(0), 1)
    batch = _batch(20_000)
    seen = set()
    worker = threading.Thread(target=store.put_many, args=(batch,))
    worker.start()
    while worker.is_alive():
        n, ids, counts = len(store), store.ids(), store.count_by_label()
        seen.add(n)
        assert len(ids) in (1, 20_001) and sum(counts.values()) in (1, 20_001)
        store.add(_digit(1), 2)  # the GUI saves meanwhile
        store.remove(store.ids()[-1])
    worker.join()
    assert mine in store and len(store) == 20_001 and len(SampleStore(tmp_path)) == 20_001
