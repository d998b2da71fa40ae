"""The Evaluate tab's headline: big, wrapped, and as tall as its usual texts need at its width.

Its texts take one to three lines in a narrow column (beside the Lessons dock at 1366x768):
"Press Evaluate to measure the network on the test set." three, "Evaluating on the test
set…" two, the test accuracy three again. A label as tall as its text moved the tabs below it
up and down under the pointer with every evaluation; this one keeps the room the longest of
those texts needs at its current width (a wide window: one line, no empty band).
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from nngui.gui.common.roomy_label import RoomyLabel

STYLE = "font-size: 15pt; font-weight: 600;"
ERROR_STYLE = STYLE + " color: #c0392b;"

# the longest texts it shows in the ordinary course (a stale or failed measurement may be
# longer and grows it: rare, and said once)
USUAL_TEXTS = (
    "Press Evaluate to measure the network on the test set.",
    "The network is training: evaluate it when the run has ended.",
    "Test accuracy 100.00 % · loss 0.0001234 · 10,000 samples",
)


class Headline(RoomyLabel):
    """The big headline whose height, at each width, holds any of ``USUAL_TEXTS``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(USUAL_TEXTS, parent=parent)
        self.setStyleSheet(STYLE)
        self.reserve()  # in the style sheet's font

    def show_text(self, text: str, error: bool = False) -> None:
        self.setStyleSheet(ERROR_STYLE if error else STYLE)
        self.setText(text)
