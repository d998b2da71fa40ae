"""Real people's pen digits (UNIPEN) through the Draw canvas: zero-shot and teach-10.

Run by hand (prints one JSON object; no display needed; UNIPEN extracted to a folder, see
``unipen.py``; MNIST from $NNGUI_MNIST or the usual places, never downloaded):

    python benchmarks/bench_unipen.py --unipen /tmp/unipen --cache /tmp/unipen.npz
    python benchmarks/bench_unipen.py --cache /tmp/unipen.npz --teach 10 --out result.json
    python benchmarks/bench_unipen.py --cache /tmp/unipen.npz --model other.keras

Every isolated digit of UNIPEN train_r01_v07 section 1a (CC BY 4.0, doi
10.5281/zenodo.1195803) is scaled into the canvas as a person fills it (``unipen.to_drawing``)
and replayed with mouse events on a real ``DrawCanvas`` (``bench_handwriting.replay``); the
28x28 image the Draw tab reads is what the model sees. Replaying ~16,000 digits takes
minutes, so ``--cache`` keeps the images (and labels, writers) in an .npz; the images do not
depend on the model.

**Writers.** Whole contributors are held out: ``TEST_CONTRIBUTORS`` were fixed before any
model was scored on them — ``syn`` (9 of its writer files hold at least 15 of every digit,
which teach-10 needs; elsewhere only ``gmd/monu`` does) and five drawn from the other 16
with ``numpy.random.default_rng(26).choice(sorted(others), 5, replace=False)``. Nothing
trains or is tuned on them. The other contributors are the *training writers*: a model may
learn from them (``--split train`` writes their images for the training script).

**Zero-shot**: accuracy on the test writers' digits, overall, per digit, per contributor and
per writer (segment file); the training writers' accuracy beside it, for reference.

**Teach-10** (``--teach 10``): for every test writer with at least ``teach + MIN_LATER`` of
each digit (with ``--teach 10``: 9 of the 17 ``syn`` writers, 37-44 of each digit), the first ``teach`` of each digit (in the order written)
are taught, the model is fine-tuned as the Fine-tune button does (``finetune.make_plan`` +
``run_finetune``, MNIST replayed), and that writer's later digits are read before and after;
also the seconds fine-tuning took (wall and CPU, and each part's: ``FinetuneReport.seconds``;
the frozen body's replay features are computed anew for every writer, as a first fine-tune
computes them) and the MNIST test accuracy (10,000) after it. Every writer starts from the
same model.

**Choosing settings** (``--writers-of train``): the same teach run on the *training*
contributors' writers (``gmd/kast`` has 85 of every digit; with ``--teach 5 --min-later 3``
also ``gmd/monu`` and four ``uqb`` writers), with a model that never trained on them
(ee33e25's, before UNIPEN): the fine-tune's settings are chosen there, never on the test
writers.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_handwriting import BUNDLED_CNN, new_canvas, print_result, replay  # noqa: E402
from unipen import UnipenError, read_folder, to_drawing, unipen_root  # noqa: E402

TEST_CONTRIBUTORS = ("app", "ceb", "ced", "imp", "syn", "val")  # fixed up front, see above
MIN_LATER = 5  # a teach-10 writer needs this many later digits of every digit at least
MAX_CACHE_BYTES = 1 << 30  # an .npz member larger than this is refused
CACHE_KEYS = ("x", "y", "contributor", "writer", "skipped", "seconds")


def render_all(root: Path, seed: int = 0, progress: bool = True) -> dict[str, np.ndarray]:
    """Every digit replayed on one canvas: images, labels, contributor, writer, order."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    reading = read_folder(root)
    canvas = new_canvas()
    images = np.zeros((len(reading.digits), 28, 28), np.float32)
    t0 = time.perf_counter()
    try:
        for k, d in enumerate(reading.digits):
            images[k] = replay(canvas, to_drawing(d, seed))
            if k % 200 == 0:
                app.processEvents()
                if progress:
                    print(f"{k}/{len(images)} {time.perf_counter() - t0:.0f}s", file=sys.stderr)
    finally:
        canvas.close()
        canvas.deleteLater()
    return {"x": images, "y": np.array([d.label for d in reading.digits], np.int64),
            "contributor": np.array([d.contributor for d in reading.digits]),
            "writer": np.array([d.writer for d in reading.digits]),
            "skipped": np.array(json.dumps(dict(reading.skipped))),
            "seconds": np.array(time.perf_counter() - t0)}


def taught_and_later(d: dict, w: str, teach: int) -> tuple[np.ndarray, np.ndarray]:
    """Writer ``w``'s digits in the order written: the first ``teach`` of each digit (taught)
    and the rest (later), as indices into the cache's arrays."""
    idx = np.flatnonzero(d["writer"] == w)
    y = d["y"][idx]
    rank = np.zeros(len(idx), np.int64)
    for k in range(10):
        rank[y == k] = np.arange((y == k).sum())
    return idx[rank < teach], idx[rank >= teach]


