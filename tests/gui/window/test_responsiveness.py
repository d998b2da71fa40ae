"""What keeps the window responsive while a job trains: garbage collection kept small and in
the GUI thread, start-up's objects frozen out of it, and a run that leaves the Watch tab open."""

import gc
import threading

import pytest

from nngui.gui.common import tasks
from nngui.gui.common.tasks import TaskRunner


@pytest.fixture
def collections(monkeypatch):
    """Record which generation each collection asks for, with the counts past every threshold.

    Only this test's runner counts (windows of earlier tests may still be letting go of
    theirs), and the GUI's own collection timer is paused so only the test's calls are seen.
    """
    import weakref

    monkeypatch.setattr(tasks, "_RUNNERS", weakref.WeakSet())
    tasks.keep_gc_in_gui_thread()
    tasks._GC_TIMER.stop()
    asked = []
    t0, t1, t2 = gc.get_threshold()
    monkeypatch.setattr(gc, "get_count", lambda: (t0 + 1, t1 + 1, t2 + 1))
    monkeypatch.setattr(gc, "collect", lambda generation=2: asked.append(generation) or 0)
    yield asked
    if tasks._GC_TIMER is not None:
        tasks._GC_TIMER.start()


def test_the_full_collection_waits_until_no_job_runs(qtbot, collections):
    runner = TaskRunner()
    release = threading.Event()
    task = runner.submit("slow", lambda _report, _stop: release.wait(30))
    assert task is not None
    tasks._collect()  # a job runs: young generations only, never the whole heap
    release.set()
    qtbot.waitUntil(lambda: not runner.running(), timeout=10000)
    tasks._collect()  # idle again: the full collection that was put off
    assert collections == [1, 2]


def test_a_very_long_job_still_gets_a_full_collection(monkeypatch, collections):
    monkeypatch.setattr(gc, "get_count", lambda: (1000, 11, tasks._FULL_WHILE_BUSY + 1))
    runner = TaskRunner()
    release = threading.Event()
    runner.submit("slow", lambda _report, _stop: release.wait(30))
    try:
        tasks._collect()
    finally:
        release.set()
        runner.shutdown(10000)
    assert collections == [2]


def test_start_up_objects_are_frozen_out_of_collection_once_tensorflow_is_ready(window, qtbot):
    qtbot.waitUntil(lambda: gc.get_freeze_count() > 100_000, timeout=60000)
    assert not gc.isenabled()  # collection stays with the GUI thread's timer


@pytest.mark.parametrize("start, shown", [("watch", "watch"), ("evaluate", "training")])
def test_training_from_the_watch_tab_stays_there_and_from_elsewhere_shows_the_curves(
        circles_window, qtbot, start, shown):
    w = circles_window
    w.builder.set_config(w.builder.config().__class__(epochs=1, batch_size=64))
    w.tabs.setCurrentWidget(getattr(w, start))
    with qtbot.waitSignal(w.training.runFinished, timeout=120000):
        w.train()
    # the switch, if any, came as the run began; from Watch it would repaint a whole tab
    # while the worker starts (a 100 ms stall) and hide the live views the user opened
    assert w.tabs.currentWidget() is getattr(w, shown)
