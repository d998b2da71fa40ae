"""Build and trace the network before Train: the first run of a new network starts at once.

The first run of a network paid its model's build, the trace of its training call and that
call's graph optimisation (or XLA compile) after the click: 2-3 s of a 3 s moons run on a busy
2-core machine, most of the 1-2.6 s before the first batch-loss point at 784-512-512-10. The
window instead prepares the network while it is idle (``gui/window/prebuilder.py``): a job
builds the model as the run would (``build_model(spec, seed)``), compiles it as ``train``
does (``train.compile_for_run``) and **runs** the training call once, so it is traced,
optimised and compiled (XLA's program too: it compiles only when it first runs), then puts
every variable back: the weights, the dropout layers' generator states, the optimizer's
step count and slots, the metrics. Its batches come from a pipeline of its own with an
explicit seed, so no generator a run reads is drawn from. The run then takes that model
from the ``Shelf`` instead of building one (``train.run_request``) and trains it exactly as
it would have trained its own build: ``tests/core/training/test_prebuild.py`` holds the
weights and history equal to a run without preparation.

One owner per model: the preparing job owns the model until it puts it on the shelf; the run
that takes it owns it from then on; nothing else touches it. A run waits while a preparation
is in flight (``Shelf.wait``), and the build holds ``builder.BUILDING``, so a preparation never
builds while another job seeds the global generators.

What it does not cover: the probes' own calls on fit's path (a probe that predicts traces
its function at the run's first epoch end, as before); a network on "all GPUs" (its variables
would have to be mirrored); a run whose seed's TensorFlow global seed another run set in
between (setting it clears TensorFlow's kernel cache: the prepared call is then optimised
again at its first call, ~0.2-0.4 s, though still not traced). "Low priority" means only when
no other job runs; the job's thread keeps the OS priority of the others.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from nngui.core.data.adapt import Prepared
from nngui.core.network.spec import NetworkSpec, TrainConfig
from nngui.core.platform import runtime

POLL_S = 0.05  # how often a waiting run looks at its Stop


def key(spec: NetworkSpec, seed: int | None) -> tuple:
    """What a prepared model must match to be a run's: its network and its build's seed."""
    return (repr(spec.to_dict()), seed)


class Shelf:
    """At most one prepared model, handed from the job that prepared it to the run that takes
    it. Thread-safe: the GUI thread begins and discards, the jobs finish, wait and take."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._ticket = 0  # the preparation that may still put its model here
        self._running = False  # a preparation's job is in flight
        self._entry: tuple[tuple, Any] | None = None

    def begin(self) -> int:
        """A preparation starts (GUI thread): its ticket for ``finish``."""
        with self._cond:
            self._ticket += 1
            self._running = True
            self._entry = None
            return self._ticket

    def finish(self, ticket: int, made: tuple | None, model: Any) -> bool:
        """The preparation's job ends (its thread): ``model`` for ``made`` goes on the shelf
        unless it was discarded meanwhile; whether it went."""
        with self._cond:
            kept = ticket == self._ticket and model is not None and made is not None
            if kept:
                self._entry = (made, model)
            self._running = False
            self._cond.notify_all()
            return kept

    def discard(self) -> None:
        """The network, settings or data changed: what is (or is being) prepared is not the
        next run's."""
        with self._cond:
            self._ticket += 1
            self._entry = None

    def busy(self) -> bool:
        with self._cond:
            return self._running

    def ready(self, wanted: tuple) -> bool:
        """Whether the model for ``wanted`` is on the shelf."""
        with self._cond:
            return self._entry is not None and self._entry[0] == wanted

    def wait(self, stop_event: threading.Event | None = None,
             say: Callable[[str], None] | None = None) -> None:
        """Return once no preparation is in flight (or Stop was pressed); ``say`` is told
        once if this waits."""
        with self._cond:
            if self._running and say is not None:
                say("Preparing the network… the run starts when it is ready.")
            while self._running and not (stop_event is not None and stop_event.is_set()):
                self._cond.wait(POLL_S)

    def take(self, spec: NetworkSpec, seed: int | None,
             stop_event: threading.Event | None = None) -> Any:
        """The model prepared for ``spec`` and ``seed`` (after any preparation in flight), or
        None; the shelf is empty afterwards either way (a model not taken is dropped)."""
        wanted = key(spec, seed)
        self.wait(stop_event)
        with self._cond:
            if self._running:  # Stop while waiting
                return None
            entry, self._entry = self._entry, None
        return entry[1] if entry is not None and entry[0] == wanted else None


