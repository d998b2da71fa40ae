"""The Mistakes tab's list: misclassified test samples as small pictures in a grid, or as
lines of words when there is no picture to show.

A grid cell is as wide as a picture (72 px), so words in it were cut to their first few
letters: the autoencoder's note "This network has no classes: …" read "This net…", and a
2-D point's "0 → 1 at (0.23, -0.41)" read "0 → 1 a…". Words get whole, wrapped lines.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QListView, QListWidget, QListWidgetItem

ICON_SIZE = 56


class MistakesView(QListWidget):
    """``mistakesView``: :meth:`show_pictures` before adding items with icons, or
    :meth:`show_words` before items that are only text; :meth:`add_note` a line to read."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("mistakesView")
        self.setMovement(QListView.Movement.Static)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setToolTip("Double-click a sample to probe it on the Inspect tab")
        self.show_pictures()

    def show_pictures(self) -> None:
        """A grid of pictures, each with its short caption ("3 → 5") under it."""
        self.clear()
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setIconSize(QSize(ICON_SIZE, ICON_SIZE))
        self.setGridSize(QSize(ICON_SIZE + 16, ICON_SIZE + 24))
        self.setWordWrap(False)
        self.setUniformItemSizes(True)

    def show_words(self) -> None:
        """One line per item, the whole width of the view, wrapped when longer."""
        self.clear()
        self.setViewMode(QListView.ViewMode.ListMode)
        self.setGridSize(QSize())
        self.setIconSize(QSize())
        self.setUniformItemSizes(False)
        self.setWordWrap(True)

    def add_note(self, text: str) -> None:
        """Words to read, not a sample to pick."""
        self.show_words()
        note = QListWidgetItem(text)
        note.setFlags(Qt.ItemFlag.NoItemFlags)
        self.addItem(note)
