"""Live-view probes equal what the model computes; training options do what they say."""

import threading

import numpy as np
import pytest

from nngui.core.data.adapt import prepare
from nngui.core.data.datasets import load_dataset
from nngui.core.insight.probes import (
    BoundaryProbe,
    ConfusionProbe,
    DeadReluProbe,
    HiddenSpaceProbe,
    LearningRateProbe,
    WeightImagesProbe,
    live_probes,
)
from nngui.core.model.builder import build_model
from nngui.core.network.spec import LayerSpec, NetworkSpec, SpecError, TrainConfig
from nngui.core.platform.runtime import keras
from nngui.core.training.observer import Observer
from nngui.core.training.presets import _dense
from nngui.core.training.runs import lr_sweep, optimizer_sweep, overfit_note
from nngui.core.training.train import train


def _net(hidden, inputs=2, out=2, act="tanh", lr=0.05):
    layers = [_dense(u, act) for u in hidden] + [_dense(out, "softmax")]
    return NetworkSpec((inputs,), layers, "sparse_categorical_crossentropy", "adam", lr)


@pytest.fixture(scope="module")
def moons():
    return load_dataset("moons")


def _sub_output(model, index, x):
    """The output of ``model.layers[index]`` from a Keras sub-model (an independent path)."""
    k = keras()
    sub = k.Model(model.inputs, model.layers[index].output)
    return np.asarray(sub.predict(x, verbose=0))


def test_boundary_grid_is_the_models_prediction_on_the_grid(moons):
    spec = _net([4])
    model = build_model(spec, 1)
    x, y = moons.x_train[:100], moons.y_train[:100]
    out = BoundaryProbe(x, y, moons.x_test[:50], moons.y_test[:50], resolution=17)(model)
    gx, gy = np.meshgrid(out["xs"], out["ys"])
    pts = np.column_stack([gx.ravel(), gy.ravel()]).astype(np.float32)
    probs = np.asarray(model.predict(pts, verbose=0))
    assert out["classes"].shape == (17, 17)
    np.testing.assert_array_equal(out["classes"].ravel(), probs.argmax(1))
    np.testing.assert_allclose(out["prob"].ravel(), probs.max(1), atol=1e-5)
    kernel, bias = out["units"]
    np.testing.assert_array_equal(kernel, model.layers[0].get_weights()[0])
    np.testing.assert_array_equal(bias, model.layers[0].get_weights()[1])


def test_hidden_space_raw_for_two_units(moons):
    model = build_model(_net([2]), 2)
    x = moons.x_test[:64]
    out = HiddenSpaceProbe(x, moons.y_test[:64])(model)
    assert out["method"] == "raw" and out["units"] == 2
    np.testing.assert_allclose(out["coords"], _sub_output(model, 0, x), atol=1e-5)


def test_hidden_space_follows_the_weights_from_one_call_to_the_next(moons):
    """Each call reads the model as it is now (a probe that cached its first answer died)."""
    for hidden in ([2], [6, 4]):  # raw and PCA
        model = build_model(_net(hidden), 4)
        x = moons.x_test[:64]
        probe = HiddenSpaceProbe(x, moons.y_test[:64])
        first = probe(model)["coords"].copy()
        model.set_weights([w * 1.7 + 0.3 for w in model.get_weights()])
        second = probe(model)["coords"]
        h = _sub_output(model, len(hidden) - 1, x).astype(np.float64)
        assert not np.allclose(first, second, atol=1e-3)
        if hidden == [2]:
            np.testing.assert_allclose(second, h, atol=1e-5)
        else:  # the projection of today's activations on the probe's axes
            np.testing.assert_allclose(second, (h - h.mean(0)) @ probe._axes, atol=1e-4)


def test_hidden_space_pca_projects_the_last_hidden_layer(moons):
    model = build_model(_net([8, 5]), 3)
    x = moons.x_test[:64]
    probe = HiddenSpaceProbe(x, moons.y_test[:64])
    out = probe(model)
    h = _sub_output(model, 1, x).astype(np.float64)  # the last hidden layer, not the first
    assert out["method"] == "pca" and out["units"] == 5
    axes = probe._axes
    np.testing.assert_allclose(axes.T @ axes, np.eye(2), atol=1e-9)
    np.testing.assert_allclose(out["coords"], (h - h.mean(0)) @ axes, atol=1e-4)
    # the top-2 plane keeps at least as much variance as any 2 input coordinates
    assert out["coords"].var(0).sum() >= np.sort(h.var(0))[-2:].sum() - 1e-6


def test_first_layer_images_are_the_kernel():
    spec = NetworkSpec((784,), [_dense(20, "relu"), _dense(10, "softmax")])
    model = build_model(spec, 0)
    out = WeightImagesProbe(count=12)(model)
    kernel = model.layers[0].get_weights()[0]
    assert out["images"].shape == (12, 28, 28) and out["units"] == 20
    for i in range(12):
        np.testing.assert_array_equal(out["images"][i], kernel[:, i].reshape(28, 28))


