"""Output shapes and parameter counts of a NetworkSpec, computed without TensorFlow.

The summary table updates on every edit while TensorFlow is still loading, so this mirrors
Keras' own arithmetic; each layer kind's arithmetic is declared in :mod:`nngui.core.layers.kinds`.
A property test holds it equal to Keras over random specs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nngui.core.layers.base import ShapeError
from nngui.core.layers.kinds import KINDS
from nngui.core.network.spec import LayerSpec, NetworkSpec

Shape = tuple[int, ...]  # without the batch axis


@dataclass
class LayerRow:
    """One row of the model summary; ``error`` is set where the shape cannot be computed."""

    name: str
    type: str
    output_shape: Shape | None
    params: int
    spec_index: int  # which LayerSpec produced it (an extra LeakyReLU row shares its Dense's)
    error: str = ""
    non_trainable: int = 0  # of ``params``, those not trained (BatchNormalization's statistics)

    @property
    def shape_text(self) -> str:
        if self.output_shape is None:
            return "?"
        return "(None, " + ", ".join(str(v) for v in self.output_shape) + ")"


def keras_name(layer_type: str) -> str:
    """Keras' automatic layer name stem: Conv2D -> conv2d, MaxPooling2D -> max_pooling2d."""
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", layer_type)  # same rule as keras' to_snake_case
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def needs_leaky_layer(layer: LayerSpec) -> bool:
    """A Dense/Conv2D with leaky_relu gets a separate LeakyReLU layer (its α is configurable)."""
    return "LeakyReLU" in KINDS[layer.type].extra_layers(layer.params)


class _Namer:
    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def __call__(self, layer_type: str) -> str:
        stem = keras_name(layer_type)
        n = self.counts.get(stem, 0)
        self.counts[stem] = n + 1
        return stem if n == 0 else f"{stem}_{n}"


def layer_rows(spec: NetworkSpec) -> list[LayerRow]:
    """The summary rows Keras would print for this spec (names, shapes, params)."""
    rows: list[LayerRow] = []
    name = _Namer()
    shape: Shape | None = spec.model_input_shape  # input features widen the input
    for i, layer in enumerate(spec.layers):
        out, params, err = _apply(layer, shape)
        frozen = KINDS[layer.type].frozen_params(layer.params, shape) if out else 0
        rows.append(LayerRow(name(layer.type), layer.type, out, params, i, err, frozen))
        for extra in KINDS[layer.type].extra_layers(layer.params):
            rows.append(LayerRow(name(extra), extra, out, 0, i, ""))
        shape = out
    return rows


def total_params(spec: NetworkSpec) -> int:
    """Total parameter count as Keras' ``count_params()`` (BatchNormalization's moving
    statistics count, though they are not trained)."""
    return sum(r.params for r in layer_rows(spec))


def non_trainable_params(spec: NetworkSpec) -> int:
    """How many of ``total_params`` are not trained (Keras' "Non-trainable params")."""
    return sum(r.non_trainable for r in layer_rows(spec))


def forward_macs(spec: NetworkSpec) -> int:
    """Multiply-accumulates per sample of a forward pass, for sizing compiled chunks."""
    total = 0
    for row in layer_rows(spec):
        kind = KINDS.get(row.type)  # None for an extra LeakyReLU row (no parameters)
        total += kind.macs(row.params, row.output_shape) if kind and row.output_shape \
            else row.params
    return total


def output_shape(spec: NetworkSpec) -> Shape | None:
    """The network's output shape, or None where it cannot be computed."""
    rows = layer_rows(spec)
    return rows[-1].output_shape if rows else spec.model_input_shape


def _apply(layer: LayerSpec, shape: Shape | None) -> tuple[Shape | None, int, str]:
    """Output shape, params and an error message for one layer given its input shape."""
    if shape is None:
        return None, 0, "input shape unknown (an earlier layer is invalid)"
    try:
        out, params = KINDS[layer.type].output(layer.params, shape)
    except ShapeError as exc:
        return None, 0, str(exc)
    return out, params, ""
