"""Start the Qt application and the main window."""

from __future__ import annotations

import sys


def run_app(argv: list[str]) -> int:
    """Open the main window (and the file given on the command line, if any)."""
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from nngui.core.platform.resources import app_icon_files

    app = QApplication.instance() or QApplication([sys.argv[0], *argv])
    app.setApplicationName("nngui")
    app.setOrganizationName("nngui")
    icon = QIcon()  # every bundled size, so the desktop picks a sharp one (16 px in lists)
    for path in app_icon_files():
        icon.addFile(str(path))
    app.setWindowIcon(icon)
    from nngui.gui.common.style import style_plots
    from nngui.gui.window.main_window import MainWindow

    window = MainWindow()
    paths = [a for a in argv if not a.startswith("-")]
    if paths:
        style_plots()  # opening the file builds the pages it fills, plots included
    else:
        window.when_painted(style_plots)  # runs before the first plot is made
    window.show()
    if paths:
        window.open_path(paths[0])
    return app.exec()
