"""The network the window works on: its Session, its runs, and what the pages show of it.

``Workbench`` owns the current :class:`~nngui.core.training.train.Session` (a job that trains
or evaluates it holds it, and the window never calls into a model a job holds), the encoded
data it trains on, whether the network is read-only (with the ``readOnlyLabel`` the window
places above the builder), and the flow of a run: Train → probes for the Watch and
Autoencoder tabs → evaluation, and the trained model offered to the Draw canvas.

Its collaborators come in through the constructor: the window (the parent of its message
boxes), the task runner, the data controller, the builder, the summary table, the training
panel, the tab widget and the :class:`~nngui.gui.window.pages.Pages`. It listens to their
signals (a new network in the builder, a run's start, probes and end, data loaded, a page
built) and says things on the status bar through ``message``. The file and project actions
use its public methods to put an opened network, model or project in place.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel, QMessageBox, QTabWidget, QWidget

from nngui.core.data.adapt import Prepared, prepare
from nngui.core.files.project import Project
from nngui.core.network.spec import NetworkSpec, SpecError, TrainConfig
from nngui.core.network.validate import DataInfo, errors
from nngui.core.platform import abandon
from nngui.core.training.observer import RunResult
from nngui.core.training.session import RunRequest, Session, optimizer_key
from nngui.gui.builder.panel import BuilderPanel
from nngui.gui.builder.summary import SummaryTable
from nngui.gui.common.data_controller import DataController
from nngui.gui.common.tasks import TaskRunner
from nngui.gui.training.panel import TrainingPanel
from nngui.gui.window import watch_context
from nngui.gui.window.bundled_autoencoder import BundledAutoencoder
from nngui.gui.window.pages import Pages
from nngui.gui.window.prebuilder import Prebuilder


class Workbench(QObject):
    """The current network and its runs (see the module docstring)."""

    message = Signal(str, int)  # status bar text and timeout (0: until replaced)

    def __init__(self, window: QWidget, tasks: TaskRunner, data: DataController,
                 builder: BuilderPanel, summary: SummaryTable, training: TrainingPanel,
                 tabs: QTabWidget, pages: Pages, spec: NetworkSpec) -> None:
        super().__init__(window)
        self._window = window  # its message boxes' parent
        self._tasks, self._data, self._builder = tasks, data, builder
        self._summary, self._training, self._tabs, self._pages = summary, training, tabs, pages
        self.session = Session(spec)
        self.read_only_reason: str | None = None
        self.readOnlyLabel = QLabel()
        self.readOnlyLabel.setObjectName("readOnlyLabel")
        self.readOnlyLabel.setWordWrap(True)
        self.readOnlyLabel.setStyleSheet("color: #a15c00;")
        self.readOnlyLabel.hide()
        self._prepared: tuple[tuple, Prepared] | None = None
        self._train_when_loaded: bool | None = None  # Train pressed while data loads
        self._train_when_free: bool | None = None  # ... while a job held the network
        tasks.released.connect(self._on_job_released)
        self._ae_run_start: int | None = None  # first epoch of an autoencoder run, if one
        # the session's own autoencoder (trained here or opened) and how it came: what the
        # Autoencoder tab (and so the Draw tab's rebuilds) shows, never the bundled one
        self._own_ae: tuple[object, str] | None = None
        self._ae_shown_data = None  # the data set whose test digits the tab shows
        # the builder's network built and traced before Train, while the window is idle
        self.prebuilder = Prebuilder(self, tasks, self._prebuild_wanted, training.is_running)
        self.bundled_ae = BundledAutoencoder(self, tasks, pages, lambda: (  # an own one wins
            self._own_autoencoder() is not None or self._ae_run_start is not None))
        self.bundled_ae.message.connect(self.message)
        training.wait_before = self.prebuilder.wait_before  # no run beside a preparation
        builder.specChanged.connect(self._on_spec_changed)
        builder.configChanged.connect(  # the empty plots' epoch axis: the run to come
            lambda: training.plan_epochs(builder.config().epochs,
                                         builder.config().validation_split > 0))
        training.trainRequested.connect(self.train)
        training.runStarted.connect(self._on_run_started)
        training.runFinished.connect(self._on_run_finished)
        training.probeArrived.connect(self._on_probe)
        training.epochEnded.connect(self._on_epoch_ended)
        data.loaded.connect(self._on_dataset)
        data.failed.connect(self._on_data_failed)
        pages.built.connect(self._on_page_built)
        for signal in (builder.specChanged, builder.configChanged, data.loaded,
                       training.runFinished):  # after the slots above: the session is new
            signal.connect(self.prebuilder.changed)

    # ------------------------------------------------------------------ the network
    def new_session(self, spec: NetworkSpec) -> None:
        """A fresh, untrained ``spec``: the training panel and the Watch tab start over."""
        self.set_read_only(None)  # an opened model that is read-only sets it again after
        self._train_when_free = None  # a click for the network this one replaces
        self.session = Session(spec)
        self._own_ae = None
        self._summary.set_spec(spec)
        self._summary.show_history(self.session.history)  # no time per epoch until a run
        self._training.reset(spec, self._builder.config().epochs)
        if self._pages.built_page("watch") is not None:  # a page built later starts empty
            self._pages.watch.clear()
        self.refresh_evaluate_context()
        self.prebuilder.changed()

    def use_network(self, spec: NetworkSpec, config: TrainConfig) -> None:
        """An opened network file: into the builder, untrained."""
        self._builder.set_spec(spec)
        self._builder.set_config(config)
        self.new_session(spec)

    def use_model(self, spec: NetworkSpec, model, reason: str | None, title: str) -> None:
        """An opened model: the builder shows ``spec`` (read-only for ``reason``), training
        continues from its weights, Evaluate and the Draw canvas get it."""
        self._builder.set_spec(spec)
        self.new_session(spec)
        self.set_read_only(reason)
        self.session.model = model  # weights exist: Train continues from them
        self.set_read_only(reason, model)
        self._training.set_has_weights(True)
        self.refresh_evaluate_context()  # an opened model evaluates like a trained one
        self._pages.drawing.offer_model(title, model)
        if spec.kind == "autoencoder":
            self._own_ae = (model, "opened")
            self.show_own_autoencoder()

    def restore(self, project: Project) -> None:
        """A project's session: its network (read-only if the builder cannot show its model),
        weights, epochs and history."""
        for step in self.restore_steps(project):
            step()

    def restore_steps(self, project: Project) -> list[Callable[[], None]]:
        """``restore`` in two steps, an event-loop turn each when a project opens: the new
        session (the old one's curves and views cleared), then the project's session in it
        (its curves drawn), ~12 ms each for a 1,000-epoch history on 2 cores."""
        def clear() -> None:
            self.new_session(project.spec)
            if project.model is not None:
                from nngui.core.model.saving import spec_from_model, stand_in_spec

                stand_in = stand_in_spec(project.model) \
                    if spec_from_model(project.model) is None else None
                self.set_read_only(stand_in[1] if stand_in else None, project.model)

        def fill() -> None:
            s = self.session
            s.model, s.epochs_done, s.history = project.model, project.epochs_done, \
                dict(project.history)
            s.target_epochs = project.epochs_done
            s.changes = list(project.changes)  # the live learning-rate changes, on the curves
            s.trained_with = optimizer_key(project.spec) if project.model is not None else None
            if project.model is not None and self._pages.built_page("watch") is not None:
                self._pages.watch.show_session_rates(s, project.config)  # cleared: rates first
            self._training.set_session(s)
            self._summary.show_history(s.history)
            if project.model is not None and project.spec.kind == "autoencoder":
                self._own_ae = (project.model, "opened")
                # after the opener has picked the project's data: shown now if that data is
                # loaded, else when it arrives (_on_dataset)
                QTimer.singleShot(0, self, self.show_own_autoencoder)

        return [clear, fill]

    def set_read_only(self, reason: str | None, model=None) -> None:
        """Show an opened model the builder cannot represent as read-only (None: editable);
        the summary then lists the model's own layers, not the builder's stand-in."""
        self.read_only_reason = reason
        self.readOnlyLabel.setText(reason or "")
        self.readOnlyLabel.setToolTip(reason or "")
        self.readOnlyLabel.setVisible(reason is not None)
        self._builder.set_locked(reason is not None or self._training.is_running())
        if reason is not None and model is not None:
            self._summary.show_model(model)

    def _on_spec_changed(self, spec: NetworkSpec) -> None:
        self._summary.set_spec(spec)
        old = self.session.spec
        same_structure = (old.input_shape == spec.input_shape and old.features == spec.features and
                          [lay.to_dict() for lay in old.layers] ==
                          [lay.to_dict() for lay in spec.layers] and old.kind == spec.kind)
        if same_structure:
            self.session.spec = spec  # new loss/optimizer/lr apply to the next run
            self._training.show_next_values(self.session)  # the LR box says what that run starts with
        elif not self._training.is_running():
            self.new_session(spec)

    # ------------------------------------------------------------------ data
    def _on_data_failed(self, message: str) -> None:
        self._train_when_loaded = None
        self.message.emit(message, 8000)

    def _on_dataset(self, ds) -> None:
        self._prepared = None
        spec = self._builder.spec()
        if tuple(spec.input_shape) != tuple(ds.input_shape) and \
                _prod(spec.input_shape) != _prod(ds.input_shape):
            self.message.emit(f"The network reads {spec.input_shape}, the data is "
                              f"{ds.input_shape}: adjust the input shape.", 8000)
        self._builder.set_data_info(DataInfo.of(ds))
        if self._pages.built_page("inspect") is not None:  # else it reads the data when built
            self._pages.inspect.set_dataset(ds)
        self.message.emit(f"Loaded {ds.title}", 4000)
        self.refresh_evaluate_context()
        self.show_own_autoencoder()
        if self._tabs.currentWidget() is self._pages.built_page("autoencoder"):
            self.page_shown(self._tabs.currentWidget())  # shown on other data: digits came
        if self._train_when_loaded is not None:  # Train was pressed while this loaded
            restart, self._train_when_loaded = self._train_when_loaded, None
            self.train(restart)

    def prepare(self, ds, spec: NetworkSpec) -> Prepared:
        """``ds`` encoded for ``spec`` (kept while the data and the network's ends stay)."""
        # the encoding depends on the data, the input shape, the loss and the output layer
        key = (id(ds), spec.input_shape, tuple(spec.features), spec.loss, spec.kind,
               repr(spec.layers[-1].to_dict()) if spec.layers else "")
        if self._prepared is None or self._prepared[0] != key:
            self._prepared = (key, prepare(ds, spec))
        return self._prepared[1]

    # ------------------------------------------------------------------ training
    def train(self, restart: bool = False) -> bool:
        """Train (or continue) the builder's network on the chosen data; False after saying why."""
        ds = self._data.dataset
        if self._data.is_loading():  # the data picked last, not the one it replaces
            self._train_when_loaded = restart
            self.message.emit("The data is still loading; training starts as soon as it "
                              "is ready.", 0)
            return False
        if ds is None:
            QMessageBox.information(self._window, "No data", "Choose a dataset first.")
            return False
        spec = self._builder.spec()
        if restart and self.read_only_reason is not None:
            QMessageBox.information(self._window, "Read-only network", self.read_only_reason +
                                    " It can continue training, not start from scratch.")
            return False
        problems = errors(self._builder.problems())
        if problems:
            QMessageBox.warning(self._window, "The network cannot be trained yet",
                                "\n".join(f"• {p}" for p in problems))
            return False
        try:
            config, data = self._run_parts(spec, ds)
        except SpecError as exc:
            QMessageBox.warning(self._window, "Cannot train", str(exc))
            return False
        if self._tasks.held_by_job(self.session) and not self._training.is_running():
            self._train_when_free = restart  # a short job: an evaluation, the Watch views
            self.message.emit("The network is being evaluated; training starts as soon as "
                              "it is free.", 0)
            return False
        if self._tasks.is_held(self.session):
            QMessageBox.information(self._window, "Busy", "This network is in use (e.g. being "
                                    "evaluated); try again in a moment.")
            return False
        self.session.spec = spec
        self.message.emit("Data: " + "; ".join(data.notes), 10000)
        request = RunRequest(self.session, data, config, restart, self.probes(spec, ds),
                             prebuilt=self.prebuilder.shelf)
        first = 0 if restart else self.session.epochs_done
        epochs = self.session.epochs_for_next_run(config.epochs, restart)  # a Stop's rest
        if not self._training.start(request):
            return False
        if restart and self._pages.built_page("watch") is not None:
            self._pages.watch.clear()  # no view of the last run stays up over the new one
        if self._pages.built_page("evaluate") is not None:
            self._pages.evaluate.say_idle()  # "train first" no more: the network is training
        if spec.kind == "autoencoder":  # the Autoencoder tab shows this run, nothing older
            self._ae_run_start = first
            self._pages.autoencoder.begin_run(spec.name or "your autoencoder", epochs, first)
        return True

    def _on_job_released(self) -> None:
        """Train, pressed while a job held the network, once none holds it."""
        if self._train_when_free is not None and not self._tasks.is_held(self.session):
            restart, self._train_when_free = self._train_when_free, None
            self.train(restart)

    def _run_parts(self, spec: NetworkSpec, ds) -> tuple[TrainConfig, Prepared]:
        """The settings and the encoded data a run of ``spec`` on ``ds`` trains with now."""
        return self._pages.watch.runs.apply_options(self._builder.config()), \
            self.prepare(ds, spec)

    def _prebuild_wanted(self) -> tuple | None:
        """What a Train click would build now, for the preparation (``Prebuilder``), or None
        where nothing is to be prepared."""
        ds, s = self._data.dataset, self.session
        if ds is None or self._data.is_loading() or s.model is not None or \
                self.read_only_reason is not None or self._training.is_running() or \
                self._pages.built_page("watch") is None or errors(self._builder.problems()):
            return None
        spec = self._builder.spec()
        try:
            config, data = self._run_parts(spec, ds)
        except SpecError:
            return None
        key = (id(s), repr(spec.to_dict()), repr(config.to_dict()), id(ds))
        return key, spec, data, config, partial(self.probes, spec, ds)

    def probes(self, spec: NetworkSpec, ds) -> list:
        """What the live views need from the model after each epoch (run in its thread)."""
        return watch_context.run_probes(spec, ds, self.prepare(ds, spec))

    def sweep_request(self, spec: NetworkSpec) -> RunRequest | None:
        """A from-scratch run of ``spec`` (a sweep's setting) on the chosen data."""
        ds = self._data.dataset
        if self._data.is_loading():
            self.message.emit("The data is still loading: start the sweep when it is ready.",
                              6000)
            return None
        if ds is None or errors(self._builder.problems()):
            self.message.emit("Choose data and a network that can train first.", 6000)
            return None
        try:
            config, data = self._run_parts(spec, ds)
        except SpecError as exc:
            self.message.emit(str(exc), 8000)
            return None
        return RunRequest(Session(spec), data, config, True, self.probes(spec, ds),
                          prebuilt=self.prebuilder.shelf)

    def inspect_context(self):
        """(session, prepared data, dataset) for the Inspect tab's jobs, or why there is none."""
        ds, session = self._data.dataset, self.session
        if ds is None or session.model is None or ds.task != "classification" or \
                session.spec.kind != "classifier":
            return "Train a classifier on this data first; then its layers can be inspected."
        try:
            return session, self.prepare(ds, session.spec), ds
        except SpecError as exc:
            return str(exc)

    def _on_run_started(self) -> None:
        self.prebuilder.hold()
        self._builder.set_locked(True)
        here = self._tabs.currentWidget()
        shown_here = here is self._pages.built_page("watch") or (  # watching it live, or an
            here is self._pages.built_page("autoencoder") and  # autoencoder's run on its own
            self._training.session is not None and  # tab, which shows its progress: stay
            self._training.session.spec.kind == "autoencoder")
        if not shown_here:
            self._tabs.setCurrentWidget(self._training)

    def _on_probe(self, name: str, epoch: int, payload) -> None:
        self._pages.watch.show_probe(name, epoch, payload)
        if name == "reconstructions":
            self._pages.autoencoder.show_reconstructions(payload["originals"],
                                                         payload["reconstructions"])

    def _on_epoch_ended(self, epoch: int, logs: dict) -> None:
        if self._ae_run_start is not None:
            parts = [f"{k} {v:.4f}" for k, v in logs.items()  # a stopped part has no val: NaN
                     if k in ("loss", "val_loss") and math.isfinite(v)]
            self._pages.autoencoder.run_progress(epoch + 1 - self._ae_run_start,
                                                 f"Epoch {epoch + 1}: " + " · ".join(parts))

    def _on_run_finished(self, result: RunResult) -> None:
        self._builder.set_locked(self.read_only_reason is not None)
        was_ae_run, self._ae_run_start = self._ae_run_start is not None, None
        if was_ae_run:
            self._pages.autoencoder.end_run()
        self._summary.show_history(self.session.history)  # its measured time per epoch
        if self._training.session is not self.session:  # a sweep's run, a fine-tune: the
            # builder's network is unchanged. The Train tab shows that network again once no
            # such run follows (a sweep starts its next in this same signal); their results
            # stay in the Watch tab's run list and the Draw tab's report
            QTimer.singleShot(0, self, self._back_to_session)
            return
        ds = self._data.dataset
        if self.session.model is None or ds is None:
            return
        self.refresh_evaluate_context()
        if self.session.spec.kind == "autoencoder":
            self._own_ae = (self.session.model, "trained here")
            self.show_own_autoencoder(again=True)  # new weights, maybe the same model
            self._tabs.setCurrentWidget(self._pages.autoencoder)
            return
        if result.ok:
            self._pages.evaluate.evaluate()
        # the canvas copies the weights (~13 ms) in an event-loop turn of its own: with the run
        # list's and the curves' updates the run's end stalled the window ~45 ms in one go
        QTimer.singleShot(0, self, partial(self._offer_to_canvas, self.session,
                                           self.session.model))

    def _back_to_session(self) -> None:
        if not self._training.is_running() and self._training.session is not self.session:
            self._training.set_session(self.session)

    def _offer_to_canvas(self, session: Session, model) -> None:
        """A trained model joins the canvas' list once no job works on it (the evaluation).

        It joins even if the window moved on to another network meanwhile: it was trained.
        """
        if model is None or (self._training.is_running() and self._training.session is session
                             and session.model is model):
            return  # trained on: that run's end offers it
        again = partial(self._offer_to_canvas, session, model)
        holders = [t for t in self._tasks.running() if t.holds_object(model)
                   or t.holds_object(session)]
        if holders:  # the evaluation: right after it lets go, in a turn of its own
            holders[0].finished.connect(lambda: QTimer.singleShot(0, self, again))
            return
        if abandon.is_busy(model):  # a Stop left fit ending its last batches on it
            QTimer.singleShot(150, self, again)
            return
        self._pages.drawing.offer_model(f"Trained here: {session.spec.name}", model)

    # ------------------------------------------------------------------ the pages' views
    def refresh_evaluate_context(self, changed: bool = True) -> None:
        """Point Evaluate at the session's model (trained here or opened) and the data;
        ``changed``: they are new, so Inspect's probe and map were of the ones before."""
        if changed and self._pages.built_page("inspect") is not None:
            self._pages.inspect.network_changed()
        ds, model = self._data.dataset, self.session.model
        if self._pages.built_page("evaluate") is None:  # built later, it asks again
            return
        evaluate, task = self._pages.evaluate, getattr(ds, "task", None)  # the tabs it has
        if model is None or ds is None:  # a new network: no accuracy of the one before stays
            if not evaluate.is_running():
                evaluate.set_context(None, None, self.session.spec, [], None, model is not None, task)
            return
        try:
            data = self.prepare(ds, self.session.spec)
        except SpecError as exc:
            evaluate.set_context(None, None, None, [])
            evaluate.testMetricsLabel.setText(f"This model does not fit {ds.title}: {exc}")
            return
        evaluate.set_context(model, data, self.session.spec, ds.class_names, ds.x_test, task=task)

    def _on_page_built(self, name: str) -> None:
        if name == "evaluate":
            self.refresh_evaluate_context(changed=False)
        elif name == "watch":  # its weight editor's jobs act on the session, as Train's do
            watch = self._pages.watch
            watch.edit.bind(self._tasks, self.weight_context, watch.show_probe)
            if self.session.model is not None:  # an opened model's rates, before its views
                watch.show_session_rates(self.session, self._builder.config())
        elif name == "autoencoder":
            self.show_own_autoencoder()

    def page_shown(self, page: QWidget) -> None:
        """The tab showing ``page`` was chosen: fill what it shows of the current network."""
        pages = self._pages
        if page is pages.built_page("watch"):
            self._fill_watch()
        if page in (pages.built_page("autoencoder"), pages.built_page("draw")):
            if self._own_autoencoder() is not None:
                self.show_own_autoencoder()
            elif pages.autoencoder.model is None:
                self.bundled_ae.show(self._data.dataset)

    def _own_autoencoder(self):
        """The session's autoencoder model (trained here or opened), or None."""
        own = self._own_ae
        return own[0] if own is not None and own[0] is self.session.model else None

    def show_own_autoencoder(self, again: bool = False) -> None:
        """The session's autoencoder in the Autoencoder tab (the Draw tab rebuilds drawings
        with the model that tab shows): the one trained here or opened, never the bundled one.

        Shown again on new data (its test digits); not while the data loads, not when the
        data does not fit it, and a page not built yet asks when it is built.
        """
        model, ds, pages = self._own_autoencoder(), self._data.dataset, self._pages
        if model is None or ds is None or self._data.is_loading() or \
                pages.built_page("autoencoder") is None or \
                _prod(ds.input_shape) != _prod(self.session.spec.input_shape):
            return
        panel = pages.autoencoder
        if panel.model is model and self._ae_shown_data is ds and not again:
            return  # shown already, with these test digits
        if self._training.is_running() and self._training.session is self.session:
            return  # training it: the run's end shows it
        from nngui.gui.autoencoder.panel import epochs_trained  # built: imported already

        s, how = self.session, self._own_ae[1]
        name = s.spec.name or "your autoencoder"
        self._ae_shown_data = ds
        panel.set_model(model, s.spec, ds.x_test, ds.y_test,
                        f"{name}, {how} ({epochs_trained(s.epochs_done, s.history)})")
        panel.modelLabel.setToolTip("")  # not the bundled one's hint

    def weight_context(self):
        """(session, probes, x, y) for the Watch tab's weight editor, or why there is none."""
        return watch_context.weight_context(self.session, self._data.dataset, self.prepare,
                                            self.probes)

    def _fill_watch(self) -> None:
        """A model not trained here (opened): the live views once, from a job that holds it."""
        watch_context.fill_watch(self.session, self._data.dataset, self._pages.watch,
                                 self._tasks, self.probes,
                                 lambda s: s is self.session, self.message.emit)


def _prod(shape) -> int:
    return math.prod(int(v) for v in shape)
