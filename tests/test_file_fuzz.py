"""Any CSV/NPZ data file, image or model file opens cleanly or is refused with one message.

Generated and damaged (truncated, bit-flipped) files go through the core loaders and through
the CLI (`nngui train --data`, `nngui predict`): the outcome is a usable load or the loader's
own error (CLI: one stderr line, exit status 2), never another exception. The counted run of
the same strategies is benchmarks/fuzz_files.py.
"""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest
from file_fuzz import (
    BUNDLED_MODELS,
    REPO,
    check_dataset,
    csv_texts,
    image_files,
    model_files,
    npz_files,
    one_line,
    tiny_models,
    xor_csv_texts,
)
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from nngui.cli import run_cli
from nngui.core.data.files import DatasetError, load_user_file
from nngui.core.model.saving import ModelFileError, load_model
from nngui.imageio import ImageFileError, read_digit

FAST = settings(max_examples=120, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])
SLOW = settings(FAST, max_examples=25)


def _load_data(folder, name: str, raw: bytes):
    path = folder / name
    path.write_bytes(raw)
    try:
        ds = load_user_file(path)
    except DatasetError as exc:
        assert one_line(str(exc)), str(exc)
        return None
    check_dataset(ds)
    return ds


@FAST
@given(raw=csv_texts())
@example(raw=b"a,b,label\n1e39,2,0\n3,4,1\n")  # finite as float64, inf as float32
@example(raw=b"a,label\n1,1e39\n2,3.5\n")  # a regression target beyond float32
def test_any_csv_file_loads_or_is_a_dataset_error(tmp_path_factory, raw):
    _load_data(tmp_path_factory.mktemp("csv"), "data.csv", raw)


@FAST
@given(raw=npz_files())
@example(raw=__import__("file_fuzz").npz_bytes(
    {"x": np.array([[1e39], [2.0], [3.0]]), "y": np.array([0, 1, 0])}))
@example(raw=__import__("file_fuzz").npz_bytes(  # no feature columns (found by the fuzzer)
    {"X": np.zeros((1, 0), np.float32), "y": np.zeros((1, 0), np.float32)}))
@example(raw=__import__("file_fuzz").npz_bytes(  # byte-string labels, not UTF-8 (the fuzzer)
    {"x": np.array([0.0], np.float32), "y": np.array([b"\x80"], dtype="S2")}))
def test_any_npz_file_loads_or_is_a_dataset_error(tmp_path_factory, raw):
    _load_data(tmp_path_factory.mktemp("npz"), "data.npz", raw)


@FAST
@given(case=image_files())
def test_any_image_file_reads_or_is_an_image_error(tmp_path_factory, case):
    suffix, raw = case
    path = tmp_path_factory.mktemp("img") / f"digit{suffix}"
    path.write_bytes(raw)
    try:
        digit = read_digit(path)
    except ImageFileError as exc:
        assert one_line(str(exc)), str(exc)
        return
    assert digit.shape == (28, 28) and np.all(np.isfinite(digit)) and digit.max() > 0


@pytest.fixture(scope="module")
def model_sources(tmp_path_factory) -> list:
    return [*tiny_models(tmp_path_factory.mktemp("models")), BUNDLED_MODELS[0]]


def test_a_looping_h5_file_is_refused_not_hung(monkeypatch):
    """tests/corpus/looping.h5 (found by the fuzzer) makes HDF5 loop forever holding the GIL."""
    import nngui.core.model.saving as modelio

    monkeypatch.setattr(modelio, "H5_PROBE_SECONDS", 5.0)
    looping = REPO / "tests" / "corpus" / "looping.h5"
    with pytest.raises(ModelFileError, match="did not finish in 5 s"):
        load_model(looping)
    rc, err = _cli(["predict", "--model", str(looping), str(looping)])
    assert rc == 2 and "did not finish" in err, err  # one line, exit 2: the model is refused


