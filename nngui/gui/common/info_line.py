"""A label of one fixed line: a head and a detail, cut with '…' to the width (whole in its
tooltip's place: the caller sets one), so what it says never changes the height of what sits
below it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class InfoLine(QLabel):
    """One line, always: ``set_lines(head, detail)`` shows "head. detail", cut to the width
    after the head's last word that fits if even the head is too long."""

    def __init__(self, head: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._head, self._detail = head, ""
        self.setWordWrap(False)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(self.fontMetrics().lineSpacing() + 2)
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
        whole = f"{self._head}. {self._detail}" if self._detail else self._head
        self.setText(self.fontMetrics().elidedText(whole, Qt.TextElideMode.ElideRight,
                                                   max(self.width(), 1)))


class ElidedLabel(QLabel):
    """A QLabel of one fixed line whose text is cut with '…' to its width, the whole of it
    then its tooltip; ``text()`` is the whole text. It sits in a row and never changes the
    height of what is below it, however long its words."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._whole = ""
        self.setWordWrap(False)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(self.fontMetrics().lineSpacing() + 2)
        self.setText(text)

    def setText(self, text: str) -> None:  # noqa: N802 (Qt naming)
        self._whole = str(text)
        self._fit()

    def text(self) -> str:
        return self._whole

    def clear(self) -> None:
        self.setText("")

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        shown = self.fontMetrics().elidedText(self._whole, Qt.TextElideMode.ElideRight,
                                              max(self.width(), 1))
        QLabel.setText(self, shown)
        self.setToolTip(self._whole if shown != self._whole else "")