def test_dead_relu_counts_units_that_never_fire(moons):
    spec = _net([6], act="relu")
    model = build_model(spec, 0)
    w, b = model.layers[0].get_weights()
    b[:2] = -1e3  # two units that no input can switch on
    model.layers[0].set_weights([w, b])
    out = DeadReluProbe(moons.x_test[:50])(model)
    assert out["layers"] == [(model.layers[0].name, 2, 6)]


def test_the_confusion_probe_counts_the_models_predictions(moons):
    model = build_model(_net([5], out=2), 3)
    x, y = moons.x_test[:90], moons.y_test[:90].astype(int)
    out = ConfusionProbe(x, y)(model)["matrix"]
    pred = np.asarray(model.predict(x, verbose=0)).argmax(1)
    want = np.zeros((2, 2), int)
    for t, p in zip(y, pred, strict=True):
        want[t, p] += 1
    np.testing.assert_array_equal(out, want)


def test_live_probes_by_input_size(moons):
    names = {p.name for p in live_probes(2, moons.x_train, moons.y_train, moons.x_test,
                                         moons.y_test)}
    assert names == {"boundary", "hidden", "dead_relu", "learning_rate", "confusion"}


class _Rec(Observer):
    def __init__(self):
        self.probes = []

    def on_probe(self, name, epoch, payload):
        self.probes.append((name, epoch, payload))


def _fit(spec, data, config, probes=()):
    model = build_model(spec, 0)
    rec = _Rec()
    return model, train(model, data, spec, config, rec, probes=probes), rec


def test_probes_run_in_the_training_thread(moons):
    spec = _net([3])
    data = prepare(moons, spec)
    seen = []

    class ThreadProbe:
        name = "thread"

        def __call__(self, model):
            seen.append(threading.get_ident())
            return {}

    box = {}
    worker = threading.Thread(target=lambda: box.update(
        ident=threading.get_ident(),
        out=_fit(spec, data, TrainConfig(epochs=2, batch_size=64), [ThreadProbe()])))
    worker.start()
    worker.join()
    assert seen and set(seen) == {box["ident"]} and box["ident"] != threading.get_ident()


def test_early_stopping_restores_the_best_weights(moons):
    # 24 noisy training points, a wide net and a high rate: it memorises them, val loss rises
    rng = np.random.default_rng(0)
    small = load_dataset("moons")
    small.x_train = (small.x_train[:48] + rng.normal(0, 0.4, (48, 2))).astype(np.float32)
    small.y_train = small.y_train[:48]
    spec = _net([64, 64], act="relu", lr=0.03)
    data = prepare(small, spec)
    kept = []

    class Weights:
        name = "w"

        def __call__(self, model):
            kept.append([w.copy() for w in model.get_weights()])

    config = TrainConfig(epochs=200, batch_size=8, validation_split=0.5,
                         early_stopping_patience=5, restore_best=True)
    model, result, _ = _fit(spec, data, config, [Weights()])
    val = result.history["val_loss"]
    best = int(np.argmin(val))
    assert len(val) < 200 and "Early stopping" in result.message
    assert best < len(val) - 1  # it went on past the best epoch
    for a, b in zip(model.get_weights(), kept[best], strict=True):
        np.testing.assert_array_equal(a, b)
    assert result.target_epochs == result.epochs_done  # Continue starts a fresh run
    assert overfit_note(result.history)[0] == best + 1


def test_lr_schedule_and_probe(moons):
    spec = _net([3], lr=0.04)
    data = prepare(moons, spec)
    config = TrainConfig(epochs=3, batch_size=128, lr_schedule="step", lr_step_epochs=1)
    _, _, rec = _fit(spec, data, config, [LearningRateProbe()])
    lrs = [p["lr"] for _, _, p in rec.probes]
    np.testing.assert_allclose(lrs, [0.04, 0.02, 0.01], rtol=1e-5)  # the rate each epoch used


@pytest.mark.parametrize("schedule, every, expected", [
    ("step", 2, [0.04, 0.04, 0.02, 0.02, 0.01]),  # halves every lr_step_epochs, not every epoch
    ("step", 3, [0.04, 0.04, 0.04, 0.02, 0.02]),
    # cosine over 5 epochs: epoch e (0-based) runs at base * (1 + cos(pi e / 5)) / 2
    ("cosine", 1, [0.04 * 0.5 * (1 + np.cos(np.pi * e / 5)) for e in range(5)]),
])
def test_the_rate_each_epoch_trains_with_follows_the_schedule(moons, schedule, every, expected):
    """Read back from the optimizer in the training thread after each epoch (through Keras)."""
    spec = _net([3], lr=0.04)
    data = prepare(moons, spec)
    config = TrainConfig(epochs=5, batch_size=256, lr_schedule=schedule, lr_step_epochs=every)
    _, _, rec = _fit(spec, data, config, [LearningRateProbe()])
    lrs = [p["lr"] for _, _, p in rec.probes]
    np.testing.assert_allclose(lrs, expected, rtol=1e-5)
    assert lrs[0] == pytest.approx(0.04)  # the first epoch trains at the rate the user set


