"""Tests for nngui.core.data.datasets (and the file parsers in nngui.core.data.files); never downloads."""

from __future__ import annotations

import gzip
import io
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from nngui.core.data import datasets as D
from nngui.core.data.datasets import Dataset, DatasetError

REPO = Path(__file__).resolve().parents[3]
IDX_NAMES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}


def write_idx(path: Path, arr: np.ndarray, gz: bool = False) -> Path:
    """Write a uint8 array in IDX format (magic 0x0000 08 ndim, big-endian dims)."""
    arr = np.ascontiguousarray(arr, dtype=np.uint8)
    header = bytes([0, 0, 0x08, arr.ndim]) + np.array(arr.shape, dtype=">u4").tobytes()
    data = header + arr.tobytes()
    if gz:
        path = path.with_name(path.name + ".gz")
        data = gzip.compress(data, compresslevel=1)
    path.write_bytes(data)
    return path


@pytest.fixture(scope="module")
def raw_mnist(mnist_path: Path) -> dict[str, np.ndarray]:
    """The raw uint8 arrays of the real MNIST slice shipped with the tests."""
    with np.load(mnist_path) as z:
        return {k: z[k] for k in ("x_train", "y_train", "x_test", "y_test")}


@pytest.fixture(scope="module")
def small_raw(raw_mnist: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """First 1000 train / 200 test samples of the real MNIST slice."""
    return {
        "x_train": raw_mnist["x_train"][:1000], "y_train": raw_mnist["y_train"][:1000],
        "x_test": raw_mnist["x_test"][:200], "y_test": raw_mnist["y_test"][:200],
    }


@pytest.fixture()
def small_npz(tmp_path: Path, small_raw: dict[str, np.ndarray]) -> Path:
    """A small Keras-layout mnist.npz built from real MNIST samples."""
    p = tmp_path / "small" / "mnist.npz"
    p.parent.mkdir()
    np.savez_compressed(p, **small_raw)
    return p


@pytest.fixture()
def empty_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A HOME with no ~/.keras and no NNGUI_MNIST, so nothing can be found."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("NNGUI_MNIST", raising=False)
    return home


def assert_matches(ds: Dataset, raw: dict[str, np.ndarray]) -> None:
    """The dataset equals the raw uint8 arrays scaled /255."""
    for key in ("x_train", "x_test"):
        got = getattr(ds, key)
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got, raw[key].astype(np.float32) / 255)
    for key in ("y_train", "y_test"):
        got = getattr(ds, key)
        assert got.dtype == np.int64
        np.testing.assert_array_equal(got, raw[key])


# ----------------------------------------------------------------------------- import / registry


def test_import_does_not_load_tensorflow_or_sklearn() -> None:
    code = (
        "import nngui.core.data.datasets, sys; "
        "assert 'tensorflow' not in sys.modules and 'sklearn' not in sys.modules"
    )
    res = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr


def test_registry_names_and_titles() -> None:
    course = ["mnist", "digits", "xor", "moons", "circles", "spiral", "blobs", "regression"]
    names = D.dataset_names()
    assert [n for n in names if n in course] == course  # the course's sets, in menu order
    assert names == list(D.REGISTRY) and "file" not in names
    assert all(D.entry(n).name == n and D.dataset_title(n) for n in names)
    assert D.entry(" MOONS ") is D.REGISTRY["moons"] and D.entry("file") is D.FILE
    assert "60k" in D.dataset_title("mnist")
    with pytest.raises(DatasetError, match="moons"):
        D.dataset_title("nope")


MADE = [n for n in D.dataset_names() if not D.entry(n).reads_file]


@pytest.mark.parametrize("name", MADE)
def test_every_made_entry_loads_what_its_entry_says(name: str) -> None:
    """Each entry the app makes itself: its name, title and task, float32 inputs, labels
    0..k-1 of as many classes as it names (float32 targets for a regression)."""
    entry = D.entry(name)
    ds = D.load_dataset(name, seed=1)
    assert (ds.name, ds.title, ds.task) == (entry.name, entry.title, entry.task)
    assert ds.x_train.dtype == ds.x_test.dtype == np.float32
    assert len(ds.x_train) == len(ds.y_train) > 0 and len(ds.x_test) == len(ds.y_test) > 0
    if ds.task == "classification":
        assert ds.y_train.dtype == ds.y_test.dtype == np.int64
        assert len(ds.class_names) == ds.num_classes >= 2
        assert set(np.unique(ds.y_train)) == set(range(ds.num_classes))
    else:
        assert ds.y_train.dtype == np.float32 and ds.num_classes == 0
    assert not any("{" in note for note in ds.notes)  # every {seed} was filled in


