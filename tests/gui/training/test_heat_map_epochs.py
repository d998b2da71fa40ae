"""The weights' heat map over epochs puts each kept epoch where it was: on small data the
probes keep a few epochs of many (a 100-epoch run: 1, 28, 100), and the map drew them as
columns at epochs 1, 2 and 3 under an axis called "epoch"."""

from __future__ import annotations

import numpy as np

from nngui.gui.training.stats import StatsPanel, heat_columns


def _payload(level: int) -> dict:
    counts = np.zeros(4, np.int64)
    counts[level] = 10
    return {"layers": ["dense"], "edges": [np.linspace(-1.0, 1.0, 5)], "counts": [counts],
            "grad_norms": [0.1]}


def test_kept_epochs_sit_at_their_epochs_on_the_heat_map(qtbot) -> None:
    stats = StatsPanel()
    qtbot.addWidget(stats)
    stats.show()
    for epoch, level in ((0, 0), (27, 1), (99, 3)):  # epochs 1, 28 and 100 kept
        stats.show_probe("weight_stats", epoch, _payload(level))
    qtbot.waitUntil(lambda: stats._heat.image is not None and not stats._dirty, timeout=5000)
    image = stats._heat.image
    assert image.shape == (100, 4)  # a column an epoch, 1 to 100
    rect = stats._heat.mapRectToParent(stats._heat.boundingRect())
    assert (rect.left(), rect.right()) == (0.5, 100.5)
    level = image.argmax(axis=1)
    assert list(level[:27]) == [0] * 27  # epochs 1-27: what epoch 1 kept
    assert list(level[27:99]) == [1] * 72  # epochs 28-99: what epoch 28 kept
    assert level[99] == 3


def test_a_long_run_shares_columns_and_keeps_its_span() -> None:
    columns, left, right = heat_columns(list(range(0, 5000, 50)), most=1000)
    assert len(columns) == 1000 and (left, right) == (0.5, 4951.5)
    assert columns[0] == 0 and columns[-1] == 99 and all(np.diff(columns) >= 0)
