"""The main window's tabs after Train, built on first use or one by one after the first paint.

The window used to build all eight pages (about twenty pyqtgraph plots, 0.7 s) and import
their modules before it could show itself. Now it shows the builder and the Train tab only,
whose two plots (and pyqtgraph's import, ~0.2 s) come in the first step after the paint;
every other tab starts as an empty placeholder. ``pages.draw`` (and ``pages.evaluate``,
``pages.lab``…) builds its page on first access and swaps it in at the same index; the
window reaches its pages the same way (``window.draw`` is ``window.pages.draw``), so code and
tests keep using the attributes as before; selecting a tab builds it before it is drawn.
Once the window has painted (``FirstPaint``), a zero-delay timer imports one page's module,
then builds that page, per event-loop turn, so the user's clicks are answered in between.

``Pages`` owns the tab widget's pages and the wiring among them (a test sample picked in
Evaluate is probed on Inspect, a drawing goes through the autoencoder, a fine-tune shows the
Draw tab). What it needs from the rest of the window comes through its constructor: the tab
widget, the task runner, the training panel, the data controller, the builder, and two
callables of the workbench (a sweep's run request, the Inspect tab's context). It tells the
others through signals: ``built(name)`` after a page is swapped in, ``message`` for the
status bar.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSignalBlocker, QTimer, Signal
from PySide6.QtWidgets import QTabWidget, QWidget

from nngui.gui.builder.panel import BuilderPanel
from nngui.gui.common.data_controller import DataController
from nngui.gui.common.tasks import TaskRunner
from nngui.gui.training.panel import TrainingPanel
from nngui.gui.training.run_recorder import RunRecorder

# page -> (tab title, the module its build imports); in tab order, after Train
PAGES: dict[str, tuple[str, str]] = {
    "evaluate": ("Evaluate", "nngui.gui.evaluate.panel"),
    "draw": ("Draw", "nngui.gui.window.draw_controller"),
    "autoencoder": ("Autoencoder", "nngui.gui.autoencoder.panel"),
    "lab": ("How it learns", "nngui.gui.lab.panel"),
    "watch": ("Watch", "nngui.gui.training.watch"),
    "inspect": ("Inspect", "nngui.gui.evaluate.inspect"),
}


class LazyPage:
    """``pages.<attr>``: builds the page ``page`` on first access, then is a plain attribute.

    A non-data descriptor: the build stores the widget in the instance's ``__dict__``, which
    Python consults first from then on, so a built page costs nothing to reach.
    """

    def __init__(self, page: str | None = None) -> None:
        self.page = page

    def __set_name__(self, owner: type, name: str) -> None:
        self.attr = name
        self.page = self.page or name

    def __get__(self, pages: Any, owner: type | None = None) -> Any:
        if pages is None:
            return self
        pages.build(self.page)
        try:
            return pages.__dict__[self.attr]
        except KeyError:  # asked for while its own build runs
            raise AttributeError(f"the {self.page} page is still being built") from None


class PageOf:
    """``window.<attr>``: the same attribute of ``window.pages`` (built on first access)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.attr = name

    def __get__(self, window: Any, owner: type | None = None) -> Any:
        if window is None:
            return self
        return getattr(window.pages, self.attr)


class FirstPaint(QObject):
    """Runs jobs after the window's first paint; ``shown`` says that the real paint came.

    Work started before the paint (TensorFlow's import in a thread) competes with it for the
    GIL and the CPU: it waits until the window is on screen. A window that is not shown runs
    the jobs at once (and a shown window that never paints, after 1.5 s).
    """

    shown = Signal()  # the window's real first paint reached the screen

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        self._painted = False
        self._jobs: list[Callable[[], None]] = []
        window.installEventFilter(self)

    def painted(self) -> bool:
        """True once the jobs have run (after the paint, or at once for a hidden window)."""
        return self._painted

    def when_painted(self, job: Callable[[], None]) -> None:
        """Run ``job`` after the window's first paint; a window not shown runs it at once."""
        if self._painted:
            job()
            return
        self._jobs.append(job)
        QTimer.singleShot(0, self, self._run_if_hidden)  # after the caller's show(), if any
        QTimer.singleShot(1500, self, self._run_jobs)  # a shown window never painted

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt naming)
        if event.type() == QEvent.Type.Paint:
            obj.removeEventFilter(self)
            QTimer.singleShot(0, self, self._on_painted)  # after this paint reaches the screen
        return False

    def _run_if_hidden(self) -> None:
        if not self._window.isVisible():
            self._run_jobs()

    def _on_painted(self) -> None:
        """The real first paint (a window made hidden and shown later has one too)."""
        self._run_jobs()
        self.shown.emit()

    def _run_jobs(self) -> None:
        jobs, self._jobs = self._jobs, []
        self._painted = True
        for job in jobs:
            job()


