"""Hands on a running run (controls.py): a learning rate or momentum change lands on the next
batch the run trains and is kept in the session; Pause holds, Step trains one batch or one
epoch, Stop ends a paused run. Both on Keras' fit path and on the fast path for small data.
"""

from __future__ import annotations

import math
import threading

import numpy as np
import pytest

from nngui.core.data.adapt import Prepared
from nngui.core.model.builder import build_model, compile_model
from nngui.core.network.spec import LayerSpec, NetworkSpec, TrainConfig
from nngui.core.training import controls as ctl
from nngui.core.training.controls import Change, Controls
from nngui.core.training.observer import Observer
from nngui.core.training.session import RunRequest, Session, optimizer_key
from nngui.core.training.train import run_request, train


def _spec(optimizer: str = "sgd", lr: float = 0.05, momentum: float = 0.0) -> NetworkSpec:
    params = {"momentum": momentum, "nesterov": False} if optimizer == "sgd" else {}
    return NetworkSpec((2,), [LayerSpec("Dense", {"units": 4, "activation": "tanh"}),
                              LayerSpec("Dense", {"units": 1, "activation": "sigmoid"})],
                       "binary_crossentropy", optimizer, lr, optimizer_params=params)


def _data(n: int = 64, seed: int = 0) -> Prepared:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2)).astype(np.float32)
    y = (x[:, :1] * x[:, 1:] > 0).astype(np.float32)
    return Prepared(x, y, x[:8], y[:8], None)


class Reader(Observer):
    """Reads the optimizer's values after every batch, in the training thread (its owner),
    and turns the controls where a test says."""

    def __init__(self, model, controls: Controls, act=None) -> None:
        self.model, self.controls, self.act = model, controls, act
        self.seen: list[tuple[int, float, float]] = []  # (global step, lr, momentum)
        self.events: list[tuple] = []

    def on_batches(self, epoch, step, points, logs) -> None:
        opt = self.model.optimizer
        for gstep, _ in points:
            mom = ctl.read(opt, "momentum") if hasattr(opt, "momentum") else 0.0
            self.seen.append((gstep, ctl.read(opt, "learning_rate"), mom))
            if self.act is not None:
                self.act(self, gstep)

    def on_epoch(self, epoch, logs) -> None:
        self.events.append(("epoch", epoch))

    def on_control(self, kind, payload) -> None:
        self.events.append((kind, payload))


def _fit_path(epochs: int = 2) -> TrainConfig:  # one batch a call: Keras' fit
    return TrainConfig(epochs=epochs, batch_size=16, seed=1, device="cpu",
                       steps_per_execution=1)


def test_a_learning_rate_change_lands_on_the_next_batch_on_the_fit_path():
    spec, controls = _spec(lr=0.05), Controls()
    model = build_model(spec, 1)

    def act(reader, gstep):
        if gstep == 3:
            assert controls.request("learning_rate", 0.5) == ""

    reader = Reader(model, controls, act)
    result = train(model, _data(), spec, _fit_path(), reader, flush_interval=0.0,
                   controls=controls)
    assert result.reason == "finished", result.message
    lrs = {g: lr for g, lr, _ in reader.seen}
    assert lrs[3] == pytest.approx(0.05) and lrs[4] == pytest.approx(0.5)
    assert controls.changes == [Change(0, 3, "learning_rate", 0.5, 4)]
    assert ("changed", (Change(0, 3, "learning_rate", 0.5, 4), "")) in reader.events
    assert float(model.optimizer.learning_rate.numpy()) == pytest.approx(0.5)


