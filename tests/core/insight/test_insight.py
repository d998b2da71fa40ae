"""core.insight.evaluation: confusion matrix, mistakes, decision grid, report."""

from __future__ import annotations

import numpy as np
import pytest

from nngui.core.data.adapt import Prepared
from nngui.core.insight import evaluation as insight
from nngui.core.network.spec import LayerSpec, NetworkSpec


def test_confusion_matrix_counts_rows_true_columns_predicted():
    true = np.array([0, 0, 1, 1, 1, 2])
    pred = np.array([0, 1, 1, 1, 2, 0])
    cm = insight.confusion_matrix(true, pred, 3)
    assert cm.tolist() == [[1, 1, 0], [0, 2, 1], [1, 0, 0]]
    assert cm.sum() == len(true)
    norm = insight.row_normalised(cm)
    assert norm[1].tolist() == pytest.approx([0, 2 / 3, 1 / 3])
    assert insight.row_normalised(np.zeros((2, 2))).sum() == 0  # empty rows stay 0


def test_confusion_matrix_grows_for_labels_beyond_k():
    assert insight.confusion_matrix([0, 3], [0, 3], 2).shape == (4, 4)


def test_mistakes_in_test_order_with_limit_and_probability():
    true = np.array([0, 1, 2, 1, 0, 2])
    probs = np.array([[0.9, 0.05, 0.05], [0.7, 0.2, 0.1], [0.1, 0.1, 0.8],
                      [0.2, 0.2, 0.6], [0.3, 0.6, 0.1], [0.5, 0.4, 0.1]])
    pred, p = insight.classes_from_probs(probs)
    assert pred.tolist() == [0, 0, 2, 2, 1, 0]
    assert p[1] == pytest.approx(0.7)
    found = insight.mistakes(true, pred, probs, limit=10)
    assert [m[0] for m in found] == [1, 3, 4, 5]
    assert found[0] == (1, 1, 0, pytest.approx(0.7))
    assert insight.mistakes(true, pred, probs, limit=2) == found[:2]
    assert insight.mistakes(true, true, probs) == []


def test_single_sigmoid_output_is_binary():
    probs = np.array([[0.9], [0.2], [0.6]])
    pred, p = insight.classes_from_probs(probs)
    assert pred.tolist() == [1, 0, 1] and p.tolist() == pytest.approx([0.9, 0.8, 0.6])
    found = insight.mistakes(np.array([0, 0, 0]), pred, probs)
    assert found == [(0, 0, 1, pytest.approx(0.9)), (2, 0, 1, pytest.approx(0.6))]


def test_image_shape_recognises_images_only():
    assert insight.image_shape((784,)) == (28, 28)
    assert insight.image_shape((28, 28, 1)) == (28, 28)
    assert insight.image_shape((8, 8)) == (8, 8)
    assert insight.image_shape((2,)) is None
    assert insight.image_shape((3,)) is None
    assert insight.image_shape((4, 4, 2)) is None


def test_image_shape_reads_colour_pictures_flat_or_not():
    assert insight.image_shape((32, 32, 3)) == (32, 32, 3)
    assert insight.image_shape((3072,)) == (32, 32, 3)  # CIFAR-10 as the course flattens it
    assert insight.image_shape((768,)) == (16, 16, 3)
    assert insight.image_shape((48,)) is None  # 3 x 4 x 4: too small to be a picture
    assert insight.image_shape((3 * 32 * 32 + 3,)) is None


def _linear_classifier():
    """Class 1 exactly when x0 > x1 (a hand-set softmax layer)."""
    from nngui.core.model.builder import build_model

    spec = NetworkSpec((2,), [LayerSpec("Dense", {"units": 2, "activation": "softmax"})],
                       "sparse_categorical_crossentropy")
    model = build_model(spec, 0)
    model.layers[-1].set_weights([np.array([[-5.0, 5.0], [5.0, -5.0]], np.float32),
                                  np.zeros(2, np.float32)])
    return spec, model


def test_decision_grid_shapes_and_classes():
    _, model = _linear_classifier()
    x = np.array([[0, 0], [1, 2], [4, 1]], dtype=np.float32)
    xs, ys, classes, probs = insight.decision_grid(model, x, resolution=50)
    assert xs.shape == (50,) and ys.shape == (50,)
    assert classes.shape == probs.shape == (50, 50)
    assert xs[0] < 0 and xs[-1] > 4 and ys[0] < 0 and ys[-1] > 2  # data range plus margin
    # grids are [iy, ix]: bottom-right (x large, y small) is class 1, top-left class 0
    assert classes[0, -1] == 1 and classes[-1, 0] == 0
    assert ((probs >= 0.5) & (probs <= 1.0)).all()


def test_evaluate_report_for_a_2d_classifier():
    spec, model = _linear_classifier()
    rng = np.random.default_rng(0)
    x = rng.normal(size=(100, 2)).astype(np.float32)
    labels = (x[:, 0] > x[:, 1]).astype(np.int64)
    labels[:3] = 1 - labels[:3]  # three deliberate mistakes
    data = Prepared(x, labels, x, labels, labels)
    report = insight.evaluate_report(model, data, spec, 2, resolution=20)
    assert report.task == "classification" and report.samples == 100
    assert report.confusion.sum() == 100 and np.trace(report.confusion) == 97
    assert [m[0] for m in report.mistakes] == [0, 1, 2]
    assert report.metrics["accuracy"] == pytest.approx(0.97)
    assert report.grid is not None and report.grid[2].shape == (20, 20)
    assert report.image_shape is None and report.curve is None
