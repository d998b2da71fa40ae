"""Stop at once even while the first training step compiles (tracing, XLA: seconds).

A compile cannot be interrupted. So ``fit_or_abandon`` runs ``fit`` in a thread of its own
and, when Stop is pressed before the first batch has ended, walks away from it: the run
returns at once as "stopped, weights unchanged". The abandoned fit sees Stop at its first
batch boundary and ends; then its thread puts the weights (and optimizer state) back as they
were. Until then the model is *busy*: ``is_busy`` says so (the GUI treats it as held), the
next ``wait_until_free`` waits for it, and ``join_all`` waits for every such thread when the
app closes (a thread left inside TensorFlow at interpreter exit can abort the process).
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


def fit_or_abandon(fit: Callable[[], Any], model: Any, fw: Any,
                   stop_event: threading.Event, poll: float = 0.02) -> Any | None:
    """``fit()``'s result, or None when Stop came before the first batch ended (abandoned).

    ``fw`` is the training callback's state: ``fw.lock`` guards ``fw.started`` (set by the
    first batch's end) against the decision to abandon; abandoning swaps ``fw.observer`` for
    one that drops everything and clears ``fw.probes``.
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
            done.set()
            if box.get("abandoned"):
                try:
                    _restore(model, state)
                except Exception:  # noqa: BLE001 - nothing to report to any more
                    model._nngui_compiled = None
                with _LOCK:
                    _BUSY.pop(id(model), None)

    thread = threading.Thread(target=run, name="nngui-fit", daemon=True)
    thread.start()
    while not done.wait(poll):
        if stop_event.is_set():
            with fw.lock:
                if not fw.started:
                    fw.observer, fw.probes = _Null(), ()
                    with _LOCK:
                        box["abandoned"] = True
                        _BUSY[id(model)] = (model, thread)
            if box.get("abandoned"):
                if done.is_set():  # it ended meanwhile: run() may have missed the flag
                    thread.join()
                    _restore(model, state)
                    with _LOCK:
                        _BUSY.pop(id(model), None)
                return None
            break  # Stop after the first batch: the callback ends the run at the next one
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
