"""The main window: presets and data on the left with the builder, training and insight tabs.

It lays the panels out and wires them with narrow signals; work off the GUI thread runs on
its one ``TaskRunner`` (training, evaluation, fine-tuning, t-SNE, data and model loading),
which ``closeEvent`` shuts down once. The current network is ``self.session``: a job that
trains or evaluates it holds it, and the window never calls into a model a job holds.
"""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
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

from nngui.core.data.adapt import Prepared, prepare
from nngui.core.insight.layer_stats import stats_probes
from nngui.core.insight.probes import ReconstructionProbe, live_probes
from nngui.core.network.spec import NetworkSpec, SpecError
from nngui.core.network.validate import DataInfo, errors
from nngui.core.platform import abandon, runtime
from nngui.core.training import presets
from nngui.core.training.observer import RunResult
from nngui.core.training.session import RunRequest, Session
from nngui.gui.builder.panel import BuilderPanel
from nngui.gui.builder.summary import SummaryTable
from nngui.gui.common.data_controller import DataController
from nngui.gui.common.tasks import TaskRunner, freeze_long_lived, plain
from nngui.gui.training.panel import TrainingPanel
from nngui.gui.window.file_actions import FileActions
from nngui.gui.window.layout import CUSTOM, WindowLayout, fit_to_screen, full_width_tab_bar
from nngui.gui.window.pages import WindowPages
from nngui.gui.window.project_actions import ProjectActions
from nngui.gui.window.settings import Settings


