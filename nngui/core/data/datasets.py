"""Datasets: the registry of built-in data and MNIST finding/downloading.

Parsing of files lives in :mod:`nngui.core.data.mnist_files` (Keras mnist.npz, IDX) and
:mod:`nngui.core.data.files` (user CSV/NPZ), the Dataset record in :mod:`nngui.core.data.record`
(re-exported here).
TensorFlow is never imported here; scikit-learn only inside the functions that need it.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from nngui.core.data.files import load_user_file
from nngui.core.data.mnist_files import load_mnist_file, read_idx
from nngui.core.data.record import (
    MNIST_ENV,
    MNIST_URL,
    Dataset,
    DatasetError,
    mnist_help,
    split_train_test,
)

# Dataset, DatasetError and the file loaders keep their old home here: callers import them
# from datasets, which is the module they think of.
__all__ = [
    "Dataset", "DatasetError", "MNIST_ENV", "MNIST_URL", "dataset_names", "dataset_title",
    "find_mnist", "load_dataset", "load_mnist", "load_mnist_file", "load_user_file", "mnist_help",
    "read_idx", "split_train_test",
]

DOWNLOAD_TIMEOUT_S = 10.0
_CHUNK = 1 << 16

ProgressFn = Callable[[int, int], None]

_TITLES: dict[str, str] = {
    "mnist": "MNIST handwritten digits (60k/10k)",
    "digits": "Small digits (scikit-learn 8x8 upscaled into 28x28 like MNIST; 1437/360)",
    "xor": "XOR (4 samples; the 3rd input is a constant 1 that acts as a bias)",
    "moons": "Two moons (2-D, 2 classes, noisy, not linearly separable; 800/200)",
    "circles": "Two circles (2-D, a ring around a core; 800/200)",
    "spiral": "Two spirals (2-D, interleaved arms, hard; 800/200)",
    "blobs": "Two blobs (2-D, linearly separable; 800/200)",
    "regression": "Curve fitting: y = sin(2x) + 0.3x + noise (1-D regression; 800/200)",
}


def dataset_names() -> list[str]:
    """Names of the built-in datasets, in menu order."""
    return list(_TITLES)


def dataset_title(name: str) -> str:
    """Human title of a built-in dataset (or of 'file')."""
    key = name.strip().lower()
    if key == "file":
        return "Data file (CSV, NPZ, mnist.npz or MNIST IDX files)"
    if key not in _TITLES:
        raise DatasetError(_unknown_name_message(name))
    return _TITLES[key]


def _unknown_name_message(name: str) -> str:
    """Message for a dataset name that is not in the registry."""
    return (
        f"Unknown dataset '{name}'; choose one of {', '.join(_TITLES)}, "
        "or 'file' together with a path to a CSV/NPZ file."
    )


def load_dataset(
    name: str,
    path: str | os.PathLike | None = None,
    *,
    seed: int = 0,
    progress: ProgressFn | None = None,
) -> Dataset:
    """Load a built-in dataset by name, or a user file when a path is given."""
    key = name.strip().lower()
    if key == "mnist":
        return load_mnist(path, progress=progress)
    if key == "file" or path is not None:
        if path is None:
            raise DatasetError("No data file was given; choose a CSV or NPZ file to load.")
        return load_user_file(path)
    makers: dict[str, Callable[[int], Dataset]] = {
        "digits": _make_digits, "xor": _make_xor, "moons": _make_moons,
        "circles": _make_circles, "spiral": _make_spiral, "blobs": _make_blobs,
        "regression": _make_regression,
    }
    if key not in makers:
        raise DatasetError(_unknown_name_message(name))
    return makers[key](seed)


# ----------------------------------------------------------------------------- MNIST


def _keras_mnist_path() -> Path:
    """Where Keras keeps its MNIST cache: ~/.keras/datasets/mnist.npz."""
    return Path.home() / ".keras" / "datasets" / "mnist.npz"


def find_mnist(path: str | os.PathLike | None = None) -> Path | None:
    """First existing MNIST location: explicit path, then $NNGUI_MNIST, then ~/.keras."""
    candidates: list[Path] = []
    if path is not None and str(path):
        candidates.append(Path(path).expanduser())
    env = os.environ.get(MNIST_ENV, "").strip()
    if env:
        candidates.append(Path(env).expanduser())
    candidates.append(_keras_mnist_path())
    for c in candidates:
        if c.exists():
            return c
    return None


def load_mnist(
    path: str | os.PathLike | None = None,
    *,
    progress: ProgressFn | None = None,
    allow_download: bool = True,
) -> Dataset:
    """Load MNIST from ``path``/$NNGUI_MNIST/~/.keras, downloading it there if allowed."""
    if path is not None:
        p = Path(path).expanduser()
        if not p.exists():  # a path the user gave: no advice on where MNIST could come from
            raise DatasetError(f"The MNIST file {p} does not exist: check the path.")
        return load_mnist_file(p)
    found = find_mnist()
    if found is not None:
        return load_mnist_file(found)
    if not allow_download:
        raise DatasetError(mnist_help("MNIST was not found and downloading is switched off."))
    return _download_mnist(progress)


class _ProgressFailed(Exception):
    """Wraps an exception raised by the caller's progress callback (e.g. a cancel)."""


