"""Views the user cannot see wait: they keep what arrives and draw it when shown.

A hidden view's redraw (``setData``, image levels, the scene's queued updates) cost the
window's event loop as much as a visible one's: after each epoch the Watch tab's hidden
views and the Train tab's curves redrew beside the one view on screen, and their turns
added up to gaps of 40-50 ms. A live view's timer now skips its redraw while it is out of
sight, and its ``showEvent`` draws everything that waited, before the first paint.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget


def out_of_sight(widget: QWidget) -> bool:
    """Whether the window is on screen but ``widget`` is not (another tab is in front).

    A window never shown (a test, or a view built for export) draws as it always did.
    """
    return widget.window().isVisible() and not widget.isVisible()
