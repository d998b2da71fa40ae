"""One temp folder per process: gone after a normal exit, swept at the next start after a kill."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from nngui.core.platform import tempdirs

REPO = Path(__file__).resolve().parents[3]

KILLED_SAVE = """
import os, signal, sys
from nngui.core.files.project import Project, save_project
from nngui.core.training.presets import get_preset

class DiesWhileSaving:  # a model whose save is cut short by SIGKILL, like a killed app
    def save(self, path):
        open(path, "wb").write(b"half a model")
        os.kill(os.getpid(), signal.SIGKILL)

preset = get_preset("xor-3-4-1")
project = Project(preset.spec(), preset.train_config(), "xor", model=DiesWhileSaving())
save_project(project, sys.argv[1])
"""


def _env(tmp: Path) -> dict[str, str]:
    return {**os.environ, "TMPDIR": str(tmp), "PYTHONPATH": str(REPO)}


def _ours(tmp: Path) -> list[str]:
    return sorted(p.name for p in tmp.iterdir() if p.name.startswith("nngui-"))


def test_a_normal_exit_leaves_no_temp_folder(tmp_path: Path) -> None:
    code = ("from nngui.core.platform.tempdirs import scratch, own_dir\n"
            "with scratch('x-') as f: (f / 'a').write_text('a')\n"
            "(own_dir() / 'left').write_text('b')\n"
            "assert own_dir().name.startswith('nngui-')\n")
    subprocess.run([sys.executable, "-c", code], env=_env(tmp_path), check=True)
    assert _ours(tmp_path) == []


def test_killed_saves_leave_folders_that_the_next_start_removes(tmp_path: Path) -> None:
    target = tmp_path / "out" / "work.nngui"
    target.parent.mkdir()
    for _ in range(12):
        child = subprocess.run([sys.executable, "-c", KILLED_SAVE, str(target)],
                               env=_env(tmp_path), capture_output=True)
        assert child.returncode == -signal.SIGKILL
    left = _ours(tmp_path)
    assert len(left) == 12 and all(n.startswith("nngui-") for n in left)
    old = tmp_path / "nngui-project-abc123"  # what an older nngui's killed save left
    old.mkdir()
    (old / "model.keras").write_bytes(b"x")
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    young = tmp_path / "nngui-project-inflight"  # an older nngui saving right now
    young.mkdir()
    # the restart: `nngui --version` starts like every nngui process
    subprocess.run([sys.executable, "-m", "nngui", "--version"], env=_env(tmp_path),
                   check=True, capture_output=True)
    assert _ours(tmp_path) == ["nngui-project-inflight"]
    assert not target.exists()  # and the killed saves never left a half-written project


def test_a_live_processs_folder_is_kept(tmp_path: Path) -> None:
    mine = tmp_path / f"nngui-{os.getpid()}-abc"
    mine.mkdir()
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"]) as other:
        try:
            theirs = tmp_path / f"nngui-{other.pid}-def"
            theirs.mkdir()
            assert tempdirs.sweep_stale(tmp_path) == []
        finally:
            other.kill()
    other.wait()
    assert tempdirs.sweep_stale(tmp_path) == [theirs]
    assert mine.is_dir()