def _state(model: Any) -> list[Any]:
    """Every variable a call of the training step can change: the model's (weights, and the
    dropout and noise layers' generator states), the optimizer's and the metrics'."""
    seen: dict[int, Any] = {}
    opt = getattr(model, "optimizer", None)
    groups = [model.variables, getattr(opt, "variables", []) if opt is not None else []]
    groups += [m.variables for m in getattr(model, "metrics", [])]
    for group in groups:
        for v in group:
            seen.setdefault(id(v), v)
    return list(seen.values())


def warm_up(model: Any, data: Prepared, spec: NetworkSpec, config: TrainConfig,
            probes: Sequence[Any] = ()) -> str:
    """Compile ``model`` as ``train`` will for this run and run its training call once,
    leaving every variable as it was; which call it made ("fast", "fast+xla", "fast+numpy": nothing to trace, "fit")."""
    from nngui.core.training import fast
    from nngui.core.training.callbacks import make_callbacks
    from nngui.core.training.controls import make_plain
    from nngui.core.training.pipeline import as_tensors, epoch_batches, validation_batch
    from nngui.core.training.train import build_before_fit, choose_compile, compile_for_run

    n = len(data.x_train)
    n_val = int(n * config.validation_split)
    n_fit = n - n_val
    spe, jit = choose_compile(spec, config, n_fit)
    compile_for_run(model, spec, spe, jit)
    evals = sum(getattr(p, "eval_data", None) is not None for p in probes)
    options = make_callbacks(config, spec, config.epochs)
    how = fast.plan(spec, config, model, n_fit, n_val, 1, options, spe, evals, ahead=True)
    x_fit, y_fit = as_tensors(data, "fit", n_fit, data.x_train[:n_fit], data.y_train[:n_fit])
    val = as_tensors(data, "val", n_fit, data.x_train[n_fit:], data.y_train[n_fit:]) \
        if n_val else None
    val_batch = validation_batch(spec, config.batch_size)
    build_before_fit(model, x_fit[:1], y_fit[:1])  # the optimizer's slots: in the snapshot
    saved = [(v, v.numpy()) for v in _state(model)]
    try:
        if how is not None:
            fast.warm(model, how, x_fit, y_fit, val, val_batch, config, probes)
            return "fast+numpy" if how.numpy else "fast+xla" if how.xla else "fast"
        bs = config.batch_size
        m = min(n_fit, spe * bs)  # one call of fit's train function
        seed = 0 if config.seed is None else int(config.seed)
        batches = epoch_batches(x_fit[:m], y_fit[:m], bs, seed,
                                runtime.resolve_device(config.device))
        small = None if val is None else (val[0][:val_batch], val[1][:val_batch])
        model.fit(batches, epochs=1, verbose=0, shuffle=False, validation_data=small,
                  validation_batch_size=val_batch)
        return "fit"
    finally:
        for v, value in saved:
            v.assign(value)
        make_plain(getattr(model, "optimizer", None))


def prebuild(spec: NetworkSpec, data: Prepared, config: TrainConfig, probes: Sequence[Any],
             shelf: Shelf, ticket: int, stop_event: threading.Event | None = None) -> str:
    """The preparing job: build ``spec`` with the run's seed, warm it up, put it on
    ``shelf``; what it did, in words ("discarded" where an edit or Stop came first: the shelf
    did not keep it; never raises: a run then builds its own)."""
    said, model = "discarded", None
    try:
        said, model = _prepare(spec, data, config, probes, stop_event)
    finally:
        kept = shelf.finish(ticket, key(spec, config.seed), model)
    return "discarded" if model is not None and not kept else said


def _prepare(spec: NetworkSpec, data: Prepared, config: TrainConfig, probes: Sequence[Any],
             stop_event: threading.Event | None) -> tuple[str, Any]:
    """``prebuild``'s work: (what it did, the model for the shelf or None)."""
    from nngui.core.model.builder import build_model

    def stopped() -> bool:
        return stop_event is not None and stop_event.is_set()

    try:
        if runtime.replicas() > 1:
            return "not prepared: the network trains on several devices", None
        with runtime.device_scope(config.device):
            model = build_model(spec, config.seed)
            model._nngui_replicas = 1
            if stopped():
                return "discarded", None
            how = warm_up(model, data, spec, config, probes)
        if stopped():
            return "discarded", None
        return f"prepared ({how})", model
    except Exception as exc:  # noqa: BLE001 - the run builds its own and says what fails
        text = str(exc).strip().splitlines()
        return f"not prepared: {exc.__class__.__name__}: {text[0][:200] if text else ''}", None
