"""The frozen-body fine-tune: only the dense head trains, on the body's (cached) features."""

from __future__ import annotations

import numpy as np
import pytest

from nngui.core.data.datasets import Dataset
from nngui.core.drawing import finetune as F
from nngui.core.drawing import frozen
from nngui.core.network.spec import LayerSpec, NetworkSpec


def _cnn_spec() -> NetworkSpec:
    return NetworkSpec((28, 28), [
        LayerSpec("Reshape", {"target_shape": (28, 28, 1)}),
        LayerSpec("Conv2D", {"filters": 4, "kernel_size": 3, "activation": "relu"}),
        LayerSpec("MaxPooling2D", {"pool_size": 2}),
        LayerSpec("Conv2D", {"filters": 4, "kernel_size": 3, "activation": "relu"}),
        LayerSpec("MaxPooling2D", {"pool_size": 2}),
        LayerSpec("Flatten"),
        LayerSpec("Dropout", {"rate": 0.25}),
        LayerSpec("Dense", {"units": 16, "activation": "relu"}),
        LayerSpec("Dense", {"units": 10, "activation": "softmax"}),
    ], "sparse_categorical_crossentropy", name="tiny_cnn")


def _cnn():
    from nngui.core.model.builder import build_model

    spec = _cnn_spec()
    return build_model(spec, seed=3), spec


def _fake_mnist(n: int = 400) -> Dataset:
    rng = np.random.default_rng(0)
    y = np.arange(n) % 10
    x = np.zeros((n, 28, 28), np.float32)
    for i, label in enumerate(y):  # a bar whose place says the digit, and some noise
        x[i, 4 + 2 * label:7 + 2 * label, 6:22] = 1.0
    x += 0.1 * rng.random(x.shape, dtype=np.float32)
    return Dataset("mnist", "fake", x, y, x[:60], y[:60], "classification", 10)


def _user(n_per: int = 3) -> tuple[np.ndarray, np.ndarray]:
    y = np.repeat(np.arange(10), n_per)
    x = np.zeros((len(y), 28, 28), np.float32)
    for i, label in enumerate(y):  # a different hand: the bar is vertical
        x[i, 6:22, 4 + 2 * label:7 + 2 * label] = 1.0
    return x, y


def test_the_split_is_the_dense_head_after_a_body_with_weights():
    model, spec = _cnn()
    split = frozen.split_model(model, spec)
    assert split is not None and split.start == 6  # Dropout, Dense, Dense
    assert [s.type for s in split.spec.layers] == ["Dropout", "Dense", "Dense"]
    assert split.feature_shape == (5 * 5 * 4,)
    deeper = frozen.split_model(model, spec, blocks=1)  # the last conv block trains too
    assert deeper is not None and deeper.start == 3 and deeper.feature_shape == (13, 13, 4)
    mlp = NetworkSpec((784,), [LayerSpec("Dense", {"units": 8, "activation": "relu"}),
                               LayerSpec("Dense", {"units": 10, "activation": "softmax"})],
                      "sparse_categorical_crossentropy")
    from nngui.core.model.builder import build_model

    assert frozen.split_model(build_model(mlp, seed=0), mlp) is None  # no body: all trains
    assert frozen.split_model(None, spec) is None


def test_the_head_reads_what_the_whole_model_reads():
    """Every training row's features (replay rows from the cache, the user's through the
    body) give the head the whole model's outputs for the same images."""
    model, _ = _cnn()
    frozen.clear_cache()
    x_user, y_user = _user()
    plan = F.make_plan(model, x_user, y_user, _fake_mnist(), replay=50, copies=2)
    head = plan.head
    assert head is not None
    whole = np.asarray(model(plan.data.x_train.reshape(-1, 28, 28), training=False))
    part = np.asarray(head.model(head.data.x_train, training=False))
    np.testing.assert_allclose(part, whole, atol=1e-5)
    assert len(head.final.x_train) == len(plan.data.x_train) - len(plan.holdout_y) \
        + len(plan.holdout_y) * 2  # pass 2: every taught digit's copies and the replay
    check = np.asarray(model(plan.data.x_test.reshape(-1, 28, 28), training=False))
    np.testing.assert_allclose(np.asarray(head.model(head.data.x_test, training=False)),
                               check, atol=1e-5)


