"""A reopened project's runs in the run list: every row in one pass, drawn once."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt

from nngui.core.training.runs import RunRecord
from nngui.gui.training.run_rows import row_texts


def _records(n: int) -> list[RunRecord]:
    return [RunRecord(f"#{i + 1} net", {"optimizer": "adam", "lr": 0.01 * (i + 1)},
                      {"loss": [1.0, 0.5, 0.25 + i / 1000], "val_loss": [1.1, 0.6, math.nan],
                       "epoch": [1.0, 2.0, 2.5]}, "stopped") for i in range(n)]


def test_a_projects_runs_fill_the_list_in_one_pass(window, monkeypatch) -> None:
    runs = window.watch.runs
    redraws = []
    real = type(runs).redraw
    monkeypatch.setattr(type(runs), "redraw", lambda self: redraws.append(1) or real(self))
    records = _records(300)
    runs.show_runs(records)
    assert redraws == [1]  # not once per run (that was 3.4 s for a thousand runs)
    assert runs.records == records and runs.runList.topLevelItemCount() == 300
    ticked = [i for i in range(300) if runs.runList.topLevelItem(i).checkState(0) ==
              Qt.CheckState.Checked]
    assert ticked == [299] and runs.runList.currentItem() is runs.runList.topLevelItem(299)
    for i in (0, 299):
        item, texts = runs.runList.topLevelItem(i), row_texts(records[i])
        assert [item.text(c) for c in range(3)] == [records[i].name, "2+", texts.summary]
        assert item.toolTip(1) == "2 complete epochs and 1 stopped part of one"
        assert item.toolTip(0) == f"optimizer adam, lr {0.01 * (i + 1)}"
    assert len(runs.comparePlot.getPlotItem().listDataItems()) == 2  # its curve and its ★
    runs.show_runs(records[:2], [row_texts(r) for r in records[:2]])  # rows worked out before
    assert runs.runList.topLevelItemCount() == 2 == len(runs.records)
    assert runs.runList.topLevelItem(1).text(2) == row_texts(records[1]).summary
    runs.show_runs([])
    assert runs.runList.topLevelItemCount() == 0 and runs.runList.currentItem() is None
