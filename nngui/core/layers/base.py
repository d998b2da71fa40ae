"""What every layer kind shares: the ``LayerKind`` base class, its errors, and the helpers kinds
use to read a Keras layer back and run it in NumPy.

The kinds themselves, and the registry of them, are in :mod:`nngui.core.layers.kinds`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from nngui.core.layers import numpy_ops as ops
from nngui.core.layers.fields import Field
from nngui.core.layers.functions import ACTIVATIONS

Shape = tuple[int, ...]  # one sample, without the batch axis
Params = dict[str, Any]
Step = Callable[[np.ndarray], np.ndarray]  # (N, ...) -> (N, ...)


class ShapeError(ValueError):
    """A layer cannot take its input shape; the message (lower case, no stop) is for the user."""


class Unsupported(ValueError):
    """A Keras layer or setting nngui cannot read back or run in NumPy."""


def fmt(shape: Shape) -> str:
    """'(784,)' or '(28, 28)'."""
    return "(" + ", ".join(str(v) for v in shape) + (",)" if len(shape) == 1 else ")")


def image_shape(key: str, shape: Shape) -> Shape:
    """``shape`` when it is an image (height, width, channels); else a ShapeError for ``key``."""
    if len(shape) != 3:
        hint = "; add Reshape to (28, 28, 1) first" if len(shape) in (1, 2) else ""
        raise ShapeError(f"{key} needs an image input (height, width, channels), "
                         f"gets {fmt(shape)}{hint}")
    return shape


def act_name(act: Any) -> str:
    return act if isinstance(act, str) else getattr(act, "__name__", "linear")


def act_step(name: str) -> Step:
    fn = ops.activation_fn(name)
    if fn is None:
        raise Unsupported(f"activation {name}")
    return fn


def keras_weights(layer: Any) -> dict[str, np.ndarray]:
    """A Keras layer's weights by short name (kernel, bias, gamma, moving_mean...)."""
    names = [w.name.split("/")[-1].split(":")[0] for w in layer.weights]
    return dict(zip(names, (np.asarray(v, np.float32) for v in layer.get_weights()),
                    strict=True))


def read_activation(cfg: Params) -> str:
    act = act_name(cfg.get("activation", "linear"))
    if act not in ACTIVATIONS:
        raise Unsupported(f"activation {act}")
    return act


class LayerKind:
    """A kind of layer; this base is a layer with no fields that changes nothing at inference."""

    key = ""
    title = ""
    help = ""  # the one-line description shown in menus and tooltips
    fields: tuple[Field, ...] = ()
    keras_classes: tuple[str, ...] = ()  # Keras classes read back as (and run as) this kind
    identity_at_inference = False  # Dropout-like: the output activation looks through it

    def defaults(self) -> Params:
        return {f.name: f.default for f in self.fields}

    def describe(self, p: Params) -> str:
        """Short text for a layer list row, e.g. 'Dense 512 relu'."""
        return self.key

    def output(self, p: Params, shape: Shape) -> tuple[Shape, int]:
        """(output shape, parameter count) for one input sample shape; ShapeError if none."""
        return shape, 0

    def frozen_params(self, p: Params, shape: Shape) -> int:
        """How many of ``output``'s parameters are not trained (running statistics)."""
        return 0

    def macs(self, params: int, out: Shape) -> int:
        """Multiply-accumulates per sample, roughly: each weight used once."""
        return params

    def extra_layers(self, p: Params) -> tuple[str, ...]:
        """Keras classes built after the main layer (each is its own summary row, no params)."""
        return ()

    def build(self, k: Any, p: Params, names: Iterator[str]) -> list[Any]:
        """The Keras layers for these parameters, named in order from ``names``."""
        raise NotImplementedError

    def read(self, layer: Any, cfg: Params, out: list[tuple[str, Params]]) -> None:
        """Append (kind, params) for a Keras layer to ``out`` (or amend its last entry)."""
        out.append((self.key, {}))

    def step(self, layer: Any) -> Step:
        """The NumPy inference step of a (built, trained) Keras layer of this kind."""
        return lambda x: x
