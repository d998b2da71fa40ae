"""CIFAR-10: finding it, downloading its binary version once, and reading it without pickles.

Keras downloads the Python version of CIFAR-10, whose batches are pickles: unpickling a file
runs code from it, which nngui never does. The binary version
(https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz) holds the same images as plain
bytes: ``cifar-10-batches-bin/data_batch_1.bin`` … ``data_batch_5.bin`` and ``test_batch.bin``,
each record 1 label byte and 3,072 pixel bytes (1,024 red, 1,024 green, 1,024 blue, each plane
row by row). :func:`read_archive` reads them from the ``.tar.gz`` as a stream: every header is
parsed by ``tarfile.TarInfo.frombuf`` alone, only plain files of the expected names are
accepted, each member's size is checked before a byte of it is read, nothing is extracted to
disk, and reading stops at the archive's end, so at most :data:`MAX_ARCHIVE_READ` bytes are
ever unpacked.

The download is verified (size and MD5) before it becomes the cache,
``~/.keras/datasets/cifar10.npz`` (uint8 ``x_train`` (50000, 32, 32, 3), ``y_train``,
``x_test``, ``y_test``: the layout ``keras.datasets.cifar10.load_data()`` gives, which is read
with the limits of every NPZ file).
"""

from __future__ import annotations

import dataclasses
import gzip
import http.client
import os
import tarfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from nngui.core.data import download
from nngui.core.data.record import Dataset, DatasetError, read_npz
from nngui.core.platform import buffers


@dataclass(frozen=True)
class Source:
    """Where the download comes from and what it must be (tests serve their own)."""

    url: str
    md5: str
    size: int


SOURCE = Source("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
                "c32a1d4ab5d03f1284b67883e8d87530", 170_052_171)
CIFAR10_ENV = "NNGUI_CIFAR10"
CACHE_NAME = "cifar10.npz"
SIZE_TEXT = "163 MB"
CLASS_NAMES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
               "truck"]

SIDE, CHANNELS = 32, 3
PIXELS = SIDE * SIDE * CHANNELS  # 3,072 inputs
RECORD = 1 + PIXELS  # a label byte and the pixels
MAX_RECORDS = 10_000  # a batch file of the original holds exactly this many
FOLDER = "cifar-10-batches-bin"
TRAIN_MEMBERS = tuple(f"data_batch_{i}.bin" for i in range(1, 6))
TEST_MEMBER = "test_batch.bin"
EXTRA_MEMBERS = ("batches.meta.txt", "readme.html")  # in the original; skipped unread
MAX_EXTRA = 1_000_000  # bytes an extra member may have
MAX_MEMBERS = 16
_BLOCK = tarfile.BLOCKSIZE
MAX_ARCHIVE_READ = (len(TRAIN_MEMBERS) + 1) * (MAX_RECORDS * RECORD + _BLOCK) + \
    len(EXTRA_MEMBERS) * (MAX_EXTRA + _BLOCK) + (MAX_MEMBERS + 2) * _BLOCK
_CHUNK = 1 << 20


# ----------------------------------------------------------------------------- finding


def cache_path() -> Path:
    """Where the downloaded CIFAR-10 is kept: ~/.keras/datasets/cifar10.npz (beside MNIST)."""
    return Path.home() / ".keras" / "datasets" / CACHE_NAME


def find_cifar10(path: str | os.PathLike | None = None) -> Path | None:
    """First existing CIFAR-10 file: explicit path, then $NNGUI_CIFAR10, then the cache."""
    return download.find_first(path, CIFAR10_ENV, cache_path())


def cifar10_help(reason: str) -> str:
    """``reason`` and exactly how to get CIFAR-10 without nngui's download."""
    return (f"{reason} To get it, download {SOURCE.url} (the binary version, "
            f"{SIZE_TEXT}) and load it in the app with File → Load data file… (in `nngui train`: "
            f"--data PATH), or set {CIFAR10_ENV}=/path/to/cifar-10-binary.tar.gz.")


