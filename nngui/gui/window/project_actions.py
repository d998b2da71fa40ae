"""File → New / Save / Save As for .nngui projects: the title, the modified mark, and the
window's work as a Project and back.

``ProjectActions`` owns the project's path, its creation time, the data it was saved with,
and the New, Save and Save As actions (``newAction``, ``saveAction``, ``saveAsAction``; the
window puts them in its File menu). The window title is "name.nngui[*] — nngui": Qt shows
the ``*`` while the window is modified, which every edit of the network, settings, data,
training, samples or lab sets and a save clears; a run in progress marks it too. New and
Open (and closing) ask first when there are unsaved changes; the question is
``unsaved_prompt``, which tests replace, so no modal box ever waits in a test. Closing while a
run trains asks as well (saying so): Save stops the run, saves it and then closes.

Opening a project (``open_project``; File → Open and a restored autosave) reads the file, its
model included, in a job on the task runner and then puts it in the window in one go on the
GUI thread: ``opened(path)`` when it is shown, ``openFailed(message)`` when it is not (one
message, and the window keeps its work, title and modified mark). A later open replaces one
still being read (the latest pick wins); a run started meanwhile keeps its network (the file
is not shown), and edits made meanwhile are asked about before they are replaced.

Its collaborators come in through the constructor: the window (its title and modified mark,
the parent of dialogs), the settings, the task runner, the builder, the training panel, the
data controller, the :class:`~nngui.gui.window.workbench.Workbench` (the session), the
:class:`~nngui.gui.window.preset_box.PresetBox` and the
:class:`~nngui.gui.window.pages.Pages` (runs, samples and the lab are part of a project). It
listens to their change signals and says things through ``message``. Reading and writing the
file is core/files/project.py.
"""

from __future__ import annotations

import math
import numbers
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QFileDialog, QMainWindow, QMessageBox

from nngui.core.drawing.samples import Sample
from nngui.core.files.project import SUFFIX, Project, ProjectError
from nngui.core.files.project import load_project as _load
from nngui.core.files.project import save_project as _save
from nngui.core.lab.state import apply_lab_state, lab_state
from nngui.core.training.runs import RunRecord, settings_of
from nngui.gui.builder.panel import BuilderPanel
from nngui.gui.common.data_controller import DataController
from nngui.gui.common.tasks import Task, TaskRunner, plain
from nngui.gui.training.panel import TrainingPanel
from nngui.gui.training.run_rows import RowTexts, row_texts
from nngui.gui.window.layout import action
from nngui.gui.window.pages import Pages
from nngui.gui.window.preset_box import PresetBox
from nngui.gui.window.settings import Settings
from nngui.gui.window.workbench import Workbench


def ask_unsaved(window, name: str, running: bool = False) -> str:
    """'save', 'discard' or 'cancel': the Save / Discard / Cancel question (``running``: a
    run is in progress, and closing would end it)."""
    b = QMessageBox.StandardButton
    if running:
        title, text = "A run is in progress", (
            f"A run is in progress. Save {name} with the run first? Save stops the run, saves "
            "it and then closes; Discard ends the run and loses it.")
    else:
        title, text = "Unsaved changes", f"Save the changes to {name} first?"
    answer = QMessageBox.question(window, title, text, b.Save | b.Discard | b.Cancel, b.Save)
    return {b.Save: "save", b.Discard: "discard"}.get(answer, "cancel")


@dataclass(frozen=True)
class ReadProject:
    """A project file read off the GUI thread, ready to be shown: the project, its runs as
    records and their run-list rows."""

    project: Project
    runs: list[RunRecord]
    rows: list[RowTexts]


def read_project(path: Path) -> ReadProject:
    """Read ``path`` (the model included) and prepare its runs' rows: the job of an open."""
    project = _load(path)
    runs = [RunRecord(r["name"], r["settings"], r["history"], r["reason"])
            for r in project.runs]
    return ReadProject(project, runs, [row_texts(r) for r in runs])


@dataclass
class _Opening:
    """An open in flight: its file, how to show it, and the edits counted when it began."""

    path: Path
    restored: bool  # an autosave, shown as the project at ``shown_as``
    shown_as: Path | None
    edits: int
    task: Task | None = None
    rows: list = field(default_factory=list)  # the run list's rows, made before it is shown


