"""Datasets: the registry of every data set nngui offers, and MNIST finding/downloading.

CIFAR-10's finding, downloading and reading live in :mod:`nngui.core.data.cifar`.

One :class:`Entry` per data set in :data:`REGISTRY` (at the end) holds its name, title, loader
and the code an exported script makes the same data with: the data nngui makes itself comes
from the plain functions of :mod:`nngui.core.data.generators`, which the app calls and the
script copies; MNIST's and the user's files are read in scripts by
:mod:`nngui.core.data.script_loaders`.

Parsing of files lives in :mod:`nngui.core.data.mnist_files` (Keras mnist.npz, IDX) and
:mod:`nngui.core.data.files` (user CSV/NPZ), the Dataset record in :mod:`nngui.core.data.record`
(re-exported here).
TensorFlow is never imported here; scikit-learn only inside the functions that need it.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from nngui.core.data import cifar, download, generators, script_loaders
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
    "FILE", "REGISTRY", "Dataset", "DatasetError", "Download", "Entry", "MNIST_ENV",
    "MNIST_URL", "dataset_names", "dataset_title", "entry", "find_mnist", "keeps_path",
    "load_dataset", "load_mnist", "load_mnist_file", "load_user_file", "mnist_help", "read_idx", "split_train_test",
]

ProgressFn = download.ProgressFn

Loader = Callable[[str | os.PathLike | None, int, ProgressFn | None], Dataset]


@dataclass(frozen=True)
class Entry:
    """One data set nngui offers. The menus, the CLI, project files and presets read the names
    and titles of the entries in :data:`REGISTRY`; nothing else lists them."""

    name: str  # what --dataset, the data combo and project files call it
    title: str  # how the menu and the CLI describe it
    load: Loader  # the app's loader: (path, seed, progress) -> Dataset
    # What an exported script does instead: it copies the source of ``script`` (and of the
    # functions of its module it calls) and its load_data(path) returns ``script_call``.
    script: Callable[..., tuple]
    script_call: str
    task: str | None = "classification"  # "regression"; None: only the data can say (a file)
    reads_file: bool = False  # reads the path it is given; for the others a path means a file
    # the script's line naming the file nngui read (``data_path -> "NAME = ...\n"``)
    script_constant: Callable[[str | os.PathLike | None], str] | None = None
    pixels_255: bool = False  # the script reads 0..255 pixels and scales them as nngui did
    download: Download | None = None  # a data set nngui downloads once and keeps (MNIST, CIFAR)


@dataclass(frozen=True)
class Download:
    """What the app asks and does about a data set it downloads once (MNIST, CIFAR-10)."""

    what: str  # its short name in the question: "MNIST"
    size: str  # the download's size: "11 MB"
    find: Callable[[], Path | None]  # the file already on this computer, if any
    offline: Callable[[], Dataset]  # the data from that file; never downloads
    places: str  # where nngui looks, for the question
    files: str  # what the user may load instead, for the question
    file_filter: str  # the file dialog's filter for those files


def made(name: str, title: str, make: Callable[[int], tuple], notes: tuple[str, ...],
         classes: int = 2, source: str = "generated") -> Entry:
    """An entry for data that ``make(seed)`` (a :mod:`generators` function) makes: ``classes``
    classes named 0, 1, ... (0: a regression target); ``notes`` may name the ``{seed}``."""

    def load(path: str | os.PathLike | None, seed: int, progress: ProgressFn | None) -> Dataset:
        (x_train, y_train), (x_test, y_test) = make(seed)
        return Dataset(
            name=name, title=title, x_train=x_train, y_train=y_train, x_test=x_test,
            y_test=y_test, task="classification" if classes else "regression",
            num_classes=classes, class_names=[str(i) for i in range(classes)], source=source,
            notes=[note.format(seed=seed) for note in notes],
        )

    return Entry(name, title, load, make, f"{make.__name__}(DATA_SEED)",
                 "classification" if classes else "regression")


def _load_file(path: str | os.PathLike | None, seed: int, progress: ProgressFn | None) -> Dataset:
    if path is None:
        raise DatasetError("No data file was given; choose a CSV or NPZ file to load.")
    return load_user_file(path)


# A user's file: not one of the menu's data sets (File → Load data file… reads it), but it
# loads, saves in projects and exports like them.
FILE = Entry("file", "Data file (CSV, NPZ, mnist.npz, MNIST IDX files or CIFAR-10's binary "
             "archive)", _load_file,
             script_loaders.read_data_file, "read_data_file(path or DATA_PATH)", task=None,
             reads_file=True, script_constant=script_loaders.file_constant)


def dataset_names() -> list[str]:
    """Names of the built-in datasets, in menu order."""
    return list(REGISTRY)


def entry(name: str) -> Entry:
    """The registry's entry for ``name`` (or 'file'); DatasetError naming the choices."""
    key = name.strip().lower()
    if key == FILE.name:
        return FILE
    if key not in REGISTRY:
        raise DatasetError(_unknown_name_message(name))
    return REGISTRY[key]


def keeps_path(name: str) -> bool:
    """Whether data set ``name`` is read from a file whose path a project keeps (MNIST,
    CIFAR-10, the user's file); made data is made again instead."""
    key = name.strip().lower()
    return key == FILE.name or (key in REGISTRY and REGISTRY[key].reads_file)


def dataset_title(name: str) -> str:
    """Human title of a built-in dataset (or of 'file')."""
    return entry(name).title


