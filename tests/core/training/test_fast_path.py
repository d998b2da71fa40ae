"""The fast path for small data (fast.py) trains exactly as Keras' fit does, only faster.

Many epochs run in one compiled call that calls the model's own ``train_step``; the property
test holds its weights and logs equal, within float rounding, to the Keras path
(``steps_per_execution=1`` keeps a run on ``fit``) and to plain ``model.fit`` fed the same
batch order, over random small dense networks, data, batch sizes, epochs and seeds.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nngui.core.data.adapt import Prepared, prepare
from nngui.core.data.datasets import load_dataset
from nngui.core.model.builder import build_model, compile_model
from nngui.core.model.fast_dropout import use_fast_dropout
from nngui.core.network.spec import LayerSpec, NetworkSpec, TrainConfig
from nngui.core.training import fast
from nngui.core.training.observer import Observer
from nngui.core.training.pipeline import epoch_orders, validation_batch
from nngui.core.training.presets import get_preset
from nngui.core.training.session import RunRequest, Session
from nngui.core.training.train import run_request, seed_run, train


class Recorder(Observer):
    def __init__(self) -> None:
        self.info, self.points, self.epochs, self.probes = None, [], [], []
        self.log: list[tuple] = []

    def on_begin(self, info) -> None:
        self.info = info

    def on_batches(self, epoch, step, points, logs) -> None:
        self.points.extend(points)

    def on_epoch(self, epoch, logs) -> None:
        self.epochs.append((epoch, dict(logs)))
        self.log.append(("epoch", epoch))

    def on_probe(self, name, epoch, payload) -> None:
        self.probes.append((name, epoch, payload))
        self.log.append((name, epoch))


TASKS = {  # loss, output units and activation, kind, how labels are made
    "sparse": ("sparse_categorical_crossentropy", 3, "softmax", "classifier"),
    "onehot": ("categorical_crossentropy", 3, "softmax", "classifier"),
    "binary": ("binary_crossentropy", 1, "sigmoid", "classifier"),
    "mse": ("mse", 2, "linear", "regressor"),
    "sse": ("sse", 1, "sigmoid", "classifier"),
}


def _spec(task: str, inputs: int, hidden: list[tuple[int, str]], dropout: float,
          optimizer: str, lr: float) -> NetworkSpec:
    loss, units, act, kind = TASKS[task]
    layers = []
    for width, activation in hidden:
        layers.append(LayerSpec("Dense", {"units": width, "activation": activation}))
        if dropout:
            layers.append(LayerSpec("Dropout", {"rate": dropout}))
    layers.append(LayerSpec("Dense", {"units": units, "activation": act}))
    return NetworkSpec((inputs,), layers, loss, optimizer, lr, kind=kind)


def _data(task: str, n: int, inputs: int, seed: int) -> Prepared:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, inputs)).astype(np.float32)
    labels = rng.integers(0, 3, n)
    y = {"sparse": labels, "onehot": np.eye(3, dtype=np.float32)[labels],
         "binary": (labels > 0).astype(np.float32)[:, None],
         "sse": (labels > 0).astype(np.float32)[:, None],
         "mse": rng.normal(size=(n, 2)).astype(np.float32)}[task]
    return Prepared(x, y, x[:4], y[:4], None)


def _plain_fit(spec: NetworkSpec, data: Prepared, cfg: TrainConfig) -> list[np.ndarray]:
    """Keras' own fit, an epoch a call, on the samples in the order the run draws them."""
    model = build_model(spec, cfg.seed)
    use_fast_dropout(model)
    compile_model(model, spec, steps_per_execution=1, jit_compile=False)
    n_val = int(len(data.x_train) * cfg.validation_split)
    n_fit = len(data.x_train) - n_val
    x, y = data.x_train[:n_fit], data.y_train[:n_fit]
    val = (data.x_train[n_fit:], data.y_train[n_fit:]) if n_val else None
    seed_run(cfg.seed)
    orders = iter(epoch_orders(n_fit, cfg.seed))
    for _ in range(cfg.epochs):
        idx = next(orders).numpy()
        model.fit(x[idx], y[idx], batch_size=cfg.batch_size, epochs=1, shuffle=False,
                  verbose=0, validation_data=val,
                  validation_batch_size=validation_batch(spec, cfg.batch_size))
    return model.get_weights()


