"""Fine-tune variants and writer-prototype readers compared on UNIPEN writers (issue 26).

Run by hand (one JSON line per variant and seed on stdout, per-writer lines on stderr; the
cache ``bench_unipen.py --cache`` wrote; MNIST from $NNGUI_MNIST, never downloaded):

    python benchmarks/unipen_variants.py --cache /tmp/unipen_r26.npz --set A \\
        --model ee33.keras --variants base,strong --seeds 0,1

Settings are chosen on the *training* contributors' writers (``--writers-of train``, the
default) with a model that never trained on them (ee33e25's), never on the held-out ones:

* set **A**: teach 5 of each digit, writers with 3 later digits of each at least (6 writers,
  1,361 later digits); set **B**: teach 3, 2 later (14 writers, 1,886 later digits).

Each writer is fine-tuned from the same model as the Fine-tune button does
(``finetune.make_plan`` + ``run_finetune``, MNIST replayed; the body's replay features are
computed once per process), then its later digits are read by several **readers**, all from
the one fine-tuned model: ``head`` (what the Draw tab reads), ``proto_T{T}_a{a}`` (the head's
softmax blended with a softmax over cosine similarity to each digit's mean taught feature,
the 128 values before the last layer), ``knn{k}_a{a}`` (blended with the vote of the k most
similar taught digits) and ``imprint_b{b}`` (the last layer's weights plus ``b`` times the
normalised class means: weight imprinting). Every reader also reads the first 2,000 MNIST
test digits with that writer's prototypes (``mnist2k_errors``, summed over the writers):
a prototype pulls any digit towards the writer's hand, MNIST's too.

Variants (``VARIANTS``): ``base`` (the shipped settings), ``strong``/``weak`` (the jitter's
rotation, shear, scale and elastic size up or down), ``orig`` (one of each digit's copies
is the digit as drawn), ``replay1200`` (the taught digits weigh twice as much against the
replay set), ``fold0`` (no held-out fold: every taught digit trains the 12 epochs),
``dropout0.1`` (the head's Dropout layers at 0.1 instead of the model's rates while it trains).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_unipen import load_cache, taught_and_later, teach_writers  # noqa: E402

SETS = {"A": (5, 3), "B": (3, 2), "H": (10, 5)}  # teach, later digits of each at least
# name: (make_plan keywords, augment constants, keep each digit as drawn among its copies)
VARIANTS: dict[str, tuple[dict, dict, bool]] = {
    "base": ({}, {}, False),
    "strong": ({}, {"ROTATE": 15.0, "SHEAR": 0.3, "SCALE": 0.15, "ELASTIC": 1.8}, False),
    "weak": ({}, {"ROTATE": 6.0, "SHEAR": 0.12, "ELASTIC": 0.8}, False),
    "orig": ({}, {}, True),
    "replay1200": ({"replay": 1200}, {}, False),
    "fold0": ({"holdout_fraction": 0.0}, {}, False),
}
DROPOUT = {"dropout0.1": 0.1}  # the head's Dropout layers at this rate while fine-tuning
for _name in DROPOUT:
    VARIANTS[_name] = ({}, {}, False)


@contextmanager
def variant(name: str):
    """The variant's make_plan keywords, with its jitter in place (restored afterwards)."""
    from nngui.core.drawing import augment
    from nngui.core.drawing import finetune as F

    kwargs, constants, keep = VARIANTS[name]
    saved = {k: getattr(augment, k) for k in constants}
    plain = F.jitter

    def with_original(x: np.ndarray, copies: int, rng: np.random.Generator) -> np.ndarray:
        x = np.asarray(x, np.float32).reshape(-1, 28, 28)
        made = plain(x, copies - 1, rng).reshape(len(x), copies - 1, 28, 28)
        return np.concatenate([made, x[:, None]], 1).reshape(-1, 28, 28)

    try:
        for k, v in constants.items():
            setattr(augment, k, v)
        if keep:
            F.jitter = with_original
        yield dict(kwargs)
    finally:
        for k, v in saved.items():
            setattr(augment, k, v)
        F.jitter = plain


