"""Save and open .keras models; recover an editable NetworkSpec from a model's layers."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from typing import Any

from .fsio import SaveError, atomic_path, check_writable
from .layers import read_layers
from .runtime import keras
from .spec import LayerSpec, NetworkSpec


class ModelFileError(Exception):
    """A model file that cannot be opened or saved; the message is for the user."""


def save_model(model: Any, path: str | os.PathLike) -> Path:
    """Write ``model`` to a .keras file atomically: an interrupted save leaves the old file."""
    path = Path(path)
    if path.suffix != ".keras":
        raise ModelFileError(f"Models are saved as .keras files; {path.name} has another suffix.")
    try:
        with atomic_path(path) as tmp:
            model.save(tmp)
    except SaveError as exc:
        raise ModelFileError(str(exc)) from None
    except Exception as exc:  # Keras refusing the model; the old file is intact
        raise ModelFileError(f"Could not save {path}: {exc}") from None
    return path


def check_model_path(path: str | os.PathLike) -> Path:
    """Raise ModelFileError unless a model could be saved at ``path`` now (before training)."""
    path = Path(path).expanduser()
    if path.suffix != ".keras":
        raise ModelFileError(f"Models are saved as .keras files; {path.name} has another suffix "
                             "(legacy .h5 can be opened but not written).")
    try:
        check_writable(path)
    except SaveError as exc:
        raise ModelFileError(str(exc)) from None
    return path


def load_model(path: str | os.PathLike) -> Any:
    """Open a .keras (or legacy .h5) model, turning every failure into ModelFileError."""
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"No model file at {path}.")
    if path.suffix == ".keras" and not zipfile.is_zipfile(path):
        raise ModelFileError(f"{path.name} is not a Keras model file (it is damaged or of "
                             "another kind).")
    k = keras()
    try:
        return k.saving.load_model(path, compile=True)
    except Exception as exc:
        first = (str(exc).strip().splitlines() or [exc.__class__.__name__])[0]
        raise ModelFileError(f"Could not open {path.name}: {first[:300]}") from None


def spec_from_model(model: Any) -> NetworkSpec | None:
    """An editable spec equivalent to a Sequential model, or None for unsupported models."""
    try:
        input_shape = tuple(int(v) for v in model.inputs[0].shape[1:])
        read = read_layers(model.layers)
    except Exception:  # a layer the registry cannot read, or no single input
        return None
    layers = [LayerSpec(kind, params) for kind, params in read]
    loss, opt, lr = _compile_info(model)
    return NetworkSpec(input_shape, layers, loss, opt, lr, name=model.name)


def _compile_info(model: Any) -> tuple[str, str, float | None]:
    loss_names = {"SumSquaredError": "sse", "MeanSquaredError": "mse",
                  "MeanAbsoluteError": "mae", "BinaryCrossentropy": "binary_crossentropy",
                  "CategoricalCrossentropy": "categorical_crossentropy",
                  "SparseCategoricalCrossentropy": "sparse_categorical_crossentropy",
                  "KLDivergence": "kl_divergence", "Hinge": "hinge"}
    loss = loss_names.get(type(getattr(model, "loss", None)).__name__,
                          "categorical_crossentropy")
    opt = getattr(model, "optimizer", None)
    opt_name = {"SGD": "sgd", "Adam": "adam", "RMSprop": "rmsprop", "Adagrad": "adagrad",
                "Adadelta": "adadelta"}.get(type(opt).__name__, "adam")
    try:
        lr = float(opt.learning_rate.numpy()) if opt is not None else None
    except Exception:
        lr = None
    return loss, opt_name, lr
