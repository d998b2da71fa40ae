"""How an exported script reads the files nngui reads: MNIST, CIFAR-10 and the user's CSV/NPZ.

The Python exporter copies these functions' source into the script (made data comes from
:mod:`nngui.core.data.generators` the same way), so they use only ``np`` and ``os``, which the
script imports, and import anything else inside. Each returns ``(x_train, y_train), (x_test,
y_test)``: what nngui reads before it scales, reshapes and encodes (MNIST's and CIFAR-10's pixels
are still 0..255 here). tests/core/files/test_export_python.py holds them equal to the app's loaders.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from nngui.core.platform.codegen import comment, literal


def read_mnist(path=None, default=None):
    """MNIST: 60,000 training and 10,000 test digits, 28x28 grey values 0..255.

    Read from --data PATH, else $NNGUI_MNIST, else the file nngui used, else downloaded by Keras.
    """
    if path and not os.path.isfile(path):
        raise SystemExit(f"The MNIST file {path} does not exist: check --data.")
    path = path or os.environ.get("NNGUI_MNIST") or default
    if path and os.path.isfile(path):
        with np.load(path) as f:
            return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
    try:
        import keras

        return keras.datasets.mnist.load_data()
    except Exception as exc:  # offline, or a download cut short: one line, not a traceback
        raise SystemExit(f"MNIST is not on this machine and could not be downloaded "
                         f"({exc.__class__.__name__}); give the file with --data PATH or "
                         f"NNGUI_MNIST=PATH.") from None


def read_cifar10(path=None, default=None):
    """CIFAR-10: 50,000 training and 10,000 test colour images of 32x32x3 values 0..255, each
    as 3,072 numbers (row by row, R G B per pixel), as nngui reads them.

    Read from --data PATH (cifar10.npz or cifar-10-binary.tar.gz), else $NNGUI_CIFAR10, else
    the file nngui used, else ~/.keras/datasets/cifar10.npz, else downloaded by Keras.
    """
    if path and not os.path.isfile(path):
        raise SystemExit(f"The CIFAR-10 file {path} does not exist: check --data.")
    cache = os.path.join(os.path.expanduser("~"), ".keras", "datasets", "cifar10.npz")
    path = path or os.environ.get("NNGUI_CIFAR10") or default or cache
    if os.path.isfile(path) and path.endswith(".npz"):
        with np.load(path) as f:
            (x, y), (xt, yt) = (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
    elif os.path.isfile(path):
        (x, y), (xt, yt) = read_cifar10_binary(path)
    else:
        try:
            import keras

            (x, y), (xt, yt) = keras.datasets.cifar10.load_data()
        except Exception as exc:  # offline, or a download cut short: one line
            raise SystemExit(f"CIFAR-10 is not on this machine and could not be downloaded "
                             f"({exc.__class__.__name__}); give the file with --data PATH or "
                             f"NNGUI_CIFAR10=PATH.") from None
    return (x.reshape(len(x), -1), y.reshape(-1)), (xt.reshape(len(xt), -1), yt.reshape(-1))


def read_cifar10_binary(path):
    """CIFAR-10's binary version: in each batch file, records of a label byte and the pixels
    as three planes (1,024 red, 1,024 green, 1,024 blue bytes), made (N, 32, 32, 3)."""
    import tarfile

    batches = {}
    with tarfile.open(path) as tar:
        for member in tar.getmembers():
            name = os.path.basename(member.name)
            if member.isfile() and name.endswith(".bin"):
                raw = tar.extractfile(member).read()
                records = np.frombuffer(raw, dtype="uint8").reshape(-1, 3073)
                images = records[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
                batches[name] = (images, records[:, 0])
    train = [batches[f"data_batch_{i}.bin"] for i in range(1, 6)]
    x = np.concatenate([images for images, _ in train])
    y = np.concatenate([labels for _, labels in train])
    return (x, y), batches["test_batch.bin"]


def read_data_file(path):
    """Your data file, read as nngui reads it: a CSV (see read_csv) or an NPZ with x_train,
    y_train (and x_test, y_test, else 20 % are held out)."""
    if os.path.splitext(path)[1].lower() in (".csv", ".tsv", ".txt"):
        return read_csv(path)
    with np.load(path) as f:
        keys = set(f.files)
        if {"x_train", "y_train"} <= keys:
            x, y = f["x_train"], f["y_train"]
            test = (f["x_test"], f["y_test"]) if {"x_test", "y_test"} <= keys else None
        elif {"x", "y"} <= keys:
            x, y, test = f["x"], f["y"], None
        else:
            raise SystemExit(f"{path} needs arrays x_train, y_train (or x, y); it has {sorted(keys)}")
    if test is None:
        cut = int(0.8 * len(x))
        x, y, test = x[:cut], y[:cut], (x[cut:], y[cut:])
    return (x, y), test


def is_number(text):
    """Whether ``text`` reads as a number."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def read_csv(path):
    """A numeric CSV: an optional header row, the label column named label/y/target/class
    (else the last one); text or whole-number labels become classes 0..n-1, real numbers a
    regression target. 20 % are held out for the test, stratified, seed 0, as in nngui."""
    import csv

    with open(path, encoding="utf-8-sig") as f:
        lines = [ln for ln in f.read().splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    first = lines[0]
    delimiter = max((",", ";", "\t"), key=first.count) if any(d in first for d in ",;\t") else ","
    rows = [[c.strip() for c in r] for r in csv.reader(lines, delimiter=delimiter)]
    header = all(not is_number(c) for c in rows[0]) or (
        len(rows) < 2 and not all(is_number(c) for c in rows[0])) or (
        len(rows) > 1 and any(not is_number(a) and is_number(b)
                              for a, b in zip(rows[0], rows[1], strict=False)))
    names = [h.lower() for h in rows[0]] if header else []
    data = rows[1:] if header else rows
    width = len(data[0])
    label = next((names.index(c) for c in ("label", "y", "target", "class") if c in names),
                 width - 1)
    x = np.array([[float(r[j]) for j in range(width) if j != label] for r in data], "float32")
    labels = np.array([r[label] for r in data])
    try:
        values = labels.astype("float64")
    except ValueError:
        values = None  # text labels: classes in sorted order
    if values is not None and (np.any(values != np.round(values)) or len(np.unique(values)) > 100):
        y = values.astype("float32").reshape(-1, 1)  # real numbers: a regression target
        classify = False
    else:
        y = np.unique(np.char.strip(labels) if values is None else values,
                      return_inverse=True)[1].ravel().astype("int64")
        classify = True
    if len(x) < 10:
        return (x, y), (x.copy(), y.copy())  # too few to hold any out
    try:
        from sklearn.model_selection import train_test_split  # what nngui splits with
    except ImportError:
        order = np.random.default_rng(0).permutation(len(x))
        cut = len(x) - int(np.ceil(0.2 * len(x)))
        return (x[order[:cut]], y[order[:cut]]), (x[order[cut:]], y[order[cut:]])
    try:
        parts = train_test_split(x, y, test_size=0.2, random_state=0,
                                 stratify=y if classify else None)
    except ValueError:  # a class too small to stratify
        parts = train_test_split(x, y, test_size=0.2, random_state=0)
    x_train, x_test, y_train, y_test = parts
    return (x_train, y_train), (x_test, y_test)


# The lines an exported script starts with to name the file nngui read.


def _absolute(data_path) -> Path:
    """The path made absolute, '~' expanded where it names a home ('~nobody' stays as it is)."""
    path = Path(str(data_path))
    try:
        path = path.expanduser()
    except RuntimeError:  # no such user, or no home: the path as given
        pass
    return path.absolute()


def mnist_constant(data_path) -> str:
    """``MNIST_PATH = ...``: the mnist.npz nngui read (an IDX folder the script cannot read)."""
    path = _absolute(data_path) if data_path else None
    if path is not None and not (path.is_file() and path.suffix == ".npz"):
        return (f"MNIST_PATH = None  # nngui read the IDX files {comment(path)}; this script "
                "reads a Keras mnist.npz (--data or $NNGUI_MNIST)\n")
    return (f"MNIST_PATH = {literal(str(path) if path else None)}  # the file nngui used; --data "
            "or $NNGUI_MNIST override it\n")


def cifar10_constant(data_path) -> str:
    """``CIFAR10_PATH = ...``: the CIFAR-10 file nngui read (its cache or the user's archive)."""
    path = _absolute(data_path) if data_path else None
    return (f"CIFAR10_PATH = {literal(str(path) if path else None)}  # the file nngui used; "
            "--data or $NNGUI_CIFAR10 override it\n")


def file_constant(data_path) -> str:
    """``DATA_PATH = ...``: the user's file, which the script reads unless --data says another."""
    return f"DATA_PATH = {literal(str(_absolute(data_path)))}\n"
