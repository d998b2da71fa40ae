"""A network prepared before Train (``prebuild.py``) trains exactly as one built at the click.

The preparation builds the model with the run's seed, compiles it as the run will and runs
its training call once (trace, graph optimisation, XLA), then puts every variable back. The
property test holds a prepared run's weights and history equal to a run without preparation
(same seed), over small networks with and without dropout, five optimizers, seeds and the
three calls (the fast path, the fast path under XLA, fit's train function), and checks that
the run took the prepared model and its compiled call as they were (no new trace).
"""

from __future__ import annotations

import random
import threading
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from small_nets import OPTIMIZERS as ALL_OPTIMIZERS
from small_nets import small_spec as _spec

from nngui.core.data.adapt import Prepared
from nngui.core.network.spec import NetworkSpec, TrainConfig
from nngui.core.training import prebuild
from nngui.core.training.observer import Observer
from nngui.core.training.session import RunRequest, Session
from nngui.core.training.train import run_request

OPTIMIZERS = {k: v for k, v in ALL_OPTIMIZERS.items() if k != "adadelta"}
CALLS = {  # how the run trains: the config that makes it take that call
    "fast": {"jit_compile": False},
    "fast+numpy": {"jit_compile": None},  # NumPy's loop where it can (no dropout, no Adagrad)
    "fast+xla": {"jit_compile": True},
    "fit": {"jit_compile": False, "steps_per_execution": 2},  # a chunk of batches: fit's path
}


def _data(n: int = 30) -> Prepared:
    rng = np.random.default_rng(11)
    x = rng.normal(size=(n, 3)).astype(np.float32)
    y = rng.integers(0, 3, n)
    return Prepared(x, y, x[:6], y[:6], None)


def _run(session: Session, data: Prepared, config: TrainConfig, shelf=None):
    result = run_request(RunRequest(session, data, config, prebuilt=shelf), Observer())
    assert result.reason == "finished", result.message
    return result


def _history(result) -> dict:
    return {k: v for k, v in result.history.items() if k != "epoch_time"}


def _prepare(spec: NetworkSpec, data: Prepared, config: TrainConfig):
    shelf = prebuild.Shelf()
    said = prebuild.prebuild(spec, data, config, (), shelf, shelf.begin())
    assert said.startswith("prepared"), said
    return shelf, said


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(hidden=st.lists(st.tuples(st.integers(1, 5), st.sampled_from(["relu", "tanh"])),
                       min_size=1, max_size=2),
       dropout=st.sampled_from([0.0, 0.3]), optimizer=st.sampled_from(sorted(OPTIMIZERS)),
       seed=st.integers(0, 60), call=st.sampled_from(sorted(CALLS)))
def test_a_prepared_run_is_the_run_without_preparation(hidden, dropout, optimizer, seed,
                                                        call) -> None:
    spec, data = _spec(hidden, dropout, optimizer), _data()
    config = TrainConfig(epochs=3, batch_size=8, seed=seed, **CALLS[call])
    plain = Session(spec)
    expected = _run(plain, data, config)
    want = [np.array(v.numpy()) for v in plain.model.variables]

    shelf, said = _prepare(spec, data, config)
    numpy_cannot = dropout or optimizer == "adagrad"
    assert said == f"prepared ({'fast' if call == 'fast+numpy' and numpy_cannot else call})"
    random.random(), np.random.random()  # the window drew from the global generators meanwhile
    prepared = Session(spec)
    got = _run(prepared, data, config, shelf)
    model = prepared.model
    assert model is not plain.model
    assert len(model.variables) == len(want)
    for a, b in zip(model.variables, want, strict=True):
        np.testing.assert_array_equal(a.numpy(), b)
    assert _history(got) == _history(expected)


