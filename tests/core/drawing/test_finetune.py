"""Fine-tuning on the user's odd handwriting helps it without costing MNIST accuracy."""

from __future__ import annotations

import numpy as np
import pytest
from digit_strokes import UNUSUAL, quick_model, render
from hypothesis import given
from hypothesis import strategies as st

from nngui.core.data.datasets import Dataset
from nngui.core.drawing import finetune as F
from nngui.core.drawing.preprocess import to_mnist
from nngui.core.model.saving import spec_from_model
from nngui.core.network.spec import LayerSpec, NetworkSpec, SpecError


def _fake_mnist(n: int = 300) -> Dataset:
    rng = np.random.default_rng(0)
    x = rng.random((n, 28, 28)).astype(np.float32)
    y = np.arange(n) % 10
    return Dataset("mnist", "fake", x, y, x[:50], y[:50], "classification", 10)


def test_pass_one_holds_a_fold_out_and_pass_two_trains_on_every_taught_digit():
    x_user = np.stack([np.full((28, 28), 0.1 * (i + 1), np.float32) for i in range(12)])
    x_user[:, 10:18, 12:16] = 1.0  # some ink, so jitter has a digit to move
    y_user = np.array([7] * 8 + [1] * 3 + [9])
    mix = F.make_finetune_data(x_user, y_user, _fake_mnist(), replay=100, copies=4, seed=1)
    # a fifth of each digit, at least one of a digit with two or more; the single 9 trains
    assert sorted(mix.holdout_y.tolist()) == [1, 7, 7]
    assert mix.n_user_train == 12 - 3 and mix.n_user == 12
    # pass 1: jittered copies of the 9 trained digits, the replay, then the held-out fold last
    assert len(mix.y_train) == 9 * 4 + 100 + 3 == len(mix.x_train)
    np.testing.assert_array_equal(mix.x_train[-3:], mix.holdout_x)
    np.testing.assert_array_equal(mix.y_train[-3:], mix.holdout_y)
    # pass 2: copies of all 12 (the held-out fold too) and a replay, no validation rows
    assert len(mix.y_all) == 12 * 4 + 100 == len(mix.x_all)
    # without jitter, every taught digit is in pass 2 exactly once (the 1 and 7s held out too)
    plain = F.make_finetune_data(x_user, y_user, _fake_mnist(), replay=100, copies=0, seed=1)
    for image, label in zip(x_user, y_user, strict=True):
        same = (plain.x_all == image).all(axis=(1, 2))
        assert same.sum() == 1 and plain.y_all[same][0] == label
    held = (plain.x_train[:, None] == plain.holdout_x[None]).all(axis=(2, 3)).sum(axis=0)
    assert held.tolist() == [1, 1, 1]  # pass 1 sees the fold only as its validation rows


def test_a_digit_taught_twice_has_one_held_out_and_one_trained():
    y = np.repeat(np.arange(10), 2)
    train, held = F.split_holdout(y, F.FOLD, np.random.default_rng(0))
    assert sorted(y[held].tolist()) == list(range(10)) == sorted(y[train].tolist())


@given(n_val=st.integers(1, 400), extra=st.integers(0, 200_000))
def test_validation_takes_exactly_the_held_out_fold(n_val, extra):
    extra += n_val  # pass 1 always trains on more rows than it holds out
    config = F.finetune_config(n_val + extra, n_val)
    assert int((n_val + extra) * config.validation_split) == n_val
    assert config.early_stopping_patience > 0 and config.restore_best


def test_without_a_held_out_fold_training_runs_plain_epochs():
    config = F.finetune_config(500, 0, epochs=3)
    assert config.validation_split == 0 and config.early_stopping_patience == 0
    assert config.epochs == 3


def test_the_replay_set_is_named_truthfully():
    assert F.replay_name(_fake_mnist()) == "MNIST"
    digits = Dataset("digits", "small", np.zeros((20, 28, 28)), np.arange(20) % 10,
                     np.zeros((10, 28, 28)), np.arange(10), "classification", 10)
    assert "MNIST" not in F.replay_name(digits) and "8×8" in F.replay_name(digits)
    spec = NetworkSpec((784,), [LayerSpec("Dense", {"units": 10, "activation": "softmax"})],
                       "sparse_categorical_crossentropy")
    plan = F.make_plan(None, np.ones((6, 28, 28)), np.array([1, 1, 1, 2, 2, 2]), digits,
                       spec=spec, copies=2)
    assert plan.replay == F.replay_name(digits)
    assert not any("MNIST" in note for note in plan.data.notes if note)
    report = F.FinetuneReport(0.5, 1.0, 0.9, 0.9, 2, None, 6, 2, plan.replay)
    assert "MNIST" not in report.summary() and "8×8" in report.summary()
    counted = F.FinetuneReport(0.5, 1.0, 0.9, 0.9, 2, None, 6, 2, "MNIST", n_check=2000)
    assert "MNIST (2,000 test digits) 90.0% → 90.0%" in counted.summary()  # Evaluate reads
    # all 10,000: a bare "MNIST 90.0%" beside its other number read as a contradiction


