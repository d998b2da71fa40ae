"""What every `nngui` command shares: the bad-input error, number flags, JSON output, the
data set names --dataset takes and the network a command is given (--preset or --spec)."""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

EXIT_BAD_INPUT = 2


class UsageError(Exception):
    """Bad input from the user: printed as one line, exit status 2."""


def int_in(low: int, high: int):
    """An argparse type: a whole number from ``low`` to ``high``."""
    def parse(text: str) -> int:
        try:
            value = int(text.strip().replace("_", ""))
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"must be a whole number from {low:,} to {high:,}, not {text[:40]!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"must be from {low:,} to {high:,}, not {text[:40]}")
        return value

    parse.__name__ = "whole number"
    return parse


def float_in(low: float, high: float, low_open: bool = False):
    """An argparse type: a finite number in [low, high] (or (low, high] with ``low_open``)."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a number, not {text[:40]!r}") from None
        if not (low < value if low_open else low <= value) or not value <= high:
            side = "above" if low_open else "at least"
            raise argparse.ArgumentTypeError(
                f"must be a number {side} {low:g} and at most {high:g}, not {text[:40]}")
        return value

    parse.__name__ = "number"
    return parse


def json_safe(obj: Any) -> Any:
    """``obj`` with NaN/Infinity as null: bare NaN is not JSON (a diverged model makes it)."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    return obj


def emit(args: argparse.Namespace, obj: dict[str, Any], text: str) -> None:
    if getattr(args, "json", False):
        print(json.dumps(json_safe(obj), allow_nan=False))
    else:
        print(text)


DATASETS = "{datasets}"  # in a help text: the registry's data set names, filled in by _Help


def dataset_choices() -> str:
    """'mnist, digits, ...': the names --dataset takes, from the data set registry."""
    from nngui.core.data.datasets import dataset_names

    return ", ".join(dataset_names())


def load_spec(args: argparse.Namespace):
    """The network, its training settings and its data set name (None from a --spec file)."""
    from nngui.core.network.spec import TrainConfig, load_spec_file
    from nngui.core.training.presets import get_preset

    if getattr(args, "spec", None):
        spec, cfg = load_spec_file(args.spec)
        return spec, cfg, None
    if not args.preset:
        raise UsageError("Give a network: --preset NAME (see `nngui presets`) or --spec FILE.")
    p = get_preset(args.preset)
    return p.spec(), TrainConfig.from_dict(p.train), p.dataset
