"""Reading zip archives and .npz arrays with limits on what they unpack to.

A zip member's header states its unpacked size, and an .npy header states its array's shape:
both can lie, and both were trusted once (a 6,840-byte project made NumPy allocate 3 GB).
Here every member is read only up to its limit, every array's declared size is checked
against its limit *before* anything is allocated, and object arrays (pickles) are refused.
"""

from __future__ import annotations

import io
import math
import os
import zipfile
from pathlib import Path
from typing import BinaryIO

import numpy as np

CHUNK = 1 << 20


class ArchiveError(ValueError):
    """An archive member or array over its limit, or damaged; the message is for the user."""


def read_member(zf: zipfile.ZipFile, name: str, limit: int, where: str = "") -> bytes:
    """The unpacked bytes of member ``name``, never more than ``limit`` of them."""
    info = zf.getinfo(name)
    label = f"{where}: {name}" if where else name
    if info.file_size > limit:
        raise ArchiveError(f"{label} would unpack to {info.file_size:,} bytes, over the "
                           f"{limit:,} it may have.")
    parts, got = [], 0
    with zf.open(info) as fh:  # the header can lie: stop reading at the limit, not its size
        # in chunks: one read(limit) let zipfile ask the file for up to ``limit`` compressed
        # bytes at once when the central directory declared a huge compressed size, and
        # that allocates a buffer of ``limit`` bytes (200 MB) for a member of a few hundred
        while got <= limit and (chunk := fh.read(min(CHUNK, limit + 1 - got))):
            parts.append(chunk)
            got += len(chunk)
    if got > limit:
        raise ArchiveError(f"{label} unpacks to over {limit:,} bytes.")
    return b"".join(parts)


def copy_member(zf: zipfile.ZipFile, name: str, dest: str | os.PathLike, limit: int,
                where: str = "") -> Path:
    """Stream member ``name`` into the file ``dest`` (1 MB at a time), at most ``limit`` bytes."""
    info = zf.getinfo(name)
    label = f"{where}: {name}" if where else name
    if info.file_size > limit:
        raise ArchiveError(f"{label} would unpack to {info.file_size:,} bytes, over the "
                           f"{limit:,} it may have.")
    dest = Path(dest)
    written = 0
    with zf.open(info) as src, dest.open("wb") as out:
        while chunk := src.read(CHUNK):
            written += len(chunk)
            if written > limit:
                raise ArchiveError(f"{label} unpacks to over {limit:,} bytes.")
            out.write(chunk)
    return dest


def unpacked_size(path: str | os.PathLike) -> int:
    """The sum of a zip's members' stated sizes (what unpacking it would take)."""
    with zipfile.ZipFile(path) as zf:
        return sum(info.file_size for info in zf.infolist())


def _read_npy(fh: BinaryIO, label: str, limit: int) -> np.ndarray:
    try:
        version = np.lib.format.read_magic(fh)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
        elif version in ((2, 0), (3, 0)):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh)
        else:
            raise ValueError(f"npy version {version}")
    except ValueError as exc:
        raise ArchiveError(f"{label} is not a NumPy array ({str(exc)[:80]}).") from None
    if dtype.hasobject:
        raise ArchiveError(f"{label} holds Python objects; nngui reads plain numbers only.")
    count = math.prod(shape)
    nbytes = count * dtype.itemsize
    if nbytes > limit:
        raise ArchiveError(f"{label} declares {nbytes:,} bytes ({'x'.join(map(str, shape))} "
                           f"{dtype}), over the {limit:,} it may have.")
    array = np.empty(count, dtype=dtype)  # allocated once, filled a megabyte at a time
    view = memoryview(array).cast("B") if nbytes else memoryview(b"")
    got = 0
    while got < nbytes:
        chunk = fh.read(min(CHUNK, nbytes - got))
        if not chunk:
            raise ArchiveError(f"{label} is damaged (its data is {got:,} bytes, not "
                               f"{nbytes:,}).")
        view[got:got + len(chunk)] = chunk
        got += len(chunk)
    return array.reshape(shape, order="F" if fortran else "C")


def load_npz(source: bytes | str | os.PathLike, limit: int, total: int | None = None,
             where: str = "") -> dict[str, np.ndarray]:
    """Every array of an .npz, each at most ``limit`` bytes (and all at most ``total``).

    Arrays are checked by their header before anything is allocated; each is read into its
    own writable NumPy array, a megabyte at a time.
    """
    total = limit if total is None else total
    label = where or "the archive"
    try:
        zf = zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ArchiveError(f"{label} is damaged (not an .npz archive: {str(exc)[:80]}).") from None
    out: dict[str, np.ndarray] = {}
    used = 0
    with zf:
        for info in zf.infolist():
            name = info.filename
            if not name.endswith(".npy"):
                raise ArchiveError(f"{label} has a member that is no array: {name[:60]!r}.")
            key = name[:-4]
            try:
                with zf.open(info) as fh:
                    array = _read_npy(fh, f"{label}: {key}", min(limit, total - used))
            except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError) as exc:
                raise ArchiveError(f"{label}: {key} is damaged ({str(exc)[:80]}).") from None
            used += array.nbytes
            out[key] = array
    return out
