"""The .nngui project file: one zip with everything a student's work is made of.

Members (schema 2): ``manifest.json`` (format, schema_version, app version, created/saved
times), ``network.json`` (the spec and training settings, as spec.dump_json writes them),
``dataset.json`` (name and the path of a user file), ``session.json`` (the current network's
epochs and history), ``runs.json`` (every run of the run list), ``lab.json`` (the backprop
lab), ``samples.npz`` (the user's digit samples), ``model.keras`` when there are weights and
``replays.npz`` when runs kept replays of their live views, ``state.json`` (the preset,
the models by role, how the last run ended: see core/files/state.py) and ``lessons.json``
(the lesson in progress, see core/lessons/progress); the last three optional, older
files have none.

Reading trusts nothing: every member is size-limited while it is read (a zip bomb stops at the
limit), names with folders or ``..`` are refused, JSON is checked field by field (the network
through core/schema), the model loads in Keras' safe mode. Every failure is one ProjectError
whose message is for the user (each member's fields are checked in core/files/project_fields).
Schema 1 (a single ``project.json``) migrates on open through the "project" chain of
core/platform/migrations.
"""

from __future__ import annotations

import io
import json
import os
import time
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nngui.core.files import project_fields as fields
from nngui.core.files.project_fields import (  # noqa: F401  (part of this module's interface)
    ID_CHARS,
    MAX_REPLAY_BYTES,
    MAX_SAMPLES,
    MAX_SAMPLES_BYTES,
    ProjectError,
)
from nngui.core.network.spec import NetworkSpec, TrainConfig, dump_json
from nngui.core.platform import migrations
from nngui.core.platform.archives import ArchiveError, copy_member, read_member
from nngui.core.platform.fsio import atomic_path
from nngui.core.platform.tempdirs import scratch
from nngui.core.training import replay
from nngui.core.training.controls import Change
from nngui.core.training.replay import Replay

SUFFIX = ".nngui"
FORMAT = "nngui-project"
SCHEMA_VERSION = 2
MAX_MEMBERS = 64
MAX_JSON_BYTES = 50_000_000  # histories of many long runs are a few MB
MAX_MODEL_BYTES = 1_000_000_000  # the course's largest net (15 M params, Adam) is ~180 MB
MEMBERS_V2 = ("manifest.json", "network.json", "dataset.json", "session.json", "runs.json",
              "lab.json", "samples.npz", "model.keras", "replays.npz", "state.json",
              "lessons.json")
REQUIRED_V2 = ("manifest.json", "network.json", "dataset.json", "session.json", "runs.json",
               "lab.json", "samples.npz")


@dataclass
class Project:
    """Everything a .nngui file holds, as plain values (the model is a Keras model or None)."""

    spec: NetworkSpec
    config: TrainConfig = field(default_factory=TrainConfig)
    dataset: str = "mnist"
    data_path: str | None = None  # the user's data file (or the MNIST file) it was loaded from
    epochs_done: int = 0
    history: dict[str, list[float]] = field(default_factory=dict)
    runs: list[dict[str, Any]] = field(default_factory=list)  # name, settings, history, reason
    samples: list[dict[str, Any]] = field(default_factory=list)  # id, image, label, created
    lab: dict[str, Any] | None = None  # lab_state() of the backprop lab
    model: Any = None
    created: float = field(default_factory=time.time)
    saved: float | None = None
    migrated_from: int | None = None  # the schema it had on disk, when older
    replays: dict[int, Replay] = field(default_factory=dict)  # run index → its replay
    state: dict[str, Any] | None = None  # state.json as read (core/files/state.py checks it)
    lessons: dict[str, Any] | None = None  # the lesson in progress (core/lessons/progress)
    changes: list[Change] = field(default_factory=list)  # live LR/momentum changes (controls)


# ---------------------------------------------------------------------------------- writing

