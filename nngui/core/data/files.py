"""Reading the user's data files, CSV and NPZ (MNIST's go to mnist_files, CIFAR-10's to cifar).

Everything that goes wrong becomes a :class:`DatasetError` naming the file and the problem.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from nngui.core.data.cifar import is_cifar10_file, load_cifar10_file
from nngui.core.data.mnist_files import IDX_NAME, load_mnist_file
from nngui.core.data.record import Dataset, DatasetError, read_npz, split_train_test

MAX_CLASSES = 100
FLOAT32_MAX = float(np.finfo(np.float32).max)  # larger numbers become inf when trained on
LABEL_COLUMN_NAMES = ("label", "y", "target", "class")


# ----------------------------------------------------------------------------- user files


def load_user_file(path: str | os.PathLike) -> Dataset:
    """Load a CSV or NPZ file (or mnist.npz / MNIST IDX files or folder, or CIFAR-10's binary
    archive / cifar10.npz) as a Dataset."""
    p = Path(path).expanduser()
    if p.is_dir():
        return load_mnist_file(p)
    if not p.is_file():
        raise DatasetError(f"The data file {p} does not exist; check the path.")
    if IDX_NAME.match(p.name) or p.name.lower() == "mnist.npz":
        return load_mnist_file(p)
    if is_cifar10_file(p):
        return load_cifar10_file(p)
    suffix = p.suffix.lower()
    if suffix == ".npz":
        return _load_npz(p)
    if suffix in (".csv", ".tsv", ".txt"):
        return _load_csv(p)
    raise DatasetError(
        f"{p.name}: unknown file type '{suffix or 'no extension'}'; use a .csv or .npz file, "
        "mnist.npz, the MNIST IDX files or cifar-10-binary.tar.gz."
    )


def _load_csv(p: Path) -> Dataset:
    """Parse a numeric CSV: optional header, label column by name or last."""
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DatasetError(f"{p.name} is not UTF-8 text; save it as a plain CSV file.") from exc
    except OSError as exc:
        raise DatasetError(f"Cannot read {p}: {exc.strerror or exc}; check the file.") from exc
    numbered = [
        (i + 1, ln) for i, ln in enumerate(text.splitlines())
        if ln.strip() and not ln.lstrip().startswith("#")
    ]
    if not numbered:
        raise DatasetError(f"{p.name} is empty; it needs rows of numbers with a label column.")
    first = numbered[0][1]
    delim = max((",", ";", "\t"), key=first.count) if any(d in first for d in ",;\t") else ","
    rows = [[c.strip() for c in r] for r in csv.reader((ln for _, ln in numbered), delimiter=delim)]
    line_no = [n for n, _ in numbered]
    header = _has_header(rows)
    width = len(rows[0])
    names = rows[0] if header else [f"column {j + 1}" for j in range(width)]
    data, line_no = (rows[1:], line_no[1:]) if header else (rows, line_no)
    if not data:
        raise DatasetError(f"{p.name} has a header row but no data rows; add rows of numbers.")
    if width < 2:
        raise DatasetError(f"{p.name} has one column; it needs feature columns and a label column.")
    for n, r in zip(line_no, data, strict=True):
        if len(r) != width:
            raise DatasetError(
                f"{p.name}: line {n} has {len(r)} values but the first row has {width}; "
                "every row needs the same number of columns."
            )
    label_col = width - 1
    if header:
        lowered = [h.lower() for h in names]
        label_col = next((lowered.index(c) for c in LABEL_COLUMN_NAMES if c in lowered), label_col)
    feats = [j for j in range(width) if j != label_col]
    cells = np.array([[r[j] for j in feats] for r in data], dtype=str)
    def where(i: int, k: int) -> str:
        return f"{p.name}: line {line_no[i]}, column '{names[feats[k]]}'"

    x = _parse_floats(cells, where)
    bad = np.argwhere(~np.isfinite(x) | (np.abs(x) > FLOAT32_MAX))
    if len(bad):
        i, k = bad[0]
        what = ("is too large (beyond ±3.4e38, the largest 32-bit float)"
                if np.isfinite(x[i, k]) else "is missing (NaN/inf)")
        raise DatasetError(
            f"{p.name}: line {line_no[i]}, column '{names[feats[k]]}' ({cells[i, k][:20]}) "
            f"{what}; remove or fill in such values first."
        )
    labels = np.array([r[label_col] for r in data], dtype=str)
    task, y, class_names, notes = _encode_labels(labels, p.name)
    notes = [
        f"read {len(data)} rows x {len(feats)} feature columns from CSV "
        f"({'with' if header else 'without'} a header row)",
        f"label column: '{names[label_col]}'", *notes,
    ]
    return _split_dataset(p, x.astype(np.float32), y, task, class_names, notes)


def _parse_floats(cells: np.ndarray, where: Callable[[int, int], str]) -> np.ndarray:
    """Convert a 2-D array of strings to float64; DatasetError naming the first bad cell."""
    try:
        return cells.astype(np.float64)
    except ValueError:
        pass
    for i, row in enumerate(cells):
        for k, c in enumerate(row):
            if not _is_num(c):
                what = "is empty" if not c else f"holds '{c}', which is not a number"
                raise DatasetError(
                    f"{where(i, k)} {what}; features must be numbers with no missing values."
                )
    return np.array([[float(c) for c in row] for row in cells], dtype=np.float64)


def _is_num(s: str) -> bool:
    """True if ``s`` parses as a float."""
    try:
        float(s)
    except ValueError:
        return False
    return True


def _has_header(rows: list[list[str]]) -> bool:
    """A header is a first row with text where the next row has numbers (or all text)."""
    first = rows[0]
    if all(not _is_num(c) for c in first):
        return True
    if len(rows) < 2:
        return not all(_is_num(c) for c in first)
    second = rows[1]
    return any(not _is_num(a) and _is_num(b) for a, b in zip(first, second, strict=False))


def _encode_labels(values: np.ndarray, fname: str) -> tuple[str, np.ndarray, list[str], list[str]]:
    """(task, y, class_names, notes) from 1-D raw labels: text/whole numbers -> classes."""
    if values.dtype.kind in "OUS":
        try:  # byte strings are UTF-8 text, or not labels at all
            text = np.char.decode(values, "utf-8") if values.dtype.kind == "S" else \
                values.astype(str)
        except UnicodeError as exc:
            raise DatasetError(f"{fname}: some labels are bytes that are not text "
                               "(UTF-8).") from exc
        strs = np.char.strip(text)
        if np.any(strs == ""):
            raise DatasetError(f"{fname}: some labels are empty; every row needs a label.")
        try:
            values = strs.astype(np.float64)
        except ValueError:
            classes, codes = np.unique(strs, return_inverse=True)
            return _classes(fname, classes, codes, ["text labels mapped to class indices"])
    if values.dtype.kind == "b":
        values = values.astype(np.int64)
    if values.dtype.kind not in "iuf":
        raise DatasetError(f"{fname}: labels of type {values.dtype} are not supported.")
    if values.dtype.kind == "f" and not np.all(np.isfinite(values)):
        raise DatasetError(f"{fname}: some labels are NaN or infinite; fill them in first.")
    _check_float32(values, f"{fname}: some labels")
    classes, codes = np.unique(values, return_inverse=True)
    whole = values.dtype.kind in "iu" or bool(np.all(classes == np.round(classes)))
    if not whole or len(classes) > MAX_CLASSES:
        why = "real numbers" if not whole else f"more than {MAX_CLASSES} distinct whole numbers"
        y = values.astype(np.float32).reshape(-1, 1)
        return "regression", y, [], [f"labels are {why}: treated as a regression target"]
    notes = []
    if values.dtype.kind == "f":
        notes.append("whole-number labels treated as class labels")
    names = [str(int(c)) for c in classes]
    if not np.array_equal(classes, np.arange(len(classes))):
        notes.append(f"labels {', '.join(names[:12])}{' ...' if len(names) > 12 else ''} "
                     f"mapped to class indices 0..{len(names) - 1}")
    return _classes(fname, np.array(names), codes, notes)


def _classes(
    fname: str, classes: np.ndarray, codes: np.ndarray, notes: list[str]
) -> tuple[str, np.ndarray, list[str], list[str]]:
    """Classification label tuple, refusing a single class or too many classes."""
    if len(classes) < 2:
        raise DatasetError(
            f"{fname}: every label is '{classes[0]}'; a classifier needs at least two classes."
        )
    if len(classes) > MAX_CLASSES:
        raise DatasetError(
            f"{fname}: the labels have {len(classes)} distinct text values; at most "
            f"{MAX_CLASSES} classes are supported, check the label column."
        )
    return "classification", codes.astype(np.int64).reshape(-1), [str(c) for c in classes], notes


def _split_dataset(
    p: Path, x: np.ndarray, y: np.ndarray, task: str, class_names: list[str], notes: list[str]
) -> Dataset:
    """Split 80/20 (seed 0) unless tiny, and wrap as a Dataset named 'file'."""
    if len(x) < 10:
        x_tr, x_te, y_tr, y_te = x, x.copy(), y, y.copy()
        notes = [*notes, "fewer than 10 samples: the test set is the training set"]
    else:
        x_tr, x_te, y_tr, y_te, note = split_train_test(
            x, y, seed=0, stratify=task == "classification"
        )
        notes = [*notes, note]
    return _file_dataset(p, x_tr, y_tr, x_te, y_te, task, class_names, notes)


def _file_dataset(
    p: Path, x_tr: np.ndarray, y_tr: np.ndarray, x_te: np.ndarray, y_te: np.ndarray, task: str,
    class_names: list[str], notes: list[str],
) -> Dataset:
    """Dataset record for data loaded from the user file ``p``."""
    return Dataset(
        name="file", title=f"{p.name} ({len(x_tr)}/{len(x_te)})",
        x_train=x_tr, y_train=y_tr, x_test=x_te, y_test=y_te, task=task,
        num_classes=len(class_names) if task == "classification" else 0,
        class_names=class_names if task == "classification" else [],
        source=str(p), notes=notes,
    )


def _load_npz(p: Path) -> Dataset:
    """Parse an NPZ with x_train/y_train[/x_test/y_test] or x/y arrays."""
    raw = read_npz(p)
    keys = {k.lower(): k for k in raw}
    if "x_train" in keys and "y_train" in keys:
        parts = {"x_train": raw[keys["x_train"]], "y_train": raw[keys["y_train"]]}
        if ("x_test" in keys) != ("y_test" in keys):
            raise DatasetError(f"{p.name} has only one of x_test/y_test; include both or neither.")
        if "x_test" in keys:
            parts |= {"x_test": raw[keys["x_test"]], "y_test": raw[keys["y_test"]]}
    elif "x" in keys and "y" in keys:
        parts = {"x_train": raw[keys["x"]], "y_train": raw[keys["y"]]}
    else:
        raise DatasetError(
            f"{p.name} holds the arrays {sorted(raw)} but needs x_train, y_train (optionally "
            "x_test, y_test) or x, y; save it with those names."
        )
    notes = [f"read arrays {', '.join(parts)} from NPZ"]
    names = [("x_train", "y_train"), ("x_test", "y_test")]
    pairs = [(parts[a], parts[b], a, b) for a, b in names if a in parts]
    colour = [np.ndim(x) == 4 and np.shape(x)[-1] == 3 for x, _, _, _ in pairs]
    if any(colour):  # e.g. CIFAR-10 as keras.datasets gives it: (N, 32, 32, 3)
        h, w = np.shape(pairs[colour.index(True)][0])[1:3]
        notes.append(f"colour images ({h}×{w}×3) read as {h * w * 3:,} numbers each")
    xs = [_npz_features(p, x, xn) for x, _, xn, _ in pairs]
    for (_, y, xn, yn), fx in zip(pairs, xs, strict=True):
        if np.ndim(y) == 0 or len(fx) != len(y):
            raise DatasetError(
                f"{p.name}: {xn} has {len(fx)} samples but {yn} has shape {np.shape(y)}; "
                "they must have the same length."
            )
    if len(xs) == 2 and xs[0].shape[1:] != xs[1].shape[1:]:
        raise DatasetError(
            f"{p.name}: x_train samples are {xs[0].shape[1:]} but x_test samples are "
            f"{xs[1].shape[1:]}; they must match."
        )
    if xs[0].ndim == 3 or any(colour):
        hi = max(float(x.max()) if x.size else 0.0 for x in xs)
        if any(x.dtype == np.uint8 for x in xs) or hi > 1.5:
            div = 255.0 if hi <= 255 else hi
            notes.append(f"pixel values scaled /{div:g} to [0, 1]")
            xs = [x / np.float32(div) for x in xs]
    xs = [x.astype(np.float32) for x in xs]
    ys = [np.asarray(y) for _, y, _, _ in pairs]
    ys = [y.reshape(-1) if y.ndim == 2 and y.shape[1] == 1 else y for y in ys]
    task, y_all, class_names, label_notes = _npz_labels(p.name, np.concatenate(ys))
    notes += label_notes
    if len(xs) == 1:
        return _split_dataset(p, xs[0], y_all, task, class_names, notes)
    n = len(xs[0])
    return _file_dataset(p, xs[0], y_all[:n], xs[1], y_all[n:], task, class_names, notes)


def _npz_features(p: Path, x: np.ndarray, key: str) -> np.ndarray:
    """Validate one NPZ feature array: numeric, finite, (N, d) or (N, H, W); (N, H, W, 3)
    colour images become (N, H·W·3)."""
    x = np.asarray(x)
    if x.dtype.kind not in "biuf":
        raise DatasetError(f"{p.name}: {key} has type {x.dtype}; features must be numbers.")
    if x.ndim == 1:
        x = x.reshape(-1, 1)
    if x.ndim == 4 and x.shape[-1] == 1:
        x = x[..., 0]
    if x.ndim == 4 and x.shape[-1] == 3:  # colour images: their pixels as features
        x = x.reshape(len(x), -1)
    if x.ndim not in (2, 3) or len(x) == 0 or 0 in x.shape[1:]:  # (N, 0): no features
        raise DatasetError(
            f"{p.name}: {key} has shape {x.shape}; use (N, features), (N, H, W) grey images "
            "or (N, H, W, 3) colour images."
        )
    if x.dtype.kind == "f" and not np.all(np.isfinite(x)):
        raise DatasetError(f"{p.name}: {key} contains NaN or infinite values; fill them in first.")
    _check_float32(x, f"{p.name}: {key}")
    return x


def _check_float32(values: np.ndarray, what: str) -> None:
    """Refuse numbers that become infinite as float32 (training's type), e.g. 1e39."""
    if values.dtype.kind == "f" and values.size and np.abs(values).max() > FLOAT32_MAX:
        raise DatasetError(f"{what} hold values beyond ±3.4e38 (the largest 32-bit float); "
                           "scale them down first.")


def _npz_labels(fname: str, y: np.ndarray) -> tuple[str, np.ndarray, list[str], list[str]]:
    """(task, y, class_names, notes) for NPZ labels, including one-hot and multi-output."""
    if y.ndim == 1:
        return _encode_labels(y, fname)
    if y.ndim != 2 or y.dtype.kind not in "biuf" or y.shape[1] == 0:
        raise DatasetError(f"{fname}: labels of shape {y.shape} ({y.dtype}) are not supported.")
    if not np.all(np.isfinite(y)):
        raise DatasetError(f"{fname}: some labels are NaN or infinite; fill them in first.")
    _check_float32(y, f"{fname}: some labels")
    if np.all((y == 0) | (y == 1)) and np.all(y.sum(axis=1) == 1):
        k = y.shape[1]
        notes = [f"one-hot labels ({k} columns) converted to class indices (argmax)"]
        codes = y.argmax(axis=1).astype(np.int64)
        return "classification", codes, [str(i) for i in range(k)], notes
    return "regression", y.astype(np.float32), [], [f"{y.shape[1]} real-valued targets: regression"]
