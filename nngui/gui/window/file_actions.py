"""File → Open / Open Recent / Save network / Export for the main window: every failure is a
message, never a crash.

``FileActions`` owns the File menu's entries for files other than saving the project: Open…
(projects, network files, models; also by drag and drop), the ``recentMenu``, Save network as
JSON, the model exports, Export as Python and the ``exportResultsMenu``; the window puts its
QActions and menus in its File menu. Its collaborators come in through the constructor: the
window (the parent of its dialogs), the settings (last folder, recent files), the task
runner, the builder, the training panel (its plots), the data controller, the
:class:`~nngui.gui.window.workbench.Workbench` (the session; an opened network or model goes
there), the :class:`~nngui.gui.window.preset_box.PresetBox`, the
:class:`~nngui.gui.window.project_actions.ProjectActions` (unsaved changes, opening a project,
the modified mark) and the :class:`~nngui.gui.window.pages.Pages` (Evaluate's report, the
drawing model). It says things through ``message``.
Every file is written atomically through :mod:`nngui.core.platform.fsio`; a failed save shows a
message and changes nothing in the window.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QFileDialog, QMenu, QMessageBox, QWidget

from nngui.core.data.datasets import keeps_path
from nngui.core.network.spec import SpecError, dump_json, load_spec_file
from nngui.gui.builder.panel import BuilderPanel
from nngui.gui.common.data_controller import DataController
from nngui.gui.common.tasks import TaskRunner
from nngui.gui.training.panel import TrainingPanel
from nngui.gui.window.layout import action
from nngui.gui.window.pages import Pages
from nngui.gui.window.preset_box import PresetBox
from nngui.gui.window.project_actions import ProjectActions
from nngui.gui.window.settings import Settings
from nngui.gui.window.workbench import Workbench

OPENABLE = (".nngui", ".json", ".keras", ".h5")


class FileActions(QObject):
    """Open networks (.json) and models (.keras), save networks, export trained models."""

    message = Signal(str, int)  # status bar text and timeout

    def __init__(self, window: QWidget, settings: Settings, tasks: TaskRunner,
                 builder: BuilderPanel, training: TrainingPanel, data: DataController,
                 work: Workbench, presets: PresetBox, projects: ProjectActions,
                 pages: Pages) -> None:
        super().__init__(window)
        self._window, self._settings, self._tasks = window, settings, tasks
        self._builder, self._training, self._data = builder, training, data
        self._work, self._presets, self._projects, self._pages = work, presets, projects, pages
        self.openAction = action(self, "&Open…", self._open_dialog, QKeySequence.StandardKey.Open)
        self.recentMenu = QMenu("Open &Recent", window)
        self.recentMenu.setObjectName("recentMenu")
        self.recentMenu.aboutToShow.connect(self.fill_recent)
        self.saveNetworkAction = action(self, "Save &network as JSON…", self._save_spec_dialog)
        self.exportModelAction = action(self, "&Export trained model (.keras)…",
                                        self._export_model_dialog)
        self.exportDrawModelAction = action(self, "Export the &drawing model (.keras)…",
                                            self._export_draw_model_dialog)
        self.exportPythonAction = action(self, "Export as &Python…", self._export_python_dialog)
        self.exportResultsMenu = self._results_menu()
        pages.built.connect(self._on_page_built)  # the lab's export starts where ours do

    def open_path(self, path: str | Path) -> bool:
        """Open a project (.nngui), a network spec (.json) or a model (.keras, .h5); returns
        False after telling why (and then the window is as it was). A project is read off
        the GUI thread: True says the open started, ``ProjectActions.opened`` (or
        ``openFailed``) says how it ended."""
        path = Path(path)
        if self._training.is_running() or self._tasks.is_held(self._work.session.model):
            # the run's weights would become unreachable
            QMessageBox.information(self._window, "Training is running",
                                    f"Stop training before opening {path.name}: opening "
                                    "replaces the network that is training.")
            return False
        if not self._projects.maybe_save():  # Cancel (or a failed save) keeps everything
            return False
        if path.suffix.lower() == ".nngui":
            return self._projects.open_project(path)  # it says how it went
        self._projects.cancel_open()  # the latest pick wins over a project being read
        try:
            if path.suffix.lower() == ".json":
                self._work.use_network(*load_spec_file(path))
            elif path.suffix.lower() in (".keras", ".h5"):
                self._open_model(path)
            else:
                raise SpecError(f"{path.name}: nngui opens projects (.nngui), network files "
                                "(.json) and models (.keras, .h5).")
        except Exception as exc:  # every failure becomes a message, nothing is lost
            QMessageBox.warning(self._window, "Could not open the file", str(exc))
            if not path.exists():
                self._settings.prune_recent()
            return False
        self._projects.mark_modified()  # imported into the project: not saved yet
        self.message.emit(f"Opened {path}", 5000)
        self._remember_recent(path)
        return True

    def _open_model(self, path: Path) -> None:
        from nngui.core.model.autoencoder import recognised
        from nngui.core.model.saving import load_model, spec_from_model, stand_in_spec

        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            model = load_model(path)
        finally:
            QApplication.restoreOverrideCursor()
        spec, reason = spec_from_model(model), None
        if spec is not None:
            spec = recognised(spec)  # an autoencoder's file reads as one, not as 784 classes
        if spec is None:  # still trains, evaluates and draws; the builder shows it read-only
            stand_in = stand_in_spec(model)
            if stand_in is None:
                raise SpecError(f"{path.name} has not one input and one flat output; nngui "
                                "cannot train or evaluate it.")
            spec, reason = stand_in
        self._presets.forget()  # the box shows the opened network, not the old preset
        self._work.use_model(spec, model, reason, path.name)

    def _open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self._window, "Open", self._last_dir(),
                                              "Projects, networks and models (*.nngui *.json *.keras *.h5)")
        if path:
            self.open_path(path)

    def _save_spec_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self._window, "Save network", str(Path(self._settings.export_dir()) /
                                              f"{self._builder.spec().name}.json"),
            "Network (*.json)")
        if path:
            self.save_spec(path)

    def save_spec(self, path: str | Path) -> None:
        """Write the network and training settings as JSON (atomically)."""
        from nngui.core.platform.fsio import atomic_write_text

        path = Path(path).with_suffix(".json")
        try:
            atomic_write_text(path, dump_json(self._builder.spec(), self._builder.config()))
        except OSError as exc:  # fsio's SaveError says why in words; the network stays as is
            QMessageBox.warning(self._window, "Could not save", str(exc))
            return
        self.message.emit(f"Saved {path}", 5000)
        self._remember_recent(path)
        self._settings.set_export_dir(path.parent)

    def _export_model_dialog(self) -> None:
        model = self._exportable(self._work.session.model)
        if model is not None:
            self._export(model)

    def _exportable(self, model):
        """``model`` if it can be written now, else None after saying why (no weights, or a
        job holds it: the GUI never calls into a model that is training)."""
        if model is None:
            QMessageBox.information(self._window, "Nothing to export", "Train the network first.")
            return None
        if self._tasks.is_held(model):
            QMessageBox.information(self._window, "The model is in use", "It is training (or being "
                                    "evaluated): export it when the job has finished.")
            return None
        return model

    def _export(self, model) -> None:
        from nngui.core.model.saving import save_model

        path = self._ask_save_path("Export model", "model.keras", "Keras model (*.keras)")
        if path is not None:
            self._write(lambda: save_model(model, path.with_suffix(".keras")))

    # ---- File → Export as Python / Export results ---------------------------------------

    def _results_menu(self) -> QMenu:
        """File → Export results: plots, history, confusion matrix, SavedModel and ONNX."""
        from nngui.core.files.results_export import onnx_available

        sub = QMenu("Export &results", self._window)
        sub.setObjectName("exportResultsMenu")
        onnx = "Trained model as &ONNX…" if onnx_available() else \
            "Trained model as ONNX (needs: pip install tf2onnx)…"
        for entry in (
                ("&Loss plot (PNG or SVG)…",
                 lambda: self._export_plot_dialog(self._training.lossPlot, "loss")),
                ("&Accuracy plot (PNG or SVG)…",
                 lambda: self._export_plot_dialog(self._training.accuracyPlot, "accuracy")),
                ("Training &history (CSV)…", self._export_history_dialog),
                ("&Confusion matrix (CSV)…", self._export_confusion_dialog),
                None,
                ("Trained model as &SavedModel folder…", self._export_saved_model_dialog),
                (onnx, self._export_onnx_dialog)):
            if entry is None:
                sub.addSeparator()
            else:
                sub.addAction(action(self, *entry))
        return sub

    def _ask_save_path(self, title: str, name: str, filters: str) -> Path | None:
        path, _ = QFileDialog.getSaveFileName(self._window, title,
                                              str(Path(self._settings.export_dir()) / name),
                                              filters)
        return Path(path) if path else None

    def _saved(self, path: Path) -> None:
        self.message.emit(f"Exported {path}", 5000)
        self._settings.set_export_dir(path.parent)

    def _export_python_dialog(self) -> None:
        spec = self._builder.spec()
        path = self._ask_save_path("Export as Python", f"{spec.name}.py", "Python script (*.py)")
        if path is not None:
            self.export_python(path.with_suffix(".py"))

    def export_python(self, path: str | Path) -> bool:
        """Write the builder's network, training settings and data set as a Keras script."""
        from nngui.core.files.python_export import export_python, write_python

        ds = None if self._data.is_loading() else self._data.dataset  # a pick loading wins
        name = self._data.selection() or "mnist"
        data = self._data.selection_source() if keeps_path(name) else None
        if name == "mnist" and not (data and Path(data).exists()):
            data = self._data.mnist_path()  # found, or the file it was loaded from
        classes = ds.num_classes if ds is not None and ds.num_classes else None
        spec, config = self._builder.spec(), self._builder.config()
        return self._write(lambda: write_python(  # builds the model once: a wait cursor
            path, export_python(spec, config, name, data, num_classes=classes)))

    def _export_plot_dialog(self, plot, stem: str) -> None:
        path = self._ask_save_path("Export plot", f"{stem}.png",
                                   "PNG image (*.png);;SVG drawing (*.svg)")
        if path is not None:
            self.export_plot(plot, path)

    def export_plot(self, plot, path: str | Path) -> bool:
        """Save a pyqtgraph plot as PNG or SVG (by the suffix; PNG if neither)."""
        from nngui.core.platform.fsio import SaveError, atomic_path

        path = Path(path)
        if path.suffix.lower() not in (".png", ".svg"):
            path = path.with_suffix(".png")
        try:
            with atomic_path(path) as tmp:
                if path.suffix.lower() == ".svg":
                    _render_svg(plot, tmp, path.stem)
                else:
                    import pyqtgraph.exporters as exporters

                    exporters.ImageExporter(plot.getPlotItem()).export(str(tmp))
                if tmp.stat().st_size == 0:  # QImage.save reports failure only by its result
                    raise SaveError(f"Could not save {path}: the image could not be drawn.")
        except Exception as exc:  # any exporter failure is a message, never a traceback
            QMessageBox.warning(self._window, "Could not export", str(exc))
            return False
        self._saved(path)
        return True

    def _export_history_dialog(self) -> None:
        from nngui.core.files.results_export import write_history_csv

        path = self._ask_save_path("Export training history", "history.csv", "CSV (*.csv)")
        if path is not None:
            self._write(lambda: write_history_csv(path.with_suffix(".csv"),
                                                  self._work.session.history))

    def _export_confusion_dialog(self) -> None:
        from nngui.core.files.results_export import write_confusion_csv

        report = self._pages.evaluate.report
        path = self._ask_save_path("Export confusion matrix", "confusion.csv", "CSV (*.csv)")
        if path is not None:
            self._write(lambda: write_confusion_csv(
                path.with_suffix(".csv"), report.confusion if report else None,
                self._pages.evaluate.class_names))

    def _export_saved_model_dialog(self) -> None:
        from nngui.core.files.results_export import export_saved_model

        model = self._exportable(self._work.session.model)
        if model is None:
            return
        path = self._ask_save_path("Export SavedModel folder", f"{self._work.session.spec.name}",
                                   "Folder (*)")
        if path is not None:
            self._write(lambda: export_saved_model(model, path))

    def _export_onnx_dialog(self) -> None:
        from nngui.core.files.results_export import ONNX_HINT, export_onnx, onnx_available

        if not onnx_available():
            QMessageBox.information(self._window, "ONNX export", ONNX_HINT)
            return
        model = self._exportable(self._work.session.model)
        if model is None:
            return
        path = self._ask_save_path("Export ONNX model", f"{self._work.session.spec.name}.onnx",
                                   "ONNX model (*.onnx)")
        if path is not None:
            self._write(lambda: export_onnx(model, path.with_suffix(".onnx")))

    def _write(self, save) -> bool:
        """Run a core export; a failure is a message box, never a traceback."""
        from nngui.core.model.saving import ModelFileError

        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            path = save()
        except (OSError, ModelFileError, SpecError, ValueError) as exc:
            QMessageBox.warning(self._window, "Could not export", str(exc))
            return False
        finally:
            QApplication.restoreOverrideCursor()
        self._saved(Path(path))
        return True

    def _export_draw_model_dialog(self) -> None:
        current = self._pages.draw.current_model()
        if current is None:
            QMessageBox.information(self._window, "Nothing to export",
                                    "No model reads the canvas yet.")
            return
        model = self._exportable(current[1])
        if model is not None:
            self._export(model)

    # ---- recent files --------------------------------------------------------------------
    def fill_recent(self) -> None:
        """The Open Recent menu: the recent files still there (those gone are dropped)."""
        menu = self.recentMenu
        menu.clear()
        gone = self._settings.prune_recent()
        if gone:
            self.message.emit("Removed from Open Recent (no longer there): " +
                              ", ".join(Path(p).name for p in gone), 8000)
        for path in self._settings.recent_files():
            act = menu.addAction(path.name, lambda p=path: self.open_path(p))
            act.setToolTip(str(path))
        if menu.isEmpty():
            menu.addAction("(none)").setEnabled(False)

    # ---- drag and drop (the window passes its drag and drop events) --------------------
    def accept_drag(self, event) -> None:
        """A drag of one file nngui opens is accepted."""
        if _dropped_file(event.mimeData()) is not None:
            event.acceptProposedAction()

    def drop(self, event) -> None:
        """A dropped file nngui opens is opened (right after the drop)."""
        path = _dropped_file(event.mimeData())
        if path is not None:
            event.acceptProposedAction()
            QTimer.singleShot(0, self, lambda: self.open_path(path))  # not inside the drop

    def _last_dir(self) -> str:
        return self._settings.last_dir()

    def _on_page_built(self, name: str) -> None:
        """The pages' own file dialogs start in the folders the window remembers."""
        if name == "lab":
            lab = self._pages.lab
            lab.start_folder = self._settings.export_dir
            lab.exported.connect(lambda path: self._saved(Path(path)))
        elif name == "draw":
            self._pages.draw.start_folder = self._settings.last_dir

    def _remember_recent(self, path: Path) -> None:
        self._settings.add_recent(path)


def _dropped_file(mime) -> Path | None:
    if not mime.hasUrls():
        return None
    urls = [u for u in mime.urls() if u.isLocalFile()]
    if len(urls) != 1:
        return None
    path = Path(urls[0].toLocalFile())
    return path if path.suffix.lower() in OPENABLE else None


def _render_svg(widget, path: Path, title: str) -> None:
    """Vector SVG of a plot widget drawn by Qt itself.

    pyqtgraph's SVGExporter cannot parse the paths this Qt writes (ValueError in
    correctCoordinates, pyqtgraph issue #3485), so it is not used.
    """
    from PySide6.QtCore import QRect
    from PySide6.QtGui import QPainter
    from PySide6.QtSvg import QSvgGenerator

    gen = QSvgGenerator()
    gen.setFileName(str(path))
    gen.setSize(widget.size())
    gen.setViewBox(QRect(0, 0, widget.width(), widget.height()))
    gen.setTitle(title)
    painter = QPainter(gen)
    try:
        widget.render(painter)
    finally:
        painter.end()
