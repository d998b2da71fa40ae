"""Export results: the training history and confusion matrix as CSV, models for serving.

Every file goes through :mod:`fsio` (atomic, fsynced). The SavedModel is a folder, written
under a temporary name and renamed into place; ONNX needs the optional ``tf2onnx`` package.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import os
from pathlib import Path
from typing import Any

import numpy as np

from nngui.core.model.saving import ModelFileError
from nngui.core.platform.fsio import SaveError, atomic_dir, atomic_path, atomic_write_text

ONNX_HINT = ('ONNX export needs the tf2onnx package: pip install "nngui[onnx]" '
             "(or pip install tf2onnx).")
_FIRST = ("loss", "accuracy", "mae", "val_loss", "val_accuracy", "val_mae")


def history_csv(history: dict[str, list[float]]) -> str:
    """One row per epoch: epoch, loss, accuracy, val_loss, ..., epoch_time (exact floats)."""
    keys = [k for k in _FIRST if k in history]
    keys += sorted(k for k in history if k not in keys)
    rows = max((len(v) for v in history.values()), default=0)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["epoch", *keys])
    for i in range(rows):
        writer.writerow([i + 1, *(repr(float(history[k][i])) if i < len(history[k]) else ""
                                  for k in keys)])
    return buf.getvalue()


def write_history_csv(path: str | os.PathLike, history: dict[str, list[float]]) -> Path:
    """Save the per-epoch history as CSV."""
    if not any(history.values()):
        raise SaveError("There is no training history yet: train the network first.")
    return atomic_write_text(path, history_csv(history))


def confusion_csv(cm: np.ndarray, class_names: list[str] | None = None) -> str:
    """Rows: true class, columns: predicted class, with the class names as headers."""
    cm = np.asarray(cm)
    names = [str(n) for n in (class_names or [])][: len(cm)]
    names += [str(i) for i in range(len(names), len(cm))]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["true \\ predicted", *names])
    for name, row in zip(names, cm, strict=True):
        writer.writerow([name, *(int(v) for v in row)])
    return buf.getvalue()


def write_confusion_csv(path: str | os.PathLike, cm: np.ndarray | None,
                        class_names: list[str] | None = None) -> Path:
    """Save a confusion matrix as CSV."""
    if cm is None:
        raise SaveError("There is no confusion matrix yet: evaluate a classifier first.")
    return atomic_write_text(path, confusion_csv(cm, class_names))


def export_saved_model(model: Any, path: str | os.PathLike) -> Path:
    """Write a TensorFlow SavedModel folder (for TF Serving / TFLite) with a ``serve`` endpoint."""
    path = Path(path).expanduser()
    try:
        with atomic_dir(path, "saved_model.pb") as tmp:
            model.export(str(tmp), format="tf_saved_model", verbose=False)
    except SaveError as exc:
        raise ModelFileError(str(exc)) from None
    except Exception as exc:  # the exporter refusing the model; nothing was replaced
        raise ModelFileError(f"Could not export {path.name}: {exc}") from None
    return path


def onnx_available() -> bool:
    """True when the optional tf2onnx package is installed."""
    return importlib.util.find_spec("tf2onnx") is not None


def export_onnx(model: Any, path: str | os.PathLike) -> Path:
    """Write an ONNX model file (needs tf2onnx)."""
    path = Path(path).expanduser()
    if path.suffix != ".onnx":
        raise ModelFileError(f"ONNX models end in .onnx; {path.name} does not.")
    if not onnx_available():
        raise ModelFileError(ONNX_HINT)
    try:
        with atomic_path(path) as tmp:
            model.export(str(tmp), format="onnx", verbose=False)
    except SaveError as exc:
        raise ModelFileError(str(exc)) from None
    except Exception as exc:
        raise ModelFileError(f"Could not export {path.name}: {exc}") from None
    return path
