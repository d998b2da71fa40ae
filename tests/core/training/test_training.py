"""Real training runs on real data: loss falls, XOR is learned, MNIST reaches 90 %, Stop, NaN."""

import threading

import numpy as np
import pytest

from nngui.core.data.adapt import prepare
from nngui.core.data.datasets import load_dataset, load_mnist
from nngui.core.model.builder import build_model
from nngui.core.model.saving import ModelFileError, load_model, save_model, spec_from_model
from nngui.core.network.spec import LayerSpec, NetworkSpec, TrainConfig
from nngui.core.training.observer import Observer
from nngui.core.training.presets import PRESETS, get_preset
from nngui.core.training.session import Session
from nngui.core.training.train import evaluate, train


class Recorder(Observer):
    def __init__(self, stop_after_batches=None, event=None):
        self.points, self.epochs, self.info, self.result = [], [], None, None
        self.stop_after, self.event = stop_after_batches, event

    def on_begin(self, info):
        self.info = info

    def on_batches(self, epoch, step, points, logs):
        self.points.extend(points)
        if self.stop_after is not None and len(self.points) >= self.stop_after:
            self.event.set()

    def on_epoch(self, epoch, logs):
        self.epochs.append(logs)

    def on_end(self, result):
        self.result = result


@pytest.fixture(scope="module")
def mnist(mnist_path):
    """The MNIST slice shipped with the tests (8,000/2,000 digits)."""
    return load_mnist(mnist_path)


@pytest.fixture(scope="module")
def full_mnist(full_mnist_path):
    return load_mnist(full_mnist_path)


def test_xor_is_learned_by_the_course_net():
    p = get_preset("xor-3-4-1")
    spec, cfg = p.spec(), p.train_config()
    data = prepare(load_dataset("xor"), spec)
    model = build_model(spec, cfg.seed)
    rec = Recorder()
    result = train(model, data, spec, cfg, rec)
    assert result.reason == "finished" and result.epochs_done == cfg.epochs
    assert evaluate(model, data)["accuracy"] > 0.9
    assert rec.epochs[-1]["loss"] < rec.epochs[0]["loss"] / 10


@pytest.mark.slow
def test_mnist_784_20_10_one_epoch_beats_90_percent(full_mnist):
    """The course preset's claim: one epoch over the full 60k training set beats 90 %."""
    p = get_preset("mnist-784-20-10")
    spec, cfg = p.spec(), p.train_config()
    cfg.epochs = 1
    data = prepare(full_mnist, spec)
    assert data.x_train.shape == (60000, 784) and data.y_train.shape == (60000, 10)
    assert any("one-hot" in n for n in data.notes) and any("flattened" in n for n in data.notes)
    model = build_model(spec, 0)
    rec = Recorder()
    result = train(model, data, spec, cfg, rec)
    assert result.reason == "finished"
    assert evaluate(model, data)["accuracy"] > 0.90
    # the live curve: many throttled bundles of per-chunk losses, and the loss falls
    assert rec.info.steps_per_epoch == 1688 and len(rec.points) >= 10
    losses = [loss for _, loss in rec.points]
    assert np.mean(losses[-3:]) < np.mean(losses[:3])
    assert set(rec.epochs[0]) >= {"loss", "accuracy", "val_loss", "val_accuracy", "epoch_time"}


def test_stop_keeps_weights_and_continue_appends_epochs(mnist):
    spec = NetworkSpec((28, 28), [LayerSpec("Flatten"), LayerSpec("Dense", {"units": 32}),
                                  LayerSpec("Dense", {"units": 10, "activation": "softmax"})],
                       "sparse_categorical_crossentropy")
    ds = mnist.subset(6000, 1000)
    data = prepare(ds, spec)
    session = Session(spec)
    model = session.ensure_model(0)
    before = [w.copy() for w in model.get_weights()]
    event = threading.Event()
    cfg = TrainConfig(epochs=50, batch_size=32, steps_per_execution=4)
    rec = Recorder(stop_after_batches=3, event=event)
    result = train(model, data, spec, cfg, rec, stop_event=event)
    assert result.reason == "stopped" and result.epochs_done < 50
    session.record(result)
    after = model.get_weights()
    assert any(not np.allclose(a, b) for a, b in zip(before, after, strict=False))  # learned, and kept
    acc_stopped = evaluate(model, data)["accuracy"]
    assert acc_stopped > 0.3
    cfg2 = TrainConfig(epochs=2, batch_size=32)
    result2 = train(model, data, spec, cfg2, Recorder(), initial_epoch=session.epochs_done)
    session.record(result2)
    assert result2.reason == "finished"
    assert session.epochs_done == result.epochs_done + 2
    assert evaluate(model, data)["accuracy"] >= acc_stopped - 0.02


