"""The lesson panel in the window: a dock beside the tabs, its menu entries, and what it reads.

``LessonsHost`` gives the panel the live session as a Situation (the session's network and
model, the builder's settings, the loaded data, the run list), sets the app up for a step
(preset, data, settings, tab), re-checks after every run and when a project opens, keeps the
progress in the project file, and writes submissions (Help → Submit lesson…).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QFileDialog, QMainWindow, QMenu, QMessageBox

from nngui.core.data.datasets import keeps_path
from nngui.core.lessons.checks import Situation, check_lesson, trained_of
from nngui.core.lessons.format import LessonError
from nngui.core.lessons.library import builtin_text, read_lesson_file
from nngui.core.lessons.progress import unbundle
from nngui.core.lessons.submission import summary, write_submission
from nngui.core.network.spec import SpecError
from nngui.gui.common.tasks import plain
from nngui.gui.lessons.panel import LessonPanel
from nngui.gui.window.layout import action


class LessonsHost(QObject):
    """``window.lessons``: the dock (``lessonsDock``, hidden until Help → Lessons) and panel."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self._w = window
        self.panel = LessonPanel(self.situation)
        self.dock = QDockWidget("Lessons", window)
        self.dock.setObjectName("lessonsDock")
        self.dock.setWidget(self.panel)
        self.dock.setMaximumWidth(400)  # beside the tabs on a 1366-pixel laptop screen
        self.dock.setAllowedAreas(Qt.DockWidgetArea.RightDockWidgetArea
                                  | Qt.DockWidgetArea.LeftDockWidgetArea)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        self.dock.hide()
        self.panel.run_checks = self._run_checks
        self.panel.setUpRequested.connect(self.set_up)
        self.panel.submitButton.clicked.connect(self.submit)
        self.panel.trainRequested.connect(lambda: window.train())
        window.training.runStarted.connect(lambda: self.panel.trainButton.setEnabled(False))
        window.training.runFinished.connect(lambda *_: self.panel.trainButton.setEnabled(True))
        self.panel.progressChanged.connect(self._modified)
        window.training.runFinished.connect(self._on_run_finished)
        window.data.loaded.connect(self._on_data_loaded)
        window.builder.specChanged.connect(self._on_network_edited)
        window.builder.configChanged.connect(self._on_network_edited)
        self._missed_run = False  # a run ended while the dock was closed
        self.dock.visibilityChanged.connect(self._on_visibility)
        self.toggleAction = self.dock.toggleViewAction()
        self.toggleAction.setText("&Lessons")
        self.openAction = action(window, "Open &lesson…", self.open_lesson)
        self.submitAction = action(window, "&Submit lesson…", self.submit)

    def add_to(self, menu: QMenu) -> None:
        menu.addActions([self.toggleAction, self.openAction, self.submitAction])
        menu.addSeparator()

    def show(self) -> None:
        self.dock.show()
        self.dock.raise_()

    # ---- the session, as the checks read it ----------------------------------------------
    def situation(self) -> Situation | None:
        """None while the dock is closed (nothing measures a lesson nobody follows: a check
        holds the model, and a Save right after a run would find it busy), while a run
        trains (its job holds the model) or while data is loading."""
        w = self._w
        if self.dock.isHidden() or w.training.is_running() or w.data.is_loading():
            return None
        ds = w.data.dataset
        session = w.session
        runs = [r.as_dict() for r in w.projects.state.runs]  # the state's run list
        name = ds.name if ds is not None else None
        return Situation(session.spec, w.builder.config(), name,
                         ds.source if ds is not None and keeps_path(name) else None,
                         session.model, dict(session.history), runs, data=ds,
                         trained=dict(session.trained) if session.trained else None)

    def _run_checks(self, work, done) -> bool:
        """Measure in a worker thread, holding the network (no run starts meanwhile)."""
        task = self._w.tasks.submit(
            "lesson-check", plain(work), holds=(self._w.session,), on_done=done,
            on_failed=lambda m: self._w.statusBar().showMessage(f"A lesson check failed: {m}",
                                                                8000))
        return task is not None

    def _on_run_finished(self, *_args) -> None:
        if self.dock.isHidden():
            self._missed_run = True  # measured (a guess gets its outcome) when it opens
            return
        QTimer.singleShot(0, self._w, lambda: self.panel.refresh(after_run=True))

    def _on_data_loaded(self, *_args) -> None:
        """Other data (a step's Set up, the Data list, a file): the goals say what they need
        of this data, not of the data before."""
        if not self.dock.isHidden():
            QTimer.singleShot(0, self._w, self._after_data_loaded)

    def _after_data_loaded(self) -> None:
        self.panel.recheck_conditions()
        self.panel.refresh_missed()  # asked while it loaded (a project opened): measured now

    def _on_network_edited(self, *_args) -> None:
        """The builder's network or settings changed (an edit, a preset): the goals say what
        they need of this network ("needs the binary_crossentropy loss" after the loss was
        set to it was stale), read once the session follows the builder."""
        if not self.dock.isHidden():
            QTimer.singleShot(0, self._w, self.panel.recheck_conditions)

    def _on_visibility(self, visible: bool) -> None:
        if visible and not self.dock.isHidden():
            after_run, self._missed_run = self._missed_run, False
            self.panel.refresh(after_run=after_run)

    def _modified(self) -> None:
        self._w.projects.mark_modified()

    # ---- Set up --------------------------------------------------------------------------
    def set_up(self, setup: dict[str, Any]) -> None:
        """Preset, data, settings and tab of a step, in that order."""
        w = self._w
        if "preset" in setup:
            w.apply_preset(setup["preset"], quiet=True)
        ds = w.data.selection()
        if "dataset" in setup and setup["dataset"] != ds:
            w.data.select(setup["dataset"])
        cfg = w.builder.config()
        changes = {k: setup[k] for k in ("epochs", "seed", "validation_split") if k in setup}
        if changes:
            try:
                w.builder.set_config(replace(cfg, **changes))
            except SpecError as exc:
                w.statusBar().showMessage(f"This step's settings do not fit: {exc}", 8000)
        if "lr" in setup or "features" in setup:
            spec = w.builder.spec()
            spec.learning_rate = float(setup.get("lr", spec.lr))
            spec.features = list(setup.get("features", spec.features))
            try:
                spec.__post_init__()
                w.builder.set_spec(spec)
            except SpecError as exc:
                w.statusBar().showMessage(f"This step's network does not fit: {exc}", 8000)
        tab = setup.get("tab")
        if tab == "build":
            w.tabs.setCurrentWidget(w.training)
            w.builder.setFocus()
        elif tab == "train":
            w.tabs.setCurrentWidget(w.training)
        elif tab:
            w.tabs.setCurrentWidget(getattr(w, tab))
        QTimer.singleShot(0, self._w, self.panel.recheck_conditions)  # the new network's needs

    # ---- files ---------------------------------------------------------------------------
    def open_lesson(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self._w, "Open lesson", self._w.settings.last_dir(),
                                              "Lessons (*.toml *.json);;All files (*)")
        if path:
            self.open_lesson_file(path)

    def open_lesson_file(self, path: str | Path) -> bool:
        try:
            lesson, text = read_lesson_file(path)
        except LessonError as exc:
            QMessageBox.warning(self._w, "Cannot open the lesson", str(exc))
            return False
        self.panel.add_lesson(lesson, text)
        self.show()
        self.panel.refresh()
        return True

    def submit(self) -> None:
        start = Path(self._w.settings.project_dir()) / "submission.nngui"  # beside projects
        path, _ = QFileDialog.getSaveFileName(self._w, "Submit lesson", str(start),
                                              "nngui submission (*.nngui)")
        if path:
            self.submit_to(path if path.endswith(".nngui") else path + ".nngui")

    def submit_to(self, path: str | Path) -> bool:
        """The project and a summary of the lesson's checks, re-measured now, in one file."""
        w = self._w
        project = w.projects.current_project()
        s = self.situation()
        if project is None or s is None or self.panel.progress is None:
            QMessageBox.information(w, "Not now", "Submit when the run (or the data) has "
                                    "finished.")
            return False
        lesson = self.panel.progress.lesson
        results = check_lesson(lesson, s)
        project.lessons = self.state()
        try:
            write_submission(project, path, summary(lesson, s, results))
        except (OSError, ValueError) as exc:
            QMessageBox.warning(w, "Cannot submit", f"Could not write {path}: {exc}")
            return False
        met = sum(r.met for r in results)
        w.statusBar().showMessage(f"Submitted to {path}: {met} of {len(results)} checks met "
                                  "now.", 10000)
        return True

    # ---- the project ---------------------------------------------------------------------
    def state(self) -> dict[str, Any] | None:
        """``lessons.json``: every lesson's progress, and what the model was trained with."""
        session = self._w.session
        return self.panel.state(session.trained if session.model is not None else None)

    def restore(self, state: dict[str, Any] | None) -> None:
        """A project's lessons (or none: the panel keeps its lesson, progress reset only if
        the project had one) and what its model was trained with."""
        self._w.session.trained = trained_of(state)
        if state is None:
            return
        try:
            current, others, problems = unbundle(state)
        except LessonError as exc:
            self._w.statusBar().showMessage(f"The project's lesson could not be read: {exc}",
                                            10000)
            return
        if problems:
            self._w.statusBar().showMessage("; ".join(problems)[:300], 10000)
        self.panel.restore(current, others)
        # Every project keeps the panel's lesson, worked on or not: opening the dock for
        # one nobody worked on (or chose: a teacher's file) took a third of the window
        if current.worked_on() or others or builtin_text(current.lesson.id) is None:
            self.show()
        if not self.dock.isHidden():
            QTimer.singleShot(0, self._w, self.panel.refresh)
