"""The UNIPEN reader of benchmarks/unipen.py, on a small hand-written UNIPEN folder.

UNIPEN itself is not on CI machines; the files below follow its format (a segment file in
``data/1a/<contributor>/`` that ``.INCLUDE``s a data file under ``include/``, which includes
its ``.doc``). What is checked is what a wrong reading would silently spoil: which pen-down
blocks make up a digit (components numbered across the included files, pen-up blocks with
hover points counted, bare ``.PEN_UP`` markers not), which way y grows (a 7 read upside down
stands on its bar), the x/y resolutions, and the segments that must be skipped and counted.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH))

import unipen as U  # noqa: E402

DOC = """.VERSION 1.0
.COMMENT a doc file, included by the data file: no pen data
.X_POINTS_PER_INCH 200
.Y_POINTS_PER_INCH 100
.POINTS_PER_SECOND 100
.COORD X Y
"""

# Components, numbered from 0 as the reader must number them:
#   0 pen-down: a "1" (a vertical stroke; y grows UP the page, so it runs from 100 to 0)
#   (bare .PEN_UP marker: not a component)
#   1 pen-down: a 7's bar, at the TOP (y = 100)
#   2 pen-up with hover points: a component, but no ink
#   3 pen-down: the 7's stem, from the bar's right end down to the bottom
#   4 pen-down: a stray dot that belongs to nothing
DATA = """.VERSION 1.0
.INCLUDE xyz/xyz.doc
.DATA_ID test
.PEN_DOWN
50 100
50 50
50 0
.PEN_UP
.DT 120
.PEN_DOWN
0 100 17
40 100 17
.PEN_UP
40 100
500 500
.PEN_DOWN
40 100
20 0
.PEN_UP
.PEN_DOWN
900 900
.PEN_UP
"""

SEGMENTS = """.VERSION 1.0
.INCLUDE xyz/data/w1.dat
.SEGMENT CHARACTER 0 ? "1"
.SEGMENT CHARACTER 1-3 OK "7"
.SEGMENT CHARACTER 1,3 ? "7"
.SEGMENT CHARACTER 0:1-0:2 ? "1"
.SEGMENT CHARACTER 4 ? "A"
.SEGMENT CHARACTER 9 ? "3"
.SEGMENT CHARACTER 2 ? "4"
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "include" / "xyz" / "data").mkdir(parents=True)
    (tmp_path / "data" / "1a" / "xyz").mkdir(parents=True)
    (tmp_path / "include" / "xyz" / "xyz.doc").write_text(DOC)
    (tmp_path / "include" / "xyz" / "data" / "w1.dat").write_text(DATA)
    (tmp_path / "data" / "1a" / "xyz" / "w1.dat").write_text(SEGMENTS)
    return tmp_path


def test_reads_the_digits_and_counts_what_it_skips(folder: Path) -> None:
    r = U.read_folder(folder)
    assert [d.label for d in r.digits] == [1, 7, 7]
    assert {d.writer for d in r.digits} == {"xyz/w1"}
    assert {d.contributor for d in r.digits} == {"xyz"}
    # a point range inside a component, a letter, a component the data lacks, hover only
    assert r.skipped == {"partial": 1, "not a digit": 1, "missing": 1, "no ink": 1}


def test_components_are_numbered_across_pen_up_hover_blocks(folder: Path) -> None:
    one, seven, seven_again = U.read_folder(folder).digits
    assert len(one.strokes) == 1
    # 1-3 is the bar and the stem; the hover block between them (component 2) is not ink
    assert len(seven.strokes) == 2
    bar, stem = seven.strokes
    assert bar.shape == (2, 2) and stem.shape == (2, 2)
    # the bar's extra column (pressure) is dropped; x in inches at 200 points per inch
    np.testing.assert_allclose(bar[:, 0], [0.0, 0.2])
    np.testing.assert_allclose(stem[:, 0], [0.2, 0.1])
    for a, b in zip(seven.strokes, seven_again.strokes, strict=True):
        np.testing.assert_array_equal(a, b)


