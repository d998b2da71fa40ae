"""Data selection is one request at a time: the latest pick wins over a load still in flight.

Loads are made slow deterministically: the loader waits on a ``threading.Event`` the test
sets after the pick (never a sleep), so the order in which results arrive is the test's.
"""

from __future__ import annotations

import threading

import pytest
from PySide6.QtWidgets import QApplication, QWidget

from nngui.core.data import datasets


@pytest.fixture
def gates(monkeypatch):
    """``gates[name]``: an Event a load of ``name`` waits for; all are set when the test ends."""
    events: dict[str, threading.Event] = {}
    real = datasets.load_dataset

    def gated(name, path=None, **kw):
        event = events.get(name)
        if event is not None:
            assert event.wait(60), f"the load of {name} was never released"
        return real(name, path, **kw)

    monkeypatch.setattr(datasets, "load_dataset", gated)
    yield events
    for event in events.values():
        event.set()


def _new_user(monkeypatch, tmp_path, ask="cancel"):
    """A first start: no MNIST anywhere (the start-up preset loads the bundled digits)."""
    from nngui.gui.common.data_controller import DataController

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("NNGUI_MNIST", raising=False)
    monkeypatch.setenv("NNGUI_DATA_DIR", str(tmp_path / "nngui-data"))
    monkeypatch.setattr(DataController, "ask_mnist_choice", lambda self: ask)


def _problem_texts(w) -> list[str]:
    view = w.findChild(QWidget, "problemsView")
    return [view.item(i).text() for i in range(view.count())]


def _loads_in_flight(w) -> int:
    return len(w.tasks.running("load-data"))


@pytest.mark.parametrize("stale_first", [True, False], ids=["stale-ends-first",
                                                            "stale-ends-last"])
def test_a_preset_picked_while_the_start_up_data_loads_gets_its_own_data(
        qtbot, monkeypatch, tmp_path, messages, gates, stale_first):
    from nngui.gui.window.main_window import MainWindow

    _new_user(monkeypatch, tmp_path)
    gates["digits"] = threading.Event()  # the start-up load (MNIST is not here: digits)
    gates["circles"] = threading.Event()
    w = MainWindow()
    qtbot.addWidget(w)
    assert w.data.is_loading() and w.data.dataset is None
    assert w.data.combo.currentData() == "digits"
    w.apply_preset("mlp-2-4-2")  # a 2-D network on circles, picked during the load
    assert w.data.combo.currentData() == "circles"  # the combo shows the pick at once
    assert w.data.is_loading()
    order = ("digits", "circles") if stale_first else ("circles", "digits")
    for name in order:
        n = _loads_in_flight(w)
        gates[name].set()
        qtbot.waitUntil(lambda n=n: _loads_in_flight(w) == n - 1, timeout=30000)
        if name == "digits":  # the superseded start-up load came back: dropped
            assert w.data.dataset is None or w.data.dataset.name == "circles"
    qtbot.waitUntil(lambda: w.data.dataset is not None, timeout=10000)
    QApplication.processEvents()  # anything already queued for the GUI thread arrives now
    assert w.data.dataset.name == "circles" and not w.data.is_loading()
    assert w.data.combo.currentData() == "circles"
    assert w.presets.combo.currentData() == "mlp-2-4-2"
    assert w.builder.spec().input_shape == tuple(w.data.dataset.input_shape)
    texts = _problem_texts(w)
    assert texts and not [t for t in texts if t.startswith("✖")], texts
    assert not messages
    w.close()


def test_the_loaded_data_picked_again_wins_over_a_load_in_flight(window, qtbot, gates):
    """On circles, moons is picked, then circles again before moons arrives: circles stays."""
    window.apply_preset("mlp-2-4-2")
    qtbot.waitUntil(lambda: window.data.dataset.name == "circles", timeout=20000)
    gates["moons"] = threading.Event()
    window.data.select("moons")
    assert window.data.is_loading()
    window.apply_preset("mlp-2-4-2")  # back to circles before moons arrived
    assert window.data.selection() == "circles"
    gates["moons"].set()
    qtbot.waitUntil(lambda: not window.tasks.running("load-data"), timeout=30000)
    qtbot.wait(50)
    assert window.data.dataset.name == "circles" == window.data.combo.currentData()
    assert not [t for t in _problem_texts(window) if t.startswith("✖")]


