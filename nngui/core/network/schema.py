"""The one check every network/training document passes before nngui builds anything from it.

A spec file, a preset or a CLI override is plain JSON-like data; this module checks its shape,
types and ranges against the declarations (layer Fields, catalog names, TrainConfig limits) and
returns clean values, or raises SpecError with one message naming the field. Nothing after it
(shapes, Keras, the GUI) sees a string where a number belongs, a NaN, an unknown name or a
10,000-layer network.
"""

from __future__ import annotations

import json
import math
from typing import Any

from nngui.core.layers.fields import Field, number_text
from nngui.core.network import catalog
from nngui.core.network import features as _features
from nngui.core.platform import migrations

SCHEMA_VERSION = 1  # the schema_version dump_json writes; older ones migrate on load

MAX_DOCUMENT_BYTES = 5_000_000  # a spec is a few kB; /dev/zero or a data file is not one
MAX_LAYERS = 200
MAX_INPUT_DIM = 100_000
MAX_INPUT_VALUES = 50_000_000
MAX_NAME = 200
MIN_LR, MAX_LR = 1e-12, 1e6  # 1e6 still diverges on purpose, Infinity/0/negative make no sense
KINDS = ("classifier", "regressor", "autoencoder")
NETWORK_KEYS = ("name", "kind", "input_shape", "layers", "loss", "optimizer", "learning_rate",
                "optimizer_params", "latent_index", "features")

# TrainConfig's fields with their ranges; ``None`` is allowed where the default is None.
TRAIN_FIELDS = (
    Field("epochs", "int", 5, minimum=1, maximum=100_000),
    Field("batch_size", "int", 32, label="Batch size", minimum=1, maximum=1_000_000),
    Field("validation_split", "float", 0.1, label="Validation split", minimum=0.0,
          maximum=0.99),
    Field("seed", "int", 0, minimum=0, maximum=2**32 - 1),
    Field("device", "choice", "auto", choices=("auto", "cpu", "gpu", "all")),
    Field("steps_per_execution", "int", 0, label="Steps per execution", minimum=0,
          maximum=100_000),
    Field("jit_compile", "bool", None, label="jit_compile"),
    # training options (issue 9's TrainConfig fields; checked here once they exist there)
    Field("early_stopping_patience", "int", 0, label="Early stopping patience", minimum=0,
          maximum=100_000),
    Field("restore_best", "bool", True, label="Restore best"),
    Field("reduce_lr_patience", "int", 0, label="Reduce LR patience", minimum=0,
          maximum=100_000),
    Field("lr_schedule", "choice", "constant", label="LR schedule",
          choices=("constant", "step", "cosine")),
    Field("lr_step_epochs", "int", 10, label="LR step epochs", minimum=0, maximum=100_000),
)
_NULLABLE = {"seed", "jit_compile"}


class SpecError(ValueError):
    """A spec that cannot be read or makes no sense; the message is for the user."""


def parse_document(text: str) -> dict[str, Any]:
    """JSON text -> a dict, or SpecError (bad JSON, too big, too deep, huge integers)."""
    if len(text) > MAX_DOCUMENT_BYTES:
        raise SpecError(f"Not a network description: {len(text):,} characters is far more than "
                        "a network file holds.")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecError(f"Not valid JSON: {exc.msg} at line {exc.lineno}.") from None
    except RecursionError:
        raise SpecError("Not a network description: the JSON is nested too deeply.") from None
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise SpecError(f"Not valid JSON: {_first_line(exc)}.") from None
    if not isinstance(doc, dict):
        raise SpecError("Not a network description: expected a JSON object.")
    return doc


def check_document(doc: dict[str, Any],
                   extra: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
                   ) -> tuple[dict, dict]:
    """(network dict, train dict), both checked, from a document of any schema_version.

    The document is brought up to SCHEMA_VERSION by the "spec" migrations first. ``extra``
    names further network / train keys that pass through unchecked (dataclass fields added
    later that this schema does not know yet).
    """
    # version 0 files are a bare network; a document with a "network" entry is version 1
    version = doc.get("schema_version", 1 if "network" in doc and "layers" not in doc else 0)
    try:
        doc = migrations.migrate("spec", doc, version)
    except migrations.NewerVersionError as exc:
        raise SpecError(f"This file was {exc}. Please update nngui to open it.") from None
    except migrations.VersionError:
        raise SpecError(f"schema_version must be a whole number such as {SCHEMA_VERSION}, "
                        f"not {_show(version)}.") from None
    if "network" not in doc:
        raise SpecError("Not a network description: the file has no \"network\" entry.")
    train = doc.get("train", {})
    return (check_network(doc["network"], extra[0]),
            check_train({} if train is None else train, extra[1]))


