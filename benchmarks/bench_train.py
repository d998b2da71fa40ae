"""Epoch time of a preset through nngui's training path vs plain Keras ``model.fit``.

Run by hand (prints one JSON object):
    python benchmarks/bench_train.py --preset mnist-mlp-512 --batch-sizes 32 128 --epochs 2

Both sides train the same architecture on the same MNIST arrays in the same process,
interleaved (Keras, nngui, Keras, nngui ... ``--repeats`` times) so machine noise hits both;
each side reports its best run. The first epoch (tracing/XLA compile) is reported separately;
``epoch_s`` is the median of the later epochs of a run.

Against the limit: ``gflops`` is each side's achieved float32 GFLOP/s over a later epoch
(2 FLOPs a multiply-add, training counted as 3 forward passes plus the validation forward
pass), next to ``numpy_matmul_peak_gflops``, a 4096x4096 float32 matmul timed in this process.
``--jit on|off`` forces nngui's XLA choice (default: its own, by run length).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np

from nngui.core.data.adapt import prepare
from nngui.core.data.datasets import load_mnist
from nngui.core.model.builder import build_model, make_loss, make_metrics, make_optimizer
from nngui.core.network.shapes import forward_macs
from nngui.core.platform.runtime import describe_device, keras
from nngui.core.training.observer import Observer
from nngui.core.training.presets import get_preset
from nngui.core.training.train import choose_compile, evaluate, train


def _keras_plain(spec, data, batch: int, epochs: int, seed: int) -> dict:
    k = keras()
    model = build_model(spec, seed)
    optimizer = make_optimizer(spec)
    if "update_step" in vars(optimizer):  # nngui's fused Adam: the baseline keeps Keras' own
        del optimizer.update_step
    # Keras defaults: steps_per_execution=1, jit_compile="auto"
    model.compile(optimizer=optimizer, loss=make_loss(spec), metrics=make_metrics(spec))
    times: list[float] = []

    class T(k.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.t = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times.append(time.perf_counter() - self.t)

    model.fit(data.x_train, data.y_train, batch_size=batch, epochs=epochs,
              validation_split=0.1, verbose=0, callbacks=[T()])
    return {"first_epoch_s": round(times[0], 3),
            "epoch_s": round(statistics.median(times[1:] or times), 3),
            "test_accuracy": round(evaluate(model, data)["accuracy"], 4)}


class _Count(Observer):
    def __init__(self) -> None:
        self.bundles = 0
        self.points = 0

    def on_batches(self, epoch, step, points, logs):
        self.bundles += 1
        self.points += len(points)


def _nngui(spec, data, cfg) -> dict:
    model = build_model(spec, cfg.seed)
    obs = _Count()
    result = train(model, data, spec, cfg, obs)
    times = result.history["epoch_time"]
    spe, jit = choose_compile(spec, cfg, int(len(data.x_train) * (1 - cfg.validation_split)))
    wall = sum(times)
    return {"first_epoch_s": round(times[0], 3),
            "epoch_s": round(statistics.median(times[1:] or times), 3),
            "test_accuracy": round(evaluate(model, data)["accuracy"], 4),
            "steps_per_execution": spe, "jit_compile": jit,
            "curve_updates_per_s": round(obs.bundles / wall, 1),
            "curve_points_per_s": round(obs.points / wall, 1)}


def matmul_peak_gflops(n: int = 4096, repeats: int = 5) -> float:
    """Best float32 GFLOP/s of NumPy's n x n matmul (all BLAS threads)."""
    rng = np.random.default_rng(0)
    a = rng.random((n, n), dtype=np.float32)
    b = rng.random((n, n), dtype=np.float32)
    a @ b  # warm the BLAS threads
    best = min(_timed(lambda: a @ b) for _ in range(repeats))
    return 2 * n**3 / best / 1e9


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--preset", default="mnist-mlp-512")
    ap.add_argument("--batch-sizes", type=int, nargs="+", default=[32, 128])
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--jit", choices=["auto", "on", "off"], default="auto")
    ap.add_argument("--data", default=None, help="mnist.npz (default: ../shared/data/mnist.npz, then the usual chain)")
    args = ap.parse_args()
    preset = get_preset(args.preset)
    spec = preset.spec()
    shared = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist.npz"
    path = args.data or (str(shared) if shared.is_file() else None)
    data = prepare(load_mnist(path, allow_download=False), spec)
    n_fit = int(len(data.x_train) * 0.9)
    flops = 2 * forward_macs(spec) * (3 * n_fit + (len(data.x_train) - n_fit))
    out = {"preset": args.preset, "device": describe_device(), "epochs": args.epochs,
           "n_train": n_fit, "epoch_gflop": round(flops / 1e9, 1),
           "numpy_matmul_peak_gflops": round(matmul_peak_gflops(), 1), "results": []}
    for batch in args.batch_sizes:
        cfg = preset.train_config()
        cfg.batch_size, cfg.epochs = batch, args.epochs
        cfg.jit_compile = {"auto": None, "on": True, "off": False}[args.jit]
        plains, ourss = [], []
        for _ in range(args.repeats):
            plains.append(_keras_plain(spec, data, batch, args.epochs, cfg.seed or 0))
            ourss.append(_nngui(spec, data, cfg))
        plain = min(plains, key=lambda r: r["epoch_s"])
        ours = min(ourss, key=lambda r: r["epoch_s"])
        plain["runs_epoch_s"] = [r["epoch_s"] for r in plains]
        ours["runs_epoch_s"] = [r["epoch_s"] for r in ourss]
        for side in (plain, ours):
            side["gflops"] = round(flops / side["epoch_s"] / 1e9, 1)
            side["fraction_of_peak"] = round(side["gflops"] / out["numpy_matmul_peak_gflops"], 2)
        out["results"].append({"batch_size": batch, "keras_fit": plain, "nngui": ours,
                               "speedup_vs_keras": round(plain["epoch_s"] / ours["epoch_s"], 2)})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