def test_training_options_validated():
    with pytest.raises(SpecError):
        TrainConfig(lr_schedule="exponential")
    with pytest.raises(SpecError):
        TrainConfig(early_stopping_patience=-1)
    assert TrainConfig.from_dict(TrainConfig(early_stopping_patience=3).to_dict()) \
        .early_stopping_patience == 3


def test_sweeps():
    spec = _net([3], lr=0.01)
    lrs = [s.lr for _, s in lr_sweep(spec)]
    assert lrs == [0.001, 0.003, 0.01, 0.03, 0.1] and spec.lr == 0.01
    opts = optimizer_sweep(spec)
    assert [s.optimizer for _, s in opts] == ["sgd", "rmsprop", "adam", "adagrad"]


def test_top_components_match_the_svd():
    from nngui.core.insight.probes import top_components

    rng = np.random.default_rng(1)
    h = rng.standard_normal((300, 40)) @ rng.standard_normal((40, 40))
    c = h - h.mean(0)
    axes = top_components(c)
    vt = np.linalg.svd(c, full_matrices=False)[2][:2].T
    np.testing.assert_allclose(np.abs(axes.T @ vt), np.eye(2), atol=1e-4)


def test_checkpoint_keeps_the_best_epoch(moons, tmp_path):
    from nngui.core.model.saving import load_model

    spec = _net([3])
    path = tmp_path / "best.keras"
    config = TrainConfig(epochs=3, batch_size=128, checkpoint_path=str(path))
    model, result, _ = _fit(spec, prepare(moons, spec), config)
    assert path.is_file()
    best = load_model(path)
    x = moons.x_test[:20]
    if int(np.argmin(result.history["val_loss"])) == 2:  # the last epoch was the best
        np.testing.assert_allclose(best.predict(x, verbose=0), model.predict(x, verbose=0),
                                   atol=1e-6)
    with pytest.raises(SpecError):
        TrainConfig(checkpoint_path=str(tmp_path / "best.h5"))


def test_a_probe_can_ask_to_run_every_few_batches_in_the_training_thread(moons):
    spec = _net([3])
    data = prepare(moons, spec)
    seen = []

    class Boundary(BoundaryProbe):
        def __call__(self, model):
            seen.append(threading.get_ident())
            return super().__call__(model)

    probe = Boundary(moons.x_train[:50], moons.y_train[:50], moons.x_test[:20],
                     moons.y_test[:20], resolution=8, every_batches=5)
    # 800 points in batches of 80: 10 a epoch, so every 5th batch is sometimes an epoch end
    config = TrainConfig(epochs=2, batch_size=80, validation_split=0.0, steps_per_execution=1)
    box = {}
    worker = threading.Thread(target=lambda: box.update(
        ident=threading.get_ident(), out=_fit(spec, data, config, [probe])))
    worker.start()
    worker.join()
    _, result, rec = box["out"]
    steps = -(-len(data.x_train) // 80)
    expected, last = [], 0  # every 5 batches, never on an epoch's last batch (its end calls it)
    for g in range(1, 2 * steps + 1):
        if g % steps and g - last >= 5:
            expected.append((g - 1) // steps)
            last = g
    got = [e for n, e, _ in rec.probes if n == "boundary"]
    assert got == sorted(expected + [0, 1]) and len(expected) >= 2
    assert set(seen) == {box["ident"]} != {threading.get_ident()}
    assert result.ok


def test_the_probes_read_the_builders_networks_in_numpy_and_others_in_keras(moons):
    """The live probes run a builder's network through the NumPy engine (eager Keras calls
    cost milliseconds each, most of a toy run) and any other model through Keras: both give
    Keras' layer outputs."""
    from nngui.core.insight.probes import layer_outputs, model_outputs, numpy_pass

    x = moons.x_test[:40].astype(np.float32)
    model = build_model(NetworkSpec((2,), [_dense(5, "relu"), LayerSpec("Dropout", {"rate": 0.3}),
                                           _dense(3, "tanh"), _dense(2, "softmax")],
                                    "sparse_categorical_crossentropy"), 2)
    assert numpy_pass(model) is not None
    k = keras()
    other = k.Sequential([k.Input((2,)), k.layers.Dense(5, activation="relu"),
                          k.layers.LayerNormalization(), k.layers.Dense(2, activation="softmax")])
    assert numpy_pass(other) is None  # a layer the engine does not run: Keras reads it
    for m in (model, other):
        outs = layer_outputs(m, x)
        assert len(outs) == len(m.layers)
        for i, out in enumerate(outs):
            np.testing.assert_allclose(out, _sub_output(m, i, x), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(model_outputs(m, x), np.asarray(m.predict(x, verbose=0)),
                                   rtol=1e-5, atol=1e-6)
