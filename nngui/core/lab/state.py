"""The backprop lab's state in a project file: plain JSON, checked like every other member."""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any

import numpy as np

MAX_LOSSES = 1_000_000


class LabStateError(ValueError):
    """A lab state that LabNet would not accept; the message says why."""


def lab_state(net: Any) -> dict[str, Any]:
    """A backprop lab (core.lab.backprop.LabNet) as plain JSON: settings, weights, history."""
    return {"config": asdict(net.config), "weights": [w.tolist() for w in net.weights],
            "iteration": int(net.iteration), "losses": [float(v) for v in net.losses],
            "sses": [float(v) for v in net.sses]}


def check_lab(d: Any, where: str = "the project") -> dict[str, Any] | None:
    """``d`` checked against what LabNet accepts (None stays None); LabStateError otherwise."""
    from nngui.core.lab.backprop import LabConfig, LabError, initial_weights

    if d is None:
        return None
    try:
        cfg = d["config"]
        known = {f.name for f in fields(LabConfig)}
        if not isinstance(cfg, dict) or set(cfg) - known:
            raise ValueError("unknown lab settings")
        config = LabConfig(**cfg)
        shapes = [w.shape for w in initial_weights(config)]
        weights = [np.asarray(w, dtype=np.float64) for w in d["weights"]]
        if [w.shape for w in weights] != shapes or not all(np.isfinite(w).all()
                                                           for w in weights):
            raise ValueError("the weights do not fit the lab's network")
        losses, sses = _floats(d["losses"]), _floats(d["sses"])
        iteration = d["iteration"]
        if isinstance(iteration, bool) or not isinstance(iteration, int) or iteration < 0:
            raise ValueError("the iteration count is not a whole number")
    except (LabError, ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
        raise LabStateError(f"{where}: the lab state is not valid ({exc}).") from None
    return {"config": asdict(config), "weights": [w.tolist() for w in weights],
            "iteration": iteration, "losses": losses, "sses": sses}


def _floats(v: Any) -> list[float]:
    if not isinstance(v, list) or len(v) > MAX_LOSSES or not all(
            isinstance(x, (int, float)) and not isinstance(x, bool) for x in v):
        raise ValueError("a loss history is not a list of numbers")
    return [float(x) for x in v]


def apply_lab_state(net: Any, state: dict[str, Any]) -> None:
    """Put a checked lab state into a LabNet: same settings, weights and loss history."""
    from nngui.core.lab.backprop import LabConfig

    net.config = LabConfig(**state["config"])
    net.reset()
    net.weights = [np.asarray(w, dtype=np.float64) for w in state["weights"]]
    net.iteration = int(state["iteration"])
    net.losses, net.sses = list(state["losses"]), list(state["sses"])