def test_nan_loss_stops_with_a_clear_message_and_finite_weights():
    ds = load_dataset("regression")
    spec = NetworkSpec((1,), [LayerSpec("Dense", {"units": 16, "activation": "relu"}),
                              LayerSpec("Dense", {"units": 1, "activation": "linear"})],
                       "mse", "sgd", 1e6, kind="regressor")
    data = prepare(ds, spec)
    data.x_train = data.x_train * 1e3
    model = build_model(spec, 0)
    result = train(model, data, spec, TrainConfig(epochs=5, batch_size=32), Recorder())
    assert result.reason == "nan"
    assert "NaN" in result.message and "learning rate" in result.message
    assert all(np.isfinite(w).all() for w in model.get_weights())


def test_an_infinite_loss_stops_too_not_only_nan():
    """A loss that overflows to +inf (and never turns NaN) must stop the run like NaN does."""
    ds = load_dataset("regression")
    spec = NetworkSpec((1,), [LayerSpec("Dense", {"units": 1, "activation": "linear"})],
                       "mse", "sgd", 1e-30, kind="regressor")
    data = prepare(ds, spec)
    data.y_train = np.full_like(data.y_train, 1e20)  # squared error 1e40: float32 overflows
    model = build_model(spec, 0)
    before = [w.copy() for w in model.get_weights()]
    result = train(model, data, spec, TrainConfig(epochs=3, batch_size=32, validation_split=0.0,
                                                  jit_compile=False), Recorder())
    assert result.reason == "nan" and "inf" in result.message
    assert result.epochs_done == 0
    for w, w0 in zip(model.get_weights(), before, strict=True):
        np.testing.assert_array_equal(w, w0)  # the weights from the start of the epoch


def test_training_error_is_reported_not_raised():
    ds = load_dataset("moons")
    spec = NetworkSpec((2,), [LayerSpec("Dense", {"units": 2, "activation": "softmax"})],
                       "sparse_categorical_crossentropy")
    data = prepare(ds, spec)
    data.y_train = data.y_train + 5  # labels out of range for 2 outputs
    result = train(build_model(spec, 0), data, spec, TrainConfig(epochs=1, jit_compile=False),
                   Recorder())
    assert result.reason in ("error", "nan") and result.message


def test_save_open_round_trip_and_spec_recovery(tmp_path):
    for name in ("mnist-cnn", "xor-3-4-1", "mnist-mlp-512"):
        spec = PRESETS[name].spec()
        spec.layers[0 if name != "mnist-cnn" else 1].params.update(activation="leaky_relu",
                                                                   alpha=0.15)
        model = build_model(spec, 0)
        from nngui.core.model.builder import compile_model

        compile_model(model, spec)
        path = save_model(model, tmp_path / f"{name}.keras")
        again = load_model(path)
        assert again.count_params() == model.count_params()
        recovered = spec_from_model(again)
        assert [lay.to_dict() for lay in recovered.layers] == [lay.to_dict()
                                                              for lay in spec.layers]
        assert recovered.loss == spec.loss and recovered.optimizer == spec.optimizer


def test_corrupt_model_files_raise_model_file_error(tmp_path):
    bad = tmp_path / "bad.keras"
    bad.write_bytes(b"not a zip at all")
    with pytest.raises(ModelFileError, match="not a Keras model"):
        load_model(bad)
    with pytest.raises(ModelFileError, match="No model file"):
        load_model(tmp_path / "missing.keras")
    good = save_model(build_model(PRESETS["xor-3-4-1"].spec(), 0), tmp_path / "good.keras")
    data = good.read_bytes()
    trunc = tmp_path / "trunc.keras"
    trunc.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError):
        load_model(trunc)


def test_seeded_batches_differ_per_epoch_and_repeat_run_to_run():
    from nngui.core.training.pipeline import epoch_batches

    x = np.arange(64, dtype=np.float32)[:, None]
    y = np.arange(64)

    def orders(seed):
        ds = epoch_batches(x, y, 8, seed)
        return [np.concatenate([b.numpy() for _, b in ds]).tolist() for _ in range(3)]

    first, again = orders(7), orders(7)
    assert first == again  # reproducible
    assert first[0] != first[1] != first[2]  # a new order every epoch
    assert all(sorted(o) == list(range(64)) for o in first)  # each sample once per epoch
    assert orders(8) != first


