"""How an exported script reads the files nngui reads: MNIST's mnist.npz and the user's CSV/NPZ.

The Python exporter copies these functions' source into the script (made data comes from
:mod:`nngui.core.data.generators` the same way), so they use only ``np`` and ``os``, which the
script imports, and import anything else inside. Each returns ``(x_train, y_train), (x_test,
y_test)``: what nngui reads before it scales, reshapes and encodes (MNIST's pixels are still
0..255 here). tests/core/files/test_export_python.py holds them equal to the app's loaders.
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


def file_constant(data_path) -> str:
    """``DATA_PATH = ...``: the user's file, which the script reads unless --data says another."""
    return f"DATA_PATH = {literal(str(_absolute(data_path)))}\n"
