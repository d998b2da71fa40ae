"""What a network costs beside its parameters: multiply-adds per prediction (from its spec)
and seconds per epoch (measured, from its history).

``multiply_adds`` counts what a student would by hand: a Dense layer's inputs × units, a
Conv2D's kernel weights × output positions, a BatchNormalization's one scale-and-shift per
value at prediction time; biases, activations and pooling are additions or comparisons, not
multiply-adds. (``network.shapes.forward_macs`` is a rougher count for sizing work.)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from nngui.core.layers.kinds import KINDS
from nngui.core.network.shapes import LayerRow, layer_rows
from nngui.core.network.spec import LayerSpec, NetworkSpec

RECENT_EPOCHS = 10  # the time per epoch is the median of this many latest whole epochs


def row_multiply_adds(row: LayerRow, layer: LayerSpec) -> int:
    """Multiply-adds of one summary row per sample (0 for a row Keras adds, e.g. LeakyReLU)."""
    out = row.output_shape
    if out is None or row.type != layer.type or not row.params:
        return 0
    bias = int(out[-1]) if layer.params.get("use_bias") else 0
    if row.type == "Dense":
        return (row.params - bias) * math.prod(out[:-1])
    if row.type == "Conv2D":
        return (row.params - bias) * int(out[0]) * int(out[1])
    if row.type == "BatchNormalization":
        return math.prod(out)
    return KINDS[row.type].macs(row.params, out)  # a kind this count does not know: roughly


def multiply_adds(spec: NetworkSpec) -> int | None:
    """Multiply-adds for one prediction, or None when a layer's shape cannot be computed."""
    rows = layer_rows(spec)
    if any(r.error for r in rows):
        return None
    return sum(row_multiply_adds(r, spec.layers[r.spec_index]) for r in rows)


def epoch_seconds(history: Mapping[str, Sequence[float]]) -> float | None:
    """The measured seconds per epoch: the median of the latest whole epochs' ``epoch_time``
    (a stopped epoch's part is left out), or None before any epoch has been timed."""
    times = list(history.get("epoch_time", ()))
    xs = list(history.get("epoch", ())) or [float(i + 1) for i in range(len(times))]
    whole = [float(t) for x, t in zip(xs, times, strict=False) if float(x).is_integer()]
    recent = sorted(t for t in whole[-RECENT_EPOCHS:] if math.isfinite(t) and t > 0)
    if not recent:
        return None
    mid = len(recent) // 2
    return recent[mid] if len(recent) % 2 else (recent[mid - 1] + recent[mid]) / 2


def count_text(n: int) -> str:
    """A count for a one-line summary: 15,680; 1.2 M; 3.4 G."""
    if n < 1_000_000:
        return f"{n:,}"
    if n < 1_000_000_000:
        return f"{n / 1e6:.1f} M"
    return f"{n / 1e9:.1f} G"


def seconds_text(s: float) -> str:
    """3 ms, 0.42 s, 12 s, 3.5 min (a tiny net's epoch read "0.00 s")."""
    if s < 0.1:
        return f"{s * 1000:.1f} ms" if s < 0.00995 else f"{s * 1000:.0f} ms"
    if s < 10:
        return f"{s:.2f} s" if s < 1 else f"{s:.1f} s"
    return f"{s:.0f} s" if s < 120 else f"{s / 60:.1f} min"
