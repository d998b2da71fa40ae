"""`nngui train --out` is checked before training; `nngui export --python` writes a script."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nngui", *args], capture_output=True,
                          text=True, timeout=600)


def one_error_line(out: subprocess.CompletedProcess) -> str:
    assert out.returncode == 2, out.stdout + out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in out.stderr, out.stderr
    return lines[0]


@pytest.mark.parametrize("where, fragment", [
    ("proc", "cannot be created in /proc"),
    ("h5", "saved as .keras files"),
    ("folder", "that is a folder"),
    ("missing", "does not exist"),
    ("readonly", "no permission to write"),
])
def test_a_bad_out_is_refused_before_training(tmp_path: Path, where: str, fragment: str) -> None:
    if where == "readonly":
        if os.geteuid() == 0:
            pytest.skip("root writes into read-only folders (tests/core/platform/test_fsio.py covers it)")
        (tmp_path / "ro").mkdir(mode=0o555)
    out_path = {"proc": "/proc/model.keras", "h5": str(tmp_path / "model.h5"),
                "folder": str(tmp_path / "dir.keras"), "missing": str(tmp_path / "no/m.keras"),
                "readonly": str(tmp_path / "ro" / "m.keras")}[where]
    if where == "folder":
        Path(out_path).mkdir()
    out = run("train", "--preset", "xor-3-4-1", "--out", out_path)
    assert fragment in one_error_line(out)
    assert "epoch" not in out.stdout  # refused before a single epoch was trained


def test_export_a_preset_as_python(tmp_path: Path) -> None:
    script = tmp_path / "xor.py"
    out = run("export", "--preset", "xor-3-4-1", "--python", str(script))
    assert out.returncode == 0, out.stderr
    tree = ast.parse(script.read_text())
    assert {"load_data", "build_model", "main"} <= {
        n.name for n in tree.body if isinstance(n, ast.FunctionDef)}


def test_export_a_spec_file_with_a_dataset(tmp_path: Path) -> None:
    spec = tmp_path / "net.json"
    from nngui.core.network.spec import dump_json
    from nngui.core.training.presets import get_preset

    p = get_preset("mlp-2-2-2")
    spec.write_text(dump_json(p.spec(), p.train_config()))
    assert "--dataset" in one_error_line(run("export", "--spec", str(spec), "--python",
                                             str(tmp_path / "a.py")))
    out = run("export", "--spec", str(spec), "--dataset", "moons", "--python",
              str(tmp_path / "a.py"))
    assert out.returncode == 0, out.stderr
    assert "make_moons" in (tmp_path / "a.py").read_text()


def test_export_needs_a_py_name() -> None:
    assert ".py" in one_error_line(run("export", "--preset", "xor-3-4-1", "--python", "x.txt"))


def test_an_unwritable_script_path_is_one_line() -> None:
    line = one_error_line(run("export", "--preset", "xor-3-4-1", "--python", "/proc/x.py"))
    assert "cannot be created in /proc" in line


def test_help_and_errors_name_every_data_set_of_the_registry(tmp_path: Path, capsys) -> None:
    """--dataset's help and the 'give a dataset' errors list the registry, not a copy of it."""
    from nngui.cli import run_cli
    from nngui.core.data.datasets import dataset_names
    from nngui.core.network.spec import dump_json
    from nngui.core.training.presets import get_preset

    names = dataset_names()
    for command in ("train", "evaluate", "export"):
        with pytest.raises(SystemExit):
            run_cli([command, "--help"])
        text = " ".join(capsys.readouterr().out.split())
        assert ", ".join(names) + ", or file (with --data)" in text, command
    spec = tmp_path / "net.json"
    p = get_preset("mlp-2-2-2")
    spec.write_text(dump_json(p.spec(), p.train_config()))
    for command in (["train"], ["export", "--python", str(tmp_path / "a.py")]):
        assert run_cli([*command, "--spec", str(spec)]) == 2
        assert f"--dataset NAME ({', '.join(names)})" in capsys.readouterr().err, command
