"""The Draw tab: draw a digit and watch a network read it live; teach it your handwriting
(the samples and Fine-tune are ``samples.SamplesBox``, the reading is shown by
``reading.ReadingColumn``, what the network sees inside by ``inside.DrawInside``).

Every stroke update asks for a refresh; refreshes are coalesced by a single-shot timer (at most
one per event-loop turn and about 60 a second), and each one runs ``preprocess.to_mnist`` and a
``FastPredictor`` forward pass in the GUI thread (well under a millisecond or two), so the
prediction follows the pen while it moves.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtCore import QElapsedTimer, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from nngui.core.drawing.preprocess import clean_scan, to_mnist, warm_up
from nngui.core.drawing.samples import SampleStore
from nngui.core.model.inference import FastPredictor, to_probabilities
from nngui.core.platform.words import counted
from nngui.gui.common.folders import documents_dir
from nngui.gui.common.tasks import TaskRunner, plain
from nngui.gui.draw.canvas import DEFAULT_BRUSH, DrawCanvas
from nngui.gui.draw.inside import DrawInside
from nngui.gui.draw.reading import ReadingColumn
from nngui.gui.draw.robustness import RobustnessView
from nngui.gui.draw.samples import FinetuneInputs, SamplesBox  # FinetuneInputs: also the window's

MIN_INTERVAL_MS = 16  # at most ~60 refreshes a second while drawing

MODEL_TIP = "The network that reads your drawing"


class DrawPanel(QWidget):
    """Canvas, live prediction (digit, 28x28 preview, probabilities) and the user's samples."""

    fineTuneRequested = Signal()
    predicted = Signal(int, float)  # digit and its probability, after each refresh
    refreshed = Signal(object)  # the 28x28 image the network just read

    def __init__(self, store: SampleStore | None = None, parent: QWidget | None = None,
                 tasks: TaskRunner | None = None) -> None:
        super().__init__(parent)
        self.tasks = tasks if tasks is not None else TaskRunner(self)
        # A model a job holds (training, fine-tuning) is never read here; see _select_model.
        self.is_model_busy: Callable[[Any], bool] = self.tasks.is_held
        self.mnist_path: Callable[[], str | None] = lambda: None  # where MNIST is (the window's)
        self.start_folder: Callable[[], str] = documents_dir  # the image dialog's (the window's)
        self.setObjectName("drawPanel")
        self.samples_store = store if store is not None else SampleStore()
        self._models: list[tuple[str, Any]] = []
        self._predictor: FastPredictor | None = None
        self._problem = ""
        self.last_x28 = np.zeros((28, 28), dtype=np.float32)
        self.last_probabilities: np.ndarray | None = None
        self.last_latency_ms = 0.0
        self.refresh_count = 0
        self.not_sure = False  # the last reading was below the "not sure" confidence
        self.robustness: RobustnessView | None = None  # made on first use
        # per model title: [read right, taught] of the digits taught while it was reading
        self.taught_tally: dict[str, list[int]] = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.refresh)
        self._clock = QElapsedTimer()
        self._clock.start()
        self._build()
        self.reload_gallery()
        self._show_result(None)
        self.tasks.submit("draw-warm-up", plain(warm_up))

    # ---- layout ---------------------------------------------------------------------
    def _build(self) -> None:
        self.canvas = DrawCanvas(self)
        self.canvas.imageChanged.connect(self.schedule_refresh)
        self.canvas.imageDropped.connect(self.open_image)

        self.clearButton = QPushButton("Clear")
        self.clearButton.setObjectName("clearCanvasButton")
        self.clearButton.setToolTip("Clear the canvas")
        self.clearButton.clicked.connect(self.canvas.clear)
        self.undoButton = QPushButton("Undo")
        self.undoButton.setObjectName("undoStrokeButton")
        self.undoButton.setToolTip("Remove the last stroke (Ctrl+Z)")
        self.undoButton.clicked.connect(self.canvas.undo)
        self.eraserButton = QPushButton("Eraser")
        self.eraserButton.setObjectName("eraserButton")
        self.eraserButton.setCheckable(True)
        self.eraserButton.setToolTip("Erase instead of drawing (the right mouse button always "
                                     "erases)")
        self.eraserButton.toggled.connect(self.canvas.set_eraser)
        self.brushSlider = QSlider(Qt.Orientation.Horizontal)
        self.brushSlider.setObjectName("brushSizeSlider")
        self.brushSlider.setRange(4, 48)
        self.brushSlider.setValue(int(DEFAULT_BRUSH))
        self.brushSlider.setToolTip("Brush size")
        self.brushSlider.valueChanged.connect(self.canvas.set_brush)
        self.openButton = QPushButton("Open image…")
        self.openButton.setObjectName("openImageButton")
        self.openButton.setToolTip("Read a digit from a PNG or JPEG (or drop one on the canvas)")
        self.openButton.clicked.connect(self._choose_image)

        self.brushSlider.setMinimumWidth(80)
        tools = QHBoxLayout()
        tools.addWidget(QLabel("Brush"))
        tools.addWidget(self.brushSlider, 1)
        for b in (self.eraserButton, self.undoButton, self.clearButton):
            tools.addWidget(b)

        self.modelCombo = QComboBox()
        self.modelCombo.setObjectName("drawModelCombo")
        self.modelCombo.setToolTip(MODEL_TIP)
        # A long model title never widens the tab (it once widened the window to 1551 px).
        self.modelCombo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.modelCombo.setMinimumContentsLength(20)
        self.modelCombo.currentIndexChanged.connect(self._select_model)
        model_row = QHBoxLayout()
        model_row.addWidget(QLabel("Model"))
        model_row.addWidget(self.modelCombo, 1)
        model_row.addWidget(self.openButton)

        left = QVBoxLayout()
        left.addLayout(model_row)
        left.addWidget(self.canvas, 1)
        left.addLayout(tools)

        self.reading = ReadingColumn()
        self.reading.notSureChanged.connect(self.schedule_refresh)
        self.reading.robustnessButton.clicked.connect(self.show_robustness)
        self.rightColumn = self.reading
        r = self.reading  # its widgets, also under the panel's names (tests, the window)
        self.predictionLabel, self.detailLabel, self.preview28 = (
            r.predictionLabel, r.detailLabel, r.preview28)
        self.drawReconstruction, self.reconstructionCaption = (
            r.drawReconstruction, r.reconstructionCaption)
        self.probabilityPlot, self.bars = r.probabilityPlot, r.bars
        self.notSureSpin, self.robustnessButton = r.notSureSpin, r.robustnessButton

        # feature maps, filters and saliency, read off the GUI thread (collapsible)
        self.inside = DrawInside(self.tasks)  # refresh() hands it each reading

        body = QHBoxLayout()
        body.addLayout(left, 1)
        body.addWidget(self.inside)
        body.addWidget(self.rightColumn)

        self.samples = SamplesBox(self.samples_store)
        self.samples.digitChosen.connect(self.teach)
        self.samples.fineTuneRequested.connect(self.fineTuneRequested)
        self.samplesGallery = self.samples.samplesGallery  # the window watches its rows

        outer = QVBoxLayout(self)
        outer.addLayout(body, 1)
        outer.addWidget(self.samples)

    def show_robustness(self) -> RobustnessView:
        """Open the robustness view and measure the selected model."""
        if self.robustness is None:
            self.robustness = RobustnessView(self.tasks, self)
        current = self.current_model()
        title, model = current if current is not None else ("", None)
        self.robustness.show()
        self.robustness.raise_()
        self.robustness.compute(title, model, self.mnist_path())
        return self.robustness

    # ---- models ---------------------------------------------------------------------
    def set_models(self, models: list[tuple[str, Any]]) -> None:
        """Replace the models offered for reading drawings (title, keras model)."""
        self._models = list(models)
        self.modelCombo.blockSignals(True)
        self.modelCombo.clear()
        self.modelCombo.addItems([t for t, _ in self._models])
        self.modelCombo.blockSignals(False)
        self._select_model(self.modelCombo.currentIndex())

    def add_model(self, title: str, model: Any, select: bool = True) -> None:
        """Offer one more model (a model with the same title is replaced) and maybe select it."""
        titles = [t for t, _ in self._models]
        if title in titles:
            i = titles.index(title)
            self._models[i] = (title, model)
        else:
            self._models.append((title, model))
            i = len(self._models) - 1
            self.modelCombo.blockSignals(True)
            self.modelCombo.addItem(title)
            self.modelCombo.blockSignals(False)
        if select or self.modelCombo.currentIndex() in (-1, i):
            self.modelCombo.setCurrentIndex(i)
            self._select_model(i)

    def current_model(self) -> tuple[str, Any] | None:
        """(title, model) in use, or None."""
        i = self.modelCombo.currentIndex()
        return self._models[i] if 0 <= i < len(self._models) else None

    def model_updated(self) -> None:
        """The current model's weights changed (trained, fine-tuned): read with the new ones."""
        current = self.current_model()
        if self._predictor is not None and current and not self.is_model_busy(current[1]):
            self._predictor.refresh()
            self.inside.set_model(current[1])
        self.schedule_refresh()

    def _select_model(self, index: int) -> None:
        self._predictor, self._problem = None, ""
        # beside the Lessons dock the box cuts the title mid-word ("(bundled"): the tooltip
        # names the whole of it
        title = self._models[index][0] if 0 <= index < len(self._models) else ""
        self.modelCombo.setToolTip(f"{MODEL_TIP}: {title}" if title else MODEL_TIP)
        if 0 <= index < len(self._models):
            title, model = self._models[index]
            if self.is_model_busy(model):
                self._problem = f"{title} is training; it reads drawings again when it stops."
                self.samples.set_fine_tune_enabled(False)
                self.inside.set_model(None, self._problem)
                self.refresh()
                return
            try:
                predictor = FastPredictor(model)
                predictor.adapt(np.zeros((28, 28), np.float32))
                n_out = predictor.predict(np.zeros((28, 28), np.float32)).size
            except Exception as exc:  # a model that cannot read 28x28 digits
                self._problem = f"{title} cannot read drawings: {exc}"
            else:
                if n_out != 10:
                    self._problem = (f"{title} is not a digit classifier (it gives {n_out} "
                                     "outputs, not 10).")
                else:
                    self._predictor = predictor
        self.samples.set_fine_tune_enabled(self._predictor is not None)
        self.inside.set_model(self._models[index][1] if self._predictor is not None else None,
                              self._problem)
        self.refresh()

    # ---- live reading ---------------------------------------------------------------
    def schedule_refresh(self) -> None:
        """Coalesce: one refresh soon, however many updates arrive before it runs."""
        if self._timer.isActive():
            return
        wait = max(0, MIN_INTERVAL_MS - self._clock.elapsed())
        self._timer.start(int(wait))

    def refresh_pending(self) -> bool:
        """Whether a coalesced refresh is scheduled and has not run yet."""
        return self._timer.isActive()

    def refresh(self) -> None:
        """Preprocess the drawing and read it with the current model now."""
        self._timer.stop()
        self._clock.restart()
        t0 = time.perf_counter()
        x28 = to_mnist(self.canvas.image())
        probs, held, trace = None, self._held_title(), None
        if self._predictor is not None and x28.max() > 0:
            if held is None:
                out, trace = self._predictor.predict_traced(x28)
                probs = to_probabilities(out)
            else:  # its job owns it: show the last reading, never call it from here
                probs = self.last_probabilities
        self.last_latency_ms = (time.perf_counter() - t0) * 1000.0
        self.last_x28 = x28
        self.refresh_count += 1
        self.reading.show_preview(x28)
        self._show_result(probs)
        if held is not None and self._predictor is not None and x28.max() > 0:
            last = "this is its last reading; " if probs is not None else ""
            self.detailLabel.setText(f"{held} is training: {last}it reads this drawing when "
                                     "the run ends.")
        self.inside.show_input(x28, trace)
        self.refreshed.emit(x28)

    def _held_title(self) -> str | None:
        """The current model's title while a job trains it and reading would call it on
        this thread (TensorFlow's path; the NumPy path reads a copy of its weights)."""
        current = self.current_model()
        if self._predictor is None or current is None or \
                self._predictor.backend == "numpy" or not self.is_model_busy(current[1]):
            return None
        return current[0]

    def show_reconstruction(self, x28: np.ndarray | None) -> None:
        """Show an autoencoder's rebuild of the drawing beside it (None hides the view)."""
        self.reading.show_reconstruction(x28)

    def _show_result(self, probs: np.ndarray | None) -> None:
        self.last_probabilities = probs
        if probs is None:
            self.not_sure = False
            if self._problem:
                text = self._problem
            elif self._predictor is None:
                text = "No model to read with yet: train one or open a .keras file."
            else:
                text = "Draw a digit"
            self.reading.show_message(text, self.last_x28)
            return
        top, self.not_sure = self.reading.show_probabilities(probs, self.last_latency_ms)
        self.predicted.emit(top, float(probs[top]))

    # ---- images ---------------------------------------------------------------------
    def _choose_image(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Read a digit from an image",
                                              self.start_folder(),
                                              "Images (*.png *.jpg *.jpeg *.bmp *.gif)")
        if path:
            self.open_image(path)

    def open_image(self, path: str) -> bool:
        """Show an image file on the canvas (inverted if dark-on-light) and read it."""
        from nngui.imageio import ImageFileError, load_image

        try:
            gray = load_image(path)
        except ImageFileError as exc:
            self.set_status(str(exc))
            return False
        self.canvas.set_image(clean_scan(gray))
        self.refresh()
        self.set_status(f"Read {path}")
        return True

    # ---- teaching -------------------------------------------------------------------
    def teach(self, digit: int) -> str | None:
        """Save the current drawing (as the network sees it) as ``digit``; returns its id."""
        x28 = to_mnist(self.canvas.image())
        if x28.max() <= 0:
            self.set_status("Draw a digit first, then press the digit it should be.")
            return None
        if self.refresh_pending():
            self.refresh()  # the reading of this very drawing, for the tally below
        read = None
        if self.last_probabilities is not None and np.array_equal(x28, self.last_x28):
            read = int(np.argmax(self.last_probabilities))
        sample_id = self.samples.save(x28, digit)
        if sample_id is not None:
            current = self.current_model()
            if read is not None and current is not None:
                tally = self.taught_tally.setdefault(current[0], [0, 0])
                tally[0] += int(read == digit)
                tally[1] += 1
                # this session's, for this model: "My samples" counts every sample kept
                self.set_status(f"{self.samples.statusLabel.text()} While {current[0]} was "
                                f"chosen you taught {counted(tally[1], 'digit')}: it read "
                                f"{tally[0]} right.")
            self.canvas.clear()
        return sample_id

    def reload_gallery(self) -> None:
        """Show the samples store's samples again (e.g. a project brought its own)."""
        self.samples.reload_gallery()

    def finetune_inputs(self) -> FinetuneInputs | None:
        """The selected model and all samples, or None when there is no model or sample."""
        current = self.current_model()
        if current is None or self._predictor is None:
            return None
        return self.samples.finetune_inputs(*current)

    def set_status(self, text: str) -> None:
        """Show a one-line message under the samples (e.g. a fine-tuning report)."""
        self.samples.set_status(text)
