"""The backprop lab's net: the course's XOR result, gradients equal to finite differences and
to tf.GradientTape for every variant, the wrong grad_sigmoid caught, the exported script."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from nngui.core.lab.backprop import (
    LAB_ACTIVATIONS,
    LAB_LOSSES,
    LabConfig,
    LabError,
    LabNet,
    dataset,
    forward,
    initial_weights,
)
from nngui.core.lab.check import (
    finite_difference_gradients,
    gradient_check,
    max_relative_difference,
    tf_gradients,
)
from nngui.core.lab.export import export_script
from nngui.core.lab.formulas import step_formulas

COMBOS = [(a, lo) for a in LAB_ACTIVATIONS for lo in LAB_LOSSES]


def course_nn_toy(seed: int, iterations: int) -> np.ndarray:
    """The first lecture's code as printed (np.random.seed added), for comparison."""
    def act_sigmoid(z):
        return 1 / (1 + np.exp(-z))

    def grad_sigmoid(z):
        return z * (1 - z)

    x = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]])
    y = np.array([[0], [1], [1], [0]])
    np.random.seed(seed)
    alphas = np.random.rand(x.shape[1], 4)
    betas = np.random.rand(4, 1)
    for _ in range(iterations):
        H = act_sigmoid(np.dot(x, alphas))
        output = act_sigmoid(np.dot(H, betas))
        grad_betas = np.dot(H.T, (2 * (y - output) * grad_sigmoid(output)))
        grad_alphas = np.dot(x.T, (np.dot(2 * (y - output) * grad_sigmoid(output), betas.T)
                                   * grad_sigmoid(H)))
        alphas += grad_alphas
        betas += grad_betas
    return output.ravel()


def test_course_xor_learns_in_1500_iterations_exactly_like_the_course_code():
    net = LabNet()
    net.iterate(1500)
    assert net.iteration == 1500 and len(net.sses) == 1500
    assert net.sses[-1] < 0.05
    assert net.sses[0] > 0.9  # it did start out wrong
    np.testing.assert_array_equal(np.round(net.outputs), [0, 1, 1, 0])
    np.testing.assert_allclose(net.outputs, course_nn_toy(0, 1500), rtol=1e-10)


def random_weights(config: LabConfig, seed: int, scale: float = 2.0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.uniform(-scale, scale, w.shape) for w in initial_weights(config)]


def away_from_kinks(config: LabConfig, weights) -> bool:
    """Finite differences straddling a kink measure neither side's slope: relu's at z = 0,
    and cross-entropy's where Keras clips ŷ to [1e-7, 1 - 1e-7]."""
    x, y = dataset(config)
    fw = forward(config, x, y, weights)
    if config.loss == "binary_crossentropy" and np.min(np.minimum(fw.output, 1 - fw.output)) < 1e-5:
        return False
    if config.activation not in ("relu", "leaky_relu") or not config.hidden:
        return True
    return bool(np.min(np.abs(fw.z[0])) > 1e-2)


def check_agrees(config: LabConfig, weights) -> None:
    check = gradient_check(config, weights)
    assert check.numeric_max_rel < 1e-5, (config, check.numeric_max_rel)
    assert check.tf_max_rel < 1e-6, (config, check.tf_max_rel)
    assert check.ok


@pytest.mark.parametrize("act, loss", COMBOS)
def test_hand_gradients_equal_finite_differences_and_tensorflow(act, loss):
    config = LabConfig(activation=act, loss=loss)
    seed = next(s for s in range(100) if away_from_kinks(config, random_weights(config, s)))
    check_agrees(config, random_weights(config, seed))


@settings(max_examples=30, deadline=None)
@given(combo=st.sampled_from(COMBOS), hidden=st.integers(0, 6), bias=st.booleans(),
       table=st.sampled_from(["xor", "and", "or", "xnor"]), seed=st.integers(0, 2**31),
       alpha=st.floats(0.01, 0.5), scale=st.sampled_from([0.5, 1.0, 3.0]))
