"""The .nngui project file: round trip, old and new schemas, damaged files, atomic saves."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from nngui.core.files import project as project_file
from nngui.core.files import project_fields
from nngui.core.files.project import (
    MAX_JSON_BYTES,
    SCHEMA_VERSION,
    Project,
    ProjectError,
    load_project,
    save_project,
    write_v1_for_tests,
)
from nngui.core.lab.backprop import LabNet
from nngui.core.lab.state import apply_lab_state, lab_state
from nngui.core.network.spec import NetworkSpec, TrainConfig
from nngui.core.platform import fsio, migrations
from nngui.core.training.presets import get_preset
from nngui.core.training.runs import settings_of

REPO = Path(__file__).resolve().parents[3]
posix_only = pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")


def _project(model=None) -> Project:
    preset = get_preset("xor-3-4-1")
    spec, config = preset.spec(), preset.train_config()
    config.epochs = 7
    rng = np.random.default_rng(3)
    hist = {"loss": [0.7, 0.5, 0.31], "val_loss": [0.8, 0.6, float("nan")],
            "accuracy": [0.5, 0.75, 1.0], "epoch": [1.0, 2.0, 3.0]}
    net = LabNet()
    net.configure(hidden=3, activation="tanh", lr=0.5)
    net.iterate(5)
    return Project(
        spec, config, "xor", "/home/student/my data.csv", epochs_done=3, history=hist,
        runs=[{"name": "#1 xor", "settings": settings_of(spec, config), "history": hist,
               "reason": "finished"},
              {"name": "#2 xor lr 0.1", "settings": {"lr": 0.1}, "reason": "stopped",
               "history": {"loss": [0.9, 0.1 + 1e-17]}}],
        samples=[{"id": f"000000000000{i}-abcdef0{i}", "label": i % 10, "created": 1e9 + i,
                  "image": rng.integers(0, 256, (28, 28), dtype=np.uint8)} for i in range(3)],
        lab=lab_state(net), model=model)


def _same_json(a, b) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)  # NaN == NaN here


def test_round_trip_keeps_spec_weights_histories_samples_and_lab(tmp_path: Path) -> None:
    from nngui.core.model.builder import build_model

    before = _project()
    before.model = build_model(before.spec, 5)
    path = save_project(before, tmp_path / "work.nngui")
    after = load_project(path)
    assert after.spec.to_dict() == before.spec.to_dict()
    assert after.config.to_dict() == before.config.to_dict()
    assert (after.dataset, after.data_path) == ("xor", "/home/student/my data.csv")
    assert after.epochs_done == 3 and _same_json(after.history, before.history)
    assert _same_json(after.runs, before.runs)
    for a, b in zip(after.model.get_weights(), before.model.get_weights(), strict=True):
        assert a.dtype == b.dtype and a.tobytes() == b.tobytes()  # bitwise
    assert [(s["id"], s["label"], s["created"]) for s in after.samples] == \
        [(s["id"], s["label"], s["created"]) for s in before.samples]
    assert all(np.array_equal(a["image"], b["image"])
               for a, b in zip(after.samples, before.samples, strict=True))
    assert after.lab == before.lab
    net = LabNet()
    apply_lab_state(net, after.lab)
    assert net.config.hidden == 3 and net.iteration == 5 and len(net.losses) == 5
    assert lab_state(net) == before.lab
    assert after.saved is not None and after.migrated_from is None


def test_a_project_without_a_model_or_lab_opens_without_keras_work(tmp_path: Path) -> None:
    p = _project()
    p.lab = None
    after = load_project(save_project(p, tmp_path / "a.nngui"))
    assert after.model is None and after.lab is None and len(after.runs) == 2


def test_schema_1_migrates(tmp_path: Path) -> None:
    spec = get_preset("xor-3-4-1").spec()
    path = tmp_path / "old.nngui"
    write_v1_for_tests(path, {"schema_version": 1, "network": spec.to_dict(),
                              "train": {"epochs": 9}, "dataset": "moons",
                              "data_file": None, "history": {"loss": [0.5, 0.25]}})
    p = load_project(path)
    assert p.migrated_from == 1 and p.spec.to_dict() == spec.to_dict()
    assert p.config.epochs == 9 and p.dataset == "moons" and p.epochs_done == 2
    assert [r["history"]["loss"] for r in p.runs] == [[0.5, 0.25]]
    assert p.samples == [] and p.lab is None
    again = load_project(save_project(p, tmp_path / "new.nngui"))  # saved as the new schema
    assert again.migrated_from is None and again.runs == p.runs


def _document(path: Path) -> tuple[dict, int]:
    with zipfile.ZipFile(path) as zf:
        return project_file._document(zf, set(zf.namelist()), path)


def _comparable(doc: dict) -> dict:
    """A schema-2 document without what differs between two saves of one project."""
    out = {k: v for k, v in doc.items() if k not in ("path", "manifest.json", "samples.npz")}
    out["manifest"] = {k: doc["manifest.json"][k] for k in ("format", "schema_version")}
    out["samples"] = project_fields.samples(doc["samples.npz"], doc["path"])
    return out


def test_a_schema_1_document_migrates_to_what_save_project_writes_today(tmp_path: Path) -> None:
    old = tmp_path / "old.nngui"
    network = {"input_shape": [2], "layers": [{"type": "Dense", "params": {"units": 1}}],
               "name": "tiny"}
    write_v1_for_tests(old, {"schema_version": 1, "network": network, "train": {"epochs": 3},
                             "dataset": "xor", "data_file": "/data/x.csv",
                             "history": {"loss": [1, 0.5, 0.25]}})
    doc, version = _document(old)
    assert version == 1 and set(doc) == {"path", "project.json"}
    migrated = migrations.migrate("project", doc, version)
    # the same work made with today's nngui: its history is the one finished run
    spec, config = NetworkSpec.from_dict(network), TrainConfig(epochs=3)
    history = {"loss": [1.0, 0.5, 0.25]}
    run = {"name": "#1 tiny", "settings": settings_of(spec, config), "history": history,
           "reason": "finished"}
    made = Project(spec, config, "xor", "/data/x.csv", epochs_done=3, history=history,
                   runs=[run])
    today, today_version = _document(save_project(made, tmp_path / "new.nngui"))
    assert today_version == SCHEMA_VERSION == migrations.current("project")
    assert _comparable(migrated) == _comparable(today)
    assert json.loads(migrated["network.json"])["network"]["layers"][0]["params"]["use_bias"]


@pytest.mark.parametrize("member, version, words", [
    ("project.json", SCHEMA_VERSION + 3, rf"made by a newer nngui \(schema {SCHEMA_VERSION + 3}"
                                         rf"\); this version reads up to {SCHEMA_VERSION}\."),
    ("project.json", 2, "project.json has no valid schema_version"),  # schema 2 has a manifest
    ("project.json", "1", "project.json has no valid schema_version"),
    ("manifest.json", 1, "schema_version must be a whole number of 2 or more, not 1"),
    ("manifest.json", -2, "schema_version must be a whole number of 2 or more, not -2"),
])
def test_a_version_that_does_not_fit_the_layout_is_one_clear_message(
        tmp_path: Path, member, version, words) -> None:
    if member == "project.json":
        path = tmp_path / "a.nngui"
        write_v1_for_tests(path, {"schema_version": version, "network": {}, "dataset": "xor"})
    else:
        def change(m):
            m["manifest.json"] = json.dumps({**json.loads(m["manifest.json"]),
                                             "schema_version": version}).encode()
        path = _rewrite(save_project(_project(), tmp_path / "a.nngui"), tmp_path / "b.nngui",
                        change)
    with pytest.raises(ProjectError, match=words):
        load_project(path)


def _rewrite(path: Path, out: Path, change) -> Path:
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    change(members)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, data in members.items():
            zf.writestr(n, data)
    return out


def test_a_newer_schema_is_refused_with_both_versions(tmp_path: Path) -> None:
    good = save_project(_project(), tmp_path / "a.nngui")

    def newer(m):
        doc = json.loads(m["manifest.json"])
        doc["schema_version"] = SCHEMA_VERSION + 5
        m["manifest.json"] = json.dumps(doc).encode()

    bad = _rewrite(good, tmp_path / "b.nngui", newer)
    with pytest.raises(ProjectError, match=rf"newer nngui \(schema {SCHEMA_VERSION + 5}\); "
                       rf"this version reads up to {SCHEMA_VERSION}"):
        load_project(bad)


@pytest.mark.parametrize("change, words", [
    (lambda m: m.pop("runs.json"), "runs.json is missing"),
    (lambda m: m.update({"session.json": b"{not json"}), "session.json is not valid JSON"),
    (lambda m: m.update({"../evil.txt": b"x"}), "unsafe name"),
    (lambda m: m.update({"sub/dir.txt": b"x"}), "unsafe name"),
    (lambda m: m.update({"samples.npz": b"PK\x03\x04junk"}), "samples.npz is damaged"),
    (lambda m: m.update({"network.json": b'{"layers": 5}'}), "network is not valid"),
    (lambda m: m.update({"lab.json": b'{"config": {"hidden": 999}}'}), "lab state"),
    (lambda m: m.update({"dataset.json": b'{"name": "secret", "path": null}'}), "data set"),
    (lambda m: m.update({"runs.json": b'[{"name": 1}]'}), "runs.json"),
])
def test_damaged_members_are_one_clear_message(tmp_path: Path, change, words) -> None:
    good = save_project(_project(), tmp_path / "a.nngui")
    with pytest.raises(ProjectError, match=words):
        load_project(_rewrite(good, tmp_path / "b.nngui", change))


def test_truncated_missing_and_foreign_files(tmp_path: Path) -> None:
    good = save_project(_project(), tmp_path / "a.nngui")
    data = good.read_bytes()
    (tmp_path / "cut.nngui").write_bytes(data[: len(data) // 2])
    with pytest.raises(ProjectError, match="not an nngui project"):
        load_project(tmp_path / "cut.nngui")
    with pytest.raises(ProjectError, match="No project file"):
        load_project(tmp_path / "gone.nngui")
    (tmp_path / "text.nngui").write_text("hello")
    with pytest.raises(ProjectError, match="not an nngui project"):
        load_project(tmp_path / "text.nngui")


def test_a_zip_bomb_stops_at_the_member_limit(tmp_path: Path) -> None:
    good = save_project(_project(), tmp_path / "a.nngui")
    bomb = b"[" + b" " * (MAX_JSON_BYTES + 10) + b"]"  # 50 MB of spaces deflate to ~50 kB
    with pytest.raises(ProjectError, match="runs.json would unpack to 50,000,012 bytes, over the 50,000,000"):
        load_project(_rewrite(good, tmp_path / "b.nngui",
                              lambda m: m.update({"runs.json": bomb})))


def test_a_code_carrying_model_is_refused_in_safe_mode(tmp_path: Path) -> None:
    from nngui.core.platform.runtime import keras

    k = keras()
    inp = k.Input((2,))
    model = k.Model(inp, k.layers.Lambda(lambda t: t * 2)(inp))
    p = _project()
    save_project(p, tmp_path / "a.nngui")
    buf = tmp_path / "lambda.keras"
    model.save(buf)
    bad = _rewrite(tmp_path / "a.nngui", tmp_path / "b.nngui",
                   lambda m: m.update({"model.keras": buf.read_bytes()}))
    with pytest.raises(ProjectError, match="trained model cannot be opened"):
        load_project(bad)


def readonly(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``folder`` refuse new files: chmod 0555, or for root (who ignores modes) EACCES."""
    import errno

    folder.chmod(0o555)
    if os.geteuid() == 0:
        real_open = os.open

        def guarded(path, flags, *args, **kwargs):
            if flags & os.O_CREAT and Path(path).parent == folder:
                raise PermissionError(errno.EACCES, "Permission denied", str(path))
            return real_open(path, flags, *args, **kwargs)

        monkeypatch.setattr(fsio.os, "open", guarded)


