"""The Draw tab's wiring: bundled models, freshly trained models, and fine-tuning runs.

The controller gets the draw panel, the training panel (fine-tuning runs there, with the same
live curves and Stop), the data controller (MNIST to replay) and the task runner: never the
window. Fine-tuning is one job, ``core.drawing.finetune.run_finetune`` (measure, train, measure), on
an independent copy of the model made in a worker thread.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox

from nngui.core.data.datasets import DatasetError, find_mnist, load_mnist
from nngui.core.drawing import finetune
from nngui.core.drawing.samples import app_data_dir
from nngui.core.network.schema import NAME_MARKS
from nngui.core.platform.resources import BUNDLED_MODELS, bundled_model
from nngui.core.training.observer import EventObserver
from nngui.core.training.session import RunRequest, Session
from nngui.gui.common.data_controller import DataController
from nngui.gui.common.tasks import TaskRunner, plain
from nngui.gui.draw.panel import DrawPanel, FinetuneInputs
from nngui.gui.draw.samples import TEACH_LABEL
from nngui.gui.training.panel import TrainingPanel

FINETUNED = " · fine-tuned"


def user_models_dir() -> Path:
    """Where fine-tuned models are kept between sessions."""
    return app_data_dir() / "models"


def kept_models() -> list[tuple[str, Path]]:
    """The user's fine-tuned models, newest first: (title on the canvas, file)."""
    folder = user_models_dir()
    if not folder.is_dir():
        return []
    paths = sorted(folder.glob("*.keras"), key=lambda p: p.stat().st_mtime, reverse=True)
    return [(path.stem + FINETUNED, path) for path in paths]


def _load_bundled() -> list[tuple[str, Any]]:
    """The user's fine-tuned models (newest first), then the shipped classifiers."""
    from nngui.core.model.saving import ModelFileError, load_model

    models = []
    for title, path in kept_models():
        try:
            models.append((title, load_model(path)))
        except ModelFileError:
            continue  # a damaged file must not stop the bundled ones from loading
    for name in ("mnist_cnn", "mnist_mlp"):
        path = bundled_model(name)
        if path is not None:
            models.append((BUNDLED_MODELS[name], load_model(path)))
    return models


def finetuned_stem(title: str) -> str:
    """The file name (without .keras) a fine-tuned model is kept under: its title as is, less
    the characters a network name may not hold (a name's own ``_`` and spaces stay, so the
    title read back next session names the same network); "model" when nothing is left."""
    base = title.removesuffix(FINETUNED)
    stem = "".join(c for c in base if (c.isalnum() and c.isprintable()) or c in NAME_MARKS)
    stem = stem.lstrip(NAME_MARKS)  # never a hidden file or one named like an option
    while len(stem.encode()) > 240:  # file names hold 255 bytes, ".keras" included
        stem = stem[:-1]
    return stem or "model"


def _copy(model: Any) -> Any:
    """An independent copy, so fine-tuning never changes the model it started from."""
    from nngui.core.platform.runtime import keras

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


def _replay_data(current: Any, mnist: str | None = None) -> Any:
    """MNIST to replay while fine-tuning (the loaded set, else the file at ``mnist``, the
    one the user loaded it from, or found), else bundled digits."""
    if current is not None and current.name == "mnist":
        return current
    path = mnist or find_mnist()
    if path is not None:
        try:
            return load_mnist(path, allow_download=False)
        except DatasetError:
            pass
    if current is not None and current.name == "digits":
        return current
    from nngui.core.data.datasets import load_dataset

    return load_dataset("digits")  # bundled: replay something digit-like, never nothing


def _prepare_finetune(inputs: FinetuneInputs, current_data: Any, mnist: str | None = None
                      ) -> tuple[FinetuneInputs, finetune.FinetunePlan]:
    """(inputs with an independent copy of the model, the plan): runs in a worker thread."""
    import dataclasses

    base = inputs.title.removesuffix(FINETUNED).removesuffix(" (bundled)")
    copy = _copy(inputs.model)
    plan = finetune.make_plan(copy, inputs.x, inputs.y, _replay_data(current_data, mnist))
    return dataclasses.replace(inputs, model=copy, title=base + FINETUNED), plan


