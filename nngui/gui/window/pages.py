"""The main window's tabs after Train, built on first use or one by one after the first paint.

The window used to build all eight pages (about twenty pyqtgraph plots, 0.7 s) and import
their modules before it could show itself. Now it shows the builder and the Train tab only,
whose two plots (and pyqtgraph's import, ~0.2 s) come in the first step after the paint;
every other tab starts as an empty placeholder. ``window.draw`` (and ``window.evaluate``,
``window.lab``…) builds its page on first access and swaps it in at the same index, so code
and tests keep using the attributes as before; selecting a tab builds it before it is drawn.
Once the window has painted, a zero-delay timer imports one page's module, then builds that
page, per event-loop turn, so the user's clicks are answered in between.

A mixin for ``MainWindow``: it relies on ``tabs``, ``tasks``, ``training``, ``data``,
``builder``, ``statusBar`` and the window's ``_sweep_request``, ``_inspect_context``,
``_draw_into_autoencoder``, ``_refresh_evaluate_context`` and ``mark_modified``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSignalBlocker, QTimer
from PySide6.QtWidgets import QWidget

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
    """``window.<attr>``: builds the page ``page`` on first access, then is a plain attribute.

    A non-data descriptor: the build stores the widget in the instance's ``__dict__``, which
    Python consults first from then on, so a built page costs nothing to reach.
    """

    def __init__(self, page: str | None = None) -> None:
        self.page = page

    def __set_name__(self, owner: type, name: str) -> None:
        self.attr = name
        self.page = self.page or name

    def __get__(self, window: Any, owner: type | None = None) -> Any:
        if window is None:
            return self
        window.build_page(self.page)
        try:
            return window.__dict__[self.attr]
        except KeyError:  # asked for while its own build runs
            raise AttributeError(f"the {self.page} page is still being built") from None


class _FirstPaint(QObject):
    """Calls ``then`` once, after the window's first paint event."""

    def __init__(self, window: QWidget, then: Callable[[], None]) -> None:
        super().__init__(window)
        self._then = then
        window.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt naming)
        if event.type() == QEvent.Type.Paint:
            obj.removeEventFilter(self)
            QTimer.singleShot(0, self._then)  # after this paint reaches the screen
        return False


