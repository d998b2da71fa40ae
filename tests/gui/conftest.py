"""GUI tests run without a display: Qt must pick the offscreen platform before it loads."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402


@pytest.fixture(autouse=True)
def private_settings(tmp_path_factory) -> str:
    """Every GUI test gets empty QSettings of its own, never the user's real configuration.

    ``QSettings("nngui", "nngui")`` uses the native format, whose path is set separately.
    """
    folder = str(tmp_path_factory.mktemp("qsettings"))
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    for fmt in (QSettings.Format.IniFormat, QSettings.Format.NativeFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, folder)
    return folder


@pytest.fixture(autouse=True)
def no_modal_boxes(monkeypatch):
    """A modal message box waits for a click no test gives: fail at once instead of hanging.

    Tests that expect a message replace these again (e.g. the ``messages`` fixture).
    """
    from PySide6.QtWidgets import QMessageBox

    def refuse(*args, **_kw):
        text = " · ".join(str(a) for a in args[1:3])
        raise AssertionError(f"a modal message box would block the test: {text}")

    for kind in ("warning", "information", "critical", "question"):
        monkeypatch.setattr(QMessageBox, kind, refuse)
    monkeypatch.setattr(QMessageBox, "exec", refuse)
