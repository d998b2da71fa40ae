"""Hypothesis strategies for user files (CSV, NPZ, images, models) and their outcome checks.

Shared by tests/test_file_fuzz.py (small budgets) and benchmarks/fuzz_files.py (>= 2,000 cases,
counted). Every case is written to a file and opened the way a user would: the outcome is a
clean load (checked for sanity) or the loader's own error class with a one-line message.
"""

from __future__ import annotations

import contextlib
import io
import random
import zipfile
from pathlib import Path

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

REPO = Path(__file__).resolve().parents[1]
BUNDLED_MODELS = sorted((REPO / "nngui" / "resources" / "models").glob("*.keras"))

# ----------------------------------------------------------------------------- CSV
CELLS = (st.sampled_from(["0", "1", "2", "0.5", "-3", "1e3", "1e308", "1e39", "-1e39", "nan",
                          "inf", "-inf", "", " ", "a", "label", "x1", "class", "target", "y",
                          '"1"', '"a,b"', "1,5", "0x10", "1_0", "∞", "١"])
         | st.integers(-10**6, 10**6).map(str)
         | st.floats(allow_nan=True, allow_infinity=True).map(repr)
         | st.text(max_size=6))
SEPARATORS = st.sampled_from([",", ",", ";", "\t", " , "])


@st.composite
def csv_texts(draw, widths: st.SearchStrategy[int] | None = None, odd: int = 4) -> bytes:
    """A CSV file: a table of mostly numeric cells, sometimes ragged, headed, or byte-damaged.

    About one row in ``odd`` holds arbitrary cells and one file in ``odd + 1`` damaged bytes.
    """
    width = draw(widths if widths is not None else st.integers(1, 5))
    n = draw(st.integers(0, 14))
    sep = draw(SEPARATORS)
    rows = []
    if draw(st.booleans()):  # a header
        rows.append(sep.join(draw(st.lists(CELLS, min_size=width, max_size=width))))
    numeric = st.integers(-3, 3).map(str) | st.floats(-5, 5, allow_nan=False).map(
        lambda v: f"{v:.3g}")
    for _ in range(n):
        w = width if draw(st.integers(0, 3 * odd)) else draw(st.integers(0, 6))
        cell = CELLS if draw(st.integers(0, odd)) == 0 else numeric
        rows.append(sep.join(draw(st.lists(cell, min_size=w, max_size=w))))
    text = draw(st.sampled_from(["\n", "\r\n", "\r"])).join(rows)
    raw = bytearray(text.encode("utf-8"))
    if raw and draw(st.integers(0, odd)) == 0:  # damaged bytes
        for _ in range(draw(st.integers(1, 4))):
            raw[draw(st.integers(0, len(raw) - 1))] = draw(st.integers(0, 255))
    if draw(st.integers(0, 9)) == 0:
        raw = bytearray(b"\xef\xbb\xbf") + raw  # a BOM
    return bytes(raw)


# ----------------------------------------------------------------------------- NPZ
DTYPES = st.sampled_from(["float32", "float64", "float16", "int8", "uint8", "int64", "uint64",
                          "bool", "complex64", "<U3", "S2", "datetime64[D]"])
KEYS = st.sampled_from(["x", "y", "x_train", "y_train", "x_test", "y_test", "X", "Y_TRAIN",
                        "data", "labels"])


@st.composite
def npz_arrays(draw) -> dict[str, np.ndarray]:
    """Named arrays of arbitrary dtype and shape, mostly with the keys nngui looks for."""
    n = draw(st.integers(0, 12))
    arrays: dict[str, np.ndarray] = {}
    for key in draw(st.lists(KEYS, min_size=1, max_size=5, unique=True)):
        dtype = draw(DTYPES)
        rows = n if draw(st.integers(0, 5)) else draw(st.integers(0, 12))
        shape = draw(st.sampled_from([(rows,), (rows, 1), (rows, 2), (rows, 3), (rows, 0),
                                      (rows, 4, 4), (rows, 3, 3, 1), (rows, 2, 2, 2), ()]))
        arrays[key] = draw(hnp.arrays(np.dtype(dtype), shape))
    return arrays


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """The arrays as an .npz file (no pickles: object arrays cannot occur)."""
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


