"""Fast single-sample forward pass for live drawing.

``model.predict`` builds a dataset pipeline on every call (~67 ms for one image here), far too
slow to run on each mouse move. ``FastPredictor`` copies a Sequential model's weights once and
runs the forward pass in NumPy (well under a millisecond for the MNIST presets). Models with
layers it does not know fall back to a ``tf.function``-compiled ``model(x, training=False)``,
traced once up front (about a millisecond a call afterwards).

The NumPy pass runs with BLAS limited to one thread (see ``preprocess.one_blas_thread``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .preprocess import one_blas_thread

Array = np.ndarray


def _softmax(z: Array) -> Array:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _sigmoid(z: Array) -> Array:
    return (0.5 * (np.tanh(0.5 * z) + 1.0)).astype(z.dtype)  # never overflows, unlike 1/(1+e^-z)


def _gelu(z: Array) -> Array:
    from scipy.special import erf  # Keras' default gelu is the exact (erf) one

    return (0.5 * z * (1.0 + erf(z / np.float32(math.sqrt(2.0))))).astype(z.dtype)


def _leaky(slope: float) -> Callable[[Array], Array]:
    return lambda z: np.where(z >= 0, z, z * np.float32(slope))


_ACTIVATIONS: dict[str, Callable[[Array], Array]] = {
    "linear": lambda z: z,
    "relu": lambda z: np.maximum(z, 0),
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
    "softmax": _softmax,
    "elu": lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0))),
    "gelu": _gelu,
    "leaky_relu": _leaky(0.2),  # keras.activations.leaky_relu's default slope
}


class Unsupported(Exception):
    """A layer or setting the NumPy path does not handle (the model falls back to TF)."""


def _activation(act: Any) -> Callable[[Array], Array]:
    name = act if isinstance(act, str) else getattr(act, "__name__", repr(act))
    if name not in _ACTIVATIONS:
        raise Unsupported(f"activation {name}")
    return _ACTIVATIONS[name]


def _same_pads(size: int, k: int, stride: int) -> tuple[int, int]:
    out = -(-size // stride)
    total = max((out - 1) * stride + k - size, 0)
    return total // 2, total - total // 2


def _windows(x: Array, k: tuple[int, int], s: tuple[int, int]) -> Array:
    """(oh, ow, C, kh, kw) view of the kh x kw patches of an (H, W, C) array at stride s."""
    v = np.lib.stride_tricks.sliding_window_view(x, k, axis=(0, 1))
    return v[:: s[0], :: s[1]]


def _pad(x: Array, k: tuple[int, int], s: tuple[int, int], value: float) -> Array:
    (t, b), (left, r) = _same_pads(x.shape[0], k[0], s[0]), _same_pads(x.shape[1], k[1], s[1])
    if t == b == left == r == 0:
        return x
    return np.pad(x, ((t, b), (left, r), (0, 0)), constant_values=value)


def _conv_step(layer: Any) -> Callable[[Array], Array]:
    cfg = layer.get_config()
    if cfg.get("data_format", "channels_last") != "channels_last" \
            or tuple(cfg.get("dilation_rate", (1, 1))) != (1, 1) or cfg.get("groups", 1) != 1:
        raise Unsupported("Conv2D with dilation, groups or channels_first")
    weights = [np.asarray(w, dtype=np.float32) for w in layer.get_weights()]
    kernel = weights[0]  # (kh, kw, cin, cout)
    kh, kw, cin, cout = kernel.shape
    # Patches come out as (C, kh, kw); reorder the kernel to match, flattened for one matmul.
    flat = np.ascontiguousarray(kernel.transpose(2, 0, 1, 3).reshape(cin * kh * kw, cout))
    bias = weights[1] if len(weights) > 1 else None
    strides = tuple(cfg["strides"])
    same = cfg["padding"] == "same"
    act = _activation(cfg["activation"])

    def step(x: Array) -> Array:
        if same:
            x = _pad(x, (kh, kw), strides, 0.0)
        win = _windows(x, (kh, kw), strides)
        oh, ow = win.shape[:2]
        y = win.reshape(oh * ow, cin * kh * kw) @ flat
        if bias is not None:
            y += bias
        return act(y.reshape(oh, ow, cout))

    return step


def _pool_step(layer: Any) -> Callable[[Array], Array]:
    cfg = layer.get_config()
    if cfg.get("data_format", "channels_last") != "channels_last":
        raise Unsupported("MaxPooling2D channels_first")
    k = tuple(cfg["pool_size"])
    s = tuple(cfg["strides"] or k)
    same = cfg["padding"] == "same"

    def step(x: Array) -> Array:
        if same:
            x = _pad(x, k, s, -np.inf)
        if s == k and x.shape[0] % k[0] == 0 and x.shape[1] % k[1] == 0:
            h, w, c = x.shape
            return x.reshape(h // k[0], k[0], w // k[1], k[1], c).max(axis=(1, 3))
        return _windows(x, k, s).max(axis=(3, 4))

    return step


def _dense_step(layer: Any) -> Callable[[Array], Array]:
    weights = [np.asarray(w, dtype=np.float32) for w in layer.get_weights()]
    kernel = weights[0]
    bias = weights[1] if len(weights) > 1 else None
    act = _activation(layer.get_config()["activation"])

    def step(x: Array) -> Array:
        y = x @ kernel
        if bias is not None:
            y = y + bias
        return act(y)

    return step


def _norm_step(layer: Any) -> Callable[[Array], Array]:
    cfg = layer.get_config()
    if cfg.get("axis", -1) not in (-1, [-1]):
        raise Unsupported("BatchNormalization on another axis")
    names = [w.name.split("/")[-1] for w in layer.weights]
    vals = dict(zip(names, (np.asarray(v, np.float32) for v in layer.get_weights()), strict=True))
    scale = vals.get("gamma", np.float32(1.0)) / np.sqrt(vals["moving_variance"]
                                                         + np.float32(cfg["epsilon"]))
    shift = vals.get("beta", np.float32(0.0)) - vals["moving_mean"] * scale
    return lambda x: x * scale + shift


def _layer_step(layer: Any) -> Callable[[Array], Array]:
    cls = type(layer).__name__
    if cls in ("Dropout", "GaussianNoise", "GaussianDropout", "InputLayer"):
        return lambda x: x  # identity at inference
    if cls == "Dense":
        return _dense_step(layer)
    if cls == "Conv2D":
        return _conv_step(layer)
    if cls == "MaxPooling2D":
        return _pool_step(layer)
    if cls == "Flatten":
        return lambda x: x.reshape(-1)
    if cls == "Reshape":
        shape = tuple(layer.get_config()["target_shape"])
        return lambda x: x.reshape(shape)
    if cls == "Activation":
        return _activation(layer.get_config()["activation"])
    if cls == "LeakyReLU":
        cfg = layer.get_config()
        return _leaky(float(cfg.get("negative_slope", cfg.get("alpha", 0.3))))
    if cls == "ReLU":
        cfg = layer.get_config()
        if cfg.get("max_value") is None and not cfg.get("negative_slope") \
                and not cfg.get("threshold"):
            return _ACTIVATIONS["relu"]
    if cls == "BatchNormalization":
        return _norm_step(layer)
    raise Unsupported(f"layer {cls}")


def model_input_shape(model: Any) -> tuple[int, ...]:
    """The shape of one input sample, e.g. (784,) or (28, 28, 1)."""
    return tuple(int(v) for v in model.inputs[0].shape[1:])


def to_probabilities(out: Array) -> Array:
    """Model outputs as class probabilities: already a distribution, or softmax of logits."""
    out = np.asarray(out, dtype=np.float64).reshape(-1)
    if out.size == 1:  # one sigmoid unit: P(class 1)
        p = float(np.clip(out[0], 0.0, 1.0))
        return np.array([1.0 - p, p])
    if out.min() >= 0.0 and abs(out.sum() - 1.0) < 1e-3:
        return out / out.sum()
    return _softmax(out)


class FastPredictor:
    """Single-sample forward pass of a keras model: NumPy when possible, else tf.function."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.input_shape = model_input_shape(model)
        self.backend = ""
        self.reason = ""  # why the NumPy path was not used, for the curious
        self._steps: list[Callable[[Array], Array]] = []
        self._tf_fn: Any = None
        self.refresh()

    def refresh(self) -> None:
        """Copy the model's weights again (after training or fine-tuning)."""
        try:
            self._steps = self._numpy_steps(self.model)
            self.backend = "numpy"
            self.reason = ""
        except Unsupported as exc:
            self._steps = []
            self.backend = "tensorflow"
            self.reason = str(exc)
            self._build_tf()

    @staticmethod
    def _numpy_steps(model: Any) -> list[Callable[[Array], Array]]:
        if type(model).__name__ != "Sequential":
            raise Unsupported(f"model class {type(model).__name__}")
        return [_layer_step(layer) for layer in model.layers]

    def _build_tf(self) -> None:
        from .runtime import tf

        model = self.model
        self._tf_fn = tf().function(lambda x: model(x, training=False), reduce_retracing=True)
        self._tf_fn(np.zeros((1, *self.input_shape), dtype=np.float32))  # trace once now

    def adapt(self, image: Array) -> Array:
        """One sample in the model's input shape (a 28x28 image becomes 784 or 28x28x1)."""
        x = np.asarray(image, dtype=np.float32)
        if x.shape == self.input_shape:
            return x
        if x.size != math.prod(self.input_shape):
            shape = "×".join(str(v) for v in self.input_shape)
            raise ValueError(f"This model reads inputs of shape {shape}, not a "
                             f"{'×'.join(str(v) for v in x.shape)} image.")
        return x.reshape(self.input_shape)

    def predict(self, image: Array) -> Array:
        """The model's output for one image, flattened (10 probabilities for a classifier)."""
        x = self.adapt(image)
        if self._tf_fn is not None and not self._steps:
            return np.asarray(self._tf_fn(x[None]), dtype=np.float32).reshape(-1)
        with one_blas_thread():
            for step in self._steps:
                x = step(x)
        return np.asarray(x, dtype=np.float32).reshape(-1)

    def predict_batch(self, images: Array) -> Array:
        """Outputs for several images, one row each (a loop over ``predict``)."""
        return np.stack([self.predict(im) for im in images]) if len(images) else \
            np.zeros((0, 0), dtype=np.float32)
