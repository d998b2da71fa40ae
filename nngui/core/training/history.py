"""A session's per-epoch history kept aligned, and the points a view draws from it.

A history is ``{key: [value per entry]}`` with ``history["epoch"]`` the x of each entry: the
epoch's end (``2.0``), or less for the stopped part of one (``2.4``). Every list has one value
per entry; a value that does not exist (the validation of a stopped part, a key a later run
added) is NaN. Then every view that reads ``history[key][i]`` at ``history["epoch"][i]`` (the
Train tab, the Watch tab's views, the run list, the CSV export) puts it at the same x.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

POSITION = "epoch"  # the key that holds each entry's x
NOT_MEASURED = ("epoch", "epoch_time", "learning_rate")  # no validation counterpart
NAN = math.nan


def _n_entries(history: Mapping[str, Sequence[float]]) -> int:
    if POSITION in history:
        return len(history[POSITION])
    return len(history.get("loss", ())) or max((len(v) for v in history.values()), default=0)


def aligned(history: Mapping[str, Sequence[float]]) -> dict[str, list[float]]:
    """A copy in which every list has one value per entry of ``history["epoch"]``.

    A history without positions (older files) gets ``1, 2, …``. A list that is short (a
    history saved before histories were aligned) lost the entries of a stopped epoch's part
    when it has exactly one value per whole epoch, else the entries before its key first
    appeared: its values go there and NaN fills the rest. A list that is too long is cut.
    """
    n = _n_entries(history)
    xs = [float(x) for x in history.get(POSITION, [])] or [float(i + 1) for i in range(n)]
    out: dict[str, list[float]] = {POSITION: xs}
    whole = [i for i, x in enumerate(xs) if float(x).is_integer()]
    for key, values in history.items():
        if key == POSITION:
            continue
        vals = [float(v) for v in values][:n]
        if len(vals) < n:
            if len(vals) == len(whole):  # a stopped part's entry has no validation
                filled = [NAN] * n
                for i, v in zip(whole, vals, strict=True):
                    filled[i] = v
                vals = filled
            else:  # the key came with a later run
                vals = [NAN] * (n - len(vals)) + vals
        out[key] = vals
    return out


def extended(history: Mapping[str, Sequence[float]],
             more: Mapping[str, Sequence[float]]) -> dict[str, list[float]]:
    """``history`` followed by ``more`` (a run's entries), both aligned: a key only one of
    them has is NaN in the other's entries, a short list of ``more`` is NaN at its end (a run's
    stopped last epoch has no validation)."""
    out = aligned(history) if history else {}
    n_old = len(out.get(POSITION, []))
    n_new = max((len(v) for v in more.values()), default=0)
    if not n_new:
        return out
    for key in set(out) | set(more):
        old = out.get(key, [NAN] * n_old)
        new = [float(v) for v in more.get(key, [])][:n_new]
        out[key] = old + new + [NAN] * (n_new - len(new))
    return out


def append_entry(history: dict[str, list[float]], entry: Mapping[str, float]) -> None:
    """Add one entry (an epoch's logs with its ``"epoch"`` x) to an aligned ``history`` in
    place: a key new to it is NaN in the entries before, a key the entry lacks is NaN in it."""
    n = len(history.get(POSITION, []))
    for key in set(history) | set(entry):
        history.setdefault(key, [NAN] * n).append(float(entry.get(key, NAN)))


def with_validation_gaps(logs: Mapping[str, float], validates: bool) -> dict[str, float]:
    """An epoch's logs with ``val_<key>`` NaN for each measured key that has none, when the run
    validates (a stopped epoch's part is not validated): every epoch of the run then has the
    same keys, and a view that appends them stays aligned."""
    out = dict(logs)
    if validates:
        for key in logs:
            if key not in NOT_MEASURED and not key.startswith("val_"):
                out.setdefault("val_" + key, NAN)
    return out


def epoch_points(history: Mapping[str, Sequence[float]], key: str
                 ) -> tuple[list[float], list[float]]:
    """The points of ``key``'s curve: (x, value) for each entry with a finite value, at its
    ``history["epoch"]`` position.

    A stopped epoch's part that a later run trained again from an earlier point (its x is not
    below a later entry's) is left out: the curve never runs back.
    """
    if key not in history:
        return [], []
    xs, values = history.get(POSITION), history[key]
    if xs is None or len(xs) != len(values):  # not aligned (an older history)
        hist = aligned(history)
        xs, values = hist[POSITION], hist[key]
    px: list[float] = []
    py: list[float] = []
    later = math.inf  # the smallest x after entry i
    for x, v in reversed(list(zip(xs, values, strict=True))):
        if x < later and math.isfinite(v):
            px.append(float(x))
            py.append(float(v))
        later = min(later, x)
    return px[::-1], py[::-1]