def test_saving_into_a_read_only_folder_is_a_save_error_and_keeps_the_old_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    target = save_project(_project(), folder / "a.nngui")
    readonly(folder, monkeypatch)
    p = _project()
    p.runs = []
    try:
        with pytest.raises(fsio.SaveError, match="read-only|ermission"):
            save_project(p, target)
    finally:
        folder.chmod(0o755)
    assert len(load_project(target).runs) == 2


_BIG_SAVER = textwrap.dedent("""
    import sys
    import numpy as np
    from nngui.core.files.project import Project, save_project
    from nngui.core.training.presets import get_preset
    spec = get_preset("xor-3-4-1").spec()
    rng = np.random.default_rng(0)
    samples = [{"id": f"{i:013d}-aaaaaaaa", "label": i % 10, "created": float(i),
                "image": rng.integers(0, 256, (28, 28), dtype=np.uint8)} for i in range(60000)]
    runs = [{"name": f"#{i}", "settings": {}, "reason": "",
             "history": {"loss": rng.random(20000).tolist()}} for i in range(40)]
    print("start", flush=True)
    save_project(Project(spec, samples=samples, runs=runs), sys.argv[1])
    print("saved", flush=True)
""")


@posix_only
def test_sigkill_in_the_middle_of_saving_a_large_project_keeps_the_previous_file(
        tmp_path: Path) -> None:
    target = save_project(_project(), tmp_path / "big.nngui")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-c", _BIG_SAVER, str(target)], env=env,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "start"
    while proc.poll() is None:  # kill once the temp file has data in it (or it is done)
        if any(p.stat().st_size > 1_000_000 for p in tmp_path.iterdir()
               if p.name.startswith(fsio.TEMP_PREFIX)):
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    runs = load_project(target).runs  # the old project or the whole new one, never half
    assert len(runs) in (2, 40)


