"""Seed groups: the same settings trained with seeds s, s+1, …, and their curves as one band.

One run from one seed can mislead: two learning rates compared once each rank the wrong way
round about half the time when their curves lie within each other's seed-to-seed spread. A
group's runs carry ``settings["seed_group"]`` (an id, unique per group), its name
(``settings["seed_group_name"]``) and their own ``settings["seed"]``; they are saved with the
run list (runs.json) like any other setting.

A group's band at each epoch position is the mean of its members' values there, ± their
spread: the standard deviation over the members (``numpy.std``, ddof 0) that have a finite
value at that position (a stopped run's missing epochs and NaN values are left out).
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from nngui.core.training.history import epoch_points

GROUP = "seed_group"  # the settings key of a run's group id
GROUP_NAME = "seed_group_name"  # and of the group's name, as the run list shows it
SEED = "seed"
MAX_REPEATS = 20
_counter = itertools.count(1)


@dataclass
class Band:
    """A group's curve of one quantity: at each ``xs`` the ``mean`` and ± ``spread`` over
    ``counts`` members."""

    xs: np.ndarray
    mean: np.ndarray
    spread: np.ndarray
    counts: np.ndarray

    @property
    def low(self) -> np.ndarray:
        return self.mean - self.spread

    @property
    def high(self) -> np.ndarray:
        return self.mean + self.spread


def seeds_for(base: int | None, n: int) -> list[int]:
    """``n`` seeds from ``base`` on (a random base when the seed is "Random", None)."""
    if not 1 <= n <= MAX_REPEATS:
        raise ValueError(f"repeat with 1 to {MAX_REPEATS} seeds, not {n}")
    start = int(base) if base is not None else int(np.random.SeedSequence().entropy % 100_000)
    return [start + i for i in range(n)]


def new_group(name: str) -> dict[str, str]:
    """The settings a new group's runs share: a unique id and ``name``."""
    return {GROUP: f"g{int(time.time() * 1000):x}-{next(_counter)}", GROUP_NAME: name}


def group_of(settings: Mapping[str, Any]) -> str | None:
    """A run's group id (from its settings), or None."""
    group = settings.get(GROUP)
    return group if isinstance(group, str) and group else None


def groups(settings: Sequence[Mapping[str, Any]]) -> dict[str, list[int]]:
    """Group id → the indices of its runs, in order, for the runs that belong to one."""
    out: dict[str, list[int]] = {}
    for i, s in enumerate(settings):
        group = group_of(s)
        if group is not None:
            out.setdefault(group, []).append(i)
    return out


def band(histories: Sequence[Mapping[str, Sequence[float]]], key: str) -> Band:
    """The mean ± spread of ``key`` over ``histories`` at each epoch position any has."""
    values: dict[float, list[float]] = {}
    for history in histories:
        for x, v in zip(*epoch_points(history, key), strict=True):
            values.setdefault(x, []).append(v)
    xs = np.array(sorted(values), np.float64)
    per_x = [np.asarray(values[x], np.float64) for x in xs]
    return Band(xs, np.array([v.mean() for v in per_x]), np.array([v.std() for v in per_x]),
                np.array([len(v) for v in per_x], np.int64))


def final_summary(histories: Sequence[Mapping[str, Sequence[float]]], key: str) -> str:
    """'val_loss 0.312 ± 0.021 over 3 seeds' from each member's last finite value."""
    last = []
    for history in histories:
        finite = [v for v in history.get(key, []) if math.isfinite(v)]
        if finite:
            last.append(finite[-1])
    if not last:
        return ""
    arr = np.asarray(last)
    scale, unit = (100.0, " %") if "accuracy" in key else (1.0, "")
    return (f"{key} {scale * arr.mean():.3g}{unit} ± {scale * arr.std():.2g}{unit} over "
            f"{len(arr)} seed{'s' if len(arr) != 1 else ''}")


def repeated(settings: Sequence[tuple[str, Any]], n: int, base: int | None
             ) -> list[tuple[str, Any, int, dict[str, str]]]:
    """Each (label, spec) of ``settings`` (a sweep's, or one) ``n`` times with seeds
    base, base+1, …: (label with its seed, spec, seed, its group's settings) in order."""
    out = []
    for label, spec in settings:
        group = new_group(f"{label or getattr(spec, 'name', '') or 'run'} · {n} seeds")
        for seed in seeds_for(base, n):
            out.append((f"{label} · seed {seed}" if label else f"seed {seed}", spec, seed,
                        group))
    return out
