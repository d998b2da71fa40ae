"""PySide6 + pyqtgraph front end: widgets edit specs and show results; no math here."""

from __future__ import annotations


def __getattr__(name: str):
    # `from nngui.gui import MainWindow` without importing Qt for every nngui.gui.* import.
    if name == "MainWindow":
        from nngui.gui.window.main_window import MainWindow

        return MainWindow
    raise AttributeError(name)
