"""The builder panel's widgets: network box, layer editor box, training box (layout only).

A mixin so ``BuilderPanel`` stays about binding widgets to its ``BuilderState``; the slots
it connects (``add_layer``, ``_edit``, ``_on_row_selected``…) are the panel's.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QIcon, QKeySequence, QPainter, QPalette, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMenu,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from nngui.core.network import catalog
from nngui.core.network.catalog import Field
from nngui.core.network.features import FEATURES
from nngui.gui.builder.augment_preview import AugmentPreview
from nngui.gui.builder.fields import FieldForm, RateSpinBox
from nngui.gui.builder.problems import ERROR_COLOR, ProblemsView

_GROW = QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow

# TrainConfig's editable fields, bound like layer parameters (names are TrainConfig's).
TRAIN_FIELDS = (
    Field("epochs", "int", 5, minimum=1, maximum=10_000, help="Passes over the training data."),
    Field("batch_size", "int", 32, minimum=1, maximum=65_536,
          help="Samples per weight update."),
    Field("validation_split", "float", 0.1, minimum=0.0, maximum=0.9, step=0.05,
          help="Fraction of the training data held out to watch for overfitting."),
    Field("seed", "int", 0, minimum=-1, maximum=2**31 - 1,
          help="The same seed gives the same initial weights and shuffling."),
    Field("device", "choice", "auto", choices=("auto", "cpu", "gpu", "all"),
          help="Where TensorFlow trains; Auto uses a GPU when there is one; All GPUs "
               "splits every batch over the GPUs (batch size per GPU)."),
)
TRAIN_OBJECT_NAMES = {"epochs": "epochsSpin", "batch_size": "batchSizeSpin",
                      "validation_split": "validationSplitSpin", "seed": "seedSpin",
                      "device": "deviceCombo"}


def dot_icon(color: QColor | None) -> QIcon:
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


class SettingsColumn(QScrollArea):
    """The layer editor and the training settings, scrolled vertically where they do not fit.

    It asks for its contents' width and a vertical scroll bar's more (nothing is cut when the
    bar shows), but needs only its contents' width: the window's minimum stays within 1024
    pixels, where a scrolling editor's right edge can then sit under the bar. Never scrolled
    sideways; its height is whatever the builder gets.
    """

    MIN_HEIGHT = 120

    def __init__(self, column: QWidget) -> None:
        super().__init__(objectName="builderSettingsScroll", widgetResizable=True,
                         frameShape=QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWidget(column)
        # no bar is no promise: Tab from the Units box scrolled to the next field, and the
        # column's left edge went out of sight ("yer 1: Dense", "aining"). No sideways range
        bar = self.horizontalScrollBar()
        bar.rangeChanged.connect(lambda _low, _high: bar.setRange(0, 0))

    def _width(self, inner: QSize) -> int:
        return inner.width() + self.verticalScrollBar().sizeHint().width()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt naming)
        return QSize(self.widget().minimumSizeHint().width(), self.MIN_HEIGHT)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt naming)
        hint = self.widget().sizeHint()
        return QSize(self._width(hint), hint.height())


class BuilderLayout:
    """Builds the builder panel's widgets; mixed into ``BuilderPanel``."""

    def _build_ui(self) -> None:
        root = QHBoxLayout(self)
        root.setContentsMargins(6, 2, 6, 2)  # vertical room: the Train tab fits 1024x700
        root.setSpacing(10)
        root.addWidget(self._build_network_box(), 2)
        column = QWidget(objectName="builderSettings")
        right = QVBoxLayout(column)
        right.setContentsMargins(0, 0, 0, 0)
        right.setSpacing(4)
        right.addWidget(self._build_editor_box())
        self.augment_preview = AugmentPreview()  # shown while the network augments
        right.addWidget(self.augment_preview)
        right.addWidget(self._build_training_box())
        right.addStretch(1)
        # The layer editor's height varies with the layer (2 fields for Dropout, 10 for
        # Conv2D); the builder's followed it, so the Remove button moved under the pointer
        # and a Conv2D row made the window taller than a 768-pixel screen. The column scrolls
        # where it does not fit instead, and the builder's height stays the splitter's.
        self.settings_scroll = SettingsColumn(column)
        root.addWidget(self.settings_scroll, 3)

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
        lay.addLayout(self._build_feature_row())
        self.model_inputs_label = QLabel(objectName="modelInputsLabel", wordWrap=True,
                                         visible=False)
        self.model_inputs_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        lay.addWidget(self.model_inputs_label)

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

    def _build_feature_row(self) -> QHBoxLayout:
        """Checkboxes for the input features of 2-D data (the course's lift φ)."""
        row = QHBoxLayout()
        row.setSpacing(4)
        grid = QGridLayout()  # two short lines keep the network column narrow
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(0)
        tip = ("Extra inputs computed from 2-D data (x1, x2): the network reads them as more "
               "input columns, so even a perceptron can draw a curved boundary. Needs input "
               "shape 2.")
        row.addWidget(QLabel("Add inputs:", toolTip=tip), 0, Qt.AlignmentFlag.AlignTop)
        self.feature_checks: dict[str, QCheckBox] = {}
        for i, (key, feature) in enumerate(FEATURES.items()):
            box = QCheckBox(feature.title, objectName=f"featureCheck_{feature.ident}",
                            toolTip=f"Add {feature.title} as an input. {tip}")
            box.toggled.connect(self._on_feature_toggled)
            grid.addWidget(box, i // 3, i % 3)
            self.feature_checks[key] = box
        row.addLayout(grid)
        row.addStretch(1)
        return row

    def _build_editor_box(self) -> QGroupBox:
        self.editor_box = QGroupBox("Layer", objectName="layerEditor")
        self.editor_layout = QFormLayout(self.editor_box, fieldGrowthPolicy=_GROW)
        self.editor_layout.setVerticalSpacing(3)
        self.editor_help = QLabel(wordWrap=True)
        self.editor_help.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.editor_layout.addRow(self.editor_help)
        return self.editor_box

    def _build_training_box(self) -> QGroupBox:
        box = QGroupBox("Training", objectName="trainingSettings")
        form = self.training_layout = QFormLayout(box, fieldGrowthPolicy=_GROW)
        form.setVerticalSpacing(3)  # rows close together: the whole box fits 1024x700
        # Short names ("Categorical CE") fit the narrowest window without eliding; the full
        # name and its help are the tooltip of each entry and of the box.
        self.loss_combo = self._combo(
            "lossCombo", {k: v.label for k, v in catalog.LOSSES.items()},
            {k: " — ".join(filter(None, (v.title, v.help))) for k, v in catalog.LOSSES.items()})
        self.loss_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.loss_combo.setMinimumContentsLength(14)
        self.loss_combo.currentIndexChanged.connect(
            lambda _i: self._edit(self.state.set_loss, self.loss_combo.currentData()))
        self.loss_combo.currentIndexChanged.connect(lambda i: self.loss_combo.setToolTip(
            self.loss_combo.itemData(i, Qt.ItemDataRole.ToolTipRole) or ""))
        form.addRow("Loss:", self.loss_combo)
        self.optimizer_combo = self._combo(
            "optimizerCombo", {k: v.title for k, v in catalog.OPTIMIZERS.items()}, {})
        self.optimizer_combo.currentIndexChanged.connect(
            lambda _i: self._edit(self.state.set_optimizer, self.optimizer_combo.currentData()))
        form.addRow("Optimizer:", self.optimizer_combo)
        self.lr_spin = RateSpinBox(
            objectName="learningRateSpin",
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
        for i, text in enumerate(("Auto", "CPU", "GPU", "All GPUs")):
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

