"""The NumPy forward engine run backwards: the gradient of an output with respect to the input.

``InputGradient`` pulls a gradient on a Sequential stack's output back to its input, layer by
layer, from the outputs of a forward pass (``ForwardPass.trace``: the input, then each layer's
output). It is what the Draw tab's saliency (gradient × input) needs, without TensorFlow: no
TensorFlow call in a read means no TensorFlow pool threads waking beside the pen's stroke.

Each layer's rule follows TensorFlow's gradient, so the two agree to float32 rounding
(``tests/core/model/test_backward_property.py`` holds them to ``tf.GradientTape``): ReLU's
derivative is 0 at 0, a max pool sends the gradient to the first largest value of its window
(row by row), softmax uses its whole Jacobian. Activation derivatives come from the one table
(:mod:`nngui.core.layers.functions`), written with the layer's output where they can be,
else with its pre-activation (computed again from the layer's input: GELU).

Weights are copied when the object is made, like ``ForwardPass``; layers it has no rule for
raise ``Unsupported`` (the caller asks TensorFlow instead). Pure NumPy: any thread may use its
own instance.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from nngui.core.layers import numpy_ops as ops
from nngui.core.layers.base import Unsupported, act_name, keras_weights
from nngui.core.layers.functions import ACTIVATIONS
from nngui.core.layers.kinds import kind_of

__all__ = ["InputGradient", "Unsupported"]

# (layer input, layer output, gradient on the output) -> gradient on the input
Back = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
Linear = Callable[[np.ndarray], np.ndarray]  # a layer's pre-activation from its input


def _activation_back(name: str, params: dict[str, float], linear: Linear | None) -> Back:
    """(x, a, g) -> g·f'(z) for activation ``name`` with output a (z = linear(x), or x)."""
    entry = ACTIVATIONS.get(name)
    if entry is None:
        raise Unsupported(f"activation {name}")
    if name == "linear":
        return lambda x, a, g: g
    if name == "softmax":  # the whole Jacobian, written with the output s: s ⊙ (g - Σ g s)
        return lambda x, a, g: a * (g - np.sum(g * a, axis=-1, keepdims=True))
    if entry.df_from_a is not None:
        from_a = entry.df_from_a
        return lambda x, a, g: g * from_a(a, **params)
    pre = linear if linear is not None else (lambda x: x)
    return lambda x, a, g: entry.vjp(pre(x), g, **params)


def _dense_back(layer: Any) -> Back:
    w = keras_weights(layer)
    kernel, bias = w["kernel"], w.get("bias")
    kernel_t = np.ascontiguousarray(kernel.T)

    def linear(x: np.ndarray) -> np.ndarray:
        z = x @ kernel
        return z + bias if bias is not None else z

    act = _activation_back(act_name(layer.get_config()["activation"]), {}, linear)
    return lambda x, a, g: act(x, a, g) @ kernel_t


def _scatter(cols: np.ndarray, shape: tuple[int, ...], k: tuple[int, int],
             s: tuple[int, int], same: bool) -> np.ndarray:
    """Add (N, oh, ow, kh, kw, C) patch values back onto the (N, H, W, C) input they came
    from (the adjoint of ``ops.patches`` after 'same' padding)."""
    n, h, w, c = shape
    oh, ow = cols.shape[1:3]
    (top, bottom), (left, right) = ((ops.same_pads(h, k[0], s[0]), ops.same_pads(w, k[1], s[1]))
                                    if same else ((0, 0), (0, 0)))
    out = np.zeros((n, h + top + bottom, w + left + right, c), np.float32)
    for i in range(k[0]):
        for j in range(k[1]):
            out[:, i:i + s[0] * (oh - 1) + 1:s[0], j:j + s[1] * (ow - 1) + 1:s[1]] += \
                cols[:, :, :, i, j]
    return out[:, top:top + h, left:left + w]