class ProjectActions(QObject):
    """Project files for the main window (see the module docstring)."""

    unsaved_prompt = staticmethod(ask_unsaved)  # tests replace it
    message = Signal(str, int)  # status bar text and timeout
    opened = Signal(str)  # the project file read and now shown (File → Open, a restore)
    openFailed = Signal(str)  # why a project was not opened; the window kept its work
    samplesMerged = Signal(int)  # a project's samples joined the store (how many were new)
    POLL_MS = 100  # how often a Save at Close looks whether the stopped run let go
    ROWS_PER_TURN = 500  # run-list rows made per event-loop turn while an open prepares

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
        self._edits = 0  # changes counted (an open asks again about those made meanwhile)
        self._opening: _Opening | None = None
        self._live: tuple[Any, list[tuple[int, dict]]] | None = None  # the run so far
        self._close_after_save = False  # Close said Save during a run: stopping it
        keys = QKeySequence.StandardKey
        self.newAction = action(self, "&New project", self.new_project, keys.New)
        self.saveAction = action(self, "&Save project", self.save_project, keys.Save)
        self.saveAsAction = action(self, "Save project &as…", self.save_project_as, keys.SaveAs)
        builder.specChanged.connect(self.mark_modified)
        builder.configChanged.connect(self.mark_modified)
        training.runStarted.connect(self._on_run_started)
        training.epochEnded.connect(self._on_run_epoch)
        training.runFinished.connect(self._on_run_finished)
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
            self._edits += 1
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
        self.cancel_open()  # the latest pick wins over a project still being read
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
        model = self._work.session.model
        if model is not None and self._tasks.is_held(model):
            if not quiet:
                QMessageBox.information(self._window, "The model is in use", "It is training "
                                        "(or being evaluated): save when the job has finished.")
            return None
        return self._project(with_model=True)

    def autosave_project(self) -> Project | None:
        """The work for an autosave: while a run trains, the run so far (its history; not the
        network's weights, which the run's job holds); None while another job holds them."""
        if not self._training.is_running() or self._live is None:
            return self.current_project(quiet=True)
        return self._project(with_model=not self._tasks.is_held(self._work.session.model))

    def _project(self, with_model: bool) -> Project:
        session = self._work.session
        ds = self._data.dataset
        name = ds.name if ds is not None else (self._settings.last_dataset() or "mnist")
        source = ds.source if ds is not None and name in ("mnist", "file") else None
        pages = self._pages
        runs = [{"name": r.name, "settings": r.settings, "history": r.history,
                 "reason": r.reason} for r in pages.watch.runs.runs.records]
        if self._live is not None and self._training.is_running():
            runs = self._with_live_run(runs)
        samples = [{"id": s.id, "image": s.image, "label": s.label, "created": s.created}
                   for s in pages.draw.samples_store.samples()]
        model = session.model if with_model else None
        epochs, history = (session.epochs_done, dict(session.history)) if model is not None \
            else (0, {})  # no weights: the network starts untrained when it is opened
        return Project(self._builder.spec(), self._builder.config(), name, source,
                       epochs, history, runs, samples, lab_state(pages.lab.net), model,
                       created=self._created,
                       changes=list(session.changes) if model is not None else [])

    # ---- a run in progress -------------------------------------------------------------
    def _on_run_started(self) -> None:
        self._live = (self._training.session, [])
        self.mark_modified()

    def _on_run_epoch(self, epoch: int, logs: dict) -> None:
        if self._live is not None:
            self._live[1].append((epoch, dict(logs)))

    def _on_run_finished(self, *_args) -> None:
        self._live = None  # the run list has its record now
        self.mark_modified()

    def _with_live_run(self, runs: list[dict]) -> list[dict]:
        """``runs`` with the run in progress: its epochs so far (a Continue's on its record)."""
        session, epochs = self._live
        earlier = self._pages.watch.runs.runs.find(session)
        spec = session.spec
        if earlier is not None:
            i = self._pages.watch.runs.runs.records.index(earlier)
            runs[i] = {**runs[i], "history": with_epochs(earlier.history, epochs),
                       "reason": RUNNING}
        else:
            runs.append({"name": f"#{len(runs) + 1} {spec.name} · {spec.optimizer} lr "
                                 f"{spec.lr:g}",
                         "settings": settings_of(spec, self._builder.config()),
                         "history": with_epochs({}, epochs), "reason": RUNNING})
        return runs

    def may_close(self) -> bool:
        """Whether the window may close now, after asking about unsaved work or a run in
        progress; Save during a run stops it, saves it once it has ended, then closes."""
        if self._close_after_save:
            self.message.emit("Stopping the run to save it; the window closes then.", 0)
            return False
        if not self._training.is_running():
            return self.maybe_save()
        answer = self.unsaved_prompt(self._window, self.project_name(), True)  # running
        if answer == "save":
            self._close_after_save = True
            self._training.stop()
            self.message.emit("Stopping the run to save it; the window closes then.", 0)
            QTimer.singleShot(self.POLL_MS, self, self._save_and_close)
        return answer == "discard"

    def _save_and_close(self) -> None:
        model = self._work.session.model
        if self._training.is_running() or self._tasks.is_held(self._work.session) or \
                (model is not None and self._tasks.is_held(model)):  # its evaluation, say
            QTimer.singleShot(self.POLL_MS, self, self._save_and_close)
            return
        self._close_after_save = False
        if self.save_project():  # a cancelled Save As keeps the window (the run is saved
            self._window.close()  # nowhere yet, and stays)

    def maybe_save(self) -> bool:
        """True when the window's work may be replaced: saved, discarded, or nothing changed."""
        if not self.is_modified():
            return True
        answer = self.unsaved_prompt(self._window, self.project_name())
        if answer == "save":
            return self.save_project()
        return answer == "discard"

    # ---- open ----------------------------------------------------------------------------
    def open_project(self, path: str | Path, restored: bool = False,
                     shown_as: Path | None = None) -> bool:
        """Start reading a project off the GUI thread; True when started (then ``opened`` or
        ``openFailed`` follows), False after saying why not. ``restored``: an autosave, shown
        as the project at ``shown_as`` and modified (it is not saved there yet)."""
        path = Path(path)
        opening = _Opening(path, restored, shown_as, self._edits)
        if not path.is_file():
            self._fail(opening, f"No project file at {path}.")
            return False
        self._set_opening(None)  # the latest pick wins over one still being read
        opening.task = self._tasks.submit(
            "open project", plain(lambda: read_project(path)),
            on_done=partial(self._on_read, opening),
            on_failed=partial(self._on_read_failed, opening))
        if opening.task is None:  # the window is closing
            return False
        self._set_opening(opening)
        self.message.emit(f"Opening {path.name}…", 0)
        return True

    def is_opening(self) -> bool:
        """Whether a project is being read."""
        return self._opening is not None

    def cancel_open(self) -> None:
        """Forget a project still being read: its result is dropped when it comes."""
        if self._opening is not None:
            self.message.emit(f"Did not open {self._opening.path.name}.", 4000)
        self._set_opening(None)

    def shutdown(self) -> None:
        """The window closes: an open in flight is dropped, a pending Save at Close too."""
        self._set_opening(None)
        self._close_after_save = False

    def _set_opening(self, opening: _Opening | None) -> None:
        old, self._opening = self._opening, opening
        if old is not None and old.task is not None and old is not opening:
            old.task.cancel()
        if (old is None) != (opening is None):  # the busy cursor while one is in flight
            if opening is None:
                QApplication.restoreOverrideCursor()
            else:
                QApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)

    def _on_read_failed(self, opening: _Opening, message: str) -> None:
        if opening is self._opening:  # not replaced by a later pick meanwhile
            self._set_opening(None)
            self._fail(opening, message)

    def _fail(self, opening: _Opening, message: str) -> None:
        QMessageBox.warning(self._window, "Could not restore" if opening.restored
                            else "Could not open the file", message)
        if not opening.path.exists():
            self._settings.prune_recent()
        self.message.emit("", 0)
        self.openFailed.emit(message)

    def _on_read(self, opening: _Opening, read: ReadProject) -> None:
        """The file is read: the run list's rows are made a few hundred per event-loop turn
        (not shown yet: 5,000 of them took ~50 ms), then the project is shown in one go."""
        from nngui.gui.training.run_list import make_rows  # the Watch tab's (pyqtgraph)

        if opening is not self._opening:
            return  # replaced by a later pick, or the window closes
        made = len(opening.rows)
        opening.rows += make_rows(read.runs[made:made + self.ROWS_PER_TURN],
                                  read.rows[made:made + self.ROWS_PER_TURN])
        if len(opening.rows) < len(read.runs):
            QTimer.singleShot(0, self, partial(self._on_read, opening, read))
            return
        self._set_opening(None)
        name = opening.path.name
        model = self._work.session.model
        if self._training.is_running() or (model is not None and self._tasks.is_held(model)):
            self._fail(opening, f"{name} was not opened: a run started while it was being "
                       "read. Open it again when the run has ended.")
            return
        if self._edits != opening.edits and not self.maybe_save():
            self.message.emit(f"Did not open {name}: your changes stay.", 6000)
            self.openFailed.emit(f"Opening {name} was cancelled.")
            return
        self.show_project(read.project, read.runs, read.rows, opening.rows)
        if opening.restored:
            self.path = opening.shown_as
            self._window.setWindowModified(True)  # restored, not yet saved where it belongs
            self.message.emit("Restored the autosaved work.", 5000)
        else:
            self.path = opening.path
            self._settings.add_recent(opening.path)
            self.message.emit(f"Opened {opening.path}", 5000)
        self._update_title()
        self.opened.emit(str(opening.path))

    def show_project(self, project: Project, runs: list[RunRecord] | None = None,
                     rows: list[RowTexts] | None = None, items: list | None = None) -> None:
        """Put a loaded project into the window: network, settings, model, runs, samples, lab
        (``runs`` and their ``rows``: the project's runs as read_project prepared them;
        ``items``: their run-list rows, made already)."""
        self._restoring = True
        self._window.setUpdatesEnabled(False)  # one paint of the whole, afterwards
        try:
            self._presets.forget()
            self._builder.set_spec(project.spec)
            self._builder.set_config(project.config)
            self._work.restore(project)
            s = self._work.session
            if runs is None:
                self.show_runs(project.runs)
            else:
                self._pages.watch.runs.show_runs(runs, rows, items)
            self._merge_samples(project.samples)
            if project.lab is not None:
                show_lab_state(self._pages.lab, project.lab)
            self._select_data(project)  # the same data: Evaluate gets the model next
            if s.model is not None:
                self._work.refresh_evaluate_context()
                self._pages.drawing.offer_model(f"Project: {project.spec.name}", s.model)
        finally:
            self._restoring = False
            self._window.setUpdatesEnabled(True)
        self._created = project.created
        # a migrated file is modified: saving writes the new schema
        self._window.setWindowModified(project.migrated_from is not None)

    def show_runs(self, runs: list[dict]) -> None:
        """A project's runs (as saved) in the Watch tab's run list."""
        self._pages.watch.runs.show_runs([RunRecord(r["name"], r["settings"], r["history"],
                                                    r["reason"]) for r in runs])

    def _merge_samples(self, samples: list[dict]) -> None:
        """The project's samples join the user's (same ids are the same sample)."""
        if not samples:
            return
        draw = self._pages.draw
        store = draw.samples_store  # put_many is safe on a worker: the GUI sees all or none

        def merge() -> list[str]:  # one bundle file, known ids skipped; 200,000 take ~3 s
            return store.put_many([Sample(s["id"], s["image"], s["label"], s["created"])
                                   for s in samples])

        self._tasks.submit("merge samples", plain(merge),
                           on_done=lambda added: self._merged(draw, added),
                           on_failed=lambda msg: self.message.emit(
                               f"The project's samples could not be added: {msg}", 8000))

    def _merged(self, draw, added: list[str]) -> None:
        if added:  # the opened project's own samples: no edit of the user's
            restoring, self._restoring = self._restoring, True
            try:
                draw.reload_gallery()
            finally:
                self._restoring = restoring
        self.samplesMerged.emit(len(added))

    def _select_data(self, project: Project) -> None:
        self._clean_dataset = project.dataset
        current = None if self._data.is_loading() else self._data.dataset  # else that load wins
        path = project.data_path
        if current is not None and current.name == project.dataset and \
                (project.dataset != "file" or current.source == path):
            return
        if project.dataset == "file":
            if path and Path(path).is_file():
                self._data.load_file(path)
            else:
                self.message.emit(f"The project's data file {path} is not here: load it with "
                                  "File → Load data file….", 10000)
            return
        self._data.select(project.dataset, path if path and Path(path).is_file() else None)


RUNNING = "in progress when autosaved"  # the reason of a run saved while it trained


def with_epochs(history: dict[str, list[float]],
                epochs: list[tuple[int, dict]]) -> dict[str, list[float]]:
    """``history`` and then ``epochs`` ((0-based epoch, logs) as a run reports them), every
    curve as long as the others (NaN where an epoch has no value for it)."""
    out = {k: [float(v) for v in vals] for k, vals in history.items()}
    n = len(out.get("loss", next(iter(out.values()), [])))
    if n and len(out.get("epoch", [])) != n:  # a record from before positions were kept
        out["epoch"] = [float(e) for e in range(1, n + 1)]
    for epoch, logs in epochs:
        values = {k: float(v) for k, v in logs.items() if isinstance(v, numbers.Real)}
        values["epoch"] = float(epoch + 1)
        for key in out.keys() | values.keys():
            curve = out.setdefault(key, [])
            curve.extend([math.nan] * (n - len(curve)))
            curve.append(values.get(key, math.nan))
        n += 1
    return out


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