def test_run_trains_twice_the_second_time_on_everything(monkeypatch):
    """Pass 1 with the held-out fold as validation, pass 2 on all taught digits; the report
    measures the fold between the two passes."""
    from nngui.core.training import train as T
    from nngui.core.training.observer import RunResult

    calls = []

    def fake_train(model, data, spec, config, observer=None, stop_event=None):
        calls.append((data, config, observer))
        return RunResult("finished", config.epochs, {"val_loss": [0.5, 0.3, 0.4]}, 0.1)

    monkeypatch.setattr(T, "train", fake_train)
    measured = []
    monkeypatch.setattr(F, "accuracy_on", lambda m, x, y: measured.append(len(y)) or 0.5)
    spec = NetworkSpec((784,), [LayerSpec("Dense", {"units": 10, "activation": "softmax"})],
                       "sparse_categorical_crossentropy")
    y_user = np.repeat(np.arange(10), 5)
    x_user = np.zeros((50, 28, 28), np.float32)
    x_user[:, 8:20, 12:16] = 1.0
    plan = F.make_plan(None, x_user, y_user, _fake_mnist(), spec=spec, copies=2, replay=40)
    observer = object()
    report = F.run_finetune(None, plan, observer)
    assert len(calls) == 2
    (first, c1, o1), (second, c2, o2) = calls
    assert o1 is observer and o2 is None  # the live curves show pass 1
    n_val = len(plan.holdout_y)
    assert n_val == 10 and c1.early_stopping_patience > 0
    assert int(len(first.x_train) * c1.validation_split) == n_val
    assert len(second.x_train) == 50 * 2 + 40 and c2.validation_split == 0
    assert report.epochs == 2  # the best val_loss was epoch 2
    assert report.n_user == 50 and "all 50 of your digits" in report.summary()
    assert measured == [10, 50, 10, 50]  # fold before, check before, fold after pass 1, check


def test_a_stop_in_pass_one_skips_pass_two(monkeypatch):
    import threading

    from nngui.core.training import train as T
    from nngui.core.training.observer import RunResult

    stop = threading.Event()
    calls = []

    def fake_train(model, data, spec, config, observer=None, stop_event=None):
        calls.append(config)
        stop.set()
        return RunResult("stopped", 1, {"val_loss": [0.5]}, 0.1)

    monkeypatch.setattr(T, "train", fake_train)
    monkeypatch.setattr(F, "accuracy_on", lambda m, x, y: 0.5)
    spec = NetworkSpec((784,), [LayerSpec("Dense", {"units": 10, "activation": "softmax"})],
                       "sparse_categorical_crossentropy")
    plan = F.make_plan(None, np.ones((20, 28, 28)), np.repeat(np.arange(10), 2),
                       _fake_mnist(), spec=spec, copies=1, replay=20)
    report = F.run_finetune(None, plan, None, stop)
    assert len(calls) == 1 and report.result.reason == "stopped"
    assert not report.trained_all  # the summary must not claim every digit trained
    assert "all 20" not in report.summary() and "not trained on" in report.summary()
    assert "on 10 of your 20 digits" in report.summary()


def test_no_samples_is_a_clear_error():
    with pytest.raises(SpecError, match="no handwriting samples"):
        F.make_finetune_data(np.zeros((0, 28, 28)), np.zeros(0), _fake_mnist())


def test_prepared_data_fits_the_spec():
    # quick_model's spec; the data preparation needs no trained weights
    spec = NetworkSpec((784,), [LayerSpec("Dense", {"units": 256, "activation": "relu"}),
                                LayerSpec("Dense", {"units": 10, "activation": "softmax"})],
                       "sparse_categorical_crossentropy", name="quick_mlp")
    ft = F.finetune_spec(spec)
    assert ft.optimizer == "adam" and ft.lr == pytest.approx(F.FINETUNE_LR)
    assert spec.lr != pytest.approx(F.FINETUNE_LR)  # the original is untouched
    mix = F.make_finetune_data(np.ones((4, 28, 28)), np.array([1, 1, 2, 2]), _fake_mnist(),
                               replay=50, copies=3)
    data = F.prepare_finetune(mix, ft, _fake_mnist(), check=30)
    assert data.x_train.shape == (len(mix.y_train), 784)
    assert data.x_test.shape == (30, 784) and data.labels_test.shape == (30,)