GOOD_NPZ = npz_bytes({"x": np.random.default_rng(0).normal(size=(20, 3)).astype(np.float32),
                      "y": np.arange(20) % 2})


@st.composite
def damaged(draw, sources: list[bytes]) -> bytes:
    """One of ``sources`` truncated, or with 1..40 bytes flipped, or both."""
    data = bytearray(draw(st.sampled_from(sources)))
    how = draw(st.sampled_from(["flip", "flip", "truncate", "both"]))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = random.Random(seed)  # positions from one seed: shrinking keeps the file size sane
    if how in ("flip", "both"):
        for _ in range(draw(st.integers(1, 40))):
            i = rng.randrange(len(data))
            data[i] ^= 1 << rng.randrange(8)
    if how in ("truncate", "both"):
        data = data[:rng.randrange(len(data))]
    return bytes(data)


def xor_csv_texts() -> st.SearchStrategy[bytes]:
    """CSV files shaped for a two-input network (3 columns), most of them trainable."""
    return csv_texts(widths=st.just(3), odd=30)


def npz_files() -> st.SearchStrategy[bytes]:
    """Generated .npz files and damaged copies of a good one."""
    return st.one_of(npz_arrays().map(npz_bytes), damaged([GOOD_NPZ]))


def check_dataset(ds) -> None:
    """An accepted data file is usable: finite float32 features, matching labels, classes."""
    for x, y in ((ds.x_train, ds.y_train), (ds.x_test, ds.y_test)):
        assert x.dtype == np.float32 and np.all(np.isfinite(x)), "features not finite float32"
        assert len(x) == len(y) >= 1 and x.ndim >= 2 and x.shape[1] >= 1
        if ds.task == "classification":
            assert ds.num_classes >= 2 and y.min() >= 0 and y.max() < ds.num_classes
        else:
            assert np.all(np.isfinite(y.astype(np.float64)))
            assert np.all(np.isfinite(y.astype(np.float32))), "targets overflow float32"
    assert ds.x_train.shape[1:] == ds.x_test.shape[1:]