def test_only_the_head_trains_and_the_model_is_what_it_trained(tmp_path):
    from nngui.core.model.saving import load_model, save_model

    model, _ = _cnn()
    frozen.clear_cache()
    before = [w.copy() for w in model.get_weights()]
    x_user, y_user = _user(4)
    plan = F.make_plan(model, x_user, y_user, _fake_mnist(), replay=60, copies=2, epochs=2)
    report = F.run_finetune(model, plan)
    assert report.result.ok, report.result.message
    after = model.get_weights()
    body_n = sum(len(layer.get_weights()) for layer in plan.head.split.body)
    for b, a in zip(before[:body_n], after[:body_n], strict=True):
        np.testing.assert_array_equal(a, b)  # the convolutions are frozen
    assert any(not np.array_equal(a, b)
               for a, b in zip(before[body_n:], after[body_n:], strict=True))
    # the report's check accuracy is the whole model's on the check digits
    check = plan.data.x_test.reshape(-1, 28, 28)
    assert report.mnist_after == pytest.approx(F.accuracy_on(model, check,
                                                             plan.data.labels_test))
    assert report.n_check == len(check) and f"({len(check):,} test digits)" in report.summary()
    assert {"pass 1", "pass 2", "jitter", "replay features"} <= set(report.seconds)
    # the Draw tab saves the fine-tuned model: the file reads as the model does
    again = load_model(save_model(model, tmp_path / "tuned.keras"))
    np.testing.assert_allclose(np.asarray(again(check, training=False)),
                               np.asarray(model(check, training=False)), atol=1e-6)


def test_the_head_trains_a_fixed_number_of_epochs_measured_on_the_fold():
    """The head's pass 1 does not stop on its tiny held-out fold (HEAD_PATIENCE 0): it trains
    HEAD_EPOCHS epochs, with the fold as validation, and the report keeps the last epoch."""
    model, _ = _cnn()
    frozen.clear_cache()
    x_user, y_user = _user(3)
    plan = F.make_plan(model, x_user, y_user, _fake_mnist(), replay=40, copies=1, epochs=3)
    assert plan.head is not None
    assert plan.config.early_stopping_patience == F.HEAD_PATIENCE == 0
    assert F.make_plan(model, x_user, y_user, _fake_mnist(), replay=40,
                       copies=1).config.epochs == F.HEAD_EPOCHS
    assert int(len(plan.head.data.x_train) * plan.config.validation_split) == 10
    report = F.run_finetune(model, plan)
    assert report.result.ok and report.epochs == 3 and report.n_holdout == 10


def test_replay_features_are_computed_once_per_body():
    model, spec = _cnn()
    frozen.clear_cache()
    mnist = _fake_mnist()
    split = frozen.split_model(model, spec)
    first = frozen.replay_features(split, model, mnist, check=20, pool=100)
    assert frozen.replay_features(split, model, mnist, check=20, pool=100) is first
    np.testing.assert_allclose(first.x_pool[:5], frozen.body_features(
        split, model, np.asarray(mnist.x_train)[first.pick[:5]]), atol=1e-6)
    weights = model.layers[1].get_weights()
    model.layers[1].set_weights([w + 0.1 for w in weights])  # another body
    again = frozen.replay_features(split, model, mnist, check=20, pool=100)
    assert again is not first and not np.allclose(again.x_pool, first.x_pool)


def test_without_freeze_the_whole_model_trains():
    model, _ = _cnn()
    x_user, y_user = _user()
    plan = F.make_plan(model, x_user, y_user, _fake_mnist(), replay=40, copies=1, epochs=1,
                       freeze=False)
    assert plan.head is None and plan.spec.lr == pytest.approx(F.FINETUNE_LR)
    before = model.layers[1].get_weights()[0].copy()
    assert F.run_finetune(model, plan).result.ok
    assert not np.array_equal(model.layers[1].get_weights()[0], before)


def test_one_digit_of_each_trains_the_head_without_a_held_out_fold():
    model, _ = _cnn()
    x_user, y_user = _user(1)  # nothing to hold out: pass 1 trains on them all
    plan = F.make_plan(model, x_user, y_user, _fake_mnist(), replay=30, copies=2, epochs=1)
    assert plan.head is not None and plan.head.final is None and len(plan.head.holdout) == 0
    report = F.run_finetune(model, plan)
    assert report.result.ok and report.trained_all and report.n_holdout == 0
    assert report.user_before != report.user_before  # n/a: nothing was held out
    assert "no held-out digits" in report.summary()
