"""The Evaluate tab's headline: big, wrapped, and as tall as its usual texts need at its width.

Its texts take one to three lines in a narrow column (beside the Lessons dock at 1366x768):
"Press Evaluate to measure the network on the test set." three, "Evaluating on the test
set…" two, the test accuracy three again. A label as tall as its text moved the tabs below it
up and down under the pointer with every evaluation; this one keeps the room the longest of
those texts needs at its current width (a wide window: one line, no empty band).
"""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QWidget

STYLE = "font-size: 15pt; font-weight: 600;"
ERROR_STYLE = STYLE + " color: #c0392b;"

# the longest texts it shows in the ordinary course (a stale or failed measurement may be
# longer and grows it: rare, and said once)
USUAL_TEXTS = (
    "Press Evaluate to measure the network on the test set.",
    "The network is training: evaluate it when the run has ended.",
    "Test accuracy 100.00 % · loss 0.0001234 · 10,000 samples",
)


class Headline(QLabel):
    """A wrapped label whose height, at each width, holds any of ``USUAL_TEXTS``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setStyleSheet(STYLE)
        self._reserve()

    def show_text(self, text: str, error: bool = False) -> None:
        self.setStyleSheet(ERROR_STYLE if error else STYLE)
        self.setText(text)

    def usual_height(self, width: int) -> int:
        """The height the tallest usual text needs at ``width`` pixels."""
        self.ensurePolished()  # the style sheet's font
        metrics = self.fontMetrics()
        room = QRect(0, 0, max(width, 1), 100_000)
        flags = int(Qt.TextFlag.TextWordWrap)
        tallest = max(metrics.boundingRect(room, flags, t).height() for t in USUAL_TEXTS)
        return tallest + self.contentsMargins().top() + self.contentsMargins().bottom() + 2

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._reserve()

    def _reserve(self) -> None:
        # the width decides it (the layout gives the width, then the height): setting it
        # again at the same width changes nothing, so no resize loop
        height = self.usual_height(self.contentsRect().width())
        if height != self.minimumHeight():
            self.setMinimumHeight(height)
