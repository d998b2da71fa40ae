"""The Watch tab: the live views above, the runs side by side below."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget

from nngui.core.spec import NetworkSpec, TrainConfig
from nngui.core.training import RunRequest

from .live_panel import LivePanel
from .run_list import RunsPanel


class WatchPanel(QWidget):
    """``live`` (boundary, hidden space, weights) and ``runs`` (run list, sweeps, options)."""

    def __init__(self, training, request_for: Callable[[NetworkSpec], RunRequest | None],
                 spec: Callable[[], NetworkSpec], config: Callable[[], TrainConfig],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.live = LivePanel()
        self.runs = RunsPanel(training, request_for, spec, config)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.live)
        split.addWidget(self.runs)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(split)
