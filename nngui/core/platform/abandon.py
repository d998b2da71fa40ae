"""Stop at once even while a training step compiles (tracing, XLA: seconds).

A compile cannot be interrupted. So ``fit_or_abandon`` runs ``fit`` in a thread of its own
and, when Stop is pressed before the first batch has ended, walks away from it: the run
returns at once as "stopped, weights unchanged". The abandoned fit sees Stop at its first
batch boundary and ends; then its thread puts the weights (and optimizer state) back as they
were. Until then the model is *busy*: ``is_busy`` says so (the GUI treats it as held), the
next ``wait_until_free`` waits for it, and ``join_all`` waits for every such thread when the
app closes (a thread left inside TensorFlow at interpreter exit can abort the process).

Keras also compiles *after* the first batch: the test step at the first validation, and with
XLA every new batch shape (an epoch's last, partial batch). If fit has not come back
``STOP_GRACE_S`` after Stop, the run *detaches*: it returns what the callback knows (the
chunk in flight counted as trained), and fit's thread ends that chunk alone, model busy.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

_BUSY: dict[int, tuple[Any, threading.Thread]] = {}  # id(model) -> (model, thread)
_LOCK = threading.Lock()


class _Null:
    """An observer that drops everything: what an abandoned run reports to."""

    def __getattr__(self, _name: str) -> Callable[..., None]:
        return lambda *a, **k: None


def _state(model: Any) -> tuple[list, list | None]:
    """The weights and, if the optimizer is built, its variables' values."""
    opt = getattr(model, "optimizer", None)
    opt_vars = [v.numpy() for v in opt.variables] if opt is not None and opt.built else None
    return model.get_weights(), opt_vars


def _restore(model: Any, state: tuple[list, list | None]) -> None:
    weights, opt_vars = state
    model.set_weights(weights)
    opt = getattr(model, "optimizer", None)
    if opt_vars is not None and len(opt.variables) == len(opt_vars):
        for var, value in zip(opt.variables, opt_vars, strict=True):
            var.assign(value)
    else:  # built by the abandoned step: compile again next time for a fresh optimizer
        model._nngui_compiled = None


# How long a run waits, after Stop, for fit to reach its next batch boundary before it walks
# away (a compile Keras starts mid-run: the first validation, XLA for a new batch shape;
# a slow chunk or callback). A chunk is sized to ~30-60 ms, so a normal Stop never waits this.
STOP_GRACE_S = 0.4


class _Detached:
    """What ``fit_or_abandon`` returns when the run walked away from a fit past its first batch."""

    def __repr__(self) -> str:
        return "DETACHED"


DETACHED = _Detached()


def fit_or_abandon(fit: Callable[[], Any], model: Any, fw: Any,
                   stop_event: threading.Event, poll: float = 0.02,
                   grace: float = STOP_GRACE_S) -> Any:
    """``fit()``'s result; None when Stop came before the first batch ended (abandoned);
    ``DETACHED`` when, after Stop, fit did not come back within ``grace`` seconds.

    ``fw`` is the training callback's state: ``fw.lock`` guards ``fw.started`` (set by the
    first batch's end) and every call to ``fw.observer`` against the decision to leave;
    leaving swaps ``fw.observer`` for one that drops everything and clears ``fw.probes``.
    Abandoned, the fit's thread puts weights and optimizer state back when it ends;
    detached, it only ends fit at its next boundary (and puts back the last finite weights
    if that chunk ended in NaN); either way the model is busy until then.
    """
    state = _state(model)
    box: dict[str, Any] = {}
    done = threading.Event()

    def run() -> None:
        try:
            box["result"] = fit()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller (or dropped)
            box["error"] = exc
        finally:
            with _LOCK:  # the caller decides to leave only while this is not set
                done.set()
            try:
                if box.get("abandoned"):
                    _restore(model, state)
                elif box.get("detached") and fw.nan_at is not None and fw.snapshot is not None:
                    model.set_weights(fw.snapshot)
            except Exception:  # noqa: BLE001 - nothing to report to any more
                model._nngui_compiled = None
            finally:
                if box.get("abandoned") or box.get("detached"):
                    with _LOCK:
                        _BUSY.pop(id(model), None)

    def leave(flag: str) -> bool:
        """Hand the running fit over to its thread (under ``fw.lock``); False if it ended."""
        with _LOCK:
            if done.is_set():
                return False
            fw.observer, fw.probes = _Null(), ()
            box[flag] = True
            _BUSY[id(model)] = (model, thread)
            return True

    thread = threading.Thread(target=run, name="nngui-fit", daemon=True)
    thread.start()
    while not done.wait(poll):
        if not stop_event.is_set():
            continue
        with fw.lock:
            if not fw.started and leave("abandoned"):
                return None
        if done.wait(grace):  # Stop after the first batch: the callback ends the run
            break
        with fw.lock:
            if leave("detached"):
                fw.detached = True  # the callback now ends fit at once, without validation
                return DETACHED
        break
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["result"]


def is_busy(model: Any) -> bool:
    """Whether an abandoned run still works on ``model``."""
    with _LOCK:
        entry = _BUSY.get(id(model))
    return entry is not None and entry[0] is model and entry[1].is_alive()


def wait_until_free(model: Any, stop_event: threading.Event | None = None) -> bool:
    """Wait for an abandoned run on ``model`` to end; False if ``stop_event`` came first."""
    with _LOCK:
        entry = _BUSY.get(id(model))
    if entry is None or entry[0] is not model:
        return True
    while entry[1].is_alive():
        entry[1].join(0.05)
        if stop_event is not None and stop_event.is_set() and entry[1].is_alive():
            return False
    return True


def join_all(timeout: float | None = None) -> bool:
    """Wait for every abandoned run to end (the app is closing); True if none is left."""
    with _LOCK:
        threads = [t for _, t in _BUSY.values()]
    for thread in threads:
        thread.join(timeout)
    return not any(t.is_alive() for t in threads)
