"""Input features for 2-D data: the course's lift φ(x1, x2) = (x1, x2, x1², x2², x1·x2, …).

A network spec may list extra inputs computed from the two coordinates (``spec.features``).
``lift`` is the one function that computes them: training and evaluation data
(``adapt.prepare``), the decision-boundary grid, the hidden-space probe (through the prepared
data), the CLI and the exported script (``python_code``, the same formulas inline) all use it,
so the model always sees the same columns in the same order: x1, x2, then the features in
``FEATURES`` order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from nngui.core.platform.codegen import comment


@dataclass(frozen=True)
class Feature:
    """One extra input: its label, a name for widgets, its NumPy and its Python source."""

    title: str
    ident: str
    fn: Callable[[np.ndarray, np.ndarray], np.ndarray]
    code: str


FEATURES: dict[str, Feature] = {
    "x1^2": Feature("x1²", "x1_sq", lambda x1, x2: x1 * x1, "x1 ** 2"),
    "x2^2": Feature("x2²", "x2_sq", lambda x1, x2: x2 * x2, "x2 ** 2"),
    "x1*x2": Feature("x1·x2", "x1_x2", lambda x1, x2: x1 * x2, "x1 * x2"),
    "sin(x1)": Feature("sin(x1)", "sin_x1", lambda x1, x2: np.sin(x1), "np.sin(x1)"),
    "sin(x2)": Feature("sin(x2)", "sin_x2", lambda x1, x2: np.sin(x2), "np.sin(x2)"),
}
RAW_SHAPE = (2,)  # features are defined for two input coordinates only


def problem(features: Any, input_shape: tuple[int, ...]) -> str:
    """Why ``features`` cannot be used with this input ('' when they can), for the user."""
    if not isinstance(features, (list, tuple)) or not all(isinstance(f, str) for f in features):
        return "features must be a list of names such as [\"x1*x2\"]"
    unknown = [f for f in features if f not in FEATURES]
    if unknown:
        return (f"unknown input feature {unknown[0][:40]!r}; choose from "
                f"{', '.join(FEATURES)}")
    if len(set(features)) != len(features):
        return "an input feature is listed twice"
    if features and tuple(input_shape) != RAW_SHAPE:
        return (f"input features need 2 inputs (x1, x2), but the input shape is "
                f"{tuple(input_shape)}")
    return ""


def canonical(features: Iterable[str]) -> list[str]:
    """The known features among ``features``, in FEATURES order (the model's column order)."""
    chosen = set(features)
    return [name for name in FEATURES if name in chosen]


def model_input_shape(input_shape: tuple[int, ...], features: Iterable[str]) -> tuple[int, ...]:
    """What the network reads: the data's shape, widened by one column per feature."""
    n = len(list(features))
    return (int(input_shape[0]) + n,) if n else tuple(input_shape)


def lift(x: np.ndarray, features: Iterable[str]) -> np.ndarray:
    """(n, 2) points -> (n, 2 + k): x1, x2, then each feature in FEATURES order (float32)."""
    names = canonical(features)
    x = np.asarray(x, dtype=np.float32)
    if not names:
        return x
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(f"input features need (n, 2) points, not shape {x.shape}")
    x1, x2 = x[:, 0], x[:, 1]
    return np.column_stack([x, *(FEATURES[n].fn(x1, x2) for n in names)]).astype(np.float32)


def describe(features: Iterable[str]) -> str:
    """'x1, x2, x1·x2, sin(x1)': the network's input columns."""
    return ", ".join(["x1", "x2", *(FEATURES[n].title for n in canonical(features))])


def python_code(features: Iterable[str]) -> str:
    """A NumPy function ``add_features(x)`` computing exactly ``lift``, for exported scripts."""
    names = canonical(features)
    columns = ", ".join(["x", *(FEATURES[n].code for n in names)])
    return (f'\n\ndef add_features(x):\n'
            f'    """The extra inputs nngui adds to (x1, x2): {comment(describe(names))}."""\n'
            f'    x1, x2 = x[:, 0], x[:, 1]\n'
            f'    return np.column_stack([{columns}]).astype("float32")\n')
