"""The window's work as a project and back: what the views hold, gathered; a project, shown.

``ProjectViews`` gathers the builder's network and settings, the data selection, the
workbench's session (weights, epochs, history) and the samples into a
:class:`~nngui.core.files.project.Project` (``project``; not the runs nor the lab: those are
the session state's own, core/files/run_state.py and ``lab_link.LabLink``), and puts an opened one into those views (``show_steps``, a few event-loop turns
with the window unpainted and deaf to input, then ``end_show``). While it shows one,
``restoring`` is True: the views' change signals are then not the user's edits; ``paint``
lets the window paint again.
``read_project`` is an open's job (off the GUI thread): the file, the state it is, and its
runs' row texts.
It says things through ``message`` and ``samplesMerged`` (a project's samples joined the
store, off the GUI thread). ProjectActions owns it and decides when either happens.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QSignalBlocker, Signal
from PySide6.QtWidgets import QMainWindow

from nngui.core.data.datasets import keeps_path
from nngui.core.drawing.samples import Sample
from nngui.core.files.project import Project
from nngui.core.files.project import load_project as _load
from nngui.core.files.state import ModelRef, SessionState
from nngui.core.lab.backprop import LabNet
from nngui.core.lab.state import apply_lab_state, lab_state
from nngui.core.training.runs import RunRecord
from nngui.gui.builder.panel import BuilderPanel
from nngui.gui.common.data_controller import DataController
from nngui.gui.common.tasks import TaskRunner, plain
from nngui.gui.training.panel import TrainingPanel
from nngui.gui.training.run_rows import RowTexts, row_texts
from nngui.gui.window.pages import Pages
from nngui.gui.window.preset_box import PresetBox
from nngui.gui.window.settings import Settings
from nngui.gui.window.workbench import Workbench


@dataclass(frozen=True)
class ReadProject:
    """A project file read off the GUI thread, ready to be shown: the project, its runs as
    records and their run-list rows, and the new session state it is."""

    project: Project
    runs: list[RunRecord]
    rows: list[RowTexts]
    state: SessionState


def read_project(path: Path) -> ReadProject:
    """Read ``path`` (the model included), build its state and prepare its runs' rows: the
    job of an open."""
    project = _load(path)
    state = SessionState.from_project(project, path)
    return ReadProject(project, state.runs, [row_texts(r) for r in state.runs], state)


class ProjectViews(QObject):
    """The views as a Project and a Project into the views (see the module docstring)."""

    message = Signal(str, int)  # status bar text and timeout
    samplesMerged = Signal(int)  # a project's samples joined the store (how many were new)

    def __init__(self, window: QMainWindow, settings: Settings, tasks: TaskRunner,
                 builder: BuilderPanel, training: TrainingPanel, data: DataController,
                 work: Workbench, presets: PresetBox, pages: Pages) -> None:
        super().__init__(window)
        self._window = window
        self._settings, self._tasks, self._builder = settings, tasks, builder
        self._training, self._data, self._work = training, data, work
        self._presets, self._pages = presets, pages
        self.restoring = False  # showing a project: its own edits are not changes
        self._merging: list[list[dict]] = []  # opened projects' samples joining the store

    # ---- the views as a project ----------------------------------------------------------
    def project(self, with_model: bool, created: float) -> Project:
        """The window's work as a Project (the model only ``with_model``; no runs: those are
        the state's)."""
        session = self._work.session
        # the data the window shows (a pick still loading too: the one it replaces is gone)
        name = self._data.selection() or self._settings.last_dataset() or "mnist"
        source = self._data.selection_source() if keeps_path(name) else None
        pages = self._pages
        samples = [{"id": s.id, "image": s.image, "label": s.label, "created": s.created}
                   for s in pages.draw.samples_store.samples()]
        known = {s["id"] for s in samples}  # an opened project's, still joining the store:
        samples += [s for batch in self._merging for s in batch  # theirs all the same
                    if s["id"] not in known and not known.add(s["id"])]
        model = session.model if with_model else None
        epochs, history = (session.epochs_done, dict(session.history)) if model is not None \
            else (0, {})  # no weights: the network starts untrained when it is opened
        return Project(self._builder.spec(), self._builder.config(), name, source,
                       epochs, history, [], samples, None, model,
                       created=created,
                       changes=list(session.changes) if model is not None else [])

    def model_refs(self) -> dict[str, ModelRef]:
        """The models the Draw and Autoencoder tabs use now, by role (pages not built yet
        use none)."""
        refs: dict[str, ModelRef] = {}
        pages = self._pages
        draw = pages.built_page("draw")
        current = draw.current_model() if draw is not None else None
        if current is not None:
            refs["drawing"] = ModelRef(current[0], source_of(current[0]))
        ae = pages.built_page("autoencoder")
        if ae is not None and ae.model is not None:
            title = ae.modelLabel.text().removeprefix("Showing: ")
            refs["autoencoder"] = ModelRef(title, source_of(title))
        return refs

    # ---- a project into the views --------------------------------------------------------
    def show_steps(self, project: Project, runs: list[RunRecord] | None = None,
                   items: list | None = None) -> list[Callable[[], None]]:
        """Putting a loaded project into the window: network, settings, model, the run
        list's rows, samples, lab, data (the samples afterwards: ``merge_samples``). Steps
        for one event-loop turn each (``gui.common.turns``; together ~60 ms for a large
        project on 2 cores); the window is not painted from the first to ``end_show`` (one
        paint of the whole, afterwards). ``runs``: the opened state's runs, ``items``: their
        run-list rows, made already: the list shows them when that state is swapped in."""
        clear, fill = self._work.restore_steps(project)

        def session() -> None:  # first: the builder's network below is then no new session
            self.restoring = True
            self._window.setUpdatesEnabled(False)
            self._presets.forget()
            clear()

        def network() -> None:
            self._builder.set_spec(project.spec)
            self._builder.set_config(project.config)

        def runs_samples_lab() -> None:
            if runs is not None and items is not None:
                self._pages.watch.runs.prepare(runs, items)
            # the lab as the project has it (none: the lab's defaults, if the page is built)
            lab = self._pages.lab if project.lab is not None else \
                self._pages.built_page("lab")
            if lab is not None:
                show_lab_state(lab, project.lab if project.lab is not None else
                               lab_state(LabNet()))

        return [session, fill, network, runs_samples_lab]

    def end_show(self, project: Project, drawing: ModelRef | None = None) -> None:
        """After ``show_steps``: the project's data and its model for Evaluate and Draw, and
        the Draw tab on the model it was saved with (``drawing``: the state's). (The data
        picked in the same turn as the state is swapped in: a load that ends is about the new
        state.) ``paint`` in the next turn shows it all."""
        try:
            self._select_data(project)  # the same data: Evaluate gets the model next
            model = self._work.session.model
            if model is not None:
                self._work.refresh_evaluate_context()
                self._pages.drawing.offer_model(f"Project: {project.spec.name}", model)
            if drawing is not None:
                # the network trained here before the save is the project's model now
                self._pages.drawing.prefer_model(
                    f"Project: {project.spec.name}" if drawing.source == "trained"
                    else drawing.title)
        finally:
            self.restoring = False

    def paint(self) -> None:
        """The window paints again (the whole of it, once: ~20-30 ms, a turn of its own)."""
        self._window.setUpdatesEnabled(True)

    def merge_samples(self, samples: list[dict]) -> None:
        """The project's samples join the user's (same ids are the same sample), in a job
        started once the project is shown: 200,000 of them kept the GUI thread waiting for
        the interpreter while the other steps of an open ran."""
        if not samples:
            return
        draw = self._pages.draw
        store = draw.samples_store  # put_many is safe on a worker: the GUI sees all or none

        def merge() -> list[str]:  # one bundle file, known ids skipped; 200,000 take ~3 s
            return store.put_many([Sample(s["id"], s["image"], s["label"], s["created"])
                                   for s in samples])

        self._merging.append(samples)
        self._tasks.submit("merge samples", plain(merge),
                           on_done=lambda added: self._merged(draw, added, samples),
                           on_failed=lambda msg: self._merge_failed(msg, samples))

    def _merge_failed(self, message: str, samples: list[dict]) -> None:
        self._merging = [b for b in self._merging if b is not samples]
        self.message.emit(f"The project's samples could not be added: {message}", 8000)

    def _merged(self, draw, added: list[str], samples: list[dict]) -> None:
        self._merging = [b for b in self._merging if b is not samples]
        if added:  # the opened project's own samples: no edit of the user's
            restoring, self.restoring = self.restoring, True
            try:
                draw.reload_gallery()
            finally:
                self.restoring = restoring
        self.samplesMerged.emit(len(added))

    def _select_data(self, project: Project) -> None:
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


def source_of(title: str) -> str:
    """Where a model the window names ``title`` came from (for its role in the state)."""
    low = title.lower()
    if "bundled" in low:
        return "bundled"
    if low.startswith("project:"):
        return "project"
    if low.startswith("trained here") or "trained here" in low:
        return "trained"
    return "opened"


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