def test_a_path_with_a_made_data_set_name_loads_the_file(tmp_path: Path) -> None:
    p = tmp_path / "mine.csv"
    p.write_text("".join(f"{i},{i % 2}\n" for i in range(20)))
    assert D.load_dataset("moons", p).name == "file"


def test_unknown_name_lists_valid_names() -> None:
    with pytest.raises(DatasetError) as err:
        D.load_dataset("cifar")
    assert all(n in str(err.value) for n in D.dataset_names())


def test_file_name_without_path_is_an_error() -> None:
    with pytest.raises(DatasetError, match="file"):
        D.load_dataset("file")


# ----------------------------------------------------------------------------- real MNIST


def test_real_mnist_loads(mnist_path: Path) -> None:
    """The slice shipped with the tests: 800 training and 200 test digits of each class."""
    ds = D.load_mnist(mnist_path, allow_download=False)
    assert ds.name == "mnist" and ds.title == "MNIST handwritten digits (8k/2k)"
    assert ds.x_train.shape == (8000, 28, 28) and ds.x_test.shape == (2000, 28, 28)
    assert ds.y_train.shape == (8000,) and ds.y_test.shape == (2000,)
    assert ds.x_train.dtype == np.float32 and ds.y_train.dtype == np.int64
    assert float(ds.x_train.min()) == 0.0 and float(ds.x_train.max()) == 1.0
    assert set(np.unique(ds.y_train)) == set(range(10)) == set(np.unique(ds.y_test))
    assert ds.task == "classification" and ds.num_classes == 10 and len(ds.class_names) == 10
    assert ds.is_image and ds.input_shape == (28, 28)
    assert "pixel values scaled /255 to [0, 1]" in ds.notes
    assert ds.source == str(mnist_path)
    text = ds.describe()
    assert "(8000, 28, 28)" in text and "(2000, 28, 28)" in text
    assert all(f"  {d}: 800 / 200" in text for d in range(10))  # per class, train / test

    small = ds.subset(1000, 200, seed=1)
    assert small.x_train.shape == (1000, 28, 28) and small.y_test.shape == (200,)
    assert set(np.unique(small.y_train)) == set(range(10))
    assert np.array_equal(small.y_train, ds.subset(1000, 200, seed=1).y_train)
    assert len(ds.x_train) == 8000  # the original is untouched


def test_the_full_mnist_file_loads_60k_and_10k(full_mnist_path: Path) -> None:
    """The full file's uneven classes show the per-class counts land on the right digits."""
    ds = D.load_mnist(full_mnist_path, allow_download=False)
    assert ds.title == "MNIST handwritten digits (60k/10k)"
    assert ds.x_train.shape == (60000, 28, 28) and ds.x_test.shape == (10000, 28, 28)
    text = ds.describe()
    assert "  0: 5923 / 980" in text and "  1: 6742 / 1135" in text and "  5: 5421 / 892" in text


def test_load_dataset_mnist_with_path(small_npz: Path, small_raw: dict[str, np.ndarray]) -> None:
    ds = D.load_dataset("mnist", small_npz)
    assert_matches(ds, small_raw)
    assert ds.title == "MNIST handwritten digits (1k/200)"


# ----------------------------------------------------------------------------- IDX


@pytest.mark.parametrize("gz", [False, True])
def test_idx_round_trip(tmp_path: Path, small_raw: dict[str, np.ndarray], gz: bool) -> None:
    paths = {k: write_idx(tmp_path / name, small_raw[k], gz) for k, name in IDX_NAMES.items()}
    for key, p in paths.items():
        np.testing.assert_array_equal(D.read_idx(p), small_raw[key])
    assert_matches(D.load_mnist_file(tmp_path), small_raw)
    assert_matches(D.load_mnist_file(paths["y_test"]), small_raw)
    assert_matches(D.load_user_file(paths["x_train"]), small_raw)
    assert_matches(D.load_dataset("mnist", tmp_path), small_raw)


