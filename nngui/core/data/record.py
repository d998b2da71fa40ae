"""The Dataset record and what both the dataset registry and the file parsers share.

Split out of :mod:`nngui.core.data.datasets` so that the parsers (:mod:`nngui.core.data.files`,
:mod:`nngui.core.data.mnist_files`) and ``datasets`` (the registry, which calls the parsers) no
longer import each other.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from nngui.core.platform.archives import ArchiveError, load_npz

MNIST_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
MNIST_ENV = "NNGUI_MNIST"

class DatasetError(Exception):
    """A user-facing problem with data: message is one clear sentence saying what to do."""

    def __init__(self, message: object = "", *args: object) -> None:
        # messages quote library errors (NumPy's, zipfile's) that may span lines; the CLI
        # promises one stderr line, so every run of whitespace becomes one space
        super().__init__(" ".join(str(message).split()), *args)


@dataclass
class Dataset:
    """Train/test arrays plus everything the UI needs to explain where they came from."""

    name: str
    title: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    task: str
    num_classes: int
    class_names: list[str] = field(default_factory=list)
    source: str = "generated"
    notes: list[str] = field(default_factory=list)

    @property
    def input_shape(self) -> tuple[int, ...]:
        """Shape of one sample, e.g. (28, 28) or (2,)."""
        return tuple(int(d) for d in self.x_train.shape[1:])

    @property
    def is_image(self) -> bool:
        """True when samples are 2-D (H, W) images."""
        return self.x_train.ndim == 3

    @property
    def is_classification(self) -> bool:
        """True for classification tasks."""
        return self.task == "classification"

    def class_counts(self, y: np.ndarray) -> np.ndarray:
        """Number of samples per class in the label array ``y``."""
        if not self.is_classification or self.num_classes <= 0:
            return np.zeros(0, dtype=np.int64)
        return np.bincount(np.asarray(y, dtype=np.int64).ravel(), minlength=self.num_classes)

    def describe(self) -> str:
        """Multi-line preview: shapes, dtype/range, classes with counts, source and notes."""
        lines = [self.title, f"name: {self.name}    task: {self.task}"]
        parts = (("train", self.x_train, self.y_train), ("test", self.x_test, self.y_test))
        for part, x, y in parts:
            lines.append(
                f"{part + ':':6} {len(x)} samples, x {tuple(x.shape)} {x.dtype}, "
                f"y {tuple(y.shape)} {y.dtype}"
            )
        lines.append(f"x range: {_range_text(self.x_train)}")
        if self.is_classification:
            lines.append(f"classes: {self.num_classes} (samples per class, train / test)")
            tr, te = self.class_counts(self.y_train), self.class_counts(self.y_test)
            shown = min(self.num_classes, 30)
            for i in range(shown):
                name = self.class_names[i] if i < len(self.class_names) else str(i)
                label = f"{i}" if name == str(i) else f"{i} ({name})"
                lines.append(f"  {label}: {tr[i]} / {te[i]}")
            if self.num_classes > shown:
                lines.append(f"  ... and {self.num_classes - shown} more classes")
        else:
            k = self.y_train.shape[1] if self.y_train.ndim == 2 else 1
            lines.append(f"y range: {_range_text(self.y_train)} ({k} target value(s) per sample)")
        lines.append(f"source: {self.source}")
        if self.notes:
            lines.append("notes:")
            lines.extend(f"  - {n}" for n in self.notes)
        return "\n".join(lines)

    def subset(self, n_train: int | None, n_test: int | None, seed: int = 0) -> Dataset:
        """Random subset keeping class proportions (for quick runs); None keeps everything."""
        rng = np.random.default_rng(seed)
        tr = self._pick(self.y_train, n_train, rng)
        te = self._pick(self.y_test, n_test, rng)
        note = (
            f"random subset: {len(tr)} of {len(self.y_train)} train, "
            f"{len(te)} of {len(self.y_test)} test (seed {seed})"
        )
        return dataclasses.replace(
            self,
            x_train=self.x_train[tr], y_train=self.y_train[tr],
            x_test=self.x_test[te], y_test=self.y_test[te],
            class_names=list(self.class_names), notes=[*self.notes, note],
        )

    def _pick(self, y: np.ndarray, n: int | None, rng: np.random.Generator) -> np.ndarray:
        """Sorted indices of a stratified random sample of ``n`` rows of ``y``."""
        total = len(y)
        if n is None or n >= total:
            return np.arange(total)
        if n < 1:
            raise DatasetError(f"A subset needs at least 1 sample; got {n}.")
        if not self.is_classification:
            return np.sort(rng.choice(total, size=n, replace=False))
        labels = np.asarray(y).ravel()
        classes, counts = np.unique(labels, return_counts=True)
        exact = counts * (n / total)
        quota = np.floor(exact).astype(np.int64)
        extra = n - int(quota.sum())
        quota[np.argsort(-(exact - quota), kind="stable")[:extra]] += 1
        picked = [
            rng.choice(np.flatnonzero(labels == c), size=int(q), replace=False)
            for c, q in zip(classes, quota, strict=True)
            if q > 0
        ]
        return np.sort(np.concatenate(picked))


def _range_text(a: np.ndarray) -> str:
    """'[min, max] (mean m)' for a numeric array, or 'empty'."""
    if a.size == 0:
        return "empty"
    return f"[{float(a.min()):.4g}, {float(a.max()):.4g}] (mean {float(a.mean()):.4g})"


def mnist_help(reason: str) -> str:
    """Message explaining exactly how to get the MNIST file, prefixed by ``reason``."""
    return (
        f"{reason} To get it, download {MNIST_URL} and put it at ~/.keras/datasets/mnist.npz, "
        f"or set {MNIST_ENV}=/path/to/mnist.npz, or load it in the app with File → Load data "
        "file… (in `nngui train`: --data PATH); mnist.npz or the four IDX files."
    )


def split_train_test(
    x: np.ndarray,
    y: np.ndarray,
    *,
    seed: int = 0,
    stratify: bool = True,
    test_fraction: float = 0.2,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, str]:
    """Shuffle and split into (x_train, x_test, y_train, y_test, note), stratified if possible."""
    from sklearn.model_selection import train_test_split

    pct = round(100 * test_fraction)
    if stratify:
        try:
            parts = train_test_split(x, y, test_size=test_fraction, random_state=seed, stratify=y)
            return (*parts, f"stratified {100 - pct}/{pct} train/test split (seed {seed})")
        except ValueError:
            pass  # a class too small to stratify: fall back to a plain random split
    parts = train_test_split(x, y, test_size=test_fraction, random_state=seed)
    return (*parts, f"random {100 - pct}/{pct} train/test split (seed {seed})")


MAX_ARRAY_BYTES = 2_000_000_000  # one array of a data file (MNIST's images: 47 MB)
MAX_NPZ_BYTES = 4_000_000_000  # all of them


def read_npz(p: Path, hint: str = "check the file") -> dict[str, np.ndarray]:
    """All arrays of an .npz archive (no pickles); DatasetError if it cannot be read.

    Each array's declared size is checked before it is allocated (platform.archives).
    """
    try:
        with open(p, "rb") as fh:
            if fh.read(6) == b"\x93NUMPY":
                raise DatasetError(
                    f"{p.name} holds a single array, not an .npz archive of named arrays; "
                    "save it with np.savez(path, x=..., y=...)."
                )
        return load_npz(p, MAX_ARRAY_BYTES, MAX_NPZ_BYTES, where=p.name)
    except DatasetError:
        raise
    except ArchiveError as exc:
        raise DatasetError(f"{_short(exc, 240)}; {hint}.") from None
    except Exception as exc:  # OS errors, zlib/EOF errors...: all mean "unreadable"
        raise DatasetError(
            f"{p.name} is not a readable .npz file ({type(exc).__name__}: {_short(exc)}); "
            f"{hint}."
        ) from exc


def _short(exc: BaseException, limit: int = 160) -> str:
    """A library's error text cut to a readable length (zipfile quotes whole headers)."""
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"