class WindowPages:
    """Lazy construction of the main window's tabs (see the module docstring)."""

    evaluate = LazyPage()
    draw = LazyPage()
    drawing = LazyPage("draw")  # the DrawController comes with the Draw page
    autoencoder = LazyPage()
    lab = LazyPage()
    watch = LazyPage()
    inspect = LazyPage()

    def _add_pages(self) -> None:
        """Placeholders for every page after Train; background building starts after paint."""
        self._placeholders: dict[str, QWidget] = {}
        self._building: set[str] = set()
        self._partial: dict[str, Iterator[None]] = {}  # pages half built by the steps
        for name, (title, _module) in PAGES.items():
            holder = QWidget(objectName=f"{name}Placeholder")
            self._placeholders[name] = holder
            self.tabs.addTab(holder, title)
        self.tabs.currentChanged.connect(self._build_shown_page)  # before the window's slot
        self._steps = [("plots", "training")]  # the Train tab's plots come first
        self._steps += [step for name, (_t, module) in PAGES.items()
                        for step in (("import", module), ("build", name))]
        self._painted = False
        self._when_painted: list[Callable[[], None]] = []
        _FirstPaint(self, self._on_painted)

    def when_painted(self, job: Callable[[], None]) -> None:
        """Run ``job`` after the window's first paint; a window not shown runs it at once.

        Work started before the paint (TensorFlow's import in a thread) competes with it for
        the GIL and the CPU: it waits until the window is on screen.
        """
        if self._painted:
            job()
            return
        self._when_painted.append(job)
        QTimer.singleShot(0, self._run_if_hidden)  # after the caller's show(), if any
        QTimer.singleShot(1500, self._on_first_paint)  # a shown window never painted

    def build_pages_soon(self) -> None:
        """Build the remaining pages one step per event-loop turn (while the window shows)."""
        QTimer.singleShot(0, self._next_page_step)

    def built_page(self, name: str) -> QWidget | None:
        """The page if it has been built (never builds it)."""
        return self.__dict__.get(name)

    def pages_pending(self) -> list[str]:
        """The pages not built yet, in tab order."""
        return list(self._placeholders)

    def build_page(self, name: str) -> None:
        """Build the page ``name`` now unless it exists (or is being built)."""
        while name in self._placeholders and name not in self._building:
            self._advance(name)

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
        return True

    def build_all_pages(self) -> None:
        """Build every page that is still a placeholder (and the Train tab's plots)."""
        self.training.build_plots()
        for name in list(self._placeholders):
            self.build_page(name)

    def findChild(self, *args, **kwargs):  # noqa: N802 (Qt naming)
        """QObject.findChild after building every page: objectNames stay findable."""
        self.build_all_pages()
        return super().findChild(*args, **kwargs)

    def findChildren(self, *args, **kwargs):  # noqa: N802 (Qt naming)
        """QObject.findChildren after building every page."""
        self.build_all_pages()
        return super().findChildren(*args, **kwargs)

    # ---- internals -------------------------------------------------------------------------
    def _swap_in(self, holder: QWidget, widget: QWidget) -> None:
        tabs = self.tabs
        index, current = tabs.indexOf(holder), tabs.currentIndex()
        title, tip = tabs.tabText(index), tabs.tabToolTip(index)
        widget.setSizePolicy(holder.sizePolicy())  # _fit_tabs' choice for a hidden page
        blocker = QSignalBlocker(tabs)  # same index, same current tab: nothing changed
        tabs.removeTab(index)
        tabs.insertTab(index, widget, title)
        tabs.setTabToolTip(index, tip)
        tabs.setCurrentIndex(current)
        blocker.unblock()
        holder.deleteLater()

    def _run_if_hidden(self) -> None:
        if not self.isVisible():
            self._on_first_paint()

    def _on_painted(self) -> None:
        """The real first paint (a window made hidden and shown later has one too)."""
        self._on_first_paint()
        self.build_pages_soon()

    def _on_first_paint(self) -> None:
        jobs, self._when_painted = self._when_painted, []
        self._painted = True
        for job in jobs:
            job()

    def _build_shown_page(self, index: int) -> None:
        for name, holder in list(self._placeholders.items()):
            if self.tabs.indexOf(holder) == index:
                self.build_page(name)

    def _next_page_step(self) -> None:
        """One import or one page (part) per event-loop turn; a closed window stops building."""
        if not self.isVisible():
            return
        try:
            self._take_step()
        finally:  # a page that failed to build is tried again on use; the others still come
            if self._steps:
                QTimer.singleShot(0, self._next_page_step)

    def _take_step(self) -> None:
        while self._steps:
            kind, what = self._steps.pop(0)
            if kind == "plots" and not self.training.plots_ready():
                self.training.build_plots()
                return
            if kind == "import" and any(PAGES[n][1] == what for n in self._placeholders):
                importlib.import_module(what)
                return
            if kind == "build" and what in self._placeholders and what not in self._building:
                if not self._advance(what):
                    self._steps.insert(0, (kind, what))  # its next part, next turn
                return

    # ---- the pages -------------------------------------------------------------------------
    def _make_evaluate(self) -> QWidget:
        from nngui.gui.evaluate.panel import EvaluatePanel

        self.evaluate = EvaluatePanel(self.tasks)
        return self.evaluate

    def _wire_evaluate(self) -> None:
        self._refresh_evaluate_context()
        self.evaluate.sampleChosen.connect(self._inspect_sample)

    def _make_draw(self) -> QWidget:
        from nngui.gui.draw.panel import DrawPanel
        from nngui.gui.window.draw_controller import DrawController

        self.draw = DrawPanel(tasks=self.tasks)
        self.drawing = DrawController(self.draw, self.training, self.data, self.tasks, self)
        return self.draw

    def _wire_draw(self) -> None:
        self.draw.refreshed.connect(self._draw_into_autoencoder)
        self.drawing.reported.connect(lambda text: self.statusBar().showMessage(text, 15000))
        self.drawing.finetuned.connect(lambda: self.tabs.setCurrentWidget(self.draw))
        gallery = self.draw.samplesGallery.model()  # samples are part of the project
        gallery.rowsInserted.connect(self.mark_modified)
        gallery.rowsRemoved.connect(self.mark_modified)
        if getattr(self, "_tensorflow_ready", False):  # else TensorFlow's arrival loads them
            self.drawing.load_bundled_models()

    def _make_autoencoder(self) -> QWidget:
        from nngui.gui.autoencoder.panel import AutoencoderPanel

        self.autoencoder = AutoencoderPanel(self.tasks)
        return self.autoencoder

    def _make_lab(self) -> Iterator[None]:
        from nngui.gui.lab.function_explorer import ActivationExplorer, LossExplorer
        from nngui.gui.lab.panel import LabPanel

        activations = ActivationExplorer()  # its own turn: 3 plots
        yield
        losses = LossExplorer()
        yield
        self.lab = LabPanel(tasks=self.tasks, explorers=(activations, losses))
        return self.lab

    def _wire_lab(self) -> None:
        lab = self.lab  # the lab's network is part of the project
        for button in (lab.forwardButton, lab.backwardButton, lab.stepButton, lab.runNButton,
                       lab.runButton, lab.resetButton):
            button.clicked.connect(self.mark_modified)
        for spin in (lab.lrSpin, lab.hiddenSpin, lab.alphaSpin, lab.seedSpin):
            spin.valueChanged.connect(self.mark_modified)
        for combo in (lab.tableCombo, lab.actCombo, lab.lossCombo):
            combo.currentIndexChanged.connect(self.mark_modified)
        lab.biasCheck.toggled.connect(self.mark_modified)

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
        self.watch = WatchPanel(self.training, self._sweep_request, self.builder.spec,
                                self.builder.config, views=(live, stats, overfit))
        self.watch.runs.sweepEnded.connect(lambda text: self.statusBar().showMessage(text, 20000))
        return self.watch

    def _make_inspect(self) -> QWidget:
        from nngui.gui.evaluate.inspect import InspectPanel

        self.inspect = InspectPanel(self.tasks, self._inspect_context)
        if self.data.dataset is not None:
            self.inspect.set_dataset(self.data.dataset)
        return self.inspect
