"""Archives and .npz arrays are read within limits checked before anything is allocated."""

from __future__ import annotations

import io
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nngui.core.platform.archives import ArchiveError, copy_member, load_npz, read_member


def lying_npz(shape: tuple[int, ...], dtype: str = "<u1", data: bytes = b"\0" * 64) -> bytes:
    """An .npz whose one array's header declares ``shape`` but holds ``data`` only."""
    head = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        head, {"descr": dtype, "fortran_order": False, "shape": shape})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("images.npy", head.getvalue() + data)  # the header includes the magic
    return out.getvalue()


def peak_bytes(call) -> int:
    tracemalloc.start()
    try:
        call()
    except ArchiveError:
        pass
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def test_a_huge_declared_array_is_refused_before_it_is_allocated() -> None:
    bomb = lying_npz((60_000, 60_000))  # 3.6 GB declared, 64 bytes present
    assert len(bomb) < 1000
    with pytest.raises(ArchiveError, match="declares 3,600,000,000 bytes"):
        load_npz(bomb, 200_000_000, where="samples.npz")
    assert peak_bytes(lambda: load_npz(bomb, 200_000_000)) < 5_000_000


def test_an_array_shorter_than_its_header_is_damaged() -> None:
    with pytest.raises(ArchiveError, match="damaged"):
        load_npz(lying_npz((1000,)), 10_000)


def test_pickled_objects_are_refused() -> None:
    buf = io.BytesIO()
    np.savez(buf, x=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ArchiveError, match="Python objects"):
        load_npz(buf.getvalue(), 10_000)


def test_the_total_limit_counts_every_array() -> None:
    buf = io.BytesIO()
    np.savez_compressed(buf, a=np.zeros(600, np.uint8), b=np.zeros(600, np.uint8))
    assert set(load_npz(buf.getvalue(), 1000, total=1200)) == {"a", "b"}
    with pytest.raises(ArchiveError, match="over the"):
        load_npz(buf.getvalue(), 1000, total=1000)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(
    st.text("abcdefgh_", min_size=1, max_size=8),
    hnp.arrays(st.sampled_from(["u1", "i8", "f4", "f8", "U5", "<i2", ">f4", "?"]),
               hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5)),
    max_size=4), st.booleans(), st.booleans())
def test_what_numpy_saves_loads_the_same(arrays, compressed, fortran) -> None:
    if fortran:
        arrays = {k: np.asfortranarray(v) for k, v in arrays.items()}
    buf = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buf, **arrays)
    got = load_npz(buf.getvalue(), 10_000)
    assert set(got) == set(arrays)
    for k, v in arrays.items():
        assert got[k].dtype == v.dtype and got[k].shape == v.shape
        np.testing.assert_array_equal(got[k], v)
        assert got[k].flags.writeable


def test_members_are_read_and_copied_within_their_limit(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("big", b"\0" * 5_000_000)
        zf.writestr("small", b"hello")
    with zipfile.ZipFile(buf) as zf:
        assert read_member(zf, "small", 10) == b"hello"
        with pytest.raises(ArchiveError, match="would unpack to 5,000,000 bytes"):
            read_member(zf, "big", 1_000_000, "x.nngui")
        assert copy_member(zf, "big", tmp_path / "big", 5_000_000).stat().st_size == 5_000_000
        with pytest.raises(ArchiveError, match="over the 1,000,000"):
            copy_member(zf, "big", tmp_path / "big2", 1_000_000)


def test_a_member_declaring_a_huge_compressed_size_is_read_without_a_huge_buffer(tmp_path):
    """Hypothesis found it: the central directory said samples.npz was 1 GB compressed, and
    one read(limit) made zipfile ask the file for up to ``limit`` bytes at once (200 MB)."""
    import io
    import struct
    import tracemalloc
    import zipfile

    from nngui.core.platform.archives import read_member

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("m.bin", b"x" * 500)
    raw = bytearray(buf.getvalue())
    central = raw.index(b"PK\x01\x02")
    raw[central + 20:central + 24] = struct.pack("<I", 0x4000_0000)  # compressed size: 1 GB
    path = tmp_path / "lying.zip"
    path.write_bytes(bytes(raw))
    tracemalloc.start()
    try:
        with zipfile.ZipFile(path) as zf:
            data = read_member(zf, "m.bin", 200_000_000)
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert data == b"x" * 500
    assert peak < 20_000_000, peak
