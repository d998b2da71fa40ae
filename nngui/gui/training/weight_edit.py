"""The Watch tab's weight editor: a small trained network as a graph whose weights can be
dragged; the boundary, the unit tiles and the loss follow at once; Reset puts the trained
values back.

The view never touches Keras: every read and every edit is a job on the window's
``TaskRunner`` that holds the session (``core.insight.weight_edit``), and its result (the
weights as they now are, the live views' probe arrays, the loss) comes back to be drawn.
While a run is paused its training thread holds the model: an edit is then sent through the
run's ``Controls`` (``request_weights``); the thread sets it, runs the probes and sends the
matrices back (``show_run_weights``); the loss shows on the curves when the run goes on.
While a job runs, further drags are gathered and sent as one edit when it ends, so a fast
drag never queues jobs. The context (session, probes, training data) comes from whoever
owns the session (the window): ``bind(tasks, context)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from nngui.core.insight import weight_edit as core
from nngui.gui.common.net_graph import GraphState, NetGraph
from nngui.gui.common.tasks import TaskRunner

# (session, probes, x, y): what an edit needs; a string says why there is nothing to edit
Context = Callable[[], "tuple[Any, list, np.ndarray, np.ndarray] | str"]
RETRY_MS = 100  # an edit refused while another job holds the network: sent again after
EMPTY_TEXT = "Train (or open) a small network; then drag its weights here."


def unit_labels(weights: list[np.ndarray]) -> list[list[str]]:
    """Node labels, input layer first; every layer but the output ends with the bias "1"."""
    n_in = weights[0].shape[0] - 1
    labels = [[f"x{i + 1}" for i in range(n_in)] + ["1"]]
    for depth, w in enumerate(weights[:-1]):
        units = w.shape[1]
        name = "h" if len(weights) == 2 else f"h{depth + 1}."
        labels.append([f"{name}{k + 1}" for k in range(units)] + ["1"])
    out = weights[-1].shape[1]
    labels.append(["ŷ"] if out == 1 else [f"ŷ{k + 1}" for k in range(out)])
    return labels


def graph_weights(weights: list[np.ndarray]) -> list[np.ndarray]:
    """Each layer's matrix for the graph: a bias row leads from the "1" node; the next
    layer's "1" has no incoming edges (a NaN column: no edge)."""
    out = []
    for index, w in enumerate(weights):
        if index < len(weights) - 1:
            w = np.hstack([w, np.full((w.shape[0], 1), np.nan)])  # nothing flows into a "1"
        out.append(w)
    return out


