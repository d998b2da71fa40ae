"""The user's own handwriting samples: 28x28 digits with labels, kept in the app's data folder.

Each sample is one small compressed ``.npz`` file (image as uint8, label, creation time),
written atomically. There is no shared index to corrupt: a damaged or foreign file is skipped
with a warning and the rest load. File names are the sample ids, which sort by creation time.
"""

from __future__ import annotations

import io
import os
import sys
import time
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nngui.core.platform.archives import load_npz
from nngui.core.platform.fsio import atomic_write_bytes

DATA_DIR_ENV = "NNGUI_DATA_DIR"
SUFFIX = ".npz"


def app_data_dir() -> Path:
    """Where nngui keeps user data: $NNGUI_DATA_DIR, else the platform's per-user data folder."""
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        return Path(env).expanduser()
    home = Path.home()
    if sys.platform == "win32":
        base = os.environ.get("APPDATA")
        return (Path(base) if base else home / "AppData" / "Roaming") / "nngui"
    if sys.platform == "darwin":
        return home / "Library" / "Application Support" / "nngui"
    xdg = os.environ.get("XDG_DATA_HOME")
    return (Path(xdg) if xdg else home / ".local" / "share") / "nngui"


def default_samples_dir() -> Path:
    """The folder of the user's handwriting samples."""
    return app_data_dir() / "samples"


SAMPLE_BYTES = 64_000  # what one sample's arrays may declare


@dataclass(frozen=True)
class Sample:
    """One stored drawing: a 28x28 uint8 image (white ink on black) and its digit."""

    id: str
    image: np.ndarray
    label: int
    created: float


def _to_uint8(image28: np.ndarray) -> np.ndarray:
    a = np.asarray(image28)
    if a.shape != (28, 28):
        raise ValueError(f"a sample is a 28x28 image, not {a.shape}")
    if a.dtype == np.uint8:
        return a.copy()
    return np.round(np.clip(a.astype(np.float32), 0.0, 1.0) * 255.0).astype(np.uint8)


class SampleStore:
    """A folder of labelled 28x28 samples; loads them all once, then stays in step with disk."""

    def __init__(self, root: str | os.PathLike | None = None) -> None:
        self.root = Path(root) if root is not None else default_samples_dir()
        self.skipped: list[str] = []  # files that could not be read, for a status message
        self._samples: dict[str, Sample] = {}
        self.reload()

    def reload(self) -> None:
        """Read every sample file again (a damaged one is skipped with a warning)."""
        self._samples = {}
        self.skipped = []
        if not self.root.is_dir():
            return
        for path in sorted(self.root.glob(f"*{SUFFIX}")):
            try:
                sample = self._read(path)
            except Exception as exc:  # a half-written or foreign file must not stop the app
                self.skipped.append(path.name)
                warnings.warn(f"Skipping unreadable sample {path}: {exc}", stacklevel=2)
                continue
            self._samples[sample.id] = sample

    @staticmethod
    def _read(path: Path) -> Sample:
        z = load_npz(path, SAMPLE_BYTES, where=path.name)  # a sample is 784 bytes and two numbers
        image, label, created = z["image"], int(z["label"]), float(z["created"])
        if image.shape != (28, 28) or image.dtype != np.uint8 or not 0 <= label <= 9:
            raise ValueError("not a 28x28 uint8 digit sample")
        return Sample(path.stem, image, label, created)

    def add(self, image28: np.ndarray, label: int) -> str:
        """Store a drawing (28x28, float in [0, 1] or uint8) with its digit; returns its id."""
        label = int(label)
        if not 0 <= label <= 9:
            raise ValueError(f"label must be a digit 0-9, not {label}")
        image = _to_uint8(image28)
        created = time.time()
        # Ids sort by time: the millisecond stamp is kept strictly increasing within a store.
        newest = max((k.split("-")[0] for k in self._samples), default="0")
        stamp = max(int(created * 1000), int(newest) + 1 if newest.isdigit() else 0)
        sample_id = f"{stamp:013d}-{uuid.uuid4().hex[:8]}"
        buf = io.BytesIO()
        np.savez_compressed(buf, image=image, label=np.int64(label),
                            created=np.float64(created))
        atomic_write_bytes(self.root / f"{sample_id}{SUFFIX}", buf.getvalue())
        self._samples[sample_id] = Sample(sample_id, image, label, created)
        return sample_id

    def put(self, sample: Sample) -> None:
        """Store a sample as it is, keeping its id (e.g. one from a project file)."""
        if not sample.id or not all(c.isalnum() or c == "-" for c in sample.id):
            raise ValueError(f"not a sample id: {sample.id!r}")
        image = _to_uint8(sample.image)
        buf = io.BytesIO()
        np.savez_compressed(buf, image=image, label=np.int64(sample.label),
                            created=np.float64(sample.created))
        atomic_write_bytes(self.root / f"{sample.id}{SUFFIX}", buf.getvalue())
        self._samples[sample.id] = Sample(sample.id, image, int(sample.label),
                                          float(sample.created))

    def remove(self, sample_id: str) -> bool:
        """Delete a sample; False if there was none with that id."""
        found = self._samples.pop(sample_id, None) is not None
        path = self.root / f"{sample_id}{SUFFIX}"
        try:
            path.unlink()
            found = True
        except FileNotFoundError:
            pass
        return found

    def get(self, sample_id: str) -> Sample:
        """One sample by id (KeyError if absent)."""
        return self._samples[sample_id]

    def samples(self) -> list[Sample]:
        """All samples, oldest first."""
        return [self._samples[k] for k in sorted(self._samples)]

    def all(self) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """(x float32 (n, 28, 28) in [0, 1], y int64 (n,), ids), oldest first."""
        items = self.samples()
        if not items:
            return np.zeros((0, 28, 28), np.float32), np.zeros(0, np.int64), []
        x = np.stack([s.image for s in items]).astype(np.float32) / 255.0
        y = np.array([s.label for s in items], dtype=np.int64)
        return x, y, [s.id for s in items]

    def count_by_label(self) -> dict[int, int]:
        """How many samples of each digit (all ten digits present, zero when none)."""
        counts = dict.fromkeys(range(10), 0)
        for s in self._samples.values():
            counts[s.label] += 1
        return counts

    def __len__(self) -> int:
        return len(self._samples)
