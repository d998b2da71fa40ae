"""At 1366x768 with the Lessons dock open, the Watch tab's run plot leaves the run's note
below it whole: its "epoch" axis title was drawn over the note's first line (a two-line note,
e.g. "No validation in this run …", after any XOR lesson run)."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

NOTE = ("#8 perceptron_xor · adam lr 0.1: No validation in this run: its validation split "
        "was 0, or too small to hold one sample of this data. Set a larger one to see when "
        "the network starts to overfit.")


def _rows(widget, root) -> tuple[int, int]:
    top = widget.mapTo(root, widget.rect().topLeft()).y()
    return top, top + widget.height()


def test_the_run_plot_does_not_cover_the_run_note(window, qtbot):
    w = window
    for height in (768, 743):  # the screen, and the screen less a window title bar
        w.resize(1366, height)
        w.show()
        qtbot.waitExposed(w)
        w.lessons.show()
        w.tabs.setCurrentWidget(w.watch)
        runs = w.watch.runs
        runs.overfitNote.setText(NOTE)
        for _ in range(3):
            QApplication.processEvents()
        assert runs.overfitNote.heightForWidth(runs.overfitNote.width()) > \
            runs.overfitNote.fontMetrics().lineSpacing()  # it wraps: two lines
        plot_top, plot_bottom = _rows(runs.comparePlot, runs)
        note_top, note_bottom = _rows(runs.overfitNote, runs)
        assert plot_bottom <= note_top, (height, plot_bottom, note_top)
        assert note_bottom - note_top >= runs.overfitNote.heightForWidth(
            runs.overfitNote.width())
