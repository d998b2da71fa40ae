"""The "How it learns" tab: stepping fills the tables and the SSE curve, the gradient check
reports TensorFlow's verdict (and the wrong grad_sigmoid fails it), explorers, export."""

from __future__ import annotations

import ast
import subprocess
import sys

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QApplication

from nngui.core.layers.functions import ACTIVATIONS
from nngui.gui.lab.panel import LabPanel
from nngui.gui.lab.tables import EMPTY, fmt

TF_TIMEOUT = 180_000


@pytest.fixture
def panel(qtbot):
    p = LabPanel()
    p.autoCheck.setChecked(False)  # most tests do not need TensorFlow
    qtbot.addWidget(p)
    yield p
    p.set_running(False)
    p.wait_for_check()


def curve_y(p: LabPanel) -> np.ndarray:
    _, y = p.sseLine.getData()
    return np.array([] if y is None else y)


def prediction_texts(p: LabPanel) -> list[str]:
    return [p.predictions.item(r, 3).text() for r in range(4)]


def test_stepping_changes_the_tables_and_the_curve(panel, qtbot):
    t = panel.tables
    assert t.cell("z1", 0, 0) == EMPTY and t.cell("delta2", 0, 0) == EMPTY
    assert len(curve_y(panel)) == 0
    qtbot.mouseClick(panel.forwardButton, Qt.MouseButton.LeftButton)
    fw = panel.net.last_forward
    for r in range(4):
        for c in range(4):
            assert t.cell("z1", r, c) == fmt(fw.z[0][r, c])
            assert t.cell("a1", r, c) == fmt(fw.a[1][r, c])
        assert t.cell("a2", r, 0) == fmt(fw.output[r, 0])
    assert t.cell("delta2", 0, 0) == EMPTY  # no backward pass yet
    assert curve_y(panel).tolist() == pytest.approx([fw.sse])
    assert panel.sseLine.opts["symbol"] is not None  # one point: a dot, not an empty plot
    axis = panel.curve.getPlotItem().getAxis("bottom")
    assert all(float(v).is_integer() for _, vs in axis.tickValues(0.5, 1.5, 700) for v in vs)
    assert "next: backward pass" in panel.status.text()
    # the curve's point is iteration 1's SSE, and the status says so (not "iteration 0")
    assert panel.sseLine.getData()[0].tolist() == [1]
    assert panel.status.text().startswith("iteration 1: forward pass done")

    qtbot.mouseClick(panel.backwardButton, Qt.MouseButton.LeftButton)
    bw = panel.net.last_backward
    assert t.cell("delta2", 1, 0) == fmt(bw.delta[1][1, 0])
    assert t.cell("delta1", 3, 2) == fmt(bw.delta[0][3, 2])
    assert t.cell("grad1", 2, 1) == fmt(bw.grads[0][2, 1])
    assert t.cell("update2", 0, 0) == fmt(bw.updates[1][0, 0])
    formulas = t.formulas.toPlainText()
    assert formulas.startswith("row 2:") and "δ_out" in formulas and "δ_h4" in formulas

    first_z = t.cell("z1", 0, 1)
    qtbot.mouseClick(panel.stepButton, Qt.MouseButton.LeftButton)
    assert t.cell("z1", 0, 1) != first_z  # the update moved the weights
    assert len(curve_y(panel)) == 2 and "iteration 2" in panel.status.text()

    panel.nSpin.setValue(1500)
    qtbot.mouseClick(panel.runNButton, Qt.MouseButton.LeftButton)
    y = curve_y(panel)
    assert len(y) == 1502 and y[-1] < 0.05 < y[0]
    assert panel.sseLine.opts["symbol"] is None  # a long run: the line alone
    assert [round(float(v)) for v in prediction_texts(panel)] == [0, 1, 1, 0]
    assert "iteration 1502" in panel.status.text()


def test_alpha_is_only_offered_for_leaky_relu_from_the_start(panel):
    assert panel.net.config.activation != "leaky_relu"
    assert not panel.alphaSpin.isEnabled()
    panel.actCombo.setCurrentIndex(panel.actCombo.findData("leaky_relu"))
    assert panel.alphaSpin.isEnabled()


def test_reset_with_a_seed_and_learning_rate(panel, qtbot):
    panel.iterate(10)
    before = prediction_texts(panel)
    panel.seedSpin.setValue(4)
    qtbot.mouseClick(panel.resetButton, Qt.MouseButton.LeftButton)
    assert len(curve_y(panel)) == 0 and panel.tables.cell("z1", 0, 0) == EMPTY
    assert panel.net.config.seed == 4
    np.random.seed(4)
    np.testing.assert_array_equal(panel.net.weights[0], np.random.rand(3, 4))
    assert prediction_texts(panel) != before
    panel.lrSpin.setValue(0.5)
    panel.step()
    assert panel.net.config.lr == 0.5
    bw = panel.net.last_backward
    np.testing.assert_allclose(bw.updates[0], -0.5 * bw.grads[0])


