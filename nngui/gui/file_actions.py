"""File → Open / Save / Export for the main window: every failure is a message, never a crash.

A mixin so MainWindow stays about layout and flow; it relies on the window's ``builder``,
``session``, ``training``, ``draw``/``drawing`` and ``_new_session``.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from ..core.spec import SpecError, dump_json, load_spec_file


class FileActions:
    """Open networks (.json) and models (.keras), save networks, export trained models."""

    def open_path(self, path: str | Path) -> bool:
        """Open a network spec (.json) or a model (.keras); returns False after telling why."""
        path = Path(path)
        if self.training.is_running():  # the run's weights would become unreachable
            QMessageBox.information(self, "Training is running",
                                    f"Stop training before opening {path.name}: opening "
                                    "replaces the network that is training.")
            return False
        try:
            if path.suffix.lower() == ".json":
                spec, config = load_spec_file(path)
                self.builder.set_spec(spec)
                self.builder.set_config(config)
                self._new_session(spec)
            elif path.suffix.lower() in (".keras", ".h5"):
                self._open_model(path)
            else:
                raise SpecError(f"{path.name}: nngui opens network files (.json) and models "
                                "(.keras).")
        except Exception as exc:  # every failure becomes a message, nothing is lost
            QMessageBox.warning(self, "Could not open the file", str(exc))
            return False
        self.statusBar().showMessage(f"Opened {path}", 5000)
        self._remember_recent(path)
        return True

    def _open_model(self, path: Path) -> None:
        from ..core.modelio import load_model, spec_from_model

        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            model = load_model(path)
        finally:
            QApplication.restoreOverrideCursor()
        spec = spec_from_model(model)
        if spec is None:
            raise SpecError(f"{path.name} uses layers the builder cannot show.")
        self.builder.set_spec(spec)
        self._new_session(spec)
        self.session.model = model  # weights exist: Train continues from them
        self.training.set_has_weights(True)
        self._refresh_evaluate_context()  # an opened model evaluates like a trained one
        self.drawing.offer_model(path.name, model)

    def _open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open", self._last_dir(),
                                              "Networks and models (*.json *.keras *.h5)")
        if path:
            self.open_path(path)

    def _save_spec_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save network", self._last_dir(),
                                              "Network (*.json)")
        if path:
            self.save_spec(path)

    def save_spec(self, path: str | Path) -> None:
        """Write the network and training settings as JSON (atomically)."""
        from ..core.fileio import atomic_write_text

        path = Path(path).with_suffix(".json")
        try:
            atomic_write_text(path, dump_json(self.builder.spec(), self.builder.config()))
        except OSError as exc:
            QMessageBox.warning(self, "Could not save", f"{path}: {exc}")
            return
        self.statusBar().showMessage(f"Saved {path}", 5000)
        self._remember_recent(path)

    def _export_model_dialog(self) -> None:
        if self.session.model is None:
            QMessageBox.information(self, "Nothing to export", "Train the network first.")
            return
        self._export(self.session.model)

    def _export(self, model) -> None:
        from ..core.modelio import ModelFileError, save_model

        path, _ = QFileDialog.getSaveFileName(self, "Export model", self._last_dir(),
                                              "Keras model (*.keras)")
        if not path:
            return
        try:
            save_model(model, Path(path).with_suffix(".keras"))
        except ModelFileError as exc:
            QMessageBox.warning(self, "Could not export", str(exc))
            return
        self.statusBar().showMessage(f"Exported {path}", 5000)

    def _export_draw_model_dialog(self) -> None:
        current = self.draw.current_model()
        if current is None:
            QMessageBox.information(self, "Nothing to export", "No model reads the canvas yet.")
            return
        self._export(current[1])

    def _settings(self) -> QSettings:
        return QSettings("nngui", "nngui")

    def _last_dir(self) -> str:
        return str(self._settings().value("lastDir", str(Path.home())))

    def _remember_recent(self, path: Path) -> None:
        self._settings().setValue("lastDir", str(path.parent))
