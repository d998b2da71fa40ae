"""Where things go on the live views' plots, as arrays: each first-layer unit's line across
the boundary's box, and the first-layer weights as one mosaic."""

from __future__ import annotations

import numpy as np

MOSAIC_COLS = 6


def unit_lines(kernel: np.ndarray, bias: np.ndarray, xs: np.ndarray, ys: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """Endpoint pairs of each first-layer unit's line w·x + b = 0 across the grid's box.

    A line that misses the box is left out: its slope is at most 1 along the axis it is
    drawn over, so both ends lie beyond the box by more than the box's other side. Such a
    line can have ends near ±1e30 (tiny weights, a bias of 1), which overflowed pyqtgraph's
    cast when it set the plot's range."""
    px: list[float] = []
    py: list[float] = []
    span = max(xs[-1] - xs[0], ys[-1] - ys[0])
    for (w1, w2), b in zip(np.asarray(kernel, float).T, np.asarray(bias, float), strict=True):
        if abs(w2) >= abs(w1) and w2 != 0:  # y as a function of x
            x = np.array([xs[0], xs[-1]])
            y = -(w1 * x + b) / w2
            if y.min() > ys[-1] + span or y.max() < ys[0] - span or not np.isfinite(y).all():
                continue
        elif w1 != 0:
            y = np.array([ys[0], ys[-1]])
            x = -(w2 * y + b) / w1
            if x.min() > xs[-1] + span or x.max() < xs[0] - span or not np.isfinite(x).all():
                continue
        else:
            continue
        px.extend(x)
        py.extend(y)
    return np.asarray(px), np.asarray(py)


def weight_mosaic(images: np.ndarray, cols: int = 0) -> np.ndarray:
    """Tiles (n, h, w) into one (rows*(h+1), cols*(w+1)) image, each tile scaled to [-1, 1]."""
    n, h, w = images.shape
    cols = cols or min(MOSAIC_COLS, max(1, int(np.ceil(np.sqrt(n)))))
    rows = max(1, -(-n // cols))
    out = np.zeros((rows * (h + 1), cols * (w + 1)), np.float32)
    for i, img in enumerate(images):
        r, c = divmod(i, cols)
        scale = float(np.abs(img).max()) or 1.0
        out[r * (h + 1): r * (h + 1) + h, c * (w + 1): c * (w + 1) + w] = img / scale
    return out
