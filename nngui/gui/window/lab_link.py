"""The backprop lab in the session state: the How it learns tab's net, as the state's ``lab``.

``LabLink`` hears the lab page's ``stepped`` (after every change of what it shows: a step, a
reset, a setting, a dragged weight) and gives the state the lab as a project holds it
(``SessionState.lab_edited(lab_state(net))``), so a save reads the lab from the state, never
from the page. While Run ticks (1,000 iterations a second) the state hears it at most once a
second and when Run pauses; ``flush`` sends a change still waiting (a save, an autosave). While
a project is being shown (``restoring``) the page's changes are the project's, not edits.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

from nngui.core.files.state import SessionState
from nngui.core.lab.state import lab_state

RUNNING_EVERY_MS = 1000  # how often a running lab's iterations reach the state


class LabLink(QObject):
    """The lab page's changes into the state (see the module docstring)."""

    def __init__(self, lab, state: Callable[[], SessionState],
                 restoring: Callable[[], bool], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lab, self._state, self._restoring = lab, state, restoring
        self._later = QTimer(self)
        self._later.setSingleShot(True)
        self._later.setInterval(RUNNING_EVERY_MS)
        self._later.timeout.connect(self.flush)
        lab.stepped.connect(self._on_stepped)

    def _on_stepped(self) -> None:
        if self._restoring():
            return
        if self._lab.runButton.isChecked():  # Run ticks: once a second is enough
            if not self._later.isActive():
                self._later.start()
            return
        self._later.stop()
        self._state().lab_edited(lab_state(self._lab.net))

    def flush(self) -> None:
        """A change still waiting reaches the state now."""
        if self._later.isActive() or (self._lab.runButton.isChecked() and
                                      not self._restoring()):
            self._later.stop()
            self._state().lab_edited(lab_state(self._lab.net))
