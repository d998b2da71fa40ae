"""Opening a project off the GUI thread, what happens meanwhile, and closing during a run.

A project is read in a job (the zip and the Keras load) and shown in one go; tests hold the
job at a gate (a threading.Event) to act while it reads, and wait for ``projects.opened`` /
``openFailed`` instead of sleeping. A run in progress marks the project modified, closing
asks about it, and an autosave during a run holds the run so far.
"""

from __future__ import annotations

import math
import threading

import pytest

from nngui.core.files.project import load_project
from nngui.core.files.run_state import IN_PROGRESS as RUNNING
from nngui.core.training.presets import get_preset
from nngui.core.training.runs import with_epochs
from nngui.gui.window import project_actions
from nngui.gui.window.project_actions import ProjectActions
from nngui.gui.window.recovery import autosave_dir


@pytest.fixture
def gated(monkeypatch):
    """Project reads wait at a gate per file name (released by the test); the threads that
    read are listed."""
    gates: dict[str, threading.Event] = {}
    threads: list[threading.Thread] = []
    real = project_actions.read_project

    def read(path):
        threads.append(threading.current_thread())
        gate = gates.get(path.name)
        if gate is not None:
            assert gate.wait(60), "the test never opened the gate"
        return real(path)

    monkeypatch.setattr(project_actions, "read_project", read)
    return gates, threads


def _saved(window, qtbot, path, preset: str):
    window.apply_preset(preset)  # its data loaded before the next pick (one at a time)
    qtbot.waitUntil(lambda: window.data.dataset.name == get_preset(preset).dataset,
                    timeout=20000)
    assert window.save_project_to(path)
    return window.builder.spec().to_dict()


def _long_run(window, qtbot) -> None:
    window.apply_preset("xor-3-4-1")
    qtbot.waitUntil(lambda: window.data.dataset.name == "xor", timeout=20000)
    window.builder.set_config(window.builder.config().__class__(epochs=5000, batch_size=4,
                                                                validation_split=0.0))


def test_a_project_is_read_off_the_gui_thread_and_shown_in_one_go(window, qtbot, tmp_path,
                                                                  gated) -> None:
    gates, threads = gated
    path = tmp_path / "xor.nngui"
    xor = _saved(window, qtbot, path, "xor-3-4-1")
    mine = _saved(window, qtbot, tmp_path / "mine.nngui", "mlp-2-4-2")
    window.builder.set_config(window.builder.config().__class__(epochs=7))  # unsaved edit
    gates["xor.nngui"] = threading.Event()
    with qtbot.waitSignal(window.projects.opened, timeout=60000) as opened:
        assert window.open_path(path)  # returns at once: the job reads
        qtbot.waitUntil(lambda: bool(threads), timeout=10000)
        assert threads[0] is not threading.main_thread() and window.projects.is_opening()
        # while it reads, the window shows (and works on) what it had
        assert window.builder.spec().to_dict() == mine and window.isWindowModified()
        assert window.windowTitle() == "mine.nngui[*] — nngui"
        gates["xor.nngui"].set()
    assert opened.args == [str(path)] and not window.projects.is_opening()
    assert window.builder.spec().to_dict() == xor and window.project_path == path
    assert window.windowTitle() == "xor.nngui[*] — nngui" and not window.isWindowModified()


def test_the_latest_pick_wins_over_a_project_still_being_read(window, qtbot, tmp_path,
                                                              gated) -> None:
    gates, _ = gated
    first, second = tmp_path / "first.nngui", tmp_path / "second.nngui"
    _saved(window, qtbot, first, "xor-3-4-1")
    wanted = _saved(window, qtbot, second, "mlp-2-4-2")
    assert window.new_project()
    gates["first.nngui"] = threading.Event()
    shown = []
    window.projects.opened.connect(shown.append)
    assert window.open_path(first)
    with qtbot.waitSignal(window.projects.opened, timeout=60000):
        assert window.open_path(second)  # the user changed their mind
    assert shown == [str(second)] and window.builder.spec().to_dict() == wanted
    gates["first.nngui"].set()  # the first read ends late: its result is dropped
    qtbot.waitUntil(lambda: not window.tasks.running("open project"), timeout=60000)
    assert shown == [str(second)] and window.project_path == second
    assert window.builder.spec().to_dict() == wanted and not window.projects.is_opening()


