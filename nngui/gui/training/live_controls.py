"""Hands on the run while it trains: Pause/Resume, Step, the learning rate and momentum.

``LiveControls`` is a row of widgets bound to the running job's ``core.training.controls
.Controls``: the widgets only *ask* (``request``, ``pause``, ``step``, ``resume``); the
training thread carries it out at its next boundary, and its answers come back as the run's
``("control", …)`` events (``on_event``): "paused", "resumed", "changed". ``ChangeMarks``
draws each applied change as a dashed vertical line on the loss plot, where it landed.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QToolButton,
    QWidget,
)

from nngui.core.network.spec import NetworkSpec, TrainConfig
from nngui.core.training.controls import LIMITS, Change, Controls

MARK_COLOR = (120, 80, 160)
STEP_UNITS = (("one batch", "batch"), ("one epoch", "epoch"))


def rate_note(spec: NetworkSpec, config: TrainConfig) -> str:
    """Why the learning rate cannot be set by hand during this run ('' when it can)."""
    if spec.optimizer_params.get("decay"):
        return "The optimizer's decay sets the learning rate every batch."
    if config.lr_schedule != "constant":
        return "The LR schedule (training options) sets the learning rate every epoch."
    if config.reduce_lr_patience > 0:
        return "Reduce-on-plateau (training options) sets the learning rate."
    return ""


def momentum_note(spec: NetworkSpec) -> str:
    """Why momentum cannot change during this run ('' when it can)."""
    if spec.optimizer != "sgd":
        return f"{spec.optimizer} has no momentum setting here (SGD has)."
    if not float(spec.optimizer_params.get("momentum", 0.0) or 0.0):
        return ("This SGD was built without momentum; set one in the builder to change it "
                "while it trains.")
    return ""


def _spin(name: str, key: str, decimals: int, tip: str) -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setObjectName(name)
    lo, hi = LIMITS[key]
    spin.setRange(lo, hi)
    spin.setDecimals(decimals)
    spin.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
    spin.setKeyboardTracking(False)  # a value is asked for on Enter or an arrow, not per key
    spin.setToolTip(tip)
    return spin


class LiveControls(QWidget):
    """Pause/Resume, Step (one batch or one epoch), the learning rate and momentum."""

    changeApplied = Signal(object)  # a Change the run applied
    refused = Signal(str)  # why a change could not be applied (one line)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controls: Controls | None = None
        # tool buttons: the row fits beside the builder in a 1024 px window
        self.pauseButton = QToolButton()
        self.pauseButton.setText("Pause")
        self.pauseButton.setObjectName("pauseButton")
        self.pauseButton.setToolTip("Hold the run after the current batch without ending it "
                                    "(Resume goes on; Stop still ends it)")
        self.stepButton = QToolButton()
        self.stepButton.setText("Step")
        self.stepButton.setObjectName("stepButton")
        self.stepButton.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        menu = QMenu(self.stepButton)
        menu.setObjectName("stepUnitMenu")
        self._units = QActionGroup(self)
        self.stepActions: dict[str, QAction] = {}
        for text, unit in STEP_UNITS:
            action = menu.addAction(f"Step {text}")
            action.setCheckable(True)
            action.setObjectName(f"step_{unit}")
            self._units.addAction(action)
            self.stepActions[unit] = action
        self.stepActions["batch"].setChecked(True)
        self._units.triggered.connect(lambda _a: self._step_tip())
        self.stepButton.setMenu(menu)
        self.liveLearningRate = _spin("liveLearningRate", "learning_rate", 6,
                                      "The learning rate, changed while the run trains: it "
                                      "takes effect at the next batch and is marked on the "
                                      "loss curve")
        self.liveMomentum = _spin("liveMomentum", "momentum", 3,
                                  "SGD's momentum, changed while the run trains (next batch)")
        self._lr_label, self._mom_label = QLabel("LR"), QLabel("mom.")
        self._lr_label.setBuddy(self.liveLearningRate)
        self._mom_label.setBuddy(self.liveMomentum)
        self.liveNote = QLabel("")  # why the last change was refused (one line, red)
        self.liveNote.setObjectName("liveNote")
        self.liveNote.setStyleSheet("color: #c0392b;")
        self.refused.connect(self.liveNote.setText)
        self.pauseButton.clicked.connect(self._toggle_pause)
        self.stepButton.clicked.connect(self._step)
        self.liveLearningRate.valueChanged.connect(
            lambda v: self._ask("learning_rate", v))
        self.liveMomentum.valueChanged.connect(lambda v: self._ask("momentum", v))
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        for w in (self.pauseButton, self.stepButton, self._lr_label,
                  self.liveLearningRate, self._mom_label, self.liveMomentum):
            row.addWidget(w)
        row.addWidget(self.liveNote, 1)
        self._rate_note = self._momentum_note = ""
        self._setting = False  # values set by the program, not asked for by the user
        self._asked: set[str] = set()  # names the user changed in this run
        self._step_tip()
        self.detach()

    # ---- a run --------------------------------------------------------------------------

    def show_values(self, spec: NetworkSpec, config: TrainConfig,
                    carried: dict[str, float]) -> None:
        """What the next run starts with: the spec's values, or ``carried`` where the session's
        live changes carry over (``Session.start_values``)."""
        last = carried
        self._rate_note, self._momentum_note = rate_note(spec, config), momentum_note(spec)
        self._setting = True
        try:
            self.liveLearningRate.setValue(last.get("learning_rate", spec.lr))
            self.liveMomentum.setValue(last.get(
                "momentum", float(spec.optimizer_params.get("momentum", 0.0) or 0.0)))
        finally:
            self._setting = False
        self.liveLearningRate.setToolTip(self._rate_note or self.liveLearningRate.toolTip())
        self.liveMomentum.setToolTip(self._momentum_note or self.liveMomentum.toolTip())

    def attach(self, controls: Controls) -> None:
        """A run that takes controls has started."""
        self.controls = controls
        self._asked.clear()
        self.liveNote.setText("")
        self._update()

    def detach(self) -> None:
        """No run to control (ended, or one that takes no controls: a fine-tune)."""
        self.controls = None
        self._update()

    def is_paused(self) -> bool:
        return self.controls is not None and self.controls.paused

    def on_event(self, kind: str, payload: Any) -> None:
        """The run's answer (in the GUI thread): "paused", "resumed", "changed", or
        "values": what the run starts with, read from its optimizer (the boxes show it)."""
        if kind == "values":
            self._setting = True
            try:
                for name, value in payload.items():
                    if name in self._asked:  # asked for before the run began: that shows
                        continue
                    box = self.liveLearningRate if name == "learning_rate" else self.liveMomentum
                    box.setValue(value)
            finally:
                self._setting = False
        elif kind == "changed":
            change, why = payload
            if why:
                self.refused.emit(why)
            else:
                self.changeApplied.emit(change)
        self._update()

    def step_unit(self) -> str:
        """What one Step trains: "batch" or "epoch" (the Step button's menu)."""
        return next(u for u, a in self.stepActions.items() if a.isChecked())

    def set_step_unit(self, unit: str) -> None:
        self.stepActions[unit].setChecked(True)
        self._step_tip()

    def _step_tip(self) -> None:
        what = "one batch" if self.step_unit() == "batch" else "to the end of this epoch"
        self.stepButton.setToolTip(f"Train {what}, then hold again (the arrow chooses: one "
                                   f"batch or one epoch)")

    # ---- asking -------------------------------------------------------------------------

    def _toggle_pause(self) -> None:
        if self.controls is None:
            return
        if self.controls.paused:
            self.controls.resume()
        else:
            self.controls.pause()
        self._update()

    def _step(self) -> None:
        if self.controls is not None:
            self.controls.step(self.step_unit())
            self._update()

    def _ask(self, name: str, value: float) -> None:
        if self._setting or self.controls is None:
            return
        why = self.controls.request(name, float(value))
        if not why:
            self._asked.add(name)
        if why:
            self.refused.emit(why)

    def _update(self) -> None:
        live = self.controls is not None
        self.pauseButton.setEnabled(live)
        self.pauseButton.setText("Resume" if self.is_paused() else "Pause")
        self.stepButton.setEnabled(live)
        self.liveLearningRate.setEnabled(live and not self._rate_note)
        self.liveMomentum.setEnabled(live and not self._momentum_note)


class ChangeMarks:
    """The applied changes as dashed vertical lines on a plot, labelled with the new value."""

    def __init__(self) -> None:
        self.changes: list[Change] = []
        self._lines: list[Any] = []
        self._plot: Any = None
        self._drawn = 0

    def set(self, changes: list[Change]) -> None:
        self.changes = list(changes)
        self._clear_lines()

    def add(self, change: Change) -> None:
        self.changes.append(change)

    def lines(self) -> list[Any]:
        return list(self._lines)

    def draw(self, plot: Any) -> None:
        """Add the lines not yet on ``plot`` (a pyqtgraph PlotItem)."""
        import pyqtgraph as pg

        if plot is not self._plot:
            self._clear_lines()
            self._plot = plot
        for change in self.changes[self._drawn:]:
            short = "lr" if change.name == "learning_rate" else "mom."
            line = pg.InfiniteLine(
                pos=change.x, angle=90, movable=False,
                pen=pg.mkPen(*MARK_COLOR, width=1.5, style=pg.QtCore.Qt.PenStyle.DashLine),
                label=f"{short} {change.value:g}",
                labelOpts={"position": 0.92, "color": MARK_COLOR, "anchors": [(0, 0), (0, 0)]})
            line.setToolTip(f"{change.name.replace('_', ' ')} set to {change.value:g} before "
                            f"batch {change.batch + 1} of epoch {change.epoch + 1}")
            plot.addItem(line)
            self._lines.append(line)
        self._drawn = len(self.changes)

    def _clear_lines(self) -> None:
        if self._plot is not None:
            for line in self._lines:
                self._plot.removeItem(line)
        self._lines, self._drawn = [], 0
