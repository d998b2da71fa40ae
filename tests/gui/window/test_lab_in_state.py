"""The backprop lab is the session state's: every change of the How it learns tab reaches the
state (a running lab once a second, and before a save), an opened project's lab is the state's
and the page's, and a project without one resets the page to the lab's defaults."""

from __future__ import annotations

from nngui.core.files.project import load_project
from nngui.core.lab.backprop import LabNet
from nngui.core.lab.state import lab_state
from nngui.gui.window import lab_link


def test_every_lab_change_is_the_states(window, qtbot) -> None:
    lab, state = window.lab, window.projects.state
    assert state.lab is None  # untouched: the lab's defaults
    lab.stepButton.click()
    assert state.lab == lab_state(lab.net) and state.lab["iteration"] == 1
    assert window.isWindowModified()
    lab.hiddenSpin.setValue(lab.hiddenSpin.value() + 1)
    assert state.lab["config"]["hidden"] == lab.net.config.hidden
    lab.wrongCheck.setChecked(not lab.wrongCheck.isChecked())  # not heard before: now is
    assert state.lab == lab_state(lab.net)
    lab.reset()
    assert state.lab == lab_state(lab.net) and state.lab["iteration"] == 0


def test_a_running_lab_reaches_the_state_every_interval_and_before_a_save(
        window, qtbot, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(lab_link, "RUNNING_EVERY_MS", 200)
    lab, state = window.lab, window.projects.state  # built now: its link sends every 200 ms
    lab.set_running(True)
    qtbot.waitUntil(lambda: state.lab is not None and state.lab["iteration"] > 0,
                    timeout=10000)
    seen = state.lab["iteration"]
    qtbot.waitUntil(lambda: state.lab["iteration"] > seen, timeout=10000)  # again, later
    assert lab.runButton.isChecked()
    qtbot.waitUntil(lambda: lab.net.iteration > state.lab["iteration"], timeout=10000)
    path = tmp_path / "lab.nngui"
    assert window.save_project_to(path)  # the lab's latest reaches the state first
    assert load_project(path).lab == lab_state(lab.net) == state.lab
    lab.set_running(False)  # Run pauses: the state has the lab at once
    assert state.lab == lab_state(lab.net)


def test_open_puts_the_projects_lab_in_the_state_and_the_page(window, qtbot, tmp_path,
                                                              open_and_wait) -> None:
    lab = window.lab
    lab.iterate(3)
    with_lab = tmp_path / "with.nngui"
    assert window.save_project_to(with_lab)
    saved = lab_state(lab.net)
    lab.iterate(2)
    assert open_and_wait(window, with_lab)
    assert window.projects.state.lab == saved == lab_state(lab.net)
    assert window.new_project()
    window.projects.state.lab_edited(None)  # a project with no lab (an older file's)
    window.projects.state.mark_clean()
    without = tmp_path / "without.nngui"
    assert window.save_project_to(without)
    assert load_project(without).lab is None
    assert open_and_wait(window, with_lab)
    lab.iterate(4)
    assert open_and_wait(window, without)  # the page shows the lab's defaults, as the state
    assert window.projects.state.lab is None
    assert lab_state(lab.net) == lab_state(LabNet())

