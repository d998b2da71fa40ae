"""The lab's network drawn as a graph (``common.net_graph.NetGraph``, named ``labGraph``)."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from nngui.gui.common.net_graph import GraphState, NetGraph

__all__ = ["GraphState", "LabGraph"]


class LabGraph(NetGraph):
    """The backprop lab's graph."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("labGraph")
