"""Small truths a student saw: the data combo counts the loaded file, a second running copy
never offers the first copy's live autosave, a reopened preset project names its preset."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from nngui.core.files.project import save_project
from nngui.core.files.state import SessionState
from nngui.core.training.presets import get_preset
from nngui.gui.window.recovery import Recovery, autosave_dir


def test_the_data_combo_counts_the_digits_of_the_loaded_mnist_file(window, qtbot,
                                                                  mnist_path) -> None:
    combo = window.data.combo
    window.data.select("mnist", str(mnist_path))  # the 8,000/2,000 slice
    qtbot.waitUntil(lambda: window.data.dataset is not None and
                    window.data.dataset.name == "mnist", timeout=60000)
    assert combo.currentText() == "MNIST handwritten digits (8k/2k)"
    assert "60k" not in combo.currentText()


@pytest.mark.skipif(sys.platform == "win32", reason="a process's liveness is POSIX here")
def test_a_second_copy_never_offers_the_first_copys_live_autosave(window, qtbot,
                                                                 monkeypatch) -> None:
    from nngui.gui.window.main_window import MainWindow

    window.apply_preset("xor-3-4-1")
    window.lab.iterate(1)
    assert window.recovery.autosave()
    note = autosave_dir() / "autosave.json"
    assert json.loads(note.read_text())["pid"] == os.getpid()
    first = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:  # the autosave is the other copy's, and it is still running
        note.write_text(json.dumps({"path": None, "pid": first.pid}))
        offered = []
        monkeypatch.setattr(Recovery, "recovery_prompt",
                            staticmethod(lambda w, when: offered.append(when) or False))
        second = MainWindow(load_tensorflow=False)
        qtbot.addWidget(second)
        with qtbot.waitSignal(second.recovery.checked, timeout=10000) as checked:
            pass
        assert checked.args == [False] and offered == []
        second.close()  # its clean exit leaves the other copy's autosave alone
        assert (autosave_dir() / "autosave.nngui").is_file()
    finally:
        first.kill()
        first.wait()
    third = MainWindow(load_tensorflow=False)  # the first copy is gone: that is a crash
    qtbot.addWidget(third)
    with qtbot.waitSignal(third.recovery.checked, timeout=10000) as checked:
        pass
    assert checked.args == [True] and len(offered) == 1
    third.close()


@pytest.mark.parametrize("with_state", [True, False])
def test_a_reopened_preset_project_names_the_preset(window, tmp_path, open_and_wait,
                                                   with_state) -> None:
    p = get_preset("mlp-2-4-2")
    project = SessionState(p.spec(), p.train_config(), "mlp-2-4-2", "circles").to_project()
    if not with_state:  # a file from before state.json: the preset whose network it is
        project.state = None
    save_project(project, tmp_path / "p.nngui")
    window.apply_preset("xor-3-4-1")
    assert open_and_wait(window, tmp_path / "p.nngui")
    assert window.presets.combo.currentData() == "mlp-2-4-2"
    assert window.presets.combo.currentText() == p.title
    assert not window.presets.combo.currentText().startswith("Your design")


def test_evaluate_offers_no_empty_boundary_tab_for_an_autoencoder(window) -> None:
    from nngui.gui.evaluate.panel import AE_NO_BOUNDARY

    evaluate = window.evaluate
    evaluate.set_context(None, None, get_preset("ae-32d").spec(), [])
    assert not evaluate.tabs.isTabEnabled(2)
    assert evaluate.tabs.tabToolTip(2) == AE_NO_BOUNDARY
    evaluate.set_context(None, None, get_preset("mlp-2-4-2").spec(), ["0", "1"])
    assert evaluate.tabs.isTabEnabled(2)  # its tooltip: its own whole name, no reason
    assert evaluate.tabs.tabToolTip(2) == evaluate.tabs.tabText(2) == "Decision boundary"


def test_the_latent_legend_names_digits_only_when_there_are_some(window) -> None:
    import numpy as np

    view = window.autoencoder.latent
    legend = view.latentPlot.getPlotItem().legend
    view.clear(points=True)
    assert not legend.isVisible()
    view.set_latent(np.zeros((0, 2)), np.zeros(0), "z")  # non-MNIST data: no digits
    assert not legend.isVisible()
    view.set_latent(np.random.default_rng(0).normal(size=(20, 2)), np.arange(20) % 10, "z")
    assert legend.isVisible()
    view.latentGridButton.setChecked(True)
    assert not legend.isVisible()


def test_the_summary_columns_fill_the_table_after_a_project_opens(window, qtbot, tmp_path,
                                                                 open_and_wait) -> None:
    window.show()
    qtbot.waitExposed(window)
    p = get_preset("mnist-784-20-10")
    save_project(SessionState(p.spec(), p.train_config(), "mnist-784-20-10",
                              "digits").to_project(), tmp_path / "p.nngui")
    assert open_and_wait(window, tmp_path / "p.nngui")
    qtbot.wait(50)  # the layout settles
    table = window.summary
    header = table.horizontalHeader()
    last = header.count() - 1
    filled = header.sectionPosition(last) + header.sectionSize(last)
    assert filled >= table.viewport().width() - 1  # "Param #" is not squeezed to its text
    assert header.sectionSize(last) >= header.sectionSizeHint(last)


def test_evaluate_names_no_boundary_for_an_untrained_autoencoder_either(window, qtbot) -> None:
    from nngui.gui.evaluate.panel import AE_NO_BOUNDARY

    tabs = window.evaluate.tabs  # built now; no model to evaluate yet
    window.apply_preset("ae-32d")
    assert not tabs.isTabEnabled(2) and tabs.tabToolTip(2) == AE_NO_BOUNDARY
    window.apply_preset("mlp-2-4-2")
    assert tabs.isTabEnabled(2)


def settle_layout(window) -> None:
    """Every pending layout request of the window done now (they are posted events)."""
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    for _ in range(3):  # a layout that changes a size posts the next request
        QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        window.layout().activate()


def test_the_data_line_keeps_its_height_so_the_builder_never_moves(window, qtbot) -> None:
    """The data's description is one line whatever the data (the bundled digits' three long
    notes made it four lines and moved the builder down; before any data, one line)."""
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    info, builder = window.dataInfo, window.builder
    heights, tops = [], []
    for name in ("digits", "xor", "moons"):
        window.data.select(name)
        qtbot.waitUntil(lambda n=name: window.data.dataset is not None and
                        window.data.dataset.name == n and not window.data.is_loading(),
                        timeout=30000)
        settle_layout(window)
        heights.append(info.height())
        tops.append(builder.mapTo(window, builder.rect().topLeft()).y())
        head, detail = info.lines()
        assert head.endswith("classes") and detail == "; ".join(window.data.dataset.notes[:3])
        assert "\n" not in info.text() and info.text().startswith(head[:20])
    assert len(set(heights)) == 1 and len(set(tops)) == 1, (heights, tops)
