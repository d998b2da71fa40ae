"""The CLI reads CIFAR-10's binary archive as the app does (`--dataset cifar10 --data FILE`
or `--dataset file --data FILE`); a bad archive is one line on stderr and status 2. No
network here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

from cifar_archives import FOLDER, archive_bytes, raw_images


def run(*args: str, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "HOME": str(home)}
    env.pop("NNGUI_CIFAR10", None)
    return subprocess.run([sys.executable, "-m", "nngui", *args], capture_output=True,
                          text=True, timeout=600, env=env)


def test_train_on_the_archive_and_refuse_a_hostile_one(tmp_path: Path) -> None:
    from nngui.core.network.spec import NetworkSpec, TrainConfig, dump_json
    from nngui.core.training.presets import _dense

    spec = tmp_path / "small.json"
    spec.write_text(dump_json(NetworkSpec((3072,), [_dense(16, "relu"), _dense(10, "softmax")],
                                          "sparse_categorical_crossentropy", "adam", 0.01,
                                          name="small"), TrainConfig(epochs=1, batch_size=8)))
    archive = tmp_path / "cifar-10-binary.tar.gz"
    archive.write_bytes(archive_bytes(raw_images((8, 8, 8, 8, 8, 5)))[0])
    for name in ("cifar10", "file"):
        args = ["--dataset", name, "--data", str(archive)]
        out = run("train", "--spec", str(spec), *args, "--json", home=tmp_path)
        assert out.returncode == 0, out.stderr
        doc = json.loads(out.stdout.strip().splitlines()[-1])
        assert doc["dataset"] == "cifar10" and doc["epochs"] == 1
    assert not (tmp_path / ".keras" / "datasets").exists()  # read where it is, no download
    archive.write_bytes(archive_bytes(extra=[(f"{FOLDER}/../../x", b"1", tarfile.REGTYPE,
                                              None, "")])[0])
    out = run("train", "--spec", str(spec), "--dataset", "file", "--data", str(archive),
              home=tmp_path)
    lines = out.stderr.strip().splitlines()
    assert out.returncode == 2 and len(lines) == 1 and "Traceback" not in out.stderr
    assert "unexpected member 'cifar-10-batches-bin/../../x'" in lines[0], lines
