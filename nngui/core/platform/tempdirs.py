"""One temporary folder per process, removed at exit; a dead process's folder goes at the next start.

Everything nngui unpacks or stages in the system's temp folder (a project's model on its way
into or out of the zip) goes into ``nngui-<pid>-<random>/``. The folder is removed when the
process ends normally (``atexit``, and the CLI's quick exit calls :func:`remove_own` itself).
A process that is killed cannot clean up: :func:`sweep_stale` (called when nngui starts)
removes every ``nngui-<pid>-*`` folder whose process is gone, and the ``nngui-project-*``
folders older versions made per save and never removed when killed.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from nngui.core.platform.fsio import pid_alive

PREFIX = "nngui-"
LEGACY_PREFIX = "nngui-project-"  # one folder per save or open, before this module
LEGACY_AGE_S = 600.0  # an older version's save in progress is not that old

_LOCK = threading.Lock()
_OWN: Path | None = None


def _root(root: str | os.PathLike | None) -> Path:
    return Path(root if root is not None else tempfile.gettempdir())


def own_dir() -> Path:
    """This process's temp folder (made on first use, removed at exit)."""
    global _OWN
    with _LOCK:
        if _OWN is None or not _OWN.is_dir():
            _OWN = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))
            atexit.register(remove_own)
        return _OWN


@contextlib.contextmanager
def scratch(prefix: str = "") -> Iterator[Path]:
    """A fresh folder inside this process's temp folder, removed when the block ends."""
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=own_dir()))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def remove_own() -> None:
    """Remove this process's temp folder (at exit; safe to call twice)."""
    global _OWN
    with _LOCK:
        if _OWN is not None:
            shutil.rmtree(_OWN, ignore_errors=True)
            _OWN = None


def _pid_of(name: str) -> int | None:
    head = name[len(PREFIX):].split("-", 1)[0]
    return int(head) if head.isdigit() else None


def sweep_stale(root: str | os.PathLike | None = None) -> list[Path]:
    """Remove the temp folders of nngui processes that are gone; returns what was removed."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(_root(root)))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        name = entry.name
        if not name.startswith(PREFIX) or not entry.is_dir(follow_symlinks=False):
            continue
        if name.startswith(LEGACY_PREFIX):
            try:
                stale = now - entry.stat(follow_symlinks=False).st_mtime > LEGACY_AGE_S
            except OSError:
                continue
        else:
            pid = _pid_of(name)
            stale = pid is not None and not pid_alive(pid)
        if stale:
            shutil.rmtree(entry.path, ignore_errors=True)
            if not os.path.exists(entry.path):
                removed.append(Path(entry.path))
    return removed
