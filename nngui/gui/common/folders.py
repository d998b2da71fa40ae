"""Where file dialogs start when nngui remembers no folder for them.

A dialog given no folder (or a bare file name) starts in the working directory, which is
nngui's own source folder when it runs from a checkout. Dialogs start in the folder the
user last used for that kind of file (kept in the window's settings), else in their
Documents folder, else their home folder; never in the app's own folders.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths

PACKAGE_DIR = Path(__file__).resolve().parents[2]  # nngui/: its resources, its code


def app_folders() -> tuple[Path, ...]:
    """The app's own folders: the package, and the checkout it runs from (if it does)."""
    source = PACKAGE_DIR.parent
    return (PACKAGE_DIR, source) if (source / "pyproject.toml").is_file() else (PACKAGE_DIR,)


def is_app_folder(folder: str | Path) -> bool:
    """Whether ``folder`` is the app's source folder, or inside its package (its bundled
    models: opening one must not make exports go there)."""
    path = Path(folder).resolve()
    return path in app_folders() or PACKAGE_DIR in path.parents


def usable_folder(folder: object) -> str | None:
    """``folder`` if it is an existing folder of the user's (not the app's), else None."""
    if not isinstance(folder, (str, Path)) or not str(folder):
        return None
    path = Path(folder)
    return str(path) if path.is_dir() and not is_app_folder(path) else None


def documents_dir() -> str:
    """The user's Documents folder if there is one, else their home folder."""
    docs = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return usable_folder(docs) or str(Path.home())


def start_folder(remembered: object) -> str:
    """Where a dialog starts: the ``remembered`` folder if still usable, else Documents."""
    return usable_folder(remembered) or documents_dir()
