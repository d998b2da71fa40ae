"""The Draw tab's "Inside the network" section: feature maps, filters and saliency that follow
the pen.

A stroke only hands the 28x28 image over (``show_input``: no work in the stroke's path). The
section's own job reads it off the GUI thread with a private copy of the model's weights
(``InsideReader`` on a clone made in the job: the job is that copy's one owner, and the model
the canvas reads with is never called from a worker). One job at a time, started right after a
stroke's reading at most every ``MIN_INTERVAL_MS`` (see there); the newest drawing waits, older
ones are dropped. So the maps trail the pen (11-13 a second) while the digit itself updates
at once; a read started mid-way between two moves would compete with the next one for the GIL
and the cores, which is what the stroke's p95 felt (``benchmarks/bench_draw.py --inside``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QElapsedTimer, QSize, QTimer
from PySide6.QtWidgets import QToolButton, QVBoxLayout, QWidget

from nngui.core.insight.inside import InsideReader
from nngui.gui.common.inside import InsideViews, render
from nngui.gui.common.tasks import Task, TaskRunner

# Between the starts of two reads: at least MIN_INTERVAL_MS; then the next stroke's reading
# starts one at once (so the worker runs while the pen is between two moves, not while the GUI
# thread reads the next one); if no stroke comes, the drawing waits no longer than
# MAX_INTERVAL_MS: ≥ 10 a second while drawing (the issue asks ≥ 10).
MIN_INTERVAL_MS = 70
MAX_INTERVAL_MS = 90
WIDTH = 390  # the section's width when open (the canvas keeps its size at 1366x768)
MIN_WIDTH = 200  # and the least it takes on a small screen (the window fits 1024x700)
DRAW_FIRST = "Draw a digit: the maps, filters and saliency of the network appear here."
# Reads in flight, kept until their thread ends: a panel with a task runner of its own (a test's,
# a benchmark's) may be deleted while one runs, and Qt aborts the process when a QThread is
# destroyed still running.
_IN_FLIGHT: set[Task] = set()


def private_copy(model: Any, weights: list[np.ndarray]) -> Any:
    """A clone of ``model`` with ``weights`` (taken in the GUI thread while no job held it)."""
    from nngui.core.platform.runtime import keras

    clone = keras().models.clone_model(model)
    clone.set_weights(weights)
    return clone


class DrawInside(QWidget):
    """``drawInside``: the collapsible section (``insideToggle``) with the ``InsideViews``."""

    def __init__(self, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("drawInside")
        self.tasks = tasks
        self.toggle = QToolButton()
        self.toggle.setObjectName("insideToggle")
        self.toggle.setCheckable(True)
        self.toggle.setChecked(True)
        self.toggle.setToolTip("Show or hide what the network sees: its feature maps, filters "
                               "and which pixels pushed its answer")
        self.toggle.toggled.connect(self._set_open)
        self.views = InsideViews(side=140)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.toggle)
        layout.addWidget(self.views, 1)
        self._model: Any = None
        self._weights: list[np.ndarray] | None = None
        self._reader: InsideReader | None = None
        self._generation = 0  # a new model (or new weights) starts a new generation
        self._pending: np.ndarray | None = None
        self._busy = False
        self.updates = 0  # results shown (tests and the benchmark count them)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._start)
        self._clock = QElapsedTimer()
        self._clock.start()
        self._set_open(True)
        self.views.show_reason("No model reads drawings yet.")

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(WIDTH, hint.height()) if self.is_open() else hint

    def is_open(self) -> bool:
        return self.toggle.isChecked()

    def _set_open(self, on: bool) -> None:
        self.toggle.setText("Inside the network ▾" if on else "Inside ▸")
        self.views.setVisible(on)
        if on:
            self.setMinimumWidth(MIN_WIDTH)
            self.setMaximumWidth(WIDTH)
        else:
            self.setFixedWidth(self.toggle.sizeHint().width())
        if on:
            self._schedule()

    def set_model(self, model: Any, reason: str = "") -> None:
        """The canvas reads with ``model`` now (None: no model, ``reason`` says why); also
        after its weights changed (trained, fine-tuned). Call only while no job holds it."""
        self._generation += 1
        self._reader = None
        self._model = model
        self._weights = None if model is None else [np.array(w) for w in model.get_weights()]
        if model is None:
            self.views.show_reason(reason or "No model reads drawings yet.")
        elif self._pending is None:
            self.views.show_reason(DRAW_FIRST)
        self._schedule()

    def show_input(self, x28: np.ndarray) -> None:
        """The image the canvas' network just read: looked inside soon, off the GUI thread."""
        self._pending = x28
        if self._ready() and self._clock.elapsed() >= MIN_INTERVAL_MS:
            self._timer.stop()
            self._start()  # now, right after the stroke's own reading
        else:
            self._schedule()

    def _ready(self) -> bool:
        return not self._busy and self._pending is not None and self.is_open() and \
            self.isVisible()

    def _schedule(self) -> None:
        if self._ready() and not self._timer.isActive():
            self._timer.start(max(0, MAX_INTERVAL_MS - self._clock.elapsed()))

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._schedule()  # drawn on while hidden: catch up now

    def _start(self) -> None:
        if not self.is_open() or not self.isVisible():
            return  # closed (or hidden) since this was scheduled: the drawing waits for it
        x, self._pending = self._pending, None
        if x is None or self._model is None:
            return
        if float(np.max(x)) <= 0:
            self.views.show_reason(DRAW_FIRST)
            return
        generation, model, weights, reader = (self._generation, self._model, self._weights,
                                              self._reader)

        def job(_report, _stop):
            own = reader if reader is not None else InsideReader(private_copy(model, weights))
            return generation, own, render(own.read(x), x)

        self._clock.restart()
        task = self.tasks.submit("draw-inside", job, on_done=self._done,
                                 on_failed=self._failed)
        if task is None:  # the window is closing
            return
        _IN_FLIGHT.add(task)
        task.finished.connect(lambda: _IN_FLIGHT.discard(task))
        self._busy = True

    def _done(self, result: tuple[int, InsideReader, Any]) -> None:
        self._busy = False
        generation, reader, rendered = result
        if generation == self._generation:  # else the model changed while it read
            self._reader = reader
            self.views.show_rendered(rendered)
            self.updates += 1
        self._schedule()

    def _failed(self, message: str) -> None:
        self._busy = False
        self.views.show_reason(f"Could not look inside this network: {message}")
        self._schedule()
