"""The Draw tab's "Inside the network" section: feature maps, filters and saliency that follow
the pen.

A stroke only hands the 28x28 image over (``show_input``), with the trace of the NumPy pass
that read it (every layer's output). The section's own job reads them off the GUI thread:
for a model the NumPy engine runs (the bundled CNN and MLP, the presets) with
``NumpyInside``, its own copy of the weights made in the GUI thread when the model is chosen:
the feature maps are the stroke's own layer outputs and the saliency a NumPy backward pass,
so no second forward pass and no TensorFlow call (whose pool threads took both cores beside
the next stroke). Any other model is read by ``InsideReader`` (TensorFlow) on a private clone
made in the job (the job is that copy's one owner; the model the canvas reads with is never
called from a worker). One job at a time, started in the event loop's turn right after a
stroke's reading (once it is painted) at most every ``MIN_INTERVAL_MS`` (see there); the newest drawing waits, older ones are dropped. So
the maps trail the pen (11-13 a second) while the digit itself updates at once
(``benchmarks/bench_draw.py --inside``).
"""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np
from PySide6.QtCore import QElapsedTimer, QSize, QTimer
from PySide6.QtWidgets import QToolButton, QVBoxLayout, QWidget

from nngui.core.insight.inside import InsideReader
from nngui.core.insight.inside_numpy import NumpyInside
from nngui.core.platform.blas import one_blas_thread
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


class _OneBlasThread:
    """NumPy's BLAS on one thread while any NumPy read is in flight, taken and given back in
    the GUI thread. OpenBLAS takes its thread count only from the main thread (a worker's
    ``one_blas_thread`` changes nothing), and on two threads its workers spin beside the GUI
    thread's stroke: a NumPy read took 9 ms at the median and 40 at p95 instead of 0.9 and 1.1.
    Counted, so overlapping reads restore the old count only when the last one ends."""

    def __init__(self) -> None:
        self.users = 0
        self._held: contextlib.ExitStack | None = None

    def take(self) -> None:
        if self.users == 0:
            self._held = contextlib.ExitStack()
            self._held.enter_context(one_blas_thread())
        self.users += 1

    def give(self) -> None:
        self.users -= 1
        if self.users == 0 and self._held is not None:
            self._held.close()
            self._held = None


BLAS = _OneBlasThread()


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
        self._reader: NumpyInside | InsideReader | None = None
        self._generation = 0  # a new model (or new weights) starts a new generation
        self._pending: np.ndarray | None = None
        self._trace: list[np.ndarray] | None = None  # the stroke's pass over _pending
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
        self._reader, self._weights, self._trace = None, None, None
        self._model = model
        if model is not None:
            try:  # the NumPy engine's own copy of the weights, made here
                self._reader = NumpyInside(model)
            except Exception:  # noqa: BLE001 - Unsupported, or a layer the engine misreads:
                # TensorFlow reads it, on a clone made in the job (its failure is shown there)
                self._weights = [np.array(w) for w in model.get_weights()]
        if model is None:
            self.views.show_reason(reason or "No model reads drawings yet.")
        elif self._pending is None:
            self.views.show_reason(DRAW_FIRST)
        self._schedule()

    def show_input(self, x28: np.ndarray, trace: list[np.ndarray] | None = None) -> None:
        """The image the canvas' network just read (and, from the NumPy engine, the trace of
        that reading: ``FastPredictor.predict_traced``): looked inside soon, off the GUI
        thread. The trace's arrays must not change afterwards."""
        self._pending, self._trace = x28, trace
        if self._ready() and self._clock.elapsed() >= MIN_INTERVAL_MS:
            # in the event loop's next turn, right after this stroke's reading is painted:
            # starting a job (a new thread) took 0.3 ms (p50) in the GUI thread, which here
            # would delay the digit's repaint
            self._timer.start(0)
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
        (x, trace), self._pending, self._trace = (self._pending, self._trace), None, None
        if x is None or self._model is None:
            return
        if float(np.max(x)) <= 0:
            self.views.show_reason(DRAW_FIRST)
            return
        generation, model, weights, reader = (self._generation, self._model, self._weights,
                                              self._reader)

        def job(_report, _stop):
            if isinstance(reader, NumpyInside):
                return generation, reader, render(reader.read(x, trace=trace), x)
            own = reader if reader is not None else InsideReader(private_copy(model, weights))
            return generation, own, render(own.read(x), x)

        self._clock.restart()
        numpy_read = isinstance(reader, NumpyInside)
        if numpy_read:
            BLAS.take()
        task = self.tasks.submit("draw-inside", job, on_done=self._done,
                                 on_failed=self._failed)
        if task is None:  # the window is closing
            if numpy_read:
                BLAS.give()
            return
        _IN_FLIGHT.add(task)

        def ended() -> None:
            _IN_FLIGHT.discard(task)
            if numpy_read:
                BLAS.give()

        task.finished.connect(ended)
        self._busy = True

    def reading(self) -> bool:
        """Whether a read is in flight (the benchmark counts the strokes it overlaps)."""
        return self._busy

    def engine(self) -> str:
        """What reads the current model: 'numpy', 'tensorflow', or '' (no model)."""
        if self._model is None:
            return ""
        return "tensorflow" if self._weights is not None else "numpy"

    def _done(self, result: tuple[int, NumpyInside | InsideReader, Any]) -> None:
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
