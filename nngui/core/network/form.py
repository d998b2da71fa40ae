"""What the network builder edits, as plain Python with observers (glue's state objects).

``BuilderState`` owns the NetworkSpec and TrainConfig being built, the selected layer and the
locked flag. Every edit the builder panel offers is a method here; each successful edit calls
every observer exactly once with the kind of change, and an invalid edit raises ``SpecError``
and changes nothing. Widgets edit this object and re-render from its notifications, so no
widget keeps a copy of the network.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any

from nngui.core.network import catalog, features
from nngui.core.network.spec import LayerSpec, NetworkSpec, SpecError, TrainConfig

# The kinds of change observers are told about. Kinds in SPEC_CHANGES alter the network.
SPEC = "spec"  # the whole network was replaced (set_spec)
INPUT_SHAPE = "input_shape"  # (input features are dropped when the shape is no longer 2)
FEATURES = "features"  # the extra inputs computed from 2-D data
LOSS = "loss"
OPTIMIZER = "optimizer"  # optimizer name (its parameters reset, maybe its learning rate)
LEARNING_RATE = "learning_rate"
OPTIMIZER_PARAM = "optimizer_param"
LAYERS = "layers"  # layers added, removed, moved or duplicated (the selection follows)
LAYER = "layer"  # one field of one layer
CONFIG = "config"
SELECTION = "selection"
LOCKED = "locked"
SPEC_CHANGES = frozenset({SPEC, INPUT_SHAPE, FEATURES, LOSS, OPTIMIZER, LEARNING_RATE, OPTIMIZER_PARAM,
                          LAYERS, LAYER})

# While training, only these training settings may change (the run reads them per epoch).
UNLOCKED_CONFIG_FIELDS = frozenset({"epochs", "batch_size"})

Observer = Callable[[str], None]


class BuilderLocked(SpecError):
    """An edit was tried while training holds the network."""


def default_spec() -> NetworkSpec:
    """The smallest sensible network: 784 inputs straight into a 10-way softmax."""
    return NetworkSpec((784,), [LayerSpec("Dense", {"units": 10, "activation": "softmax"})])


class BuilderState:
    """The network and training settings being built, with change observers."""

    def __init__(self, spec: NetworkSpec | None = None,
                 config: TrainConfig | None = None) -> None:
        self._spec = (spec or default_spec()).copy()
        self._config = dataclasses.replace(config or TrainConfig())
        self._selected: int | None = 0 if self._spec.layers else None
        self._locked = False
        # A learning rate the user chose survives an optimizer change; a default does not.
        self._lr_chosen = False
        self._observers: list[Observer] = []

    # ---- observing ---------------------------------------------------------------------------

    def subscribe(self, callback: Observer) -> Callable[[], None]:
        """Call ``callback(kind)`` after every change; returns a function that unsubscribes."""
        self._observers.append(callback)
        return lambda: self._observers.remove(callback) if callback in self._observers else None

    def _notify(self, kind: str) -> None:
        for callback in list(self._observers):
            callback(kind)

    # ---- reading -----------------------------------------------------------------------------

    @property
    def spec(self) -> NetworkSpec:
        """The live network: read it, never mutate it (use the edit methods)."""
        return self._spec

    @property
    def config(self) -> TrainConfig:
        """The live training settings: read them, never mutate them."""
        return self._config

    @property
    def selected(self) -> int | None:
        """Index of the selected layer, or None."""
        return self._selected

    @property
    def locked(self) -> bool:
        """True while training: the structure, loss and optimizer cannot change."""
        return self._locked

    def spec_copy(self) -> NetworkSpec:
        return self._spec.copy()

    def config_copy(self) -> TrainConfig:
        return dataclasses.replace(self._config)

    # ---- replacing everything ----------------------------------------------------------------

    def set_spec(self, spec: NetworkSpec) -> None:
        """Edit (a copy of) ``spec`` from now on; selects its first layer."""
        self._spec = spec.copy()
        self._selected = 0 if self._spec.layers else None
        self._lr_chosen = False
        self._notify(SPEC)

    def set_config(self, config: TrainConfig) -> None:
        self._config = dataclasses.replace(config)
        self._notify(CONFIG)

    def set_locked(self, locked: bool) -> None:
        if bool(locked) != self._locked:
            self._locked = bool(locked)
            self._notify(LOCKED)

    # ---- network-wide fields -----------------------------------------------------------------

    def set_input_shape(self, shape: tuple[int, ...]) -> None:
        self._check_unlocked()
        shape = tuple(int(v) for v in shape)
        if not shape or any(v < 1 for v in shape):
            raise SpecError(f"Every input size must be at least 1, not {shape}.")
        if shape != self._spec.input_shape:
            self._spec.input_shape = shape
            if shape != features.RAW_SHAPE:  # x1·x2 and the like need two coordinates
                self._spec.features = []
            self._notify(INPUT_SHAPE)

    def set_features(self, names: list[str]) -> None:
        """Choose the extra inputs (x1², x1·x2, …) of a network with 2 inputs."""
        self._check_unlocked()
        why = features.problem(list(names), self._spec.input_shape)
        if why:
            raise SpecError(why[0].upper() + why[1:] + ".")
        names = features.canonical(names)
        if names != self._spec.features:
            self._spec.features = names
            self._notify(FEATURES)

    def set_loss(self, loss: str) -> None:
        self._check_unlocked()
        if loss not in catalog.LOSSES:
            raise SpecError(f"Unknown loss {loss!r}; choose one of {', '.join(catalog.LOSSES)}.")
        if loss != self._spec.loss:
            self._spec.loss = loss
            self._notify(LOSS)

    def set_optimizer(self, name: str) -> None:
        """Switch optimizer: its own parameter defaults, and its learning rate unless chosen."""
        self._check_unlocked()
        if name not in catalog.OPTIMIZERS:
            raise SpecError(f"Unknown optimizer {name!r}; choose one of "
                            f"{', '.join(catalog.OPTIMIZERS)}.")
        if name == self._spec.optimizer:
            return
        self._spec.optimizer = name
        self._spec.optimizer_params = catalog.optimizer_defaults(name)
        if not self._lr_chosen:
            self._spec.learning_rate = None
        self._notify(OPTIMIZER)

    def set_learning_rate(self, value: float) -> None:
        self._check_unlocked()
        value = float(value)
        if not (math.isfinite(value) and value > 0):
            raise SpecError(f"The learning rate must be a positive number, not {value:g}.")
        self._lr_chosen = True
        if value != self._spec.learning_rate:
            self._spec.learning_rate = value
            self._notify(LEARNING_RATE)

    def set_optimizer_param(self, name: str, value: Any) -> None:
        self._check_unlocked()
        fields = {f.name: f for f in catalog.OPTIMIZERS[self._spec.optimizer].fields}
        if name not in fields:
            raise SpecError(f"{self._spec.optimizer} has no parameter {name!r}.")
        _check_field(fields[name], value)
        if self._spec.optimizer_params.get(name) != value:
            self._spec.optimizer_params[name] = value
            self._notify(OPTIMIZER_PARAM)

    # ---- layers ------------------------------------------------------------------------------

    def select(self, index: int | None) -> None:
        """Select a layer (None: none); an index outside the list selects nothing."""
        if index is not None and not 0 <= index < len(self._spec.layers):
            index = None
        if index != self._selected:
            self._selected = index
            self._notify(SELECTION)

    def add_layer(self, layer_type: str, index: int | None = None) -> int:
        """Insert a layer with defaults at ``index`` (None: after the selection, or last)."""
        self._check_unlocked()
        layer = LayerSpec(layer_type)  # SpecError for an unknown type
        n = len(self._spec.layers)
        if index is None:
            index = n if self._selected is None else self._selected + 1
        if not 0 <= index <= n:
            raise SpecError(f"Cannot insert a layer at position {index + 1} of {n}.")
        self._edit_layers(lambda layers: layers.insert(index, layer), index)
        return index

    def remove_layer(self, index: int) -> None:
        self._check_index(index)
        self._edit_layers(lambda layers: layers.pop(index),
                          min(index, len(self._spec.layers) - 2))

    def move_layer(self, index: int, delta: int) -> None:
        """Move layer ``index`` up (-1) or down (+1); it stays selected."""
        self._check_index(index)
        target = index + delta
        if not 0 <= target < len(self._spec.layers):
            raise SpecError(f"Layer {index + 1} cannot move to position {target + 1}.")

        def swap(layers: list[LayerSpec]) -> None:
            layers[index], layers[target] = layers[target], layers[index]
        self._edit_layers(swap, target)

    def duplicate_layer(self, index: int) -> None:
        """Insert a copy of layer ``index`` right after it and select the copy."""
        self._check_index(index)
        copy = LayerSpec(**self._spec.layers[index].to_dict())
        self._edit_layers(lambda layers: layers.insert(index + 1, copy), index + 1)

    def set_layer_param(self, index: int, name: str, value: Any) -> None:
        """Set one field of one layer; the value must pass the field's own rules."""
        self._check_index(index)
        layer = self._spec.layers[index]
        fields = {f.name: f for f in catalog.LAYER_TYPES[layer.type].fields}
        if name not in fields:
            raise SpecError(f"{layer.type} has no parameter {name!r}.")
        field = fields[name]
        if field.kind == "shape":
            value = tuple(int(v) for v in value)
        elif name == "activation":
            value = catalog.canonical_activation(str(value))
        _check_field(field, value)
        if layer.params.get(name) != value:
            layer.params[name] = value
            self._notify(LAYER)

    # ---- training settings -------------------------------------------------------------------

    def set_config_field(self, name: str, value: Any) -> None:
        """Set one TrainConfig field; while locked only epochs and batch size may change."""
        if name not in TrainConfig.__dataclass_fields__:
            raise SpecError(f"Training settings have no field {name!r}.")
        if self._locked and name not in UNLOCKED_CONFIG_FIELDS:
            raise BuilderLocked(f"{name} cannot change while training.")
        config = dataclasses.replace(self._config, **{name: value})  # SpecError when invalid
        if config != self._config:
            self._config = config
            self._notify(CONFIG)

    # ---- helpers -----------------------------------------------------------------------------

    def _check_unlocked(self) -> None:
        if self._locked:
            raise BuilderLocked("The network cannot change while training.")

    def _check_index(self, index: int) -> None:
        self._check_unlocked()
        n = len(self._spec.layers)
        if not 0 <= index < n:
            raise SpecError(f"There is no layer {index + 1} (the network has {n}).")

    def _edit_layers(self, edit: Callable[[list[LayerSpec]], None], select: int) -> None:
        """Apply ``edit(layers)``; the latent (bottleneck) marker follows its layer."""
        layers = self._spec.layers
        latent = self._spec.latent_index
        marked = layers[latent] if latent is not None and 0 <= latent < len(layers) else None
        edit(layers)
        self._spec.latent_index = next(
            (i for i, lay in enumerate(layers) if lay is marked), None)
        self._selected = max(0, min(select, len(layers) - 1)) if layers else None
        self._notify(LAYERS)


def _check_field(field: catalog.Field, value: Any) -> None:
    problem = field.problem(value)
    if problem:
        raise SpecError(problem + ".")
