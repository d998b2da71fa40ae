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
normalised class means: weight imprinting). The **gated** readers use that k-nearest vote
only for some digits and the head alone for the rest: ``gknn{k}_a{a}_t{tau}`` where the most
similar taught digit has cosine similarity >= tau (a digit very like one the writer taught),
``gmargin{k}_a{a}_d{delta}`` where the head's top two probabilities are less than delta
apart, ``gboth...`` where both hold (``GATE_*``). Every reader also reads the first 2,000
MNIST test digits with that writer's prototypes (``mnist2k_errors``, summed over the
writers; ``--mnist-check N`` for another count): a prototype pulls any digit towards the
writer's hand, MNIST's too. Per writer: errors before teaching (the model as given, its
head) and every reader's errors after (``errors_per_writer``, in ``writer_names``' order).
``--dump DIR`` writes each writer's outputs and features, so other gates can be swept
without fine-tuning again; ``--readers NAMES`` reports only those (and the head): the one
reader chosen on sets A and B, measured on the held-out writers (``--set H --writers-of
test``).

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
# the gated readers (gknn, gmargin, gboth): k nearest taught digits, blend weight, the
# similarity gate tau and the head-margin gate delta
GATE_K = (1, 3)
GATE_WEIGHTS = (0.3, 0.5, 0.7)
GATE_TAUS = (0.8, 0.85, 0.9, 0.93, 0.95, 0.97)
GATE_MARGINS = (0.1, 0.3, 0.5)
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


def knn_vote(sim: np.ndarray, y_taught: np.ndarray, k: int) -> np.ndarray:
    """The vote of the ``k`` taught digits most similar to each digit (rows of ``sim``), 1/k
    each, as a (digits, 10) array."""
    near = np.argsort(-sim, 1)[:, :k]
    vote = np.zeros((len(sim), 10), np.float32)
    for j in range(k):
        vote[np.arange(len(sim)), y_taught[near[:, j]]] += 1.0 / k
    return vote


def _margin(p: np.ndarray) -> np.ndarray:
    """The head's top probability less its second."""
    top2 = np.sort(p, 1)[:, -2:]
    return top2[:, 1] - top2[:, 0]


def gated(p: np.ndarray, vote: np.ndarray, a: float, gate: np.ndarray) -> np.ndarray:
    """The blend ``(1 - a) * p + a * vote`` read where ``gate`` holds, the head elsewhere."""
    return np.where(gate, ((1 - a) * p + a * vote).argmax(1), p.argmax(1))


def gated_knn(p: np.ndarray, h: np.ndarray, h_taught: np.ndarray, y_taught: np.ndarray,
              k: int, a: float, tau: float = -1.0, delta: float = np.inf) -> np.ndarray:
    """The k-nearest-taught-digit blend, used only for a digit whose most similar taught
    digit has cosine similarity >= ``tau`` and whose head margin (top-1 less top-2
    probability) is < ``delta``; the head alone for every other digit."""
    sim = _unit(h) @ _unit(h_taught).T
    gate = (sim.max(1) >= tau) & (_margin(p) < delta)
    return gated(p, knn_vote(sim, y_taught, k), a, gate)


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
    nearest = sim.max(1)  # cosine similarity of each digit's most similar taught digit
    margin = _margin(p)
    for k in (1, 3, 5):
        vote = knn_vote(sim, y_taught, k)
        for a in (0.3, 0.5):
            out[f"knn{k}_a{a}"] = ((1 - a) * p + a * vote).argmax(1)
        if k not in GATE_K:
            continue
        for a in GATE_WEIGHTS:
            for tau in GATE_TAUS:
                out[f"gknn{k}_a{a}_t{tau}"] = gated(p, vote, a, nearest >= tau)
                for delta in GATE_MARGINS:
                    out[f"gboth{k}_a{a}_t{tau}_d{delta}"] = gated(
                        p, vote, a, (nearest >= tau) & (margin < delta))
            for delta in GATE_MARGINS:
                out[f"gmargin{k}_a{a}_d{delta}"] = gated(p, vote, a, margin < delta)
    logits = np.log(np.maximum(p, 1e-30))
    for b in (0.1, 0.25, 0.5, 1.0):
        out[f"imprint_b{b}"] = (logits + b * (h @ means.T)).argmax(1)
    return out