# a slope float32 cannot hold: TensorFlow's LeakyRelu rounds it, 4e-6 off before the fix
@example(combo=("leaky_relu", "sse"), hidden=4, bias=True, table="and", seed=240457,
         alpha=0.17734021621013343, scale=3.0)
def test_hand_gradients_agree_on_random_networks(combo, hidden, bias, table, seed, alpha, scale):
    act, loss = combo
    config = LabConfig(table=table, hidden=hidden, activation=act, loss=loss, bias=bias,
                       alpha=alpha)
    weights = random_weights(config, seed, scale)
    assume(away_from_kinks(config, weights))
    check_agrees(config, weights)


@pytest.mark.parametrize("hidden", [4, 0])
def test_the_wrong_grad_sigmoid_fails_the_check(hidden):
    config = LabConfig(hidden=hidden, wrong_grad=True)
    weights = random_weights(config, 3)
    check = gradient_check(config, weights)
    assert check.numeric_max_rel > 0.1 and check.tf_max_rel > 0.1
    assert not check.ok
    # the same weights with the right derivative pass: the toggle is the whole difference
    assert gradient_check(replace(config, wrong_grad=False), weights).ok


def test_finite_differences_and_tensorflow_agree_with_each_other():
    config = LabConfig(hidden=3, activation="tanh", loss="binary_crossentropy")
    weights = random_weights(config, 7)
    assert max_relative_difference(finite_difference_gradients(config, weights),
                                   tf_gradients(config, weights)) < 1e-6


def test_the_perceptron_cannot_learn_xor_but_learns_and():
    xor = LabNet(LabConfig(hidden=0))
    xor.iterate(1500)
    assert len(xor.weights) == 1 and xor.weights[0].shape == (3, 1)
    assert xor.sses[-1] > 0.9  # stuck near 0.5 everywhere
    and_ = LabNet(LabConfig(hidden=0, table="and"))
    and_.iterate(1500)
    np.testing.assert_array_equal(np.round(and_.outputs), [0, 0, 0, 1])


@pytest.mark.parametrize("table, target", [("and", [0, 0, 0, 1]), ("or", [0, 1, 1, 1]),
                                           ("xnor", [1, 0, 0, 1])])
def test_other_truth_tables(table, target):
    net = LabNet(LabConfig(table=table))
    net.iterate(1500)
    np.testing.assert_array_equal(np.round(net.outputs), target)


def test_without_the_bias_column_the_inputs_have_two_columns():
    net = LabNet(LabConfig(bias=False))
    assert net.x.shape == (4, 2) and net.weights[0].shape == (2, 4)
    assert net.unit_labels()[0] == ["x1", "x2"]
    # (0, 0) feeds only zeros forward: every hidden z in row 1 is 0 whatever the weights
    net.forward()
    np.testing.assert_array_equal(net.last_forward.z[0][0], 0)


def test_forward_backward_record_and_update():
    net = LabNet(LabConfig(lr=0.5))
    before = [w.copy() for w in net.weights]
    assert net.phase == "forward"
    fw = net.forward()
    assert net.phase == "backward" and net.iteration == 0
    assert [z.shape for z in fw.z] == [(4, 4), (4, 1)] and fw.a[0] is net.x
    np.testing.assert_allclose(fw.z[0], net.x @ before[0])
    bw = net.backward()
    assert net.iteration == 1 and net.phase == "forward"
    for w, w0, g, u in zip(net.weights, before, bw.grads, bw.updates, strict=True):
        np.testing.assert_allclose(u, -0.5 * g)
        np.testing.assert_allclose(w, w0 + u)
    np.testing.assert_allclose(bw.grads[0], fw.a[0].T @ bw.delta[0])
    np.testing.assert_allclose(bw.delta[1], bw.dloss * fw.output * (1 - fw.output))