class MainWindow(ProjectActions, FileActions, WindowLayout, WindowPages, QMainWindow):
    """nngui's window. ``open_path(path)`` does what File → Open does."""

    tensorflowReady = Signal(str)

    def __init__(self, load_tensorflow: bool = True) -> None:
        super().__init__()
        self.setWindowTitle("nngui — neural networks you can see")
        self.tasks = TaskRunner(self)
        self.settings = Settings()
        self.session = Session(presets.get_preset("mnist-784-20-10").spec())
        self._prepared: tuple[tuple, Prepared] | None = None
        self._train_when_loaded: bool | None = None  # Train pressed while data loads
        self.data = DataController(self, self.tasks)
        self._build_ui()
        self._build_menus()
        self.data.loaded.connect(self._on_dataset)
        self.data.busy.connect(self.statusBar().showMessage)
        self.data.failed.connect(self._on_data_failed)
        self.builder.specChanged.connect(self._on_spec_changed)
        self.training.trainRequested.connect(self.train)
        self.training.runStarted.connect(self._on_run_started)
        self.training.runFinished.connect(self._on_run_finished)
        self.training.probeArrived.connect(self._on_probe)
        self.training.epochEnded.connect(self._on_epoch_ended)
        self._ae_run_start: int | None = None  # first epoch of an autoencoder run, if one
        self._ae_loading = False
        self._tensorflow_ready = False
        if load_tensorflow:  # after the first paint: its import would slow the paint down
            self.when_painted(self._load_tensorflow)
        self._restore_settings()
        self._apply_preset(self._initial_preset(), quiet=True)
        self._start_project()  # unmodified "Untitled — nngui"; offers a crash's autosave

    # ------------------------------------------------------------------ layout
    def _build_ui(self) -> None:
        self.presetCombo = QComboBox()
        self.presetCombo.setObjectName("presetCombo")
        for p in presets.PRESETS.values():
            self.presetCombo.addItem(p.title, p.name)
            self.presetCombo.setItemData(self.presetCombo.count() - 1, p.description,
                                         Qt.ItemDataRole.ToolTipRole)
        self.presetCombo.activated.connect(
            lambda _i: self._apply_preset(self.presetCombo.currentData()))
        self._preset_name: str | None = None  # the preset the builder started from
        design_btn = QPushButton("Autoencoder…")
        design_btn.setObjectName("autoencoderButton")
        design_btn.setToolTip("Design an autoencoder: encoder widths, bottleneck, mirrored "
                              "decoder, loss and input noise.")
        design_btn.clicked.connect(self._design_autoencoder)
        load_btn = QPushButton("Load file…")
        load_btn.setObjectName("loadDataButton")
        load_btn.clicked.connect(lambda: self.data.load_file())
        self.dataInfo = QLabel("No data loaded yet.")
        self.dataInfo.setObjectName("dataInfoLabel")
        self.dataInfo.setWordWrap(True)
        self.dataInfo.setStyleSheet("color: palette(mid);")

        top = QVBoxLayout()
        row1 = QHBoxLayout()
        row1.addWidget(QLabel("Preset"))
        row1.addWidget(self.presetCombo, 1)
        row1.addWidget(design_btn)
        row2 = QHBoxLayout()
        row2.addWidget(QLabel("Data"))
        row2.addWidget(self.data.combo, 1)
        row2.addWidget(load_btn)
        top.addLayout(row1)
        top.addLayout(row2)
        top.addWidget(self.dataInfo)

        self.builder = BuilderPanel()
        self.summary = SummaryTable()
        left = QWidget()
        left.setObjectName("builderSide")
        self.builderSide = left  # shown on the tabs where you build and train only
        lv = QVBoxLayout(left)
        lv.addLayout(top)
        split_left = QSplitter(Qt.Orientation.Vertical, objectName="builderSplitter")
        split_left.addWidget(self.builder)
        split_left.addWidget(self.summary)
        split_left.setStretchFactor(0, 3)
        split_left.setStretchFactor(1, 1)
        split_left.setSizes([420, 170])  # the summary shows its "Total params" row
        for i in range(2):
            split_left.setCollapsible(i, False)
        lv.addWidget(split_left, 1)

        self.training = TrainingPanel(self.tasks, plots_later=True)  # after the first paint
        self.tabs = QTabWidget()
        self.tabs.setObjectName("mainTabs")
        self.tabs.addTab(self.training, "Train")
        self._add_pages()  # the other tabs are built on first use or after the first paint
        self.tabs.currentChanged.connect(self._on_tab_changed)

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
        self.setCentralWidget(central)
        self.deviceLabel = QLabel("Loading TensorFlow…")
        self.deviceLabel.setObjectName("deviceLabel")
        self.statusBar().addPermanentWidget(self.deviceLabel)
        self._fit_tabs()
        self.resize(fit_to_screen(QSize(1366, 768), self._available()))

    def _build_menus(self) -> None:
        m = self.menuBar().addMenu("&File")
        self._init_project(m)  # New, Open…, Open Recent, Save, Save As (project_actions.py)
        self._action(m, "Save &network as JSON…", self._save_spec_dialog)
        self._action(m, "&Export trained model (.keras)…", self._export_model_dialog)
        self._action(m, "Export the &drawing model (.keras)…", self._export_draw_model_dialog)
        self._add_export_menu(m)  # Export as Python…, Export results ▸ (file_actions.py)
        m.addSeparator()
        self._action(m, "Load &data file…", lambda: self.data.load_file())
        m.addSeparator()
        self._action(m, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        h = self.menuBar().addMenu("&Help")
        self._action(h, "&Guide", self.show_guide, QKeySequence.StandardKey.HelpContents)
        self._action(h, "&About nngui", self._about)

    def _action(self, menu, text, slot, shortcut=None) -> QAction:
        act = QAction(text, self)
        if shortcut is not None:
            act.setShortcut(shortcut)
        act.triggered.connect(slot)
        menu.addAction(act)
        return act

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
        self._tensorflow_ready = True
        freeze_long_lived()  # later collections skip start-up's objects (window stalls)
        if self.built_page("draw") is not None:  # else the Draw page loads them when built
            self.drawing.load_bundled_models()
        self.tensorflowReady.emit(device)

    def _set_device_text(self, text: str) -> None:
        self.deviceLabel.setText(text)

    def _initial_preset(self) -> str:
        last = self.settings.last_preset()
        return last if last in presets.PRESETS else "mnist-784-20-10"

    # ------------------------------------------------------------------ presets & data
    def _apply_preset(self, name: str, quiet: bool = False) -> None:
        if self.training.is_running() or name == CUSTOM:
            self._show_preset_state(self.builder.spec())
            return
        p = presets.get_preset(name)
        self._preset_name = name
        self.presetCombo.setCurrentIndex(self.presetCombo.findData(name))
        self.settings.set_last_preset(name)
        self.builder.set_spec(p.spec())
        self.builder.set_config(p.train_config())
        self._new_session(p.spec())
        dataset = p.dataset
        if dataset == "mnist" and not self.data.mnist_available() and quiet:
            dataset = "digits"  # opens on bundled data; MNIST is one click (and one download) away
            self.statusBar().showMessage("MNIST not found: using the bundled 8×8 digits scaled "
                                         "to 28×28. Pick MNIST under Data to download or load it.")
        if dataset == "file":
            self.statusBar().showMessage(f"{p.title}: load your data with File → Load data "
                                         "file… (an NPZ with x_train, y_train).")
            return
        current = self.data.selection()  # a load in flight counts: the latest pick wins
        if current != dataset:
            self.data.select(dataset, quiet=False)

    def _on_data_failed(self, message: str) -> None:
        self._train_when_loaded = None
        self.statusBar().showMessage(message, 8000)

    def _on_dataset(self, ds) -> None:
        self._prepared = None
        notes = "; ".join(ds.notes[:3])
        classes = f"{ds.num_classes} classes" if ds.num_classes else ds.task
        self.dataInfo.setText(f"{len(ds.x_train):,} train / {len(ds.x_test):,} test · input "
                              f"{'×'.join(map(str, ds.input_shape))} · {classes}. {notes}")
        self.dataInfo.setToolTip(ds.describe())
        spec = self.builder.spec()
        if tuple(spec.input_shape) != tuple(ds.input_shape) and \
                _prod(spec.input_shape) != _prod(ds.input_shape):
            self.statusBar().showMessage(f"The network reads {spec.input_shape}, the data is "
                                         f"{ds.input_shape}: adjust the input shape.", 8000)
        self.builder.set_data_info(DataInfo.of(ds))
        if self.built_page("inspect") is not None:  # else it reads the data when built
            self.inspect.set_dataset(ds)
        self.settings.set_last_dataset(ds.name)
        self.statusBar().showMessage(f"Loaded {ds.title}", 4000)
        self._refresh_evaluate_context()
        if self._train_when_loaded is not None:  # Train was pressed while this loaded
            restart, self._train_when_loaded = self._train_when_loaded, None
            self.train(restart)

    def _on_spec_changed(self, spec: NetworkSpec) -> None:
        self.summary.set_spec(spec)
        self._show_preset_state(spec)
        old = self.session.spec
        same_structure = (old.input_shape == spec.input_shape and old.features == spec.features and
                          [lay.to_dict() for lay in old.layers] ==
                          [lay.to_dict() for lay in spec.layers] and old.kind == spec.kind)
        if same_structure:
            self.session.spec = spec  # new loss/optimizer/lr apply to the next run
        elif not self.training.is_running():
            self._new_session(spec)

    def _new_session(self, spec: NetworkSpec) -> None:
        self._set_read_only(None)  # an opened model that is read-only sets it again after
        self.session = Session(spec)
        self.summary.set_spec(spec)
        self.training.reset(spec)
        if self.built_page("watch") is not None:  # a page built later starts empty
            self.watch.clear()

    # ------------------------------------------------------------------ training
    def train(self, restart: bool = False) -> bool:
        """Train (or continue) the builder's network on the chosen data; False after saying why."""
        ds = self.data.dataset
        if ds is None:
            if self.data.is_loading():
                self._train_when_loaded = restart
                self.statusBar().showMessage("The data is still loading; training starts as "
                                             "soon as it is ready.")
                return False
            QMessageBox.information(self, "No data", "Choose a dataset first.")
            return False
        spec = self.builder.spec()
        if restart and self.read_only_reason is not None:
            QMessageBox.information(self, "Read-only network", self.read_only_reason +
                                    " It can continue training, not start from scratch.")
            return False
        problems = errors(self.builder.problems())
        if problems:
            QMessageBox.warning(self, "The network cannot be trained yet",
                                "\n".join(f"• {p}" for p in problems))
            return False
        try:
            config = self.watch.runs.apply_options(self.builder.config())
            data = self._prepare(ds, spec)
        except SpecError as exc:
            QMessageBox.warning(self, "Cannot train", str(exc))
            return False
        if self.tasks.is_held(self.session):
            QMessageBox.information(self, "Busy", "This network is in use (e.g. being "
                                    "evaluated); try again in a moment.")
            return False
        self.session.spec = spec
        self.statusBar().showMessage("Data: " + "; ".join(data.notes), 10000)
        request = RunRequest(self.session, data, config, restart, self._probes(spec, ds))
        first = 0 if restart else self.session.epochs_done
        if not self.training.start(request):
            return False
        if spec.kind == "autoencoder":  # the Autoencoder tab shows this run, nothing older
            self._ae_run_start = first
            self.autoencoder.begin_run(spec.name or "your autoencoder", config.epochs)
        return True

    def _probes(self, spec: NetworkSpec, ds) -> list:
        """What the live views need from the model after each epoch (run in its thread)."""
        if spec.kind == "classifier" and ds.task == "classification":
            data = self._prepare(ds, spec)
            return [*live_probes(_prod(spec.input_shape), data.x_train, ds.y_train,
                                 data.x_test, ds.y_test, features=spec.features),
                    *stats_probes(data.x_train, data.y_train, data.x_test, data.y_test)]
        if spec.kind != "autoencoder" or _prod(ds.input_shape) != 784:
            return []
        from nngui.core.model.autoencoder import one_per_class

        idx = one_per_class(ds.y_test.astype(int).ravel())
        return [ReconstructionProbe(ds.x_test[idx].reshape(-1, 28, 28).astype("float32"))]

    def _inspect_context(self):
        """(session, prepared data, dataset) for the Inspect tab's jobs, or why there is none."""
        ds, session = self.data.dataset, self.session
        if ds is None or session.model is None or ds.task != "classification" or \
                session.spec.kind != "classifier":
            return "Train a classifier on this data first; then its layers can be inspected."
        try:
            return session, self._prepare(ds, session.spec), ds
        except SpecError as exc:
            return str(exc)

    def _inspect_sample(self, index: int) -> None:
        """A test sample picked in Evaluate: probe it on the Inspect tab (as the gallery does)."""
        self.tabs.setCurrentWidget(self.inspect)
        self.inspect.sample.choose(index)

    def _fill_watch(self) -> None:
        """A model not trained here (opened): the live views once, from a job that holds it."""
        s, ds = self.session, self.data.dataset
        if s.model is None or ds is None or s.spec.kind != "classifier" or \
                not self.watch.live.is_empty() or self.tasks.is_held(s):
            return
        try:  # the probes a run would use, less those that need a compiled model or a run
            probes = [p for p in self._probes(s.spec, ds)
                      if p.name in ("boundary", "hidden", "weights", "dead_relu")]
        except SpecError:
            return  # the model does not fit this data: Evaluate says why
        model, epoch = s.model, s.epochs_done - 1
        self.tasks.submit("watch views", lambda _r, _s: [(p.name, p(model)) for p in probes],
                          holds=(s,), on_done=lambda res: [self.watch.show_probe(name, epoch, out)
                                                          for name, out in res],
                          on_failed=lambda msg: self.statusBar().showMessage(
                              f"The Watch views could not be computed: {msg}", 8000))

    def _sweep_request(self, spec: NetworkSpec) -> RunRequest | None:
        """A from-scratch run of ``spec`` (a sweep's setting) on the chosen data."""
        ds = self.data.dataset
        if ds is None or errors(self.builder.problems()):
            self.statusBar().showMessage("Choose data and a network that can train first.", 6000)
            return None
        try:
            data = self._prepare(ds, spec)
            config = self.watch.runs.apply_options(self.builder.config())
        except SpecError as exc:
            self.statusBar().showMessage(str(exc), 8000)
            return None
        return RunRequest(Session(spec), data, config, True, self._probes(spec, ds))

    def _prepare(self, ds, spec: NetworkSpec) -> Prepared:
        # the encoding depends on the data, the input shape, the loss and the output layer
        key = (id(ds), spec.input_shape, tuple(spec.features), spec.loss, spec.kind,
               repr(spec.layers[-1].to_dict()) if spec.layers else "")
        if self._prepared is None or self._prepared[0] != key:
            self._prepared = (key, prepare(ds, spec))
        return self._prepared[1]

    def _on_run_started(self) -> None:
        self.builder.set_locked(True)
        if self.tabs.currentWidget() is not self.watch:  # already watching it live: stay
            self.tabs.setCurrentWidget(self.training)

    def _on_probe(self, name: str, epoch: int, payload) -> None:
        self.watch.show_probe(name, epoch, payload)
        if name == "reconstructions":
            self.autoencoder.show_reconstructions(payload["originals"],
                                                  payload["reconstructions"])

    def _on_epoch_ended(self, epoch: int, logs: dict) -> None:
        if self._ae_run_start is not None:
            parts = [f"{k} {v:.4f}" for k, v in logs.items() if k in ("loss", "val_loss")]
            self.autoencoder.run_progress(epoch + 1 - self._ae_run_start,
                                          f"Epoch {epoch + 1}: " + " · ".join(parts))

    def _on_run_finished(self, result: RunResult) -> None:
        self.builder.set_locked(self.read_only_reason is not None)
        was_ae_run, self._ae_run_start = self._ae_run_start is not None, None
        if was_ae_run:
            self.autoencoder.end_run()
        if self.training.session is not self.session:  # a fine-tune: the builder's network
            self.training.set_has_weights(self.session.model is not None)  # is unchanged
            return
        ds = self.data.dataset
        if self.session.model is None or ds is None:
            return
        if self.session.spec.kind == "autoencoder":
            name = self.session.spec.name or "your autoencoder"
            self.autoencoder.set_model(self.session.model, self.session.spec, ds.x_test,
                                       ds.y_test, f"{name}, trained here "
                                       f"({self.session.epochs_done} epochs)")
            self.tabs.setCurrentWidget(self.autoencoder)
            return
        self._refresh_evaluate_context()
        if result.ok:
            self.evaluate.evaluate()
        # the canvas copies the weights (~13 ms) in an event-loop turn of its own: with the run
        # list's and the curves' updates the run's end stalled the window ~45 ms in one go
        QTimer.singleShot(0, self, partial(self._offer_to_canvas, self.session,
                                           self.session.model))

    def _offer_to_canvas(self, session: Session, model) -> None:
        """A trained model joins the canvas' list once no job works on it (the evaluation).

        It joins even if the window moved on to another network meanwhile: it was trained.
        """
        if model is None or (self.training.is_running() and self.training.session is session
                             and session.model is model):
            return  # trained on: that run's end offers it
        again = partial(self._offer_to_canvas, session, model)
        holders = [t for t in self.tasks.running() if t.holds_object(model)
                   or t.holds_object(session)]
        if holders:  # the evaluation: right after it lets go, in a turn of its own
            holders[0].finished.connect(lambda: QTimer.singleShot(0, self, again))
            return
        if abandon.is_busy(model):  # a Stop left fit ending its last batches on it
            QTimer.singleShot(150, self, again)
            return
        self.drawing.offer_model(f"Trained here: {session.spec.name}", model)

    def _refresh_evaluate_context(self) -> None:
        """Point Evaluate at the session's model (trained here or opened) and the data."""
        ds, model = self.data.dataset, self.session.model
        if model is None or ds is None or self.session.spec.kind == "autoencoder" or \
                self.built_page("evaluate") is None:  # built later, it asks for this again
            return
        try:
            data = self._prepare(ds, self.session.spec)
        except SpecError as exc:
            self.evaluate.set_context(None, None, None, [])
            self.evaluate.testMetricsLabel.setText(f"This model does not fit {ds.title}: {exc}")
            return
        self.evaluate.set_context(model, data, self.session.spec, list(ds.class_names),
                                  ds.x_test)

    # ------------------------------------------------------------------ autoencoders
    def _design_autoencoder(self) -> None:
        from nngui.gui.autoencoder.designer import AutoencoderDesigner

        ds = self.data.dataset
        dim = _prod(ds.input_shape) if ds is not None else 784
        dialog = AutoencoderDesigner(self, input_dim=dim)
        dialog.specCreated.connect(self._use_autoencoder_spec)
        dialog.open()

    def _use_autoencoder_spec(self, spec: NetworkSpec) -> None:
        self._preset_name = None  # the box shows "Your design: …", not the old preset
        self.builder.set_spec(spec)
        self.builder.set_config(presets.get_preset("ae-32d").train_config())
        self._new_session(spec)

    def _draw_into_autoencoder(self, x28) -> None:
        """With an autoencoder loaded, show its rebuild of the drawing and mark its code."""
        panel = self.autoencoder
        if panel.model is None or self.tasks.is_held(panel.model):
            return
        if float(x28.max()) <= 0:
            self.draw.show_reconstruction(None)
            panel.mark_point(None)
            return
        z = panel.latent_of(x28)
        if z is None:
            return
        rebuilt = panel.rebuild(z)
        if rebuilt is None:
            return
        panel.mark_point(z)
        self.draw.show_reconstruction(rebuilt)

    def _on_tab_changed(self, _index: int) -> None:
        self._fit_tabs()
        if self.tabs.currentWidget() is self.built_page("watch"):
            self._fill_watch()
        if self.tabs.currentWidget() in (self.built_page("autoencoder"), self.built_page("draw")) \
                and self.autoencoder.model is None:
            self._show_bundled_autoencoder()

    def _show_bundled_autoencoder(self) -> None:
        """A fresh install shows the shipped 2-D autoencoder until the user trains one."""
        from nngui.core.model.saving import load_model
        from nngui.core.platform.resources import bundled_model

        path, ds = bundled_model("autoencoder_2d"), self.data.dataset
        if path is None or ds is None or _prod(ds.input_shape) != 784:
            return
        if self._ae_loading:
            return  # already loading (or loaded); opening a model takes ~0.3 s: not here
        self._ae_loading = True
        self.tasks.submit("load-autoencoder", plain(lambda: load_model(path)),
                          on_done=lambda model: self._use_bundled_autoencoder(model, ds),
                          on_failed=lambda msg: self.statusBar().showMessage(
                              f"Bundled autoencoder unavailable: {msg}", 8000))

    def _use_bundled_autoencoder(self, model, ds) -> None:
        from nngui.core.model.autoencoder import as_autoencoder
        from nngui.core.model.saving import spec_from_model

        spec = as_autoencoder(spec_from_model(model))
        if spec is not None and self.autoencoder.model is None and \
                self._ae_run_start is None:  # a trained (or training) one wins
            self.autoencoder.set_model(model, spec, ds.x_test, ds.y_test,
                                       "the bundled 2-D autoencoder")
            self.statusBar().showMessage("Showing the bundled 2-D autoencoder; train your own "
                                         "with an autoencoder preset.", 6000)

    def _about(self) -> None:
        from nngui import __version__

        QMessageBox.about(self, "About nngui", f"<b>nngui {__version__}</b><p>Build, train "
                          "and understand neural networks; draw digits a network reads.</p>")

    # ------------------------------------------------------------------ close
    def _restore_settings(self) -> None:
        geom = self.settings.geometry()
        if geom is not None:
            self.restoreGeometry(geom)
            self._clamp_to_screen()
        for splitter in self._remembered_splitters():
            sizes = self.settings.splitter_sizes(splitter.objectName())
            if len(sizes) == splitter.count():
                splitter.setSizes(sizes)

    def _remembered_splitters(self) -> list[QSplitter]:
        """The named splitters: their sizes are remembered between sessions."""
        # QMainWindow's own lookup: WindowPages.findChildren would build every page first
        return [sp for sp in QMainWindow.findChildren(self, QSplitter) if sp.objectName()]

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        # a hidden window has nobody to ask; Cancel keeps the window and its work
        if self.isVisible() and not self.maybe_save():
            event.ignore()
            return
        self.setWindowModified(False)  # saved or discarded: a second close asks nothing
        self.autosaveTimer.stop()
        self.tasks.shutdown()  # stops training at the next batch and joins every job
        self._clamp_to_screen()
        self.settings.set_geometry(self.saveGeometry())
        for splitter in self._remembered_splitters():
            if any(splitter.sizes()):  # never shown: keep what was saved before
                self.settings.set_splitter_sizes(splitter.objectName(), splitter.sizes())
        self._clean_exit()  # no crash: the autosave goes
        self.settings.sync()
        super().closeEvent(event)




def _prod(shape) -> int:
    n = 1
    for v in shape:
        n *= int(v)
    return n
