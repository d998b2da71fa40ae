"""Read real pen-written digits from a UNIPEN folder as Draw-tab drawings.

UNIPEN train_r01_v07 (Guyon et al. 1994; CC BY 4.0, doi 10.5281/zenodo.1195803) is not part
of nngui: point this reader at an extracted copy with ``--unipen DIR`` or ``$NNGUI_UNIPEN``.
``DIR`` holds ``data/1a/<contributor>/...`` (segment files: isolated digits) and
``include/<contributor>/...`` (the pen data they ``.INCLUDE``).

The format, as far as this reader uses it (everything else is skipped):

* a file is lines; a line starting with ``.KEYWORD`` starts an entry, and the lines after it
  up to the next keyword are its body;
* ``.INCLUDE path`` reads ``DIR/include/path`` in place (recursively: data files include
  their ``.doc``);
* ``.PEN_DOWN`` / ``.PEN_UP``: a block of ``x y [more]`` points. Every ``.PEN_DOWN`` and every
  ``.PEN_UP`` *that has points* is one *component*; components are numbered from 0 in the
  order they appear across everything included (some devices record the pen's hover as
  ``.PEN_UP`` points, others write ``.PEN_UP`` as a bare marker). Only pen-down components
  are ink;
* ``.X_POINTS_PER_INCH`` / ``.Y_POINTS_PER_INCH`` (or ``_PER_MM``): the resolution, which can
  differ between x and y, so a digit keeps its real aspect;
* ``.SEGMENT CHARACTER 169-170 ? "5"``: components 169 and 170 are one "5". A list can hold
  ranges and single numbers, comma-separated. ``c:p`` (from a point inside a component) is
  counted as ``partial`` and skipped, as are labels that are not one digit 0-9 and segments
  that name components the included data does not have (``missing``).

The files say nothing about which way y grows. In all 17 contributors of section 1a, y grows
*up* the page (a plot's axes), the opposite of the Draw canvas: found by rendering two of
every digit of every contributor both ways (``--png``) and looking at them; read with y down,
every 7 stands on its bar and every 6 is a mirrored 9. ``Y_UP`` says so, and the reader flips
y. ``tests/scripts/test_unipen.py`` checks the reader on a small hand-written file.

Each digit becomes a ``bench_handwriting.Drawing`` the way a person fills the Draw canvas:
aspect kept, height ``HEIGHT`` of the canvas (width at most ``MAX_WIDTH``), centred, with a
small seeded jitter of size and position per digit, and the canvas' default brush.

    python benchmarks/unipen.py --unipen /tmp/unipen               # counts, as JSON
    python benchmarks/unipen.py --unipen /tmp/unipen --png /tmp/u  # a sheet per contributor
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_handwriting import Drawing  # noqa: E402  (after the path)

from nngui.gui.draw.canvas import DEFAULT_BRUSH  # noqa: E402  (px of the canvas' 280-px image)

Y_UP = True  # UNIPEN section 1a: y grows up the page in every contributor (see the docstring)
HEIGHT = 0.65  # of the canvas: a digit as a user draws it, give or take HEIGHT_JITTER
HEIGHT_JITTER = 0.05
SHIFT_JITTER = 0.04  # of the canvas, each way, around the centre
MAX_WIDTH = 0.8
MAX_FILE_BYTES = 64 * 1024 * 1024  # no UNIPEN file comes near this
MAX_INCLUDE_DEPTH = 4
_SEGMENT = re.compile(r'^\.SEGMENT\s+\S+\s+(\S+)\s+\S+\s+"(.*)"\s*$')


class UnipenError(ValueError):
    """A UNIPEN folder or file this reader cannot use (one line, for stderr)."""


@dataclass(frozen=True)
class PenDigit:
    """One isolated digit: who wrote it, what it is, its ink in page units (y down)."""

    contributor: str
    writer: str  # contributor/segment-file (one writer, or a few, per file)
    label: int
    strokes: tuple[np.ndarray, ...]  # (n, 2) float arrays: x right, y down, same unit


@dataclass
class Reading:
    """Everything read from a folder, and what was skipped and why."""

    digits: list[PenDigit] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)


@dataclass
class _Pen:
    """Components of the included data, in order: (is pen-down, points in page units)."""

    components: list[tuple[bool, np.ndarray]] = field(default_factory=list)
    x_res: float = 1.0
    y_res: float = 1.0


def _read_text(path: Path) -> str:
    if not path.is_file():
        raise UnipenError(f"{path}: no such file")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise UnipenError(f"{path}: larger than {MAX_FILE_BYTES} bytes")
    return path.read_text(encoding="latin-1")


def _entries(text: str):
    """(keyword, argument text, body lines) for every ``.KEYWORD`` entry of a file."""
    key, arg, body = None, "", []
    for line in text.splitlines():
        if line.startswith("."):
            if key is not None:
                yield key, arg, body
            parts = line.split(None, 1)
            key, arg, body = parts[0].upper(), (parts[1] if len(parts) > 1 else ""), []
        elif key is not None:
            body.append(line)
    if key is not None:
        yield key, arg, body


def _points(body: list[str]) -> np.ndarray:
    rows = []
    for line in body:
        parts = line.split()
        if len(parts) >= 2:
            try:
                rows.append((float(parts[0]), float(parts[1])))
            except ValueError:
                continue
    return np.asarray(rows, dtype=np.float64).reshape(-1, 2)


def _resolution(arg: str, per_mm: bool) -> float | None:
    try:
        v = float(arg.split()[0])
    except (IndexError, ValueError):
        return None
    return v * 25.4 if per_mm else v


def read_pen(root: Path, rel: str, pen: _Pen | None = None, depth: int = 0,
             segments: list | None = None) -> _Pen:
    """Components (and, into ``segments``, the ``.SEGMENT`` entries) of one file and all it
    includes, in order."""
    pen = pen if pen is not None else _Pen()
    if depth > MAX_INCLUDE_DEPTH:
        raise UnipenError(f"{rel}: .INCLUDE nested deeper than {MAX_INCLUDE_DEPTH}")
    path = (root / "include" / rel) if depth else (root / rel)
    for key, arg, body in _entries(_read_text(path)):
        if key == ".INCLUDE":
            read_pen(root, arg.strip(), pen, depth + 1, segments)
        elif key in (".PEN_DOWN", ".PEN_UP"):
            pts = _points(body)
            if key == ".PEN_DOWN" or len(pts):
                pen.components.append((key == ".PEN_DOWN", pts))
        elif key in (".X_POINTS_PER_INCH", ".X_POINTS_PER_MM"):
            pen.x_res = _resolution(arg, key.endswith("MM")) or pen.x_res
        elif key in (".Y_POINTS_PER_INCH", ".Y_POINTS_PER_MM"):
            pen.y_res = _resolution(arg, key.endswith("MM")) or pen.y_res
        elif key == ".SEGMENT" and segments is not None:
            m = _SEGMENT.match(f"{key} {arg}".rstrip())
            segments.append(m.groups() if m else None)
    return pen


def component_numbers(spec: str) -> list[int] | None:
    """``"169-170"`` -> [169, 170], ``"3,5-6"`` -> [3, 5, 6]; None for ``c:p`` point ranges."""
    out: list[int] = []
    for part in spec.split(","):
        if ":" in part:
            return None
        lo, _, hi = part.partition("-")
        a, b = int(lo), int(hi or lo)
        if b < a or b - a > 100:
            return None
        out.extend(range(a, b + 1))
    return out


def read_segment_file(root: Path, rel: str, contributor: str, y_up: bool = Y_UP) -> Reading:
    """The digits of one segment file (``rel`` is relative to ``root``), y turned down."""
    segments: list = []
    pen = read_pen(root, rel, segments=segments)
    flip = -1.0 if y_up else 1.0
    scale = np.array([1.0 / pen.x_res, flip / pen.y_res])
    writer = f"{contributor}/{Path(rel).stem}"
    out = Reading()
    for seg in segments:
        if seg is None:
            out.skipped["unreadable"] += 1
            continue
        spec, label = seg
        if len(label) != 1 or not label.isdigit():
            out.skipped["not a digit"] += 1
            continue
        try:
            numbers = component_numbers(spec)
        except ValueError:
            numbers = None
        if numbers is None:
            out.skipped["partial"] += 1
            continue
        if not numbers or max(numbers) >= len(pen.components):
            out.skipped["missing"] += 1
            continue
        strokes = tuple(pen.components[n][1] * scale for n in numbers
                        if pen.components[n][0] and len(pen.components[n][1]))
        if not strokes:
            out.skipped["no ink"] += 1
            continue
        out.digits.append(PenDigit(contributor, writer, int(label), strokes))
    return out


def read_folder(root: Path | str, contributors: list[str] | None = None) -> Reading:
    """Every digit under ``root/data/1a`` (all contributors, or those named), in file order."""
    root = Path(root)
    base = root / "data" / "1a"
    if not base.is_dir():
        raise UnipenError(f"{root}: no data/1a folder (extract UNIPEN train_r01_v07 there)")
    out = Reading()
    for cdir in sorted(p for p in base.iterdir() if p.is_dir()):
        if contributors is not None and cdir.name not in contributors:
            continue
        for f in sorted(cdir.rglob("*.dat")):
            try:
                one = read_segment_file(root, str(f.relative_to(root)), cdir.name)
            except UnipenError:
                out.skipped["missing file"] += 1
                continue
            out.digits.extend(one.digits)
            out.skipped.update(one.skipped)
    return out


def unipen_root(arg: str | Path | None) -> Path:
    """``--unipen`` or ``$NNGUI_UNIPEN``; a clear error when neither names a folder."""
    value = arg or os.environ.get("NNGUI_UNIPEN")
    if not value:
        raise UnipenError("no UNIPEN folder: pass --unipen DIR or set NNGUI_UNIPEN")
    return Path(value)


def to_drawing(d: PenDigit, seed: int = 0, height: float = HEIGHT,
               brush: float = DEFAULT_BRUSH) -> Drawing:
    """The digit as a user would draw it on the canvas (0..1 units): aspect kept, ``height``
    of the canvas (narrower than ``MAX_WIDTH``), centred, size and place jittered a little."""
    rng = np.random.default_rng([seed, d.label, *map(ord, d.writer[-24:]),
                                 len(d.strokes), int(d.strokes[0].shape[0])])
    pts = np.concatenate(d.strokes)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    w, h = np.maximum(hi - lo, 1e-9)
    target = height + rng.uniform(-HEIGHT_JITTER, HEIGHT_JITTER)
    s = min(target / h, MAX_WIDTH / w)
    centre = (lo + hi) / 2
    at = 0.5 + rng.uniform(-SHIFT_JITTER, SHIFT_JITTER, 2)
    paths = []
    for stroke in d.strokes:
        p = np.clip((stroke - centre) * s + at, 0.005, 0.995)
        paths.append(tuple(map(tuple, p.tolist())))
    return Drawing(d.label, d.contributor, "normal", float(brush), tuple(paths))


def sheet(digits: list[PenDigit], path: Path, per_row: int = 20, cell: int = 40) -> None:
    """A PNG of the digits as drawn (ink only, no canvas): for looking at orientation."""
    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtGui import QColor, QImage, QPainter, QPen

    rows = max(1, -(-len(digits) // per_row))
    img = QImage(per_row * cell, rows * cell, QImage.Format.Format_RGB32)
    img.fill(QColor("white"))
    p = QPainter(img)
    p.setPen(QPen(QColor("black"), 1.5, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    for k, d in enumerate(digits):
        ox, oy = (k % per_row) * cell, (k // per_row) * cell
        for stroke in to_drawing(d).strokes:
            pts = [QPointF(ox + u * cell, oy + v * cell) for u, v in stroke]
            for a, b in zip(pts[:-1], pts[1:], strict=True):
                p.drawLine(a, b)
            if len(pts) == 1:
                p.drawPoint(pts[0])
        p.drawText(ox + 2, oy + 11, str(d.label))
    p.end()
    if not img.save(str(path)):
        raise UnipenError(f"{path}: could not write the PNG")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--unipen", default=None, help="extracted UNIPEN folder ($NNGUI_UNIPEN)")
    ap.add_argument("--png", type=Path, default=None, help="write a sheet per contributor here")
    ap.add_argument("--per-sheet", type=int, default=100)
    args = ap.parse_args(argv)
    try:
        reading = read_folder(unipen_root(args.unipen))
    except UnipenError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    by = Counter(d.contributor for d in reading.digits)
    print(json.dumps({"digits": len(reading.digits), "skipped": dict(reading.skipped),
                      "writers": len({d.writer for d in reading.digits}),
                      "per_contributor": dict(sorted(by.items())),
                      "per_digit": dict(sorted(Counter(d.label for d in reading.digits)
                                               .items()))}))
    if args.png:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from PySide6.QtGui import QGuiApplication

        _app = QGuiApplication.instance() or QGuiApplication([])
        args.png.mkdir(parents=True, exist_ok=True)
        for c in sorted(by):
            mine = [d for d in reading.digits if d.contributor == c]
            step = max(1, len(mine) // args.per_sheet)
            sheet(mine[::step][:args.per_sheet], args.png / f"{c}.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
