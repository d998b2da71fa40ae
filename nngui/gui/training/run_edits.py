"""The user's edits of the run list: rename a run, remove it, undo the removal.

``RunEdits`` is mixed into ``run_list.RunsPanel``: it reads the panel's ``runList`` and
``state()``, and every edit is a transition of the session state (``run_renamed``,
``run_removed``, ``run_restored``), whose "runs" notification redraws the list. A row's name
is edited in place (double-click or F2); Delete removes the current run, Ctrl+Z puts the
last removed one back; the list's context menu has all three.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QTreeWidgetItem

from nngui.core.training.runs import RunRecord
from nngui.gui.training.run_items import SWEEP, new_item, record_of


class RunEdits:
    """Rename, Remove and Undo on the run list (mixed into ``RunsPanel``)."""

    _removed: list[tuple[int, RunRecord, bool, bool]]  # what Undo puts back, the latest
    # last: (index, run, its row ticked, its row a sweep's)
    _prepared: dict[int, QTreeWidgetItem]  # rows ``sync`` shows for these runs' uids

    def build_edits(self) -> None:
        """The actions, their keys (while the list has the focus) and the context menu."""
        tree = self.runList
        self.renameRunAction = QAction("Rename run", self)
        self.renameRunAction.setShortcut(QKeySequence(Qt.Key.Key_F2))
        self.renameRunAction.triggered.connect(self.rename_current)
        self.removeRunAction = QAction("Remove run", self)
        self.removeRunAction.setShortcut(QKeySequence.StandardKey.Delete)
        self.removeRunAction.triggered.connect(self.remove_current)
        self.undoRemoveAction = QAction("Undo remove", self)
        self.undoRemoveAction.setShortcut(QKeySequence.StandardKey.Undo)
        self.undoRemoveAction.triggered.connect(self.undo_remove)
        for a in (self.renameRunAction, self.removeRunAction, self.undoRemoveAction):
            a.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            tree.addAction(a)
        tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        tree.customContextMenuRequested.connect(self._menu)
        tree.setToolTip("Tick runs to overlay them. Double-click a name to rename it; Delete "
                        "removes the current run, Ctrl+Z puts it back")

    def _menu(self, pos) -> None:
        item = self.runList.itemAt(pos)
        if item is not None:
            self.runList.setCurrentItem(item)
        self.renameRunAction.setEnabled(item is not None)
        self.removeRunAction.setEnabled(item is not None)
        self.undoRemoveAction.setEnabled(bool(self._removed))
        menu = QMenu(self.runList)
        menu.addActions([self.renameRunAction, self.removeRunAction, self.undoRemoveAction])
        menu.popup(self.runList.viewport().mapToGlobal(pos))

    def rename_current(self) -> None:
        """Edit the current run's name in its row (Enter: the state's ``run_renamed``)."""
        item = self.runList.currentItem()
        if item is not None:
            self.runList.editItem(item, 0)

    def remove_current(self) -> bool:
        """Remove the current run from the state's list (Undo puts it back)."""
        item = self.runList.currentItem()
        if item is None:
            return False
        index = self.runList.indexOfTopLevelItem(item)
        ticked = item.checkState(0) == Qt.CheckState.Checked
        sweep = bool(item.data(0, SWEEP))
        self._removed.append((index, self.state().run_removed(index), ticked, sweep))
        return True

    def undo_remove(self) -> bool:
        """Put the last removed run back where it was, ticked as it was (not as a new run,
        which would untick the others), and current."""
        if not self._removed:
            return False
        index, rec, ticked, sweep = self._removed.pop()
        item = new_item(rec, sweep, checked=ticked)
        self._prepared[rec.uid] = item
        self.state().run_restored(index, rec)
        if self.runList.indexOfTopLevelItem(item) >= 0:
            self.runList.setCurrentItem(item)
        return True

    def _on_item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        """A name edited in its row is a rename; a tick, a redraw."""
        rec = record_of(item)
        if column == 0 and item.text(0) != rec.name:
            self.state().run_renamed(self.runList.indexOfTopLevelItem(item), item.text(0))
            if record_of(item).name != item.text(0):  # blank: the name it had stays
                blocked = self.runList.blockSignals(True)
                item.setText(0, record_of(item).name)
                self.runList.blockSignals(blocked)
            return
        self.redraw()
