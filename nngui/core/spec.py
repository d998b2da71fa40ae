"""NetworkSpec / LayerSpec / TrainConfig: what the user builds, as plain data with JSON I/O.

Specs are versioned (``schema_version``) and migrated on load, so projects saved by an older
nngui keep opening.
"""

from __future__ import annotations

import copy
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from . import catalog

SCHEMA_VERSION = 1


class SpecError(ValueError):
    """A spec that cannot be read or makes no sense; the message is for the user."""


@dataclass
class LayerSpec:
    """One layer: its type (a key of catalog.LAYER_TYPES) and its parameters."""

    type: str
    params: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.type not in catalog.LAYER_TYPES:
            raise SpecError(
                f"Unknown layer type {self.type!r}; choose one of {', '.join(catalog.LAYER_TYPES)}.")
        merged = catalog.layer_defaults(self.type)
        unknown = set(self.params) - set(merged)
        if unknown:
            raise SpecError(f"{self.type} has no parameter(s) {', '.join(sorted(unknown))}.")
        merged.update(self.params)
        if "activation" in merged:
            merged["activation"] = catalog.canonical_activation(str(merged["activation"]))
        for f in catalog.LAYER_TYPES[self.type].fields:
            if f.kind == "shape":
                merged[f.name] = tuple(int(v) for v in merged[f.name])
        self.params = merged

    def describe(self) -> str:
        """Short text for a layer list row, e.g. 'Dense 512 relu'."""
        return catalog.LAYER_TYPES[self.type].describe(self.params)

    def to_dict(self) -> dict[str, Any]:
        d = {"type": self.type, "params": copy.deepcopy(self.params)}
        for f in catalog.LAYER_TYPES[self.type].fields:
            if f.kind == "shape":  # JSON has lists, not tuples
                d["params"][f.name] = list(d["params"][f.name])
        return d


@dataclass
class NetworkSpec:
    """A Sequential network: input shape, layers, loss and optimizer."""

    input_shape: tuple[int, ...]
    layers: list[LayerSpec]
    loss: str = "categorical_crossentropy"
    optimizer: str = "adam"
    learning_rate: float | None = None  # None: the optimizer's default
    optimizer_params: dict[str, Any] = field(default_factory=dict)
    name: str = "network"
    # "classifier", "regressor" or "autoencoder"; autoencoders mark their bottleneck layer.
    kind: str = "classifier"
    latent_index: int | None = None

    def __post_init__(self) -> None:
        self.input_shape = tuple(int(v) for v in self.input_shape)
        self.layers = [lay if isinstance(lay, LayerSpec) else LayerSpec(**lay)
                       for lay in self.layers]
        if self.loss not in catalog.LOSSES:
            raise SpecError(
                f"Unknown loss {self.loss!r}; choose one of {', '.join(catalog.LOSSES)}.")
        if self.optimizer not in catalog.OPTIMIZERS:
            raise SpecError(f"Unknown optimizer {self.optimizer!r}; choose one of "
                            f"{', '.join(catalog.OPTIMIZERS)}.")
        params = catalog.optimizer_defaults(self.optimizer)
        params.update({k: v for k, v in self.optimizer_params.items() if k in params})
        self.optimizer_params = params

    @property
    def lr(self) -> float:
        """The learning rate in effect."""
        if self.learning_rate is None:
            return catalog.OPTIMIZERS[self.optimizer].default_lr
        return float(self.learning_rate)

    def copy(self) -> NetworkSpec:
        return NetworkSpec.from_dict(self.to_dict())

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "input_shape": list(self.input_shape),
            "layers": [lay.to_dict() for lay in self.layers],
            "loss": self.loss,
            "optimizer": self.optimizer,
            "learning_rate": self.learning_rate,
            "optimizer_params": dict(self.optimizer_params),
            "latent_index": self.latent_index,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> NetworkSpec:
        try:
            return cls(
                input_shape=tuple(d["input_shape"]),
                layers=[LayerSpec(lay["type"], dict(lay.get("params", {})))
                        for lay in d["layers"]],
                loss=d.get("loss", "categorical_crossentropy"),
                optimizer=d.get("optimizer", "adam"),
                learning_rate=d.get("learning_rate"),
                optimizer_params=dict(d.get("optimizer_params", {})),
                name=d.get("name", "network"),
                kind=d.get("kind", "classifier"),
                latent_index=d.get("latent_index"),
            )
        except SpecError:
            raise
        except (KeyError, TypeError, ValueError) as exc:
            raise SpecError(f"Not a valid network description ({exc.__class__.__name__}: "
                            f"{exc}).") from None


