"""The Draw tab's wiring: bundled models, freshly trained models, and fine-tuning runs.

Fine-tuning goes through the training panel's worker, so the user watches the same live
curves and can Stop it; accuracy on the held-out samples is measured before and after.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMessageBox

from ..core import finetune
from ..core.datasets import DatasetError, find_mnist, load_mnist
from ..core.resources import BUNDLED_MODELS, bundled_model
from ..core.samples import app_data_dir
from ..core.training import RunResult, Session
from .background import BackgroundTask
from .draw_panel import DrawPanel
from .training_worker import RunRequest

if TYPE_CHECKING:
    from .main_window import MainWindow


FINETUNED = " · fine-tuned"


def user_models_dir() -> Path:
    """Where fine-tuned models are kept between sessions."""
    return app_data_dir() / "models"


def _load_bundled() -> list[tuple[str, Any]]:
    """The user's fine-tuned models (newest first), then the shipped classifiers."""
    from ..core.modelio import ModelFileError, load_model

    models = []
    folder = user_models_dir()
    if folder.is_dir():
        for path in sorted(folder.glob("*.keras"), key=lambda p: p.stat().st_mtime,
                           reverse=True):
            try:
                models.append((path.stem.replace("_", " ") + FINETUNED, load_model(path)))
            except ModelFileError:
                continue  # a damaged file must not stop the bundled ones from loading
    for name in ("mnist_cnn", "mnist_mlp"):
        path = bundled_model(name)
        if path is not None:
            models.append((BUNDLED_MODELS[name], load_model(path)))
    return models


def _copy(model: Any) -> Any:
    """An independent copy, so fine-tuning never changes the model it started from."""
    from ..core.runtime import keras

    clone = keras().models.clone_model(model)
    clone.set_weights(model.get_weights())
    return clone


def reads_digits(model: Any) -> bool:
    """Whether a model takes one 28x28 image (any layout) and outputs ten classes."""
    try:
        n_in = 1
        for v in model.inputs[0].shape[1:]:
            n_in *= int(v)
        return n_in == 784 and int(model.outputs[0].shape[-1]) == 10
    except Exception:
        return False


class DrawController(QObject):
    """Connects a DrawPanel to the main window's data, models and training worker."""

    def __init__(self, window: MainWindow, panel: DrawPanel) -> None:
        super().__init__(window)
        self.window = window
        self.panel = panel
        self._tasks: list[BackgroundTask] = []
        self._plan: finetune.FinetunePlan | None = None
        self._before: tuple[float, float] | None = None
        panel.fineTuneRequested.connect(self.start_finetune)

    def _run(self, fn, done) -> None:
        task = BackgroundTask(fn, self)
        task.done.connect(done)
        task.failed.connect(lambda e: self._fail(str(e)))
        self._tasks = [t for t in self._tasks if t.is_running()] + [task]
        task.start()

    def _fail(self, message: str) -> None:
        self.panel.set_status(message)
        QMessageBox.warning(self.window, "Draw", message)

    def load_bundled_models(self) -> None:
        """Load the shipped classifiers off the GUI thread; the canvas reads with the first."""
        def done(models):
            for title, model in models:
                self.panel.add_model(title, model, select=self.panel.current_model() is None)
            if not models:
                self.panel.set_status("No bundled model in this install: train one and it "
                                      "appears here.")

        self._run(_load_bundled, done)

    def offer_model(self, title: str, model: Any) -> None:
        """A trained or opened model joins the canvas' list when it reads 28x28 digits."""
        if reads_digits(model):
            self.panel.add_model(title, model, select=False)
            self.panel.model_updated()

    # ---- fine-tuning -------------------------------------------------------------------
    def _replay_data(self):
        ds = self.window.data.dataset
        if ds is not None and ds.name == "mnist":
            return ds
        if find_mnist() is not None:
            try:
                return load_mnist(allow_download=False)
            except DatasetError:
                pass
        if ds is not None and ds.name == "digits":
            return ds
        from ..core.datasets import load_dataset

        return load_dataset("digits")  # bundled: replay something digit-like, never nothing

    def start_finetune(self) -> None:
        inputs = self.panel.finetune_inputs()
        if inputs is None:
            self._fail("Teach it a few of your digits first: draw one, then press the right "
                       "digit under “This is a…”.")
            return
        if self.window.training.is_running():
            self._fail("Training is running; stop it before fine-tuning.")
            return
        try:
            base = inputs.title.removesuffix(FINETUNED).removesuffix(" (bundled)")
            inputs = dataclasses.replace(inputs, model=_copy(inputs.model),
                                         title=base + FINETUNED)
            plan = finetune.make_plan(inputs.model, inputs.x, inputs.y, self._replay_data())
        except Exception as exc:  # e.g. a model whose layers cannot be retrained
            self._fail(str(exc))
            return
        self._plan = plan
        self.panel.set_status(f"Fine-tuning {inputs.title} on {len(inputs.y)} samples…")
        self._run(lambda: self._measure(inputs.model, plan), lambda before: self._train(
            inputs, plan, before))

    @staticmethod
    def _measure(model: Any, plan: finetune.FinetunePlan) -> tuple[float, float]:
        check_x = plan.data.x_test.reshape(-1, 28, 28)
        return (finetune.accuracy_on(model, plan.holdout_x, plan.holdout_y),
                finetune.accuracy_on(model, check_x, plan.data.labels_test))

    def _train(self, inputs, plan: finetune.FinetunePlan, before: tuple[float, float]) -> None:
        self._before = before
        session = Session(plan.spec, model=inputs.model)
        request = RunRequest(session, plan.data, plan.config, False)
        if not self.window.start_custom_run(request, lambda r: self._after(inputs, plan, r)):
            self._fail("Could not start fine-tuning.")

    def _after(self, inputs, plan: finetune.FinetunePlan, result: RunResult) -> None:
        if not result.ok:
            self._fail(result.message)
            return
        self.panel.add_model(inputs.title, inputs.model, select=True)
        self._save_finetuned(inputs.title, inputs.model)

        def done(after: tuple[float, float]) -> None:
            ub, mb = self._before or (float("nan"), float("nan"))
            report = finetune.FinetuneReport(ub, after[0], mb, after[1], len(plan.holdout_y),
                                             result)
            self.last_report = report
            self.panel.set_status(report.summary())
            self.window.statusBar().showMessage(report.summary(), 15000)
            self.window.tabs.setCurrentWidget(self.panel)

        self._run(lambda: self._measure(inputs.model, plan), done)

    def _save_finetuned(self, title: str, model: Any) -> None:
        from ..core.modelio import ModelFileError, save_model

        stem = re.sub(r"[^A-Za-z0-9]+", "_", title.removesuffix(FINETUNED)).strip("_")
        try:
            self.saved_path = save_model(model, user_models_dir() / f"{stem or 'model'}.keras")
        except ModelFileError as exc:  # the model still works this session; say why it won't stay
            self.panel.set_status(f"Fine-tuned, but not saved for next time: {exc}")

    def shutdown(self) -> None:
        for task in self._tasks:
            task.wait(30000)
