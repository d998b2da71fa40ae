"""The main window: presets and data on the left with the builder, training and insight tabs.

MainWindow lays the panels out and composes the objects that own the window's work. Each
gets its collaborators through its constructor, reports through signals (``message`` for
the status bar) and never reaches into another's attributes:

- ``pages`` (:class:`~nngui.gui.window.pages.Pages`): the tabs after Train, built on first
  use or after the first paint; ``window.draw`` (``.evaluate``, ``.lab``…) is
  ``window.pages.draw``. ``first_paint`` runs jobs (TensorFlow's import) after the paint.
- ``work`` (:class:`~nngui.gui.window.workbench.Workbench`): the current Session, its runs
  and what the pages show of it.
- ``presets`` (:class:`~nngui.gui.window.preset_box.PresetBox`): the preset box.
- ``projects`` (:class:`~nngui.gui.window.project_actions.ProjectActions`) and ``recovery``
  (:class:`~nngui.gui.window.recovery.Recovery`): project files, the title and modified mark,
  autosave and crash recovery.
- ``files`` (:class:`~nngui.gui.window.file_actions.FileActions`): Open, Open Recent, Save
  network, the exports and drag and drop.
- layout.py: the layout rules, as functions.

The window itself keeps the layout, the menus (made of the parts' actions), the data label,
the TensorFlow status and closing; its public methods (``open_path``, ``train``,
``save_project_to``…) are thin delegates kept for the contracts, the app and the tests. Work
off the GUI thread runs on its one ``TaskRunner`` (training, evaluation, fine-tuning, t-SNE,
data and model loading), which ``closeEvent`` shuts down once.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from nngui.core.files.project import Project
from nngui.core.network.validate import DataInfo
from nngui.core.platform import runtime
from nngui.core.training.presets import get_preset
from nngui.core.training.session import Session
from nngui.gui.builder.panel import BuilderPanel
from nngui.gui.builder.summary import SummaryTable
from nngui.gui.common.data_controller import DataController
from nngui.gui.common.info_line import InfoLine
from nngui.gui.common.tasks import TaskRunner, freeze_long_lived, plain
from nngui.gui.training.panel import TrainingPanel
from nngui.gui.training.run_recorder import RunRecorder
from nngui.gui.window.file_actions import FileActions
from nngui.gui.window.layout import (
    ScreenBoundArea,
    action,
    available_area,
    fit_tabs,
    fit_to_screen,
    full_width_tab_bar,
    restore_layout,
    save_layout,
)
from nngui.gui.window.lessons_host import LessonsHost
from nngui.gui.window.pages import FirstPaint, PageOf, Pages
from nngui.gui.window.preset_box import FIRST, PresetBox
from nngui.gui.window.project_actions import ProjectActions
from nngui.gui.window.recovery import Recovery
from nngui.gui.window.settings import Settings
from nngui.gui.window.status_bar import FittingStatusBar
from nngui.gui.window.workbench import Workbench


class MainWindow(QMainWindow):
    """nngui's window. ``open_path(path)`` does what File → Open does."""

    tensorflowReady = Signal(str)
    evaluate = PageOf()  # the pages after Train: built on first access (pages.py)
    draw = PageOf()
    drawing = PageOf()
    autoencoder = PageOf()
    lab = PageOf()
    watch = PageOf()
    inspect = PageOf()

    def __init__(self, load_tensorflow: bool = True) -> None:
        super().__init__()
        self.setWindowTitle("nngui — neural networks you can see")
        self.setStatusBar(FittingStatusBar())  # a long message is cut at a word, not clipped
        self.tasks = TaskRunner(self)
        self._guide = None  # Help → Guide, made on first use
        self.first_paint = FirstPaint(self)
        self.settings = Settings()
        self.data = DataController(self, self.tasks)
        self._build_parts()
        self._lay_out()
        self._build_menus()
        self.data.loaded.connect(self._on_dataset)
        self.data.busy.connect(self.statusBar().showMessage)
        self.data.busy.connect(self._on_data_loading)
        self.data.failed.connect(self._on_data_not_loaded)
        if load_tensorflow:  # after the first paint: its import would slow the paint down
            self.when_painted(self._load_tensorflow)
        restore_layout(self, self.settings)
        self.presets.apply(self.presets.initial(), quiet=True)
        self.projects.start()  # unmodified "Untitled — nngui"
        self.recovery.start()  # autosaves; offers a crash's autosave

    # ------------------------------------------------------------------ the parts
    def _build_parts(self) -> None:
        """The panels and the objects that own the window's work, wired to each other."""
        self.builder = BuilderPanel()
        self.summary = SummaryTable()
        self.training = TrainingPanel(self.tasks, plots_later=True)  # after the first paint
        self.tabs = QTabWidget()
        self.tabs.setObjectName("mainTabs")
        self.tabs.addTab(self.training, "Train")
        # every run into the session state's run list (the projects' state: made below)
        self.runRecorder = RunRecorder(self.training, lambda: self.projects.state,
                                       self.builder.config, parent=self)
        # the other tabs are built on first use or after the first paint
        self.pages = Pages(self, self.tabs, self.tasks, self.training, self.data, self.builder,
                           lambda spec: self.work.sweep_request(spec),
                           lambda: self.work.inspect_context(), self.runRecorder)
        self.first_paint.shown.connect(self.pages.build_soon)
        self.work = Workbench(self, self.tasks, self.data, self.builder, self.summary,
                              self.training, self.tabs, self.pages,
                              get_preset(FIRST).spec())
        self.presets = PresetBox(self, self.builder, self.training, self.data, self.settings,
                                 self.work.new_session)
        self.projects = ProjectActions(self, self.settings, self.tasks, self.builder,
                                       self.training, self.data, self.work, self.presets,
                                       self.pages)
        self.recovery = Recovery(self, self.settings, self.projects)
        self.lessons = LessonsHost(self)  # the lesson side panel (Help → Lessons)
        self.projects.lessons_state = self.lessons.state
        self.projects.lessons_restore = self.lessons.restore
        self.files = FileActions(self, self.settings, self.tasks, self.builder, self.training,
                                 self.data, self.work, self.presets, self.projects, self.pages)
        for part in (self.pages, self.work, self.presets, self.projects, self.recovery,
                     self.files):
            part.message.connect(self.statusBar().showMessage)
        self.tabs.currentChanged.connect(self._on_tab_changed)  # after the pages' own slot

    def _lay_out(self) -> None:
        load_btn = QPushButton("Load file…")
        load_btn.setObjectName("loadDataButton")
        load_btn.clicked.connect(lambda: self.data.load_file())
        self.dataInfo = InfoLine("No data loaded yet.")  # one line: the builder never moves
        self.dataInfo.setObjectName("dataInfoLabel")
        self.dataInfo.setStyleSheet("color: palette(mid);")

        top = QVBoxLayout()
        row1 = QHBoxLayout()
        row1.addWidget(QLabel("Preset"))
        row1.addWidget(self.presets.combo, 1)
        row1.addWidget(self.presets.designButton)
        row2 = QHBoxLayout()
        row2.addWidget(QLabel("Data"))
        row2.addWidget(self.data.combo, 1)
        row2.addWidget(load_btn)
        top.addLayout(row1)
        top.addLayout(row2)
        top.addWidget(self.dataInfo)

        left = QWidget()
        left.setObjectName("builderSide")
        self.builderSide = left  # shown on the tabs where you build and train only
        lv = QVBoxLayout(left)
        lv.addLayout(top)
        lv.addWidget(self.work.readOnlyLabel)  # shown for an opened model it cannot edit
        split_left = QSplitter(Qt.Orientation.Vertical, objectName="builderSplitter")
        split_left.addWidget(self.builder)
        split_left.addWidget(self.summary)
        split_left.setStretchFactor(0, 3)
        split_left.setStretchFactor(1, 1)
        split_left.setSizes([420, 170])  # the summary shows its "Total params" row
        for i in range(2):
            split_left.setCollapsible(i, False)
        lv.addWidget(split_left, 1)

        split = QSplitter(Qt.Orientation.Horizontal, objectName="mainSplitter")
        split.addWidget(left)
        split.addWidget(self.tabs)
        split.setStretchFactor(0, 0)  # extra width goes to the plots, not the builder
        split.setStretchFactor(1, 1)
        for i in range(2):
            split.setCollapsible(i, False)  # a saved 0 (closed on Draw) never hides it
        central = QWidget(objectName="centralArea")
        cv = QVBoxLayout(central)
        cv.setContentsMargins(0, 4, 0, 0)
        cv.setSpacing(0)
        self.tabBar = full_width_tab_bar(self.tabs)
        cv.addWidget(self.tabBar)
        cv.addWidget(split, 1)
        self.centralScroll = ScreenBoundArea(central, self)  # never wider than the screen
        self.setCentralWidget(self.centralScroll)
        # the room left beside the Lessons dock changes with it
        self.centralScroll.follow(self.lessons.dock)
        self.deviceLabel = QLabel("Loading TensorFlow…")
        self.deviceLabel.setObjectName("deviceLabel")
        self.statusBar().addPermanentWidget(self.deviceLabel)
        self._fit_tabs()
        self.resize(fit_to_screen(QSize(1366, 768), available_area(self)))

    def _build_menus(self) -> None:
        files, projects = self.files, self.projects
        m = self.menuBar().addMenu("&File")
        m.addActions([projects.newAction, files.openAction])
        m.addMenu(files.recentMenu)
        m.addActions([projects.saveAction, projects.saveAsAction])
        m.addSeparator()
        m.addActions([files.saveNetworkAction, files.exportModelAction,
                      files.exportDrawModelAction, files.exportPythonAction])
        m.addMenu(files.exportResultsMenu)
        m.addSeparator()
        m.addAction(action(self, "Load &data file…", lambda: self.data.load_file()))
        m.addSeparator()
        quit_keys = QKeySequence.keyBindings(QKeySequence.StandardKey.Quit) or \
            [QKeySequence("Ctrl+Q")]  # Windows (and Qt's offscreen platform) have none
        quit_action = action(self, "&Quit", self.close)
        quit_action.setShortcuts(quit_keys)
        m.addAction(quit_action)
        h = self.menuBar().addMenu("&Help")
        self.lessons.add_to(h)
        h.addAction(action(self, "&Guide", self.show_guide, QKeySequence.StandardKey.HelpContents))
        h.addAction(action(self, "&About nngui", self._about))
        self.setAcceptDrops(True)  # a dropped project, network or model opens (files)

    # ------------------------------------------------------------------ start-up
    def _load_tensorflow(self) -> None:
        self.statusBar().showMessage("Loading TensorFlow…")
        self.tasks.submit("tensorflow", plain(lambda: (runtime.tf(), runtime.describe_device(),
                                                       runtime.gpu_names())),
                          on_done=self._on_tf_ready,
                          on_failed=lambda m: self._set_device_text(
                              f"TensorFlow failed to load: {m}"))

    def _on_tf_ready(self, result) -> None:
        _, device, gpus = result
        self._set_device_text(device)
        self.builder.set_gpu_available(bool(gpus), gpus[0] if gpus else "", len(gpus))
        self.statusBar().showMessage(f"TensorFlow ready · {device}", 5000)
        freeze_long_lived()  # later collections skip start-up's objects (window stalls)
        self.pages.tensorflow_ready()  # the Draw page loads its models
        self.work.prebuilder.tensorflow_ready()  # the builder's network, built before Train
        self.tensorflowReady.emit(device)

    def _set_device_text(self, text: str) -> None:
        self.deviceLabel.setText(text)

    # ------------------------------------------------------------------ presets & data
    def apply_preset(self, name: str, quiet: bool = False) -> None:
        """Choose preset ``name`` in the preset box: its network, settings and data."""
        self.presets.apply(name, quiet)

    def _on_data_loading(self, text: str) -> None:
        """While other data loads, the line and the builder's checks describe none: the
        numbers and problems of the data about to go would describe the wrong data."""
        self.dataInfo.set_lines(text)
        self.dataInfo.setToolTip("")
        self.builder.set_data_info(None)

    def _on_data_not_loaded(self, _message: str) -> None:
        """A load failed: the data still loaded is described again."""
        ds = self.data.dataset
        if ds is not None and not self.data.is_loading():
            self._on_dataset(ds)
            self.builder.set_data_info(DataInfo.of(ds))

    def _on_dataset(self, ds) -> None:
        notes = "; ".join(ds.notes[:3])
        classes = f"{ds.num_classes} classes" if ds.num_classes else ds.task
        self.dataInfo.set_lines(f"{len(ds.x_train):,} train / {len(ds.x_test):,} test · input "
                                f"{'×'.join(map(str, ds.input_shape))} · {classes}", notes)
        self.dataInfo.setToolTip(ds.describe())
        self.settings.set_last_dataset(ds.name)

    # ------------------------------------------------------------------ the network
    @property
    def session(self) -> Session:
        """The network the window works on (the workbench's)."""
        return self.work.session

    def train(self, restart: bool = False) -> bool:
        """Train (or continue) the builder's network on the chosen data; False after saying why."""
        return self.work.train(restart)

    # ------------------------------------------------------------------ files and the project
    def open_path(self, path: str | Path) -> bool:
        """File → Open: a project (.nngui), a network (.json) or a model (.keras, .h5); False
        after telling why (and then the window is as it was). A project is read off the GUI
        thread: True says it started, ``projects.opened`` / ``openFailed`` how it ended."""
        return self.files.open_path(path)

    def save_spec(self, path: str | Path) -> None:
        """File → Save network as JSON: the network and training settings."""
        self.files.save_spec(path)

    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        self.files.accept_drag(event)

    def dropEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        self.files.drop(event)

    @property
    def project_path(self) -> Path | None:
        """The project's file (None: not saved yet)."""
        return self.projects.path

    def project_name(self) -> str:
        """The project's file name, or "Untitled"."""
        return self.projects.project_name()

    def new_project(self) -> bool:
        """File → New project: start over (after asking about unsaved changes)."""
        return self.projects.new_project()

    def save_project(self) -> bool:
        """File → Save project (asking for a file the first time)."""
        return self.projects.save_project()

    def save_project_to(self, path: str | Path) -> bool:
        """Write the project to ``path``; False after saying why."""
        return self.projects.save_project_to(path)

    def current_project(self, quiet: bool = False) -> Project | None:
        """The window's work as a Project (None while a job holds the model)."""
        return self.projects.current_project(quiet)

    def maybe_save(self) -> bool:
        """True when the window's work may be replaced: saved, discarded, or nothing changed."""
        return self.projects.maybe_save()

    def mark_modified(self, *_args) -> None:
        """Something the project holds changed."""
        self.projects.mark_modified()

    # ------------------------------------------------------------------ tabs and help
    def _on_tab_changed(self, _index: int) -> None:
        self._fit_tabs()
        self.work.page_shown(self.tabs.currentWidget())

    # ------------------------------------------------------------------ pages
    def when_painted(self, job) -> None:
        """Run ``job`` after the window's first paint; a window not shown runs it at once."""
        self.first_paint.when_painted(job)

    def built_page(self, name: str) -> QWidget | None:
        """The page ``name`` if it has been built (never builds it)."""
        return self.pages.built_page(name)

    def pages_pending(self) -> list[str]:
        """The pages not built yet, in tab order."""
        return self.pages.pending()

    def build_all_pages(self) -> None:
        """Build every page that is still a placeholder (and the Train tab's plots)."""
        self.pages.build_all()

    def findChild(self, *args, **kwargs):  # noqa: N802 (Qt naming)
        """QObject.findChild after building every page: objectNames stay findable."""
        self.pages.build_all()
        return super().findChild(*args, **kwargs)

    def findChildren(self, *args, **kwargs):  # noqa: N802 (Qt naming)
        """QObject.findChildren after building every page."""
        self.pages.build_all()
        return super().findChildren(*args, **kwargs)

    def _fit_tabs(self) -> None:
        fit_tabs(self.tabs, self.builderSide, (self.training, self.built_page("evaluate")))

    def show_guide(self) -> None:
        """Help → Guide (F1): what each tab is for and the shortcuts, in a non-modal window."""
        from nngui.gui.window.guide import GuideDialog

        if self._guide is None:
            self._guide = GuideDialog(self)
        self._guide.follow_menus(self.menuBar())
        self._guide.present()

    def _about(self) -> None:
        from nngui import __version__

        QMessageBox.about(self, "About nngui", f"<b>nngui {__version__}</b><p>Build, train "
                          "and understand neural networks; draw digits a network reads.</p>")

    # ------------------------------------------------------------------ close
    def closeEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        # a hidden window has nobody to ask; Cancel keeps the window and its work (and a run
        # in progress: Save stops it, saves it and closes the window once it has ended)
        if self.isVisible() and not self.projects.may_close():
            event.ignore()
            return
        self.projects.discard_changes()  # saved or discarded: a second close asks nothing
        self.recovery.stop()
        self.projects.shutdown()  # a project still being read is dropped
        self.tasks.shutdown()  # stops training at the next batch and joins every job
        save_layout(self, self.settings)
        self.recovery.clean_exit()  # no crash: the autosave goes
        self.settings.sync()
        super().closeEvent(event)
