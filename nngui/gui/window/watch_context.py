"""What the Watch tab's views need from the session, computed where a job may hold the model:
the weight editor's context, and an opened model's views drawn once."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from nngui.core.insight.layer_stats import stats_probes
from nngui.core.insight.probes import LearningRateProbe, ReconstructionProbe, live_probes
from nngui.core.network.spec import NetworkSpec, SpecError


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


def run_probes(spec: NetworkSpec, ds: Any, data: Any) -> list:
    """What the live views need from the model after each epoch (run in its thread), for
    ``spec`` on ``ds`` encoded as ``data`` (``Prepared``)."""
    # any network's weights, gradients and test curve (an autoencoder's and a regression's
    # too: the Watch tab said "Train a network to see…" after one had trained)
    stats = stats_probes(data.x_train, data.y_train, data.x_test, data.y_test)
    inputs = math.prod(int(v) for v in spec.input_shape)
    if spec.kind == "classifier" and ds.task == "classification":
        return [*live_probes(inputs, data.x_train, ds.y_train, data.x_test, ds.y_test,
                             features=spec.features), *stats]
    # every run reports its learning rate: the Watch tab's plot is about any network
    if spec.kind != "autoencoder" or math.prod(int(v) for v in ds.input_shape) != 784:
        return [LearningRateProbe(), *stats]
    from nngui.core.model.autoencoder import one_per_class

    idx = one_per_class(ds.y_test.astype(int).ravel())
    return [LearningRateProbe(),
            ReconstructionProbe(ds.x_test[idx].reshape(-1, 28, 28).astype("float32")),
            *stats]