def test_a_run_started_while_a_project_is_read_keeps_its_network(window, qtbot, tmp_path,
                                                                 gated, messages) -> None:
    gates, _ = gated
    path = tmp_path / "other.nngui"
    _saved(window, qtbot, path, "mlp-2-4-2")  # the window's project file, until another opens
    _long_run(window, qtbot)
    gates["other.nngui"] = threading.Event()
    assert window.open_path(path)
    with qtbot.waitSignal(window.training.runStarted, timeout=10000):
        assert window.train()
    session = window.session
    with qtbot.waitSignal(window.projects.openFailed, timeout=60000) as failed:
        gates["other.nngui"].set()
    assert "run started while it was being read" in failed.args[0]
    assert messages[-1][1:] == ("Could not open the file", failed.args[0])
    assert window.session is session and window.training.is_running()
    assert window.builder.spec().input_shape == (3,) and window.project_path == path
    with qtbot.waitSignal(window.training.runFinished, timeout=60000):
        window.training.stop()


def test_opening_during_a_run_is_refused_at_once(window, qtbot, tmp_path, messages) -> None:
    path = tmp_path / "other.nngui"
    _saved(window, qtbot, path, "mlp-2-4-2")
    _long_run(window, qtbot)
    with qtbot.waitSignal(window.training.runStarted, timeout=10000):
        assert window.train()
    assert window.open_path(path) is False
    assert "Stop training" in messages[-1][2] and not window.projects.is_opening()
    with qtbot.waitSignal(window.training.runFinished, timeout=60000):
        window.training.stop()


@pytest.mark.parametrize("answer", ["cancel", "discard"])
def test_edits_made_while_a_project_is_read_are_asked_about(window, qtbot, tmp_path, gated,
                                                            monkeypatch, answer) -> None:
    gates, _ = gated
    path = tmp_path / "xor.nngui"
    xor = _saved(window, qtbot, path, "xor-3-4-1")
    assert window.new_project()  # nothing unsaved: the open asks nothing when it starts
    asked = []
    monkeypatch.setattr(ProjectActions, "unsaved_prompt",
                        staticmethod(lambda w, name, *a: asked.append(name) or answer))
    gates["xor.nngui"] = threading.Event()
    assert window.open_path(path) and asked == []
    window.apply_preset("mlp-2-4-2")  # the user goes on working meanwhile
    edited = window.builder.spec().to_dict()
    signal = window.projects.opened if answer == "discard" else window.projects.openFailed
    with qtbot.waitSignal(signal, timeout=60000):
        gates["xor.nngui"].set()
    assert asked == ["Untitled"]
    if answer == "cancel":  # the edits stay, the file is not shown
        assert window.builder.spec().to_dict() == edited and window.project_path is None
        assert window.isWindowModified()
    else:
        assert window.builder.spec().to_dict() == xor and window.project_path == path


def test_the_command_line_opens_a_project(qtbot, tmp_path, monkeypatch) -> None:
    """`nngui X.nngui`: checked before Qt starts, then read by the window it opens."""
    from PySide6.QtWidgets import QApplication

    from nngui.__main__ import main
    from nngui.core.files.project import Project, save_project
    from nngui.gui.common.data_controller import DataController
    from nngui.gui.window.main_window import MainWindow

    preset = get_preset("xor-3-4-1")
    path = tmp_path / "cli.nngui"
    # on the data the window starts with: a pick made while the start-up load is in flight
    # can lose to it (issue 23 item 8, the data controller's), which would mark it modified
    save_project(Project(preset.spec(), preset.train_config(), "digits"), path)
    monkeypatch.setenv("HOME", str(tmp_path))  # no MNIST: nothing asks to download it
    monkeypatch.setattr(DataController, "ask_mnist_choice", lambda self: "cancel")
    shown = []
    real_show = MainWindow.show
    monkeypatch.setattr(MainWindow, "show", lambda self: shown.append(self) or real_show(self))

    def run_until_opened(_app) -> int:  # the app's event loop, until the project is shown
        window = shown[0]
        qtbot.waitUntil(lambda: window.project_path == path, timeout=60000)
        seen.update(title=window.windowTitle(), modified=window.isWindowModified(),
                    spec=window.builder.spec().to_dict())
        window.close()
        return 0

    seen = {}  # what the window showed while the app ran: run_app deletes it when exec ends
    monkeypatch.setattr(QApplication, "exec", run_until_opened)
    assert main([str(path)]) == 0
    assert seen["title"] == "cli.nngui[*] — nngui" and not seen["modified"]
    assert seen["spec"] == preset.spec().to_dict()


