"""A sweep says where it is ("run 2 of 5 · lr 0.01 · ~40 s left") and what a Stop stopped."""

from __future__ import annotations

import pytest

from nngui.core.training.runs import lr_sweep, optimizer_sweep
from nngui.gui.training.run_list import about, sweep_finished, sweep_progress, sweep_stopped


def test_the_time_left_is_the_mean_run_times_the_runs_left():
    assert sweep_progress("LR sweep", 1, 5, "lr 0.001", [], 0.0) == \
        "LR sweep · run 1 of 5 · lr 0.001"  # no run done yet: no estimate
    assert sweep_progress("LR sweep", 2, 5, "lr 0.01", [45.0], 10.0) == \
        "LR sweep · run 2 of 5 · lr 0.01 · ~2 min 50 s left"  # 4 × 45 − 10 = 170
    assert sweep_progress("LR sweep", 5, 5, "lr 0.1", [30.0, 50.0, 40.0, 40.0], 0.0) == \
        "LR sweep · run 5 of 5 · lr 0.1 · ~40 s left"
    # a run longer than the mean counts as nearly over, the runs after it still whole
    assert sweep_progress("LR sweep", 4, 5, "lr 0.1", [40.0] * 3, 70.0).endswith("~40 s left")
    assert sweep_progress("LR sweep", 5, 5, "lr 0.1", [40.0] * 4, 41.0).endswith("almost done")
    assert sweep_progress("optimizers", 3, 4, "rmsprop lr 0.001", [10.0, 20.0], 0.0) == \
        "Optimizer comparison · run 3 of 4 · rmsprop lr 0.001 · ~30 s left"


@pytest.mark.parametrize(("seconds", "text"), [(0.2, "1 s"), (40.4, "40 s"), (59.6, "1 min"),
                                                (172, "2 min 50 s"), (180, "3 min"),
                                                (3900, "1 h 5 min")])
def test_durations_read_roughly(seconds, text):
    assert about(seconds) == text


def test_a_stop_says_which_run_it_stopped_and_what_is_left():
    assert sweep_stopped("LR sweep", 2, 5, "lr 0.01") == (
        "LR sweep stopped in run 2 of 5 (lr 0.01); 1 run finished, 3 not started. "
        "The stopped run is kept in the list.")
    assert sweep_stopped("LR sweep", 1, 5, "lr 0.001").startswith(
        "LR sweep stopped in run 1 of 5 (lr 0.001); no run finished, 4 not started.")
    assert sweep_stopped("optimizers", 4, 4, "adagrad lr 0.001").startswith(
        "Optimizer comparison stopped in run 4 of 4 (adagrad lr 0.001); 3 runs finished.")
    assert sweep_finished("LR sweep", 5, 200.0) == "LR sweep finished: 5 runs in 3 min 20 s."


@pytest.fixture
def tiny(circles_window):
    """mlp-2-4-2 on circles, one epoch a run."""
    w = circles_window
    w.builder.set_config(w.builder.config().__class__(epochs=1, batch_size=64))
    return w


def _sweep_with_a_clock(w, qtbot, button: str, on_start=None):
    """Start a sweep whose runs each take 40 s on a fake clock; the sweep line and the Train
    tab's status line as each run starts, and the sweep's last words."""
    runs = w.watch.runs
    now = [100.0]
    runs.clock = lambda: now[0]
    lines, titles = [], []

    def started():
        lines.append(runs.sweepStatus.text())
        titles.append(w.training.trainingStatus.text())
        now[0] += 40.0
        if on_start is not None:
            on_start(len(lines))

    w.training.runStarted.connect(started)
    with qtbot.waitSignal(runs.sweepEnded, timeout=300000) as ended:
        getattr(runs, button).click()
    w.training.runStarted.disconnect(started)
    qtbot.waitUntil(lambda: not w.training.is_running(), timeout=30000)
    return lines, titles, ended.args[0]


def test_the_sweep_line_counts_runs_and_estimates_the_time_left(tiny, qtbot):
    w = tiny
    settings = [label for label, _ in lr_sweep(w.builder.spec())]
    lines, titles, last = _sweep_with_a_clock(w, qtbot, "lrSweepButton")
    assert lines == [f"LR sweep · run 1 of 5 · {settings[0]}",
                     f"LR sweep · run 2 of 5 · {settings[1]} · ~2 min 40 s left",
                     f"LR sweep · run 3 of 5 · {settings[2]} · ~2 min left",
                     f"LR sweep · run 4 of 5 · {settings[3]} · ~1 min 20 s left",
                     f"LR sweep · run 5 of 5 · {settings[4]} · ~40 s left"]
    # the Train tab leads its status line with the run (its progress bar has the run's ETA)
    assert [t.split(" · starting")[0] for t in titles] == [
        f"LR sweep · run {k} of 5 · {s}" for k, s in enumerate(settings, 1)]
    assert last == "LR sweep finished: 5 runs in 3 min 20 s."
    assert w.watch.runs.sweepStatus.text() == last
    assert w.statusBar().currentMessage() == last
    assert len(w.watch.runs.records) == 5


def test_stop_ends_the_sweep_and_says_what_it_stopped(tiny, qtbot):
    w = tiny
    settings = [label for label, _ in optimizer_sweep(w.builder.spec())]

    def stop_second(k):
        if k == 2:
            w.training.stop()

    runs = w.watch.runs
    with qtbot.waitSignal(runs.sweepFinished, timeout=300000) as finished:
        lines, _titles, last = _sweep_with_a_clock(w, qtbot, "optimizerSweepButton",
                                                   stop_second)
    assert finished.args == [2]
    assert len(lines) == 2 and lines[1].startswith(
        f"Optimizer comparison · run 2 of {len(settings)} · {settings[1]} · ~")
    assert last == (f"Optimizer comparison stopped in run 2 of {len(settings)} ({settings[1]}); "
                    f"1 run finished, {len(settings) - 2} not started. "
                    "The stopped run is kept in the list.")
    assert runs.sweepStatus.text() == last == w.statusBar().currentMessage()
    names = [r.name for r in runs.records]  # "#1 optimizers: sgd lr 0.01", …
    assert [n.split(" ", 1)[1] for n in names] == [f"optimizers: {s}" for s in settings[:2]]
    assert runs.lrSweepButton.isEnabled() and not runs.is_sweeping()
