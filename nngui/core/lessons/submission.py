"""Submit and check: a project plus a summary a teacher re-checks instead of trusting it.

A submission is a ``.nngui`` project with one more member, ``submission.json``: the lesson,
the app version, a hash of the data, the settings and seed, and the numbers the student
achieved. :func:`check_project` re-measures every goal on the project's own model and data
and compares the summary's numbers with what it measured: an edited number is reported, and
the submission does not pass.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from nngui.core.files.project import Project, ProjectError, load_project, save_project
from nngui.core.lessons.checks import Result, Situation, check_lesson
from nngui.core.lessons.format import Lesson, LessonError
from nngui.core.platform.archives import ArchiveError, read_member
from nngui.core.platform.fsio import atomic_path

MEMBER = "submission.json"
FORMAT = "nngui-submission"
MAX_BYTES = 1_000_000
# how far a re-measured number may be from the summary's (float noise between machines)
ABS_TOLERANCE = 1e-4
REL_TOLERANCE = 1e-3


def data_hash(ds: Any) -> str:
    """SHA-256 of the data's arrays (shapes, types and values, train and test)."""
    h = hashlib.sha256()
    for a in (ds.x_train, ds.y_train, ds.x_test, ds.y_test):
        a = np.ascontiguousarray(a)
        h.update(f"{a.dtype.str}{a.shape}".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def summary(lesson: Lesson, s: Situation, results: list[Result]) -> dict[str, Any]:
    """What Submit writes beside the project."""
    from nngui import __version__
    from nngui.core.training.runs import settings_of

    spec, cfg = s.spec, s.config
    settings = settings_of(spec, cfg) if spec is not None and cfg is not None else {}
    if spec is not None:
        settings.update({"loss": spec.loss, "features": list(spec.features),
                         "input_shape": list(spec.input_shape)})
    try:
        digest = data_hash(s.loaded()) if s.dataset else None
    except Exception:  # noqa: BLE001 - data that cannot be loaded: no hash to give
        digest = None
    return {"format": FORMAT, "lesson": lesson.id, "app_version": __version__,
            "created": time.time(),
            "data": {"name": s.dataset, "path": s.data_path, "sha256": digest},
            "settings": settings, "seed": s.seed(),
            "achieved": {r.id: r.value for r in results},
            "met": {r.id: r.met for r in results}}


def write_submission(project: Project, path: str | os.PathLike, info: dict[str, Any]) -> Path:
    """The project and its summary in one file, written atomically."""
    path = Path(path)
    with atomic_path(path) as tmp:
        save_project(project, tmp)
        with zipfile.ZipFile(tmp, "a", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(MEMBER, json.dumps(info, indent=1, allow_nan=True))
    return path


def read_submission(path: str | os.PathLike) -> dict[str, Any] | None:
    """The summary a submission holds (None for a plain project); LessonError if damaged."""
    p = Path(path)
    try:
        with zipfile.ZipFile(p) as zf:
            if MEMBER not in zf.namelist():
                return None
            raw = read_member(zf, MEMBER, MAX_BYTES, p.name)
        info = json.loads(raw.decode("utf-8"))
    except (OSError, zipfile.BadZipFile, ArchiveError, UnicodeDecodeError, ValueError) as exc:
        raise LessonError(f"{p.name}: the submission summary cannot be read "
                          f"({' '.join(str(exc).split())[:120]}).") from None
    if not isinstance(info, dict) or info.get("format") != FORMAT:
        raise LessonError(f"{p.name}: {MEMBER} is not an nngui submission summary.")
    return info


def _differs(claimed: Any, measured: float | None) -> bool:
    if claimed is None:
        return measured is not None
    if isinstance(claimed, bool) or not isinstance(claimed, (int, float)) or measured is None:
        return True
    return abs(float(claimed) - measured) > ABS_TOLERANCE + REL_TOLERANCE * abs(measured)


def compare(info: dict[str, Any], results: list[Result], s: Situation) -> list[str]:
    """Where the summary disagrees with what was measured, one sentence each."""
    out = []
    achieved = info.get("achieved") if isinstance(info.get("achieved"), dict) else {}
    for r in results:
        if r.id in achieved and _differs(achieved[r.id], r.value):
            out.append(f"{r.id}: the summary says {achieved[r.id]!r}, re-measured "
                       f"{'nothing' if r.value is None else f'{r.value:.6g}'}")
    for goal_id in achieved:
        if goal_id not in {r.id for r in results}:
            out.append(f"{str(goal_id)[:40]}: the summary names a goal the lesson does not have")
    met = info.get("met") if isinstance(info.get("met"), dict) else {}
    for r in results:
        if met.get(r.id) is True and not r.met:
            out.append(f"{r.id}: the summary says met, the re-check says not")
    data = info.get("data") if isinstance(info.get("data"), dict) else {}
    if data.get("sha256"):
        try:
            if data_hash(s.loaded()) != data["sha256"]:
                out.append("data: the data differs from the data the summary was made on")
        except Exception:  # noqa: BLE001 - the data cannot be loaded here
            out.append("data: the submission's data cannot be loaded to compare")
    if info.get("seed") is not None and info.get("seed") != s.seed():
        out.append(f"seed: the summary says {info.get('seed')!r}, the project's is {s.seed()}")
    return out


def check_project(lesson: Lesson, path: str | os.PathLike) -> dict[str, Any]:
    """``nngui lesson check``: the goals re-measured on the project (or submission) at
    ``path``, and, for a submission, where its summary disagrees. LessonError for bad input."""
    try:
        project = load_project(path)
    except ProjectError as exc:
        raise LessonError(str(exc)) from None
    info = read_submission(path)
    s = Situation.of_project(project)
    results = check_lesson(lesson, s)
    out: dict[str, Any] = {"lesson": lesson.id,
                           "goals": [r.to_json() for r in results],
                           "all_met": all(r.met for r in results)}
    if info is not None:
        mismatches = compare(info, results, s)
        if info.get("lesson") != lesson.id:
            mismatches.insert(0, f"lesson: the submission was made for {info.get('lesson')!r}")
        out["submission"] = {"app_version": info.get("app_version"),
                             "mismatches": mismatches, "honest": not mismatches}
        out["all_met"] = out["all_met"] and not mismatches
    return out
