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
    from nngui.gui.window.project_actions import ProjectActions
    from nngui.gui.window.recovery import Recovery

    ProjectActions.unsaved_prompt = staticmethod(lambda *a: "discard")
    Recovery.recovery_prompt = staticmethod(lambda *a: False)
    return folder