def test_idx_dot_variant_names(tmp_path: Path, small_raw: dict[str, np.ndarray]) -> None:
    for key, name in IDX_NAMES.items():
        write_idx(tmp_path / name.replace("-idx", ".idx"), small_raw[key])
    assert_matches(D.load_mnist_file(tmp_path / "t10k-images.idx3-ubyte"), small_raw)


def test_idx_missing_sibling(tmp_path: Path, small_raw: dict[str, np.ndarray]) -> None:
    for key in ("x_train", "y_train", "x_test"):
        write_idx(tmp_path / IDX_NAMES[key], small_raw[key])
    with pytest.raises(DatasetError, match="t10k-labels-idx1-ubyte"):
        D.load_mnist_file(tmp_path / IDX_NAMES["x_train"])


def test_idx_label_count_mismatch(tmp_path: Path, small_raw: dict[str, np.ndarray]) -> None:
    for key, name in IDX_NAMES.items():
        write_idx(tmp_path / name, small_raw[key][:50] if key == "y_test" else small_raw[key])
    with pytest.raises(DatasetError, match="labels"):
        D.load_mnist_file(tmp_path)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda b: b"\x08\x03" + b[2:],  # wrong magic
        lambda b: b[: len(b) // 2],  # truncated data
        lambda b: b[:6],  # truncated header
        lambda b: b + b"\x00" * 7,  # trailing junk
        lambda b: gzip.compress(b)[:-20],  # truncated gzip
        lambda b: b"",  # empty
    ],
    ids=["magic", "truncated", "header", "trailing", "gzip", "empty"],
)
def test_corrupt_idx(tmp_path: Path, small_raw: dict[str, np.ndarray], mangle) -> None:
    for key, name in IDX_NAMES.items():
        write_idx(tmp_path / name, small_raw[key])
    bad = tmp_path / IDX_NAMES["x_test"]
    bad.write_bytes(mangle(bad.read_bytes()))
    with pytest.raises(DatasetError):
        D.read_idx(bad)
    with pytest.raises(DatasetError, match="t10k-images"):
        D.load_mnist_file(tmp_path)


def test_idx_wrong_image_size(tmp_path: Path, small_raw: dict[str, np.ndarray]) -> None:
    for key, name in IDX_NAMES.items():
        arr = small_raw[key][:, :20, :20] if key == "x_train" else small_raw[key]
        write_idx(tmp_path / name, arr)
    with pytest.raises(DatasetError, match=r"\(N, 28, 28\)"):
        D.load_mnist_file(tmp_path)


# ----------------------------------------------------------------------------- corrupt npz