def load_cache(path: Path) -> dict[str, np.ndarray]:
    """The arrays ``render_all`` wrote (no pickles; each member's size checked)."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            for info in z.infolist():
                if info.file_size > MAX_CACHE_BYTES:
                    raise UnipenError(f"{path}: member {info.filename} is too large")
        with np.load(path, allow_pickle=False) as f:
            out = {k: f[k] for k in f.files}
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise UnipenError(f"{path}: not a cache this benchmark wrote ({exc})") from None
    missing = sorted(set(CACHE_KEYS) - set(out))
    if missing:
        raise UnipenError(f"{path}: not a cache this benchmark wrote (no {', '.join(missing)})")
    return out


def save_cache(path: Path, arrays: dict[str, np.ndarray]) -> None:
    from nngui.core.platform.fsio import atomic_path

    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        np.savez_compressed(fh, **arrays)


def is_test(contributor: np.ndarray) -> np.ndarray:
    return np.isin(contributor, TEST_CONTRIBUTORS)


def acc_by(ok: np.ndarray, keys: np.ndarray) -> dict[str, float]:
    return {str(k): round(float(ok[keys == k].mean()), 4) for k in sorted(set(keys.tolist()))}


def zero_shot(pred: np.ndarray, d: dict[str, np.ndarray]) -> dict:
    """Accuracy of ``pred`` on the test writers (in full) and the training writers (overall)."""
    y, test = d["y"], is_test(d["contributor"])
    ok = pred == y
    t = test
    per_writer = acc_by(ok[t], d["writer"][t])
    wrong = Counter(f"{a}->{b}" for a, b in zip(y[t & ~ok].tolist(), pred[t & ~ok].tolist(),
                                                strict=True))
    return {
        "test_n": int(t.sum()), "test_accuracy": round(float(ok[t].mean()), 4),
        "test_per_digit": acc_by(ok[t], y[t]),
        "test_per_contributor": acc_by(ok[t], d["contributor"][t]),
        "test_per_writer_min": min(per_writer.values()),
        "test_writers_below_0.95": sum(v < 0.95 for v in per_writer.values()),
        "test_confusions": dict(wrong.most_common(12)),
        "train_writers_n": int((~t).sum()),
        "train_writers_accuracy": round(float(ok[~t].mean()), 4),
        "train_writers_per_digit": acc_by(ok[~t], y[~t]),
        "test_per_writer": per_writer,
    }


def teach_writers(d: dict[str, np.ndarray], teach: int, of: str = "test",
                  min_later: int | None = None) -> list[str]:
    """Test (or, ``of="train"``, training) writers with at least ``teach + min_later``
    (``MIN_LATER``) of every digit."""
    min_later = MIN_LATER if min_later is None else min_later
    out = []
    mine = is_test(d["contributor"]) if of == "test" else ~is_test(d["contributor"])
    for w in sorted(set(d["writer"][mine].tolist())):
        counts = np.bincount(d["y"][d["writer"] == w], minlength=10)
        if counts.min() >= teach + min_later:
            out.append(w)
    return out


def teach_run(model_path: Path, d: dict[str, np.ndarray], teach: int,
              writers: list[str]) -> dict:
    """Teach-10 per writer, each from the same model: before/after, seconds, MNIST after."""
    from nngui.core.data.datasets import load_mnist
    from nngui.core.drawing import finetune as F
    from nngui.core.drawing import frozen
    from nngui.core.model.inference import FastPredictor
    from nngui.core.model.saving import load_model
    from nngui.core.platform.runtime import keras

    mnist = load_mnist(allow_download=False)
    x_test = np.asarray(mnist.x_test, np.float32).reshape(-1, 28, 28)
    base = load_model(model_path)

    def predict(model, x):
        return FastPredictor(model).predict_batch(x).argmax(axis=1)

    out = []
    for w in writers:
        taught, later = taught_and_later(d, w, teach)
        model = keras().models.clone_model(base)
        model.set_weights(base.get_weights())
        yl = d["y"][later]
        before = predict(model, d["x"][later])
        frozen.clear_cache()  # each writer's fine-tune is a first one: replay features too
        t0, c0 = time.perf_counter(), time.process_time()
        plan = F.make_plan(model, d["x"][taught], d["y"][taught], mnist)
        report = F.run_finetune(model, plan)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        after = predict(model, d["x"][later])
        out.append({
            "writer": w, "taught": int(len(taught)), "later": int(len(later)),
            "before": round(float(np.mean(before == yl)), 4),
            "after": round(float(np.mean(after == yl)), 4),
            "after_per_digit": acc_by(after == yl, yl),
            "mnist_after": round(float(np.mean(predict(model, x_test) == mnist.y_test)), 4),
            "finetune_seconds": round(seconds, 1), "finetune_cpu_seconds": round(cpu, 1),
            "finetune_parts_seconds": {k: round(v, 2) for k, v in report.seconds.items()},
            "load_average": round(os.getloadavg()[0], 1),
            "replay": report.replay, "kept_epochs": report.epochs,
            "confusions_after": dict(Counter(f"{a}->{b}" for a, b in zip(
                yl[after != yl].tolist(), after[after != yl].tolist(), strict=True))),
        })
        print(json.dumps(out[-1]), file=sys.stderr)
    n = np.array([r["later"] for r in out])
    return {
        "teach_per_digit": teach, "writers_n": len(out),
        "before": round(float(np.average([r["before"] for r in out], weights=n)), 4),
        "after": round(float(np.average([r["after"] for r in out], weights=n)), 4),
        "after_min_writer": min(r["after"] for r in out),
        "mnist_after_min": min(r["mnist_after"] for r in out),
        "finetune_seconds_max": max(r["finetune_seconds"] for r in out),
        "finetune_seconds_mean": round(float(np.mean([r["finetune_seconds"] for r in out])), 1),
        "finetune_cpu_seconds_max": max(r["finetune_cpu_seconds"] for r in out),
        "finetune_cpu_seconds_mean": round(float(np.mean([r["finetune_cpu_seconds"]
                                                          for r in out])), 1),
        "writers": out,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--unipen", default=None, help="extracted UNIPEN folder ($NNGUI_UNIPEN)")
    ap.add_argument("--cache", type=Path, default=None,
                    help="the replayed images (.npz): read if it exists, else written")
    ap.add_argument("--model", type=Path, default=BUNDLED_CNN)
    ap.add_argument("--teach", type=int, default=0, help="teach-10: taught digits per digit")
    ap.add_argument("--max-writers", type=int, default=0, help="teach only the first N writers")
    ap.add_argument("--writers-of", choices=("test", "train"), default="test",
                    help="teach the held-out writers (the measurement) or the training "
                         "contributors' writers (to choose settings on; with a model that "
                         "never trained on them, e.g. ee33e25's)")
    ap.add_argument("--min-later", type=int, default=None,
                    help="later digits of every digit a taught writer needs at least")
    ap.add_argument("--seed", type=int, default=0, help="size/position jitter of the drawings")
    ap.add_argument("--split", choices=("train",), default=None,
                    help="write the training writers' images and labels to --out (.npz)")
    ap.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    args = ap.parse_args(argv)
    try:
        if args.cache is not None and args.cache.is_file():
            d = load_cache(args.cache)
        else:
            d = render_all(unipen_root(args.unipen), args.seed)
            if args.cache is not None:
                save_cache(args.cache, d)
    except (UnipenError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.split == "train":
        if args.out is None:
            print("error: --split train needs --out FILE.npz", file=sys.stderr)
            return 2
        keep = ~is_test(d["contributor"])
        save_cache(args.out, {"x": d["x"][keep], "y": d["y"][keep]})
        print(json.dumps({"written": str(args.out), "n": int(keep.sum())}))
        return 0

    from nngui.core.data.datasets import load_mnist
    from nngui.core.model.inference import FastPredictor
    from nngui.core.model.saving import load_model

    predictor = FastPredictor(load_model(args.model))
    pred = predictor.predict_batch(d["x"]).argmax(axis=1)
    mnist = load_mnist(allow_download=False)
    mnist_acc = predictor.predict_batch(np.asarray(mnist.x_test, np.float32).reshape(
        -1, 28, 28)).argmax(axis=1) == mnist.y_test
    result = {"benchmark": "unipen", "model": str(args.model),
              "test_contributors": list(TEST_CONTRIBUTORS),
              "skipped_segments": json.loads(str(d["skipped"])),
              "replay_seconds": round(float(d["seconds"]), 1),
              "mnist_test": round(float(mnist_acc.mean()), 4),
              "load_average": [round(v, 1) for v in os.getloadavg()],
              "zero_shot": zero_shot(pred, d)}
    if args.teach:
        writers = teach_writers(d, args.teach, args.writers_of, args.min_later)
        if args.max_writers:
            writers = writers[:args.max_writers]
        result["teach"] = teach_run(args.model, d, args.teach, writers)
        result["teach"]["writers_of"] = args.writers_of
        result["load_average_after"] = [round(v, 1) for v in os.getloadavg()]
    return print_result(result, args.out)


if __name__ == "__main__":
    raise SystemExit(main())
