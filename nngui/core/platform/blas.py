"""NumPy's BLAS threads: small matmuls on the GUI thread run on one.

Used by the NumPy forward engine (live drawing, hover decoding) and the drawing preprocess.
"""

from __future__ import annotations

import contextlib
from typing import Any

_blas: Any = None


def blas_controller() -> Any:
    """threadpoolctl's handle on the loaded BLAS libraries (False without threadpoolctl)."""
    global _blas
    if _blas is None:
        try:
            from threadpoolctl import ThreadpoolController  # ships with scikit-learn

            _blas = ThreadpoolController().select(user_api="blas")
        except Exception:
            _blas = False
    return _blas


def one_blas_thread() -> contextlib.AbstractContextManager:
    """Context limiting NumPy's BLAS to one thread (a no-op without threadpoolctl).

    The live-drawing path does small matmuls; once TensorFlow is loaded, multi-threaded
    OpenBLAS was measured at 12 ms for one that takes 0.04 ms on a single thread, because its
    threads wait on cores TensorFlow's pools hold.
    """
    blas = blas_controller()
    return blas.limit(limits=1) if blas else contextlib.nullcontext()