def _unusual_samples(per_digit: int = 16, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Odd styles (slashed 0, flagged 1, looped 2, flat-top 3, crossed 7, curly 9), varied."""
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for digit, strokes in UNUSUAL.items():
        for _ in range(per_digit):
            h = rng.uniform(0.35, 0.85)
            w = h * rng.uniform(0.55, 0.75)
            box = (rng.uniform(0.02, 0.98 - w), rng.uniform(0.02, 0.98 - h), w, h)
            img = render(strokes, box=box, thickness=rng.uniform(12, 26), jitter=0.02,
                         seed=int(rng.integers(1 << 30)))
            xs.append(to_mnist(img))
            ys.append(digit)
    return np.stack(xs), np.array(ys)


@pytest.mark.slow
def test_finetuning_learns_odd_handwriting_and_keeps_mnist(full_mnist_path):
    # The ~98 % reader of the full training set, and all 10,000 test digits: "MNIST is not
    # forgotten" allows 0.5 points, 50 digits there but only 10 of the slice's 2,000.
    model, _, ds = quick_model(full_mnist_path)
    model = _copy(model)
    x_user, y_user = _unusual_samples()

    def mnist_accuracy() -> float:
        pred = model.predict(ds.x_test.reshape(-1, 784), verbose=0).argmax(axis=1)
        return float(np.mean(pred == ds.y_test))

    mnist_before = mnist_accuracy()
    plan = F.make_plan(model, x_user, y_user, ds, seed=0)
    assert plan.spec.lr == pytest.approx(F.FINETUNE_LR) and len(plan.holdout_y) == 18
    report = F.run_finetune(model, plan)
    assert report.result.ok, report.result.message
    assert report.user_before <= 0.8  # the odd styles are misread at first
    assert report.user_after >= report.user_before + 0.15
    assert report.user_after >= 0.9
    assert mnist_accuracy() >= mnist_before - 0.005  # MNIST is not forgotten
    assert "held out" in report.summary() and "all 96 of your digits" in report.summary()


def _copy(model):
    """A separate model with the same weights (the quick model is shared between tests)."""
    from nngui.core.model.builder import build_model

    twin = build_model(spec_from_model(model))
    twin.set_weights(model.get_weights())
    return twin


def test_without_early_stopping_the_report_keeps_the_last_epoch(monkeypatch):
    """patience 0: pass 1 trains every epoch and keeps the last one (not the best val_loss's),
    and the notes do not claim that the held-out fold stops training."""
    from nngui.core.training import train as T
    from nngui.core.training.observer import RunResult

    configs = []

    def fake_train(model, data, spec, config, observer=None, stop_event=None):
        configs.append(config)
        return RunResult("finished", config.epochs, {"val_loss": [0.5, 0.3, 0.4]}, 0.1)

    monkeypatch.setattr(T, "train", fake_train)
    monkeypatch.setattr(F, "accuracy_on", lambda m, x, y: 0.5)
    spec = NetworkSpec((784,), [LayerSpec("Dense", {"units": 10, "activation": "softmax"})],
                       "sparse_categorical_crossentropy")
    x_user = np.zeros((50, 28, 28), np.float32)
    x_user[:, 8:20, 12:16] = 1.0
    y_user = np.repeat(np.arange(10), 5)
    plan = F.make_plan(None, x_user, y_user, _fake_mnist(), spec=spec, copies=1, replay=40,
                       epochs=3, patience=0)
    assert plan.config.early_stopping_patience == 0 and plan.config.epochs == 3
    assert int(len(plan.data.x_train) * plan.config.validation_split) == 10  # still measured
    assert not any("stop" in note for note in plan.data.notes if note)
    report = F.run_finetune(None, plan)
    assert report.epochs == 3 and report.trained_all
    stopping = F.make_plan(None, x_user, y_user, _fake_mnist(), spec=spec, copies=1,
                           replay=40, epochs=3, patience=2)
    assert any("stop training when it stops improving" in note
               for note in stopping.data.notes if note)
