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