def _unknown_name_message(name: str) -> str:
    """Message for a dataset name that is not in the registry."""
    return (
        f"Unknown dataset '{name}'; choose one of {', '.join(REGISTRY)}, "
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
    if path is not None and (key not in REGISTRY or not REGISTRY[key].reads_file):
        return FILE.load(path, seed, progress)
    return entry(name).load(path, seed, progress)


# ----------------------------------------------------------------------------- MNIST


def _keras_mnist_path() -> Path:
    """Where Keras keeps its MNIST cache: ~/.keras/datasets/mnist.npz."""
    return Path.home() / ".keras" / "datasets" / "mnist.npz"


def find_mnist(path: str | os.PathLike | None = None) -> Path | None:
    """First existing MNIST location: explicit path, then $NNGUI_MNIST, then ~/.keras."""
    return download.find_first(path, MNIST_ENV, _keras_mnist_path())


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


def _download_mnist(progress: ProgressFn | None) -> Dataset:
    """Fetch mnist.npz into ~/.keras/datasets atomically, verify it, and load it."""
    import http.client

    from nngui.core.platform.fsio import atomic_path

    dest = _keras_mnist_path()
    try:
        # Verified before it replaces anything: a cut download never becomes the cache.
        with atomic_path(dest) as tmp:
            with open(tmp, "wb") as out:
                download.fetch(MNIST_URL, out, progress)
            ds = load_mnist_file(tmp)
        notes = [*ds.notes, f"downloaded from {MNIST_URL}"]
        return dataclasses.replace(ds, source=str(dest), notes=notes)
    except download.ProgressFailed as exc:
        raise exc.__cause__ from None  # type: ignore[misc]
    except (download.DownloadError, OSError, ValueError, http.client.HTTPException,
            DatasetError) as exc:
        reason = f"MNIST was not found and could not be downloaded ({exc})."
        raise DatasetError(mnist_help(reason)) from exc


# ----------------------------------------------------------------------------- the registry

# Adding a data set: one entry here, and its loader (a generators function for made data).
REGISTRY: dict[str, Entry] = {e.name: e for e in [
    Entry("mnist", "MNIST handwritten digits (60k/10k)",
          lambda path, seed, progress: load_mnist(path, progress=progress),
          script_loaders.read_mnist, "read_mnist(path, MNIST_PATH)", reads_file=True,
          script_constant=script_loaders.mnist_constant, pixels_255=True,
          download=Download(
              "MNIST", "11 MB", find_mnist, lambda: load_mnist(allow_download=False),
              f"${MNIST_ENV} and ~/.keras/datasets/mnist.npz",
              "mnist.npz or the four IDX files", "MNIST (*.npz *.gz *ubyte);;All files (*)")),
    Entry("cifar10", "CIFAR-10 colour images (50k/10k, 32x32x3 → 3,072 inputs)",
          lambda path, seed, progress: cifar.load_cifar10(path, progress=progress),
          script_loaders.read_cifar10, "read_cifar10(path, CIFAR10_PATH)", reads_file=True,
          script_constant=script_loaders.cifar10_constant, pixels_255=True,
          download=Download(
              "CIFAR-10", cifar.SIZE_TEXT, cifar.find_cifar10,
              lambda: cifar.load_cifar10(allow_download=False),
              f"${cifar.CIFAR10_ENV} and ~/.keras/datasets/{cifar.CACHE_NAME}",
              "cifar-10-binary.tar.gz (the binary version) or a cifar10.npz",
              "CIFAR-10 (*.tar.gz *.tgz *.tar *.npz);;All files (*)")),
    made("digits", "Small digits (scikit-learn 8x8 upscaled into 28x28 like MNIST; 1437/360)",
         generators.digits, (
             "scikit-learn load_digits: 1797 images of 8x8 pixels with values 0..16",
             "pixel values scaled /16 to [0, 1]",
             "each image upscaled to 20x20 (bilinear) and centred in a 28x28 black frame like "
             "MNIST",
             "stratified 80/20 train/test split (seed {seed})",
         ), classes=10, source="bundled"),
    made("xor", "XOR (4 samples; the 3rd input is a constant 1 that acts as a bias)",
         generators.xor, (
             "inputs are (a, b, 1): the third column is always 1 and works as a bias input",
             "label is a XOR b; the test set is the same 4 samples as the training set",
         )),
    made("xor2", "XOR (x1, x2: 4 samples; for the trainer, its boundary and features)",
         generators.xor2, (
             "inputs are (x1, x2); the network's Dense layers bring their own bias",
             "label is x1 XOR x2; the test set is the same 4 samples as the training set",
         )),
    made("moons", "Two moons (2-D, 2 classes, noisy, not linearly separable; 800/200)",
         generators.moons, ("sklearn make_moons(noise=0.2, seed={seed})",
                            "800 train / 200 test points")),
    made("circles", "Two circles (2-D, a ring around a core; 800/200)",
         generators.circles, ("sklearn make_circles(noise=0.1, factor=0.5, seed={seed})",
                              "800 train / 200 test points")),
    made("spiral", "Two spirals (2-D, interleaved arms, hard; 800/200)",
         generators.spiral, ("two spiral arms, radius up to 2.5, noise 0.2 (seed {seed})",
                             "800 train / 200 test points")),
    made("blobs", "Two blobs (2-D, linearly separable; 800/200)",
         generators.blobs, ("sklearn make_blobs(centres ±(1.5, 1.5), std 0.5, seed={seed})",
                            "linearly separable by the line x0 + x1 = 0",
                            "800 train / 200 test points")),
    made("regression", "Curve fitting: y = sin(2x) + 0.3x + noise (1-D regression; 800/200)",
         generators.curve, ("x uniform in [-3, 3]; y = sin(2x) + 0.3x + gaussian noise 0.1 "
                            "(seed {seed})", "800 train / 200 test points"), classes=0),
]}
