"""The dataset combo: loads datasets off the GUI thread, offers MNIST download or a file."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QComboBox, QFileDialog, QMessageBox, QProgressDialog, QWidget

from nngui.core.data import datasets
from nngui.gui.common.tasks import Task, TaskRunner

FILE_ITEM = "file"


class DataController(QObject):
    """Owns ``datasetCombo``; emits ``loaded(Dataset)`` or ``failed(str)``."""

    loaded = Signal(object)
    failed = Signal(str)
    busy = Signal(str)  # status text while loading

    def __init__(self, parent: QWidget, tasks: TaskRunner | None = None) -> None:
        super().__init__(parent)
        self.window = parent
        # the window's Settings: remembers the MNIST file and the folder a file came from
        self.settings = getattr(parent, "settings", None)
        self.tasks = tasks if tasks is not None else TaskRunner(self)
        self.combo = QComboBox(parent)
        self.combo.setObjectName("datasetCombo")
        self.combo.setToolTip("The data to train on; File → Load data file… adds your own.")
        for name in datasets.dataset_names():
            self.combo.addItem(datasets.dataset_title(name), name)
        self.dataset: datasets.Dataset | None = None
        self._task: Task | None = None
        self._progress: QProgressDialog | None = None
        self._quiet = False
        self._pending_path: str | None = None
        self._busy = False
        self._loading_path: str | None = None
        self.combo.activated.connect(lambda _i: self.select(self.combo.currentData()))

    def mnist_available(self) -> bool:
        return datasets.find_mnist() is not None or self._remembered_mnist() is not None

    def _remembered_mnist(self) -> str | None:
        """The MNIST file the user loaded before (if it is still there)."""
        found = self.settings.mnist_file() if self.settings is not None else None
        return str(found) if found is not None else None

    def _start_dir(self) -> str:
        return self.settings.last_dir() if self.settings is not None else ""

    def _remember(self, path: str, mnist: bool = False) -> None:
        if self.settings is None:
            return
        self.settings.set_last_dir(Path(path).parent)
        if mnist:
            self.settings.set_mnist_file(path)

    def select(self, name: str, path: str | None = None, quiet: bool = False) -> None:
        """Load a dataset by name (or a file); MNIST missing -> ask to download or pick a file."""
        self._quiet = quiet
        if name == "mnist" and path is None and datasets.find_mnist() is None:
            path = self._remembered_mnist()  # loaded from a file once: no question again
        if name == "mnist" and path is None and not self.mnist_available():
            if quiet:
                self.failed.emit("MNIST is not on this computer.")
                return
            if not self._ask_for_mnist():
                self._show_current()
                return
            if self._pending_path:
                path = self._pending_path
        self._start(name, path)

    def load_file(self, path: str | None = None) -> None:
        """Ask for (or take) a data file: mnist.npz, IDX files, CSV or NPZ."""
        if path is None:
            path, _ = QFileDialog.getOpenFileName(
                self.window, "Load data file", self._start_dir(),
                "Data files (*.npz *.csv *.tsv *.txt *.gz *ubyte);;All files (*)")
            if not path:
                return
            self._remember(path)
        self._start(FILE_ITEM, path)

    def ask_mnist_choice(self) -> str:
        """Ask what to do about missing MNIST: 'download', 'file' or 'cancel'."""
        box = QMessageBox(QMessageBox.Icon.Question, "MNIST is not on this computer",
                          "nngui looks for MNIST in $NNGUI_MNIST and ~/.keras/datasets/"
                          "mnist.npz.\n\nDownload it now (11 MB), or load mnist.npz or the "
                          "four IDX files you already have?", parent=self.window)
        download = box.addButton("Download", QMessageBox.ButtonRole.AcceptRole)
        pick = box.addButton("Load file…", QMessageBox.ButtonRole.ActionRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        if box.clickedButton() is download:
            return "download"
        return "file" if box.clickedButton() is pick else "cancel"

    def _ask_for_mnist(self) -> bool:
        self._pending_path = None
        choice = self.ask_mnist_choice()
        if choice == "download":
            return True
        if choice == "file":
            path, _ = QFileDialog.getOpenFileName(
                self.window, "Load MNIST", self._start_dir(),
                "MNIST (*.npz *.gz *ubyte);;All files (*)")
            self._pending_path = path or None
            if path:
                self._remember(path, mnist=True)
            return bool(path)
        return False

    def _start(self, name: str, path: str | None) -> None:
        if self._busy:
            self.busy.emit("Still loading the previous data; try again in a moment.")
            return
        self._busy = True
        self._loading_path = path
        label = "your data file" if path else datasets.dataset_title(name)
        self.busy.emit(f"Loading {label}…")
        self.combo.setEnabled(False)
        downloading = name == "mnist" and path is None and not self.mnist_available()

        def work(report, _stop):
            return datasets.load_dataset(name, path, progress=lambda d, t: report((d, t)))

        if downloading:
            self._progress = QProgressDialog("Downloading MNIST…", "", 0, 100, self.window)
            self._progress.setCancelButton(None)
            self._progress.setWindowModality(Qt.WindowModality.WindowModal)
            self._progress.show()
        self._task = self.tasks.submit("load-data", work, on_done=self._on_done,
                                       on_failed=self._on_failed, on_progress=self._on_progress)

    def is_loading(self) -> bool:
        """Whether a dataset is being loaded right now."""
        return self._busy

    def _on_progress(self, event: tuple[int, int]) -> None:
        done, total = event
        if self._progress is not None and total > 0:
            self._progress.setValue(int(100 * done / total))

    def _close_progress(self) -> None:
        self._busy = False
        if self._progress is not None:
            self._progress.close()
            self._progress = None
        self.combo.setEnabled(True)

    def _on_done(self, ds: datasets.Dataset) -> None:
        self._close_progress()
        self.dataset = ds
        if ds.name == "mnist" and self._loading_path:  # MNIST from a file: remember it
            self._remember(self._loading_path, mnist=True)
        if self.combo.findData(ds.name) < 0:
            self.combo.addItem(f"{ds.title}", ds.name)
        self._show_current()
        self.loaded.emit(ds)

    def _on_failed(self, message: str) -> None:
        self._close_progress()
        self._show_current()
        error = self._task.error if self._task is not None else None
        msg = str(error) if isinstance(error, datasets.DatasetError) else (
            f"Could not load the data: {message}")
        if not self._quiet:
            QMessageBox.warning(self.window, "Could not load the data", msg)
        self.failed.emit(msg)

    def _show_current(self) -> None:
        if self.dataset is not None:
            i = self.combo.findData(self.dataset.name)
            if i >= 0:
                self.combo.setCurrentIndex(i)
