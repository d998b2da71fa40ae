"""The lab's weight tables are titled by what they show: the weights a step used after a
backward pass, the current weights once the step's tables are cleared (reset, a new pass)."""

from __future__ import annotations

from nngui.gui.lab.panel import LabPanel
from nngui.gui.lab.tables import EMPTY


def _label_above(panel: LabPanel, key: str) -> str:
    """The label the tables put above ``key``'s table (the same grid, one row up)."""
    table = panel.tables.tables[key]
    grid = table.parentWidget().layout()
    row, col, _, _ = grid.getItemPosition(grid.indexOf(table))
    return grid.itemAtPosition(row - 1, col).widget().text()


def test_the_weight_title_says_whether_a_step_used_them(qtbot) -> None:
    panel = LabPanel()
    panel.autoCheck.setChecked(False)
    qtbot.addWidget(panel)
    assert _label_above(panel, "w1") == "W1 now (no backward step yet)"
    panel.step()
    assert _label_above(panel, "w1") == "W1 used by the step"
    assert _label_above(panel, "w2") == "W2 used by the step"
    panel.resetButton.click()
    assert panel.tables.cell("grad1", 0, 0) == EMPTY  # the step's tables are cleared
    assert _label_above(panel, "w1") == "W1 now (no backward step yet)"
