"""``TaskRunner.released``: said when a job ends (a Train click waits on it), and never by
a runner whose window has closed (a job that outlived its window's shutdown ended into a
deleted Qt object: "Signal source has been deleted", in whatever test ran next)."""

import threading

import shiboken6

from nngui.gui.common.tasks import TaskRunner, release_gc


def test_a_job_that_ends_says_released(qapp, qtbot):
    runner = TaskRunner()
    try:
        gate = threading.Event()
        held = object()
        task = runner.submit("job", lambda _r, _s: gate.wait(30), holds=(held,))
        assert runner.held_by_job(held)
        with qtbot.waitSignal(runner.released, timeout=30000):
            gate.set()
        assert task is not None and not runner.held_by_job(held)
    finally:
        runner.shutdown()
        release_gc()


def test_a_job_that_outlives_its_closed_runner_ends_quietly(qapp, qtbot):
    runner = TaskRunner()
    gate = threading.Event()
    task = runner.submit("job", lambda _r, _s: gate.wait(30))
    assert task is not None
    assert not runner.shutdown(timeout_ms=10)  # the window closes; the job is still in it
    shiboken6.delete(runner)  # and the window, the runner's parent, is gone
    with qtbot.waitSignal(task.finished, timeout=30000):
        gate.set()
    release_gc()
