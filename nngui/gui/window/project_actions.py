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
GUI thread, a few event-loop turns with the window deaf to input (``gui.common.turns``):
``opened(path)`` when it is shown, ``openFailed(message)`` when it is not (one
message, and the window keeps its work, title and modified mark). A later open replaces one
still being read (the latest pick wins); a run started meanwhile keeps its network (the file
is not shown), and edits made meanwhile are asked about before they are replaced.

Its collaborators come in through the constructor: the window (its title and modified mark,
the parent of dialogs), the settings, the task runner, the builder, the training panel, the
data controller, the :class:`~nngui.gui.window.workbench.Workbench` (the session), the
:class:`~nngui.gui.window.preset_box.PresetBox` and the
:class:`~nngui.gui.window.pages.Pages` (samples and the lab are part of a project). It
listens to their change signals and says things through ``message``. The run list and the
lab are the state's own (the window's ``RunRecorder``, the lab's ``LabLink``): a save gathers
neither from a view. Gathering the other views into a Project, reading a file
(``read_project``) and showing an opened one is its
:class:`~nngui.gui.window.project_views.ProjectViews` (``views``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QFileDialog, QMainWindow, QMessageBox

from nngui.core.data.datasets import keeps_path
from nngui.core.files.project import SUFFIX, Project, ProjectError
from nngui.core.files.state import SessionState, save_state
from nngui.core.training.runs import RunRecord
from nngui.gui.builder.panel import BuilderPanel
from nngui.gui.common.data_controller import DataController
from nngui.gui.common.tasks import Task, TaskRunner, plain
from nngui.gui.common.turns import Turns
from nngui.gui.training.panel import TrainingPanel
from nngui.gui.window.lab_link import LabLink
from nngui.gui.window.layout import action
from nngui.gui.window.pages import Pages
from nngui.gui.window.preset_box import PresetBox
from nngui.gui.window.project_views import ProjectViews, ReadProject, read_project
from nngui.gui.window.questions import ask_unsaved
from nngui.gui.window.settings import Settings
from nngui.gui.window.workbench import Workbench


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
        # what the project is; the title and modified mark (and the training status line)
        # are derived from it, an open swaps a new one in
        self.state = SessionState(builder.spec(), builder.config())
        self.state.subscribe(self._on_state)
        self._clean_dataset: str | None = None  # the data a loaded/saved project uses
        self._session_seen = work.session  # a new one: the state's network was replaced
        self._ended_here: object = None  # the state's training status a run here gave it
        self._opening: _Opening | None = None
        self._showing = Turns(window, self)  # an opened project going into the window
        self._close_after_save = False  # Close said Save during a run: stopping it
        self._lab_link: LabLink | None = None  # the lab page's changes into the state, once built
        # the lesson panel's progress, saved with the project and shown when one opens
        self.lessons_state: Callable[[], dict | None] = lambda: None
        self.lessons_restore: Callable[[dict | None], None] = lambda state: None
        keys = QKeySequence.StandardKey
        self.newAction = action(self, "&New project", self.new_project, keys.New)
        self.saveAction = action(self, "&Save project", self.save_project, keys.Save)
        self.saveAsAction = action(self, "Save project &as…", self.save_project_as, keys.SaveAs)
        builder.specChanged.connect(self._on_network_edited)
        builder.configChanged.connect(self._on_network_edited)
        self.views = ProjectViews(window, settings, tasks, builder, training, data, work,
                                  presets, pages)
        self.views.message.connect(self.message)
        self.views.samplesMerged.connect(self.samplesMerged)
        training.runStarted.connect(self._on_run_started)
        training.runFinished.connect(self._on_run_finished)
        training.stopButton.clicked.connect(self._on_stop_pressed)
        training.status_source = self._status_line
        data.loaded.connect(self._on_project_data)
        pages.built.connect(self._track_edits)  # the Draw and Lab pages, once built
        pages.built.connect(self._show_kind)

    def start(self) -> None:
        """After start-up: no changes yet, and the title."""
        self._clean_dataset = self._current_dataset()
        self.state.preset = self._presets.name
        self.state.mark_clean()

    # ---- the state and what is derived from it ---------------------------------------------
    @property
    def path(self) -> Path | None:
        """The project's file (None: not saved yet): the state's."""
        return self.state.path

    @path.setter
    def path(self, path: Path | None) -> None:
        self.state.path = Path(path) if path is not None else None
        self._on_state(self.state, "path")

    def _on_state(self, state: SessionState, _what: str) -> None:
        """The window's title and modified mark and the training status line, from the state."""
        self._window.setWindowTitle(state.title())
        self._window.setWindowModified(state.modified)
        self._training.render_status()
        self._show_kind()

    def _show_kind(self, *_args) -> None:
        """Evaluate's tabs for the state's kind of network (an autoencoder has no boundary)."""
        evaluate = self._pages.built_page("evaluate")
        if evaluate is not None:
            evaluate.show_kind(self.state.spec.kind)

    def _status_line(self, live: tuple[str, bool]) -> tuple[str, bool]:
        """The training status line: the run's own words, else how the saved run ended (for
        the network the state was opened with, not one picked since). A run of this window
        whose words a sweep's runs replaced is told as it ended, not as "saved with the
        project" (it was said of an untitled project's run after a sweep)."""
        text, error = self.state.status_line(live)
        training = self.state.training
        if not live[0] and training is self._ended_here and training.message:
            text = training.message
        return text, error

    def _on_network_edited(self, *_args) -> None:
        """The builder changed: a new network (the workbench started a new session) is a
        preset pick or a design, untrained; else an edit of this one."""
        if self.views.restoring:
            return
        spec, config = self._builder.spec(), self._builder.config()
        if self._work.session is not self._session_seen:
            self._session_seen = self._work.session
            self.state.preset_picked(self._presets.name, spec, config)
        self.state.network_edited(spec, config)

    def _on_stop_pressed(self) -> None:
        if self._training.session is self._work.session:
            self.state.stop_requested()

    def _current_dataset(self) -> str | None:
        ds = self._data.dataset
        return None if self._data.is_loading() or ds is None else ds.name

    def _on_project_data(self, ds) -> None:
        source = ds.source if keeps_path(ds.name) else None
        self.state.data_changed(ds.name, source)
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
            lab = self._pages.lab  # every change of its net goes to the state (LabLink); Run
            lab.runButton.clicked.connect(self.mark_modified)  # marks at once, the seed too
            lab.seedSpin.valueChanged.connect(self.mark_modified)
            self._lab_link = LabLink(lab, lambda: self.state, lambda: self.views.restoring, self)

    # ---- title and modified mark -------------------------------------------------------
    def mark_modified(self, *_args) -> None:
        """Something the project holds changed (ignored while a project is being opened)."""
        if not self.views.restoring:
            self.state.edited()

    def discard_changes(self) -> None:
        """Saved or discarded (the window closes): nothing unsaved, a second close asks
        nothing."""
        self.state.mark_clean()

    def is_modified(self) -> bool:
        return self.state.modified

    def project_name(self) -> str:
        return self.state.name()

    # ---- new / save ----------------------------------------------------------------------
    def new_project(self) -> bool:
        """Start over from the first preset (after asking about unsaved changes)."""
        if self._training.is_running() or not self.maybe_save():
            return False
        self.cancel_open()  # the latest pick wins over a project still being read
        self.views.restoring = True
        try:
            self._presets.apply(self._presets.initial())
        finally:
            self.views.restoring = False
        self._session_seen = self._work.session
        self._clean_dataset = self._current_dataset()
        self.state.new(self._builder.spec(), self._builder.config(), self._presets.name)
        self._work.bundled_ae.show_instead(self._data.dataset)
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
        state = self.gathered_state()
        if state is None:
            return False
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            save_state(state, path)
        except (OSError, ProjectError) as exc:  # fsio's SaveError says why in words
            QMessageBox.warning(self._window, "Could not save the project", str(exc))
            return False
        finally:
            QApplication.restoreOverrideCursor()
        self._clean_dataset = state.dataset
        state.saved_to(path)
        self._settings.add_recent(path)
        self.message.emit(f"Saved {path}", 5000)
        return True

    def gathered_state(self, quiet: bool = False) -> SessionState | None:
        """The state with what the views hold now (the model included); None (after saying
        why) while a job holds the model."""
        model = self._work.session.model
        if model is not None and self._tasks.is_held(model):
            if not quiet:
                QMessageBox.information(self._window, "The model is in use", "It is training "
                                        "(or being evaluated): save when the job has finished.")
            return None
        return self._gather(with_model=True)

    def _gather(self, with_model: bool) -> SessionState:
        self.finish_showing()  # the views and the state of one project, not half of the next
        if self._lab_link is not None:  # a running lab's last iterations
            self._lab_link.flush()
        state = self.state
        project = self.views.project(with_model, state.created)
        project.lessons = self.lessons_state()
        state.gather(project, self.views.model_refs(), with_model)
        return state

    def current_project(self, quiet: bool = False) -> Project | None:
        """The window's work as a Project; None (after saying why) while a job holds the model."""
        state = self.gathered_state(quiet)
        return None if state is None else state.to_project()

    def autosave_project(self) -> Project | None:
        """The work for an autosave: while a run trains, the run so far (its history; not the
        network's weights, which the run's job holds); None while another job holds them."""
        if self.state.live is None or not self._training.is_running():
            return self.current_project(quiet=True)
        with_model = not self._tasks.is_held(self._work.session.model)
        return self._gather(with_model).to_project(with_model)

    # ---- a run in progress -------------------------------------------------------------
    def _on_run_started(self) -> None:
        if self._training.session is self._work.session:
            self.state.train_started()
        else:
            self.mark_modified()  # a fine-tune: the builder's network is not it

    def _on_run_finished(self, result) -> None:
        session = self._training.session
        if session is not self._work.session:
            self.mark_modified()
            return
        info = self._training.run_status.info
        self.state.train_ended(result.reason, session.epochs_done, result.message,
                               dict(session.history), session.model,
                               continued=info is not None and info.initial_epoch > 0)
        self._ended_here = self.state.training

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
        self.finish_showing()  # the one before is shown whole, then replaced
        opening = _Opening(path, restored, shown_as, self.state.edits)
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
        """Whether a project is being read, or put into the window."""
        return self._opening is not None or self._showing.running()

    def cancel_open(self) -> None:
        """Forget a project still being read: its result is dropped when it comes. (One
        already being shown is shown whole first: half of it cannot be taken back.)"""
        self.finish_showing()
        if self._opening is not None:
            self.message.emit(f"Did not open {self._opening.path.name}.", 4000)
        self._set_opening(None)

    def shutdown(self) -> None:
        """The window closes: an open in flight is dropped, a pending Save at Close too."""
        self.finish_showing()
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
        if self.state.edits != opening.edits and not self.maybe_save():
            self.message.emit(f"Did not open {name}: your changes stay.", 6000)
            self.openFailed.emit(f"Opening {name} was cancelled.")
            return
        state = read.state
        if opening.restored:  # restored, not yet saved where it belongs
            state.path, state.modified = opening.shown_as, True
        self._clean_dataset = read.project.dataset
        steps = self.views.show_steps(read.project, read.runs, opening.rows)
        self._showing.start([*steps, partial(self._shown, read.project, state),
                             self.views.paint, partial(self._announce, opening, read.project)])

    def _shown(self, project: Project, state: SessionState) -> None:
        """The last turn of an open before the window paints it: the project's data and
        models, then its state swapped in at once (the title, modified mark and status line
        follow it)."""
        self.views.end_show(project, state.models.get("drawing"))
        self.lessons_restore(project.lessons)
        self._presets.adopt(state.preset, project.spec)
        self._session_seen = self._work.session
        state.edits = self.state.edits  # an open in flight compares the count
        old, self.state = self.state, state
        state.adopt_observers(old)

    def _announce(self, opening: _Opening, project: Project) -> None:
        """The opened project is shown (and painted): its samples start joining the store;
        say so; ``opened``."""
        self.views.merge_samples(project.samples)
        if opening.restored:
            self.message.emit("Restored the autosaved work.", 5000)
        else:
            self._settings.add_recent(opening.path)
            self.message.emit(f"Opened {opening.path}", 5000)
        self.opened.emit(str(opening.path))

    def finish_showing(self) -> None:
        """An opened project being put into the window is shown whole now (someone needs the
        window's state: a new pick, a save, the window closing)."""
        self._showing.finish_now()

    def show_runs(self, runs: list[dict], replays: dict | None = None) -> None:
        """The state's run list becomes ``runs`` (as a project saves them, with their
        replays); the Watch tab's run list follows."""
        replays = replays or {}
        self.state.run_listed([RunRecord.from_dict(r, replays.get(i))
                               for i, r in enumerate(runs)])
