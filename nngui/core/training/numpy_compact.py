"""Inputs that are zero in every training sample, left out of NumPy's training steps.

An input that is zero in every sample of a run's training data gives the first Dense
kernel's row for it a zero gradient at every step. Where that row's optimizer slots are zero
too (a new model, or one whose earlier runs never moved them), every optimizer written here
leaves the row exactly as it is (Adam: ``m = β₁·0 + 0``, ``v = β₂·0 + 0``, ``w -= α·0/(0 + ε)``;
SGD and its momentum, RMSprop alike): Keras' step computes zeros there and changes nothing.
So the step can skip those inputs: the first product and its gradient get narrower, and the
optimizer's passes shorter. MNIST's 10,000 first training digits leave 111 of 784 pixels
blank (1,000 digits: 175), 14 % of the step's two large products and of Adam's ten passes.

``Compact`` holds the trained weights without those rows (``w``, ``g`` and the slots, each one
buffer of the same layout: the kernel's live rows, then every other weight as in the full
buffer). ``NumpyLoop`` fills it from its full buffers at the start of a call (``gather``) and
writes it back where a full weight is read: before each epoch's validation, snapshot and NaN
check (``put_weights``), and with the slots at the end of the call (``put_all``).
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from nngui.core.training.numpy_optimizer import Flat

MIN_DEAD = 1 / 16  # fewer dead inputs than this share: the full step (nothing to win)


def live_inputs(x: np.ndarray) -> np.ndarray:
    """Which inputs (after flattening) are nonzero (or NaN) in some sample of ``x``: a bool
    mask."""
    return x.reshape(len(x), -1).any(axis=0)


# the last data set's (tensor, live inputs, rows, its columns of those rows): a session's
# next run, or the next model's, trains on the same tensors (``pipeline.as_tensors``); a
# weak reference, so the cache never keeps a data set alive
_last: list = [None, None, None, None]


def _cached(x_t: Any) -> bool:
    return _last[0] is not None and _last[0]() is x_t


def live_of(x_t: Any, x: np.ndarray) -> np.ndarray:
    """``live_inputs(x)``, kept while ``x``'s tensor ``x_t`` is the last one asked about."""
    if not _cached(x_t):
        _last[:] = [None, None, None, None]  # the old arrays go before the new ones are made
        try:
            ref = weakref.ref(x_t)
        except TypeError:  # not weakly referable: nothing kept
            return live_inputs(x)
        _last[:] = [ref, live_inputs(x), None, None]
    return _last[1]


def columns(x_t: Any, x: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``x``'s (flattened) columns ``rows``, contiguous; kept as ``live_of`` keeps its mask."""
    key = rows.tobytes()
    if _cached(x_t) and _last[2] == key:
        return _last[3]
    if _cached(x_t):
        _last[2:] = [None, None]
    got = np.take(x.reshape(len(x), -1), rows, axis=1)
    if _cached(x_t):
        _last[2:] = [key, got]
    return got


def plan(live_x: np.ndarray, kernel: np.ndarray, slots: list[np.ndarray]) -> np.ndarray | None:
    """The kernel rows to train (int indices), or None where the full step is as cheap.

    ``live_x``: ``live_inputs`` of the run's training data; ``kernel``: the first Dense
    kernel, as the full buffer holds it; ``slots``: the optimizer's slots for it. A row
    trains if its input is live or a slot of it is not zero (an earlier run moved it);
    skipping needs the skipped rows finite (``0·inf`` is NaN in Keras' product)."""
    if kernel.ndim != 2 or len(live_x) != kernel.shape[0]:
        return None
    live = live_x.copy()
    for slot in slots:
        live |= np.any(slot != 0, axis=1)
    dead = ~live
    if dead.sum() < MIN_DEAD * len(live) or not np.isfinite(kernel[dead]).all():
        return None
    return np.flatnonzero(live)


class Compact:
    """The weights NumPy's loop trains when ``plan`` skips kernel rows (the module's note)."""

    def __init__(self, full: Flat, rows: np.ndarray, slot_names: list[str]) -> None:
        kernel_shape = full.spans[0][2]
        self.rows = rows
        self.kernel_size = int(np.prod(kernel_shape))  # the full kernel's span in ``full``
        shapes = [(len(rows), kernel_shape[1]), *(s for _, _, s in full.spans[1:])]
        self.w, self.g = Flat(shapes), Flat(shapes)
        self.cut = len(rows) * kernel_shape[1]  # the compact kernel's span
        self.slots = {k: np.zeros_like(self.w.buffer) for k in slot_names}

    def _gather(self, full: np.ndarray, shape: tuple[int, int], out: np.ndarray) -> None:
        np.take(full[:self.kernel_size].reshape(shape), self.rows, axis=0,
                out=out[:self.cut].reshape(len(self.rows), shape[1]))
        out[self.cut:] = full[self.kernel_size:]

    def _scatter(self, part: np.ndarray, shape: tuple[int, int], full: np.ndarray) -> None:
        full[:self.kernel_size].reshape(shape)[self.rows] = \
            part[:self.cut].reshape(len(self.rows), shape[1])
        full[self.kernel_size:] = part[self.cut:]

    def gather(self, full: Flat, slots: dict[str, np.ndarray]) -> None:
        """The compact weights and slots from the full ones."""
        shape = full.spans[0][2]
        self._gather(full.buffer, shape, self.w.buffer)
        for k, buf in self.slots.items():
            self._gather(slots[k], shape, buf)

    def put_weights(self, full: Flat) -> None:
        """The full weights set to the compact ones (the skipped rows never changed)."""
        self._scatter(self.w.buffer, full.spans[0][2], full.buffer)

    def put_all(self, full: Flat, slots: dict[str, np.ndarray]) -> None:
        """The full weights and slots set to the compact ones."""
        self.put_weights(full)
        for k, buf in self.slots.items():
            self._scatter(buf, full.spans[0][2], slots[k])