def save_project(project: Project, path: str | os.PathLike) -> Path:
    """Write ``project`` to ``path`` atomically: a failure or a kill leaves the old file."""
    path = Path(path)
    from nngui import __version__

    saved = time.time()
    manifest = {"format": FORMAT, "schema_version": SCHEMA_VERSION, "app_version": __version__,
                "created": project.created, "saved": saved,
                "has_model": project.model is not None}
    members: dict[str, bytes] = {
        "manifest.json": _json(manifest),
        "network.json": dump_json(project.spec, project.config).encode(),
        "dataset.json": _json({"name": project.dataset, "path": project.data_path}),
        "session.json": _json({"epochs_done": project.epochs_done,
                               "history": project.history,
                               # only when there are: a file without is what it always was
                               **({"changes": [c.as_list() for c in project.changes]}
                                  if project.changes else {})}),
        "runs.json": _json(project.runs),
        "lab.json": _json(project.lab),
        "samples.npz": _samples_bytes(project.samples),
    }
    if project.replays:
        members["replays.npz"] = replay.pack(project.replays)
    if project.state is not None:
        members["state.json"] = _json(project.state)
    if project.lessons is not None:
        members["lessons.json"] = _json(project.lessons)
    with atomic_path(path) as tmp:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in members.items():
                zf.writestr(name, data)
            if project.model is not None:
                _write_model(zf, project.model)
    project.saved = saved
    return path


def _json(value: Any) -> bytes:
    return json.dumps(value, indent=1, allow_nan=True).encode()


def _write_model(zf: zipfile.ZipFile, model: Any) -> None:
    with scratch("project-") as folder:
        tmp = folder / "model.keras"
        try:
            model.save(tmp)
        except Exception as exc:  # Keras refusing the model; the old project file is intact
            raise ProjectError(f"Could not save the trained model: {exc}") from None
        # .keras is itself a zip: stored, not deflated again
        zf.write(tmp, "model.keras", compress_type=zipfile.ZIP_STORED)


def _ids(samples: list[dict[str, Any]]) -> np.ndarray:
    """The samples' ids as one array, as wide as the longest (up to ``ID_CHARS``)."""
    ids = [str(s["id"])[:ID_CHARS] for s in samples]
    return np.array(ids, dtype=f"U{max((len(i) for i in ids), default=1) or 1}")


def _samples_bytes(samples: list[dict[str, Any]]) -> bytes:
    n = len(samples)
    images = np.zeros((n, 28, 28), np.uint8)
    for i, s in enumerate(samples):
        images[i] = s["image"]
    buf = io.BytesIO()
    np.savez_compressed(
        buf, images=images, labels=np.array([int(s["label"]) for s in samples], np.int64),
        created=np.array([float(s["created"]) for s in samples], np.float64),
        ids=_ids(samples))
    return buf.getvalue()


# ---------------------------------------------------------------------------------- reading

def load_project(path: str | os.PathLike, with_model: bool = True) -> Project:
    """Read and check a .nngui file; every failure is one ProjectError naming the problem."""
    path = Path(path)
    try:
        if not path.is_file():
            raise ProjectError(f"No project file at {path}.")
        with zipfile.ZipFile(path) as zf:
            return _read(zf, path, with_model)
    except ProjectError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, zlib.error) as exc:
        raise ProjectError(f"{path.name} is not an nngui project (damaged or not a zip: "
                           f"{exc}).") from None
    except OSError as exc:
        raise ProjectError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    except (NotImplementedError, RuntimeError, ValueError, KeyError, TypeError,
            OverflowError, MemoryError, RecursionError) as exc:  # e.g. unknown compression
        raise ProjectError(f"{path.name} is damaged: {exc.__class__.__name__}: "
                           f"{str(exc)[:200]}") from None


def _read(zf: zipfile.ZipFile, path: Path, with_model: bool) -> Project:
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise ProjectError(f"{path.name} has {len(infos)} members; an nngui project has a "
                           "handful.")
    names = set()
    for info in infos:
        _check_name(info.filename, path)
        names.add(info.filename)
    doc, version = _document(zf, names, path)
    project = _build(migrations.migrate("project", doc, version))
    project.migrated_from = version if version < SCHEMA_VERSION else None
    if with_model and "model.keras" in names:
        project.model = _read_model(zf, path)
    return project


