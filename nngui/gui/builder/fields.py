"""Widgets generated from catalog ``Field``s: one editor per field, forms bound to a dict.

The builder panel never hand-writes a widget per layer parameter; it asks this module for a
form over ``LAYER_TYPES[type].fields`` (or an optimizer's fields) and listens for
``valueChanged(name, value)``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from nngui.core.network import catalog
from nngui.core.network.catalog import Field
from nngui.core.network.schema import MAX_LR, MIN_LR

INVALID_STYLE = "QLineEdit { border: 1px solid #d32f2f; border-radius: 3px; padding: 1px; }"


def parse_shape(text: str) -> tuple[int, ...]:
    """Read '28, 28, 1' (or '28x28x1', '(784,)') as a shape; ValueError says what is wrong."""
    cleaned = text.strip().strip("()[]")
    for sep in ("×", "x", "X", ";"):
        cleaned = cleaned.replace(sep, ",")
    parts = [p.strip() for p in cleaned.replace(" ", ",").split(",") if p.strip()]
    if not parts:
        raise ValueError("enter sizes separated by commas, e.g. 784 or 28, 28")
    dims: list[int] = []
    for part in parts:
        try:
            value = int(part)
        except ValueError:
            raise ValueError(f"{part!r} is not a whole number") from None
        if value < 1:
            raise ValueError("every size must be at least 1")
        dims.append(value)
    return tuple(dims)


def format_shape(shape: Iterable[int]) -> str:
    return ", ".join(str(int(v)) for v in shape)


class RateSpinBox(QDoubleSpinBox):
    """A learning rate over the schema's whole range, shown as the number in use.

    A plain QDoubleSpinBox clamps what it is given to its range and rounds it to its
    decimals: a network opened with lr 1000 showed 10.0 while training with 1000. This one
    spans MIN_LR..MAX_LR, shows the value with six significant digits (1e-07, 0.001, 1000)
    and reads what is typed the same way.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.setDecimals(15)
        self.setRange(MIN_LR, MAX_LR)
        self.setStepType(QDoubleSpinBox.StepType.AdaptiveDecimalStepType)

    def textFromValue(self, value: float) -> str:  # noqa: N802 (Qt naming)
        return f"{value:.6g}"

    def valueFromText(self, text: str) -> float:  # noqa: N802 (Qt naming)
        try:
            return float(text)
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int) -> object:
        try:
            value = float(text)
        except ValueError:  # '', '1e', '0.' on the way to a number
            ok = all(c in "0123456789.eE+-" for c in text)
            return (QValidator.State.Intermediate if ok else QValidator.State.Invalid), text, pos
        state = QValidator.State.Acceptable if MIN_LR <= value <= MAX_LR else \
            QValidator.State.Intermediate
        return state, text, pos


class FieldEditor(QObject):
    """One widget for one Field, with ``value()``/``set_value()`` and a user-edit signal."""

    changed = Signal(object)  # the new value; not emitted by set_value

    def __init__(self, field: Field, parent: QWidget | None = None,
                 prefix: str = "field_") -> None:
        super().__init__()
        self.field = field
        self._quiet = False
        self._value: Any = field.default
        self.widget = self._make_widget(parent)
        self.setParent(self.widget)  # the editor lives exactly as long as its widget
        self.widget.setObjectName(f"{prefix}{field.name}")
        if field.help:
            self.widget.setToolTip(field.help)
        self.set_value(field.default)

    def _make_widget(self, parent: QWidget | None) -> QWidget:
        f = self.field
        if f.kind == "int":
            w = QSpinBox(parent)
            w.setRange(int(f.minimum if f.minimum is not None else 0),
                       int(f.maximum if f.maximum is not None else 2**31 - 1))
            w.setSingleStep(int(f.step or 1))
            w.setGroupSeparatorShown(True)
            w.valueChanged.connect(self._emit)
        elif f.kind == "float":
            w = QDoubleSpinBox(parent)
            step = f.step or 0.01
            # enough decimals to show one step (1e-6 for the course's SGD decay)
            w.setDecimals(min(8, max(3, math.ceil(-math.log10(step)) + 1)))
            w.setRange(f.minimum if f.minimum is not None else -1e9,
                       f.maximum if f.maximum is not None else 1e9)
            w.setSingleStep(step)
            w.valueChanged.connect(self._emit)
        elif f.kind == "bool":
            w = QCheckBox(parent)
            w.toggled.connect(self._emit)
        elif f.kind == "choice":
            w = QComboBox(parent)
            descriptions = _choice_descriptions(f)
            for i, choice in enumerate(f.choices):
                w.addItem(choice, choice)
                if choice in descriptions:
                    w.setItemData(i, descriptions[choice], Qt.ItemDataRole.ToolTipRole)
            w.currentIndexChanged.connect(lambda _i: self._emit(w.currentData()))
        elif f.kind == "shape":
            w = QLineEdit(parent)
            w.setPlaceholderText("e.g. 28, 28, 1")
            w.textEdited.connect(self._shape_edited)
        else:
            raise ValueError(f"unknown field kind {f.kind!r}")
        return w

    def value(self) -> Any:
        return self._value

    def set_value(self, value: Any) -> None:
        """Show a value without emitting ``changed``."""
        self._quiet = True
        try:
            w = self.widget
            if isinstance(w, QSpinBox):
                w.setValue(int(value))
            elif isinstance(w, QDoubleSpinBox):
                w.setValue(float(value))
            elif isinstance(w, QCheckBox):
                w.setChecked(bool(value))
            elif isinstance(w, QComboBox):
                w.setCurrentIndex(max(0, w.findData(value)))
                value = w.currentData()
            elif isinstance(w, QLineEdit):
                value = tuple(int(v) for v in value)
                w.setText(format_shape(value))
                w.setStyleSheet("")
            self._value = value
            self._update_tooltip()
        finally:
            self._quiet = False

    def _emit(self, value: Any) -> None:
        if isinstance(self.widget, QSpinBox):
            value = int(value)
        elif isinstance(self.widget, QDoubleSpinBox):
            value = float(value)
        elif isinstance(self.widget, QCheckBox):
            value = bool(value)
        self._value = value
        self._update_tooltip()
        if not self._quiet:
            self.changed.emit(value)

    def _shape_edited(self, text: str) -> None:
        w = self.widget
        try:
            shape = parse_shape(text)
        except ValueError as exc:
            w.setStyleSheet(INVALID_STYLE)
            w.setToolTip(f"Not a shape: {exc}.")
            return
        w.setStyleSheet("")
        w.setToolTip(self.field.help)
        self._emit(shape)

    def _update_tooltip(self) -> None:
        # A choice's description (e.g. the activation's formula) is worth seeing on hover.
        w = self.widget
        if isinstance(w, QComboBox):
            tip = w.itemData(w.currentIndex(), Qt.ItemDataRole.ToolTipRole)
            w.setToolTip("\n".join(t for t in (self.field.help, tip) if t))


