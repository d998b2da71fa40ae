"""Probes: what a live view needs from a model, computed in the thread that trains it.

``core.training.train(..., probes=[...])`` calls each probe with the model after every epoch,
in the training thread, and hands the returned arrays to ``observer.on_probe(name, epoch,
payload)``. The GUI only draws those arrays; it never calls into a model a job holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass
class ReconstructionProbe:
    """An autoencoder's reconstructions of a few fixed inputs (e.g. one test digit a class)."""

    originals: np.ndarray  # (n, ...) the inputs as the views show them (e.g. 28x28)
    name: str = "reconstructions"

    def __call__(self, model: Any) -> dict[str, np.ndarray]:
        from .autoencoder import reconstruct

        recon = np.asarray(reconstruct(model, self.originals), dtype=np.float32)
        return {"originals": self.originals, "reconstructions": recon}
