"""L1/L2 weight penalties of a Dense or Conv2D layer: the fields, the Keras object, reading back.

The penalty is Keras' own ``keras.regularizers.L1L2`` on the layer's kernel, so the loss Keras
reports while training (and the loss nngui plots) includes it. Parameter counts do not change:
a penalty adds to the loss, not to the weights.
"""

from __future__ import annotations

from typing import Any

from nngui.core.layers.fields import Field

_WHY = ("is added to the loss: the loss shown while training includes this penalty, as Keras "
        "reports it. 0 switches it off.")
L1 = Field("l1", "float", 0.0, label="L1 penalty", minimum=0.0, maximum=1.0, step=1e-4,
           help="l1 · Σ|w| over this layer's kernel (keras.regularizers.L1L2) " + _WHY)
L2 = Field("l2", "float", 0.0, label="L2", minimum=0.0, maximum=1.0, step=1e-4, beside="l1",
           help="l2 · Σw² over this layer's kernel (weight decay, keras.regularizers.L1L2) "
                + _WHY)
FIELDS = (L1, L2)


def kernel_regularizer(k: Any, p: dict[str, Any]) -> Any:
    """``keras.regularizers.L1L2`` for the layer's l1/l2, or None when both are 0."""
    l1, l2 = float(p.get("l1", 0.0)), float(p.get("l2", 0.0))
    if not (l1 or l2):
        return None
    return k.regularizers.L1L2(l1=l1, l2=l2)


def penalty_problem(cfg: dict[str, Any]) -> str:
    """What in a Keras layer config a spec cannot hold ('' if nothing): other regularizers."""
    for other in ("bias_regularizer", "activity_regularizer"):
        if cfg.get(other) is not None:
            return f"a layer with a {other.replace('_', ' ')}"
    name = _serialized(cfg.get("kernel_regularizer"))[0]
    if name not in (None, "L1L2", "L1", "L2"):
        return f"kernel regularizer {name}"
    return ""


def read_penalties(cfg: dict[str, Any]) -> dict[str, float]:
    """{"l1", "l2"} of a Keras layer config that ``penalty_problem`` accepts."""
    values = _serialized(cfg.get("kernel_regularizer"))[1]
    return {"l1": float(values.get("l1", 0.0)), "l2": float(values.get("l2", 0.0))}


def _serialized(reg: Any) -> tuple[str | None, dict[str, Any]]:
    """(class name, config) of a serialized (or live) regularizer; (None, {}) for none."""
    if reg is None:
        return None, {}
    if not isinstance(reg, dict):  # a live object
        return type(reg).__name__, reg.get_config()
    return reg.get("class_name"), reg.get("config") or {}