def _frozen_tls_context():
    """certifi's CAs in the frozen app: its bundled OpenSSL looks in the build host's cert dir."""
    import sys

    if not getattr(sys, "frozen", False):
        return None
    import ssl

    import certifi

    return ssl.create_default_context(cafile=certifi.where())


def _download_mnist(progress: ProgressFn | None) -> Dataset:
    """Fetch mnist.npz into ~/.keras/datasets atomically, verify it, and load it."""
    import http.client
    import urllib.request

    from nngui.core.platform.fsio import atomic_path

    dest = _keras_mnist_path()
    try:
        # Verified before it replaces anything: a cut download never becomes the cache.
        with atomic_path(dest) as tmp, open(tmp, "wb") as out, urllib.request.urlopen(
            MNIST_URL, timeout=DOWNLOAD_TIMEOUT_S, context=_frozen_tls_context()
        ) as resp:
            total = int(resp.headers.get("Content-Length") or 0)
            done = 0
            while chunk := resp.read(_CHUNK):
                out.write(chunk)
                done += len(chunk)
                if progress is not None:
                    try:
                        progress(done, total)
                    except Exception as exc:
                        raise _ProgressFailed() from exc
            if total and done != total:
                raise OSError(f"download stopped after {done} of {total} bytes")
            out.flush()
            ds = load_mnist_file(tmp)
        notes = [*ds.notes, f"downloaded from {MNIST_URL}"]
        return dataclasses.replace(ds, source=str(dest), notes=notes)
    except _ProgressFailed as exc:
        raise exc.__cause__ from None  # type: ignore[misc]
    except (OSError, ValueError, http.client.HTTPException, DatasetError) as exc:
        reason = f"MNIST was not found and could not be downloaded ({exc})."
        raise DatasetError(mnist_help(reason)) from exc


# ----------------------------------------------------------------------------- helpers


def _toy(name: str, x: np.ndarray, y: np.ndarray, notes: list[str], n_train: int = 800) -> Dataset:
    """Dataset from generated, already shuffled 2-D classification points."""
    x = np.asarray(x, dtype=np.float32)
    y = np.asarray(y, dtype=np.int64)
    return Dataset(
        name=name, title=_TITLES[name],
        x_train=x[:n_train], y_train=y[:n_train], x_test=x[n_train:], y_test=y[n_train:],
        task="classification", num_classes=2, class_names=["0", "1"], source="generated",
        notes=[*notes, f"{n_train} train / {len(y) - n_train} test points"],
    )


# ----------------------------------------------------------------------------- generators


def _make_xor(seed: int = 0) -> Dataset:
    """The 4-sample XOR truth table with a constant-1 bias column."""
    x = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=np.float32)
    y = np.array([0, 1, 1, 0], dtype=np.int64)
    return Dataset(
        name="xor", title=_TITLES["xor"], x_train=x, y_train=y, x_test=x.copy(), y_test=y.copy(),
        task="classification", num_classes=2, class_names=["0", "1"], source="generated",
        notes=[
            "inputs are (a, b, 1): the third column is always 1 and works as a bias input",
            "label is a XOR b; the test set is the same 4 samples as the training set",
        ],
    )