def test_run_and_pause(panel, qtbot):
    qtbot.mouseClick(panel.runButton, Qt.MouseButton.LeftButton)
    assert panel.runButton.text().startswith("Pause")
    qtbot.waitUntil(lambda: panel.net.iteration >= 200, timeout=20_000)
    qtbot.mouseClick(panel.runButton, Qt.MouseButton.LeftButton)
    stopped = panel.net.iteration
    assert not panel._timer.isActive() and panel.runButton.text().startswith("Run")
    assert len(curve_y(panel)) == stopped
    QApplication.processEvents()  # a pending tick would run here: none is
    assert panel.net.iteration == stopped


def test_variants_perceptron_and_truth_tables(panel, qtbot):
    panel.hiddenSpin.setValue(0)
    assert panel.graph.state.labels == [["x1", "x2", "1"], ["ŷ"]]
    assert panel.tables.tables["z1"].columnCount() == 1 and "delta2" not in panel.tables.tables
    panel.iterate(1500)
    assert curve_y(panel)[-1] > 0.9  # the perceptron cannot learn XOR
    panel.tableCombo.setCurrentIndex(panel.tableCombo.findData("and"))
    panel.iterate(1500)
    assert [round(float(v)) for v in prediction_texts(panel)] == [0, 0, 0, 1]
    panel.hiddenSpin.setValue(3)
    panel.actCombo.setCurrentIndex(panel.actCombo.findData("tanh"))
    panel.biasCheck.setChecked(False)
    assert panel.net.config.activation == "tanh" and panel.net.x.shape == (4, 2)
    assert panel.graph.state.labels[0] == ["x1", "x2"] and len(panel.graph.state.labels[1]) == 3


def test_graph_tooltips_name_values(panel):
    panel.resize(900, 700)
    panel.show()
    panel.step()
    g = panel.graph
    pos = g.node_positions()
    text = g.describe_at(pos[1][0])  # first hidden unit
    assert text.startswith("h1") and f"{panel.net.last_forward.a[1][1, 0]:.6g}" in text
    a, b = pos[0][0], pos[1][0]
    mid = QPointF((a.x() + b.x()) / 2, (a.y() + b.y()) / 2)
    edge = g.describe_at(mid)
    assert edge.startswith("W1[x1→h1]") and f"{panel.net.weights[0][0, 0]:.6g}" in edge
    panel.select_row(3)
    assert g.state.row == 3 and panel.tables.formulas.toPlainText().startswith("row 4:")


def test_gradient_check_shows_tensorflow_and_catches_the_wrong_grad(panel, qtbot):
    with qtbot.waitSignal(panel.gradCheckDone, timeout=TF_TIMEOUT) as first:
        panel.check_gradients()
        assert panel.tfLabel.text() == "TensorFlow loading…"
    assert first.args[0] < 1e-6
    assert "agree ✓" in panel.tfLabel.text() and "agree ✓" in panel.fdLabel.text()
    with qtbot.waitSignal(panel.gradCheckDone, timeout=TF_TIMEOUT) as wrong:
        panel.autoCheck.setChecked(True)
        panel.wrongCheck.setChecked(True)  # re-checks by itself
    assert wrong.args[0] > 0.1
    assert "DISAGREE" in panel.tfLabel.text() and "DISAGREE" in panel.fdLabel.text()
    panel.step()  # a backward pass with the wrong derivative: its formula is flagged
    assert panel.net.last_backward is not None
    assert "z(1 − z) ✗" in panel.tables.formulas.toPlainText()
    panel.wrongCheck.setChecked(False)
    panel.step()
    assert "✗" not in panel.tables.formulas.toPlainText()