def is_cifar10_file(path: Path) -> bool:
    """Whether the user's file is CIFAR-10 by its name: the binary archive or cifar10.npz."""
    name = path.name.lower()
    return name == CACHE_NAME or (name.startswith("cifar-10-binary") and
                                  name.endswith((".tar.gz", ".tgz", ".tar")))


def load_cifar10(path: str | os.PathLike | None = None, *, progress: download.ProgressFn |
                 None = None, allow_download: bool = True, source: Source | None = None,
                 ) -> Dataset:
    """CIFAR-10 from ``path``/$NNGUI_CIFAR10/the cache, downloading it there if allowed."""
    if path is not None:
        p = Path(path).expanduser()
        if not p.exists():  # a path the user gave: no advice on where CIFAR-10 could come from
            raise DatasetError(f"The CIFAR-10 file {p} does not exist: check the path.")
        return load_cifar10_file(p)
    found = find_cifar10()
    if found is not None:
        return load_cifar10_file(found)
    if not allow_download:
        raise DatasetError(cifar10_help("CIFAR-10 is not on this computer."))
    return download_cifar10(progress, source or SOURCE)


# ----------------------------------------------------------------------------- reading


def load_cifar10_file(path: str | os.PathLike) -> Dataset:
    """CIFAR-10 from the binary ``.tar.gz`` (or ``.tar``) or from a cifar10.npz."""
    p = Path(path).expanduser()
    if not p.is_file():
        raise DatasetError(f"The CIFAR-10 file {p} does not exist: check the path.")
    try:
        with open(p, "rb") as fh:
            head = fh.read(4)
        if head.startswith(b"PK") or p.suffix.lower() == ".npz":
            return _from_npz(p)
        with open(p, "rb") as fh:
            if head.startswith(b"\x1f\x8b"):
                with gzip.GzipFile(fileobj=fh) as unpacked:
                    arrays = read_archive(unpacked, p.name)
            else:
                arrays = read_archive(fh, p.name)
    except OSError as exc:
        raise DatasetError(f"Cannot read {p}: {exc.strerror or exc}; check the file.") from exc
    return cifar10_dataset(*arrays, source=str(p), origin=f"read from the binary archive {p.name}")


