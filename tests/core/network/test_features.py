"""Input features of 2-D data (the course's lift φ): one function, used everywhere the data goes."""

from __future__ import annotations

import ast
import json

import numpy as np
import pytest

from nngui.core.data.adapt import prepare
from nngui.core.data.datasets import load_dataset
from nngui.core.data.record import Dataset
from nngui.core.files.python_export import export_python
from nngui.core.insight.evaluation import evaluate_report, predict_probs
from nngui.core.insight.probes import BoundaryProbe, HiddenSpaceProbe, live_probes
from nngui.core.model.builder import build_model
from nngui.core.network.features import FEATURES, lift
from nngui.core.network.form import BuilderState
from nngui.core.network.shapes import layer_rows, total_params
from nngui.core.network.spec import (
    LayerSpec,
    NetworkSpec,
    SpecError,
    TrainConfig,
    dump_json,
    load_json,
)
from nngui.core.training.presets import get_preset
from nngui.core.training.train import evaluate, train


def perceptron(features: list[str]) -> NetworkSpec:
    """No hidden layer: one sigmoid unit, a straight line in whatever it reads."""
    return NetworkSpec((2,), [LayerSpec("Dense", {"units": 1, "activation": "sigmoid"})],
                       "binary_crossentropy", "adam", 0.1, features=features)


def xor_2d(seed: int = 0) -> Dataset:
    """A 2-D XOR: noisy points around (±1, ±1), class 1 where the signs differ."""
    rng = np.random.default_rng(seed)
    corners = rng.choice([-1.0, 1.0], size=(500, 2))
    x = (corners + rng.normal(0, 0.25, size=corners.shape)).astype(np.float32)
    y = (corners[:, 0] != corners[:, 1]).astype(np.int64)
    return Dataset("xor2d", "2-D XOR", x[:400], y[:400], x[400:], y[400:], "classification", 2,
                   ["0", "1"])


def fit(spec: NetworkSpec, ds: Dataset, epochs: int = 25):
    data = prepare(ds, spec)
    model = build_model(spec, 0)
    result = train(model, data, spec, TrainConfig(epochs=epochs, batch_size=16,
                                                  validation_split=0.0))
    assert result.ok, result.message
    return model, data


def test_lift_adds_the_columns_in_one_fixed_order() -> None:
    x = np.array([[2.0, 0.5], [-1.0, 3.0]], np.float32)
    got = lift(x, ["sin(x2)", "x1*x2", "x1^2"])  # any order in, FEATURES order out
    want = np.column_stack([x, x[:, 0] ** 2, x[:, 0] * x[:, 1], np.sin(x[:, 1])])
    np.testing.assert_allclose(got, want, rtol=1e-6)
    assert lift(x, []) is not None and lift(x, []).shape == (2, 2)
    assert list(FEATURES) == ["x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"]


def test_the_input_layer_widens_and_the_summary_follows_keras() -> None:
    spec = NetworkSpec((2,), [LayerSpec("Dense", {"units": 3}), LayerSpec("Dense", {"units": 1})],
                       "mse", features=["x1^2", "x2^2", "x1*x2"])
    assert spec.model_input_shape == (5,)
    assert layer_rows(spec)[0].params == 5 * 3 + 3
    assert total_params(spec) == build_model(spec, 0).count_params()
    again, _ = load_json(dump_json(spec))
    assert again.features == ["x1^2", "x2^2", "x1*x2"] and again.to_dict() == spec.to_dict()


@pytest.mark.parametrize("features, shape, fragment", [
    (["x3^2"], (2,), "unknown input feature"),
    (["x1*x2", "x1*x2"], (2,), "listed twice"),
    (["x1*x2"], (784,), "need 2 inputs"),
    ("x1*x2", (2,), "must be a list"),
])
def test_bad_features_are_refused_with_a_message(features, shape, fragment) -> None:
    doc = {"input_shape": list(shape), "layers": [], "features": features}
    with pytest.raises(SpecError, match=fragment):
        NetworkSpec.from_dict(json.loads(json.dumps(doc)))


