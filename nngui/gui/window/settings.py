"""Everything nngui remembers between runs, in one place, versioned like Orange's settings.

``Settings`` wraps one ``QSettings("nngui", "nngui")`` with typed getters and setters:
window geometry, splitter sizes, last preset, last data set (and the paths of a data file or
MNIST file the user loaded), the folders dialogs start in (opening, projects, exports) and
recent files. ``migrate`` brings keys written by an older nngui up to ``SETTINGS_VERSION``
when the settings are opened, through the "settings" chain of core/platform/migrations.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

from nngui.core.platform import migrations
from nngui.gui.common.folders import start_folder

SETTINGS_VERSION = 1
MAX_RECENT = 8

VERSION_KEY = "settings_version"
GEOMETRY = "window/geometry"
SPLITTERS = "window/splitters/"  # + the splitter's objectName
LAST_PRESET = "session/last_preset"
LAST_DATASET = "session/last_dataset"
DATA_FILE = "session/data_file"
MNIST_FILE = "session/mnist_file"
LAST_DIR = "files/last_dir"  # Open…, data files
PROJECT_DIR = "files/project_dir"  # the last project opened or saved
EXPORT_DIR = "files/export_dir"  # the last export (models, plots, scripts, CSV)
RECENT = "files/recent"
AUTOSAVE_MINUTES = "project/autosave_minutes"
CLEAN_EXIT = "project/clean_exit"

# Version 0 (no settings_version): the flat keys nngui wrote before settings were versioned.
_V0_KEYS = {"geometry": GEOMETRY, "lastDir": LAST_DIR}

# The "settings" document is the QSettings store itself; its migrators change it in place.
migrations.declare("settings", SETTINGS_VERSION)


@migrations.migrator("settings", 0)
def _unversioned_keys(store: QSettings) -> QSettings:
    """Version 0 -> 1: the flat keys move under their group (a value already there wins)."""
    for old, new in _V0_KEYS.items():
        value = store.value(old)
        if value is not None:
            if store.value(new) is None:
                store.setValue(new, value)
            store.remove(old)
    return store


def migrate(store: QSettings) -> int:
    """Bring ``store`` up to SETTINGS_VERSION; returns the version it had.

    Settings from a newer nngui are left untouched (this version reads what it knows); a
    version that is not a whole number ≥ 0 counts as the unversioned keys (version 0).
    """
    version = _int(store.value(VERSION_KEY), 0)
    try:
        migrations.migrate("settings", store, max(version, 0))
    except migrations.NewerVersionError:
        return version
    store.setValue(VERSION_KEY, SETTINGS_VERSION)
    return version


class Settings:
    """Typed access to nngui's QSettings; every getter has a safe default for bad values."""

    def __init__(self, store: QSettings | None = None) -> None:
        self.store = store if store is not None else QSettings("nngui", "nngui")
        self.migrated_from = migrate(self.store)

    # ---- window ------------------------------------------------------------------------------

    def geometry(self) -> QByteArray | None:
        """What ``QWidget.saveGeometry()`` returned last time, or None."""
        value = self.store.value(GEOMETRY)
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def set_geometry(self, geometry: QByteArray) -> None:
        self.store.setValue(GEOMETRY, QByteArray(geometry))

    def splitter_sizes(self, name: str) -> list[int]:
        """Saved sizes of the splitter called ``name`` ([] when none or unreadable)."""
        sizes = [_int(v, -1) for v in _list(self.store.value(SPLITTERS + name))]
        return sizes if sizes and all(v >= 0 for v in sizes) else []

    def set_splitter_sizes(self, name: str, sizes: list[int]) -> None:
        self.store.setValue(SPLITTERS + name, [int(v) for v in sizes])

    # ---- what was open -----------------------------------------------------------------------

    def last_preset(self) -> str | None:
        return _str(self.store.value(LAST_PRESET))

    def set_last_preset(self, name: str) -> None:
        self.store.setValue(LAST_PRESET, str(name))

    def last_dataset(self) -> str | None:
        return _str(self.store.value(LAST_DATASET))

    def set_last_dataset(self, name: str) -> None:
        self.store.setValue(LAST_DATASET, str(name))

    def data_file(self) -> Path | None:
        """The data file the user loaded last, if it still exists."""
        return _existing(self.store.value(DATA_FILE))

    def set_data_file(self, path: str | Path) -> None:
        self.store.setValue(DATA_FILE, str(Path(path)))

    def mnist_file(self) -> Path | None:
        """The mnist.npz (or IDX file) the user pointed nngui at, if it still exists."""
        return _existing(self.store.value(MNIST_FILE))

    def set_mnist_file(self, path: str | Path) -> None:
        self.store.setValue(MNIST_FILE, str(Path(path)))

    # ---- files -------------------------------------------------------------------------------

    # Each kind of dialog starts in the folder last used for it, else the user's Documents
    # (else home): never the app's own folder, never another kind's (a data file's folder
    # is no place to save a project).
    def last_dir(self) -> str:
        """Where Open… and Load data file… start: the folder last opened from."""
        return start_folder(self.store.value(LAST_DIR))

    def set_last_dir(self, folder: str | Path) -> None:
        self.store.setValue(LAST_DIR, str(Path(folder)))

    def project_dir(self) -> str:
        """Where Save project starts: the folder of the last project opened or saved."""
        return start_folder(self.store.value(PROJECT_DIR))

    def set_project_dir(self, folder: str | Path) -> None:
        self.store.setValue(PROJECT_DIR, str(Path(folder)))

    def export_dir(self) -> str:
        """Where exports start (models, plots, scripts, CSV): the last export's folder."""
        return start_folder(self.store.value(EXPORT_DIR))

    def set_export_dir(self, folder: str | Path) -> None:
        self.store.setValue(EXPORT_DIR, str(Path(folder)))

    def recent_files(self) -> list[Path]:
        """Recently opened or saved files, most recent first; files gone since are dropped."""
        paths: list[Path] = []
        for value in _list(self.store.value(RECENT)):
            path = _existing(value)
            if path is not None and path not in paths:
                paths.append(path)
        return paths[:MAX_RECENT]

    def add_recent(self, path: str | Path) -> None:
        """Put ``path`` first in the recent files (at most MAX_RECENT) and remember its folder
        (a project's also as the projects' folder)."""
        path = Path(path).absolute()
        rest = [p for p in self.recent_files() if p != path]
        self.store.setValue(RECENT, [str(p) for p in [path, *rest][:MAX_RECENT]])
        self.set_last_dir(path.parent)
        if path.suffix.lower() == ".nngui":
            self.set_project_dir(path.parent)

    def prune_recent(self) -> list[str]:
        """Drop recent files that are gone; returns their paths (to tell the user)."""
        values = [v for v in _list(self.store.value(RECENT)) if isinstance(v, str)]
        gone = [v for v in values if _existing(v) is None]
        if gone:
            self.store.setValue(RECENT, [v for v in values if v not in gone])
        return gone

    def autosave_minutes(self) -> float:
        """Minutes between autosaves of a modified project (default 2, at least 0.1)."""
        try:
            value = float(self.store.value(AUTOSAVE_MINUTES, 2))
        except (TypeError, ValueError):
            return 2.0
        return value if 0.1 <= value <= 1440 else 2.0

    def set_autosave_minutes(self, minutes: float) -> None:
        self.store.setValue(AUTOSAVE_MINUTES, float(minutes))

    def clean_exit(self) -> float:
        """When nngui last closed normally (seconds since the epoch; 0 when never)."""
        try:
            return float(self.store.value(CLEAN_EXIT, 0))
        except (TypeError, ValueError):
            return 0.0

    def set_clean_exit(self, when: float) -> None:
        self.store.setValue(CLEAN_EXIT, float(when))

    def clear_recent(self) -> None:
        self.store.remove(RECENT)

    def sync(self) -> None:
        """Write to disk now (QSettings also writes on its own, later)."""
        self.store.sync()


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _list(value: Any) -> list:
    # A value edited by hand (or read back by another Qt binding) may be a lone string.
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _existing(value: Any) -> Path | None:
    text = _str(value)
    return Path(text) if text and Path(text).is_file() else None