def test_a_keras_file_with_damaged_weights_is_refused(tmp_path, model_sources):
    """A flipped byte in the weights fails the zip checksum (HDF5 would read it unchecked)."""
    raw = bytearray(model_sources[0].read_bytes())
    raw[len(raw) // 2] ^= 0x10  # inside model.weights.h5, the largest part
    path = tmp_path / "damaged.keras"
    path.write_bytes(bytes(raw))
    with pytest.raises(ModelFileError, match="checksum"):
        load_model(path)


def _cli(argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            rc = run_cli(argv)
        except SystemExit as exc:
            rc = exc.code
    return rc, err.getvalue()


def _clean_cli(rc: int, err: str) -> None:
    assert rc in (0, 2), err  # 1 is an internal error: a traceback in disguise
    if rc == 2:
        lines = [ln for ln in err.splitlines() if not ln.startswith(("hint:", "data:"))]
        assert len(lines) == 1 and lines[0].startswith("nngui: error: "), err


def test_damaged_models_load_or_are_refused(tmp_path, model_sources):
    """Damaged model files, each opened by load_model and by `nngui predict`."""
    from PySide6.QtGui import QColor, QImage

    img = QImage(28, 28, QImage.Format.Format_RGB32)
    img.fill(QColor(255, 255, 255))
    img.setPixelColor(14, 14, QColor(0, 0, 0))
    image = tmp_path / "dot.png"
    assert img.save(str(image))

    @settings(FAST, max_examples=40)
    @given(case=model_files(model_sources))
    def one(case):
        suffix, raw = case
        path = tmp_path / f"model{suffix}"
        path.write_bytes(raw)
        try:
            model = load_model(path)
        except ModelFileError as exc:
            assert one_line(str(exc)), str(exc)
        else:
            assert model.outputs  # a usable model: predicting is the CLI's job below
        _clean_cli(*_cli(["predict", "--model", str(path), str(image)]))

    one()


@pytest.mark.slow
def test_train_on_any_data_file_is_clean(tmp_path):
    """`nngui train --data FILE` on generated CSV/NPZ files: trains or one stderr line."""

    @SLOW
    @given(case=st.one_of(csv_texts(), xor_csv_texts()).map(lambda b: ("data.csv", b))
           | npz_files().map(
        lambda b: ("data.npz", b)))
    def one(case):
        name, raw = case
        path = tmp_path / name
        path.write_bytes(raw)
        _clean_cli(*_cli(["train", "--preset", "xor-3-4-1", "--dataset", "file", "--data",
                          str(path), "--epochs", "1", "--device", "cpu"]))

    one()


@pytest.mark.slow
def test_predict_on_any_image_is_clean(tmp_path):
    """`nngui predict` with the bundled MLP on damaged and arbitrary image files."""
    model = str(next(p for p in BUNDLED_MODELS if p.stem == "mnist_mlp"))

    @SLOW
    @given(case=image_files())
    def one(case):
        suffix, raw = case
        path = tmp_path / f"digit{suffix}"
        path.write_bytes(raw)
        _clean_cli(*_cli(["predict", "--model", model, str(path)]))

    one()


def test_a_library_error_spanning_lines_becomes_a_one_line_message(tmp_path):
    """Hypothesis once found an .npz whose NumPy error had a newline in it (two stderr lines)."""
    from nngui.core.data.record import DatasetError

    assert str(DatasetError("bad file (ValueError: first\n  second)\n; fix it.")) == \
        "bad file (ValueError: first second) ; fix it."


def test_a_damaged_npz_quoting_its_whole_header_gives_a_short_message(tmp_path):
    """Hypothesis found a zip whose BadZipFile error quotes ~1,500 bytes of header."""

    from nngui.core.data.files import load_user_file
    from nngui.core.data.record import DatasetError

    path = tmp_path / "data.npz"
    np.savez(path, x=np.zeros((20, 3), "float32"), y=np.zeros(20, "int64"))
    raw = bytearray(path.read_bytes())
    assert raw[:4] == b"PK\x03\x04"
    raw[26:28] = (300).to_bytes(2, "little")  # the local header's name "is" 300 bytes long
    path.write_bytes(bytes(raw))
    with pytest.raises(DatasetError) as info:
        load_user_file(path)
    assert one_line(str(info.value)) and len(str(info.value)) < 300, str(info.value)


@pytest.fixture(scope="module")
def good_project(tmp_path_factory) -> bytes:
    from nngui.core.files.project import Project, save_project
    from nngui.core.training.presets import get_preset

    preset = get_preset("xor-3-4-1")
    samples = [{"id": f"s{i}", "image": np.full((28, 28), i, np.uint8), "label": i % 10,
                "created": 1.0 + i} for i in range(5)]
    path = tmp_path_factory.mktemp("project") / "good.nngui"
    save_project(Project(preset.spec(), preset.train_config(), "xor", samples=samples), path)
    return path.read_bytes()


def test_any_nested_project_archive_opens_or_is_a_project_error(tmp_path, good_project):
    """The samples.npz inside the project zip: random, damaged, or declaring gigabytes."""
    import tracemalloc

    from file_fuzz import lying_project, project_files

    from nngui.core.files.project import ProjectError, load_project

    path = tmp_path / "fuzz.nngui"

    bomb = lying_project(good_project, (60_000, 60_000))  # 3.6 GB declared in a few kB

    @SLOW
    @given(raw=project_files(good_project))
    @example(raw=bomb)
    @example(raw=lying_project(good_project, (2**40, 28, 28)))
    def one(raw):
        path.write_bytes(raw)
        tracemalloc.start()
        try:
            project = load_project(path)
        except ProjectError as exc:
            assert one_line(str(exc)), str(exc)
        else:
            assert all(s["image"].shape == (28, 28) for s in project.samples)
        finally:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        assert peak < 100_000_000, peak  # no declared size is believed before it is checked

    one()
