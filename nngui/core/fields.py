"""Field: one editable parameter (of a layer or an optimizer), as plain data.

The GUI generates its forms from Fields and validation checks values against the same
declaration, so a range is written once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


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

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()

    def problem(self, value: Any) -> str:
        """Why ``value`` is not allowed for this field ('' when it is), for the user."""
        what = self.title
        if self.kind in ("int", "float"):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return f"{what} must be a number, not {value!r}"
            if self.kind == "int" and int(value) != value:
                return f"{what} must be a whole number, not {value:g}"
            low = -float("inf") if self.minimum is None else self.minimum
            high = float("inf") if self.maximum is None else self.maximum
            if not low <= value <= high:
                if self.maximum is None:
                    return f"{what} must be at least {low:g}, not {value:g}"
                return f"{what} must be between {low:g} and {high:g}, not {value:g}"
        elif self.kind == "bool":
            if not isinstance(value, bool):
                return f"{what} must be true or false, not {value!r}"
        elif self.kind == "choice":
            if value not in self.choices:
                return f"{what} must be one of {', '.join(self.choices)}, not {value!r}"
        elif self.kind == "shape":
            if not value or any(int(v) < 1 for v in value):
                return f"{what} needs sizes of at least 1, not {tuple(value)}"
        return ""
