"""Editing one weight of a small trained network by hand, and what that does to it.

The functions here run in a job that holds the model (its only user while they run): the GUI
asks, the job sets the weight in Keras, then computes the live views' probes and the loss, so
the boundary, the unit tiles and the loss show the edited network at once.

What is small enough, and the weights as matrices, are ``core.model.dense_weights``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nngui.core.model.dense_weights import (  # noqa: F401 (the editor's names, re-exported)
    MAX_HIDDEN,
    MAX_INPUTS,
    Key,
    dense_layers,
    matrices,
    set_weights,
    why_not,
)


@dataclass
class Edited:
    """What a job that edited the weights hands the GUI."""

    weights: list[np.ndarray]  # every layer's matrix as the model holds it now
    payloads: list[tuple[str, Any]] = field(default_factory=list)  # probe name, arrays
    loss: float | None = None  # on the data given (None: the model is not compiled)


def edit(model: Any, values: dict[Key, float], probes: Sequence[Any] = (),
         x: np.ndarray | None = None, y: np.ndarray | None = None) -> Edited:
    """Set ``values`` in ``model``, then its probes and loss (in the job that holds it)."""
    set_weights(model, values)
    payloads = [(p.name, p(model)) for p in probes]
    loss = None
    if x is not None and y is not None and getattr(model, "compiled", False):
        logs = model.evaluate(x, y, batch_size=1024, verbose=0, return_dict=True)
        loss = float(logs["loss"])
    return Edited(matrices(model), payloads, loss)
