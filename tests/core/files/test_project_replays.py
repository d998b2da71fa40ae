"""Run replays in a project: kept across save and open, older files open without them, a
damaged or oversized replays.npz is one clear message."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pytest

from nngui.core.files import project as project_file
from nngui.core.files.project import Project, ProjectError, load_project, save_project
from nngui.core.training.presets import get_preset
from nngui.core.training.replay import Replay


def _replay(epochs: int, seed: int) -> Replay:
    rng = np.random.default_rng(seed)
    r = Replay()
    for e in range(epochs):
        r.add("hidden", e, {"coords": rng.normal(size=(50, 2)).astype(np.float32),
                            "labels": rng.integers(0, 2, 50), "method": "raw", "units": 2,
                            "layer": "dense"})
        r.add("confusion", e, {"matrix": rng.integers(0, 30, (2, 2))})
    return r


def _project(replays: dict[int, Replay]) -> Project:
    preset = get_preset("xor-3-4-1")
    runs = [{"name": f"#{i + 1}", "settings": {"seed": i}, "reason": "finished",
             "history": {"loss": [0.5, 0.4]}} for i in range(3)]
    return Project(preset.spec(), preset.train_config(), "xor", runs=runs, replays=replays)


def test_replays_survive_save_and_open(tmp_path: Path) -> None:
    replays = {0: _replay(4, 0), 2: _replay(7, 1)}
    path = save_project(_project(replays), tmp_path / "a.nngui")
    back = load_project(path).replays
    assert sorted(back) == [0, 2]
    for i, r in replays.items():
        assert back[i].epochs() == r.epochs()
        for k in range(len(r)):
            one, two = r.payloads(k), back[i].payloads(k)
            np.testing.assert_array_equal(one["hidden"]["coords"], two["hidden"]["coords"])
            np.testing.assert_array_equal(one["confusion"]["matrix"],
                                          two["confusion"]["matrix"])


def test_a_project_without_replays_has_no_member_and_opens_as_before(tmp_path: Path) -> None:
    path = save_project(_project({}), tmp_path / "a.nngui")
    with zipfile.ZipFile(path) as zf:
        assert "replays.npz" not in zf.namelist()
    assert load_project(path).replays == {}


def _with_member(tmp_path: Path, data: bytes) -> Path:
    good = save_project(_project({0: _replay(2, 0)}), tmp_path / "a.nngui")
    out = tmp_path / "b.nngui"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            dst.writestr(name, data if name == "replays.npz" else src.read(name))
    return out


def _npz(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


@pytest.mark.parametrize("data, words", [
    (b"PK\x03\x04junk", "replays.npz is damaged"),
    (_npz(**{"r7.epochs": np.array([0]), "r7.stride": np.array(1)}), "of no run"),
    (_npz(**{"r0.epochs": np.array([0]), "r0.stride": np.array(1),
             "r0.f0.hidden.coords": np.zeros((3, 5), np.float16)}), "damaged"),
    (_npz(**{"r0.epochs": np.array([3, 1]), "r0.stride": np.array(1)}), "no valid list"),
])
def test_a_damaged_replay_is_one_clear_message(tmp_path: Path, data: bytes, words: str) -> None:
    with pytest.raises(ProjectError, match=words) as err:
        load_project(_with_member(tmp_path, data))
    assert "\n" not in str(err.value)


def test_an_oversized_replay_array_is_refused_before_it_is_allocated(tmp_path: Path,
                                                                      monkeypatch) -> None:
    monkeypatch.setattr(project_file, "MAX_REPLAY_BYTES", 2_000)
    data = _npz(**{"r0.epochs": np.arange(1000)})
    with pytest.raises(ProjectError, match="over the 2,000"):
        load_project(_with_member(tmp_path, data))


def test_a_seed_group_and_its_runs_replays_survive_save_and_open(tmp_path: Path) -> None:
    from nngui.core.training import seeds

    preset = get_preset("mlp-2-4-2")
    group = seeds.new_group("mlp-2-4-2 · lr 0.05")
    runs = [{"name": f"#{i + 1}", "settings": {**group, seeds.SEED: s}, "reason": "finished",
             "history": {"epoch": [1.0, 2.0], "loss": [0.7 - 0.1 * i, 0.5 - 0.1 * i]}}
            for i, s in enumerate(seeds.seeds_for(4, 3))]
    runs.append({"name": "#4", "settings": {seeds.SEED: 9}, "reason": "finished",
                 "history": {"epoch": [1.0], "loss": [0.9]}})  # not in the group
    replays = {i: _replay(3, i) for i in range(3)}
    path = save_project(Project(preset.spec(), preset.train_config(), "circles", runs=runs,
                                replays=replays), tmp_path / "group.nngui")
    back = load_project(path)
    settings = [r["settings"] for r in back.runs]
    assert seeds.groups(settings) == {group[seeds.GROUP]: [0, 1, 2]}
    assert [s[seeds.SEED] for s in settings] == [4, 5, 6, 9]
    assert {s.get(seeds.GROUP_NAME) for s in settings[:3]} == {group[seeds.GROUP_NAME]}
    want = seeds.band([r["history"] for r in runs[:3]], "loss")
    got = seeds.band([back.runs[i]["history"] for i in range(3)], "loss")
    np.testing.assert_array_equal(got.mean, want.mean)
    np.testing.assert_array_equal(got.spread, want.spread)
    assert sorted(back.replays) == [0, 1, 2]
    for i in range(3):
        assert back.replays[i].epochs() == replays[i].epochs()
        np.testing.assert_array_equal(back.replays[i].payloads(2)["hidden"]["coords"],
                                      replays[i].payloads(2)["hidden"]["coords"])
