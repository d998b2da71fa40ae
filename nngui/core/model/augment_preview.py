"""What a network's augmentation layers do to a few digits: the builder's live preview.

``augmentation_prefix`` finds the layers at the start of a spec that can be shown as images:
training-only augmentation kinds (RandomRotation, RandomTranslation, RandomZoom,
GaussianNoise) and the Reshape/Flatten around them, up to the first layer with weights.
``augment`` builds exactly those layers with Keras (the same ``build`` the model uses) and
calls them with ``training=True`` on 28x28 images: what one training batch looks like.
(The builder's preview, ``gui.builder.augment_preview``, picks the digits.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from nngui.core.layers.augmentation import AUGMENTATION_KINDS
from nngui.core.layers.kinds import INPUT, KINDS
from nngui.core.network.spec import LayerSpec, NetworkSpec

AUGMENTING = frozenset([kind.key for kind in AUGMENTATION_KINDS] + ["GaussianNoise"])
PASS_THROUGH = frozenset(["Reshape", "Flatten", "Dropout"])


@dataclass(frozen=True)
class Prefix:
    """The leading layers to preview, or why there is nothing to preview (``reason``)."""

    layers: tuple[LayerSpec, ...]
    reason: str = ""


def augmentation_prefix(spec: NetworkSpec) -> Prefix:
    """The spec's leading shape and augmentation layers, up to the last augmentation one."""
    if not any(layer.type in AUGMENTING for layer in spec.layers):
        return Prefix((), "No augmentation layer in this network: add RandomRotation, "
                          "RandomTranslation, RandomZoom or GaussianNoise first in it.")
    if math.prod(spec.model_input_shape) != 28 * 28:
        return Prefix((), "The preview shows 28×28 digits: the input must have 784 values.")
    last = -1
    for i, layer in enumerate(spec.layers):
        if layer.type in AUGMENTING:
            last = i
        elif layer.type not in PASS_THROUGH:
            break
    if last < 0:
        return Prefix((), "The preview shows augmentation layers at the start of the "
                          "network, before any layer with weights.")
    return Prefix(tuple(spec.layers[:last + 1]))


def augment(spec: NetworkSpec, x28: np.ndarray, seed: int) -> np.ndarray:
    """The digits ``x28`` (n, 28, 28) through the spec's augmentation prefix in training mode,
    as Keras computes it; (n, 28, 28) float32 clipped to [0, 1] for display."""
    from nngui.core.platform.runtime import keras

    prefix = augmentation_prefix(spec)
    if not prefix.layers:
        raise ValueError(prefix.reason)
    k = keras()
    names = (f"preview_{i}" for i in range(10_000))
    layers = INPUT.build(k, {"input_shape": spec.model_input_shape}, names)
    for n, layer in enumerate(prefix.layers):
        for built in KINDS[layer.type].build(k, layer.params, names):
            config = built.get_config()
            if "seed" in config:  # the same layer with its own seed: the same seed, the same
                # draw, and the global seeds (a training run's) are never reset
                built = type(built).from_config({**config, "seed": int(seed) * 1000 + n})
            layers.append(built)
    model = k.Sequential(layers)
    x = np.asarray(x28, np.float32).reshape((-1, *spec.model_input_shape))
    out = np.asarray(model(x, training=True), np.float32)
    return np.clip(out.reshape(-1, 28, 28), 0.0, 1.0)
