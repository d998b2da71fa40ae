"""What a run's row in the run list says, as plain text: no Qt, so a job can work out the rows
of a project's thousand runs while the GUI thread goes on (run_list.py shows them)."""

from __future__ import annotations

from typing import NamedTuple

from nngui.core.platform.words import counted
from nngui.core.training.runs import RunRecord


class RowTexts(NamedTuple):
    """What a run's row says: its epochs (and their tooltip), final numbers and settings."""

    epochs: str
    epochs_tip: str
    summary: str
    settings_tip: str


def row_texts(rec: RunRecord) -> RowTexts:
    """A run's row texts."""
    whole, parts = rec.epochs_done()
    summary = rec.summary()
    return RowTexts(f"{whole}+" if parts else str(whole),
                    counted(whole, "complete epoch") + (
                        f" and {counted(parts, 'stopped part')} of one" if parts else ""),
                    summary, ", ".join(f"{k} {v}" for k, v in rec.settings.items()))
