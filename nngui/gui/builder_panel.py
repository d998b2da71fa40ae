"""The network builder: input shape, layer list, a generated per-layer form, training settings.

The network and training settings live in a Qt-free ``BuilderState``; the widgets here edit it
and re-render from its notifications, which also become ``specChanged`` / ``configChanged``.
Shapes, parameter counts and advice come from ``nngui.core``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSignalBlocker, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QIcon,
    QKeySequence,
    QPainter,
    QPalette,
    QPixmap,
    QShortcut,
)
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from nngui.core import builder_state as bs
from nngui.core import catalog, validate
from nngui.core.builder_state import BuilderState
from nngui.core.catalog import Field
from nngui.core.spec import NetworkSpec, SpecError, TrainConfig
from nngui.core.validate import DataInfo, Problem
from nngui.gui.problems_view import ERROR_COLOR, HINT_COLOR, ProblemsView

from .field_widgets import INVALID_STYLE, FieldForm, format_shape, parse_shape

_GROW = QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow
LAYER_FIELD_PREFIX = "layer_field_"  # objectNames of the layer form's editors

# TrainConfig's editable fields, bound like layer parameters (names are TrainConfig's).
TRAIN_FIELDS = (
    Field("epochs", "int", 5, minimum=1, maximum=10_000, help="Passes over the training data."),
    Field("batch_size", "int", 32, minimum=1, maximum=65_536,
          help="Samples per weight update."),
    Field("validation_split", "float", 0.1, minimum=0.0, maximum=0.9, step=0.05,
          help="Fraction of the training data held out to watch for overfitting."),
    Field("seed", "int", 0, minimum=-1, maximum=2**31 - 1,
          help="The same seed gives the same initial weights and shuffling."),
    Field("device", "choice", "auto", choices=("auto", "cpu", "gpu"),
          help="Where TensorFlow trains; Auto uses a GPU when there is one."),
)
TRAIN_OBJECT_NAMES = {"epochs": "epochsSpin", "batch_size": "batchSizeSpin",
                      "validation_split": "validationSplitSpin", "seed": "seedSpin",
                      "device": "deviceCombo"}


def _dot_icon(color: QColor | None) -> QIcon:
    """A small filled dot (or a blank of the same size, so row texts stay aligned)."""
    pix = QPixmap(12, 12)
    pix.fill(Qt.GlobalColor.transparent)
    if color is not None:
        p = QPainter(pix)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(color)
        p.drawEllipse(1, 1, 10, 10)
        p.end()
    return QIcon(pix)


class BuilderPanel(QWidget):
    """Widgets bound to a ``BuilderState``: edits go to the state, the view follows it.

    The panel keeps no copy of the network: ``spec()``/``config()`` read the state, and
    ``specChanged``/``configChanged`` are the state's notifications as Qt signals.
    """

    specChanged = Signal(object)  # NetworkSpec (a copy), after every edit and set_spec()
    configChanged = Signal(object)  # TrainConfig (a copy), after every edit and set_config()
    problemsChanged = Signal(list)  # list[Problem], whenever validation re-runs

    def __init__(self, parent: QWidget | None = None, state: BuilderState | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("networkBuilder")
        self.state = state or BuilderState()
        self._data_info: DataInfo | None = None
        self._problems: list[Problem] = []
        self._shape_error = ""  # text in the input-shape box that is not a shape (view only)
        self._layer_form: FieldForm | None = None
        self._opt_form: FieldForm | None = None
        self._icons = {None: _dot_icon(None), "error": _dot_icon(ERROR_COLOR),
                       "hint": _dot_icon(HINT_COLOR)}
        self._build_ui()
        self._render_config()
        self._render_spec()
        self._render_locked()
        self._revalidate()
        self.state.subscribe(self._on_state_changed)

    # ---- public API -------------------------------------------------------------------------

    def set_spec(self, spec: NetworkSpec) -> None:
        """Show (a copy of) ``spec`` for editing."""
        self.state.set_spec(spec)

    def spec(self) -> NetworkSpec:
        """A fresh copy of the network being edited."""
        return self.state.spec_copy()

    def set_config(self, cfg: TrainConfig) -> None:
        self.state.set_config(cfg)

    def config(self) -> TrainConfig:
        return self.state.config_copy()

    def set_data_info(self, info: DataInfo | None) -> None:
        """Validate against this data from now on (None: the network alone)."""
        self._data_info = info
        self._revalidate()

    def problems(self) -> list[Problem]:
        """Current errors (which block training) and hints."""
        return list(self._problems)

    def set_locked(self, locked: bool) -> None:
        """While training: structure, loss and optimizer are read-only; epochs/batch are not."""
        self.state.set_locked(locked)

    def set_gpu_available(self, available: bool, name: str = "") -> None:
        """Enable the GPU device choice once TensorFlow has found one."""
        item = self.device_combo.model().item(2)
        item.setEnabled(available)
        item.setText(f"GPU ({name})" if available and name else "GPU")
        tip = f"Train on {name or 'the GPU'}." if available else "No GPU found (yet)."
        self.device_combo.setItemData(2, tip, Qt.ItemDataRole.ToolTipRole)

    def selected_layer(self) -> int | None:
        return self.state.selected

    def select_layer(self, index: int) -> None:
        self.state.select(index)

    def add_layer(self, layer_type: str) -> int:
        """Insert a layer with catalog defaults after the selected one (or at the end)."""
        return self.state.add_layer(layer_type)

    def remove_selected(self) -> None:
        if self.state.selected is not None:
            self.state.remove_layer(self.state.selected)

    def move_selected(self, delta: int) -> None:
        """Move the selected layer up (-1) or down (+1)."""
        sel = self.state.selected
        if sel is not None and 0 <= sel + delta < len(self.state.spec.layers):
            self.state.move_layer(sel, delta)

    def duplicate_selected(self) -> None:
        if self.state.selected is not None:
            self.state.duplicate_layer(self.state.selected)

    # ---- building the widgets ----------------------------------------------------------------

    def _build_ui(self) -> None:
        root = QHBoxLayout(self)
        root.setContentsMargins(6, 6, 6, 6)
        root.setSpacing(10)
        root.addWidget(self._build_network_box(), 2)
        right = QVBoxLayout()
        right.setSpacing(10)
        right.addWidget(self._build_editor_box())
        right.addWidget(self._build_training_box())
        right.addStretch(1)
        root.addLayout(right, 3)

    def _build_network_box(self) -> QGroupBox:
        box = QGroupBox("Network")
        lay = QVBoxLayout(box)
        lay.setSpacing(6)
        shape_row = QHBoxLayout()
        self.input_edit = QLineEdit(
            objectName="inputShapeEdit", placeholderText="e.g. 784 or 28, 28",
            toolTip="The size of one sample, without the batch axis: 784 for a flattened "
                    "digit, 28, 28 for the image.")
        self.input_edit.textEdited.connect(self._on_input_shape_edited)
        shape_row.addWidget(QLabel("Input shape:", buddy=self.input_edit))
        shape_row.addWidget(self.input_edit, 1)
        lay.addLayout(shape_row)
        self.shape_error_label = QLabel(objectName="inputShapeError", wordWrap=True,
                                        visible=False)
        self.shape_error_label.setStyleSheet(f"color: {ERROR_COLOR.name()};")
        lay.addWidget(self.shape_error_label)

        self.layer_list = QListWidget(objectName="layerList", iconSize=QSize(12, 12))
        self.layer_list.currentRowChanged.connect(self._on_row_selected)
        lay.addWidget(self.layer_list, 1)
        delete = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.layer_list)
        delete.setContext(Qt.ShortcutContext.WidgetShortcut)
        delete.activated.connect(lambda: None if self.state.locked else self.remove_selected())

        buttons = QHBoxLayout()
        buttons.setSpacing(4)
        self.add_button = QToolButton(
            objectName="addLayerButton", text="Add layer ▾",
            toolTip="Insert a layer after the selected one",
            popupMode=QToolButton.ToolButtonPopupMode.InstantPopup)
        self.add_button.setStyleSheet("QToolButton::menu-indicator { image: none; }")
        menu = QMenu(self.add_button, toolTipsVisible=True)
        for key, info in catalog.LAYER_TYPES.items():
            action = menu.addAction(info.title)
            action.setData(key)
            action.setToolTip(info.help or info.title)
            action.triggered.connect(lambda _=False, k=key: self.add_layer(k))
        self.add_button.setMenu(menu)
        buttons.addWidget(self.add_button)
        for attr, name, text, tip, slot in (
                ("remove_button", "removeLayerButton", "Remove",
                 "Remove the selected layer (Delete)", self.remove_selected),
                ("up_button", "moveUpButton", "▲", "Move the layer up",
                 lambda: self.move_selected(-1)),
                ("down_button", "moveDownButton", "▼", "Move the layer down",
                 lambda: self.move_selected(1)),
                ("duplicate_button", "duplicateLayerButton", "Duplicate",
                 "Insert a copy of the selected layer", self.duplicate_selected)):
            button = QToolButton(objectName=name, text=text, toolTip=tip)
            button.clicked.connect(slot)
            buttons.addWidget(button)
            setattr(self, attr, button)
        buttons.addStretch(1)
        lay.addLayout(buttons)

        self.problems_view = ProblemsView()
        self.problems_view.layerClicked.connect(self._on_problem_clicked)
        lay.addWidget(QLabel("Problems:"))
        lay.addWidget(self.problems_view)
        return box

    def _build_editor_box(self) -> QGroupBox:
        self.editor_box = QGroupBox("Layer", objectName="layerEditor")
        self.editor_layout = QFormLayout(self.editor_box, fieldGrowthPolicy=_GROW)
        self.editor_help = QLabel(wordWrap=True)
        self.editor_help.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.editor_layout.addRow(self.editor_help)
        return self.editor_box

    def _build_training_box(self) -> QGroupBox:
        box = QGroupBox("Training", objectName="trainingSettings")
        form = self.training_layout = QFormLayout(box, fieldGrowthPolicy=_GROW)
        self.loss_combo = self._combo("lossCombo", {k: v.title for k, v in catalog.LOSSES.items()},
                                      {k: v.help for k, v in catalog.LOSSES.items()})
        # Long loss titles must not force the panel wide; the popup still shows them in full.
        self.loss_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.loss_combo.setMinimumContentsLength(14)
        self.loss_combo.currentIndexChanged.connect(
            lambda _i: self._edit(self.state.set_loss, self.loss_combo.currentData()))
        form.addRow("Loss:", self.loss_combo)
        self.optimizer_combo = self._combo(
            "optimizerCombo", {k: v.title for k, v in catalog.OPTIMIZERS.items()}, {})
        self.optimizer_combo.currentIndexChanged.connect(
            lambda _i: self._edit(self.state.set_optimizer, self.optimizer_combo.currentData()))
        form.addRow("Optimizer:", self.optimizer_combo)
        self.lr_spin = QDoubleSpinBox(
            objectName="learningRateSpin", decimals=5, minimum=1e-5, maximum=10.0,
            stepType=QDoubleSpinBox.StepType.AdaptiveDecimalStepType,
            toolTip="Step size of each weight update; follows the optimizer's default until "
                    "you change it.")
        self.lr_spin.valueChanged.connect(
            lambda value: self._edit(self.state.set_learning_rate, value))
        form.addRow("Learning rate:", self.lr_spin)
        self._train_form = FieldForm(TRAIN_FIELDS, form, -1, self)
        for name, object_name in TRAIN_OBJECT_NAMES.items():
            self._train_form.editor(name).widget.setObjectName(object_name)
        self.seed_spin = self._train_form.editor("seed").widget
        self.seed_spin.setSpecialValueText("Random")
        self.device_combo = self._train_form.editor("device").widget
        for i, text in enumerate(("Auto", "CPU", "GPU")):
            self.device_combo.setItemText(i, text)
        self.set_gpu_available(False)
        self._train_form.valueChanged.connect(self._on_config_field)
        return box

    def _combo(self, name: str, titles: dict[str, str], tips: dict[str, str]) -> QComboBox:
        combo = QComboBox(objectName=name)
        for i, (key, title) in enumerate(titles.items()):
            combo.addItem(title, key)
            combo.setItemData(i, tips.get(key) or title, Qt.ItemDataRole.ToolTipRole)
        return combo

    # ---- widget edits go to the state --------------------------------------------------------

    def _edit(self, method: Callable[..., None], *args: Any) -> None:
        """Apply a user edit; one the state refuses snaps the widgets back to the state."""
        try:
            method(*args)
        except SpecError:
            self._render_spec()
            self._render_config()
            self._revalidate()

    def _on_config_field(self, name: str, value: Any) -> None:
        if name == "seed" and value < 0:
            value = None  # "Random"
        self._edit(self.state.set_config_field, name, value)

    def _on_input_shape_edited(self, text: str) -> None:
        try:
            shape = parse_shape(text)
        except ValueError as exc:
            self._show_shape_error(f"Input shape {text.strip()!r} is not valid: {exc}.")
            self._revalidate()
            return
        self._show_shape_error("")
        if shape == self.state.spec.input_shape:
            self._revalidate()  # only the typing error went away
        else:
            self._edit(self.state.set_input_shape, shape)

    def _show_shape_error(self, message: str) -> None:
        self._shape_error = message
        self.input_edit.setStyleSheet(INVALID_STYLE if message else "")
        self.shape_error_label.setText(message)
        self.shape_error_label.setVisible(bool(message))

    def _on_layer_param(self, name: str, value: Any) -> None:
        if self.state.selected is not None:
            self._edit(self.state.set_layer_param, self.state.selected, name, value)

    def _on_row_selected(self, row: int) -> None:
        self.state.select(row if row >= 0 else None)

    # ---- the view follows the state ----------------------------------------------------------

    def _on_state_changed(self, kind: str) -> None:
        if kind == bs.SPEC:
            self._show_shape_error("")
            self._render_spec()
        elif kind == bs.INPUT_SHAPE:
            self._render_input_shape()
        elif kind == bs.LOSS:
            self._render_combo(self.loss_combo, self.state.spec.loss)
        elif kind in (bs.OPTIMIZER, bs.LEARNING_RATE):
            self._render_optimizer(rebuild=kind == bs.OPTIMIZER)
        elif kind == bs.OPTIMIZER_PARAM and self._opt_form is not None:
            _sync_form(self._opt_form, self.state.spec.optimizer_params)
        elif kind == bs.LAYERS:
            self._render_layer_list()
        elif kind == bs.LAYER and self._layer_form is not None \
                and self.state.selected is not None:
            _sync_form(self._layer_form, self.state.spec.layers[self.state.selected].params)
        elif kind == bs.SELECTION:
            with QSignalBlocker(self.layer_list):
                self.layer_list.setCurrentRow(_row(self.state.selected))
            self._render_layer_editor()
        elif kind == bs.LOCKED:
            self._render_locked()
        elif kind == bs.CONFIG:
            self._render_config()
            self.configChanged.emit(self.config())
        if kind in bs.SPEC_CHANGES:
            self._revalidate()
            self.specChanged.emit(self.spec())

    def _render_spec(self) -> None:
        self._render_input_shape()
        self._render_combo(self.loss_combo, self.state.spec.loss)
        self._render_optimizer(rebuild=True)
        self._render_layer_list()

    def _render_input_shape(self) -> None:
        try:  # leave text that already means this shape alone ("28x28" stays as typed)
            if parse_shape(self.input_edit.text()) == self.state.spec.input_shape:
                return
        except ValueError:
            pass
        self.input_edit.setText(format_shape(self.state.spec.input_shape))

    @staticmethod
    def _render_combo(combo: QComboBox, key: str) -> None:
        with QSignalBlocker(combo):
            combo.setCurrentIndex(combo.findData(key))

    def _render_optimizer(self, rebuild: bool) -> None:
        spec = self.state.spec
        self._render_combo(self.optimizer_combo, spec.optimizer)
        with QSignalBlocker(self.lr_spin):
            self.lr_spin.setValue(spec.lr)
        if not rebuild and self._opt_form is not None:
            return
        if self._opt_form is not None:
            self._opt_form.remove()
        row, _role = self.training_layout.getWidgetPosition(self.lr_spin)
        fields = catalog.OPTIMIZERS[spec.optimizer].fields
        self._opt_form = FieldForm(fields, self.training_layout, row + 1, self)
        self._opt_form.set_values(spec.optimizer_params)
        self._opt_form.set_enabled(not self.state.locked)
        self._opt_form.valueChanged.connect(
            lambda name, value: self._edit(self.state.set_optimizer_param, name, value))

    def _render_config(self) -> None:
        cfg = self.state.config
        values = {name: getattr(cfg, name) for name in TRAIN_OBJECT_NAMES}
        values["seed"] = -1 if cfg.seed is None else int(cfg.seed)
        self._train_form.set_values(values)

    def _render_locked(self) -> None:
        locked = self.state.locked
        for w in (self.input_edit, self.editor_box, self.loss_combo, self.optimizer_combo,
                  self.lr_spin, *(self._train_form.editor(name).widget
                                  for name in ("validation_split", "seed", "device"))):
            w.setEnabled(not locked)
        if self._opt_form is not None:
            self._opt_form.set_enabled(not locked)
        self._update_buttons()

    def _render_layer_list(self) -> None:
        with QSignalBlocker(self.layer_list):  # one editor rebuild below, not one per step
            self.layer_list.clear()
            for _ in self.state.spec.layers:
                self.layer_list.addItem(QListWidgetItem())
            self.layer_list.setCurrentRow(_row(self.state.selected))
        self._update_list_texts()
        self._render_layer_editor()

    def _update_list_texts(self) -> None:
        worst: dict[int, Problem] = {}
        for p in sorted(self._problems, key=lambda p: p.level == "error"):
            if p.layer is not None:
                worst[p.layer] = p  # errors come last, so they outrank hints
        spec = self.state.spec
        for i, layer in enumerate(spec.layers):
            item = self.layer_list.item(i)
            if item is None:
                continue
            text = f"{i + 1}. {layer.describe()}"
            if i == spec.latent_index:
                text += "   · latent"
            item.setText(text)
            problem = worst.get(i)
            level = problem.level if problem else None
            item.setIcon(self._icons[level])
            color = {"error": ERROR_COLOR, "hint": HINT_COLOR}.get(level or "")
            item.setForeground(color if color is not None else self.palette().text())
            tip = catalog.LAYER_TYPES[layer.type].help
            item.setToolTip("\n".join(t for t in (problem.message if problem else "", tip) if t))

    def _render_layer_editor(self) -> None:
        if self._layer_form is not None:
            self._layer_form.remove()
            self._layer_form = None
        self._update_buttons()
        row = self.state.selected
        if row is None:
            self.editor_box.setTitle("Layer")
            self.editor_help.setText("Select a layer in the list to edit its settings, or add "
                                     "one with “Add layer”.")
            self.editor_help.show()
            return
        layer = self.state.spec.layers[row]
        info = catalog.LAYER_TYPES[layer.type]
        self.editor_box.setTitle(f"Layer {row + 1}: {info.title}")
        self.editor_help.setText(info.help or ("" if info.fields else "No settings."))
        self.editor_help.setVisible(bool(self.editor_help.text()))
        # Scoped names: a layer's "momentum" must not be found as the optimizer's.
        self._layer_form = FieldForm(info.fields, self.editor_layout, -1, self,
                                     prefix=LAYER_FIELD_PREFIX)
        self._layer_form.set_values(layer.params)
        self._layer_form.valueChanged.connect(self._on_layer_param)

    def _update_buttons(self) -> None:
        sel = self.state.selected
        n = len(self.state.spec.layers)
        editable = not self.state.locked
        self.add_button.setEnabled(editable)
        self.remove_button.setEnabled(editable and sel is not None)
        self.duplicate_button.setEnabled(editable and sel is not None)
        self.up_button.setEnabled(editable and sel is not None and sel > 0)
        self.down_button.setEnabled(editable and sel is not None and sel < n - 1)

    # ---- problems ----------------------------------------------------------------------------

    def _revalidate(self) -> None:
        problems = validate.check(self.state.spec, self._data_info)
        if self._shape_error:
            problems.insert(0, Problem("error", self._shape_error))
        self._problems = problems
        self._update_list_texts()
        self.problems_view.set_problems(problems)
        self.problemsChanged.emit(self.problems())

    def _on_problem_clicked(self, layer: int) -> None:
        if 0 <= layer < len(self.state.spec.layers):
            self.select_layer(int(layer))
            self.layer_list.setFocus()


def _row(index: int | None) -> int:
    return -1 if index is None else index


def _sync_form(form: FieldForm, values: dict[str, Any]) -> None:
    """Show values that differ from the form's; the field being typed in is left alone."""
    form.set_values({name: v for name, v in values.items()
                     if name in form.editors and form.editor(name).value() != v})
