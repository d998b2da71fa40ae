"""How a digit classifier's accuracy falls as its input is disturbed: the robustness curves.

Four disturbances, each at growing strength, applied to the same test digits (28x28, white on
black, in [0, 1]):

* **rotation**: turned by the angle, alternately clockwise and anticlockwise (degrees);
* **shift**: moved by the distance, each digit in one of the four directions in turn (px);
* **thickness**: strokes grown by dilation (positive px) or thinned (−1: half an erosion);
* **noise**: Gaussian noise of that standard deviation added, clipped to [0, 1].

Level 0 of each is the undisturbed set, so every curve starts at the plain accuracy. The
digits are *not* re-centred afterwards: the curves show what the network itself tolerates
(the Draw tab's preprocessing undoes shifts and sizes before a drawing reaches it).

``robustness`` takes a ``predict`` function (a batch of (n, 28, 28) images to class scores);
the GUI runs it in a job that holds the model (``gui.draw.robustness``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

LEVELS: dict[str, tuple[float, ...]] = {
    "rotation": (0, 10, 20, 30, 45, 60),
    "shift": (0, 1, 2, 3, 4, 6),
    "thickness": (-1, 0, 1, 2, 3),
    "noise": (0, 0.1, 0.2, 0.3, 0.4, 0.6),
}
UNITS = {"rotation": "degrees", "shift": "px", "thickness": "px of stroke width",
         "noise": "noise σ"}
_CROSS = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], dtype=bool)


def disturb(x: np.ndarray, kind: str, level: float, seed: int = 0) -> np.ndarray:
    """The digits ``x`` (n, 28, 28) disturbed by ``kind`` at ``level`` (see the module doc)."""
    from scipy import ndimage

    x = np.asarray(x, np.float32).reshape(-1, 28, 28)
    if kind == "rotation":
        if level == 0:
            return x.copy()
        out = np.empty_like(x)
        for sign in (1, -1):
            part = slice(0 if sign == 1 else 1, None, 2)
            out[part] = ndimage.rotate(x[part], sign * float(level), axes=(2, 1),
                                       reshape=False, order=1, mode="constant")
        return np.clip(out, 0.0, 1.0)
    if kind == "shift":
        out = np.empty_like(x)
        directions = ((0, level), (0, -level), (level, 0), (-level, 0))
        for i, (dy, dx) in enumerate(directions):
            out[i::4] = ndimage.shift(x[i::4], (0, dy, dx), order=1, mode="constant")
        return np.clip(out, 0.0, 1.0)
    if kind == "thickness":
        steps = int(level)
        if steps == 0:
            return x.copy()
        if steps < 0:
            eroded = ndimage.grey_erosion(x, footprint=_CROSS[None])
            return 0.5 * (x + eroded)
        out = x
        for _ in range(steps):
            out = ndimage.grey_dilation(out, footprint=_CROSS[None])
        return out
    if kind == "noise":
        rng = np.random.default_rng(seed)
        return np.clip(x + rng.normal(0.0, float(level), x.shape).astype(np.float32), 0.0, 1.0)
    raise ValueError(f"unknown disturbance {kind!r}; one of {', '.join(LEVELS)}")


@dataclass
class Curves:
    """Accuracy per disturbance and level, on ``n`` digits."""

    levels: dict[str, tuple[float, ...]]
    accuracy: dict[str, list[float]]
    n: int

    def at(self, kind: str, level: float) -> float:
        return self.accuracy[kind][self.levels[kind].index(level)]


def robustness(predict: Callable[[np.ndarray], np.ndarray], x: np.ndarray, y: np.ndarray,
               levels: dict[str, tuple[float, ...]] | None = None, seed: int = 0,
               should_stop: Callable[[], bool] | None = None) -> Curves:
    """Accuracy of ``predict`` on ``x`` disturbed at every level of every kind."""
    levels = dict(levels or LEVELS)
    y = np.asarray(y).reshape(-1)
    x = np.asarray(x, np.float32).reshape(-1, 28, 28)
    if len(y) != len(x) or len(y) == 0:
        raise ValueError("robustness needs as many labels as digits, and at least one")
    accuracy: dict[str, list[float]] = {}
    for kind, values in levels.items():
        accuracy[kind] = []
        for level in values:
            if should_stop is not None and should_stop():
                raise InterruptedError("stopped")
            scores = np.asarray(predict(disturb(x, kind, level, seed)))
            pred = scores.argmax(axis=1) if scores.ndim == 2 and scores.shape[1] > 1 else \
                (scores.reshape(-1) > 0.5).astype(np.int64)
            accuracy[kind].append(float(np.mean(pred == y)))
    return Curves(levels, accuracy, len(y))


def keras_predict(model) -> Callable[[np.ndarray], np.ndarray]:
    """A batch predictor for a Keras model that takes one 28x28 digit in any layout."""
    shape = tuple(int(v) for v in model.inputs[0].shape[1:])

    def predict(x: np.ndarray) -> np.ndarray:
        return np.asarray(model.predict(np.asarray(x, np.float32).reshape((-1, *shape)),
                                        batch_size=500, verbose=0))

    return predict
