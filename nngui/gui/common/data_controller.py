"""The dataset combo: loads datasets off the GUI thread; offers to download MNIST or CIFAR-10
(with progress and Cancel) or to load its file instead."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, Signal
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
        self.combo.setPlaceholderText("No data loaded")  # shown while nothing is
        self._task: Task | None = None  # the latest request's load
        self._want: tuple[str, str | None] | None = None  # what it loads (name, path)
        self._token = 0  # counts requests: a result for an older one is dropped
        self._progress: QProgressDialog | None = None
        self._cancelled = 0  # the request whose download the user cancelled
        self._pending_path: str | None = None
        self.combo.activated.connect(lambda _i: self.select(self.combo.currentData()))

    def mnist_available(self) -> bool:
        return self.mnist_path() is not None

    def mnist_path(self) -> str | None:
        """Where MNIST is on this computer: $NNGUI_MNIST or Keras' cache, else the file the
        user loaded it from (what the Draw tab's fine-tune and robustness read too)."""
        found = datasets.find_mnist()
        return str(found) if found is not None else self._remembered_mnist()

    def available(self, name: str) -> bool:
        """Whether data set ``name`` loads without a download (made data always does)."""
        if name == "mnist":
            return self.mnist_available()
        offer = _download_of(name)
        return offer is None or offer.find() is not None

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
        """Load a dataset by name (or a file); MNIST or CIFAR-10 missing -> ask to download it
        or pick a file."""
        if name == "mnist" and path is None and datasets.find_mnist() is None:
            path = self._remembered_mnist()  # loaded from a file once: no question again
        offer = _download_of(name)
        if offer is not None and path is None and not self.available(name):
            if quiet:
                self._fail(f"{offer.what} is not on this computer", box=False)
                return
            if not self._ask_for_download(name):  # the pick is withdrawn: what was there stays
                self._show_current()
                self._fail(f"{offer.what} was not loaded", box=False)  # the user said so
                return
            if self._pending_path:
                path = self._pending_path
        self._start(name, path, quiet)

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
        return self.ask_download_choice("mnist")

    def ask_download_choice(self, name: str) -> str:
        """Ask what to do about a missing data set nngui downloads: 'download', 'file' or
        'cancel'."""
        offer = _download_of(name)
        box = QMessageBox(QMessageBox.Icon.Question, f"{offer.what} is not on this computer",
                          f"nngui looks for {offer.what} in {offer.places}.\n\nDownload it now "
                          f"({offer.size}, once), or load {offer.files} you already have?",
                          parent=self.window)
        download = box.addButton("Download", QMessageBox.ButtonRole.AcceptRole)
        pick = box.addButton("Load file…", QMessageBox.ButtonRole.ActionRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        if box.clickedButton() is download:
            return "download"
        return "file" if box.clickedButton() is pick else "cancel"

    def _ask_for_download(self, name: str) -> bool:
        self._pending_path = None
        offer = _download_of(name)
        choice = self.ask_mnist_choice() if name == "mnist" else self.ask_download_choice(name)
        if choice == "download":
            return True
        if choice == "file":
            path, _ = QFileDialog.getOpenFileName(
                self.window, f"Load {offer.what}", self._start_dir(), offer.file_filter)
            self._pending_path = path or None
            if path:
                self._remember(path, mnist=name == "mnist")
            return bool(path)
        return False

    def _start(self, name: str, path: str | None, quiet: bool = False) -> None:
        """Load ``name`` (or the file at ``path``): one request at a time, the latest wins.

        A request still in flight for other data is superseded: its result, whenever it comes,
        is dropped (a preset picked while the start-up data loads must not get that data).
        """
        if self._want == (name, path):
            return  # asked again for what is loading: that load answers it
        ds = self.dataset
        if self._want is None and ds is not None and ds.name == name and \
                (path is None or path == ds.source) and name != datasets.FILE.name:
            # asked for what is loaded: it stays, said as a load says it, a turn later (a
            # reload made a Train meanwhile wait for the same data again)
            self._show_current()
            QTimer.singleShot(0, self, partial(self._loaded_again, self._token, ds))
            return
        if self._task is not None:
            self._task.cancel()  # loads do not listen, but its result is dropped in any case
        self._close_progress()
        self._token += 1
        token = self._token
        self._want = (name, path)
        self._show_current()
        label = "your data file" if path else datasets.dataset_title(name)
        self.busy.emit(f"Loading {label}…")
        offer = _download_of(name) if path is None and not self.available(name) else None

        def work(report, stop):
            def progress(done: int, total: int) -> None:
                if stop.is_set():  # Cancel: the download stops, its temporary file goes
                    what = offer.what if offer is not None else "data"
                    raise datasets.DatasetError(f"The {what} download was cancelled; nothing "
                                                "was kept.")
                report((done, total))

            return datasets.load_dataset(name, path, progress=progress)

        if offer is not None:
            self._progress = QProgressDialog(f"Downloading {offer.what} ({offer.size})…",
                                             "Cancel", 0, 100, self.window)
            self._progress.setObjectName("downloadProgress")
            self._progress.setWindowModality(Qt.WindowModality.WindowModal)
            self._progress.setMinimumDuration(0)
            self._progress.setAutoClose(False)
            self._progress.setAutoReset(False)
            self._progress.canceled.connect(lambda: self._cancel_download(token))
            self._progress.show()
        task = self.tasks.submit(
            "load-data", work, on_done=lambda ds: self._on_done(token, ds),
            on_failed=lambda message: self._on_failed(token, message, quiet),
            on_progress=lambda event: self._on_progress(token, event))
        self._task = task
        if task is None:  # the runner is shut down (the window is closing)
            self._want = None
            self._close_progress()

    def is_loading(self) -> bool:
        """Whether a dataset is being loaded right now."""
        return self._want is not None

    def selection(self) -> str | None:
        """The dataset the combo stands for: the one being loaded, else the one loaded."""
        if self._want is not None:
            return self._want[0]
        return self.dataset.name if self.dataset is not None else None

    def _loaded_again(self, token: int, ds: datasets.Dataset) -> None:
        """``loaded`` for data picked again while loaded, unless a later pick came since."""
        if token == self._token and self._want is None and self.dataset is ds:
            self.loaded.emit(ds)

    def selection_source(self) -> str | None:
        """Where the selection's data comes from: the file being loaded (None: found by
        name), else the loaded data's source."""
        if self._want is not None:
            return self._want[1]
        return self.dataset.source if self.dataset is not None else None

    def _on_progress(self, token: int, event: tuple[int, int]) -> None:
        done, total = event
        if token == self._token and self._progress is not None and total > 0:
            self._progress.setValue(int(100 * done / total))

    def _cancel_download(self, token: int) -> None:
        """The progress dialog's Cancel: the download in flight stops at its next chunk."""
        if token == self._token and self._progress is not None and self._task is not None:
            self._cancelled = token
            self._task.cancel()

    def _close_progress(self) -> None:
        dialog, self._progress = self._progress, None
        if dialog is not None:
            dialog.close()  # emits canceled, which no longer names a live download

    def _on_done(self, token: int, ds: datasets.Dataset) -> None:
        if token != self._token:
            return  # a later pick superseded this load
        path = self._want[1] if self._want is not None else None
        self._want, self._task = None, None
        self._close_progress()
        self.dataset = ds
        if ds.name == "mnist" and path:  # MNIST from a file: remember it
            self._remember(path, mnist=True)
        i = self.combo.findData(ds.name)
        if i < 0:
            self.combo.addItem(f"{ds.title}", ds.name)
        elif _download_of(ds.name) is not None and self.combo.itemText(i) != ds.title:
            self.combo.setItemText(i, ds.title)  # its counts are the loaded file's (a slice)
        self._show_current()
        self.loaded.emit(ds)

    def _on_failed(self, token: int, message: str, quiet: bool) -> None:
        if token != self._token:
            return  # a later pick superseded this load: its failure is no news
        error = self._task.error if self._task is not None else None
        self._want, self._task = None, None
        self._close_progress()
        self._show_current()
        msg = str(error) if isinstance(error, datasets.DatasetError) else (
            f"Could not load the data: {message}")
        cancelled = self._cancelled == token  # the user's own Cancel: said, but no box
        self._fail(msg, box=not quiet and not cancelled)

    def _fail(self, message: str, box: bool = True) -> None:
        """Say a pick did not load, and what the data still is (the combo shows that)."""
        msg = f"{message.rstrip('.')}. {self._still()}"
        if box:
            QMessageBox.warning(self.window, "Could not load the data", msg)
        self.failed.emit(msg)

    def _still(self) -> str:
        """What training uses now that a pick did not load."""
        if self._want is not None:
            name, path = self._want
            return f"{'Your data file' if path else datasets.dataset_title(name)} is still loading."
        if self.dataset is None:
            return "No data is loaded: choose a dataset under Data."
        return (f"The data is still {self.dataset.title}: the network and this data may not "
                "fit (see Problems) until you pick other data.")

    def _show_current(self) -> None:
        """The combo shows what is loading, else what is loaded, else nothing."""
        name = self.selection()
        self.combo.setCurrentIndex(self.combo.findData(name) if name is not None else -1)


def _download_of(name: str | None) -> datasets.Download | None:
    """What the app may download for data set ``name`` (None: it never downloads it)."""
    entry = datasets.REGISTRY.get(name or "")
    return entry.download if entry is not None else None
