"""Arrays TensorFlow can use without copying them.

TensorFlow copies every NumPy array it is given. For MNIST's 170 MB of float32 pixels that
copy took 0.1 s (0.25 s the first time, page faults included) and held the GIL throughout,
so nngui made it in 4 MB slices joined by one ``concat`` to keep the window responsive: two
copies. A C-contiguous array whose buffer starts on a 64-byte boundary can instead be shared
through DLPack: 1 ms, no second copy in memory.
TensorFlow's kernels assume that alignment, and an unaligned buffer handed over this way
aborts the process (a failed ``IsAligned()`` check), so :func:`tensor` shares only buffers it
has checked and copies the rest. NumPy's own allocations are 16-byte aligned, so the arrays
nngui makes for training (MNIST's pixels) are allocated here, aligned.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from nngui.core.platform import runtime

ALIGN = 64  # bytes: Eigen's widest vector (AVX-512), what TensorFlow checks


def empty(shape: tuple[int, ...], dtype: Any = np.float32) -> np.ndarray:
    """An uninitialised C-contiguous array whose data starts on a 64-byte boundary."""
    dtype = np.dtype(dtype)
    nbytes = math.prod(shape) * dtype.itemsize
    raw = np.empty(nbytes + ALIGN, np.uint8)
    start = (-raw.ctypes.data) % ALIGN
    return raw[start:start + nbytes].view(dtype).reshape(shape)


def is_shareable(a: np.ndarray) -> bool:
    """True if TensorFlow may use ``a``'s buffer as it is."""
    return (a.size > 0 and a.flags.c_contiguous and a.flags.writeable
            and a.ctypes.data % ALIGN == 0 and a.dtype.kind in "fiu")


def aligned(a: np.ndarray) -> np.ndarray:
    """``a`` if TensorFlow may share it, else an aligned copy (NumPy copies without the GIL)."""
    if is_shareable(a) or a.size == 0:
        return a
    out = empty(a.shape, a.dtype)
    np.copyto(out, a)
    return out


def tensor(a: np.ndarray) -> Any:
    """A TensorFlow tensor holding ``a``'s values, sharing its buffer where that is safe.

    The tensor keeps the buffer alive; ``a`` must not be written afterwards (nngui's prepared
    data never is: a change makes new arrays).
    """
    tf = runtime.tf()
    a = np.asarray(a)
    if a.dtype.kind in "fiu":
        a = aligned(a)
    if is_shareable(a):
        try:
            return tf.experimental.dlpack.from_dlpack(a.__dlpack__())
        except Exception:  # noqa: BLE001 - an older NumPy or TensorFlow: copy instead
            pass
    return copy_in_slices(a)


def copy_in_slices(a: np.ndarray, chunk_bytes: int = 4 << 20) -> Any:
    """``tf.convert_to_tensor(a)`` in slices of a few MB, joined by one ``concat``.

    Converting holds the GIL for the whole copy: ~100 ms for MNIST's 170 MB on an idle
    machine, 250 ms on a busy one, and the window froze that long at every Train. Slices
    of 4 MB hold it for ~2 ms each; the concat runs as a TensorFlow kernel.
    """
    tf = runtime.tf()
    rows = max(1, chunk_bytes // max(1, a[:1].nbytes))
    if len(a) <= rows:
        return tf.convert_to_tensor(a)
    return tf.concat([tf.convert_to_tensor(a[i:i + rows]) for i in range(0, len(a), rows)], 0)
