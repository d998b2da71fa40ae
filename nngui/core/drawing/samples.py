"""The user's own handwriting samples: 28x28 digits with labels, kept in the app's data folder.

Where they go: every sample lives in ``default_samples_dir()`` (``<app data>/samples``, see
``app_data_dir``). That includes a project's samples: opening a project merges them into
this folder (``put_many`` writes them as one file; samples the user already has are
skipped), so they stay with the user's own after the project is closed; saving a project
copies all of them into it.

Two kinds of file, both compressed ``.npz`` written atomically (``platform.fsio``):

- ``<id>.npz``: one sample (``image`` uint8 28x28, ``label``, ``created``); the file name is
  its id. ``add`` and ``put`` write these, and older versions wrote nothing else.
- ``bundle-<stamp>-<uuid>.npz``: one batch from ``put_many``: ``images`` uint8 (n, 28, 28),
  ``labels`` int64 (n,), ``created`` float64 (n,), ``ids`` U64 (n,), at most
  ``MAX_BUNDLE`` samples. A project's 200,000 samples are one file written once, not 200,000.
  Removing a bundled sample rewrites its bundle without it (or deletes the emptied bundle).

There is no shared index to corrupt: a damaged or foreign file is skipped with a warning and
the rest load. Ids sort by creation time; a sample's id is its identity (same id, same sample).
The value, its checks and the in-memory rows are in core/drawing/sample.py.

Threads: every method may be called from any thread. The in-memory state (rows, their
order, counts) sits behind one lock that is held only for short steps (a dict update, a list
swap); files are read and written outside it, and work on many samples is done in chunks, so
a worker never holds Python's GIL long either. ``put_many`` and ``reload`` are meant for a
worker thread (seconds for 200,000 samples); meanwhile the GUI thread's ``ids()``,
``find()``, ``count_by_label()`` and ``len()`` answer within milliseconds and see the store
either before or after the whole batch, never half of it. The GUI shows the result on its
own thread afterwards (``SamplesBox.reload_gallery``).

Memory: a sample in memory is its 784-byte image (a view of its bundle's array), a small
tuple and its id: about 1.05 KB each, some 210 MB for 200,000 (measured by
``benchmarks/bench_samples.py``).
"""

from __future__ import annotations

import bisect
import io
import os
import sys
import threading
import time
import uuid
import warnings
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from nngui.core.drawing.sample import (
    BUNDLE_PREFIX,
    CHUNK,
    ID_CHARS,
    Row,
    Sample,
    check_sample,
    is_sample_id,
    rows_of,
    stack_images,
    stamp_of,
    to_uint8,
)
from nngui.core.platform.archives import load_npz
from nngui.core.platform.fsio import atomic_path, atomic_write_bytes

DATA_DIR_ENV = "NNGUI_DATA_DIR"
SUFFIX = ".npz"


def app_data_dir() -> Path:
    """Where nngui keeps user data: $NNGUI_DATA_DIR, else the platform's per-user data folder."""
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        return Path(env).expanduser()
    home = Path.home()
    if sys.platform == "win32":
        base = os.environ.get("APPDATA")
        return (Path(base) if base else home / "AppData" / "Roaming") / "nngui"
    if sys.platform == "darwin":
        return home / "Library" / "Application Support" / "nngui"
    xdg = os.environ.get("XDG_DATA_HOME")
    return (Path(xdg) if xdg else home / ".local" / "share") / "nngui"


def default_samples_dir() -> Path:
    """The folder of the user's handwriting samples (a project's samples join them here)."""
    return app_data_dir() / "samples"


SAMPLE_BYTES = 64_000  # what one sample's arrays may declare
MAX_BUNDLE = 200_000  # samples in one bundle file; put_many splits bigger batches
BUNDLE_BYTES = MAX_BUNDLE * 28 * 28  # the largest array of a bundle: its images
BUNDLE_TOTAL = MAX_BUNDLE * (28 * 28 + 8 + 8 + 4 * ID_CHARS)  # all four arrays together
BUNDLE_ZLIB_LEVEL = 1


