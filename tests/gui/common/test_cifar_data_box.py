"""CIFAR-10 in the data box: found in the cache, or asked for and downloaded (from a local
server) with progress and Cancel, or loaded from the user's archive; a bad download says why
and changes nothing."""

from __future__ import annotations

import pytest
from cifar_archives import Server, archive_bytes, md5, raw_images, serve, write_cache
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QProgressDialog, QPushButton, QWidget

from nngui.core.data import cifar


@pytest.fixture
def box(qtbot, monkeypatch, tmp_path, messages):
    """A data box on a window-less parent, in a HOME with no CIFAR-10; questions fail the
    test unless it answers them."""
    from nngui.gui.common.data_controller import DataController

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv(cifar.CIFAR10_ENV, raising=False)
    asked: list[str] = []
    answers: list[str] = []

    def ask(self, name):
        asked.append(name)
        assert answers, f"asked about {name} unexpectedly"
        return answers.pop(0)

    monkeypatch.setattr(DataController, "ask_download_choice", ask)
    parent = QWidget()
    qtbot.addWidget(parent)
    data = DataController(parent)
    data.asked, data.answers = asked, answers
    yield data
    data.tasks.shutdown()


def pick(qtbot, data, name: str = "cifar10", timeout: int = 30000) -> list:
    """Choose ``name`` in the combo as a user does; returns what the box then reported."""
    seen: list = []
    data.loaded.connect(lambda ds: seen.append(ds))
    data.failed.connect(lambda msg: seen.append(msg))
    i = data.combo.findData(name)
    data.combo.setCurrentIndex(i)
    data.combo.activated.emit(i)
    qtbot.waitUntil(lambda: bool(seen) and not data.is_loading(), timeout=timeout)
    return seen


def test_with_the_cache_present_cifar10_loads_without_a_question(box, qtbot, tmp_path) -> None:
    _, raw = archive_bytes()
    write_cache(tmp_path, raw)
    assert box.combo.itemText(box.combo.findData("cifar10")) == \
        "CIFAR-10 colour images (50k/10k, 32x32x3 → 3,072 inputs)"
    ds, = pick(qtbot, box)
    assert ds.name == "cifar10" and ds.input_shape == (3072,) and box.asked == []
    assert box.combo.currentData() == "cifar10"
    assert box.combo.currentText() == "CIFAR-10 colour images (12/3, 32x32x3 → 3,072 inputs)"


def test_the_download_is_asked_for_shows_progress_and_becomes_the_cache(
        box, qtbot, tmp_path, monkeypatch, messages) -> None:
    data, raw = archive_bytes(raw_images((40, 40, 40, 40, 40, 20)))  # ~0.75 MB: 12 chunks
    values: list[int] = []
    with serve(Server(body=data)) as server:
        monkeypatch.setattr(cifar, "SOURCE", cifar.Source(server.url, md5(data), len(data)))
        box.answers.append("download")
        real = QProgressDialog.setValue
        monkeypatch.setattr(QProgressDialog, "setValue",
                            lambda dlg, v: (values.append(v), real(dlg, v)))
        ds, = pick(qtbot, box)
    assert box.asked == ["cifar10"] and messages == []
    assert ds.name == "cifar10" and len(ds.x_train) == 200
    assert len(values) >= 10 and values == sorted(values) and values[-1] == 100
    assert box.findChild(QProgressDialog, "downloadProgress") is None or \
        not box.findChild(QProgressDialog, "downloadProgress").isVisible()
    assert (tmp_path / ".keras" / "datasets" / "cifar10.npz").is_file()


def test_cancel_stops_the_download_keeps_nothing_and_asks_no_more(
        box, qtbot, tmp_path, monkeypatch, messages) -> None:
    box.select("digits")
    qtbot.waitUntil(lambda: box.dataset is not None, timeout=30000)
    data, _ = archive_bytes(raw_images((60, 60, 60, 60, 60, 60)))  # ~1.1 MB, 18 chunks
    with serve(Server(body=data, delay=0.2)) as server:  # 0.2 s a chunk: time to cancel
        monkeypatch.setattr(cifar, "SOURCE", cifar.Source(server.url, md5(data), len(data)))
        box.answers.append("download")
        failed: list[str] = []
        box.failed.connect(failed.append)
        box.select("cifar10")
        dialog = box.window.findChild(QProgressDialog, "downloadProgress")
        assert dialog is not None and dialog.isVisible()
        assert dialog.labelText() == "Downloading CIFAR-10 (163 MB)…"
        qtbot.waitUntil(lambda: dialog.value() > 0, timeout=30000)
        button, = dialog.findChildren(QPushButton)
        assert button.text() == "Cancel"
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: bool(failed) and not box.is_loading(), timeout=30000)
    assert failed[0].startswith("The CIFAR-10 download was cancelled; nothing was kept.")
    assert "The data is still Small digits" in failed[0]
    assert messages == []  # the user's own Cancel: no box
    assert box.dataset.name == "digits" and box.combo.currentData() == "digits"
    assert list((tmp_path / ".keras" / "datasets").iterdir()) == []


