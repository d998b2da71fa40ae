"""Settings: typed round trips, migration from the unversioned keys, the recent-files rules."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QSplitter

from nngui.core.platform import migrations
from nngui.gui.window import settings as st
from nngui.gui.window.settings import MAX_RECENT, SETTINGS_VERSION, Settings


def raw() -> QSettings:
    """The store exactly as nngui (old and new) opens it."""
    return QSettings("nngui", "nngui")


def test_settings_live_in_the_test_folder(private_settings):
    assert Path(Settings().store.fileName()).is_relative_to(private_settings)


def test_round_trip_through_a_new_instance(tmp_path):
    data, mnist = tmp_path / "points.csv", tmp_path / "mnist.npz"
    data.write_text("x,y\n")
    mnist.write_bytes(b"npz")
    s = Settings()
    s.set_geometry(QByteArray(b"\x01\x02geometry"))
    s.set_splitter_sizes("mainSplitter", [560, 840])
    s.set_last_preset("mnist-cnn")
    s.set_last_dataset("moons")
    s.set_data_file(data)
    s.set_mnist_file(mnist)
    s.set_last_dir(tmp_path)
    s.sync()
    again = Settings()  # a fresh QSettings reads the file back
    assert again.geometry() == QByteArray(b"\x01\x02geometry")
    assert again.splitter_sizes("mainSplitter") == [560, 840]
    assert again.splitter_sizes("other") == []
    assert (again.last_preset(), again.last_dataset()) == ("mnist-cnn", "moons")
    assert (again.data_file(), again.mnist_file()) == (data, mnist)
    assert again.last_dir() == str(tmp_path)
    assert again.store.value(st.VERSION_KEY) in (SETTINGS_VERSION, str(SETTINGS_VERSION))
    data.unlink()  # a file that is gone is not offered again
    assert Settings().data_file() is None


def test_empty_or_broken_values_give_defaults(tmp_path):
    s = Settings()
    assert s.geometry() is None and s.last_preset() is None and s.recent_files() == []
    assert s.last_dir() == str(Path.home())
    s.store.setValue(st.SPLITTERS + "mainSplitter", "wide")
    s.store.setValue(st.GEOMETRY, "not bytes")
    s.store.setValue(st.LAST_DIR, str(tmp_path / "gone"))
    assert s.splitter_sizes("mainSplitter") == [] and s.geometry() is None
    assert s.last_dir() == str(Path.home())


def test_migration_from_version_less_keys(tmp_path):
    old = raw()  # what nngui wrote before settings_version existed
    old.setValue("geometry", QByteArray(b"old-geometry"))
    old.setValue("lastDir", str(tmp_path))
    old.sync()
    s = Settings()
    assert s.migrated_from == 0
    assert s.geometry() == QByteArray(b"old-geometry")
    assert s.last_dir() == str(tmp_path)
    s.sync()
    keys = raw().allKeys()
    assert "geometry" not in keys and "lastDir" not in keys
    again = Settings()
    assert again.migrated_from == SETTINGS_VERSION
    assert again.geometry() == QByteArray(b"old-geometry")


def test_settings_from_a_newer_nngui_are_left_alone():
    future = raw()
    future.setValue(st.VERSION_KEY, SETTINGS_VERSION + 1)
    future.setValue("geometry", QByteArray(b"future"))
    future.sync()
    s = Settings()
    assert s.migrated_from == SETTINGS_VERSION + 1
    assert s.store.value("geometry") == QByteArray(b"future")
    assert int(s.store.value(st.VERSION_KEY)) == SETTINGS_VERSION + 1


def test_version_less_keys_migrate_to_what_settings_write_today(tmp_path):
    old = raw()
    old.setValue("geometry", QByteArray(b"g"))
    old.setValue("lastDir", str(tmp_path))
    migrations.migrate("settings", old, 0)
    old.setValue(st.VERSION_KEY, SETTINGS_VERSION)
    migrated = {k: old.value(k) for k in old.allKeys()}
    for k in old.allKeys():
        old.remove(k)
    today = Settings()  # what this nngui writes for the same two values
    today.set_geometry(QByteArray(b"g"))
    today.set_last_dir(tmp_path)
    assert migrated == {k: today.store.value(k) for k in today.store.allKeys()}
    assert migrations.current("settings") == SETTINGS_VERSION
    migrations.check_chain("settings")


@pytest.mark.parametrize("stored", [-4, "abc"])
def test_an_unreadable_version_counts_as_the_version_less_keys(stored, tmp_path):
    old = raw()
    old.setValue(st.VERSION_KEY, stored)
    old.setValue("lastDir", str(tmp_path))
    s = Settings()  # never an error at startup: the old keys are migrated as from version 0
    assert s.last_dir() == str(tmp_path) and "lastDir" not in s.store.allKeys()
    assert int(s.store.value(st.VERSION_KEY)) == SETTINGS_VERSION


@pytest.fixture
def files(tmp_path) -> list[Path]:
    paths = [tmp_path / f"net{i}.json" for i in range(MAX_RECENT + 3)]
    for p in paths:
        p.write_text("{}")
    return paths


def test_recent_files_most_recent_first_at_most_eight(files):
    s = Settings()
    for p in files:
        s.add_recent(p)
    assert s.recent_files() == files[::-1][:MAX_RECENT]
    s.add_recent(files[5])  # again: moves to the front, no duplicate
    recent = Settings().recent_files()
    assert recent[0] == files[5] and recent.count(files[5]) == 1 and len(recent) == MAX_RECENT
    assert s.last_dir() == str(files[5].parent)
    assert len(s.store.value(st.RECENT)) == MAX_RECENT  # the stored list does not grow
    s.store.setValue(st.RECENT, [str(p) for p in files])  # written by hand, too long
    assert Settings().recent_files() == files[:MAX_RECENT]


def test_recent_files_drop_missing_files(files):
    s = Settings()
    s.add_recent(files[0])
    assert s.recent_files() == [files[0]]
    s.store.setValue(st.RECENT, str(files[0]))  # a lone string, as a hand edit leaves it
    assert s.recent_files() == [files[0]]
    s.add_recent(files[1])
    files[0].unlink()
    assert s.recent_files() == [files[1]]
    s.clear_recent()
    assert s.recent_files() == []


def test_the_window_remembers_layout_preset_and_saved_files(qtbot, monkeypatch, tmp_path):
    from nngui.gui.common.data_controller import DataController
    from nngui.gui.window.main_window import MainWindow

    monkeypatch.setenv("HOME", str(tmp_path))  # no MNIST: opens on the bundled digits
    monkeypatch.delenv("NNGUI_MNIST", raising=False)
    monkeypatch.setenv("NNGUI_DATA_DIR", str(tmp_path / "nngui-data"))
    monkeypatch.setattr(DataController, "ask_mnist_choice", lambda self: "cancel")

    def open_window() -> MainWindow:
        w = MainWindow(load_tensorflow=False)
        qtbot.addWidget(w)
        w.show()  # a hidden splitter does not lay its panes out
        qtbot.waitExposed(w)
        qtbot.waitUntil(lambda: w.data.dataset is not None, timeout=30000)
        return w

    first = open_window()
    first.apply_preset("xor-3-4-1")
    first.resize(first.width(), 770)  # the offscreen screen is 800 px high
    splitters = {sp.objectName(): sp for sp in first.findChildren(QSplitter)}
    assert {"mainSplitter", "builderSplitter"} <= set(splitters)
    saved = tmp_path / "nets" / "mine.json"  # not HOME, which is tmp_path here
    saved.parent.mkdir()
    first.save_spec(saved)
    closing_sizes = {name: sp.sizes() for name, sp in splitters.items() if any(sp.sizes())}
    assert {"mainSplitter", "builderSplitter"} <= set(closing_sizes)
    first.close()
    for name, sizes in closing_sizes.items():
        assert first.settings.splitter_sizes(name) == sizes
    # Panes cannot move on the small offscreen screen, so watch the restore call itself.
    first.settings.set_splitter_sizes("mainSplitter", [500, 900])
    restored = []
    real_set_sizes = QSplitter.setSizes
    monkeypatch.setattr(QSplitter, "setSizes", lambda self, sizes: (
        restored.append((self.objectName(), list(sizes))), real_set_sizes(self, sizes)))

    again = open_window()
    assert ("mainSplitter", [500, 900]) in restored
    assert again.presets.combo.currentData() == "xor-3-4-1"
    assert again.height() == 770  # not the default 880
    assert again.settings.recent_files() == [saved]
    assert again.settings.last_dir() == str(saved.parent)
    again.close()
