"""File → New / Save / Save As for .nngui projects: the title, the modified mark, and the
window's work as a Project and back.

``ProjectActions`` owns the project's path, its creation time, the data it was saved with,
and the New, Save and Save As actions (``newAction``, ``saveAction``, ``saveAsAction``; the
window puts them in its File menu). The window title is "name.nngui[*] — nngui": Qt shows
the ``*`` while the window is modified, which every edit of the network, settings, data,
training, samples or lab sets and a save clears. New and Open (and closing) ask first when
there are unsaved changes; the question is ``unsaved_prompt``, which tests replace, so no
modal box ever waits in a test.

Its collaborators come in through the constructor: the window (its title and modified mark,
the parent of dialogs), the settings, the task runner, the builder, the training panel, the
data controller, the :class:`~nngui.gui.window.workbench.Workbench` (the session), the
:class:`~nngui.gui.window.preset_box.PresetBox` and the
:class:`~nngui.gui.window.pages.Pages` (runs, samples and the lab are part of a project). It
listens to their change signals and says things through ``message``. Reading and writing the
file is core/files/project.py.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QObject, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QFileDialog, QMainWindow, QMessageBox

from nngui.core.drawing.samples import Sample
from nngui.core.files.project import SUFFIX, Project, ProjectError
from nngui.core.files.project import load_project as _load
from nngui.core.files.project import save_project as _save
from nngui.core.lab.state import apply_lab_state, lab_state
from nngui.core.training.runs import RunRecord
from nngui.gui.builder.panel import BuilderPanel
from nngui.gui.common.data_controller import DataController
from nngui.gui.common.tasks import TaskRunner
from nngui.gui.training.panel import TrainingPanel
from nngui.gui.window.layout import action
from nngui.gui.window.pages import Pages
from nngui.gui.window.preset_box import PresetBox
from nngui.gui.window.settings import Settings
from nngui.gui.window.workbench import Workbench


def ask_unsaved(window, name: str) -> str:
    """'save', 'discard' or 'cancel': the Save / Discard / Cancel question."""
    b = QMessageBox.StandardButton
    answer = QMessageBox.question(window, "Unsaved changes",
                                  f"Save the changes to {name} first?",
                                  b.Save | b.Discard | b.Cancel, b.Save)
    return {b.Save: "save", b.Discard: "discard"}.get(answer, "cancel")


class ProjectActions(QObject):
    """Project files for the main window (see the module docstring)."""

    unsaved_prompt = staticmethod(ask_unsaved)  # tests replace it
    message = Signal(str, int)  # status bar text and timeout

    def __init__(self, window: QMainWindow, settings: Settings, tasks: TaskRunner,
                 builder: BuilderPanel, training: TrainingPanel, data: DataController,
                 work: Workbench, presets: PresetBox, pages: Pages) -> None:
        super().__init__(window)
        self._window = window
        self._settings, self._tasks, self._builder = settings, tasks, builder
        self._training, self._data, self._work = training, data, work
        self._presets, self._pages = presets, pages
        self.path: Path | None = None
        self._created = time.time()
        self._clean_dataset: str | None = None  # the data a loaded/saved project uses
        self._restoring = False  # opening a project: its own edits are not changes
        keys = QKeySequence.StandardKey
        self.newAction = action(self, "&New project", self.new_project, keys.New)
        self.saveAction = action(self, "&Save project", self.save_project, keys.Save)
        self.saveAsAction = action(self, "Save project &as…", self.save_project_as, keys.SaveAs)
        builder.specChanged.connect(self.mark_modified)
        builder.configChanged.connect(self.mark_modified)
        training.runFinished.connect(self.mark_modified)
        data.loaded.connect(self._on_project_data)
        pages.built.connect(self._track_edits)  # the Draw and Lab pages, once built

    def start(self) -> None:
        """After start-up: no changes yet, and the title."""
        self._clean_dataset = self._current_dataset()
        self._window.setWindowModified(False)
        self._update_title()

    def _current_dataset(self) -> str | None:
        ds = self._data.dataset
        return None if self._data.is_loading() or ds is None else ds.name

    def _on_project_data(self, ds) -> None:
        if self._clean_dataset is None:  # the data the window started with, loaded late
            self._clean_dataset = ds.name
        elif ds.name != self._clean_dataset:
            self.mark_modified()

    def _track_edits(self, page: str) -> None:
        """The drawn samples and the lab's network are part of the project."""
        if page == "draw":
            gallery = self._pages.draw.samplesGallery.model()
            gallery.rowsInserted.connect(self.mark_modified)
            gallery.rowsRemoved.connect(self.mark_modified)
        elif page == "lab":
            lab = self._pages.lab
            for button in (lab.forwardButton, lab.backwardButton, lab.stepButton,
                           lab.runNButton, lab.runButton, lab.resetButton):
                button.clicked.connect(self.mark_modified)
            for spin in (lab.lrSpin, lab.hiddenSpin, lab.alphaSpin, lab.seedSpin):
                spin.valueChanged.connect(self.mark_modified)
            for combo in (lab.tableCombo, lab.actCombo, lab.lossCombo):
                combo.currentIndexChanged.connect(self.mark_modified)
            lab.biasCheck.toggled.connect(self.mark_modified)

    # ---- title and modified mark -------------------------------------------------------
    def mark_modified(self, *_args) -> None:
        """Something the project holds changed (ignored while a project is being opened)."""
        if not self._restoring:
            self._window.setWindowModified(True)

    def is_modified(self) -> bool:
        return self._window.isWindowModified()

    def project_name(self) -> str:
        return self.path.name if self.path else "Untitled"

    def _update_title(self) -> None:
        self._window.setWindowTitle(f"{self.project_name()}[*] — nngui")

    # ---- new / save ----------------------------------------------------------------------
    def new_project(self) -> bool:
        """Start over from the first preset (after asking about unsaved changes)."""
        if self._training.is_running() or not self.maybe_save():
            return False
        self._restoring = True
        try:
            self.show_runs([])
            self._presets.apply(self._presets.initial())
        finally:
            self._restoring = False
        self.path, self._created = None, time.time()
        self._clean_dataset = self._current_dataset()
        self._window.setWindowModified(False)
        self._update_title()
        return True

    def save_project(self) -> bool:
        """Save to the project's file (asking for one the first time)."""
        if self.path is None:
            return self.save_project_as()
        return self.save_project_to(self.path)

    def save_project_as(self) -> bool:
        path, _ = QFileDialog.getSaveFileName(
            self._window, "Save project",
            str(Path(self._settings.project_dir()) / f"{self.project_name()}"),
            f"nngui project (*{SUFFIX})")
        return bool(path) and self.save_project_to(Path(path).with_suffix(SUFFIX))

    def save_project_to(self, path: str | Path) -> bool:
        """Write the project; a failure is a message and the window keeps its (unsaved) work."""
        path = Path(path)
        project = self.current_project()
        if project is None:
            return False
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            _save(project, path)
        except (OSError, ProjectError) as exc:  # fsio's SaveError says why in words
            QMessageBox.warning(self._window, "Could not save the project", str(exc))
            return False
        finally:
            QApplication.restoreOverrideCursor()
        self.path, self._clean_dataset = path, project.dataset
        self._window.setWindowModified(False)
        self._update_title()
        self._settings.add_recent(path)
        self.message.emit(f"Saved {path}", 5000)
        return True

    def current_project(self, quiet: bool = False) -> Project | None:
        """The window's work as a Project; None (after saying why) while a job holds the model."""
        session = self._work.session
        model = session.model
        if model is not None and self._tasks.is_held(model):
            if not quiet:
                QMessageBox.information(self._window, "The model is in use", "It is training "
                                        "(or being evaluated): save when the job has finished.")
            return None
        ds = self._data.dataset
        name = ds.name if ds is not None else (self._settings.last_dataset() or "mnist")
        source = ds.source if ds is not None and name in ("mnist", "file") else None
        pages = self._pages
        runs = [{"name": r.name, "settings": r.settings, "history": r.history,
                 "reason": r.reason} for r in pages.watch.runs.runs.records]
        samples = [{"id": s.id, "image": s.image, "label": s.label, "created": s.created}
                   for s in pages.draw.samples_store.samples()]
        return Project(self._builder.spec(), self._builder.config(), name, source,
                       session.epochs_done, dict(session.history), runs, samples,
                       lab_state(pages.lab.net), model, created=self._created)

    def maybe_save(self) -> bool:
        """True when the window's work may be replaced: saved, discarded, or nothing changed."""
        if not self.is_modified():
            return True
        answer = self.unsaved_prompt(self._window, self.project_name())
        if answer == "save":
            return self.save_project()
        return answer == "discard"

    # ---- open ----------------------------------------------------------------------------
    def open_project(self, path: Path) -> None:
        """Read and show a project; raises (the caller's message) before changing anything."""
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            project = _load(path)  # everything checked before the window changes
        finally:
            QApplication.restoreOverrideCursor()
        self.show_project(project)
        self.path = path
        self._update_title()

    def show_restored(self, project: Project, path: Path | None) -> None:
        """An autosave after a crash: shown, as the project at ``path``, but not saved there."""
        self.show_project(project)
        self.path = path
        self._window.setWindowModified(True)
        self._update_title()

    def show_project(self, project: Project) -> None:
        """Put a loaded project into the window: network, settings, model, runs, samples, lab."""
        self._restoring = True
        try:
            self._presets.forget()
            self._builder.set_spec(project.spec)
            self._builder.set_config(project.config)
            self._work.restore(project)
            s = self._work.session
            self.show_runs(project.runs)
            self._merge_samples(project.samples)
            if project.lab is not None:
                show_lab_state(self._pages.lab, project.lab)
            self._select_data(project)
            if s.model is not None:
                self._work.refresh_evaluate_context()
                self._pages.drawing.offer_model(f"Project: {project.spec.name}", s.model)
        finally:
            self._restoring = False
        self._created = project.created
        # a migrated file is modified: saving writes the new schema
        self._window.setWindowModified(project.migrated_from is not None)

    def show_runs(self, runs: list[dict]) -> None:
        """A project's runs (as saved) in the Watch tab's run list."""
        self._pages.watch.runs.show_runs([RunRecord(r["name"], r["settings"], r["history"],
                                                    r["reason"]) for r in runs])

    def _merge_samples(self, samples: list[dict]) -> None:
        """The project's samples join the user's (same ids are the same sample)."""
        draw = self._pages.draw
        added = draw.samples_store.put_many(  # one bundle file, known ids skipped
            [Sample(s["id"], s["image"], s["label"], s["created"]) for s in samples])
        if added:
            draw.reload_gallery()

    def _select_data(self, project: Project) -> None:
        self._clean_dataset = project.dataset
        current = None if self._data.is_loading() else self._data.dataset  # else that load wins
        path = project.data_path
        if current is not None and current.name == project.dataset and \
                (project.dataset != "file" or current.source == path):
            self._work.refresh_evaluate_context()
            return
        if project.dataset == "file":
            if path and Path(path).is_file():
                self._data.load_file(path)
            else:
                self.message.emit(f"The project's data file {path} is not here: load it with "
                                  "File → Load data file….", 10000)
            return
        self._data.select(project.dataset, path if path and Path(path).is_file() else None)


def show_lab_state(lab, state: dict) -> None:
    """A saved lab network into the How it learns tab: its net and the controls showing it."""
    apply_lab_state(lab.net, state)
    c = lab.net.config
    widgets = (lab.lrSpin, lab.hiddenSpin, lab.alphaSpin, lab.seedSpin, lab.tableCombo,
               lab.actCombo, lab.lossCombo, lab.biasCheck, lab.wrongCheck)
    blockers = [QSignalBlocker(w) for w in widgets]  # the net is already configured
    lab.lrSpin.setValue(c.lr)
    lab.hiddenSpin.setValue(c.hidden)
    lab.alphaSpin.setValue(c.alpha)
    lab.seedSpin.setValue(c.seed)
    for combo, value in ((lab.tableCombo, c.table), (lab.actCombo, c.activation),
                         (lab.lossCombo, c.loss)):
        combo.setCurrentIndex(max(0, combo.findData(value)))
    lab.biasCheck.setChecked(c.bias)
    lab.wrongCheck.setChecked(c.wrong_grad)
    del blockers
    lab.alphaSpin.setEnabled(c.activation == "leaky_relu")
    lab.actCombo.setEnabled(c.hidden > 0)
    lab.refresh()