def _valid_bytes() -> bytes:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        return save_project(_project(), Path(folder) / "v.nngui").read_bytes()


VALID = _valid_bytes()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(st.one_of(
    st.binary(max_size=300),
    st.tuples(st.integers(0, len(VALID) - 1), st.binary(min_size=1, max_size=8)).map(
        lambda t: VALID[: t[0]] + t[1] + VALID[t[0] + len(t[1]):]),
    st.integers(0, len(VALID)).map(lambda n: VALID[:n]),
))
def test_any_bytes_are_a_project_or_a_project_error(tmp_path_factory, data: bytes) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "f.nngui"
    path.write_bytes(data)
    try:
        p = load_project(path)
    except ProjectError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert isinstance(p, Project)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(["manifest.json", "network.json", "dataset.json", "session.json",
                        "runs.json", "lab.json"]),
       st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
                    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c,
                                                                        max_size=3),
                    max_leaves=8))
def test_any_json_in_a_member_is_a_project_or_a_project_error(name: str, value) -> None:
    with zipfile.ZipFile(io.BytesIO(VALID)) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members[name] = json.dumps(value).encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for n, d in members.items():
            zf.writestr(n, d)
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "m.nngui"
        path.write_bytes(buf.getvalue())
        try:
            assert isinstance(load_project(path), Project)
        except ProjectError:
            pass


