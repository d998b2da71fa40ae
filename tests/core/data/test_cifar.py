"""CIFAR-10: the binary archive read without pickles, downloaded from a local server into the
cache only when whole and right, and hostile archives refused with one clear message."""

from __future__ import annotations

import io
import tarfile
import urllib.request
import zipfile
from pathlib import Path

import numpy as np
import pytest
from cifar_archives import (
    FOLDER,
    Server,
    archive_bytes,
    md5,
    raw_images,
    records,
    serve,
    write_cache,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from nngui.core.data import cifar, datasets
from nngui.core.data.record import DatasetError


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A HOME with no ~/.keras and no $NNGUI_CIFAR10: nothing to find."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv(cifar.CIFAR10_ENV, raising=False)
    return home


def serving(monkeypatch: pytest.MonkeyPatch, server: Server, data: bytes,
            checksum: str | None = None, size: int | None = None) -> None:
    """Point the download at the local server, expecting ``data`` (or the given checksum)."""
    monkeypatch.setattr(cifar, "SOURCE", cifar.Source(
        server.url, checksum or md5(data), len(data) if size is None else size))


def assert_holds(ds: datasets.Dataset, raw) -> None:
    """The data set is exactly the archive's images, NHWC flattened, /255, and its labels."""
    for got, want in ((ds.x_train, raw.x_train), (ds.x_test, raw.x_test)):
        assert got.dtype == np.float32 and got.shape == (len(want), 3072)
        np.testing.assert_array_equal(got, want.reshape(len(want), -1) / np.float32(255))
    np.testing.assert_array_equal(ds.y_train, raw.y_train)
    np.testing.assert_array_equal(ds.y_test, raw.y_test)
    assert ds.y_train.dtype == np.int64 and ds.name == "cifar10" and ds.num_classes == 10


def no_cache(home: Path) -> None:
    folder = home / ".keras" / "datasets"
    assert not folder.exists() or list(folder.iterdir()) == []


# ----------------------------------------------------------------------------- the format


def test_a_record_is_a_label_then_the_red_green_and_blue_planes() -> None:
    """Channel order: the first 1,024 pixel bytes are red, then green, then blue."""
    image = np.zeros((1, 32, 32, 3), np.uint8)
    image[0, :, :, 0], image[0, :, :, 1], image[0, :, :, 2] = 10, 20, 30
    image[0, 0, 1] = (1, 2, 3)  # row 0, column 1
    raw = bytes([7]) + bytes([10] * 1024) + bytes([20] * 1024) + bytes([30] * 1024)
    raw = bytearray(raw)
    raw[1 + 1], raw[1 + 1024 + 1], raw[1 + 2048 + 1] = 1, 2, 3
    assert bytes(raw) == records(image, np.array([7], np.uint8))  # the helper writes that
    x, y = cifar.parse_batch(bytes(raw), "batch")
    np.testing.assert_array_equal(x, image)
    assert list(y) == [7]
    ds = cifar.cifar10_dataset(x, y, x, y, source="s", origin="o")
    assert list(np.round(ds.x_train[0, :6] * 255)) == [10, 20, 30, 1, 2, 3]  # R G B of each pixel


def test_the_archive_reads_as_its_images_in_any_whole_number_of_records(tmp_path: Path) -> None:
    data, raw = archive_bytes(raw_images((1, 5, 2, 3, 1, 4)))
    p = tmp_path / "cifar-10-binary.tar.gz"
    p.write_bytes(data)
    ds = datasets.load_user_file(p)  # File → Load data file… knows the archive by its name
    assert_holds(ds, raw)
    assert ds.source == str(p) and len(ds.x_train) == 12 and len(ds.x_test) == 4
    assert ds.class_names[:3] == ["airplane", "automobile", "bird"]
    assert "3 (cat)" in ds.describe()
    assert datasets.load_dataset("cifar10", p).x_train.shape == (12, 3072)
    dotted = tmp_path / "cifar-10-binary.tgz"  # made with tar's "./" before each name
    dotted.write_bytes(archive_bytes(raw_images((1, 5, 2, 3, 1, 4)), prefix="./")[0])
    assert_holds(datasets.load_user_file(dotted), raw)
    plain = tmp_path / "cifar-10-binary.tar"  # unpacked by gunzip: read the same
    plain.write_bytes(archive_bytes(raw_images((1, 5, 2, 3, 1, 4)), gz=False)[0])
    assert_holds(datasets.load_user_file(plain), raw)


def hostile(case: str) -> bytes:
    """An archive that must be refused, gzipped as the real one."""
    data = records(*raw_images((2,))[0])
    cases = {
        "too large": ([(f"{FOLDER}/data_batch_1.bin", b"", tarfile.REGTYPE, 10_001 * 3073, "")],
                      ("data_batch_1.bin",)),
        "unexpected name": ([(f"{FOLDER}/evil.py", b"print(1)", tarfile.REGTYPE, None, "")], ()),
        "symlink": ([(f"{FOLDER}/data_batch_1.bin", b"", tarfile.SYMTYPE, 0, "/etc/passwd")],
                    ("data_batch_1.bin",)),
        "hard link": ([(f"{FOLDER}/data_batch_1.bin", b"", tarfile.LNKTYPE, 0,
                        f"{FOLDER}/data_batch_2.bin")], ("data_batch_1.bin",)),
        "dot-dot name": ([(f"{FOLDER}/../../data_batch_1.bin", data, tarfile.REGTYPE, None, "")],
                         ("data_batch_1.bin",)),
        "absolute name": ([(f"/{FOLDER}/data_batch_1.bin", data, tarfile.REGTYPE, None, "")],
                          ("data_batch_1.bin",)),
        "missing batch": ([], ("test_batch.bin",)),
        "twice": ([(f"{FOLDER}/data_batch_2.bin", data, tarfile.REGTYPE, None, "")], ()),
        "part record": ([(f"{FOLDER}/data_batch_1.bin", data[:-1], tarfile.REGTYPE, None, "")],
                        ("data_batch_1.bin",)),
        "label 10": ([(f"{FOLDER}/data_batch_1.bin", b"\x0a" + data[1:], tarfile.REGTYPE, None,
                       "")], ("data_batch_1.bin",)),
        "huge extra": ([(f"{FOLDER}/readme.html", b"", tarfile.REGTYPE, 2_000_000_000, "")], ()),
        "device": ([(f"{FOLDER}/readme.html", b"", tarfile.CHRTYPE, 0, "")], ()),
    }
    extra, skip = cases[case]
    return archive_bytes(extra=extra, skip=skip)[0]


HOSTILE = {
    "too large": "data_batch_1.bin' has 30,733,073 bytes, over the 30,730,000 it may have",
    "unexpected name": "unexpected member 'cifar-10-batches-bin/evil.py'",
    "symlink": "is a link or special entry (tar type '2')",
    "hard link": "is a link or special entry (tar type '1')",
    "dot-dot name": "unexpected member 'cifar-10-batches-bin/../../data_batch_1.bin'",
    "absolute name": "unexpected member '/cifar-10-batches-bin/data_batch_1.bin'",
    "missing batch": "lacks cifar-10-batches-bin/test_batch.bin",
    "twice": "holds 'cifar-10-batches-bin/data_batch_2.bin' twice",
    "part record": "not a whole number of 3,073-byte records",
    "label 10": "has the label 10; CIFAR-10's are 0..9",
    "huge extra": "readme.html' has 2,000,000,000 bytes, over the 1,000,000",
    "device": "is a link or special entry (tar type '3')",
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_archive_is_one_clear_message(case: str, tmp_path: Path) -> None:
    p = tmp_path / "cifar-10-binary.tar.gz"
    p.write_bytes(hostile(case))
    with pytest.raises(DatasetError) as err:
        datasets.load_user_file(p)
    assert HOSTILE[case] in str(err.value)
    assert str(err.value).startswith("cifar-10-binary.tar.gz")
    assert sorted(q.name for q in tmp_path.iterdir()) == ["cifar-10-binary.tar.gz"]  # nothing
    # was extracted beside it


def test_reading_stops_at_the_archives_end_and_never_unpacks_what_follows(tmp_path: Path) -> None:
    """A gzip bomb after the tar's end is never decompressed: at most MAX_ARCHIVE_READ bytes."""
    data, raw = archive_bytes(gz=False)

    class Counting(io.BytesIO):
        read_total = 0

        def read(self, n: int = -1) -> bytes:
            assert 0 <= n <= 1 << 20  # bounded reads only, never "everything"
            out = super().read(n)
            Counting.read_total += len(out)
            return out

    with tarfile.open(fileobj=io.BytesIO(data)) as tar:  # where the last member ends
        last = tar.getmembers()[-1]
        end = last.offset_data + -(-last.size // 512) * 512
    stream = Counting(data[:end] + b"\0" * 1024 + b"x" * 5_000_000)  # the end, then junk
    x_tr, y_tr, x_te, y_te = cifar.read_archive(stream, "a.tar")
    np.testing.assert_array_equal(x_tr, raw.x_train)
    np.testing.assert_array_equal(y_te, raw.y_test)
    assert Counting.read_total == end + 512 < cifar.MAX_ARCHIVE_READ
    assert cifar.MAX_ARCHIVE_READ < 200_000_000


def test_damaged_bytes_are_a_message(tmp_path: Path) -> None:
    data, _ = archive_bytes()
    p = tmp_path / "cifar-10-binary.tar.gz"
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(DatasetError, match="cut short"):
        datasets.load_user_file(p)
    p.write_bytes(b"\x1f\x8b" + b"garbage" * 100)
    with pytest.raises(DatasetError, match="damaged or cut short"):
        datasets.load_user_file(p)
    p.write_bytes(b"not an archive at all" * 50)
    with pytest.raises(DatasetError, match="not a tar archive or is damaged"):
        datasets.load_user_file(p)


# ----------------------------------------------------------------------------- the cache


def test_the_cache_npz_is_read_with_the_npz_limits(home: Path, tmp_path: Path) -> None:
    _, raw = archive_bytes()
    dest = write_cache(home, raw)
    assert cifar.find_cifar10() == dest
    assert_holds(datasets.load_dataset("cifar10"), raw)
    # a header that declares 3 TB: refused before anything is allocated
    with zipfile.ZipFile(dest, "w") as zf:
        header = io.BytesIO()
        np.lib.format.write_array_header_1_0(
            header, {"descr": "|u1", "fortran_order": False, "shape": (10**9, 32, 32, 3)})
        zf.writestr("x_train.npy", header.getvalue() + b"\0" * 64)
    with pytest.raises(DatasetError, match="cifar10.npz"):
        datasets.load_dataset("cifar10")
    np.savez(dest, x_train=np.zeros((4, 28, 28), np.uint8), y_train=np.zeros(4, np.uint8),
             x_test=np.zeros((4, 28, 28), np.uint8), y_test=np.zeros(4, np.uint8))
    with pytest.raises(DatasetError, match=r"the training images are \(4, 28, 28\) uint8, but "
                                           r"CIFAR-10's are \(N, 32, 32, 3\)"):
        datasets.load_dataset("cifar10")


def test_keras_layout_saved_as_cifar10_npz_is_cifar10(tmp_path: Path) -> None:
    """The lesson's old route (keras' load_data() saved with np.savez, labels (N, 1))."""
    _, raw = archive_bytes()
    p = tmp_path / "cifar10.npz"
    np.savez(p, x_train=raw.x_train, y_train=raw.y_train[:, None], x_test=raw.x_test,
             y_test=raw.y_test[:, None])
    assert_holds(datasets.load_user_file(p), raw)


def test_where_cifar10_is_found(home: Path, tmp_path: Path,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    assert cifar.find_cifar10() is None
    cache = write_cache(home, archive_bytes()[1])
    assert cifar.find_cifar10() == cache
    mine = tmp_path / "cifar-10-binary.tar.gz"
    data, raw = archive_bytes(raw_images((1, 1, 1, 1, 1, 2), seed=5))
    mine.write_bytes(data)
    monkeypatch.setenv(cifar.CIFAR10_ENV, str(mine))
    assert cifar.find_cifar10() == mine
    assert_holds(datasets.load_dataset("cifar10"), raw)  # $NNGUI_CIFAR10 first
    assert cifar.find_cifar10(cache) == cache
    with pytest.raises(DatasetError, match="does not exist: check the path"):
        datasets.load_dataset("cifar10", tmp_path / "gone.tar.gz")


def test_not_here_and_not_allowed_to_download_says_how_to_get_it(
        home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*a, **k):
        raise AssertionError("a check must not reach the network")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    with pytest.raises(DatasetError) as err:
        datasets.REGISTRY["cifar10"].download.offline()
    msg = str(err.value)
    assert "not on this computer" in msg and cifar.SOURCE.url in msg and "NNGUI_CIFAR10" in msg


# ----------------------------------------------------------------------------- the download


def test_download_then_cache_then_load_gives_the_exact_pixels(
        home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data, raw = archive_bytes()
    seen: list[tuple[int, int]] = []
    with serve(Server(body=data)) as server:
        serving(monkeypatch, server, data)
        ds = datasets.load_dataset("cifar10", progress=lambda d, t: seen.append((d, t)))
        assert server.requests == ["/cifar-10-binary.tar.gz"]
    assert_holds(ds, raw)
    dest = home / ".keras" / "datasets" / "cifar10.npz"
    assert ds.source == str(dest) and [p.name for p in dest.parent.iterdir()] == ["cifar10.npz"]
    assert seen[-1] == (len(data), len(data))
    with np.load(dest) as f:  # the cache: uint8 NHWC, as keras' load_data() gives
        assert f["x_train"].dtype == np.uint8 and f["x_train"].shape == (12, 32, 32, 3)
        np.testing.assert_array_equal(f["x_test"], raw.x_test)
    # the server is gone: the next load is the cache's
    assert_holds(datasets.load_dataset("cifar10"), raw)


@pytest.mark.parametrize("fault", ["cut", "checksum", "size", "hostile", "empty"])
def test_a_bad_download_is_a_message_and_leaves_no_cache(
        fault: str, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = hostile("symlink") if fault == "hostile" else archive_bytes()[0]
    server = Server(body=b"" if fault == "empty" else data,
                    cut=len(data) // 2 if fault == "cut" else None)
    with serve(server):
        serving(monkeypatch, server, data, checksum="0" * 32 if fault == "checksum" else None,
                size=len(data) + 1 if fault == "size" else None)
        with pytest.raises(DatasetError) as err:
            datasets.load_dataset("cifar10")
    msg = str(err.value)
    assert msg.startswith("CIFAR-10 was not found and could not be downloaded (")
    want = {"cut": "stopped after", "checksum": "its MD5 is", "size": "bytes came",
            "hostile": "is a link or special entry", "empty": "0 bytes came"}[fault]
    assert want in msg and "File → Load data file…" in msg and "\n" not in msg
    assert "Could not save" not in msg  # a network fault is not blamed on the disk
    no_cache(home)


def test_cancel_stops_the_download_and_keeps_nothing(
        home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data, _ = archive_bytes()

    class Cancelled(DatasetError):
        pass

    def cancel(done: int, total: int) -> None:
        raise Cancelled("cancelled")

    with serve(Server(body=data)) as server:
        serving(monkeypatch, server, data)
        with pytest.raises(Cancelled):
            datasets.load_dataset("cifar10", progress=cancel)
    no_cache(home)


def test_an_exported_script_reads_the_cache_and_the_archive_as_the_app_does(
        home: Path, tmp_path: Path) -> None:
    from nngui.core.data.script_loaders import read_cifar10

    data, raw = archive_bytes()
    archive = tmp_path / "cifar-10-binary.tar.gz"
    archive.write_bytes(data)
    cache = write_cache(home, raw)
    app = datasets.load_dataset("cifar10")
    for parts in (read_cifar10(str(archive)), read_cifar10(None, str(cache)), read_cifar10()):
        (x, y), (xt, yt) = parts
        assert x.dtype == np.uint8 and x.shape == (12, 3072)
        np.testing.assert_array_equal(x / np.float32(255), app.x_train)
        np.testing.assert_array_equal(xt / np.float32(255), app.x_test)
        np.testing.assert_array_equal(y, app.y_train)
        np.testing.assert_array_equal(yt, app.y_test)
    with pytest.raises(SystemExit, match="does not exist: check --data"):
        read_cifar10(str(tmp_path / "gone.npz"))


@given(st.data())
@settings(max_examples=150, deadline=None)
def test_any_damage_to_an_archive_is_a_dataset_error_or_its_data(data) -> None:
    """Flipped bytes and cuts anywhere: a DatasetError or the arrays, never another error."""
    good, _ = archive_bytes(raw_images((1, 1, 1, 1, 1, 1)), gz=False)
    raw = bytearray(good)
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(raw) - 1))
        raw[i] = data.draw(st.integers(0, 255))
    raw = raw[:data.draw(st.integers(0, len(raw)))]
    try:
        x_tr, y_tr, x_te, y_te = cifar.read_archive(io.BytesIO(bytes(raw)), "a.tar")
    except DatasetError as exc:
        assert str(exc).startswith("a.tar") and "\n" not in str(exc)
    else:
        assert x_tr.shape[1:] == (32, 32, 3) and len(x_tr) == len(y_tr) and y_te.max() <= 9


def test_a_negative_size_is_refused() -> None:
    """tar's base-256 sizes can be negative: refused, never a negative read."""
    raw = bytearray(archive_bytes(gz=False)[0])
    at = 512  # the first batch's header, after the folder's
    raw[at + 124:at + 136] = b"\xff" * 12  # base-256 -1
    block = raw[at:at + 512]
    block[148:156] = b" " * 8
    raw[at + 148:at + 156] = b"%06o\0 " % sum(block)
    with pytest.raises(DatasetError, match="data_batch_1.bin' has a negative size"):
        cifar.read_archive(io.BytesIO(bytes(raw)), "a.tar")
