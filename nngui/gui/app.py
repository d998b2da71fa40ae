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


def style_plots() -> None:
    """pyqtgraph's look for the app; call before the first plot (it imports pyqtgraph)."""
    import pyqtgraph as pg

    pg.setConfigOptions(antialias=True, background="w", foreground="k")
    if not getattr(pg.AxisItem, "_nngui_plain_numbers", False):
        made = pg.AxisItem.__init__

        def plain_numbers(axis: pg.AxisItem, *args: object, **kwargs: object) -> None:
            made(axis, *args, **kwargs)
            # pyqtgraph rescales small values into "loss (x0.001)" with ticks 150-400; a
            # student reads the loss itself. Every axis of the app shows plain numbers.
            axis.enableAutoSIPrefix(False)

        pg.AxisItem.__init__ = plain_numbers
        pg.AxisItem._nngui_plain_numbers = True
