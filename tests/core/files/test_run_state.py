"""The run list is the session state's: each change is a transition that notifies, a run in
progress is kept epoch by epoch, and a save writes what the state holds."""

from __future__ import annotations

import gc
import math
import weakref

from hypothesis import given, settings
from hypothesis import strategies as st

from nngui.core.files.run_state import IN_PROGRESS
from nngui.core.files.state import SessionState, open_state, save_state
from nngui.core.network.spec import NetworkSpec
from nngui.core.training.presets import get_preset
from nngui.core.training.runs import RunRecord


class Key:  # a training session: weakly referable, compared by identity
    pass


def _state() -> SessionState:
    p = get_preset("xor-3-4-1")
    return SessionState(p.spec(), p.train_config(), "xor-3-4-1", "xor")


def test_a_sessions_later_runs_continue_its_record_and_others_get_their_own() -> None:
    state, heard = _state(), []
    state.subscribe(lambda s, what: heard.append(what))
    a, b = Key(), Key()
    state.run_ended("a", {}, {"loss": [1.0]}, "finished", a)
    state.run_ended("b", {}, {"loss": [2.0]}, "stopped", b)
    first = state.runs[0]
    state.run_ended("a again", {"lr": 1}, {"loss": [1.0, 0.5]}, "finished", a)  # Continue
    assert [r.name for r in state.runs] == ["#1 a", "#2 b"]  # a Continue keeps its name
    assert state.runs[0].history["loss"] == [1.0, 0.5] and state.runs[0].settings == {"lr": 1}
    assert state.runs[0].uid == first.uid and state.runs[0] is not first  # a new value
    assert first.history["loss"] == [1.0]  # the old value is not edited
    assert heard.count("runs") == 3 and state.modified


def test_runs_read_from_a_project_leave_room_for_the_next_run() -> None:
    """A reopened project's runs belong to no session: the next run gets its own record."""
    state = _state()
    state.run_listed([RunRecord("#1 earlier", {}, {"loss": [0.5]})])
    key = Key()
    state.run_ended("mnist", {}, {"loss": [0.4]}, "finished", key)
    assert [r.name for r in state.runs] == ["#1 earlier", "#2 mnist"]
    state.run_ended("mnist", {}, {"loss": [0.4, 0.3]}, "finished", key)  # Continue
    assert len(state.runs) == 2 and state.run_of(key) == 1
    assert state.run_of(None) is None and state.run_of(Key()) is None


def test_the_run_list_does_not_keep_sessions_and_their_models_alive() -> None:
    state = _state()
    key = Key()
    key.model = bytearray(10**6)  # stands for a Keras model and its compiled graphs
    state.run_ended("a", {}, {"loss": [1.0]}, "finished", key)
    state.run_ended("a", {}, {"loss": [1.0, 0.5]}, "finished", key)
    assert len(state.runs) == 1
    gone = weakref.ref(key)
    del key
    gc.collect()
    assert gone() is None  # a new network per cycle kept every old model: ~12 MB each
    state.run_ended("b", {}, {"loss": [2.0]}, "finished", Key())
    assert [r.name for r in state.runs] == ["#1 a", "#2 b"]  # the record itself stays


def test_a_run_in_progress_is_saved_with_its_epochs_so_far(tmp_path) -> None:
    state, key = _state(), Key()
    state.run_began(key, "xor · adam lr 0.1", {"lr": 0.1})
    state.run_progressed(0, {"loss": 0.7})
    state.run_progressed(1, {"loss": 0.5, "val_loss": 0.6})
    assert state.runs == []  # listed when it ends
    save_state(state, tmp_path / "a.nngui", with_model=False)
    (saved,) = open_state(tmp_path / "a.nngui").runs
    assert (saved.name, saved.reason) == ("#1 xor · adam lr 0.1", IN_PROGRESS)
    assert saved.history["loss"] == [0.7, 0.5] and saved.history["epoch"] == [1.0, 2.0]
    assert math.isnan(saved.history["val_loss"][0])
    state.run_ended("xor · adam lr 0.1", {"lr": 0.1}, {"loss": [0.7, 0.5, 0.4]}, "finished",
                    key)
    assert state.live is None and [r.reason for r in state.runs] == ["finished"]
    # a Continue: the saved record is the earlier one with the new epochs
    state.run_began(key, "ignored", {})
    state.run_progressed(3, {"loss": 0.3})
    (cont,) = state.runs_with_live()
    assert cont.name == "#1 xor · adam lr 0.1" and cont.reason == IN_PROGRESS
    assert cont.history["loss"] == [0.7, 0.5, 0.4, 0.3]


