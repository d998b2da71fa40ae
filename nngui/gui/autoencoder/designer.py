"""A small dialog that designs a dense autoencoder and hands back its NetworkSpec."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from nngui.core.model.autoencoder import autoencoder_spec
from nngui.core.network.shapes import total_params
from nngui.core.network.spec import NetworkSpec, SpecError

ACTIVATIONS = ("relu", "leaky_relu", "elu", "gelu", "tanh", "sigmoid")
LOSSES = (("MSE (mean squared error)", "mse"), ("Binary cross-entropy", "binary_crossentropy"))


def parse_widths(text: str) -> list[int]:
    """'128, 32 8' -> [128, 32, 8]; a SpecError names anything that is not a positive int."""
    parts = [p for p in text.replace(",", " ").replace("-", " ").split() if p]
    try:
        widths = [int(p) for p in parts]
    except ValueError:
        raise SpecError("Layer widths are whole numbers separated by commas, "
                        "e.g. 128, 32, 8.") from None
    if any(w < 1 for w in widths):
        raise SpecError("Every layer needs at least one unit.")
    return widths


class AutoencoderDesigner(QDialog):
    """Encoder widths, bottleneck, decoder (mirrored or not), activation, loss, input noise."""

    specCreated = Signal(object)  # the NetworkSpec, emitted when the user presses OK

    def __init__(self, parent: QWidget | None = None, input_dim: int = 784) -> None:
        super().__init__(parent)
        self.setObjectName("autoencoderDesigner")
        self.setWindowTitle("Design an autoencoder")
        self.input_dim = int(input_dim)

        self.encoderEdit = QLineEdit("128, 32, 8")
        self.encoderEdit.setObjectName("encoderWidthsEdit")
        self.encoderEdit.setToolTip("Widths of the encoder's Dense layers, input side first")
        self.latentSpin = QSpinBox()
        self.latentSpin.setObjectName("bottleneckSpin")
        self.latentSpin.setRange(1, 4096)
        self.latentSpin.setValue(2)
        self.latentSpin.setToolTip("Size of the code; 2 can be plotted and walked directly")
        self.mirrorCheck = QCheckBox("Mirror the encoder")
        self.mirrorCheck.setObjectName("mirrorDecoderCheck")
        self.mirrorCheck.setChecked(True)
        self.decoderEdit = QLineEdit()
        self.decoderEdit.setObjectName("decoderWidthsEdit")
        self.decoderEdit.setToolTip("Widths of the decoder's hidden Dense layers, code side "
                                    "first; the sigmoid output layer is added for you")
        self.activationCombo = QComboBox()
        self.activationCombo.setObjectName("aeActivationCombo")
        self.activationCombo.addItems(ACTIVATIONS)
        self.lossCombo = QComboBox()
        self.lossCombo.setObjectName("aeLossCombo")
        for title, key in LOSSES:
            self.lossCombo.addItem(title, key)
        self.noiseSpin = QDoubleSpinBox()
        self.noiseSpin.setObjectName("inputNoiseSpin")
        self.noiseSpin.setRange(0.0, 2.0)
        self.noiseSpin.setSingleStep(0.05)
        self.noiseSpin.setDecimals(2)
        self.noiseSpin.setSpecialValueText("off")
        self.noiseSpin.setToolTip("Gaussian noise σ added to the input while training only: a "
                                  "denoising autoencoder learns to rebuild the clean digit")
        self.summaryLabel = QLabel()
        self.summaryLabel.setObjectName("aeSummaryLabel")
        self.summaryLabel.setWordWrap(True)

        form = QFormLayout()
        form.addRow("Encoder widths", self.encoderEdit)
        form.addRow("Bottleneck (latent) size", self.latentSpin)
        form.addRow("Decoder", self.mirrorCheck)
        form.addRow("Decoder widths", self.decoderEdit)
        form.addRow("Activation", self.activationCombo)
        form.addRow("Loss", self.lossCombo)
        form.addRow("Input noise (denoising)", self.noiseSpin)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.summaryLabel)
        layout.addWidget(self.buttons)

        for edit in (self.encoderEdit, self.decoderEdit):
            edit.textChanged.connect(self._refresh)
        self.latentSpin.valueChanged.connect(self._refresh)
        self.mirrorCheck.toggled.connect(self._refresh)
        self.activationCombo.currentIndexChanged.connect(self._refresh)
        self.noiseSpin.valueChanged.connect(self._refresh)
        self._refresh()

    def spec(self) -> NetworkSpec:
        """The autoencoder described by the form; a SpecError says what is wrong."""
        encoder = parse_widths(self.encoderEdit.text())
        decoder = None if self.mirrorCheck.isChecked() else parse_widths(self.decoderEdit.text())
        name = "autoencoder_" + "_".join(str(w) for w in [*encoder, self.latentSpin.value()])
        return autoencoder_spec(encoder, self.latentSpin.value(), decoder,
                                activation=self.activationCombo.currentText(),
                                loss=self.lossCombo.currentData(), input_dim=self.input_dim,
                                noise=self.noiseSpin.value(), name=name)

    def _refresh(self) -> None:
        mirror = self.mirrorCheck.isChecked()
        self.decoderEdit.setReadOnly(mirror)
        self.decoderEdit.setEnabled(not mirror)
        if mirror:
            try:
                widths = parse_widths(self.encoderEdit.text())
            except SpecError:
                widths = []
            self.decoderEdit.setText(", ".join(str(w) for w in reversed(widths)))
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        try:
            spec = self.spec()
        except SpecError as exc:
            self.summaryLabel.setText(f"<span style='color:#b00'>{exc}</span>")
            ok.setEnabled(False)
            return
        widths = [lay.params["units"] for lay in spec.layers if lay.type == "Dense"]
        chain = "-".join(str(w) for w in [self.input_dim, *widths])
        noise = f", input noise σ {self.noiseSpin.value():g}" if self.noiseSpin.value() else ""
        self.summaryLabel.setText(f"{chain} · {total_params(spec):,} parameters{noise}. "
                                  "Linear bottleneck, sigmoid output.")
        ok.setEnabled(True)

    def accept(self) -> None:
        try:
            spec = self.spec()
        except SpecError as exc:
            self.summaryLabel.setText(f"<span style='color:#b00'>{exc}</span>")
            return
        self.specCreated.emit(spec)
        super().accept()