def _npz(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


GOOD_SAMPLES = dict(images=np.zeros((2, 28, 28), np.uint8), labels=np.array([1, 2]),
                    created=np.array([1.0, 2.0]), ids=np.array(["1-a", "2-b"]))


@pytest.mark.parametrize("change", [
    {"images": np.zeros((2, 28, 27), np.uint8)},
    {"images": np.zeros((2, 28, 28), np.float32)},
    {"labels": np.array([1, 12])},
    {"labels": np.array([1])},
    {"ids": np.array(["../x", "2-b"])},
    {"created": np.array(["a", "b"])},
    {"images": np.zeros((0,), np.uint8)},
])
def test_bad_samples_are_a_project_error(tmp_path: Path, change) -> None:
    good = save_project(_project(), tmp_path / "a.nngui")
    fine = _rewrite(good, tmp_path / "ok.nngui",
                    lambda m: m.update({"samples.npz": _npz(**GOOD_SAMPLES)}))
    assert [s["label"] for s in load_project(fine).samples] == [1, 2]
    bad = _rewrite(good, tmp_path / "b.nngui",
                   lambda m: m.update({"samples.npz": _npz(**{**GOOD_SAMPLES, **change})}))
    with pytest.raises(ProjectError, match="samples.npz"):
        load_project(bad)


def test_a_samples_bomb_is_refused_before_numpy_allocates_it(tmp_path: Path) -> None:
    """A few kB of project whose samples.npz declares 3.6 GB: one message, little memory."""
    import io
    import subprocess
    import sys
    import tracemalloc

    head = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        head, {"descr": "|u1", "fortran_order": False, "shape": (60_000, 60_000)})
    npz = io.BytesIO()
    with zipfile.ZipFile(npz, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("images.npy", head.getvalue() + b"\0" * 4096)
    good = save_project(_project(), tmp_path / "a.nngui")
    bomb = _rewrite(good, tmp_path / "bomb.nngui",
                    lambda m: m.update({"samples.npz": npz.getvalue()}))
    assert bomb.stat().st_size < 20_000
    tracemalloc.start()
    with pytest.raises(ProjectError, match="samples.npz: images declares 3,600,000,000 bytes"):
        load_project(bomb)
    assert tracemalloc.get_traced_memory()[1] < 50_000_000
    tracemalloc.stop()
    out = subprocess.run([sys.executable, "-m", "nngui", str(bomb)], capture_output=True,
                         text=True, timeout=120)  # the check before Qt starts
    assert out.returncode == 2 and "declares 3,600,000,000 bytes" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_a_model_member_over_its_limit_is_refused_without_unpacking_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from nngui.core.files import project as project_module
    from nngui.core.platform.runtime import keras

    k = keras()
    model = k.Sequential([k.Input((2,)), k.layers.Dense(20_000), k.layers.Dense(2)])  # ~320 kB
    path = save_project(_project(model), tmp_path / "m.nngui")
    monkeypatch.setattr(project_module, "MAX_MODEL_BYTES", 100_000)
    with pytest.raises(ProjectError, match="model.keras would unpack to"):
        load_project(path)
    assert load_project(path, with_model=False).model is None  # the rest still reads


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8) |
                    st.floats(allow_nan=False),
                    lambda inner: st.lists(inner, max_size=4) |
                    st.dictionaries(st.text(max_size=4), inner, max_size=4), max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(JSON, st.sampled_from(["", " ", "\n", " \t\r\n "]), st.sampled_from([None, 0, 1]))
