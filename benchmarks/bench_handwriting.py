"""Per-digit accuracy of a model on digits drawn through the real Draw-tab canvas.

Run by hand (prints one JSON object; no display needed):
    python benchmarks/bench_handwriting.py                          # the bundled CNN
    python benchmarks/bench_handwriting.py --model m.keras --per-digit 100 --seed 0

The set is not MNIST: ``data/handwriting_templates.json`` holds stroke templates, several
styles per digit (open and closed 4s, 7s with a bar or a hook, curly and open-looped 9s, 1s
with a flag and a base, ...). ``make_set`` turns them into pen paths with seeded jitter: size
(35-80% of the canvas), position, slant ±15°, a little rotation, wobbly points and a thin,
normal or thick pen. ``replay`` draws each path with mouse events (``QTest``) on a real
``DrawCanvas`` and reads the 28x28 image with ``preprocess.to_mnist`` — exactly what the Draw
tab feeds the model. The set is for evaluation only: nothing trains on it.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "data" / "handwriting_templates.json"
BUNDLED_CNN = HERE.parent / "nngui" / "resources" / "models" / "mnist_cnn.keras"
CANVAS_PX = 420  # about the Draw tab's canvas at 1366x768
STEP_PX = 4.0  # distance between mouse events along a path (a moderately fast hand)
PENS = {"thin": (6.0, 11.0), "normal": (14.0, 24.0), "thick": (26.0, 36.0)}  # px of 280


@dataclass(frozen=True)
class Drawing:
    """One digit as the user would draw it: pen paths in canvas units (0..1), a brush."""

    digit: int
    style: str
    pen: str
    brush: float  # px on the 280-px canvas, as the Draw tab's brush slider
    strokes: tuple[tuple[tuple[float, float], ...], ...]


def load_templates(path: Path = TEMPLATES) -> dict[int, dict[str, list[list]]]:
    """{digit: {style: strokes}} from the JSON file, arcs expanded to points."""
    doc = json.loads(Path(path).read_text())
    out: dict[int, dict[str, list[list]]] = {}
    for digit, styles in doc["digits"].items():
        out[int(digit)] = {name: [_expand(s) for s in strokes] for name, strokes in styles.items()}
    return out


def _expand(stroke: list) -> list[tuple[float, float]]:
    pts: list[tuple[float, float]] = []
    for item in stroke:
        if isinstance(item, dict):
            cx, cy, rx, ry, a0, a1, n = item["arc"]
            pts += [(cx + rx * math.cos(math.radians(a)), cy + ry * math.sin(math.radians(a)))
                    for a in np.linspace(a0, a1, int(n))]
        else:
            pts.append((float(item[0]), float(item[1])))
    return pts


def _wobble(pts: np.ndarray, rng: np.random.Generator, amount: float) -> np.ndarray:
    """A smooth random displacement along the path (a hand is never quite steady)."""
    seg = np.r_[0.0, np.cumsum(np.hypot(*np.diff(pts, axis=0).T))]
    phase = rng.uniform(0, 2 * np.pi, 4)
    freq = rng.uniform(2.0, 6.0, 2)
    dx = amount * np.sin(freq[0] * seg * np.pi + phase[0]) * np.cos(seg * np.pi + phase[1])
    dy = amount * np.sin(freq[1] * seg * np.pi + phase[2]) * np.cos(seg * np.pi + phase[3])
    return pts + np.stack([dx, dy], axis=1)


def _ends(p: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Move a stroke's first and last points along its direction: overshoot or fall short."""
    p = p.copy()
    for end, nxt in ((0, 1), (-1, -2)):
        d = p[end] - p[nxt]
        n = float(np.hypot(*d))
        if n > 1e-6:
            p[end] = p[end] + d / n * rng.uniform(-0.05, 0.08)
    return p


def make_drawing(digit: int, style: str, strokes: list[list[tuple[float, float]]],
                 rng: np.random.Generator) -> Drawing:
    """One jittered drawing of a template: size, position, slant, rotation, wobble, pen.

    Besides the whole digit's placement, every stroke moves a little on its own (where a
    7's bar or a 4's stem lands), its ends overshoot or fall short (a loop left open or
    crossed), and its points wobble smoothly, as a mouse-drawn digit does.
    """
    height = rng.uniform(0.35, 0.8)
    width = height * rng.uniform(0.5, 0.9)
    slant = math.tan(math.radians(rng.uniform(-15.0, 15.0)))
    turn = math.radians(rng.uniform(-8.0, 8.0))
    margin = 0.04 + 0.5 * abs(slant) * height
    cx = rng.uniform(width / 2 + margin, 1 - width / 2 - margin)
    cy = rng.uniform(height / 2 + 0.04, 1 - height / 2 - 0.04)
    pen = str(rng.choice(list(PENS)))
    brush = float(min(rng.uniform(*PENS[pen]), 0.3 * height * 280))
    paths = []
    for stroke in strokes:
        p = np.asarray(stroke, dtype=np.float64) - 0.5  # about the box centre
        p = _ends(p, rng) + rng.normal(0.0, 0.04, 2)  # the stroke lands a little off
        p = p + rng.normal(0.0, 0.015, p.shape)  # where each template point lands
        p = _wobble(p, rng, 0.03)
        x = p[:, 0] * width - slant * p[:, 1] * height  # top leans right for slant > 0
        y = p[:, 1] * height
        x, y = x * math.cos(turn) - y * math.sin(turn), x * math.sin(turn) + y * math.cos(turn)
        x, y = np.clip(x + cx, 0.005, 0.995), np.clip(y + cy, 0.005, 0.995)
        paths.append(tuple(zip(x.tolist(), y.tolist(), strict=True)))
    return Drawing(digit, style, pen, round(brush, 2), tuple(paths))