def _conv_back(layer: Any) -> Back:
    cfg = layer.get_config()
    w = keras_weights(layer)
    kh, kw = w["kernel"].shape[:2]
    flat, bias = ops.flatten_kernel(w["kernel"]), w.get("bias")
    flat_t = np.ascontiguousarray(flat.T)  # (filters, C·kh·kw)
    k, s, same = (kh, kw), tuple(cfg["strides"]), cfg["padding"] == "same"

    def linear(x: np.ndarray) -> np.ndarray:
        z = ops.conv2d(x, flat, k, s, same)
        return z + bias if bias is not None else z

    act = _activation_back(act_name(cfg["activation"]), {}, linear)

    def back(x: np.ndarray, a: np.ndarray, g: np.ndarray) -> np.ndarray:
        gz = act(x, a, g)
        n, oh, ow, f = gz.shape
        cols = (gz.reshape(-1, f) @ flat_t).reshape(n, oh, ow, kh, kw, x.shape[3])
        return _scatter(cols, x.shape, k, s, same)

    return back


def _max_pool_back(layer: Any) -> Back:
    cfg = layer.get_config()
    k = tuple(cfg["pool_size"])
    s, same = tuple(cfg["strides"] or k), cfg["padding"] == "same"

    def back(x: np.ndarray, a: np.ndarray, g: np.ndarray) -> np.ndarray:
        padded = ops.pad_same(x, k, s, -np.inf) if same else x
        win = ops.windows(padded, k, s)  # (N, oh, ow, C, kh, kw)
        first = win.reshape(*win.shape[:4], -1).argmax(axis=-1)  # the first largest, row-wise
        n, oh, ow, c = first.shape
        cols = np.zeros((n, oh, ow, k[0], k[1], c), np.float32)
        for i in range(k[0]):
            for j in range(k[1]):
                cols[:, :, :, i, j] = np.where(first == i * k[1] + j, g, 0.0)
        return _scatter(cols, x.shape, k, s, same)

    return back


def _activation_layer_back(layer: Any) -> Back:
    cls, cfg = type(layer).__name__, layer.get_config()
    if cls == "LeakyReLU":
        slope = float(cfg.get("negative_slope", cfg.get("alpha", 0.3)))
        return _activation_back("leaky_relu", {"alpha": slope}, None)
    if cls == "ReLU":
        kind_of(layer).step(layer)  # Unsupported for a ReLU with a cap, slope or threshold
        return _activation_back("relu", {}, None)
    return _activation_back(act_name(cfg["activation"]), {}, None)


def _batch_norm_back(layer: Any) -> Back:
    cfg = layer.get_config()
    kind_of(layer).step(layer)  # Unsupported over another axis than the last
    w = keras_weights(layer)
    scale = w.get("gamma", np.float32(1.0)) / np.sqrt(w["moving_variance"]
                                                     + np.float32(cfg["epsilon"]))
    return lambda x, a, g: g * scale


_RULES: dict[str, Callable[[Any], Back]] = {
    "Dense": _dense_back,
    "Conv2D": _conv_back,
    "MaxPooling2D": _max_pool_back,
    "Activation": _activation_layer_back,
    "LeakyReLU": _activation_layer_back,
    "ReLU": _activation_layer_back,
    "BatchNormalization": _batch_norm_back,
}


def _back(layer: Any) -> Back:
    kind = kind_of(layer)  # Unsupported for a layer the engine cannot run
    rule = _RULES.get(type(layer).__name__)
    if rule is not None:
        return rule(layer)
    if kind.identity_at_inference:
        return lambda x, a, g: g
    if type(layer).__name__ in ("Flatten", "Reshape", "InputLayer"):
        return lambda x, a, g: g.reshape(x.shape)
    raise Unsupported(f"the gradient of layer {type(layer).__name__}")


class InputGradient:
    """∂(output · g)/∂input of ``keras_layers`` run in NumPy, from a forward pass' trace."""

    def __init__(self, keras_layers: list[Any]) -> None:
        self.backs = [_back(layer) for layer in keras_layers]

    def __call__(self, trace: list[np.ndarray], g: np.ndarray) -> np.ndarray:
        """The gradient on the input (``trace[0]``'s shape) of a gradient ``g`` on the output
        (``trace[-1]``'s shape); ``trace`` is ``ForwardPass.trace``'s list for that input."""
        if len(trace) != len(self.backs) + 1:
            raise ValueError(f"a trace of {len(self.backs)} layers has {len(self.backs) + 1} "
                             f"arrays, not {len(trace)}")
        g = np.asarray(g, np.float32)
        for i in range(len(self.backs) - 1, -1, -1):
            g = self.backs[i](trace[i], trace[i + 1], g).astype(np.float32, copy=False)
        return g
