"""The layer registry: everything nngui knows about each kind of layer, in one place.

A ``LayerKind`` (:mod:`nngui.core.layers.base`) declares its fields (the builder's form and
validation come from them), a one-line description, its output shape and parameter count (pure
Python, while TensorFlow loads), how it is built in Keras, how a Keras layer is read back into a
spec, and its NumPy inference step. catalog, shapes, builder, saving, validate and the forward
engine only ask the registry.

Adding a layer kind touches this file only: write its class here (a subclass of ``LayerKind``;
``base`` holds the shared helpers) and add an instance to ``KINDS`` below, whose order is the
"Add layer" menu's. Its Keras classes (``keras_classes``) make ``kind_of`` find it for a saved model.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from nngui.core.layers import numpy_ops as ops
from nngui.core.layers.augmentation import AUGMENTATION_KINDS
from nngui.core.layers.base import (
    LayerKind,
    Params,
    Shape,
    ShapeError,
    Step,
    Unsupported,
    act_name,
    act_step,
    fmt,
    image_shape,
    keras_weights,
    read_activation,
)
from nngui.core.layers.fields import Field
from nngui.core.layers.functions import ACTIVATIONS
from nngui.core.layers.initializers import INITIALIZERS, initializer_name, make_initializer
from nngui.core.layers.regularizers import FIELDS as _PENALTIES
from nngui.core.layers.regularizers import kernel_regularizer, penalty_problem, read_penalties

_ACTIVATION = Field("activation", "choice", "relu", choices=tuple(ACTIVATIONS))
_ALPHA = Field("alpha", "float", 0.2, label="α (leaky slope)", minimum=0.0, maximum=1.0,
               step=0.01, visible_when=("activation", ("leaky_relu",)))
_INITIALIZER = Field("kernel_initializer", "choice", "glorot_uniform", label="Initializer",
                     choices=tuple(INITIALIZERS))
_USE_BIAS = Field("use_bias", "bool", True, label="Use bias")
_PADDING = Field("padding", "choice", "valid", choices=("valid", "same"))




class Dense(LayerKind):
    key, title = "Dense", "Dense (fully connected)"
    help = "Every input connects to every unit: (inputs + 1) × units parameters."
    fields = (Field("units", "int", 32, minimum=1, maximum=100_000), _ACTIVATION, _ALPHA,
              _INITIALIZER, _USE_BIAS, *_PENALTIES)
    keras_classes = ("Dense",)

    def describe(self, p: Params) -> str:
        act = p["activation"]
        if act == "leaky_relu":
            act = f"leaky_relu α={p['alpha']:g}"
        return f"Dense {p['units']} {act}{_penalty_text(p)}"

    def output(self, p: Params, shape: Shape) -> tuple[Shape, int]:
        if len(shape) != 1:
            raise ShapeError(f"Dense needs a vector input but gets {fmt(shape)}; "
                             "add a Flatten layer before it")
        units = int(p["units"])
        return (units,), shape[0] * units + (units if p["use_bias"] else 0)

    def extra_layers(self, p: Params) -> tuple[str, ...]:
        # leaky_relu becomes a separate LeakyReLU layer: that is where its α is configurable.
        return ("LeakyReLU",) if p["activation"] == "leaky_relu" else ()

    def _common(self, k: Any, p: Params) -> Params:
        return {"activation": None if p["activation"] == "leaky_relu" else p["activation"],
                "kernel_initializer": make_initializer(p["kernel_initializer"]),
                "use_bias": bool(p["use_bias"]), "kernel_regularizer": kernel_regularizer(k, p)}

    def build(self, k: Any, p: Params, names: Iterator[str]) -> list[Any]:
        return [k.layers.Dense(int(p["units"]), name=next(names), **self._common(k, p)),
                *_leaky_extra(k, p, names)]

    def read(self, layer: Any, cfg: Params, out: list[tuple[str, Params]]) -> None:
        out.append((self.key, {"units": cfg["units"], "activation": read_activation(cfg),
                               "kernel_initializer": initializer_name(cfg["kernel_initializer"]),
                               "use_bias": cfg["use_bias"], **_penalties(cfg)}))

    def step(self, layer: Any) -> Step:
        w = keras_weights(layer)
        kernel, bias = w["kernel"], w.get("bias")
        act = act_step(act_name(layer.get_config()["activation"]))
        if bias is None:
            return lambda x: act(x @ kernel)
        return lambda x: act(x @ kernel + bias)


def _penalties(cfg: Params) -> Params:
    why = penalty_problem(cfg)
    if why:
        raise Unsupported(why)
    return read_penalties(cfg)


def _penalty_text(p: Params) -> str:
    """' L1 0.001 L2 0.01' for the penalties that are on, '' when none is."""
    return "".join(f" {name.upper()} {p[name]:g}" for name in ("l1", "l2") if p.get(name))


def _leaky_extra(k: Any, p: Params, names: Iterator[str]) -> list[Any]:
    if p["activation"] != "leaky_relu":
        return []
    return [k.layers.LeakyReLU(negative_slope=float(p["alpha"]), name=next(names))]


class Conv2D(Dense):
    key, title = "Conv2D", "Conv2D (convolution)"
    help = "Slides filters over an image: kernel² × channels × filters (+ filters) parameters."
    fields = (Field("filters", "int", 32, minimum=1, maximum=4096),
              Field("kernel_size", "int", 3, minimum=1, maximum=15),
              Field("strides", "int", 1, minimum=1, maximum=8), _PADDING, _ACTIVATION, _ALPHA,
              _INITIALIZER, _USE_BIAS, *_PENALTIES)
    keras_classes = ("Conv2D",)

    def describe(self, p: Params) -> str:
        k = p["kernel_size"]
        return f"Conv2D {p['filters']} {k}×{k} {p['activation']}{_penalty_text(p)}"

    def output(self, p: Params, shape: Shape) -> tuple[Shape, int]:
        h, w, c = image_shape(self.key, shape)
        k, s, f = int(p["kernel_size"]), int(p["strides"]), int(p["filters"])
        out = (_conv_len(h, k, s, p["padding"]), _conv_len(w, k, s, p["padding"]), f)
        _not_empty(self.key, h, w, out)
        return out, k * k * c * f + (f if p["use_bias"] else 0)

    def macs(self, params: int, out: Shape) -> int:
        return params * out[0] * out[1]  # each filter weight is used at every output pixel

    def build(self, k: Any, p: Params, names: Iterator[str]) -> list[Any]:
        return [k.layers.Conv2D(int(p["filters"]), int(p["kernel_size"]),
                                strides=int(p["strides"]), padding=p["padding"],
                                name=next(names), **self._common(k, p)),
                *_leaky_extra(k, p, names)]

    def read(self, layer: Any, cfg: Params, out: list[tuple[str, Params]]) -> None:
        _plain_2d(cfg)
        k, s = cfg["kernel_size"], cfg["strides"]
        if k[0] != k[1] or s[0] != s[1]:
            raise Unsupported("Conv2D with a non-square kernel or stride")
        out.append((self.key, {
            "filters": cfg["filters"], "kernel_size": k[0], "strides": s[0],
            "padding": cfg["padding"], "activation": read_activation(cfg),
            "kernel_initializer": initializer_name(cfg["kernel_initializer"]),
            "use_bias": cfg["use_bias"], **_penalties(cfg)}))

    def step(self, layer: Any) -> Step:
        cfg = layer.get_config()
        _plain_2d(cfg)
        w = keras_weights(layer)
        kh, kw = w["kernel"].shape[:2]
        flat, bias = ops.flatten_kernel(w["kernel"]), w.get("bias")
        strides, same = tuple(cfg["strides"]), cfg["padding"] == "same"
        act = act_step(act_name(cfg["activation"]))

        def conv(x: np.ndarray) -> np.ndarray:
            y = ops.conv2d(x, flat, (kh, kw), strides, same)
            return act(y + bias if bias is not None else y)

        return conv


def _plain_2d(cfg: Params) -> None:
    if cfg.get("data_format", "channels_last") != "channels_last" \
            or tuple(cfg.get("dilation_rate", (1, 1))) != (1, 1) or cfg.get("groups", 1) != 1:
        raise Unsupported("a 2-D layer with dilation, groups or channels_first")


def _conv_len(n: int, k: int, s: int, padding: str) -> int:
    return math.ceil(n / s) if padding == "same" else (n - k) // s + 1


def _not_empty(key: str, h: int, w: int, out: Shape) -> None:
    if out[0] < 1 or out[1] < 1:
        raise ShapeError(f"{key} shrinks {h}×{w} to nothing; use a smaller kernel or "
                         "'same' padding")


class MaxPooling2D(LayerKind):
    key = title = "MaxPooling2D"
    help = "Keeps the largest value of each pool_size × pool_size window: halves an image at 2."
    fields = (Field("pool_size", "int", 2, minimum=1, maximum=8),
              Field("strides", "int", 0, label="Strides (0 = pool size)", minimum=0, maximum=8),
              _PADDING)
    keras_classes = ("MaxPooling2D",)

    def describe(self, p: Params) -> str:
        k, s = p["pool_size"], p["strides"]
        return f"MaxPooling2D {k}×{k}" + (f" stride {s}" if s and s != k else "")

    @staticmethod
    def _stride(p: Params) -> int:
        return int(p["strides"]) or int(p["pool_size"])

    def output(self, p: Params, shape: Shape) -> tuple[Shape, int]:
        h, w, c = image_shape(self.key, shape)
        k, s = int(p["pool_size"]), self._stride(p)
        out = (_conv_len(h, k, s, p["padding"]), _conv_len(w, k, s, p["padding"]), c)
        _not_empty(self.key, h, w, out)
        return out, 0

    def build(self, k: Any, p: Params, names: Iterator[str]) -> list[Any]:
        return [k.layers.MaxPooling2D(int(p["pool_size"]), strides=self._stride(p),
                                      padding=p["padding"], name=next(names))]

    def read(self, layer: Any, cfg: Params, out: list[tuple[str, Params]]) -> None:
        _plain_2d(cfg)
        k, s = cfg["pool_size"], cfg["strides"] or cfg["pool_size"]
        if k[0] != k[1] or s[0] != s[1]:
            raise Unsupported("MaxPooling2D with a non-square pool or stride")
        out.append((self.key, {"pool_size": k[0], "strides": 0 if s[0] == k[0] else s[0],
                               "padding": cfg["padding"]}))

    def step(self, layer: Any) -> Step:
        cfg = layer.get_config()
        _plain_2d(cfg)
        k = tuple(cfg["pool_size"])
        s, same = tuple(cfg["strides"] or k), cfg["padding"] == "same"
        return lambda x: ops.max_pool2d(x, k, s, same)


class Dropout(LayerKind):
    key = title = "Dropout"
    help = "Randomly zeroes a fraction of activations while training; nothing at test time."
    fields = (Field("rate", "float", 0.2, minimum=0.0, maximum=0.95, step=0.05),)
    keras_classes = ("Dropout",)
    identity_at_inference = True

    def describe(self, p: Params) -> str:
        return f"Dropout {p['rate']:g}"

    def build(self, k: Any, p: Params, names: Iterator[str]) -> list[Any]:
        return [k.layers.Dropout(float(p["rate"]), name=next(names))]

    def read(self, layer: Any, cfg: Params, out: list[tuple[str, Params]]) -> None:
        out.append((self.key, {"rate": cfg["rate"]}))


class GaussianNoise(LayerKind):
    key, title = "GaussianNoise", "GaussianNoise (training only)"
    help = "Adds noise to its input while training: a denoising autoencoder's first layer."
    fields = (Field("stddev", "float", 0.3, minimum=0.0, maximum=5.0, step=0.05),)
    keras_classes = ("GaussianNoise", "GaussianDropout")  # both nothing at inference
    identity_at_inference = True

    def describe(self, p: Params) -> str:
        return f"GaussianNoise σ={p['stddev']:g}"

    def build(self, k: Any, p: Params, names: Iterator[str]) -> list[Any]:
        return [k.layers.GaussianNoise(float(p["stddev"]), name=next(names))]

    def read(self, layer: Any, cfg: Params, out: list[tuple[str, Params]]) -> None:
        if type(layer).__name__ != "GaussianNoise":
            raise Unsupported(type(layer).__name__)
        out.append((self.key, {"stddev": cfg["stddev"]}))


class Activation(LayerKind):
    key = title = "Activation"
    help = "Applies an activation function on its own (e.g. after BatchNormalization)."
    fields = (_ACTIVATION, _ALPHA)
    keras_classes = ("Activation", "LeakyReLU", "ReLU")

    def describe(self, p: Params) -> str:
        return f"Activation {p['activation']}"

    def build(self, k: Any, p: Params, names: Iterator[str]) -> list[Any]:
        if p["activation"] == "leaky_relu":
            return [k.layers.LeakyReLU(negative_slope=float(p["alpha"]), name=next(names))]
        return [k.layers.Activation(p["activation"], name=next(names))]

    def read(self, layer: Any, cfg: Params, out: list[tuple[str, Params]]) -> None:
        cls = type(layer).__name__
        if cls == "Activation":
            out.append((self.key, {"activation": read_activation(cfg)}))
        elif cls == "ReLU":
            _plain_relu(cfg)
            out.append((self.key, {"activation": "relu"}))
        else:  # LeakyReLU: folds into a linear Dense/Conv2D before it, as build() made it
            slope = float(cfg.get("negative_slope", 0.3))
            if out and out[-1][0] in ("Dense", "Conv2D") and out[-1][1]["activation"] == "linear":
                out[-1][1].update(activation="leaky_relu", alpha=slope)
            else:
                out.append((self.key, {"activation": "leaky_relu", "alpha": slope}))

    def step(self, layer: Any) -> Step:
        cls, cfg = type(layer).__name__, layer.get_config()
        if cls == "LeakyReLU":
            slope = float(cfg.get("negative_slope", cfg.get("alpha", 0.3)))
            return ops.activation_fn("leaky_relu", alpha=slope)
        if cls == "ReLU":
            _plain_relu(cfg)
            return act_step("relu")
        return act_step(act_name(cfg["activation"]))


def _plain_relu(cfg: Params) -> None:
    if cfg.get("max_value") is not None or cfg.get("negative_slope") or cfg.get("threshold"):
        raise Unsupported("ReLU with max_value, negative_slope or threshold")


class Flatten(LayerKind):
    key = title = "Flatten"
    help = "Turns an image (28×28) into a vector (784)."
    keras_classes = ("Flatten",)

    def output(self, p: Params, shape: Shape) -> tuple[Shape, int]:
        return (math.prod(shape),), 0

    def build(self, k: Any, p: Params, names: Iterator[str]) -> list[Any]:
        return [k.layers.Flatten(name=next(names))]

    def step(self, layer: Any) -> Step:
        return lambda x: x.reshape(len(x), -1)


class Reshape(LayerKind):
    key = title = "Reshape"
    help = "Rearranges the same values into another shape, e.g. 784 into (28, 28, 1)."
    fields = (Field("target_shape", "shape", (28, 28, 1), label="Target shape"),)
    keras_classes = ("Reshape",)

    def describe(self, p: Params) -> str:
        return "Reshape " + "×".join(str(v) for v in p["target_shape"])

    def output(self, p: Params, shape: Shape) -> tuple[Shape, int]:
        target = tuple(int(v) for v in p["target_shape"])
        if math.prod(target) != math.prod(shape):
            raise ShapeError(f"cannot reshape {fmt(shape)} ({math.prod(shape)} values) into "
                             f"{fmt(target)} ({math.prod(target)} values)")
        return target, 0

    def build(self, k: Any, p: Params, names: Iterator[str]) -> list[Any]:
        return [k.layers.Reshape(tuple(p["target_shape"]), name=next(names))]

    def read(self, layer: Any, cfg: Params, out: list[tuple[str, Params]]) -> None:
        out.append((self.key, {"target_shape": tuple(cfg["target_shape"])}))

    def step(self, layer: Any) -> Step:
        shape = tuple(layer.get_config()["target_shape"])
        return lambda x: x.reshape((len(x), *shape))


class BatchNormalization(LayerKind):
    key = title = "BatchNormalization"
    help = ("Normalises each channel (by the batch while training, by running averages at "
            "test time), then scales and shifts it: 4 numbers per channel, 2 of them trained.")
    fields = (Field("momentum", "float", 0.99, minimum=0.0, maximum=0.999, step=0.01,
                    help="How slowly the running mean and variance follow the batches."),
              Field("epsilon", "float", 0.001, minimum=0.0001, maximum=0.1, step=0.001,
                    help="Added to the variance so a constant channel does not divide by 0."),
              Field("center", "bool", True, label="Learn shift (β)"),
              Field("scale", "bool", True, label="Learn scale (γ)"))
    keras_classes = ("BatchNormalization",)

    def describe(self, p: Params) -> str:
        return f"BatchNormalization momentum {p['momentum']:g}"

    def output(self, p: Params, shape: Shape) -> tuple[Shape, int]:
        # moving mean and variance (not trained) plus γ and β when learned, per channel
        return shape, shape[-1] * (2 + bool(p["center"]) + bool(p["scale"]))

    def frozen_params(self, p: Params, shape: Shape) -> int:
        return 2 * shape[-1]  # the moving mean and variance follow the batches, untrained

    def build(self, k: Any, p: Params, names: Iterator[str]) -> list[Any]:
        return [k.layers.BatchNormalization(momentum=float(p["momentum"]),
                                            epsilon=float(p["epsilon"]),
                                            center=bool(p["center"]), scale=bool(p["scale"]),
                                            name=next(names))]

    def read(self, layer: Any, cfg: Params, out: list[tuple[str, Params]]) -> None:
        _last_axis(cfg)
        out.append((self.key, {"momentum": float(cfg["momentum"]),
                               "epsilon": float(cfg["epsilon"]),
                               "center": bool(cfg["center"]), "scale": bool(cfg["scale"])}))

    def step(self, layer: Any) -> Step:
        cfg = layer.get_config()
        _last_axis(cfg)
        w = keras_weights(layer)
        # Inference uses the running statistics: one scale and shift per channel.
        scale = w.get("gamma", np.float32(1.0)) / np.sqrt(w["moving_variance"]
                                                         + np.float32(cfg["epsilon"]))
        shift = w.get("beta", np.float32(0.0)) - w["moving_mean"] * scale
        return lambda x: x * scale + shift


def _last_axis(cfg: Params) -> None:
    if cfg.get("axis", -1) not in (-1, [-1]):
        raise Unsupported("BatchNormalization over another axis than the last")


class Input(LayerKind):
    """The network's input: not in the layer list, but read, built and run like the others."""

    key, title = "Input", "Input"
    help = "The shape of one sample: 784 for a flat MNIST digit, 28, 28 for the image."
    fields = (Field("input_shape", "shape", (784,), label="Input shape"),)
    keras_classes = ("InputLayer",)

    def output(self, p: Params, shape: Shape) -> tuple[Shape, int]:
        return tuple(int(v) for v in p["input_shape"]), 0

    def build(self, k: Any, p: Params, names: Iterator[str]) -> list[Any]:
        return [k.Input(shape=tuple(p["input_shape"]), name=next(names))]

    def read(self, layer: Any, cfg: Params, out: list[tuple[str, Params]]) -> None:
        pass  # Keras 3 keeps it out of model.layers; the shape comes from model.inputs


INPUT = Input()
KINDS: dict[str, LayerKind] = {kind.key: kind for kind in (
    Dense(), Dropout(), Activation(), Flatten(), Reshape(), Conv2D(), MaxPooling2D(),
    BatchNormalization(), GaussianNoise(), *AUGMENTATION_KINDS)}
_BY_KERAS_CLASS = {cls: kind for kind in (INPUT, *KINDS.values()) for cls in kind.keras_classes}


def kind_of(keras_layer: Any) -> LayerKind:
    """The registry entry that reads and runs a Keras layer; Unsupported if none does."""
    cls = type(keras_layer).__name__
    if cls not in _BY_KERAS_CLASS:
        raise Unsupported(f"layer {cls}")
    return _BY_KERAS_CLASS[cls]


def read_layers(keras_layers: list[Any]) -> list[tuple[str, Params]]:
    """(kind, params) for each spec layer equivalent to ``keras_layers``; Unsupported if not."""
    out: list[tuple[str, Params]] = []
    for layer in keras_layers:
        kind_of(layer).read(layer, layer.get_config(), out)
    return out
