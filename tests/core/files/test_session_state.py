"""The session state: transitions notify, a save writes it whole and an open brings it back."""

from __future__ import annotations

import json
import zipfile

import pytest
from hypothesis import HealthCheck, example, given, settings

from nngui.core.files.project import ProjectError, load_project, save_project
from nngui.core.files.state import (
    FAILED,
    FINISHED,
    RUNNING,
    STOPPED,
    STOPPING,
    ModelRef,
    SessionState,
    open_state,
    save_state,
)
from nngui.core.training.presets import get_preset
from nngui.core.training.runs import RunRecord
from tests.core.files.session_strategies import rich_session, sessions

ROUND_TRIP = settings(max_examples=8, deadline=None,
                      suppress_health_check=[HealthCheck.function_scoped_fixture,
                                             HealthCheck.too_slow])


def _state() -> SessionState:
    p = get_preset("xor-3-4-1")
    return SessionState(p.spec(), p.train_config(), "xor-3-4-1", "xor")


@ROUND_TRIP
@given(state=sessions(models=True))
@example(state=rich_session())
def test_a_saved_session_opens_as_the_same_state(state, tmp_path_factory) -> None:
    path = tmp_path_factory.mktemp("rt") / "work.nngui"
    save_state(state, path)
    again = open_state(path)
    assert again.snapshot() == state.snapshot()
    assert again.path == path and not again.modified
    assert again.title() == "work.nngui[*] — nngui"
    assert again.status_line() == state.status_line()


def test_the_round_trip_sees_each_field(tmp_path) -> None:
    """Guards the guard: a field that did not come back makes the snapshots differ."""
    state = _state()
    state.training.phase, state.training.message = STOPPED, "Stopped after 2 epochs."
    state.models["drawing"] = ModelRef("Bundled: reader", "bundled")
    save_state(state, tmp_path / "a.nngui")
    for change in (lambda s: setattr(s, "preset", None),
                   lambda s: setattr(s.training, "message", "x"),
                   lambda s: s.models.clear(),
                   lambda s: setattr(s, "runs", [RunRecord("x", {})])):
        again = open_state(tmp_path / "a.nngui")
        change(again)
        assert again.snapshot() != state.snapshot()


def test_transitions_notify_and_derive_the_title_and_status() -> None:
    state, heard = _state(), []
    state.subscribe(lambda s, what: heard.append((what, s.title(), s.modified)))
    assert state.title() == "Untitled[*] — nngui"
    state.train_started(continued=False)
    assert state.training.phase == RUNNING and state.modified
    state.stop_requested()
    assert state.training.phase == STOPPING
    state.train_ended("stopped", 2, "Stopped after 2 epochs.", {"loss": [1.0, 0.5]},
                      model=object())
    assert (state.training.phase, state.epochs_done) == (STOPPED, 2)
    assert state.models["network"].source == "trained"
    assert state.status_line() == ("Stopped after 2 epochs. (saved with the project.)", False)
    assert state.status_line(("Training · loss 0.5", False)) == ("Training · loss 0.5", False)
    state.train_ended("error", 2, "Training failed: boom")
    assert state.training.phase == FAILED and state.status_line() == (
        "Training failed: boom", True)
    from pathlib import Path

    state.saved_to(Path("/x/work.nngui"))
    assert state.title() == "work.nngui[*] — nngui" and not state.modified
    state.new(state.spec, state.config)
    assert state.path is None and state.runs == [] and state.training.phase == "idle"
    assert [w for w, *_ in heard] == ["training", "training", "training", "training", "saved",
                                      "new"]


def test_a_swapped_state_takes_the_observers() -> None:
    old, new, heard = _state(), _state(), []
    old.subscribe(lambda s, what: heard.append((s, what)))
    new.adopt_observers(old)
    old.edited()
    new.edited()
    assert heard == [(new, "swapped"), (new, "edit")]


def test_a_run_in_progress_is_saved_as_stopped(tmp_path) -> None:
    state = _state()
    state.train_started(continued=True)
    save_state(state, tmp_path / "a.nngui")
    again = open_state(tmp_path / "a.nngui")
    assert again.training.phase == STOPPED and again.training.continued
    assert "in progress" in again.training.message


def test_an_older_file_without_state_json_opens_with_defaults(tmp_path) -> None:
    state = _state()
    project = state.to_project()
    project.state = None
    save_project(project, tmp_path / "old.nngui")
    again = open_state(tmp_path / "old.nngui")
    assert again.preset is None and again.models == {} and again.training.phase == "idle"


@pytest.mark.parametrize("bad", [[], {"models": {"canvas": {"title": "x", "source": ""}}},
                                 {"models": {"drawing": {"title": 3, "source": ""}}},
                                 {"training": {"phase": "dancing"}},
                                 {"training": {"epoch": -1}}])
def test_a_damaged_state_json_is_one_message(tmp_path, bad) -> None:
    path = save_state(_state(), tmp_path / "a.nngui")
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members["state.json"] = json.dumps(bad).encode()
    with zipfile.ZipFile(path, "w") as zf:
        for n, data in members.items():
            zf.writestr(n, data)
    assert load_project(path).state == bad  # the project reads; the state refuses it
    with pytest.raises(ProjectError, match="state.json is damaged"):
        open_state(path)


def test_an_unknown_preset_is_an_own_design(tmp_path) -> None:
    state = _state()
    state.preset = "xor-3-4-1"
    project = state.to_project()
    project.state["preset"] = "from-a-newer-version"
    save_project(project, tmp_path / "a.nngui")
    assert open_state(tmp_path / "a.nngui").preset is None
    assert FINISHED  # the phases are importable names
