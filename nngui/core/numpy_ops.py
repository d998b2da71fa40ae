"""NumPy building blocks of the forward engine: the one activation table and the kernels.

Everything works on a batch axis first ((N, features) or (N, H, W, C)) and keeps float32.
Each activation computes what Keras computes (tests hold them equal to ``keras.activations``
over the whole float32 range, tails included).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Array = np.ndarray


def sigmoid(z: Array) -> Array:
    """1 / (1 + e^-z), written so neither tail overflows nor rounds to exactly 0 early."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(z.dtype, copy=False)


def softmax(z: Array) -> Array:
    """exp(z) / Σ exp(z) over the last axis (shifted by the max, so it never overflows)."""
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def gelu(z: Array) -> Array:
    """The exact (erf) GELU, Keras' default (``approximate=False``)."""
    from scipy.special import erf  # scipy comes with scikit-learn; imported when needed

    return (0.5 * z * (1.0 + erf(z / np.float32(math.sqrt(2.0))))).astype(z.dtype, copy=False)


def leaky_relu(slope: float) -> Callable[[Array], Array]:
    """max(slope·z, z) for a slope in [0, 1)."""
    s = np.float32(slope)
    return lambda z: np.where(z >= 0, z, z * s)


def elu(z: Array) -> Array:
    """z for z > 0, e^z - 1 below (α = 1, as Keras' 'elu')."""
    return np.where(z > 0, z, np.expm1(np.minimum(z, 0)))


# keras.activations.leaky_relu's own default slope; a LeakyReLU *layer* defaults to 0.3.
KERAS_LEAKY_SLOPE = 0.2


@dataclass(frozen=True)
class Activation:
    """One entry of the activation table: the menu text and the NumPy function."""

    description: str
    fn: Callable[[Array], Array]


ACTIVATIONS: dict[str, Activation] = {
    "linear": Activation("Identity σ(z) = z", lambda z: z),
    "sigmoid": Activation("Logistic σ(z) = 1 / (1 + e^-z)", sigmoid),
    "tanh": Activation("Hyperbolic tangent", np.tanh),
    "relu": Activation("ReLU max(0, z)", lambda z: np.maximum(z, 0)),
    "leaky_relu": Activation("Leaky ReLU max(αz, z)", leaky_relu(KERAS_LEAKY_SLOPE)),
    "softmax": Activation("Softmax: exp(z) / Σ exp(z_j), outputs sum to 1", softmax),
    "elu": Activation("ELU", elu),
    "gelu": Activation("GELU", gelu),
}


def activation_fn(name: str) -> Callable[[Array], Array] | None:
    """The NumPy function of a Keras activation name, or None if the table lacks it."""
    entry = ACTIVATIONS.get(name)
    return entry.fn if entry is not None else None


# ---- convolution and pooling, channels last ---------------------------------------------------

def same_pads(size: int, k: int, stride: int) -> tuple[int, int]:
    """(before, after) padding of 'same' along one axis, as TensorFlow splits it."""
    out = -(-size // stride)
    total = max((out - 1) * stride + k - size, 0)
    return total // 2, total - total // 2


def pad_same(x: Array, k: tuple[int, int], s: tuple[int, int], value: float) -> Array:
    """Pad the H and W axes of (N, H, W, C) for a 'same' window of size k at stride s."""
    (t, b), (left, r) = same_pads(x.shape[1], k[0], s[0]), same_pads(x.shape[2], k[1], s[1])
    if t == b == left == r == 0:
        return x
    return np.pad(x, ((0, 0), (t, b), (left, r), (0, 0)), constant_values=value)


def windows(x: Array, k: tuple[int, int], s: tuple[int, int]) -> Array:
    """(N, oh, ow, C, kh, kw) view of the kh×kw patches of (N, H, W, C) at stride s."""
    v = np.lib.stride_tricks.sliding_window_view(x, k, axis=(1, 2))
    return v[:, :: s[0], :: s[1]]


def conv2d(x: Array, flat_kernel: Array, k: tuple[int, int], s: tuple[int, int],
           same: bool) -> Array:
    """Convolution of (N, H, W, C) by a kernel flattened to (C·kh·kw, filters): one matmul."""
    if same:
        x = pad_same(x, k, s, 0.0)
    win = windows(x, k, s)
    n, oh, ow = win.shape[:3]
    y = win.reshape(n * oh * ow, -1) @ flat_kernel
    return y.reshape(n, oh, ow, flat_kernel.shape[1])


def flatten_kernel(kernel: Array) -> Array:
    """A Keras (kh, kw, C, filters) kernel in the (C, kh, kw) patch order ``windows`` gives."""
    kh, kw, cin, cout = kernel.shape
    return np.ascontiguousarray(kernel.transpose(2, 0, 1, 3).reshape(cin * kh * kw, cout))


def max_pool2d(x: Array, k: tuple[int, int], s: tuple[int, int], same: bool) -> Array:
    """Max over k windows at stride s of (N, H, W, C); 'same' pads with -inf like Keras."""
    if same:
        x = pad_same(x, k, s, -np.inf)
    n, h, w, c = x.shape
    if s == k and h % k[0] == 0 and w % k[1] == 0:  # tiling windows: a reshape, no copies
        return x.reshape(n, h // k[0], k[0], w // k[1], k[1], c).max(axis=(2, 4))
    return windows(x, k, s).max(axis=(4, 5))
