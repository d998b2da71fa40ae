"""The live learning-rate and momentum changes of a session survive save and reopen; files from
before they were kept open with none; a damaged list is refused in one line."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from nngui.core.data.adapt import Prepared
from nngui.core.files.project import Project, ProjectError, load_project, save_project
from nngui.core.network.spec import LayerSpec, NetworkSpec, TrainConfig
from nngui.core.training.controls import Change, Controls, read
from nngui.core.training.observer import Observer
from nngui.core.training.session import RunRequest, Session
from nngui.core.training.train import run_request


def _trained(tmp_path: Path) -> tuple[Session, Path]:
    spec = NetworkSpec((2,), [LayerSpec("Dense", {"units": 3, "activation": "tanh"}),
                              LayerSpec("Dense", {"units": 1, "activation": "sigmoid"})],
                       "binary_crossentropy", "sgd", 0.1,
                       optimizer_params={"momentum": 0.9, "nesterov": False})
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 2)).astype(np.float32)
    y = (x[:, :1] > 0).astype(np.float32)
    session, controls = Session(spec), Controls()
    controls.request("learning_rate", 0.02)
    controls.request("momentum", 0.5)
    cfg = TrainConfig(epochs=2, batch_size=8, seed=0, device="cpu", steps_per_execution=1)
    assert run_request(RunRequest(session, Prepared(x, y, x, y, None), cfg,
                                  controls=controls), Observer()).ok
    project = Project(spec, cfg, "xor", None, session.epochs_done, session.history,
                      model=session.model, changes=list(session.changes))
    return session, save_project(project, tmp_path / "live.nngui")


def test_changes_and_the_changed_values_survive_save_and_reopen(tmp_path: Path) -> None:
    session, path = _trained(tmp_path)
    assert session.changes == [Change(0, 0, "learning_rate", 0.02, 4),
                               Change(0, 0, "momentum", 0.5, 4)]
    again = load_project(path)
    assert again.changes == session.changes
    opt = again.model.optimizer
    assert read(opt, "learning_rate") == pytest.approx(0.02)
    assert read(opt, "momentum") == pytest.approx(0.5)  # the model saved what it trained with


def _rewrite(path: Path, out: Path, change) -> Path:
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    session = json.loads(members["session.json"])
    change(session)
    members["session.json"] = json.dumps(session).encode()
    with zipfile.ZipFile(out, "w") as zf:
        for n, data in members.items():
            zf.writestr(n, data)
    return out


def test_a_file_from_before_changes_opens_with_none(tmp_path: Path) -> None:
    _, path = _trained(tmp_path)
    old = _rewrite(path, tmp_path / "old.nngui", lambda s: s.pop("changes"))
    assert load_project(old, with_model=False).changes == []


def test_damaged_changes_are_refused_in_one_line(tmp_path: Path) -> None:
    _, path = _trained(tmp_path)
    bad = _rewrite(path, tmp_path / "bad.nngui",
                   lambda s: s.update(changes=[[0, 0, "learning_rate", "fast"]]))
    with pytest.raises(ProjectError, match=r"^bad\.nngui: session\.json: a live change") as err:
        load_project(bad, with_model=False)
    assert "\n" not in str(err.value)
