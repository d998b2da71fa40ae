"""Project files in the window: save/open round trip, title mark, unsaved prompt, recent
list, read-only folders, autosave recovery and drag and drop."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QUrl

from nngui.core.files.project import load_project
from nngui.gui.window.project_actions import ProjectActions
from nngui.gui.window.recovery import Recovery, autosave_dir

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def trained(window, qtbot):
    """The XOR network trained once, a digit sample drawn and three lab iterations."""
    window.apply_preset("xor-3-4-1")
    qtbot.waitUntil(lambda: window.data.dataset.name == "xor", timeout=20000)
    cfg = window.builder.config()
    cfg.epochs = 4
    window.builder.set_config(cfg)
    with qtbot.waitSignal(window.training.runFinished, timeout=120000):
        window.train()
    qtbot.waitUntil(lambda: window.evaluate.report is not None, timeout=60000)
    qtbot.waitUntil(lambda: not window.tasks.is_held(window.session.model), timeout=60000)
    window.draw.samples_store.add(np.eye(28, dtype=np.float32), 7)
    window.draw.reload_gallery()
    window.lab.iterate(3)
    return window


def test_title_shows_the_name_and_a_modified_mark(window) -> None:
    assert window.windowTitle() == "Untitled[*] — nngui" and not window.isWindowModified()
    cfg = window.builder.config()
    cfg.epochs += 1
    window.builder.set_config(cfg)
    assert window.isWindowModified()  # Qt shows "Untitled* — nngui"


@pytest.mark.parametrize("edit", ["sample", "lab", "spec"])
def test_every_kind_of_edit_marks_the_project_modified(window, edit) -> None:
    if edit == "sample":
        window.draw.samples_store.add(np.zeros((28, 28), np.float32), 1)
        window.draw.reload_gallery()
    elif edit == "lab":
        window.lab.stepButton.click()
    else:
        window.apply_preset("xor-3-4-1")
    assert window.isWindowModified()


def test_save_and_open_bring_back_the_whole_work(trained, tmp_path, qtbot) -> None:
    w = trained
    assert w.isWindowModified()
    path = tmp_path / "xor.nngui"
    assert w.save_project_to(path)
    assert not w.isWindowModified() and w.windowTitle() == "xor.nngui[*] — nngui"
    weights = [a.copy() for a in w.session.model.get_weights()]
    history = {k: list(v) for k, v in w.session.history.items()}
    runs = [(r.name, r.history) for r in w.watch.runs.records]
    lab = (w.lab.net.iteration, [x.copy() for x in w.lab.net.weights])
    assert w.new_project()  # nothing unsaved: no question
    assert w.watch.runs.records == [] and w.project_path is None
    qtbot.waitUntil(lambda: not w.data.is_loading(), timeout=30000)
    w.lab.reset()
    for sample in w.draw.samples_store.samples():  # another computer: none of the samples
        w.draw.samples_store.remove(sample.id)
    w.draw.reload_gallery()
    with qtbot.waitSignal(w.projects.samplesMerged, timeout=60000):  # off the GUI thread too
        with qtbot.waitSignal(w.projects.opened, timeout=60000) as opened:
            assert w.open_path(path)  # started: the file is read off the GUI thread
    assert opened.args == [str(path)]
    assert not w.isWindowModified() and w.project_path == path
    assert w.builder.spec().to_dict() == load_project(path, with_model=False).spec.to_dict()
    assert all(a.tobytes() == b.tobytes() for a, b in
               zip(w.session.model.get_weights(), weights, strict=True))
    assert w.session.history == history
    assert [(r.name, r.history) for r in w.watch.runs.records] == runs
    assert w.watch.runs.runList.topLevelItemCount() == len(runs)
    assert w.training.trainButton.text() == "Continue training"
    assert w.lab.net.iteration == lab[0] == 3
    assert all(np.array_equal(a, b) for a, b in zip(w.lab.net.weights, lab[1], strict=True))
    assert w.lab.hiddenSpin.value() == w.lab.net.config.hidden
    assert [s.label for s in w.draw.samples_store.samples()] == [7]  # back, on disk too
    assert w.draw.samplesGallery.model().rowCount() == 1
    w.draw.samples_store.reload()
    assert [s.label for s in w.draw.samples_store.samples()] == [7]


def test_a_project_that_fails_to_open_leaves_the_window_as_it_was(window, tmp_path, qtbot,
                                                                  messages) -> None:
    window.apply_preset("xor-3-4-1")
    assert window.save_project_to(tmp_path / "mine.nngui")
    window.apply_preset("mlp-2-4-2")  # unsaved work on top of the saved project
    before = window.builder.spec().to_dict()
    bad = tmp_path / "bad.nngui"
    bad.write_bytes(b"PK\x03\x04 not really")
    with qtbot.waitSignal(window.projects.openFailed, timeout=60000) as failed:
        assert window.open_path(bad)  # started; the failure comes from the job
    assert "not an nngui project" in failed.args[0]
    assert [m[1:] for m in messages] == [("Could not open the file", failed.args[0])]
    assert window.builder.spec().to_dict() == before and window.isWindowModified()
    assert window.project_path == tmp_path / "mine.nngui"
    assert window.windowTitle() == "mine.nngui[*] — nngui" and not window.projects.is_opening()
    assert window.open_path(tmp_path / "gone.nngui") is False  # no file: said at once
    assert "No project file" in messages[-1][2] and window.project_path.name == "mine.nngui"


def test_saving_into_a_read_only_folder_is_a_message_and_keeps_the_work(
        window, tmp_path, messages, monkeypatch) -> None:
    from tests.core.files.test_project import readonly

    window.apply_preset("xor-3-4-1")
    folder = tmp_path / "ro"
    folder.mkdir()
    readonly(folder, monkeypatch)
    try:
        assert not window.save_project_to(folder / "x.nngui")
    finally:
        folder.chmod(0o755)
    assert messages[-1][1] == "Could not save the project"
    assert window.isWindowModified() and window.project_path is None
    assert window.builder.spec().input_shape == (3,)


def test_close_asks_and_cancel_keeps_the_window(window, monkeypatch) -> None:
    answers = []
    monkeypatch.setattr(ProjectActions, "unsaved_prompt",
                        staticmethod(lambda w, name: answers.append(name) or "cancel"))
    window.show()
    window.apply_preset("xor-3-4-1")
    assert not window.close()
    assert answers == ["Untitled"] and window.isVisible() and window.isWindowModified()
    monkeypatch.setattr(ProjectActions, "unsaved_prompt", staticmethod(lambda *a: "discard"))
    assert window.close()


def test_new_asks_and_save_saves_first(window, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(ProjectActions, "unsaved_prompt", staticmethod(lambda *a: "save"))
    from PySide6.QtWidgets import QFileDialog

    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(tmp_path / "first"), ""))
    window.apply_preset("xor-3-4-1")
    assert window.new_project()
    assert load_project(tmp_path / "first.nngui").spec.input_shape == (3,)
    assert window.project_path is None and not window.isWindowModified()


def test_open_recent_lists_saved_projects_and_prunes_missing_ones(window, tmp_path) -> None:
    a, b = tmp_path / "a.nngui", tmp_path / "b.nngui"
    assert window.save_project_to(a) and window.save_project_to(b)
    window.files.fill_recent()
    assert [act.text() for act in window.files.recentMenu.actions()] == ["b.nngui", "a.nngui"]
    a.unlink()
    window.files.fill_recent()
    assert [act.text() for act in window.files.recentMenu.actions()] == ["b.nngui"]
    assert "a.nngui" in window.statusBar().currentMessage()
    assert window.settings.prune_recent() == []  # gone from the stored list too


def test_autosave_is_offered_after_a_crash_and_not_after_a_clean_exit(window, qtbot,
                                                                      monkeypatch) -> None:
    from nngui.gui.window.main_window import MainWindow

    window.apply_preset("xor-3-4-1")
    window.lab.iterate(2)
    assert window.recovery.autosave()  # the timer's work; then "the power goes": no clean exit
    assert (autosave_dir() / "autosave.nngui").is_file()
    offered = []
    monkeypatch.setattr(Recovery, "recovery_prompt",
                        staticmethod(lambda w, when: offered.append(when) or True))
    again = MainWindow(load_tensorflow=False)
    qtbot.addWidget(again)
    with qtbot.waitSignal(again.projects.opened, timeout=60000):
        with qtbot.waitSignal(again.recovery.checked, timeout=10000) as checked:
            pass  # the check runs once the event loop turns
    assert checked.args == [True] and len(offered) == 1
    assert again.builder.spec().input_shape == (3,) and again.lab.net.iteration == 2
    assert again.isWindowModified()  # restored, not saved anywhere yet
    again.close()  # a clean exit: the autosave is gone and nothing is offered next time
    assert not (autosave_dir() / "autosave.nngui").exists()
    window.lab.iterate(1)
    window.recovery.autosave()
    window.settings.set_clean_exit(os.path.getmtime(autosave_dir() / "autosave.nngui") + 1)
    offered.clear()
    third = MainWindow(load_tensorflow=False)
    qtbot.addWidget(third)
    with qtbot.waitSignal(third.recovery.checked, timeout=10000) as checked:
        pass  # the check is queued with a zero timer
    assert checked.args == [False]
    assert offered == [] and third.lab.net.iteration == 0 and not third.projects.is_opening()
    third.close()


def test_autosave_skips_an_unmodified_project(window) -> None:
    assert not window.recovery.autosave()
    assert not (autosave_dir() / "autosave.nngui").exists()


def test_dropping_a_project_file_opens_it(window, tmp_path, qtbot) -> None:
    window.apply_preset("xor-3-4-1")
    path = tmp_path / "dropped.nngui"
    assert window.save_project_to(path)
    window.projects.path = None
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])

    class Drop:
        def mimeData(self):  # noqa: N802 (Qt naming)
            return mime

        def acceptProposedAction(self):  # noqa: N802
            self.accepted = True

    event = Drop()
    window.dropEvent(event)
    assert event.accepted
    qtbot.waitUntil(lambda: window.project_path == path, timeout=10000)


@pytest.mark.parametrize("content", [None, b"garbage"])
def test_cli_with_a_missing_or_corrupt_project_is_one_line_and_exit_2(tmp_path,
                                                                      content) -> None:
    path = tmp_path / "x.nngui"
    if content is not None:
        path.write_bytes(content)
    env = {**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run([sys.executable, "-m", "nngui", str(path)], env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "x.nngui" in lines[0] and lines[0].startswith("nngui: error:")


def test_the_autosave_interval_is_a_setting(window) -> None:
    assert window.recovery.timer.interval() == 2 * 60_000
    window.settings.set_autosave_minutes(0.5)
    assert window.settings.autosave_minutes() == 0.5
    window.settings.store.setValue("project/autosave_minutes", "soon")
    assert window.settings.autosave_minutes() == 2.0
    json.dumps(window.settings.autosave_minutes())
