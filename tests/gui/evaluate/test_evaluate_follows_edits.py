"""A weight dragged by hand on the Watch tab: Evaluate's numbers and confusion matrix are
measured again on the edited weights (they kept the trained model's), and the Watch tab's live
confusion is recomputed by the edit's job with the boundary."""

from __future__ import annotations

import numpy as np

from nngui.core.insight.evaluation import evaluate_report
from tests.gui.training.test_watch_weight_edit import _drag

TIMEOUT = 120_000


def test_a_hand_edited_weight_is_evaluated_again(window, qtbot) -> None:
    w = window
    w.resize(1366, 768)
    w.show()
    qtbot.waitExposed(w)
    w.apply_preset("mlp-2-4-2")
    qtbot.waitUntil(lambda: w.data.dataset.name == "circles", timeout=TIMEOUT)
    ev = w.pages.evaluate
    with qtbot.waitSignal(ev.evaluated, timeout=TIMEOUT):  # the run's end evaluates it
        with qtbot.waitSignal(w.training.runFinished, timeout=TIMEOUT):
            assert w.train()
    trained = ev.report.confusion.copy()
    qtbot.waitUntil(lambda: not w.tasks.running(), timeout=TIMEOUT)
    w.tabs.setCurrentWidget(w.pages.watch)
    watch = w.pages.watch
    watch.views.setCurrentWidget(watch.edit)
    qtbot.waitUntil(lambda: watch.edit.graph.editable and watch.edit.is_idle(), timeout=TIMEOUT)
    live = []
    watch.live.confusionView.show_matrix = \
        (lambda f: lambda epoch, m: (live.append(np.array(m)), f(epoch, m)))(
            watch.live.confusionView.show_matrix)
    with qtbot.waitSignal(ev.evaluated, timeout=TIMEOUT):
        _drag(qtbot, watch.edit.graph, 1, 4, 0, 120)  # the bias of class 0's output: way up
        qtbot.waitUntil(watch.edit.is_idle, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not ev.is_running() and not ev.stale, timeout=TIMEOUT)
    edited = ev.report.confusion
    assert not np.array_equal(edited, trained)  # the matrix follows the edit
    model, data, spec = ev._model, ev._data, ev._spec
    fresh = evaluate_report(model, data, spec, 2, None).confusion  # the edited model, now
    np.testing.assert_array_equal(edited, fresh)
    assert ev.testMetricsLabel.text().startswith("Test accuracy")
    w.tabs.setCurrentWidget(w.pages.watch)
    watch.views.setCurrentIndex(0)
    qtbot.waitUntil(lambda: bool(live), timeout=TIMEOUT)  # the live matrix recomputed too
