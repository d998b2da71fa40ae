"""The samples gallery at scale: thousands of samples shown at once, icons made as needed."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtTest import QSignalSpy, QTest

from nngui.core.drawing.samples import Sample, SampleStore
from nngui.gui.draw import samples as gallery_module
from nngui.gui.draw.samples import SamplesBox

N = 5000


def _batch(n: int) -> list[Sample]:
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    return [Sample(f"{1_700_000_000_000 + i:013d}-{i:08x}", images[i], i % 10, 1.7e9 + i)
            for i in range(n)]


@pytest.fixture
def icons(monkeypatch) -> list[str]:
    """One entry per sample icon the gallery made."""
    made: list[str] = []
    real = gallery_module.sample_icon

    def counting(image):
        made.append("icon")
        return real(image)

    monkeypatch.setattr(gallery_module, "sample_icon", counting)
    return made


@pytest.fixture
def box(qtbot, tmp_path) -> SamplesBox:
    store = SampleStore(tmp_path / "samples")
    store.put_many(_batch(N))
    b = SamplesBox(store)
    b.resize(900, 200)
    qtbot.addWidget(b)
    b.show()
    qtbot.waitExposed(b)
    return b


def _laid_out(box: SamplesBox) -> bool:
    model = box.samplesModel
    return box.samplesGallery.visualRect(model.index(model.rowCount() - 1, 0)).isValid()


def _on_screen(box: SamplesBox, row: int) -> bool:
    view = box.samplesGallery
    return view.viewport().rect().intersects(view.visualRect(box.samplesModel.index(row, 0)))


def test_the_gallery_shows_thousands_without_an_icon_each(qtbot, box, icons):
    view = box.samplesGallery
    assert view.objectName() == "samplesGallery"
    box.reload_gallery()
    qtbot.waitUntil(lambda: _laid_out(box), timeout=10000)
    model = view.model()
    assert model.rowCount() == N and box.samplesLabel.text() == f"My samples: {N}"
    assert 0 < len(icons) < 100  # the few on screen, not 5,000
    bar = view.horizontalScrollBar()
    bar.setValue(bar.maximum())  # the newest end
    qtbot.waitUntil(lambda: _on_screen(box, N - 1))
    QTest.qWait(50)
    assert len(icons) < 200
    last = model.index(N - 1, 0)
    assert last.data() == str((N - 1) % 10)
    assert last.data(Qt.ItemDataRole.UserRole) == box.samples_store.ids()[-1]
    assert "a 9, saved" in last.data(Qt.ItemDataRole.ToolTipRole)
    assert not last.data(Qt.ItemDataRole.DecorationRole).isNull()


def test_showing_samples_inserts_rows_the_window_can_watch(qtbot, box):
    """The window marks the project modified on rowsInserted / rowsRemoved of the model."""
    model = box.samplesGallery.model()
    inserted = QSignalSpy(model.rowsInserted)
    box.reload_gallery()
    assert inserted.count() == 1 and model.rowCount() == N
    removed = QSignalSpy(model.rowsRemoved)
    view = box.samplesGallery
    for row in (3, 4, 5, 40):
        view.selectionModel().select(model.index(row, 0), QItemSelectionModel.SelectionFlag.Select)
    assert box.delete_selected() == 4
    assert removed.count() == 2  # rows 3-5 in one step, then 40
    assert box.statusLabel.text() == "Deleted 4 sample(s)."


def test_deleting_selected_samples_from_a_bundle(qtbot, box, tmp_path):
    box.reload_gallery()
    view, model = box.samplesGallery, box.samplesModel
    doomed = [model.sample_id(r) for r in (0, 1, 2, 2500)]
    for row in (0, 1, 2, 2500):
        view.selectionModel().select(model.index(row, 0), QItemSelectionModel.SelectionFlag.Select)
    view.setFocus()
    qtbot.waitUntil(view.hasFocus)
    QTest.keyClick(view, Qt.Key.Key_Delete)
    assert model.rowCount() == N - 4 and box.samplesLabel.text() == f"My samples: {N - 4}"
    assert not set(doomed) & {model.sample_id(r) for r in range(model.rowCount())}
    again = SampleStore(tmp_path / "samples")  # on disk too
    assert len(again) == N - 4 and not set(doomed) & set(again.ids())


def test_a_saved_sample_is_scrolled_into_view(qtbot, box):
    box.reload_gallery()
    qtbot.waitUntil(lambda: _laid_out(box), timeout=10000)
    box.samplesGallery.horizontalScrollBar().setValue(0)  # looking at the oldest
    assert box.save(np.eye(28, dtype=np.float32), 3)
    model = box.samplesModel
    assert model.rowCount() == N + 1 and model.index(N, 0).data() == "3"
    qtbot.waitUntil(lambda: _on_screen(box, N), timeout=10000)  # once laid out, it is shown


def test_unreadable_files_are_named_in_the_status_line(qtbot, tmp_path):
    folder = tmp_path / "samples"
    SampleStore(folder).put_many(_batch(3))
    (folder / "bundle-0000000000001-broken.npz").write_bytes(b"not a zip")
    with pytest.warns(UserWarning, match="Skipping unreadable sample"):
        store = SampleStore(folder)
    b = SamplesBox(store)
    qtbot.addWidget(b)
    b.reload_gallery()
    assert b.samplesModel.rowCount() == 3
    assert b.statusLabel.text() == "Skipped 1 unreadable sample file(s)."