@pytest.mark.parametrize("call", sorted(CALLS))
def test_the_run_trains_the_prepared_model_and_its_compiled_call(call) -> None:
    numpy = call == "fast+numpy"  # no dropout: NumPy's loop, which has nothing to trace
    spec, data = _spec([(4, "relu")], 0.0 if numpy else 0.3, "adam"), _data()
    config = TrainConfig(epochs=2, batch_size=8, seed=3, **CALLS[call])
    shelf, said = _prepare(spec, data, config)
    assert said == f"prepared ({call})"
    model = shelf._entry[1]
    before = _calls(model)
    assert numpy or before and all(f.experimental_get_tracing_count() >= 1 for f in before)
    counts = [f.experimental_get_tracing_count() for f in before]
    session = Session(spec)
    _run(session, data, config, shelf)
    assert session.model is model  # taken, not built anew
    assert _calls(model) == before  # the same compiled call ...
    assert [f.experimental_get_tracing_count() for f in before] == counts  # ... not traced again
    assert session.epochs_done == 2 and session.trained is not None


def _calls(model) -> list:
    """The tf.functions a run of ``model`` calls: the fast path's loop, or fit's step."""
    fast = model.__dict__.get("_nngui_fast") or {}
    if fast:
        return [loop.call for loop in fast.values() if not loop.numpy]
    fn = model.train_function
    inner = getattr(fn, "__closure__", None) or ()
    return [c.cell_contents for c in inner
            if hasattr(c.cell_contents, "experimental_get_tracing_count")]


def test_a_prepared_model_for_another_network_or_seed_is_not_taken() -> None:
    spec, data = _spec([(3, "tanh")], 0.0, "sgd"), _data()
    config = TrainConfig(epochs=1, batch_size=8, seed=5, jit_compile=False)
    shelf, _ = _prepare(spec, data, config)
    model = shelf._entry[1]
    assert shelf.take(spec, 6) is None  # another seed: dropped, the shelf is empty
    assert shelf.take(spec, 5) is None
    shelf, _ = _prepare(spec, data, config)
    other = _spec([(4, "tanh")], 0.0, "sgd")
    session = Session(other)
    _run(session, data, config, shelf)
    assert session.model is not model and not shelf.ready(prebuild.key(spec, 5))


def test_a_discarded_preparation_never_lands_on_the_shelf() -> None:
    spec, data = _spec([(3, "relu")], 0.0, "adam"), _data()
    config = TrainConfig(epochs=1, batch_size=8, seed=1, jit_compile=False)
    shelf = prebuild.Shelf()
    ticket = shelf.begin()
    shelf.discard()  # an edit while it prepared: its words say so
    assert prebuild.prebuild(spec, data, config, (), shelf, ticket) == "discarded"
    assert not shelf.busy() and shelf.take(spec, 1) is None
    stop = threading.Event()
    stop.set()  # the window closing: the job ends at its next check, puts nothing
    ticket = shelf.begin()
    assert prebuild.prebuild(spec, data, config, (), shelf, ticket, stop) == "discarded"
    assert shelf.take(spec, 1) is None


def test_a_run_waits_for_the_preparation_in_flight_and_stop_ends_the_wait() -> None:
    spec, data = _spec([(3, "relu")], 0.0, "adam"), _data()
    config = TrainConfig(epochs=1, batch_size=8, seed=2, jit_compile=False)
    shelf = prebuild.Shelf()
    ticket = shelf.begin()
    said: list[str] = []

    class Notes(Observer):
        def on_status(self, text: str) -> None:
            said.append(text)

    session, box = Session(spec), {}
    worker = threading.Thread(target=lambda: box.update(r=run_request(
        RunRequest(session, data, config, prebuilt=shelf), Notes())), daemon=True)
    worker.start()
    deadline = time.monotonic() + 30
    while not said and time.monotonic() < deadline:
        time.sleep(0.01)
    assert said and said[0].startswith("Preparing the network")
    assert worker.is_alive() and session.model is None  # it waits: nothing built yet
    prebuild.prebuild(spec, data, config, (), shelf, ticket)  # the preparation ends ...
    worker.join(60)
    assert box["r"].reason == "finished"  # ... and the kept click trains its model

    shelf.begin()  # another preparation that never ends: Stop ends the wait
    stop = threading.Event()
    stop.set()
    result = run_request(RunRequest(Session(spec), data, config, prebuilt=shelf), Observer(),
                         stop)
    assert result.reason == "stopped"
