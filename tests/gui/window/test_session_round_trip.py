"""A session saved and opened in a fresh window is the same session, and says so: the state
swapped in equals the saved one, and the title, the training status line and the run list's
texts are the ones that state derives; saved again from the window, it reads back the same."""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings

from nngui.core.files.state import open_state, save_state
from nngui.gui.training.run_rows import row_texts
from tests.core.files.session_strategies import rich_session, sessions

IN_A_WINDOW = settings(max_examples=2, deadline=None, derandomize=True,
                       suppress_health_check=[HealthCheck.function_scoped_fixture,
                                              HealthCheck.too_slow])


def _row_texts(w) -> list[tuple[str, str, str]]:
    tree = w.watch.runs.runList
    return [tuple(tree.topLevelItem(i).text(c) for c in range(3))
            for i in range(tree.topLevelItemCount())]


def _expected_rows(state) -> list[tuple[str, str, str]]:
    rows = []
    for r in state.runs:
        t = row_texts(r)
        rows.append((r.name, t.epochs, t.summary))
    return rows


def _fresh_window(qtbot):
    from nngui.gui.window.main_window import MainWindow

    w = MainWindow(load_tensorflow=False)
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: w.data.dataset is not None, timeout=30000)
    return w


@IN_A_WINDOW
@given(state=sessions())
@example(state=rich_session())
def test_a_session_opens_in_a_fresh_window_as_it_was_saved(state, window, qtbot,
                                                          open_and_wait, tmp_path_factory):
    folder = tmp_path_factory.mktemp("rt")
    path = save_state(state, folder / "work.nngui")
    w = _fresh_window(qtbot)  # `window` set the private folders; each example its own window
    try:
        assert open_and_wait(w, path)
        shown = w.projects.state
        assert shown.snapshot() == open_state(path).snapshot() == state.snapshot()
        assert w.windowTitle() == "work.nngui[*] — nngui" and not w.isWindowModified()
        assert w.training.trainingStatus.text() == state.status_line()[0]
        assert _row_texts(w) == _expected_rows(state)
        if state.preset is not None:  # the preset box names the preset, not a design
            assert w.presets.combo.currentData() == state.preset
        qtbot.waitUntil(lambda: w.data.dataset.name == state.dataset, timeout=30000)
        assert w.save_project_to(folder / "again.nngui")
        again = open_state(folder / "again.nngui").snapshot()
        before = state.snapshot()
        for key in ("spec", "config", "preset", "dataset", "epochs_done", "history", "runs",
                    "training"):
            assert again[key] == before[key], key
        if state.lab is not None:
            assert again["lab"] == before["lab"]
        ids = {s["id"] for s in again["samples"]}  # the user's store may hold more
        assert {s["id"] for s in before["samples"]} <= ids
    finally:
        w.close()


def test_the_window_round_trip_sees_a_field_that_does_not_come_back(window, qtbot,
                                                                   open_and_wait, tmp_path,
                                                                   monkeypatch):
    """Guards the guard: the status line's words lost on the way make the test fail."""
    from nngui.core.files import state as state_module

    state = rich_session()
    path = save_state(state, tmp_path / "work.nngui")
    real = state_module.Training

    def forgetful(phase="idle", epoch=0, message="", continued=False):
        return real(phase, epoch, "", continued)

    monkeypatch.setattr(state_module, "Training", forgetful)
    assert open_and_wait(window, path)
    assert window.projects.state.snapshot() != state.snapshot()
    assert window.training.trainingStatus.text() != state.status_line()[0]


def test_a_trained_stopped_and_continued_session_comes_back_in_a_fresh_window(
        circles_window, qtbot, open_and_wait, tmp_path):
    """Train, stop, continue: the state follows each transition, and the saved session opens
    in a fresh window with the same state, title, status line and run list."""
    from nngui.core.files.state import FINISHED, RUNNING, STOPPED

    w = circles_window
    heard = []
    w.projects.state.subscribe(lambda s, what: heard.append((what, s.training.phase)))
    with qtbot.waitSignal(w.training.runFinished, timeout=120000):
        w.train()
        assert w.projects.state.training.phase == RUNNING and w.isWindowModified()
    state = w.projects.state
    assert state.training.phase == FINISHED and state.epochs_done == 3
    assert state.models["network"].source == "trained"
    assert ("training", RUNNING) in heard and ("training", FINISHED) in heard
    qtbot.waitUntil(lambda: not w.tasks.is_held(w.session) and
                    not w.tasks.is_held(w.session.model), timeout=60000)  # its evaluation
    stops = []

    def stop_once(*_args):
        if not stops:
            stops.append(1)
            w.training.stop()

    # Continue, stopped after its first epoch: long enough that the Stop lands inside it
    w.builder.set_config(w.builder.config().__class__(epochs=300, batch_size=64))
    w.training.epochEnded.connect(stop_once)
    with qtbot.waitSignal(w.training.runFinished, timeout=120000):
        assert w.train()
    w.training.epochEnded.disconnect(stop_once)
    assert state.training.phase == STOPPED and state.training.continued
    assert 3 < state.epochs_done < 303
    status = w.training.trainingStatus.text()
    assert status.startswith(state.training.message)  # the run's own words, derived
    qtbot.waitUntil(lambda: not w.tasks.is_held(w.session.model), timeout=60000)
    assert w.save_project_to(tmp_path / "trained.nngui")
    saved = w.projects.state.snapshot()
    rows = _row_texts(w)
    fresh = _fresh_window(qtbot)
    try:
        assert open_and_wait(fresh, tmp_path / "trained.nngui")
        assert fresh.projects.state.snapshot() == saved
        assert fresh.windowTitle() == "trained.nngui[*] — nngui"
        assert fresh.training.trainingStatus.text() == \
            f"{state.training.message} (saved with the project.)"
        assert _row_texts(fresh) == rows
        assert fresh.training.trainButton.text() == "Continue training"
    finally:
        fresh.close()


def test_the_state_follows_the_data_picked(window, qtbot) -> None:
    heard = []
    window.projects.state.subscribe(lambda s, what: heard.append(what))
    window.data.select("circles")
    qtbot.waitUntil(lambda: window.data.dataset.name == "circles", timeout=30000)
    assert window.projects.state.dataset == "circles" and "data" in heard
