"""The one way text enters generated code: as a literal, or as plain words in a comment.

Exported scripts (File -> Export as Python, the lab's NumPy script) are made from templates;
every value that comes from outside the template (a network's name, a file path, a layer's
setting) goes through :func:`literal` (a Python literal that evaluates to the value) or
:func:`comment` (text that cannot end a comment or docstring). Nothing read from a file ever
becomes code.
"""

from __future__ import annotations

import math
from typing import Any

_PLAIN = (str, bytes, bool, int, type(None))


def literal(value: Any) -> str:
    """Python source that evaluates to ``value``: str, bytes, bool, int, float, None.

    Anything else (an object whose repr could be code) is refused.
    """
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else f"float({repr(str(value))})"
    if isinstance(value, _PLAIN):
        return repr(value)
    raise TypeError(f"no literal for a {type(value).__name__} in generated code")


def comment(text: Any, limit: int = 200) -> str:
    """``text`` as words safe inside a comment or a docstring: one line, printable, without
    backslashes or quotes (which could end a docstring), at most ``limit`` characters."""
    out = "".join(c if c.isprintable() and c not in "\\\"'" else "?" for c in str(text))
    return out[:limit]
