"""A perceptron on XOR (lesson 3's first step) settles on weights near 0: it says 0.5 for
every point and draws no line. The Watch tab showed an empty white box titled "Decision
boundary · epoch 200" beside a lesson that said the boundary "is always a straight line";
the title now says the map is one value, and the lesson says why."""

from __future__ import annotations

import numpy as np

from nngui.core.lessons.library import find_lesson
from nngui.gui.training.live_titles import flat_note


def _train(window, qtbot, preset: str) -> str:
    window.apply_preset(preset)
    qtbot.waitUntil(lambda: window.data.dataset is not None and not window.data.is_loading(),
                    timeout=30000)
    window.build_all_pages()
    window.tabs.setCurrentWidget(window.watch)
    with qtbot.waitSignal(window.training.runFinished, timeout=120000) as blocker:
        assert window.train()
    assert blocker.args[0].reason == "finished"
    live = window.watch.live
    live.show_frame(0, None)  # the latest views, drawn now
    qtbot.waitUntil(lambda: "epoch" in live.boundaryPlot.getPlotItem().titleLabel.text,
                    timeout=10000)
    return live.boundaryPlot.getPlotItem().titleLabel.text


def test_a_perceptrons_one_colour_map_says_so(window, qtbot) -> None:
    title = _train(window, qtbot, "perceptron-xor")
    assert "p(class 1) 0.50 everywhere" in title
    (run,) = window.projects.state.runs
    assert abs(run.history["loss"][-1] - np.log(2)) < 1e-3  # 0.5 for each point: ln 2
    step = find_lesson("perceptron-mlp")[0].steps[0]
    assert "p(class 1) 0.50 everywhere" in " ".join(step.text.split())  # what it reads

    title = _train(window, qtbot, "perceptron-xor-x1x2")  # a boundary: no such words
    assert "everywhere" not in title


def test_flat_note_reads_only_a_one_colour_map() -> None:
    assert flat_note(np.full((5, 5), 0.5)) == " · p(class 1) 0.50 everywhere"
    assert flat_note(np.linspace(0.495, 0.505, 25)) == " · p(class 1) 0.50 everywhere"
    assert flat_note(np.linspace(0.1, 0.9, 25)) == ""
    assert flat_note(np.array([0.5, np.nan])) == ""
    assert flat_note(np.array([])) == ""