def test_a_run_in_progress_marks_the_project_modified(window, qtbot, tmp_path) -> None:
    _long_run(window, qtbot)
    assert window.save_project_to(tmp_path / "p.nngui") and not window.isWindowModified()
    with qtbot.waitSignal(window.training.runStarted, timeout=10000):
        assert window.train()
    assert window.isWindowModified()
    with qtbot.waitSignal(window.training.runFinished, timeout=60000):
        window.training.stop()


def test_close_during_a_run_asks_and_cancel_keeps_it_running(window, qtbot, tmp_path,
                                                             monkeypatch) -> None:
    asked = []
    monkeypatch.setattr(ProjectActions, "unsaved_prompt",
                        staticmethod(lambda w, name, *running: asked.append(running) or "cancel"))
    window.show()
    _long_run(window, qtbot)
    assert window.save_project_to(tmp_path / "p.nngui")
    with qtbot.waitSignal(window.training.epochEnded, timeout=60000):
        assert window.train()
    session = window.session
    assert not window.close()
    assert asked == [(True,)]  # "a run is in progress"
    assert window.isVisible() and window.training.is_running() and window.session is session
    assert window.isWindowModified()
    with qtbot.waitSignal(window.training.epochEnded, timeout=60000):
        pass  # still training
    monkeypatch.setattr(ProjectActions, "unsaved_prompt", staticmethod(lambda *a: "discard"))
    assert window.close()  # discarded: the run ends with the window
    assert not window.isVisible() and not window.tasks.running()


def test_save_at_close_during_a_run_stops_it_saves_it_and_closes(window, qtbot,
                                                                  tmp_path,
                                                                  monkeypatch) -> None:
    monkeypatch.setattr(ProjectActions, "unsaved_prompt", staticmethod(lambda *a: "save"))
    window.show()
    _long_run(window, qtbot)
    path = tmp_path / "p.nngui"
    assert window.save_project_to(path)
    with qtbot.waitSignal(window.training.epochEnded, timeout=60000):
        assert window.train()
    assert not window.close()  # not yet: the run stops first
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=120000)
    saved = load_project(path)
    assert saved.model is not None and saved.epochs_done >= 1
    assert len(saved.runs) == 1 and saved.runs[0]["reason"] == "stopped"
    assert len(saved.runs[0]["history"]["loss"]) >= 1


def test_an_autosave_during_a_run_holds_the_run_so_far(window, qtbot) -> None:
    _long_run(window, qtbot)
    epochs = []
    window.training.epochEnded.connect(lambda e, logs: epochs.append(e))
    with qtbot.waitSignal(window.training.runStarted, timeout=10000):
        assert window.train()
    qtbot.waitUntil(lambda: len(epochs) >= 3, timeout=60000)
    assert window.recovery.autosave()  # before: nothing while the job held the model
    seen = len(epochs)  # the autosave ran in the GUI thread: no epoch arrived meanwhile
    saved = load_project(autosave_dir() / "autosave.nngui")
    assert [r["reason"] for r in saved.runs] == [RUNNING]
    history = saved.runs[0]["history"]
    assert history["epoch"] == [float(e) for e in range(1, seen + 1)]
    assert len(history["loss"]) == seen and all(0 <= v < 10 for v in history["loss"])
    assert saved.model is None and saved.spec.input_shape == (3,)  # the job holds the weights
    with qtbot.waitSignal(window.training.runFinished, timeout=60000):
        window.training.stop()