def test_a_cut_download_says_why_and_the_data_stays(box, qtbot, tmp_path, monkeypatch,
                                                    messages) -> None:
    box.select("digits")
    qtbot.waitUntil(lambda: box.dataset is not None, timeout=30000)
    data, _ = archive_bytes()
    with serve(Server(body=data, cut=len(data) // 2)) as server:
        monkeypatch.setattr(cifar, "SOURCE", cifar.Source(server.url, md5(data), len(data)))
        box.answers.append("download")
        msg, = pick(qtbot, box)
    (kind, _title, text), = messages
    assert kind == "warning" and text == msg
    assert msg.startswith("CIFAR-10 was not found and could not be downloaded (download "
                          "stopped after")
    assert box.dataset.name == "digits" and box.combo.currentData() == "digits"
    assert list((tmp_path / ".keras" / "datasets").iterdir()) == []


def test_declining_or_loading_the_archive_instead(box, qtbot, tmp_path, monkeypatch) -> None:
    box.answers.append("cancel")
    msg, = pick(qtbot, box)
    assert msg.startswith("CIFAR-10 was not loaded") and box.dataset is None
    data, raw = archive_bytes()
    archive = tmp_path / "cifar-10-binary.tar.gz"
    archive.write_bytes(data)
    filters: list[str] = []

    def choose(parent, title, folder, filter_):
        filters.append(filter_)
        return str(archive), ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", choose)
    box.answers.append("file")
    ds, = pick(qtbot, box)
    assert ds.name == "cifar10" and ds.source == str(archive) and len(ds.y_train) == 12
    assert filters[0].startswith("CIFAR-10 (*.tar.gz")
    assert not (tmp_path / ".keras").exists()  # the user's file is read where it is


def test_the_cifar_homework_net_trains_an_epoch_on_a_small_cache(window, qtbot, tmp_path,
                                                                  messages) -> None:
    """The lesson's 3072-3000-2000-10 net on CIFAR-10 picked in the window's data box."""
    w = window
    _, raw = archive_bytes(raw_images((20, 20, 20, 20, 20, 10)))
    write_cache(tmp_path, raw)  # the window fixture's HOME
    w.apply_preset("cifar-3072-3000-2000-10")
    ds, = pick(qtbot, w.data)
    assert ds.name == "cifar10" and w.builder.spec().input_shape == (3072,)
    w.builder.set_config(w.builder.config().__class__(epochs=1, batch_size=32))
    with qtbot.waitSignal(w.training.runFinished, timeout=300000):
        w.train()
    assert len(w.session.history["loss"]) == 1
    assert messages == []


def test_a_project_keeps_the_cifar10_archive_it_was_loaded_from(window, qtbot, tmp_path,
                                                                 open_and_wait) -> None:
    """Offline route: the user's cifar-10-binary.tar.gz, loaded with File → Load data file…,
    is CIFAR-10; a project remembers the file and opens on it again (no download asked:
    the fixture declines every offer)."""
    w = window
    data, raw = archive_bytes()
    archive = tmp_path / "cifar-10-binary.tar.gz"
    archive.write_bytes(data)
    w.data.load_file(str(archive))
    qtbot.waitUntil(lambda: w.data.dataset.name == "cifar10" and not w.data.is_loading(),
                    timeout=30000)
    project = w.current_project()
    assert (project.dataset, project.data_path) == ("cifar10", str(archive))
    saved = tmp_path / "homework.nngui"
    assert w.save_project_to(saved)
    w.data.select("digits")
    qtbot.waitUntil(lambda: w.data.dataset.name == "digits", timeout=30000)
    assert open_and_wait(w, saved)
    qtbot.waitUntil(lambda: w.data.dataset.name == "cifar10" and not w.data.is_loading(),
                    timeout=30000)
    assert w.data.dataset.source == str(archive) and len(w.data.dataset.y_train) == 12