class SampleStore:
    """A folder of labelled 28x28 samples; loads them all once, then stays in step with disk.

    In memory a sample is a row (image, label, created) under its id: ``Sample`` objects are
    made when asked for (``get``, ``find``, ``samples``), so 200,000 samples are 200,000 small
    tuples, their images views of one array per bundle.
    """

    def __init__(self, root: str | os.PathLike | None = None) -> None:
        self.root = Path(root) if root is not None else default_samples_dir()
        self.skipped: list[str] = []  # files that could not be read, for a status message
        self._lock = threading.RLock()  # guards everything below; held only for short steps
        self._merging = threading.Lock()  # one put_many at a time (each checks ids once)
        self._rewriting = threading.Lock()  # one removal at a time (bundles rewritten whole)
        self._rows: dict[str, Row] = {}
        self._ids: list[str] = []  # sorted; replaced on every change, never edited in place
        self._counts = [0] * 10
        self._bundles: dict[str, set[str]] = {}  # bundle file name -> the ids it holds
        self._newest = 0  # the largest millisecond stamp among the ids
        self._version = 0  # bumped on every change of the samples
        self.reload()

    # ---- reading --------------------------------------------------------------------
    def reload(self) -> None:
        """Read every sample file and bundle again (a damaged one is skipped with a warning)."""
        rows: dict[str, Row] = {}
        bundles: dict[str, set[str]] = {}
        skipped: list[str] = []
        paths = sorted(self.root.glob(f"*{SUFFIX}")) if self.root.is_dir() else []
        for path in paths:
            if path.name.startswith("."):
                continue  # a temporary file of a write in progress (or of a killed one)
            try:
                if path.name.lower().startswith(BUNDLE_PREFIX):
                    ids, found = self._read_bundle(path)
                    bundles[path.name] = set(ids)
                else:
                    ids, found = [path.stem], [self._read(path)]
            except Exception as exc:  # a half-written or foreign file must not stop the app
                skipped.append(path.name)
                warnings.warn(f"Skipping unreadable sample {path}: {exc}", stacklevel=2)
                continue
            for start in range(0, len(ids), CHUNK):
                rows.update(zip(ids[start:start + CHUNK], found[start:start + CHUNK],
                                strict=True))
        ordered = sorted(rows)  # bundles hold sorted runs: a merge more than a sort
        counts = np.bincount([row[1] for row in rows.values()], minlength=10).tolist()
        newest = max(map(stamp_of, ordered), default=0)
        with self._lock:
            self._rows, self._ids, self._counts = rows, ordered, counts
            self._bundles, self._newest, self.skipped = bundles, newest, skipped
            self._version += 1

    @staticmethod
    def _read(path: Path) -> Row:
        z = load_npz(path, SAMPLE_BYTES, where=path.name)  # a sample is 784 bytes and two numbers
        image, label, created = z["image"], int(z["label"]), float(z["created"])
        if image.shape != (28, 28) or image.dtype != np.uint8 or not 0 <= label <= 9:
            raise ValueError("not a 28x28 uint8 digit sample")
        return image, label, created

    @staticmethod
    def _read_bundle(path: Path) -> tuple[list[str], list[Row]]:
        # every array's declared size is checked against the limits before it is allocated
        z = load_npz(path, BUNDLE_BYTES, BUNDLE_TOTAL, where=path.name)
        images, labels, created, ids = z["images"], z["labels"], z["created"], z["ids"]
        n = len(images) if images.ndim == 3 else -1
        ok = (images.dtype == np.uint8 and images.shape[1:] == (28, 28)
              and labels.shape == created.shape == ids.shape == (n,)
              and labels.dtype.kind in "iu" and created.dtype.kind == "f"
              and ids.dtype.kind == "U")
        if not ok or (n and not (labels.min() >= 0 and labels.max() <= 9)):
            raise ValueError("not a bundle of 28x28 uint8 digit samples")
        id_list: list[str] = []
        for start in range(0, n, CHUNK):
            id_list += ids[start:start + CHUNK].tolist()
        if not all(map(is_sample_id, id_list)):
            raise ValueError("a sample in it has a bad id")
        return id_list, rows_of(images, labels, created)

    def find(self, sample_id: str) -> Sample | None:
        """One sample by id, or None."""
        row = self._rows.get(sample_id)  # one lookup: atomic, no lock needed
        return None if row is None else Sample(sample_id, *row)

    def get(self, sample_id: str) -> Sample:
        """One sample by id (KeyError if absent)."""
        sample = self.find(sample_id)
        if sample is None:
            raise KeyError(sample_id)
        return sample

    def __contains__(self, sample_id: object) -> bool:
        return sample_id in self._rows

    def ids(self) -> list[str]:
        """The ids of all samples, oldest first (a copy: a millisecond for 200,000)."""
        with self._lock:
            return list(self._ids)

    def samples(self) -> list[Sample]:
        """All samples, oldest first."""
        with self._lock:
            ids, rows = self._ids, self._rows
        out: list[Sample] = []
        for sample_id in ids:
            row = rows.get(sample_id)
            if row is not None:  # else removed meanwhile
                out.append(Sample(sample_id, *row))
        return out

    def all(self) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """(x float32 (n, 28, 28) in [0, 1], y int64 (n,), ids), oldest first."""
        items = self.samples()
        if not items:
            return np.zeros((0, 28, 28), np.float32), np.zeros(0, np.int64), []
        x = stack_images(len(items), lambda k: items[k].image).astype(np.float32) / 255.0
        y = np.array([s.label for s in items], dtype=np.int64)
        return x, y, [s.id for s in items]

    def count_by_label(self) -> dict[int, int]:
        """How many samples of each digit (all ten digits present, zero when none)."""
        with self._lock:
            return dict(enumerate(self._counts))

    def __len__(self) -> int:
        with self._lock:
            return len(self._ids)

    # ---- writing one sample -----------------------------------------------------------
    def add(self, image28: np.ndarray, label: int) -> str:
        """Store a drawing (28x28, float in [0, 1] or uint8) with its digit; returns its id."""
        label = int(label)
        if not 0 <= label <= 9:
            raise ValueError(f"label must be a digit 0-9, not {label}")
        image = to_uint8(image28)
        created = time.time()
        with self._lock:  # ids sort by time: the millisecond stamp only ever grows in a store
            stamp = max(int(created * 1000), self._newest + 1)
            self._newest = stamp
        sample_id = f"{stamp:013d}-{uuid.uuid4().hex[:8]}"
        self._write_one(sample_id, (image, label, created))
        return sample_id

    def put(self, sample: Sample) -> None:
        """Store one sample as it is, keeping its id (e.g. one from a project file).

        For many samples use ``put_many``: one file for all of them instead of one each.
        """
        check_sample(sample)
        self._write_one(sample.id, (to_uint8(sample.image), int(sample.label),
                                    float(sample.created)))

    def _write_one(self, sample_id: str, row: Row) -> None:
        image, label, created = row
        buf = io.BytesIO()
        np.savez_compressed(buf, image=image, label=np.int64(label),
                            created=np.float64(created))
        atomic_write_bytes(self.root / f"{sample_id}{SUFFIX}", buf.getvalue())
        with self._lock:
            old = self._rows.get(sample_id)
            if old is not None:
                self._counts[old[1]] -= 1
            else:
                ids = self._ids.copy()
                bisect.insort(ids, sample_id)
                self._ids = ids
            self._rows[sample_id] = row
            self._counts[label] += 1
            self._newest = max(self._newest, stamp_of(sample_id))
            self._version += 1

    # ---- writing many ---------------------------------------------------------------
    def put_many(self, samples: Iterable[Sample]) -> list[str]:
        """Store a batch of samples, keeping their ids, as one bundle file written once
        (one per ``MAX_BUNDLE`` samples); returns the ids added, oldest first.

        Samples whose id the store already has (or that repeat one earlier in the batch) are
        skipped. Every sample is checked before anything is written: a bad id, label or image
        raises ValueError and writes nothing. Safe on a worker thread (see the module's
        docstring): the GUI then shows the new samples with ``SamplesBox.reload_gallery``.
        """
        # One pass over the Sample objects into plain columns. (Long lists of objects make
        # each pass of Python's garbage collector meanwhile cost milliseconds: few are made.)
        batch = samples if isinstance(samples, Sequence) else list(samples)
        n = len(batch)
        all_ids: list[str] = []
        labels = np.empty(n, np.int64)
        created = np.empty(n, np.float64)
        for i, sample in enumerate(batch):
            check_sample(sample)
            all_ids.append(sample.id)
            labels[i] = int(sample.label)
            created[i] = float(sample.created)
        with self._merging:
            with self._lock:
                version, known = self._version, self._rows
            # looked up without the lock (a dict lookup is atomic); if the store changes
            # meanwhile, _commit checks the ids again under the lock
            new: list[int] = []
            seen: set[str] = set()
            for i, sample_id in enumerate(all_ids):
                if sample_id not in known and sample_id not in seen:
                    seen.add(sample_id)
                    new.append(i)
            del seen
            new.sort(key=all_ids.__getitem__)  # usually sorted already: one pass
            order = np.array(new, np.intp)
            del new
            ids: list[str] = []
            rows: list[Row] = []
            bundles: dict[str, set[str]] = {}
            for start in range(0, len(order), MAX_BUNDLE):
                part = order[start:start + MAX_BUNDLE]
                picked = part.tolist()
                part_ids = [all_ids[i] for i in picked]
                images = stack_images(len(picked), lambda k, p=picked: batch[p[k]].image)
                name = (f"{BUNDLE_PREFIX}{int(time.time() * 1000):013d}-"
                        f"{uuid.uuid4().hex[:8]}{SUFFIX}")
                self._save_bundle(name, images, labels[part], created[part], part_ids)
                bundles[name] = set(part_ids)
                ids += part_ids
                rows += rows_of(images, labels[part], created[part])
            if ids:
                ids = self._commit(ids, rows, bundles, version)
        return ids

    def _save_bundle(self, name: str, images: np.ndarray, labels: Sequence[int],
                     created: Sequence[float], ids: list[str]) -> None:
        id_array = np.empty(len(ids), dtype=f"U{ID_CHARS}")
        for start in range(0, len(ids), CHUNK):
            id_array[start:start + CHUNK] = ids[start:start + CHUNK]
        arrays = {"images": images, "labels": np.array(labels, np.int64),
                  "created": np.array(created, np.float64), "ids": id_array}
        # an .npz as np.savez_compressed writes it, at zlib level 1: 200,000 digits take a
        # third of the time of level 6 for a file about a tenth bigger
        with atomic_path(self.root / name) as tmp, zipfile.ZipFile(
                tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=BUNDLE_ZLIB_LEVEL) as zf:
            for key, array in arrays.items():
                with zf.open(f"{key}.npy", "w", force_zip64=True) as out:
                    np.lib.format.write_array(out, array, allow_pickle=False)

    def _commit(self, ids: list[str], rows: list[Row], bundles: dict[str, set[str]],
                version: int) -> list[str]:
        """Put the written samples (sorted ``ids``) into memory: the new order and table are
        built outside the lock (again if the store changed meanwhile) and swapped in."""
        while True:
            with self._lock:
                if self._version != version:  # e.g. the GUI put one of these ids meanwhile
                    version = self._version
                    keep = [i for i, sample_id in enumerate(ids) if sample_id not in self._rows]
                    ids, rows = [ids[i] for i in keep], [rows[i] for i in keep]
                base_ids, base_rows = self._ids, self._rows
            merged = base_ids + ids
            merged.sort()  # two sorted runs: a linear merge
            table = dict(base_rows)  # one quick copy (a memcpy when nothing was deleted)
            for start in range(0, len(ids), CHUNK):
                table.update(zip(ids[start:start + CHUNK], rows[start:start + CHUNK],
                                 strict=True))
            counts = np.bincount([row[1] for row in rows], minlength=10).tolist()
            newest = max(map(stamp_of, ids), default=0)
            with self._lock:
                if self._version != version:
                    continue
                self._rows, self._ids = table, merged
                self._counts = [a + b for a, b in zip(self._counts, counts, strict=True)]
                self._bundles.update(bundles)
                self._newest = max(self._newest, newest)
                self._version += 1
                return ids

    # ---- removing -------------------------------------------------------------------
    def remove(self, sample_id: str) -> bool:
        """Delete a sample; False if there was none with that id."""
        return self.remove_many([sample_id]) == 1

    def remove_many(self, sample_ids: Iterable[str]) -> int:
        """Delete samples (their files; each bundle holding some is rewritten once, without
        them); returns how many of the ids there were. A failed write raises SaveError; what
        was deleted until then is gone from the store too, the rest stays."""
        wanted = set(sample_ids)
        if not wanted:
            return 0
        with self._rewriting:
            with self._lock:
                touched = {name: ids & wanted for name, ids in self._bundles.items()
                           if not ids.isdisjoint(wanted)}
                present = wanted & self._rows.keys()
            found: set[str] = set()  # ids of which a file was deleted or rewritten without
            done: set[str] = set()  # ids with no file left (their bundles already rewritten)
            try:
                for name, drop in touched.items():
                    self._drop_from_bundle(name, drop)
                    found |= drop
                for sample_id in sorted(wanted):
                    if self._unlink(sample_id):
                        found.add(sample_id)
                    done.add(sample_id)
            finally:
                self._forget(done)
        return len(found | present)

    def _drop_from_bundle(self, name: str, drop: set[str]) -> None:
        with self._lock:
            keep = sorted(self._bundles.get(name, set()) - drop)
            rows = self._rows
        keep = [i for i in keep if i in rows]
        if keep:
            kept = [rows[i] for i in keep]
            self._save_bundle(name, stack_images(len(kept), lambda k: kept[k][0]), [r[1] for r in kept],
                              [r[2] for r in kept], keep)
        else:
            (self.root / name).unlink(missing_ok=True)
        with self._lock:
            if keep:
                self._bundles[name] -= drop
            else:
                self._bundles.pop(name, None)

    def _unlink(self, sample_id: str) -> bool:
        """Delete a single sample's file, if the id can be one (never a bundle, nor a path)."""
        if (not isinstance(sample_id, str) or not sample_id or sample_id.startswith(".")
                or "/" in sample_id or "\\" in sample_id
                or sample_id.lower().startswith(BUNDLE_PREFIX)):
            return False
        try:
            (self.root / f"{sample_id}{SUFFIX}").unlink()
        except FileNotFoundError:
            return False
        return True

    def _forget(self, done: set[str]) -> None:
        """Drop from memory the samples of ``done`` that no bundle holds any more."""
        with self._lock:
            gone = [i for i in done if i in self._rows
                    and not any(i in ids for ids in self._bundles.values())]
            if not gone:
                return
            for sample_id in gone:
                self._counts[self._rows.pop(sample_id)[1]] -= 1
            if len(gone) == 1:
                i = bisect.bisect_left(self._ids, gone[0])
                self._ids = self._ids[:i] + self._ids[i + 1:]
            else:
                self._ids = [i for i in self._ids if i in self._rows]
            self._version += 1