def test_an_autosave_during_a_continued_run_extends_its_record(window, qtbot) -> None:
    _long_run(window, qtbot)
    cfg = window.builder.config()
    window.builder.set_config(cfg.__class__(epochs=2, batch_size=4, validation_split=0.0))
    with qtbot.waitSignal(window.training.runFinished, timeout=60000):
        assert window.train()
    qtbot.waitUntil(lambda: not window.tasks.is_held(window.session.model), timeout=60000)
    first = window.watch.runs.records[0].history["loss"]
    assert len(first) == 2
    window.builder.set_config(cfg)
    epochs = []
    window.training.epochEnded.connect(lambda e, logs: epochs.append(e))
    with qtbot.waitSignal(window.training.runStarted, timeout=10000):
        assert window.train()  # Continue
    qtbot.waitUntil(lambda: len(epochs) >= 2, timeout=60000)
    assert window.recovery.autosave()
    seen = len(epochs)
    saved = load_project(autosave_dir() / "autosave.nngui")
    assert len(saved.runs) == 1 and saved.runs[0]["reason"] == RUNNING
    history = saved.runs[0]["history"]
    assert history["loss"][:2] == first and len(history["loss"]) == 2 + seen
    assert history["epoch"] == [float(e) for e in range(1, 3 + seen)]
    assert {len(curve) for curve in history.values()} == {2 + seen}  # test_* too: NaN-padded
    assert set(history) > {"loss", "epoch"}
    with qtbot.waitSignal(window.training.runFinished, timeout=60000):
        window.training.stop()


def test_epochs_join_a_history_as_curves_of_one_length() -> None:
    joined = with_epochs({"loss": [1.0, 0.8], "test_loss": [1.2, 0.9]},
                         [(2, {"loss": 0.5, "val_loss": 0.7}), (3, {"loss": 0.4})])
    assert set(joined) == {"loss", "test_loss", "val_loss", "epoch"}
    assert joined["loss"] == [1.0, 0.8, 0.5, 0.4]
    assert joined["epoch"] == [1.0, 2.0, 3.0, 4.0]  # numbered where the record had none
    assert [math.isnan(v) for v in joined["test_loss"]] == [False, False, True, True]
    assert [math.isnan(v) for v in joined["val_loss"]] == [True, True, False, True]
    assert with_epochs({}, [(0, {"loss": 0.3, "note": "text"})]) == {"loss": [0.3],
                                                                      "epoch": [1.0]}
    assert with_epochs({"loss": [2.0]}, []) == {"loss": [2.0], "epoch": [1.0]}


def test_a_projects_run_rows_are_made_a_few_per_turn_then_shown_at_once(
        window, qtbot, tmp_path, monkeypatch) -> None:
    import inspect

    from nngui.core.files.project import Project, save_project
    from nngui.core.training.runs import settings_of
    from nngui.gui.training import run_list

    preset = get_preset("xor-3-4-1")
    spec, config = preset.spec(), preset.train_config()
    runs = [{"name": f"#{i + 1} xor", "settings": settings_of(spec, config),
             "history": {"loss": [1.0 / (i + 1)]}, "reason": "finished"} for i in range(5)]
    path = tmp_path / "five.nngui"
    save_project(Project(spec, config, "xor", runs=runs), path)
    window.watch.runs.show_runs([])
    made = []  # (rows, stack depth, the list's row count then) per step
    real = run_list.make_rows

    def counting(records, rows=None):
        made.append((len(records), len(inspect.stack()),
                     window.watch.runs.runList.topLevelItemCount()))
        return real(records, rows)

    monkeypatch.setattr(run_list, "make_rows", counting)
    monkeypatch.setattr(ProjectActions, "ROWS_PER_TURN", 2)
    with qtbot.waitSignal(window.projects.opened, timeout=60000):
        assert window.open_path(path)
    assert [n for n, _, _ in made] == [2, 2, 1]
    assert made[1][1] == made[2][1]  # the later steps from the event loop, not nested
    assert [shown for _, _, shown in made] == [0, 0, 0]  # none shown before the last is made
    rows = window.watch.runs.runList
    assert [rows.topLevelItem(i).text(0) for i in range(rows.topLevelItemCount())] == \
        [r["name"] for r in runs]


