"""What the Watch tab's views need from the session, computed where a job may hold the model:
the weight editor's context, and an opened model's views drawn once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nngui.core.network.spec import SpecError


def weight_context(s, ds, prepare: Callable, probes: Callable) -> Any:
    """(session, probes, x, y) for the Watch tab's weight editor, or why there is none."""
    if s.model is None or ds is None or s.spec.kind != "classifier" or \
            ds.task != "classification":
        return "Train (or open) a small classifier; then drag its weights here."
    try:  # the views an edit changes: the boundary and tiles, hidden space, confusion
        data = prepare(ds, s.spec)
        chosen = [p for p in probes(s.spec, ds)
                  if p.name in ("boundary", "hidden", "dead_relu", "confusion")]
    except SpecError as exc:
        return str(exc)
    return s, chosen, data.x_train, data.y_train


def fill_watch(s, ds, watch, tasks, probes: Callable, current: Callable[[Any], bool],
               message: Callable[[str, int], None]) -> None:
    """A model not trained here (opened): the live views once, from a job that holds it
    (shown only while ``current(s)``: the session is still the window's)."""
    if s.model is None or ds is None or tasks.is_held(s):
        return
    # the probes a run would use, less those that need a run (the test curve)
    views: tuple[str, ...] = ()
    if watch.live.is_empty():
        if s.spec.kind == "classifier":
            views = ("boundary", "hidden", "weights", "dead_relu", "confusion")
        elif watch.live.empty_reasons()["learning_rate"]:  # an opened autoencoder or
            # regressor: none of those views, and they say why (as after its run here),
            # not "Nothing trained yet"; no rates kept either
            watch.show_probe("learning_rate", max(0, s.epochs_done - 1), None)
    if not watch.stats.epochs:  # its layers' weights (Weights · gradients said "Train a
        views += ("weight_stats",)  # network to see…" of a trained one)
    if not views:
        return
    try:
        chosen = [p for p in probes(s.spec, ds) if p.name in views]
    except SpecError:
        return  # the model does not fit this data: Evaluate says why
    model, epoch = s.model, s.epochs_done - 1
    tasks.submit("watch views", lambda _r, _s: [(p.name, p(model)) for p in chosen],
                 holds=(s,), on_done=lambda res: current(s) and [
                     watch.show_probe(name, epoch, out) for name, out in res],
                 on_failed=lambda msg: message(
                     f"The Watch views could not be computed: {msg}", 8000))
