"""A label of a fixed two lines: a head line and a detail elided to the width (whole in its
tooltip), so what it says never changes the height of what sits below it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class InfoLines(QLabel):
    """Two lines, always: ``set_lines(head, detail)``; each is cut with '…' to the width."""

    def __init__(self, head: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._head, self._detail = head, ""
        self.setWordWrap(False)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(2 * self.fontMetrics().lineSpacing() + 2)
        self._fit()

    def set_lines(self, head: str, detail: str = "") -> None:
        self._head, self._detail = head, detail
        self._fit()

    def lines(self) -> tuple[str, str]:
        """The whole head and detail (not cut)."""
        return self._head, self._detail

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        metrics, width = self.fontMetrics(), max(self.width(), 1)
        shown = [metrics.elidedText(t, Qt.TextElideMode.ElideRight, width)
                 for t in (self._head, self._detail)]
        self.setText("\n".join(shown))