LR_SCHEDULES = ("constant", "step", "cosine")


@dataclass
class TrainConfig:
    """How to train: epochs, batch size, validation split, seed, device."""

    epochs: int = 5
    batch_size: int = 32
    validation_split: float = 0.1
    seed: int | None = 0
    device: str = "auto"  # "auto", "cpu" or "gpu"
    # Batches per compiled call; 0 picks per model (see training.choose_steps_per_execution).
    steps_per_execution: int = 0
    jit_compile: bool | None = None  # None: choose per model
    # Training options (core/callbacks.py); 0 / "" / "constant" switch them off.
    early_stopping_patience: int = 0  # epochs without a better val loss before stopping
    restore_best: bool = True  # early stopping puts back the best epoch's weights
    reduce_lr_patience: int = 0  # halve the learning rate after this many flat epochs
    lr_schedule: str = "constant"  # "constant", "step" (halve every lr_step_epochs), "cosine"
    lr_step_epochs: int = 10
    checkpoint_path: str = ""  # keep the best epoch's model in this .keras file

    def __post_init__(self) -> None:
        if int(self.epochs) < 1:
            raise SpecError("Epochs must be at least 1.")
        if int(self.batch_size) < 1:
            raise SpecError("Batch size must be at least 1.")
        if not 0.0 <= float(self.validation_split) < 1.0:
            raise SpecError("Validation split must be in [0, 1).")
        if self.device not in ("auto", "cpu", "gpu"):
            raise SpecError("Device must be auto, cpu or gpu.")
        if self.lr_schedule not in LR_SCHEDULES:
            raise SpecError(f"LR schedule must be one of {', '.join(LR_SCHEDULES)}.")
        for name in ("early_stopping_patience", "reduce_lr_patience", "lr_step_epochs"):
            if int(getattr(self, name)) < 0:
                raise SpecError(f"{name.replace('_', ' ').capitalize()} must be at least 0.")
            setattr(self, name, int(getattr(self, name)))
        if self.checkpoint_path and not str(self.checkpoint_path).endswith(".keras"):
            raise SpecError("The checkpoint file must end in .keras.")
        self.epochs = int(self.epochs)
        self.batch_size = int(self.batch_size)
        self.validation_split = float(self.validation_split)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainConfig:
        known = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        try:
            return cls(**known)
        except (TypeError, ValueError) as exc:
            raise SpecError(f"Not a valid training configuration: {exc}") from None


def migrate(doc: dict[str, Any]) -> dict[str, Any]:
    """Bring a saved document up to SCHEMA_VERSION (version 0 was a bare network dict)."""
    version = doc.get("schema_version", 0)
    if version > SCHEMA_VERSION:
        raise SpecError(f"This file was written by a newer nngui (schema {version}); "
                        "please update nngui to open it.")
    if version == 0:
        doc = {"schema_version": 1, "network": doc, "train": {}}
    return doc


def dump_json(network: NetworkSpec, train: TrainConfig | None = None) -> str:
    """Serialise a network (and training settings) to versioned JSON."""
    doc = {"schema_version": SCHEMA_VERSION, "network": network.to_dict(),
           "train": (train or TrainConfig()).to_dict()}
    return json.dumps(doc, indent=2)


def load_json(text: str) -> tuple[NetworkSpec, TrainConfig]:
    """Parse versioned JSON written by dump_json (or a bare network dict)."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecError(f"Not valid JSON: {exc.msg} at line {exc.lineno}.") from None
    if not isinstance(doc, dict):
        raise SpecError("Not a network description: expected a JSON object.")
    doc = migrate(doc)
    return NetworkSpec.from_dict(doc["network"]), TrainConfig.from_dict(doc.get("train", {}))


def load_spec_file(path: str | Path) -> tuple[NetworkSpec, TrainConfig]:
    """Read a spec JSON file, turning I/O problems into SpecError."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"Cannot read {path}: {exc}") from None
    return load_json(text)
