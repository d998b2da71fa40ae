"""The shipped 2-D autoencoder, shown in the Autoencoder tab until the user has one of their
own (trained here or opened): loaded once, in a job, on MNIST-shaped data only."""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from nngui.gui.common.tasks import TaskRunner, plain
from nngui.gui.window.pages import Pages


class BundledAutoencoder(QObject):
    """Loads the bundled autoencoder and shows it unless ``yields()`` (an own one wins)."""

    message = Signal(str, int)  # status bar text and timeout

    def __init__(self, parent: QObject, tasks: TaskRunner, pages: Pages,
                 yields: Callable[[], bool]) -> None:
        super().__init__(parent)
        self._tasks, self._pages, self._yields = tasks, pages, yields
        self.loading = False  # asked for once: loading, or loaded
        self.model = None  # the bundled model, once loaded
        self._spec = None
        self._replace = False  # show_instead asked before it had loaded

    def show(self, ds) -> None:
        """A fresh install shows the shipped 2-D autoencoder until the user trains one."""
        from nngui.core.model.saving import load_model
        from nngui.core.platform.resources import bundled_model

        path = bundled_model("autoencoder_2d")
        if path is None or ds is None or math.prod(int(v) for v in ds.input_shape) != 784:
            return
        if self.loading:
            return  # already loading (or loaded); opening a model takes ~0.3 s: not here
        self.loading = True
        self._tasks.submit("load-autoencoder", plain(lambda: load_model(path)),
                           on_done=lambda model: self._use(model, ds),
                           on_failed=lambda msg: self.message.emit(
                               f"Bundled autoencoder unavailable: {msg}", 8000))

    def _use(self, model, ds) -> None:
        from nngui.core.model.autoencoder import as_autoencoder
        from nngui.core.model.saving import spec_from_model

        spec = as_autoencoder(spec_from_model(model))
        self.model, self._spec = (model, spec) if spec is not None else (None, None)
        replace, self._replace = self._replace, False
        if spec is not None and (self._pages.autoencoder.model is None or replace) and \
                not self._yields():
            self._set(ds)

    def _set(self, ds) -> None:
        # said on its own tab (its model line), not in the window's status bar: that showed
        # it on whatever tab was open (the Draw tab's, a classifier's)
        panel = self._pages.autoencoder
        panel.set_model(self.model, self._spec, ds.x_test, ds.y_test,
                        "the bundled 2-D autoencoder")
        panel.modelLabel.setToolTip("The bundled 2-D autoencoder; train your own with an "
                                    "autoencoder preset.")

    def show_instead(self, ds) -> None:
        """A new project: the shipped autoencoder again in place of the last project's own
        (it said "ae_32d, trained here" after File → New)."""
        panel = self._pages.built_page("autoencoder")
        if panel is None or panel.model is None or panel.model is self.model or \
                ds is None or math.prod(int(v) for v in ds.input_shape) != 784:
            return
        if self.model is not None:
            self._set(ds)
        else:  # not loaded yet: it replaces the own one when it is
            self._replace = True
            self.show(ds)