def test_builder_state_drops_features_when_the_input_is_no_longer_2_d() -> None:
    state = BuilderState(perceptron([]))
    seen: list[str] = []
    state.subscribe(seen.append)
    state.set_features(["x1*x2"])
    assert state.spec.features == ["x1*x2"] and seen == ["features"]
    state.set_input_shape((784,))
    assert state.spec.features == [] and state.spec_copy().model_input_shape == (784,)
    with pytest.raises(SpecError, match="need 2 inputs"):
        state.set_features(["x1^2"])


def test_xor_with_x1_x2_is_learned_by_a_perceptron() -> None:
    ds = xor_2d()
    lifted, data = fit(perceptron(["x1*x2"]), ds)
    assert data.x_train.shape[1:] == (3,)
    assert evaluate(lifted, data)["accuracy"] >= 0.97
    plain, data = fit(perceptron([]), ds)
    assert evaluate(plain, data)["accuracy"] < 0.8  # a straight line cannot do XOR


def test_circles_with_squares_are_learned_by_a_perceptron_and_the_boundary_is_curved() -> None:
    ds = load_dataset("circles")
    spec = perceptron(["x1^2", "x2^2"])
    model, data = fit(spec, ds)
    assert evaluate(model, data)["accuracy"] >= 0.95
    # the live probe is built from what the model reads: raw x1, x2 drawn, the grid lifted
    probes = live_probes(2, data.x_train, ds.y_train, data.x_test, ds.y_test,
                         features=spec.features)
    boundary = next(p for p in probes if isinstance(p, BoundaryProbe))
    assert boundary.x_train.shape[1:] == (2,) and boundary.features == ("x1^2", "x2^2")
    hidden = next(p for p in probes if isinstance(p, HiddenSpaceProbe))
    assert hidden.x.shape[1:] == (4,)
    out = boundary(model)
    xs, ys, classes, prob = out["xs"], out["ys"], out["classes"], out["prob"]
    gx, gy = np.meshgrid(xs, ys)
    points = lift(np.column_stack([gx.ravel(), gy.ravel()]), spec.features)
    p1 = predict_probs(model, points)[:, 0].reshape(classes.shape)
    np.testing.assert_allclose(np.where(classes == 1, prob, 1 - prob), p1, atol=1e-5)
    # a 0-hidden-layer net, yet one class in the middle and the other in every corner
    mid = classes[len(ys) // 2, len(xs) // 2]
    corners = [classes[0, 0], classes[0, -1], classes[-1, 0], classes[-1, -1]]
    assert all(c != mid for c in corners)
    assert out["units"] is None  # no straight unit lines to overlay on a lifted input
    report = evaluate_report(model, data, spec, 2, x_raw=ds.x_test, resolution=40)
    assert report.grid is not None  # Evaluate draws it too, over the raw test points
    grid_classes = report.grid[2]
    assert grid_classes[20, 20] != grid_classes[0, 0]


def test_the_exported_script_computes_the_same_features_inline() -> None:
    spec = perceptron(["x1*x2", "sin(x1)"])
    text = export_python(spec, TrainConfig(), "circles")
    ns: dict = {"__name__": "exported"}
    exec(compile(text, "exported.py", "exec"), ns)
    x = np.random.default_rng(1).normal(size=(50, 2)).astype(np.float32)
    np.testing.assert_array_equal(ns["add_features"](x), lift(x, spec.features))
    assert ns["build_model"]().input_shape == (None, 4)
    prepare = next(n for n in ast.walk(ast.parse(text))  # the script's own prepare(), as the
                   if isinstance(n, ast.FunctionDef) and n.name == "prepare")  # app's adapt
    assert "add_features(x_train)" in ast.unparse(prepare)


def test_the_lifted_perceptron_preset_and_the_cli(capsys, tmp_path) -> None:
    from nngui.cli import run_cli

    preset = get_preset("perceptron-lifted")
    assert preset.spec().features == ["x1^2", "x2^2"]
    path = tmp_path / "lifted.json"
    path.write_text(dump_json(preset.spec(), preset.train_config()))
    status = run_cli(["train", "--spec", str(path), "--dataset", "circles", "--json"])
    doc = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert status == 0 and doc["test"]["accuracy"] >= 0.95
