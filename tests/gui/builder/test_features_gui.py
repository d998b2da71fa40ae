"""Input features in the builder: checkboxes widen the input, the run and its views use them."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QLabel, QLineEdit


def test_feature_checkboxes_widen_the_input_and_the_run_uses_them(window, qtbot) -> None:
    window.apply_preset("perceptron-2d")  # one sigmoid unit; blobs by default
    qtbot.waitUntil(lambda: window.data.dataset.name == "blobs", timeout=20000)
    window.data.select("circles")
    qtbot.waitUntil(lambda: window.data.dataset.name == "circles", timeout=20000)
    window.builder.set_config(window.builder.config().__class__(epochs=2, batch_size=64))
    assert window.summary.item(0, 2).text() == "3"  # 2 inputs + bias
    with qtbot.waitSignal(window.training.runFinished, timeout=120000):
        assert window.train()
    assert window.session.model.input_shape == (None, 2)
    boxes = {name: window.findChild(QCheckBox, f"featureCheck_{name}")
             for name in ("x1_sq", "x2_sq", "x1_x2")}
    assert all(b is not None and b.isEnabled() for b in boxes.values())
    boxes["x1_sq"].click()
    boxes["x2_sq"].click()
    assert window.builder.spec().features == ["x1^2", "x2^2"]
    assert window.session.spec.features == ["x1^2", "x2^2"]
    assert window.summary.item(0, 2).text() == "5"  # the input layer grew by two
    label = window.findChild(QLabel, "modelInputsLabel")
    assert label.isVisibleTo(window) and "4 inputs: x1, x2, x1², x2²" in label.text()

    payloads = []
    window.training.probeArrived.connect(lambda n, e, p: payloads.append((n, p)))
    with qtbot.waitSignal(window.training.runFinished, timeout=120000) as run:
        assert window.train()
    assert run.args[0].ok, run.args[0].message
    assert window.session.model.input_shape == (None, 4)  # rebuilt: a new session
    boundary = [p for n, p in payloads if n == "boundary"]
    assert boundary and boundary[-1]["x_train"].shape[1:] == (2,)

    # a non-2-D input shape has no x1, x2: the boxes switch off and empty
    edit = window.findChild(QLineEdit, "inputShapeEdit")
    edit.clear()
    qtbot.keyClicks(edit, "784")
    assert window.builder.spec().features == []
    assert not boxes["x1_sq"].isEnabled() and not boxes["x1_sq"].isChecked()
    assert not label.isVisibleTo(window)


def test_l1_and_l2_share_a_row_and_edit_the_selected_layer(qtbot) -> None:
    from PySide6.QtWidgets import QDoubleSpinBox

    from nngui.gui.builder.panel import BuilderPanel

    panel = BuilderPanel()
    qtbot.addWidget(panel)
    l1 = panel.findChild(QDoubleSpinBox, "layer_field_l1")
    l2 = panel.findChild(QDoubleSpinBox, "layer_field_l2")
    assert l1.parentWidget() is l2.parentWidget()  # one form row, side by side
    assert "loss shown while training includes" in l2.toolTip()
    l2.setValue(0.01)
    assert panel.spec().layers[0].params["l2"] == 0.01
    assert panel.layer_list.item(0).text().endswith("L2 0.01")
    decay = panel.findChild(QDoubleSpinBox, "field_decay")
    decay.setValue(1e-6)  # the course's SGD(lr, decay=1e-6) is representable
    assert panel.spec().optimizer_params["decay"] == 1e-6
