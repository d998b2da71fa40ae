"""Fifty edits, each prepared anew (``gui/window/prebuilder.py``): the discarded models go and
memory stays flat. The figures are printed (run with -s)."""

from __future__ import annotations

import ctypes
import gc
import os
import statistics
import weakref
from dataclasses import replace

import pytest

pytestmark = pytest.mark.slow
EDITS = 50
WARM_UP = 10


def _rss_mb() -> float:
    """Resident memory after glibc hands its free pages back (as test_soak_window.py)."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def test_edits_discard_their_prepared_models_without_growing(window, qtbot) -> None:
    prep = window.work.prebuilder
    qtbot.waitUntil(lambda: prep._ready_tf, timeout=120000)
    window.pages.watch  # noqa: B018 - built, as after the first paint
    window.apply_preset("mlp-2-4-2")
    qtbot.waitUntil(lambda: window.data.dataset.name == "circles" and
                    not window.data.is_loading(), timeout=60000)
    window.builder.set_config(replace(window.builder.config(), epochs=20))  # no XLA: quicker
    qtbot.waitUntil(lambda: prep.shelf._entry is not None, timeout=120000)
    models, rss = [], []
    for i in range(EDITS):
        config = window.builder.config()
        with qtbot.waitSignal(prep.prepared, timeout=120000,  # not the one the edit dropped
                              check_params_cb=lambda said: said != "discarded") as done:
            window.builder.set_config(replace(config, seed=config.seed + 1 - 2 * (i % 2)))
        assert done.args[0].startswith("prepared"), done.args[0]
        models.append(weakref.ref(prep.shelf._entry[1]))
        gc.collect()
        rss.append(_rss_mb())
    alive = sum(ref() is not None for ref in models[:-1])
    steps = [(b - a) / 2 for a, b in zip(rss[WARM_UP:], rss[WARM_UP + 2:], strict=False)]
    slope = statistics.median(steps)
    print(f"\nprepared {EDITS} times; RSS {rss[0]:.0f} -> {rss[WARM_UP]:.0f} -> {rss[-1]:.0f} MB;"
          f" median growth {slope:.2f} MB an edit after {WARM_UP}; discarded models alive: "
          f"{alive}")
    assert alive == 0  # every discarded model was freed
    assert slope < 1.0
