"""Dragging a weight of the lab's network: the predictions, the graph and the loss follow at
once; "Reset weights" puts the values back that training had left.

The lab's ``LabNet`` is NumPy owned by the GUI thread, so an edit writes its weight directly.
The first edit of a weight keeps the value it had; a training step (or a reset) makes the
edited weights the network's own, and Reset then has nothing left to undo.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QPushButton

from nngui.core.lab.backprop import LabNet, dataset, forward
from nngui.gui.common.net_graph import NetGraph


class LabWeightEdits:
    """Edits of the lab's weights through ``graph`` drags, and their Reset button."""

    def __init__(self, net: Callable[[], LabNet], graph: NetGraph,
                 changed: Callable[[], None]) -> None:
        self._net, self._graph, self._changed = net, graph, changed
        self.trained: dict[tuple[int, int, int], float] = {}  # the value before the first edit
        self.iteration = 0  # the net's iteration when the edits began …
        self._weights: list | None = None  # … and its weights (a reset makes new ones)
        self.resetButton = QPushButton("Reset weights")
        self.resetButton.setObjectName("labResetWeightsButton")
        self.resetButton.setToolTip("Put the weights you dragged back to the values training "
                                    "left them at")
        self.resetButton.clicked.connect(self.reset)
        graph.set_editable(True)
        graph.weightDragged.connect(self.edit)
        graph.dragFinished.connect(self.edit)
        self._update()

    def edit(self, layer: int, i: int, j: int, value: float) -> None:
        """Set W[layer][i, j] = value; the recorded passes no longer apply."""
        net = self._net()
        w = net.weights[layer]
        if not self.trained:
            self.iteration, self._weights = net.iteration, net.weights
        self.trained.setdefault((layer, i, j), float(w[i, j]))
        w[i, j] = value
        net.last_forward = net.last_backward = None
        self._update()
        self._changed()

    def reset(self) -> None:
        """Every dragged weight back to its trained value."""
        net = self._net()
        for (layer, i, j), value in self.trained.items():
            net.weights[layer][i, j] = value
        if self.trained:
            net.last_forward = net.last_backward = None
        self.trained.clear()
        self._update()
        self._changed()

    def forget(self) -> None:
        """Training moved on from the edited weights, or new weights came (a reset, a new
        width): nothing to put back. A forward pass or a new η keeps the edits undoable."""
        net = self._net()
        if self.trained and (net.iteration != self.iteration or net.weights is not
                             self._weights):
            self.trained.clear()
            self._update()

    def note(self) -> str:
        """' · 2 weights edited: loss now 0.31' for the status line, or ''."""
        if not self.trained:
            return ""
        net = self._net()
        x, y = dataset(net.config)
        now = forward(net.config, x, y, net.weights)
        n = len(self.trained)
        return f" · {n} weight{'s' if n > 1 else ''} edited by hand: loss now {now.loss:.5f}"

    def _update(self) -> None:
        self.resetButton.setEnabled(bool(self.trained))
        self._graph.edited = set(self.trained)
        self._graph.update()
