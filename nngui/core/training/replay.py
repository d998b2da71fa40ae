"""A run's replay: compact per-epoch snapshots of what its live views showed.

The Watch tab's live views draw what probes send after each epoch (``core/insight/probes.py``):
the boundary grid with its unit tiles, the hidden space, the first layer's weight images and
the confusion matrix. A ``Replay`` keeps one *frame* per epoch of those payloads, compacted,
so the Watch tab's timeline can show any epoch again, and a project keeps them.

Size budget: a frame holds at most ``FRAME_BUDGET`` bytes (50 kB), so 100 epochs are at most
5 MB (before the project's deflate), for a 2-D net with the most unit tiles (48) as for the
784-input MLP's 36 weight images. How:

- probabilities as uint8 (1/255 steps), classes as uint8, the confusion matrix as uint16;
- unit tiles as uint8 between each map's min and max, taking every 2nd (3rd, …) grid point
  when the tiles would not fit ``TILE_BUDGET``;
- weight images as int8 of each image divided by its largest |weight| (the mosaic scales each
  tile by that anyway), with that scale;
- hidden-space coordinates as float16;
- what every frame shares (the data points, labels, grid axes) once per run.

Long runs are thinned: every epoch up to ``KEEP_ALL``, then every ``stride``-th, the stride
doubling whenever more than ``MAX_FRAMES`` frames would be kept; the newest frame always stays.
A run's replay is thus at most ``MAX_FRAMES`` frames (7.5 MB).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

VIEWS = ("boundary", "hidden", "weights", "confusion")  # the probes a replay keeps
FRAME_BUDGET = 50_000  # bytes of arrays in one frame
TILE_BUDGET = 32_000  # of which the unit tiles may take this many
KEEP_ALL = 100  # every epoch up to here is kept
MAX_FRAMES = 150  # at most this many frames per run
ABSENT = "absent"  # a frame's field that says the network has no such layer (payload None)
_KEY = re.compile(r"^(?:s|f(\d{1,6}))\.(\w{1,20})\.(\w{1,20})$")
_FIELDS = {
    "boundary": {"xs", "ys", "x_train", "y_train", "x_test", "y_test", "classes", "prob",
                 "kernel", "bias", "map_meta", "map_names", "map_lo", "map_hi", "maps", ABSENT},
    "hidden": {"labels", "coords", "meta", "layer", ABSENT},
    "weights": {"images", "scale", "units", ABSENT},
    "confusion": {"matrix", "classes", ABSENT},
}
STATIC = {"boundary": ("xs", "ys", "x_train", "y_train", "x_test", "y_test"),
          "hidden": ("labels",), "weights": (), "confusion": ()}


class ReplayError(ValueError):
    """A replay's arrays that do not make frames; the message is for the user."""


Arrays = dict[str, np.ndarray]


@dataclass
class Frame:
    """One epoch's compact views (0-based ``epoch``, as the probes report it)."""

    epoch: int
    views: dict[str, Arrays] = field(default_factory=dict)

    def nbytes(self) -> int:
        return sum(a.nbytes for view in self.views.values() for a in view.values())


