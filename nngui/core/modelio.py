"""Save and open .keras models; recover an editable NetworkSpec from a model's layers."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from typing import Any

from .fsio import SaveError, atomic_path, check_writable
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


def _act_name(act: Any) -> str:
    return act if isinstance(act, str) else getattr(act, "__name__", "linear")


def _init_name(init: Any) -> str:
    cfg = init if isinstance(init, dict) else {"class_name": type(init).__name__, "config": {}}
    cls = cfg.get("class_name", "GlorotUniform")
    table = {"GlorotUniform": "glorot_uniform", "GlorotNormal": "glorot_normal",
             "HeNormal": "he_normal", "HeUniform": "he_uniform",
             "LecunUniform": "lecun_uniform", "Zeros": "zeros", "Ones": "ones",
             "RandomUniform": "uniform", "RandomNormal": "normal"}
    return table.get(cls, "glorot_uniform")


def spec_from_model(model: Any) -> NetworkSpec | None:
    """An editable spec equivalent to a Sequential model, or None for unsupported models."""
    try:
        input_shape = tuple(int(v) for v in model.inputs[0].shape[1:])
    except Exception:
        return None
    layers: list[LayerSpec] = []
    for lay in model.layers:
        cls = type(lay).__name__
        cfg = lay.get_config()
        if cls == "Dense":
            layers.append(LayerSpec("Dense", {
                "units": cfg["units"], "activation": _act_name(cfg["activation"]),
                "kernel_initializer": _init_name(cfg["kernel_initializer"]),
                "use_bias": cfg["use_bias"]}))
        elif cls == "Conv2D":
            k, s = cfg["kernel_size"], cfg["strides"]
            if k[0] != k[1] or s[0] != s[1]:
                return None
            layers.append(LayerSpec("Conv2D", {
                "filters": cfg["filters"], "kernel_size": k[0], "strides": s[0],
                "padding": cfg["padding"], "activation": _act_name(cfg["activation"]),
                "kernel_initializer": _init_name(cfg["kernel_initializer"]),
                "use_bias": cfg["use_bias"]}))
        elif cls == "LeakyReLU":
            slope = float(cfg.get("negative_slope", 0.3))
            prev = layers[-1] if layers else None
            if prev is not None and prev.type in ("Dense", "Conv2D") \
                    and prev.params["activation"] == "linear":
                prev.params.update(activation="leaky_relu", alpha=slope)
            else:
                layers.append(LayerSpec("Activation", {"activation": "leaky_relu",
                                                       "alpha": slope}))
        elif cls == "Dropout":
            layers.append(LayerSpec("Dropout", {"rate": cfg["rate"]}))
        elif cls == "Activation":
            layers.append(LayerSpec("Activation", {"activation": _act_name(cfg["activation"])}))
        elif cls == "Flatten":
            layers.append(LayerSpec("Flatten"))
        elif cls == "Reshape":
            layers.append(LayerSpec("Reshape", {"target_shape": tuple(cfg["target_shape"])}))
        elif cls == "MaxPooling2D":
            layers.append(LayerSpec("MaxPooling2D", {"pool_size": cfg["pool_size"][0],
                                                     "padding": cfg["padding"]}))
        elif cls == "GaussianNoise":
            layers.append(LayerSpec("GaussianNoise", {"stddev": cfg["stddev"]}))
        else:
            return None
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
