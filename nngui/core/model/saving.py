"""Save and open .keras models; recover an editable NetworkSpec from a model's layers."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from typing import Any

from nngui.core.layers.kinds import read_layers
from nngui.core.network.schema import safe_name
from nngui.core.network.spec import LayerSpec, NetworkSpec, SpecError
from nngui.core.platform.archives import unpacked_size
from nngui.core.platform.fsio import SaveError, atomic_path, check_writable
from nngui.core.platform.runtime import keras


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
    if path.suffix == ".keras":
        refusal = oversized_refusal(path) or damaged_zip_refusal(path) or \
            code_layer_refusal(path)
        if refusal:  # named from the file's JSON, before Keras deserializes anything
            raise ModelFileError(f"Could not open {path.name}: {refusal}")
    else:
        refusal = h5_probe_refusal(path)
        if refusal:
            raise ModelFileError(f"Could not open {path.name}: {refusal}")
    k = keras()
    try:
        return k.saving.load_model(path, compile=True)
    except Exception as exc:
        raise ModelFileError(f"Could not open {path.name}: {keras_reason(exc)}") from None


# Keras layers that carry Python code (or a SavedModel) with them: safe mode refuses them.
CODE_LAYERS = ("Lambda", "TFSMLayer")
SAFE_SENTENCE_WORDS = ("safe_mode", "unsafe_deserialization", "If you trust")


def code_layer_refusal(path: Path) -> str:
    """Why a .keras file's layers cannot be opened safely, naming the layer ('' if none).

    Reads only config.json from the zip: no object is built and no code runs.
    """
    import json

    try:
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo("config.json")
            if info.file_size > 50_000_000:
                return "its description (config.json) is implausibly large."
            config = json.loads(zf.read(info))
    except (KeyError, OSError, ValueError, RecursionError, zipfile.BadZipFile):
        return ""  # damaged: Keras' own message says what it is
    for layer in _layer_configs(config):
        cls = str(layer.get("class_name", "?"))
        name = str((layer.get("config") or {}).get("name", "?"))[:60]
        module = layer.get("module")
        if cls in CODE_LAYERS:
            return (f"layer '{name}' ({cls}) carries Python code; nngui never runs code "
                    "from a model file, so it does not open this model.")
        if not (isinstance(module, str) and module.startswith("keras")):
            return (f"layer '{name}' ({cls[:60]}) is not a Keras layer but custom code; nngui "
                    "opens models built from Keras' own layers only.")
    return ""


MAX_UNPACKED_BYTES = 2_000_000_000  # a .keras zip's members together, as they state it


def oversized_refusal(path: Path) -> str:
    """Why a .keras archive would unpack to too much ('' if it would not).

    Members cannot unpack to more than their headers state (zipfile stops there and the
    checksum fails), so the stated sizes bound what Keras would unpack.
    """
    try:
        size = unpacked_size(path)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):
        return ""  # damaged: the checksum test says what it is
    if size > MAX_UNPACKED_BYTES:
        return (f"it would unpack to {size:,} bytes, over the {MAX_UNPACKED_BYTES:,} "
                "a model may have.")
    return ""


def damaged_zip_refusal(path: Path) -> str:
    """Why a .keras archive is damaged ('' if every member's checksum holds).

    Keras hands the weights inside the zip to HDF5 unchecked, and HDF5 can loop forever (with
    the GIL held) on some damaged bytes; a checksum mismatch is found here first.
    """
    try:
        with zipfile.ZipFile(path) as zf:
            bad = zf.testzip()
    except (OSError, ValueError, EOFError, RuntimeError, NotImplementedError,
            zipfile.BadZipFile) as exc:
        return f"the file is damaged ({keras_reason(exc, 120)})."
    return f"the file is damaged (its part {bad[:60]!r} fails its checksum)." if bad else ""


H5_PROBE = """
import sys, h5py
def visit(name, obj):
    for key in obj.attrs: obj.attrs[key]
    if isinstance(obj, h5py.Dataset): obj[()]
with h5py.File(sys.argv[1], "r") as f:
    for key in f.attrs: f.attrs[key]
    f.visititems(visit)
"""
H5_PROBE_SECONDS = 20.0  # a sound file takes under 2 s (start-up included)


def h5_probe_refusal(path: Path, timeout: float | None = None) -> str:
    """Why a legacy .h5 file cannot be read safely ('' if a child process read all of it).

    HDF5 has no checksums in this format and loops forever on some damaged files, holding
    the GIL, so nothing in this process could stop it: a child process reads every attribute
    and array first, under a time limit.
    """
    import subprocess
    import sys

    if getattr(sys, "frozen", False):  # the packaged app has no Python to run the probe in
        return ""
    timeout = H5_PROBE_SECONDS if timeout is None else timeout
    try:
        child = subprocess.run([sys.executable, "-c", H5_PROBE, str(path)],
                               capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return (f"reading it did not finish in {timeout:.0f} s; the file is damaged "
                "(an HDF5 file whose structure loops).")
    except OSError:
        return ""  # no child process possible (a frozen app without Python?): Keras decides
    if child.returncode != 0:
        last = (child.stderr.strip().splitlines() or ["unreadable"])[-1]
        return f"the file is damaged or not an HDF5 model ({keras_reason(Exception(last), 160)})."
    return ""


def _layer_configs(config: Any, depth: int = 0) -> list[dict]:
    """Every layer entry of a saved model's config (nested models included)."""
    if depth > 20 or not isinstance(config, dict):
        return []
    inner = config.get("config")
    layers = inner.get("layers") if isinstance(inner, dict) else None
    out: list[dict] = []
    for layer in layers if isinstance(layers, list) else []:
        if isinstance(layer, dict):
            out.append(layer)
            out += _layer_configs(layer, depth + 1)
    return out


def keras_reason(exc: BaseException, limit: int = 300) -> str:
    """Keras' error as one short line: no advice to turn safe mode off, cut at a word."""
    text = " ".join(str(exc).split()) or exc.__class__.__name__
    sentences = [s for s in text.replace("`", "").split(". ")
                 if not any(w in s for w in SAFE_SENTENCE_WORDS)]
    text = ". ".join(sentences).strip() or "Keras refused to load it"
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + " …"
    return text


def spec_from_model(model: Any) -> NetworkSpec | None:
    """An editable spec equivalent to a Sequential model, or None for unsupported models."""
    try:
        input_shape = tuple(int(v) for v in model.inputs[0].shape[1:])
        read = read_layers(model.layers)
    except Exception:  # a layer the registry cannot read, or no single input
        return None
    layers = [LayerSpec(kind, params) for kind, params in read]
    loss, opt, lr = _compile_info(model)
    lr, decay = _decay_info(model, lr)
    spec = NetworkSpec(input_shape, layers, loss, opt, lr,
                       optimizer_params={"decay": decay} if decay else {},
                       name=safe_name(model.name))
    try:  # what the builder could not make (a Dropout rate of 1, say) is no editable spec
        return NetworkSpec.from_dict(spec.to_dict())
    except SpecError:
        return None


def _decay_info(model: Any, lr: float | None) -> tuple[float | None, float]:
    """(learning rate, decay) of an optimizer whose rate is nngui's lr / (1 + decay * t)."""
    schedule = getattr(getattr(model, "optimizer", None), "_learning_rate", None)
    if type(schedule).__name__ != "InverseTimeDecay":
        return lr, 0.0
    cfg = schedule.get_config()
    if cfg.get("decay_steps") != 1 or cfg.get("staircase"):
        return lr, 0.0  # another schedule: its current rate is the best plain reading
    return float(cfg["initial_learning_rate"]), float(cfg["decay_rate"])


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


def stand_in_spec(model: Any) -> tuple[NetworkSpec, str] | None:
    """For a model the builder cannot represent: a spec with its input, output and loss (what
    data preparation, training and evaluation read), and the one-line reason it is read-only.
    None when the model has not one input and one flat output."""
    try:
        read_layers(model.layers)
        reason = "it is not a plain stack of layers (a functional model with branches)"
    except Exception as exc:  # Unsupported names the layer or setting
        reason = f"the builder cannot show {str(exc) or type(exc).__name__}"
    try:
        if len(model.inputs) != 1 or len(model.outputs) != 1:
            return None
        input_shape = tuple(int(v) for v in model.inputs[0].shape[1:])
        out = tuple(int(v) for v in model.outputs[0].shape[1:])
    except Exception:
        return None
    if len(out) != 1:
        return None
    loss, opt, lr = _compile_info(model)
    layers = [LayerSpec("Flatten", {})] if len(input_shape) > 1 else []
    activation = "softmax" if loss == "categorical_crossentropy" and out[0] > 1 else "linear"
    layers.append(LayerSpec("Dense", {"units": out[0], "activation": activation}))
    try:
        spec = NetworkSpec(input_shape, layers, loss, opt, lr, name=safe_name(model.name))
    except Exception:
        return None
    return spec, f"{model.name} is read-only here: {reason}."
