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
