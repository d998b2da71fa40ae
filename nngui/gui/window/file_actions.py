"""File → Open / Save / Export for the main window: every failure is a message, never a crash.

A mixin so MainWindow stays about layout and flow; it relies on the window's ``builder``,
``settings`` (a :class:`nngui.gui.window.settings.Settings`), ``session``, ``training``,
``evaluate``, ``data``, ``draw``/``drawing`` and ``_new_session``.
Every file is written atomically through :mod:`nngui.core.platform.fsio`; a failed save shows a
message and changes nothing in the window.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QMenu, QMessageBox

from nngui.core.network.spec import SpecError, dump_json, load_spec_file

OPENABLE = (".nngui", ".json", ".keras", ".h5")


class FileActions:
    """Open networks (.json) and models (.keras), save networks, export trained models."""

    def open_path(self, path: str | Path) -> bool:
        """Open a project (.nngui), a network spec (.json) or a model (.keras, .h5); returns
        False after telling why (and then the window is as it was)."""
        path = Path(path)
        if self.training.is_running() or self.tasks.is_held(self.session.model):
            # the run's weights would become unreachable
            QMessageBox.information(self, "Training is running",
                                    f"Stop training before opening {path.name}: opening "
                                    "replaces the network that is training.")
            return False
        if not self.maybe_save():  # Cancel (or a failed save) keeps everything
            return False
        try:
            if path.suffix.lower() == ".nngui":
                self.projects.open_project(path)
            elif path.suffix.lower() == ".json":
                self.work.use_network(*load_spec_file(path))
            elif path.suffix.lower() in (".keras", ".h5"):
                self._open_model(path)
            else:
                raise SpecError(f"{path.name}: nngui opens projects (.nngui), network files "
                                "(.json) and models (.keras, .h5).")
        except Exception as exc:  # every failure becomes a message, nothing is lost
            QMessageBox.warning(self, "Could not open the file", str(exc))
            if not path.exists():
                self.settings.prune_recent()
            return False
        if path.suffix.lower() != ".nngui":  # imported into the project: not saved yet
            self.mark_modified()
        self.statusBar().showMessage(f"Opened {path}", 5000)
        self._remember_recent(path)
        return True

    def _open_model(self, path: Path) -> None:
        from nngui.core.model.saving import load_model, spec_from_model, stand_in_spec

        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            model = load_model(path)
        finally:
            QApplication.restoreOverrideCursor()
        spec, reason = spec_from_model(model), None
        if spec is None:  # still trains, evaluates and draws; the builder shows it read-only
            stand_in = stand_in_spec(model)
            if stand_in is None:
                raise SpecError(f"{path.name} has not one input and one flat output; nngui "
                                "cannot train or evaluate it.")
            spec, reason = stand_in
        self.presets.forget()  # the box shows the opened network, not the old preset
        self.work.use_model(spec, model, reason, path.name)

    def _open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open", self._last_dir(),
                                              "Projects, networks and models (*.nngui *.json *.keras *.h5)")
        if path:
            self.open_path(path)

    def _save_spec_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save network", self._last_dir(),
                                              "Network (*.json)")
        if path:
            self.save_spec(path)

    def save_spec(self, path: str | Path) -> None:
        """Write the network and training settings as JSON (atomically)."""
        from nngui.core.platform.fsio import atomic_write_text

        path = Path(path).with_suffix(".json")
        try:
            atomic_write_text(path, dump_json(self.builder.spec(), self.builder.config()))
        except OSError as exc:  # fsio's SaveError says why in words; the network stays as is
            QMessageBox.warning(self, "Could not save", str(exc))
            return
        self.statusBar().showMessage(f"Saved {path}", 5000)
        self._remember_recent(path)

    def _export_model_dialog(self) -> None:
        model = self._exportable(self.session.model)
        if model is not None:
            self._export(model)

    def _exportable(self, model):
        """``model`` if it can be written now, else None after saying why (no weights, or a
        job holds it: the GUI never calls into a model that is training)."""
        if model is None:
            QMessageBox.information(self, "Nothing to export", "Train the network first.")
            return None
        if self.tasks.is_held(model):
            QMessageBox.information(self, "The model is in use", "It is training (or being "
                                    "evaluated): export it when the job has finished.")
            return None
        return model

    def _export(self, model) -> None:
        from nngui.core.model.saving import save_model

        path = self._ask_save_path("Export model", "model.keras", "Keras model (*.keras)")
        if path is not None:
            self._write(lambda: save_model(model, path.with_suffix(".keras")))

    # ---- File → Export as Python / Export results ---------------------------------------

    def _add_export_menu(self, menu: QMenu) -> None:
        """File → Export as Python… and the Export results submenu."""
        from nngui.core.files.results_export import onnx_available

        self._action(menu, "Export as &Python…", self._export_python_dialog)
        sub = menu.addMenu("Export &results")
        sub.setObjectName("exportResultsMenu")
        self._action(sub, "&Loss plot (PNG or SVG)…",
                     lambda: self._export_plot_dialog(self.training.lossPlot, "loss"))
        self._action(sub, "&Accuracy plot (PNG or SVG)…",
                     lambda: self._export_plot_dialog(self.training.accuracyPlot, "accuracy"))
        self._action(sub, "Training &history (CSV)…", self._export_history_dialog)
        self._action(sub, "&Confusion matrix (CSV)…", self._export_confusion_dialog)
        sub.addSeparator()
        self._action(sub, "Trained model as &SavedModel folder…", self._export_saved_model_dialog)
        onnx = "Trained model as &ONNX…" if onnx_available() else \
            "Trained model as ONNX (needs: pip install tf2onnx)…"
        self._action(sub, onnx, self._export_onnx_dialog)

    def _ask_save_path(self, title: str, name: str, filters: str) -> Path | None:
        path, _ = QFileDialog.getSaveFileName(self, title, str(Path(self._last_dir()) / name),
                                              filters)
        return Path(path) if path else None

    def _saved(self, path: Path) -> None:
        self.statusBar().showMessage(f"Exported {path}", 5000)
        self.settings.set_last_dir(path.parent)

    def _export_python_dialog(self) -> None:
        spec = self.builder.spec()
        path = self._ask_save_path("Export as Python", f"{spec.name}.py", "Python script (*.py)")
        if path is not None:
            self.export_python(path.with_suffix(".py"))

    def export_python(self, path: str | Path) -> bool:
        """Write the builder's network, training settings and data set as a Keras script."""
        from nngui.core.data.datasets import find_mnist
        from nngui.core.files.python_export import export_python, write_python

        ds = self.data.dataset
        name = ds.name if ds is not None else "mnist"
        data = ds.source if ds is not None and name in ("mnist", "file") else None
        if name == "mnist" and not (data and Path(data).exists()):
            data = find_mnist()
        classes = ds.num_classes if ds is not None and ds.num_classes else None
        spec, config = self.builder.spec(), self.builder.config()
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
            QMessageBox.warning(self, "Could not export", str(exc))
            return False
        self._saved(path)
        return True

    def _export_history_dialog(self) -> None:
        from nngui.core.files.results_export import write_history_csv

        path = self._ask_save_path("Export training history", "history.csv", "CSV (*.csv)")
        if path is not None:
            self._write(lambda: write_history_csv(path.with_suffix(".csv"),
                                                  self.session.history))

    def _export_confusion_dialog(self) -> None:
        from nngui.core.files.results_export import write_confusion_csv

        report = self.evaluate.report
        path = self._ask_save_path("Export confusion matrix", "confusion.csv", "CSV (*.csv)")
        if path is not None:
            self._write(lambda: write_confusion_csv(
                path.with_suffix(".csv"), report.confusion if report else None,
                self.evaluate.class_names))

    def _export_saved_model_dialog(self) -> None:
        from nngui.core.files.results_export import export_saved_model

        model = self._exportable(self.session.model)
        if model is None:
            return
        path = self._ask_save_path("Export SavedModel folder", f"{self.session.spec.name}",
                                   "Folder (*)")
        if path is not None:
            self._write(lambda: export_saved_model(model, path))

    def _export_onnx_dialog(self) -> None:
        from nngui.core.files.results_export import ONNX_HINT, export_onnx, onnx_available

        if not onnx_available():
            QMessageBox.information(self, "ONNX export", ONNX_HINT)
            return
        model = self._exportable(self.session.model)
        if model is None:
            return
        path = self._ask_save_path("Export ONNX model", f"{self.session.spec.name}.onnx",
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
            QMessageBox.warning(self, "Could not export", str(exc))
            return False
        finally:
            QApplication.restoreOverrideCursor()
        self._saved(Path(path))
        return True

    def _export_draw_model_dialog(self) -> None:
        current = self.draw.current_model()
        if current is None:
            QMessageBox.information(self, "Nothing to export", "No model reads the canvas yet.")
            return
        model = self._exportable(current[1])
        if model is not None:
            self._export(model)

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

    def _last_dir(self) -> str:
        return self.settings.last_dir()

    def _remember_recent(self, path: Path) -> None:
        self.settings.add_recent(path)


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
