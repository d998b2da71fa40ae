"""Run records after Stop: a stopped epoch's part has no validation (NaN) and a fractional x."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from nngui.core.training.runs import RunRecord, best_index, overfit_note

STOPPED_TWICE = {  # 5 epochs, stopped in epoch 4 and in epoch 6, then continued
    "epoch": [1.0, 2.0, 3.0, 3.4, 4.0, 5.0, 5.5],
    "loss": [0.9, 0.6, 0.5, 0.45, 0.4, 0.35, 0.33],
    "val_loss": [0.5, 0.4, 0.3, math.nan, 0.25, 0.2, math.nan],
    "val_accuracy": [0.8, 0.85, 0.9, math.nan, 0.92, 0.93, math.nan],
}


def test_a_stopped_run_reports_its_last_real_values_and_whole_epochs():
    rec = RunRecord("run", {}, STOPPED_TWICE)
    assert rec.final()["val_loss"] == 0.2 and rec.final()["val_accuracy"] == 0.93
    assert "nan" not in rec.summary()
    assert rec.epochs_done() == (5, 2)
    assert best_index(STOPPED_TWICE) == 5  # where the ★ goes: x = 5.0
    assert overfit_note(STOPPED_TWICE)[0] == 5  # and what the note says


@given(st.lists(st.tuples(st.floats(0.01, 10), st.booleans()), min_size=1, max_size=30))
def test_the_best_epoch_is_the_lowest_real_validation_loss(entries):
    xs, val = [], []
    for n, (v, stopped) in enumerate(entries, start=1):
        xs.append(n + (0.5 if stopped else 0.0))
        val.append(math.nan if stopped else v)
    history = {"epoch": xs, "loss": [1.0] * len(xs), "val_loss": val}
    finite = [v for v in val if math.isfinite(v)]
    best = best_index(history)
    if not finite:
        assert best is None and overfit_note(history)[0] is None
        return
    assert val[best] == min(finite)
    assert overfit_note(history)[0] == round(xs[best])