class DrawController(QObject):
    """Connects a DrawPanel to the models, the data and the training panel."""

    reported = Signal(str)  # a one-line result (fine-tuning) for the status bar
    finetuned = Signal()  # a fine-tuned model is ready on the canvas

    def __init__(self, panel: DrawPanel, training: TrainingPanel, data: DataController,
                 tasks: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.panel = panel
        self.training = training
        self.data = data
        self.tasks = tasks
        self.last_report: finetune.FinetuneReport | None = None
        self.saved_path: Path | None = None
        self.preferred: str | None = None  # an opened project's model, selected once offered
        panel.is_model_busy = tasks.is_held
        panel.mnist_path = data.mnist_path  # a file the user loaded MNIST from counts too
        panel.fineTuneRequested.connect(self.start_finetune)

    def _fail(self, message: str) -> None:
        self.panel.set_status(message)
        QMessageBox.warning(self.panel, "Draw", message)

    def load_bundled_models(self) -> None:
        """Load the shipped classifiers off the GUI thread; the canvas reads with the first."""
        def done(models):
            for title, model in models:
                self.panel.add_model(title, model, select=self.panel.current_model() is None)
            self._select_preferred()
            if not models:
                self.panel.set_status("No bundled model in this install: train one and it "
                                      "appears here.")

        self.tasks.submit("load-draw-models", plain(_load_bundled), on_done=done,
                          on_failed=self._fail)

    def prefer_model(self, title: str) -> None:
        """Read with the model named ``title`` (the one an opened project was saved with):
        now if the canvas offers it, else once it does (the kept fine-tuned and bundled
        models load in a job). Reopened, a project drew with its own network instead of the
        fine-tuned model the student had left it on."""
        self.preferred = title
        self._select_preferred()

    def _select_preferred(self) -> None:
        i = self.panel.modelCombo.findText(self.preferred) if self.preferred else -1
        if i >= 0:
            self.panel.modelCombo.setCurrentIndex(i)
            self.preferred = None

    def offer_model(self, title: str, model: Any) -> None:
        """A trained or opened model joins the canvas' list when it reads 28x28 digits."""
        if reads_digits(model):
            self.panel.add_model(title, model, select=False)
            self.panel.model_updated()

    # ---- fine-tuning -------------------------------------------------------------------
    def start_finetune(self) -> None:
        inputs = self.panel.finetune_inputs()
        if inputs is None:
            self._fail("Teach it a few of your digits first: draw one, then press the right "
                       f"digit beside “{TEACH_LABEL}”.")
            return
        if len(inputs.y) < finetune.MIN_SAMPLES:
            self._fail(f"Fine-tuning needs at least {finetune.MIN_SAMPLES} of your digits "
                       f"(you have taught {len(inputs.y)}): draw a few more and press their "
                       f"digit beside “{TEACH_LABEL}”. With a handful per digit, some are held "
                       "out to show whether it helped.")
            return
        if self.training.is_running():
            self._fail("Training is running; stop it before fine-tuning.")
            return
        self.panel.set_status(f"Fine-tuning {inputs.title} on {len(inputs.y)} samples…")
        current, mnist = self.data.dataset, self.data.mnist_path()
        task = self.tasks.submit("finetune-prepare",
                                 plain(lambda: _prepare_finetune(inputs, current, mnist)),
                                 holds=(inputs.model,), on_done=self._train,
                                 on_failed=self._fail)
        if task is None:
            self._fail("That model is busy; try again when its job has finished.")

    def _train(self, prepared: tuple[FinetuneInputs, finetune.FinetunePlan]) -> None:
        inputs, plan = prepared
        self.panel.set_status(f"Fine-tuning {inputs.title.removesuffix(FINETUNED)} on "
                              f"{plan.mix.n_user} of your digits, replaying {plan.replay}…")
        request = RunRequest(Session(plan.spec, model=inputs.model), plan.data, plan.config)

        def job(report, stop):
            return finetune.run_finetune(inputs.model, plan, EventObserver(report), stop)

        base = inputs.title.removesuffix(FINETUNED)
        task = self.training.start(request, job, title=f"Fine-tuning {base} on your digits "
                                   "(not the network on the left)", listed=False)
        if not task:
            self._fail("Could not start fine-tuning: training is running.")
            return
        task.done.connect(lambda report: self._after(inputs, report))

    def _after(self, inputs: FinetuneInputs, report: finetune.FinetuneReport) -> None:
        if not report.result.ok:
            self._fail(report.result.message)
            return
        self.last_report = report
        self.panel.add_model(inputs.title, inputs.model, select=True)
        self._save_finetuned(inputs.title, inputs.model)
        self.panel.set_status(report.summary())
        self.reported.emit(report.summary())
        self.finetuned.emit()

    def _save_finetuned(self, title: str, model: Any) -> None:
        from nngui.core.model.saving import ModelFileError, save_model

        stem = finetuned_stem(title)
        try:
            self.saved_path = save_model(model, user_models_dir() / f"{stem}.keras")
        except ModelFileError as exc:  # the model still works this session; say why it won't stay
            self.panel.set_status(f"Fine-tuned, but not saved for next time: {exc}")
