"""The app's look in one place: the class palette, class brushes, boundary colours, plot style.

Every view that colours classes or draws with pyqtgraph takes its colours from here, so a
class has the same colour on the Evaluate, Watch, Inspect and Autoencoder tabs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# matplotlib's tab10: class k is PALETTE[k % 10] everywhere
PALETTE = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
           (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207)]
GOOD = np.array([46, 160, 67], dtype=float)
BAD = np.array([214, 39, 40], dtype=float)
WHITE = np.array([255, 255, 255], dtype=float)


def boundary_rgb(classes: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """[iy, ix, 3] colours: the predicted class's hue, stronger where the model is sure."""
    k = max(2, int(classes.max()) + 1)
    palette = np.array(PALETTE, dtype=float)[np.arange(k) % len(PALETTE)]
    sure = np.clip((probs - 1.0 / k) / (1.0 - 1.0 / k), 0.0, 1.0)
    t = (0.15 + 0.45 * sure)[..., None]
    rgb = WHITE + (palette[classes] - WHITE) * t
    return rgb.astype(np.uint8)


_BRUSHES: dict[tuple[int, int], Any] = {}


def class_brushes(labels: np.ndarray, alpha: int = 255) -> list:
    """One shared QBrush per class (making hundreds per epoch costs the GUI thread)."""
    out = []
    for c in np.asarray(labels).astype(int).ravel():
        key = (int(c) % len(PALETTE), alpha)
        if key not in _BRUSHES:
            _BRUSHES[key] = _pg().mkBrush(*PALETTE[key[0]], alpha)
        out.append(_BRUSHES[key])
    return out


def _pg() -> Any:
    import pyqtgraph as pg  # only when a brush is made: importing style stays cheap

    return pg


def style_plots() -> None:
    """pyqtgraph's look for the app; call before the first plot (it imports pyqtgraph)."""
    import pyqtgraph as pg

    pg.setConfigOptions(antialias=True, background="w", foreground="k")
    if not getattr(pg.AxisItem, "_nngui_plain_numbers", False):
        made = pg.AxisItem.__init__

        def plain_numbers(axis: pg.AxisItem, *args: object, **kwargs: object) -> None:
            made(axis, *args, **kwargs)
            # pyqtgraph rescales small values into "loss (x0.001)" with ticks 150-400; a
            # student reads the loss itself. Every axis of the app shows plain numbers.
            axis.enableAutoSIPrefix(False)

        pg.AxisItem.__init__ = plain_numbers
        pg.AxisItem._nngui_plain_numbers = True
