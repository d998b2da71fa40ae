"""File dialogs start in the folder last used for their kind of file (projects, exports),
else the user's Documents (else home): never the data file's folder for a project, never
the app's own folder (the working directory when nngui runs from its source)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog

from nngui.gui.common.folders import documents_dir, is_app_folder, start_folder
from nngui.gui.window.settings import Settings

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def dialogs(monkeypatch):
    """Every file dialog answers from ``answers`` (cancel when empty); ``starts`` lists the
    folder each one started in."""
    class Dialogs:
        starts: list[Path] = []
        answers: list[str] = []

    def ask(_parent, _caption, start="", *_a, **_kw):
        path = Path(start)
        Dialogs.starts.append(path if start and path.is_dir() else path.parent)
        assert path.is_absolute(), f"{start!r}: a relative start is the working directory"
        return (Dialogs.answers.pop(0) if Dialogs.answers else ""), ""

    for name in ("getSaveFileName", "getOpenFileName"):
        monkeypatch.setattr(QFileDialog, name, staticmethod(ask))
    monkeypatch.chdir(REPO)  # run from its source folder, as a developer does
    return Dialogs


def test_save_project_starts_in_documents_then_the_last_project_folder(window, dialogs,
                                                                       tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    window.settings.set_last_dir(data)  # a data file was loaded from here
    window.projects.save_project_as()  # cancelled
    assert dialogs.starts[-1] == Path(documents_dir())
    assert Path(tmp_path) in [dialogs.starts[-1], *dialogs.starts[-1].parents]  # the home's
    assert dialogs.starts[-1] not in (data, REPO, Path.cwd())
    folder = tmp_path / "projects"
    folder.mkdir()
    assert window.save_project_to(folder / "mine.nngui")
    window.projects.save_project_as()
    assert dialogs.starts[-1] == folder


def test_exports_start_in_documents_then_the_last_export_folder(window, dialogs, tmp_path):
    lab = window.lab
    lab.exportButton.click()  # cancelled
    assert dialogs.starts[-1] == Path(documents_dir()) != REPO
    out = tmp_path / "exports"
    out.mkdir()
    dialogs.answers.append(str(out / "xor.py"))
    lab.exportButton.click()
    assert (out / "xor.py").is_file()
    lab.exportButton.click()  # the lab's next export starts where the last one went
    assert dialogs.starts[-1] == out
    window.files.exportPythonAction.trigger()  # and so do the window's exports
    assert dialogs.starts[-1] == out
    window.files.saveNetworkAction.trigger()
    assert dialogs.starts[-1] == out


def test_a_digit_image_is_read_from_the_last_folder_not_the_working_directory(window,
                                                                              dialogs):
    window.draw.openButton.click()
    assert dialogs.starts[-1] == Path(window.settings.last_dir()) != REPO


def test_lesson_dialogs_start_in_the_project_and_open_folders_not_the_app_s(window, dialogs,
                                                                           tmp_path):
    window.lessons.submit()  # cancelled: it started in Documents, not the working directory
    assert dialogs.starts[-1] == Path(documents_dir()) != REPO
    folder = tmp_path / "course"
    folder.mkdir()
    assert window.save_project_to(folder / "mine.nngui")
    window.lessons.submit()  # a submission goes beside the project
    assert dialogs.starts[-1] == folder
    window.lessons.open_lesson()
    assert dialogs.starts[-1] == Path(window.settings.last_dir()) != REPO


def test_remembered_folders_that_are_the_app_s_own_are_not_used(tmp_path):
    from PySide6.QtCore import QSettings

    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    bundled = REPO / "nngui" / "resources"
    for folder in (bundled, REPO / "nngui"):
        assert is_app_folder(folder)
        settings.set_export_dir(folder)  # e.g. a bundled model was opened from there
        assert settings.export_dir() == documents_dir()
    assert start_folder(tmp_path) == str(tmp_path) and not is_app_folder(tmp_path)
    assert start_folder(tmp_path / "gone") == documents_dir()
