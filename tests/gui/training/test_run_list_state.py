"""The run list is the session state's: every lifecycle of a run (train, save and reopen, Stop
and Continue, remove and undo, rename, a tab switched mid-run, an open refused during a run, an
autosave restored with a run in progress) leaves the Watch tab's rows drawing exactly the
state's runs, and the state holds what a save writes."""

from __future__ import annotations

from PySide6.QtCore import Qt

from nngui.core.files.project import load_project
from nngui.core.files.run_state import IN_PROGRESS
from nngui.core.files.state import open_state
from nngui.gui.training.run_items import record_of
from nngui.gui.training.run_rows import row_texts
from nngui.gui.window.recovery import Recovery, autosave_dir


def shown(w) -> list[tuple[str, str, str]]:
    """What the run list's rows say."""
    tree = w.watch.runs.runList
    return [tuple(tree.topLevelItem(i).text(c) for c in range(3))
            for i in range(tree.topLevelItemCount())]


def derived(state) -> list[tuple[str, str, str]]:
    """What the rows of ``state``'s runs must say."""
    return [(r.name, row_texts(r).epochs, row_texts(r).summary) for r in state.runs]


def agree(w) -> None:
    """The rows draw the state's runs, each its own record, and nothing else."""
    state = w.projects.state
    tree = w.watch.runs.runList
    assert shown(w) == derived(state)
    assert [record_of(tree.topLevelItem(i)) for i in range(tree.topLevelItemCount())] == \
        state.runs
    assert w.watch.runs.records is state.runs


def _xor(window, qtbot, epochs: int) -> None:
    window.apply_preset("xor-3-4-1")
    qtbot.waitUntil(lambda: window.data.dataset.name == "xor", timeout=20000)
    window.builder.set_config(window.builder.config().__class__(epochs=epochs, batch_size=4,
                                                                validation_split=0.0))


def _train(window, qtbot, restart: bool = False) -> None:
    with qtbot.waitSignal(window.training.runFinished, timeout=60000):
        assert window.train(restart)
    qtbot.waitUntil(lambda: not window.tasks.is_held(window.session.model), timeout=60000)


def _start_and_stop(window, qtbot, restart: bool = False, epochs: int = 1) -> None:
    seen = []
    window.training.epochEnded.connect(lambda e, _logs: seen.append(e))
    with qtbot.waitSignal(window.training.runStarted, timeout=10000):
        assert window.train(restart)
    qtbot.waitUntil(lambda: len(seen) >= epochs, timeout=60000)
    with qtbot.waitSignal(window.training.runFinished, timeout=60000):
        window.training.stop()
    qtbot.waitUntil(lambda: not window.tasks.is_held(window.session.model), timeout=60000)


def test_train_save_and_reopen_bring_back_the_same_runs(window, qtbot, tmp_path,
                                                       open_and_wait) -> None:
    _xor(window, qtbot, 3)
    _train(window, qtbot)
    _xor(window, qtbot, 2)  # a new network: a run of its own
    _train(window, qtbot)
    state = window.projects.state
    assert [r.reason for r in state.runs] == ["finished", "finished"]
    agree(window)
    before = state.snapshot()["runs"]
    path = tmp_path / "two.nngui"
    assert window.save_project_to(path)
    assert open_state(path).snapshot()["runs"] == before
    assert window.new_project()
    assert window.projects.state.runs == [] and shown(window) == []
    assert open_and_wait(window, path)
    assert window.projects.state.snapshot()["runs"] == before
    agree(window)


