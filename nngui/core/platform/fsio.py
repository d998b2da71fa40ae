"""Atomic file writes for every file nngui saves: a crash or a full disk never damages the old file.

Everything is written to a temporary name in the target's own folder, flushed to disk (the
file and then the folder), and renamed over the target in one step. Temporary names start with
``.nngui-tmp-<pid>-`` so a later save in the same folder can delete what a killed process left
behind (its pid is gone, or the file is older than a day). Files get the normal mode for new
files (0666 minus the umask), never mkstemp's 0600.

    atomic_write_text(path, text)
    with atomic_path("model.keras") as tmp:   # for writers that want a file name
        model.save(tmp)
    with atomic_dir("served", "saved_model.pb") as tmp:  # a folder: a TF SavedModel
        model.export(tmp)

Failures become :class:`SaveError` (an ``OSError``) with one sentence for the user.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path

TEMP_PREFIX = ".nngui-tmp-"
STALE_AGE_S = 24 * 3600  # a temp file this old is dead even if its pid was reused
# Older nngui versions wrote ".nngui-XXXXXXXX.keras" temps without a pid: removed by age only.
_LEGACY_PREFIX = ".nngui-"
_LEGACY_AGE_S = 3600


class SaveError(OSError):
    """A file that could not be written; the message says why in words, the old file is intact."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(code, message)

    def __str__(self) -> str:
        return str(self.strerror)


def explain(exc: OSError, path: str | os.PathLike) -> str:
    """One sentence for a failed write of ``path``."""
    path = Path(path)
    folder = path.parent
    code = getattr(exc, "errno", None)
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        return f"Could not save {path}: the disk is full (or your quota is used up)."
    if code == errno.EROFS:
        return f"Could not save {path}: {folder} is on a read-only file system."
    if code in (errno.EACCES, errno.EPERM):
        return f"Could not save {path}: you have no permission to write in {folder}."
    if code == errno.ENOENT:
        if folder.is_dir():  # e.g. /proc: it exists but takes no new files
            return f"Could not save {path}: files cannot be created in {folder}."
        return f"Could not save {path}: the folder {folder} does not exist."
    if code == errno.EISDIR:
        return f"Could not save {path}: that is a folder; choose a file name."
    if code == errno.ENAMETOOLONG:
        return f"Could not save {path}: the name is too long."
    reason = exc.strerror or str(exc) or exc.__class__.__name__
    return f"Could not save {path}: {reason}."


