"""Inside a network, for one input: what a CNN sees and which pixels pushed its answer.

For one input ``look_inside`` returns

- every convolution and pooling layer's **feature maps** (all channels, strongest first: by
  the mean absolute activation of the channel, ties in channel order),
- the first convolution layer's **filters** as small images,
- a **saliency map** over the input image: gradient × input of the class score (the log of
  the class's probability for a softmax output, the output itself otherwise), from a
  ``tf.GradientTape``; ``occlusion`` is the slower, model-agnostic second opinion,
- for a network without convolutions (an MLP reading an image), the first-layer units that
  fire most for this input, with their incoming weights as images.

A network that does not read an image (a 2-D net) gets a sentence saying so, never an empty
picture. ``InsideReader`` compiles the pass once (feature maps, prediction and gradient in one
``tf.function`` call) for views that ask many times a second; ``look_inside`` is the one-off.
Everything here runs in the thread of the job that owns the model, never the GUI's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nngui.core.insight.probes import first_dense

TOP_UNITS = 16  # an MLP's first-layer units shown, the most active first
CONV_KINDS = ("Conv1D", "Conv2D", "DepthwiseConv2D", "SeparableConv2D", "Conv2DTranspose")
POOL_KINDS = ("MaxPooling2D", "AveragePooling2D")
NOT_AN_IMAGE = ("This network reads {n} number{s}, not an image: there are no feature maps, "
                "filters or saliency to draw. The Watch tab's boundary and unit maps show "
                "what it does with its inputs.")


@dataclass
class LayerMaps:
    """One conv or pool layer's output for the input, its channels strongest first."""

    index: int  # in model.layers
    name: str
    kind: str  # the layer's class name, e.g. "Conv2D"
    maps: np.ndarray  # (channels, h, w), ordered by ``channels``
    channels: np.ndarray  # (channels,) each map's channel number in the layer's output
    strength: np.ndarray  # (channels,) each map's mean absolute activation, descending


@dataclass
class TopUnits:
    """An MLP's first-layer units that fire most for the input, with their weight images."""

    layer: str
    units: np.ndarray  # (k,) unit numbers, the most active first
    activations: np.ndarray  # (k,)
    images: np.ndarray  # (k, h, w) each unit's incoming weights, shaped like the input
    total: int  # units in the layer


@dataclass
class Inside:
    """What ``look_inside`` found (``reason`` says why a part is missing)."""

    image_shape: tuple[int, int] | None  # the input as an image, None if it is not one
    probabilities: np.ndarray  # the model's output for the input, flattened
    target: int  # the class the saliency explains
    layers: list[LayerMaps] = field(default_factory=list)
    filters: np.ndarray | None = None  # (filters, kh, kw) of the first conv layer
    filters_layer: str = ""
    saliency: np.ndarray | None = None  # image_shape: gradient × input
    units: TopUnits | None = None
    reason: str = ""  # a sentence when there is nothing to draw (not an image)


def image_shape(input_shape: tuple[int, ...]) -> tuple[int, int] | None:
    """The input as a 2-D image: (h, w) of an (h, w[, c]) input, a square for a flat one
    with a whole side of at least 4 (784 -> 28x28, 64 -> 8x8); None otherwise (2-D data)."""
    shape = tuple(int(v) for v in input_shape)
    if len(shape) >= 2:
        return shape[0], shape[1]
    n = shape[0] if shape else 0
    side = math.isqrt(n)
    return (side, side) if side >= 4 and side * side == n else None


def not_an_image(input_shape: tuple[int, ...]) -> str:
    """The sentence shown instead of the views for an input that is not an image."""
    n = math.prod(int(v) for v in input_shape)
    return NOT_AN_IMAGE.format(n=n, s="" if n == 1 else "s")


def _input_shape(model: Any) -> tuple[int, ...]:
    return tuple(int(v) for v in model.inputs[0].shape[1:])


def map_layers(model: Any) -> list[int]:
    """Indices of the conv and pool layers whose output is a stack of 2-D maps."""
    out = []
    for i, layer in enumerate(model.layers):
        kind = type(layer).__name__
        if kind in CONV_KINDS + POOL_KINDS and len(layer.output.shape) == 4:
            out.append(i)
    return out


def first_conv(model: Any) -> int | None:
    """Index of the first 2-D convolution layer, or None."""
    for i, layer in enumerate(model.layers):
        if type(layer).__name__ in CONV_KINDS and len(getattr(layer, "kernel", ()).shape) == 4:
            return i
    return None


