"""Custom Keras objects nngui models use; imported only via runtime.keras()."""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="nngui")
class SumSquaredError(keras.losses.Loss):
    """SSE = Σ (y - ŷ)², summed over outputs and over the batch, as in the course's XOR net."""

    def __init__(self, name: str = "sse", reduction: str = "sum", **kwargs):
        super().__init__(name=name, reduction=reduction, **kwargs)

    def call(self, y_true, y_pred):
        y_true = ops.cast(y_true, y_pred.dtype)
        return ops.sum(ops.square(y_true - y_pred), axis=-1)