def test_reset_with_a_seed_is_reproducible():
    a, b = LabNet(), LabNet()
    a.iterate(10)
    a.reset()
    assert a.iteration == 0 and a.sses == [] and a.last_forward is None
    for wa, wb in zip(a.weights, b.weights, strict=True):
        np.testing.assert_array_equal(wa, wb)
    a.reset(seed=5)
    assert a.config.seed == 5
    assert not np.array_equal(a.weights[0], b.weights[0])
    np.random.seed(5)  # the course's draw order
    np.testing.assert_array_equal(a.weights[0], np.random.rand(3, 4))


def test_configure_keeps_weights_unless_the_shape_changes():
    net = LabNet()
    net.iterate(3)
    w = net.weights[0].copy()
    net.configure(lr=0.1, activation="tanh")
    np.testing.assert_array_equal(net.weights[0], w)
    assert net.iteration == 3 and net.phase == "forward" and net.last_forward is None
    net.configure(hidden=2)
    assert net.iteration == 0 and net.weights[0].shape == (3, 2)


@pytest.mark.parametrize("changes, fragment", [
    ({"table": "nand"}, "truth table"), ({"hidden": 99}, "Hidden width"),
    ({"activation": "softmax"}, "activation"), ({"loss": "hinge"}, "Loss"),
    ({"lr": 0.0}, "Learning rate"), ({"lr": float("nan")}, "Learning rate"),
    ({"seed": -1}, "Seed"), ({"alpha": 2.0}, "α"),
])
def test_bad_settings_say_what_is_wrong(changes, fragment):
    with pytest.raises(LabError, match=fragment):
        LabConfig(**changes)


def test_step_formulas_show_the_numbers_of_the_step():
    net = LabNet()
    before = [w.copy() for w in net.weights]
    net.forward()
    bw = net.backward()
    lines = step_formulas(net.config, before, net.last_forward, bw, 1, net.layer_names())
    assert lines[0].startswith("row 2:") and "2(ŷ − y)" in lines[0]
    assert len(lines) == 2 + 4 + 2  # ∂L/∂ŷ, δ_out, four δ_h, ∂L/∂W, update
    last = [float(re.findall(r"-?[\d.]+(?:e-?\d+)?$", s)[0]) for s in lines]
    assert last[1] == pytest.approx(bw.delta[1][1, 0], rel=1e-3)
    assert last[2:6] == pytest.approx(bw.delta[0][1], rel=1e-3)
    assert last[6] == pytest.approx(bw.grads[1][0, 0], rel=1e-3)
    assert last[7] == pytest.approx(bw.updates[1][0, 0], rel=1e-3)
    wrong = replace(net.config, wrong_grad=True)
    assert "✗" in step_formulas(wrong, before, net.last_forward, bw, 0, net.layer_names())[1]


def run_script(source: str, tmp_path) -> list[float]:
    path = tmp_path / "lab_export.py"
    path.write_text(source)
    out = subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    line = out.stdout.strip().splitlines()[-1]
    assert line.startswith("probabilities:")
    return ast.literal_eval(line.split(":", 1)[1].strip())


@pytest.mark.parametrize("config, iterations", [
    (LabConfig(), 1500),
    (LabConfig(hidden=0, table="or", seed=3), 200),
    (LabConfig(hidden=3, activation="leaky_relu", alpha=0.1, loss="mse", bias=False, lr=0.5), 300),
    (LabConfig(activation="tanh", loss="binary_crossentropy", wrong_grad=True), 100),
    (LabConfig(hidden=5, activation="relu", loss="mae", lr=0.3, table="xnor"), 100),
])
def test_exported_script_prints_the_labs_probabilities(config, iterations, tmp_path):
    net = LabNet(config)
    net.iterate(iterations)
    printed = run_script(export_script(net.config, iterations), tmp_path)
    np.testing.assert_allclose(printed, net.outputs, rtol=1e-9, atol=1e-12)
