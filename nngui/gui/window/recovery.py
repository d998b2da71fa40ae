"""Autosave and crash recovery: an object of the main window's, next to its project actions.

``Recovery`` owns the ``autosaveTimer``: a modified project is saved every N minutes
(Settings.autosave_minutes) to the data folder's autosave/, atomically. A run in progress is
saved too, with its history so far (not its weights: the run's job holds them).
The autosave names the process that writes it: a second copy of the app running meanwhile
never offers (nor, on its clean exit, removes) the first copy's live autosave.
A clean exit removes it and remembers the time. On the next start an autosave newer than the
last clean exit, whose process is gone, means a crash: ``recovery_prompt`` (replaced in tests) asks whether to restore
it and ``checked(offered)`` says the check is done; a restore is opened like any project (off
the GUI thread; ``ProjectActions.opened`` when it is shown). It gets the window (the parent of
its questions), the settings and the
:class:`~nngui.gui.window.project_actions.ProjectActions` (whether anything changed, the
work as a project, opening the autosave) through its constructor, and says things through
``message``.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

from nngui.core.drawing.samples import app_data_dir
from nngui.core.files.project import SUFFIX, ProjectError
from nngui.core.files.project import save_project as _save
from nngui.core.platform.fsio import pid_alive
from nngui.gui.window.project_actions import ProjectActions
from nngui.gui.window.questions import ask_recover
from nngui.gui.window.settings import Settings


def autosave_dir() -> Path:
    """Where autosaves go: the data folder's autosave/."""
    return app_data_dir() / "autosave"


class Recovery(QObject):
    """Autosave and the offer to restore it (see the module docstring)."""

    recovery_prompt = staticmethod(ask_recover)  # tests replace it
    message = Signal(str, int)  # status bar text and timeout
    checked = Signal(bool)  # the start-up check is done: whether a restore was offered

    def __init__(self, window: QWidget, settings: Settings, projects: ProjectActions) -> None:
        super().__init__(window)
        self._window, self._settings, self._projects = window, settings, projects
        self.timer = QTimer(self)
        self.timer.setObjectName("autosaveTimer")
        self.timer.timeout.connect(self.autosave)

    def start(self) -> None:
        """Autosave from now on; offer a crash's autosave once the window is up."""
        self.timer.start(int(self._settings.autosave_minutes() * 60_000))
        QTimer.singleShot(0, self, self.offer_recovery)

    def stop(self) -> None:
        """No more autosaves (the window closes)."""
        self.timer.stop()

    def autosave(self) -> bool:
        """Save a modified project to the data folder's autosave/ (quietly; False if not)."""
        if not self._projects.is_modified():
            return False
        project = self._projects.autosave_project()
        if project is None:  # a job (an evaluation) holds the model: the next tick saves it
            return False
        folder = autosave_dir()
        path = self._projects.path
        try:
            from nngui.core.platform.fsio import atomic_write_text

            _save(project, folder / f"autosave{SUFFIX}")
            atomic_write_text(folder / "autosave.json", json.dumps(
                {"path": str(path) if path else None, "pid": os.getpid()}))
        except (OSError, ProjectError) as exc:
            self.message.emit(f"Autosave failed: {exc}", 8000)
            return False
        self.message.emit("Autosaved", 2000)
        return True

    def offer_recovery(self) -> bool:
        """After a crash (an autosave newer than the last clean exit): offer to restore it.

        True when a restore was started; ``checked`` then says whether it was offered.
        """
        path = autosave_dir() / f"autosave{SUFFIX}"
        if not path.is_file() or path.stat().st_mtime <= self._settings.clean_exit() or \
                _owned_elsewhere():  # another running copy's live autosave: not a crash
            self.checked.emit(False)
            return False
        if not self.recovery_prompt(self._window, path.stat().st_mtime):
            _remove_autosave()
            self.checked.emit(True)
            return False
        original = _autosave_note().get("path")
        # restored, not yet saved where it belongs
        started = self._projects.open_project(
            path, restored=True, shown_as=Path(original) if isinstance(original, str) else None)
        self.checked.emit(True)
        return started

    def clean_exit(self) -> None:
        """A clean exit: the autosave is not needed, and its time is remembered; unless
        another running copy wrote it (then this exit says nothing about that autosave)."""
        if _owned_elsewhere():
            return
        _remove_autosave()
        self._settings.set_clean_exit(time.time())


def _autosave_note() -> dict:
    """autosave.json: the project the autosave stands for and the process that wrote it."""
    try:
        note = json.loads((autosave_dir() / "autosave.json").read_text())
    except (OSError, ValueError):
        return {}
    return note if isinstance(note, dict) else {}


def _owned_elsewhere() -> bool:
    """Whether the autosave belongs to another copy of the app that is still running."""
    pid = _autosave_note().get("pid")
    if not isinstance(pid, int) or isinstance(pid, bool) or pid == os.getpid():
        return False
    if sys.platform == "win32":  # pid_alive cannot tell there: offer it, as before
        return False
    return pid_alive(pid)


def _remove_autosave() -> None:
    for name in (f"autosave{SUFFIX}", "autosave.json"):
        (autosave_dir() / name).unlink(missing_ok=True)