class Pages(QObject):
    """The main window's lazily built tabs (see the module docstring)."""

    built = Signal(str)  # a page was built and swapped in at its place
    message = Signal(str, int)  # status bar text and timeout

    evaluate = LazyPage()
    draw = LazyPage()
    drawing = LazyPage("draw")  # the DrawController comes with the Draw page
    autoencoder = LazyPage()
    lab = LazyPage()
    watch = LazyPage()
    inspect = LazyPage()

    def __init__(self, window: QWidget, tabs: QTabWidget, tasks: TaskRunner,
                 training: TrainingPanel, data: DataController, builder: BuilderPanel,
                 sweep_request: Callable, inspect_context: Callable,
                 recorder: RunRecorder | None = None) -> None:
        """Placeholders for every page after Train (``tabs`` holds Train already)."""
        super().__init__(window)
        self._window = window  # building stops while it is closed
        self._tabs, self._tasks, self._training = tabs, tasks, training
        self._data, self._builder = data, builder
        self._sweep_request, self._inspect_context = sweep_request, inspect_context
        self._recorder = recorder  # lists every run in the session state (the Watch tab's)
        self._tensorflow_ready = False
        self._placeholders: dict[str, QWidget] = {}
        self._building: set[str] = set()
        self._partial: dict[str, Iterator[None]] = {}  # pages half built by the steps
        for name, (title, _module) in PAGES.items():
            holder = QWidget(objectName=f"{name}Placeholder")
            self._placeholders[name] = holder
            tabs.addTab(holder, title)
        tabs.currentChanged.connect(self._build_shown_page)  # before the window's slot
        self._steps = [("plots", "training")]  # the Train tab's plots come first
        self._steps += [step for name, (_t, module) in PAGES.items()
                        for step in (("import", module), ("build", name))]

    def build_soon(self) -> None:
        """Build the remaining pages one step per event-loop turn (while the window shows)."""
        QTimer.singleShot(0, self, self.next_step)

    def built_page(self, name: str) -> QWidget | None:
        """The page if it has been built (never builds it)."""
        return self.__dict__.get(name)

    def pending(self) -> list[str]:
        """The pages not built yet, in tab order."""
        return list(self._placeholders)

    def build(self, name: str) -> None:
        """Build the page ``name`` now unless it exists (or is being built)."""
        while name in self._placeholders and name not in self._building:
            self._advance(name)

    def build_all(self) -> None:
        """Build every page that is still a placeholder (and the Train tab's plots)."""
        self._training.build_plots()
        for name in list(self._placeholders):
            self.build(name)

    def next_step(self) -> None:
        """One import or one page (part) per event-loop turn; a closed window stops building."""
        if not self._window.isVisible():
            return
        try:
            self._take_step()
        finally:  # a page that failed to build is tried again on use; the others still come
            if self._steps:
                QTimer.singleShot(0, self, self.next_step)

    def tensorflow_ready(self) -> None:
        """TensorFlow has loaded: the Draw page (now or when built) loads its models."""
        self._tensorflow_ready = True
        if self.built_page("draw") is not None:  # else the Draw page loads them when built
            self.drawing.load_bundled_models()

    # ---- internals -------------------------------------------------------------------------
    def _advance(self, name: str) -> bool:
        """One step of building ``name`` (a page's maker may yield between parts); True: done.

        A maker returns the page's widget, or is a generator that yields between expensive
        parts and returns it, so the background steps stay short.
        """
        self._building.add(name)
        try:
            partial = self._partial.get(name)
            if partial is None:
                made = getattr(self, f"_make_{name}")()
                if not isinstance(made, Iterator):
                    return self._finish(name, made)
                partial = self._partial[name] = made
            try:
                next(partial)
                return False
            except StopIteration as built:
                del self._partial[name]
                return self._finish(name, built.value)
            except BaseException:
                del self._partial[name]  # a failed build starts over when next asked for
                raise
        finally:
            self._building.discard(name)

    def _finish(self, name: str, widget: QWidget) -> bool:
        self._swap_in(self._placeholders.pop(name), widget)
        getattr(self, f"_wire_{name}", lambda: None)()  # after the swap: it may switch tabs
        self.built.emit(name)
        return True

    def _swap_in(self, holder: QWidget, widget: QWidget) -> None:
        tabs = self._tabs
        index, current = tabs.indexOf(holder), tabs.currentIndex()
        title, tip = tabs.tabText(index), tabs.tabToolTip(index)
        widget.setSizePolicy(holder.sizePolicy())  # fit_tabs' choice for a hidden page
        blocker = QSignalBlocker(tabs)  # same index, same current tab: nothing changed
        tabs.removeTab(index)
        tabs.insertTab(index, widget, title)
        tabs.setTabToolTip(index, tip)
        tabs.setCurrentIndex(current)
        blocker.unblock()
        holder.deleteLater()

    def _build_shown_page(self, index: int) -> None:
        for name, holder in list(self._placeholders.items()):
            if self._tabs.indexOf(holder) == index:
                self.build(name)

    def _take_step(self) -> None:
        while self._steps:
            kind, what = self._steps.pop(0)
            if kind == "plots" and not self._training.plots_ready():
                self._training.build_plots()
                return
            if kind == "import" and any(PAGES[n][1] == what for n in self._placeholders):
                importlib.import_module(what)
                return
            if kind == "build" and what in self._placeholders and what not in self._building:
                if not self._advance(what):
                    self._steps.insert(0, (kind, what))  # its next part, next turn
                return

    # ---- the pages and their wiring among themselves --------------------------------------
    def _make_evaluate(self) -> QWidget:
        from nngui.gui.evaluate.panel import EvaluatePanel

        self.evaluate = EvaluatePanel(self._tasks)
        return self.evaluate

    def _wire_evaluate(self) -> None:
        self.evaluate.sampleChosen.connect(self._inspect_sample)

    def _inspect_sample(self, index: int) -> None:
        """A test sample picked in Evaluate: probe it on the Inspect tab (as the gallery does)."""
        self._tabs.setCurrentWidget(self.inspect)
        self.inspect.sample.choose(index)

    def _make_draw(self) -> QWidget:
        from nngui.gui.draw.panel import DrawPanel
        from nngui.gui.window.draw_controller import DrawController

        self.draw = DrawPanel(tasks=self._tasks)
        self.drawing = DrawController(self.draw, self._training, self._data, self._tasks,
                                      self._window)
        return self.draw

    def _wire_draw(self) -> None:
        self.draw.refreshed.connect(self._draw_into_autoencoder)
        self.drawing.reported.connect(lambda text: self.message.emit(text, 15000))
        self.drawing.finetuned.connect(lambda: self._tabs.setCurrentWidget(self.draw))
        if self._tensorflow_ready:  # else TensorFlow's arrival loads them
            self.drawing.load_bundled_models()

    def _draw_into_autoencoder(self, x28) -> None:
        """With an autoencoder loaded, show its rebuild of the drawing and mark its code."""
        panel = self.autoencoder
        if panel.model is None or self._tasks.is_held(panel.model):
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

    def _make_autoencoder(self) -> QWidget:
        from nngui.gui.autoencoder.panel import AutoencoderPanel

        self.autoencoder = AutoencoderPanel(self._tasks)
        self.autoencoder.stopRequested.connect(self._training.stop)
        return self.autoencoder

    def _make_lab(self) -> Iterator[None]:
        from nngui.gui.lab.function_explorer import ActivationExplorer, LossExplorer
        from nngui.gui.lab.panel import LabPanel

        activations = ActivationExplorer()  # its own turn: 3 plots
        yield
        losses = LossExplorer()
        yield
        self.lab = LabPanel(tasks=self._tasks, explorers=(activations, losses))
        return self.lab

    def _make_watch(self) -> Iterator[None]:
        from nngui.gui.training.live import LivePanel
        from nngui.gui.training.overfit import OverfitView
        from nngui.gui.training.stats import StatsPanel
        from nngui.gui.training.watch import WatchPanel

        live = LivePanel()  # ~0.1 s each (a dozen plots in all): one per event-loop turn
        yield
        stats = StatsPanel()
        yield
        overfit = OverfitView()
        yield
        self.watch = WatchPanel(self._training, self._sweep_request, self._builder.spec,
                                self._builder.config, views=(live, stats, overfit),
                                recorder=self._recorder)
        self.watch.runs.sweepEnded.connect(lambda text: self.message.emit(text, 20000))
        self.watch.edit.edited.connect(self._weights_edited)
        return self.watch

    def _weights_edited(self) -> None:
        """A weight dragged on the Watch tab (or Reset): Evaluate's numbers, matrix and
        mistakes are of other weights now (a page not built yet has none to show)."""
        evaluate = self.built_page("evaluate")
        if evaluate is not None and not self._training.is_running():  # (a paused run's
            evaluate.weights_changed()  # weights are the run's: its end evaluates them)

    def _make_inspect(self) -> QWidget:
        from nngui.gui.evaluate.inspect import InspectPanel

        self.inspect = InspectPanel(self._tasks, self._inspect_context)
        if self._data.dataset is not None:
            self.inspect.set_dataset(self._data.dataset)
        return self.inspect
