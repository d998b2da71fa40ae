"""One handwriting sample: the value (``Sample``), what an id may be, the checks a sample
passes before it is stored, and how the store keeps many of them in memory (``Row`` tuples,
built CHUNK at a time). core/drawing/samples.py keeps them in files.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

ID_CHARS = 64  # the longest id (a project file stores ids as U64 too)
BUNDLE_PREFIX = "bundle-"  # a bundle file's name, which no sample id may start with


@dataclass(frozen=True, slots=True)
class Sample:
    """One stored drawing: a 28x28 uint8 image (white ink on black) and its digit."""

    id: str
    image: np.ndarray
    label: int
    created: float


_ASCII_ID = re.compile(f"[0-9A-Za-z-]{{1,{ID_CHARS}}}")  # what nngui's own ids look like


def is_sample_id(text: str) -> bool:
    """Whether ``text`` can be a sample id: letters, digits and '-', at most 64 of them, and
    not a bundle's name (a sample's file is named after its id)."""
    if text.lower().startswith(BUNDLE_PREFIX):
        return False
    if _ASCII_ID.fullmatch(text):  # the quick answer for 200,000 ids
        return True
    return 0 < len(text) <= ID_CHARS and all(c.isalnum() or c == "-" for c in text)


Row = tuple[np.ndarray, int, float]  # a sample in memory: image, label, created


def check_sample(sample: Sample) -> None:
    if not isinstance(sample.id, str) or not is_sample_id(sample.id):
        raise ValueError(f"not a sample id: {sample.id!r}")
    if not 0 <= int(sample.label) <= 9:
        raise ValueError(f"label must be a digit 0-9, not {sample.label}")
    float(sample.created)  # a number (else ValueError or TypeError)
    shape = np.shape(sample.image)
    if shape != (28, 28):
        raise ValueError(f"a sample is a 28x28 image, not {shape}")


def to_uint8(image28: np.ndarray) -> np.ndarray:
    a = np.asarray(image28)
    if a.shape != (28, 28):
        raise ValueError(f"a sample is a 28x28 image, not {a.shape}")
    if a.dtype == np.uint8:
        return a.copy()
    return np.round(np.clip(a.astype(np.float32), 0.0, 1.0) * 255.0).astype(np.uint8)


def stamp_of(sample_id: str) -> int:
    head = sample_id.split("-", 1)[0]
    return int(head) if head.isascii() and head.isdigit() else 0


# Work on 200,000 samples is done CHUNK at a time: a single NumPy call or C loop over all of
# them would hold Python's GIL for a tenth of a second, and a worker thread doing it would
# freeze the GUI thread that long.
CHUNK = 8192


def stack_images(count: int, image_of: Callable[[int], np.ndarray]) -> np.ndarray:
    """(count, 28, 28) uint8 of ``image_of(0 .. count - 1)``, 28x28 images (uint8, or
    floats in [0, 1])."""
    out = np.empty((count, 28, 28), np.uint8)
    for start in range(0, count, CHUNK):
        stop = min(start + CHUNK, count)
        out[start:stop] = [a if getattr(a, "dtype", None) == np.uint8 else to_uint8(a)
                           for a in map(image_of, range(start, stop))]
    return out


def rows_of(images: np.ndarray, labels: np.ndarray, created: np.ndarray) -> list[Row]:
    """One (image view, label, created) tuple per sample. Plain tuples of untracked values:
    Python's garbage collector stops looking at them, so 200,000 samples cost it nothing."""
    out: list[Row] = []
    for start in range(0, len(labels), CHUNK):
        stop = start + CHUNK
        out.extend(zip(images[start:stop], labels[start:stop].tolist(),
                       created[start:stop].tolist(), strict=True))
    return out
