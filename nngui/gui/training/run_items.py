"""The run list's rows: one ``QTreeWidgetItem`` per run, drawn from the run's record.

A row holds the record it draws (``record_of``: a frozen value of the session state's run
list, replaced by the state's transitions, never edited here), its tick, and whether a sweep
made it. ``make_rows`` makes rows ahead of showing them (an opened project's thousand runs, a
few hundred per event-loop turn); ``run_list.RunsPanel.sync`` puts rows in the list as the
state's runs change.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTreeWidgetItem

from nngui.core.training.runs import RunRecord
from nngui.gui.training.run_rows import RowTexts, row_texts

SWEEP = Qt.ItemDataRole.UserRole  # whether a sweep made the run (its rows stay ticked)
RECORD = Qt.ItemDataRole.UserRole + 1  # the RunRecord the row draws


def record_of(item: QTreeWidgetItem) -> RunRecord:
    """The record a row draws."""
    return item.data(0, RECORD)


def make_rows(records: list[RunRecord],
              rows: list[RowTexts] | None = None) -> list[QTreeWidgetItem]:
    """Unticked rows for ``records`` (with their ``row_texts``, if worked out already), not in
    any list yet: ``RunsPanel.sync`` puts them in."""
    return [new_item(rec, sweep=False, texts=texts, checked=False) for rec, texts in
            zip(records, rows if rows is not None else map(row_texts, records), strict=True)]


def new_item(rec: RunRecord, sweep: bool, texts: RowTexts | None = None,
             checked: bool = True) -> QTreeWidgetItem:
    """A run's row, ticked or not; its name editable (a rename); with its texts."""
    texts = row_texts(rec) if texts is None else texts
    item = QTreeWidgetItem([rec.name, texts.epochs, texts.summary])
    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEditable)
    item.setCheckState(0, Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
    item.setData(0, SWEEP, sweep)
    item.setData(0, RECORD, rec)
    _set_tips(item, texts)
    return item


def describe(item: QTreeWidgetItem, rec: RunRecord) -> None:
    """The row draws ``rec`` now (its name, epochs and final numbers; settings as a tip)."""
    texts = row_texts(rec)
    item.setData(0, RECORD, rec)
    item.setText(0, rec.name)
    item.setText(1, texts.epochs)
    item.setText(2, texts.summary)
    _set_tips(item, texts)


def _set_tips(item: QTreeWidgetItem, texts: RowTexts) -> None:
    item.setToolTip(0, texts.settings_tip)
    item.setToolTip(1, texts.epochs_tip)
    item.setToolTip(2, texts.summary)