def features(model, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Softmax outputs and the 128 features before the last layer (Dense 128 after its ReLU,
    in inference mode)."""
    from nngui.core.platform.runtime import keras

    shape = tuple(int(v) for v in model.inputs[0].shape[1:])
    sub = keras().Model(model.inputs, [model.layers[-1].output, model.layers[-3].output])
    p, h = sub.predict(np.asarray(x, np.float32).reshape(-1, *shape), batch_size=500,
                       verbose=0)
    return np.asarray(p), np.asarray(h)


def _unit(h: np.ndarray) -> np.ndarray:
    return h / (np.linalg.norm(h, axis=1, keepdims=True) + 1e-8)


def readers(p: np.ndarray, h: np.ndarray, h_taught: np.ndarray, y_taught: np.ndarray
            ) -> dict[str, np.ndarray]:
    """Each reader's predicted digits for outputs ``p`` and features ``h``."""
    out = {"head": p.argmax(1)}
    means = np.stack([_unit(h_taught[y_taught == c].mean(0, keepdims=True))[0]
                      for c in range(10)])
    cos = _unit(h) @ means.T
    for t in (0.05, 0.1):
        e = np.exp((cos - cos.max(1, keepdims=True)) / t)
        soft = e / e.sum(1, keepdims=True)
        for a in (0.3, 0.5):
            out[f"proto_T{t}_a{a}"] = ((1 - a) * p + a * soft).argmax(1)
    sim = _unit(h) @ _unit(h_taught).T
    for k in (1, 3, 5):
        near = np.argsort(-sim, 1)[:, :k]
        vote = np.zeros_like(p)
        for j in range(k):
            vote[np.arange(len(p)), y_taught[near[:, j]]] += 1.0 / k
        for a in (0.3, 0.5):
            out[f"knn{k}_a{a}"] = ((1 - a) * p + a * vote).argmax(1)
    logits = np.log(np.maximum(p, 1e-30))
    for b in (0.1, 0.25, 0.5, 1.0):
        out[f"imprint_b{b}"] = (logits + b * (h @ means.T)).argmax(1)
    return out


def run(d: dict, writers: list[str], teach: int, name: str, seed: int, mnist, base) -> dict:
    from nngui.core.drawing import finetune as F
    from nngui.core.platform.runtime import keras

    x_check = np.asarray(mnist.x_test, np.float32).reshape(-1, 28, 28)[:2000]
    y_check = np.asarray(mnist.y_test).reshape(-1)[:2000]
    errors: Counter = Counter()
    mnist_errors: Counter = Counter()
    per_writer, confusions, cpu = {}, {}, []
    n_later = 0
    for w in writers:
        taught, later = taught_and_later(d, w, teach)
        model = keras().models.clone_model(base)
        model.set_weights(base.get_weights())
        if name in DROPOUT:
            for layer in model.layers:
                if type(layer).__name__ == "Dropout":
                    layer.rate = DROPOUT[name]
        c0 = time.process_time()
        with variant(name) as kwargs:
            plan = F.make_plan(model, d["x"][taught], d["y"][taught], mnist, seed=seed,
                               **kwargs)
            F.run_finetune(model, plan)
        cpu.append(time.process_time() - c0)
        y_later, y_taught = d["y"][later], d["y"][taught]
        p, h = features(model, d["x"][later])
        h_taught = features(model, d["x"][taught])[1]
        read = readers(p, h, h_taught, y_taught)
        for reader, pred in readers(*features(model, x_check), h_taught, y_taught).items():
            mnist_errors[reader] += int((pred != y_check).sum())
        for reader, pred in read.items():
            errors[reader] += int((pred != y_later).sum())
        wrong = read["head"] != y_later
        per_writer[w] = int(wrong.sum())
        confusions[w] = [f"{a}->{b}" for a, b in zip(y_later[wrong].tolist(),
                                                      read["head"][wrong].tolist(), strict=True)]
        n_later += len(later)
        print(json.dumps({"writer": w, "later": int(len(later)), "head_errors": per_writer[w],
                          "confusions": confusions[w], "cpu": round(cpu[-1], 1)}),
              file=sys.stderr, flush=True)
    return {"variant": name, "seed": seed, "teach": teach, "writers": len(writers),
            "later": n_later, "errors": dict(errors), "mnist2k_errors": dict(mnist_errors),
            "per_writer_head": per_writer, "confusions_head": confusions,
            "cpu_mean": round(float(np.mean(cpu)), 1), "cpu_max": round(float(np.max(cpu)), 1),
            "load_average": round(os.getloadavg()[0], 1)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, required=True, help="bench_unipen.py's .npz")
    ap.add_argument("--model", type=Path, required=True,
                    help="a model that never trained on these writers (ee33e25's)")
    ap.add_argument("--set", choices=sorted(SETS), default="A")
    ap.add_argument("--writers-of", choices=("train", "test"), default="train")
    ap.add_argument("--variants", default="base", help=f"of {', '.join(VARIANTS)}")
    ap.add_argument("--seeds", default="0", help="make_plan seeds, e.g. 0,1")
    args = ap.parse_args(argv)
    unknown = [v for v in args.variants.split(",") if v not in VARIANTS]
    if unknown:
        print(f"error: no variant {', '.join(unknown)}", file=sys.stderr)
        return 2
    from nngui.core.data.datasets import load_mnist
    from nngui.core.model.saving import load_model

    d = load_cache(args.cache)
    teach, min_later = SETS[args.set]
    writers = teach_writers(d, teach, args.writers_of, min_later)
    mnist = load_mnist(allow_download=False)
    base = load_model(args.model)
    for name in args.variants.split(","):
        for seed in (int(s) for s in args.seeds.split(",")):
            result = run(d, writers, teach, name, seed, mnist, base)
            print(json.dumps({"set": args.set, "writers_of": args.writers_of, **result}),
                  flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
