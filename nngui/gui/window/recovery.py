"""Autosave and crash recovery for MainWindow (a mixin of ProjectActions).

A modified project is saved every N minutes (Settings.autosave_minutes) to the data folder's
autosave/, atomically; a clean exit removes it and remembers the time. On the next start an
autosave newer than the last clean exit means a crash: ``recovery_prompt`` (replaced in tests)
asks whether to restore it.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from PySide6.QtWidgets import QMessageBox

from nngui.core.drawing.samples import app_data_dir
from nngui.core.files.project import SUFFIX, ProjectError
from nngui.core.files.project import load_project as _load
from nngui.core.files.project import save_project as _save


def ask_recover(window, saved: float) -> bool:
    """True to restore the autosave written at ``saved`` (after a crash)."""
    b = QMessageBox.StandardButton
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(saved))
    return QMessageBox.question(window, "Restore unsaved work?",
                                f"nngui did not close normally. Restore the work autosaved "
                                f"at {when}?", b.Yes | b.No, b.Yes) == b.Yes


def autosave_dir() -> Path:
    """Where autosaves go: the data folder's autosave/."""
    return app_data_dir() / "autosave"


class ProjectRecovery:
    """Autosave and the offer to restore it; needs ProjectActions' current_project and
    show_project."""

    recovery_prompt = staticmethod(ask_recover)  # tests replace it

    def autosave(self) -> bool:
        """Save a modified project to the data folder's autosave/ (quietly; False if not)."""
        if not self.isWindowModified():
            return False
        project = self.current_project(quiet=True)
        if project is None:  # training: the next tick saves it
            return False
        folder = autosave_dir()
        try:
            from nngui.core.platform.fsio import atomic_write_text

            _save(project, folder / f"autosave{SUFFIX}")
            atomic_write_text(folder / "autosave.json", json.dumps(
                {"path": str(self.project_path) if self.project_path else None}))
        except (OSError, ProjectError) as exc:
            self.statusBar().showMessage(f"Autosave failed: {exc}", 8000)
            return False
        self.statusBar().showMessage("Autosaved", 2000)
        return True

    def offer_recovery(self) -> bool:
        """After a crash (an autosave newer than the last clean exit): offer to restore it."""
        path = autosave_dir() / f"autosave{SUFFIX}"
        if not path.is_file() or path.stat().st_mtime <= self.settings.clean_exit():
            return False
        if not self.recovery_prompt(self, path.stat().st_mtime):
            self._remove_autosave()
            return False
        try:
            project = _load(path)
        except ProjectError as exc:
            QMessageBox.warning(self, "Could not restore", str(exc))
            return False
        self.show_project(project)
        try:
            original = json.loads((path.parent / "autosave.json").read_text()).get("path")
        except (OSError, ValueError, AttributeError):
            original = None
        self.project_path = Path(original) if isinstance(original, str) else None
        self.setWindowModified(True)  # restored, not yet saved where it belongs
        self._update_title()
        return True

    def _remove_autosave(self) -> None:
        for name in (f"autosave{SUFFIX}", "autosave.json"):
            (autosave_dir() / name).unlink(missing_ok=True)

    def _clean_exit(self) -> None:
        """A clean exit: the autosave is not needed, and its time is remembered."""
        self._remove_autosave()
        self.settings.set_clean_exit(time.time())
