"""Atomic writes: the old file survives any failure or kill, temps are cleaned, umask honoured."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from nngui.core.platform import fsio
from nngui.core.platform.fsio import SaveError, atomic_dir, atomic_path, atomic_write_text

REPO = Path(__file__).resolve().parents[3]
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and modes")


def temps(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(fsio.TEMP_PREFIX))


@pytest.fixture
def readonly_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder nothing can be created in: chmod 0555, or for root (who ignores modes) EACCES."""
    folder = tmp_path / "ro"
    folder.mkdir()
    (folder / "net.json").write_text("old")
    folder.chmod(0o555)
    if os.geteuid() == 0:  # root writes anyway: refuse creations in that folder like the OS would
        real_open = os.open

        def guarded(path, flags, *args, **kwargs):
            if flags & os.O_CREAT and Path(path).parent == folder:
                raise PermissionError(errno.EACCES, "Permission denied", str(path))
            return real_open(path, flags, *args, **kwargs)

        monkeypatch.setattr(fsio.os, "open", guarded)
    yield folder
    folder.chmod(0o755)


def test_write_replaces_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "a.json"
    atomic_write_text(target, "one")
    atomic_write_text(target, "two")
    assert target.read_text() == "two"
    assert temps(target.parent) == []


@pytest.mark.parametrize("exc", [ValueError("writer failed"), KeyboardInterrupt()])
def test_failure_in_the_writer_keeps_the_old_file(tmp_path: Path, exc: BaseException) -> None:
    target = tmp_path / "a.npz"
    np.savez(target, x=np.arange(3))
    with pytest.raises(type(exc)), atomic_path(target) as tmp:
        np.savez(tmp, x=np.arange(10))
        raise exc
    assert np.load(target)["x"].tolist() == [0, 1, 2]
    assert temps(tmp_path) == []