def make_set(per_digit: int = 100, seed: int = 0, path: Path = TEMPLATES) -> list[Drawing]:
    """``per_digit`` drawings of every digit, its styles taken in turn (deterministic)."""
    templates = load_templates(path)
    drawings = []
    for digit in sorted(templates):
        styles = sorted(templates[digit])
        for i in range(per_digit):
            style = styles[i % len(styles)]
            rng = np.random.default_rng([seed, digit, i])
            drawings.append(make_drawing(digit, style, templates[digit][style], rng))
    return drawings


def _densify(path: tuple[tuple[float, float], ...], side: int) -> list[tuple[float, float]]:
    """Points every STEP_PX screen pixels along the path: the mouse events of one stroke."""
    out = [path[0]]
    for (x0, y0), (x1, y1) in zip(path[:-1], path[1:], strict=True):
        n = max(1, int(math.hypot(x1 - x0, y1 - y0) * side / STEP_PX))
        out += [(x0 + (x1 - x0) * k / n, y0 + (y1 - y0) * k / n) for k in range(1, n + 1)]
    return out


def replay(canvas, drawing: Drawing) -> np.ndarray:
    """Draw with mouse events on a shown DrawCanvas; the 28x28 image the Draw tab reads."""
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    from nngui.core.drawing.preprocess import to_mnist

    left = Qt.MouseButton.LeftButton
    none = Qt.KeyboardModifier.NoModifier
    canvas.clear()
    canvas.set_brush(drawing.brush)
    sq = canvas.square()

    def at(u: float, v: float) -> QPoint:
        return QPoint(sq.x() + round(u * sq.width()), sq.y() + round(v * sq.height()))

    for path in drawing.strokes:
        pts = _densify(path, sq.width())
        QTest.mousePress(canvas, left, none, at(*pts[0]))
        for u, v in pts[1:]:
            QTest.mouseMove(canvas, at(u, v))
        QTest.mouseRelease(canvas, left, none, at(*pts[-1]))
    return to_mnist(canvas.image())


def new_canvas(side: int = CANVAS_PX):
    """A shown, square DrawCanvas (needs a QApplication)."""
    from nngui.gui.draw.canvas import DrawCanvas

    canvas = DrawCanvas()
    canvas.resize(side, side)
    canvas.show()
    return canvas


def render_set(drawings: list[Drawing], side: int = CANVAS_PX) -> np.ndarray:
    """(N, 28, 28) images of all drawings, drawn on one canvas."""
    canvas = new_canvas(side)
    try:
        return np.stack([replay(canvas, d) for d in drawings])
    finally:
        canvas.close()
        canvas.deleteLater()


def score(model, drawings: list[Drawing], images: np.ndarray) -> dict:
    """Accuracy overall, per digit, per (digit, style) and per pen; the confusions."""
    from nngui.core.model.inference import FastPredictor

    pred = FastPredictor(model).predict_batch(images).argmax(axis=1)
    y = np.array([d.digit for d in drawings])
    ok = pred == y

    def acc(mask: np.ndarray) -> float:
        return round(float(ok[mask].mean()), 4)

    styles = sorted({(d.digit, d.style) for d in drawings})
    style_of = np.array([f"{d.digit}:{d.style}" for d in drawings])
    pens = np.array([d.pen for d in drawings])
    wrong = [f"{t}->{p}" for t, p in zip(y[~ok].tolist(), pred[~ok].tolist(), strict=True)]
    return {"accuracy": round(float(ok.mean()), 4), "n": int(len(y)),
            "per_digit": {str(k): acc(y == k) for k in range(10) if (y == k).any()},
            "per_style": {f"{k}:{s}": acc(style_of == f"{k}:{s}") for k, s in styles},
            "per_pen": {p: acc(pens == p) for p in PENS if (pens == p).any()},
            "confusions": {c: wrong.count(c) for c in sorted(set(wrong), key=wrong.count,
                                                                  reverse=True)}}


def print_result(result: dict, out: Path | None = None) -> int:
    """Print a benchmark's JSON (and write it to ``out`` too); the exit status 0."""
    text = json.dumps(result, indent=1)
    print(text)
    if out:
        out.write_text(text + "\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, default=BUNDLED_CNN, help=".keras file")
    ap.add_argument("--per-digit", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--save", type=Path, default=None, help="also write the images (.npz)")
    args = ap.parse_args(argv)

    from PySide6.QtWidgets import QApplication

    from nngui.core.model.saving import load_model

    app = QApplication.instance() or QApplication([])
    model = load_model(args.model)
    t0 = time.perf_counter()
    drawings = make_set(args.per_digit, args.seed)
    images = render_set(drawings)
    seconds = time.perf_counter() - t0
    if args.save:
        np.savez_compressed(args.save, x=images, y=[d.digit for d in drawings],
                            style=[d.style for d in drawings])
    app.processEvents()
    result = {"benchmark": "handwriting", "model": str(args.model), "seed": args.seed,
              "replay_seconds": round(seconds, 1), **score(model, drawings, images)}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
