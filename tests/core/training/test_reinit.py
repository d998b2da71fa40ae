"""Train from scratch keeps the model object (no new trace) and is exactly a fresh build.

``reinit.fresh_weights`` sets the old model's variables (and its optimizer's) to what
``build_model(spec, seed)`` and a fresh compile give; the property test holds a restarted
session's weights, before and after training, equal to a new session's with that seed, over
random small networks, optimizers, seeds and a live learning-rate change in the run before.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from small_nets import OPTIMIZERS
from small_nets import small_spec as _spec

from nngui.core.data.adapt import Prepared
from nngui.core.model.builder import build_model
from nngui.core.network.spec import TrainConfig
from nngui.core.training import fast
from nngui.core.training.controls import apply
from nngui.core.training.observer import Observer
from nngui.core.training.reinit import fresh_weights
from nngui.core.training.session import RunRequest, Session
from nngui.core.training.train import run_request


def _data(n: int = 20, inputs: int = 3) -> Prepared:
    rng = np.random.default_rng(7)
    x = rng.normal(size=(n, inputs)).astype(np.float32)
    y = rng.integers(0, 3, n)
    return Prepared(x, y, x[:4], y[:4], None)


def _values(model) -> list[np.ndarray]:
    return [np.array(v.numpy()) for v in model.variables]


def _run(session: Session, data: Prepared, seed: int, restart: bool, epochs: int = 2,
         jit_compile: bool | None = None):
    config = TrainConfig(epochs=epochs, batch_size=8, seed=seed, jit_compile=jit_compile)
    result = run_request(RunRequest(session, data, config, restart), Observer())
    assert result.reason == "finished", result.message
    return result


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(hidden=st.lists(st.tuples(st.integers(1, 5), st.sampled_from(["relu", "tanh"])),
                       min_size=1, max_size=2),
       dropout=st.sampled_from([0.0, 0.25]), optimizer=st.sampled_from(sorted(OPTIMIZERS)),
       seeds=st.tuples(st.integers(0, 50), st.integers(0, 50)), same_seed=st.booleans(),
       live_lr=st.sampled_from([None, 0.3]))
def test_a_restart_is_a_fresh_build_with_that_seed(hidden, dropout, optimizer, seeds,
                                                   same_seed, live_lr) -> None:
    if same_seed:  # TensorFlow's seed is already the one asked for: it is left set
        seeds = (seeds[0], seeds[0])
    spec, data = _spec(hidden, dropout, optimizer), _data()
    session = Session(spec)
    _run(session, data, seeds[0], restart=False)
    model = session.model
    if live_lr is not None:  # a live change in the run before: a restart forgets it
        assert apply(model.optimizer, "learning_rate", live_lr) == ""
    random.random(), np.random.random()  # other code drew from the global generators
    again = session.ensure_model(seeds[1], restart=True)
    assert again is model  # the same object: its compiled call stays
    for got, want in zip(_values(again), _values(build_model(spec, seeds[1])), strict=True):
        np.testing.assert_array_equal(got, want)
    _run(session, data, seeds[1], restart=False)  # trains the re-initialised model on
    fresh = Session(spec)
    _run(fresh, data, seeds[1], restart=True)
    for got, want in zip(_values(session.model), _values(fresh.model), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
    opt, opt_fresh = session.model.optimizer, fresh.model.optimizer
    for got, want in zip(opt.variables, opt_fresh.variables, strict=True):
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("jit_compile", [None, False], ids=["numpy", "tensorflow"])
def test_train_from_scratch_reuses_the_compiled_call(jit_compile) -> None:
    spec, data = _spec([(4, "tanh")], 0.0, "sgd-momentum"), _data()
    session = Session(spec)
    _run(session, data, 1, restart=True, jit_compile=jit_compile)
    model = session.model
    loops = dict(model.__dict__["_nngui_fast"])
    (loop,) = loops.values()
    assert loop.numpy == (jit_compile is None)
    traces = 0 if loop.numpy else loop.call.experimental_get_tracing_count()
    _run(session, data, 2, restart=True, jit_compile=jit_compile)
    assert session.model is model
    assert model.__dict__["_nngui_fast"] == loops  # the same loop object, not a new one
    assert loop.numpy or loop.call.experimental_get_tracing_count() == traces
    assert session.epochs_done == 2 and len(session.history["loss"]) == 2  # a new history


def test_the_keras_path_keeps_its_train_function() -> None:
    """Above ``fast.MAX_PARAMS`` a run is fit's: its traced train function stays too."""
    inputs = fast.MAX_PARAMS // 200 + 1
    spec = _spec([(200, "relu")], 0.0, "adam", inputs=inputs)
    data = _data(24, inputs)
    session = Session(spec)
    _run(session, data, 3, restart=True, epochs=1)
    model, function = session.model, session.model.train_function
    assert function is not None
    _run(session, data, 4, restart=True, epochs=1)
    assert session.model is model and model.train_function is function
    fresh = Session(spec)
    _run(fresh, data, 4, restart=True, epochs=1)
    for got, want in zip(_values(model), _values(fresh.model), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_another_network_is_built_anew() -> None:
    spec = _spec([(4, "tanh")], 0.0, "adam")
    model = build_model(spec, 0)
    other = _spec([(4, "relu")], 0.0, "adam")  # the same shapes, another activation
    assert fresh_weights(model, other, 0) is not model
    wider = _spec([(5, "tanh")], 0.0, "adam")
    assert fresh_weights(model, wider, 0) is not model
    assert fresh_weights(model, spec, 0) is model


def test_a_model_an_abandoned_fit_still_works_on_is_left_to_it(monkeypatch) -> None:
    """A Stop during a compile leaves fit finishing on the model in its own thread: a
    restart then builds a new model rather than write into the one that thread trains."""
    from nngui.core.platform import abandon

    spec = _spec([(4, "tanh")], 0.0, "adam")
    model = build_model(spec, 0)
    before = _values(model)
    monkeypatch.setattr(abandon, "is_busy", lambda m: m is model)
    got = fresh_weights(model, spec, 1)
    assert got is not model
    for kept, was in zip(_values(model), before, strict=True):
        np.testing.assert_array_equal(kept, was)  # untouched


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_every_optimizer_starts_again_as_a_fresh_one(optimizer) -> None:
    """Each of the builder's optimizers, its slots (Adagrad's start at 0.1, not 0), step count,
    rate and momentum back to a fresh optimizer's, also after a live rate change."""
    spec, data = _spec([(3, "tanh")], 0.0, optimizer), _data()
    session = Session(spec)
    _run(session, data, 5, restart=True)
    model = session.model
    assert apply(model.optimizer, "learning_rate", 0.3) == ""
    _run(session, data, 6, restart=True)
    assert session.model is model
    fresh = Session(spec)
    _run(fresh, data, 6, restart=True)
    for got, want in zip(model.optimizer.variables, fresh.model.optimizer.variables,
                         strict=True):
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6, atol=1e-7)
    for got, want in zip(_values(model), _values(fresh.model), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