# ----------------------------------------------------------------------------- images
def _sample_images() -> list[bytes]:
    """A PNG and a JPEG with a digit, and the app's icons (PNG, ICO)."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QColor, QImage, QPainter, QPen

    img = QImage(40, 56, QImage.Format.Format_RGB32)
    img.fill(QColor(250, 250, 250))
    p = QPainter(img)
    p.setPen(QPen(QColor(10, 10, 10), 5))
    p.drawLine(20, 8, 16, 48)
    p.end()
    out = []
    for fmt in ("PNG", "JPG", "BMP"):
        data = QByteArray()
        buf = QBuffer(data)
        buf.open(QIODevice.OpenModeFlag.WriteOnly)
        assert img.save(buf, fmt)
        buf.close()
        out.append(bytes(data.data()))
    icons = REPO / "nngui" / "resources" / "icons"
    out += [(icons / n).read_bytes() for n in ("nngui-16.png", "nngui-32.png", "nngui.ico")]
    return out


SAMPLE_IMAGES: list[bytes] = []


def image_files() -> st.SearchStrategy[tuple[str, bytes]]:
    """(suffix, bytes): damaged real images, or arbitrary bytes named .png."""
    if not SAMPLE_IMAGES:
        SAMPLE_IMAGES.extend(_sample_images())
    return st.one_of(
        st.tuples(st.sampled_from([".png", ".jpg", ".bmp", ".ico"]), damaged(SAMPLE_IMAGES)),
        st.tuples(st.just(".png"), st.binary(max_size=64)))


# ----------------------------------------------------------------------------- models
def tiny_models(folder: Path) -> list[Path]:
    """A tiny trained-shape classifier saved as .keras and legacy .h5 (28x28 in, 10 out)."""
    from nngui.core.platform.runtime import keras

    k = keras()
    m = k.Sequential([k.Input((28, 28)), k.layers.Flatten(), k.layers.Dense(4, activation="relu"),
                      k.layers.Dense(10, activation="softmax")])
    m.compile("sgd", "categorical_crossentropy", metrics=["accuracy"])
    paths = [folder / "tiny.keras", folder / "tiny.h5"]
    with contextlib.redirect_stderr(io.StringIO()):
        for path in paths:
            m.save(path)
    return paths


def model_files(sources: list[Path]) -> st.SearchStrategy[tuple[str, bytes]]:
    """(suffix, bytes): damaged copies of real model files."""
    by_suffix: dict[str, list[bytes]] = {}
    for path in sources:
        by_suffix.setdefault(path.suffix, []).append(path.read_bytes())
    return st.one_of(*(st.tuples(st.just(s), damaged(b)) for s, b in by_suffix.items()))


def one_line(message: str) -> bool:
    """A message a user can read: one line, not empty, not a wall of text."""
    return bool(message.strip()) and "\n" not in message.strip() and len(message) < 700


# ----------------------------------------------------------------------------- projects
def lying_npy(shape: tuple[int, ...], dtype: str, data: bytes) -> bytes:
    """An .npy member whose header declares ``shape`` whatever ``data`` really holds."""
    head = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        head, {"descr": np.dtype(dtype).str, "fortran_order": False, "shape": shape})
    return head.getvalue() + data


@st.composite
def nested_samples(draw) -> bytes:
    """A samples.npz for a project: plausible, random, damaged, or with lying headers."""
    kind = draw(st.sampled_from(["random", "lying", "damaged", "plausible"]))
    if kind == "random":
        return npz_bytes(draw(npz_arrays()))
    n = draw(st.integers(0, 6))
    plausible = {"images": np.zeros((n, 28, 28), np.uint8), "labels": np.arange(n) % 10,
                 "created": np.zeros(n), "ids": np.array([f"s{i}" for i in range(n)])}
    if kind == "plausible":
        return npz_bytes(plausible)
    if kind == "damaged":
        return draw(damaged([npz_bytes(plausible)]))
    buf = io.BytesIO()  # lying: a huge or odd declared shape over a few bytes
    shape = draw(st.sampled_from([(60_000, 60_000), (10**12,), (n, 28, 28), (2**40, 28, 28),
                                  (0,), ()]))
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for key, array in plausible.items():
            raw = lying_npy(shape, array.dtype.str, b"\0" * draw(st.integers(0, 64))) \
                if key == draw(st.sampled_from(list(plausible))) else npz_member(array)
            zf.writestr(f"{key}.npy", raw)
    return buf.getvalue()


def npz_member(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, array, allow_pickle=False)
    return buf.getvalue()


@st.composite
def project_files(draw, good: bytes) -> bytes:
    """A saved project with its nested samples.npz replaced, or the whole file damaged."""
    if draw(st.integers(0, 3)) == 0:
        return draw(damaged([good]))
    with zipfile.ZipFile(io.BytesIO(good)) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members["samples.npz"] = draw(nested_samples())
    out = io.BytesIO()
    method = draw(st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]))
    with zipfile.ZipFile(out, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


def lying_project(good: bytes, shape: tuple[int, ...]) -> bytes:
    """``good`` with its samples' images declaring ``shape`` over 64 bytes of data."""
    with zipfile.ZipFile(io.BytesIO(good)) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("images.npy", lying_npy(shape, "|u1", b"\0" * 64))
    members["samples.npz"] = inner.getvalue()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()