def run(d: dict, writers: list[str], teach: int, name: str, seed: int, mnist, base,
        mnist_check: int = 2000, dump: Path | None = None,
        only: set[str] | None = None) -> dict:
    from nngui.core.drawing import finetune as F
    from nngui.core.platform.runtime import keras

    x_check = np.asarray(mnist.x_test, np.float32).reshape(-1, 28, 28)[:mnist_check]
    y_check = np.asarray(mnist.y_test).reshape(-1)[:mnist_check]
    errors: Counter = Counter()
    mnist_errors: Counter = Counter()
    per_writer, confusions, cpu = {}, {}, []
    every: dict[str, list[int]] = {}  # reader: later-digit errors per writer, writers' order
    mnist_every: dict[str, list[int]] = {}
    before: list[int] = []
    n_later = 0
    for w in writers:
        taught, later = taught_and_later(d, w, teach)
        before.append(int((features(base, d["x"][later])[0].argmax(1) != d["y"][later]).sum()))
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
        read = {r: v for r, v in readers(p, h, h_taught, y_taught).items()
                if only is None or r in only}
        p_check, h_check = features(model, x_check)
        for reader, pred in readers(p_check, h_check, h_taught, y_taught).items():
            if only is not None and reader not in only:
                continue
            mnist_errors[reader] += int((pred != y_check).sum())
            mnist_every.setdefault(reader, []).append(int((pred != y_check).sum()))
        for reader, pred in read.items():
            errors[reader] += int((pred != y_later).sum())
            every.setdefault(reader, []).append(int((pred != y_later).sum()))
        if dump is not None:  # everything the readers read, to sweep gates without refitting
            dump.mkdir(parents=True, exist_ok=True)
            np.savez_compressed(dump / f"{name}_s{seed}_{w.replace('/', '+')}.npz",
                                p=p, h=h, y=y_later, h_taught=h_taught, y_taught=y_taught,
                                p_mnist=p_check, h_mnist=h_check, y_mnist=y_check)
        wrong = read["head"] != y_later
        per_writer[w] = int(wrong.sum())
        confusions[w] = [f"{a}->{b}" for a, b in zip(y_later[wrong].tolist(),
                                                      read["head"][wrong].tolist(), strict=True)]
        n_later += len(later)
        print(json.dumps({"writer": w, "later": int(len(later)), "head_errors": per_writer[w],
                          "confusions": confusions[w], "cpu": round(cpu[-1], 1)}),
              file=sys.stderr, flush=True)
    return {"variant": name, "seed": seed, "teach": teach, "writers": len(writers),
            "later": n_later, "errors": dict(errors),
            f"mnist{mnist_check // 1000}k_errors": dict(mnist_errors),
            "per_writer_head": per_writer, "confusions_head": confusions,
            "writer_names": list(writers), "later_per_writer": [
                int(len(taught_and_later(d, w, teach)[1])) for w in writers],
            "before_per_writer": before, "errors_per_writer": every,
            "mnist_errors_per_writer": mnist_every,
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
    ap.add_argument("--mnist-check", type=int, default=2000,
                    help="the first N MNIST test digits every reader reads after each writer")
    ap.add_argument("--readers", default=None,
                    help="report only these readers (comma-separated; the head always), e.g. "
                         "the one reader chosen on sets A and B, for the held-out writers")
    ap.add_argument("--dump", type=Path, default=None,
                    help="a folder: every writer's outputs, features and labels (.npz)")
    args = ap.parse_args(argv)
    unknown = [v for v in args.variants.split(",") if v not in VARIANTS]
    if unknown:
        print(f"error: no variant {', '.join(unknown)}", file=sys.stderr)
        return 2
    from nngui.core.data.datasets import load_mnist
    from nngui.core.model.saving import load_model

    only = None if args.readers is None else {"head", *args.readers.split(",")}
    if only is not None:
        known = readers(np.eye(10, dtype=np.float32), np.eye(10, 128, dtype=np.float32),
                        np.eye(10, 128, dtype=np.float32), np.arange(10))
        if only - set(known):
            print(f"error: no reader {', '.join(sorted(only - set(known)))}", file=sys.stderr)
            return 2
    d = load_cache(args.cache)
    teach, min_later = SETS[args.set]
    writers = teach_writers(d, teach, args.writers_of, min_later)
    mnist = load_mnist(allow_download=False)
    base = load_model(args.model)
    for name in args.variants.split(","):
        for seed in (int(s) for s in args.seeds.split(",")):
            result = run(d, writers, teach, name, seed, mnist, base, args.mnist_check,
                         args.dump, only)
            print(json.dumps({"set": args.set, "writers_of": args.writers_of, **result}),
                  flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
