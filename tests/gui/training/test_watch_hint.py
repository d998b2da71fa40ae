"""The Watch tab's first view is empty for data that is neither 2-D nor 784 pixels (XOR's
three inputs): the hint that says which data it shows stays, instead of an empty plot with
no word on why."""

import numpy as np

from nngui.gui.training.live import LivePanel


def hidden_payload() -> dict:
    return {"coords": np.zeros((4, 2), np.float32), "labels": np.zeros(4, np.int64),
            "method": "pca", "units": 4, "layer": "dense"}


def test_the_hint_stays_while_the_first_view_has_nothing(qtbot):
    live = LivePanel()
    qtbot.addWidget(live)
    live.show()
    live.show_probe("hidden", 0, hidden_payload())  # XOR 3-4-1: no boundary, no weights
    live.show_probe("dead_relu", 0, {"layers": []})
    live._redraw(every=True)
    assert live.hint.isVisible()
    # a classifier has just trained: the hint says what the views show, not to train one
    assert not live.hint.text().lower().startswith("train")
    live.show_probe("weights", 1, {"images": np.zeros((4, 28, 28), np.float32), "units": 4})
    live._redraw(every=True)
    assert not live.hint.isVisible()  # the views explain themselves now
