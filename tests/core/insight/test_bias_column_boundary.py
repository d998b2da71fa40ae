"""The course's XOR (x1, x2 and a constant 1 that acts as a bias) has a decision boundary.

Its data has 3 columns, so the live views and Evaluate said "No decision boundary: only
2-column data has one" for the course's own 3-4-1 net; its third column never changes, so
the boundary over (x1, x2) is the network's answer with that column at 1.
"""

from __future__ import annotations

import numpy as np

from nngui.core.data.adapt import Prepared, prepare
from nngui.core.data.datasets import load_dataset
from nngui.core.insight.evaluation import constant_tail, evaluate_report
from nngui.core.insight.probes import BoundaryProbe, live_probes
from nngui.core.model.builder import build_model
from nngui.core.network.spec import LayerSpec, NetworkSpec
from nngui.core.training.presets import get_preset


def _x1_unit() -> tuple[NetworkSpec, object]:
    """One sigmoid unit reading (x1, x2, 1): p = sigmoid(10·x1 + 0·x2 - 5·1), class 1 where
    x1 > 0.5. Without the third column appended it could not be called at all."""
    spec = NetworkSpec((3,), [LayerSpec("Dense", {"units": 1, "activation": "sigmoid"})],
                       "binary_crossentropy", "sgd", 0.1)
    model = build_model(spec, 0)
    model.layers[-1].set_weights([np.array([[10.0], [0.0], [-5.0]], np.float32),
                                  np.zeros(1, np.float32)])
    return spec, model


def test_the_course_xor_is_2d_with_a_constant_column():
    ds = load_dataset("xor")
    assert ds.x_train.shape[1:] == (3,)
    assert constant_tail(ds.x_train, ds.x_test) == (1.0,)
    assert constant_tail(load_dataset("moons").x_train) is None  # 2 columns: plain 2-D
    rng = np.random.default_rng(0)
    assert constant_tail(rng.uniform(size=(10, 3))) is None


def test_the_live_views_draw_the_course_xors_boundary():
    ds = load_dataset("xor")
    data = prepare(ds, get_preset("xor-3-4-1").spec())
    probes = live_probes(3, data.x_train, ds.y_train, data.x_test, ds.y_test)
    boundary = [p for p in probes if p.name == "boundary"]
    assert len(boundary) == 1 and boundary[0].const == (1.0,)


def test_the_boundary_reads_the_constant_column():
    spec, model = _x1_unit()
    ds = load_dataset("xor")
    out = BoundaryProbe(ds.x_train[:, :2], ds.y_train, ds.x_test[:, :2], ds.y_test,
                        resolution=20, const=(1.0,))(model)
    gx = np.meshgrid(out["xs"], out["ys"])[0]
    np.testing.assert_array_equal(out["classes"], (gx > 0.5).astype(out["classes"].dtype))
    kernel, bias = out["units"]  # the unit's line 10·x1 + 0·x2 - 5 = 0, bias folded in
    np.testing.assert_allclose(kernel, [[10.0], [0.0]])
    np.testing.assert_allclose(bias, [-5.0])


def test_evaluate_draws_the_course_xors_boundary():
    spec, model = _x1_unit()
    x = load_dataset("xor").x_train.astype(np.float32)
    labels = np.array([0, 1, 1, 0])
    data = Prepared(x, labels[:, None].astype(np.float32), x, labels[:, None].astype(
        np.float32), labels)
    report = evaluate_report(model, data, spec, 2, resolution=20)
    assert report.grid is not None
    xs, ys, classes, _p = report.grid
    np.testing.assert_array_equal(classes[0], (xs > 0.5).astype(classes.dtype))
    varied = x.copy()
    varied[0, 2] = 0.0  # a third column that changes: a 3-D input, no boundary in a plane
    assert evaluate_report(model, Prepared(varied, data.y_train, varied, data.y_test, labels),
                           spec, 2, resolution=20).grid is None