def _make_moons(seed: int = 0) -> Dataset:
    """Two interleaving half circles (sklearn make_moons, noise 0.2)."""
    from sklearn.datasets import make_moons

    x, y = make_moons(n_samples=1000, noise=0.2, random_state=seed)
    return _toy("moons", x, y, [f"sklearn make_moons(noise=0.2, seed={seed})"])


def _make_circles(seed: int = 0) -> Dataset:
    """A ring around a core (sklearn make_circles, noise 0.1, factor 0.5)."""
    from sklearn.datasets import make_circles

    x, y = make_circles(n_samples=1000, noise=0.1, factor=0.5, random_state=seed)
    return _toy("circles", x, y, [f"sklearn make_circles(noise=0.1, factor=0.5, seed={seed})"])


def _make_spiral(seed: int = 0) -> Dataset:
    """Two interleaved spiral arms (1.5 turns each) with gaussian noise 0.2."""
    rng = np.random.default_rng(seed)
    per_class = 500
    xs, ys = [], []
    for k in range(2):
        t = rng.uniform(0.05, 1.0, per_class)
        theta = t * 3 * np.pi + k * np.pi
        r = 2.5 * t
        pts = np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1)
        xs.append(pts + rng.normal(0.0, 0.2, pts.shape))
        ys.append(np.full(per_class, k))
    order = rng.permutation(2 * per_class)
    x, y = np.concatenate(xs)[order], np.concatenate(ys)[order]
    return _toy("spiral", x, y, [f"two spiral arms, radius up to 2.5, noise 0.2 (seed {seed})"])


def _make_blobs(seed: int = 0) -> Dataset:
    """Two well separated gaussian blobs; guaranteed linearly separable."""
    from sklearn.datasets import make_blobs

    centres = np.array([[-1.5, -1.5], [1.5, 1.5]])
    x, y = make_blobs(n_samples=1000, centers=centres, cluster_std=0.5, random_state=seed)
    # Reflect the rare point that lands across the line x0 + x1 = 0 back to its own side.
    wrong = x.sum(axis=1) * np.where(y == 1, 1.0, -1.0) < 0
    x[wrong] -= x[wrong].sum(axis=1, keepdims=True)
    notes = [
        f"sklearn make_blobs(centres ±(1.5, 1.5), std 0.5, seed={seed})",
        "linearly separable by the line x0 + x1 = 0",
    ]
    return _toy("blobs", x, y, notes)


def _make_regression(seed: int = 0) -> Dataset:
    """Noisy 1-D curve y = sin(2x) + 0.3x + N(0, 0.1) for x uniform in [-3, 3]."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3.0, 3.0, size=(1000, 1))
    y = np.sin(2 * x) + 0.3 * x + rng.normal(0.0, 0.1, size=x.shape)
    x, y = x.astype(np.float32), y.astype(np.float32)
    return Dataset(
        name="regression", title=_TITLES["regression"],
        x_train=x[:800], y_train=y[:800], x_test=x[800:], y_test=y[800:],
        task="regression", num_classes=0, class_names=[], source="generated",
        notes=[f"x uniform in [-3, 3]; y = sin(2x) + 0.3x + gaussian noise 0.1 (seed {seed})",
               "800 train / 200 test points"],
    )


def _make_digits(seed: int = 0) -> Dataset:
    """scikit-learn's bundled 8x8 digits, rescaled into MNIST-like 28x28 frames."""
    from scipy.ndimage import zoom
    from sklearn.datasets import load_digits

    raw = load_digits()
    small = raw.images.astype(np.float32) / 16.0
    big = np.clip(zoom(small, (1, 2.5, 2.5), order=1), 0.0, 1.0)
    frames = np.zeros((len(big), 28, 28), dtype=np.float32)
    frames[:, 4:24, 4:24] = big
    y = raw.target.astype(np.int64)
    x_tr, x_te, y_tr, y_te, split_note = split_train_test(frames, y, seed=seed)
    return Dataset(
        name="digits", title=_TITLES["digits"],
        x_train=x_tr, y_train=y_tr, x_test=x_te, y_test=y_te,
        task="classification", num_classes=10, class_names=[str(i) for i in range(10)],
        source="bundled",
        notes=[
            "scikit-learn load_digits: 1797 images of 8x8 pixels with values 0..16",
            "pixel values scaled /16 to [0, 1]",
            "each image upscaled to 20x20 (bilinear) and centred in a 28x28 black frame like MNIST",
            split_note,
        ],
    )
