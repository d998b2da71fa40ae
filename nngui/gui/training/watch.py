"""The Watch tab: the live views above (in tabs), the runs side by side below."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter, QTabWidget, QVBoxLayout, QWidget

from nngui.core.network.spec import NetworkSpec, TrainConfig
from nngui.core.training.controls import epoch_rates
from nngui.core.training.replay import Replay
from nngui.core.training.session import RunRequest, Session
from nngui.gui.training.live import LivePanel
from nngui.gui.training.live_controls import rate_note
from nngui.gui.training.overfit import OverfitView
from nngui.gui.training.run_list import RunsPanel
from nngui.gui.training.run_recorder import RunRecorder
from nngui.gui.training.stats import StatsPanel
from nngui.gui.training.timeline import Timeline
from nngui.gui.training.weight_edit import WeightEditView


class WatchPanel(QWidget):
    """``live`` (boundary, hidden space, weights), ``stats`` (histograms, gradient norms),
    ``overfit`` (train/validation/test) and ``runs`` (run list, sweeps, options)."""

    def __init__(self, training, request_for: Callable[[NetworkSpec], RunRequest | None],
                 spec: Callable[[], NetworkSpec], config: Callable[[], TrainConfig],
                 parent: QWidget | None = None,
                 views: tuple[LivePanel, StatsPanel, OverfitView] | None = None,
                 recorder: RunRecorder | None = None) -> None:
        super().__init__(parent)
        # views: made beforehand, one per event-loop turn, by a window building it lazily
        self.live, self.stats, self.overfit = views or (LivePanel(), StatsPanel(), OverfitView())
        # the run list shows the runs ``recorder`` lists in the session state (None: its own)
        self.runs = RunsPanel(training, request_for, spec, config, recorder=recorder)
        training.epochEnded.connect(self.overfit.add_epoch)
        # the timeline scrubs the replay of the chosen run (or of the run in flight)
        self.timeline = Timeline()
        self.timeline.frameChosen.connect(self.show_frame)
        self._replay: Replay | None = None  # what the timeline scrubs
        self._live_replay: Replay | None = None  # the replay of what the live views got
        self._run_shown: object = None  # the run list's current record when last looked at
        self.runs.runShown.connect(self._on_run_shown)
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
        top = QWidget()
        tl = QVBoxLayout(top)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.setSpacing(2)
        tl.addWidget(self.timeline)
        tl.addWidget(self.views, 1)
        self.views.addTab(self.edit, "Edit weights")
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(self.runs)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(split)

    def show_session_rates(self, session: Session, config: TrainConfig) -> None:
        """An opened model's learning rate at each epoch of its history, before any other
        view's payload: as its runs measured it, or (a file that kept none) derived from the
        settings' constant rate and live changes (``controls.epoch_rates``), which the plot's
        title says."""
        constant = not rate_note(session.spec, config)
        xs, rates, derived = epoch_rates(session.history, session.spec.lr, session.changes,
                                         constant)
        for x, rate in zip(xs, rates, strict=True):
            self.show_probe("learning_rate", math.ceil(x) - 1, {"lr": rate, "derived": derived})

    def show_probe(self, name: str, epoch: int, payload: Any) -> None:
        """Hand a probe's arrays to every live view (each keeps the ones it draws)."""
        for view in (self.live, self.stats, self.overfit):
            view.show_probe(name, epoch, payload)
        if not self.runs.record_frame(name, epoch, payload):
            return
        rec = self.runs.recording
        if self._replay is not rec or self._live_replay is not rec:  # a new run's first frame
            self._replay = self._live_replay = rec
            self.live.show_frame(epoch, None)
            self.timeline.set_epochs(rec.epochs(), live=True, index=-1)
        else:  # the slider follows the newest epoch unless the user moved it
            self.timeline.set_epochs(rec.epochs(), live=True)

    def show_frame(self, index: int) -> None:
        """The live views as they were at the replay's frame ``index`` (its newest frame of
        the run the live views follow: what arrives live)."""
        r = self._replay
        if r is None or not 0 <= index < len(r):
            return
        live = r is self._live_replay and index == len(r) - 1
        alone = not self._of_latest(r)
        payloads = None if live else r.payloads(index)
        if alone:  # its learning rates, from its history (the latest views' are another's)
            rec = next((x for x in self.runs.records if x.replay is r), None)
            xs, rates = rates_by_epoch({} if rec is None else rec.history)
            if rates:
                payloads = {**payloads, "learning_rate": {"lr": rates[-1],
                                                          "curve": (xs, rates)}}
        self.live.show_frame(r.frames[index].epoch, payloads, alone=alone)

    def _of_latest(self, replay: Replay) -> bool:
        """Whether ``replay`` is the run's the latest views came from: the run trained last
        here, else (an opened project) the session's run, whose model they show."""
        if self._live_replay is not None:
            return replay is self._live_replay
        state = self.runs.state()
        i = state.run_of(self.runs.training.session)
        return i is not None and state.runs[i].replay is replay

    def show_replay(self, replay: Replay | None) -> None:
        """Scrub ``replay`` (a run's), from its newest frame."""
        self._replay = replay
        running = self.runs.recording is not None and replay is self.runs.recording
        self.timeline.set_epochs(replay.epochs() if replay is not None else [], live=running,
                                 index=-1)
        if replay is not None and len(replay):
            self.show_frame(len(replay) - 1)
        elif replay is self._live_replay:
            self.live.show_frame(0, None)  # the run whose views are the latest ones
        else:  # a run that recorded none: not the views another run left
            self.live.show_blank()

    def _on_run_shown(self) -> None:
        """Another run chosen in the list: the timeline scrubs its replay (not while a run
        trains: then it follows that run)."""
        running = self.runs.recording is not None and self.runs.training.is_running()
        if self.timeline.live and not running:  # the run ended: its frames are a replay now
            self.timeline.set_epochs(self.timeline.epochs, live=False)
        rec = self.runs.current_record()
        if rec is self._run_shown:
            return
        self._run_shown = rec
        if running:
            return
        replay = rec.replay if rec is not None else None
        if replay is not self._replay:
            self.show_replay(replay)

    def clear(self) -> None:
        """Forget what the live views show (a new network): the timeline too, until a run
        is chosen in the list or trained."""
        for view in (self.live, self.stats, self.overfit):
            view.clear()
        self._replay = self._live_replay = None
        self._run_shown = self.runs.current_record()
        self.timeline.set_epochs([], live=False)
        self.edit.forget()
        self.edit.refresh()


def rates_by_epoch(history: dict[str, list[float]]) -> tuple[list[float], list[float]]:
    """A run's learning rates as the live plot draws them: one an epoch, at its number. The
    part of an epoch a Stop cut short has an entry of its own (at x 4.4, say); the epoch a
    Continue trained again replaces it, as it does live (by entry, a 3-epoch run once showed
    rates at epochs 1 to 4)."""
    rates = history.get("learning_rate", [])
    xs = history.get("epoch", [])
    if len(xs) != len(rates):  # not aligned (an older history): an entry an epoch
        xs = range(1, len(rates) + 1)
    by_epoch: dict[int, float] = {}
    for x, rate in zip(xs, rates, strict=True):
        if math.isfinite(rate):
            by_epoch[math.ceil(x)] = float(rate)  # a later entry of the epoch wins
    epochs = sorted(by_epoch)
    return [float(e) for e in epochs], [by_epoch[e] for e in epochs]