def test_the_loaded_data_picked_again_is_not_loaded_again(window, qtbot):
    """Picking the data that is loaded keeps it (no load, so a Train at once trains) and
    says so as a load does: ``loaded`` once, a turn later."""
    window.apply_preset("mlp-2-4-2")
    qtbot.waitUntil(lambda: window.data.dataset.name == "circles" and
                    not window.data.is_loading(), timeout=20000)
    ds = window.data.dataset
    with qtbot.waitSignal(window.data.loaded, timeout=5000) as heard:
        window.data.select("circles")
        assert not window.data.is_loading() and not window.tasks.running("load-data")
    assert heard.args[0] is ds is window.data.dataset
    with qtbot.waitSignal(window.training.runFinished, timeout=60000):
        assert window.train()


def test_a_failed_mnist_download_leaves_the_loaded_data_shown_and_says_why(
        window, qtbot, monkeypatch, messages):
    from nngui.gui.common.data_controller import DataController

    window.apply_preset("mlp-2-4-2")
    qtbot.waitUntil(lambda: window.data.dataset.name == "circles", timeout=20000)
    monkeypatch.setattr(DataController, "ask_mnist_choice", lambda self: "download")
    real = datasets.load_dataset

    def offline(name, path=None, **kw):
        if name == "mnist" and path is None:
            raise datasets.DatasetError("MNIST was not found and could not be downloaded "
                                        "(network unreachable).")
        return real(name, path, **kw)

    monkeypatch.setattr(datasets, "load_dataset", offline)
    failed = []
    window.data.failed.connect(failed.append)
    window.apply_preset("mnist-784-20-10")
    qtbot.waitUntil(lambda: bool(failed), timeout=30000)
    assert not window.data.is_loading()
    assert window.data.dataset.name == "circles"
    assert window.data.combo.currentData() == "circles"  # the combo shows what is loaded
    (kind, _title, text), = messages
    assert kind == "warning" and "network unreachable" in text
    assert f"The data is still {datasets.dataset_title('circles')}" in text
    assert "see Problems" in text
    assert window.statusBar().currentMessage() == failed[-1] == text
    # the mismatch is there, and named: the network reads 784 values, the data 2
    assert any(t.startswith("✖") and "784" in t for t in _problem_texts(window))


def test_a_declined_mnist_pick_says_which_data_stays(window, qtbot):
    window.apply_preset("mlp-2-4-2")
    qtbot.waitUntil(lambda: window.data.dataset.name == "circles", timeout=20000)
    window.apply_preset("mnist-784-20-10")  # "cancel" to the offer (the fixture's answer)
    assert not window.data.is_loading()
    assert window.data.combo.currentData() == "circles"
    assert window.statusBar().currentMessage().startswith(
        f"MNIST was not loaded. The data is still {datasets.dataset_title('circles')}")


def test_train_pressed_while_other_data_loads_trains_on_that_data(window, qtbot, gates):
    """On circles, moons is picked (the combo shows moons), Train is pressed before it
    arrives: the run waits for moons and trains on it, never on the circles it replaces."""
    window.apply_preset("mlp-2-4-2")
    qtbot.waitUntil(lambda: window.data.dataset.name == "circles", timeout=20000)
    gates["moons"] = threading.Event()
    prepared, prepare = [], window.work.prepare  # the data every run (or preparation) encodes

    def spied(ds, spec):
        prepared.append(ds.name)
        return prepare(ds, spec)

    window.work.prepare = spied
    window.data.select("moons")
    assert window.data.is_loading() and window.data.dataset.name == "circles"
    assert window.train() is False  # not now: on the data it shows, once it is there
    assert not window.training.is_running()
    assert "still loading" in window.statusBar().currentMessage()
    with qtbot.waitSignal(window.training.runStarted, timeout=30000):
        gates["moons"].set()
    assert window.data.dataset.name == "moons"
    assert prepared and set(prepared) == {"moons"}, prepared
    qtbot.waitUntil(lambda: not window.training.is_running(), timeout=60000)


