"""Labels of one fixed line, their words cut with '…' to the width, so what they say never
changes the height of what sits below them: ``ElidedLabel`` (the whole text in its tooltip
when cut) and ``InfoLine`` (a head and a detail; the caller sets the tooltip)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class ElidedLabel(QLabel):
    """A QLabel of one fixed line whose text is cut with '…' to its width, the whole of it
    then its tooltip (``whole_tip``); ``text()`` is the whole text. It sits in a row and
    never changes the height of what is below it, however long its words."""

    def __init__(self, text: str = "", parent: QWidget | None = None,
                 whole_tip: bool = True) -> None:
        super().__init__(parent)
        self._whole, self._whole_tip = "", whole_tip
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
        if self._whole_tip:
            self.setToolTip(self._whole if shown != self._whole else "")


class InfoLine(ElidedLabel):
    """One line, always: ``set_lines(head, detail)`` shows "head. detail", cut to the width
    (the caller's tooltip says it whole)."""

    def __init__(self, head: str = "", parent: QWidget | None = None) -> None:
        self._head, self._detail = head, ""
        super().__init__(head, parent, whole_tip=False)

    def set_lines(self, head: str, detail: str = "") -> None:
        self._head, self._detail = head, detail
        self.setText(f"{head}. {detail}" if detail else head)

    def lines(self) -> tuple[str, str]:
        """The whole head and detail (not cut)."""
        return self._head, self._detail
