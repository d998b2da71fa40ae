"""The preset box and the Autoencoder… button: which preset (or design) the builder holds.

``PresetBox`` owns the combo box (``presetCombo``), the ``autoencoderButton`` and the name of
the preset the builder started from. Applying a preset fills the builder and picks the
preset's data; the box then names what the builder holds: a preset, "… (modified)" after an
edit, or "Your design: …". Its collaborators come in through the constructor: the builder,
the training panel (no preset while a run goes on), the data controller, the settings (the
last preset) and ``new_session``, the workbench's way to start a fresh network. It says
things on the status bar through ``message``; it never reaches into the window.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QComboBox, QPushButton, QWidget

from nngui.core.data import datasets
from nngui.core.network.spec import NetworkSpec
from nngui.core.training import presets
from nngui.gui.builder.panel import BuilderPanel
from nngui.gui.common.data_controller import DataController
from nngui.gui.training.panel import TrainingPanel
from nngui.gui.window.settings import Settings

CUSTOM = "__custom__"  # the preset box's entry for a network that is no preset
FIRST = "mnist-784-20-10"  # the preset a new user starts from


class PresetBox(QObject):
    """Presets for the builder (see the module docstring)."""

    message = Signal(str, int)  # status bar text and timeout (0: until replaced)

    def __init__(self, window: QWidget, builder: BuilderPanel, training: TrainingPanel,
                 data: DataController, settings: Settings,
                 new_session: Callable[[NetworkSpec], None]) -> None:
        super().__init__(window)
        self._window = window  # the autoencoder designer's parent
        self._builder, self._training, self._data = builder, training, data
        self._settings, self._new_session = settings, new_session
        self.name: str | None = None  # the preset the builder started from
        self.combo = QComboBox()
        self.combo.setObjectName("presetCombo")
        for p in presets.PRESETS.values():
            self.combo.addItem(p.title, p.name)
            self.combo.setItemData(self.combo.count() - 1, p.description,
                                   Qt.ItemDataRole.ToolTipRole)
        self.combo.activated.connect(lambda _i: self.apply(self.combo.currentData()))
        self.designButton = QPushButton("Autoencoder…")
        self.designButton.setObjectName("autoencoderButton")
        self.designButton.setToolTip("Design an autoencoder: encoder widths, bottleneck, "
                                     "mirrored decoder, loss and input noise.")
        self.designButton.clicked.connect(self.design_autoencoder)
        builder.specChanged.connect(self.show_state)

    def initial(self) -> str:
        """The preset to start with: the last one used, else the first."""
        last = self._settings.last_preset()
        return last if last in presets.PRESETS else FIRST

    def apply(self, name: str, quiet: bool = False) -> None:
        """Put preset ``name`` into the builder and pick its data (not while training)."""
        if self._training.is_running() or name == CUSTOM:
            self.show_state(self._builder.spec())
            return
        p = presets.get_preset(name)
        self.name = name
        self.combo.setCurrentIndex(self.combo.findData(name))
        self._settings.set_last_preset(name)
        self._builder.set_spec(p.spec())
        self._builder.set_config(p.train_config())
        self._new_session(p.spec())
        dataset = p.dataset
        if dataset == "mnist" and not self._data.mnist_available() and quiet:
            dataset = "digits"  # opens on bundled data; MNIST is one click (and one download) away
            self.message.emit("MNIST not found: using the bundled 8×8 digits scaled to 28×28. "
                              "Pick MNIST under Data to download or load it.", 0)
        if dataset != "mnist" and quiet and not self._data.available(dataset):
            # at start-up: no download question for a preset last used (CIFAR-10, 163 MB)
            self.message.emit(f"{p.title}: its data is not here yet: pick "
                              f"{datasets.dataset_title(dataset).split(' (')[0]} under Data "
                              "to download it, or load its file.", 0)
            return
        if dataset == "file":
            self.message.emit(f"{p.title}: load your data with File → Load data file… (an NPZ "
                              "with x_train, y_train).", 0)
            return
        current = self._data.selection()  # a load in flight counts: the latest pick wins
        if current != dataset:
            self._data.select(dataset, quiet=False)

    def forget(self) -> None:
        """The builder now holds an opened network: the box names it, not the old preset."""
        self.name = None

    def adopt(self, name: str | None, spec: NetworkSpec) -> None:
        """An opened project's network: the preset it says it came from (else the preset
        whose network it is exactly, for files from before that was saved) or a design."""
        if name not in presets.PRESETS:
            same = [n for n, p in presets.PRESETS.items() if p.spec().to_dict() ==
                    spec.to_dict()]
            name = same[0] if same else None
        self.name = name
        self.show_state(spec)

    def show_state(self, spec: NetworkSpec) -> None:
        """The box names what the builder holds: a preset, "… (modified)", or a design."""
        combo = self.combo
        for i in range(combo.count()):
            name = combo.itemData(i)
            if name in presets.PRESETS:
                combo.setItemText(i, presets.PRESETS[name].title)
        custom = combo.findData(CUSTOM)
        if self.name is None:
            text = f"Your design: {spec.name or 'unnamed'}"
            if custom < 0:
                combo.addItem(text, CUSTOM)
                custom = combo.count() - 1
            combo.setItemText(custom, text)
            combo.setCurrentIndex(custom)
            return
        if custom >= 0:
            combo.removeItem(custom)
        i = combo.findData(self.name)
        combo.setCurrentIndex(i)
        if spec.to_dict() != presets.get_preset(self.name).spec().to_dict():
            combo.setItemText(i, combo.itemText(i) + " (modified)")

    def design_autoencoder(self) -> None:
        """Autoencoder…: the designer dialog; its network replaces the builder's."""
        from nngui.gui.autoencoder.designer import AutoencoderDesigner

        ds = self._data.dataset
        dim = math.prod(map(int, ds.input_shape)) if ds is not None else 784
        dialog = AutoencoderDesigner(self._window, input_dim=dim)
        dialog.specCreated.connect(self.use_design)
        dialog.open()

    def use_design(self, spec: NetworkSpec) -> None:
        """A designed autoencoder goes into the builder (the box shows "Your design: …")."""
        self.name = None
        self._builder.set_spec(spec)
        self._builder.set_config(presets.get_preset("ae-32d").train_config())
        self._new_session(spec)
