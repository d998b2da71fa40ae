"""The network builder and the summary table, driven the way a user drives them."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QSpinBox,
    QToolButton,
)

from nngui.core.network.validate import DataInfo
from nngui.core.training.presets import get_preset
from nngui.gui.builder.panel import BuilderPanel
from nngui.gui.builder.summary import SummaryTable

MNIST_10 = DataInfo((784,), "classification", 10)


@pytest.fixture
def ui(qtbot):
    """A builder showing the mnist-mlp-512 preset, wired to a summary table like the window."""
    panel = BuilderPanel()
    table = SummaryTable()
    panel.specChanged.connect(table.set_spec)
    qtbot.addWidget(panel)
    qtbot.addWidget(table)
    panel.set_spec(get_preset("mnist-mlp-512").spec())
    panel.show()
    return panel, table


def child(panel, cls, name):
    w = panel.findChild(cls, name)
    assert w is not None, f"no {cls.__name__} named {name}"
    return w


def list_texts(view: QListWidget) -> list[str]:
    return [view.item(i).text() for i in range(view.count())]


def total_text(table: SummaryTable) -> str:
    return table.total_text()


def click(qtbot, panel, name):
    qtbot.mouseClick(child(panel, QToolButton, name), Qt.MouseButton.LeftButton)


def test_summary_shows_keras_numbers_for_mlp_512(ui):
    panel, table = ui
    assert table.objectName() == "summaryTable"
    assert table.total_params() == 669_706
    assert total_text(table) == "Total params: 669,706"
    first = [table.item(0, c).text() for c in range(3)]
    assert first == ["dense (Dense)", "(None, 512)", "401,920"]
    assert table.item(1, 0).text() == "dropout (Dropout)"
    assert table.item(4, 1).text() == "(None, 10)"
    assert list_texts(child(panel, QListWidget, "layerList"))[:2] == [
        "1. Dense 512 relu", "2. Dropout 0.2"]
    assert list_texts(child(panel, QListWidget, "problemsView")) == ["✓ Ready to train"]


def test_add_layer_menu_inserts_dense_with_defaults(ui, qtbot):
    panel, table = ui
    panel.select_layer(0)
    menu = child(panel, QToolButton, "addLayerButton").menu()
    dense = next(a for a in menu.actions() if a.data() == "Dense")
    with qtbot.waitSignal(panel.specChanged) as blocker:
        dense.trigger()
    spec = blocker.args[0]
    assert len(spec.layers) == 6
    assert spec.layers[1].type == "Dense"
    assert spec.layers[1].params["units"] == 32
    assert spec.layers[1].params["activation"] == "relu"
    assert panel.selected_layer() == 1
    assert list_texts(child(panel, QListWidget, "layerList"))[1] == "2. Dense 32 relu"
    # 784-512-32-512-10: 401,920 + 16,416 + 16,896 + 5,130
    assert table.total_params() == 440_362


def test_editing_units_updates_spec_list_and_summary(ui):
    panel, table = ui
    panel.select_layer(0)
    units = child(panel, QSpinBox, "layer_field_units")
    assert units.value() == 512
    units.setValue(100)
    assert panel.spec().layers[0].params["units"] == 100
    assert child(panel, QListWidget, "layerList").item(0).text() == "1. Dense 100 relu"
    # 784*100+100 + 100*512+512 + 512*10+10
    assert total_text(table) == "Total params: 135,342"


def test_remove_and_move_reorder_the_spec(ui, qtbot):
    panel, _table = ui
    types = lambda: [lay.describe() for lay in panel.spec().layers]  # noqa: E731
    panel.select_layer(4)
    click(qtbot, panel, "moveUpButton")
    assert types() == ["Dense 512 relu", "Dropout 0.2", "Dense 512 relu", "Dense 10 softmax",
                       "Dropout 0.2"]
    assert panel.selected_layer() == 3
    click(qtbot, panel, "moveDownButton")
    assert types()[-1] == "Dense 10 softmax"
    assert not child(panel, QToolButton, "moveDownButton").isEnabled()
    panel.select_layer(1)
    click(qtbot, panel, "removeLayerButton")
    assert types() == ["Dense 512 relu", "Dense 512 relu", "Dropout 0.2", "Dense 10 softmax"]
    click(qtbot, panel, "duplicateLayerButton")
    assert len(types()) == 5 and types()[2] == "Dense 512 relu"


def test_leaky_relu_reveals_alpha(ui):
    panel, table = ui
    panel.select_layer(0)
    alpha = child(panel, QDoubleSpinBox, "layer_field_alpha")
    assert not alpha.isVisible()
    activation = child(panel, QComboBox, "layer_field_activation")
    assert "max(0, z)" in activation.toolTip()  # the activation's description
    activation.setCurrentIndex(activation.findData("leaky_relu"))
    assert alpha.isVisible()
    alpha.setValue(0.1)
    assert panel.spec().layers[0].params["alpha"] == pytest.approx(0.1)
    assert child(panel, QListWidget, "layerList").item(0).text() == "1. Dense 512 leaky_relu α=0.1"
    assert table.item(1, 0).text() == "leaky_re_lu (LeakyReLU)"


def test_one_softmax_unit_for_ten_classes_is_an_error(ui, qtbot):
    panel, _table = ui
    panel.select_layer(4)
    child(panel, QSpinBox, "layer_field_units").setValue(1)
    panel.set_data_info(MNIST_10)
    problems = child(panel, QListWidget, "problemsView")
    texts = list_texts(problems)
    assert any(t.startswith("✖") and ("single output" in t or "1 unit" in t) for t in texts)
    layers = child(panel, QListWidget, "layerList")
    assert layers.item(4).foreground().color().name() == "#c62828"
    # Clicking the problem selects the layer it is about.
    panel.select_layer(0)
    item = next(problems.item(i) for i in range(problems.count())
                if "single output" in problems.item(i).text())
    rect = problems.visualItemRect(item)
    qtbot.mouseClick(problems.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert panel.selected_layer() == 4


def test_dense_after_conv_without_flatten_mentions_flatten(qtbot):
    panel, table = BuilderPanel(), SummaryTable()
    qtbot.addWidget(panel)
    panel.specChanged.connect(table.set_spec)
    panel.set_spec(get_preset("mnist-cnn").spec())
    assert table.total_params() == 34_826
    panel.select_layer(5)
    assert panel.spec().layers[5].type == "Flatten"
    panel.remove_selected()
    errors = [p for p in panel.problems() if p.level == "error"]
    assert errors and "Flatten" in errors[0].message
    assert any("✖" in t and "Flatten" in t
               for t in list_texts(child(panel, QListWidget, "problemsView")))
    dense_row = next(r for r in range(table.rowCount())
                     if table.item(r, 0).text().startswith("dense"))
    assert table.item(dense_row, 1).text() == "?"
    assert "Flatten" in table.item(dense_row, 1).toolTip()
    assert total_text(table) == "Total params: ?"


def test_sgd_shows_momentum_and_sets_its_learning_rate(ui):
    panel, _table = ui
    optimizer = child(panel, QComboBox, "optimizerCombo")
    lr = child(panel, QDoubleSpinBox, "learningRateSpin")
    assert lr.value() == pytest.approx(0.001)
    assert panel.findChild(QDoubleSpinBox, "field_momentum") is None
    optimizer.setCurrentIndex(optimizer.findData("sgd"))
    assert child(panel, QDoubleSpinBox, "field_momentum").isVisible()
    nesterov = child(panel, QCheckBox, "field_nesterov")
    assert nesterov.isVisible()
    assert lr.value() == pytest.approx(0.01)
    nesterov.setChecked(True)
    spec = panel.spec()
    assert (spec.optimizer, spec.lr, spec.optimizer_params["nesterov"]) == ("sgd", 0.01, True)
    # A learning rate the user typed survives an optimizer change.
    lr.setValue(0.05)
    optimizer.setCurrentIndex(optimizer.findData("adam"))
    assert panel.spec().lr == pytest.approx(0.05)
    assert not any(w.isVisible() for w in panel.findChildren(QDoubleSpinBox, "field_momentum"))


def test_config_reflects_epochs_batch_and_seed(ui, qtbot):
    panel, _table = ui
    with qtbot.waitSignal(panel.configChanged):
        child(panel, QSpinBox, "epochsSpin").setValue(12)
    child(panel, QSpinBox, "batchSizeSpin").setValue(64)
    child(panel, QDoubleSpinBox, "validationSplitSpin").setValue(0.2)
    seed = child(panel, QSpinBox, "seedSpin")
    seed.setValue(seed.minimum())
    assert seed.text() == "Random"
    cfg = panel.config()
    assert (cfg.epochs, cfg.batch_size, cfg.validation_split, cfg.seed) == (12, 64, 0.2, None)


def test_invalid_input_shape_is_reported_and_spec_kept(ui, qtbot):
    panel, _table = ui
    edit = child(panel, QLineEdit, "inputShapeEdit")
    edit.selectAll()
    qtbot.keyClicks(edit, "abc")
    assert panel.spec().input_shape == (784,)
    message = child(panel, QLabel, "inputShapeError")
    assert message.isVisible() and "'abc' is not a whole number" in message.text()
    assert any(p.level == "error" and "Input shape" in p.message for p in panel.problems())
    edit.clear()
    qtbot.keyClicks(edit, "784")
    assert not message.isVisible()
    assert list_texts(child(panel, QListWidget, "problemsView")) == ["✓ Ready to train"]


def test_locked_while_training_and_gpu_choice(ui):
    panel, _table = ui
    panel.set_locked(True)
    assert not child(panel, QToolButton, "addLayerButton").isEnabled()
    assert not child(panel, QComboBox, "lossCombo").isEnabled()
    assert not child(panel, QComboBox, "optimizerCombo").isEnabled()
    assert child(panel, QSpinBox, "epochsSpin").isEnabled()
    panel.set_locked(False)
    assert child(panel, QToolButton, "addLayerButton").isEnabled()
    device = child(panel, QComboBox, "deviceCombo")
    gpu = device.model().item(2)
    assert not gpu.isEnabled()
    panel.set_gpu_available(True, "NVIDIA H100")
    assert gpu.isEnabled() and "H100" in gpu.text()


def test_all_gpus_is_offered_only_with_two_or_more(ui):
    panel, _table = ui
    device = child(panel, QComboBox, "deviceCombo")
    every = device.model().item(3)
    assert not every.isEnabled()
    panel.set_gpu_available(True, "NVIDIA H100", 1)
    assert not every.isEnabled()
    panel.set_gpu_available(True, "NVIDIA H100", 2)
    assert every.isEnabled() and every.text() == "All 2 GPUs"
    device.setCurrentIndex(3)
    assert panel.config().device == "all"


def test_shape_field_accepts_typed_shapes(qtbot):
    panel = BuilderPanel()
    qtbot.addWidget(panel)
    panel.set_spec(get_preset("mnist-cnn").spec())
    panel.select_layer(0)
    target = child(panel, QLineEdit, "layer_field_target_shape")
    assert target.text() == "28, 28, 1"
    target.selectAll()
    qtbot.keyClicks(target, "28x28")
    assert panel.spec().layers[0].params["target_shape"] == (28, 28)
    qtbot.keyClicks(target, ", a")  # not a shape: flagged, and the last good shape stays
    assert panel.spec().layers[0].params["target_shape"] == (28, 28)
    assert "Not a shape" in target.toolTip()
    assert child(panel, QListWidget, "layerList").item(0).text() == "1. Reshape 28×28"


def test_batchnorm_and_sgd_momentum_are_different_widgets(ui, qtbot):
    panel, table = ui
    panel.select_layer(0)
    panel.add_layer("BatchNormalization")
    panel.optimizer_combo.setCurrentIndex(panel.optimizer_combo.findData("sgd"))
    layer_momentum = child(panel, QDoubleSpinBox, "layer_field_momentum")
    sgd_momentum = child(panel, QDoubleSpinBox, "field_momentum")
    assert layer_momentum is not sgd_momentum
    assert (layer_momentum.value(), sgd_momentum.value()) == (pytest.approx(0.99), 0.0)
    sgd_momentum.setValue(0.9)
    layer_momentum.setValue(0.5)
    spec = panel.spec()
    assert spec.optimizer_params["momentum"] == pytest.approx(0.9)
    assert spec.layers[1].params["momentum"] == pytest.approx(0.5)
    # 512 units: gamma, beta trained; moving mean and variance not (Keras' summary says 1,024).
    tip = table.footer.toolTip()
    assert "1,024 non-trainable" in tip


def test_summary_without_batchnorm_says_all_trainable(ui):
    _panel, table = ui
    assert table.footer.toolTip() == "All parameters are trainable."


def test_widgets_follow_edits_made_on_the_state(ui, qtbot):
    """The panel keeps no copy: an edit on its state object shows in the widgets and signals."""
    panel, table = ui
    panel.select_layer(0)
    with qtbot.waitSignal(panel.specChanged) as blocker:
        panel.state.set_layer_param(0, "units", 64)
    assert blocker.args[0].layers[0].params["units"] == 64
    assert child(panel, QSpinBox, "layer_field_units").value() == 64
    assert child(panel, QListWidget, "layerList").item(0).text() == "1. Dense 64 relu"
    assert table.item(0, 2).text() == f"{784 * 64 + 64:,}"
    panel.state.set_loss("mse")
    assert child(panel, QComboBox, "lossCombo").currentData() == "mse"
    panel.state.set_input_shape((28, 28))
    assert child(panel, QLineEdit, "inputShapeEdit").text() == "28, 28"
    with qtbot.waitSignal(panel.configChanged):
        panel.state.set_config_field("epochs", 7)
    assert child(panel, QSpinBox, "epochsSpin").value() == 7
    panel.state.remove_layer(0)
    assert child(panel, QListWidget, "layerList").count() == 4
    assert panel.spec().to_dict() == panel.state.spec.to_dict()


def test_one_signal_per_user_edit(ui, qtbot):
    panel, _table = ui
    specs, configs = [], []
    panel.specChanged.connect(specs.append)
    panel.configChanged.connect(configs.append)
    panel.select_layer(0)
    child(panel, QSpinBox, "layer_field_units").setValue(100)
    panel.optimizer_combo.setCurrentIndex(panel.optimizer_combo.findData("sgd"))
    child(panel, QSpinBox, "epochsSpin").setValue(9)
    assert len(specs) == 2 and len(configs) == 1
    # Rendering the optimizer change did not count as the user choosing a learning rate.
    panel.optimizer_combo.setCurrentIndex(panel.optimizer_combo.findData("adadelta"))
    assert panel.spec().lr == pytest.approx(1.0)


@pytest.mark.parametrize("rate, text", [(1000.0, "1000"), (1e-7, "1e-07"), (0.0003, "0.0003"),
                                        (1e6, "1e+06")])
def test_the_learning_rate_box_shows_the_rate_in_use(ui, qtbot, rate, text):
    """A network opened with lr 1000 once showed 10 (the box's maximum) while using 1000."""
    panel, _table = ui
    spec = get_preset("mnist-mlp-512").spec()
    spec.learning_rate = rate
    panel.set_spec(spec)
    lr = child(panel, QDoubleSpinBox, "learningRateSpin")
    assert lr.value() == pytest.approx(rate) and lr.text() == text
    assert panel.spec().lr == pytest.approx(rate)
    lr.clear()
    qtbot.keyClicks(lr, "2.5e-4")
    lr.interpretText()
    assert panel.spec().lr == pytest.approx(2.5e-4) and lr.text() == "0.00025"