def test_batches_come_from_one_thread_without_autotuning():
    """With tf.data's autotuning about one epoch in four ran at half speed on 2 cores."""
    from nngui.core.training.pipeline import PREFETCH, epoch_batches

    x = np.arange(64, dtype=np.float32)[:, None]
    options = epoch_batches(x, np.arange(64), 8, 7).options()
    assert options.autotune.enabled is False
    assert options.threading.private_threadpool_size == 1
    assert PREFETCH >= 2  # the next batch is ready while a step runs
    on_gpu = epoch_batches(x, np.arange(64), 8, 7, device="gpu")  # the CPU only feeds it
    assert on_gpu.options().autotune.enabled is not False
    assert [b.numpy().tolist() for _, b in on_gpu] == \
        [b.numpy().tolist() for _, b in epoch_batches(x, np.arange(64), 8, 7)]


def test_training_on_the_cpu_uses_the_lean_pipeline(monkeypatch):
    import nngui.core.training.train as training

    seen = []
    real = training.epoch_batches

    def spy(*args, **kwargs):
        seen.append(real(*args, **kwargs).options().autotune.enabled)
        return real(*args, **kwargs)

    monkeypatch.setattr(training, "epoch_batches", spy)
    _moons_run(0)
    assert seen == [False]


def _moons_run(seed: int, probe_log: list | None = None):
    from sklearn.datasets import make_moons

    from nngui.core.data.adapt import Prepared

    xs, ys = make_moons(256, noise=0.2, random_state=0)
    data = Prepared(xs.astype(np.float32), ys, xs[:32].astype(np.float32), ys[:32], ys[:32])
    spec = NetworkSpec((2,), [LayerSpec("Dense", {"units": 8, "activation": "tanh"}),
                              LayerSpec("Dense", {"units": 2, "activation": "softmax"})],
                       "sparse_categorical_crossentropy", "sgd", 0.1)
    cfg = TrainConfig(epochs=4, batch_size=16, seed=seed, validation_split=0.0,
                      steps_per_execution=1, jit_compile=False, device="cpu")
    rec = Recorder()

    class Weights:
        name = "weights"

        def __call__(self, model):
            probe_log.append(threading.get_ident())
            return [w.copy() for w in model.get_weights()]

    probes = [Weights()] if probe_log is not None else []
    session = Session(spec)
    result = train(session.ensure_model(seed), data, spec, cfg, rec, probes=probes)
    return result, [p[1] for p in rec.points]


def test_a_seeded_run_is_reproducible_and_shuffles_each_epoch():
    """Keras 3 with set_random_seed replayed one batch order every epoch: the per-batch loss
    repeated the same saw-tooth. Now each epoch's order differs, and two runs agree."""
    a, losses_a = _moons_run(3)
    b, losses_b = _moons_run(3)
    assert a.history["loss"] == pytest.approx(b.history["loss"], rel=1e-6)
    assert losses_a == pytest.approx(losses_b, rel=1e-6)
    per_epoch = np.array(losses_a).reshape(4, 16)
    # the same order every epoch makes the batch-to-batch pattern repeat: its shape
    # (loss minus the epoch mean) would correlate almost perfectly between epochs
    shape = per_epoch - per_epoch.mean(axis=1, keepdims=True)
    corr = np.corrcoef(shape[2], shape[3])[0, 1]
    assert corr < 0.9


def test_probes_run_in_the_training_thread_after_each_epoch():
    calls: list[int] = []
    result = None

    def job():
        nonlocal result
        result, _ = _moons_run(1, calls)

    t = threading.Thread(target=job)
    t.start()
    t.join()
    assert result.reason == "finished"
    assert calls == [t.ident] * 4


def test_stop_mid_epoch_is_partial_and_counts_no_epoch():
    from nngui.core.data.adapt import Prepared

    x = np.random.default_rng(0).normal(size=(4000, 4)).astype(np.float32)
    y = (x.sum(axis=1) > 0).astype(np.int64)
    data = Prepared(x, y, x[:100], y[:100], y[:100])
    spec = NetworkSpec((4,), [LayerSpec("Dense", {"units": 2, "activation": "softmax"})],
                       "sparse_categorical_crossentropy")
    cfg = TrainConfig(epochs=10, batch_size=4, seed=0, validation_split=0.0,
                      steps_per_execution=1, jit_compile=False, device="cpu")
    event = threading.Event()

    class StopInSecondEpoch(Recorder):
        def on_batches(self, epoch, step, points, logs):
            super().on_batches(epoch, step, points, logs)
            if epoch == 1 and step >= 100:
                event.set()

    session = Session(spec)
    rec = StopInSecondEpoch()
    result = train(session.ensure_model(0), data, spec, cfg, rec, event)
    session.record(result)
    assert result.reason == "stopped" and result.epochs_done == 1
    assert 0.1 <= result.partial < 1.0
    assert result.history["epoch"] == [1.0, pytest.approx(1 + result.partial)]
    assert "Stopped in epoch 2 of 10" in result.message and "remaining 9" in result.message
    assert session.epochs_for_next_run(3) == 9  # Continue finishes the asked-for run


