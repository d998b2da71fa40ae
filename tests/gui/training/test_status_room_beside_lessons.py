"""At 1366x768 with the Lessons dock open, a Stop inside an epoch said (walkthrough, lesson 4)
"Stopped in epoch 9 of 35 after 1,664 of 1,688 batches; 8 complete epochs, the weights
learned so far are kept. Continue trains the remaining 27 epochs. This run took 4.4 s." in
three lines where the status line kept room for two: the loss and accuracy plots moved down
under the pointer. The line keeps the room its longest usual words need at its width."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

STOPPED = ("Stopped in epoch 9 of 35 after 1,664 of 1,688 batches; 8 complete epochs, the "
           "weights learned so far are kept. Continue trains the remaining 27 epochs. This run "
           "took 4.4 s.")


def _settle() -> None:
    for _ in range(3):
        QApplication.processEvents()


def test_a_stop_inside_an_epoch_moves_no_plot_beside_the_lessons(window, qtbot):
    w = window
    w.resize(1366, 768)
    w.show()
    qtbot.waitExposed(w)
    w.lessons.show()
    w.tabs.setCurrentWidget(w.training)
    w.training.build_plots()
    training = w.training
    status = training.trainingStatus
    _settle()
    top = training.curves.geometry().top()
    status.setText(STOPPED)  # as the run's end draws it
    _settle()
    lines = status.heightForWidth(status.width()) // status.fontMetrics().lineSpacing()
    assert lines >= 3  # it takes three lines here
    assert status.height() >= status.heightForWidth(status.width())  # all of it shows
    assert training.curves.geometry().top() == top  # and nothing below moved
    status.setText("")
    _settle()
    assert training.curves.geometry().top() == top
