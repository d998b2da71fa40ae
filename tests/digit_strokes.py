"""Test helpers: digit strokes as polylines, a NumPy rasteriser, and a quickly trained model."""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

import numpy as np

Stroke = list[tuple[float, float]]  # (x, y) in a unit box, y pointing down


def _arc(cx: float, cy: float, rx: float, ry: float, a0: float, a1: float,
         n: int = 24) -> Stroke:
    """Points on an elliptic arc from angle a0 to a1 (degrees, 0 = right, 90 = down)."""
    return [(cx + rx * math.cos(math.radians(a)), cy + ry * math.sin(math.radians(a)))
            for a in np.linspace(a0, a1, n)]


# How people commonly draw each digit (one list of strokes per digit).
DIGITS: dict[int, list[Stroke]] = {
    0: [_arc(0.5, 0.5, 0.3, 0.45, -90, 270, 40)],
    1: [[(0.38, 0.2), (0.52, 0.05), (0.52, 0.95)]],
    2: [_arc(0.5, 0.3, 0.28, 0.25, 200, 360, 16) + [(0.74, 0.45), (0.22, 0.95), (0.8, 0.95)]],
    3: [_arc(0.48, 0.28, 0.27, 0.23, 200, 450, 20) + _arc(0.48, 0.72, 0.3, 0.23, -90, 160, 20)],
    4: [[(0.62, 0.95), (0.62, 0.05), (0.18, 0.66), (0.82, 0.66)]],
    5: [[(0.75, 0.06), (0.3, 0.06), (0.26, 0.45)] + _arc(0.48, 0.68, 0.3, 0.27, -120, 160, 20)],
    6: [_arc(0.55, 0.55, 0.33, 0.47, -70, -170, 12) + _arc(0.5, 0.72, 0.27, 0.22, 180, 540, 30)],
    7: [[(0.2, 0.06), (0.8, 0.06), (0.4, 0.95)]],
    8: [_arc(0.5, 0.27, 0.22, 0.21, 90, 450, 30), _arc(0.5, 0.71, 0.27, 0.23, -90, 270, 30)],
    9: [_arc(0.48, 0.3, 0.25, 0.24, 0, 360, 30) + [(0.73, 0.3), (0.68, 0.95)]],
}

# Deliberately unusual styles (continental 7, flagged 1, curly 9, ...): what a user teaches.
UNUSUAL: dict[int, list[Stroke]] = {
    1: [[(0.2, 0.35), (0.55, 0.05), (0.55, 0.95)], [(0.25, 0.95), (0.85, 0.95)]],
    7: [[(0.15, 0.2), (0.25, 0.06), (0.85, 0.06), (0.45, 0.95)], [(0.3, 0.5), (0.8, 0.5)]],
    # a "g"-like 9: the tail curls back to the left under the loop
    9: [_arc(0.5, 0.3, 0.28, 0.24, 10, 370, 30) + _arc(0.35, 0.68, 0.4, 0.3, 0, 140, 16)],
    # a flat-topped 3 (like a z with a bowl)
    3: [[(0.2, 0.06), (0.8, 0.06), (0.4, 0.42)] + _arc(0.45, 0.68, 0.33, 0.27, -80, 150, 20)],
    # a slashed zero
    0: [_arc(0.5, 0.5, 0.3, 0.45, -90, 270, 40), [(0.85, 0.1), (0.15, 0.9)]],
    # a 2 with a loop at the bottom
    2: [_arc(0.5, 0.3, 0.28, 0.25, 200, 360, 16) + [(0.74, 0.45), (0.3, 0.85)]
        + _arc(0.3, 0.78, 0.1, 0.1, 90, 450, 14)[3:] + [(0.85, 0.95)]],
}


def render(strokes: list[Stroke], size: int = 280, box: tuple[float, float, float, float]
           = (0.25, 0.15, 0.5, 0.7), thickness: float = 18.0, jitter: float = 0.0,
           seed: int = 0) -> np.ndarray:
    """Anti-aliased white-on-black float image of the strokes drawn into box (x, y, w, h)."""
    rng = np.random.default_rng(seed)
    bx, by, bw, bh = box
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) + 0.5
    dist = np.full((size, size), np.inf, dtype=np.float32)
    for stroke in strokes:
        pts = np.asarray(stroke, dtype=np.float32)
        pts = pts + rng.normal(0.0, jitter, pts.shape).astype(np.float32)
        px = (bx + pts[:, 0] * bw) * size
        py = (by + pts[:, 1] * bh) * size
        for x0, y0, x1, y1 in zip(px[:-1], py[:-1], px[1:], py[1:], strict=True):
            dx, dy = x1 - x0, y1 - y0
            t = ((xx - x0) * dx + (yy - y0) * dy) / max(dx * dx + dy * dy, 1e-9)
            t = np.clip(t, 0.0, 1.0)
            d = np.hypot(xx - (x0 + t * dx), yy - (y0 + t * dy))
            np.minimum(dist, d, out=dist)
    return np.clip(thickness / 2.0 - dist + 0.5, 0.0, 1.0)


@lru_cache(maxsize=2)
def quick_model(mnist_path: Path, hidden: int = 256, epochs: int = 3):
    """A 784-hidden-10 MLP trained on the training set of ``mnist_path``.

    On the full MNIST file (``full_mnist_path``) it reads ~98 % (~15 s on 2 cores); on the
    shipped 8,000-digit slice only ~92 %.
    """
    from nngui.core.data.adapt import prepare
    from nngui.core.data.datasets import load_mnist
    from nngui.core.model.builder import build_model
    from nngui.core.network.spec import LayerSpec, NetworkSpec, TrainConfig
    from nngui.core.training.train import train

    spec = NetworkSpec((784,), [LayerSpec("Dense", {"units": hidden, "activation": "relu"}),
                                LayerSpec("Dense", {"units": 10, "activation": "softmax"})],
                       "sparse_categorical_crossentropy", name="quick_mlp")
    ds = load_mnist(mnist_path)
    data = prepare(ds, spec)
    model = build_model(spec, seed=0)
    result = train(model, data, spec, TrainConfig(epochs=epochs, batch_size=128,
                                                  validation_split=0.0, seed=0))
    assert result.ok, result.message
    return model, spec, ds
