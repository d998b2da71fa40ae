"""Words for numbers in messages: "1 epoch", "4 epochs" (never "4 epoch(s)")."""

from __future__ import annotations


def counted(n: int, noun: str, plural: str = "") -> str:
    """``n`` and ``noun``, the noun plural unless ``n`` is 1 (``plural``: an irregular one)."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"
