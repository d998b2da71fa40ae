"""Reading MNIST files: a Keras mnist.npz, the four IDX files, or a folder holding them.

Everything that goes wrong becomes a :class:`DatasetError` naming the file and the problem.
"""

from __future__ import annotations

import gzip
import math
import os
import re
import zlib
from pathlib import Path

import numpy as np

from nngui.core.data.record import Dataset, DatasetError, read_npz
from nngui.core.platform import buffers

_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
IDX_NAME = re.compile(r"^(train|t10k)-(images|labels)[-.]idx([13])-ubyte(\.gz)?$", re.IGNORECASE)
_IDX_ROLES = {
    ("train", "images"): "train-images-idx3-ubyte",
    ("train", "labels"): "train-labels-idx1-ubyte",
    ("t10k", "images"): "t10k-images-idx3-ubyte",
    ("t10k", "labels"): "t10k-labels-idx1-ubyte",
}
_IDX_LIST = ", ".join(_IDX_ROLES.values())


# ----------------------------------------------------------------------------- IDX


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (magic number, big-endian dims and data), plain or gzipped."""
    p = Path(path).expanduser()
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise DatasetError(f"Cannot read {p}: {exc.strerror or exc}; check the path.") from exc
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise DatasetError(
                f"{p.name} is a damaged or truncated gzip file ({exc}); download it again."
            ) from exc
    return parse_idx(raw, p.name)


def parse_idx(raw: bytes, name: str = "IDX data") -> np.ndarray:
    """Decode the bytes of an uncompressed IDX file into a native-endian array."""
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES or raw[3] == 0:
        raise DatasetError(
            f"{name} is not an IDX file (bad magic number {raw[:4].hex() or 'missing'}); "
            f"use the original MNIST files ({_IDX_LIST})."
        )
    ndim = raw[3]
    start = 4 + 4 * ndim
    if len(raw) < start:
        raise DatasetError(f"{name} is truncated inside its header; download it again.")
    dims = [int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4)]
    dtype = np.dtype(_IDX_TYPES[raw[2]])
    count = math.prod(dims)
    expected, found = count * dtype.itemsize, len(raw) - start
    if found < expected:
        raise DatasetError(
            f"{name} is truncated: its header promises {expected} data bytes but only {found} "
            "are there; download it again."
        )
    if found > expected:
        raise DatasetError(
            f"{name} has {found - expected} unexpected bytes after its data; it is not a valid "
            "IDX file, download it again."
        )
    arr = np.frombuffer(raw, dtype=dtype, count=count, offset=start).reshape(dims)
    return arr.astype(dtype.newbyteorder("="))


def find_idx_files(folder: Path) -> dict[tuple[str, str], Path]:
    """MNIST IDX files in ``folder`` keyed by (train|t10k, images|labels); plain beats .gz."""
    found: dict[tuple[str, str], Path] = {}
    try:
        entries = sorted(folder.iterdir())
    except OSError:
        return found
    for entry in entries:
        m = IDX_NAME.match(entry.name)
        if m and entry.is_file() and (m.group(3) == "3") == (m.group(2).lower() == "images"):
            found.setdefault((m.group(1).lower(), m.group(2).lower()), entry)
    return found


# ----------------------------------------------------------------------------- MNIST


def load_mnist_file(path: str | os.PathLike) -> Dataset:
    """Load MNIST from a Keras mnist.npz, a folder of the 4 IDX files, or one of those files."""
    p = Path(path).expanduser()
    if p.is_dir():
        files = find_idx_files(p)
        if len(files) < 4 and (p / "mnist.npz").is_file():
            return _mnist_from_npz(p / "mnist.npz")
        return _mnist_from_idx(p, files)
    if not p.is_file():  # a path the user gave: no advice on where MNIST could come from
        raise DatasetError(f"The MNIST file {p} does not exist: check the path.")
    with open(p, "rb") as fh:
        head = fh.read(4)
    if head.startswith(b"PK") or p.suffix.lower() == ".npz":
        return _mnist_from_npz(p)
    m = IDX_NAME.match(p.name)
    if m is None:
        raise DatasetError(
            f"{p.name} is neither a Keras mnist.npz nor one of the MNIST IDX files "
            f"({_IDX_LIST}, optionally .gz); choose one of those."
        )
    files = find_idx_files(p.parent)
    files[(m.group(1).lower(), m.group(2).lower())] = p
    return _mnist_from_idx(p.parent, files)


def _mnist_from_idx(folder: Path, files: dict[tuple[str, str], Path]) -> Dataset:
    """Build the MNIST Dataset from the four IDX files found in ``folder``."""
    folder = folder.absolute()
    missing = [name for role, name in _IDX_ROLES.items() if role not in files]
    if missing:
        raise DatasetError(
            f"The folder {folder} is missing the MNIST IDX file(s) {', '.join(missing)}; put all "
            f"four ({_IDX_LIST}, each optionally .gz) in one folder."
        )
    arrays = {role: read_idx(files[role]) for role in _IDX_ROLES}
    return _mnist_dataset(
        arrays[("train", "images")], arrays[("train", "labels")],
        arrays[("t10k", "images")], arrays[("t10k", "labels")],
        source=str(folder), origin=f"read from the IDX files in {folder}",
    )


def _mnist_from_npz(p: Path) -> Dataset:
    """Build the MNIST Dataset from a Keras-layout mnist.npz."""
    arrays = read_npz(p, hint="download mnist.npz again")
    need = ("x_train", "y_train", "x_test", "y_test")
    if not all(k in arrays for k in need):
        raise DatasetError(
            f"{p.name} holds the arrays {sorted(arrays)} but a Keras mnist.npz needs "
            f"{', '.join(need)}; use the file from the Keras MNIST download."
        )
    return _mnist_dataset(
        *(arrays[k] for k in need), source=str(p), origin=f"read from Keras-format {p.name}"
    )


def _mnist_dataset(
    x_tr: np.ndarray, y_tr: np.ndarray, x_te: np.ndarray, y_te: np.ndarray, *, source: str,
    origin: str,
) -> Dataset:
    """Validate raw MNIST arrays and turn them into a float32 [0, 1] Dataset."""
    what = Path(source).name or source
    xs, ys = [], []
    for part, x, y in (("training", x_tr, y_tr), ("test", x_te, y_te)):
        x = np.asarray(x)
        if x.ndim == 4 and x.shape[-1] == 1:
            x = x[..., 0]
        if x.ndim == 2 and x.shape[1] == 784:
            x = x.reshape(-1, 28, 28)
        if x.ndim != 3 or x.shape[1:] != (28, 28) or x.dtype.kind not in "biuf":
            raise DatasetError(
                f"{what}: the {part} images have shape {x.shape} ({x.dtype}) but MNIST images must "
                "be (N, 28, 28) numbers; check that this is the MNIST file."
            )
        y = np.asarray(y).reshape(-1) if np.ndim(y) == 2 and np.shape(y)[1] == 1 else np.asarray(y)
        if y.ndim != 1 or len(y) != len(x):
            raise DatasetError(
                f"{what}: there are {len(x)} {part} images but the {part} labels have shape "
                f"{y.shape}; the image and label files do not belong together."
            )
        if y.dtype.kind not in "biuf" or (
            y.size and (np.any(y != np.round(y)) or y.min() < 0 or y.max() > 9)
        ):
            raise DatasetError(f"{what}: the {part} labels are not digits 0..9; check the file.")
        xs.append(x)
        ys.append(y.astype(np.int64))
    scale = any(x.dtype == np.uint8 or (x.size and float(x.max()) > 1.5) for x in xs)
    out = []
    for x in xs:
        f = buffers.empty(x.shape, np.float32)  # TensorFlow can train from it without a copy
        if scale and x.dtype == np.uint8:
            np.divide(x, np.float32(255.0), out=f)  # float32 arithmetic, one pass
        else:
            np.copyto(f, x, casting="unsafe")
            if scale:
                f /= np.float32(255.0)
        out.append(f)
    k = _short_count
    return Dataset(
        name="mnist", title=f"MNIST handwritten digits ({k(len(out[0]))}/{k(len(out[1]))})",
        x_train=out[0], y_train=ys[0], x_test=out[1], y_test=ys[1],
        task="classification", num_classes=10, class_names=[str(i) for i in range(10)],
        source=source,
        notes=[origin, "pixel values scaled /255 to [0, 1]" if scale else "pixel values in [0, 1]"],
    )


def _short_count(n: int) -> str:
    """60000 -> '60k'; other numbers unchanged."""
    return f"{n // 1000}k" if n and n % 1000 == 0 else str(n)