def filters_of(model: Any) -> tuple[np.ndarray, str] | None:
    """(filters (n, kh, kw), layer name) of the first conv layer: each filter's kernel, summed
    over its input channels when it reads more than one (a picture of what it responds to)."""
    i = first_conv(model)
    if i is None:
        return None
    layer = model.layers[i]
    kernel = np.asarray(layer.kernel, dtype=np.float32)  # (kh, kw, in, out)
    images = kernel.sum(axis=2).transpose(2, 0, 1)
    return np.ascontiguousarray(images), layer.name


def order_maps(index: int, name: str, kind: str, out: np.ndarray) -> LayerMaps:
    """One sample's (h, w, c) output of layer ``index`` (``name``, class ``kind``) as maps,
    the strongest channel first."""
    out = np.asarray(out, dtype=np.float32)
    strength = np.abs(out).mean(axis=(0, 1))
    order = np.argsort(-strength, kind="stable")
    maps = np.ascontiguousarray(out.transpose(2, 0, 1)[order])
    return LayerMaps(index, name, kind, maps, order, strength[order])


def is_softmax(model: Any) -> bool:
    """Whether the model's output is a softmax (its saliency explains log p)."""
    last = model.layers[-1]
    act = getattr(last, "activation", None)
    return type(last).__name__ == "Softmax" or getattr(act, "__name__", "") == "softmax"


def _forward(model: Any, x: Any, keep: set[int]) -> tuple[dict[int, Any], Any]:
    """Layer by layer (as a Sequential model runs): the outputs of ``keep`` and the last."""
    h = x
    kept = {}
    for i, layer in enumerate(model.layers):
        h = layer(h, training=False)
        if i in keep:
            kept[i] = h
    return kept, h


def top_units(model: Any, x: np.ndarray, image: tuple[int, int],
              count: int = TOP_UNITS) -> TopUnits | None:
    """The first Dense layer's most active units for ``x`` and their weight images."""
    first = first_dense(model)
    if first is None or first[0].shape[0] != image[0] * image[1]:
        return None
    kernel, bias = first
    layer = next(lay for lay in model.layers if getattr(lay, "kernel", None) is not None)
    z = np.asarray(x, np.float32).reshape(-1) @ kernel + bias
    act = getattr(layer, "activation", None)
    a = np.asarray(act(z[None]))[0] if act is not None else z
    order = np.argsort(-a, kind="stable")[:count]
    images = kernel[:, order].T.reshape(-1, *image)
    return TopUnits(layer.name, order, a[order].astype(np.float32),
                    np.ascontiguousarray(images), int(kernel.shape[1]))


class InsideReader:
    """``look_inside`` for one model, compiled once: for views that read many inputs.

    With ``compiled`` the first ``read`` traces a ``tf.function`` (a second or so for a
    CNN); later reads of the bundled CNN take milliseconds. Without, each read runs eagerly
    (tens of milliseconds, no tracing: for one-off questions). Use it from one thread at a
    time (a job's).
    """

    def __init__(self, model: Any, compiled: bool = True) -> None:
        self.model = model
        self.compiled = compiled
        self.input_shape = _input_shape(model)
        self.image = image_shape(self.input_shape)
        self.maps = map_layers(model)
        self.filters = filters_of(model)
        self._fn: Any = None

    def _compiled(self) -> Any:
        if self._fn is None:
            from nngui.core.platform.runtime import tf

            t, model, keep = tf(), self.model, set(self.maps)

            def run(x, target):
                with t.GradientTape() as tape:
                    tape.watch(x)
                    kept, out = _forward(model, x, keep)
                    score = class_score(model, out, target)
                grad = tape.gradient(score, x)
                return [kept[i] for i in sorted(keep)], out, grad

            # traced for this one input signature: a concrete function skips tf.function's
            # per-call argument matching (~0.3 ms of Python, holding the GIL, a read)
            self._fn = t.function(run).get_concrete_function(
                t.TensorSpec((1, *self.input_shape), t.float32),
                t.TensorSpec((), t.int32)) if self.compiled else run
        return self._fn

    def read(self, x: np.ndarray, target: int | None = None,
             count: int = TOP_UNITS) -> Inside:
        """Everything for one input (any layout holding the model's values), explaining
        ``target`` (default: the predicted class)."""
        x = np.asarray(x, np.float32)
        if x.size != math.prod(self.input_shape):
            raise ValueError(f"The network reads {math.prod(self.input_shape)} values per "
                             f"sample, this input has {x.size}.")
        x = x.reshape(1, *self.input_shape)
        if self.image is None:
            from nngui.core.platform.runtime import tf

            out = np.asarray(self.model(tf().constant(x), training=False), np.float32)
            probs = out.reshape(-1)
            return Inside(None, probs, predicted_class(probs),
                          reason=not_an_image(self.input_shape))
        from nngui.core.platform.runtime import tf

        t = tf()
        run = self._compiled()
        if target is None:
            kept, out, grad = run(t.constant(x), t.constant(-1))
        else:
            kept, out, grad = run(t.constant(x), t.constant(int(target)))
        probs = np.asarray(out, np.float32).reshape(-1)
        chosen = predicted_class(probs) if target is None else int(target)
        saliency = (np.asarray(grad, np.float32) * x).reshape(-1)
        saliency = saliency.reshape(*self.image, -1).sum(axis=-1)  # channels summed
        named = [(i, self.model.layers[i]) for i in sorted(self.maps)]
        layers = [order_maps(i, lay.name, type(lay).__name__, np.asarray(k)[0])
                  for (i, lay), k in zip(named, kept, strict=True)]
        inside = Inside(self.image, probs, chosen, layers, saliency=saliency)
        if self.filters is not None:
            inside.filters, inside.filters_layer = self.filters
        if not self.maps:
            inside.units = top_units(self.model, x, self.image, count)
        return inside


