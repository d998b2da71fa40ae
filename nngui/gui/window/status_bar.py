"""The window's status bar: a message too long for the bar is cut at a word with "…", never
mid-word under the device label, and its whole text is the bar's tooltip.

``currentMessage()`` stays the whole message (what the window said); only the painting fits it.
The painting is Qt's own ``QStatusBar::paintEvent`` (the panel, the permanent items' frames, the
message in the space left of the first permanent widget) with the message fitted.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QSizeGrip, QStatusBar, QStyle, QStyleOption, QWidget

ELLIPSIS = "…"


def fit_text(text: str, width: int, width_of: Callable[[str], int]) -> str:
    """``text`` as it fits ``width`` pixels (``width_of`` measures a string): whole, or cut
    after the last word that leaves room for "…". A first word alone too long is cut in it."""
    if width_of(text) <= width:
        return text
    cut = text.rstrip()
    while " " in cut:
        cut = cut[:cut.rindex(" ")].rstrip(" ·,;:–-")
        if cut and width_of(cut + ELLIPSIS) <= width:
            return cut + ELLIPSIS
    while cut and width_of(cut + ELLIPSIS) > width:
        cut = cut[:-1]
    return cut + ELLIPSIS if cut else ""


class FittingStatusBar(QStatusBar):
    """A QStatusBar whose temporary message is fitted to its room (``shown_text``)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._permanent: list[QWidget] = []
        self.messageChanged.connect(self._on_message)

    def addPermanentWidget(self, widget: QWidget, stretch: int = 0) -> None:  # noqa: N802
        super().addPermanentWidget(widget, stretch)
        self._permanent.append(widget)

    def message_rect(self) -> QRect:
        """Where the message is drawn: Qt's ``messageRect`` (left to right of the bar)."""
        left, right = 6, self.width() - 12
        grip = self.findChild(QSizeGrip)
        if grip is not None and grip.isVisible() and grip.x() > left:  # laid out, at the end
            right = min(right, grip.x() - 2)
        for widget in self._permanent:
            if widget.isVisible():
                right = min(right, widget.x() - 2)
                break
        return QRect(left, 0, right - left, self.height())

    def shown_text(self) -> str:
        """The message as painted: fitted to ``message_rect``."""
        metrics = self.fontMetrics()
        return fit_text(self.currentMessage(), self.message_rect().width(),
                        metrics.horizontalAdvance)

    def _on_message(self, text: str) -> None:
        self.setToolTip(text if text and self.shown_text() != text else "")

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._on_message(self.currentMessage())

    def paintEvent(self, event) -> None:  # noqa: N802
        message = self.currentMessage()
        painter = QPainter(self)
        option = QStyleOption()
        option.initFrom(self)
        self.style().drawPrimitive(QStyle.PrimitiveElement.PE_PanelStatusBar, option, painter,
                                   self)
        for widget in self.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly):
            if isinstance(widget, QSizeGrip) or not widget.isVisible() or \
                    (message and widget not in self._permanent):
                continue
            frame = QStyleOption()
            frame.rect = widget.geometry().adjusted(-2, -1, 2, 1)
            frame.palette = self.palette()
            frame.state = QStyle.StateFlag.State_None
            if event.rect().intersects(frame.rect):
                self.style().drawPrimitive(QStyle.PrimitiveElement.PE_FrameStatusBarItem, frame,
                                           painter, widget)
        if message:
            painter.setPen(self.palette().windowText().color())
            painter.drawText(self.message_rect(), int(Qt.AlignmentFlag.AlignLeading |
                             Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextSingleLine),
                             self.shown_text())
        painter.end()