def test_a_replay_is_kept_for_the_run_in_progress_and_a_continue_extends_it() -> None:
    import numpy as np

    state, key = _state(), Key()
    assert not state.frame_kept("confusion", 0, {"matrix": np.eye(2)})  # no run in progress
    state.run_began(key, "x", {})
    payload = {"matrix": np.eye(2, dtype=np.int64), "labels": ["a", "b"]}
    assert state.frame_kept("confusion", 0, payload)
    state.run_ended("x", {}, {"loss": [1.0]}, "finished", key)
    replay = state.runs[0].replay
    assert replay is not None and replay.epochs() == [0]
    state.run_began(key, "x", {})
    state.frame_kept("confusion", 1, payload)
    state.run_ended("x", {}, {"loss": [1.0, 0.9]}, "finished", key)
    assert state.runs[0].replay.epochs() == [0, 1]


def test_rename_remove_and_restore_are_edits_of_the_state() -> None:
    state, key = _state(), Key()
    for name in "abc":
        state.run_ended(name, {}, {"loss": [1.0]}, "finished", key if name == "b" else None)
    state.mark_clean()
    state.run_renamed(1, "  my   best  ")
    assert state.runs[1].name == "my best" and state.modified
    state.run_renamed(1, "   ")  # blank: no change
    assert state.runs[1].name == "my best"
    removed = state.run_removed(1)
    assert [r.name for r in state.runs] == ["#1 a", "#3 c"] and state.run_of(key) is None
    state.run_ended("d", {}, {"loss": [1.0]}, "finished")
    assert state.runs[-1].name == "#4 d"  # a removed run's number is not given again
    state.run_restored(1, removed)
    assert [r.name for r in state.runs] == ["#1 a", "my best", "#3 c", "#4 d"]
    assert state.run_of(key) == 1  # the session that made it continues it again


OPS = st.lists(st.tuples(st.sampled_from(["end", "continue", "remove", "rename", "restore",
                                          "list"]), st.integers(0, 6)), max_size=25)


@settings(max_examples=60, deadline=None)
@given(OPS)
def test_a_save_writes_the_state_and_the_snapshot_follows_every_transition(ops) -> None:
    """Random run operations: the state's runs are what a save writes and an open reads, and
    each transition was heard."""
    state = SessionState(NetworkSpec((2,), []))
    heard: list[str] = []
    state.subscribe(lambda s, what: heard.append(what))
    keys = [Key() for _ in range(3)]
    removed: list[tuple[int, RunRecord]] = []
    for op, n in ops:
        before = len(heard)
        if op in ("end", "continue"):
            key = keys[n % 3] if op == "continue" else None
            state.run_ended(f"r{n}", {"n": n}, {"loss": [float(n)]}, "finished", key)
        elif op == "remove" and state.runs:
            i = n % len(state.runs)
            removed.append((i, state.run_removed(i)))
        elif op == "rename" and state.runs:
            state.run_renamed(n % len(state.runs), f"name {n} {len(heard)}")
        elif op == "restore" and removed:
            state.run_restored(*removed.pop())
        elif op == "list":
            state.run_listed([RunRecord(f"#{i + 1} listed", {}, {"loss": [0.1]})
                              for i in range(n % 3)])
        else:
            continue
        assert heard[before:] == ["runs"]
        assert len({r.uid for r in state.runs}) == len(state.runs)  # a run is listed once
    reopened = SessionState.from_project(state.to_project(with_model=False))
    assert reopened.snapshot()["runs"] == state.snapshot()["runs"] == [
        r.as_dict() for r in state.runs]