def class_score(model: Any, out: Any, target: Any) -> Any:
    """What the saliency differentiates, per sample: log p(target) for a softmax output (it
    does not saturate when the network is sure), the output itself otherwise (a sigmoid's
    p(1): its class 0 is explained by the same pixels with the sign turned). ``target`` is a
    scalar tensor; -1 means the class the network predicts for the first sample."""
    from nngui.core.platform.runtime import tf

    t = tf()
    flat = t.reshape(out, (t.shape(out)[0], -1))
    n = flat.shape[-1]
    top = t.cast(t.argmax(flat[0]), t.int32) if n > 1 else t.constant(0, t.int32)
    if n == 1:  # a sigmoid: p(class 1)
        top = t.cast(flat[0, 0] >= 0.5, t.int32)
    chosen = t.where(target < 0, top, t.cast(target, t.int32))
    if is_softmax(model):
        return t.math.log(t.gather(flat, chosen, axis=1) + 1e-7)
    return t.gather(flat, t.minimum(chosen, n - 1), axis=1)


def predicted_class(probs: np.ndarray) -> int:
    """The class an output names: the largest probability, or p >= 0.5 for one sigmoid."""
    if probs.size == 1:
        return int(probs[0] >= 0.5)
    return int(np.argmax(probs))


def look_inside(model: Any, x: np.ndarray, target: int | None = None,
                count: int = TOP_UNITS) -> Inside:
    """Feature maps, filters, saliency (or an MLP's top units) of ``model`` for one ``x``
    (run eagerly: nothing to trace for a single question)."""
    return InsideReader(model, compiled=False).read(x, target, count)


def occlusion(model: Any, x: np.ndarray, target: int | None = None, patch: int = 4,
              batch: int = 64) -> np.ndarray:
    """How much p(target) drops when each ``patch``×``patch`` square of the image is blanked
    (set to 0), spread over the square's pixels: the image shape, positive where the pixels
    helped. Slower than the saliency (one forward pass per square), but needs no gradient."""
    shape = _input_shape(model)
    image = image_shape(shape)
    if image is None:
        raise ValueError(not_an_image(shape))
    h, w = image
    x = np.asarray(x, np.float32).reshape(h, w, -1)
    variants, boxes = [], []
    for r in range(0, h, patch):
        for c in range(0, w, patch):
            v = x.copy()
            v[r:r + patch, c:c + patch] = 0.0
            variants.append(v)
            boxes.append((r, c))
    base = np.asarray(model(x.reshape(1, *shape), training=False), np.float32).reshape(-1)
    chosen = predicted_class(base) if target is None else int(target)

    def p(out: np.ndarray) -> np.ndarray:
        out = out.reshape(len(out), -1)
        return out[:, 0] if out.shape[1] == 1 and chosen == 1 else \
            (1.0 - out[:, 0] if out.shape[1] == 1 else out[:, chosen])

    stack = np.stack(variants).reshape(-1, *shape)
    outs = np.concatenate([np.asarray(model(stack[i:i + batch], training=False), np.float32)
                           for i in range(0, len(stack), batch)])
    drops = p(base[None]) - p(outs)
    result = np.zeros((h, w), np.float32)
    for (r, c), d in zip(boxes, drops, strict=True):
        result[r:r + patch, c:c + patch] = d
    return result