@dataclass
class Replay:
    """A run's frames in epoch order, and what they share (``static``)."""

    frames: list[Frame] = field(default_factory=list)
    static: dict[str, Arrays] = field(default_factory=dict)
    stride: int = 1  # past KEEP_ALL every stride-th epoch is kept

    def __len__(self) -> int:
        return len(self.frames)

    def epochs(self) -> list[int]:
        return [f.epoch for f in self.frames]

    def nbytes(self) -> int:
        return sum(f.nbytes() for f in self.frames) + sum(
            a.nbytes for view in self.static.values() for a in view.values())

    def add(self, name: str, epoch: int, payload: Any) -> bool:
        """Keep probe ``name``'s ``payload`` as the frame of ``epoch``; False if not kept.

        An epoch before the newest frame's starts the run again from there (Train from
        scratch): the frames from that epoch on are dropped first. The same epoch again (a
        mid-epoch boundary, then the epoch's end) replaces that view of the frame.
        """
        if name not in VIEWS:
            return False
        epoch = int(epoch)
        if self.frames and epoch < self.frames[-1].epoch:
            self.frames = [f for f in self.frames if f.epoch < epoch]
            if not self.frames:
                self.static.clear()
                self.stride = 1
        per_frame, static = compact(name, payload)
        for key, value in static.items():
            self.static.setdefault(name, {})[key] = value
        if not self.frames or self.frames[-1].epoch != epoch:
            self.frames.append(Frame(epoch))
            self._thin()
        self.frames[-1].views[name] = per_frame
        return True

    def _kept(self, epoch: int) -> bool:
        return epoch < KEEP_ALL or (epoch - KEEP_ALL) % self.stride == 0

    def _thin(self) -> None:
        """Every epoch up to KEEP_ALL, then every stride-th; the newest frame always."""
        while True:
            last = self.frames[-1]
            self.frames = [f for f in self.frames[:-1] if self._kept(f.epoch)] + [last]
            if len(self.frames) <= MAX_FRAMES:
                return
            self.stride *= 2

    def payloads(self, index: int) -> dict[str, Any]:
        """Frame ``index``'s views as the probes sent them (name → payload, None for a
        network without that layer), decompacted."""
        frame = self.frames[index]
        return {name: expand(name, arrays, self.static.get(name, {}))
                for name, arrays in frame.views.items()}

    def index_of(self, epoch: int) -> int | None:
        """The frame of ``epoch``, or None."""
        return next((i for i, f in enumerate(self.frames) if f.epoch == epoch), None)


# ---------------------------------------------------------------------------- compacting

def _u8(values: np.ndarray, lo: float, hi: float) -> np.ndarray:
    span = hi - lo if hi > lo else 1.0
    return np.clip(np.round((np.asarray(values, np.float64) - lo) / span * 255), 0, 255
                   ).astype(np.uint8)


def _from_u8(q: np.ndarray, lo: float, hi: float) -> np.ndarray:
    span = hi - lo if hi > lo else 1.0
    return (lo + q.astype(np.float32) * np.float32(span / 255)).astype(np.float32)


