"""Reopening a project opens the Lessons dock only when the project holds lesson work.

Every project keeps ``lessons.json`` (at least the panel's first lesson and what the model
was trained with), and every reopen opened the dock: a student who never chose Help →
Lessons found a third of the window taken by lesson 1 beside the tabs after File → Open."""

from __future__ import annotations


def _reopen(window, path, open_and_wait) -> None:
    window.lessons.dock.hide()
    assert open_and_wait(window, path)


def test_a_project_without_lesson_work_reopens_without_the_dock(window, tmp_path,
                                                                  open_and_wait):
    w = window
    assert w.lessons.dock.isHidden()
    path = tmp_path / "plain.nngui"
    assert w.save_project_to(path)
    _reopen(w, path, open_and_wait)
    assert w.lessons.dock.isHidden()


def test_a_project_with_lesson_work_reopens_with_the_dock(window, tmp_path, open_and_wait):
    w = window
    w.lessons.show()
    panel = w.lessons.panel
    step = panel.progress.lesson.steps[1].id
    panel.progress.guess(step, "yes")  # a committed guess is the student's work
    path = tmp_path / "lesson.nngui"
    assert w.save_project_to(path)
    _reopen(w, path, open_and_wait)
    assert not w.lessons.dock.isHidden()
    assert panel.progress.predictions[step]["guess"] == "yes"
