"""Output shapes and parameter counts of a NetworkSpec, computed without TensorFlow.

The summary table updates on every edit while TensorFlow is still loading, so this mirrors
Keras' own arithmetic; tests check every preset against ``model.summary()`` numbers.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .spec import LayerSpec, NetworkSpec

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
    return layer.type in ("Dense", "Conv2D") and layer.params.get("activation") == "leaky_relu"


def _conv_len(n: int, k: int, s: int, padding: str) -> int:
    if padding == "same":
        return math.ceil(n / s)
    return (n - k) // s + 1


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
    shape: Shape | None = spec.input_shape
    for i, layer in enumerate(spec.layers):
        out, params, err = _apply(layer, shape)
        rows.append(LayerRow(name(layer.type), layer.type, out, params, i, err))
        if needs_leaky_layer(layer):
            rows.append(LayerRow(name("LeakyReLU"), "LeakyReLU", out, 0, i, ""))
        shape = out
    return rows


def total_params(spec: NetworkSpec) -> int:
    """Total parameter count (all are trainable in nngui's layer set)."""
    return sum(r.params for r in layer_rows(spec))


def output_shape(spec: NetworkSpec) -> Shape | None:
    """The network's output shape, or None where it cannot be computed."""
    rows = layer_rows(spec)
    return rows[-1].output_shape if rows else spec.input_shape


def _apply(layer: LayerSpec, shape: Shape | None) -> tuple[Shape | None, int, str]:
    """Output shape, params and an error message for one layer given its input shape."""
    if shape is None:
        return None, 0, "input shape unknown (an earlier layer is invalid)"
    p = layer.params
    t = layer.type
    if t == "Dense":
        if len(shape) != 1:
            return None, 0, (f"Dense needs a vector input but gets {_fmt(shape)}; "
                             "add a Flatten layer before it")
        units = int(p["units"])
        return (units,), shape[0] * units + (units if p["use_bias"] else 0), ""
    if t in ("Dropout", "Activation", "GaussianNoise"):
        return shape, 0, ""
    if t == "Flatten":
        return (math.prod(shape),), 0, ""
    if t == "Reshape":
        target = tuple(int(v) for v in p["target_shape"])
        if math.prod(target) != math.prod(shape):
            return None, 0, (f"cannot reshape {_fmt(shape)} ({math.prod(shape)} values) into "
                             f"{_fmt(target)} ({math.prod(target)} values)")
        return target, 0, ""
    if t in ("Conv2D", "MaxPooling2D"):
        if len(shape) != 3:
            hint = ("; add Reshape to (28, 28, 1) first" if len(shape) in (1, 2) else "")
            return None, 0, f"{t} needs an image input (height, width, channels), gets {_fmt(shape)}{hint}"
        h, w, c = shape
        if t == "Conv2D":
            k, s, f = int(p["kernel_size"]), int(p["strides"]), int(p["filters"])
            oh, ow = _conv_len(h, k, s, p["padding"]), _conv_len(w, k, s, p["padding"])
            params = k * k * c * f + (f if p["use_bias"] else 0)
            out = (oh, ow, f)
        else:
            k = int(p["pool_size"])
            oh, ow = _conv_len(h, k, k, p["padding"]), _conv_len(w, k, k, p["padding"])
            params, out = 0, (oh, ow, c)
        if oh < 1 or ow < 1:
            return None, 0, f"{t} shrinks {h}×{w} to nothing; use a smaller kernel or 'same' padding"
        return out, params, ""
    return None, 0, f"unsupported layer type {t}"


def _fmt(shape: Shape) -> str:
    return "(" + ", ".join(str(v) for v in shape) + (",)" if len(shape) == 1 else ")")
