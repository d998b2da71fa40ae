"""Field: one editable parameter (of a layer or an optimizer), as plain data.

The GUI generates its forms from Fields and validation checks values against the same
declaration, so a range is written once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


def number_text(value: Any) -> str:
    """A number for a message: '3.7', '1e+400' is inf, a 4,000-digit int is shortened."""
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value) if abs(value) < 10**30 else f"a {len(str(abs(value)))}-digit number"
        return text
    if isinstance(value, float):
        return f"{value:g}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


@dataclass(frozen=True)
class Field:
    """One editable parameter of a layer or optimizer."""

    name: str
    kind: str  # "int", "float", "bool", "choice", "shape"
    default: Any
    label: str = ""
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    help: str = ""
    # Only shown when another field has one of these values, e.g. alpha for leaky_relu.
    visible_when: tuple[str, tuple[Any, ...]] | None = None
    # Shown in the same form row as this (earlier) field: L2 beside L1 keeps forms short.
    beside: str = ""

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()

    def problem(self, value: Any) -> str:
        """Why ``value`` is not allowed for this field ('' when it is), for the user."""
        what = self.title
        if self.kind in ("int", "float"):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return f"{what} must be a number, not {number_text(value)}"
            if isinstance(value, float) and not math.isfinite(value):
                return f"{what} must be a finite number, not {value:g}"
            if self.kind == "int" and int(value) != value:
                return f"{what} must be a whole number, not {value:g}"
            low = -float("inf") if self.minimum is None else self.minimum
            high = float("inf") if self.maximum is None else self.maximum
            if not low <= value <= high:
                if self.maximum is None:
                    return f"{what} must be at least {low:g}, not {number_text(value)}"
                return f"{what} must be between {low:g} and {high:g}, not {number_text(value)}"
        elif self.kind == "bool":
            if not isinstance(value, bool):
                return f"{what} must be true or false, not {number_text(value)}"
        elif self.kind == "choice":
            if value not in self.choices:
                return f"{what} must be one of {', '.join(self.choices)}, not {number_text(value)}"
        elif self.kind == "shape":
            if not isinstance(value, (list, tuple)) or not value or any(
                    isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in value):
                return f"{what} needs whole-number sizes of at least 1, not {number_text(value)}"
        return ""
