"""The questions the window asks about a project's unsaved work: Save / Discard / Cancel
before it goes (``ProjectActions.unsaved_prompt``), and whether to restore a crash's autosave
(``Recovery.recovery_prompt``). Both are class attributes there, so tests replace them."""

from __future__ import annotations

import time

from PySide6.QtWidgets import QMessageBox


def ask_unsaved(window, name: str, running: bool = False) -> str:
    """'save', 'discard' or 'cancel': the Save / Discard / Cancel question (``running``: a
    run is in progress, and closing would end it)."""
    b = QMessageBox.StandardButton
    if running:
        title, text = "A run is in progress", (
            f"A run is in progress. Save {name} with the run first? Save stops the run, saves "
            "it and then closes; Discard ends the run and loses it.")
    else:
        title, text = "Unsaved changes", f"Save the changes to {name} first?"
    answer = QMessageBox.question(window, title, text, b.Save | b.Discard | b.Cancel, b.Save)
    return {b.Save: "save", b.Discard: "discard"}.get(answer, "cancel")


def ask_recover(window, saved: float) -> bool:
    """True to restore the autosave written at ``saved`` (after a crash)."""
    b = QMessageBox.StandardButton
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(saved))
    return QMessageBox.question(window, "Restore unsaved work?",
                                f"nngui did not close normally. Restore the work autosaved "
                                f"at {when}?", b.Yes | b.No, b.Yes) == b.Yes
