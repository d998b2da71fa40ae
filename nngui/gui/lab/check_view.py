"""The lab's gradient check box: hand-written ∂L/∂W against finite differences (at once) and
tf.GradientTape (a plain job on the window's TaskRunner), with the wrong-derivative toggle."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from nngui.core.lab.backprop import LabConfig, hand_gradients
from nngui.core.lab.check import (
    PASS_TOLERANCE,
    finite_difference_gradients,
    max_relative_difference,
    tf_gradients,
)
from nngui.gui.common.tasks import Task, TaskRunner, plain

OK_STYLE = "color: #1e7b34; font-weight: 600;"
BAD_STYLE = "color: #c0392b; font-weight: 600;"


class GradCheckView(QGroupBox):
    """Shows both verdicts; ``run(config, weights)`` starts a check, ``done`` ends it."""

    done = Signal(object)  # TensorFlow's max relative difference, or the exception

    def __init__(self, parent: QWidget | None = None, tasks: TaskRunner | None = None) -> None:
        super().__init__("Gradient check", parent)
        self.tasks = tasks if tasks is not None else TaskRunner(self)
        self.setObjectName("labGradCheck")
        self.wrongCheck = QCheckBox("use a wrong grad_sigmoid")
        self.wrongCheck.setObjectName("labWrongGrad")
        self.wrongCheck.setToolTip("grad_sigmoid(z) = z(1 − z) instead of grad_sigmoid(a) = "
                                   "a(1 − a): the classic slip. Watch the check fail.")
        self.checkButton = QPushButton("Check now")
        self.checkButton.setObjectName("labCheckButton")
        self.checkButton.setToolTip("Compare the hand-written ∂L/∂W with finite differences "
                                    "and tf.GradientTape")
        self.autoCheck = QCheckBox("after each step")
        self.autoCheck.setToolTip("Check again after every step (not while running)")
        self.autoCheck.setChecked(True)
        self.fdLabel = QLabel("finite differences: –")
        self.fdLabel.setObjectName("labFdResult")
        self.tfLabel = QLabel("TensorFlow: waits for the first check")
        self.tfLabel.setObjectName("labTfResult")
        v = QVBoxLayout(self)
        v.addWidget(self.wrongCheck)
        row = QHBoxLayout()
        row.addWidget(self.checkButton)
        row.addWidget(self.autoCheck)
        row.addStretch(1)
        v.addLayout(row)
        for label in (self.fdLabel, self.tfLabel):
            label.setWordWrap(True)
            v.addWidget(label)
        v.addStretch(1)
        self._task: Task | None = None
        self._pending: tuple[LabConfig, list[np.ndarray]] | None = None
        self._tf_ready = False

    def run(self, config: LabConfig, weights: list[np.ndarray]) -> None:
        """Finite differences now; TensorFlow in the background (queued if one is running)."""
        weights = [w.copy() for w in weights]
        hand = hand_gradients(config, weights)
        fd = max_relative_difference(hand, finite_difference_gradients(config, weights))
        self._show(self.fdLabel, "finite differences", fd)
        if self._task is not None:
            self._pending = (config, weights)  # the newest weights, once this one ends
            return
        if not self._tf_ready:
            self.tfLabel.setText("TensorFlow loading…")
            self.tfLabel.setStyleSheet("")

        def job() -> list[np.ndarray]:
            return tf_gradients(config, weights)

        self._task = self.tasks.submit(
            "lab-grad-check", plain(job), on_done=lambda grads: self._finished(hand, grads),
            on_failed=lambda message: self._finished(hand, RuntimeError(message)))

    def _finished(self, hand: list[np.ndarray], result) -> None:
        self._task = None
        if isinstance(result, Exception):
            self.tfLabel.setText(f"TensorFlow check failed: {result}")
            self.tfLabel.setStyleSheet(BAD_STYLE)
            self.done.emit(result)
            return
        self._tf_ready = True
        diff = max_relative_difference(hand, result)
        self._show(self.tfLabel, "tf.GradientTape", diff)
        self.done.emit(diff)
        if self._pending is not None:
            pending, self._pending = self._pending, None
            self.run(*pending)

    @staticmethod
    def _show(label: QLabel, what: str, diff: float) -> None:
        ok = diff < PASS_TOLERANCE
        verdict = "agree ✓" if ok else "DISAGREE ✗ the hand-written gradient is wrong"
        label.setText(f"{what}: max relative difference {diff:.1e}, {verdict}")
        label.setStyleSheet(OK_STYLE if ok else BAD_STYLE)

    def wait(self, ms: int = 60_000) -> None:
        """Block until a running TensorFlow check has finished (for closing and tests)."""
        if self._task is not None:
            self._task.wait(ms)
