"""A session's history stays aligned: every value sits at its entry's ``history["epoch"]``.

Stop then Continue once shifted the validation curve by one epoch between views: a stopped
epoch had no validation, so ``val_loss`` was one value shorter than ``epoch`` and a view that
paired them by index (or numbered them 1..n) drew it at epochs 1-9 where another drew 2-10.
"""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from nngui.core.network.spec import LayerSpec, NetworkSpec
from nngui.core.training.history import (
    aligned,
    append_entry,
    epoch_points,
    extended,
    with_validation_gaps,
)
from nngui.core.training.observer import RunResult
from nngui.core.training.session import Session

NAN = math.nan
SPEC = NetworkSpec((2,), [LayerSpec("Dense", {"units": 2, "activation": "softmax"})],
                   "sparse_categorical_crossentropy")


def _same(a: list[float], b: list[float]) -> bool:
    return len(a) == len(b) and all(x == y or (math.isnan(x) and math.isnan(y))
                                    for x, y in zip(a, b, strict=True))


def test_stop_in_the_last_batch_then_continue_keeps_validation_at_its_epochs():
    """Epoch 1 stopped in its last batch (whole, not validated), then 9 epochs: the
    validation values belong to epochs 2..10, in the session and in every view's points."""
    session = Session(SPEC)
    session.record(RunResult("stopped", 1, {"loss": [0.9], "accuracy": [0.6], "epoch": [1.0],
                                            "epoch_time": [0.1]}, 0.1, target_epochs=10))
    session.record(RunResult("finished", 10, {
        "loss": [0.8 - 0.05 * i for i in range(9)], "accuracy": [0.7] * 9,
        "val_loss": [0.85 - 0.05 * i for i in range(9)], "val_accuracy": [0.65] * 9,
        "epoch": [float(e) for e in range(2, 11)], "epoch_time": [0.1] * 9}, 1.0,
        target_epochs=10))
    hist = session.history
    assert {len(v) for v in hist.values()} == {10}
    assert math.isnan(hist["val_loss"][0]) and hist["val_loss"][1] == 0.85
    xs, _ = epoch_points(hist, "val_loss")
    assert xs == [float(e) for e in range(2, 11)]
    assert epoch_points(hist, "loss")[0] == [float(e) for e in range(1, 11)]


def test_a_stopped_part_without_validation_then_continue():
    session = Session(SPEC)
    session.record(RunResult("stopped", 1, {"loss": [0.9, 0.7], "val_loss": [0.8],
                                            "epoch": [1.0, 1.4]}, 0.1, partial=0.4))
    session.record(RunResult("finished", 3, {"loss": [0.6, 0.5], "val_loss": [0.65, 0.55],
                                             "epoch": [2.0, 3.0]}, 0.1))
    assert _same(session.history["val_loss"], [0.8, NAN, 0.65, 0.55])
    assert epoch_points(session.history, "val_loss")[0] == [1.0, 2.0, 3.0]
    assert epoch_points(session.history, "loss")[0] == [1.0, 1.4, 2.0, 3.0]


def test_a_history_saved_unaligned_is_read_where_its_values_belong():
    """Files written before histories were aligned: a list one value per whole epoch lost
    its stopped parts' entries; any other short list began with a later run."""
    old = {"epoch": [1.0, 2.0, 2.5, 3.0], "loss": [0.9, 0.6, 0.55, 0.5],
           "val_loss": [0.7, 0.5, 0.4], "test_loss": [0.45]}
    out = aligned(old)
    assert _same(out["val_loss"], [0.7, 0.5, NAN, 0.4])
    assert _same(out["test_loss"], [NAN, NAN, NAN, 0.45])
    assert aligned({"loss": [0.5, 0.4]})["epoch"] == [1.0, 2.0]  # no positions: 1, 2, …


def test_a_stopped_part_trained_again_from_an_earlier_point_is_not_drawn_back():
    hist = {"epoch": [1.0, 2.0, 2.6, 2.3, 3.0], "loss": [0.9, 0.6, 0.5, 0.55, 0.4]}
    assert epoch_points(hist, "loss") == ([1.0, 2.0, 2.3, 3.0], [0.9, 0.6, 0.55, 0.4])
    assert epoch_points(hist, "val_loss") == ([], [])


def test_validation_gaps_only_for_a_validating_run():
    logs = {"loss": 0.5, "accuracy": 0.8, "epoch": 1.4, "epoch_time": 0.2,
            "learning_rate": 0.01}
    out = with_validation_gaps(logs, True)
    assert set(out) == set(logs) | {"val_loss", "val_accuracy"}
    assert math.isnan(out["val_loss"]) and math.isnan(out["val_accuracy"])
    done = {"loss": 0.5, "val_loss": 0.6}
    assert with_validation_gaps(done, True) == done
    assert with_validation_gaps(logs, False) == logs


KEYS = ("loss", "accuracy", "val_loss", "val_accuracy", "epoch_time")


@st.composite
def runs(draw):
    """Runs of 0-4 entries, each with some of the keys (a run may lack validation)."""
    out = []
    x = 0.0
    for _ in range(draw(st.integers(1, 5))):
        n = draw(st.integers(0, 4))
        keys = draw(st.sets(st.sampled_from(KEYS), min_size=1))
        xs = []
        for _ in range(n):
            x = math.floor(x) + draw(st.sampled_from([1.0, 0.5]))
            xs.append(x)
        run = {k: [draw(st.floats(0, 1)) for _ in range(n)] for k in keys}
        run["epoch"] = xs
        out.append(run)
    return out


@given(runs())
def test_every_value_stays_at_its_entry(rs):
    """Whatever keys each run has, every list has one value per entry, and each run's values
    sit at that run's entries (NaN where a run had no such value)."""
    history: dict[str, list[float]] = {}
    live: dict[str, list[float]] = {}  # the same epochs, one at a time (the Train tab's)
    for run in rs:
        history = extended(history, run)
        for i in range(len(run["epoch"])):
            append_entry(live, {k: v[i] for k, v in run.items()})
    n = sum(len(r["epoch"]) for r in rs)
    assert set(live) == {k for r in rs if r["epoch"] for k in r}
    assert all(_same(live[k], history[k]) for k in live)
    assert {len(v) for v in history.values()} <= {n}
    start = 0
    for run in rs:
        m = len(run["epoch"])
        for key in history:
            got = history[key][start:start + m]
            want = run.get(key, [NAN] * m)
            assert _same(got, [float(v) for v in want]), key
        start += m
