"""NumPy building blocks of the forward engine: activations (from the one table) and kernels.

The activation table is :data:`nngui.core.layers.functions.ACTIVATIONS` (the course's functions with
their derivatives); this module only looks functions up in it for inference. The kernels work
on a batch axis first ((N, H, W, C)) and keep float32.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nngui.core.layers.functions import ACTIVATIONS

Array = np.ndarray


def activation_fn(name: str, **params: float) -> Callable[[Array], Array] | None:
    """The NumPy function of a Keras activation name, or None if the table lacks it.

    Without ``params`` each takes the table's defaults, which are Keras' own (e.g. the
    'leaky_relu' activation's slope 0.2; a LeakyReLU *layer* passes its negative_slope).
    """
    entry = ACTIVATIONS.get(name)
    if entry is None:
        return None
    if not params:
        return entry.f
    return lambda z: entry.f(z, **params)


def softmax(z: Array) -> Array:
    """exp(z) / Σ exp(z) over the last axis."""
    return ACTIVATIONS["softmax"].f(z)


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


def patches(x: Array, k: tuple[int, int], s: tuple[int, int]) -> Array:
    """(N, oh, ow, kh, kw, C): the kh×kw patches of (N, H, W, C) at stride s, copied in the
    Keras kernel's order. One strided slice is copied per kernel position, whole channel runs
    at a time: reshaping ``windows`` instead gathered element by element, twice as slow (the
    bundled CNN's second conv layer: 0.34 against 0.16 ms)."""
    n, h, w, c = x.shape
    oh, ow = (h - k[0]) // s[0] + 1, (w - k[1]) // s[1] + 1
    out = np.empty((n, oh, ow, k[0], k[1], c), x.dtype)
    for i in range(k[0]):
        for j in range(k[1]):
            out[:, :, :, i, j] = x[:, i:i + s[0] * (oh - 1) + 1:s[0],
                                   j:j + s[1] * (ow - 1) + 1:s[1]]
    return out


def conv2d(x: Array, flat_kernel: Array, k: tuple[int, int], s: tuple[int, int],
           same: bool) -> Array:
    """Convolution of (N, H, W, C) by a kernel flattened to (kh·kw·C, filters): one matmul."""
    if same:
        x = pad_same(x, k, s, 0.0)
    cols = patches(x, k, s)
    n, oh, ow = cols.shape[:3]
    y = cols.reshape(n * oh * ow, -1) @ flat_kernel
    return y.reshape(n, oh, ow, flat_kernel.shape[1])


def flatten_kernel(kernel: Array) -> Array:
    """A Keras (kh, kw, C, filters) kernel as (kh·kw·C, filters), the order ``patches`` gives."""
    kh, kw, cin, cout = kernel.shape
    return np.ascontiguousarray(kernel.reshape(kh * kw * cin, cout))


def max_pool2d(x: Array, k: tuple[int, int], s: tuple[int, int], same: bool) -> Array:
    """Max over k windows at stride s of (N, H, W, C); 'same' pads with -inf like Keras."""
    if same:
        x = pad_same(x, k, s, -np.inf)
    n, h, w, c = x.shape
    if s == k and h % k[0] == 0 and w % k[1] == 0:  # tiling windows: a reshape, no copies
        return x.reshape(n, h // k[0], k[0], w // k[1], k[1], c).max(axis=(2, 4))
    return windows(x, k, s).max(axis=(4, 5))