def _document(zf: zipfile.ZipFile, names: set[str], path: Path) -> tuple[dict[str, Any], int]:
    """(the project document as its schema lays it out, that schema), read from the zip.

    The document maps member names to their content (JSON members parsed, network.json and
    samples.npz as bytes) plus "path", the file, for messages. model.keras is the same in
    every schema and is read separately.
    """
    if "manifest.json" not in names and "project.json" in names:
        doc = _read_json(zf, "project.json", path)
        if not isinstance(doc, dict):
            raise ProjectError(f"{path.name}: project.json is not an object.")
        version = _version(doc.get("schema_version"), path, lambda v: v == 1,
                           f"{path.name}: project.json has no valid schema_version.")
        return {"path": path, "project.json": doc}, version
    _need_members(names, REQUIRED_V2, path)
    manifest = _read_json(zf, "manifest.json", path)
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ProjectError(f"{path.name} is not an nngui project (manifest.json says "
                           "otherwise).")
    found = manifest.get("schema_version")
    version = _version(found, path, lambda v: v >= 2,  # schema 1 had no manifest
                       f"{path.name}: schema_version must be a whole number of 2 or more, "
                       f"not {str(found)[:40]}.")
    doc: dict[str, Any] = {"path": path, "manifest.json": manifest,
                           "network.json": _read_bytes(zf, "network.json", MAX_JSON_BYTES, path),
                           "samples.npz": _read_bytes(zf, "samples.npz", MAX_SAMPLES_BYTES, path)}
    for name in ("dataset.json", "session.json", "runs.json", "lab.json"):
        doc[name] = _read_json(zf, name, path)
    if "replays.npz" in names:
        doc["replays.npz"] = _read_bytes(zf, "replays.npz", MAX_REPLAY_BYTES, path)
    if "state.json" in names:  # optional: a file from before it has none
        doc["state.json"] = _read_json(zf, "state.json", path)
    if "lessons.json" in names:  # optional: only projects with a lesson in progress have it
        doc["lessons.json"] = _read_json(zf, "lessons.json", path)
    return doc, version


def _version(found: Any, path: Path, fits_layout, bad: str) -> int:
    """``found`` if the project migrations read it and the file is laid out as that schema."""
    try:
        migrations.check_version("project", found)
    except migrations.NewerVersionError as exc:
        raise ProjectError(f"{path.name} was {exc}. Update nngui to open it.") from None
    except migrations.VersionError:
        raise ProjectError(bad) from None
    if not fits_layout(found):
        raise ProjectError(bad)
    return found


def _build(doc: dict[str, Any]) -> Project:
    """The Project a current-schema document describes, every member checked."""
    path, manifest, session = doc["path"], doc["manifest.json"], doc["session.json"]
    spec, config = fields.network(doc["network.json"], path)
    dataset, data_path = fields.dataset(doc["dataset.json"], path)
    runs = fields.runs(doc["runs.json"], path)
    return Project(
        spec, config, dataset, data_path,
        epochs_done=fields.count(fields.get(session, "epochs_done", path, "session.json"),
                                 "session.json epochs_done", path),
        history=fields.history(fields.get(session, "history", path, "session.json"),
                               "session.json", path),
        runs=runs,
        changes=fields.changes(session.get("changes", []), path),
        samples=fields.samples(doc["samples.npz"], path),
        lab=fields.lab(doc["lab.json"], path),
        replays=fields.replays(doc.get("replays.npz"), len(runs), path),
        lessons=fields.lessons(doc.get("lessons.json"), path),
        created=fields.stamp(manifest.get("created"), "created", path),
        saved=fields.stamp(manifest.get("saved"), "saved", path),
        state=doc.get("state.json"))


