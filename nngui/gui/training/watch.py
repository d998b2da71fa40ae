"""The Watch tab: the live views above (in tabs), the runs side by side below."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter, QTabWidget, QVBoxLayout, QWidget

from nngui.core.network.spec import NetworkSpec, TrainConfig
from nngui.core.training.session import RunRequest
from nngui.gui.training.live import LivePanel
from nngui.gui.training.overfit import OverfitView
from nngui.gui.training.run_list import RunsPanel
from nngui.gui.training.stats import StatsPanel
from nngui.gui.training.weight_edit import WeightEditView


class WatchPanel(QWidget):
    """``live`` (boundary, hidden space, weights), ``stats`` (histograms, gradient norms),
    ``overfit`` (train/validation/test) and ``runs`` (run list, sweeps, options)."""

    def __init__(self, training, request_for: Callable[[NetworkSpec], RunRequest | None],
                 spec: Callable[[], NetworkSpec], config: Callable[[], TrainConfig],
                 parent: QWidget | None = None,
                 views: tuple[LivePanel, StatsPanel, OverfitView] | None = None) -> None:
        super().__init__(parent)
        # views: made beforehand, one per event-loop turn, by a window building it lazily
        self.live, self.stats, self.overfit = views or (LivePanel(), StatsPanel(), OverfitView())
        self.runs = RunsPanel(training, request_for, spec, config)
        training.epochEnded.connect(self.overfit.add_epoch)
        self.edit = WeightEditView()  # a small network's weights, dragged by hand
        training.runStarted.connect(self.edit.forget)  # the run trains from what it shows
        training.runFinished.connect(lambda _result: self.edit.leave_run())
        self.edit.run_controls = lambda: training.live.controls  # a paused run's weights
        training.runWeights.connect(self.edit.show_run_weights)
        training.runResumed.connect(self.edit.run_resumed)
        self.views = QTabWidget()
        self.views.setObjectName("watchViews")
        self.views.addTab(self.live, "Boundary · hidden space")
        self.views.addTab(self.stats, "Weights · gradients")
        self.views.addTab(self.overfit, "Train / validation / test")
        self.views.addTab(self.edit, "Edit weights")
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.views)
        split.addWidget(self.runs)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(split)

    def show_probe(self, name: str, epoch: int, payload: Any) -> None:
        """Hand a probe's arrays to every live view (each keeps the ones it draws)."""
        for view in (self.live, self.stats, self.overfit):
            view.show_probe(name, epoch, payload)

    def clear(self) -> None:
        """Forget what the live views show (a new network)."""
        for view in (self.live, self.stats, self.overfit):
            view.clear()
        self.edit.forget()
        self.edit.refresh()
