"""The network builder: input shape, layer list, a generated per-layer form, training settings.

The network and training settings live in a Qt-free ``BuilderState``; the widgets here edit it
and re-render from its notifications, which also become ``specChanged`` / ``configChanged``.
Shapes, parameter counts and advice come from ``nngui.core``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import QComboBox, QListWidgetItem, QWidget

from nngui.core.network import catalog, features, validate
from nngui.core.network import form as bs
from nngui.core.network.form import BuilderState
from nngui.core.network.spec import NetworkSpec, SpecError, TrainConfig
from nngui.core.network.validate import DataInfo, Problem
from nngui.gui.builder.fields import INVALID_STYLE, FieldForm, format_shape, parse_shape
from nngui.gui.builder.layout import TRAIN_OBJECT_NAMES, BuilderLayout, dot_icon
from nngui.gui.builder.problems import ERROR_COLOR, HINT_COLOR

LAYER_FIELD_PREFIX = "layer_field_"  # objectNames of the layer form's editors


class BuilderPanel(BuilderLayout, QWidget):
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
        self._layer_form_type: str | None = None  # the layer kind its fields are for
        self._opt_form: FieldForm | None = None
        self._icons = {None: dot_icon(None), "error": dot_icon(ERROR_COLOR),
                       "hint": dot_icon(HINT_COLOR)}
        self._build_ui()
        self._render_config()
        self._render_spec()
        self._render_locked()
        self._revalidate()
        self.state.subscribe(self._on_state_changed)
        self.augment_preview.set_spec(self.spec())
        self.specChanged.connect(self.augment_preview.set_spec)

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

    def set_gpu_available(self, available: bool, name: str = "", count: int = 1) -> None:
        """Enable the GPU device choice once TensorFlow has found one; "All GPUs" for >= 2."""
        item = self.device_combo.model().item(2)
        item.setEnabled(available)
        item.setText(f"GPU ({name})" if available and name else "GPU")
        tip = f"Train on {name or 'the GPU'}." if available else "No GPU found (yet)."
        self.device_combo.setItemData(2, tip, Qt.ItemDataRole.ToolTipRole)
        several = available and count >= 2
        self.device_combo.model().item(3).setEnabled(several)
        self.device_combo.model().item(3).setText(f"All {count} GPUs" if several else "All GPUs")
        tip = (f"Split every batch over all {count} GPUs (MirroredStrategy): the batch size is "
               "per GPU." if several else "Needs two or more GPUs.")
        self.device_combo.setItemData(3, tip, Qt.ItemDataRole.ToolTipRole)

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

    def _on_feature_toggled(self, _checked: bool) -> None:
        chosen = [key for key, box in self.feature_checks.items() if box.isChecked()]
        self._edit(self.state.set_features, chosen)

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
            self._render_features()
        elif kind == bs.FEATURES:
            self._render_features()
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
        self._render_features()
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

    def _render_features(self) -> None:
        spec = self.state.spec
        usable = spec.input_shape == features.RAW_SHAPE and not self.state.locked
        for key, box in self.feature_checks.items():
            with QSignalBlocker(box):
                box.setChecked(key in spec.features)
            box.setEnabled(usable)
        n = spec.model_input_shape[0] if spec.features else 0
        self.model_inputs_label.setText(f"The network reads {n} inputs: "
                                        f"{features.describe(spec.features)}")
        self.model_inputs_label.setVisible(bool(spec.features))

    @staticmethod
    def _render_combo(combo: QComboBox, key: str) -> None:
        with QSignalBlocker(combo):
            combo.setCurrentIndex(combo.findData(key))
        if combo.objectName() == "lossCombo":  # its short name's full title, as its tooltip
            combo.setToolTip(combo.currentData(Qt.ItemDataRole.ToolTipRole) or "")

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
        self._render_features()
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
        row = self.state.selected
        layer = None if row is None else self.state.spec.layers[row]
        if self._layer_form is not None and layer is not None and \
                self._layer_form_type == layer.type:  # the same fields: new values only
            self._show_layer(row, layer)  # (rebuilding them took ~10 ms of an open)
            self._layer_form.set_values(layer.params)
            self._update_buttons()
            return
        if self._layer_form is not None:
            self._layer_form.remove()
            self._layer_form = None
        self._update_buttons()
        if row is None:
            self.editor_box.setTitle("Layer")
            self.editor_help.setText("Select a layer in the list to edit its settings, or add "
                                     "one with “Add layer”.")
            self.editor_help.show()
            return
        self._show_layer(row, layer)
        # Scoped names: a layer's "momentum" must not be found as the optimizer's.
        self._layer_form = FieldForm(catalog.LAYER_TYPES[layer.type].fields, self.editor_layout,
                                     -1, self, prefix=LAYER_FIELD_PREFIX)
        self._layer_form_type = layer.type
        self._layer_form.set_values(layer.params)
        self._layer_form.valueChanged.connect(self._on_layer_param)

    def _show_layer(self, row: int, layer) -> None:
        info = catalog.LAYER_TYPES[layer.type]
        self.editor_box.setTitle(f"Layer {row + 1}: {info.title}")
        self.editor_help.setText(info.help or ("" if info.fields else "No settings."))
        self.editor_help.setVisible(bool(self.editor_help.text()))

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