def check_writable(path: str | os.PathLike) -> Path:
    """Raise SaveError unless a file could be saved at ``path`` now (its folder takes files)."""
    path = Path(path).expanduser()
    if path.is_dir():
        raise SaveError(f"Could not save {path}: that is a folder; choose a "
                        "file name.", errno.EISDIR)
    folder = path.parent
    if not folder.is_dir():
        raise SaveError(f"Could not save {path}: the folder {folder} does not "
                        "exist.", errno.ENOENT)
    # Really create a file: access() says yes for root on a read-only mount, and /proc lies.
    probe = folder / f"{TEMP_PREFIX}{os.getpid()}-{secrets.token_hex(4)}.probe"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        os.close(fd)
        probe.unlink()
    except OSError as exc:
        raise SaveError(explain(exc, path), exc.errno) from None
    return path


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; returns the path."""
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        fh.write(data)
    return Path(path)


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically; returns the path."""
    return atomic_write_bytes(path, text.encode("utf-8"))


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary file name beside ``path`` (same suffix); on success it replaces ``path``.

    The writer may create, truncate or reopen the file by name (Keras, NumPy do). On any
    exception, KeyboardInterrupt included, the temporary file is removed and ``path`` is
    untouched; OSErrors are re-raised as SaveError with a readable message.
    """
    path = Path(path).expanduser()
    folder = path.parent
    tmp: Path | None = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        clean_stale(folder)
        tmp = _reserve(folder, path.suffix)
        yield tmp
        _fsync_file(tmp)
        os.replace(tmp, path)
        tmp = None
        _fsync_dir(folder)
    except OSError as exc:
        if isinstance(exc, SaveError):
            raise
        raise SaveError(explain(exc, path), exc.errno) from exc
    finally:
        if tmp is not None:
            _remove(tmp)


@contextlib.contextmanager
def atomic_dir(path: str | os.PathLike, marker: str) -> Iterator[Path]:
    """Yield a temporary folder name beside ``path`` (not yet created); it then replaces ``path``.

    An existing ``path`` is replaced only if it is empty or looks like what we write
    (``marker`` inside, e.g. saved_model.pb), never an unrelated folder of the user's.
    """
    path = Path(path).expanduser()
    folder = path.parent
    tmp: Path | None = None
    old: Path | None = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        clean_stale(folder)
        if path.exists() and not path.is_dir():
            raise SaveError(f"Could not save {path}: a file of that name exists; "
                            "choose a folder name.", errno.EEXIST)
        if not is_replaceable_dir(path, marker):
            raise SaveError(f"Could not save {path}: that folder already holds other files; "
                            "choose a new folder name.", errno.ENOTEMPTY)
        tmp = folder / f"{TEMP_PREFIX}{os.getpid()}-{secrets.token_hex(6)}"
        yield tmp
        if not tmp.is_dir():
            raise SaveError(f"Could not save {path}: nothing was written.", errno.ENOENT)
        for root, _dirs, files in os.walk(tmp):
            for name in files:
                _fsync_file(Path(root) / name)
            _fsync_dir(Path(root))
        if path.is_dir():
            # Two renames: in between, the old folder survives under a temporary name.
            old = folder / f"{TEMP_PREFIX}{os.getpid()}-{secrets.token_hex(6)}.old"
            os.replace(path, old)
        os.replace(tmp, path)
        tmp = None
        _fsync_dir(folder)
    except OSError as exc:
        if old is not None and not path.exists():
            os.replace(old, path)  # put the previous version back
            old = None
        if isinstance(exc, SaveError):
            raise
        raise SaveError(explain(exc, path), exc.errno) from exc
    finally:
        if tmp is not None:
            _remove(tmp)
        if old is not None:
            _remove(old)


def is_replaceable_dir(path: str | os.PathLike, marker: str) -> bool:
    """True if ``path`` is absent, an empty folder, or a folder holding ``marker``."""
    p = Path(path).expanduser()
    if not p.exists():
        return True
    return p.is_dir() and (not any(p.iterdir()) or (p / marker).exists())


def clean_stale(folder: str | os.PathLike) -> list[Path]:
    """Delete temp files and folders a killed nngui left in ``folder``; returns what went."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        name = entry.name
        if not name.startswith(_LEGACY_PREFIX):
            continue
        try:
            age = now - entry.stat(follow_symlinks=False).st_mtime
        except OSError:
            continue
        if name.startswith(TEMP_PREFIX) and name.endswith(".old"):
            # a replaced folder whose successor was never renamed in (killed in between):
            # kept a day so it can still be recovered by hand
            stale = age > STALE_AGE_S
        elif name.startswith(TEMP_PREFIX):
            stale = age > STALE_AGE_S or not pid_alive(_pid_of(name))
        else:
            stale = name.endswith(".keras") and age > _LEGACY_AGE_S
        if stale and _remove(Path(entry.path)):
            removed.append(Path(entry.path))
    return removed


def _pid_of(name: str) -> int | None:
    head = name[len(TEMP_PREFIX):].split("-", 1)[0]
    return int(head) if head.isdigit() else None


def pid_alive(pid: int | None) -> bool:
    if pid is None:
        return False
    if pid == os.getpid():
        return True  # our own temp: a save in progress in another thread
    if sys.platform == "win32":
        return True  # os.kill(pid, 0) would terminate it there; rely on the age alone
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def _reserve(folder: Path, suffix: str) -> Path:
    """Create an empty, unique temp file (mode 0666 minus umask) and return its name."""
    while True:
        tmp = folder / f"{TEMP_PREFIX}{os.getpid()}-{secrets.token_hex(6)}{suffix}"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        os.close(fd)
        return tmp


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (not possible, nor needed, on Windows)."""
    if sys.platform == "win32":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse fsync on folders; the data is already synced
    finally:
        os.close(fd)


def _remove(path: Path) -> bool:
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    except FileNotFoundError:
        return False
    except OSError:
        return False
    return True