def _run(spec, data, cfg, probes=()):
    model = build_model(spec, cfg.seed)
    rec = Recorder()
    result = train(model, data, spec, cfg, rec, probes=probes)
    return model, result, rec


def _close(a, b, what):
    for u, v in zip(a, b, strict=True):
        np.testing.assert_allclose(u, v, rtol=2e-4, atol=2e-5, err_msg=what)


def _engine(model) -> str:
    """Which loop trained ``model`` on the fast path: 'numpy' or 'tensorflow'."""
    loops = list(model.__dict__.get("_nngui_fast", {}).values())
    assert len(loops) == 1
    return "numpy" if isinstance(loops[0], fast.NumpyLoop) else "tensorflow"


@settings(max_examples=16, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(task=st.sampled_from(sorted(TASKS)), n=st.integers(1, 40), inputs=st.integers(1, 4),
       hidden=st.lists(st.tuples(st.integers(1, 6),
                                 st.sampled_from(["tanh", "relu", "sigmoid", "linear",
                                                  "leaky_relu"])),
                       min_size=0, max_size=2),
       dropout=st.sampled_from([0.0, 0.0, 0.3]),
       optimizer=st.sampled_from(["sgd", "adam", "rmsprop"]),
       lr=st.sampled_from([0.01, 0.05]), batch=st.integers(1, 44), epochs=st.integers(1, 3),
       split=st.sampled_from([0.0, 0.25]), seed=st.integers(0, 10_000),
       jit=st.sampled_from([None, False]), blank=st.sampled_from([0, 0, 1, 2]))
def test_the_fast_path_trains_as_keras_fit_does(task, n, inputs, hidden, dropout, optimizer,
                                                lr, batch, epochs, split, seed, jit, blank):
    """Either engine (jit_compile None: NumPy for a dense network without dropout; False:
    TensorFlow's compiled loop) trains as Keras does; also with ``blank`` inputs zero in
    every training sample (not in the validation ones), which NumPy's steps leave out
    (``numpy_compact.py``)."""
    spec = _spec(task, inputs, hidden, dropout, optimizer, lr)
    data = _data(task, n, inputs, seed)
    if n - int(n * split) < 1:
        split = 0.0
    data.x_train[:n - int(n * split), :blank] = 0
    cfg = TrainConfig(epochs=epochs, batch_size=batch, validation_split=split, seed=seed,
                      device="cpu", jit_compile=jit)
    model, result, rec = _run(spec, data, cfg)
    assert fast.why_not(spec, cfg, model, n - int(n * split), 1, []) == ""
    dropped = dropout and hidden  # a Dropout layer after each hidden one
    assert _engine(model) == ("numpy" if jit is None and not dropped else "tensorflow")
    assert result.reason == "finished", result.message
    keras_cfg = TrainConfig(**{**cfg.to_dict(), "steps_per_execution": 1})
    keras_model, keras_result, keras_rec = _run(spec, data, keras_cfg)
    assert keras_result.reason == "finished", keras_result.message
    _close(model.get_weights(), keras_model.get_weights(), "weights vs the Keras path")
    assert sorted(result.history) == sorted(keras_result.history)
    for key in result.history:
        if key != "epoch_time":
            _close([result.history[key]], [keras_result.history[key]], key)
    assert [p[0] for p in rec.points] == [p[0] for p in keras_rec.points]
    _close([[p[1] for p in rec.points]], [[p[1] for p in keras_rec.points]], "batch losses")
    assert [e for e, _ in rec.epochs] == list(range(epochs))
    _close(model.get_weights(), _plain_fit(spec, data, cfg), "weights vs plain model.fit")


@pytest.mark.parametrize("task, optimizer, params", [
    ("sparse", "adam", {}), ("onehot", "rmsprop", {}), ("binary", "sgd", {}),
    ("mse", "sgd", {"momentum": 0.9, "nesterov": False}),
    ("sse", "sgd", {"momentum": 0.5, "nesterov": True})])
def test_numpy_trains_each_loss_and_optimizer_as_keras_does(task, optimizer, params):
    """Every loss and optimizer NumPy's loop writes out, against Keras' path (the property
    test above draws them at random; this one never leaves one out)."""
    spec = _spec(task, 3, [(5, "tanh"), (4, "leaky_relu")], 0.0, optimizer, 0.05)
    spec.optimizer_params.update(params)
    data = _data(task, 37, 3, 5)
    cfg = TrainConfig(epochs=3, batch_size=8, validation_split=0.25, seed=5, device="cpu")
    model, result, rec = _run(spec, data, cfg)
    assert _engine(model) == "numpy" and result.reason == "finished", result.message
    keras_cfg = TrainConfig(**{**cfg.to_dict(), "steps_per_execution": 1})
    keras_model, keras_result, keras_rec = _run(spec, data, keras_cfg)
    _close(model.get_weights(), keras_model.get_weights(), "weights vs the Keras path")
    _close(model.optimizer.variables, keras_model.optimizer.variables, "optimizer state")
    for key in keras_result.history:
        if key != "epoch_time":
            _close([result.history[key]], [keras_result.history[key]], key)
    _close([[p[1] for p in rec.points]], [[p[1] for p in keras_rec.points]], "batch losses")


def test_numpy_trains_images_through_flatten_as_keras_does():
    spec = NetworkSpec((3, 4), [LayerSpec("Flatten", {}),
                                LayerSpec("Dense", {"units": 5, "activation": "relu"}),
                                LayerSpec("Dense", {"units": 3, "activation": "softmax"})],
                       "sparse_categorical_crossentropy", "adam", 0.05)
    rng = np.random.default_rng(3)
    x = rng.normal(size=(30, 3, 4)).astype(np.float32)
    x[:24, 0] = 0  # the training images' top row is blank: NumPy's steps leave it out
    y = rng.integers(0, 3, 30)
    data = Prepared(x, y, x[:4], y[:4], None)
    cfg = TrainConfig(epochs=2, batch_size=7, validation_split=0.2, seed=2, device="cpu")
    model, result, _ = _run(spec, data, cfg)
    assert _engine(model) == "numpy" and result.reason == "finished", result.message
    keras_model, keras_result, _ = _run(
        spec, data, TrainConfig(**{**cfg.to_dict(), "steps_per_execution": 1}))
    _close(model.get_weights(), keras_model.get_weights(), "weights vs the Keras path")
    _close([result.history["val_loss"]], [keras_result.history["val_loss"]], "val_loss")


def _moons(n_fit: int = 240):
    spec = NetworkSpec((2,), [LayerSpec("Dense", {"units": 8, "activation": "tanh"}),
                              LayerSpec("Dense", {"units": 2, "activation": "softmax"})],
                       "sparse_categorical_crossentropy", "adam", 0.02)
    ds = load_dataset("moons")
    data = prepare(ds, spec)
    data.x_train, data.y_train = data.x_train[:n_fit], data.y_train[:n_fit]
    return spec, data


ENGINES = [pytest.param(None, id="numpy"), pytest.param(False, id="tensorflow")]


def _loop_class(jit):
    return fast.NumpyLoop if jit is None else fast._Loop


@pytest.mark.parametrize("jit", ENGINES)
def test_a_long_run_of_tiny_epochs_takes_few_calls_and_keeps_every_epoch(jit):
    spec, data = _moons()
    cfg = TrainConfig(epochs=60, batch_size=32, seed=1, jit_compile=jit)
    calls = []
    cls = _loop_class(jit)
    real = cls.__call__

    def spy(self, perms, k, *args):
        calls.append(int(k))
        return real(self, perms, k, *args)

    mp = pytest.MonkeyPatch()
    mp.setattr(cls, "__call__", spy)
    try:
        model, result, rec = _run(spec, data, cfg)
    finally:
        mp.undo()
    assert _engine(model) == ("numpy" if jit is None else "tensorflow")
    assert result.reason == "finished" and result.epochs_done == 60
    assert calls[0] == 1 and sum(calls) == 60 and len(calls) < 60  # whole epochs a call
    assert [e for e, _ in rec.epochs] == list(range(60))
    assert result.history["epoch"] == [float(e + 1) for e in range(60)]
    assert len(result.history["val_loss"]) == 60 and np.isfinite(result.history["val_loss"]).all()
    steps = -(-216 // 32)
    assert int(model.optimizer.iterations.numpy()) == 60 * steps
    assert [p[0] for p in rec.points] == list(range(1, 60 * steps + 1))


class Picture:
    """A probe without ``from_epoch``: called between calls, on a time budget."""

    name = "picture"

    def __init__(self) -> None:
        self.threads: list[int] = []

    def __call__(self, model):
        self.threads.append(threading.get_ident())
        return [w.copy() for w in model.get_weights()]


@pytest.mark.parametrize("jit", ENGINES)
def test_epoch_probes_report_every_epoch_and_pictures_at_least_at_the_end(jit):
    from nngui.core.insight.layer_stats import EvalSubsetProbe
    from nngui.core.insight.probes import LearningRateProbe

    spec, data = _moons()
    if jit is False:  # the rate changes every batch: each epoch's own (NumPy: no schedules)
        spec.optimizer_params["decay"] = 0.01
    cfg = TrainConfig(epochs=40, batch_size=32, seed=2, jit_compile=jit)
    tests = EvalSubsetProbe(data.x_test[:150], data.y_test[:150], len(data.x_test))
    picture = Picture()
    probes = [LearningRateProbe(), tests, picture]
    model, result, rec = _run(spec, data, cfg, probes)
    assert _engine(model) == ("numpy" if jit is None else "tensorflow")
    keras_cfg = TrainConfig(**{**cfg.to_dict(), "steps_per_execution": 1})
    keras_model, _, keras_rec = _run(spec, data, keras_cfg, probes)

    def per_epoch(r, name):
        return [(e, p) for n, e, p in r.probes if n == name]

    for name in ("learning_rate", "test_curve"):
        ours, theirs = per_epoch(rec, name), per_epoch(keras_rec, name)
        assert [e for e, _ in ours] == [e for e, _ in theirs] == list(range(40))
        for (_, a), (_, b) in zip(ours, theirs, strict=True):
            a = a["logs"] if name == "test_curve" else a
            b = b["logs"] if name == "test_curve" else b
            assert a == pytest.approx(b, rel=1e-4, abs=1e-6)
    shots = per_epoch(rec, "picture")
    assert shots[-1][0] == 39 and len(shots) < 40  # the end, and not every tiny epoch
    assert [e for e, _ in shots] == sorted({e for e, _ in shots})
    _close(shots[-1][1], model.get_weights(), "the last picture shows the final weights")
    assert set(picture.threads) == {threading.get_ident()}
    # an epoch's test values come right after that epoch's logs, as on Keras' path
    for e in range(40):
        i = rec.log.index(("epoch", e))
        assert rec.log[i + 1:i + 3] == [("learning_rate", e), ("test_curve", e)]


@pytest.mark.parametrize("jit", ENGINES)
def test_a_long_toy_run_draws_its_pictures_every_few_epochs(jit):
    """With picture probes a call holds at most ~1/FRAMES of the run (at least 4 epochs), and
    pictures are drawn between calls: the live pictures of a 150-epoch run came at epochs 1,
    5, 21, 85 and 150 when a call was sized by time alone, and its replay kept five. (Which
    calls get pictures also follows their time budget, so the calls are what is counted.)"""

    class Calls(Recorder):
        def __init__(self) -> None:
            super().__init__()
            self.ends: list[int] = []

        def on_batches(self, epoch, step, points, logs) -> None:
            super().on_batches(epoch, step, points, logs)
            self.ends.append(epoch)  # a call's last epoch (one bundle a call)

    spec, data = _moons()
    cfg = TrainConfig(epochs=150, batch_size=64, seed=3, jit_compile=jit)
    model = build_model(spec, cfg.seed)
    rec = Calls()
    result = train(model, data, spec, cfg, rec, probes=[Picture()])
    assert result.reason == "finished", result.message
    most = max(4, -(-150 // fast.FRAMES))
    assert rec.ends[-1] == 149 and len(rec.ends) >= 150 // most
    assert int(np.diff([-1, *rec.ends]).max()) <= most
    shots = [e for n, e, _ in rec.probes if n == "picture"]
    assert shots[-1] == 149 and set(shots) <= set(rec.ends)
    # without a picture probe a call is sized by time alone: fewer, longer calls
    plain = Calls()
    train(build_model(spec, cfg.seed), data, spec, cfg, plain)
    assert len(plain.ends) < len(rec.ends)


def test_which_runs_take_the_fast_path():
    from nngui.core.training.callbacks import make_callbacks

    spec, data = _moons()
    model = compile_model(build_model(spec, 0), spec)
    cfg = TrainConfig(epochs=5)

    def why(c=cfg, n=240, copies=1, m=model):
        return fast.why_not(spec, c, m, n, copies, make_callbacks(c, spec, c.epochs))

    assert why() == ""
    assert "samples" in why(n=fast.MAX_SAMPLES + 1)
    big = NetworkSpec((2,), [LayerSpec("Dense", {"units": 400}), LayerSpec("Dense",
                                                                            {"units": 400}),
                             LayerSpec("Dense", {"units": 2, "activation": "softmax"})],
                      "sparse_categorical_crossentropy")
    assert "parameters" in why(m=compile_model(build_model(big, 0), big))
    assert "steps_per_execution" in why(TrainConfig(steps_per_execution=2))
    assert "devices" in why(copies=2)
    assert "compiled" in why(m=build_model(spec, 0))
    for option in ({"early_stopping_patience": 2}, {"reduce_lr_patience": 2},
                   {"lr_schedule": "cosine"}, {"checkpoint_path": "/tmp/x.keras"}):
        assert "callbacks" in why(TrainConfig(**option))


def test_numpy_trains_unless_xla_is_compiled_ahead_or_cheaper():
    spec, data = _moons()
    model = compile_model(build_model(spec, 0), spec)

    def how(cfg, n=720, ahead=False, m=model):
        got = fast.plan(spec, cfg, m, n, 80, 1, [], 1, ahead=ahead)
        return "numpy" if got.numpy else "xla" if got.xla else "graph"

    moons = TrainConfig(epochs=300, batch_size=16)  # XLA's compile pays against the graph
    assert fast.use_xla(spec, moons, 720, 80)
    assert how(moons) == "numpy"  # ... but NumPy's 13,500 steps cost less than the compile
    assert how(moons, ahead=True) == "xla"  # the window compiles it before the click
    assert how(TrainConfig(epochs=3000, batch_size=16)) == "xla"  # 135,000 steps: XLA's
    assert how(TrainConfig(epochs=20, batch_size=16)) == "numpy"  # XLA would not pay
    assert how(TrainConfig(epochs=20, batch_size=16), ahead=True) == "numpy"
    assert how(TrainConfig(epochs=300, batch_size=16, jit_compile=False)) == "graph"
    assert how(TrainConfig(epochs=20, batch_size=16, jit_compile=True)) == "xla"
    # an earlier run of this model compiled XLA's loop: Train from scratch reuses it
    trained, _, _ = _run(spec, data, TrainConfig(epochs=1, batch_size=16, jit_compile=True))
    assert how(moons, m=trained) == "xla"
    dropout = _spec("sparse", 2, [(4, "relu")], 0.3, "adam", 0.01)
    dropped = compile_model(build_model(dropout, 0), dropout)
    assert not fast.plan(dropout, TrainConfig(epochs=20, batch_size=16), dropped, 720, 80, 1,
                         [], 1).numpy


def test_xla_only_where_its_compile_pays():
    spec, _ = _moons()
    xor = get_preset("xor-3-4-1")
    assert not fast.use_xla(xor.spec(), xor.train_config(), 4, 0)  # 150 steps: no
    assert fast.use_xla(spec, TrainConfig(epochs=300, batch_size=16), 720, 80)  # 13,500: yes
    assert not fast.use_xla(spec, TrainConfig(epochs=300, batch_size=16, jit_compile=False),
                            720, 80)
    cnn = get_preset("mnist-cnn").spec()
    assert not fast.use_xla(cnn, TrainConfig(epochs=300, batch_size=16), 720, 0)


def test_an_xla_run_trains_as_keras_fit_does():
    spec, data = _moons(100)
    cfg = TrainConfig(epochs=3, batch_size=16, seed=4, jit_compile=True)  # 90/16: a partial
    model, result, rec = _run(spec, data, cfg)
    assert rec.info.jit_compile and result.reason == "finished"
    keras_cfg = TrainConfig(**{**cfg.to_dict(), "steps_per_execution": 1, "jit_compile": False})
    keras_model, keras_result, _ = _run(spec, data, keras_cfg)
    _close(model.get_weights(), keras_model.get_weights(), "XLA weights vs the Keras path")
    _close([result.history["val_loss"]], [keras_result.history["val_loss"]], "val_loss")


def _blowing_up(hidden: int, lr: float, scale: float):
    ds = load_dataset("regression")
    layers = [LayerSpec("Dense", {"units": hidden, "activation": "relu"})] if hidden else []
    spec = NetworkSpec((1,), [*layers, LayerSpec("Dense", {"units": 1, "activation": "linear"})],
                       "mse", "sgd", lr, kind="regressor")
    data = prepare(ds, spec)
    data.x_train = data.x_train * scale
    return spec, data


@pytest.mark.parametrize("hidden, lr, scale, reason", [(16, 1e6, 1e3, "NaN"),
                                                       (0, 5.0, 1.0, "grew")])
def test_nan_and_divergence_end_the_run_as_on_keras_path(hidden, lr, scale, reason):
    spec, data = _blowing_up(hidden, lr, scale)
    outcomes = []
    for spe in (0, 1):  # the fast path, then Keras' fit
        cfg = TrainConfig(epochs=20, batch_size=32, validation_split=0.0, seed=0,
                          steps_per_execution=spe)
        model, result, rec = _run(spec, data, cfg)
        outcomes.append((result, model.get_weights(), rec))
    (fast_r, fast_w, fast_rec), (keras_r, keras_w, _) = outcomes
    assert fast_r.reason == keras_r.reason == "nan"
    assert reason in fast_r.message and fast_r.message == keras_r.message
    assert fast_r.epochs_done == keras_r.epochs_done < 20
    assert all(np.isfinite(w).all() for w in fast_w)
    _close(fast_w, keras_w, "the weights kept")
    assert len(fast_r.history["loss"]) == fast_r.epochs_done == len(fast_rec.epochs)


@pytest.mark.parametrize("jit", ENGINES)
def test_stop_ends_the_run_between_calls_with_whole_validated_epochs(jit):
    spec, data = _moons()
    session = Session(spec)
    cfg = TrainConfig(epochs=400, batch_size=32, seed=0, jit_compile=jit)
    stop = threading.Event()

    class StopAfterFiveEpochs(Recorder):
        def on_epoch(self, epoch, logs) -> None:
            super().on_epoch(epoch, logs)
            if epoch == 4:
                stop.set()

    rec = StopAfterFiveEpochs()
    result = run_request(RunRequest(session, data, cfg), rec, stop)
    done = result.epochs_done
    assert result.reason == "stopped" and 5 <= done < 400 and not result.partial
    assert len(result.history["val_loss"]) == done and np.isfinite(result.history["val_loss"]).all()
    assert [e for e, _ in rec.epochs] == list(range(done))
    steps = -(-216 // 32)
    assert int(session.model.optimizer.iterations.numpy()) == done * steps
    assert f"Continue trains the remaining {400 - done}" in result.message
    assert _engine(session.model) == ("numpy" if jit is None else "tensorflow")
    again = run_request(RunRequest(session, data, cfg).for_next_run(), Observer())
    assert again.reason == "finished" and session.epochs_done == 400
    assert int(session.model.optimizer.iterations.numpy()) == 400 * steps


@pytest.mark.parametrize("jit", ENGINES)
def test_a_call_the_run_walked_away_from_is_undone(jit):
    """Stop during a call that outlasts abandon's grace: the run returns what it reported;
    the call, when it ends, puts the weights and optimizer state back as they were."""
    spec, data = _moons()
    session = Session(spec)
    cfg = TrainConfig(epochs=50, batch_size=32, seed=0, jit_compile=jit)
    stop, entered, release = threading.Event(), threading.Event(), threading.Event()
    cls = _loop_class(jit)
    real, count = cls.__call__, [0]

    def blocking(self, *args):
        count[0] += 1
        if count[0] == 2:
            entered.set()
            assert release.wait(60)
        return real(self, *args)

    mp = pytest.MonkeyPatch()
    mp.setattr(cls, "__call__", blocking)
    box = {}
    worker = threading.Thread(target=lambda: box.setdefault(
        "r", run_request(RunRequest(session, data, cfg), Observer(), stop)))
    try:
        worker.start()
        assert entered.wait(120)
        stop.set()
        worker.join(30)
        returned = not worker.is_alive()
    finally:
        release.set()
        worker.join()
        mp.undo()
    assert returned
    result = box["r"]
    assert result.reason == "stopped" and result.epochs_done == 1
    from nngui.core.platform import abandon

    assert abandon.wait_until_free(session.model)
    steps = -(-216 // 32)
    assert int(session.model.optimizer.iterations.numpy()) == steps  # the one epoch reported
