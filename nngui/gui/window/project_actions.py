"""File → New / Open / Save / Save As / Open Recent for .nngui projects, autosave and recovery.

A mixin of MainWindow (like FileActions). The window title is "name.nngui[*] — nngui": Qt
shows the ``*`` while ``isWindowModified()``, which every edit of the network, settings, data,
training, samples or lab sets and a save clears. Closing, New and Open ask first when there
are unsaved changes; the question (and the offer to restore an autosave) are attributes tests
replace, so no modal box ever waits in a test. Reading and writing the file is core/files/project.py.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel, QMenu, QMessageBox

from nngui.core.drawing.samples import Sample
from nngui.core.files.project import SUFFIX, Project, ProjectError
from nngui.core.files.project import load_project as _load
from nngui.core.files.project import save_project as _save
from nngui.core.lab.state import apply_lab_state, lab_state
from nngui.core.training.runs import RunRecord
from nngui.gui.window.recovery import ProjectRecovery

OPENABLE = (".nngui", ".json", ".keras", ".h5")


def ask_unsaved(window, name: str) -> str:
    """'save', 'discard' or 'cancel': the Save / Discard / Cancel question."""
    b = QMessageBox.StandardButton
    answer = QMessageBox.question(window, "Unsaved changes",
                                  f"Save the changes to {name} first?",
                                  b.Save | b.Discard | b.Cancel, b.Save)
    return {b.Save: "save", b.Discard: "discard"}.get(answer, "cancel")


class ProjectActions(ProjectRecovery):
    """Project files for MainWindow: the title, the modified mark, the unsaved prompt."""

    unsaved_prompt = staticmethod(ask_unsaved)  # tests replace it (and recovery_prompt)

    def _init_project(self, menu: QMenu) -> None:
        """Menu entries, drag and drop, change tracking and the autosave timer."""
        self.project_path: Path | None = None
        self._project_created = time.time()
        self._clean_dataset: str | None = None  # the data a loaded/saved project uses
        self._restoring = False  # opening a project: its own edits are not changes
        self._action(menu, "&New project", self.new_project, QKeySequence.StandardKey.New)
        self._action(menu, "&Open…", self._open_dialog, QKeySequence.StandardKey.Open)
        self.recentMenu = menu.addMenu("Open &Recent")
        self.recentMenu.setObjectName("recentMenu")
        self.recentMenu.aboutToShow.connect(self._fill_recent)
        self._action(menu, "&Save project", self.save_project, QKeySequence.StandardKey.Save)
        self._action(menu, "Save project &as…", self.save_project_as,
                     QKeySequence.StandardKey.SaveAs)
        menu.addSeparator()
        self.setAcceptDrops(True)
        self.builder.specChanged.connect(self.mark_modified)
        self.builder.configChanged.connect(self.mark_modified)
        self.training.runFinished.connect(self.mark_modified)
        self.data.loaded.connect(self._on_project_data)
        # edits on the Draw and Lab pages are tracked as each is built (window_pages.py)
        self.read_only_reason: str | None = None
        self.readOnlyLabel = QLabel()
        self.readOnlyLabel.setObjectName("readOnlyLabel")
        self.readOnlyLabel.setWordWrap(True)
        self.readOnlyLabel.setStyleSheet("color: #a15c00;")
        self.readOnlyLabel.hide()
        self.builderSide.layout().insertWidget(1, self.readOnlyLabel)
        self.autosaveTimer = QTimer(self)
        self.autosaveTimer.setObjectName("autosaveTimer")
        self.autosaveTimer.timeout.connect(self.autosave)

    def _start_project(self) -> None:
        """After start-up: no changes yet, the title, autosave on, a crash's work offered."""
        self._clean_dataset = None if self.data.is_loading() or self.data.dataset is None \
            else self.data.dataset.name
        self.setWindowModified(False)
        self._update_title()
        self.autosaveTimer.start(int(self.settings.autosave_minutes() * 60_000))
        QTimer.singleShot(0, self.offer_recovery)

    def _on_project_data(self, ds) -> None:
        if self._clean_dataset is None:  # the data the window started with, loaded late
            self._clean_dataset = ds.name
        elif ds.name != self._clean_dataset:
            self.mark_modified()

    def _set_read_only(self, reason: str | None, model=None) -> None:
        """Show an opened model the builder cannot represent as read-only (None: editable);
        the summary then lists the model's own layers, not the builder's stand-in."""
        self.read_only_reason = reason
        self.readOnlyLabel.setText(reason or "")
        self.readOnlyLabel.setToolTip(reason or "")
        self.readOnlyLabel.setVisible(reason is not None)
        self.builder.set_locked(reason is not None or self.training.is_running())
        if reason is not None and model is not None:
            _summarize(self.summary, model)

    # ---- title and modified mark -------------------------------------------------------
    def mark_modified(self, *_args) -> None:
        """Something the project holds changed (ignored while a project is being opened)."""
        if not self._restoring:
            self.setWindowModified(True)

    def project_name(self) -> str:
        return self.project_path.name if self.project_path else "Untitled"

    def _update_title(self) -> None:
        self.setWindowTitle(f"{self.project_name()}[*] — nngui")

    # ---- new / save ----------------------------------------------------------------------
    def new_project(self) -> bool:
        """Start over from the first preset (after asking about unsaved changes)."""
        if self.training.is_running() or not self.maybe_save():
            return False
        self._restoring = True
        try:
            self._show_runs([])
            self._apply_preset(self._initial_preset())
        finally:
            self._restoring = False
        self.project_path, self._project_created = None, time.time()
        self._clean_dataset = None if self.data.is_loading() or self.data.dataset is None \
            else self.data.dataset.name
        self.setWindowModified(False)
        self._update_title()
        return True

    def save_project(self) -> bool:
        """Save to the project's file (asking for one the first time)."""
        if self.project_path is None:
            return self.save_project_as()
        return self.save_project_to(self.project_path)

    def save_project_as(self) -> bool:
        path, _ = QFileDialog.getSaveFileName(
            self, "Save project", str(Path(self._last_dir()) / f"{self.project_name()}"),
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
            QMessageBox.warning(self, "Could not save the project", str(exc))
            return False
        finally:
            QApplication.restoreOverrideCursor()
        self.project_path, self._clean_dataset = path, project.dataset
        self.setWindowModified(False)
        self._update_title()
        self._remember_recent(path)
        self.statusBar().showMessage(f"Saved {path}", 5000)
        return True

    def current_project(self, quiet: bool = False) -> Project | None:
        """The window's work as a Project; None (after saying why) while a job holds the model."""
        model = self.session.model
        if model is not None and self.tasks.is_held(model):
            if not quiet:
                QMessageBox.information(self, "The model is in use", "It is training (or being "
                                        "evaluated): save when the job has finished.")
            return None
        ds = self.data.dataset
        name = ds.name if ds is not None else (self.settings.last_dataset() or "mnist")
        source = ds.source if ds is not None and name in ("mnist", "file") else None
        runs = [{"name": r.name, "settings": r.settings, "history": r.history,
                 "reason": r.reason} for r in self.watch.runs.runs.records]
        samples = [{"id": s.id, "image": s.image, "label": s.label, "created": s.created}
                   for s in self.draw.samples_store.samples()]
        return Project(self.builder.spec(), self.builder.config(), name, source,
                       self.session.epochs_done, dict(self.session.history), runs, samples,
                       lab_state(self.lab.net), model, created=self._project_created)

    def maybe_save(self) -> bool:
        """True when the window's work may be replaced: saved, discarded, or nothing changed."""
        if not self.isWindowModified():
            return True
        answer = self.unsaved_prompt(self, self.project_name())
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
        self.project_path = path
        self._update_title()

    def show_project(self, project: Project) -> None:
        """Put a loaded project into the window: network, settings, model, runs, samples, lab."""
        self._restoring = True
        try:
            self._preset_name = None
            self.builder.set_spec(project.spec)
            self.builder.set_config(project.config)
            self._new_session(project.spec)
            if project.model is not None:
                from nngui.core.model.saving import spec_from_model, stand_in_spec

                stand_in = stand_in_spec(project.model) \
                    if spec_from_model(project.model) is None else None
                self._set_read_only(stand_in[1] if stand_in else None, project.model)
            s = self.session
            s.model, s.epochs_done, s.history = project.model, project.epochs_done, \
                dict(project.history)
            s.target_epochs = project.epochs_done
            self.training.set_session(s)
            self._show_runs(project.runs)
            self._merge_samples(project.samples)
            if project.lab is not None:
                self._show_lab(project.lab)
            self._select_data(project)
            if s.model is not None:
                self._refresh_evaluate_context()
                self.drawing.offer_model(f"Project: {project.spec.name}", s.model)
        finally:
            self._restoring = False
        self._project_created = project.created
        self.setWindowModified(project.migrated_from is not None)  # saving writes the new schema

    def _show_runs(self, runs: list[dict]) -> None:
        self.watch.runs.show_runs([RunRecord(r["name"], r["settings"], r["history"], r["reason"])
                                   for r in runs])

    def _merge_samples(self, samples: list[dict]) -> None:
        """The project's samples join the user's (same ids are the same sample)."""
        store = self.draw.samples_store
        known = {s.id for s in store.samples()}
        new = [Sample(s["id"], s["image"], s["label"], s["created"]) for s in samples
               if s["id"] not in known]
        if new:
            for sample in new:
                store.put(sample)
            self.draw.reload_gallery()

    def _show_lab(self, state: dict) -> None:
        from PySide6.QtCore import QSignalBlocker

        lab = self.lab
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

    def _select_data(self, project: Project) -> None:
        self._clean_dataset = project.dataset
        current = None if self.data.is_loading() else self.data.dataset  # else that load wins
        path = project.data_path
        if current is not None and current.name == project.dataset and \
                (project.dataset != "file" or current.source == path):
            self._refresh_evaluate_context()
            return
        if project.dataset == "file":
            if path and Path(path).is_file():
                self.data.load_file(path)
            else:
                self.statusBar().showMessage(f"The project's data file {path} is not here: load "
                                             "it with File → Load data file….", 10000)
            return
        self.data.select(project.dataset, path if path and Path(path).is_file() else None)

    # ---- recent files --------------------------------------------------------------------
    def _fill_recent(self) -> None:
        menu = self.recentMenu
        menu.clear()
        gone = self.settings.prune_recent()
        if gone:
            self.statusBar().showMessage("Removed from Open Recent (no longer there): " +
                                         ", ".join(Path(p).name for p in gone), 8000)
        for path in self.settings.recent_files():
            act = menu.addAction(path.name, lambda p=path: self.open_path(p))
            act.setToolTip(str(path))
        if menu.isEmpty():
            menu.addAction("(none)").setEnabled(False)

    # ---- drag and drop -------------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        if _dropped_file(event.mimeData()) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        path = _dropped_file(event.mimeData())
        if path is not None:
            event.acceptProposedAction()
            QTimer.singleShot(0, lambda: self.open_path(path))  # not inside the drop

def _summarize(table, model) -> None:
    """Fill the summary table with a Keras model's layers (name, output shape, params)."""
    cells = []
    for lay in (lay for lay in model.layers if type(lay).__name__ != "InputLayer"):
        try:
            shape = str(tuple(lay.output.shape))
        except Exception:  # a layer used twice has no single output
            shape = "?"
        cells.append((f"{lay.name} ({type(lay).__name__})", shape, f"{lay.count_params():,}"))
    table.set_rows(cells, model.count_params(), "The opened model's own count.")


def _dropped_file(mime) -> Path | None:
    if not mime.hasUrls():
        return None
    urls = [u for u in mime.urls() if u.isLocalFile()]
    if len(urls) != 1:
        return None
    path = Path(urls[0].toLocalFile())
    return path if path.suffix.lower() in OPENABLE else None