def read_archive(stream: BinaryIO, where: str) -> tuple[np.ndarray, ...]:
    """(x_train, y_train, x_test, y_test) as uint8, images NHWC, from a binary CIFAR-10 tar
    (uncompressed) read front to back. DatasetError for anything that is not such an archive:
    damaged bytes, an unexpected member name, a link or device, a member over its size."""
    wanted = {f"{FOLDER}/{n}" for n in (*TRAIN_MEMBERS, TEST_MEMBER)}
    extras = {f"{FOLDER}/{n}" for n in EXTRA_MEMBERS}
    batches: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    seen: set[str] = set()
    try:
        for _ in range(MAX_MEMBERS + 1):
            block = _read_exact(stream, _BLOCK, where, end_ok=True)
            if not block or block.count(0) == _BLOCK:
                break  # the archive's end: what may follow is never unpacked
            if len(seen) == MAX_MEMBERS:
                raise DatasetError(f"{where} holds more than {MAX_MEMBERS} members; a CIFAR-10 "
                                   "archive has 9.")
            try:
                info = tarfile.TarInfo.frombuf(block, "utf-8", "strict")
            except (tarfile.HeaderError, UnicodeDecodeError) as exc:
                raise DatasetError(f"{where} is not a tar archive or is damaged ({exc}); "
                                   "download cifar-10-binary.tar.gz again.") from None
            name = info.name[2:] if info.name.startswith("./") else info.name  # tar's own "./"
            shown = repr(info.name[:80])
            if name in seen:
                raise DatasetError(f"{where} holds {shown} twice; it is not the CIFAR-10 archive.")
            seen.add(name)
            if info.isdir():
                if name not in (FOLDER, ".") or info.size:
                    raise DatasetError(f"{where} holds the unexpected folder {shown}; it is not "
                                       "the CIFAR-10 binary archive.")
                continue
            if not info.isreg():
                kind = info.type.decode("latin-1") or "?"
                raise DatasetError(f"{where}: the member {shown} is a link or special entry "
                                   f"(tar type {kind!r}), not a plain file; a CIFAR-10 archive "
                                   "holds only plain files.")
            if name not in wanted | extras:
                raise DatasetError(f"{where} holds the unexpected member {shown}; the CIFAR-10 "
                                   f"binary archive holds only {FOLDER}/data_batch_1..5.bin, "
                                   f"{TEST_MEMBER} and {', '.join(EXTRA_MEMBERS)}.")
            limit = MAX_RECORDS * RECORD if name in wanted else MAX_EXTRA
            if info.size > limit:
                raise DatasetError(f"{where}: {shown} has {info.size:,} bytes, over the "
                                   f"{limit:,} it may have.")
            if info.size < 0:  # tar's base-256 numbers can be negative
                raise DatasetError(f"{where}: {shown} has a negative size; the archive is "
                                   "damaged.")
            padded = -(-info.size // _BLOCK) * _BLOCK
            if name in extras:
                _skip(stream, padded, where)
                continue
            raw = _read_exact(stream, padded, where)[:info.size]
            batches[name.rsplit("/", 1)[1]] = parse_batch(raw, f"{where}: {name}")
    except (OSError, EOFError, zlib.error) as exc:
        raise DatasetError(f"{where} is damaged or cut short ({exc}); download "
                           "cifar-10-binary.tar.gz again.") from exc
    missing = [n for n in (*TRAIN_MEMBERS, TEST_MEMBER) if n not in batches]
    if missing:
        raise DatasetError(f"{where} lacks {', '.join(f'{FOLDER}/{n}' for n in missing)}; it is "
                           "not the whole CIFAR-10 binary archive.")
    train = [batches[n] for n in TRAIN_MEMBERS]
    return (np.concatenate([x for x, _ in train]), np.concatenate([y for _, y in train]),
            *batches[TEST_MEMBER])


def parse_batch(raw: bytes, where: str) -> tuple[np.ndarray, np.ndarray]:
    """One batch file's records as (images NHWC uint8, labels uint8)."""
    if not raw or len(raw) % RECORD:
        raise DatasetError(f"{where} has {len(raw):,} bytes, not a whole number of "
                           f"{RECORD:,}-byte records (a label and 32×32×3 pixels).")
    records = np.frombuffer(raw, dtype=np.uint8).reshape(-1, RECORD)
    labels = records[:, 0].copy()
    if labels.max() > 9:
        raise DatasetError(f"{where} has the label {int(labels.max())}; CIFAR-10's are 0..9.")
    # each record's pixels are three planes (R, G, B), each row by row: to (N, 32, 32, 3)
    planes = records[:, 1:].reshape(-1, CHANNELS, SIDE, SIDE)
    return np.ascontiguousarray(planes.transpose(0, 2, 3, 1)), labels


def _read_exact(stream: BinaryIO, n: int, where: str, end_ok: bool = False) -> bytes:
    """``n`` bytes of the stream; b"" at its very end when ``end_ok``."""
    parts, got = [], 0
    while got < n:
        chunk = stream.read(min(_CHUNK, n - got))
        if not chunk and end_ok and not got:
            return b""
        if not chunk:
            raise DatasetError(f"{where} ends in the middle of a member; it was cut short, "
                               "download cifar-10-binary.tar.gz again.")
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


def _skip(stream: BinaryIO, n: int, where: str) -> None:
    while n > 0:
        n -= len(_read_exact(stream, min(_CHUNK, n), where))


def _from_npz(p: Path) -> Dataset:
    """The cache's layout (Keras' cifar10.load_data() saved with np.savez)."""
    arrays = read_npz(p, hint="delete it to download CIFAR-10 again")
    need = ("x_train", "y_train", "x_test", "y_test")
    if not all(k in arrays for k in need):
        raise DatasetError(f"{p.name} holds the arrays {sorted(arrays)} but CIFAR-10 needs "
                           f"{', '.join(need)}; save it with those names.")
    return cifar10_dataset(*(arrays[k] for k in need), source=str(p),
                           origin=f"read from {p.name}")


def cifar10_dataset(x_tr: np.ndarray, y_tr: np.ndarray, x_te: np.ndarray, y_te: np.ndarray, *,
                    source: str, origin: str) -> Dataset:
    """Checked CIFAR-10 arrays as a Dataset: each image's 3,072 pixels (row by row, R G B
    each) as inputs /255 in [0, 1], as the course flattens them."""
    what = Path(source).name or source
    xs, ys = [], []
    for part, x, y in (("training", x_tr, y_tr), ("test", x_te, y_te)):
        x, y = np.asarray(x), np.asarray(y)
        if x.shape[1:] != (SIDE, SIDE, CHANNELS) or x.dtype != np.uint8 or not len(x):
            raise DatasetError(f"{what}: the {part} images are {x.shape} {x.dtype}, but CIFAR-10's "
                               "are (N, 32, 32, 3) uint8 values 0..255.")
        y = y.reshape(-1) if y.ndim == 2 and y.shape[1:] == (1,) else y
        if y.ndim != 1 or len(y) != len(x) or y.dtype.kind not in "iu" or \
                (y.size and (y.min() < 0 or y.max() > 9)):
            raise DatasetError(f"{what}: the {part} labels are {y.shape} {y.dtype}; CIFAR-10 "
                               f"needs one class 0..9 for each of the {len(x)} images.")
        flat = buffers.empty((len(x), PIXELS), np.float32)  # TensorFlow trains from it uncopied
        np.divide(x.reshape(len(x), PIXELS), np.float32(255.0), out=flat)
        xs.append(flat)
        ys.append(y.astype(np.int64))
    k = _short_count
    return Dataset(
        name="cifar10",
        title=f"CIFAR-10 colour images ({k(len(xs[0]))}/{k(len(xs[1]))}, 32x32x3 → 3,072 inputs)",
        x_train=xs[0], y_train=ys[0], x_test=xs[1], y_test=ys[1], task="classification",
        num_classes=10, class_names=list(CLASS_NAMES), source=source,
        notes=[origin, "each 32×32×3 image read as 3,072 numbers (row by row, R G B per pixel)",
               "pixel values scaled /255 to [0, 1]"],
    )


def _short_count(n: int) -> str:
    return f"{n // 1000}k" if n and n % 1000 == 0 else str(n)


# ----------------------------------------------------------------------------- download


def download_cifar10(progress: download.ProgressFn | None, source: Source) -> Dataset:
    """Download the binary archive, check its size and MD5, and keep it as the cache's NPZ.

    The archive is written to a temporary file beside the cache and, once verified and read,
    overwritten by the NPZ, which then replaces the cache in one step: a cut, wrong or
    cancelled download leaves nothing behind (a killed process's temp is swept later).
    """
    from nngui.core.platform.fsio import atomic_path

    dest = cache_path()
    try:
        with atomic_path(dest) as tmp:
            with open(tmp, "wb") as out:
                size, md5 = download.fetch(source.url, out, progress, limit=source.size,
                                           hash_name="md5")
            if size != source.size:
                raise download.DownloadError(f"{size:,} bytes came, CIFAR-10's archive has "
                                             f"{source.size:,}")
            if md5 != source.md5:
                raise download.DownloadError(f"its MD5 is {md5}, not {source.md5}: it is "
                                             "damaged or not the CIFAR-10 archive")
            with open(tmp, "rb") as fh, gzip.GzipFile(fileobj=fh) as unpacked:
                arrays = read_archive(unpacked, "the downloaded archive")
            with open(tmp, "wb") as out:
                np.savez(out, **dict(zip(("x_train", "y_train", "x_test", "y_test"), arrays,
                                         strict=True)))
        ds = cifar10_dataset(*arrays, source=str(dest), origin=f"downloaded from {source.url}")
        return dataclasses.replace(ds, notes=[*ds.notes, f"kept as {dest}"])
    except download.ProgressFailed as exc:
        raise exc.__cause__ from None  # type: ignore[misc]
    except (download.DownloadError, OSError, ValueError, http.client.HTTPException,
            DatasetError) as exc:
        reason = f"CIFAR-10 was not found and could not be downloaded ({exc})."
        raise DatasetError(cifar10_help(reason)) from exc