def test_y_grows_up_in_the_file_and_down_on_the_canvas(folder: Path) -> None:
    _, seven, _ = U.read_folder(folder).digits
    bar, stem = seven.strokes
    # y in inches at 100 points per inch, turned to grow down: the bar is on top
    np.testing.assert_allclose(bar[:, 1], [-1.0, -1.0])
    np.testing.assert_allclose(stem[:, 1], [-1.0, 0.0])
    drawing = U.to_drawing(seven)
    bar_v = [v for _, v in drawing.strokes[0]]
    stem_v = [v for _, v in drawing.strokes[1]]
    assert max(bar_v) < min(stem_v) + 1e-9  # the bar is at the top of the canvas
    assert stem_v[0] < stem_v[-1]  # and the stem runs down from it


def test_the_drawing_fills_the_canvas_as_a_person_does(folder: Path) -> None:
    _, seven, _ = U.read_folder(folder).digits
    d = U.to_drawing(seven, seed=3)
    pts = np.concatenate([np.asarray(s) for s in d.strokes])
    w, h = pts.max(axis=0) - pts.min(axis=0)
    assert abs(h - U.HEIGHT) <= U.HEIGHT_JITTER + 1e-9
    # aspect kept: 0.2 inch wide, 1 inch high (the resolutions differ in x and y)
    assert w / h == pytest.approx(0.2, rel=1e-6)
    centre = (pts.max(axis=0) + pts.min(axis=0)) / 2
    assert np.all(np.abs(centre - 0.5) <= U.SHIFT_JITTER + 1e-9)
    assert d.digit == 7 and d.brush == U.DEFAULT_BRUSH
    assert U.to_drawing(seven, seed=3) == d  # deterministic per seed


def test_component_lists() -> None:
    assert U.component_numbers("169-170") == [169, 170]
    assert U.component_numbers("3,5-6") == [3, 5, 6]
    assert U.component_numbers("7") == [7]
    assert U.component_numbers("426:18-426:68") is None


def test_a_folder_without_data_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(U.UnipenError, match="no data/1a"):
        U.read_folder(tmp_path)
    assert U.main(["--unipen", str(tmp_path)]) == 2


def test_a_missing_include_is_counted_not_raised(folder: Path) -> None:
    (folder / "include" / "xyz" / "data" / "w1.dat").unlink()
    r = U.read_folder(folder)
    assert r.digits == [] and r.skipped == {"missing file": 1}


def test_the_training_split_never_holds_a_test_writer(tmp_path: Path, monkeypatch) -> None:
    import bench_unipen as B

    contributors = np.array(["syn", "aga", "val", "gmd", "app", "tos"] * 20)
    d = {"x": np.random.default_rng(0).random((120, 28, 28), dtype=np.float32),
         "y": np.arange(120) % 10, "contributor": contributors,
         "writer": np.array([f"{c}/w{k % 2}" for k, c in enumerate(contributors)]),
         "skipped": np.array("{}"), "seconds": np.array(1.0)}
    cache = tmp_path / "c.npz"
    B.save_cache(cache, d)
    assert B.main(["--cache", str(cache), "--split", "train", "--out",
                   str(tmp_path / "t.npz")]) == 0
    with np.load(tmp_path / "t.npz") as t:
        train_x = t["x"]
    keep = ~np.isin(contributors, B.TEST_CONTRIBUTORS)
    assert keep.sum() == 60 and len(train_x) == 60
    np.testing.assert_array_equal(train_x, d["x"][keep])
    # teach-10 writers come from the test contributors only, with enough of every digit
    # (here two of each: one taught, one later)
    many = dict(d, y=np.arange(120) // 12 % 10)
    monkeypatch.setattr(B, "MIN_LATER", 1)
    assert B.teach_writers(many, 1) == ["app/w0", "syn/w0", "val/w0"]
    assert B.teach_writers(many, 2) == []
    # settings are chosen on the training contributors' writers, never on the test ones
    assert B.teach_writers(many, 1, "train") == ["aga/w1", "gmd/w1", "tos/w1"]
    assert B.teach_writers(many, 1, "train", min_later=2) == []


def test_a_bad_cache_is_one_clear_error(tmp_path: Path, capsys) -> None:
    import bench_unipen as B

    bad = tmp_path / "bad.npz"
    bad.write_text("not a zip")
    assert B.main(["--cache", str(bad)]) == 2
    other = tmp_path / "other.npz"
    np.savez(other, x=np.zeros((1, 28, 28), np.float32), y=np.zeros(1))
    assert B.main(["--cache", str(other)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(line.startswith("error: ") for line in err)
    assert "no contributor" in err[1]