def test_members_parse_as_json_loads_does(value, space, indent) -> None:
    text = space + json.dumps(value, indent=indent) + space
    assert project_fields.loads(text) == json.loads(text)


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(alphabet='[]{},:" \n0123456789.-eEtrufalsnNI', max_size=24),
                 st.builds(lambda v, at, bad: (lambda t: t[:at % (len(t) + 1)] + bad +
                                               t[at % (len(t) + 1):])(json.dumps(v)),
                           st.lists(JSON, max_size=3), st.integers(0, 99),
                           st.text(alphabet=' ,]}x1"\n', max_size=3))))
@example("[1, 2]]")
@example("[1 22]")
@example("[] [1]")
@example("[1 2]")
@example("[1,]")
def test_damaged_members_fail_as_json_loads_does(text) -> None:
    """Anything json.loads refuses is refused with its own message (the user sees it)."""
    def outcome(parse):
        try:
            return ("ok", json.dumps(parse(text)))
        except (ValueError, RecursionError) as exc:
            return ("error", type(exc), str(exc))

    assert outcome(project_fields.loads) == outcome(json.loads)


def test_a_list_member_is_parsed_one_item_at_a_time(monkeypatch) -> None:
    """One json.loads of a thousand runs held the GIL 0.2-0.7 s: the GUI thread froze while
    a job read the project. Item by item, other threads run in between."""
    runs = [{"name": f"#{i}", "settings": {}, "history": {"loss": [0.5] * 50},
             "reason": "finished"} for i in range(1000)]
    text = json.dumps(runs, indent=1)
    sizes = []
    real = project_fields._DECODER.raw_decode

    class Counting:
        def raw_decode(self, s, idx=0):
            item, end = real(s, idx)
            sizes.append(end - idx)
            return item, end

    monkeypatch.setattr(project_fields, "_DECODER", Counting())
    assert project_fields.loads(text) == runs
    assert len(sizes) == len(runs) and max(sizes) < len(text) / 500


def test_the_most_samples_a_project_holds_save_and_open_again(tmp_path: Path) -> None:
    """200,000 samples with ids at their longest: what the app writes, it reads back (a 200 MB
    budget for samples.npz once refused the ids of exactly such a file)."""
    from nngui.core.files.project import ID_CHARS, MAX_SAMPLES, Project, load_project, save_project
    from nngui.core.network.spec import LayerSpec, NetworkSpec, TrainConfig

    spec = NetworkSpec((784,), [LayerSpec("Dense", {"units": 10, "activation": "softmax"})],
                       "sparse_categorical_crossentropy", "adam", 0.001)
    image = np.zeros((28, 28), np.uint8)
    samples = [{"id": f"{i:0{ID_CHARS}d}", "image": image, "label": i % 10, "created": 1.0}
               for i in range(MAX_SAMPLES)]
    samples[-1] = {**samples[-1], "image": np.full((28, 28), 7, np.uint8)}
    path = tmp_path / "many.nngui"
    save_project(Project(spec, TrainConfig(), "mnist", None, samples=samples), path)
    back = load_project(path, with_model=False)
    assert len(back.samples) == MAX_SAMPLES
    assert back.samples[-1]["id"] == samples[-1]["id"] and back.samples[-1]["image"][0, 0] == 7
