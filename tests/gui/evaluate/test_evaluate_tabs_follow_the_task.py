"""Evaluate's tabs follow the network and its data, not the last report (walkthrough): after a
regression was evaluated, a new classifier kept "Confusion" and "Mistakes" closed and a
"Fitted curve" tab; a regression project reopened offered a confusion matrix, a mistakes list
and a "Decision boundary" until it was evaluated."""

from __future__ import annotations


def _tabs(ev) -> tuple[bool, bool, bool, str]:
    t = ev.tabs
    return t.isTabEnabled(0), t.isTabEnabled(1), t.isTabEnabled(2), t.tabText(2)


def _loaded(w, qtbot, name: str) -> None:
    qtbot.waitUntil(lambda: w.data.dataset is not None and w.data.dataset.name == name
                    and not w.data.is_loading(), timeout=60000)


def test_the_tabs_follow_the_network_and_its_data(window, qtbot, tmp_path, open_and_wait):
    w = window
    w.build_all_pages()
    ev = w.evaluate
    w.apply_preset("regression-1-32-32-1")
    _loaded(w, qtbot, "regression")
    assert _tabs(ev) == (False, False, True, "Fitted curve")  # before any run
    cfg = w.builder.config()
    cfg.epochs = 2
    w.builder.set_config(cfg)
    with qtbot.waitSignal(w.training.runFinished, timeout=120000):
        assert w.train()
    qtbot.waitUntil(lambda: ev.report is not None and not ev.is_running(), timeout=60000)
    assert _tabs(ev) == (False, False, True, "Fitted curve")
    assert w.save_project_to(tmp_path / "curve.nngui")

    w.apply_preset("mlp-2-8-2")  # a classifier on the moons, untrained
    _loaded(w, qtbot, "moons")
    assert ev.report is None
    assert _tabs(ev) == (True, True, True, "Decision boundary")

    assert open_and_wait(w, tmp_path / "curve.nngui")  # the regression again, not evaluated
    _loaded(w, qtbot, "regression")
    qtbot.waitUntil(lambda: ev.report is None or not ev.is_running(), timeout=60000)
    assert _tabs(ev) == (False, False, True, "Fitted curve")