# ---- migrations: @migrator("spec", n) takes a schema-n document to schema n + 1 ------------
migrations.declare("spec", SCHEMA_VERSION, label="schema")


@migrations.migrator("spec", 0)
def _bare_network(doc: dict[str, Any]) -> dict[str, Any]:
    """Schema 0 was the network dict alone, with no training settings."""
    return {"schema_version": 1, "network": doc, "train": {}}


# A network's name becomes the Keras model's name, a file name and text in exported scripts:
# letters (any script), digits, spaces and a few marks. Keras refuses '/', and quotes,
# backslashes and line breaks have no business in a name.
NAME_MARKS = " _-.,()+"
NAME_RULE = ("must use only letters, digits, spaces and _ - . , ( ) + (starting with a "
             "letter or digit)")


def is_safe_name(name: str) -> bool:
    return bool(name) and name[0].isalnum() and all(
        c.isalnum() or c in NAME_MARKS for c in name) and name.isprintable()


def safe_name(text: str, fallback: str = "network") -> str:
    """``text`` made a valid network name: other characters become '_' (for names read
    from model files, which Keras lets hold anything)."""
    name = "".join(c if (c.isalnum() and c.isprintable()) or c in NAME_MARKS else "_"
                   for c in str(text)[:MAX_NAME]).lstrip()  # a good name ends as it did
    name = name.lstrip(NAME_MARKS)
    return name if is_safe_name(name) else fallback


def check_network(d: Any, extra: tuple[str, ...] = ()) -> dict[str, Any]:
    """A network dict with every field checked and converted (ints, tuples, canonical names)."""
    _need(isinstance(d, dict), "network", "must be a JSON object", d)
    _no_unknown(d, NETWORK_KEYS + tuple(extra), "network")
    out: dict[str, Any] = {k: d[k] for k in extra if k in d and k not in NETWORK_KEYS}
    out["name"] = d.get("name", "network")
    _need(isinstance(out["name"], str) and 0 < len(out["name"]) <= MAX_NAME, "network.name",
          f"must be a text of 1 to {MAX_NAME} characters", out["name"])
    _need(is_safe_name(out["name"]), "network.name", NAME_RULE, out["name"])
    out["kind"] = d.get("kind", "classifier")
    _need(out["kind"] in KINDS, "network.kind", f"must be one of {', '.join(KINDS)}",
          out["kind"])
    if "input_shape" not in d:
        raise SpecError("network.input_shape is missing (e.g. [784] or [28, 28]).")
    out["input_shape"] = _shape(d["input_shape"], "network.input_shape")
    layers = d.get("layers")
    _need(isinstance(layers, list), "network.layers", "must be a list of layers", layers)
    _need(len(layers) <= MAX_LAYERS, "network.layers", f"may hold at most {MAX_LAYERS} layers",
          f"{len(layers):,} layers")
    out["layers"] = [check_layer(lay, i) for i, lay in enumerate(layers)]
    out["loss"] = _name(d.get("loss", "categorical_crossentropy"), catalog.LOSSES,
                        "network.loss")
    out["optimizer"] = _name(d.get("optimizer", "adam"), catalog.OPTIMIZERS,
                             "network.optimizer")
    lr = d.get("learning_rate")
    if lr is not None:
        _need(_is_number(lr) and math.isfinite(lr) and MIN_LR <= lr <= MAX_LR,
              "network.learning_rate", f"must be a number above 0 and at most {MAX_LR:g} "
              "(or null for the optimizer's default)", lr)
        lr = float(lr)
    out["learning_rate"] = lr
    out["optimizer_params"] = _params(d.get("optimizer_params", {}),
                                      catalog.OPTIMIZERS[out["optimizer"]].fields,
                                      f"network.optimizer_params ({out['optimizer']})")
    latent = d.get("latent_index")
    if latent is not None:
        _need(_is_int(latent) and 0 <= latent < len(out["layers"]), "network.latent_index",
              f"must be a layer index from 0 to {len(out['layers']) - 1} (or null)", latent)
    out["latent_index"] = latent
    features = d.get("features", [])
    why = _features.problem(features, out["input_shape"])
    if why:
        raise SpecError(f"network.features: {why}.")
    out["features"] = list(features)
    return out


