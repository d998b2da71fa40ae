"""A project file's members, read: each field checked, every failure a ProjectError whose
message is for the user; and the limits on what a project may hold. core/files/project.py
reads the zip and builds the Project from these.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from nngui.core.lab.state import LabStateError, check_lab
from nngui.core.network.spec import NetworkSpec, SpecError, TrainConfig, load_json
from nngui.core.platform.archives import ArchiveError, load_npz
from nngui.core.training import replay
from nngui.core.training.controls import Change, changes_from
from nngui.core.training.replay import Replay

MAX_SAMPLES = 200_000
ID_CHARS = 64  # a sample's id is stored in at most this many characters
# samples.npz decompressed: every array of the most samples a project holds, their ids at the
# longest (4 bytes a character), plus headers: ~212 MB (at 200 MB, 200,000 samples that the app
# had written itself could not be read back)
MAX_SAMPLES_BYTES = MAX_SAMPLES * (28 * 28 + 8 + 8 + 4 * ID_CHARS) + 1_000_000
MAX_REPLAY_BYTES = 500_000_000  # all runs' replays; one is at most 7.5 MB (core/training/replay)
MAX_RUNS = 10_000
MAX_HISTORY = 1_000_000  # values per curve
MAX_PATH = 4096


class ProjectError(ValueError):
    """A project that cannot be read or written; the message is for the user."""


_DECODER = json.JSONDecoder()
_SPACE = " \t\n\r"


def loads(text: str) -> Any:
    """``json.loads(text)``, a top-level list parsed one item at a time.

    One json.loads holds the GIL throughout: for the runs.json of a thousand long runs
    (11 MB) that froze the GUI thread 0.2-0.7 s while a job opened a project. Between items
    other threads run. Anything but a well-formed list goes to json.loads (its result, or
    its error message).
    """
    i, end = 0, len(text)
    while i < end and text[i] in _SPACE:
        i += 1
    if i == end or text[i] != "[":
        return json.loads(text)
    items: list[Any] = []
    i += 1
    try:
        while True:
            while text[i] in _SPACE:
                i += 1
            if text[i] == "]" and not items:
                break
            item, i = _DECODER.raw_decode(text, i)
            items.append(item)
            while text[i] in _SPACE:
                i += 1
            if text[i] == "]":
                break
            if text[i] != ",":
                return json.loads(text)  # says what is wrong, where
            i += 1
        i += 1
        if text[i:].strip(_SPACE):
            return json.loads(text)
    except (IndexError, ValueError):
        return json.loads(text)
    return items


def network(raw: bytes, path: Path) -> tuple[NetworkSpec, TrainConfig]:
    try:
        return load_json(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ProjectError(f"{path.name}: network.json is not text.") from None
    except SpecError as exc:
        raise ProjectError(f"{path.name}: the network is not valid: {exc}") from None


def get(d: Any, key: str, path: Path, where: str = "") -> Any:
    if not isinstance(d, dict) or key not in d:
        raise ProjectError(f"{path.name}: {where + ' has no ' if where else ''}{key!r}"
                           f"{'' if where else ' is missing'}.")
    return d[key]


def dataset(d: Any, path: Path) -> tuple[str, str | None]:
    from nngui.core.data.datasets import dataset_names

    name, data_path = get(d, "name", path, "dataset.json"), get(d, "path", path,
                                                                  "dataset.json")
    if name not in [*dataset_names(), "file"]:
        raise ProjectError(f"{path.name}: unknown data set {str(name)[:60]!r}.")
    if data_path is not None and not (isinstance(data_path, str) and
                                      0 < len(data_path) <= MAX_PATH and "\x00" not in data_path):
        raise ProjectError(f"{path.name}: the data file's path is not a valid path.")
    return name, data_path


def count(v: Any, where: str, path: Path) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 10**9:
        raise ProjectError(f"{path.name}: {where} must be a whole number ≥ 0.")
    return v


def stamp(v: Any, where: str, path: Path) -> float | None:
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise ProjectError(f"{path.name}: the manifest's {where} time is not a number.")
    return float(v)


def history(h: Any, where: str, path: Path) -> dict[str, list[float]]:
    if not isinstance(h, dict):
        raise ProjectError(f"{path.name}: the history in {where} is not a table of curves.")
    out: dict[str, list[float]] = {}
    for key, values in h.items():
        if not isinstance(values, list) or len(values) > MAX_HISTORY or not all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            raise ProjectError(f"{path.name}: the history in {where} has a curve "
                               f"{str(key)[:40]!r} that is not a list of numbers.")
        out[str(key)] = [float(v) for v in values]
    return out


def changes(raw: Any, path: Path) -> list[Change]:
    """session.json's live changes (absent in files saved before they were kept)."""
    try:
        return changes_from(raw)
    except ValueError as exc:
        raise ProjectError(f"{path.name}: session.json: {exc}.") from None