class WeightEditView(QWidget):
    """The network's weights, draggable; Reset; the loss before and after."""

    edited = Signal()  # an edit's (or a Reset's) result was drawn
    loaded = Signal()  # the weights were read from the model

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("weightEditView")
        self.graph = NetGraph()
        self.graph.setObjectName("watchWeightGraph")
        self.resetButton = QPushButton("Reset")
        self.resetButton.setObjectName("watchResetWeightsButton")
        self.resetButton.setToolTip("Put the dragged weights back to their trained values")
        self.note = QLabel(EMPTY_TEXT)
        self.note.setObjectName("weightEditNote")
        self.note.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.note, 1)
        row.addWidget(self.resetButton)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.graph, 1)
        self._tasks: TaskRunner | None = None
        self._context: Context | None = None
        self._show_probe: Callable[[str, int, Any], None] = lambda *a: None
        self._session: Any = None
        self.trained: dict[core.Key, float] = {}  # the value each dragged weight had
        self.trained_loss: float | None = None
        self.loss: float | None = None
        self._pending: dict[core.Key, float] = {}
        self._model_value: dict[core.Key, float] = {}  # every weight as the model holds it
        self._busy = False
        self._stale = True  # the weights shown may not be the model's: read them again
        self.run_controls: Callable[[], Any] = lambda: None  # a held run's Controls
        self._in_run = False  # the weights shown are a paused run's
        self.graph.weightDragged.connect(self._dragged)
        self.graph.dragFinished.connect(self._dragged)
        self.resetButton.clicked.connect(self.reset)
        self._update()

    def bind(self, tasks: TaskRunner, context: Context,
             show_probe: Callable[[str, int, Any], None]) -> None:
        """Where jobs run, what they act on, and where the probe arrays they compute go."""
        self._tasks, self._context, self._show_probe = tasks, context, show_probe
        self.refresh()

    def is_idle(self) -> bool:
        """No edit in flight and none waiting (what a test or a tour waits for)."""
        return not self._busy and not self._pending

    # ---- reading --------------------------------------------------------------------------

    def showEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def show_run_weights(self, weights: Any) -> None:
        """A paused run's weights (or why an edit was refused): editable through its
        Controls until it goes on."""
        self._busy = False
        if isinstance(weights, str):
            self._say(f"The weight could not be changed: {weights}")
            return
        if not self._in_run:
            self.trained.clear()
            self._in_run = True
        self._session = self.run_controls()  # edits go to the run, not to a job
        self._stale = False
        self._model_value = {(k, i, j): float(w[i, j]) for k, w in enumerate(weights)
                             for i in range(w.shape[0]) for j in range(w.shape[1])}
        self.loss = self.trained_loss = None
        self._draw(list(weights))
        self.graph.set_editable(self._session is not None)
        self._update()
        self.edited.emit()
        self._kick()

    def run_resumed(self) -> None:
        """The paused run goes on: its weights change under the view; nothing to edit."""
        if self._in_run:
            self.forget()
            self._say("Training: pause it to edit its weights here (or edit them when it "
                      "ends).")

    def leave_run(self) -> None:
        """The run ended: the weights are the session's again (read by a job)."""
        self._in_run = False
        self._busy = False
        self.forget()
        self.refresh()

    def forget(self) -> None:
        """The network changes (a run starts, a new network): edits and their values go."""
        self._in_run = False
        self._session = None
        self.trained.clear()
        self._pending.clear()
        self.trained_loss = self.loss = None
        self._stale = True
        self.graph.set_editable(False)
        self.graph.edited = set()
        self._update()

    def refresh(self) -> None:
        """Read the session's weights (a job), when shown and nothing holds it."""
        self._stale = True
        if self._tasks is None or self._context is None or not self.isVisible() or \
                self._busy or self._in_run:
            return
        ctx = self._context()
        if isinstance(ctx, str):
            self._say(ctx)
            return
        session, probes, x, y = ctx
        model = session.model
        why = core.why_not(model)
        if why:
            self._say(why)
            return
        self._submit(session, {}, probes, x, y, first=True)

    # ---- editing --------------------------------------------------------------------------

    def _dragged(self, layer: int, i: int, j: int, value: float) -> None:
        if not self.graph.editable or self._session is None:
            return
        st = self.graph.state
        key = (layer, i, j)
        if key not in self.trained and st is not None:
            self.trained[key] = self._model_value.get(key, float(st.weights[layer][i, j]))
        self._pending[key] = float(value)
        self.graph.edited = set(self.trained)
        self._kick()

    def reset(self) -> None:
        """Every dragged weight back to the value training left it at."""
        if not self.trained:
            return
        self._pending.update(self.trained)
        self.trained.clear()
        self.graph.edited = set()
        self._kick()

    def _kick(self) -> None:
        """Send what was dragged since the last edit, if no edit is in flight."""
        if self._busy or not self._pending:
            return
        if self._in_run:  # the paused run's thread holds the model: it sets them
            controls = self.run_controls()
            if controls is None:
                return
            values, self._pending = self._pending, {}
            self._busy = True
            controls.request_weights(values)
            return
        if self._context is None:
            return
        ctx = self._context()
        if isinstance(ctx, str) or ctx[0] is not self._session:
            self.forget()
            self._say(ctx if isinstance(ctx, str) else EMPTY_TEXT)
            return
        values, self._pending = self._pending, {}
        session, probes, x, y = ctx
        if not self._submit(session, values, probes, x, y, first=False):
            self._pending = {**values, **self._pending}  # held by another job (an
            QTimer.singleShot(RETRY_MS, self, self._kick)  # evaluation): sent when it ends

    def _submit(self, session: Any, values: dict, probes: list, x, y, first: bool) -> bool:
        assert self._tasks is not None
        model = session.model

        def job(_report, _stop):
            return core.edit(model, values, probes, x, y)

        task = self._tasks.submit("edit weights", job, holds=(session,),
                                  on_done=lambda r: self._done(session, r, first),
                                  on_failed=self._failed)
        if task is None:
            self._say("The network is in use (training or being evaluated): edit its weights "
                      "when that has finished.")
            return False
        self._busy = True
        self._update()
        return True

    def _done(self, session: Any, result: core.Edited, first: bool) -> None:
        self._busy = False
        self._session, self._stale = session, False
        self._model_value = {(k, i, j): float(w[i, j]) for k, w in enumerate(result.weights)
                             for i in range(w.shape[0]) for j in range(w.shape[1])}
        if first:
            self.trained_loss = result.loss
        self.loss = result.loss
        self._draw(result.weights)
        epoch = max(0, int(getattr(session, "epochs_done", 1)) - 1)
        by_hand = len(self.trained)  # the views' titles say the weights are not that epoch's
        for name, payload in result.payloads:
            if by_hand and isinstance(payload, dict):
                payload = {**payload, "by_hand": by_hand}
            self._show_probe(name, epoch, payload)
        self.graph.set_editable(True)
        self._update()
        (self.loaded if first else self.edited).emit()
        self._kick()

    def _failed(self, message: str) -> None:
        self._busy = False
        self._pending.clear()
        self._say(f"The weights could not be changed: {message}")

    # ---- drawing --------------------------------------------------------------------------

    def _draw(self, weights: list[np.ndarray]) -> None:
        shown = graph_weights(weights)
        for (layer, i, j), value in self._pending.items():  # a drag still on its way
            shown[layer][i, j] = value
        self.graph.edited = set(self.trained)
        self.graph.set_state(GraphState(unit_labels(weights), shown, row=None))

    def _say(self, text: str) -> None:
        self.note.setText(text)
        self._update(keep_note=True)

    def _update(self, keep_note: bool = False) -> None:
        self.resetButton.setEnabled(bool(self.trained) and self._session is not None)
        if keep_note:
            return
        if self._session is None or self.graph.state is None:
            self.note.setText(EMPTY_TEXT)
            return
        loss = "" if self.loss is None else f" Loss on the training data {self.loss:.4g}"
        if self._in_run:
            loss = " The run is paused: the loss shows on the curves when it goes on"
        if self.loss is not None and self.trained and self.trained_loss is not None:
            loss += f" (trained: {self.trained_loss:.4g})"
        n = len(self.trained)
        edits = f" {n} weight{'s' if n != 1 else ''} changed by hand." if n else ""
        self.note.setText("Drag an edge up or down to change its weight; the boundary, tiles "
                          f"and loss follow.{edits}{loss + '.' if loss else ''}")
