"""The data combo offers what the data set registry holds, in its order, with its titles."""

from __future__ import annotations


def test_the_data_combo_offers_every_registry_entry(qtbot) -> None:
    from PySide6.QtWidgets import QWidget

    from nngui.core.data.datasets import dataset_names, dataset_title
    from nngui.gui.common.data_controller import DataController

    parent = QWidget()
    qtbot.addWidget(parent)
    combo = DataController(parent).combo
    assert combo.objectName() == "datasetCombo"
    items = [(combo.itemData(i), combo.itemText(i)) for i in range(combo.count())]
    assert items == [(name, dataset_title(name)) for name in dataset_names()]
