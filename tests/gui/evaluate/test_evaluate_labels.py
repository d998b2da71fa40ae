"""Evaluate says what it shows: the mistakes' total, a decision-boundary legend, cell tips."""

from __future__ import annotations

import numpy as np

from nngui.core.data.adapt import Prepared
from nngui.core.network.spec import LayerSpec, NetworkSpec, TrainConfig
from nngui.core.training.session import Session
from nngui.core.training.train import train
from nngui.gui.evaluate.panel import EvaluatePanel


def test_mistakes_total_boundary_legend_and_cell_tooltips(qtbot):
    from sklearn.datasets import make_moons

    x, y = make_moons(400, noise=0.3, random_state=0)
    x = x.astype(np.float32)
    data = Prepared(x[:300], y[:300], x[300:], y[300:], y[300:].astype(np.int64))
    spec = NetworkSpec((2,), [LayerSpec("Dense", {"units": 2, "activation": "softmax"})],
                       "sparse_categorical_crossentropy")
    session = Session(spec)
    cfg = TrainConfig(epochs=1, seed=0, device="cpu", batch_size=32, jit_compile=False)
    assert train(session.ensure_model(0), data, spec, cfg).ok
    panel = EvaluatePanel()
    qtbot.addWidget(panel)
    panel.set_context(session.model, data, spec, ["left moon", "right moon"])
    with qtbot.waitSignal(panel.evaluated, timeout=120_000):
        assert panel.evaluate()

    cm = panel.report.confusion
    wrong = int(cm.sum() - np.trace(cm))
    assert wrong > 0  # a one-layer net after one epoch gets some of the moons wrong
    shown = panel.mistakesView.count()
    expected = f"{shown} of {wrong}" if wrong > shown else f"{wrong}"
    assert panel.tabs.tabText(1) == f"Mistakes ({expected})"

    labels = [label.text for _, label in panel.boundaryLegend.items]
    assert labels == ["class left moon", "class right moon"]
    tip = panel.confusionMatrix.item(0, 1).toolTip()
    assert tip.startswith("true left moon, predicted right moon: ")

    panel.set_context(None, None, None, [])  # a new network: nothing stale stays
    assert panel.tabs.tabText(1) == "Mistakes" and not panel.boundaryLegend.items