def test_a_momentum_change_reaches_the_compiled_step():
    """SGD's momentum is a float Keras reads when it traces the step: the change must reach
    the step itself, so the weights after it equal a run that had that momentum."""
    spec, data = _spec(lr=0.1, momentum=0.9), _data()
    cfg = TrainConfig(epochs=1, batch_size=16, seed=1, device="cpu", steps_per_execution=1)

    def run(change: bool):
        controls = Controls()
        model = build_model(spec, 1)
        if change:
            controls.request("momentum", 0.0)  # before the first batch: the whole run
        reader = Reader(model, controls)
        result = train(model, data, spec, cfg, reader, flush_interval=0.0, controls=controls)
        assert result.reason == "finished", result.message
        return model, reader

    changed, reader = run(True)
    assert all(m == pytest.approx(0.0) for _, _, m in reader.seen)
    plain = build_model(_spec(lr=0.1, momentum=0.0), 1)
    train(plain, data, _spec(lr=0.1, momentum=0.0), cfg, Observer())
    kept, _ = run(False)
    for a, b in zip(changed.get_weights(), plain.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert any(not np.allclose(a, b) for a, b in
               zip(changed.get_weights(), kept.get_weights(), strict=True))
    assert changed.optimizer.get_config()["momentum"] == pytest.approx(0.0)  # saved as is


def test_the_live_momentum_step_is_keras_sgd():
    """The update that reads momentum from a variable is Keras' SGD update (with Nesterov)."""
    data = _data()
    for nesterov in (False, True):
        spec = NetworkSpec((2,), _spec().layers, "binary_crossentropy", "sgd", 0.1,
                           optimizer_params={"momentum": 0.8, "nesterov": nesterov})
        ours = build_model(spec, 3)
        compile_model(ours, spec)
        assert ctl.make_live(ours.optimizer)
        theirs = build_model(spec, 3)
        compile_model(theirs, spec)
        for model in (ours, theirs):
            model.fit(data.x_train, data.y_train, batch_size=16, epochs=2, shuffle=False,
                      verbose=0)
        for a, b in zip(ours.get_weights(), theirs.get_weights(), strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


class EpochLr:
    """A probe that takes each epoch's learning rate as the fast path read it in its call."""

    name = "lr"

    def __call__(self, model):
        return float(model.optimizer.learning_rate.numpy())

    def from_epoch(self, values):
        return values["learning_rate"]


def test_a_learning_rate_change_lands_between_calls_on_the_fast_path():
    spec, controls = _spec(lr=0.05), Controls()
    model = build_model(spec, 1)

    class Asker(Reader):
        def on_epoch(self, epoch, logs):
            super().on_epoch(epoch, logs)
            if epoch == 0:
                controls.request("learning_rate", 0.2)

        def on_probe(self, name, epoch, payload):
            self.events.append((name, epoch, payload))

    reader = Asker(model, controls)
    cfg = TrainConfig(epochs=4, batch_size=16, seed=1, device="cpu")
    result = train(model, _data(), spec, cfg, reader, controls=controls, probes=[EpochLr()])
    assert reader.seen and result.reason == "finished", result.message
    read = [p for n, *p in (e for e in reader.events if e[0] == "lr")]
    assert read == [[0, pytest.approx(0.05)], [1, pytest.approx(0.2)], [2, pytest.approx(0.2)],
                    [3, pytest.approx(0.2)]]
    assert controls.changes == [Change(1, 0, "learning_rate", 0.2, 4)]


def test_changes_join_the_session_and_a_restart_forgets_them():
    spec, controls = _spec(lr=0.05), Controls()
    session = Session(spec)
    controls.request("learning_rate", 0.01)
    req = RunRequest(session, _data(), _fit_path(1), controls=controls)
    assert run_request(req, Observer()).ok
    assert session.changes == [Change(0, 0, "learning_rate", 0.01, 4)]
    session.ensure_model(1, restart=True)
    assert session.changes == []


def test_a_schedule_refuses_a_hand_set_rate_in_words():
    spec = NetworkSpec((2,), _spec().layers, "binary_crossentropy", "sgd", 0.1,
                       optimizer_params={"momentum": 0.0, "nesterov": False, "decay": 0.01})
    model = build_model(spec, 1)
    compile_model(model, spec)
    assert "schedule" in ctl.apply(model.optimizer, "learning_rate", 0.3)
    assert "without momentum" in ctl.apply(model.optimizer, "momentum", 0.5)
    assert Controls().request("learning_rate", -1.0).startswith("The learning rate must be")
    assert Controls().request("learning_rate", float("nan")) != ""


def _held_run(cfg: TrainConfig, script) -> tuple[list[tuple], object]:
    """Train with Pause before the first batch; ``script(controls, n)`` answers the n-th pause
    (in another thread, as the GUI would)."""
    spec, controls = _spec(), Controls()
    model = build_model(spec, 1)
    stop = threading.Event()
    controls.pause()
    count = [0]

    class Answer(Reader):
        def on_control(self, kind, payload):
            super().on_control(kind, payload)
            if kind == "paused":
                count[0] += 1
                n = count[0]
                threading.Timer(0.02, lambda: script(controls, n, stop)).start()

    reader = Answer(model, controls)
    result = train(model, _data(), spec, cfg, reader, stop_event=stop, flush_interval=0.0,
                   controls=controls)
    return reader.events, result, reader


def test_pause_holds_step_trains_one_batch_and_resume_goes_on():
    def script(controls, n, stop):
        if n <= 3:
            controls.step("batch")
        else:
            controls.resume()

    events, result, reader = _held_run(_fit_path(1), script)
    assert result.reason == "finished", result.message
    paused = [p for k, p in events if k == "paused"]
    assert paused == [(0, 0, False), (0, 1, False), (0, 2, False), (0, 3, False)]
    assert [g for g, *_ in reader.seen] == [1, 2, 3, 4]
    assert sum(k == "resumed" for k, _ in events) == 4


def test_step_one_epoch_and_stop_while_paused():
    def script(controls, n, stop):
        if n == 1:
            controls.step("epoch")
        else:
            stop.set()  # Stop while paused: the run ends there, nothing more trained

    events, result, reader = _held_run(_fit_path(3), script)
    assert result.reason == "stopped"
    assert [p for k, p in events if k == "paused"] == [(0, 0, False), (1, 0, False)]
    assert [g for g, *_ in reader.seen] == [1, 2, 3, 4]  # epoch 0's four batches, no more
    assert result.epochs_done == 1


def test_the_fast_path_pauses_and_steps_whole_epochs():
    def script(controls, n, stop):
        if n <= 2:
            controls.step("batch")  # the smallest call here is an epoch
        else:
            stop.set()

    events, result, _ = _held_run(TrainConfig(epochs=5, batch_size=16, seed=1,
                                              device="cpu"), script)
    assert result.reason == "stopped", result.message
    assert [p for k, p in events if k == "paused"] == [(0, 0, True), (1, 0, True),
                                                       (2, 0, True)]
    assert [e for k, e in events if k == "epoch"] == [0, 1]
    assert result.epochs_done == 2


def test_changes_read_back_from_a_file_are_checked():
    good = [Change(0, 3, "learning_rate", 0.5, 8).as_list(), [2, 0, "momentum", 0.0]]
    assert ctl.changes_from(good) == [Change(0, 3, "learning_rate", 0.5, 8),
                                      Change(2, 0, "momentum", 0.0)]
    assert Change(0, 3, "learning_rate", 0.5, 8).x == 3 / 8
    for bad in ({}, [[0, 1, "lr", 0.1]], [[0, -1, "momentum", 0.1]], [[0, 1, "momentum", 2.0]],
                [[0, 1, "learning_rate"]], [[True, 1, "learning_rate", 0.1]]):
        with pytest.raises(ValueError):
            ctl.changes_from(bad)


def test_weights_set_by_hand_while_paused_land_in_the_model_and_the_probes():
    """The training thread holds the model while paused: it sets the weights asked for, calls
    every probe with them and reports the matrices as the model holds them."""
    from nngui.core.model.dense_weights import matrices

    spec, controls = _spec(), Controls()
    model = build_model(spec, 1)
    stop = threading.Event()
    controls.pause()
    seen: list[tuple] = []

    class Probe:
        name = "first"

        def __call__(self, model):
            return float(model.layers[0].kernel.numpy()[0, 0])

    class Answer(Observer):
        def on_control(self, kind, payload):
            seen.append((kind, payload))
            if kind == "paused":
                threading.Timer(0.02, lambda: controls.request_weights(
                    {(0, 0, 0): 5.0, (0, 2, 1): -3.0})).start()
            elif kind == "weights" and payload[0][0, 0] == 5.0:
                controls.resume()

        def on_probe(self, name, epoch, payload):
            seen.append((name, payload))

    guard = threading.Timer(30.0, stop.set)  # an edit that never lands fails, not hangs
    guard.start()
    result = train(model, _data(), spec, _fit_path(1), Answer(), stop_event=stop,
                   flush_interval=0.0, controls=controls, probes=[Probe()])
    guard.cancel()
    assert result.reason == "finished", result.message
    kinds = [k for k, _ in seen]
    first_weights = kinds.index("weights")  # on the pause: the weights as they were
    assert seen[first_weights][1][0][0, 0] != 5.0
    edited = next(p for k, p in seen[first_weights + 1:] if k == "weights")
    assert edited[0][0, 0] == 5.0 and edited[0][2, 1] == -3.0  # bias of unit 2: row n_in
    assert ("first", 5.0) in seen  # the probes saw the edited weights before it trained on
    assert matrices(model)[0][0, 0] != 5.0  # then the run trained on from them


def test_an_opened_model_trains_on_with_the_rate_its_live_changes_left(tmp_path):
    """Save, reopen, Continue: the run trains with the learning rate the live change left
    (what the Train tab's LR box shows for the session), not the builder's, as it would have
    without the save."""
    from nngui.core.model.saving import load_model, save_model

    spec, controls = _spec(lr=0.05), Controls()
    session = Session(spec)
    controls.request("learning_rate", 0.01)
    assert run_request(RunRequest(session, _data(), _fit_path(1), controls=controls),
                       Observer()).ok
    assert ctl.last_values(session.changes) == {"learning_rate": 0.01}
    opened = Session(spec)  # what a project's restore makes of it
    opened.model = load_model(save_model(session.model, tmp_path / "m.keras"))
    opened.epochs_done, opened.history = session.epochs_done, dict(session.history)
    opened.changes = list(session.changes)
    opened.trained_with = optimizer_key(spec)  # a restore says what it was trained with
    reader = Reader(opened.model, Controls())
    assert run_request(RunRequest(opened, _data(), _fit_path(1), controls=reader.controls),
                       reader).ok
    assert [lr for _, lr, _ in reader.seen] == [pytest.approx(0.01)] * 4


def test_a_run_says_the_rate_it_starts_with_read_from_its_optimizer():
    """After a live change to 0.01, a rate of 0.2 set in the builder applies to the next run
    (the model is compiled again); the LR box kept saying 0.01. The run now sends the values
    its optimizer starts with ("values"), which the box shows."""
    import dataclasses

    spec, controls = _spec(lr=0.05), Controls()
    session = Session(spec)
    controls.request("learning_rate", 0.01)
    assert run_request(RunRequest(session, _data(), _fit_path(1), controls=controls),
                       Observer()).ok
    session.spec = dataclasses.replace(spec, learning_rate=0.2)  # the builder's new rate
    reader = Reader(session.model, Controls())
    assert run_request(RunRequest(session, _data(), _fit_path(1), controls=reader.controls),
                       reader).ok
    values = [p for k, p in reader.events if k == "values"]
    assert values == [{"learning_rate": pytest.approx(0.2)}]
    assert [lr for _, lr, _ in reader.seen] == [pytest.approx(0.2)] * 4


def test_the_next_run_starts_with_the_live_rate_until_the_builders_settings_change():
    """What the idle LR box shows (``Session.start_values``) is what the next run starts with:
    the live change's 0.01 while the builder's settings are the ones the model trained with,
    also when a new batch size compiles the model anew; the builder's 0.2 once its rate
    changed (the compile starts a fresh optimizer with it)."""
    import dataclasses

    spec, controls = _spec(lr=0.05), Controls()
    session = Session(spec)
    assert session.start_values() == {}
    controls.request("learning_rate", 0.01)
    assert run_request(RunRequest(session, _data(), _fit_path(1), controls=controls),
                       Observer()).ok
    assert session.start_values() == {"learning_rate": 0.01}
    wider = dataclasses.replace(_fit_path(1), batch_size=32, steps_per_execution=2)
    reader = Reader(session.model, Controls())
    assert run_request(RunRequest(session, _data(), wider, controls=reader.controls),
                       reader).ok  # compiled again (two steps a call): the live rate stays
    assert [p for k, p in reader.events if k == "values"] == \
        [{"learning_rate": pytest.approx(0.01)}]
    session.spec = dataclasses.replace(spec, learning_rate=0.2)  # the builder's new rate
    assert session.start_values() == {}
    session.spec = spec  # and back: the model's settings again
    assert session.start_values() == {"learning_rate": 0.01}


def test_lr_path_names_every_rate_a_run_had():
    lr = "learning_rate"
    assert ctl.lr_path(0.05, []) == "lr 0.05"
    assert ctl.lr_path(0.05, [Change(0, 3, lr, 0.01, 20), Change(0, 9, "momentum", 0.5, 20),
                              Change(2, 0, lr, 0.003, 20)]) == "lr 0.05→0.01→0.003"
    assert ctl.lr_path(0.05, [Change(0, 3, lr, 0.05, 20)]) == "lr 0.05"  # no change at all
    many = [Change(i, 0, lr, 0.1 / (i + 2), 20) for i in range(4)]
    assert ctl.lr_path(0.1, many) == "lr 0.1→…→0.02"


def test_a_run_keeps_the_rate_each_epoch_ended_with_on_both_paths():
    """history["learning_rate"]: saved with the session, what an opened model's LR plot
    draws. The fit path and the fast path for small data both keep it, a live change too."""
    import dataclasses

    for cfg in (_fit_path(3), dataclasses.replace(_fit_path(3), steps_per_execution=0)):
        controls = Controls()
        session = Session(_spec(lr=0.05))
        assert run_request(RunRequest(session, _data(), cfg, controls=controls), Observer()).ok
        assert session.history["learning_rate"] == [pytest.approx(0.05)] * 3
        controls = Controls()
        controls.request("learning_rate", 0.01)
        assert run_request(RunRequest(session, _data(), cfg, controls=controls), Observer()).ok
        assert session.history["learning_rate"] == [pytest.approx(0.05)] * 3 + \
            [pytest.approx(0.01)] * 3


def test_epoch_rates_are_measured_or_derived_from_a_constant_rate():
    lr = "learning_rate"
    measured = {"epoch": [1.0, 2.0, 3.0], lr: [0.05, 0.01, 0.01], "loss": [1, 1, 1]}
    assert ctl.epoch_rates(measured, 0.05, [], constant=True) == \
        ([1.0, 2.0, 3.0], [0.05, 0.01, 0.01], False)
    older = {"epoch": [1.0, 2.0, 2.5, 3.5], "loss": [1, 1, 1, 1]}  # a file from before
    changes = [Change(1, 5, lr, 0.01, 10), Change(2, 0, "momentum", 0.5, 10)]
    assert ctl.epoch_rates(older, 0.05, changes, constant=True) == \
        ([1.0, 2.0, 2.5, 3.5], [0.05, 0.01, 0.01, 0.01], True)
    assert ctl.epoch_rates(older, 0.05, changes, constant=False) == ([], [], False)
    mixed = {"epoch": [1.0, 2.0], lr: [math.nan, 0.02]}  # an older run continued after open
    assert ctl.epoch_rates(mixed, 0.05, [], constant=True) == ([1.0, 2.0], [0.05, 0.02], True)