def test_truncated_npz(tmp_path: Path, small_npz: Path) -> None:
    bad = tmp_path / "mnist.npz"
    data = small_npz.read_bytes()
    for cut in (len(data) // 2, len(data) - 30, 100):
        bad.write_bytes(data[:cut])
        with pytest.raises(DatasetError, match="mnist.npz"):
            D.load_mnist_file(bad)


def test_random_bytes_and_wrong_npz(tmp_path: Path) -> None:
    junk = tmp_path / "mnist.npz"
    junk.write_bytes(np.random.default_rng(0).bytes(5000))
    with pytest.raises(DatasetError):
        D.load_mnist_file(junk)
    with pytest.raises(DatasetError):
        D.load_user_file(junk)
    other = tmp_path / "other.npz"
    np.savez(other, a=np.zeros(3))
    with pytest.raises(DatasetError, match="x_train"):
        D.load_mnist_file(other)
    blob = tmp_path / "blob.bin"
    blob.write_bytes(b"hello world")
    with pytest.raises(DatasetError, match="blob.bin"):
        D.load_mnist_file(blob)


def test_missing_explicit_path(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="does not exist: check the path"):
        D.load_mnist(tmp_path / "nope.npz", allow_download=False)
    with pytest.raises(DatasetError, match="does not exist: check the path"):
        D.load_mnist_file(tmp_path / "nope.npz")


# ----------------------------------------------------------------------------- find / download


def test_find_mnist_chain(tmp_path: Path, empty_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert D.find_mnist() is None
    keras = empty_home / ".keras" / "datasets" / "mnist.npz"
    keras.parent.mkdir(parents=True)
    keras.write_bytes(b"x")
    assert D.find_mnist() == keras
    env = tmp_path / "env.npz"
    env.write_bytes(b"x")
    monkeypatch.setenv("NNGUI_MNIST", str(env))
    assert D.find_mnist() == env
    explicit = tmp_path / "explicit.npz"
    explicit.write_bytes(b"x")
    assert D.find_mnist(explicit) == explicit
    assert D.find_mnist(tmp_path / "missing.npz") == env


def test_load_mnist_uses_env(
    small_npz: Path, empty_home: Path, small_raw: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NNGUI_MNIST", str(small_npz))
    assert_matches(D.load_mnist(allow_download=False), small_raw)


def test_nothing_found_without_download(empty_home: Path) -> None:
    with pytest.raises(DatasetError) as err:
        D.load_mnist(allow_download=False)
    msg = str(err.value)
    assert "NNGUI_MNIST" in msg and "mnist.npz" in msg and D.MNIST_URL in msg


def test_download_failure_leaves_nothing(empty_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def offline(*args, **kwargs):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(DatasetError) as err:
        D.load_mnist()
    assert "NNGUI_MNIST" in str(err.value) and "no network" in str(err.value)
    folder = empty_home / ".keras" / "datasets"
    assert not folder.exists() or list(folder.iterdir()) == []


class FakeResponse(io.BytesIO):
    """A urlopen() result serving ``data``, optionally failing after ``fail_after`` bytes."""

    def __init__(self, data: bytes, fail_after: int | None = None) -> None:
        super().__init__(data)
        self.headers = {"Content-Length": str(len(data))}
        self.fail_after = fail_after

    def read(self, n: int = -1) -> bytes:
        if self.fail_after is not None and self.tell() >= self.fail_after:
            raise TimeoutError("timed out")
        return super().read(n)


def test_download_interrupted_leaves_no_partial_file(
    small_npz: Path, empty_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = small_npz.read_bytes()
    monkeypatch.setattr(urllib.request, "urlopen", lambda *a, **k: FakeResponse(data, 70000))
    seen: list[tuple[int, int]] = []
    with pytest.raises(DatasetError, match="NNGUI_MNIST"):
        D.load_mnist(progress=lambda done, total: seen.append((done, total)))
    assert seen and seen[-1][1] == len(data) and seen[-1][0] < len(data)
    assert list((empty_home / ".keras" / "datasets").iterdir()) == []


def test_download_success(
    small_npz: Path, empty_home: Path, small_raw: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = small_npz.read_bytes()
    urls: list[str] = []

    def fake_urlopen(url: str, timeout: float = 0, context=None) -> FakeResponse:
        urls.append(url)
        assert 0 < timeout <= 30
        return FakeResponse(data)

    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen)
    seen: list[tuple[int, int]] = []
    ds = D.load_mnist(progress=lambda done, total: seen.append((done, total)))
    dest = empty_home / ".keras" / "datasets" / "mnist.npz"
    assert urls == [D.MNIST_URL]
    assert seen[-1] == (len(data), len(data))
    assert dest.read_bytes() == data and os.listdir(dest.parent) == ["mnist.npz"]
    assert ds.source == str(dest)
    assert_matches(ds, small_raw)
    assert D.find_mnist() == dest


def test_download_cancel_propagates(
    small_npz: Path, empty_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = small_npz.read_bytes()
    monkeypatch.setattr(urllib.request, "urlopen", lambda *a, **k: FakeResponse(data))

    class Cancelled(Exception):
        pass

    def cancel(done: int, total: int) -> None:
        raise Cancelled()

    with pytest.raises(Cancelled):
        D.load_mnist(progress=cancel)
    assert list((empty_home / ".keras" / "datasets").iterdir()) == []


# ----------------------------------------------------------------------------- built-in sets


def test_digits() -> None:
    ds = D.load_dataset("digits")
    assert ds.x_train.shape[1:] == (28, 28) and ds.x_test.shape[1:] == (28, 28)
    assert len(ds.x_train) + len(ds.x_test) == 1797
    assert ds.x_train.dtype == np.float32 and ds.y_train.dtype == np.int64
    assert 0.0 <= ds.x_train.min() and ds.x_train.max() <= 1.0
    assert set(np.unique(ds.y_train)) == set(range(10)) == set(np.unique(ds.y_test))
    assert ds.source == "bundled" and ds.is_image and ds.num_classes == 10
    x = ds.x_train
    mass = x.sum(axis=(1, 2))
    grid = np.arange(28)
    cy = (x.sum(axis=2) * grid).sum(axis=1) / mass
    cx = (x.sum(axis=1) * grid).sum(axis=1) / mass
    assert abs(cy.mean() - 13.5) < 1.5 and abs(cx.mean() - 13.5) < 1.5
    assert x[:, :3, :].max() == 0 and x[:, :, 25:].max() == 0  # black frame around the digit


def test_xor_exact() -> None:
    ds = D.load_dataset("xor")
    x = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=np.float32)
    np.testing.assert_array_equal(ds.x_train, x)
    np.testing.assert_array_equal(ds.x_test, x)
    np.testing.assert_array_equal(ds.y_train, [0, 1, 1, 0])
    assert ds.y_train.dtype == np.int64 and ds.num_classes == 2 and ds.input_shape == (3,)
    assert "bias" in ds.title
    assert ds.subset(100, 100).x_train.shape == (4, 3)


@pytest.mark.parametrize("name", ["moons", "circles", "spiral", "blobs"])
def test_toy_sets(name: str) -> None:
    a = D.load_dataset(name, seed=3)
    b = D.load_dataset(name, seed=3)
    c = D.load_dataset(name, seed=4)
    assert a.x_train.shape == (800, 2) and a.x_test.shape == (200, 2)
    assert a.x_train.dtype == np.float32 and a.y_train.dtype == np.int64
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.x_train, c.x_train)
    assert set(np.unique(a.y_train)) == {0, 1} == set(np.unique(a.y_test))
    assert np.abs(a.x_train).max() < 4.0
    assert a.num_classes == 2 and not a.is_image and a.source == "generated"
    assert "class" in a.describe()
    sub = a.subset(100, None)
    assert len(sub.y_train) == 100 and len(sub.y_test) == 200
    assert abs(int(sub.y_train.sum()) - int(round(100 * a.y_train.mean()))) <= 1


def test_blobs_linearly_separable() -> None:
    from sklearn.svm import LinearSVC

    ds = D.load_dataset("blobs", seed=7)
    x = np.concatenate([ds.x_train, ds.x_test])
    y = np.concatenate([ds.y_train, ds.y_test])
    assert LinearSVC(C=100.0, max_iter=20000).fit(x, y).score(x, y) == 1.0


def test_regression() -> None:
    ds = D.load_dataset("regression")
    assert ds.x_train.shape == (800, 1) and ds.y_train.shape == (800, 1)
    assert ds.x_test.shape == (200, 1) and ds.y_test.shape == (200, 1)
    assert ds.y_train.dtype == np.float32 and ds.task == "regression"
    assert ds.num_classes == 0 and ds.class_names == []
    assert ds.x_train.min() >= -3 and ds.x_train.max() <= 3
    resid = ds.y_train - (np.sin(2 * ds.x_train) + 0.3 * ds.x_train)
    assert 0.05 < float(resid.std()) < 0.2
    assert "y range" in ds.describe()
    assert ds.subset(50, 20).y_train.shape == (50, 1)


# ----------------------------------------------------------------------------- user files


def test_csv_header_string_labels(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    kinds = ["setosa", "virginica", "versicolor"]
    lines = ["a,label,b"] + [
        f"{rng.normal():.3f},{kinds[i % 3]},{rng.normal():.3f}" for i in range(60)
    ]
    p = tmp_path / "flowers.csv"
    p.write_text("\n".join(lines) + "\n")
    ds = D.load_dataset("file", p)
    assert ds.name == "file" and ds.source == str(p)
    assert ds.task == "classification" and ds.num_classes == 3
    assert ds.class_names == sorted(kinds)
    assert ds.x_train.shape == (48, 2) and ds.x_test.shape == (12, 2)
    assert ds.x_train.dtype == np.float32 and ds.y_train.dtype == np.int64
    assert set(np.unique(ds.y_test)) == {0, 1, 2}  # stratified
    assert any("label" in n for n in ds.notes)


def test_csv_without_header(tmp_path: Path) -> None:
    rows = [f"{i},{i * 2 % 7},{3 if i % 2 else 7}" for i in range(30)]
    p = tmp_path / "plain.csv"
    p.write_text("\n".join(rows))
    ds = D.load_user_file(p)
    assert len(ds.x_train) + len(ds.x_test) == 30 and ds.input_shape == (2,)
    assert ds.class_names == ["3", "7"] and ds.num_classes == 2
    allx = np.concatenate([ds.x_train, ds.x_test])
    ally = np.concatenate([ds.y_train, ds.y_test])
    np.testing.assert_array_equal(ally, (allx[:, 0] % 2 == 0).astype(np.int64))


def test_csv_without_header_text_labels(tmp_path: Path) -> None:
    p = tmp_path / "t.csv"
    p.write_text("\n".join(f"{i},{-i},{'yes' if i % 3 else 'no'}" for i in range(20)))
    ds = D.load_dataset("anything", p)
    assert len(ds.x_train) + len(ds.x_test) == 20 and ds.class_names == ["no", "yes"]


def test_csv_regression(tmp_path: Path) -> None:
    x = np.linspace(-1, 1, 50)
    p = tmp_path / "curve.csv"
    p.write_text("x;target\n" + "\n".join(f"{v:.4f};{v**2 + 0.123:.4f}" for v in x))
    ds = D.load_user_file(p)
    assert ds.task == "regression" and ds.num_classes == 0 and ds.class_names == []
    assert ds.y_train.shape == (40, 1) and ds.y_train.dtype == np.float32
    assert ds.x_train.shape == (40, 1)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("a,b,y\n1,2,0\n3,4\n5,6,1\n", "line 3"),
        ("a,b,y\n1,nan,0\n3,4,1\n", "NaN"),
        ("a,b,y\n1,,0\n3,4,1\n", "empty"),
        ("a,b,y\n1,abc,0\n3,4,1\n", "abc"),
        ("", "empty"),
        ("a,b,y\n", "no data"),
        ("1\n2\n", "column"),
        ("1,2,5\n3,4,5\n", "two classes"),
    ],
    ids=["ragged", "nan", "missing", "text", "empty", "header-only", "one-column", "one-class"],
)
def test_bad_csv(tmp_path: Path, text: str, match: str) -> None:
    p = tmp_path / "bad.csv"
    p.write_text(text)
    with pytest.raises(DatasetError, match=match) as err:
        D.load_user_file(p)
    assert "bad.csv" in str(err.value)


def test_bad_user_files(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="does not exist"):
        D.load_user_file(tmp_path / "missing.csv")
    odd = tmp_path / "data.xlsx"
    odd.write_bytes(b"PK\x03\x04")
    with pytest.raises(DatasetError, match="data.xlsx"):
        D.load_user_file(odd)
    binary = tmp_path / "bin.csv"
    binary.write_bytes(b"\xff\xfe\x00\x81" * 10)
    with pytest.raises(DatasetError, match="bin.csv"):
        D.load_user_file(binary)
    mism = tmp_path / "mism.npz"
    np.savez(mism, x=np.zeros((10, 3)), y=np.zeros(9, dtype=np.int64))
    with pytest.raises(DatasetError, match="mism.npz"):
        D.load_user_file(mism)
    nan = tmp_path / "nan.npz"
    np.savez(nan, x=np.full((10, 3), np.nan), y=np.arange(10) % 2)
    with pytest.raises(DatasetError, match="NaN"):
        D.load_user_file(nan)
    keys = tmp_path / "keys.npz"
    np.savez(keys, features=np.zeros((10, 3)))
    with pytest.raises(DatasetError, match="x_train"):
        D.load_user_file(keys)
    trunc = tmp_path / "trunc.npz"
    trunc.write_bytes(mism.read_bytes()[:200])
    with pytest.raises(DatasetError, match="trunc.npz"):
        D.load_user_file(trunc)


def test_npz_one_hot(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    labels = np.arange(100) % 4
    p = tmp_path / "onehot.npz"
    np.savez(p, x=rng.normal(size=(100, 5)), y=np.eye(4)[labels])
    ds = D.load_user_file(p)
    assert ds.task == "classification" and ds.num_classes == 4
    assert ds.x_train.shape == (80, 5) and ds.y_train.shape == (80,) and ds.y_train.dtype == np.int64
    assert any("one-hot" in n for n in ds.notes)
    assert set(np.unique(ds.y_test)) == {0, 1, 2, 3}


def test_npz_uint8_images(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    p = tmp_path / "imgs.npz"
    np.savez(
        p,
        x_train=rng.integers(0, 256, size=(30, 12, 12, 1), dtype=np.uint8),
        y_train=np.arange(30) % 3,
        x_test=np.full((6, 12, 12, 1), 255, dtype=np.uint8),
        y_test=np.arange(6) % 3,
    )
    ds = D.load_user_file(p)
    assert ds.x_train.shape == (30, 12, 12) and ds.x_test.shape == (6, 12, 12)
    assert ds.is_image and ds.x_train.dtype == np.float32
    assert ds.x_train.max() <= 1.0 and ds.x_test.min() == 1.0
    assert any("/255" in n for n in ds.notes)
    assert ds.num_classes == 3 and len(ds.y_test) == 6


def test_npz_colour_images_are_read_as_scaled_pixels(tmp_path: Path) -> None:
    """CIFAR-10 saved as keras.datasets gives it, (N, 32, 32, 3) uint8 (the homework lesson
    says to save it so): each image's pixels become 3,072 numbers in [0, 1]."""
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, size=(40, 32, 32, 3), dtype=np.uint8)
    p = tmp_path / "cifar10.npz"
    np.savez(p, x_train=x[:30], y_train=np.arange(30) % 10, x_test=x[30:],
             y_test=np.arange(10)[:, None])  # keras gives the labels as (N, 1)
    ds = D.load_user_file(p)
    assert ds.x_train.shape == (30, 3072) and ds.x_test.shape == (10, 3072)
    assert ds.x_train.dtype == np.float32 and ds.x_train.max() <= 1.0
    np.testing.assert_allclose(ds.x_test[0], x[30].reshape(-1) / 255, rtol=1e-6)
    assert any("/255" in n for n in ds.notes) and any("32×32×3" in n for n in ds.notes)
    assert ds.num_classes == 10 and list(ds.y_test) == list(range(10))
    q = tmp_path / "four.npz"
    np.savez(q, x=x[..., :2], y=np.arange(40) % 2)  # two channels: not images it knows
    with pytest.raises(D.DatasetError, match=r"four.npz: x_train has shape \(40, 32, 32, 2\)"):
        D.load_user_file(q)


def test_npz_regression_and_float_images(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    p = tmp_path / "reg.npz"
    np.savez(p, x=rng.normal(size=(50, 2)), y=rng.normal(size=50))
    ds = D.load_user_file(p)
    assert ds.task == "regression" and ds.y_train.shape == (40, 1)
    q = tmp_path / "img01.npz"
    np.savez(q, x=rng.uniform(size=(20, 5, 5)).astype(np.float32), y=np.arange(20) % 2)
    ds2 = D.load_user_file(q)
    assert ds2.is_image and not any("/255" in n for n in ds2.notes)
    assert ds2.x_train.max() <= 1.0


def test_describe_and_subset_classes() -> None:
    ds = D.load_dataset("moons")
    text = ds.describe()
    assert "(800, 2)" in text and "(200, 2)" in text and "classes: 2" in text
    assert "source: generated" in text
    sub = ds.subset(10, 4, seed=2)
    assert sub.x_train.shape == (10, 2) and sub.x_test.shape == (4, 2)
    assert set(np.unique(sub.y_train)) == {0, 1}
    assert "random subset" in sub.notes[-1]
    with pytest.raises(DatasetError):
        ds.subset(0, None)


def test_a_data_file_declaring_gigabytes_is_refused_before_numpy_allocates(tmp_path):
    import io
    import tracemalloc
    import zipfile

    from nngui.core.data.files import load_user_file

    head = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        head, {"descr": "<f4", "fortran_order": False, "shape": (10**6, 10**4)})
    path = tmp_path / "bomb.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("x.npy", head.getvalue() + b"\0" * 100)
        zf.writestr("y.npy", head.getvalue())
    tracemalloc.start()
    with pytest.raises(DatasetError, match="declares 40,000,000,000 bytes"):
        load_user_file(path)
    assert tracemalloc.get_traced_memory()[1] < 20_000_000
    tracemalloc.stop()
    single = tmp_path / "one.npz"
    with open(single, "wb") as fh:
        np.save(fh, np.zeros(3))
    with pytest.raises(DatasetError, match="single array"):
        load_user_file(single)
