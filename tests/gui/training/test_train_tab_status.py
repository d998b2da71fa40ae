"""The Train tab says how a run ended, whichever tab was in front when it ended: a tab shown
again, the redraw timer, a resize or a late batch bundle never bring back the live line
("Training · accuracy 95.2 % · ETA 0:00") over "Trained 3 epochs" or "Stopped …"."""

from __future__ import annotations

TIMEOUT = 120_000


def _shown(w, qtbot):
    w.resize(1280, 720)
    w.show()
    qtbot.waitExposed(w)
    w.tabs.setCurrentWidget(w.training)
    w.training.build_plots()
    return w


def _settled_top(widget) -> int:
    """``widget``'s top once the layout has settled: the status line's room follows its
    width, so the first turns after a show or resize may lay out twice (in the full suite
    the first reading came one pass early, 16 px lower than the settled one)."""
    from PySide6.QtWidgets import QApplication

    tops: list[int] = []
    for _ in range(50):
        QApplication.processEvents()
        tops.append(widget.geometry().top())
        if len(tops) >= 3 and tops[-1] == tops[-2] == tops[-3]:
            break
    return tops[-1]


def _late_redraws(w, qtbot) -> None:
    """Everything that redraws the Train tab after a run: the tabs shown in turn, its timer's
    tick, a resize, a batch bundle that arrives late."""
    training = w.training
    for page in (w.watch, w.training, w.watch, w.training):
        w.tabs.setCurrentWidget(page)
    training._timer.timeout.emit()
    training.resize(training.width() - 40, training.height())
    training._on_event(("batches", 0, 3, [(3, 0.3)], {"loss": 0.3, "accuracy": 0.9}))
    training._timer.timeout.emit()
    w.tabs.setCurrentWidget(w.watch)
    w.tabs.setCurrentWidget(w.training)


def test_a_run_that_ends_behind_the_watch_tab_says_how_it_ended(circles_window, qtbot):
    w = _shown(circles_window, qtbot)
    training = w.training
    left = []

    def watch(_epoch, _logs) -> None:
        if not left:
            left.append(True)
            w.tabs.setCurrentWidget(w.watch)

    training.epochEnded.connect(watch)
    with qtbot.waitSignal(training.runFinished, timeout=TIMEOUT) as done:
        assert w.train()
    training.epochEnded.disconnect(watch)
    result = done.args[0]
    assert left and result.reason == "finished" and w.tabs.currentWidget() is w.watch
    final = f"{result.message} This run took {result.seconds:.1f} s."
    _late_redraws(w, qtbot)
    assert training.trainingStatus.text() == final
    assert training.trainingProgress.format().endswith("· done")


def test_a_run_stopped_behind_the_watch_tab_stays_stopped(circles_window, qtbot):

    w = _shown(circles_window, qtbot)
    w.builder.set_config(w.builder.config().__class__(epochs=300, batch_size=64))
    training = w.training
    top = _settled_top(training.curves)  # the plots stay put under the pointer

    def watch_and_stop(_epoch, _logs) -> None:
        if training.is_running() and w.tabs.currentWidget() is not w.watch:
            w.tabs.setCurrentWidget(w.watch)
            training.stop()

    training.epochEnded.connect(watch_and_stop)
    with qtbot.waitSignal(training.runFinished, timeout=TIMEOUT) as done:
        assert w.train()
    training.epochEnded.disconnect(watch_and_stop)
    result = done.args[0]
    assert result.reason == "stopped" and result.message.startswith("Stopped")
    _late_redraws(w, qtbot)
    assert training.trainingStatus.text().startswith(result.message)
    assert "Training" not in training.trainingStatus.text()
    assert training.trainingProgress.format().endswith("· stopped")
    assert _settled_top(training.curves) == top, training.trainingStatus.text()