def runs(runs: Any, path: Path) -> list[dict[str, Any]]:
    if not isinstance(runs, list) or len(runs) > MAX_RUNS:
        raise ProjectError(f"{path.name}: runs.json is not a list of runs.")
    out = []
    for i, r in enumerate(runs):
        where = f"runs.json run {i + 1}"
        name, settings = get(r, "name", path, where), get(r, "settings", path, where)
        reason = r.get("reason", "")
        if not isinstance(name, str) or not isinstance(settings, dict) or \
                not isinstance(reason, str):
            raise ProjectError(f"{path.name}: {where} has a bad name, settings or reason.")
        out.append({"name": name, "settings": settings, "reason": reason,
                    "history": history(get(r, "history", path, where), where, path)})
    return out


def samples(raw: bytes, path: Path) -> list[dict[str, Any]]:
    try:  # each array's declared size is checked before it is allocated
        z = load_npz(raw, MAX_SAMPLES_BYTES, where=f"{path.name}: samples.npz")
        images, labels, created, ids = z["images"], z["labels"], z["created"], z["ids"]
    except ArchiveError as exc:
        raise ProjectError(str(exc)) from None
    except KeyError as exc:
        raise ProjectError(f"{path.name}: samples.npz has no {exc.args[0]!r} array.") from None
    n = len(images) if images.ndim == 3 else -1
    ok = (images.dtype == np.uint8 and images.shape[1:] == (28, 28) and 0 <= n <= MAX_SAMPLES
          and labels.shape == (n,) and created.shape == (n,) and ids.shape == (n,)
          and labels.dtype.kind in "iu" and created.dtype.kind == "f" and ids.dtype.kind == "U")
    if not ok or (n and not (labels.min() >= 0 and labels.max() <= 9)):
        raise ProjectError(f"{path.name}: samples.npz does not hold 28x28 digit samples.")
    for i in ids:
        if not str(i) or not all(c.isalnum() or c == "-" for c in str(i)):
            raise ProjectError(f"{path.name}: samples.npz has a sample with a bad id.")
    return [{"id": str(ids[i]), "image": images[i].copy(), "label": int(labels[i]),
             "created": float(created[i])} for i in range(n)]


def replays(raw: bytes | None, runs: int, path: Path) -> dict[int, Replay]:
    if raw is None:
        return {}
    where = f"{path.name}: replays.npz"
    try:  # each array's declared size is checked before it is allocated
        return replay.unpack(load_npz(raw, MAX_REPLAY_BYTES, where=where), runs, where)
    except (ArchiveError, replay.ReplayError) as exc:
        raise ProjectError(str(exc)) from None


def lab(d: Any, path: Path) -> dict[str, Any] | None:
    try:
        return check_lab(d, path.name)
    except LabStateError as exc:
        raise ProjectError(str(exc)) from None


def lessons(d: Any, path: Path) -> dict[str, Any] | None:
    """The lesson progress as stored; its fields are checked where it is used (the lessons
    package sits above this one)."""
    if d is not None and not isinstance(d, dict):
        raise ProjectError(f"{path.name}: lessons.json is not a table of lesson progress.")
    return d