def test_an_open_goes_in_over_several_turns_deaf_to_clicks_and_whole_for_a_save(
        window, qtbot, tmp_path, monkeypatch, messages):
    """Showing an opened project takes a few event-loop turns (the window answers between
    them); a click on Train between two of them is dropped (it would train a half-shown
    project), and a Save asked for meanwhile saves the opened project whole."""
    from PySide6.QtCore import QPoint, Qt

    window.apply_preset("mlp-2-4-2")
    path = tmp_path / "a.nngui"
    assert window.save_project_to(path)
    window.apply_preset("xor-2-4-1")
    views = window.projects.views
    show_steps = views.show_steps
    seen = []

    def spied(project, *args):
        steps = show_steps(project, *args)

        def click_then(step):
            def run():
                step()
                button = window.training.trainButton
                qtbot.mouseClick(button, Qt.MouseButton.LeftButton,
                                 pos=QPoint(5, button.height() // 2))
                seen.append((window.training.is_running(), window.projects.is_opening()))
            return run

        return [click_then(s) for s in steps]

    monkeypatch.setattr(views, "show_steps", spied)
    with qtbot.waitSignal(window.projects.opened, timeout=30000):
        assert window.open_path(path)
    assert len(seen) >= 3  # one turn each: the window ran its event loop between them
    assert seen == [(False, True)] * len(seen)  # every click dropped; still opening
    assert window.builder.spec().name == get_preset("mlp-2-4-2").spec().name
    # heard again once it is shown (it starts at once, or once the project's data, still
    # loading on a busy machine, is there: "training starts as soon as it is ready")
    said = []  # what the window answered the click with, to tell why if no run starts
    window.statusBar().messageChanged.connect(said.append)
    try:
        with qtbot.waitSignal(window.training.runStarted, timeout=60000):
            qtbot.mouseClick(window.training.trainButton, Qt.MouseButton.LeftButton,
                             pos=QPoint(5, window.training.trainButton.height() // 2))
    except qtbot.TimeoutError:
        raise AssertionError(
            f"no run started: status {said}, boxes {messages}, run notice "
            f"{window.training.run_status.notice!r}, button enabled "
            f"{window.training.trainButton.isEnabled()}, data loading "
            f"{window.data.is_loading()}, jobs {[t.name for t in window.tasks.running()]}"
        ) from None
    qtbot.waitUntil(lambda: not window.training.is_running(), timeout=60000)


def test_a_save_during_an_open_saves_the_opened_project_whole(window, qtbot, tmp_path,
                                                             monkeypatch):
    window.apply_preset("mlp-2-4-2")
    cfg = window.builder.config()
    window.builder.set_config(cfg.__class__(epochs=2, batch_size=32, validation_split=0.0))
    qtbot.waitUntil(lambda: not window.data.is_loading(), timeout=30000)
    with qtbot.waitSignal(window.training.runFinished, timeout=60000):
        assert window.train()
    qtbot.waitUntil(lambda: not window.tasks.is_held(window.session.model), timeout=60000)
    path, again = tmp_path / "a.nngui", tmp_path / "again.nngui"
    assert window.save_project_to(path)
    window.apply_preset("xor-2-4-1")
    views = window.projects.views
    show_steps = views.show_steps
    saved = []

    def spied(project, *args):
        steps = show_steps(project, *args)
        return [steps[0], lambda: saved.append(window.save_project_to(again)), *steps[1:]]

    monkeypatch.setattr(views, "show_steps", spied)
    with qtbot.waitSignal(window.projects.opened, timeout=30000):
        assert window.open_path(path)
    assert saved == [True]
    mine, opened = load_project(again), load_project(path)
    assert opened.epochs_done == 2 and len(opened.runs) == 1
    assert (mine.spec, mine.epochs_done, mine.history, mine.runs) == \
        (opened.spec, opened.epochs_done, opened.history, opened.runs)
