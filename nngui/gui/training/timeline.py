"""The Watch tab's timeline: a slider over the epochs a run's replay kept.

``set_epochs`` gives it the replay's epochs (0-based, as the probes report them); moving the
slider emits ``frameChosen(index)``. While a run trains the slider follows its newest epoch,
unless the user moved it away from the end: then it stays where it was put until it is moved
back to the end.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QWidget

NO_REPLAY = "Replay: none yet (a classifier's run keeps its views epoch by epoch)"


def timeline_text(epochs: list[int], index: int, live: bool) -> str:
    """'Replay: epoch 3 of 20', 'Epoch 20 (live)', or that there is no replay."""
    if not epochs:
        return NO_REPLAY
    shown, last = epochs[index] + 1, epochs[-1] + 1
    if live and index == len(epochs) - 1:
        return f"Epoch {shown} (live)"
    kept = f" · {len(epochs)} epochs kept" if len(epochs) < last else ""
    return f"Replay: epoch {shown} of {last}{kept}"


class Timeline(QWidget):
    """``timelineSlider`` and its label."""

    frameChosen = Signal(int)  # an index into the epochs

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.epochs: list[int] = []
        self.live = False  # the epochs are a run in flight's (the label says "live" at its end)
        self.timelineSlider = QSlider(Qt.Orientation.Horizontal)
        self.timelineSlider.setObjectName("timelineSlider")
        self.timelineSlider.setToolTip("Scrub through the epochs of the chosen run: the "
                                       "boundary, unit tiles, hidden space, weights and "
                                       "confusion matrix as they were then")
        self.timelineSlider.setPageStep(1)
        self.timelineSlider.valueChanged.connect(self._on_value)
        self.timelineLabel = QLabel(NO_REPLAY)
        self.timelineLabel.setObjectName("timelineLabel")
        self.timelineLabel.setMinimumWidth(self.timelineLabel.fontMetrics().horizontalAdvance(
            "Replay: epoch 1000 of 1000 · 150 epochs kept"))
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.timelineLabel)
        row.addWidget(self.timelineSlider, 1)
        self.set_epochs([], live=False)

    def index(self) -> int:
        return self.timelineSlider.value()

    def at_end(self) -> bool:
        return not self.epochs or self.index() == len(self.epochs) - 1

    def set_epochs(self, epochs: list[int], live: bool, index: int | None = None) -> None:
        """The replay's epochs; the slider goes to ``index``, else stays where it was unless
        it was at the end (then it follows the newest epoch). Emits nothing."""
        follow = self.at_end() or index is not None and index < 0
        old = self.index()
        self.epochs, self.live = list(epochs), live
        slider = self.timelineSlider
        blocked = slider.blockSignals(True)
        try:
            slider.setRange(0, max(0, len(self.epochs) - 1))
            if index is not None and index >= 0:
                slider.setValue(min(index, slider.maximum()))
            else:
                slider.setValue(slider.maximum() if follow else min(old, slider.maximum()))
        finally:
            slider.blockSignals(blocked)
        slider.setEnabled(len(self.epochs) > 1)
        self._label()

    def _on_value(self, _value: int) -> None:
        self._label()
        if self.epochs:
            self.frameChosen.emit(self.index())

    def _label(self) -> None:
        index = min(self.index(), max(0, len(self.epochs) - 1))
        self.timelineLabel.setText(timeline_text(self.epochs, index, self.live))
