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
    code = app.exec()
    tear_down(window)
    del window  # its Python side goes with the garbage collected now
    collect_garbage()
    return code


def tear_down(window) -> None:
    """Delete the closed window and its plots now, while Qt and Python are whole.

    The window outlives ``app.exec()``: its parts refer to each other and the task runner
    keeps Python's garbage collector off (it collects in the GUI thread, on a timer that no
    longer runs). Left alive, it was destroyed by PySide at interpreter exit, object by
    object in no particular order, half-finalized: pyqtgraph items could then be reached
    after their C++ objects were gone ("RuntimeError: … ViewBox already deleted" on quit).
    Deleted here, Qt tears the tree down parent first, with every part of Python still in
    place; ``collect_garbage`` then frees the Python side before the interpreter's teardown.
    """
    import shiboken6

    if shiboken6.isValid(window):
        window.tasks.shutdown()  # closing did this; quitting some other way may not have
        shiboken6.delete(window)


def collect_garbage() -> None:
    """Python's collector back on and run once: the deleted window's Python objects (and
    the pyqtgraph menus and items they held) go now, not in the interpreter's teardown."""
    import gc

    from nngui.gui.common.tasks import release_gc

    release_gc()
    gc.collect()