def test_activation_explorer(panel):
    ex = panel.activationExplorer
    ex.set_activation("sigmoid")
    ex.set_cursor(0.0)
    assert "f(z) = 0.5000" in ex.readout.text() and "f'(z) = 0.2500" in ex.readout.text()
    assert len(ex.regions) == 2 and "1 / (1 + e^-z)" in ex.formula.text()
    z, d = ex.d_curve.getData()
    np.testing.assert_allclose(d, ACTIVATIONS["sigmoid"].df(z))
    ex.set_activation("elu")
    assert ex.params() == {"alpha": 1.0}  # ELU's own default, not leaky ReLU's 0.2
    ex.set_activation("leaky_relu")
    assert ex.params() == {"alpha": 0.2}
    ex.alphaSlider.setValue(10)
    ex.set_cursor(-1.0)
    assert "f(z) = -0.1000" in ex.readout.text() and "f'(z) = 0.1000" in ex.readout.text()
    ex.set_activation("softmax")
    ex.softmaxSize.setValue(3)
    ex.set_cursor(0.0)  # softmax(0, 0, 1)
    s = np.exp([0, 0, 1]) / np.exp([0, 0, 1]).sum()
    assert f"softmax = ({s[0]:.3f}, {s[1]:.3f}, {s[2]:.3f})" in ex.readout.text()
    assert f"f'(z) = {s[0] * (1 - s[0]):.4f}" in ex.readout.text()


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_explorer_derivatives_match_gradient_tape_on_its_grid(panel, name):
    from nngui.core.platform.runtime import keras, tf

    ex = panel.activationExplorer
    ex.set_activation(name)
    z, d = ex.d_curve.getData()
    keep = np.abs(z) > 1e-9  # relu-style kinks at 0: either one-sided slope is right there
    fn = getattr(keras().activations, name)
    params = dict(ex.params())
    if name == "leaky_relu":
        params = {"negative_slope": params["alpha"]}
    if name == "softmax":  # the explorer plots ∂s1/∂z1 of softmax(z, z2)
        x = tf().Variable(np.stack([z, np.full_like(z, ex.others[0].value())], axis=-1))
        with tf().GradientTape() as tape:
            out = fn(x)[:, 0]
        expected = tape.gradient(out, x).numpy()[:, 0]
        values = out.numpy()
    else:
        x = tf().Variable(z)
        with tf().GradientTape() as tape:
            out = fn(x, **params)
        expected = tape.gradient(out, x).numpy()
        values = out.numpy()
    np.testing.assert_allclose(d[keep], expected[keep], rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ex.f_curve.getData()[1], values, rtol=1e-6, atol=1e-7)


def test_loss_explorer(panel):
    ex = panel.lossExplorer
    ex.set_loss("binary_crossentropy")
    ex.target.setValue(1.0)
    ex.set_cursor(0.5)
    assert "L = 0.6931" in ex.readout.text() and "∂L/∂ŷ = -2.0000" in ex.readout.text()
    ex.set_loss("sse")
    ex.target.setValue(0.0)
    ex.set_cursor(0.25)
    assert "L = 0.0625" in ex.readout.text() and "∂L/∂ŷ = 0.5000" in ex.readout.text()
    ex.set_loss("categorical_crossentropy")
    ex.target.setValue(1.0)
    ex.set_cursor(0.5)  # ŷ = (0.5, 0.5), y = (1, 0): L = log 2
    assert "L = 0.6931" in ex.readout.text()


def test_export_runs_and_prints_the_panels_predictions(panel, tmp_path):
    panel.iterate(400)
    path = tmp_path / "xor.py"
    panel.export_to(str(path))
    out = subprocess.run([sys.executable, str(path)], capture_output=True, text=True)
    printed = ast.literal_eval(out.stdout.strip().splitlines()[-1].split(":", 1)[1].strip())
    assert [f"{p:.4f}" for p in printed] == prediction_texts(panel)


def test_fits_the_main_windows_tab_area(panel):
    hint = panel.minimumSizeHint()
    assert hint.width() <= 700 and hint.height() <= 620


def test_the_loss_legends_leave_every_curve_clear(qtbot):
    """A loss is high at an edge of ŷ: a corner legend sat on the curve (SSE, target 1)."""
    from nngui.gui.common.style import style_plots
    from nngui.gui.lab.function_explorer import LOSSES, LossExplorer

    style_plots()
    ex = LossExplorer()
    qtbot.addWidget(ex)
    ex.resize(1340, 660)  # the Lab tab on a 1366x768 screen
    ex.show()
    qtbot.waitExposed(ex)
    for name in LOSSES:
        for target in (0.0, 1.0):
            ex.set_loss(name)
            ex.target.setValue(target)
            QApplication.processEvents()
            for plot, curve in ((ex.plot, ex.l_curve), (ex.gplot, ex.g_curve)):
                item = plot.getPlotItem()
                box = item.legend.sceneBoundingRect()
                xs, ys = curve.getData()
                covered = [(x, y) for x, y in zip(xs, ys, strict=True)
                           if np.isfinite(y) and box.contains(item.vb.mapViewToScene(QPointF(x, y)))]
                assert not covered, (name, target, plot.objectName(), covered[:3])