def test_a_save_while_other_data_loads_saves_the_data_picked(window, qtbot, gates, tmp_path):
    """On circles, moons is picked and still loading when the project is saved: the file
    names moons (what the combo shows and Train will use), not the circles it replaces."""
    from nngui.core.files.project import load_project

    window.apply_preset("mlp-2-4-2")
    qtbot.waitUntil(lambda: window.data.dataset.name == "circles", timeout=20000)
    gates["moons"] = threading.Event()
    window.data.select("moons")
    path = tmp_path / "moons.nngui"
    assert window.save_project_to(path)
    assert window.data.is_loading()
    assert load_project(path, with_model=False).dataset == "moons"
    gates["moons"].set()
    qtbot.waitUntil(lambda: not window.data.is_loading(), timeout=30000)
    assert window.save_project_to(path)
    assert load_project(path, with_model=False).dataset == "moons"


def test_export_while_other_data_loads_writes_the_data_picked(window, qtbot, gates, tmp_path):
    """Export as Python while a moons pick loads: the script makes moons, not the circles."""
    window.apply_preset("mlp-2-4-2")
    qtbot.waitUntil(lambda: window.data.dataset.name == "circles", timeout=20000)
    gates["moons"] = threading.Event()
    window.data.select("moons")
    path = tmp_path / "net.py"
    assert window.files.export_python(path)
    text = path.read_text()
    assert "make_moons" in text and "make_circles" not in text
    gates["moons"].set()
    qtbot.waitUntil(lambda: not window.data.is_loading(), timeout=30000)


def test_a_project_opened_while_other_data_loads_gets_its_own_data(window, qtbot, gates,
                                                                   tmp_path):
    window.apply_preset("mlp-2-4-2")
    qtbot.waitUntil(lambda: window.data.dataset.name == "circles", timeout=20000)
    path = tmp_path / "circles.nngui"
    assert window.save_project_to(path)
    gates["moons"] = threading.Event()
    window.data.select("moons")  # still loading when the project (on circles) opens
    with qtbot.waitSignal(window.projects.opened, timeout=30000):
        assert window.open_path(path)
        gates["moons"].set()
    qtbot.waitUntil(lambda: not window.tasks.running("load-data"), timeout=30000)
    qtbot.wait(50)
    assert window.data.dataset.name == "circles" == window.data.combo.currentData()
    assert not [t for t in _problem_texts(window) if t.startswith("✖")]


def test_the_cifar_preset_asks_for_its_data_when_picked_and_not_at_start_up(
        window, qtbot, monkeypatch, messages) -> None:
    """A preset last used at start-up (quiet) never opens the 163 MB download question: it
    says where the data comes from and keeps the data loaded; picked by the user, it asks."""
    from nngui.gui.common.data_controller import DataController

    asked: list[str] = []
    monkeypatch.setattr(DataController, "ask_download_choice",
                        lambda self, name: asked.append(name) or "cancel")
    said: list[str] = []
    window.presets.message.connect(lambda text, _ms: said.append(text))
    before = window.data.dataset.name
    window.apply_preset("cifar-3072-3000-2000-10", quiet=True)
    assert asked == [] and window.data.dataset.name == before
    assert any("pick CIFAR-10 colour images under Data to download it, or load its file" in t
               for t in said)
    window.apply_preset("cifar-3072-3000-2000-10")
    assert asked == ["cifar10"]


def test_while_other_data_loads_the_data_line_and_problems_describe_no_old_data(
        window, qtbot, gates):
    """A preset whose data is still loading: the data line says what loads, and the
    Problems list does not hold the new network against the data about to go (it said the
    network reads 3 inputs where the data has 2, of circles, while XOR loaded)."""
    window.apply_preset("mlp-2-4-2")
    qtbot.waitUntil(lambda: window.data.dataset.name == "circles" and
                    not window.data.is_loading(), timeout=20000)
    assert "2" in window.dataInfo.lines()[0]  # circles: input 2
    gates["xor"] = threading.Event()
    window.apply_preset("xor-3-4-1")  # 3 inputs, on XOR data still to come
    assert window.data.is_loading()
    assert window.dataInfo.lines()[0].startswith("Loading")
    assert not [t for t in _problem_texts(window) if t.startswith("✖")], _problem_texts(window)
    with qtbot.waitSignal(window.data.loaded, timeout=30000):
        gates["xor"].set()
    assert not window.data.is_loading() and window.data.dataset.name == "xor"
    assert window.dataInfo.lines()[0].startswith("4 train")  # XOR's four points
    assert not [t for t in _problem_texts(window) if t.startswith("✖")]