def _check_name(name: str, path: Path) -> None:
    bad = (name.startswith(("/", "\\")) or "/" in name or "\\" in name or ".." in name
           or ":" in name or "\x00" in name)
    if bad:
        raise ProjectError(f"{path.name} contains a member with an unsafe name "
                           f"({name[:80]!r}); it was not made by nngui.")


def _need_members(names: set[str], required: tuple[str, ...], path: Path) -> None:
    missing = [m for m in required if m not in names]
    if missing:
        raise ProjectError(f"{path.name} is incomplete: {', '.join(missing)} "
                           f"{'is' if len(missing) == 1 else 'are'} missing.")


def _read_bytes(zf: zipfile.ZipFile, name: str, limit: int, path: Path) -> bytes:
    try:
        return read_member(zf, name, limit, path.name)
    except ArchiveError as exc:
        raise ProjectError(str(exc)) from None


def _read_json(zf: zipfile.ZipFile, name: str, path: Path) -> Any:
    raw = _read_bytes(zf, name, MAX_JSON_BYTES, path)
    try:
        return fields.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ProjectError(f"{path.name}: {name} is not valid JSON "
                           f"({str(exc).splitlines()[0][:120] if str(exc) else 'unreadable'})."
                           ) from None


def _read_model(zf: zipfile.ZipFile, path: Path) -> Any:
    from nngui.core.model.saving import ModelFileError, load_model

    with scratch("project-") as folder:
        tmp = folder / "model.keras"
        try:  # streamed to disk: never the whole model in memory, never past the limit
            copy_member(zf, "model.keras", tmp, MAX_MODEL_BYTES, path.name)
        except ArchiveError as exc:
            raise ProjectError(str(exc)) from None
        try:
            return load_model(tmp)  # safe mode; code layers refused before deserializing
        except ModelFileError as exc:
            raise ProjectError(f"{path.name}: the trained model cannot be opened: "
                               f"{str(exc).replace('model.keras: ', '')}") from None


# ------------------------------------------------------------------------------- migrations
# @migrations.migrator("project", n) takes a schema-n document (see _document) to schema n + 1.
migrations.declare("project", SCHEMA_VERSION, oldest=1, label="schema")


@migrations.migrator("project", 1)
def _one_json_to_members(doc: dict[str, Any]) -> dict[str, Any]:
    """Schema 1, the first project layout: one project.json {"schema_version": 1,
    "network": …, "train": …, "dataset": NAME, "data_file": PATH|null, "history": {…}}
    and an optional model.keras. It had no run list, samples or lab: its history becomes
    the one run, the rest starts empty; the network is written as dump_json writes it now."""
    path, old = doc["path"], doc["project.json"]
    network = json.dumps({"schema_version": 1, "network": fields.get(old, "network", path),
                          "train": old.get("train") or {}})
    spec, config = fields.network(network.encode(), path)
    history = fields.history(old.get("history") or {}, "project.json", path)
    from nngui.core.training.runs import settings_of

    epochs = len(history.get("loss", []))
    runs = [{"name": f"#1 {spec.name}", "settings": settings_of(spec, config),
             "history": history, "reason": "finished"}] if epochs else []
    return {"path": path,
            "manifest.json": {"format": FORMAT, "schema_version": 2, "created": time.time(),
                              "saved": None},
            "network.json": dump_json(spec, config).encode(),
            "dataset.json": {"name": fields.get(old, "dataset", path), "path": old.get("data_file")},
            "session.json": {"epochs_done": epochs, "history": history},
            "runs.json": runs,
            "lab.json": None,
            "samples.npz": _samples_bytes([])}


def write_v1_for_tests(path: str | os.PathLike, doc: dict[str, Any],
                       model_bytes: bytes | None = None) -> None:
    """Write a schema-1 project (the old layout), so tests can check that it migrates."""
    with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("project.json", json.dumps(doc))
        if model_bytes is not None:
            zf.writestr("model.keras", model_bytes)