def check_layer(d: Any, index: int) -> dict[str, Any]:
    """One layer dict {"type", "params"} checked against its kind's Fields."""
    where = f"layer {index + 1}"
    _need(isinstance(d, dict), where, "must be a JSON object with \"type\" and \"params\"", d)
    _no_unknown(d, ("type", "params"), where)
    kind = d.get("type")
    if not isinstance(kind, str) or kind not in catalog.LAYER_TYPES:
        raise SpecError(f"{where}: unknown layer type {_show(kind)}; choose one of "
                        f"{', '.join(catalog.LAYER_TYPES)}.")
    where = f"{where} ({kind})"
    params = d.get("params", {})
    if isinstance(params, dict) and isinstance(params.get("activation"), str):
        params = {**params, "activation": catalog.canonical_activation(params["activation"])}
    return {"type": kind, "params": _params(params, catalog.LAYER_TYPES[kind].fields, where)}


def check_train(d: Any, extra: tuple[str, ...] = ()) -> dict[str, Any]:
    """A training-settings dict with every field checked; unknown keys are an error."""
    _need(isinstance(d, dict), "train", "must be a JSON object", d)
    fields = {f.name: f for f in TRAIN_FIELDS}
    _no_unknown(d, tuple(fields) + tuple(extra), "train")
    out = {}
    for name, value in d.items():
        if name not in fields:  # a newer TrainConfig field: its own __post_init__ checks it
            out[name] = value
            continue
        if value is None and name in _NULLABLE:
            out[name] = None
            continue
        out[name] = _value(fields[name], value, f"train.{name}")
    return out


# ---- helpers -----------------------------------------------------------------------------
def _params(d: Any, fields: tuple[Field, ...], where: str) -> dict[str, Any]:
    _need(isinstance(d, dict), f"{where} params", "must be a JSON object", d)
    by_name = {f.name: f for f in fields}
    unknown = sorted(_show(k) for k in d if k not in by_name)
    if unknown:
        have = ", ".join(by_name) or "none"
        raise SpecError(f"{where}: no parameter(s) {', '.join(unknown)[:200]} (it has: "
                        f"{have}).")
    return {name: _value(by_name[name], value, f"{where} {name}") for name, value in d.items()}


def _value(f: Field, value: Any, where: str) -> Any:
    """The checked value of one field (ints as int, shapes as tuples), or SpecError."""
    if f.kind == "shape":
        return _shape(value, where)
    if f.kind == "float" and _is_number(value) and not math.isfinite(value):
        raise SpecError(f"{where} must be a finite number, not {_show(value)}.")
    why = f.problem(value)
    if why:
        raise SpecError(f"{where}: {why}.")
    if f.kind == "int":
        return int(value)
    if f.kind == "float":
        return float(value)
    return value


def _shape(value: Any, where: str) -> tuple[int, ...]:
    _need(isinstance(value, (list, tuple)) and 1 <= len(value) <= 4, where,
          "must be a list of 1 to 4 sizes, e.g. [784] or [28, 28, 1]", value)
    for v in value:
        _need(_is_int(v) and 1 <= v <= MAX_INPUT_DIM, where,
              f"needs whole-number sizes from 1 to {MAX_INPUT_DIM:,}", value)
    shape = tuple(int(v) for v in value)
    _need(math.prod(shape) <= MAX_INPUT_VALUES, where,
          f"may hold at most {MAX_INPUT_VALUES:,} values", value)
    return shape


def _name(value: Any, menu: dict, where: str) -> str:
    if not isinstance(value, str) or value not in menu:
        raise SpecError(f"{where}: unknown {_show(value)}; choose one of {', '.join(menu)}.")
    return value


def _no_unknown(d: dict, known: tuple[str, ...], where: str) -> None:
    unknown = sorted(_show(k) for k in d if k not in known)
    if unknown:
        raise SpecError(f"{where}: unknown entr{'y' if len(unknown) == 1 else 'ies'} "
                        f"{', '.join(unknown)[:200]} (allowed: {', '.join(known)}).")


def _need(ok: bool, where: str, rule: str, value: Any) -> None:
    if not ok:
        raise SpecError(f"{where} {rule}, not {_show(value)}.")


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _show(value: Any) -> str:
    """A short, safe rendering of any JSON value for a message."""
    if _is_number(value):
        return number_text(value)
    text = "a list" if isinstance(value, list) else \
        "an object" if isinstance(value, dict) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0][:200].rstrip(".") if str(exc) else type(exc).__name__
