"""``RoomyLabel``: a wrapped label as tall as the longest of its usual texts needs at its
width, so a longer message never moves what sits below it under the pointer (the Evaluate
tab's headline, the Train tab's status line). A text longer than all of them still grows it:
rare, and said once. In a wide window the room shrinks with the lines they need."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QWidget


class RoomyLabel(QLabel):
    """A word-wrapped, top-aligned label whose height, at each width, holds any of
    ``usual`` (the texts it shows in the ordinary course)."""

    def __init__(self, usual: tuple[str, ...], text: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.usual = usual
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.reserve()

    def usual_height(self, width: int) -> int:
        """The height the tallest usual text needs at ``width`` pixels."""
        self.ensurePolished()  # a style sheet's font
        metrics = self.fontMetrics()
        room = QRect(0, 0, max(width, 1), 100_000)
        flags = int(Qt.TextFlag.TextWordWrap)
        tallest = max(metrics.boundingRect(room, flags, t).height() for t in self.usual)
        return tallest + self.contentsMargins().top() + self.contentsMargins().bottom() + 2

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt naming)
        super().resizeEvent(event)
        self.reserve()

    def reserve(self) -> None:
        """Keep the room the usual texts need at the current width (called again after a
        style change). The width decides it (the layout gives the width, then the height):
        setting it again at the same width changes nothing, so no resize loop."""
        height = self.usual_height(self.contentsRect().width())
        if height != self.minimumHeight():
            self.setMinimumHeight(height)
