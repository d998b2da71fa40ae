"""Benchmarks drive the real MainWindow: keep the user's autosave and settings out of it.

A leftover autosave in the user's data folder makes the window offer a restore in a modal
box on start-up, and closing a window with a finished run asks to save: either would wait for
a click no benchmark gives. ``quiet()`` points the data folder and QSettings at a fresh
temporary folder and answers the two project questions ("discard", "don't restore").
"""

from __future__ import annotations

import os
import tempfile


def quiet() -> str:
    """Call before creating a MainWindow; returns the private data folder."""
    folder = os.environ.setdefault("NNGUI_DATA_DIR", tempfile.mkdtemp(prefix="nngui-bench-"))
    from PySide6.QtCore import QSettings

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    for fmt in (QSettings.Format.IniFormat, QSettings.Format.NativeFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, folder)
    from nngui.gui.window import project_actions, recovery

    if hasattr(recovery, "Recovery"):
        project_actions.ProjectActions.unsaved_prompt = staticmethod(lambda *a: "discard")
        recovery.Recovery.recovery_prompt = staticmethod(lambda *a: False)
    else:  # an older tree (``--before``): the two questions were module functions
        project_actions.ask_unsaved = lambda *a: "discard"
        recovery.ask_recover = lambda *a: False
    return folder
