"""NetworkSpec / LayerSpec / TrainConfig: what the user builds, as plain data with JSON I/O.

Specs are versioned (``schema_version``) and migrated on load, so projects saved by an older
nngui keep opening.
"""

from __future__ import annotations

import copy
import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from nngui.core.network import catalog, schema
from nngui.core.network import features as _features
from nngui.core.network.schema import SpecError

__all__ = ["SCHEMA_VERSION", "LayerSpec", "NetworkSpec", "SpecError", "TrainConfig",
           "dump_json", "load_json", "load_spec_file", "migrate"]

SCHEMA_VERSION = schema.SCHEMA_VERSION


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
    # extra inputs computed from 2-D data (core/network/features.py), e.g. ["x1*x2"]
    features: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.input_shape = tuple(int(v) for v in self.input_shape)
        why = _features.problem(self.features, self.input_shape)
        if why:
            raise SpecError(why[0].upper() + why[1:] + ".")
        self.features = _features.canonical(self.features)
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
    def model_input_shape(self) -> tuple[int, ...]:
        """What the Keras model reads: the input shape widened by the input features."""
        return _features.model_input_shape(self.input_shape, self.features)

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
            "features": list(self.features),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> NetworkSpec:
        """Build from a dict (JSON), checked field by field first (SpecError names the field)."""
        return cls._from_checked(schema.check_network(d, _extra_keys(cls, schema.NETWORK_KEYS)))

    @classmethod
    def _from_checked(cls, d: dict[str, Any]) -> NetworkSpec:
        d = dict(d)
        d["layers"] = [LayerSpec(lay["type"], dict(lay["params"])) for lay in d["layers"]]
        return cls(**d)


LR_SCHEDULES = ("constant", "step", "cosine")


@dataclass
class TrainConfig:
    """How to train: epochs, batch size, validation split, seed, device."""

    epochs: int = 5
    batch_size: int = 32
    validation_split: float = 0.1
    seed: int | None = 0
    device: str = "auto"  # "auto", "cpu", "gpu" or "all" (every GPU, mirrored)
    # Batches per compiled call; 0 picks per model (see training.choose_steps_per_execution).
    steps_per_execution: int = 0
    jit_compile: bool | None = None  # None: choose per model
    # Training options (core/training/callbacks.py); 0 / "" / "constant" switch them off.
    early_stopping_patience: int = 0  # epochs without a better val loss before stopping
    restore_best: bool = True  # early stopping puts back the best epoch's weights
    reduce_lr_patience: int = 0  # halve the learning rate after this many flat epochs
    lr_schedule: str = "constant"  # "constant", "step" (halve every lr_step_epochs), "cosine"
    lr_step_epochs: int = 10
    checkpoint_path: str = ""  # keep the best epoch's model in this .keras file

    def __post_init__(self) -> None:
        # the same checks as a file's "train" entry: types, ranges, finite numbers
        checked = schema.check_train(
            {f.name: getattr(self, f.name) for f in fields(self)},
            _extra_keys(type(self), tuple(f.name for f in schema.TRAIN_FIELDS)))
        for name, value in checked.items():
            setattr(self, name, value)
        if self.checkpoint_path and not str(self.checkpoint_path).endswith(".keras"):
            raise SpecError("The checkpoint file must end in .keras.")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainConfig:
        """Build from a dict (JSON); unknown keys and bad values are a SpecError."""
        checked = schema.check_train(d, _extra_keys(cls, tuple(f.name
                                                               for f in schema.TRAIN_FIELDS)))
        return cls(**checked)


def _extra_keys(cls: type, known: tuple[str, ...]) -> tuple[str, ...]:
    """Dataclass fields the schema does not declare (added later): passed through as they are."""
    return tuple(f.name for f in fields(cls) if f.name not in known)


def migrate(doc: dict[str, Any]) -> dict[str, Any]:
    """Bring a saved document up to SCHEMA_VERSION (version 0 was a bare network dict)."""
    network, train = schema.check_document(doc)
    return {"schema_version": SCHEMA_VERSION, "network": network, "train": train}


def dump_json(network: NetworkSpec, train: TrainConfig | None = None) -> str:
    """Serialise a network (and training settings) to versioned JSON."""
    doc = {"schema_version": SCHEMA_VERSION, "network": network.to_dict(),
           "train": (train or TrainConfig()).to_dict()}
    return json.dumps(doc, indent=2)


def load_json(text: str) -> tuple[NetworkSpec, TrainConfig]:
    """Parse versioned JSON written by dump_json (or a bare network dict).

    Every field is checked before anything is built, so the result is a valid spec or a
    SpecError whose message names the field; no other exception escapes.
    """
    doc = schema.parse_document(text)
    network, train = schema.check_document(
        doc, (_extra_keys(NetworkSpec, schema.NETWORK_KEYS),
              _extra_keys(TrainConfig, tuple(f.name for f in schema.TRAIN_FIELDS))))
    try:
        return NetworkSpec._from_checked(network), TrainConfig(**train)
    except SpecError:
        raise
    except (TypeError, ValueError, ArithmeticError) as exc:  # a newer field's own check
        raise SpecError(f"Not a valid network description: {exc}") from None


def load_spec_file(path: str | Path) -> tuple[NetworkSpec, TrainConfig]:
    """Read a spec JSON file, turning I/O problems into SpecError."""
    path = Path(path)
    try:
        if not path.is_file():
            raise SpecError(f"Cannot read {path}: it is not a file.")
        with path.open("rb") as fh:  # bounded: /dev/zero or a huge file is not a spec
            raw = fh.read(schema.MAX_DOCUMENT_BYTES + 1)
        if len(raw) > schema.MAX_DOCUMENT_BYTES:
            raise SpecError(f"Cannot read {path}: over {schema.MAX_DOCUMENT_BYTES:,} bytes is "
                            "far more than a network file holds.")
        text = raw.decode("utf-8")
    except OSError as exc:
        raise SpecError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    except UnicodeDecodeError:
        raise SpecError(f"Cannot read {path}: it is not a text (UTF-8) file.") from None
    return load_json(text)
