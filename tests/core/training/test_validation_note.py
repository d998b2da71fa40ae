"""The note on a run without a validation loss says why, from the run's own history: a run
that had a split is never told to set one (issue 23, item 7)."""

from __future__ import annotations

import math

import pytest

from nngui.core.training.runs import overfit_note

NAN = math.nan


@pytest.mark.parametrize(("history", "says"), [
    ({"epoch": [0.3], "loss": [0.7], "val_loss": [NAN]}, "Stopped before the end of its first"),
    ({"epoch": [0.006], "loss": [0.7], "accuracy": [0.1]}, "Stopped before the end of its first"),
    ({"epoch": [1.0, 2.0, 3.0], "loss": [0.3, 0.2, 0.1]}, "too small to hold one sample"),
    ({"epoch": [1.0, 2.0], "loss": [0.3, 0.2], "val_loss": [NAN, math.inf]}, "never a finite"),
    ({}, "No epoch trained yet"),
])
def test_a_run_without_a_validation_loss_is_told_why(history, says):
    best, note = overfit_note(history)
    assert best is None and says in note
    assert "No validation split: set one" not in note


def test_a_stopped_part_after_whole_epochs_keeps_the_best_epoch():
    best, note = overfit_note({"epoch": [1.0, 1.5], "loss": [0.5, 0.4],
                               "val_loss": [0.6, NAN]})
    assert best == 1 and "Best validation loss 0.6 at epoch 1" in note
