"""Teach 10 per digit, fine-tune, and read that writer's later digits: per writer, per digit.

Run by hand (prints one JSON object; no display needed; MNIST from $NNGUI_MNIST or the usual
places, never downloaded):
    python benchmarks/bench_finetune.py                         # 6 writers, the bundled CNN
    python benchmarks/bench_finetune.py --writers 3 --later 20 --seed 0 --out result.json
    python benchmarks/bench_finetune.py --zero-shot-only --writers 12   # no fine-tuning

There are no pen-written digits from real outside writers in this repository, so the writers
here are synthetic, and none of them ever trained the bundled model: a *writer* is one
seeded hand drawn from the stroke templates of ``data/handwriting_templates.json`` (which no
model trains on, see ``bench_handwriting.py``): one style per digit (a crossed 7, an open 4,
a flagged 1, a curly 9, ...), one slant, one aspect ratio, one pen, one size, one amount of
wobble, kept for all that writer's digits, with the usual per-drawing jitter around them.
Every drawing is replayed with mouse events on the real Draw canvas and read with the Draw
tab's preprocessing (``bench_handwriting.replay``), exactly what the app sees.

For each writer: the first ``--teach`` drawings of every digit are taught, the next
``--later`` ones are the test ("the next digits the writer draws"); zero-shot accuracy on
them, then ``finetune.make_plan`` + ``run_finetune`` on the taught digits (MNIST replayed),
the accuracy on the later digits again, the MNIST test accuracy (all 10,000) of the
fine-tuned model, and the seconds fine-tuning took. Each writer starts from the bundled model.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_handwriting import (  # noqa: E402  (after the path)
    BUNDLED_CNN,
    PENS,
    Drawing,
    _ends,
    _wobble,
    load_templates,
    print_result,
    render_set,
)


@dataclass(frozen=True)
class Writer:
    """One hand: a style per digit and the traits that stay the same across its digits."""

    seed: int
    styles: dict[int, str]
    slant: float  # degrees, top to the right when positive
    aspect: float  # width / height
    height: float  # of the canvas
    pen: str
    wobble: float


def make_writer(seed: int, templates: dict[int, dict[str, list]]) -> Writer:
    rng = np.random.default_rng([seed, 26])
    styles = {d: str(rng.choice(sorted(templates[d]))) for d in sorted(templates)}
    return Writer(seed, styles, float(rng.uniform(-30, 30)), float(rng.uniform(0.3, 1.1)),
                  float(rng.uniform(0.35, 0.75)), str(rng.choice(list(PENS))),
                  float(rng.uniform(0.02, 0.06)))


def writer_drawing(w: Writer, digit: int, strokes: list, rng: np.random.Generator) -> Drawing:
    """One drawing by ``w``: its traits, with a little of the usual variation around them."""
    height = w.height * rng.uniform(0.9, 1.1)
    width = height * w.aspect * rng.uniform(0.92, 1.08)
    slant = math.tan(math.radians(w.slant + rng.normal(0, 3)))
    turn = math.radians(rng.normal(0, 3))
    margin = 0.04 + 0.5 * abs(slant) * height
    cx = rng.uniform(width / 2 + margin, max(width / 2 + margin, 1 - width / 2 - margin))
    cy = rng.uniform(height / 2 + 0.04, 1 - height / 2 - 0.04)
    brush = float(min(rng.uniform(*PENS[w.pen]), 0.3 * height * 280))
    paths = []
    for stroke in strokes:
        p = np.asarray(stroke, dtype=np.float64) - 0.5
        p = _ends(p, rng) + rng.normal(0.0, 0.03, 2)
        p = p + rng.normal(0.0, 0.012, p.shape)
        p = _wobble(p, rng, w.wobble)
        x = p[:, 0] * width - slant * p[:, 1] * height
        y = p[:, 1] * height
        x, y = x * math.cos(turn) - y * math.sin(turn), x * math.sin(turn) + y * math.cos(turn)
        x, y = np.clip(x + cx, 0.005, 0.995), np.clip(y + cy, 0.005, 0.995)
        paths.append(tuple(zip(x.tolist(), y.tolist(), strict=True)))
    return Drawing(digit, w.styles[digit], w.pen, round(brush, 2), tuple(paths))


def writer_set(w: Writer, templates: dict, per_digit: int, first: int = 0) -> list[Drawing]:
    """Drawings ``first .. first + per_digit - 1`` of every digit (each seeded by its index)."""
    out = []
    for digit in sorted(templates):
        strokes = templates[digit][w.styles[digit]]
        for i in range(first, first + per_digit):
            out.append(writer_drawing(w, digit, strokes, np.random.default_rng([w.seed, digit, i])))
    return out


def per_digit(pred: np.ndarray, y: np.ndarray) -> dict[str, float]:
    return {str(d): round(float(np.mean(pred[y == d] == d)), 4) for d in range(10) if (y == d).any()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, default=BUNDLED_CNN)
    ap.add_argument("--writers", type=int, default=6)
    ap.add_argument("--teach", type=int, default=10, help="taught digits per digit")
    ap.add_argument("--later", type=int, default=20, help="test digits per digit")
    ap.add_argument("--seed", type=int, default=0, help="first writer's seed")
    ap.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    ap.add_argument("--zero-shot-only", action="store_true",
                    help="only read the later digits with the model as it is (no fine-tuning; "
                         "the taught digits are not even drawn)")
    args = ap.parse_args(argv)
    if args.zero_shot_only:
        return zero_shot_main(args)

    from PySide6.QtWidgets import QApplication

    from nngui.core.data.datasets import load_mnist
    from nngui.core.drawing import finetune as F
    from nngui.core.drawing import frozen
    from nngui.core.model.inference import FastPredictor
    from nngui.core.model.saving import load_model
    from nngui.core.platform.runtime import keras

    app = QApplication.instance() or QApplication([])
    mnist = load_mnist(allow_download=False)
    x_test = np.asarray(mnist.x_test, np.float32).reshape(-1, 28, 28)
    templates = load_templates()
    base = load_model(args.model)

    def predict(model, x):
        return FastPredictor(model).predict_batch(x).argmax(axis=1)

    base_mnist = float(np.mean(predict(base, x_test) == mnist.y_test))
    writers = []
    for k in range(args.writers):
        w = make_writer(args.seed + k, templates)
        drawings = writer_set(w, templates, args.teach + args.later)
        images = render_set(drawings)
        app.processEvents()
        y = np.array([d.digit for d in drawings])
        i = np.arange(len(y)) % (args.teach + args.later)
        taught, later = i < args.teach, i >= args.teach
        model = keras().models.clone_model(base)
        model.set_weights(base.get_weights())
        zero = predict(model, images[later])
        frozen.clear_cache()  # each writer's fine-tune is a first one: replay features too
        t0, c0 = time.perf_counter(), time.process_time()
        plan = F.make_plan(model, images[taught], y[taught], mnist)
        report = F.run_finetune(model, plan)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        after = predict(model, images[later])
        yl = y[later]
        writers.append({
            "writer": w.seed, "styles": {str(d): s for d, s in w.styles.items()},
            "slant": round(w.slant, 1), "aspect": round(w.aspect, 2), "pen": w.pen,
            "zero_shot": round(float(np.mean(zero == yl)), 4),
            "after": round(float(np.mean(after == yl)), 4),
            "zero_shot_per_digit": per_digit(zero, yl), "after_per_digit": per_digit(after, yl),
            "mnist_after": round(float(np.mean(predict(model, x_test) == mnist.y_test)), 4),
            "finetune_seconds": round(seconds, 1), "finetune_cpu_seconds": round(cpu, 1),
            "finetune_parts_seconds": {k: round(v, 2) for k, v in report.seconds.items()},
            "kept_epochs": report.epochs,
            "holdout_before_after": [round(report.user_before, 4), round(report.user_after, 4)],
            "confusions_after": sorted({f"{a}->{b}" for a, b in zip(yl[after != yl].tolist(),
                                                                   after[after != yl].tolist(),
                                                                   strict=True)}),
        })
        print(json.dumps(writers[-1]), file=sys.stderr)
    zs = [w["zero_shot"] for w in writers]
    af = [w["after"] for w in writers]
    hard = np.argsort(zs)[:3]
    result = {
        "benchmark": "finetune", "model": str(args.model), "first_seed": args.seed,
        "teach_per_digit": args.teach, "later_per_digit": args.later,
        "cores": os.cpu_count(), "mnist_before": round(base_mnist, 4),
        "zero_shot_mean": round(float(np.mean(zs)), 4), "after_mean": round(float(np.mean(af)), 4),
        "hardest3_zero_shot": round(float(np.mean([zs[j] for j in hard])), 4),
        "hardest3_after": round(float(np.mean([af[j] for j in hard])), 4),
        "mnist_after_min": min(w["mnist_after"] for w in writers),
        "finetune_seconds_max": max(w["finetune_seconds"] for w in writers),
        # CPU time of all the process's threads: what 2 cores must do, whatever else runs
        "finetune_cpu_seconds_max": max(w["finetune_cpu_seconds"] for w in writers),
        "load_average": [round(v, 1) for v in os.getloadavg()],
        "zero_shot_per_digit": {d: round(float(np.mean([w["zero_shot_per_digit"][d]
                                                         for w in writers])), 4)
                                for d in writers[0]["zero_shot_per_digit"]},
        "after_per_digit": {d: round(float(np.mean([w["after_per_digit"][d] for w in writers])), 4)
                            for d in writers[0]["after_per_digit"]},
        "writers": writers,
    }
    return print_result(result, args.out)


def zero_shot_main(args: argparse.Namespace) -> int:
    """``--zero-shot-only``: per writer and per digit, the model as it is, on the later digits.

    The later digits are the same drawings as in the full run (every drawing is seeded by its
    writer, digit and index), so the numbers match the full run's ``zero_shot`` ones.
    """
    from PySide6.QtWidgets import QApplication

    from nngui.core.data.datasets import load_mnist
    from nngui.core.model.inference import FastPredictor
    from nngui.core.model.saving import load_model

    app = QApplication.instance() or QApplication([])
    mnist = load_mnist(allow_download=False)
    x_test = np.asarray(mnist.x_test, np.float32).reshape(-1, 28, 28)
    templates = load_templates()
    predictor = FastPredictor(load_model(args.model))

    def predict(x):
        return predictor.predict_batch(x).argmax(axis=1)

    t0 = time.perf_counter()
    writers, preds, labels = [], [], []
    for k in range(args.writers):
        w = make_writer(args.seed + k, templates)
        drawings = writer_set(w, templates, args.later, first=args.teach)
        images = render_set(drawings)
        app.processEvents()
        y = np.array([d.digit for d in drawings])
        zero = predict(images)
        preds.append(zero)
        labels.append(y)
        writers.append({
            "writer": w.seed, "styles": {str(d): s for d, s in w.styles.items()},
            "slant": round(w.slant, 1), "aspect": round(w.aspect, 2), "pen": w.pen,
            "zero_shot": round(float(np.mean(zero == y)), 4),
            "zero_shot_per_digit": per_digit(zero, y),
            "confusions": sorted({f"{a}->{b}" for a, b in zip(y[zero != y].tolist(),
                                                             zero[zero != y].tolist(),
                                                             strict=True)}),
        })
        print(json.dumps(writers[-1]), file=sys.stderr)
    pred, y = np.concatenate(preds), np.concatenate(labels)
    digits = per_digit(pred, y)
    result = {
        "benchmark": "finetune --zero-shot-only", "model": str(args.model),
        "first_seed": args.seed, "writers_n": args.writers, "later_per_digit": args.later,
        "mnist_test": round(float(np.mean(predict(x_test) == mnist.y_test)), 4),
        "zero_shot_mean": round(float(np.mean(pred == y)), 4),
        "zero_shot_per_digit": digits,
        "worst_digit": min(digits, key=digits.get),
        "worst_writer": round(min(w["zero_shot"] for w in writers), 4),
        "seconds": round(time.perf_counter() - t0, 1),
        "load_average": [round(v, 1) for v in os.getloadavg()],
        "writers": writers,
    }
    return print_result(result, args.out)


if __name__ == "__main__":
    raise SystemExit(main())
