"""Checking the lab's hand-written gradients: central finite differences and tf.GradientTape.

Both take (config, weights) and return one array per layer, so the GUI can run the TensorFlow
one off the GUI thread as a plain function. TensorFlow is imported only inside
``tf_gradients`` (through ``runtime``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nngui.core.lab.backprop import LabConfig, dataset, hand_gradients, loss_at

FD_STEP = 1e-4
# entries below this in both count as zero: finite differences carry ~1e-12 of rounding noise,
# and a ratio of noise to a tiny gradient says nothing about the derivative
REL_FLOOR = 1e-6
PASS_TOLERANCE = 1e-5  # what the lab calls "agrees"


def finite_difference_gradients(config: LabConfig, weights: list[np.ndarray],
                                h: float = FD_STEP) -> list[np.ndarray]:
    """∂L/∂W by central differences, one weight at a time.

    The five-point central stencil (L(w-2h) - 8L(w-h) + 8L(w+h) - L(w+2h)) / 12h: its error
    is O(h⁴), so with h = 1e-4 it is good to ~1e-11 where the two-point one stops at ~1e-8.
    """
    ws = [w.copy() for w in weights]
    out = []
    for w in ws:
        g = np.zeros_like(w)
        for idx in np.ndindex(w.shape):
            keep = w[idx]
            vals = []
            for k in (-2, -1, 1, 2):
                w[idx] = keep + k * h
                vals.append(loss_at(config, ws))
            w[idx] = keep
            # differences first: a weight that changes nothing then gives exactly 0
            g[idx] = (8 * (vals[2] - vals[1]) - (vals[3] - vals[0])) / (12 * h)
        out.append(g)
    return out


def tf_gradients(config: LabConfig, weights: list[np.ndarray]) -> list[np.ndarray]:
    """∂L/∂W from tf.GradientTape: the same network written with Keras activations and losses."""
    from nngui.core.platform.runtime import keras, tf

    t, k = tf(), keras()
    x, y = dataset(config)
    variables = [t.Variable(np.asarray(w, dtype=np.float64)) for w in weights]
    yt = t.constant(y)
    with t.GradientTape() as tape:
        a = t.constant(x)
        for v, name in zip(variables, config.activations, strict=True):
            z = t.matmul(a, v)
            if name == "leaky_relu":
                # Keras' leaky_relu is TensorFlow's LeakyRelu op, whose alpha is a float32
                # attribute: in float64 that rounding alone moved gradients by 4e-6 (relative)
                # for alpha = 0.17734021621013343. Written out, the slope stays float64.
                a = t.where(z > 0, z, z * config.alpha)
            elif name == "sigmoid":
                a = t.math.sigmoid(z)  # not Keras': its output carries logits BCE would reuse
            else:
                a = getattr(k.activations, name)(z)
        if config.loss == "sse":
            loss = t.reduce_sum(t.square(yt - a))
        else:
            fn = {"mse": k.losses.mean_squared_error, "mae": k.losses.mean_absolute_error,
                  "binary_crossentropy": k.losses.binary_crossentropy}[config.loss]
            loss = t.reduce_mean(fn(yt, a))
    return [g.numpy() for g in tape.gradient(loss, variables)]


def relative_differences(a: list[np.ndarray], b: list[np.ndarray]) -> list[np.ndarray]:
    """|a - b| / max(|a|, |b|) element-wise, 0 where both are below REL_FLOOR."""
    out = []
    for x, y in zip(a, b, strict=True):
        scale = np.maximum(np.maximum(np.abs(x), np.abs(y)), REL_FLOOR)
        out.append(np.abs(x - y) / scale)
    return out


def max_relative_difference(a: list[np.ndarray], b: list[np.ndarray]) -> float:
    """The largest element-wise relative difference over all layers."""
    return float(max(np.max(r) for r in relative_differences(a, b)))


@dataclass
class GradCheck:
    """Hand-written gradients against references; max relative differences (None: not run)."""

    hand: list[np.ndarray]
    numeric: list[np.ndarray]
    numeric_max_rel: float
    tf: list[np.ndarray] | None = None
    tf_max_rel: float | None = None

    @property
    def ok(self) -> bool:
        worst = max(self.numeric_max_rel, self.tf_max_rel or 0.0)
        return worst < PASS_TOLERANCE


def gradient_check(config: LabConfig, weights: list[np.ndarray],
                   with_tf: bool = True) -> GradCheck:
    """Hand-written ∂L/∂W against finite differences and (optionally) TensorFlow."""
    hand = hand_gradients(config, weights)
    numeric = finite_difference_gradients(config, weights)
    check = GradCheck(hand, numeric, max_relative_difference(hand, numeric))
    if with_tf:
        check.tf = tf_gradients(config, weights)
        check.tf_max_rel = max_relative_difference(hand, check.tf)
    return check