def test_stop_then_continue_is_one_run_and_a_new_networks_run_a_second(window, qtbot) -> None:
    _xor(window, qtbot, 5000)
    _start_and_stop(window, qtbot)
    state = window.projects.state
    (first,) = state.runs
    assert first.reason == "stopped"
    agree(window)
    _start_and_stop(window, qtbot, epochs=2)  # Continue: the same run, longer
    (again,) = state.runs
    assert again.uid == first.uid and again.name == first.name
    assert len(again.history["loss"]) > len(first.history["loss"])
    agree(window)
    _start_and_stop(window, qtbot, restart=True)  # from scratch: the session's run again
    (scratch,) = state.runs
    assert scratch.uid == first.uid and scratch.history["epoch"][0] == 1.0
    _xor(window, qtbot, 5000)  # a new network: a run of its own
    _start_and_stop(window, qtbot)
    assert [r.name[:2] for r in state.runs] == ["#1", "#2"]
    agree(window)


def test_remove_undo_and_rename_go_through_the_state(window, qtbot) -> None:
    _xor(window, qtbot, 2)
    for _ in range(3):
        _xor(window, qtbot, 2)  # a new network each time: three runs
        _train(window, qtbot)
    runs = window.watch.runs
    state = window.projects.state
    names = [r.name for r in state.runs]
    window.show()
    window.tabs.setCurrentWidget(window.watch)
    runs.runList.setCurrentItem(runs.runList.topLevelItem(1))
    runs.runList.setFocus()
    qtbot.waitUntil(runs.runList.hasFocus, timeout=5000)
    window.projects.state.mark_clean()
    qtbot.keyClick(runs.runList, Qt.Key.Key_Delete)
    assert [r.name for r in state.runs] == [names[0], names[2]]
    assert window.isWindowModified()  # a removed run is an edit of the project
    agree(window)
    qtbot.keyClick(runs.runList, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # Undo
    assert [r.name for r in state.runs] == names
    agree(window)
    runs.runList.topLevelItem(2).setText(0, "the best one")  # as the row's editor commits
    assert state.runs[2].name == "the best one" and shown(window)[2][0] == "the best one"
    runs.runList.topLevelItem(2).setText(0, "  ")  # blank: the name stays
    assert state.runs[2].name == "the best one" and shown(window)[2][0] == "the best one"
    agree(window)


def test_switching_tabs_mid_run_loses_nothing(window, qtbot) -> None:
    # the most epochs a run may have: NumPy trains 5,000 of XOR's in ~1.5 s, before five
    # tab switches are through (this test then waited for epochs that never came)
    _xor(window, qtbot, 100_000)
    assert window.builder.config().epochs == 100_000
    window.show()
    seen = []
    window.training.epochEnded.connect(lambda e, _logs: seen.append(e))
    with qtbot.waitSignal(window.training.runStarted, timeout=10000):
        assert window.train()
    for page in (window.watch, window.training, window.evaluate, window.watch, window.lab):
        n = len(seen)
        window.tabs.setCurrentWidget(page)
        qtbot.waitUntil(lambda n=n: len(seen) > n, timeout=60000)
    assert window.projects.state.live is not None and window.projects.state.runs == []
    with qtbot.waitSignal(window.training.runFinished, timeout=60000):
        window.training.stop()
    window.tabs.setCurrentWidget(window.watch)
    (run,) = window.projects.state.runs
    assert run.reason == "stopped" and len(run.history["loss"]) >= len(seen)
    agree(window)


def test_an_open_during_a_run_is_refused_and_the_run_is_still_listed(
        window, qtbot, tmp_path, messages, open_and_wait) -> None:
    _xor(window, qtbot, 2)
    _train(window, qtbot)
    path = tmp_path / "one.nngui"
    assert window.save_project_to(path)
    window.builder.set_config(window.builder.config().__class__(epochs=5000, batch_size=4,
                                                                validation_split=0.0))
    with qtbot.waitSignal(window.training.runStarted, timeout=10000):
        assert window.train()
    before = list(window.projects.state.runs)
    assert not open_and_wait(window, path)
    assert any("Stop training before opening" in text for _kind, _title, text in messages)
    assert window.projects.state.runs == before
    with qtbot.waitSignal(window.training.runFinished, timeout=60000):
        window.training.stop()
    (run,) = window.projects.state.runs  # the Continue of the saved run
    assert run.reason == "stopped" and run.uid == before[0].uid
    agree(window)


def test_an_autosave_with_a_run_in_progress_is_restored_with_that_run(
        window, qtbot, monkeypatch) -> None:
    from nngui.gui.window.main_window import MainWindow

    _xor(window, qtbot, 5000)
    seen = []
    window.training.epochEnded.connect(lambda e, _logs: seen.append(e))
    with qtbot.waitSignal(window.training.runStarted, timeout=10000):
        assert window.train()
    qtbot.waitUntil(lambda: len(seen) >= 2, timeout=60000)
    assert window.recovery.autosave()
    saved = load_project(autosave_dir() / "autosave.nngui", with_model=False)
    with qtbot.waitSignal(window.training.runFinished, timeout=60000):
        window.training.stop()
    monkeypatch.setattr(Recovery, "recovery_prompt", staticmethod(lambda w, when: True))
    again = MainWindow(load_tensorflow=False)
    qtbot.addWidget(again)
    try:
        with qtbot.waitSignal(again.projects.opened, timeout=60000):
            pass  # the offer is taken once the event loop turns
        (run,) = again.projects.state.runs
        assert run.reason == IN_PROGRESS and run.as_dict() == saved.runs[0]
        assert run.history["epoch"][:2] == [1.0, 2.0]
        agree(again)
        assert again.isWindowModified()
    finally:
        again.close()



def test_a_seed_groups_runs_are_the_states_and_stay_ticked_together(window, qtbot) -> None:
    from nngui.core.training import seeds

    _xor(window, qtbot, 2)
    runs = window.watch.runs
    runs.seedRepeatSpin.setValue(2)
    with qtbot.waitSignal(runs.sweepFinished, timeout=120000) as done:
        runs.seedRepeatButton.click()
    assert done.args == [2]
    state = window.projects.state
    assert [r.name[:2] for r in state.runs] == ["#1", "#2"]
    assert len({r.settings[seeds.GROUP] for r in state.runs}) == 1
    assert runs.checked() == [0, 1]  # a sweep's runs are compared: both ticked
    assert [i for _group, members in runs.plan() for i in members] == [0, 1]
    agree(window)
    runs.runList.setCurrentItem(runs.runList.topLevelItem(0))
    assert runs.remove_current() and runs.checked() == [0]
    assert runs.undo_remove() and [r.name[:2] for r in state.runs] == ["#1", "#2"]
    agree(window)


def test_undo_puts_a_run_back_ticked_as_it_was_and_leaves_the_others_ticks(window,
                                                                          qtbot) -> None:
    for _ in range(3):
        _xor(window, qtbot, 2)
        _train(window, qtbot)
    runs = window.watch.runs
    assert runs.checked() == [2]  # the latest run alone is overlaid
    runs.runList.setCurrentItem(runs.runList.topLevelItem(0))
    assert runs.remove_current() and runs.checked() == [1]
    assert runs.undo_remove()
    assert runs.checked() == [2]  # not ticked as a new run, which unticked the others
    assert runs.runList.currentItem() is runs.runList.topLevelItem(0)
    agree(window)


def test_the_run_note_goes_with_the_last_run(window, qtbot) -> None:
    """File → New (or removing the last run) emptied the list but left the note under it
    talking about a run no longer there ('#1 …: No validation in this run: …')."""
    _xor(window, qtbot, 2)
    _train(window, qtbot)
    window.show()
    window.tabs.setCurrentWidget(window.watch)
    runs = window.watch.runs
    qtbot.waitUntil(lambda: runs.overfitNote.text().startswith("#1"), timeout=5000)
    runs.runList.setCurrentItem(runs.runList.topLevelItem(0))
    assert runs.remove_current() and runs.overfitNote.text() == ""
    assert runs.undo_remove() and runs.overfitNote.text().startswith("#1")
    window.projects.state.mark_clean()
    assert window.new_project()
    assert shown(window) == [] and runs.overfitNote.text() == ""
