"""Old name of :mod:`nngui.core.fsio`, kept so branches written before the rename still import."""

from .fsio import atomic_write_bytes, atomic_write_text

__all__ = ["atomic_write_bytes", "atomic_write_text"]
