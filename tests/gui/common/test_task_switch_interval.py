"""A task runner shortens the GIL's switch interval, so a job running Python keeps the GUI
thread waiting at most ~1 ms (not Python's 5 ms); giving the GUI up restores it."""

import sys

from nngui.gui.common.tasks import GUI_SWITCH_INTERVAL_S, TaskRunner, release_gc


def test_a_task_runner_favours_the_gui_thread_until_the_gui_is_given_up(qapp):
    release_gc()
    default = sys.getswitchinterval()
    assert default > GUI_SWITCH_INTERVAL_S
    runner = TaskRunner()
    try:
        assert sys.getswitchinterval() == GUI_SWITCH_INTERVAL_S
    finally:
        runner.shutdown()
        release_gc()
    assert sys.getswitchinterval() == default


def test_a_training_job_runs_at_pythons_own_switch_interval(qapp, qtbot):
    """Training is the job whose speed is the point: while one runs, the GUI thread does not
    take the GIL every 1 ms (the window trained ~7 % slower so); other jobs keep the 1 ms."""
    import threading

    release_gc()
    default = sys.getswitchinterval()
    runner = TaskRunner()
    go = threading.Event()
    try:
        other = runner.submit("probe", lambda _r, _s: go.wait(10))
        assert sys.getswitchinterval() == GUI_SWITCH_INTERVAL_S
        train = runner.submit("train", lambda _r, _s: go.wait(10))
        assert sys.getswitchinterval() == default
        assert other is not None and train is not None
        go.set()
        qtbot.waitUntil(lambda: not runner.running(), timeout=10000)
        assert sys.getswitchinterval() == GUI_SWITCH_INTERVAL_S
    finally:
        go.set()
        runner.shutdown()
        release_gc()
    assert sys.getswitchinterval() == default