def test_full_disk_is_a_readable_message_and_the_old_file_stays(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    target.write_text("old")
    with pytest.raises(SaveError, match="disk is full") as info, atomic_path(target) as tmp:
        tmp.write_text("partial")
        raise OSError(errno.ENOSPC, "No space left on device")
    assert str(info.value).startswith(f"Could not save {target}")
    assert target.read_text() == "old"
    assert temps(tmp_path) == []


def test_read_only_folder_is_a_message_and_the_old_file_stays(readonly_dir: Path) -> None:
    target = readonly_dir / "net.json"
    with pytest.raises(SaveError, match="no permission to write in"):
        atomic_write_text(target, "new")
    with pytest.raises(SaveError, match="no permission"):
        fsio.check_writable(readonly_dir / "model.keras")
    assert target.read_text() == "old"


def test_check_writable_refuses_folders_missing_folders_and_proc(tmp_path: Path) -> None:
    with pytest.raises(SaveError, match="is a folder"):
        fsio.check_writable(tmp_path)
    with pytest.raises(SaveError, match="does not exist"):
        fsio.check_writable(tmp_path / "nope" / "m.keras")
    if Path("/proc/self").is_dir():
        with pytest.raises(SaveError, match="cannot be created in /proc"):
            fsio.check_writable("/proc/m.keras")
    assert fsio.check_writable(tmp_path / "m.keras") == tmp_path / "m.keras"
    assert temps(tmp_path) == []


@posix_only
@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_new_files_respect_the_umask(tmp_path: Path, mask: int) -> None:
    old = os.umask(mask)
    try:
        atomic_write_text(tmp_path / "a.json", "x")
        with atomic_path(tmp_path / "b.npz") as tmp:  # a writer that reopens by name
            np.savez(tmp, x=np.zeros(2))
    finally:
        os.umask(old)
    for name in ("a.json", "b.npz"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o666 & ~mask


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@posix_only
def test_stale_temps_of_dead_processes_are_cleaned_on_the_next_write(tmp_path: Path) -> None:
    dead = tmp_path / f"{fsio.TEMP_PREFIX}{_dead_pid()}-abc123.keras"
    dead.write_bytes(b"half a model")
    dead_dir = tmp_path / f"{fsio.TEMP_PREFIX}{_dead_pid()}-def456"
    (dead_dir / "variables").mkdir(parents=True)
    live = tmp_path / f"{fsio.TEMP_PREFIX}{os.getppid()}-aaa.npz"  # a living writer's temp
    live.write_bytes(b"in progress")
    legacy = tmp_path / ".nngui-k2j3h4g5.keras"  # pre-fsio temp: no pid, removed when old
    legacy.write_bytes(b"x")
    os.utime(legacy, (time.time() - 2 * 3600,) * 2)
    fresh_legacy = tmp_path / ".nngui-zzzzzzzz.keras"
    fresh_legacy.write_bytes(b"x")
    other = tmp_path / ".hidden-user-file"
    other.write_text("mine")
    atomic_write_text(tmp_path / "net.json", "{}")
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted([live.name, fresh_legacy.name, other.name, "net.json"])


_HALF_WRITER = textwrap.dedent("""
    import sys
    from nngui.core.platform.fsio import atomic_path
    with atomic_path(sys.argv[1]) as tmp, open(tmp, "wb") as fh:
        fh.write(b"PK" + b"\\0" * 1_000_000)   # half of a new file...
        fh.flush()
        print("half", flush=True)
        sys.stdin.read()                      # ...and killed here
""")

_BIG_SAVER = textwrap.dedent("""
    import sys
    import numpy as np
    from nngui.core.platform.fsio import atomic_path
    big = np.ones((25_000_000,), dtype=np.float32)   # a 100 MB npz
    print("start", flush=True)
    with atomic_path(sys.argv[1]) as tmp:
        np.savez(tmp, x=big)
    print("saved", flush=True)
""")


def _spawn(code: str, target: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-c", code, str(target)], env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


@posix_only
def test_sigkill_in_the_middle_of_a_save_keeps_the_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "weights.npz"
    np.savez(target, x=np.arange(5))
    proc = _spawn(_HALF_WRITER, target)
    assert proc.stdout.readline().strip() == "half"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert np.load(target)["x"].tolist() == [0, 1, 2, 3, 4]
    assert len(temps(tmp_path)) == 1  # the killed writer's half file...
    np.savez(tmp_path / "other.npz", x=np.zeros(1))  # (not through fsio: nothing cleaned)
    assert len(temps(tmp_path)) == 1
    atomic_write_text(tmp_path / "next.json", "{}")  # ...goes with the next save there
    assert temps(tmp_path) == []


@posix_only
def test_sigkill_during_a_large_real_save_never_leaves_a_broken_file(tmp_path: Path) -> None:
    target = tmp_path / "big.npz"
    np.savez(target, x=np.arange(5))
    proc = _spawn(_BIG_SAVER, target)
    assert proc.stdout.readline().strip() == "start"
    # Kill as soon as the temp file has data in it (or the save is already over).
    while proc.poll() is None:
        sizes = [p.stat().st_size for p in tmp_path.iterdir()
                 if p.name.startswith(fsio.TEMP_PREFIX)]
        if any(s > 1_000_000 for s in sizes):
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    x = np.load(target)["x"]  # either the old file or the complete new one, never half
    assert x.tolist() == [0, 1, 2, 3, 4] or (x.shape == (25_000_000,) and x[-1] == 1.0)
    atomic_write_text(tmp_path / "next.json", "{}")
    assert temps(tmp_path) == []


def test_atomic_dir_replaces_its_own_kind_of_folder_only(tmp_path: Path) -> None:
    target = tmp_path / "export"
    with atomic_dir(target, "saved_model.pb") as tmp:
        tmp.mkdir()
        (tmp / "saved_model.pb").write_text("v1")
    with atomic_dir(target, "saved_model.pb") as tmp:
        tmp.mkdir()
        (tmp / "saved_model.pb").write_text("v2")
    assert (target / "saved_model.pb").read_text() == "v2"
    with pytest.raises(RuntimeError), atomic_dir(target, "saved_model.pb") as tmp:
        tmp.mkdir()
        raise RuntimeError("exporter failed")
    assert (target / "saved_model.pb").read_text() == "v2"
    mine = tmp_path / "photos"
    mine.mkdir()
    (mine / "cat.jpg").write_text("meow")
    with pytest.raises(SaveError, match="already holds other files"), \
            atomic_dir(mine, "saved_model.pb") as tmp:
        tmp.mkdir()
    assert (mine / "cat.jpg").read_text() == "meow"
    assert temps(tmp_path) == []


_KERAS_SAVER = textwrap.dedent("""
    import sys
    from nngui.core.model.builder import build_model
    from nngui.core.model.saving import save_model
    from nngui.core.training.presets import get_preset
    model = build_model(get_preset("cifar-3072-3000-2000-10").spec(), 0)  # 15M weights, 61 MB
    print("start", flush=True)
    save_model(model, sys.argv[1])
    print("saved", flush=True)
""")


@posix_only
def test_sigkill_during_a_big_keras_save_keeps_the_previous_model(tmp_path: Path) -> None:
    from nngui.core.model.builder import build_model
    from nngui.core.model.saving import load_model, save_model
    from nngui.core.training.presets import get_preset

    target = tmp_path / "model.keras"
    old = os.umask(0o022)
    try:
        save_model(build_model(get_preset("xor-3-4-1").spec(), 0), target)
    finally:
        os.umask(old)
    assert target.stat().st_mode & 0o777 == 0o644  # not mkstemp's 0600
    proc = _spawn(_KERAS_SAVER, target)
    assert proc.stdout.readline().strip() == "start"
    while proc.poll() is None:
        if any(p.stat().st_size > 1_000_000 for p in tmp_path.iterdir()
               if p.name.startswith(fsio.TEMP_PREFIX)):
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert load_model(target).count_params() in (21, 15_241_010)  # old or whole, never half
    atomic_write_text(tmp_path / "next.json", "{}")
    assert temps(tmp_path) == []