def _choice_descriptions(field: Field) -> dict[str, str]:
    if field.name == "activation":
        return catalog.ACTIVATIONS
    if field.name.endswith("initializer"):
        return catalog.INITIALIZERS
    return {}


class FieldForm(QObject):
    """Rows of a QFormLayout generated from Fields, honouring ``Field.visible_when``.

    The rows are inserted into an existing layout (from ``first_row`` on, or appended) so
    they line up with the layout's other rows; ``remove()`` takes them out again. Each
    editor's objectName is ``prefix + field name``: forms that can show the same field name
    (a layer's and an optimizer's ``momentum``) need different prefixes.
    """

    valueChanged = Signal(str, object)  # field name, new value (user edits only)

    def __init__(self, fields: Iterable[Field], layout: QFormLayout, first_row: int = -1,
                 parent: QWidget | None = None, prefix: str = "field_") -> None:
        super().__init__(parent)
        self._layout = layout
        self.editors: dict[str, FieldEditor] = {}
        self._rows: dict[str, QWidget] = {}  # field name -> its row's widget in the layout
        row = first_row
        for group in _rows_of(list(fields)):
            editors = [FieldEditor(field, parent, prefix) for field in group]
            widget = editors[0].widget
            if len(editors) > 1:  # fields shown side by side: "L1: [..]  L2: [..]"
                widget = QWidget(parent)
                line = QHBoxLayout(widget)
                line.setContentsMargins(0, 0, 0, 0)
                line.addWidget(editors[0].widget, 1)
                for editor in editors[1:]:
                    line.addWidget(_label(editor.field, parent))
                    line.addWidget(editor.widget, 1)
            layout.insertRow(row, _label(group[0], parent), widget)
            if row >= 0:
                row += 1
            for field, editor in zip(group, editors, strict=True):
                editor.changed.connect(lambda v, name=field.name: self._edited(name, v))
                self.editors[field.name] = editor
                self._rows[field.name] = widget
        self._update_visibility()

    def editor(self, name: str) -> FieldEditor:
        return self.editors[name]

    def values(self) -> dict[str, Any]:
        return {name: e.value() for name, e in self.editors.items()}

    def set_values(self, values: dict[str, Any]) -> None:
        """Show values (missing names keep their current value) without emitting."""
        for name, value in values.items():
            if name in self.editors:
                self.editors[name].set_value(value)
        self._update_visibility()

    def set_enabled(self, enabled: bool) -> None:
        for e in self.editors.values():
            e.widget.setEnabled(enabled)

    def remove(self) -> None:
        """Delete this form's rows from the layout, and the form itself."""
        for widget in dict.fromkeys(self._rows.values()):
            self._layout.removeRow(widget)
        self.editors.clear()
        self._rows.clear()
        self.deleteLater()

    def _edited(self, name: str, value: Any) -> None:
        self._update_visibility()
        self.valueChanged.emit(name, value)

    def _update_visibility(self) -> None:
        values = self.values()
        shown: dict[QWidget, bool] = {}
        for name, e in self.editors.items():
            cond = e.field.visible_when
            visible = cond is None or values.get(cond[0]) in cond[1]
            row = self._rows[name]
            shown[row] = shown.get(row, False) or visible
        for row, visible in shown.items():
            self._layout.setRowVisible(row, visible)


def _label(field: Field, parent: QWidget | None) -> QLabel:
    label = QLabel(field.title + ":", parent)
    if field.help:
        label.setToolTip(field.help)
    return label


def _rows_of(fields: list[Field]) -> list[list[Field]]:
    """Fields grouped into form rows: a field ``beside`` another joins that field's row."""
    rows: list[list[Field]] = []
    for field in fields:
        home = next((r for r in rows if any(f.name == field.beside for f in r)), None)
        if field.beside and home is not None:
            home.append(field)
        else:
            rows.append([field])
    return rows
