"""The NumPy forward engine: a stack of trained Keras layers run as NumPy steps.

``inference.FastPredictor`` (live drawing) and the autoencoder's ``FastEncoder`` /
``FastDecoder`` (hover decoding) both run on it. Each layer's step comes from the layer
registry (:mod:`nngui.core.layers.kinds`), the activations from the one table in
:mod:`nngui.core.layers.numpy_ops`. Weights are copied when the pass is made: make a new one (or
call ``refresh``) after training changes them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nngui.core.layers.base import Step, Unsupported
from nngui.core.layers.kinds import kind_of
from nngui.core.platform.blas import one_blas_thread

__all__ = ["ForwardPass", "Unsupported"]


class ForwardPass:
    """Inference through ``keras_layers`` in NumPy; Unsupported names a layer it cannot run."""

    def __init__(self, keras_layers: list[Any]) -> None:
        self.layers = list(keras_layers)
        self.steps: list[Step] = []
        self.refresh()

    def refresh(self) -> None:
        """Copy the layers' weights again."""
        self.steps = [kind_of(layer).step(layer) for layer in self.layers]

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Outputs (N, ...) float32 for a batch (N, ...) in the first layer's input shape."""
        h = np.asarray(x, dtype=np.float32)
        # One BLAS thread: for single samples, waking a thread pool costs more than the work.
        with one_blas_thread():
            for step in self.steps:
                h = step(h)
        return np.asarray(h, dtype=np.float32)

    def trace(self, x: np.ndarray) -> list[np.ndarray]:
        """The input as float32 and then every layer's output: the pass ``__call__`` makes,
        with what it passed through kept (``backward.InputGradient`` runs it backwards; the
        Draw tab's feature maps are its conv layers' outputs). No step writes into its input,
        so the arrays stay as they were made."""
        h = np.asarray(x, dtype=np.float32)
        kept = [h]
        with one_blas_thread():
            for step in self.steps:
                h = step(h)
                kept.append(h)
        return kept