def test_a_loss_that_explodes_but_stays_finite_gets_the_nan_advice():
    """SGD with far too high a rate: the loss grows a thousandfold long before it overflows."""
    ds = load_dataset("regression")
    spec = NetworkSpec((1,), [LayerSpec("Dense", {"units": 1, "activation": "linear"})],
                       "mse", "sgd", 5.0, kind="regressor")
    data = prepare(ds, spec)
    model = build_model(spec, 0)
    result = train(model, data, spec, TrainConfig(epochs=20, batch_size=32,
                                                  validation_split=0.0), Recorder())
    assert result.reason == "nan" and not result.ok
    assert "The loss grew from" in result.message and "try 0.5" in result.message
    assert result.epochs_done < 20  # stopped at once, not after twenty epochs of nonsense
    assert all(np.isfinite(w).all() for w in model.get_weights())
    calm = NetworkSpec((1,), [LayerSpec("Dense", {"units": 1, "activation": "linear"})],
                       "mse", "sgd", 0.05, kind="regressor")
    healthy = train(build_model(calm, 0), data, calm,
                    TrainConfig(epochs=3, batch_size=32, validation_split=0.0), Recorder())
    assert healthy.reason == "finished"


def test_divergence_needs_a_thousandfold_rise_to_a_large_loss():
    from nngui.core.training.progress import diverging

    assert diverging(2.3, 2301.0) and diverging(0.5, 8.3e8)
    assert not diverging(2.3, 2299.0)  # a hundredfold spike can be noise
    assert not diverging(1e-6, 5.0)  # a near-zero first loss is no yardstick: needs > 10
    assert not diverging(None, 1e9) and not diverging(0.0, 1e9)


def test_a_run_sets_tensorflows_seed_only_where_it_differs(monkeypatch):
    """Setting TensorFlow's seed clears its kernel cache: each compiled function is then made
    anew at its next call (0.4 s for XOR's). A model's first run finds its build seed set."""
    from nngui.core.platform import runtime

    tf = runtime.tf()
    calls = []
    real = tf.random.set_seed
    monkeypatch.setattr(tf.random, "set_seed", lambda s: (calls.append(s), real(s))[1])
    p = get_preset("xor-3-4-1")
    spec, data = p.spec(), prepare(load_dataset("xor"), p.spec())
    cfg = TrainConfig(epochs=2, batch_size=4, validation_split=0.0, seed=5)
    model = build_model(spec, 5)
    assert calls == [5]
    first = train(model, data, spec, cfg)
    assert calls == [5]  # already 5: nothing cleared
    train(model, data, spec, cfg, initial_epoch=2)  # Continue draws from seed 5 + 2
    assert calls == [5, 7]
    real(123)  # someone else's seed: the run's own is set again, and the run repeats
    again = build_model(spec, 5)
    real(123)
    assert train(again, data, spec, cfg).history["loss"] == first.history["loss"]
    assert calls[-1] == 5


def test_the_keras_path_builds_the_optimizer_before_fit_traces_its_step():
    """Adam's slots made inside the first trace of the train function took ~0.3 s of the
    first batch-loss point at 784-512-512-10 (issue 27); made eagerly before fit they cost
    ~0.04 s. The run's numbers are the same either way (zeros, the same variables)."""
    from nngui.core.data.adapt import Prepared

    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    data = Prepared(x, y, x[:8], y[:8], y[:8])
    spec = NetworkSpec((3,), [LayerSpec("Dense", {"units": 4, "activation": "tanh"}),
                              LayerSpec("Dense", {"units": 2, "activation": "softmax"})],
                       "sparse_categorical_crossentropy", "adam", 0.01)
    cfg = TrainConfig(epochs=1, batch_size=16, seed=0, steps_per_execution=1,
                      jit_compile=False, device="cpu")  # steps_per_execution: Keras' fit
    model = build_model(spec, 0)
    built_at_fit = []
    real_fit = model.fit

    def fit(*args, **kwargs):
        built_at_fit.append(model.optimizer.built)
        return real_fit(*args, **kwargs)

    model.fit = fit
    result = train(model, data, spec, cfg, Recorder())
    assert result.reason == "finished", result.message
    assert built_at_fit == [True]