def tile_step(n_maps: int, shape: tuple[int, int], budget: int = TILE_BUDGET) -> int:
    """The grid step that keeps ``n_maps`` uint8 maps of ``shape`` within ``budget`` bytes."""
    step = 1
    while n_maps * (-(-shape[0] // step)) * (-(-shape[1] // step)) > budget:
        step += 1
    return step


def compact(name: str, payload: Any) -> tuple[Arrays, Arrays]:
    """(per-frame arrays, arrays every frame shares) of a probe's payload."""
    if payload is None:
        return {ABSENT: np.ones(1, np.uint8)}, {}
    if name == "boundary":
        return _compact_boundary(payload)
    if name == "hidden":
        meta = np.array([1 if payload["method"] == "pca" else 0, int(payload["units"])],
                        np.int64)
        return ({"coords": np.asarray(payload["coords"], np.float16), "meta": meta,
                 "layer": np.array(str(payload["layer"])[:64])},
                {"labels": np.asarray(payload["labels"], np.int64)})
    if name == "weights":
        images = np.asarray(payload["images"], np.float32)
        scale = np.abs(images).reshape(len(images), -1).max(axis=1, initial=0.0)
        scale = np.where(scale > 0, scale, 1.0).astype(np.float32)
        q = np.clip(np.round(images / scale[:, None, None] * 127), -127, 127).astype(np.int8)
        return {"images": q, "scale": scale,
                "units": np.array(int(payload["units"]), np.int64)}, {}
    if name == "confusion":
        matrix = np.asarray(payload["matrix"], np.int64)
        dtype = np.uint16 if matrix.max(initial=0) < 2 ** 16 else np.uint32
        return {"matrix": matrix.astype(dtype)}, {
            "classes": np.asarray([str(c)[:40] for c in payload.get("classes", [])], "U40")}
    raise ValueError(f"no replay for {name!r}")


def _compact_boundary(p: dict[str, Any]) -> tuple[Arrays, Arrays]:
    classes = np.asarray(p["classes"])
    frame: Arrays = {"classes": classes.astype(np.uint8 if classes.max(initial=0) < 256
                                               else np.uint16),
                     "prob": _u8(p["prob"], 0.0, 1.0)}
    units = p.get("units")
    if units is not None:
        frame["kernel"] = np.asarray(units[0], np.float32)
        frame["bias"] = np.asarray(units[1], np.float32)
    maps = p.get("unit_maps") or []
    if maps:
        stacked = np.concatenate([np.asarray(m["maps"], np.float32) for m in maps])
        step = tile_step(len(stacked), stacked.shape[1:])
        stacked = stacked[:, ::step, ::step]
        lo = stacked.reshape(len(stacked), -1).min(axis=1).astype(np.float32)
        hi = stacked.reshape(len(stacked), -1).max(axis=1).astype(np.float32)
        span = np.where(hi > lo, hi - lo, 1.0)
        frame["maps"] = np.clip(np.round((stacked - lo[:, None, None]) / span[:, None, None]
                                         * 255), 0, 255).astype(np.uint8)
        frame["map_lo"], frame["map_hi"] = lo, hi
        frame["map_meta"] = np.array([[m["layer"], m["units"], len(m["maps"]), step]
                                      for m in maps], np.int64)
        frame["map_names"] = np.array([str(m["name"])[:64] for m in maps], "U64")
    static = {k: np.asarray(p[k], np.float32 if k in ("xs", "ys", "x_train", "x_test")
                            else np.int64) for k in STATIC["boundary"]}
    return frame, static


# ------------------------------------------------------------------------------ expanding

def expand(name: str, a: Arrays, static: Arrays) -> Any:
    """The payload a frame's arrays stand for (what the probe sent, within the quantisation);
    ReplayError when they do not fit together."""
    if ABSENT in a:
        return None
    try:
        return _EXPAND[name](a, static)
    except (KeyError, ValueError, IndexError, TypeError) as exc:
        raise ReplayError(f"the replay's {name} view is damaged ({str(exc)[:80]}).") from None


def _expand_boundary(a: Arrays, s: Arrays) -> dict[str, Any]:
    xs, ys = s["xs"], s["ys"]
    shape = (len(ys), len(xs))
    classes, prob = a["classes"].astype(np.int64), _from_u8(a["prob"], 0.0, 1.0)
    if classes.shape != shape or prob.shape != shape:
        raise ValueError(f"a grid of {classes.shape}, not {shape}")
    for pts, labels in (("x_train", "y_train"), ("x_test", "y_test")):
        if s[pts].ndim != 2 or s[pts].shape[1] != 2 or s[labels].shape != (len(s[pts]),):
            raise ValueError(f"{pts} is not a list of points with labels")
    units = None
    if "kernel" in a:
        kernel, bias = a["kernel"], a["bias"]
        if kernel.ndim != 2 or kernel.shape[0] != 2 or bias.shape != (kernel.shape[1],):
            raise ValueError("the first layer's weights do not fit")
        units = (kernel, bias)
    maps = []
    if "maps" in a:
        q, lo, hi, meta, names = a["maps"], a["map_lo"], a["map_hi"], a["map_meta"], \
            a["map_names"]
        n = len(q)
        if q.ndim != 3 or lo.shape != (n,) or hi.shape != (n,) or meta.ndim != 2 or \
                meta.shape[1] != 4 or names.shape != (len(meta),) or meta[:, 2].sum() != n:
            raise ValueError("the unit tiles do not fit")
        values = (lo[:, None, None] + q.astype(np.float32) *
                  ((hi - lo) / 255).astype(np.float32)[:, None, None]).astype(np.float32)
        start = 0
        for (layer, units_n, take, _step), layer_name in zip(meta, names, strict=True):
            maps.append({"layer": int(layer), "name": str(layer_name), "units": int(units_n),
                         "maps": values[start:start + int(take)]})
            start += int(take)
    return {"xs": xs, "ys": ys, "classes": classes, "prob": prob, "units": units,
            "unit_maps": maps, "x_train": s["x_train"], "y_train": s["y_train"],
            "x_test": s["x_test"], "y_test": s["y_test"]}


def _expand_hidden(a: Arrays, s: Arrays) -> dict[str, Any]:
    coords, labels = a["coords"].astype(np.float32), s["labels"]
    if coords.ndim != 2 or coords.shape[1] != 2 or labels.shape != (len(coords),):
        raise ValueError("the points do not fit their labels")
    method, units = (int(v) for v in a["meta"])
    return {"coords": coords, "labels": labels, "method": "pca" if method else "raw",
            "units": units, "layer": str(a["layer"])}


def _expand_weights(a: Arrays, _s: Arrays) -> dict[str, Any]:
    q, scale = a["images"], a["scale"]
    if q.ndim != 3 or scale.shape != (len(q),):
        raise ValueError("the images do not fit their scales")
    return {"images": (q.astype(np.float32) / 127 * scale[:, None, None]).astype(np.float32),
            "units": int(a["units"])}


def _expand_confusion(a: Arrays, s: Arrays) -> dict[str, Any]:
    matrix = a["matrix"].astype(np.int64)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError("the matrix is not square")
    return {"matrix": matrix, "classes": [str(c) for c in s.get("classes", [])]}


_EXPAND = {"boundary": _expand_boundary, "hidden": _expand_hidden, "weights": _expand_weights,
           "confusion": _expand_confusion}


# ------------------------------------------------------------------------- as flat arrays

def to_arrays(replay: Replay, prefix: str = "") -> Arrays:
    """The replay as flat named arrays (``{prefix}s.<view>.<field>`` shared,
    ``{prefix}f<i>.<view>.<field>`` per frame, ``{prefix}epochs``, ``{prefix}stride``)."""
    out: Arrays = {f"{prefix}epochs": np.array(replay.epochs(), np.int64),
                   f"{prefix}stride": np.array(replay.stride, np.int64)}
    for view, arrays in replay.static.items():
        for key, value in arrays.items():
            out[f"{prefix}s.{view}.{key}"] = value
    for i, frame in enumerate(replay.frames):
        for view, arrays in frame.views.items():
            for key, value in arrays.items():
                out[f"{prefix}f{i}.{view}.{key}"] = value
    return out


def from_arrays(arrays: Arrays, where: str = "the replay") -> Replay:
    """The replay ``to_arrays`` wrote (without its prefix), every frame checked: ReplayError
    with a one-line message for anything else."""
    epochs, stride = arrays.get("epochs"), arrays.get("stride")
    if epochs is None or stride is None or epochs.ndim != 1 or epochs.dtype.kind not in "iu" \
            or stride.shape != () or stride.dtype.kind not in "iu" or int(stride) < 1 or \
            np.any(np.diff(epochs) <= 0) or (epochs.size and epochs.min() < 0) or \
            len(epochs) > 100_000:
        raise ReplayError(f"{where} has no valid list of epochs.")
    replay = Replay([Frame(int(e)) for e in epochs], {}, int(stride))
    for key, value in arrays.items():
        if key in ("epochs", "stride"):
            continue
        m = _KEY.match(key)
        view = m.group(2) if m else ""
        if m is None or view not in VIEWS or m.group(3) not in _FIELDS[view] or \
                value.dtype.kind not in "iufbU":
            raise ReplayError(f"{where} has an array it does not know: {key[:60]!r}.")
        if m.group(1) is None:
            replay.static.setdefault(view, {})[m.group(3)] = value
            continue
        i = int(m.group(1))
        if i >= len(replay.frames):
            raise ReplayError(f"{where} has a frame past its last epoch: {key[:60]!r}.")
        replay.frames[i].views.setdefault(view, {})[m.group(3)] = value
    for i in range(len(replay.frames)):
        try:
            replay.payloads(i)
        except ReplayError as exc:
            raise ReplayError(f"{where}, epoch {replay.frames[i].epoch + 1}: {exc}") from None
    return replay


def pack(replays: dict[int, Replay]) -> bytes:
    """Replays by run index as one compressed .npz (a project's ``replays.npz``)."""
    arrays: Arrays = {}
    for index, replay in replays.items():
        arrays.update(to_arrays(replay, f"r{int(index)}."))
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    return buf.getvalue()


def unpack(arrays: Arrays, runs: int, where: str = "replays.npz") -> dict[int, Replay]:
    """The replays ``pack`` wrote, read back as ``arrays`` (load them within limits first);
    a run index must be below ``runs``."""
    by_run: dict[int, Arrays] = {}
    for key, value in arrays.items():
        m = re.match(r"^r(\d{1,6})\.(.+)$", key)
        if m is None or int(m.group(1)) >= runs:
            raise ReplayError(f"{where} has an array of no run: {key[:60]!r}.")
        by_run.setdefault(int(m.group(1)), {})[m.group(2)] = value
    return {i: from_arrays(a, f"{where}, run {i + 1}") for i, a in sorted(by_run.items())}
